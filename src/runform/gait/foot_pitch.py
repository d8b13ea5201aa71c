"""Toe-off from the foot's rotation: a witness in degrees, not in leg lengths.

In push-off the heel rises while the toes still press on the ground: the foot pitches
forward about the ball and the bending toes, and it leaves the ground once it has pitched
far enough that the toes come up too. The angle of the heel-to-toe line below the
direction of travel, measured from its own value at mid-stance (foot flat), therefore
passes a fixed angle a roughly fixed time before toe-off. Unlike a height above the
ground, an angle needs no scale: a long foot and a short one rotate through the same
degrees, and where a pose model (or marker) places the heel and toe on the shoe moves
only the mid-stance angle it is measured from. Unlike the knee's, it does not depend on
how a runner swings the leg.

On seven force-plate runners at 2-5 m/s its trial biases spread 5.7 ms (SD) at
:data:`LEVEL_DEG`, against 16-19 ms for a height crossing or the knee's peak, with no
trend with speed, and 8 px of noise at 60 Hz leave that spread as it is (5.4 ms;
``bench/toe_off_features.py``). :class:`~runform.gait.events.FootClearanceDetector`
averages it into the toe-off (``pitch_weight``) with an offset fitted leave-one-runner-out.

>>> import numpy as np
>>> t = np.arange(0, 1, 0.01)
>>> pitch = np.clip(t - 0.5, 0, None) * 500.0   # flat, then pitching 500 deg/s from 0.5 s
>>> round(pitch_crossing(t, pitch, 0.3, 0.7, 40.0), 3)
0.58
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from runform.gait.clean import lowpass_series
from runform.gait.clearance import crossing
from runform.track import PoseTrack

#: Low-pass cut-off of the pitch angle (Hz), at most a quarter of the frame rate.
CUTOFF_HZ = 12.0
#: The angle past its mid-stance value at which the foot's pitch is timed (degrees). The
#: seven runners' feet pitch 42-63° at toe-off; 35-45° spreads least between them.
LEVEL_DEG = 40.0
#: The crossing is looked for from mid-stance to this long after the stance's toe-off (s).
AFTER_TOE_OFF_S = 0.15


def foot_pitch(track: PoseTrack, side: str, direction: int) -> np.ndarray | None:
    """Angle of one foot's heel-to-toe line below the direction of travel, degrees
    (positive: toe lower than heel), low-passed at :data:`CUTOFF_HZ` (at most a quarter of
    the frame rate); ``None`` without the heel and the toe (``foot_index``)."""
    names = (f"{side}_heel", f"{side}_foot_index")
    if not all(track.has(n) for n in names):
        return None
    heel, toe = (track.point(n) for n in names)
    d = toe - heel
    forward = (1.0 if direction >= 0 else -1.0) * d[:, 0]
    angle = np.degrees(np.arctan2(d[:, 1], forward))  # image y points down
    fps = track.frame_rate
    if np.isfinite(fps) and fps > 0:
        angle = lowpass_series(angle, fps, min(CUTOFF_HZ, 0.25 * fps))
    return angle


def pitch_crossing(
    t: np.ndarray, pitch: np.ndarray, contact_s: float, toe_off_s: float, level_deg: float
) -> float:
    """When the foot, walking forward from mid-stance, first pitches ``level_deg`` past its
    median angle over the middle half of the stance ``contact_s``-``toe_off_s`` (linear
    between frames). NaN when the angle is missing there or no crossing comes before
    :data:`AFTER_TOE_OFF_S` after ``toe_off_s``."""
    if not (np.isfinite(contact_s) and np.isfinite(toe_off_s)) or toe_off_s <= contact_s:
        return float("nan")
    quarter = 0.25 * (toe_off_s - contact_s)
    core = (t >= contact_s + quarter) & (t <= toe_off_s - quarter)
    if not np.isfinite(pitch[core]).any():
        return float("nan")
    level = float(np.nanmedian(pitch[core])) + level_deg
    i = int(np.searchsorted(t, 0.5 * (contact_s + toe_off_s)))
    stop = int(np.searchsorted(t, toe_off_s + AFTER_TOE_OFF_S))
    if i < 1 or stop >= len(t):
        return float("nan")
    # the foot lost before it pitched (a missing sample on the way) gives nothing to read
    found = crossing(t[: stop + 1], pitch[: stop + 1], i - 1, level, backward=False)
    return float("nan") if found is None else found


def pitch_toe_offs(
    track: PoseTrack,
    side: str,
    stances: Sequence[tuple[float, float]],
    direction: int,
    level_deg: float = LEVEL_DEG,
) -> list[float]:
    """Per ``(contact_s, toe_off_s)`` stance of one foot, when its pitch passes
    ``level_deg`` past its mid-stance angle (:func:`pitch_crossing`); NaN where it cannot
    be read."""
    pitch = foot_pitch(track, side, direction)
    if pitch is None:
        return [float("nan")] * len(stances)
    return [pitch_crossing(track.time, pitch, tc, tt, level_deg) for tc, tt in stances]


__all__ = ["LEVEL_DEG", "foot_pitch", "pitch_crossing", "pitch_toe_offs"]
