"""Video → pose track: find the runner, follow them with the pose model, real time.

:func:`estimate_pose` runs two passes over the video, both streamed:

1. **scout** — decode from the start and search for people (every ~0.5 s of video) until
   someone is found; with several people, follow each for about half a second and choose
   the runner (:mod:`runform.pose.scout`). Usually this costs two model calls.
2. **follow** — decode again from the start in a background thread (so decoding overlaps
   inference) and run the model on a window around the runner in every frame.

The result has one row per decoded frame (``NaN`` where the runner was not found), in
original display pixels, with ``time`` in real seconds (see
:func:`runform.pose.time_base.resolve_time_base`) and everything about the video, the time
base, the backend and the runner in ``meta.extra``. With ``cache_dir`` the raw pose is
cached per video content and pose settings (:mod:`runform.pose.cache`), so changing the
analysis options or ``capture_fps`` does not re-run the model.

Examples
--------
>>> track = estimate_pose("run.mp4", cache_dir="out/.cache")        # doctest: +SKIP
>>> track.meta.time_base                                             # doctest: +SKIP
'container timestamps as real time (30 fps; the file states no capture rate)'
"""

from __future__ import annotations

import os
import threading
import time as _time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from runform.errors import AnalysisError
from runform.pose import cache as pose_cache
from runform.pose.backends import BlazePoseBackend, PoseBackend, clone_backend, quiet_native_logs
from runform.pose.parts import (
    MAX_SEGMENTS,
    MIN_SEGMENT_FRAMES,
    SEAM_FRAMES,
    FrameCounter,
    OnePass,
    Part,
    check_workers,
    default_workers,
    follow_part,
    run_lanes,
    seam_holds,
    segment_starts,
)
from runform.pose.scout import (
    COMPARE_INTERVAL_S,
    DARK_BRIGHTNESS,
    SEARCH_INTERVAL_S,
    RunnerChoice,
    scout_runner,
)
from runform.pose.time_base import check_capture_fps, fill_missing_times, resolve_time_base
from runform.pose.video import (
    DEFAULT_MAX_SIDE,
    FrameTap,
    VideoInfo,
    VideoReader,
    probe_video,
)
from runform.progress import ProgressCallback, ProgressLike, ensure_progress
from runform.track import PoseTrack, TrackMeta


@dataclass
class RawPose:
    """The model's output before the time base: what the cache stores.

    ``playback_time``: seconds from the timestamps (one per decoded frame); ``xy``/``score``
    in original display pixels; ``header``: JSON-serialisable details.
    """

    playback_time: np.ndarray
    xy: np.ndarray
    score: np.ndarray
    keypoints: tuple[str, ...]
    header: dict = field(default_factory=dict)
    depth: np.ndarray | None = None  # (T, K) the model's relative depth, when it gives one

    def arrays(self) -> dict[str, np.ndarray]:
        arrays = {
            "playback_time": self.playback_time,
            "xy": self.xy.astype(np.float32),
            "score": self.score.astype(np.float32),
        }
        if self.depth is not None:
            arrays["depth"] = self.depth.astype(np.float32)
        return arrays

    @classmethod
    def from_cache(cls, arrays: dict[str, np.ndarray], header: dict) -> RawPose:
        depth = arrays.get("depth")
        return cls(
            playback_time=arrays["playback_time"].astype(float),
            xy=arrays["xy"].astype(float),
            score=arrays["score"].astype(float),
            keypoints=tuple(header["keypoints"]),
            header=header,
            depth=None if depth is None else depth.astype(float),
        )


