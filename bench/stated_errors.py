"""The stated timing error of every metric against the force plate.

Every metric the product reports carries a stated error (``metrics[id].measurement_error``,
what the report shows beside the value); part of it is the foot events' timing error carried
into the value (:func:`runform.metrics.event_timing.timing_errors`: each event moved by its stated
timing error, :func:`runform.metrics.event_timing.event_timing_error_ms`, and the step's
metrics recomputed). This benchmark checks, per metric and per leg, that this stated timing
part covers the error the engine's event timing really causes on real runners.

Each force-plate trial of :mod:`mocap` is drawn as a side camera sees it (facing left and
facing right; at the native marker rate, clean, and at 60 Hz with 8 px of noise at the
frame phases and seeds of :data:`events_protocol.CONDITIONS`) and run through the product's
call, :func:`runform.pipeline.analyze_track`, with the belt speed given. For every metric
:func:`timing_errors` gives a figure for:

- **measured**: the leg's median as the analysis reports it (``metrics[id][side].median``);
- **truth**: the same metric through the product's own step code
  (:func:`runform.metrics.steps.step_metrics`) on the *same* track, over the same accepted
  steps, with each step's contact, toe-off, the other foot's next contact and this foot's
  next contact replaced by the matched force-plate events (within :data:`MATCH_S`; an event
  without a match leaves the values that read it out). The difference is then the engine's
  event timing alone, which is what the stated timing part claims to cover;
- **stated timing part**: :func:`timing_errors` on the analysis's own steps with the event
  errors the analysis stores (``context.event_timing_error_ms``, ``toe_off_timing_error_ms``),
  and the **full stated error** ``metrics[id].measurement_error[side]``;
- **marker truth** (one extra column): the metric at the force-plate events on the clean
  native track of the same facing, so the 60 Hz + 8 px rows also show what the noise adds.

The detector's constants are the shipped ones, fitted on these runners among others
(leave-one-runner-out in ``bench/events_loro.py``), while the stated event error is the
held-out one, so on these runners the engine's own timing is if anything better than it is
on a runner it was not fitted on.

Data: Fukuchi, R. K., Fukuchi, C. A., Duarte, M. (2017) "A public dataset of running
biomechanics and the effects of running speed on lower extremity kinematics and kinetics",
PeerJ 5:e3298, CC BY 4.0 (RBDS0041, RBDS002); Hamner, S. R., Delp, S. L. (2013) "Muscle
contributions to fore-aft and vertical body mass center accelerations over a range of
running speeds", J Biomech 46:780-787, data via Fox, A. S. (2024) R Soc Open Sci 11:231909
(hamner01-08).

Command line::

    python bench/stated_errors.py                  # all runners (../shared/data, ../external_data)
    python bench/stated_errors.py --shared-only    # the seven of ../shared/data
    python bench/stated_errors.py --runners hamner01 --json out.json
    python bench/stated_errors.py --shared-only --conditions "30 Hz + 8 px"
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table, log
from both_legs import SIDES, measure
from events_protocol import CONDITIONS as EVENT_CONDITIONS
from events_protocol import FACINGS, unseen_events
from mocap import Trial, bench_trials, project, runners
from runform.gait.level import roll_errors
from runform.gait.types import Step

#: The conditions of :data:`events_protocol.CONDITIONS` run by default (name, frame rate or
#: None, noise px, ((seed, phase), ...)); ``--conditions`` picks others of them.
CONDITIONS: tuple[tuple, ...] = tuple(
    c for c in EVENT_CONDITIONS if c[0] in ("native", "60 Hz + 8 px")
)


def conditions_of(result: dict) -> list[str]:
    """The conditions run in ``result``, in :data:`events_protocol.CONDITIONS`' order."""
    order = [c[0] for c in EVENT_CONDITIONS]
    seen = {run["condition"] for rec in result["trials"].values() for run in rec["runs"]}
    return sorted(seen, key=order.index)


#: A detected event further than this from every force-plate event of its foot and kind has
#: no truth: the values that read it are left out.
MATCH_S = 0.06
#: Whole-body metrics are stated over all steps, under this key.
ALL = "all"


