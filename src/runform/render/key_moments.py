"""Which video frame shows each key moment: one representative stride per side.

For each side the stride closest to the median of all complete strides (contact time,
stride time, peak thigh extension, peak swing knee flexion; ties broken by detection
confidence) is chosen, and five frames are taken from it:

=====================  ======================================================
key                    frame
=====================  ======================================================
``contact``            nearest frame to the detected initial contact
``midstance``          the stance frame where the hips pass over the ankle
``toe_off``            nearest frame to the detected toe-off
``peak_extension``     most negative thigh angle (contact to next contact)
``peak_knee_flexion``  largest knee angle in swing (toe-off to next contact)
=====================  ======================================================

:mod:`runform.render.stills` draws and writes them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from runform.geometry import mid_point
from runform.keyframes import KEY_MOMENTS, still_filename
from runform.render.overlay import analysis_angles
from runform.track import PoseTrack

#: The five moments, in the order they happen in a gait cycle (:mod:`runform.keyframes`).
KEY_FRAMES: tuple[str, ...] = KEY_MOMENTS


@dataclass(frozen=True)
class KeyFrame:
    """One still to write: which side and moment, and which video frame."""

    side: str
    key: str
    frame: int
    time_s: float
    stride: int  # 1-based number of the stride among this side's complete strides
    n_strides: int

    @property
    def filename(self) -> str:
        """``01-contact-left.jpg`` ...: names that sort in gait order."""
        return still_filename(self.side, self.key)


def _frame_of_time(track: PoseTrack, t: float) -> float:
    return float(np.interp(t, track.time, np.arange(track.n_frames)))


def _nan_arg(values: np.ndarray, lo: int, hi: int, largest: bool) -> int | None:
    window = values[lo : hi + 1]
    if window.size == 0 or not np.isfinite(window).any():
        return None
    j = np.nanargmax(window) if largest else np.nanargmin(window)
    return lo + int(j)


@dataclass(frozen=True)
class Stride:
    """A complete stride of one foot: contact, toe-off and the same foot's next contact
    (fractional frames), its detection confidence and the features compared to the median
    (contact time s, stride time s, peak thigh extension deg, peak swing knee flexion deg)."""

    index: int
    contact: float  # fractional frames
    toe_off: float
    end: float  # this foot's next contact
    confidence: float
    features: tuple[float, ...]


def _strides(analysis, side: str, angles: dict) -> list[Stride]:
    track: PoseTrack = analysis.track
    n = track.n_frames
    thigh = np.asarray(angles["thigh"][side], float)
    knee = np.asarray(angles["knee"][side], float)
    out = []
    steps = [s for s in analysis.gait.steps if s.side == side]
    for k, step in enumerate(steps):
        if step.next_same_contact_s is None:
            continue
        c, o = float(step.contact_frame), float(step.toe_off_frame)
        e = _frame_of_time(track, step.next_same_contact_s)
        if not (0 <= c < o < e <= n - 1 + 1e-9):
            continue
        lo, mid, hi = int(round(c)), int(round(o)), int(round(e))
        ext = _nan_arg(thigh, lo, hi, largest=False)
        flex = _nan_arg(knee, mid, hi, largest=True)
        if ext is None or flex is None:
            continue
        features = (
            step.toe_off_s - step.contact_s,
            step.next_same_contact_s - step.contact_s,
            float(thigh[ext]),
            float(knee[flex]),
        )
        out.append(Stride(k, c, o, e, float(step.confidence), features))
    return out


def representative_stride(analysis, side: str, angles: dict | None = None) -> Stride | None:
    """The complete stride of ``side`` closest to the median stride, or ``None``.

    Distance: sum over contact time, stride time, peak thigh extension and peak swing knee
    flexion of ``|value - median| / spread`` (spread = median absolute deviation, floored so
    one very regular feature does not dominate), plus ``2 x (1 - confidence)``.
    """
    angles = angles if angles is not None else analysis_angles(analysis)
    return _closest_to_median(_strides(analysis, side, angles))


def _closest_to_median(strides: list[Stride]) -> Stride | None:
    if not strides:
        return None
    feats = np.array([s.features for s in strides], float)
    median = np.median(feats, axis=0)
    floor = np.array([0.01, 0.01, 1.0, 1.0])  # s, s, deg, deg
    spread = np.maximum(np.median(np.abs(feats - median), axis=0), floor)
    score = np.abs(feats - median) / spread
    total = score.sum(axis=1) + 2.0 * (1.0 - np.array([s.confidence for s in strides]))
    return strides[int(np.argmin(total))]


def key_frames(analysis, side: str) -> list[KeyFrame] | str:
    """The five key frames of ``side``'s representative stride, or why there are none."""
    angles = analysis_angles(analysis)
    track: PoseTrack = analysis.track
    strides = _strides(analysis, side, angles)
    stride = _closest_to_median(strides)
    if stride is None:
        return f"no complete {side} stride (contact, toe-off and next contact) was detected"
    number = 1 + strides.index(stride)
    c, o, e = int(round(stride.contact)), int(round(stride.toe_off)), int(round(stride.end))
    thigh = np.asarray(angles["thigh"][side], float)
    knee = np.asarray(angles["knee"][side], float)
    frames = {
        "contact": c,
        "midstance": _mid_stance(track, side, stride),
        "toe_off": o,
        "peak_extension": _nan_arg(thigh, c, e, largest=False),
        "peak_knee_flexion": _nan_arg(knee, o, e, largest=True),
    }
    return [
        KeyFrame(side, key, int(frames[key]), float(track.time[frames[key]]), number, len(strides))
        for key in KEY_FRAMES
    ]


def _mid_stance(track: PoseTrack, side: str, stride: Stride) -> int:
    """Stance frame where the hip centre is closest (horizontally) to the stance ankle."""
    lo, hi = math.ceil(stride.contact), math.floor(stride.toe_off)
    fallback = int(round((stride.contact + stride.toe_off) / 2))
    hips = mid_point(track, "hip")
    if hi < lo or hips is None or not track.has(f"{side}_ankle"):
        return fallback
    gap = np.abs(hips[lo : hi + 1, 0] - track.point(f"{side}_ankle")[lo : hi + 1, 0])
    if not np.isfinite(gap).any():
        return fallback
    return lo + int(np.nanargmin(gap))
