"""Marker motion capture + force plate -> side-view keypoints and true gait events.

One harness for every running trial with force-plate truth that runform is validated on
(``../shared/data``; see its README for licences):

- **Fukuchi et al. 2017** (PeerJ 5:e3298, CC BY 4.0): RBDS0041 at 2.5 m/s, RBDS002 at 2.5
  and 4.5 m/s. Tab-separated text, markers at 150 Hz in mm, a treadmill force plate at
  300 Hz that sums both feet (:mod:`fukuchi_data`).
- **Hamner & Delp 2013** (J Biomech 46:780; data as redistributed by Fox 2024, R Soc Open
  Sci 11:231909): subjects 01, 02, 03, 04 and 08 at 2, 3, 4 and 5 m/s. OpenSim TRC markers
  at 100/120 Hz, **each foot's own** vertical force at 960-2000 Hz (:mod:`hamner_data`).

What every trial goes through, the same way (:func:`build_trial`):

1. **Lab axes from the data** (:func:`lab_axes`): the vertical is the axis along which the
   pelvis sits highest above the feet, forward is the sign of ASIS - PSIS along the
   horizontal axis they differ most in, and the third axis is lateral.
2. **Marker label swaps** (:func:`fix_label_swaps`): two markers of one rigid cluster whose
   labels were exchanged in a running trial keep the static trial's distances to the rest of
   the cluster only if swapped back; each pair is tested over the whole trial.
3. **Rigid-body fits** (:func:`carry_points`): per segment, the least-squares rotation and
   translation (SVD; Söderkvist & Wedin 1993) of the static trial's cluster onto each running
   frame carries the anatomical points (joint centres, epicondyle, malleolus) and the
   **sole-level foot points** into every frame. A frame whose fit leaves a marker more than
   ``max_residual_m`` off (a gap that the original processing filled with a ramp, a marker
   knocked loose) is fitted again without it; with fewer than three good markers the frame
   is missing.
4. **Sole-level foot points**: markers sit on the shoe (Hamner's heel marker ~100 mm and toe
   marker ~70 mm above the floor). A video pose model's heel and toe points lie at the sole,
   at the back and the front of the shoe. In the static trial, where the foot stands flat, the
   heel and forefoot markers are dropped vertically onto the floor (height 0) and those floor
   points are carried with the foot cluster.
5. **Force-plate truth per foot** (:func:`foot_stances`): intervals above a threshold,
   interpolated linearly between samples; per foot where the plate gives each foot
   (Hamner), otherwise from the summed force with the side taken from the lower foot.
6. **Checks** (:class:`Trial.checks`): fit residuals, label swaps, frames lost, belt speed
   measured from the stance foot, the force/marker clock lag (cross-correlation of the
   vertical force with body weight x (pelvis vertical acceleration + g)) over the whole
   trial and around the toe-offs only (:func:`event_lag_ms`: does the force unload when
   the body does?), the sole's height at mid-stance, and how long the force takes over
   its last quarter before toe-off (:func:`unloading_tail_ms`).

:func:`project` then draws a trial as a side camera would see it: an orthographic view of
the sagittal plane, image x along the travel (facing left or right), y down, at a chosen
frame rate and pixel noise, as a :class:`runform.track.PoseTrack`.

Command line::

    python bench/mocap.py            # build all trials and print the checks
    python bench/mocap.py --only hamner01
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


from _common import EXTERNAL_DATA, SHARED_DATA, format_table
from runform.track import PoseTrack, TrackMeta

SIDES = ("left", "right")
GRAVITY = 9.81

#: Image used by :func:`project`: 1920x1080, belt at y = 1000 px, 450 px per metre (a 1.8 m
#: runner fills ~80 % of the frame height).
FRAME_WIDTH, FRAME_HEIGHT = 1920, 1080
GROUND_Y_PX = 1000.0
DEFAULT_PX_PER_M = 450.0


# ----------------------------------------------------------------------------- the trial
@dataclass
class Trial:
    """One running trial: keypoints in the lab (m), true events, and how they were made.

    Attributes
    ----------
    runner, dataset:
        Runner id (``"RBDS0041"``, ``"hamner01"``...) and data set (``"fukuchi"``,
        ``"hamner"``).
    speed_label:
        Belt speed as the data set names it (m/s).
    time:
        Marker clock (s), (T,).
    points:
        ``{"left_hip": (T, 3), ...}`` in metres, axes (forward, up, lateral-right); the
        keypoints are hip, knee, ankle, heel (sole level), foot_index (sole level) and, where
        the markers allow, shoulder.
    events:
        True events ``[{"side", "kind", "time_s"}]`` in time order.
    truth_method:
        How the events were obtained (threshold, filter, side rule), in words.
    checks:
        Numbers printed by ``python bench/mocap.py`` (see the module docstring).
    attribution:
        Citation of the data.
    """

    runner: str
    dataset: str
    speed_label: float
    time: np.ndarray
    points: dict[str, np.ndarray]
    events: list[dict]
    truth_method: str
    attribution: str
    checks: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.runner} {self.speed_label:g} m/s"

    @property
    def rate_hz(self) -> float:
        return float(1.0 / np.median(np.diff(self.time)))

    @property
    def belt_speed(self) -> float:
        """Belt speed measured from the stance foot (m/s), or the label when unmeasured."""
        v = self.checks.get("belt_speed_mps")
        return float(v) if v is not None and np.isfinite(v) else self.speed_label


# ----------------------------------------------------------------------------- rigid bodies
def rigid_fit(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares rotation ``R`` (T, 3, 3) and translation ``t`` (T, 3): cur ≈ R ref + t.

    Söderkvist & Wedin (1993): SVD of the cross-covariance of the centred point sets, with
    the sign fix that keeps ``det R = +1``.

    Parameters
    ----------
    ref:
        (M, 3) cluster in the reference (static) pose, M >= 3 and not collinear.
    cur:
        (T, M, 3) the same markers in T frames, no NaN.

    Examples
    --------
    >>> ref = np.array([[0.0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    >>> c, s = np.cos(0.3), np.sin(0.3)
    >>> rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    >>> r, t = rigid_fit(ref, (ref @ rot.T + [1, 2, 3])[None])
    >>> bool(np.allclose(r[0], rot) and np.allclose(t[0], [1, 2, 3]))
    True
    """
    ref_c = ref.mean(axis=0)
    cur_c = cur.mean(axis=1)
    h = np.einsum("mi,tmj->tij", ref - ref_c, cur - cur_c[:, None, :])
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(np.einsum("tji,tkj->tik", vt, u)))
    fix = np.ones((len(cur), 3))
    fix[:, 2] = d
    rot = np.einsum("tji,tj,tkj->tik", vt, fix, u)
    trans = cur_c - np.einsum("tij,j->ti", rot, ref_c)
    return rot, trans