# ---------------------------------------------------------------------------- public API
def estimate_pose(
    video_path: str | os.PathLike,
    *,
    backend: PoseBackend | None = None,
    capture_fps: float | None = None,
    cache_dir: str | os.PathLike | None = None,
    progress: ProgressLike = None,
    max_side: int | None = DEFAULT_MAX_SIDE,
    workers: int | None = None,
    frame_tap: FrameTap | None = None,
) -> PoseTrack:
    """Estimate the runner's pose in every frame of a video.

    Parameters
    ----------
    video_path:
        Any video FFmpeg reads (mp4, mov, m4v, avi, mkv, webm...).
    backend:
        The pose model (default: :class:`~runform.pose.backends.BlazePoseBackend`, closed
        afterwards; a backend you pass stays open).
    capture_fps:
        The camera's capture rate, for slow motion whose file does not state it (e.g. 240
        for a 240 fps clip exported to play at 30 fps).
    cache_dir:
        Folder of the pose cache; ``None`` disables it.
    progress:
        Callback ``(stage, fraction, detail)``; stages ``"find runner"`` and ``"pose"``.
    max_side:
        Frames with a longer side are scaled down for the model (pose is mapped back).
    workers:
        Parts of the video whose pose is estimated at the same time, one model instance
        each (default: the cores this process may use; see :func:`follow_runner`). The
        pose does not depend on it.
    frame_tap:
        ``frame_tap(index, frame)`` sees every decoded frame of the pose pass (from the
        decoding threads; see :meth:`~runform.pose.video.VideoReader.frames`). Not called
        when the pose comes from the cache.

    Returns
    -------
    PoseTrack
        33 BlazePose keypoints in original display pixels, ``time`` in real seconds, one row
        per decoded frame; ``meta.extra`` holds ``video``, ``time_base``, ``pose_backend``,
        ``runner``, ``decode``, ``warnings`` and ``pose_cache`` (``"hit"``, ``"miss"``,
        ``"off"``).

    Raises
    ------
    InputError
        The file is missing, not a video, damaged, or audio only.
    AnalysisError
        Nobody was found (too dark, too small, out of frame), or several people run and the
        runner cannot be told apart.
    OptionError
        ``capture_fps`` is not a plausible frame rate.
    """
    report = ensure_progress(progress)
    capture_fps = check_capture_fps(capture_fps)
    workers = check_workers(workers)
    path = Path(video_path)
    info = probe_video(path)
    own_backend = backend is None
    model: PoseBackend = BlazePoseBackend() if backend is None else backend
    try:
        settings = {
            **model.settings(),
            "max_side": max_side,
            "pose_stage": pose_cache.POSE_STAGE_VERSION,
            "parts": {
                "max": MAX_SEGMENTS,
                "min_frames": MIN_SEGMENT_FRAMES,
                "seam_frames": SEAM_FRAMES,
            },
        }
        raw, cache_state = None, "off"
        key = None
        if cache_dir is not None:
            key = pose_cache.cache_key(pose_cache.file_digest(path), settings)
            entry = pose_cache.load_entry(cache_dir, key)
            if entry is not None:
                raw, cache_state = RawPose.from_cache(*entry), "hit"
                report("pose", 1.0, f"{raw.playback_time.size} frames from the pose cache")
            else:
                cache_state = "miss"
        if raw is None:
            with quiet_native_logs():
                raw = _run_model(
                    path, info, model, settings, capture_fps, max_side, report, workers, frame_tap
                )
            if cache_dir is not None and key is not None:
                try:
                    pose_cache.save_entry(cache_dir, key, raw.arrays(), raw.header)
                except OSError as exc:
                    raw.header.setdefault("warnings", []).append(
                        {
                            "code": "pose_cache_unwritable",
                            "level": "info",
                            "message": f"The pose cache folder {cache_dir} could not be written "
                            f"({exc.strerror or exc}); pose will be computed again next time. "
                            "Pass --cache-dir with a writable folder, or --no-cache.",
                        }
                    )
    finally:
        if own_backend:
            with quiet_native_logs():
                model.close()
    return _to_track(raw, info, capture_fps, cache_state)


# ---------------------------------------------------------------------------- passes
def _approx_capture_fps(info: VideoInfo, capture_fps: float | None) -> tuple[float, float]:
    """(stored fps, capture fps) from the header, before the timestamps are measured."""
    stored = info.stored_fps or 30.0
    capture = capture_fps or info.capture_fps_tag or stored
    return stored, capture


def _run_model(
    path: Path,
    info: VideoInfo,
    backend: PoseBackend,
    settings: dict,
    capture_fps: float | None,
    max_side: int | None,
    report: ProgressCallback,
    workers: int | None = None,
    frame_tap: FrameTap | None = None,
) -> RawPose:
    reader = VideoReader(path, max_side=max_side, info=info)
    stored, capture = _approx_capture_fps(info, capture_fps)
    search_every = max(1, round(SEARCH_INTERVAL_S * stored))
    compare_every = max(1, round(COMPARE_INTERVAL_S * capture))
    frames = reader.frames()
    try:
        choice = scout_runner(
            frames,
            backend,
            search_every=search_every,
            compare_every=compare_every,
            expected_frames=info.expected_frames(),
            report=report,
        )
    finally:
        frames.close()
    return follow_runner(
        reader,
        backend,
        choice,
        settings,
        search_every=search_every,
        report=report,
        workers=workers,
        frame_tap=frame_tap,
    )


