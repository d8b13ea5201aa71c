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

import math
import os
from pathlib import Path

import numpy as np

from runform.pose import cache as pose_cache
from runform.pose.backends import BlazePoseBackend, PoseBackend, quiet_native_logs
from runform.pose.compression import bits_per_pixel, compression_warning
from runform.pose.follow import RawPose, follow_runner
from runform.pose.parts import (
    MAX_SEGMENTS,
    MIN_SEGMENT_FRAMES,
    SEAM_FRAMES,
    check_workers,
)
from runform.pose.runner import lost_after_frames
from runform.pose.scout import (
    COMPARE_INTERVAL_S,
    SEARCH_INTERVAL_S,
    scout_runner,
)
from runform.pose.time_base import check_capture_fps, resolve_time_base
from runform.pose.video import (
    DEFAULT_MAX_SIDE,
    FrameTap,
    VideoInfo,
    VideoReader,
    probe_video,
)
from runform.progress import ProgressCallback, ProgressLike, ensure_progress
from runform.track import PoseTrack, TrackMeta


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
    max_frames: int | None = None,
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
    max_frames:
        Decoding more frames than this stops with an :class:`InputError` (``None``: no
        limit; the web service's worker sets one, :class:`~runform.pose.video.VideoReader`).

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
                    path,
                    info,
                    model,
                    settings,
                    capture_fps,
                    max_side,
                    report,
                    workers,
                    frame_tap,
                    max_frames,
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
    max_frames: int | None = None,
) -> RawPose:
    reader = VideoReader(path, max_side=max_side, info=info, max_frames=max_frames)
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
        lost_after=lost_after_frames(capture),
        report=report,
        workers=workers,
        frame_tap=frame_tap,
    )


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
    bpp = bits_per_pixel(info.bit_rate, info.coded_width, info.coded_height, timebase.stored_fps)
    video["bits_per_pixel"] = round(bpp, 5) if math.isfinite(bpp) else None
    notes = list(header.get("warnings", []))
    squeezed = compression_warning(bpp)
    if squeezed is not None:
        notes.append(squeezed)
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
            "warnings": notes,
            "pose_cache": cache,
            **landmark_depth_extra(raw),
        },
    )
    return PoseTrack(time=time, xy=raw.xy, score=raw.score, keypoints=raw.keypoints, meta=meta)
