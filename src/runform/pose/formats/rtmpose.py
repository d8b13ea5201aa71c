"""RTMPose Halpe-26 pose JSON (one person per frame).

Layout, as written by the ``gaitlab.pose/v1`` exporter (e.g. ``male_side.pose.json``)::

    {"keypoint_names": ["nose", "head", "neck", "mid_hip", "l_shoulder", ..., "r_small_toe"],
     "frames": [[[x, y, score], ...], ...],     # frames[frame][keypoint]
     "timestamps": [0.0, 0.0333, ...],          # optional, seconds
     "fps": 30.0, "width": 720, "height": 1280} # optional

Names map onto BlazePose: ``l_``/``r_`` become ``left_``/``right_`` and ``big_toe`` becomes
``foot_index``; names with no BlazePose counterpart (``head``, ``neck``, ``mid_hip``,
``*_small_toe``) are dropped and listed in ``meta.extra["dropped_keypoints"]``. Scores
slightly above 1 (RTMPose gives up to about 1.2) are clipped to 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from runform.errors import InputError
from runform.keypoints import BLAZEPOSE_33, KEYPOINTS
from runform.pose.formats._common import (
    blazepose_alias,
    check_fps,
    clip_scores,
    first_non_increasing,
    fps_time_base,
    median_rate,
)
from runform.track import PoseTrack, TrackMeta

SOURCE = "rtmpose-halpe26"

#: Timestamps this close to ``frame / fps`` are taken as rounded and replaced by the exact value.
TIMESTAMP_ROUNDING_S = 0.001


def is_rtmpose(document: object) -> bool:
    """Whether a parsed JSON document has the ``keypoint_names`` + ``frames`` layout."""
    return isinstance(document, Mapping) and "keypoint_names" in document and "frames" in document


def read_rtmpose_json(document: Mapping, path: Path, fps: float | None = None) -> PoseTrack:
    """A track from a parsed RTMPose Halpe-26 document.

    Parameters
    ----------
    document:
        The parsed JSON.
    path:
        The file it came from.
    fps:
        If given, frame ``k`` is at ``k / fps`` seconds (timestamps in the file are ignored).
        Otherwise the file's ``timestamps`` are used when valid (replaced by the exact
        ``first + frame / fps`` when they agree with it within 1 ms, i.e. are merely
        rounded), else frame / the file's ``fps``.

    Raises
    ------
    InputError
        Malformed names or frames, or no usable timing.
    """
    fps = check_fps(fps)
    source_names = document["keypoint_names"]
    if not isinstance(source_names, list) or not all(isinstance(n, str) for n in source_names):
        raise InputError(f"{path} has 'keypoint_names' that are not a list of names.")
    frames = document["frames"]
    if not isinstance(frames, list) or not frames:
        raise InputError(f"{path} has no frames; export at least one frame of pose.")
    raw = _frames_array(frames, len(source_names), path)

    keep, names, dropped = _map_names(source_names, path)
    xy = raw[:, keep, :2].copy()
    xy[~np.isfinite(xy).all(axis=2)] = np.nan
    score = raw[:, keep, 2].copy()
    score[~np.isfinite(score)] = np.nan
    score, max_raw = clip_scores(score, str(path))

    file_fps = _positive(document.get("fps"))
    time, time_base = _time(document.get("timestamps"), len(frames), fps, file_fps, path)
    extra: dict = {"dropped_keypoints": dropped}
    for key in ("schema", "view", "source"):
        if isinstance(document.get(key), str):
            extra[f"file_{key}"] = document[key]
    if max_raw is not None:
        extra["max_raw_score"] = max_raw
    meta = TrackMeta(
        source=SOURCE,
        width=_dimension(document.get("width")),
        height=_dimension(document.get("height")),
        fps=fps or file_fps or median_rate(time),
        time_base=time_base,
        path=str(path),
        extra=extra,
    )
    return PoseTrack(time=time, xy=xy, score=score, keypoints=names, meta=meta)


def _frames_array(frames: list, n_names: int, path: Path) -> np.ndarray:
    """``(T, K, 3)`` x, y, score with ``NaN`` for anything absent."""
    try:
        fast = np.array(frames, dtype=float)
    except (TypeError, ValueError):
        fast = None
    if fast is not None and fast.ndim == 3 and fast.shape[1] == n_names and fast.shape[2] >= 2:
        if fast.shape[2] == 2:
            return np.concatenate([fast, np.full((*fast.shape[:2], 1), np.nan)], axis=2)
        return fast[:, :, :3]
    if fast is not None and fast.ndim == 4:
        raise InputError(
            f"{path} nests one level deeper than frames[frame][keypoint] = [x, y, score] "
            "(several people per frame?); export one person per frame."
        )
    out = np.full((len(frames), n_names, 3), np.nan)
    for f, frame in enumerate(frames):
        if frame is None or frame == []:
            continue  # no person found in this frame
        if not isinstance(frame, list) or len(frame) != n_names:
            raise InputError(
                f"Frame {f} of {path} does not hold {n_names} keypoints like 'keypoint_names'; "
                "give frames[frame][keypoint] = [x, y, score]."
            )
        for k, point in enumerate(frame):
            if point is None:
                continue
            values = _point(point)
            if values is None:
                raise InputError(
                    f"Frame {f}, keypoint {k} of {path} is {point!r}, not [x, y, score]; "
                    "use numbers, or null for a missing point."
                )
            out[f, k, : len(values)] = values
    return out


def _point(point: object) -> list[float] | None:
    if not isinstance(point, list) or len(point) not in (2, 3):
        return None
    if not all(v is None or _is_number(v) for v in point):
        return None
    return [math.nan if v is None else float(v) for v in point]


def _map_names(source_names: list[str], path: Path) -> tuple[list[int], tuple[str, ...], list]:
    """Indices to keep, their BlazePose names (in BlazePose order) and the dropped names."""
    mapped: dict[str, int] = {}
    dropped: list[str] = []
    for index, name in enumerate(source_names):
        target = blazepose_alias(name)
        if target not in KEYPOINTS:
            dropped.append(name)
        elif target in mapped:
            raise InputError(
                f"{path} has two keypoints that both mean {target!r} "
                f"({source_names[mapped[target]]!r} and {name!r}); keep one of them."
            )
        else:
            mapped[target] = index
    if not mapped:
        raise InputError(
            f"{path} has no keypoint that maps to a BlazePose name (got {source_names}); "
            "use Halpe-26 names such as l_hip, r_knee, l_big_toe."
        )
    names = tuple(n for n in BLAZEPOSE_33 if n in mapped)
    return [mapped[n] for n in names], names, dropped


def _time(
    timestamps: object, n: int, fps: float | None, file_fps: float | None, path: Path
) -> tuple[np.ndarray, str]:
    if fps is not None:
        return np.arange(n) / fps, fps_time_base("frame index", fps)
    problem = _timestamp_problem(timestamps, n)
    if problem is None:
        stamps = np.asarray(timestamps, dtype=float)
        if file_fps is not None:
            regular = stamps[0] + np.arange(n) / file_fps
            if np.abs(stamps - regular).max() <= TIMESTAMP_ROUNDING_S:
                # Rounded copies of a constant rate: the exact rate is more precise.
                return regular, (
                    f"frame index / fps {file_fps:g} in file "
                    f"(timestamps agree within {TIMESTAMP_ROUNDING_S * 1000:g} ms)"
                )
        return stamps, "timestamps in file"
    if file_fps is not None:
        note = "" if timestamps is None else f" (timestamps ignored: {problem})"
        return np.arange(n) / file_fps, f"frame index / fps {file_fps:g} in file{note}"
    raise InputError(
        f"{path} has no usable timestamps ({problem}) and no fps; pass --fps with the "
        "frame rate of the video it was made from."
    )


def _timestamp_problem(timestamps: object, n: int) -> str | None:
    """Why the timestamps cannot be used, or ``None`` if they can."""
    if timestamps is None:
        return "none given"
    if not isinstance(timestamps, list) or len(timestamps) != n:
        return f"expected a list of {n}"
    if not all(_is_number(v) for v in timestamps):
        return "not all numbers"
    values = np.asarray(timestamps, dtype=float)
    if not np.isfinite(values).all():
        return "not all finite"
    bad = first_non_increasing(values)
    return None if bad is None else f"not increasing at frame {bad}"


def _positive(value: object) -> float | None:
    if _is_number(value):
        value = float(value)
        if math.isfinite(value) and value > 0:
            return value
    return None


def _dimension(value: object) -> int | None:
    number = _positive(value)
    return int(number) if number is not None and number == int(number) else None


def _is_number(value: object) -> bool:
    """A JSON number (not ``true``/``false``)."""
    return isinstance(value, int | float) and not isinstance(value, bool)
