"""Per-step metrics: one row per accepted step, every per-step metric of the catalogue.

A *step* here is one foot's stance (contact → toe-off) and what follows until the other
foot lands; swing metrics of that foot use the interval from its toe-off to its own next
contact. Values that need an event that is not there (the last step, a gap) are ``None``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from runform.gait.clean import default_cutoff_hz, lowpass_series
from runform.gait.slopes import points_per_frame, spline_slope_runs
from runform.gait.types import Step
from runform.geometry import mid_point
from runform.track import PoseTrack


@dataclass(frozen=True)
class StepContext:
    """What every per-step computation needs, computed once per track."""

    track: PoseTrack
    angles: dict
    direction: int
    leg: float
    hip_mid: np.ndarray | None
    thigh_rate: dict  # side -> d(thigh)/dt, deg/s, at the times ``rate_time``
    rate_time: np.ndarray  # times of ``thigh_rate``: the frames' and finer (RATE_FINE_HZ)
    heel_hip: dict  # side -> (T,) heel (or ankle) to hip distance, or None
    ankle_ahead: dict  # side -> (T,) ankle ahead of the mid-hip along travel, or None
    thigh_ok: dict  # side -> (T,) bool: thigh at plausible length (pose not distorted)
    shank_ok: dict  # side -> (T,) bool: shank at plausible length
    #: one leg measured alone (the far leg hidden): the bounce and the trunk, read over a
    #: step, are read over the first half of the stride, the other foot's contact unknown
    one_leg: bool = False

    @classmethod
    def build(
        cls, track: PoseTrack, angles: dict, direction: int, leg: float, one_leg: bool = False
    ) -> StepContext:
        hip_mid = mid_point(track, "hip")
        rate, heel_hip, ankle_ahead = {}, {}, {}
        rate_time = track.time
        for side, th in angles["thigh"].items():
            rate_time, rate[side] = _slope(th, track.time)
            heel = f"{side}_heel" if track.has(f"{side}_heel") else f"{side}_ankle"
            hip = f"{side}_hip"
            heel_hip[side] = (
                np.linalg.norm(track.point(heel) - track.point(hip), axis=1)
                if track.has(heel) and track.has(hip)
                else None
            )
            ankle = f"{side}_ankle"
            ankle_ahead[side] = (
                direction * (track.point(ankle)[:, 0] - hip_mid[:, 0])
                if hip_mid is not None and track.has(ankle)
                else None
            )
        thigh_ok = {s: plausible_length(track, f"{s}_hip", f"{s}_knee") for s in angles["thigh"]}
        shank_ok = {s: plausible_length(track, f"{s}_knee", f"{s}_ankle") for s in angles["thigh"]}
        return cls(
            track,
            angles,
            direction,
            leg,
            hip_mid,
            rate,
            rate_time,
            heel_hip,
            ankle_ahead,
            thigh_ok,
            shank_ok,
            one_leg,
        )


#: A segment shorter than this fraction of its own length is a distorted pose, not a pose:
#: in a side view the legs move in the image plane and barely foreshorten, while a pose
#: model that loses a blurred foot pulls the ankle toward the knee.
MIN_SEGMENT_RATIO = 0.8


def plausible_length(track: PoseTrack, a: str, b: str) -> np.ndarray:
    """Frames where the segment a→b is at least ``MIN_SEGMENT_RATIO`` of its length
    (the 90th percentile of its per-frame length; all True when it cannot be measured)."""
    n = track.n_frames
    if not (track.has(a) and track.has(b)):
        return np.ones(n, dtype=bool)
    length = np.linalg.norm(track.point(b) - track.point(a), axis=1)
    finite = length[np.isfinite(length)]
    if finite.size == 0:
        return np.ones(n, dtype=bool)
    ref = np.percentile(finite, 90)
    return ~(length < MIN_SEGMENT_RATIO * ref)


#: An angle's rate of change is read on a grid at least this fine (Hz), from a cubic spline
#: through the frames (:mod:`runform.gait.slopes`). A central difference of frames, read at
#: the frames, put the same runner's peak thigh speed 9 % lower at 30 fps than at 240
#: (``bench/rate_dependence.py``, docs/decisions.md session 24).
RATE_FINE_HZ = 120.0
#: ...and from the angle low-passed at no more than this (Hz). A derivative lifts pixel
#: noise by its frequency, so what the cleaning's cut-off lets through (12 Hz from 48 fps, a
#: quarter of the rate below: :func:`~runform.gait.clean.default_cutoff_hz`) decided how
#: much each frame's noise lifted a peak thigh speed: with 8 px, read through the spline at
#: the cleaning's cut-off, 60, 41 and 25 °/s over the truth at 60, 120 and 240 fps, and 9 at
#: 30 fps. At 9 Hz: 13, 3, -1 (and 9); without noise 1-5 °/s under the truth at every rate.
RATE_CUTOFF_HZ = 9.0


def _slope(y: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(times, dy/dt)`` of a per-frame series, low-passed at :data:`RATE_CUTOFF_HZ` where
    the cleaning's cut-off at this rate was higher, on a grid of at least
    :data:`RATE_FINE_HZ` (:func:`~runform.gait.slopes.spline_slope_runs`); all NaN at the
    frames when the track is too short for a slope."""
    if len(y) < 4:
        return t, np.full_like(y, np.nan)
    fs = 1.0 / float(np.median(np.diff(t)))
    if default_cutoff_hz(fs) > RATE_CUTOFF_HZ:
        y = lowpass_series(y, fs, RATE_CUTOFF_HZ)
    return spline_slope_runs(t, y, points_per_frame(t, RATE_FINE_HZ))


