"""Does the hip point explain the toe-off gap between the data sets? (issue 9)

Held out, Fukuchi's runners' toe-offs come about 20 ms later than Hamner's against every
kinematic witness, the knee's among them (``docs/validation.md``). The two harnesses build
the hip keypoint differently: Fukuchi's is the greater trochanter carried by the thigh,
Hamner's the model's hip joint centre carried by the pelvis. The knee angle is read from
the hip, knee and ankle points, so a hip point that moves differently could move the
knee's witnesses. This script builds every Fukuchi trial both ways (the joint centre by
Harrington et al. 2007's regression, :func:`fukuchi_data.hip_joint_centres`) and prints,
per trial, the mean signed error (ms) at the native rate, both facings, of the knee's
contact, its peak extension toe-off and its flexion toe-off (each witness alone, no
offset), and of the engine's contact and toe-off with its shipped constants.

Session 15, all 74 Fukuchi trials (27 runners, ``--external``): the joint centre moves the
knee's toe-offs earlier by 1.1 ms (peak extension) and 1.8 ms (flexion) on average, at most
4.1 ms, and the engine's by 0.2 ms (at most 0.9 ms), against a gap of about 20 ms
(``docs/decisions.md``).

Usage::

    python bench/hip_point.py                       # the Fukuchi runners of ../shared/data
    python bench/hip_point.py --external            # and those of ../external_data
    python bench/hip_point.py --runners RBDS001 RBDS012
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import EXTERNAL_DATA, SHARED_DATA, format_table

#: The two ways the hip keypoint is built (``fukuchi_data.FukuchiSpec.build``).
HIPS = ("trochanter", "joint centre")


def witness_errors(trial) -> dict[str, float]:
    """Mean signed errors (ms) of the knee's witnesses alone and of the engine."""
    from event_calibration import FLEXION_ONLY, KNEE_ONLY, mean_errors
    from events_protocol import FACINGS
    from mocap import project

    tracks = [project(trial, None, 0.0, facing) for facing in FACINGS]
    knee = mean_errors(trial, tracks, KNEE_ONLY)
    flexion = mean_errors(trial, tracks, FLEXION_ONLY)
    engine = mean_errors(trial, tracks, {})
    return {
        "knee contact": knee["contact"],
        "knee peak toe-off": knee["toe_off"],
        "knee flexion toe-off": flexion["toe_off"],
        "engine contact": engine["contact"],
        "engine toe-off": engine["toe_off"],
    }


def compare(
    data_dirs: Sequence[Path], runners: Sequence[str] | None = None
) -> list[tuple[str, dict[str, float], dict[str, float]]]:
    """``(trial name, errors with the trochanter, errors with the joint centre)`` for every
    Fukuchi trial with a force plate under ``data_dirs`` (``runners``: only those)."""
    import fukuchi_data
    from harness_checks import harness_problem

    out = []
    seen: set[tuple[str, float]] = set()
    for data_dir in data_dirs:
        for spec in fukuchi_data.trials(data_dir):
            key = (spec.runner, spec.speed_label)
            if (runners and spec.runner not in runners) or key in seen:
                continue
            seen.add(key)
            built = {hip: spec.build(hip=hip) for hip in HIPS}
            if harness_problem(built["trochanter"]):
                continue
            out.append(
                (
                    built["trochanter"].name,
                    witness_errors(built["trochanter"]),
                    witness_errors(built["joint centre"]),
                )
            )
    return out


def format_comparison(rows: Sequence[tuple[str, dict, dict]]) -> str:
    """Per trial, each column as ``trochanter → joint centre``; then the largest move."""
    if not rows:
        return "No Fukuchi trial with a force plate found."
    names = list(rows[0][1])
    table = [[name, *(f"{a[k]:+.1f} → {b[k]:+.1f}" for k in names)] for name, a, b in rows]
    moves = {k: max(abs(b[k] - a[k]) for _, a, b in rows) for k in names}
    table.append(["largest move", *(f"{moves[k]:.1f}" for k in names)])
    return format_table(["trial (ms: trochanter → joint centre)", *names], table)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--external", action="store_true", help="add ../external_data")
    parser.add_argument("--runners", nargs="*", help="only these runners")
    args = parser.parse_args(argv)
    dirs = [SHARED_DATA]
    if args.external and EXTERNAL_DATA.is_dir():
        dirs.append(EXTERNAL_DATA)
    rows = compare(dirs, args.runners)
    print(format_comparison(rows))
    return 0 if rows else 1


if __name__ == "__main__":
    raise SystemExit(main())
