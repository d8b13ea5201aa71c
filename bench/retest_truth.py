"""Re-tests against the force plate: does ``runform compare`` call only changes that happened?

Each force-plate trial of :mod:`mocap` is cut into its first and second half and the halves
are compared as a run and its re-test (:func:`runform.compare.compare_analyses` on two
:func:`runform.pipeline.analyze_track` documents), drawn from each side, at the native rate,
60 Hz + 8 px and 30 Hz + 8 px. A runner's running drifts within a trial (cadence by up to 4
steps/min here), so the halves do differ, and what they truly differ by is known:

- **timing, against the force plate**: cadence, and each leg's contact time and step time,
  from the plate's own events in each half (:func:`both_legs.truth_per_leg`,
  :func:`events_protocol.truth_cadence`);
- **every metric, against clean markers**: the change the same halves show at the native rate
  without noise is the reference for the noisy conditions.

For each line of the comparison that the product measures reliably in both halves, the
tables give how often the stated smallest detectable change (SDC) covers the error of the
measured change (``|measured - true| <= SDC``), the changes called real, and how many of those
the truth contradicts (a true change under half the SDC, or of the other sign). Lines with too
few steps to tell are counted apart: the product withholds them. The halves share the day,
the camera and the pose, so this is the least a re-test must pass; a re-test filmed weeks
apart adds errors the conditions check (``runform.compare.conditions``) is for.

Command line::

    python bench/retest_truth.py                 # every runner (../shared/data, ../external_data)
    python bench/retest_truth.py --shared-only   # the seven of ../shared/data
    python bench/retest_truth.py --json out.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table, log
from both_legs import truth_per_leg
from events_protocol import truth_cadence
from mocap import Trial, bench_trials, project, runners

#: (name, frame rate or None for the markers' own, noise px)
CONDITIONS: tuple[tuple[str, float | None, float], ...] = (
    ("native", None, 0.0),
    ("60 Hz + 8 px", 60.0, 8.0),
    ("30 Hz + 8 px", 30.0, 8.0),
)
#: (facing, noise seed): each side of the runner near the camera once
VIEWS = (("left", 3), ("right", 5))
#: The metrics with a force-plate truth per half that one camera measures reliably (step
#: time needs the far foot's contact, so it is never called from one clip).
TIMED = ("cadence_spm", "contact_time_ms")
#: The share of lines whose change error the SDC must cover (it is a 95 % threshold).
COVERAGE_TARGET = 95.0


def _truth(trial: Trial, t0: float, t1: float, steps: Sequence[dict]) -> dict:
    """Force-plate per-leg medians of the events between ``t0`` and ``t1``, and the
    cadence over the strides the half's ``steps`` (its analysis) span, as the event
    benchmark scores cadence (a runner's cadence drifts from stride to stride)."""
    half = dataclasses.replace(trial, events=[e for e in trial.events if t0 <= e["time_s"] <= t1])
    out = truth_per_leg(half)
    # the analysis' steps as truth_cadence reads the engine's (Step: contact, next contact)
    spans = [
        SimpleNamespace(
            contact_s=s["contact_s"],
            next_same_contact_s=s["contact_s"] + s["stride_time_ms"] / 1000.0
            if s.get("stride_time_ms")
            else None,
        )
        for s in steps
    ]
    out["cadence_spm"] = truth_cadence(half, spans) if spans else float("nan")
    return out


def _true_change(metric: str, side: str, before: dict, after: dict) -> float | None:
    if metric == "cadence_spm":
        b, a = before.get(metric), after.get(metric)
    else:
        b, a = (before.get(side) or {}).get(metric), (after.get(side) or {}).get(metric)
    if b is None or a is None or not (math.isfinite(b) and math.isfinite(a)):
        return None
    return a - b


def measure_trial(trial: Trial, conditions: Sequence[tuple] = CONDITIONS) -> list[dict]:
    """Every line of every comparison of the trial's two halves (all conditions, both
    views): the measured change, its SDC, the call, and the force plate's change."""
    from runform.compare import compare_analyses
    from runform.compare.change import TOO_FEW_STEPS
    from runform.errors import RunformError
    from runform.pipeline import AnalysisOptions, analyze_track

    rows: list[dict] = []
    options = AnalysisOptions(treadmill_speed_mps=trial.belt_speed)
    for condition, rate, noise in conditions:
        for facing, seed in VIEWS:
            track = project(trial, rate, noise, facing, seed=seed, phase=0.3)
            track.meta.extra["near_side"] = facing  # as a pose model's depth would say
            n = track.n_frames
            docs, truths = [], []
            try:
                for a, b in ((0, n // 2), (n // 2, n)):
                    doc = analyze_track(track.select(slice(a, b)), options).to_dict()
                    docs.append(doc)
                    t0, t1 = float(track.time[a]), float(track.time[b - 1])
                    truths.append(_truth(trial, t0, t1, doc["steps"]))
            except RunformError:  # a half too short to analyse: no re-test to score
                continue
            for line in compare_analyses(docs[0], docs[1])["metrics"]:
                before, after = line["before"] or {}, line["after"] or {}
                rows.append({
                    "trial": trial.name, "condition": condition, "facing": facing,
                    "metric": line["metric"], "side": line["side"],
                    "reliable": bool(before.get("reliable") and after.get("reliable")),
                    "withheld": line["verdict"] == TOO_FEW_STEPS,
                    "change": line["change"], "sdc": (line["sdc"] or {}).get("value"),
                    "real": bool(line["real_change"]),
                    "true": _true_change(line["metric"], line["side"], truths[0], truths[1]),
                })  # fmt: skip
    return rows


def measure(
    trials: Sequence[Trial],
    conditions: Sequence[tuple] = CONDITIONS,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
) -> list[dict]:
    """:func:`measure_trial` over every trial, ``workers`` processes sharing them."""
    if workers <= 1:
        out = []
        for trial in trials:
            if progress:
                progress(trial.name)
            out += measure_trial(trial, conditions)
        return out
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    rows: list[dict] = []
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        results = pool.map(measure_trial, trials, [conditions] * len(trials))
        for trial, result in zip(trials, results, strict=True):
            rows += result
            if progress:
                progress(trial.name)
    return rows


def _scored(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["reliable"] and not r["withheld"] and r["sdc"] is not None]


def _score(pairs: list[tuple[dict, float]]) -> dict:
    """Coverage, calls and contradicted calls of ``(line, true change)`` pairs."""
    covered = sum(abs(r["change"] - true) <= r["sdc"] for r, true in pairs)
    calls = [(r, true) for r, true in pairs if r["real"]]
    wrong = [(r, t) for r, t in calls if abs(t) < r["sdc"] / 2 or t * r["change"] <= 0]
    missed = [(r, t) for r, t in pairs if abs(t) >= 2 * r["sdc"] and not r["real"]]
    retests = {(r["trial"], r["condition"], r["facing"]) for r, _ in pairs}
    return {
        "lines": len(pairs),
        "coverage_pct": 100.0 * covered / len(pairs) if pairs else float("nan"),
        "calls": len(calls),
        "wrong_calls": len(wrong),
        "wrong": sorted({f"{r['trial']} {r['metric']}" for r, _ in wrong}),
        "missed": len(missed),
        "retests": len(retests),
        "retests_wrong": len({(r["trial"], r["condition"], r["facing"]) for r, _ in wrong}),
    }


def summarise(rows: list[dict]) -> dict:
    """Per condition: against the force plate (per timed metric) and against clean markers
    (all metrics together), with the lines withheld for too few steps."""
    scored = _scored(rows)
    clean = {
        (r["trial"], r["facing"], r["metric"], r["side"]): r["change"]
        for r in scored
        if r["condition"] == "native"
    }
    out: dict = {"plate": {}, "markers": {}, "withheld": {}}
    present = {r["condition"] for r in rows}
    for condition in [c for c, _, _ in CONDITIONS if c in present]:
        here = [r for r in rows if r["condition"] == condition and r["reliable"]]
        out["withheld"][condition] = (sum(r["withheld"] for r in here), len(here))
        for metric in TIMED:
            pairs = [
                (r, r["true"])
                for r in scored
                if r["condition"] == condition and r["metric"] == metric and r["true"] is not None
            ]
            out["plate"][(condition, metric)] = _score(pairs)
        if condition != "native":
            pairs = []
            for r in scored:
                ref = clean.get((r["trial"], r["facing"], r["metric"], r["side"]))
                if r["condition"] == condition and ref is not None:
                    pairs.append((r, ref))
            out["markers"][condition] = _score(pairs)
    return out


def format_summary(summary: dict) -> str:
    head = ["condition", "metric", "lines", "SDC covers the error %", "called real",
            "contradicted by truth", "true change ≥ 2 SDC not called",
            "re-tests with a contradicted call"]  # fmt: skip

    def cells(s: dict) -> list:
        return [s["lines"], f"{s['coverage_pct']:.1f}", s["calls"], s["wrong_calls"],
                s["missed"], f"{s['retests_wrong']} of {s['retests']}"]  # fmt: skip

    plate = [[c, m, *cells(s)] for (c, m), s in summary["plate"].items() if s["lines"]]
    markers = [[c, "every metric", *cells(s)] for c, s in summary["markers"].items()]
    withheld = [f"{c}: {w} of {n}" for c, (w, n) in summary["withheld"].items()]
    return (
        "Against the force plate (each half's own events):\n\n"
        + format_table(head, plate)
        + "\n\nAgainst the same halves' clean markers at the native rate:\n\n"
        + format_table(head, markers)
        + "\n\nLines withheld for too few steps (of those measured reliably): "
        + "; ".join(withheld)
    )


def verdict(summary: dict) -> str:
    """One line per target: the SDC covers the change's error on 95 % of lines, and no
    change the product calls real is contradicted by the force plate."""
    lines = []
    for (condition, metric), s in summary["plate"].items():
        if not s["lines"]:
            continue
        ok = s["coverage_pct"] >= COVERAGE_TARGET and s["wrong_calls"] == 0
        lines.append(
            f"- {condition}, {metric}: SDC covers {s['coverage_pct']:.1f} % of {s['lines']} "
            f"lines, {s['wrong_calls']} of {s['calls']} calls contradicted"
            + ("" if ok else f" ({', '.join(s['wrong']) or 'coverage'}) -> NOT MET")
        )
    for condition, s in summary["markers"].items():
        lines.append(
            f"- {condition}, every metric against clean markers: SDC covers "
            f"{s['coverage_pct']:.1f} % of {s['lines']} lines, {s['wrong_calls']} of "
            f"{s['calls']} calls contradicted"
            + (f" ({', '.join(s['wrong'][:6])})" if s["wrong"] else "")
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runners", nargs="*", help="runner ids (default: all)")
    parser.add_argument("--json", metavar="FILE", help="write every line measured")
    parser.add_argument("--from-json", metavar="FILE", help="summarise lines written before")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes")
    parser.add_argument(
        "--shared-only", action="store_true", help="../shared/data only (not ../external_data)"
    )
    args = parser.parse_args(argv)
    if args.from_json:
        summary = summarise(json.loads(Path(args.from_json).read_text()))
        print(format_summary(summary) + "\n\n" + verdict(summary))
        return 0
    trials = bench_trials(args.shared_only, args.runners)
    if not trials:
        log("No trial data found.")
        return 2
    log(f"{len(trials)} trials of {len(runners(trials))} runners")
    rows = measure(trials, progress=log, workers=args.workers)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=float))
    summary = summarise(rows)
    print(format_summary(summary) + "\n\n" + verdict(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