# ----------------------------------------------------------------------------- the truth
def true_events(trial: Trial) -> dict[tuple[str, str], np.ndarray]:
    """The force plate's event times per ``(side, kind)``, sorted, without those of the
    stances the markers do not show (:func:`events_protocol.unseen_events`).

    >>> ev = [{"side": "left", "kind": "contact", "time_s": 0.5},
    ...       {"side": "left", "kind": "contact", "time_s": 0.1}]
    >>> t = np.arange(0.0, 1.0, 0.01)
    >>> out = true_events(Trial("r", "d", 3.0, t, {}, ev, "", ""))
    >>> out[("left", "contact")].tolist(), out[("right", "toe_off")].tolist()
    ([0.1, 0.5], [])
    """
    unseen = {(e["side"], e["kind"], e["time_s"]) for e in unseen_events(trial)}
    out = {}
    for side in SIDES:
        for kind in ("contact", "toe_off"):
            times = [
                e["time_s"]
                for e in trial.events
                if e["side"] == side
                and e["kind"] == kind
                and (side, kind, e["time_s"]) not in unseen
            ]
            out[(side, kind)] = np.sort(np.asarray(times, dtype=float))
    return out


def _match(times: np.ndarray, t: float | None, tol: float = MATCH_S) -> float | None:
    """The element of ``times`` nearest ``t`` if within ``tol``, else ``None``."""
    if t is None or times.size == 0:
        return None
    k = int(np.argmin(np.abs(times - t)))
    return float(times[k]) if abs(times[k] - t) <= tol else None


def truth_step(step: Step, events: Mapping[tuple[str, str], np.ndarray]) -> Step | None:
    """``step`` with its events replaced by the matched force-plate events.

    The contact and toe-off must both match (else ``None``: the step has no truth); the
    other foot's next contact and this foot's next contact are ``None`` when they are
    absent or match nothing, so the values that read them are left out.

    >>> ev = {("left", "contact"): np.array([0.0, 0.7]), ("left", "toe_off"): np.array([0.25]),
    ...       ("right", "contact"): np.array([0.36]), ("right", "toe_off"): np.array([0.6])}
    >>> st = Step("left", 0.01, 0.24, 1.0, 24.0, next_contact_s=0.45, next_same_contact_s=0.72)
    >>> tr = truth_step(st, ev)
    >>> tr.contact_s, tr.toe_off_s, tr.next_contact_s, tr.next_same_contact_s
    (0.0, 0.25, None, 0.7)
    """
    other = "right" if step.side == "left" else "left"
    contact = _match(events[(step.side, "contact")], step.contact_s)
    toe_off = _match(events[(step.side, "toe_off")], step.toe_off_s)
    if contact is None or toe_off is None:
        return None
    return replace(
        step,
        contact_s=contact,
        toe_off_s=toe_off,
        next_contact_s=_match(events[(other, "contact")], step.next_contact_s),
        next_same_contact_s=_match(events[(step.side, "contact")], step.next_same_contact_s),
    )


def _context(analysis):
    """The :class:`StepContext` the pipeline built for ``analysis``."""
    from runform.metrics.steps import StepContext

    return StepContext.build(
        analysis.track, analysis.angles, analysis.travel.direction, analysis.leg_length
    )


def truth_rows(analysis, events: Mapping[tuple[str, str], np.ndarray], speed: float) -> list:
    """One row per accepted step of ``analysis``: its metrics at the force-plate events
    (:func:`truth_step`; ``None`` for a step without truth), as the pipeline makes its rows
    (:func:`runform.metrics.steps.step_metrics`, negative flight times set to 0)."""
    from runform.metrics.steps import step_metrics
    from runform.pipeline.track import _no_negative_durations

    ctx = _context(analysis)
    rows: list[dict | None] = []
    for st in analysis.gait.steps:
        true = truth_step(st, events)
        rows.append(
            None if true is None else _no_negative_durations(step_metrics(true, ctx, speed))
        )
    return rows


def _median(values: Sequence[float | None]) -> float | None:
    v = [x for x in values if x is not None and math.isfinite(x)]
    return float(np.median(v)) if v else None


def stated_timing(analysis, speed: float) -> dict[tuple[str, str], float]:
    """The stated timing part of every metric, ``{(metric, side or "all"): error}``:
    :func:`runform.metrics.event_timing.timing_errors` on the analysis's steps with the event
    errors it stores and the scatter of its frame rate
    (:func:`runform.metrics.event_timing.event_scatter_ms`)."""
    from runform.metrics.event_timing import event_scatter_ms, timing_errors
    from runform.pipeline.track import _timing_frame_rate

    sigma = {
        "contact": analysis.event_error_ms / 1000.0,
        "toe_off": analysis.toe_off_error_ms / 1000.0,
    }
    scatter = event_scatter_ms(_timing_frame_rate(analysis.track)) / 1000.0
    return timing_errors(analysis.gait.steps, _context(analysis), sigma, speed, scatter_s=scatter)


