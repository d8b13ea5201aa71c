"""The protocol of the force-plate event benchmark (``bench/events_loro.py``), and one run
scored.

- :data:`CONDITIONS` (with :data:`LEG_ALONE`), :data:`FACINGS`: what each trial is run
  under: frame rate, pixel noise, frame phases and seeds, facing, and detector constants
  that replace the calibrated ones.
- :data:`TARGETS`: issue 9's limits, checked on every trial by
  :func:`events_tables.check_targets`; :data:`TOLERANCE_S`, how far a detection may be
  from the force plate's event to count as found.
- :func:`run_engine`: runform's events and cadence for a projected trial, with given
  detector constants.
- :func:`truth_cadence`, :func:`unseen_events` (with :data:`STANCE_POINTS` and
  :data:`UNSEEN_MARGIN_S`) and :func:`score`: one engine run's errors against the force
  plate.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mocap import Trial

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
