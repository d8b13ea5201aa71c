"""Frame rate: does the same runner read the same at 30, 60, 120 and 240 fps?

Phones film runners at 30 or 60 fps, and in slow motion at 120 or 240. A constant counted
in frames (a window, a run length, a per-frame cost) or a filter designed for one rate
means something else at another rate, and what the runner reads then changes with the
frame rate beyond a frame's quantisation. This bench renders the *same* runner at each
rate and runs the whole engine (:func:`runform.pipeline.analyze_track`):

- **synthetic runners** (:mod:`runform.synthetic`: exact events and metric values; the
  same seed gives the same gait phase at every rate), with no noise and with
  :data:`NOISE_PX` of per-frame pixel noise (a phone's pose model wobbles each frame on
  its own, so at 240 fps there are eight times as many noisy samples as at 30);
- with ``--mocap``, the force-plate runners of ``../shared/data`` (:mod:`mocap`),
  projected at each rate, their contacts and toe-offs scored against the force plate
  (:func:`events_protocol.score`) and their metrics read by the same engine.

It prints, per source, noise and rate: the events' error (mean absolute and bias, ms)
and how many were found; the rejected steps; per metric the median over runs of each
leg's median, with the synthetic truth where there is one; and the findings' ids (how
many runs raised each).

Command line::

    python bench/rate_dependence.py             # synthetic runners
    python bench/rate_dependence.py --mocap     # and the force-plate runners
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SYNTHETIC_RUNNERS, format_table, log
from runform.errors import AnalysisError
from runform.evaluation import match_events
from runform.findings import findings_from_analysis
from runform.gait.types import CUT_BY_CLIP_EDGE
from runform.pipeline import AnalysisOptions, analyze_track
from runform.synthetic import RunnerSpec, synthetic_runner
from runform.synthetic.faults import FAULTS as ALL_FAULTS

RATES = (30.0, 60.0, 120.0, 240.0)
DURATION_S = 12.0
#: Per-frame pixel noise of the noisy runs (a phone's pose model: a few px).
NOISE_PX = 5.0
#: Runners: cadence and foot strike (those of the frame-time bench).
RUNNERS = SYNTHETIC_RUNNERS
SEEDS = (0, 1)
TOLERANCE_S = 0.08
#: Events this close to the clip's ends are not scored (their filters have not settled).
EDGE_S = 0.3
#: The per-leg metrics shown (the whole-body ones are shown once).
METRICS = (
    "contact_time_ms",
    "flight_time_ms",
    "duty_factor_pct",
    "thigh_extension_deg",
    "thigh_flexion_contact_deg",
    "knee_flexion_contact_deg",
    "knee_flexion_stance_peak_deg",
    "knee_flexion_swing_peak_deg",
    "thigh_flexion_swing_peak_deg",
    "shank_angle_contact_deg",
    "drive_peak_deg_s",
    "drive_mean_deg_s",
    "heel_recovery_ratio",
    "touchdown_distance_pct",
    "hip_extension_trunk_deg",
)
WHOLE_BODY = ("cadence_spm", "vertical_oscillation_pct", "trunk_lean_deg")
#: Runners with a fault each (``runform.synthetic.faults``), for the findings.
FAULTS: dict[str, RunnerSpec] = {
    name: spec
    for name, spec in ALL_FAULTS.items()
    if name not in ("trunk_lean_backward", "asymmetry_far")
}


def _leg_median(metrics: dict, metric: str, side: str) -> float:
    entry = metrics.get(metric, {})
    value = (entry.get(side) or entry.get("all") or {}).get("median")
    return float("nan") if value is None else float(value)


def _truth(truth: dict, metric: str, side: str) -> float:
    value = truth.get(metric)
    if isinstance(value, dict):
        value = value.get(side)
    if value is None and f"{metric}_by_side" in truth:
        value = truth[f"{metric}_by_side"].get(side)
    return float("nan") if value is None else float(value)


def analyse(track, events: list[dict] | None, lo: float, hi: float) -> dict:
    """One track through the engine: events scored against ``events`` (when given, those
    within ``[lo, hi]``), metrics per leg, findings, rejected steps."""
    try:
        a = analyze_track(track)
    except AnalysisError as exc:
        log(f"  analysis failed: {exc}")
        return {"failed": True}
    doc = a.to_dict()
    out: dict = {
        "failed": False,
        "rejected": sum(1 for r in a.gait.rejected if r.reason != CUT_BY_CLIP_EDGE),
        "steps": len(a.gait.steps),
        "findings": sorted(f["id"] for f in findings_from_analysis(doc)),
        "metrics": {
            (m, s): _leg_median(a.metrics, m, s)
            for m in (*METRICS, *WHOLE_BODY)
            for s in ("left", "right")
        },
        "error_ms": a.event_error_ms,
        "swapped": a.cleaning.swapped_frames,
    }
    if events is not None:
        found = [{"side": e.side, "kind": e.kind, "time_s": e.time_s} for e in a.gait.events]
        truth = [e for e in events if lo <= e["time_s"] <= hi]
        m = match_events(found, truth, TOLERANCE_S)
        out["contact_errors"] = list(m["contact"].errors_ms)
        out["toe_off_errors"] = list(m["toe_off"].errors_ms)
        out["found"] = m["contact"].n_matched + m["toe_off"].n_matched
        out["truth"] = m["contact"].n_true + m["toe_off"].n_true
    return out


def synthetic_runs(noise_px: float) -> dict[float, list[dict]]:
    runs: dict[float, list[dict]] = {}
    for fps in RATES:
        log(f"synthetic {fps:.0f} fps, {noise_px:g} px")
        runs[fps] = []
        for cadence, strike in RUNNERS:
            for seed in SEEDS:
                run = synthetic_runner(
                    RunnerSpec(cadence_spm=cadence, foot_strike=strike),  # type: ignore[arg-type]
                    fps=fps,
                    duration_s=DURATION_S,
                    noise_px=noise_px,
                    seed=seed,
                )
                t = run.track.time
                events = [{"side": e.side, "kind": e.kind, "time_s": e.time_s} for e in run.events]
                out = analyse(run.track, events, t[0] + EDGE_S, t[-1] - EDGE_S)
                out["truth_metrics"] = {
                    (m, s): _truth(run.truth, m, s)
                    for m in (*METRICS, *WHOLE_BODY)
                    for s in ("left", "right")
                }
                runs[fps].append(out)
    return runs


def mocap_runs(noise_px: float, trials: Sequence) -> dict[float, list[dict]]:
    from events_protocol import run_engine, score
    from mocap import project

    runs: dict[float, list[dict]] = {}
    for fps in RATES:
        log(f"mocap {fps:.0f} fps, {noise_px:g} px")
        runs[fps] = []
        for k, trial in enumerate(trials):
            track = project(trial, rate_hz=fps, noise_px=noise_px, seed=k, phase=0.3)
            out = analyse(track, None, 0.0, 0.0)
            s = score(run_engine(track), trial)
            out["contact_errors"] = s["contact_errors_ms"]
            out["toe_off_errors"] = s["toe_off_errors_ms"]
            out["recall"] = (s["contact_recall_pct"], s["toe_off_recall_pct"])
            runs[fps].append(out)
    return runs


def events_table(title: str, by_rate: dict[float, list[dict]]) -> str:
    rows = []
    for fps, runs in by_rate.items():
        ok = [r for r in runs if not r["failed"]]
        c = np.concatenate([r["contact_errors"] for r in ok]) if ok else np.zeros(0)
        o = np.concatenate([r["toe_off_errors"] for r in ok]) if ok else np.zeros(0)
        if "found" in (ok[0] if ok else {}):
            found = f"{sum(r['found'] for r in ok)}/{sum(r['truth'] for r in ok)}"
        else:
            found = f"{np.mean([np.mean(r['recall']) for r in ok]):.1f} %"
        rows.append(
            [
                f"{fps:.0f}",
                float(np.mean(np.abs(c))),
                float(np.mean(c)),
                float(np.max(np.abs(c))),
                float(np.mean(np.abs(o))),
                float(np.mean(o)),
                float(np.max(np.abs(o))),
                found,
                sum(r["rejected"] for r in ok),
                float(np.mean([r["error_ms"] for r in ok])),
                sum(r["swapped"] for r in ok),
                len(runs) - len(ok),
            ]
        )
    header = [
        "fps",
        "contact MAE",
        "contact bias",
        "contact worst",
        "toe-off MAE",
        "toe-off bias",
        "toe-off worst",
        "found",
        "rejected",
        "stated error",
        "swapped frames",
        "failed",
    ]
    return f"{title}\n\n" + format_table(header, rows)


def metrics_table(title: str, by_rate: dict[float, list[dict]]) -> str:
    rates = list(by_rate)
    with_truth = "truth_metrics" in next(iter(by_rate.values()))[0]
    rows = []
    for m in (*METRICS, *WHOLE_BODY):
        for side in ("left", "right") if m in METRICS else ("all",):
            key = (m, "left" if side == "all" else side)
            row: list[object] = [m if side == "all" else f"{m} {side[0].upper()}"]
            for fps in rates:
                vals = [r["metrics"][key] for r in by_rate[fps] if not r["failed"]]
                if with_truth:  # the error against the truth, averaged over runs
                    truths = [r["truth_metrics"][key] for r in by_rate[fps] if not r["failed"]]
                    vals = [v - t for v, t in zip(vals, truths, strict=True)]
                row.append(float(np.nanmean(vals)) if np.isfinite(vals).any() else float("nan"))
            rows.append(row)
    what = "mean error vs truth" if with_truth else "mean of the runs' medians"
    header = ["metric", *(f"{f:.0f} fps" for f in rates)]
    return f"{title} ({what})\n\n" + format_table(header, rows)


def findings_table(title: str, by_rate: dict[float, list[dict]]) -> str:
    counts = {
        fps: Counter(f for r in runs for f in r.get("findings", []))
        for fps, runs in by_rate.items()
    }
    ids = sorted(set().union(*counts.values()))
    rows = [[fid, *(counts[fps][fid] for fps in by_rate)] for fid in ids]
    header = ["finding", *(f"{f:.0f} fps" for f in by_rate)]
    return f"{title} (runs raising it)\n\n" + format_table(
        header, rows or [["none", *([0] * len(by_rate))]]
    )


def faults_table(noise_px: float) -> str:
    """Per runner with a fault, the findings at each rate (treadmill speed given; ids in
    order of priority, seeds 0 and 1 joined with "/" where they differ)."""
    rows = []
    for name, spec in FAULTS.items():
        log(f"faults: {name}, {noise_px:g} px")
        row: list[object] = [name]
        for fps in RATES:
            seen = []
            for seed in SEEDS:
                run = synthetic_runner(
                    spec, fps=fps, duration_s=DURATION_S, noise_px=noise_px, seed=seed
                )
                a = analyze_track(run.track, AnalysisOptions(treadmill_speed_mps=spec.speed_mps))
                found = findings_from_analysis(a.to_dict())
                seen.append(", ".join(f"{f['id']} {f['severity']:.2f}" for f in found) or "-")
            row.append(" / ".join(dict.fromkeys(seen)))
        rows.append(row)
    header = ["runner", *(f"{f:.0f} fps" for f in RATES)]
    return f"Findings of runners with a fault, {noise_px:g} px\n\n" + format_table(header, rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mocap", action="store_true", help="add the force-plate runners")
    parser.add_argument("--no-synthetic", action="store_true", help="only the force-plate runners")
    parser.add_argument("--noise", type=float, nargs="*", default=[0.0, NOISE_PX])
    args = parser.parse_args(argv)
    out = []
    if not args.no_synthetic:
        for noise in args.noise:
            runs = synthetic_runs(noise)
            name = f"Synthetic runners, {noise:g} px"
            out += [events_table(name, runs), metrics_table(name, runs), findings_table(name, runs)]
            out.append(faults_table(noise))
    if args.mocap:
        from mocap import load_trials

        trials = load_trials(progress=lambda n: log(f"building {n}"))
        for noise in args.noise:
            runs = mocap_runs(noise, trials)
            name = f"Force-plate runners ({len(trials)} trials), {noise:g} px"
            out += [events_table(name, runs), metrics_table(name, runs), findings_table(name, runs)]
    print("\n\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