def value_at(t: np.ndarray, y: np.ndarray, when: float) -> float:
    """Linear interpolation of ``y`` at ``when``; NaN if a neighbour is missing."""
    i = int(t.searchsorted(when))
    if i <= 0 or i >= len(t):
        return float("nan")
    y0, y1 = float(y[i - 1]), float(y[i])  # plain floats: the same arithmetic, less overhead
    if not (math.isfinite(y0) and math.isfinite(y1)):
        return float("nan")
    t0 = float(t[i - 1])
    w = (when - t0) / (float(t[i]) - t0)
    return float(y0 + w * (y1 - y0))


def window(t: np.ndarray, y: np.ndarray, start: float, stop: float) -> np.ndarray:
    """Samples of ``y`` in ``[start, stop]`` plus the interpolated end values."""
    i0, i1 = int(t.searchsorted(start, "left")), int(t.searchsorted(stop, "right"))
    out = np.empty(max(i1 - i0, 0) + 2)
    out[0], out[-1] = value_at(t, y, start), value_at(t, y, stop)
    out[1:-1] = y[i0:i1]
    return out


def _extreme(values: np.ndarray, fn, min_valid: float = 0.6) -> float:
    ok = np.isfinite(values)
    finite = int(np.count_nonzero(ok))
    if ok.size == 0 or finite / ok.size < min_valid:
        return float("nan")
    return float(fn(values if finite == ok.size else values[ok]))


def _checked_extreme(
    t: np.ndarray, y: np.ndarray, ok: np.ndarray, start: float, stop: float, fn
) -> float:
    """Extreme (``np.max``/``np.min``) of ``y`` over ``[start, stop]``; NaN when the frame
    where it occurs, or a neighbour, has a distorted segment (``ok`` False)."""
    i0, i1 = int(t.searchsorted(start, "left")), int(t.searchsorted(stop, "right"))
    seg = y[i0:i1]
    if seg.size == 0:
        return float("nan")
    seen = np.isfinite(seg)
    finite = int(np.count_nonzero(seen))
    if finite / seg.size < 0.6:
        return float("nan")
    if finite < seg.size:  # as nanargmax / nanargmin: the missing samples never win
        seg = np.where(seen, seg, -np.inf if fn is np.max else np.inf)
    k = i0 + int(seg.argmax() if fn is np.max else seg.argmin())
    if not ok[max(0, k - 1) : k + 2].all():
        return float("nan")
    return float(y[k])


def _checked_value(t: np.ndarray, y: np.ndarray, ok: np.ndarray, when: float) -> float:
    """``value_at`` that is NaN when a frame around ``when`` has a distorted segment."""
    i = int(t.searchsorted(when))
    if not ok[max(0, i - 1) : i + 1].all():
        return float("nan")
    return value_at(t, y, when)


