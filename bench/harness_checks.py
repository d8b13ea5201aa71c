"""Checks of the mocap harness (:mod:`mocap`): did a trial come through faithfully?

Per trial, from the keypoints and the force-plate truth (:func:`mocap.finish_trial` stores
them in ``Trial.checks``):

- :func:`belt_speed`: the stance foot's backward speed at mid-stance.
- :func:`clock_lag_ms` and :func:`event_lag_ms`: the force/marker clock lag from Newton's
  second law (vertical force against body weight x (pelvis vertical acceleration + g)),
  over the whole trial and around the toe-offs only (does the force unload when the body
  does?).
- :func:`unloading_tail_ms`: how long the force takes over its last quarter before toe-off.
- :func:`sole_plateau_mm`: the sole's height at mid-stance.

Over trials: :func:`harness_problem` says why a trial cannot be used (its belt speed off
the label by more than :data:`BELT_TOLERANCE`), :func:`check_rows` is the table that
``python bench/mocap.py`` prints and :func:`floor_shift_note` the line under it.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from _common import SHARED_DATA
from force_truth import SIDES
from fukuchi_files import butter_lowpass, stance_table

if TYPE_CHECKING:
    from mocap import Trial

#: Cut-off (Hz) of the zero-lag 2nd-order Butterworth that smooths the pelvis height and
#: the vertical force before the clock lag is read from them.
LOWPASS_HZ = 10.0


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
    f = butter_lowpass(grid, np.interp(grid, force_t, vertical_force), LOWPASS_HZ, order=2)[keep]
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


def _pelvis_acceleration(trial_time: np.ndarray, pelvis_height: np.ndarray) -> np.ndarray:
    """Vertical acceleration of the pelvis (gaps bridged, 10 Hz low-pass)."""
    ok = np.isfinite(pelvis_height)
    h = butter_lowpass(
        trial_time, np.interp(trial_time, trial_time[ok], pelvis_height[ok]), LOWPASS_HZ, order=2
    )
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