def compare_run(
    analysis, events: Mapping[tuple[str, str], np.ndarray], speed: float, markers=None
) -> dict:
    """Per metric and leg: the measured median, the truth's, the stated timing part and the
    full stated error, and the marker truth (``markers``: the clean native analysis of the
    same facing, or ``None``).

    The measured median is the one the analysis reports; ``measured_same`` is the median
    of the measured values over the steps that have a truth value (the same steps as the
    truth's), so a step left out of the truth does not count as a timing error.
    """
    timing = stated_timing(analysis, speed)
    # what a camera that is not level adds to the angles' stated error (gait.level)
    roll = analysis.camera_roll_deg
    tilt = roll_errors(roll, ("left", "right")) if roll is not None else {}
    rows = truth_rows(analysis, events, speed)
    marker_rows = truth_rows(markers, events, speed) if markers is not None else None
    out: dict = {}
    for (metric, key), part in timing.items():
        entry = analysis.metrics.get(metric) or {}
        reported = (entry.get(key) or {}).get("median")
        stated = (entry.get("measurement_error") or {}).get(key)
        pairs = [
            (m.get(metric), t.get(metric))
            for m, t in zip(analysis.steps, rows, strict=True)
            if t is not None and (key == ALL or m["side"] == key)
        ]
        pairs = [(m, t) for m, t in pairs if m is not None and t is not None]
        truth = _median([t for _, t in pairs])
        if reported is None or truth is None or stated is None:
            continue
        marker = None
        if marker_rows is not None:
            marker = _median(
                [
                    r.get(metric)
                    for st, r in zip(markers.gait.steps, marker_rows, strict=True)
                    if r is not None and (key == ALL or st.side == key)
                ]
            )
        out.setdefault(metric, {})[key] = {
            "measured": float(reported),
            "measured_same": _median([m for m, _ in pairs]),
            "truth": truth,
            "marker_truth": marker,
            "timing": part,
            "roll": tilt.get((metric, key), 0.0),
            "stated": float(stated),
            "n": len(pairs),
        }
    return out


# ----------------------------------------------------------------------------- one trial
def measure_trial(
    trial: Trial,
    conditions: Sequence[tuple] = CONDITIONS,
    facings: Sequence[str] = FACINGS,
) -> dict:
    """One trial under every condition and facing: ``{"runs": [...]}``, one run per
    (condition, seed, facing) with :func:`compare_run`'s metrics, or ``"error"``; the clean
    native condition facing the first of ``facings`` only (the others are its mirror
    image)."""
    from runform.errors import RunformError
    from runform.pipeline import AnalysisOptions, analyze_track

    events = true_events(trial)
    speed = trial.belt_speed
    options = AnalysisOptions(treadmill_speed_mps=speed)

    def analyse(rate: float | None, noise: float, facing: str, seed: int, phase: float):
        track = project(trial, rate, noise, facing, seed=seed, phase=phase)
        track.meta.extra["near_side"] = facing  # as a pose model's depth would say
        return analyze_track(track, options)

    markers: dict[str, object] = {}
    for facing in facings:
        try:
            markers[facing] = analyse(None, 0.0, facing, 0, 0.0)
        except RunformError:
            markers[facing] = None
    runs = []
    for name, rate, noise, seeds, *_ in conditions:
        clean = rate is None and noise == 0
        for seed, phase in seeds:
            # the clean native clip facing right is the mirror image of the left one: the
            # same events and values, so it is run once
            for facing in facings[:1] if clean else facings:
                run = {"condition": name, "seed": seed, "facing": facing}
                try:
                    analysis = (
                        markers[facing]
                        if clean and markers[facing] is not None
                        else analyse(rate, noise, facing, seed, phase)
                    )
                except RunformError as exc:
                    run["error"] = str(exc)
                    runs.append(run)
                    continue
                run["near"] = analysis.near_side
                run["event_error_ms"] = analysis.event_error_ms
                run["toe_off_error_ms"] = analysis.toe_off_error_ms
                run["metrics"] = compare_run(analysis, events, speed, markers[facing])
                runs.append(run)
    return {"runner": trial.runner, "dataset": trial.dataset, "belt_speed": speed, "runs": runs}


