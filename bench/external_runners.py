"""runform's events on runners it was never calibrated on: the shipped constants, scored.

:mod:`events_loro` calibrates on six of the seven runners in ``../shared/data`` and scores
the seventh. That says how the engine does on a runner its constants did not see, but all
seven shaped the choices around the constants (which witnesses, which weights). This script
scores the **shipped** constants (the seven's fit, unchanged) on every force-plate runner in
a second folder that has no part in any choice: by default ``<repo>/../external_data``, or
``$RUNFORM_EXTERNAL_DATA``, or ``--data DIR``. The folder holds the same layouts as the
shared data (``fukuchi_*/`` with text or original C3D files, ``hamner2013/subjectNN/``);
a runner that is also in the calibration set is skipped. docs/validation.md lists the
runners it was written with and where they come from.

Conditions are those of :mod:`events_loro` (native rate, the leg alone, 60 Hz + 8 px, and
with ``--all`` 60 Hz and 30 Hz + 8 px), targets likewise, per trial.

Usage::

    python bench/external_runners.py                 # every runner in ../external_data
    python bench/external_runners.py --data DIR --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import events_loro
from _common import REPO_ROOT, format_table
from mocap import Trial, check_rows, load_trials, runners

#: Where the runners that no choice was made on are looked for (``--data`` overrides).
EXTERNAL_DATA = Path(os.environ.get("RUNFORM_EXTERNAL_DATA", REPO_ROOT.parent / "external_data"))

QUICK = ("native", events_loro.LEG_ALONE, "60 Hz + 8 px")

#: A trial whose belt speed, measured from the stance foot, is off the data set's label by
#: more than this fraction did not come through the harness (lab axes not found, markers
#: mislabelled): it is listed, not scored.
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


def load_external(
    data_dir: Path = EXTERNAL_DATA,
    exclude: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> list[Trial]:
    """Every force-plate trial under ``data_dir`` whose runner is not in ``exclude``."""
    if not data_dir.is_dir():
        return []
    return [t for t in load_trials(data_dir, progress=progress) if t.runner not in exclude]


def score_external(
    trials: Sequence[Trial],
    params: dict[str, float] | None = None,
    conditions=None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Each trial scored with ``params`` (default: the engine's shipped constants), in the
    result layout of :func:`events_loro.leave_one_runner_out` (no folds)."""
    conds = conditions or tuple(c for c in events_loro.CONDITIONS if c[0] in QUICK)
    out: dict[str, dict] = {}
    skipped = {t.name: why for t in trials if (why := harness_problem(t))}
    for t in trials:
        if t.name in skipped:
            continue
        if progress:
            progress(f"score {t.name}")
        out[t.name] = {
            "runner": t.runner,
            "dataset": t.dataset,
            "speed": t.speed_label,
            "belt_speed": t.belt_speed,
            "rate_hz": t.rate_hz,
            "n_stances": sum(e["kind"] == "contact" for e in t.events),
            "n_unseen": len(events_loro.unseen_events(t)) // 2,
            "conditions": events_loro.score_trial(t, params or {}, conds),
        }
    return {
        "conditions": [c[0] for c in conds],
        "trials": out,
        "skipped": skipped,
        "targets": events_loro.check_targets(out),
    }


def group_table(result: dict) -> str:
    """Mean (and SD between trials) of the native-rate biases by data set and belt speed."""
    groups: dict[tuple[str, float], list[dict]] = {}
    for r in result["trials"].values():
        groups.setdefault((r["dataset"], r["speed"]), []).append(r["conditions"])
    rows = []
    for (dataset, speed), conds in sorted(groups.items()):
        native = [c["native"] for c in conds]
        leg = [c[events_loro.LEG_ALONE] for c in conds if events_loro.LEG_ALONE in c]

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


def format_external(result: dict, trials: Sequence[Trial]) -> str:
    """Harness checks, pooled and per-trial tables, the timing error by pace and the
    targets, as Markdown."""
    header, rows = check_rows(trials)
    lines = [
        f"{len(trials)} trials of {len(runners(trials))} runners, scored with the shipped "
        "constants (fitted on the seven calibration runners; none of these runners took part "
        "in any choice).",
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
        events_loro.pooled_table(result),
        "",
        "By data set and belt speed (mean of the trials' biases, SD between trials):",
        "",
        group_table(result),
        "",
        "The engine's own timing error by pace (native rate; root mean square and largest "
        "absolute value of the trials' biases):",
        "",
        events_loro.timing_error_table(result),
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
        lines.append(events_loro.per_trial_table(result, cond))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=EXTERNAL_DATA, help="external data folder")
    parser.add_argument("--runners", nargs="*", help="runner ids (default: all)")
    parser.add_argument("--all", action="store_true", help="every condition of events_loro")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    calibration = runners(load_trials())
    trials = load_external(
        args.data, calibration, progress=lambda s: print(f"building {s}", file=sys.stderr)
    )
    if args.runners:
        trials = [t for t in trials if t.runner in args.runners]
    if not trials:
        print(f"No force-plate runner found under {args.data}.", file=sys.stderr)
        return 2
    conds = None if not args.all else events_loro.CONDITIONS
    result = score_external(trials, None, conds, lambda s: print(s, file=sys.stderr))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=float))
    print(format_external(result, trials))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
