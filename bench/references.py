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

**By speed.** Runners were filmed at different speeds (2.0-5.2 m/s), so each runner's values
are interpolated linearly between that runner's own trials onto a common grid (2.0, 2.5 ...
5.0 m/s), reaching at most :data:`REACH_MPS` beyond the runner's fastest or slowest trial.
At each grid speed the table gives the median across runners (each runner once), the
interquartile range and the range. The references are the median at :data:`ANCHOR_MPS`
carried to the other speeds by the runners' own changes (:func:`chained`), made monotone in
speed where physiology says so (:data:`DIRECTION`; pooled adjacent violators):
``reference_value`` in ``runform.findings.pace`` interpolates them.

**2-D against 3-D** (on by default; ``--no-angles`` to skip): runform's 2-D thigh and knee
angles against 3-D joint angles computed from every runner's markers, and on the seven
runners whose curves are in ``../shared/data`` against the authors' own (:mod:`angle_offsets`).

Nothing here is written to disk: the Hamner data carries no licence, so only numbers and
summary tables are published (``docs/references.md``).

Command line::

    python bench/references.py                  # all runners: tables
    python bench/references.py --json           # the same as JSON
    python bench/references.py --only hamner01 RBDS002 --no-angles
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import angle_offsets
import harness_checks
import mocap
from _common import EXTERNAL_DATA, SHARED_DATA, format_table
from runform.keypoints import SIDES

#: Metrics whose reference follows the speed, with the direction physiology gives them:
#: +1 rises with speed, -1 falls (drive: Clark 2020; swing knee flexion and heel recovery:
#: Fukuchi 2017; thigh extension: hip extension grows with speed, Fukuchi 2017; touchdown
#: distance: stride length grows with speed and the foot lands further ahead).
DIRECTION: dict[str, int] = {
    "drive_peak_deg_s": +1,
    "drive_mean_deg_s": +1,
    "knee_flexion_swing_peak_deg": +1,
    "heel_recovery_ratio": -1,
    "thigh_extension_deg": +1,
    "touchdown_distance_pct": +1,
}
#: Other metrics reported by speed for context (no reference is fitted for them).
CONTEXT_METRICS: tuple[str, ...] = (
    "cadence_spm",
    "thigh_flexion_contact_deg",
    "thigh_flexion_swing_peak_deg",
    "hip_extension_trunk_deg",
    "knee_flexion_contact_deg",
    "knee_flexion_stance_peak_deg",
    "vertical_oscillation_pct",
)
#: Grid of speeds (m/s) the references are given at.
SPEED_GRID: tuple[float, ...] = (2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0)
#: The speed a catalogue band describes (``runform.findings.pace``): the references are
#: anchored there, at the median across runners.
ANCHOR_MPS = 3.0
#: How the findings move each band with the pace (``runform.findings.specs``): drive bands
#: are scaled by the ratio of the references, the others shifted by their difference.
PACE_MODE: dict[str, str] = {"drive_peak_deg_s": "scale", "drive_mean_deg_s": "scale"}
#: How far (m/s) beyond its own slowest or fastest trial a runner is extended.
REACH_MPS = 0.2
#: Decimals kept in the reference tables, per metric.
DECIMALS: dict[str, int] = {"heel_recovery_ratio": 3}


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


def measure_trial(trial: mocap.Trial, angles: bool = True) -> TrialResult:
    """Run the engine on one trial drawn as a side view (clean, marker rate, facing left)."""
    from runform.errors import RunformError
    from runform.findings import findings_from_analysis
    from runform.pipeline import AnalysisOptions, analyze_track

    track = mocap.project(trial, None, 0.0, "left")
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
        analysis = analyze_track(track, AnalysisOptions(treadmill_speed_mps=trial.belt_speed))
    except RunformError as exc:
        result.error = str(exc)
    if analysis is not None:
        doc = analysis.to_dict()
        # what the product would tell this (healthy) runner
        result.findings = [
            {"id": f["id"], "severity": round(float(f["severity"]), 2), "side": f.get("side")}
            for f in findings_from_analysis(doc)
        ]
        if not measured:
            # no force plate: the belt speed from the stance foot over the engine's stances
            speed = harness_checks.belt_speed(trial.time, trial.points, doc["events"])
            if np.isfinite(speed):
                result.belt_speed, result.speed_basis = float(speed), "engine's stances"
        for side in SIDES:
            result.steps[side] = sum(1 for st in analysis.gait.steps if st.side == side)
        for metric in (*DIRECTION, *CONTEXT_METRICS):
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


