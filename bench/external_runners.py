"""runform's events on runners outside the calibration: the shipped constants, scored.

:mod:`events_loro` calibrates on every runner of ``../shared/data`` and
``../external_data`` but one and scores that one, in turn. This script is for runners
beyond those: put them in a folder with the same layouts (``fukuchi_*/`` with text or
original C3D files, ``hamner2013/subjectNN/``) and it scores the **shipped** constants on
them, unchanged, with the same conditions and targets (:mod:`events_protocol`). A runner
already in the calibration is skipped, and so is a trial the harness could not build
(:func:`harness_checks.harness_problem`, listed with its reason).

Session 13 used it on 29 runners before they joined the calibration (docs/decisions.md).

Usage::

    python bench/external_runners.py --data DIR                # native, leg alone, 60 Hz + 8 px
    python bench/external_runners.py --data DIR --all --json out.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import events_loro
import events_protocol
import events_tables
import mocap
from _common import format_table
from harness_checks import check_rows, harness_problem
from mocap import Trial, load_trials, runners

QUICK = ("native", events_protocol.LEG_ALONE, "60 Hz + 8 px")


def load_external(
    data_dir: Path,
    exclude: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> list[Trial]:
    """Every force-plate trial under ``data_dir`` whose runner is not in ``exclude``."""
    if not data_dir.is_dir():
        return []
    only = [r for r in mocap.available_runners(data_dir) if r not in exclude]
    return load_trials(data_dir, only=only, progress=progress) if only else []


def score_external(
    trials: Sequence[Trial],
    params: dict[str, float] | None = None,
    conditions=None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Each trial scored with ``params`` (default: the engine's shipped constants), in the
    result layout of :func:`events_loro.leave_one_runner_out` (no folds)."""
    conds = conditions or tuple(c for c in events_protocol.CONDITIONS if c[0] in QUICK)
    out: dict[str, dict] = {}
    skipped = {t.name: why for t in trials if (why := harness_problem(t))}
    for t in trials:
        if t.name in skipped:
            continue
        if progress:
            progress(f"score {t.name}")
        out[t.name] = events_loro.trial_record(t, params or {}, conds)
    return {
        "conditions": [c[0] for c in conds],
        "trials": out,
        "skipped": skipped,
        "targets": events_tables.check_targets(out),
    }


def format_external(result: dict, trials: Sequence[Trial]) -> str:
    """Harness checks, pooled and per-trial tables, the timing error by pace and the
    targets, as Markdown."""
    header, rows = check_rows(trials)
    lines = [
        f"{len(trials)} trials of {len(runners(trials))} runners, scored with the shipped "
        "constants (none of these runners took part in their calibration).",
        "",
        format_table(header, rows),
        "",
        *(
            [
                "Not scored (the harness could not build them): "
                + "; ".join(f"{k}: {v}" for k, v in result["skipped"].items())
                + ".",
                "",
            ]
            if result.get("skipped")
            else []
        ),
        "Pooled over trials:",
        "",
        events_tables.pooled_table(result),
        "",
        "By data set and belt speed (mean of the trials' biases, SD between trials):",
        "",
        events_tables.dataset_table(result),
        "",
        "The engine's own timing error by pace (native rate; root mean square and largest "
        "absolute value of the trials' biases):",
        "",
        events_tables.timing_error_table(result),
        "",
        "Targets (every runner and speed):",
        "",
    ]
    for t in result["targets"]:
        verdict = "met" if t["met"] else "NOT MET"
        lines.append(
            f"- {t['condition']}: {t['key']} {t['compare']} {t['limit']:g}: worst "
            f"{t['worst_value']:.2f} ({t['worst_trial']}), {t['n_met']}/{t['n']} trials -> "
            f"{verdict}"
        )
    for cond in result["conditions"]:
        lines += ["", f"#### {cond} (worst trial first)", ""]
        lines.append(events_tables.per_trial_table(result, cond))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of the new runners")
    parser.add_argument("--runners", nargs="*", help="runner ids (default: all)")
    parser.add_argument("--all", action="store_true", help="every condition of events_loro")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    calibration = mocap.calibration_runners()
    trials = load_external(
        args.data, calibration, progress=lambda s: print(f"building {s}", file=sys.stderr)
    )
    if args.runners:
        trials = [t for t in trials if t.runner in args.runners]
    if not trials:
        print(f"No force-plate runner found under {args.data}.", file=sys.stderr)
        return 2
    conds = None if not args.all else events_protocol.CONDITIONS
    result = score_external(trials, None, conds, lambda s: print(s, file=sys.stderr))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=float))
    print(format_external(result, trials))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