def follow_runner(
    reader: VideoReader,
    backend: PoseBackend,
    choice: RunnerChoice,
    settings: dict,
    *,
    search_every: int,
    report: ProgressLike = None,
    workers: int | None = None,
    frame_tap: FrameTap | None = None,
) -> RawPose:
    """Pass 2: the runner's pose in every frame.

    The video is cut into parts (:func:`segment_starts`); each part after the first starts
    :data:`SEAM_FRAMES` early, finds the runner by itself (the person nearest to where the
    runner was first chosen) and is checked at its seam against the part before it
    (:func:`seam_holds`). A part whose seam does not hold is run again, following on from
    the part before. With ``workers`` > 1 and a backend that can be cloned
    (:func:`~runform.pose.backends.clone_backend`), parts run at the same time, one model
    instance per core; the result does not depend on how many run at once.
    """
    report = ensure_progress(report)
    info = reader.info
    expected = info.expected_frames()
    starts = segment_starts(expected)
    bounds = [*starts[1:], None]
    parts = [
        Part(first=max(0, s - SEAM_FRAMES) if k else 0, start=s, stop=stop)
        for k, (s, stop) in enumerate(zip(starts, bounds, strict=True))
    ]
    workers = max(1, min(workers or default_workers(), len(parts)))
    backends = [backend]
    counter = FrameCounter()
    stop = threading.Event()
    started = _time.perf_counter()

    def progress() -> None:
        n = counter.value
        rate = n / max(_time.perf_counter() - started, 1e-9)
        total = max(expected or n, n)
        report("pose", min(n / total, 1.0), f"{n}/{total} frames · {rate:.0f} frames/s")

    one_pass: OnePass | None = None

    def run(lane: int) -> None:
        for k in range(lane, len(parts), workers):
            follow_part(
                reader if k == 0 or one_pass is not None else reader.reopen(),
                backends[lane],
                parts[k],
                start_box=choice.person.box if k == 0 else None,
                hint=choice.person.box,
                search_every=search_every,
                counter=counter,
                frame_tap=frame_tap,
                stop=stop,
                source=None if one_pass is None else one_pass.frames(k),
            )

    try:
        while len(backends) < workers:
            extra = clone_backend(backend)
            if extra is None:
                workers = 1
                break
            backends.append(extra)
        if workers == 1 and len(parts) > 1:
            one_pass = OnePass(reader, parts, frame_tap)
        run_lanes(run, workers, progress, stop)
        reruns = 0
        for k in range(1, len(parts)):
            before, after = parts[k - 1], parts[k]
            if seam_holds(before, after):
                continue
            reruns += 1
            # follow on from the part before, as one pass over the whole video would have
            box = next(
                (before.box_at(i) for i in range(after.start - 1, before.first - 1, -1)
                 if before.box_at(i) is not None),
                None,
            )  # fmt: skip
            redo = Part(first=after.start, start=after.start, stop=after.stop)
            parts[k] = follow_part(
                reader.reopen(),
                backend,
                redo,
                start_box=box,
                hint=choice.person.box,
                search_every=search_every,
                counter=counter,
                frame_tap=frame_tap,
            )
    finally:
        if one_pass is not None:
            one_pass.close()
        for extra in backends[1:]:
            extra.close()
    n_done = counter.value
    times: list[float] = []
    xy_rows: list[np.ndarray] = []
    score_rows: list[np.ndarray] = []
    depth_rows: list[np.ndarray] = []
    for part in parts:
        skip = part.start - part.first
        times += part.times[skip:]
        xy_rows += part.xy[skip:]
        score_rows += part.score[skip:]
        depth_rows += part.depth[skip:]
    n = len(times)
    elapsed = _time.perf_counter() - started
    report("pose", 1.0, f"{n} frames · {n_done / max(elapsed, 1e-9):.0f} frames/s")
    if n == 0:
        raise AnalysisError(
            f"{reader.path} holds no decodable frames; copy it from the phone again."
        )
    truncated = any(part.truncated for part in parts)
    playback, fixed = fill_missing_times(np.array(times, dtype=float), info.stored_fps)
    warnings: list[dict] = []
    if truncated or _ends_early(playback, info):
        warnings.append(
            {
                "code": "video_truncated",
                "level": "warning",
                "message": f"The video file ends early (decoding stopped after {n} frames, "
                f"{playback[-1]:.1f} s of video); only that part was analysed. Copy the file "
                "from the phone again for the whole clip.",
            }
        )
    if fixed:
        warnings.append(
            {
                "code": "timestamps_fixed",
                "level": "info",
                "message": f"{fixed} frame(s) had a missing or repeated timestamp; their time "
                "was interpolated between neighbouring frames.",
            }
        )
    if choice.n_people > 1:
        warnings.append(
            {
                "code": "several_people",
                "level": "warning",
                "message": f"{choice.n_people} people were in view; runform analysed the runner "
                f"at the {choice.position} of the frame (the one running the most). Film the "
                "runner alone for a reliable result.",
            }
        )
    if choice.brightness < DARK_BRIGHTNESS:
        warnings.append(
            {
                "code": "dim_video",
                "level": "warning",
                "message": f"The video is dim (average brightness {choice.brightness:.0f} of "
                "255); joint positions may be less precise. Film in good light.",
            }
        )
    header = {
        "keypoints": list(backend.keypoints),
        "settings": settings,
        "video": info.to_dict(),
        "processing": {"width": reader.width, "height": reader.height, "scale": reader.scale},
        "runner": {
            "n_people": choice.n_people,
            "position": choice.position,
            "first_seen_frame": choice.frame_index,
            "start_box_px": _scaled_box(choice.person.box, reader.scale),
            "searches_while_lost": sum(part.searches for part in parts),
            "reacquired": sum(part.reacquired for part in parts),
            "parts": len(parts),
            "parts_run_at_once": workers,
            "seams_rerun": reruns,
        },
        "decode": {
            "frames": n,
            "truncated": bool(truncated or _ends_early(playback, info)),
            "timestamps_fixed": fixed,
            "brightness": round(choice.brightness, 1),
        },
        "warnings": warnings,
    }
    return RawPose(
        playback_time=playback,
        xy=np.stack(xy_rows).astype(float),
        score=np.stack(score_rows).astype(float),
        keypoints=tuple(backend.keypoints),
        header=header,
        depth=np.stack(depth_rows).astype(float) if np.isfinite(depth_rows).any() else None,
    )