# ----------------------------------------------------------------------------- by speed
def runner_curve(points: Sequence[tuple[float, float]], speed: float) -> float | None:
    """A runner's value at ``speed``: linear between the runner's own trials, extended with
    the end segment at most :data:`REACH_MPS` beyond them (``None`` farther out).

    >>> runner_curve([(2.0, 10.0), (3.0, 20.0)], 2.5), runner_curve([(2.0, 10.0)], 2.1)
    (15.0, 10.0)
    >>> runner_curve([(2.0, 10.0), (3.0, 20.0)], 3.5) is None
    True
    """
    pts = sorted(p for p in points if p[1] is not None and np.isfinite(p[1]))
    if not pts:
        return None
    speeds = np.array([p[0] for p in pts])
    values = np.array([p[1] for p in pts])
    if speed < speeds[0] - REACH_MPS - 1e-9 or speed > speeds[-1] + REACH_MPS + 1e-9:
        return None
    if len(pts) == 1:
        return float(values[0])
    if speed <= speeds[0]:
        i = 0
    elif speed >= speeds[-1]:
        i = len(pts) - 2
    else:
        i = int(np.searchsorted(speeds, speed)) - 1
    w = (speed - speeds[i]) / (speeds[i + 1] - speeds[i])
    return float(values[i] + w * (values[i + 1] - values[i]))


def by_speed(
    results: Iterable[TrialResult], metric: str, grid: Sequence[float] = SPEED_GRID
) -> list[dict]:
    """Per grid speed: each runner's interpolated value, and their median, IQR and range."""
    per_runner: dict[str, list[tuple[float, float]]] = {}
    for r in results:
        if metric in r.values:
            per_runner.setdefault(r.runner, []).append((r.belt_speed, r.values[metric]))
    rows = []
    for speed in grid:
        vals = {
            runner: v
            for runner, pts in per_runner.items()
            if (v := runner_curve(pts, speed)) is not None
        }
        row: dict = {"speed_mps": speed, "n": len(vals), "runners": vals}
        if vals:
            a = np.array(list(vals.values()))
            row.update(
                median=float(np.median(a)),
                q25=float(np.percentile(a, 25)),
                q75=float(np.percentile(a, 75)),
                min=float(a.min()),
                max=float(a.max()),
            )
        rows.append(row)
    return rows


