"""Leave-one-runner-out validation of runform's contact and toe-off timing.

Every trial of :mod:`mocap` (the seven runners of ``../shared/data`` and, when present, the
same data sets' other runners in ``../external_data``: 36 runners at 2-5 m/s with
force-plate truth) is projected
to a side view and run through runform's event engine (the same cleaning and detector as
``runform analyze``). The detector's calibrated constants (:data:`CALIBRATED`) are fitted on
all runners but one and that one is scored with them, for each runner in turn, so no runner
is scored with a constant it helped to choose.

Conditions: the native marker rate (100-150 Hz, clean), 60 Hz clean, 60 Hz with 8 px of
pixel noise, and 30 Hz with 8 px; both facings; the resampled ones at three frame phases
(and noise seeds). Also the native rate with the toe-off timed by the leg alone (the foot's
pitch left out, :data:`LEG_ALONE`): what a clip gets whose foot points do not show the
push-off, and the figure the product states for it. Targets (issue 9) hold **for every runner and every speed**:

- native: contact and toe-off MAE <= 10 ms, |bias| <= 6 ms, contact-time |bias| <= 10 ms,
  cadence within 0.5 %;
- 60 Hz + 8 px: contact and toe-off MAE <= 15 ms, >= 97 % of contacts found, <= 3 % extra.

Command line::

    python bench/events_loro.py                 # calibrate per fold, print every table
    python bench/events_loro.py --json out.json
    python bench/events_loro.py --runners RBDS0041 hamner01 hamner02   # a subset
    python bench/events_loro.py --shared-only   # the seven runners of ../shared/data
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table
from mocap import Trial, load_calibration_trials, load_trials, project, runners

#: Detector constants that are calibrated, with the grid searched for each (contact and
#: toe-off levels are searched independently: each moves only its own event).
CALIBRATED: dict[str, tuple[float, ...]] = {
    "contact_level": tuple(float(v) for v in np.round(np.arange(0.0, 0.0401, 0.002), 4)),
    "toe_off_level": tuple(float(v) for v in np.round(np.arange(0.0, 0.0601, 0.003), 4)),
}

LEG_ALONE = "native, leg alone"
#: (name, frame rate or None for native, noise px, [(seed, phase), ...][, detector constants
#: that replace the calibrated ones])
CONDITIONS: tuple[tuple, ...] = (
    ("native", None, 0.0, ((0, 0.0),)),
    # the toe-off as timed where a pose model's feet do not show the push-off (the foot's
    # pitch not used, :func:`runform.gait.witnesses.pitch_blend`): what the product states
    # for such a clip (``ENGINE_EVENT_ERROR["toe_off"]``)
    (LEG_ALONE, None, 0.0, ((0, 0.0),), {"pitch_weight": 0.0}),
    ("60 Hz", 60.0, 0.0, ((0, 0.1), (1, 0.45), (2, 0.8))),
    ("60 Hz + 8 px", 60.0, 8.0, ((0, 0.1), (1, 0.45), (2, 0.8))),
    ("30 Hz + 8 px", 30.0, 8.0, ((0, 0.1), (1, 0.45), (2, 0.8))),
)
FACINGS = ("left", "right")
TOLERANCE_S = 0.08

#: (condition, key, limit, "<=" | ">="), checked on every trial (runner x speed).
TARGETS: tuple[tuple[str, str, float, str], ...] = (
    ("native", "contact_mae_ms", 10.0, "<="),
    ("native", "toe_off_mae_ms", 10.0, "<="),
    ("native", "contact_abs_bias_ms", 6.0, "<="),
    ("native", "toe_off_abs_bias_ms", 6.0, "<="),
    ("native", "contact_time_abs_bias_ms", 10.0, "<="),
    ("native", "cadence_abs_error_pct", 0.5, "<="),
    ("60 Hz + 8 px", "contact_mae_ms", 15.0, "<="),
    ("60 Hz + 8 px", "toe_off_mae_ms", 15.0, "<="),
    ("60 Hz + 8 px", "contact_recall_pct", 97.0, ">="),
    ("60 Hz + 8 px", "extra_pct", 3.0, "<="),
)


# ----------------------------------------------------------------------------- the engine
def run_engine(track, params: Mapping[str, float] | None = None) -> dict:
    """runform's events and cadence for a track, with detector constants ``params``.

    The same stages as :func:`runform.pipeline.analyze_track` up to the events (cleaning
    with the default options, direction of travel, :class:`FootClearanceDetector`), and the
    cadence from :func:`runform.metrics.summary.stride_time_fit` over the accepted steps.
    """
    from runform.gait.clean import clean_track
    from runform.gait.direction import detect_travel
    from runform.gait.events import FootClearanceDetector
    from runform.metrics.summary import stride_time_fit

    cleaned, _ = clean_track(track)
    travel = detect_travel(cleaned)
    detector = FootClearanceDetector(**(params or {})).detect(cleaned, travel.direction)
    gait = detector.result_
    rows = [
        {
            "side": s.side,
            "contact_s": s.contact_s,
            "stride_time_ms": (
                1000.0 * (s.next_same_contact_s - s.contact_s)
                if s.next_same_contact_s is not None
                else None
            ),
        }
        for s in gait.steps
    ]
    strides = [r["stride_time_ms"] for r in rows if r["stride_time_ms"]]
    cadence = None
    if strides:
        fit = stride_time_fit(rows, float(np.median(strides)) / 1000.0)
        if fit:
            cadence = 120.0 / fit
    events = [{"side": e.side, "kind": e.kind, "time_s": e.time_s} for e in gait.events]
    return {
        "events": events,
        "cadence_spm": cadence,
        "steps": gait.steps,
        "stance_speed": detector.running_speed_,
    }


def truth_cadence(trial: Trial, steps: Sequence | None = None) -> float:
    """Steps per minute from the force plate's contacts, by the engine's own estimator
    (:func:`runform.metrics.summary.stride_time_fit`), over the strides the engine's
    ``steps`` span (all the trial's contacts without them).

    Cadence changes from stride to stride; an engine that kept fewer strides (markers lost,
    a step rejected) reports the cadence of those strides, which is what its error is
    measured on, not the other strides' variation.
    """
    from runform.metrics.summary import stride_time_fit

    contacts = [e for e in trial.events if e["kind"] == "contact"]
    if steps:
        lo = min(s.contact_s for s in steps) - TOLERANCE_S
        hi = max((s.next_same_contact_s or s.contact_s) for s in steps) + TOLERANCE_S
        contacts = [e for e in contacts if lo <= e["time_s"] <= hi]
    times = sorted(e["time_s"] for e in contacts)
    if len(times) < 3:
        return float("nan")
    rows = [{"side": e["side"], "contact_s": e["time_s"], "stride_time_ms": None} for e in contacts]
    fit = stride_time_fit(rows, 2.0 * float(np.median(np.diff(times))))
    return 120.0 / fit if fit else float("nan")


#: Points a side view needs to time a stance, and how long before its contact and after
#: its toe-off they must be there (s).
STANCE_POINTS = ("hip", "knee", "ankle", "heel", "foot_index")
UNSEEN_MARGIN_S = 0.1


def unseen_events(trial: Trial, margin_s: float = UNSEEN_MARGIN_S) -> list[dict]:
    """True events of the stances the markers do not show: a point of that leg
    (:data:`STANCE_POINTS`) is missing somewhere from ``margin_s`` before the contact to
    ``margin_s`` after the toe-off (the motion capture lost it, ``python bench/mocap.py``'s
    "frames lost"). No pose, from a camera or markers, holds these stances, so they are
    left out of the score rather than counted as missed: a camera would see that foot.

    >>> import numpy as np
    >>> t = np.arange(0, 1, 0.01)
    >>> pts = {f"left_{p}": np.zeros((100, 3)) for p in STANCE_POINTS}
    >>> pts["left_heel"][60:65] = np.nan
    >>> ev = [{"side": "left", "kind": "contact", "time_s": 0.2},
    ...       {"side": "left", "kind": "toe_off", "time_s": 0.4},
    ...       {"side": "left", "kind": "contact", "time_s": 0.7},
    ...       {"side": "left", "kind": "toe_off", "time_s": 0.9}]
    >>> trial = Trial("r", "d", 3.0, t, pts, ev, "", "")
    >>> [e["time_s"] for e in unseen_events(trial)]
    [0.7, 0.9]
    """
    t = trial.time
    out: list[dict] = []
    for side in ("left", "right"):
        arrays = [trial.points.get(f"{side}_{p}") for p in STANCE_POINTS]
        arrays = [a for a in arrays if a is not None]
        if not arrays:
            continue
        seen = np.logical_and.reduce([np.isfinite(a).all(axis=1) for a in arrays])
        events = [e for e in trial.events if e["side"] == side]
        for a, b in itertools.pairwise(events):
            if a["kind"] != "contact" or b["kind"] != "toe_off":
                continue
            i0 = int(np.searchsorted(t, a["time_s"] - margin_s))
            i1 = int(np.searchsorted(t, b["time_s"] + margin_s, side="right"))
            if not seen[i0:i1].all():
                out += [a, b]
    return out


def score(result: dict, trial: Trial) -> dict:
    """Errors of one engine run against the trial's force plate."""
    from runform.evaluation import contact_time_errors, events_inside, match_events

    # stances cut by the ends of the trial cannot be timed: score those wholly inside it
    lo, hi = float(trial.time[0]), float(trial.time[-1])
    unseen = unseen_events(trial)
    truth = [e for e in events_inside(trial.events, lo, hi) if e not in unseen]
    # a detection of a stance that is not scored (unseen, or cut by the trial's ends) is
    # neither a hit nor an extra, even when it falls just inside the scored span
    skipped = [e for e in trial.events if e not in truth]
    found = [
        e
        for e in events_inside(result["events"], lo, hi)
        if not any(
            u["side"] == e["side"]
            and u["kind"] == e["kind"]
            and abs(u["time_s"] - e["time_s"]) <= TOLERANCE_S
            for u in skipped
        )
    ]
    m = match_events(found, truth, TOLERANCE_S)
    ct = contact_time_errors(found, truth, TOLERANCE_S)
    cad = result["cadence_spm"]
    true_cad = truth_cadence(trial, result.get("steps"))
    c, t = m["contact"], m["toe_off"]
    n_det = c.n_detected + t.n_detected
    return {
        "contact_errors_ms": list(c.errors_ms),
        "toe_off_errors_ms": list(t.errors_ms),
        "contact_mae_ms": c.mae_ms,
        "contact_bias_ms": c.bias_ms,
        "toe_off_mae_ms": t.mae_ms,
        "toe_off_bias_ms": t.bias_ms,
        "contact_time_bias_ms": ct.bias_ms,
        "contact_time_mae_ms": ct.mae_ms,
        "contact_recall_pct": 100.0 * c.recall,
        "toe_off_recall_pct": 100.0 * t.recall,
        "extra_pct": 100.0 * (c.extra + t.extra) / max(1, n_det),
        "cadence_error_pct": (100.0 * (cad - true_cad) / true_cad) if cad else float("nan"),
        "unseen_events": len(unseen),
        "running_speed": result.get("stance_speed", float("nan")),
    }


# ----------------------------------------------------------------------------- calibration
#: The calibrated constants: each event's level is ``base + per_speed * v``, with ``v`` the
#: stance foot's speed under the hips in leg lengths per second (measured by the detector).
LEVELS = {
    "contact": ("contact_level", "contact_level_per_speed"),
    "toe_off": ("toe_off_level", "toe_off_level_per_speed"),
}


#: Weight of the knee's flexion past its end-of-stance peak in the toe-off
#: (:func:`runform.gait.knee_extension.flexion_after`), and the detector's parameters for
#: it; its offset is fitted per fold like the knee's.
FLEXION_WEIGHT = 1 / 3
FLEXION_PARAMS = ("flexion_weight", "flexion_offset_s")
#: The flexion toe-off alone (weight 1, no offset), to measure its bias.
FLEXION_ONLY = {
    "knee_weight": 0.0,
    "flexion_weight": 1.0,
    "flexion_offset_s": 0.0,
    "pitch_weight": 0.0,
}
#: Weight of the foot's pitch toe-off (:mod:`runform.gait.foot_pitch`) in the toe-off
#: (fixed, not fitted), and the detector's parameters for it; its offset is fitted per fold.
PITCH_WEIGHT = 0.5
PITCH_PARAMS = ("pitch_weight", "pitch_offset_s")
#: The pitch toe-off alone (weight 1, no offset), to measure its bias.
PITCH_ONLY = {"pitch_weight": 1.0, "pitch_offset_s": 0.0, "pitch_disagreement_s": 1.0}
#: Weight of the knee's own time in each event (fixed, not fitted: the mean of the
#: witnesses, two for contact before the foot speed's, three for toe-off), and the
#: detector's parameters for the weight and the knee's offset.
KNEE_WEIGHTS = {"contact": 0.5, "toe_off": 1 / 3}
KNEE_PARAMS = {
    "contact": ("contact_knee_weight", "contact_knee_offset_s"),
    "toe_off": ("knee_weight", "knee_offset_s"),
}
#: The knee's times alone (weight 1, no offset), to measure their bias.
KNEE_ONLY = {
    "contact_knee_weight": 1.0,
    "contact_knee_offset_s": 0.0,
    "knee_weight": 1.0,
    "knee_offset_s": 0.0,
    "contact_speed_weight": 0.0,
    "pitch_weight": 0.0,
}
#: Weight of the foot-speed contact (:mod:`runform.gait.foot_speed`) in the contact (fixed,
#: not fitted), and the detector's parameters for it; its offset is fitted per fold.
SPEED_WEIGHT = 0.75
SPEED_PARAMS = ("contact_speed_weight", "contact_speed_offset_s")
#: The foot-speed contact alone (weight 1, no offset), to measure its bias.
SPEED_ONLY = {"contact_speed_weight": 1.0, "contact_speed_offset_s": 0.0}


@dataclass
class Grid:
    """Native-rate mean signed error (ms) of every trial at every grid level, per event."""

    values: dict[str, tuple[float, ...]]  # event -> levels tried
    bias: dict[str, dict[str, np.ndarray]]  # event -> trial name -> (len(levels),) ms
    speed: dict[str, float]  # trial name -> stance speed (leg lengths / s)
    runner: dict[str, str]
    knee_bias: dict[str, dict[str, float]]  # trial -> event -> mean error (ms), knee alone
    speed_bias: dict[str, float]  # trial -> mean contact error (ms), foot speed alone
    flexion_bias: dict[str, float]  # trial -> mean toe-off error (ms), knee flexion alone
    pitch_bias: dict[str, float]  # trial -> mean toe-off error (ms), the foot's pitch alone


def grid_errors(
    trials: Sequence[Trial],
    calibrated: Mapping[str, Sequence[float]] = CALIBRATED,
    progress: Callable[[str], None] | None = None,
) -> Grid:
    """Mean signed error (ms) of contacts and toe-offs of every trial at the native rate,
    both facings, with constant levels taken in step from the two grids (each level moves
    only its own event)."""
    from runform.evaluation import match_events

    grids = {"contact": calibrated["contact_level"], "toe_off": calibrated["toe_off_level"]}
    n = max(len(v) for v in grids.values())
    bias: dict[str, dict[str, np.ndarray]] = {k: {} for k in grids}
    speed: dict[str, float] = {}
    knee_bias: dict[str, dict[str, float]] = {}
    speed_bias: dict[str, float] = {}
    flexion_bias: dict[str, float] = {}
    pitch_bias: dict[str, float] = {}
    for trial in trials:
        if progress:
            progress(f"grid {trial.name}")
        tracks = [project(trial, None, 0.0, facing) for facing in FACINGS]
        rows = {k: np.full(n, np.nan) for k in grids}
        speeds = []
        for i in range(n):
            params = {
                "contact_level": grids["contact"][min(i, len(grids["contact"]) - 1)],
                "toe_off_level": grids["toe_off"][min(i, len(grids["toe_off"]) - 1)],
                "contact_level_per_speed": 0.0,
                "toe_off_level_per_speed": 0.0,
                "knee_weight": 0.0,
                "flexion_weight": 0.0,
                "contact_knee_weight": 0.0,
                "contact_speed_weight": 0.0,
                "pitch_weight": 0.0,
            }
            errs: dict[str, list[float]] = {k: [] for k in grids}
            for track in tracks:
                res = run_engine(track, params)
                speeds.append(res["stance_speed"])
                m = match_events(res["events"], trial.events, TOLERANCE_S)
                for k in grids:
                    errs[k] += list(m[k].errors_ms)
            for k in grids:
                rows[k][i] = np.mean(errs[k]) if errs[k] else np.nan
        for k in grids:
            bias[k][trial.name] = rows[k]
        speed[trial.name] = float(np.nanmedian(speeds))
        # the knee's and the foot speed's own times (weight 1, no offset): they do not
        # depend on the levels
        knee_bias[trial.name] = mean_errors(trial, tracks, KNEE_ONLY)
        speed_bias[trial.name] = mean_errors(trial, tracks, SPEED_ONLY)["contact"]
        flexion_bias[trial.name] = mean_errors(trial, tracks, FLEXION_ONLY)["toe_off"]
        pitch_bias[trial.name] = mean_errors(trial, tracks, PITCH_ONLY)["toe_off"]
    return Grid(
        {k: tuple(v) for k, v in grids.items()},
        bias,
        speed,
        {t.name: t.runner for t in trials},
        knee_bias,
        speed_bias,
        flexion_bias,
        pitch_bias,
    )


def mean_errors(trial: Trial, tracks: Sequence, params: Mapping[str, float]) -> dict[str, float]:
    """Mean signed error (ms) of the trial's contacts and toe-offs over ``tracks`` (its
    projections) with detector constants ``params``; NaN for an event never matched."""
    from runform.evaluation import match_events

    errs: dict[str, list[float]] = {"contact": [], "toe_off": []}
    for track in tracks:
        m = match_events(run_engine(track, params)["events"], trial.events, TOLERANCE_S)
        for k in errs:
            errs[k] += list(m[k].errors_ms)
    return {k: float(np.mean(v)) if v else float("nan") for k, v in errs.items()}


def zero_bias_level(levels: Sequence[float], bias: np.ndarray) -> float:
    """The level at which a trial's mean error crosses zero (linear between grid values);
    the level of the smallest |error| when it never does."""
    x = np.asarray(levels, float)
    b = np.asarray(bias, float)[: len(x)]
    ok = np.isfinite(b)
    x, b = x[ok], b[ok]
    if x.size == 0:
        return float("nan")
    for j in range(len(x) - 1):
        if b[j] == 0 or (b[j] < 0) != (b[j + 1] < 0):
            return float(x[j] + b[j] / (b[j] - b[j + 1]) * (x[j + 1] - x[j]))
    return float(x[int(np.argmin(np.abs(b)))])


def _unbiasing_offset_ms(biases: Sequence[float], w: np.ndarray) -> float:
    """The offset (ms) that makes a witness's own times unbiased on some trials: minus its
    mean bias over them, weighted ``w`` (0 when it was measured on none)."""
    b = np.asarray(biases, float)
    ok = np.isfinite(b)
    return -float(np.sum(w[ok] * b[ok]) / np.sum(w[ok])) if ok.any() else 0.0


def trial_weights(grid: Grid, names: Sequence[str]) -> np.ndarray:
    """Each trial's weight in a fit over ``names``: each runner weighs the same, shared
    among its trials."""
    runner = [grid.runner[n] for n in names]
    return np.array([1.0 / runner.count(r) for r in runner])


def calibrate(grid: Grid, names: Sequence[str], model: str = "speed") -> dict[str, float]:
    """Constants fitted on the trials ``names``: per trial the level that zeroes its mean
    error, then a least-squares line of that level against the trial's stance speed
    (``model="speed"``) or its mean (``"constant"``), each runner weighing the same."""
    out: dict[str, float] = {}
    w = trial_weights(grid, names)
    for event, (base_key, slope_key) in LEVELS.items():
        # the knee's offset: what makes its own time unbiased on these runners
        weight_key, offset_key = KNEE_PARAMS[event]
        kw = KNEE_WEIGHTS[event]
        knee_offset_ms = _unbiasing_offset_ms([grid.knee_bias[n][event] for n in names], w)
        out[weight_key] = kw
        out[offset_key] = round(knee_offset_ms / 1000.0, 4)
        fw, flex_offset_ms = 0.0, 0.0
        if event == "toe_off":  # the knee flexion's offset and the foot pitch's, likewise
            fw = FLEXION_WEIGHT
            flex_offset_ms = _unbiasing_offset_ms([grid.flexion_bias[n] for n in names], w)
            out[FLEXION_PARAMS[0]] = fw
            out[FLEXION_PARAMS[1]] = round(flex_offset_ms / 1000.0, 4)
            # the pitch is not in the level fitted below, which is the leg's own (clearance,
            # knee peak and flexion): where a pose model's feet do not show the push-off and
            # the pitch is not used, the toe-off stays unbiased
            pitch_offset_ms = _unbiasing_offset_ms([grid.pitch_bias[n] for n in names], w)
            out[PITCH_PARAMS[0]] = PITCH_WEIGHT
            out[PITCH_PARAMS[1]] = round(pitch_offset_ms / 1000.0, 4)
        sw, speed_offset_ms = 0.0, 0.0
        if event == "contact":  # the foot-speed contact's offset, likewise
            sw = SPEED_WEIGHT
            speed_offset_ms = _unbiasing_offset_ms([grid.speed_bias[n] for n in names], w)
            out[SPEED_PARAMS[0]] = sw
            out[SPEED_PARAMS[1]] = round(speed_offset_ms / 1000.0, 4)

        def blended(
            n: str,
            event: str = event,
            kw: float = kw,
            off: float = knee_offset_ms,
            sw: float = sw,
            soff: float = speed_offset_ms,
            fw: float = fw,
            foff: float = flex_offset_ms,
        ) -> np.ndarray:
            b = np.asarray(grid.bias[event][n], float)
            k = grid.knee_bias[n][event]
            f = grid.flexion_bias[n] if fw > 0 else float("nan")
            parts = [(1 - kw - fw, b)]
            if kw > 0 and np.isfinite(k):
                parts.append((kw, k + off))
            if fw > 0 and np.isfinite(f):
                parts.append((fw, f + foff))
            total = sum(weight for weight, _ in parts)
            b = sum(weight * value for weight, value in parts) / total
            sp = grid.speed_bias.get(n, float("nan")) if event == "contact" else float("nan")
            return b if sw == 0 or not np.isfinite(sp) else (1 - sw) * b + sw * (sp + soff)

        lv = np.array([zero_bias_level(grid.values[event], blended(n)) for n in names])
        v = np.array([grid.speed[n] for n in names])
        ok = np.isfinite(lv) & np.isfinite(v)
        if model == "speed" and ok.sum() >= 3 and np.ptp(v[ok]) > 0:
            slope, base = np.polyfit(v[ok], lv[ok], 1, w=np.sqrt(w[ok]))
        else:
            slope, base = 0.0, float(np.sum(w[ok] * lv[ok]) / np.sum(w[ok]))
        out[base_key] = round(float(base), 5)
        out[slope_key] = round(float(slope), 6)
    return out


# ----------------------------------------------------------------------------- scoring
def _agg(runs: Sequence[dict]) -> dict:
    """One trial's runs (facings, seeds) pooled."""
    ce = np.concatenate([r["contact_errors_ms"] for r in runs]) if runs else np.array([])
    te = np.concatenate([r["toe_off_errors_ms"] for r in runs]) if runs else np.array([])

    def mean(key: str) -> float:
        v = [r[key] for r in runs if r[key] is not None and np.isfinite(r[key])]
        return float(np.mean(v)) if v else float("nan")

    out = {
        "contact_mae_ms": float(np.mean(np.abs(ce))) if ce.size else float("nan"),
        "contact_bias_ms": float(np.mean(ce)) if ce.size else float("nan"),
        "toe_off_mae_ms": float(np.mean(np.abs(te))) if te.size else float("nan"),
        "toe_off_bias_ms": float(np.mean(te)) if te.size else float("nan"),
        "contact_time_bias_ms": mean("contact_time_bias_ms"),
        "contact_time_mae_ms": mean("contact_time_mae_ms"),
        "contact_recall_pct": mean("contact_recall_pct"),
        "toe_off_recall_pct": mean("toe_off_recall_pct"),
        "extra_pct": mean("extra_pct"),
        "cadence_error_pct": mean("cadence_error_pct"),
        "running_speed": mean("running_speed"),
        "n_runs": len(runs),
    }
    out["contact_abs_bias_ms"] = abs(out["contact_bias_ms"])
    out["toe_off_abs_bias_ms"] = abs(out["toe_off_bias_ms"])
    out["contact_time_abs_bias_ms"] = abs(out["contact_time_bias_ms"])
    out["cadence_abs_error_pct"] = (
        float(
            np.mean(
                [abs(r["cadence_error_pct"]) for r in runs if np.isfinite(r["cadence_error_pct"])]
            )
        )
        if runs
        else float("nan")
    )
    return out


def score_trial(
    trial: Trial,
    params: Mapping[str, float],
    conditions=CONDITIONS,
) -> dict[str, dict]:
    """Every condition of one trial with the given constants: condition -> pooled scores."""
    out = {}
    for name, rate, noise, runs, *override in conditions:
        constants = {**params, **(override[0] if override else {})}
        results = []
        for facing in FACINGS:
            for seed, phase in runs:
                track = project(trial, rate, noise, facing, seed=seed, phase=phase)
                results.append(score(run_engine(track, constants), trial))
        out[name] = _agg(results)
    return out


def trial_record(trial: Trial, params: Mapping[str, float], conditions=CONDITIONS) -> dict:
    """One trial's entry in a result: who and how fast, its stances, and every condition
    scored with ``params``."""
    return {
        "runner": trial.runner,
        "dataset": trial.dataset,
        "speed": trial.speed_label,
        "belt_speed": trial.belt_speed,
        "rate_hz": trial.rate_hz,
        "n_stances": sum(e["kind"] == "contact" for e in trial.events),
        "n_unseen": len(unseen_events(trial)) // 2,
        "conditions": score_trial(trial, params, conditions),
    }


def leave_one_runner_out(
    trials: Sequence[Trial],
    conditions=CONDITIONS,
    calibrated: Mapping[str, Sequence[float]] = CALIBRATED,
    progress: Callable[[str], None] | None = None,
    model: str = "speed",
) -> dict:
    """Calibrate on all runners but one, score that one; every runner in turn.

    Returns ``{"folds": {runner: constants}, "all_runners": constants, "trials": {trial name:
    {"runner", "speed", "belt_speed", "conditions": {...}}}, "targets": [...]}``.
    """
    grid = grid_errors(trials, calibrated, progress)
    names = runners(trials)
    folds = {}
    result_trials: dict[str, dict] = {}
    for held in names:
        train = [t.name for t in trials if t.runner != held] or [t.name for t in trials]
        params = calibrate(grid, train, model)
        folds[held] = params
        for t in trials:
            if t.runner != held:
                continue
            if progress:
                progress(f"score {t.name}")
            result_trials[t.name] = trial_record(t, params, conditions)
    return {
        "conditions": [c[0] for c in conditions],
        "folds": folds,
        "model": model,
        "all_runners": calibrate(grid, [t.name for t in trials], model),
        "trials": result_trials,
        "targets": check_targets(result_trials),
    }


def check_targets(result_trials: Mapping[str, dict]) -> list[dict]:
    """Each target over every trial: the worst trial's value and whether all meet it."""
    out = []
    for cond, key, limit, cmp in TARGETS:
        vals = {
            name: r["conditions"][cond][key]
            for name, r in result_trials.items()
            if cond in r["conditions"]
        }
        if not vals:
            continue
        finite = {k: v for k, v in vals.items() if np.isfinite(v)}
        if cmp == "<=":
            worst = max(finite, key=finite.get) if finite else None
            met = all(np.isfinite(v) and v <= limit for v in vals.values())
        else:
            worst = min(finite, key=finite.get) if finite else None
            met = all(np.isfinite(v) and v >= limit for v in vals.values())
        out.append(
            {
                "condition": cond,
                "key": key,
                "limit": limit,
                "compare": cmp,
                "worst_trial": worst,
                "worst_value": finite.get(worst, float("nan")) if worst else float("nan"),
                "n_met": sum(
                    bool(np.isfinite(v) and (v <= limit if cmp == "<=" else v >= limit))
                    for v in vals.values()
                ),
                "n": len(vals),
                "met": met,
            }
        )
    return out


# ----------------------------------------------------------------------------- tables
def per_trial_table(result: dict, condition: str) -> str:
    header = [
        "trial",
        "belt m/s",
        "stances (unseen)",
        "contact MAE / bias ms",
        "toe-off MAE / bias ms",
        "contact time bias ms",
        "recall C / TO %",
        "extra %",
        "cadence err %",
    ]

    def worst_key(item):
        c = item[1]["conditions"][condition]
        return -max(c["contact_mae_ms"], c["toe_off_mae_ms"])

    rows = []
    for name, r in sorted(result["trials"].items(), key=worst_key):
        c = r["conditions"][condition]
        rows.append(
            [
                name,
                f"{r['belt_speed']:.2f}",
                f"{r['n_stances']} ({r.get('n_unseen', 0)})",
                f"{c['contact_mae_ms']:.1f} / {c['contact_bias_ms']:+.1f}",
                f"{c['toe_off_mae_ms']:.1f} / {c['toe_off_bias_ms']:+.1f}",
                f"{c['contact_time_bias_ms']:+.1f}",
                f"{c['contact_recall_pct']:.0f} / {c['toe_off_recall_pct']:.0f}",
                f"{c['extra_pct']:.1f}",
                f"{c['cadence_error_pct']:+.2f}",
            ]
        )
    return format_table(header, rows)


def pooled_table(result: dict) -> str:
    header = [
        "condition",
        "contact MAE / bias ms",
        "toe-off MAE / bias ms",
        "contact time bias ms",
        "recall C %",
        "extra %",
        "worst runner (max MAE)",
    ]
    rows = []
    for cond in result["conditions"]:
        cs = [r["conditions"][cond] for r in result["trials"].values()]
        if not cs:
            continue
        per_runner: dict[str, list[float]] = {}
        for r in result["trials"].values():
            c = r["conditions"][cond]
            per_runner.setdefault(r["runner"], []).append(
                max(c["contact_mae_ms"], c["toe_off_mae_ms"])
            )
        worst = max(per_runner, key=lambda k: max(per_runner[k]))
        rows.append(
            [
                cond,
                f"{np.mean([c['contact_mae_ms'] for c in cs]):.1f} / "
                f"{np.mean([c['contact_bias_ms'] for c in cs]):+.1f}",
                f"{np.mean([c['toe_off_mae_ms'] for c in cs]):.1f} / "
                f"{np.mean([c['toe_off_bias_ms'] for c in cs]):+.1f}",
                f"{np.mean([c['contact_time_bias_ms'] for c in cs]):+.1f}",
                f"{np.mean([c['contact_recall_pct'] for c in cs]):.1f}",
                f"{np.mean([c['extra_pct'] for c in cs]):.1f}",
                f"{worst} ({max(per_runner[worst]):.1f} ms)",
            ]
        )
    return format_table(header, rows)


def dataset_table(result: dict) -> str:
    """Mean (and SD between trials) of the native-rate biases by data set and belt speed."""
    groups: dict[tuple[str, float], list[dict]] = {}
    for r in result["trials"].values():
        groups.setdefault((r["dataset"], r["speed"]), []).append(r["conditions"])
    rows = []
    for (dataset, speed), conds in sorted(groups.items()):
        native = [c["native"] for c in conds]
        leg = [c[LEG_ALONE] for c in conds if LEG_ALONE in c]

        def stat(cs: list[dict], key: str) -> str:
            v = np.array([c[key] for c in cs], float)
            return f"{np.mean(v):+.1f} ({np.std(v):.1f})" if v.size else ""

        rows.append(
            [
                dataset,
                f"{speed:g}",
                len(conds),
                stat(native, "contact_bias_ms"),
                stat(native, "toe_off_bias_ms"),
                stat(leg, "toe_off_bias_ms"),
                stat(native, "contact_time_bias_ms"),
            ]
        )
    return format_table(
        [
            "data set",
            "belt m/s",
            "trials",
            "contact bias ms (SD)",
            "toe-off bias ms (SD)",
            "toe-off, leg alone (SD)",
            "contact time bias ms (SD)",
        ],
        rows,
    )


def unseen_note(result: dict) -> str:
    """One sentence: how many stances were left out of the score, and why."""
    n = sum(r["n_stances"] for r in result["trials"].values())
    unseen = sum(r.get("n_unseen", 0) for r in result["trials"].values())
    return (
        f"Stances the motion capture lost are not scored: {unseen} of {n}, where a point of "
        f"that leg (hip, knee, ankle, heel, toe) is missing from {UNSEEN_MARGIN_S:g} s before "
        "the contact to as long after the toe-off. No pose holds them, and a camera would "
        "see that foot; the engine's detections there are neither hits nor extras."
    )


#: Trials on belts slower than this are a jog: the engine's toe-off is least certain there.
JOG_BELT_MPS = 2.75


def timing_error_by_pace(result: dict, condition: str = "native") -> list[dict]:
    """The engine's own event-timing error for a runner it never saw, by pace.

    Each held-out trial's mean error (its bias) is what no single constant removes for that
    runner; the root mean square of those biases over a pace group is the timing error a
    runner of that pace should expect from the engine itself, on perfect points. Two groups:
    a jog (belt under :data:`JOG_BELT_MPS`) and faster. Each row gives the running speeds
    the engine measured there (leg lengths per second), which is how the product tells
    them apart (``runform.metrics.event_timing.ENGINE_EVENT_ERROR`` carries these figures).
    """
    groups = {
        f"jog (belt < {JOG_BELT_MPS:g} m/s)": lambda b: b < JOG_BELT_MPS,
        f"faster (belt ≥ {JOG_BELT_MPS:g} m/s)": lambda b: b >= JOG_BELT_MPS,
    }
    rows = []
    for label, inside in groups.items():
        members = [r for r in result["trials"].values() if inside(r["belt_speed"])]
        if not members:
            continue
        conds = [r["conditions"][condition] for r in members]
        speeds = [c["running_speed"] for c in conds if np.isfinite(c.get("running_speed", np.nan))]

        def rms(key: str, cs=conds) -> float:
            return float(np.sqrt(np.mean([c[key] ** 2 for c in cs])))

        def worst(key: str, cs=conds) -> float:
            return max(abs(c[key]) for c in cs)

        rows.append(
            {
                "group": label,
                "n_trials": len(members),
                "speed_min": float(min(speeds)) if speeds else float("nan"),
                "speed_max": float(max(speeds)) if speeds else float("nan"),
                "contact_rms_ms": rms("contact_bias_ms"),
                "toe_off_rms_ms": rms("toe_off_bias_ms"),
                "contact_worst_ms": worst("contact_bias_ms"),
                "toe_off_worst_ms": worst("toe_off_bias_ms"),
            }
        )
        leg = [r["conditions"][LEG_ALONE] for r in members if LEG_ALONE in r["conditions"]]
        if leg:
            rows[-1]["leg_toe_off_rms_ms"] = rms("toe_off_bias_ms", leg)
            rows[-1]["leg_toe_off_worst_ms"] = worst("toe_off_bias_ms", leg)
    return rows


def timing_error_table(result: dict) -> str:
    rows = timing_error_by_pace(result)
    return format_table(
        [
            "pace",
            "trials",
            "running speed (leg lengths/s)",
            "contact: RMS / worst bias ms",
            "toe-off: RMS / worst bias ms",
            "toe-off, leg alone: RMS / worst bias ms",
        ],
        [
            [
                r["group"],
                r["n_trials"],
                f"{r['speed_min']:.2f}–{r['speed_max']:.2f}",
                f"{r['contact_rms_ms']:.1f} / {r['contact_worst_ms']:.1f}",
                f"{r['toe_off_rms_ms']:.1f} / {r['toe_off_worst_ms']:.1f}",
                f"{r['leg_toe_off_rms_ms']:.1f} / {r['leg_toe_off_worst_ms']:.1f}"
                if "leg_toe_off_rms_ms" in r
                else "",
            ]
            for r in rows
        ],
    )


def format_result(result: dict) -> str:
    lines = ["Constants per fold (fitted without the runner named):", ""]
    keys = list(next(iter(result["folds"].values())).keys())
    lines.append(
        format_table(
            ["held-out runner", *keys],
            [[k, *[f"{v[x]:.5f}" for x in keys]] for k, v in result["folds"].items()],
        )
    )
    lines += ["", f"Fitted on all runners (the shipped defaults): {result['all_runners']}", ""]
    lines += [unseen_note(result), ""]
    lines += ["Pooled over trials (each trial scored by the fold that left its runner out):", ""]
    lines.append(pooled_table(result))
    for cond in result["conditions"]:
        lines += ["", f"### {cond} (worst trial first)", "", per_trial_table(result, cond)]
    lines += [
        "",
        "The engine's own timing error by pace (native rate, held out): the root mean square "
        "of the trials' biases, what a runner of that pace should expect on perfect points. "
        "The product states it with each analysis where it exceeds the pose model's floor "
        "(`runform.metrics.event_timing.ENGINE_EVENT_ERROR`; worst = largest absolute bias):",
        "",
        timing_error_table(result),
    ]
    lines += ["", "Targets (every runner and speed):", ""]
    for t in result["targets"]:
        verdict = "met" if t["met"] else "NOT MET"
        lines.append(
            f"- {t['condition']}: {t['key']} {t['compare']} {t['limit']:g}: worst "
            f"{t['worst_value']:.2f} ({t['worst_trial']}), {t['n_met']}/{t['n']} trials -> {verdict}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runners", nargs="*", help="runner ids (default: all)")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--quick", action="store_true", help="native and 60 Hz + 8 px only")
    parser.add_argument(
        "--model",
        choices=["speed", "constant"],
        default="speed",
        help="levels as a line in the stance speed (default) or constants",
    )
    parser.add_argument(
        "--shared-only",
        action="store_true",
        help="the runners of ../shared/data only (not ../external_data)",
    )
    args = parser.parse_args(argv)

    def building(s: str) -> None:
        print(f"building {s}", file=sys.stderr)

    if args.shared_only:
        trials = load_trials(only=args.runners, progress=building)
    else:
        trials, skipped = load_calibration_trials(progress=building, only=args.runners)
        for name, why in skipped.items():
            print(f"not used: {name}: {why}", file=sys.stderr)
    if not trials:
        print("No trial data found.", file=sys.stderr)
        return 2
    conds = (
        CONDITIONS
        if not args.quick
        else tuple(c for c in CONDITIONS if c[0] in ("native", LEG_ALONE, "60 Hz + 8 px"))
    )
    result = leave_one_runner_out(
        trials, conds, progress=lambda s: print(s, file=sys.stderr), model=args.model
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=float))
    print(format_result(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