def measure_all(
    trials: Sequence[Trial],
    conditions: Sequence[tuple] = CONDITIONS,
    facings: Sequence[str] = FACINGS,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
) -> dict:
    """Every trial (:func:`measure_trial`), ``{"trials": {name: record}}``, through
    :func:`both_legs.measure`'s loop (``workers`` processes share the trials)."""
    return measure(
        trials,
        conditions,
        progress,
        workers,
        measure_one=partial(measure_trial, facings=tuple(facings)),
    )


# ----------------------------------------------------------------------------- the tables
def leg_errors(result: dict, condition: str, metric: str) -> list[dict]:
    """One row per leg (or whole body) of every run: ``error``, the measured minus the
    truth median over the same steps (the engine's event timing alone); ``error_reported``,
    the reported median minus the truth's; ``marker_error``, the reported median minus the
    marker truth; and the stated timing part and full stated error."""
    rows = []
    for name, rec in result["trials"].items():
        for run in rec["runs"]:
            if run["condition"] != condition or "metrics" not in run:
                continue
            for key, v in (run["metrics"].get(metric) or {}).items():
                same, marker = v.get("measured_same"), v.get("marker_truth")
                rows.append(
                    {
                        "trial": name,
                        "runner": rec["runner"],
                        "leg": key,
                        "facing": run["facing"],
                        "seed": run["seed"],
                        "error": same - v["truth"] if same is not None else math.nan,
                        "error_reported": v["measured"] - v["truth"],
                        "marker_error": v["measured"] - marker if marker is not None else math.nan,
                        "timing": v["timing"],
                        "roll": v.get("roll", 0.0),
                        "stated": v["stated"],
                    }
                )
    return rows


#: Medians are reported to two decimals: a real error within this of the stated part is
#: counted as covered (a stated part of 0 for a value its events do not move is not broken
#: by the rounding of the two medians).
ROUNDING = 0.011


def covered(error: float, stated: float) -> bool:
    """``|error| <= stated`` up to the rounding of the reported medians (:data:`ROUNDING`).

    >>> covered(2.0, 2.0), covered(-2.5, 2.0), covered(0.01, 0.0)
    (True, False, True)
    """
    return abs(error) <= stated + ROUNDING


def _ratio(error: float, stated: float) -> float:
    """``|error| / stated``, at most 1 where :func:`covered` (the rounding of the medians),
    and infinite for an error past a stated 0.

    >>> _ratio(3.0, 2.0), _ratio(0.016, 0.007), _ratio(0.5, 0.0), _ratio(0.005, 0.0)
    (1.5, 1.0, inf, 0.0)
    """
    if stated <= 0:
        return 0.0 if covered(error, 0.0) else math.inf
    return min(abs(error) / stated, 1.0) if covered(error, stated) else abs(error) / stated


def metric_rows(result: dict) -> tuple[list[str], list[list]]:
    """Per condition and metric: legs, how often the stated timing part and the full stated
    error covered the real timing error (and the timing part the error of the reported
    median, over all the leg's steps), the largest real error over the stated timing part
    (with its trial and leg), the RMS real error against the median stated timing part, the
    runner with the lowest coverage, and the RMS error against the marker truth."""
    header = [
        "condition",
        "metric",
        "legs",
        "within timing part %",
        "within full stated %",
        "reported median within timing part %",
        "worst |error| / timing part (trial, leg)",
        "error RMS",
        "timing part (median)",
        "full stated (median)",
        "worst runner (within timing %)",
        "vs marker truth RMS",
    ]
    out = []
    for cond in conditions_of(result):
        for metric in metric_names(result):
            e = [r for r in leg_errors(result, cond, metric) if math.isfinite(r["error"])]
            if not e:
                continue
            err = np.array([r["error"] for r in e])
            worst = max(e, key=lambda r: (_ratio(r["error"], r["timing"]), abs(r["error"])))
            by_runner = {}
            for r in e:
                by_runner.setdefault(r["runner"], []).append(covered(r["error"], r["timing"]))
            runner, hits = min(by_runner.items(), key=lambda kv: float(np.mean(kv[1])))
            marker = np.array([r["marker_error"] for r in e if math.isfinite(r["marker_error"])])
            out.append(
                [
                    cond,
                    metric,
                    len(e),
                    f"{100.0 * np.mean([covered(r['error'], r['timing']) for r in e]):.0f}",
                    f"{100.0 * np.mean([covered(r['error'], r['stated']) for r in e]):.0f}",
                    f"{100.0 * np.mean([covered(r['error_reported'], r['timing']) for r in e]):.0f}",
                    f"{_ratio(worst['error'], worst['timing']):.2f} "
                    f"({worst['trial']}, {worst['leg']}, facing {worst['facing']})",
                    f"{math.sqrt(float(np.mean(err**2))):.3g}",
                    f"{float(np.median([r['timing'] for r in e])):.3g}",
                    f"{float(np.median([r['stated'] for r in e])):.3g}",
                    f"{runner} ({100.0 * float(np.mean(hits)):.0f})",
                    f"{math.sqrt(float(np.mean(marker**2))):.3g}" if marker.size else "-",
                ]
            )
    return header, out


