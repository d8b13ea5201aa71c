"""Leave-one-runner-out validation of runform's contact and toe-off timing.

Every trial of :mod:`mocap` (the seven runners of ``../shared/data`` and, when present, the
same data sets' other runners in ``../external_data``: 36 runners at 2-5 m/s with
force-plate truth) is projected
to a side view and run through runform's event engine (the same cleaning and detector as
``runform analyze``). The detector's calibrated constants
(:data:`event_calibration.CALIBRATED`) are fitted on all runners but one and that one is
scored with them, for each runner in turn, so no runner is scored with a constant it helped
to choose.

Conditions: the native marker rate (100-150 Hz, clean), 60 Hz clean, 60 Hz with 8 px of
pixel noise, and 30 Hz with 8 px; both facings; the resampled ones at three frame phases
(and noise seeds). Also the native rate with the toe-off timed by the leg alone (the foot's
pitch left out, :data:`events_protocol.LEG_ALONE`): what a clip gets whose foot points do
not show the push-off, and the figure the product states for it. Targets (issue 9) hold **for every runner and every speed**:

- native: contact and toe-off MAE <= 10 ms, |bias| <= 6 ms, contact-time |bias| <= 10 ms,
  cadence within 0.5 %;
- 60 Hz + 8 px: contact and toe-off MAE <= 15 ms, >= 97 % of contacts found, <= 3 % extra.

Command line::

    python bench/events_loro.py                 # calibrate per fold, print every table
    python bench/events_loro.py --json out.json
    python bench/events_loro.py --runners RBDS0041 hamner01 hamner02   # a subset
    python bench/events_loro.py --shared-only   # the seven runners of ../shared/data

This module holds the leave-one-runner-out loop (:func:`leave_one_runner_out`, each trial
scored under every condition by :func:`score_trial` and :func:`trial_record`) and the
command line. The conditions, the targets and the scoring of one engine run are in
:mod:`events_protocol`, the grid and the fitting of the constants in
:mod:`event_calibration`, the target checks and the printed tables in :mod:`events_tables`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from event_calibration import CALIBRATED, calibrate, grid_errors
from events_protocol import CONDITIONS, FACINGS, LEG_ALONE, run_engine, score, unseen_events
from events_tables import check_targets, format_result
from mocap import Trial, bench_trials, project, runners


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

    trials = bench_trials(args.shared_only, args.runners)
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
