"""Pass 2 of :func:`runform.pose.estimate.estimate_pose`: follow the runner in every frame.

:func:`follow_runner` cuts the video into parts (:mod:`runform.pose.parts`), runs the pose
model on a window around the runner in each, one model instance per core where the backend
can be cloned, checks each part's seam against the part before it and puts the rows
together as a :class:`RawPose`: the model's output before the time base, which is what the
pose cache stores (:mod:`runform.pose.cache`).
"""

from __future__ import annotations

import threading
import time as _time
from dataclasses import dataclass, field

import numpy as np

from runform.errors import AnalysisError
from runform.pose.backends import PoseBackend, clone_backend
from runform.pose.parts import (
    SEAM_FRAMES,
    FrameCounter,
    OnePass,
    Part,
    default_workers,
    follow_part,
    run_lanes,
    seam_holds,
    segment_starts,
)
from runform.pose.runner import LOST_AFTER_FRAMES
from runform.pose.scout import (
    DARK_BRIGHTNESS,
    RunnerChoice,
)
from runform.pose.time_base import fill_missing_times
from runform.pose.video import (
    FrameTap,
    VideoInfo,
    VideoReader,
)
from runform.progress import ProgressLike, ensure_progress
from runform.text import counted


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


def follow_runner(
    reader: VideoReader,
    backend: PoseBackend,
    choice: RunnerChoice,
    settings: dict,
    *,
    search_every: int,
    lost_after: int = LOST_AFTER_FRAMES,
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
                lost_after=lost_after,
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
                lost_after=lost_after,
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
                "message": "The video file ends early (decoding stopped after "
                f"{counted(n, 'frame')}, {playback[-1]:.1f} s of video); only that part was "
                "analysed. Copy the file "
                "from the phone again for the whole clip.",
            }
        )
    if fixed:
        warnings.append(
            {
                "code": "timestamps_fixed",
                "level": "info",
                "message": f"{counted(fixed, 'frame')} had a missing or repeated timestamp; "
                "their time was interpolated between neighbouring frames.",
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
