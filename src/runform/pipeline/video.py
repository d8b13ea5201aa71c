"""Video → pose → analysis → outputs: the main job in one call.

:func:`analyze_video` chains :func:`runform.pose.estimate.estimate_pose` (with the pose
cache), :func:`runform.pose.assessment.assess_runner` (is the runner filmed well enough?),
:func:`runform.pipeline.track.analyze_track` and, with ``out_dir``, writes

- ``analysis.json`` — the engine's ``runform.analysis/1`` document (with findings) plus a
  ``"video"`` block: container, codec, frame size, rotation, stored and capture frame rates,
  the time base in words, frames, pose backend and its settings, the runner checks;
- ``pose.csv`` — the pose in the CSV contract (written as soon as pose is known, so it is
  there to inspect even when the analysis then refuses the clip);
- ``annotated.mp4`` and key-frame stills (``annotate=True``) via :mod:`runform.render`.

Examples
--------
>>> result = analyze_video("run.mp4", AnalysisOptions(height_cm=178), out_dir="out")  # doctest: +SKIP
>>> result.document["summary"]["cadence_spm"]                                          # doctest: +SKIP
169.0
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from runform.analysis import Analysis, Warning_
from runform.errors import AnalysisError, OptionError, RunformError
from runform.pipeline.capture_rate import _explain_time_base, _time_base_hint
from runform.pipeline.document import analysis_document
from runform.pipeline.track import AnalysisOptions, analyze_track
from runform.pipeline.track_checks import check_upright
from runform.pose.assessment import assess_runner
from runform.pose.backends import PoseBackend
from runform.pose.estimate import estimate_pose
from runform.pose.video import DEFAULT_MAX_SIDE, probe_video
from runform.progress import ProgressCallback, ProgressLike, ensure_progress
from runform.track import PoseTrack

if TYPE_CHECKING:  # the plan is imported only when a plan is asked for
    from runform.plan.profile import Profile
    from runform.render.frame_store import FrameStore

#: Most memory (MB) spent by default on keeping decoded frames for the annotated video.
DEFAULT_FRAME_MEMORY_MB = 1024
#: Longest stretch of real time shown in the annotated video by default (seconds).
DEFAULT_VIDEO_WINDOW_S = 20.0

#: The files ``analyze_video`` writes, in the order they are listed.
OUTPUT_ORDER = (
    "pose",
    "analysis",
    "annotated",
    "stills",
    "report_html",
    "report_pdf",
    "steps_csv",
    "report_single_file",
    "plan_html",
    "plan_ics",
    "plan_json",
)


@dataclass
class VideoAnalysis:
    """Result of :func:`analyze_video`.

    ``analysis``: the engine result; ``pose``: the pose track as estimated (real time,
    original pixels); ``document``: the ``analysis.json`` content; ``outputs``: files
    written, by name (``analysis``, ``pose``, ``annotated``, ``stills``...); ``notes``:
    outputs that were skipped and why.
    """

    analysis: Analysis
    pose: PoseTrack
    document: dict
    outputs: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def analyze_video(
    path: str | os.PathLike,
    options: AnalysisOptions | None = None,
    *,
    out_dir: str | os.PathLike | None = None,
    annotate: bool = True,
    progress: ProgressLike = None,
    capture_fps: float | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    backend: PoseBackend | None = None,
    max_side: int | None = DEFAULT_MAX_SIDE,
    pose_workers: int | None = None,
    frame_memory_mb: float = DEFAULT_FRAME_MEMORY_MB,
    write_report: bool = True,
    plan_profile: Profile | None = None,
    video_window_s: float | None = DEFAULT_VIDEO_WINDOW_S,
    single_file: bool = False,
    overlap_outputs: bool = True,
    smooth_video: bool = False,
    display_name: str | None = None,
    max_frames: int | None = None,
) -> VideoAnalysis:
    """Analyse a running video and (with ``out_dir``) write its outputs.

    Parameters
    ----------
    path:
        The video.
    options:
        Engine options (height, treadmill speed...).
    out_dir:
        Folder for ``analysis.json``, ``pose.csv`` and the rendered outputs; ``None`` writes
        nothing.
    annotate:
        Also write ``annotated.mp4`` and the key-frame stills.
    write_report:
        Also write ``report.html``, ``report.pdf`` and ``steps.csv``. With ``annotate`` the
        report is written as soon as the key-frame stills are (it shows them), while the
        video is still being encoded.
    single_file:
        Also write ``report-with-video.html``, the report with the annotated video inside
        (see :func:`runform.report.write_report`); when the video is too big for it, a
        note says so and the other files stand.
    overlap_outputs:
        Write the report while the annotated video is being encoded (sooner done on a
        machine with a core to spare). ``False`` writes them one after the other: the same
        files and CPU time, a lower memory peak (a worker running one job per core).
    video_window_s:
        The annotated video shows at most this many seconds: the steadiest stretch with the
        most steps (``None``: the whole clip). Slowed down 4–8×, a long clip would make a
        video nobody watches to the end, and cost as much to render as the pose itself.
    smooth_video:
        Give a slowed clip that would play below 24 frames a second in-between frames
        (cross-fades, the skeleton at the interpolated pose) so it plays at 24 fps. Off by
        default: every picture is then a filmed frame with its measured pose (a 30 fps clip
        plays at 7.5 frames a second), for a third of the CPU
        (:func:`runform.render.annotate.output_schedule`).
    plan_profile:
        When given, also write the 6-week plan (``plan.html``, ``plan.ics``, ``plan.json``).
    progress:
        Callback ``(stage, fraction, detail)``.
    display_name:
        The name the outputs give the video (``analysis.json``'s ``input.path`` and
        ``video.path``, the report), instead of ``path``: a server keeps an upload under a
        name of its own (``video.mp4`` in a temporary folder) and shows the runner's.
    max_frames:
        A video with more frames stops with an ``InputError`` as they are decoded
        (``None``: no limit). The web service's worker sets it: an upload's header may
        state no length, or a false one.
    capture_fps:
        Capture rate of slow motion whose file does not state it.
    cache, cache_dir:
        Cache pose per video and settings; the folder defaults to ``out_dir/.cache`` (no
        cache without ``out_dir`` unless ``cache_dir`` is given).
    backend:
        Pose model (default MediaPipe BlazePose).
    max_side:
        Frames with a longer side are scaled down for the model.
    pose_workers:
        Parts of the video whose pose is estimated at the same time (default: the cores
        this process may use); the result does not depend on it.
    frame_memory_mb:
        With ``annotate``, the decoded frames are kept for the annotated video and stills
        while the pose pass decodes them, when the whole clip fits this many MB (else, and
        with 0, they are decoded again afterwards; the output is the same).

    Raises
    ------
    InputError, AnalysisError, OptionError
        With one sentence saying what is wrong and how to film or run it better.
    """
    opts = (options or AnalysisOptions()).validate()
    report = ensure_progress(progress)
    out = Path(out_dir) if out_dir is not None else None
    folder = None
    if cache:
        folder = Path(cache_dir) if cache_dir is not None else (out / ".cache" if out else None)

    if single_file and not (annotate and write_report):
        raise OptionError(
            "--single-file puts the annotated video inside the report, so it needs both: drop "
            f"{'--no-video' if not annotate else '--no-report'} or --single-file."
        )
    if not (isinstance(frame_memory_mb, int | float) and math.isfinite(frame_memory_mb)) or (
        frame_memory_mb < 0
    ):
        raise OptionError(
            f"--frame-memory-mb must be a number of megabytes, 0 or more, got {frame_memory_mb!r}."
        )
    frames = None
    if annotate and out is not None:
        from runform.render.frame_store import FrameStore

        frames = FrameStore.for_video(probe_video(path), frame_memory_mb)
    try:
        track = estimate_pose(
            path,
            backend=backend,
            capture_fps=capture_fps,
            cache_dir=folder,
            progress=report,
            max_side=max_side,
            workers=pose_workers,
            frame_tap=None if frames is None else frames.add,
            max_frames=max_frames,
        )
        if display_name:
            track = _shown_as(track, str(display_name))
        return _analyze_pose(
            path, track, opts, out, annotate, report, write_report, plan_profile,
            video_window_s, frames, single_file, overlap_outputs, smooth_video,
        )  # fmt: skip
    finally:
        if frames is not None:
            frames.release()


def _shown_as(track: PoseTrack, name: str) -> PoseTrack:
    """The track with ``name`` as the file it was read from (its pose is the same)."""
    extra = {**track.meta.extra, "video": {**track.meta.extra.get("video", {}), "path": name}}
    return replace(track, meta=replace(track.meta, path=name, extra=extra))


def _analyze_pose(
    path: str | os.PathLike,
    track: PoseTrack,
    opts: AnalysisOptions,
    out: Path | None,
    annotate: bool,
    report: ProgressCallback,
    write_report: bool,
    plan_profile: Profile | None,
    video_window_s: float | None,
    frames: FrameStore | None,
    single_file: bool = False,
    overlap_outputs: bool = True,
    smooth_video: bool = False,
) -> VideoAnalysis:
    """Everything after the pose pass: checks, engine, documents and outputs."""
    outputs: dict[str, Path] = {}
    if out is not None:
        from runform.pose.readers import write_pose_csv

        out.mkdir(parents=True, exist_ok=True)
        outputs["pose"] = out / "pose.csv"
        write_pose_csv(track, outputs["pose"])

    check_upright(track)  # a sideways clip would otherwise be judged as badly framed
    assessment = assess_runner(track)
    try:
        analysis = analyze_track(track, opts, progress=report)
    except AnalysisError as exc:
        hint = _time_base_hint(track)
        if hint:
            raise AnalysisError(f"{exc} {hint}") from exc
        raise
    extra = track.meta.extra
    for note in [*extra.get("warnings", []), *assessment.warnings]:
        analysis.warnings.append(
            Warning_(note["code"], note["message"], note.get("level", "warning"))
        )
    _explain_time_base(analysis, track)

    result = VideoAnalysis(analysis=analysis, pose=track, document={}, outputs=outputs)
    # The annotated video is mostly decoding, drawing and encoding in C (the GIL is released),
    # the documents and report mostly Python: start the video first, in a worker thread. The
    # report shows the stills, which the render writes first: it waits for them (not for the
    # video), told by the render's on_stills callback or, failing that, by its end.
    stills_ready = threading.Event()
    stills_written: list[Path] = []

    def on_stills(paths: list[Path]) -> None:
        stills_written[:] = [Path(p) for p in paths]
        stills_ready.set()

    with ThreadPoolExecutor(max_workers=1) as pool:
        rendering = None
        if annotate and out is not None:
            rendering = pool.submit(
                _render, path, track, analysis, out, result, report, video_window_s, frames,
                on_stills, smooth_video,
            )  # fmt: skip
            rendering.add_done_callback(lambda _: stills_ready.set())
            if not overlap_outputs:
                wait([rendering])  # the video first, then the report: a lower peak
        document = analysis_document(analysis)
        document["video"] = video_block(track, assessment.to_dict())
        result.document = document
        if out is None:
            return result
        outputs["analysis"] = out / "analysis.json"
        outputs["analysis"].write_text(json.dumps(document, indent=1, allow_nan=False))
        if write_report:
            from runform.report import SingleFileError
            from runform.report import write_report as _write_report

            media = None
            if rendering is not None:
                stills_ready.wait()
                media = {"video": out / "annotated.mp4", **_still_media(stills_written)}
            try:
                paths = _write_report(
                    document,
                    out,
                    findings=document.get("findings"),
                    media=media,
                    progress=report,
                    single_file=single_file,
                    video_ready=None if rendering is None else rendering.result,
                )
            except SingleFileError as exc:
                paths = exc.paths
                result.notes.append(f"report-with-video.html not written: {exc}")
            names = {
                "html": "report_html",
                "pdf": "report_pdf",
                "single_file": "report_single_file",
            }
            outputs.update({names.get(k, k): v for k, v in paths.items()})
        if rendering is not None:
            rendering.result()
    # the video is written in a thread of its own: list the files in pipeline order
    order = {name: k for k, name in enumerate(OUTPUT_ORDER)}
    written = sorted(outputs.items(), key=lambda item: order.get(item[0], len(order)))
    outputs.clear()
    outputs.update(written)
    if plan_profile is not None:
        from runform.plan import build_plan, write_plan

        plan = build_plan(document.get("findings", []), plan_profile, analysis=document)
        paths = write_plan(plan, out)
        outputs.update(plan_html=paths["html"], plan_ics=paths["ics"], plan_json=paths["json"])
    return result


# ---------------------------------------------------------------------------- document
def video_block(track: PoseTrack, runner_checks: dict | None = None) -> dict:
    """The ``"video"`` block of ``analysis.json``: what was read and how time was made."""
    extra = track.meta.extra
    video = extra.get("video", {})
    timebase = extra.get("time_base", {})
    return {
        "path": video.get("path"),
        "container": video.get("container"),
        "codec": video.get("codec"),
        "width": video.get("width"),
        "height": video.get("height"),
        "coded_width": video.get("coded_width"),
        "coded_height": video.get("coded_height"),
        "rotation_deg": video.get("rotation"),
        "stored_fps": video.get("stored_fps"),
        "measured_fps": video.get("measured_fps"),
        "capture_fps": _round(timebase.get("capture_fps")),
        "capture_fps_source": timebase.get("source"),
        "capture_fps_tag": video.get("capture_fps_tag"),
        "time_scale": timebase.get("factor"),
        "time_base": track.meta.time_base,
        "stream_time_base": video.get("stream_time_base"),
        "duration_s": video.get("duration_s"),
        "n_frames": track.n_frames,
        "has_audio": video.get("has_audio"),
        "decode": extra.get("decode", {}),
        "processing": extra.get("processing", {}),
        "pose_backend": extra.get("pose_backend", {}),
        "pose_cache": extra.get("pose_cache"),
        "runner": {**extra.get("runner", {}), **(runner_checks or {})},
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


# ---------------------------------------------------------------------------- time base
# ---------------------------------------------------------------------------- rendering
def _render(
    video: str | os.PathLike,
    track: PoseTrack,
    analysis: Analysis,
    out: Path,
    result: VideoAnalysis,
    report: ProgressCallback,
    window_s: float | None,
    frames: FrameStore | None = None,
    on_stills: Callable[[list[Path]], None] | None = None,
    smooth: bool = False,
) -> None:
    """Annotated video and key-frame stills (in ``out/stills``) in one decoding pass, or
    from the frames kept by the pose pass. A render step that cannot be done is noted, not
    fatal: the analysis stands. ``on_stills(paths)`` is called once the stills are written,
    before the video is finished."""
    from runform.render.stills import stills_unavailable_reason, write_video_and_key_frames

    try:
        video_path, stills = write_video_and_key_frames(
            video,
            track,
            analysis,
            out / "annotated.mp4",
            out / "stills",
            progress=report,
            window_s=window_s if window_s and window_s < track.duration else None,
            frames=frames,
            on_stills=on_stills,
            smooth=smooth,
        )
    except RunformError as exc:
        result.notes.append(f"annotated.mp4 not written: {exc}")
        return
    result.outputs["annotated"] = Path(video_path)
    if stills:
        result.outputs["stills"] = out / "stills"
    else:
        reason = stills_unavailable_reason(analysis) or "no key frame could be chosen"
        result.notes.append(f"key-frame stills not written: {reason}")


def _still_media(paths: list[Path]) -> dict[str, Path]:
    """``{"left_contact": path, ...}`` for the report, from the stills the render wrote."""
    from runform.keyframes import parse_still_filename

    media = {}
    for path in paths:
        parsed = parse_still_filename(path.name)
        if parsed is not None:
            media[f"{parsed[0]}_{parsed[1]}"] = path
    return media