@dataclass
class CarryResult:
    """Points carried by a cluster: ``points`` {name: (T, 3)}, per-frame RMS residual (m),
    and how many frames needed a marker dropped or were lost."""

    points: dict[str, np.ndarray]
    residual_m: np.ndarray
    frames_refitted: int
    frames_lost: int


def carry_points(
    static: Mapping[str, np.ndarray],
    running: Mapping[str, np.ndarray],
    cluster: Sequence[str],
    targets: Mapping[str, np.ndarray],
    max_residual_m: float = 0.012,
) -> CarryResult:
    """Carry static-trial points into every running frame with the cluster's rigid fit.

    Parameters
    ----------
    static:
        Static-trial cluster marker positions ``{name: (3,)}`` (means over the trial).
    running:
        Running-trial markers ``{name: (T, 3)}``, NaN where missing.
    cluster:
        Names of the technical markers that move with the segment (>= 3).
    targets:
        ``{name: (3,)}`` static-trial positions of the points to carry.
    max_residual_m:
        A frame whose worst marker is farther than this from the fitted cluster is fitted
        again without that marker (once per bad marker, while >= 3 remain).
    """
    names = [m for m in cluster if m in static and m in running]
    n = len(next(iter(running.values())))
    out = {k: np.full((n, 3), np.nan) for k in targets}
    resid = np.full(n, np.nan)
    if len(names) < 3:
        return CarryResult(out, resid, 0, n)
    ref = np.stack([static[m] for m in names])
    cur = np.stack([running[m] for m in names], axis=1)  # (T, M, 3)
    use = ~np.isnan(cur).any(axis=2)
    refitted = 0
    for _ in range(len(names) - 2):
        changed = np.zeros(n, dtype=bool)
        for pattern in np.unique(use, axis=0):
            rows = np.flatnonzero((use == pattern).all(axis=1))
            if pattern.sum() < 3:
                continue
            rot, trans = rigid_fit(ref[pattern], cur[rows][:, pattern])
            fitted = np.einsum("tij,mj->tmi", rot, ref) + trans[:, None, :]
            err = np.linalg.norm(fitted - cur[rows], axis=2)  # (rows, M), NaN where hidden
            err_used = np.where(pattern[None, :], err, 0.0)
            bad = err_used.max(axis=1) > max_residual_m
            can_drop = bad & (pattern.sum() > 3)
            # the marker to drop is the one whose removal fits the rest best (the largest
            # residual may sit on a good marker that the bad one pulled the fit away from)
            worst = np.zeros(len(rows), dtype=int)
            if can_drop.any():
                best = np.full(int(can_drop.sum()), np.inf)
                sub = cur[rows[can_drop]]
                for m in np.flatnonzero(pattern):
                    keep_m = pattern.copy()
                    keep_m[m] = False
                    r_m, t_m = rigid_fit(ref[keep_m], sub[:, keep_m])
                    f_m = np.einsum("tij,mj->tmi", r_m, ref[keep_m]) + t_m[:, None, :]
                    e_m = np.linalg.norm(f_m - sub[:, keep_m], axis=2).max(axis=1)
                    better = e_m < best
                    best[better] = e_m[better]
                    idx = np.flatnonzero(can_drop)[better]
                    worst[idx] = m
            for r, w in zip(rows[can_drop], worst[can_drop], strict=True):
                use[r, w] = False
                changed[r] = True
            ok_rows = rows[~can_drop]
            keep = ~can_drop
            resid[ok_rows] = np.sqrt(np.sum(err_used[keep] ** 2, axis=1) / pattern.sum())
            for k, p in targets.items():
                out[k][ok_rows] = np.einsum("tij,j->ti", rot[keep], np.asarray(p)) + trans[keep]
        refitted += int(changed.sum())
        if not changed.any():
            break
    lost = ~np.isfinite(resid)
    # a fit still beyond the limit with only three markers cannot be checked: drop it
    poor = np.isfinite(resid) & (resid > max_residual_m)
    for k in out:
        out[k][poor] = np.nan
    return CarryResult(out, resid, refitted, int(lost.sum() + poor.sum()))


def fix_label_swaps(
    static: Mapping[str, np.ndarray], running: dict[str, np.ndarray], cluster: Sequence[str]
) -> list[tuple[str, str]]:
    """Find and undo label swaps between two markers of a rigid cluster (in place).

    For each pair, the median over frames of the error of the distances to the other
    cluster markers (running against static) is compared as labelled and as swapped; a pair
    that fits at least 3x better swapped is swapped back. Returns the swapped pairs.
    """
    names = [m for m in cluster if m in static and m in running]

    def dist_error(a: str, b: str, swapped: bool) -> float:
        errs = []
        for other in names:
            if other in (a, b):
                continue
            for m, s in ((a, b), (b, a)) if swapped else ((a, a), (b, b)):
                d_run = np.linalg.norm(running[m] - running[other], axis=1)
                d_st = float(np.linalg.norm(static[s] - static[other]))
                errs.append(np.abs(d_run - d_st))
        if not errs:
            return float("nan")
        return float(np.nanmedian(np.concatenate(errs)))

    swaps = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            as_is, swapped = dist_error(a, b, False), dist_error(a, b, True)
            if np.isfinite(as_is) and swapped * 3.0 < as_is:
                running[a], running[b] = running[b].copy(), running[a].copy()
                swaps.append((a, b))
    return swaps