def monotone(values: Sequence[float], weights: Sequence[float], direction: int) -> list[float]:
    """Pool adjacent violators: the weighted least-squares fit to ``values`` that never
    falls (``direction`` +1) or never rises (-1) along the sequence.

    >>> monotone([1.0, 3.0, 2.0, 4.0], [1, 1, 1, 1], +1)
    [1.0, 2.5, 2.5, 4.0]
    """
    sign = 1.0 if direction >= 0 else -1.0
    blocks: list[list[float]] = []  # [value, weight, count]
    for v, w in zip(values, weights, strict=True):
        blocks.append([sign * float(v), float(w), 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    out: list[float] = []
    for v, _, c in blocks:
        out.extend([sign * v] * int(c))
    return out


def line_fit(results: Iterable[TrialResult], metric: str) -> dict:
    """Least-squares line through every trial (value against belt speed), and each runner's
    own slope (how consistently the metric moves with speed within a runner)."""
    pts = [(r.belt_speed, r.values[metric], r.runner) for r in results if metric in r.values]
    out: dict = {"n_trials": len(pts)}
    if len(pts) >= 3:
        x = np.array([p[0] for p in pts])
        y = np.array([p[1] for p in pts])
        slope, intercept = np.polyfit(x, y, 1)
        resid = y - (intercept + slope * x)
        out.update(
            slope_per_mps=float(slope),
            intercept=float(intercept),
            r2=float(1.0 - resid.var() / y.var()) if y.var() > 0 else float("nan"),
            residual_sd=float(resid.std(ddof=2)) if len(pts) > 2 else float("nan"),
        )
    slopes = {}
    for runner in mocap.runners(_Named(p[2]) for p in pts):
        own = [(p[0], p[1]) for p in pts if p[2] == runner]
        if len(own) >= 2:
            x = np.array([p[0] for p in own])
            y = np.array([p[1] for p in own])
            slopes[runner] = float(np.polyfit(x, y, 1)[0])
    out["runner_slopes"] = slopes
    return out


@dataclass
class _Named:
    runner: str


def chained(
    rows: Sequence[dict], mode: str = "shift", anchor: float = ANCHOR_MPS
) -> list[tuple[float, float, int]]:
    """The reference by speed from the runners' own changes between neighbouring speeds.

    ``rows`` are :func:`by_speed`'s rows (each with ``runners``: every runner's value at
    that speed). The reference at ``anchor`` is the median across runners there; from it,
    each step to the next speed out adds the median of the changes of the runners measured
    at both speeds (``mode`` "shift": differences; "scale": ratios). A median across
    runners at each speed instead compares different people where runners drop out (only
    some runners reach 2 or 5 m/s), and can fall between two speeds where every runner
    rises. Returns ``[(speed, value, runners in the step)]`` for the speeds reached.

    >>> rows = [
    ...     {"speed_mps": 2.0, "runners": {"a": 10.0}},
    ...     {"speed_mps": 3.0, "runners": {"a": 12.0, "b": 20.0}},
    ...     {"speed_mps": 4.0, "runners": {"b": 23.0}},
    ... ]
    >>> chained(rows)
    [(2.0, 14.0, 1), (3.0, 16.0, 2), (4.0, 19.0, 1)]
    """
    speeds = [r["speed_mps"] for r in rows]
    if anchor not in speeds:
        return []
    i0 = speeds.index(anchor)
    at0 = rows[i0]["runners"]
    if not at0:
        return []
    out = {anchor: (float(np.median(list(at0.values()))), len(at0))}
    for step in (+1, -1):
        i = i0
        while 0 <= i + step < len(rows):
            a, b = rows[i]["runners"], rows[i + step]["runners"]
            both = [r for r in a if r in b]
            if not both:
                break
            prev = out[speeds[i]][0]
            if mode == "scale":
                value = prev * float(np.median([b[r] / a[r] for r in both]))
            else:
                value = prev + float(np.median([b[r] - a[r] for r in both]))
            out[speeds[i + step]] = (value, len(both))
            i += step
    return [(s, *out[s]) for s in speeds if s in out]


def references(results: Sequence[TrialResult]) -> dict:
    """Per metric: the by-speed table, the references (:func:`chained`, made monotone where
    :data:`DIRECTION` says) and the line fit."""
    out: dict = {}
    for metric, direction in DIRECTION.items():
        rows = by_speed(results, metric)
        steps = chained(rows, PACE_MODE.get(metric, "shift"))
        ref = []
        if steps:
            smooth = monotone([v for _, v, _ in steps], [n for _, _, n in steps], direction)
            digits = DECIMALS.get(metric, 1)
            ref = [(s, round(v, digits)) for (s, _, _), v in zip(steps, smooth, strict=True)]
        out[metric] = {
            "direction": direction,
            "by_speed": rows,
            "reference": ref,
            "line": line_fit(results, metric),
        }
    for metric in CONTEXT_METRICS:
        out[metric] = {"by_speed": by_speed(results, metric), "line": line_fit(results, metric)}
    return out


# ----------------------------------------------------------------------------- run + print
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
            f"per runner linear in speed between own trials (reach {REACH_MPS} m/s), then "
            "median across runners per speed; references = those medians made monotone"
        ),
        "trials": [r.to_dict() for r in results],
        "left_out": skipped,
        "references": _clean(references([r for r in results if r.error is None])),
    }
    doc["deviations"] = _clean(deviations(doc))
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


SHORT = {
    "drive_peak_deg_s": "drive peak °/s",
    "drive_mean_deg_s": "drive mean °/s",
    "knee_flexion_swing_peak_deg": "knee swing peak °",
    "heel_recovery_ratio": "heel recovery × leg",
    "thigh_extension_deg": "thigh extension °",
    "cadence_spm": "cadence steps/min",
    "thigh_flexion_contact_deg": "thigh at contact °",
    "thigh_flexion_swing_peak_deg": "thigh swing peak °",
    "hip_extension_trunk_deg": "hip ext. (trunk) °",
    "knee_flexion_contact_deg": "knee at contact °",
    "knee_flexion_stance_peak_deg": "knee stance peak °",
    "touchdown_distance_pct": "touchdown % leg",
    "vertical_oscillation_pct": "bounce % leg",
}


