"""How large a contact-time asymmetry must be before runform says so (two clips, one per side).

A synthetic runner whose right foot stands ``factor`` times as long as its left is filmed
from each side (the far leg pulled and noisier as a camera sees it,
:func:`runform.synthetic.occlude_far_leg`), each clip analysed, the two merged
(:func:`runform.compare.sides.merge_sides`) and the findings made, as
``runform analyze LEFT_VIEW RIGHT_VIEW`` does. For each frame rate and factor it prints the
true and read symmetry index of contact time, the difference with its stated error,
whether the difference is called real and which metrics the asymmetry finding names.
The known answer is the generator's; the table in ``docs/both-sides.md`` comes from here.

Usage::

    python bench/asymmetry_sensitivity.py                    # 240, 120, 60 and 30 fps
    python bench/asymmetry_sensitivity.py --fps 120 --factors 1.0 1.2
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table
from runform.compare.sides import merge_sides
from runform.findings import findings_from_analysis
from runform.metrics.summary import symmetry_index
from runform.pipeline import AnalysisOptions, analyze_track
from runform.synthetic import Asymmetry, RunnerSpec, occlude_far_leg, synthetic_runner

#: The runner: a little more bounce and a shorter stance than the default, so that a right
#: contact up to 1.3x the left still leaves a flight phase and a reachable foot.
BASE = RunnerSpec(duty_factor=0.32, vertical_oscillation_m=0.10)
FACTORS = (1.0, 1.05, 1.1, 1.15, 1.2, 1.3)
RATES = (240.0, 120.0, 60.0, 30.0)
#: Seeds of the clip filmed from the left and from the right.
SEEDS = {"left": 3, "right": 4}


def _analysed_clip(spec: RunnerSpec, side: str, fps: float) -> tuple[dict, dict]:
    run = synthetic_runner(
        replace(spec, facing=side),
        fps=fps,
        duration_s=10,
        seed=SEEDS[side],
        noise_px=1.5,
        dropout_frac=0.02,
    )
    far = "left" if side == "right" else "right"
    track = occlude_far_leg(run.track, far, SEEDS[side])
    doc = analyze_track(track, AnalysisOptions(treadmill_speed_mps=spec.speed_mps)).to_dict()
    doc["findings"] = findings_from_analysis(doc)
    return doc, run.truth


def measure(factor: float, fps: float) -> dict:
    """One runner with a right contact ``factor`` times its left, filmed from both sides at
    ``fps``: the true and read contact times and what the two-clip analysis says."""
    spec = replace(BASE, asymmetry=Asymmetry(contact_time=factor))
    left_view, truth = _analysed_clip(spec, "left", fps)
    right_view, _ = _analysed_clip(spec, "right", fps)
    both = merge_sides(left_view, right_view, names=("left.mp4", "right.mp4"))
    row = both["sides"]["symmetry"]["contact_time_ms"]
    true = truth["contact_time_ms_by_side"]
    named = sorted(
        {e["metric"] for f in both["findings"] if f["id"] == "asymmetry" for e in f["evidence"]}
    )
    return {
        "fps": fps,
        "factor": factor,
        "true_ms": (true["left"], true["right"]),
        "true_index_pct": symmetry_index(true["left"], true["right"]),
        "read_ms": (row["left"], row["right"]),
        "read_index_pct": row["symmetry_pct"],
        "difference_ms": row["difference"],
        "stated_error_ms": row["measurement_error"],
        "real": bool(row["real"]),
        "named": named,
    }


def format_rows(results: Sequence[dict]) -> str:
    header = [
        "fps",
        "right / left",
        "true L / R ms",
        "read L / R ms",
        "index true / read %",
        "R − L read (true) ms",
        "stated error ms",
        "real",
        "the finding names",
    ]
    rows = [
        [
            f"{r['fps']:g}",
            f"{r['factor']:.2f}",
            f"{r['true_ms'][0]:.0f} / {r['true_ms'][1]:.0f}",
            f"{r['read_ms'][0]:.0f} / {r['read_ms'][1]:.0f}",
            f"{r['true_index_pct']:.1f} / {r['read_index_pct']:.1f}",
            f"{r['difference_ms']:+.1f} ({r['true_ms'][1] - r['true_ms'][0]:+.1f})",
            f"{r['stated_error_ms']:.0f}",
            "yes" if r["real"] else "no",
            ", ".join(r["named"]) or "nothing",
        ]
        for r in results
    ]
    return format_table(header, rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fps", type=float, nargs="+", default=list(RATES))
    parser.add_argument("--factors", type=float, nargs="+", default=list(FACTORS))
    args = parser.parse_args(argv)
    results = [measure(k, fps) for fps in args.fps for k in args.factors]
    print(format_rows(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