def metric_names(result: dict) -> list[str]:
    """The metrics given a stated timing part in any run, in the catalogue's order."""
    from runform.metrics.catalog import CATALOG

    seen = {
        m
        for rec in result["trials"].values()
        for run in rec["runs"]
        for m in (run.get("metrics") or {})
    }
    return [m for m in CATALOG if m in seen]


def failures(result: dict, limit: float = 1.0) -> list[dict]:
    """Every leg whose real timing error exceeds ``limit`` times its stated timing part."""
    return [
        {**r, "condition": cond, "metric": metric}
        for cond in conditions_of(result)
        for metric in metric_names(result)
        for r in leg_errors(result, cond, metric)
        if math.isfinite(r["error"]) and not covered(r["error"], limit * r["timing"])
    ]


def format_result(result: dict) -> str:
    n = len(result["trials"])
    who = runners_of(result)
    failed = [
        f"{name} ({run['condition']}, facing {run['facing']}, seed {run['seed']}): {run['error']}"
        for name, rec in result["trials"].items()
        for run in rec["runs"]
        if "error" in run
    ]
    parts = [
        f"{n} trials of {len(who)} runners, facing {' and '.join(FACINGS)} (the clean native "
        "clip facing left only: facing right is its mirror image). Error: the leg's median "
        "minus the same metric's median at the force-plate events, on the same track and "
        "steps (the engine's event timing alone; the reported median, over every step of "
        "the leg, in its own column); timing part: what "
        "`timing_errors` states for it; full stated: `metrics[id].measurement_error[leg]`. "
        "Marker truth: the metric at the force-plate events on the clean native track.",
        format_table(*metric_rows(result)),
    ]
    if failed:
        parts.append("Not analysed: " + "; ".join(failed))
    over = failures(result)
    if over:
        worst = sorted(over, key=lambda r: (-_ratio(r["error"], r["timing"]), -abs(r["error"])))
        worst = worst[:12]
        parts.append(
            "Legs whose real timing error exceeds the stated timing part:\n"
            + format_table(
                ["condition", "metric", "trial", "leg", "facing", "error", "timing part"],
                [
                    [
                        r["condition"],
                        r["metric"],
                        r["trial"],
                        r["leg"],
                        r["facing"],
                        f"{r['error']:+.3g}",
                        f"{r['timing']:.3g}",
                    ]
                    for r in worst
                ],
            )
        )
    return "\n\n".join(parts)


def runners_of(result: dict) -> set[str]:
    return {rec["runner"] for rec in result["trials"].values()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runners", nargs="*", help="runner ids (default: all)")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes")
    parser.add_argument(
        "--shared-only", action="store_true", help="../shared/data only (not ../external_data)"
    )
    parser.add_argument(
        "--conditions",
        nargs="*",
        choices=[c[0] for c in EVENT_CONDITIONS],
        default=[c[0] for c in CONDITIONS],
        help="conditions of events_protocol.CONDITIONS (default: native, 60 Hz + 8 px)",
    )
    args = parser.parse_args(argv)
    trials = bench_trials(args.shared_only, args.runners)
    if not trials:
        log("No trial data found.")
        return 2
    log(f"{len(trials)} trials of {len(runners(trials))} runners")
    conditions = [c for c in EVENT_CONDITIONS if c[0] in args.conditions]
    result = measure_all(trials, conditions, progress=log, workers=args.workers)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=float))
    print(format_result(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