def _num(v: float | None, metric: str = "") -> str:
    if v is None:
        return "–"
    if metric == "heel_recovery_ratio" or abs(v) < 3:
        return f"{v:.2f}"
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.1f}"


def format_report(doc: dict) -> str:
    """The tables as text (Markdown pipes)."""
    parts = []
    metrics = list(DIRECTION)
    header = ["trial", "belt m/s", "speed from", "steps L/R", *[SHORT[m] for m in metrics], "note"]
    rows = []
    for t in doc["trials"]:
        rows.append(
            [
                f"{t['runner']} {t['speed_label_mps']:g} m/s",
                f"{t['belt_speed_mps']:.2f}",
                t["speed_basis"],
                f"{t['steps'].get('left', 0)}/{t['steps'].get('right', 0)}" if t["steps"] else "–",
                *[_num(t["values"].get(m), m) for m in metrics],
                (t["error"] or "")[:90],
            ]
        )
    parts.append("## Per trial (mean of the two legs' medians)\n\n" + format_table(header, rows))
    refs = doc["references"]
    for metric in (*metrics, *CONTEXT_METRICS):
        entry = refs.get(metric)
        if not entry:
            continue
        rows = []
        ref = dict(entry.get("reference") or [])
        for r in entry["by_speed"]:
            if not r["n"]:
                continue
            rows.append(
                [
                    f"{r['speed_mps']:.1f}",
                    r["n"],
                    _num(r["median"], metric),
                    f"{_num(r['q25'], metric)}–{_num(r['q75'], metric)}",
                    f"{_num(r['min'], metric)}–{_num(r['max'], metric)}",
                    _num(ref.get(r["speed_mps"]), metric) if ref else "",
                ]
            )
        line = entry["line"]
        slopes = line.get("runner_slopes") or {}
        rising = sum(1 for s in slopes.values() if s > 0)
        fit = (
            f"line over {line['n_trials']} trials: {_num(line.get('intercept'), metric)} + "
            f"{line.get('slope_per_mps', float('nan')):.3g}/(m/s) × speed, R² "
            f"{line.get('r2', float('nan')):.2f}, residual SD "
            f"{line.get('residual_sd', float('nan')):.3g}; runners' own slopes rise in "
            f"{rising} of {len(slopes)}"
            if "slope_per_mps" in line
            else ""
        )
        parts.append(
            f"## {SHORT[metric]} by speed\n\n"
            + format_table(
                ["m/s", "runners", "median", "IQR", "range", "reference" if ref else ""], rows
            )
            + (f"\n\n{fit}" if fit else "")
        )
    angles_part = angle_offsets.format_angles(doc)
    if angles_part:
        parts.append(angles_part)
    parts.append(format_deviations(doc))
    parts.append(format_findings(doc))
    parts.append("## pace.py tables\n\n```python\n" + python_tables(doc) + "\n```")
    return "\n\n".join(parts)


def interpolate(points: Sequence[Sequence[float]], speed: float) -> float:
    """Linear in speed through ``points`` [(speed, value)], extended with the end segments
    (as ``runform.findings.pace.reference_value``)."""
    s = np.array([p[0] for p in points], float)
    y = np.array([p[1] for p in points], float)
    if speed <= s[0]:
        i = 0
    elif speed >= s[-1]:
        i = len(s) - 2
    else:
        i = int(np.searchsorted(s, speed)) - 1
    w = (speed - s[i]) / (s[i + 1] - s[i])
    return float(y[i] + w * (y[i + 1] - y[i]))


