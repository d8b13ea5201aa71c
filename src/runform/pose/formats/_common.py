"""Helpers shared by the pose-format modules: fps checks, time axes, scores, messages."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from runform.errors import InputError, OptionError

#: The end of every "cannot read this" message: what runform can read instead.
SUPPORTED_FORMATS = (
    "a pose CSV (.csv with columns time,<name>_x,<name>_y[,<name>_score]), "
    "a runform pose JSON (runform.pose/1), an RTMPose Halpe-26 JSON (keypoint_names + frames), "
    "a Sports2D/Pose2Sim .trc file "
    "or a folder of OpenPose BODY_25 *_keypoints.json files"
)

#: Scores up to this value are taken as model overshoot and clipped to 1 (RTMPose gives ~1.2).
SCORE_OVERSHOOT_LIMIT = 1.5


def unsupported(path: Path | str, problem: str) -> InputError:
    """An :class:`InputError` for an unreadable input, ending with the supported formats.

    >>> str(unsupported("a.txt", "has an unknown extension '.txt'"))[:40]
    "a.txt has an unknown extension '.txt'; g"
    """
    return InputError(f"{path} {problem}; give {SUPPORTED_FORMATS}.")


def check_fps(fps: float | None) -> float | None:
    """Validate a user-given frame rate (``None`` passes through).

    Raises
    ------
    OptionError
        If ``fps`` is not a finite positive number.
    """
    if fps is None:
        return None
    try:
        value = float(fps)
    except (TypeError, ValueError):
        raise OptionError(f"--fps must be a number of frames per second, got {fps!r}.") from None
    if not math.isfinite(value) or value <= 0:
        raise OptionError(f"--fps must be a positive number of frames per second, got {fps!r}.")
    return value


def fps_time_base(what: str, fps: float) -> str:
    """Words for ``meta.time_base`` when time is an index divided by ``--fps``."""
    return f"{what} / --fps {fps:g}"


def first_non_increasing(time: np.ndarray) -> int | None:
    """Index ``i`` of the first sample with ``time[i] <= time[i - 1]``, or ``None``."""
    bad = np.flatnonzero(~(np.diff(time) > 0))
    return int(bad[0]) + 1 if bad.size else None


def median_rate(time: np.ndarray) -> float | None:
    """Frames per second from the median time step (``None`` with fewer than two frames)."""
    if time.size < 2:
        return None
    return float(1.0 / np.median(np.diff(time)))


def clip_scores(
    score: np.ndarray, where: str, remedy: str = "rescale the scores to 0-1"
) -> tuple[np.ndarray, float | None]:
    """Clip confidences to ``[0, 1]``, tolerating small model overshoot above 1.

    Parameters
    ----------
    score:
        Raw confidences (``NaN`` allowed).
    where:
        Words naming the source, for the error message.
    remedy:
        What the user should do, for the error message.

    Returns
    -------
    clipped, max_raw
        The clipped scores and the largest raw score when it exceeded 1 (else ``None``).

    Raises
    ------
    InputError
        If a score is negative or above :data:`SCORE_OVERSHOOT_LIMIT` (a 0-100 scale, say).
    """
    finite = score[np.isfinite(score)]
    if finite.size == 0:
        return score, None
    low, high = float(finite.min()), float(finite.max())
    if low < 0 or high > SCORE_OVERSHOOT_LIMIT:
        raise InputError(
            f"{where} has confidence scores from {low:g} to {high:g}, outside 0-1; {remedy}."
        )
    return np.clip(score, 0.0, 1.0), (high if high > 1.0 else None)


def blazepose_alias(name: str) -> str:
    """Map a common keypoint spelling onto the BlazePose vocabulary (unchanged if unknown).

    Handles the Halpe/COCO style ``l_``/``r_`` prefixes and ``big_toe`` for the foot tip.

    >>> blazepose_alias("l_big_toe"), blazepose_alias("r_hip"), blazepose_alias("neck")
    ('left_foot_index', 'right_hip', 'neck')
    """
    name = name.strip().lower()
    for short, long in (("l_", "left_"), ("r_", "right_")):
        if name.startswith(short):
            name = long + name[len(short) :]
    return name.replace("big_toe", "foot_index")


def read_bytes(path: Path) -> bytes:
    """The bytes of a pose file, or an :class:`InputError` if it cannot be read or is empty."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"Cannot read {path} ({exc.strerror}); check the path and its permissions."
        ) from None
    if not data.strip():
        raise unsupported(path, "is empty")
    return data
