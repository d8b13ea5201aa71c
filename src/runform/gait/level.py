"""How far the ground slopes in the picture: the camera's roll, and what it can do to the
values read against the picture's vertical.

A phone propped on a shelf or held by hand is rarely level. Rolled by a few degrees, every
angle read against the picture's vertical (thigh, shank, trunk) moves by that much, one way
or the other with the direction of travel, and a horizontal distance (the foot's landing
ahead of the hips) takes in some of the leg's height. Drawn rolled by 5°, the force-plate
runners of ``../shared/data`` got a finding their level view does not give in 5 of 88 runs,
at 8° in 38 of 88 (docs/decisions.md, session 24).

The ground is level in the world (a treadmill's belt up to its incline, 1-2°), and the
stance feet stand on it: :func:`camera_roll_deg` reads its slope from where the feet stand
in the middle of their stances. On the seven force-plate runners' tracks (60 Hz, 8 px) it
reads a roll of 0, +5 or −5° with no bias and an SD of 1.5° (at worst 3.8° off): good
enough to say how uncertain the angles are, not to turn the picture back by it. The
analysis therefore adds the roll it reads to those values' stated error
(:func:`roll_errors`) instead of correcting them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from runform.gait.types import Step
from runform.geometry import leg_length
from runform.track import PoseTrack

#: Stances a foot needs for its ground points to count, and the spread of the ground
#: points along the ground (leg lengths), for a slope to be read: fewer, and it is noise.
MIN_STANCES = 3
MIN_SPREAD_LEGS = 0.15
#: The part of a stance the ground is read in (fractions of the contact time): the foot
#: is flat there, landed and not yet rising onto its toes.
FLAT_FOOT = (0.2, 0.45)
#: Values read against the picture's vertical, which a roll moves by its angle (degrees).
ROLL_ANGLES: tuple[str, ...] = (
    "thigh_extension_deg",
    "thigh_flexion_contact_deg",
    "thigh_flexion_swing_peak_deg",
    "shank_angle_contact_deg",
    "trunk_lean_deg",
)
#: The landing's distance ahead of the hips takes in the hip's height above the ankle at
#: contact (about this many leg lengths) times the roll's sine.
HIP_OVER_ANKLE_LEGS = 0.9


def camera_roll_deg(track: PoseTrack, steps: Sequence[Step]) -> float | None:
    """The slope of the ground in the picture (degrees; positive when it falls toward image
    right, ``y`` down), from the middle of the heel and toe in the flat-foot part of every
    stance (:data:`FLAT_FOOT`): one line, a common slope with an intercept per foot (the far
    foot stands a little higher in a camera's perspective), from each foot with at least
    :data:`MIN_STANCES` stances (one foot will do: a far foot hidden in most of the clip).
    ``None`` when no foot has them or the ground points are spread over less than
    :data:`MIN_SPREAD_LEGS` leg lengths (on a treadmill the stance foot slides along the
    belt; overground the footprints lie along the path).

    >>> x = np.linspace(-100, 100, 21)
    >>> pts = {
    ...     "left_hip": np.c_[x * 0, x * 0], "left_knee": np.c_[x * 0, x * 0 + 50],
    ...     "left_ankle": np.c_[x * 0, x * 0 + 100],
    ...     "left_heel": np.c_[x, 110 + 0.1 * x], "left_foot_index": np.c_[x, 110 + 0.1 * x],
    ...     "right_heel": np.c_[x, 105 + 0.1 * x], "right_foot_index": np.c_[x, 105 + 0.1 * x],
    ... }
    >>> track = PoseTrack.from_points(np.arange(21.0), pts)
    >>> steps = [Step(s, 0.0, 40.0, 0.0, 40.0) for s in ("left", "right") for _ in range(3)]
    >>> round(camera_roll_deg(track, steps), 2)   # atan(0.1)
    5.71
    """
    leg = leg_length(track)
    if not (np.isfinite(leg) and leg > 0):
        return None
    xs, ys, feet = [], [], []
    for side in ("left", "right"):
        own = [st for st in steps if st.side == side]
        if len(own) < MIN_STANCES or not all(
            track.has(f"{side}_{p}") for p in ("heel", "foot_index")
        ):
            continue
        foot = 0.5 * (track.point(f"{side}_heel") + track.point(f"{side}_foot_index"))
        rows = np.zeros(track.n_frames, dtype=bool)
        for st in own:
            a = st.contact_s + FLAT_FOOT[0] * st.contact_time_s
            b = st.contact_s + FLAT_FOOT[1] * st.contact_time_s
            rows |= (track.time >= a) & (track.time <= b)
        pts = foot[rows & np.isfinite(foot).all(axis=1)]
        if len(pts) < 2 * MIN_STANCES:
            continue
        xs.append(pts[:, 0])
        ys.append(pts[:, 1])
        feet.append(np.full(len(pts), len(feet)))
    if not feet:
        return None
    x, y, f = np.concatenate(xs), np.concatenate(ys), np.concatenate(feet)
    if np.ptp(x) < MIN_SPREAD_LEGS * leg:
        return None
    design = np.c_[x, *(f == k for k in range(len(feet)))].astype(float)
    slope = float(np.linalg.lstsq(design, y, rcond=None)[0][0])
    return math.degrees(math.atan(slope))


def roll_errors(roll_deg: float, sides: Sequence[str]) -> dict[tuple[str, str], float]:
    """What a camera rolled by ``roll_deg`` can do to each value it moves, per leg (keys as
    :func:`runform.metrics.event_timing.timing_errors`'s; whole-body values under
    ``"all"``): the roll itself for the angles of :data:`ROLL_ANGLES`, the hip's height
    times its sine for the landing's distance (% of the leg).

    >>> e = roll_errors(-4.0, ("left",))
    >>> e[("trunk_lean_deg", "all")], round(e[("touchdown_distance_pct", "left")], 1)
    (4.0, 6.3)
    """
    r = abs(float(roll_deg))
    out: dict[tuple[str, str], float] = {("trunk_lean_deg", "all"): r}
    for side in sides:
        for metric in ROLL_ANGLES:
            if metric != "trunk_lean_deg":
                out[(metric, side)] = r
        out[("touchdown_distance_pct", side)] = (
            100.0 * HIP_OVER_ANKLE_LEGS * math.sin(math.radians(r))
        )
    return out


__all__ = ["ROLL_ANGLES", "camera_roll_deg", "roll_errors"]
