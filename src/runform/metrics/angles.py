"""Per-frame sagittal angles from a 2-D pose track.

All angles are in degrees, measured in the plane of the image with "forward" meaning the
direction of travel (``direction`` = +1 when the runner moves toward image right, −1 toward
image left), so that the numbers mean the same whichever way the runner faces.

- ``thigh``: hip→knee against vertical, + when the knee is ahead of the hip.
- ``shank``: knee→ankle against vertical, + when the ankle is ahead of the knee.
- ``knee``: flexion, ``thigh − shank`` (0 = straight, + = bent).
- ``trunk``: mid-hip→mid-shoulder against vertical, + = forward lean (a single series).
- ``hip``: thigh against the trunk line (``thigh + trunk``), + = flexion, − = extension.

Examples
--------
>>> import numpy as np
>>> from runform.track import PoseTrack
>>> pts = {"left_hip": [[0, 0]], "left_knee": [[1, 1]], "left_ankle": [[1, 2]]}
>>> t = PoseTrack.from_points([0.0], {k: np.array(v, float) for k, v in pts.items()})
>>> round(float(frame_angles(t, direction=+1)["thigh"]["left"][0]), 1)
45.0
"""

from __future__ import annotations

import numpy as np

from runform.geometry import mid_point
from runform.keypoints import SIDES
from runform.track import PoseTrack


def segment_angle(proximal: np.ndarray, distal: np.ndarray, direction: int) -> np.ndarray:
    """Angle of the segment proximal→distal against the downward vertical, + = distal ahead."""
    d = distal - proximal
    return np.degrees(np.arctan2(direction * d[..., 0], d[..., 1]))


def wrap180(a: np.ndarray) -> np.ndarray:
    return (a + 180.0) % 360.0 - 180.0


def frame_angles(track: PoseTrack, direction: int) -> dict:
    """Per-frame thigh, shank, knee, hip and trunk angles (see module docstring).

    Returns ``{"thigh": {"left": (T,), "right": (T,)}, "shank": {...}, "knee": {...},
    "hip": {...}, "trunk": (T,)}``; a series is all-NaN where its keypoints are missing.
    """
    n = track.n_frames
    nan = np.full(n, np.nan)
    out: dict = {"thigh": {}, "shank": {}, "knee": {}, "hip": {}}
    hip_mid = mid_point(track, "hip")
    sh_mid = mid_point(track, "shoulder")
    if hip_mid is not None and sh_mid is not None:
        d = sh_mid - hip_mid
        trunk = np.degrees(np.arctan2(direction * d[:, 0], -d[:, 1]))
    else:
        trunk = nan.copy()
    out["trunk"] = trunk
    for side in SIDES:
        hip, knee, ankle = (f"{side}_{p}" for p in ("hip", "knee", "ankle"))
        thigh = (
            segment_angle(track.point(hip), track.point(knee), direction)
            if track.has(hip) and track.has(knee)
            else nan.copy()
        )
        shank = (
            segment_angle(track.point(knee), track.point(ankle), direction)
            if track.has(knee) and track.has(ankle)
            else nan.copy()
        )
        out["thigh"][side] = thigh
        out["shank"][side] = shank
        out["knee"][side] = wrap180(thigh - shank)
        out["hip"][side] = thigh + trunk
    return out