def _ends_early(playback: np.ndarray, info: VideoInfo) -> bool:
    """Whether decoding ended well before the duration the container states."""
    if not info.duration_s or playback.size < 2:
        return False
    step = float(np.median(np.diff(playback)))
    return playback[-1] + step < 0.9 * info.duration_s - 0.5


def _scaled_box(box, scale: float) -> dict:
    return {k: round(v * scale, 1) for k, v in box.to_dict().items()}


#: Points whose depth tells which side of the body is nearer the camera.
DEPTH_PARTS: tuple[str, ...] = ("shoulder", "hip", "knee", "ankle")


def landmark_depth_extra(raw: RawPose) -> dict:
    """``{"landmark_depth": {...}}`` for ``meta.extra`` when the model gave depths, else ``{}``.

    Per frame, the mean depth of the left shoulder, hip, knee and ankle minus that of the
    right ones (smaller = nearer the camera); the summary says in what share of frames the
    left side was nearer. The analysis uses it to tell the near leg from the far one.
    """
    if raw.depth is None:
        return {}
    names = list(raw.keypoints)
    try:
        left = [names.index(f"left_{p}") for p in DEPTH_PARTS]
        right = [names.index(f"right_{p}") for p in DEPTH_PARTS]
    except ValueError:
        return {}
    diff = raw.depth[:, left].mean(axis=1) - raw.depth[:, right].mean(axis=1)
    diff = diff[np.isfinite(diff)]
    if diff.size == 0:
        return {}
    return {
        "landmark_depth": {
            "frames": int(diff.size),
            "left_nearer_fraction": round(float(np.mean(diff < 0)), 4),
            "left_minus_right_median": round(float(np.median(diff)), 4),
            "parts": list(DEPTH_PARTS),
            "meaning": "the pose model's relative depth (smaller = nearer the camera)",
        }
    }


def _to_track(raw: RawPose, info: VideoInfo, capture_fps: float | None, cache: str) -> PoseTrack:
    timebase = resolve_time_base(raw.playback_time, info, capture_fps)
    time = (raw.playback_time - raw.playback_time[0]) * timebase.factor
    known_capture = timebase.factor != 1.0 or timebase.source != "timestamps"
    header = raw.header
    video = {**info.to_dict(), "measured_fps": round(timebase.stored_fps, 4)}
    meta = TrackMeta(
        source=header.get("settings", {}).get("backend", "pose-model"),
        width=info.width,
        height=info.height,
        fps=timebase.capture_fps,
        capture_fps=timebase.capture_fps if known_capture else None,
        units="px",
        time_base=timebase.description,
        path=str(info.path),
        extra={
            "video": video,
            "time_base": timebase.to_dict(),
            "pose_backend": header.get("settings", {}),
            "processing": header.get("processing", {}),
            "runner": header.get("runner", {}),
            "decode": header.get("decode", {}),
            "warnings": list(header.get("warnings", [])),
            "pose_cache": cache,
            **landmark_depth_extra(raw),
        },
    )
    return PoseTrack(time=time, xy=raw.xy, score=raw.score, keypoints=raw.keypoints, meta=meta)