def deviations(doc: dict, reference_speed: float = 3.0) -> dict[str, dict]:
    """How far each trial lies from its own speed's reference, in the way the findings move
    the band (ratio for scaled bands, difference for shifted ones), and the band at
    ``reference_speed`` that covers every trial: the reference there with the wider of the
    widest deviation and 2 SD of the deviations on either side."""
    out = {}
    for metric in DIRECTION:
        pts = doc["references"][metric]["reference"]
        if len(pts) < 2:
            continue
        mode = PACE_MODE.get(metric, "shift")
        devs = []
        for t in doc["trials"]:
            if metric not in t["values"]:
                continue
            ref = interpolate(pts, t["belt_speed_mps"])
            x = t["values"][metric]
            devs.append(x / ref if mode == "scale" else x - ref)
        d = np.array(devs)
        centre = 1.0 if mode == "scale" else 0.0
        sd = float(d.std(ddof=1))
        lo = min(float(d.min()), centre - 2 * sd)
        hi = max(float(d.max()), centre + 2 * sd)
        r0 = interpolate(pts, reference_speed)
        band = (r0 * lo, r0 * hi) if mode == "scale" else (r0 + lo, r0 + hi)
        out[metric] = {
            "mode": mode,
            "n_trials": len(devs),
            "min": float(d.min()),
            "max": float(d.max()),
            "sd": sd,
            "reference_at": r0,
            "band_at_reference_speed": band,
        }
    return out


def format_deviations(doc: dict) -> str:
    rows = []
    for metric, d in deviations(doc).items():
        unit = "x" if d["mode"] == "scale" else ""
        rows.append(
            [
                SHORT[metric],
                d["mode"],
                d["n_trials"],
                f"{d['min']:.3g}{unit} to {d['max']:.3g}{unit}",
                f"{d['sd']:.3g}",
                _num(d["reference_at"], metric),
                f"{_num(d['band_at_reference_speed'][0], metric)}–"
                f"{_num(d['band_at_reference_speed'][1], metric)}",
            ]
        )
    return "## Trials against their speed's reference\n\n" + format_table(
        [
            "metric",
            "band moved by",
            "trials",
            "deviation range",
            "SD",
            "reference at 3 m/s",
            "covering band at 3 m/s",
        ],
        rows,
    )


def format_findings(doc: dict) -> str:
    """What the product tells these runners: each finding, the trials and runners that get
    it and its severities. They are healthy runners filmed in a clean side view, so a
    finding here must be one a coach would agree they stand out on among their peers."""
    trials = [t for t in doc["trials"] if t["error"] is None]
    by_id: dict[str, list[tuple[str, float]]] = {}
    for t in trials:
        for f in t.get("findings") or []:
            by_id.setdefault(f["id"], []).append(
                (f"{t['runner']} {t['speed_label_mps']:g}", f["severity"])
            )
    clean = sum(1 for t in trials if not t.get("findings"))
    rows = [
        [
            fid,
            len(hits),
            len({h[0].split()[0] for h in hits}),
            f"{min(h[1] for h in hits):.2f}–{max(h[1] for h in hits):.2f}",
            ", ".join(f"{name} ({sev:.2f})" for name, sev in sorted(hits, key=lambda h: -h[1])),
        ]
        for fid, hits in sorted(by_id.items(), key=lambda kv: -len(kv[1]))
    ]
    head = (
        f"## Findings on these runners\n\n{clean} of {len(trials)} trials get no finding "
        "(clean side view at the marker rate, belt speed given)."
    )
    if not rows:
        return head
    return (
        head
        + "\n\n"
        + format_table(["finding", "trials", "runners", "severity", "trials (severity)"], rows)
    )


def python_tables(doc: dict) -> str:
    """``SPEED_REFERENCE`` and ``SPEED_SPREAD`` as Python literals for ``findings/pace.py``
    (formatted as the project's formatter leaves them)."""
    refs = doc["references"]
    lines = ["SPEED_REFERENCE: dict[str, tuple[tuple[float, float], ...]] = {"]
    for metric in DIRECTION:
        lines.append(f'    "{metric}": (')
        for s, v in refs[metric]["reference"]:
            lines.append(f"        ({float(s)!r}, {float(v)!r}),")
        lines.append("    ),")
    lines.append("}")
    lines.append(
        "SPEED_SPREAD: dict[str, tuple[tuple[float, int, float, float, float, float], ...]] = {"
    )
    for metric in DIRECTION:
        d = DECIMALS.get(metric, 1)
        lines.append(f'    "{metric}": (')
        for r in refs[metric]["by_speed"]:
            if r["n"]:
                q = ", ".join(repr(float(round(r[k], d))) for k in ("q25", "q75", "min", "max"))
                lines.append(f"        ({float(r['speed_mps'])!r}, {r['n']}, {q}),")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines)


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
    print(json.dumps(doc, indent=1, ensure_ascii=False) if args.json else format_report(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