def lab_axes(
    markers: Mapping[str, np.ndarray],
    pelvis_front: Sequence[str],
    pelvis_back: Sequence[str],
    feet: Sequence[str],
) -> np.ndarray:
    """Signed permutation (3, 3) taking lab coordinates to (forward, up, lateral-right).

    Vertical: the axis along which the pelvis sits farthest above the feet (positive =
    up). Forward: the horizontal axis along which ASIS and PSIS differ most, signed from PSIS
    to ASIS. Lateral: completes a right-handed frame (forward x up = right... here
    ``right = forward x up`` with x forward, y up, z right as in Fukuchi's lab).
    """
    pel_f = np.nanmean(np.concatenate([markers[m] for m in pelvis_front]), axis=0)
    pel_b = np.nanmean(np.concatenate([markers[m] for m in pelvis_back]), axis=0)
    foot = np.nanmean(np.concatenate([markers[m] for m in feet]), axis=0)
    up_vec = 0.5 * (pel_f + pel_b) - foot
    up = int(np.argmax(np.abs(up_vec)))
    fwd_vec = pel_f - pel_b
    fwd_vec[up] = 0.0
    fwd = int(np.argmax(np.abs(fwd_vec)))
    e_up = np.zeros(3)
    e_up[up] = np.sign(up_vec[up])
    e_fwd = np.zeros(3)
    e_fwd[fwd] = np.sign(fwd_vec[fwd])
    e_right = np.cross(e_fwd, e_up)
    return np.stack([e_fwd, e_up, e_right])


# ----------------------------------------------------------------------------- force plate
def _crossing(t: np.ndarray, f: np.ndarray, i: int, level: float) -> float:
    """Time at which ``f`` crosses ``level`` between samples ``i - 1`` and ``i`` (linear)."""
    f0, f1 = f[i - 1], f[i]
    frac = (level - f0) / (f1 - f0) if f1 != f0 else 0.5
    return float(t[i - 1] + frac * (t[i] - t[i - 1]))


def above_intervals(
    t: np.ndarray, force: np.ndarray, threshold_n: float, min_peak_n: float
) -> list[tuple[float, float]]:
    """Complete intervals where ``force`` >= ``threshold_n`` with a peak above ``min_peak_n``.

    Crossings are interpolated linearly between samples; intervals touching either end of
    the record are dropped (incomplete stances).

    Examples
    --------
    >>> t = np.arange(0, 1, 0.001)
    >>> f = np.where((t > 0.2) & (t < 0.45), 1500 * np.sin(np.pi * (t - 0.2) / 0.25), 0)
    >>> [(round(a, 3), round(b, 3)) for a, b in above_intervals(t, f, 20.0, 500.0)]
    [(0.201, 0.449)]
    """
    above = force >= threshold_n
    rises = np.flatnonzero(~above[:-1] & above[1:]) + 1
    falls = np.flatnonzero(above[:-1] & ~above[1:]) + 1
    out = []
    for r in rises:
        later = falls[falls > r]
        if len(later) == 0:
            break
        fall = int(later[0])
        if np.max(force[r:fall]) < min_peak_n:
            continue
        out.append((_crossing(t, force, r, threshold_n), _crossing(t, force, fall, threshold_n)))
    return out


def force_floor(force: np.ndarray) -> float:
    """The level below which a pre-processed force was set to zero (N), 0 if it was not.

    Read from the data: the smallest first non-zero sample after a run of zeros (every
    sample at or above the floor was kept, so the smallest is the closest to it).
    """
    zero = force == 0.0
    starts = np.flatnonzero(zero[:-1] & (force[1:] > 0)) + 1
    if len(starts) == 0 or zero.sum() < 0.05 * len(force):
        return 0.0
    return float(np.min(force[starts]))


def lower_foot(time: np.ndarray, points: Mapping[str, np.ndarray], when: float) -> str | None:
    """The side whose foot (mean height of heel and toe points) is lower at ``when``;
    ``None`` when either foot is missing there."""
    low = {}
    for side in SIDES:
        h = [np.interp(when, time, points[f"{side}_{p}"][:, 1]) for p in ("heel", "foot_index")]
        h = [v for v in h if np.isfinite(v)]
        if not h:
            return None
        low[side] = float(np.mean(h))
    return min(low, key=low.get)


