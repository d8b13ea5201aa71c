"""Speed references from seven runners: what runform's own 2-D engine measures, by speed.

Several metrics rise or fall with running speed (thigh angular velocity, swing knee
flexion, heel recovery, thigh extension; Clark 2020, Fukuchi 2017), so the findings judge
them against the runner's pace (:mod:`runform.findings.pace`). This script measures them
the way the product does, on every runner with marker data in ``../shared/data``:

- Fukuchi et al. 2017 (PeerJ 5:e3298, CC BY 4.0): RBDS0041 at 2.5, 3.5 and 4.5 m/s (the
  last two have markers only), RBDS002 at 2.5 and 4.5 m/s;
- Hamner & Delp 2013 (J Biomech 46:780-787; data via Fox 2024, R Soc Open Sci 11:231909):
  subjects 01, 02, 03, 04 and 08 at 2, 3, 4 and 5 m/s.

Each trial is built by the force-plate harness (:mod:`mocap`), drawn as an orthographic side
view facing left at the marker rate without noise (``mocap.project(trial, None, 0.0,
"left")``) and run through ``runform.pipeline.analyze_track``. A trial's value of a metric
is the mean of the two legs' medians. Its speed is the belt speed measured from the stance
foot (``trial.belt_speed``: from the force-plate stances, or from the engine's own stances
where a trial has no force plate), not the speed the data set names.

**By speed** (:mod:`references_by_speed`). Runners were filmed at different speeds
(2.0-5.2 m/s), so each runner's values are interpolated linearly between that runner's own
trials onto a common grid (2.0, 2.5 ... 5.0 m/s), reaching at most
:data:`references_by_speed.REACH_MPS` beyond the runner's fastest or slowest trial. At each
grid speed the table gives the median across runners (each runner once), the interquartile
range and the range. The references are the median at
:data:`references_by_speed.ANCHOR_MPS` carried to the other speeds by the runners' own
changes (:func:`references_by_speed.chained`), made monotone in speed where physiology says
so (:data:`references_by_speed.DIRECTION`; pooled adjacent violators): ``reference_value``
in ``runform.findings.pace`` interpolates them.

**2-D against 3-D** (on by default; ``--no-angles`` to skip): runform's 2-D thigh and knee
angles against 3-D joint angles computed from every runner's markers, and on the seven
runners whose curves are in ``../shared/data`` against the authors' own (:mod:`angle_offsets`).

Nothing here is written to disk: the Hamner data carries no licence, so only numbers and
summary tables are published (``docs/references.md``).

This module measures the trials (:class:`TrialResult`, :func:`measure_trial`, :func:`run`)
and holds the command line; the statistics by speed are in :mod:`references_by_speed`, the
printed tables in :mod:`references_report` (and :mod:`angle_offsets_report`).

Command line::

    python bench/references.py                  # all runners: tables
    python bench/references.py --json           # the same as JSON
    python bench/references.py --only hamner01 RBDS002 --no-angles
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import angle_offsets
import harness_checks
import mocap
import references_by_speed
import references_report
from _common import EXTERNAL_DATA, SHARED_DATA
from runform.keypoints import SIDES


# ----------------------------------------------------------------------------- one trial
@dataclass
class TrialResult:
    """What the engine measured on one trial (values: mean of the legs' medians)."""

    runner: str
    dataset: str
    speed_label: float
    belt_speed: float
    speed_basis: str
    rate_hz: float
    values: dict[str, float] = field(default_factory=dict)
    sides: dict[str, dict[str, float | None]] = field(default_factory=dict)
    steps: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    angles: dict | None = None
    findings: list[dict] = field(default_factory=list)
    doc: dict | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return f"{self.runner} {self.speed_label:g} m/s"

    def to_dict(self) -> dict:
        return _clean(
            {
                "runner": self.runner,
                "dataset": self.dataset,
                "speed_label_mps": self.speed_label,
                "belt_speed_mps": self.belt_speed,
                "speed_basis": self.speed_basis,
                "rate_hz": self.rate_hz,
                "steps": self.steps,
                "values": self.values,
                "sides": self.sides,
                "error": self.error,
                "angles": self.angles,
                "findings": self.findings,
            }
        )


def _side_median(entry: Mapping | None, side: str) -> float | None:
    part = (entry or {}).get(side) or {}
    v = part.get("median")
    return float(v) if v is not None and np.isfinite(v) else None


def reference_track(trial: mocap.Trial):
    """The reference view of a trial: orthographic side view facing left at the marker rate,
    no noise (a ``runform.track.PoseTrack``)."""
    return mocap.project(trial, None, 0.0, "left")


def reference_options(trial: mocap.Trial):
    """The engine's options for the reference view: the belt speed given."""
    from runform.pipeline import AnalysisOptions

    return AnalysisOptions(treadmill_speed_mps=trial.belt_speed)


def finding_rows(findings: Sequence[Mapping]) -> list[dict]:
    """The product's findings, as kept per trial: id, severity (2 decimals) and side."""
    return [
        {"id": f["id"], "severity": round(float(f["severity"]), 2), "side": f.get("side")}
        for f in findings
    ]


def measure_trial(trial: mocap.Trial, angles: bool = True) -> TrialResult:
    """Run the engine on one trial drawn as a side view (clean, marker rate, facing left).

    The analysis document is kept on the result (``result.doc``, not serialised) for
    benchmarks that read more of it (:mod:`findings_agreement`)."""
    from runform.errors import RunformError
    from runform.findings import findings_from_analysis
    from runform.pipeline import analyze_track

    track = reference_track(trial)
    measured = np.isfinite(trial.checks.get("belt_speed_mps", float("nan")))
    result = TrialResult(
        runner=trial.runner,
        dataset=trial.dataset,
        speed_label=trial.speed_label,
        belt_speed=trial.belt_speed,
        speed_basis="force-plate stances" if measured else "label",
        rate_hz=round(trial.rate_hz, 1),
    )
    analysis = None
    try:
        analysis = analyze_track(track, reference_options(trial))
    except RunformError as exc:
        result.error = str(exc)
    if analysis is not None:
        doc = analysis.to_dict()
        result.doc = doc
        # what the product would tell this (healthy) runner
        result.findings = finding_rows(findings_from_analysis(doc))
        if not measured:
            # no force plate: the belt speed from the stance foot over the engine's stances
            speed = harness_checks.belt_speed(trial.time, trial.points, doc["events"])
            if np.isfinite(speed):
                result.belt_speed, result.speed_basis = float(speed), "engine's stances"
        for side in SIDES:
            result.steps[side] = sum(1 for st in analysis.gait.steps if st.side == side)
        for metric in (*references_by_speed.DIRECTION, *references_by_speed.CONTEXT_METRICS):
            entry = doc["metrics"].get(metric)
            if entry is None:
                continue
            if entry.get("per_side"):
                per = {s: _side_median(entry, s) for s in SIDES}
                result.sides[metric] = per
                vals = [v for v in per.values() if v is not None]
            else:
                v = _side_median(entry, "all")
                vals = [] if v is None else [v]
            if vals:
                result.values[metric] = float(np.mean(vals))
    if angles:
        result.angles = angle_offsets.compare_angles(trial, analysis)
    return result


# ----------------------------------------------------------------------------- run
def load(
    only: Sequence[str] | None = None,
    external: Path | None = EXTERNAL_DATA,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[mocap.Trial], dict[str, str]]:
    """The trials measured: every marker trial of ``../shared/data`` (with RBDS0041's two
    trials without a force plate) and, when ``external`` holds any, the same data sets'
    other runners there, less those the harness could not build
    (:func:`harness_checks.harness_problem`, returned as ``{trial name: why}``)."""
    return mocap.load_calibration_trials(external, progress, only=only, with_forces=False)


def run(
    only: Sequence[str] | None = None,
    angles: bool = True,
    progress: Callable[[str], None] | None = None,
    external: Path | None = EXTERNAL_DATA,
) -> dict:
    """Build the trials, measure them and compute the references (a JSON-ready dict).

    The 2-D against 3-D comparison is made on every trial against the 3-D angles computed
    from its markers, and where the authors' 3-D curves are in ``../shared/data`` (the
    seven runners there) against those too."""
    trials, skipped = load(only, external, progress)
    results = [measure_trial(t, angles=angles) for t in trials]
    doc = {
        "attribution": [
            "Fukuchi RK, Fukuchi CA, Duarte M (2017) PeerJ 5:e3298, CC BY 4.0",
            "Hamner SR & Delp SL (2013) J Biomech 46:780-787; data via Fox 2024, R Soc Open "
            "Sci 11:231909 (no licence stated: numbers only, no data)",
        ],
        "method": (
            "orthographic side view facing left at the marker rate, no noise; trial value = "
            "mean of the legs' medians; speed = belt speed measured from the stance foot; "
            "per runner linear in speed between own trials (reach "
            f"{references_by_speed.REACH_MPS} m/s), then "
            "median across runners per speed; references = those medians made monotone"
        ),
        "trials": [r.to_dict() for r in results],
        "left_out": skipped,
        "references": _clean(
            references_by_speed.references([r for r in results if r.error is None])
        ),
    }
    doc["deviations"] = _clean(references_by_speed.deviations(doc))
    if angles:
        doc["offsets_by_runner"] = _clean(angle_offsets.offsets_by_runner(doc))
        doc["offset_summary"] = _clean(angle_offsets.offset_summary(doc))
    return doc


def _clean(obj):
    """NaN -> None and numpy scalars -> float, recursively (JSON-ready)."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", help="runner ids (RBDS0041, RBDS002, hamner01...)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--no-angles", action="store_true", help="skip the 2-D against 3-D angle comparison"
    )
    parser.add_argument(
        "--shared-only",
        action="store_true",
        help=f"only the seven runners of {SHARED_DATA}, not those of {EXTERNAL_DATA}",
    )
    args = parser.parse_args(argv)
    doc = run(
        only=args.only,
        angles=not args.no_angles,
        progress=lambda s: print(f"building {s}", file=sys.stderr),
        external=None if args.shared_only else EXTERNAL_DATA,
    )
    if not doc["trials"]:
        print(f"No trial data found under {SHARED_DATA}.", file=sys.stderr)
        return 2
    print(
        json.dumps(doc, indent=1, ensure_ascii=False)
        if args.json
        else references_report.format_report(doc)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
