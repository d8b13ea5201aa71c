"""Geometry of a pose track shared by every stage: mid-points, segment lengths, leg length."""

from __future__ import annotations

import warnings

import numpy as np

from runform.keypoints import SIDES
from runform.track import PoseTrack


def mid_point(track: PoseTrack, part: str) -> np.ndarray | None:
    """Mean of the left and right ``part`` (NaN-aware: one side suffices). ``None`` if absent."""
    pts = [track.point(f"{s}_{part}") for s in SIDES if track.has(f"{s}_{part}")]
    if not pts:
        return None
    stack = np.stack(pts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)  # all-NaN frames stay NaN
        return np.nanmean(stack, axis=0)


def segment_length(track: PoseTrack, a: str, b: str) -> np.ndarray:
    """Per-frame distance between two keypoints (NaN where either is missing)."""
    if not (track.has(a) and track.has(b)):
        return np.full(track.n_frames, np.nan)
    return np.linalg.norm(track.point(b) - track.point(a), axis=1)


def leg_length(track: PoseTrack) -> float:
    """Leg length (thigh + shank) in track units.

    Each segment is taken as the 90th percentile of its per-frame length over both sides:
    in a side view a segment is only ever foreshortened, so a high percentile estimates
    its true length while ignoring outliers.
    """
    thighs, shanks = [], []
    for s in SIDES:
        thighs.append(segment_length(track, f"{s}_hip", f"{s}_knee"))
        shanks.append(segment_length(track, f"{s}_knee", f"{s}_ankle"))
    t = np.concatenate(thighs)
    k = np.concatenate(shanks)
    t, k = t[np.isfinite(t)], k[np.isfinite(k)]
    if t.size == 0 or k.size == 0:
        return float("nan")
    return float(np.percentile(t, 90) + np.percentile(k, 90))