def _none(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def step_metrics(step: Step, ctx: StepContext, treadmill_speed: float | None = None) -> dict:
    """All per-step metrics of one step, as a flat dict (``None`` where not computable)."""
    t = ctx.track.time
    s = step.side
    tc, tt = step.contact_s, step.toe_off_s
    tn, ts = step.next_contact_s, step.next_same_contact_s
    thigh, knee = ctx.angles["thigh"][s], ctx.angles["knee"][s]
    hip, shank = ctx.angles["hip"][s], ctx.angles["shank"][s]
    row: dict = {
        "side": s,
        "contact_s": round(tc, 5),
        "toe_off_s": round(tt, 5),
        "next_contact_s": None if tn is None else round(tn, 5),
        "confidence": round(step.confidence, 3),
        "contact_time_ms": (tt - tc) * 1000.0,
        "step_time_ms": None if tn is None else (tn - tc) * 1000.0,
        "flight_time_ms": None if tn is None else (tn - tt) * 1000.0,
        "stride_time_ms": None if ts is None else (ts - tc) * 1000.0,
        "duty_factor_pct": None if ts is None else 100.0 * (tt - tc) / (ts - tc),
    }
    if tn is not None and treadmill_speed:
        row["step_length_m"] = treadmill_speed * (tn - tc)
    # window for peak extension: stance plus the first 30 % of swing
    swing_end = ts if ts is not None else (tt + 0.35)
    ext_end = tt + 0.3 * (swing_end - tt)
    th_ok, sh_ok = ctx.thigh_ok[s], ctx.shank_ok[s]
    leg_ok = th_ok & sh_ok
    row["thigh_extension_deg"] = -_checked_extreme(t, thigh, th_ok, tc, ext_end, np.min)
    row["hip_extension_trunk_deg"] = -_checked_extreme(t, hip, th_ok, tc, ext_end, np.min)
    row["thigh_flexion_contact_deg"] = _checked_value(t, thigh, th_ok, tc)
    row["knee_flexion_contact_deg"] = _checked_value(t, knee, leg_ok, tc)
    row["shank_angle_contact_deg"] = _checked_value(t, shank, sh_ok, tc)
    row["knee_flexion_stance_peak_deg"] = _checked_extreme(t, knee, leg_ok, tc, tt, np.max)
    rate = ctx.thigh_rate[s]
    row["drive_peak_deg_s"] = _extreme(-window(ctx.rate_time, rate, tc, tt), np.max)
    th_c, th_t = value_at(t, thigh, tc), value_at(t, thigh, tt)
    row["drive_mean_deg_s"] = (th_c - th_t) / (tt - tc)
    if ts is not None:
        row["thigh_flexion_swing_peak_deg"] = _checked_extreme(t, thigh, th_ok, tt, ts, np.max)
        row["knee_flexion_swing_peak_deg"] = _checked_extreme(t, knee, leg_ok, tt, ts, np.max)
        if ctx.heel_hip[s] is not None:
            d = ctx.heel_hip[s]
            row["heel_recovery_ratio"] = _extreme(window(t, d, tt, ts), np.min) / ctx.leg
    if ctx.ankle_ahead[s] is not None:
        row["touchdown_distance_pct"] = 100.0 * value_at(t, ctx.ankle_ahead[s], tc) / ctx.leg
    step_end = tn
    if tn is None and ctx.one_leg and ts is not None:
        step_end = tc + 0.5 * (ts - tc)
    if step_end is not None:
        if ctx.hip_mid is not None:
            y = ctx.hip_mid[:, 1]
            seg = window(t, y, tc, step_end)
            row["vertical_oscillation_pct"] = 100.0 * _extreme(seg, np.ptp, 0.8) / ctx.leg
        row["trunk_lean_deg"] = _extreme(
            window(t, ctx.angles["trunk"], tc, step_end), np.median, 0.8
        )
    return {k: (_none(v) if isinstance(v, float) else v) for k, v in row.items()}


def gait_cycle_curves(
    track: PoseTrack, angles: dict, steps: list[Step], n_points: int = 101
) -> dict:
    """Angle curves over the gait cycle (contact → next contact of the same foot), 0–100 %.

    Returns ``{angle: {side: {"mean": [...], "sd": [...], "n": k}}}`` for thigh, hip, knee,
    shank and trunk (trunk per side's cycle).
    """
    t = track.time
    pct = np.linspace(0.0, 1.0, n_points)
    out: dict = {}
    for name in ("thigh", "hip", "knee", "shank", "trunk"):
        out[name] = {}
        for side in ("left", "right"):
            series = angles[name] if name == "trunk" else angles[name][side]
            curves = []
            for st in steps:
                if st.side != side or st.next_same_contact_s is None:
                    continue
                times = st.contact_s + pct * (st.next_same_contact_s - st.contact_s)
                i0 = np.searchsorted(t, times[0]) - 1
                i1 = np.searchsorted(t, times[-1]) + 1
                if i0 < 0 or i1 > len(t):
                    continue
                seg = series[i0:i1]
                if not np.isfinite(seg).all():
                    continue
                curves.append(np.interp(times, t[i0:i1], seg))
            if curves:
                c = np.asarray(curves)
                out[name][side] = {
                    "mean": np.round(c.mean(axis=0), 2).tolist(),
                    "sd": np.round(c.std(axis=0), 2).tolist(),
                    "n": len(curves),
                    "toe_off_pct": None,
                }
        # mean toe-off position within the cycle, per side, for plotting the stance phase
        for side, entry in out[name].items():
            ratios = [
                (st.toe_off_s - st.contact_s) / (st.next_same_contact_s - st.contact_s)
                for st in steps
                if st.side == side and st.next_same_contact_s is not None
            ]
            entry["toe_off_pct"] = round(100.0 * float(np.median(ratios)), 1) if ratios else None
    return out