def merge_stances(stances: Iterable[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """Join overlapping intervals of the same foot (a foot on both belts of a split-belt
    treadmill is measured by both plates at once).

    >>> merge_stances([("left", 1.0, 1.3), ("left", 1.01, 1.32), ("right", 1.4, 1.7)])
    [('left', 1.0, 1.32), ('right', 1.4, 1.7)]
    """
    out: list[tuple[str, float, float]] = []
    for side in SIDES:
        items = sorted((s for s in stances if s[0] == side), key=lambda s: s[1])
        for _, on, off in items:
            if out and out[-1][0] == side and on <= out[-1][2]:
                out[-1] = (side, out[-1][1], max(off, out[-1][2]))
            else:
                out.append((side, on, off))
    return sorted(out, key=lambda s: s[1])


def events_from_stances(stances: Iterable[tuple[str, float, float]]) -> list[dict]:
    """``[(side, on, off)]`` -> sorted event dicts (overlapping same-foot intervals joined)."""
    ev = []
    for side, on, off in merge_stances(stances):
        ev.append({"side": side, "kind": "contact", "time_s": float(on)})
        ev.append({"side": side, "kind": "toe_off", "time_s": float(off)})
    return sorted(ev, key=lambda e: e["time_s"])


# ----------------------------------------------------------------------------- checks
def belt_speed(
    trial_time: np.ndarray, points: Mapping[str, np.ndarray], events: list[dict]
) -> float:
    """Median backward speed (m/s) of the stance foot's sole points over mid-stance."""
    speeds = []
    for side in SIDES:
        foot = 0.5 * (points[f"{side}_heel"][:, 0] + points[f"{side}_foot_index"][:, 0])
        ev = sorted((e for e in events if e["side"] == side), key=lambda e: e["time_s"])
        for a, b in itertools.pairwise(ev):
            if a["kind"] != "contact" or b["kind"] != "toe_off":
                continue
            dur = b["time_s"] - a["time_s"]
            sel = (trial_time > a["time_s"] + 0.3 * dur) & (trial_time < b["time_s"] - 0.3 * dur)
            x = foot[sel]
            ok = np.isfinite(x)
            if ok.sum() >= 3:
                speeds.append(-np.polyfit(trial_time[sel][ok], x[ok], 1)[0])
    return float(np.median(speeds)) if speeds else float("nan")


def clock_lag_ms(
    trial_time: np.ndarray,
    pelvis_height: np.ndarray,
    force_t: np.ndarray,
    vertical_force: np.ndarray,
) -> float:
    """Lag (ms) of the force clock behind the marker clock, from Newton's second law.

    The pelvis's vertical acceleration (a proxy of the centre of mass) times body weight
    plus g must match the total vertical force; the lag maximising their correlation is
    returned (positive: force events come later than the markers say). Resolution 1 ms.
    """
    ok = np.isfinite(pelvis_height)
    if ok.sum() < 50:
        return float("nan")
    acc = _pelvis_acceleration(trial_time, pelvis_height)
    grid = np.arange(trial_time[0] + 0.1, trial_time[-1] - 0.1, 0.001)
    f = np.interp(grid, force_t, vertical_force)
    return _best_lag_ms(grid, f, trial_time, acc)


def event_lag_ms(
    trial_time: np.ndarray,
    pelvis_height: np.ndarray,
    force_t: np.ndarray,
    vertical_force: np.ndarray,
    event_times: Sequence[float],
    before_s: float = 0.08,
    after_s: float = 0.06,
) -> float:
    """:func:`clock_lag_ms` read only around some events (``before_s`` to ``after_s``).

    Around the force plate's toe-offs it says whether the force unloads when the body
    does: a force whose last part came too late (a filter's tail, a plate's ringing) would
    lag the pelvis there more than over the whole trial. The force is low-passed like the
    pelvis (2nd order, 10 Hz, both ways) so that both carry the same smoothing. Positive:
    the force comes later than the pelvis says. Resolution 1 ms; one trial's estimate
    spreads about 10 ms, so read it as a median over many trials.
    """
    ok = np.isfinite(pelvis_height)
    if ok.sum() < 50 or not len(event_times):
        return float("nan")
    acc = _pelvis_acceleration(trial_time, pelvis_height)
    grid = np.arange(trial_time[0] + 0.1, trial_time[-1] - 0.1, 0.001)
    keep = np.zeros(grid.shape, bool)
    for t in event_times:
        keep |= (grid > t - before_s) & (grid < t + after_s)
    if keep.sum() < 50:
        return float("nan")
    f = _lowpass(grid, np.interp(grid, force_t, vertical_force))[keep]
    return _best_lag_ms(grid[keep], f, trial_time, acc)


#: :func:`unloading_tail_ms` times the force's last part from where it falls through this
#: fraction of its stance peak.
TAIL_FROM_PEAK = 0.25


def unloading_tail_ms(
    force_t: np.ndarray, vertical_force: np.ndarray, events: Sequence[Mapping]
) -> float:
    """Median time (ms) from the force's last fall through :data:`TAIL_FROM_PEAK` of its
    stance peak to the toe-off, over the stances of ``events`` (the truth).

    How long the force takes over its last quarter: a longer tail is a toe-off the body and
    the leg barely show, since the kinematic witnesses follow the bulk of the push-off.
    Over the 36 runners Hamner's take 3-4 ms longer than Fukuchi's at the speeds both ran
    (``docs/validation.md``).
    """
    from fukuchi import stance_table  # fukuchi imports this module

    out = []
    for stance in stance_table(events):
        on, off = stance["contact_s"], stance["toe_off_s"]
        inside = (force_t >= on) & (force_t <= off)
        if inside.sum() < 10:
            continue
        t, f = force_t[inside], vertical_force[inside]
        peak = int(np.argmax(f))
        below = np.flatnonzero(f[peak:] < TAIL_FROM_PEAK * f[peak])
        if below.size:
            out.append(1000.0 * (off - t[peak + below[0]]))
    return float(np.median(out)) if out else float("nan")


def _best_lag_ms(
    grid: np.ndarray, force: np.ndarray, trial_time: np.ndarray, acc: np.ndarray
) -> float:
    """The lag (ms, -50 to +50, 1 ms steps) that best correlates ``force`` on ``grid``
    with the acceleration ``acc`` on ``trial_time`` read that much earlier."""
    f = (force - force.mean()) / (force.std() or 1.0)
    best, best_lag = -np.inf, float("nan")
    for lag in np.arange(-0.05, 0.0505, 0.001):
        g = np.interp(grid - lag, trial_time, acc)
        g = (g - g.mean()) / (g.std() or 1.0)
        c = float(np.mean(f * g))
        if c > best:
            best, best_lag = c, lag
    return 1000.0 * best_lag


def _lowpass(time: np.ndarray, x: np.ndarray, cutoff_hz: float = 10.0) -> np.ndarray:
    from scipy.signal import butter, filtfilt

    rate = 1.0 / float(np.median(np.diff(time)))
    b, a = butter(2, min(cutoff_hz / (rate / 2), 0.9))
    return filtfilt(b, a, x)


def _pelvis_acceleration(trial_time: np.ndarray, pelvis_height: np.ndarray) -> np.ndarray:
    """Vertical acceleration of the pelvis (gaps bridged, 10 Hz low-pass)."""
    ok = np.isfinite(pelvis_height)
    h = _lowpass(trial_time, np.interp(trial_time, trial_time[ok], pelvis_height[ok]))
    return np.gradient(np.gradient(h, trial_time), trial_time)


def sole_plateau_mm(trial: Trial) -> float:
    """Median height (mm) of the lower sole point at mid-stance (0 means the floor)."""
    vals = []
    for e in trial.events:
        if e["kind"] != "contact":
            continue
        side = e["side"]
        off = next(
            (
                x["time_s"]
                for x in trial.events
                if x["side"] == side and x["kind"] == "toe_off" and x["time_s"] > e["time_s"]
            ),
            None,
        )
        if off is None:
            continue
        mid = 0.5 * (e["time_s"] + off)
        lo = min(
            np.interp(mid, trial.time, trial.points[f"{side}_{p}"][:, 1])
            for p in ("heel", "foot_index")
        )
        vals.append(lo)
    return 1000.0 * float(np.nanmedian(vals)) if vals else float("nan")


# ----------------------------------------------------------------------------- building
@dataclass(frozen=True)
class PointSpec:
    """Where a keypoint comes from: a static-trial point (``marker``) carried by the first
    cluster of ``clusters`` that fits a frame; ``sole=True`` drops it onto the floor first;
    ``measured=True`` uses the running marker itself."""

    marker: str
    clusters: tuple[str, ...] = ()
    sole: bool = False
    measured: bool = False
    ball: tuple[str, str, str] | None = None  # (heel, forefoot axis, fifth metatarsal)
    fraction: float = 0.725  # with ``ball``: where along the foot (0.725 ball, 1.0 tip)


#: Where the metatarsal heads lie along the foot, as fractions of its length from the heel:
#: the lateral (fifth) and medial (first) ball-girth lines of shoe lasts.
MT5_FRACTION_OF_FOOT = 0.635
MT1_FRACTION_OF_FOOT = 0.725
#: Where the toes meet the floor, as a fraction of the shoe's length: a running shoe's toe
#: spring lifts its tip off the floor, so the last sole point under the toes is short of it.
TOE_FRACTION = 0.9


def ball_point(
    static: Mapping[str, np.ndarray],
    heel: str,
    axis: str,
    mt5: str,
    fraction: float = MT1_FRACTION_OF_FOOT,
) -> np.ndarray:
    """A sole point along the foot, at floor level, in the static trial.

    The foot axis runs horizontally from the heel marker toward the forefoot marker
    ``axis``; the foot's length is the fifth metatarsal's distance along it divided by
    :data:`MT5_FRACTION_OF_FOOT`, and the point lies at ``fraction`` of it: the ball (under
    the first metatarsal head, :data:`MT1_FRACTION_OF_FOOT`) or the tip of the shoe (1.0).
    """
    h = np.asarray(static[heel], float)
    a = np.asarray(static[axis], float) - h
    a[1] = 0.0
    a /= np.linalg.norm(a)
    length = float(np.dot(np.asarray(static[mt5], float) - h, a)) / MT5_FRACTION_OF_FOOT
    point = h + fraction * length * a
    point[1] = 0.0
    return point


#: Largest bend of the toes against the foot (metatarsophalangeal dorsiflexion), degrees.
#: No limit by default: a toe point under the floor is impossible, a larger bend is not
#: (caps of 20 and 30 deg put the toe point through the floor late in push-off).
MAX_TOE_BEND_DEG = 90.0


def hinge_toes(
    ball: np.ndarray,
    rigid_tip: np.ndarray,
    max_bend_deg: float = MAX_TOE_BEND_DEG,
    floor: float = 0.0,
) -> np.ndarray:
    """The tip of the shoe with the toes bending at the ball, (T, 3).

    No marker follows the toes. Carried rigidly with the foot, the tip would sink under the
    floor in push-off, when the heel is up and the foot pitches down while the toes still
    press on the ground. There the toes bend up at the metatarsophalangeal joints just as
    far as keeps the tip on the floor (at most ``max_bend_deg``). Elsewhere the toes move
    with the foot. ``floor`` is the height
    of the floor in running (the static trial's floor, 0, moved by the sole's compression
    and the belt's level).
    """
    ball = ball - [0.0, floor, 0.0]
    rigid_tip = rigid_tip - [0.0, floor, 0.0]
    u = rigid_tip - ball
    length = np.linalg.norm(u, axis=1)
    horiz = u[:, [0, 2]]
    hnorm = np.linalg.norm(horiz, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        elev = np.arctan2(u[:, 1], hnorm)
        need = np.arcsin(np.clip(-ball[:, 1] / length, -1.0, 1.0))  # tip on the floor
        direction = horiz / hnorm[:, None]
    bend = np.clip(need - elev, 0.0, np.radians(max_bend_deg))
    bend = np.where(rigid_tip[:, 1] < 0.0, bend, 0.0)
    new = elev + bend
    tip = ball.copy()
    tip[:, 0] += length * np.cos(new) * direction[:, 0]
    tip[:, 2] += length * np.cos(new) * direction[:, 1]
    tip[:, 1] += length * np.sin(new)
    return tip + np.array([0.0, floor, 0.0])


@dataclass(frozen=True)
class MarkerSet:
    """A data set's marker names. ``{S}`` in a name stands for the side prefix."""

    side_prefix: Mapping[str, str]
    pelvis: tuple[str, ...]
    pelvis_front: tuple[str, ...]
    pelvis_back: tuple[str, ...]
    clusters: Mapping[str, tuple[str, ...]]  # segment -> markers (with {S})
    keypoints: Mapping[str, PointSpec]  # part -> spec (marker names with {S})
    feet: tuple[str, ...]  # markers low on the feet (with {S}), for the vertical axis


def _named(name: str, prefix: str) -> str:
    return name.replace("{S}", prefix)


@dataclass(frozen=True)
class PreparedMarkers:
    """A running trial's markers turned to the lab's (forward, up, right) with label swaps
    undone, the static trial's marker means in the same axes, and the segments' clusters:
    what :func:`carry_keypoints` carries points with. One trial's are prepared once and
    reused for its keypoints and its 3-D landmarks (:func:`joint_angles_3d.marker_angles`).
    """

    running: Mapping[str, np.ndarray]
    static_mean: Mapping[str, np.ndarray]
    axes: np.ndarray
    swaps: tuple[tuple[str, str], ...]
    clusters: Mapping[str, tuple[str, ...]]


def prepare_markers(
    running: dict[str, np.ndarray], static: dict[str, np.ndarray], ms: MarkerSet
) -> PreparedMarkers:
    """``running`` and ``static`` (``{marker: (T, 3)}``, metres, the lab's own axes) turned
    to (forward, up, right) with :func:`lab_axes` found on the running trial (the static
    trial shares the lab), and label swaps undone in every cluster of ``ms``."""
    feet = [_named(f, p) for f in ms.feet for p in ms.side_prefix.values()]
    axes = lab_axes(running, ms.pelvis_front, ms.pelvis_back, [f for f in feet if f in running])
    turned = {k: v @ axes.T for k, v in running.items()}
    static_mean = {k: np.nanmean(v, axis=0) @ axes.T for k, v in static.items()}
    swaps: list[tuple[str, str]] = []
    clusters: dict[str, tuple[str, ...]] = {"pelvis": ms.pelvis}
    for side, prefix in ms.side_prefix.items():
        for seg, names in ms.clusters.items():
            clusters[f"{side}:{seg}"] = tuple(_named(n, prefix) for n in names)
    for names in clusters.values():
        swaps += fix_label_swaps(static_mean, turned, names)
    return PreparedMarkers(turned, static_mean, axes, tuple(swaps), clusters)


def build_keypoints(
    running: dict[str, np.ndarray],
    static: dict[str, np.ndarray],
    ms: MarkerSet,
    max_residual_m: float = 0.012,
) -> tuple[dict[str, np.ndarray], dict]:
    """Lab-frame keypoints (forward, up, right; metres) of a running trial, and checks.

    ``running`` and ``static`` are ``{marker: (T, 3)}`` in metres in the lab's own axes;
    they are turned to (forward, up, right) with :func:`lab_axes` found on the running trial
    (the static trial shares the lab). Label swaps are undone in every cluster first
    (:func:`prepare_markers`, then :func:`carry_keypoints`).
    """
    return carry_keypoints(prepare_markers(running, static, ms), ms, max_residual_m)


def carry_keypoints(
    prepared: PreparedMarkers, ms: MarkerSet, max_residual_m: float = 0.012
) -> tuple[dict[str, np.ndarray], dict]:
    """The keypoints of ``ms`` carried into every running frame of ``prepared`` (its
    clusters' rigid fits), and checks; ``prepared`` is left as it was."""
    running = dict(prepared.running)
    static_mean = dict(prepared.static_mean)
    clusters = dict(prepared.clusters)
    axes, swaps = prepared.axes, list(prepared.swaps)
    residuals: list[np.ndarray] = []
    refitted = lost = 0
    n = len(next(iter(running.values())))
    points: dict[str, np.ndarray] = {}
    borrowed: list[str] = []
    for side, prefix in ms.side_prefix.items():
        for part, spec in ms.keypoints.items():
            marker = _named(spec.marker, prefix)
            xyz = np.full((n, 3), np.nan)
            if spec.measured:
                if marker in running:
                    xyz = running[marker].copy()
            else:
                if marker not in static_mean:
                    continue
                target = static_mean[marker].copy()
                if spec.ball:
                    h, a, m5 = (_named(n, prefix) for n in spec.ball)
                    target = ball_point(static_mean, h, a, m5, spec.fraction)
                if spec.sole:
                    target[1] = 0.0
                for seg in spec.clusters:
                    key = "pelvis" if seg == "pelvis" else f"{side}:{seg}"
                    res = carry_points(
                        static_mean, running, clusters[key], {"p": target}, max_residual_m
                    )
                    gap = np.isnan(xyz[:, 0])
                    xyz[gap] = res.points["p"][gap]
                    if seg == spec.clusters[0]:
                        residuals.append(res.residual_m)
                        refitted += res.frames_refitted
                        lost += res.frames_lost
            points[f"{side}_{part}"] = xyz
            if part == "ankle" and not spec.measured and marker in static_mean:
                # the lateral malleolus lies on the ankle's axis, so it moves with the foot
                # as well as with the shank: a foot cluster short of three markers in a
                # trial borrows it (carried by the shank) as its third point
                foot = clusters.get(f"{side}:foot", ())
                if sum(m in running for m in foot) < 3:
                    virtual = f"{prefix}ankle (from shank)"
                    running[virtual] = xyz
                    static_mean[virtual] = static_mean[marker]
                    clusters[f"{side}:foot"] = (*foot, virtual)
                    borrowed.append(virtual)
        if f"{side}_ball" in points and f"{side}_toe_rigid" in points:
            ball = points.pop(f"{side}_ball")
            # the running floor: where the ball rests in stance (its low heights)
            floor = float(np.nanpercentile(ball[:, 1], 10))
            points[f"{side}_foot_index"] = hinge_toes(
                ball, points.pop(f"{side}_toe_rigid"), floor=floor
            )
    r = np.concatenate(residuals) if residuals else np.array([np.nan])
    checks = {
        "axes": axes.tolist(),
        "label_swaps": swaps,
        "residual_median_mm": 1000.0 * float(np.nanmedian(r)),
        "residual_p99_mm": 1000.0 * float(np.nanpercentile(r, 99)),
        "frames_refitted": refitted,
        "frames_lost": lost,
        "borrowed_markers": borrowed,
    }
    return points, checks


def finish_trial(trial: Trial, force_t: np.ndarray | None, total_force: np.ndarray | None) -> Trial:
    """Add the checks that need both the keypoints and the truth."""
    trial.checks["belt_speed_mps"] = belt_speed(trial.time, trial.points, trial.events)
    trial.checks["sole_mid_stance_mm"] = sole_plateau_mm(trial)
    if force_t is not None and total_force is not None:
        pelvis = 0.5 * (trial.points["left_hip"][:, 1] + trial.points["right_hip"][:, 1])
        trial.checks["clock_lag_ms"] = clock_lag_ms(trial.time, pelvis, force_t, total_force)
        offs = [e["time_s"] for e in trial.events if e["kind"] == "toe_off"]
        trial.checks["toe_off_lag_ms"] = event_lag_ms(
            trial.time, pelvis, force_t, total_force, offs
        )
        trial.checks["unloading_tail_ms"] = unloading_tail_ms(force_t, total_force, trial.events)
    return trial


# ----------------------------------------------------------------------------- projection
def draw_points(
    time: np.ndarray,
    points: Mapping[str, np.ndarray],
    frames: np.ndarray,
    direction: float,
    x_ref: float,
    px_per_m: float,
    noise_px: float,
    rng: np.random.Generator,
    score: float,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Lab points (forward, up; metres) at ``frames`` as image pixels and scores.

    Linear in time between samples, missing inside gaps; x along the travel about the frame
    centre (``direction`` +1 faces right), y down from the belt at :data:`GROUND_Y_PX`;
    Gaussian noise of ``noise_px``. Points missing throughout are left out.
    """
    xy_points, scores = {}, {}
    for name, xyz in points.items():
        missing = np.isnan(xyz[:, 0])
        if missing.all():
            continue
        x_m = np.interp(frames, time[~missing], xyz[~missing, 0])
        y_m = np.interp(frames, time[~missing], xyz[~missing, 1])
        in_gap = np.interp(frames, time, missing.astype(float)) > 0
        x_m[in_gap] = np.nan
        y_m[in_gap] = np.nan
        xy = np.stack(
            [FRAME_WIDTH / 2 + direction * (x_m - x_ref) * px_per_m, GROUND_Y_PX - y_m * px_per_m],
            axis=1,
        )
        if noise_px > 0:
            xy = xy + rng.normal(0.0, noise_px, size=xy.shape)
        xy_points[name] = xy
        scores[name] = np.where(np.isnan(xy[:, 0]), 0.0, score)
    return xy_points, scores


def project(
    trial: Trial,
    rate_hz: float | None = None,
    noise_px: float = 0.0,
    facing: str = "left",
    seed: int = 0,
    phase: float = 0.5,
    px_per_m: float = DEFAULT_PX_PER_M,
) -> PoseTrack:
    """Draw a trial as an orthographic side camera sees it (a runform ``PoseTrack``).

    Parameters
    ----------
    trial:
        From :func:`load_trials`.
    rate_hz:
        Frame rate; ``None`` keeps the marker samples. Otherwise the points are linearly
        interpolated at ``t0 + (phase + k) / rate_hz``, so frames fall between marker
        samples as they do for a camera that is not synchronised with anything.
    noise_px:
        SD of independent Gaussian noise added to every coordinate (pixels).
    facing:
        ``"left"`` (forward = image -x) or ``"right"``.
    seed:
        Noise seed.
    px_per_m:
        Image scale.

    Returns
    -------
    PoseTrack
        Keypoints ``{left,right}_{hip,knee,ankle,heel,foot_index}`` (and shoulders when the
        trial has them) in pixels, x right, y down, belt at y = 1000 px; scores 1 (clean) or
        0.9 (noisy), 0 where a point is missing.
    """
    if facing not in ("left", "right"):
        raise ValueError(f"facing must be 'left' or 'right', not {facing!r}")
    time = trial.time
    direction = 1.0 if facing == "right" else -1.0
    hips = 0.5 * (trial.points["left_hip"] + trial.points["right_hip"])
    x_ref = float(np.nanmedian(hips[:, 0]))
    if rate_hz is None:
        frames = time.copy()
    else:
        frames = np.arange(time[0] + phase / rate_hz, time[-1] + 1e-9, 1.0 / rate_hz)
    rng = np.random.default_rng(seed)
    score = 1.0 if noise_px == 0 else 0.9
    xy_points, scores = draw_points(
        time, trial.points, frames, direction, x_ref, px_per_m, noise_px, rng, score
    )
    meta = TrackMeta(
        source=f"{trial.dataset}-markers",
        width=FRAME_WIDTH,
        height=FRAME_HEIGHT,
        fps=float(rate_hz) if rate_hz else trial.rate_hz,
        units="px",
        time_base="marker clock (s)",
        path=trial.name,
        extra={
            "facing": facing,
            "px_per_m": px_per_m,
            "noise_px": noise_px,
            "seed": seed,
            "phase": phase if rate_hz is not None else 0.0,
            "camera": "orthographic sagittal projection",
            "attribution": trial.attribution,
        },
    )
    return PoseTrack.from_points(frames, xy_points, scores, meta)


# ----------------------------------------------------------------------------- all trials
def load_trials(
    data_dir: Path = SHARED_DATA,
    only: Sequence[str] | None = None,
    with_forces: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[Trial]:
    """Every trial with force-plate truth (23 when all of ``../shared/data`` is there).

    ``only`` keeps the runners named (``"RBDS0041"``, ``"RBDS002"``, ``"hamner01"``...).
    Trials whose data is absent are skipped. ``with_forces=False`` adds RBDS0041's 3.5 and
    4.5 m/s marker trials (no force plate: empty ``events``).
    """
    trials: list[Trial] = []
    for spec in _specs(data_dir, with_forces):
        if only and spec.runner not in only:
            continue
        if progress:
            progress(f"{spec.runner} {spec.speed_label:g} m/s")
        trials.append(spec.build())
    return trials


def _specs(data_dir: Path, with_forces: bool = True) -> Iterator:
    """The trials present under ``data_dir``, described and not yet built (cheap)."""
    import fukuchi_data
    import hamner_data

    for loader in (fukuchi_data.trials, hamner_data.trials):
        yield from loader(data_dir, with_forces=with_forces)


def available_runners(data_dir: Path = SHARED_DATA) -> list[str]:
    """The runners with force-plate trials under ``data_dir``, without building them."""
    out: list[str] = []
    for spec in _specs(data_dir):
        if spec.runner not in out:
            out.append(spec.runner)
    return out


#: A trial whose belt speed, measured from the stance foot, is off the data set's label by
#: more than this fraction did not come through the harness (lab axes not found, markers
#: mislabelled): it is listed, not used.
BELT_TOLERANCE = 0.25


def harness_problem(trial: Trial) -> str | None:
    """Why the harness could not build ``trial`` faithfully, or None."""
    belt = trial.belt_speed
    if not (abs(belt - trial.speed_label) <= BELT_TOLERANCE * trial.speed_label):
        return (
            f"the stance foot moves at {belt:.2f} m/s, not the belt's {trial.speed_label:g} m/s "
            "(the lab's axes or the foot markers are not what the harness expects)"
        )
    return None


def calibration_runners(external: Path | None = EXTERNAL_DATA) -> list[str]:
    """The runners :func:`load_calibration_trials` reads, without building their trials."""
    names = available_runners()
    if external is not None and external.is_dir():
        names += [r for r in available_runners(external) if r not in names]
    return names


def load_calibration_trials(
    external: Path | None = EXTERNAL_DATA,
    progress: Callable[[str], None] | None = None,
    only: Sequence[str] | None = None,
    with_forces: bool = True,
) -> tuple[list[Trial], dict[str, str]]:
    """The trials the event constants are calibrated and validated on: every trial of
    ``../shared/data`` and, when ``external`` holds any, of the same data sets' other runners
    there (:func:`calibration_runners`; ``only`` keeps the runners named, ``with_forces`` as
    in :func:`load_trials`). Returns the trials and ``{trial name: why}`` for those the
    harness could not build (:func:`harness_problem`), which are left out."""
    trials = load_trials(only=only, with_forces=with_forces, progress=progress)
    shared = available_runners()
    new = [r for r in calibration_runners(external) if r not in shared and (not only or r in only)]
    if new:
        trials += load_trials(external, only=new, progress=progress)
    skipped = {t.name: why for t in trials if (why := harness_problem(t))}
    return [t for t in trials if t.name not in skipped], skipped


def runners(trials: Iterable[Trial]) -> list[str]:
    """Distinct runner ids in first-seen order."""
    out: list[str] = []
    for t in trials:
        if t.runner not in out:
            out.append(t.runner)
    return out


def check_rows(trials: Sequence[Trial]) -> tuple[list[str], list[list[object]]]:
    header = [
        "trial",
        "rate Hz",
        "stances L/R",
        "threshold N",
        "belt m/s",
        "fit residual mm (median / p99)",
        "frames refit / lost",
        "label swaps",
        "sole at mid-stance mm",
        "force lag ms (whole / at toe-offs)",
        "unloading tail ms",
    ]
    rows = []
    for t in trials:
        c = t.checks
        n_l = sum(e["kind"] == "contact" and e["side"] == "left" for e in t.events)
        n_r = sum(e["kind"] == "contact" and e["side"] == "right" for e in t.events)
        rows.append(
            [
                t.name,
                f"{t.rate_hz:.0f}",
                f"{n_l}/{n_r}",
                _threshold_cell(c),
                f"{c.get('belt_speed_mps', float('nan')):.2f}",
                f"{c.get('residual_median_mm', float('nan')):.1f} / "
                f"{c.get('residual_p99_mm', float('nan')):.1f}",
                f"{c.get('frames_refitted', 0)} / {c.get('frames_lost', 0)}",
                ", ".join("/".join(p) for p in c.get("label_swaps", [])) or "none",
                f"{c.get('sole_mid_stance_mm', float('nan')):.0f}",
                f"{c.get('clock_lag_ms', float('nan')):+.0f} / "
                f"{c.get('toe_off_lag_ms', float('nan')):+.0f}",
                f"{c.get('unloading_tail_ms', float('nan')):.0f}",
            ]
        )
    return header, rows


def _threshold_cell(checks: Mapping) -> str:
    """``"20"``, or ``"20 (read at 77)"`` where the force was zeroed below the threshold and
    the events were carried down to it (``hamner_data.floor_shift``)."""
    read_at = float(checks.get("threshold_n", float("nan")))
    if "floor_shift_ms" in checks and read_at > 20.0:
        return f"20 (read at {read_at:.0f})"
    return f"{read_at:.0f}"


def floor_shift_note(data_dir: Path = SHARED_DATA) -> str:
    """One line: how well events read above a zeroed force's floor are carried to 20 N."""
    import hamner_data

    check = hamner_data.floor_shift_check(data_dir)
    if not check:
        return ""
    return (
        "Events of a force zeroed below its floor are carried to 20 N by the crossing delays "
        "of other runners at that speed; tried on full-force trials zeroed at 29-77 N (each "
        "corrected without its own runner), the trials' contacts land within "
        f"{check['contact_median_ms']:.1f} ms (median; worst {check['contact_max_ms']:.1f}) and "
        f"toe-offs within {check['toe_off_median_ms']:.1f} ms (worst "
        f"{check['toe_off_max_ms']:.1f}) of their own 20 N events, against up to "
        f"{check['contact_uncorrected_ms']:.0f} and {check['toe_off_uncorrected_ms']:.0f} ms "
        "uncorrected."
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", help="runner ids to build")
    args = parser.parse_args(argv)
    trials = load_trials(only=args.only, progress=lambda s: print(f"building {s}", file=sys.stderr))
    if not trials:
        print(f"No trial data found under {SHARED_DATA}.", file=sys.stderr)
        return 2
    header, rows = check_rows(trials)
    print(format_table(header, rows))
    note = floor_shift_note()
    if note:
        print(note)
    for t in trials:
        print(f"{t.name}: {t.truth_method}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
