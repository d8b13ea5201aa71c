"""Foot contact from the foot's horizontal speed: a witness that does not depend on height.

When a running foot lands, friction stops it sliding: within a few milliseconds its
horizontal velocity drops from its late-swing value to the stance value, which is zero
overground with a fixed camera, the belt's speed on a treadmill and the runner's speed in a
panning shot. The contact is where, walking back from mid-stance, the foot's horizontal
velocity first departs from its stance velocity by more than ``fraction`` of the largest
departure in the late swing before it (the foot-velocity idea of O'Connor et al. 2007, for
running and on the horizontal, normalised by the swing so that no belt speed or scale is
needed).

Why a third witness: the foot's *height* above the ground depends on the shoe and on where
the model (or marker) puts the heel and toe, so a height crossing comes early for one
runner and late for another; the knee's last extension before landing depends on how the
runner reaches for the ground. The moment the foot stops sliding depends on neither. On
seven force-plate runners at 2-5 m/s its trial biases spread a third as much as the
height's, with or without 8 px of noise at 60 Hz (``bench/contact_features.py``). Why two
levels and not one crossing: one fixed fraction comes earlier, the more gradually a foot
slows, and runners slow theirs differently (one level low enough not to care is lost in a
camera's noise); the line through two crossings above the noise follows each foot's own
slowing.

>>> import numpy as np
>>> from runform.synthetic import synthetic_runner
>>> run = synthetic_runner(fps=120, duration_s=3, seed=1)
>>> left = [e for e in run.events if e.side == "left"]
>>> stances = [(a.time_s, b.time_s) for a, b in zip(left, left[1:]) if a.kind == "contact"]
>>> found = speed_contacts(run.track, "left", stances, direction=int(run.truth["direction"]))
>>> errors_ms = 1000 * (np.array(found) - [c for c, _ in stances])
>>> bool(np.all(np.abs(errors_ms[np.isfinite(errors_ms)]) < 30))
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from runform.gait.clean import lowpass_series
from runform.gait.clearance import foot_x
from runform.gait.slopes import spline_slope_runs
from runform.track import PoseTrack

#: Low-pass cut-off of the foot's position (Hz), at most a quarter of the frame rate. The
#: same from 30 fps up, so a phone's 30 fps clip sees the filter the witness was calibrated
#: with: the line through two crossings doubles how far a filter's rounding of the slowing
#: moves the lower one (at 12 Hz, 30 fps contacts came 12 ms later than at 150 Hz).
CUTOFF_HZ = 7.5
#: Below this frame rate the velocity is read on a finer grid, from a cubic spline.
FINE_HZ = 120.0
#: The two departures of the velocity from the stance velocity, as fractions of its largest
#: departure in the late swing, whose crossings are carried on to no departure.
LEVELS = (0.15, 0.3)
#: The late swing searched for that largest departure: this long before the contact.
SWING_S = 0.25
#: A contact further back than this before the given one is not this landing. Noise can
#: hide the first part of a stance from the clearance, up to about a jog's whole contact
#: time: at 0.15 s (before session 11) such a stance kept its late contact, read shorter
#: than any runner's and was lost (held out at 60 Hz + 8 px, recall 96.97 % on one trial).
MAX_SHIFT_S = 0.25
#: The foot's points whose horizontal motion is read, in order of preference: the heel
#: alone, the toe where a pose has no heel. In a heel strike the heel is what lands, and it
#: stops with the force; the toe keeps coming forward as the foot rotates down flat, by how
#: much depends on the runner's landing (on seven force-plate runners, the toe's stop spread
#: 7.7 ms between trials, the heel's 5.3, their mean 5.9; ``bench/contact_features.py``).
#: In a forefoot landing the heel drops backward about the ball, so it stops as the ball
#: lands too.
POINTS: tuple[tuple[str, ...], ...] = (("heel",), ("foot_index",))
#: A stance foot moves backward under the runner (on a treadmill, with a panning camera)
#: or stays put (overground, fixed camera): a "stance" whose foot moves forward faster than
#: this fraction of the late swing's speed over it is a swing taken for a stance.
STANCE_FORWARD_LIMIT = 0.25


def foot_velocity(
    track: PoseTrack, side: str, points: Sequence[Sequence[str]] = POINTS
) -> tuple[np.ndarray, np.ndarray] | None:
    """``(time, velocity)``: the foot's horizontal velocity (pixels per second), from its
    position low-passed at ``min(CUTOFF_HZ, fps / 4)``; NaN across gaps. The position is
    that of the first of ``points`` the track has (:data:`POINTS`: the heel, else the toe;
    a tuple of several is their mean).

    Below :data:`FINE_HZ` the velocity is the derivative of a cubic spline through the
    low-passed positions, read on a grid at least that fine (each run of valid frames on its
    own). A difference of frames 33 ms apart averages the slowing over 67 ms and a crossing
    interpolated linearly between them sits on a chord, both of which put a 30 fps clip's
    contact 8 ms later than the same foot's at 150 Hz; the spline leaves 1 ms.
    """
    x = next((x for parts in points if (x := foot_x(track, side, tuple(parts))) is not None), None)
    if x is None or len(x) < 5:
        return None
    t = track.time
    fs = 1.0 / float(np.median(np.diff(t)))
    smooth = lowpass_series(x, fs, min(CUTOFF_HZ, fs / 4.0))
    k = int(np.ceil(FINE_HZ / fs - 1e-9))
    if k <= 1:
        return t, np.gradient(smooth, t)
    return spline_slope_runs(t, smooth, k)


def speed_contacts(
    track: PoseTrack,
    side: str,
    stances: Sequence[tuple[float, float]],
    direction: int = 1,
    levels: tuple[float, ...] = LEVELS,
    points: Sequence[Sequence[str]] = POINTS,
) -> list[float]:
    """The foot-speed contact of each stance ``(contact_s, toe_off_s)`` found by another
    witness (NaN where the foot's speed cannot say: points missing, the late swing before
    the clip's start, or a contact more than :data:`MAX_SHIFT_S` before the given one).

    ``direction`` is the direction of travel in the image (+1: towards +x). The stance
    velocity is the median over the middle half of the stance; the landing foot comes
    forward relative to it. A "stance" whose foot moves forward (a swing taken for a stance)
    gives NaN. Each crossing is interpolated linearly between samples (of the fine grid
    below :data:`FINE_HZ`); with two ``levels`` the contact is where the line through their
    crossings reaches no departure, with one it is that level's crossing
    (``bench/contact_features.py`` compares single levels, and ``points``).
    """
    found = foot_velocity(track, side, points)
    if found is None:
        return [float("nan")] * len(stances)
    t, v = found
    fs = 1.0 / float(np.median(np.diff(t)))
    forward = v * (1.0 if direction >= 0 else -1.0)
    return [_one(t, forward, tc, tt, fs, levels) for tc, tt in stances]


def _one(
    t: np.ndarray, v: np.ndarray, tc: float, tt: float, fs: float, levels: tuple[float, ...]
) -> float:
    """One stance's foot-speed contact; ``v`` is the foot's forward velocity."""
    ic, it = (int(i) for i in np.searchsorted(t, [tc, tt]))
    ic, it = min(ic, len(t) - 1), min(it, len(t) - 1)
    if it - ic < 2:
        return float("nan")
    lo, hi = ic + (it - ic) // 4, it - (it - ic) // 4 + 1
    core = v[lo:hi]
    core = core[np.isfinite(core)]
    if core.size < 2:
        return float("nan")
    stance = float(np.median(core))
    mid = (ic + it) // 2
    first = ic - int(round(SWING_S * fs))
    if first < 0:
        return float("nan")  # the late swing is not in the clip (nor the filter settled)
    ahead = v[first : mid + 1] - stance  # how much faster forward than the stance foot
    if ahead.size < 3 or not np.isfinite(ahead).all():
        return float("nan")
    peak = float(np.max(ahead))  # the late swing's, as the stance's own is small
    if not peak > 0 or stance > STANCE_FORWARD_LIMIT * peak:
        return float("nan")  # no swing before it, or the "stance" foot moves forward
    times = [_walk_back(t[first : mid + 1], ahead, f * peak) for f in levels]
    if len(levels) == 1:
        time = times[0]
    else:  # the line through the two crossings, at no departure
        (f_low, f_high), (t_low, t_high) = levels, times
        time = t_low + (t_low - t_high) * f_low / (f_high - f_low)
    return time if tc - MAX_SHIFT_S <= time <= t[mid] else float("nan")


def _walk_back(t: np.ndarray, ahead: np.ndarray, level: float) -> float:
    """Walking back from the end: where ``ahead`` last rose above ``level`` (NaN: never)."""
    for k in range(len(ahead) - 1, 0, -1):
        if ahead[k - 1] > level >= ahead[k]:
            a, b = ahead[k - 1], ahead[k]
            return float(t[k - 1] + (a - level) / (a - b) * (t[k] - t[k - 1]))
    return float("nan")
