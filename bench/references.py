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
interquartile range and the range. The references are those medians, made monotone in speed
where physiology says so (:data:`DIRECTION`; pooled adjacent violators): ``reference_value``
in ``runform.findings.pace`` interpolates them.

**2-D against 3-D** (``--angles``, on by default): the 2-D thigh angle (hip->knee against
vertical, :func:`runform.metrics.angles.frame_angles`) and knee angle against the authors'
3-D joint angles: Hamner's OpenSim inverse kinematics (``ik/Run_N.mot``: ``hip_flexion``,
``knee_angle``, ``pelvis_tilt``) and Fukuchi's processed gait-cycle mean curves
(``RBDSxxxprocessed.txt``: ``RhipAngZ25``...). Both are compared as gait-cycle mean curves
over the same strides (force-plate contacts where the trial has them, else the engine's),
at peak extension and peak flexion of the hip, and at contact, stance peak and swing peak of
the knee. The pelvis's sagittal tilt (the ASIS-PSIS line from the markers; Hamner's model
``pelvis_tilt`` too) explains the hip offset: thigh angle ~= hip angle - anterior pelvic tilt.

Nothing here is written to disk: the Hamner data carries no licence, so only numbers and
summary tables are published (``docs/references.md``).

Command line::

    python bench/references.py                  # all runners: tables
    python bench/references.py --json           # the same as JSON
    python bench/references.py --only hamner01 RBDS002 --no-angles
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mocap
from _common import SHARED_DATA, format_table

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
)
#: Grid of speeds (m/s) the references are given at.
SPEED_GRID: tuple[float, ...] = (2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0)
#: How far (m/s) beyond its own slowest or fastest trial a runner is extended.
REACH_MPS = 0.2
#: Decimals kept in the reference tables, per metric.
DECIMALS: dict[str, int] = {"heel_recovery_ratio": 3}

SIDES = ("left", "right")


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
            }
        )


def _side_median(entry: Mapping | None, side: str) -> float | None:
    part = (entry or {}).get(side) or {}
    v = part.get("median")
    return float(v) if v is not None and np.isfinite(v) else None


def measure_trial(trial: mocap.Trial, angles: bool = True) -> TrialResult:
    """Run the engine on one trial drawn as a side view (clean, marker rate, facing left)."""
    from runform.errors import RunformError
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
        if not measured:
            # no force plate: the belt speed from the stance foot over the engine's stances
            speed = mocap.belt_speed(trial.time, trial.points, doc["events"])
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
        result.angles = compare_angles(trial, analysis)
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


def references(results: Sequence[TrialResult]) -> dict:
    """Per metric: the by-speed table, the monotone references and the line fit."""
    out: dict = {}
    for metric, direction in DIRECTION.items():
        rows = by_speed(results, metric)
        have = [r for r in rows if r["n"] > 0]
        ref = []
        if have:
            smooth = monotone([r["median"] for r in have], [r["n"] for r in have], direction)
            digits = DECIMALS.get(metric, 1)
            ref = [(r["speed_mps"], round(v, digits)) for r, v in zip(have, smooth, strict=True)]
        out[metric] = {
            "direction": direction,
            "by_speed": rows,
            "reference": ref,
            "line": line_fit(results, metric),
        }
    for metric in CONTEXT_METRICS:
        out[metric] = {"by_speed": by_speed(results, metric), "line": line_fit(results, metric)}
    return out


# ----------------------------------------------------------------------------- 2-D vs 3-D
#: Fukuchi processed-file column tag of each trial speed label.
FUKUCHI_TAG = {2.5: "25", 3.5: "35", 4.5: "45"}


def _fukuchi_folder(runner: str) -> Path:
    return SHARED_DATA / ("fukuchi_rbds0041" if runner == "RBDS0041" else "fukuchi_rbds002")


def _strides(trial: mocap.Trial, analysis_events: list[dict] | None, side: str) -> list:
    """(contact, next contact) pairs of one foot: force-plate contacts when the trial has
    them, else the engine's; strides far from the median duration are dropped."""
    events = trial.events or analysis_events or []
    contacts = sorted(e["time_s"] for e in events if e["side"] == side and e["kind"] == "contact")
    pairs = list(itertools.pairwise(contacts))
    if not pairs:
        return []
    dur = np.median([b - a for a, b in pairs])
    return [(a, b) for a, b in pairs if 0.7 * dur <= b - a <= 1.3 * dur]


def cycle_mean(
    time: np.ndarray, series: np.ndarray, strides: Sequence[tuple[float, float]], n: int = 101
) -> np.ndarray | None:
    """Mean over strides of ``series`` resampled on 0-100 % of each stride (NaN-free ones)."""
    pct = np.linspace(0.0, 1.0, n)
    curves = []
    for a, b in strides:
        sel = (time >= a - 0.05) & (time <= b + 0.05)
        if sel.sum() < 10 or not np.isfinite(series[sel]).all():
            continue
        curves.append(np.interp(a + pct * (b - a), time[sel], series[sel]))
    return np.mean(curves, axis=0) if curves else None


def pelvis_tilt_series(trial: mocap.Trial) -> np.ndarray | None:
    """Anterior tilt (deg, + = ASIS below PSIS) of the ASIS-PSIS line in the sagittal plane,
    per marker frame, from the running trial's own pelvis markers."""
    if trial.dataset == "fukuchi":
        import fukuchi
        import fukuchi_data

        spec = next(
            (
                s
                for s in fukuchi_data.trials(SHARED_DATA, with_forces=False)
                if s.runner == trial.runner and s.speed_label == trial.speed_label
            ),
            None,
        )
        if spec is None:
            return None
        _, markers = fukuchi.load_markers(spec.folder / spec.markers)
        front, back = ("R.ASIS", "L.ASIS"), ("R.PSIS", "L.PSIS")
        feet = ("R.Heel.Bottom", "L.Heel.Bottom")
    else:
        import hamner_data

        folder = SHARED_DATA / "hamner2013" / f"subject{trial.runner.removeprefix('hamner')}"
        _, markers = hamner_data._trc_markers(
            folder / "expData" / f"Run_{int(trial.speed_label)}.trc"
        )
        front, back, feet = ("RASI", "LASI"), ("RPSI", "LPSI"), ("RCAL", "LCAL")
    if not all(m in markers for m in (*front, *back)):
        return None
    axes = mocap.lab_axes(markers, front, back, [f for f in feet if f in markers])
    f = np.nanmean(np.stack([markers[m] for m in front]), axis=0) @ axes.T
    b = np.nanmean(np.stack([markers[m] for m in back]), axis=0) @ axes.T
    d = f - b
    return np.degrees(np.arctan2(-d[:, 1], d[:, 0]))


def _reference_3d(trial: mocap.Trial, side: str) -> dict[str, np.ndarray] | None:
    """The authors' 3-D hip flexion and knee flexion (deg) for one leg of a trial: per
    frame (Hamner, on the marker clock) or as gait-cycle mean curves (Fukuchi)."""
    s = side[0]
    if trial.dataset == "hamner":
        from runform.pose.formats.opensim import read_mot

        folder = SHARED_DATA / "hamner2013" / f"subject{trial.runner.removeprefix('hamner')}"
        ik = read_mot(folder / "ik" / f"Run_{int(trial.speed_label)}.mot")
        t = np.asarray(ik.time, float)

        def at(col: str) -> np.ndarray:
            return np.interp(trial.time, t, np.asarray(ik.columns[col], float), np.nan, np.nan)

        return {
            "frames": np.array(1.0),
            "hip": at(f"hip_flexion_{s}"),
            # the model's knee angle is negative in flexion
            "knee": -at(f"knee_angle_{s}"),
            "pelvis_tilt": at("pelvis_tilt"),
        }
    tag = FUKUCHI_TAG.get(trial.speed_label)
    path = _fukuchi_folder(trial.runner) / f"{trial.runner}processed.txt"
    if tag is None or not path.is_file():
        return None
    with open(path) as fh:
        header = fh.readline().rstrip("\n").split("\t")
    data = np.genfromtxt(path, delimiter="\t", skip_header=1)
    col = {name: data[:, i] for i, name in enumerate(header)}
    p = s.upper()
    if f"{p}hipAngZ{tag}" not in col:
        return None
    return {"hip": col[f"{p}hipAngZ{tag}"], "knee": col[f"{p}kneeAngZ{tag}"]}


def compare_angles(trial: mocap.Trial, analysis=None) -> dict:
    """2-D thigh and knee angle curves against the authors' 3-D hip and knee, per leg.

    Offsets are 2-D minus 3-D on gait-cycle mean curves over the same strides: at peak hip
    extension (minimum), at peak hip flexion (maximum), and for the knee at contact, at its
    stance peak (before the 2-D curve's toe-off) and at its swing peak. ``pelvis_tilt_*`` is
    the anterior tilt of the ASIS-PSIS line (markers) at the 3-D hip's extreme;
    ``model_tilt_*`` Hamner's model ``pelvis_tilt`` sign-flipped to anterior-positive.
    """
    from runform.metrics.angles import frame_angles

    if analysis is not None:
        track, direction = analysis.track, analysis.direction
        events = analysis.to_dict()["events"]
    else:  # the engine refused the trial: angles of the projected track itself
        track, direction, events = mocap.project(trial, None, 0.0, "left"), -1, None
    ang = frame_angles(track, direction)
    t = np.asarray(track.time, float)
    tilt_markers = pelvis_tilt_series(trial)
    out: dict = {"sides": {}}
    for side in SIDES:
        ref = _reference_3d(trial, side)
        strides = _strides(trial, events, side)
        if ref is None or not strides:
            continue
        thigh2 = cycle_mean(t, ang["thigh"][side], strides)
        knee2 = cycle_mean(t, ang["knee"][side], strides)
        if thigh2 is None or knee2 is None:
            continue
        tilt = None
        if tilt_markers is not None:
            tilt = cycle_mean(trial.time, tilt_markers, strides)
        model_tilt = None
        if "frames" in ref:
            hip3 = cycle_mean(trial.time, ref["hip"], strides)
            knee3 = cycle_mean(trial.time, ref["knee"], strides)
            model_tilt = -cycle_mean(trial.time, ref["pelvis_tilt"], strides)
            # frame by frame: thigh = hip + model pelvis tilt, if the model and 2-D agree
            th = np.interp(trial.time, t, ang["thigh"][side])
            resid = th - (ref["hip"] + ref["pelvis_tilt"])
            frame_check = {
                "thigh_minus_hip_plus_tilt_mean_deg": float(np.nanmean(resid)),
                "thigh_minus_hip_plus_tilt_sd_deg": float(np.nanstd(resid)),
            }
        else:
            hip3, knee3 = ref["hip"], ref["knee"]
            frame_check = {}
        if hip3 is None or knee3 is None:
            continue
        toe = _toe_off_fraction(trial, events, side, strides)
        stance = slice(0, max(2, int(round(100 * toe)) + 1))
        i_ext, i_flex = int(np.argmin(hip3)), int(np.argmax(hip3))
        row = {
            "strides": len(strides),
            "thigh_ext_2d_deg": float(-thigh2.min()),
            "hip_ext_3d_deg": float(-hip3.min()),
            "thigh_flex_2d_deg": float(thigh2.max()),
            "hip_flex_3d_deg": float(hip3.max()),
            "offset_ext_deg": float(thigh2.min() - hip3.min()),
            "offset_flex_deg": float(thigh2.max() - hip3.max()),
            "knee_contact_2d_deg": float(knee2[0]),
            "knee_contact_3d_deg": float(knee3[0]),
            "knee_stance_2d_deg": float(knee2[stance].max()),
            "knee_stance_3d_deg": float(knee3[stance].max()),
            "knee_swing_2d_deg": float(knee2.max()),
            "knee_swing_3d_deg": float(knee3.max()),
            "toe_off_pct": round(100 * toe, 1),
            **frame_check,
        }
        row["offset_knee_contact_deg"] = row["knee_contact_2d_deg"] - row["knee_contact_3d_deg"]
        row["offset_knee_stance_deg"] = row["knee_stance_2d_deg"] - row["knee_stance_3d_deg"]
        row["offset_knee_swing_deg"] = row["knee_swing_2d_deg"] - row["knee_swing_3d_deg"]
        if tilt is not None:
            row["pelvis_tilt_ext_deg"] = float(tilt[i_ext])
            row["pelvis_tilt_flex_deg"] = float(tilt[i_flex])
        if model_tilt is not None:
            row["model_tilt_ext_deg"] = float(model_tilt[i_ext])
            row["model_tilt_flex_deg"] = float(model_tilt[i_flex])
        out["sides"][side] = row
    if out["sides"]:
        keys = set.intersection(*(set(r) for r in out["sides"].values()))
        out["mean"] = {k: float(np.mean([r[k] for r in out["sides"].values()])) for k in keys}
    return out


def _toe_off_fraction(
    trial: mocap.Trial, events: list[dict] | None, side: str, strides: Sequence
) -> float:
    """Median share of the stride spent in stance (the same events as the strides)."""
    ev = trial.events or events or []
    offs = sorted(e["time_s"] for e in ev if e["side"] == side and e["kind"] == "toe_off")
    fr = []
    for a, b in strides:
        o = [x for x in offs if a < x < b]
        if o:
            fr.append((o[0] - a) / (b - a))
    return float(np.median(fr)) if fr else 0.35


# ----------------------------------------------------------------------------- run + print
def run(
    only: Sequence[str] | None = None,
    angles: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Build the trials, measure them and compute the references (a JSON-ready dict)."""
    trials = mocap.load_trials(only=only, with_forces=False, progress=progress)
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
        "references": _clean(references([r for r in results if r.error is None])),
    }
    doc["deviations"] = _clean(deviations(doc))
    if angles:
        doc["offsets_by_runner"] = _clean(offsets_by_runner(doc))
        doc["offset_summary"] = _clean(offset_summary(doc))
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
    angle_rows = []
    for t in doc["trials"]:
        a = (t.get("angles") or {}).get("mean")
        if not a:
            continue
        angle_rows.append(
            [
                f"{t['runner']} {t['speed_label_mps']:g} m/s",
                f"{a['thigh_ext_2d_deg']:.1f} / {a['hip_ext_3d_deg']:.1f}",
                f"{a['offset_ext_deg']:+.1f}",
                f"{a['thigh_flex_2d_deg']:.1f} / {a['hip_flex_3d_deg']:.1f}",
                f"{a['offset_flex_deg']:+.1f}",
                _signed(a.get("pelvis_tilt_ext_deg")),
                _signed(a.get("model_tilt_ext_deg")),
                f"{a['offset_knee_contact_deg']:+.1f}",
                f"{a['offset_knee_stance_deg']:+.1f}",
                f"{a['offset_knee_swing_deg']:+.1f}",
            ]
        )
    if angle_rows:
        parts.append(
            "## 2-D against 3-D (both legs' mean; offsets 2-D − 3-D, deg)\n\n"
            + format_table(
                [
                    "trial",
                    "thigh ext 2-D / hip ext 3-D",
                    "offset at ext",
                    "thigh flex 2-D / hip flex 3-D",
                    "offset at flex",
                    "ant. tilt (markers) at ext",
                    "ant. tilt (model) at ext",
                    "knee at contact",
                    "knee stance peak",
                    "knee swing peak",
                ],
                angle_rows,
            )
        )
        parts.append(format_offsets(doc))
    parts.append(format_deviations(doc))
    parts.append("## pace.py tables\n\n```python\n" + python_tables(doc) + "\n```")
    return "\n\n".join(parts)


def _signed(v: float | None) -> str:
    return "–" if v is None else f"{v:+.1f}"


def offsets_by_runner(doc: dict) -> dict[str, dict[str, float]]:
    """Per runner, the median over its trials of each 2-D - 3-D offset (and the tilts)."""
    keys = (
        "offset_ext_deg",
        "offset_flex_deg",
        "pelvis_tilt_ext_deg",
        "model_tilt_ext_deg",
        "offset_knee_contact_deg",
        "offset_knee_stance_deg",
        "offset_knee_swing_deg",
        "thigh_minus_hip_plus_tilt_mean_deg",
        "thigh_minus_hip_plus_tilt_sd_deg",
    )
    acc: dict[str, dict[str, list[float]]] = {}
    for t in doc["trials"]:
        a = (t.get("angles") or {}).get("mean")
        if not a:
            continue
        for k in keys:
            if a.get(k) is not None:
                acc.setdefault(t["runner"], {}).setdefault(k, []).append(a[k])
    out = {r: {k: float(np.median(v)) for k, v in d.items()} for r, d in acc.items()}
    for d in out.values():
        # the tilt the 3-D hip angle is measured from: Hamner's model pelvis, else the
        # ASIS-PSIS line (Fukuchi's offsets follow it, see the report)
        tilt = d.get("model_tilt_ext_deg", d.get("pelvis_tilt_ext_deg"))
        if tilt is not None and "offset_ext_deg" in d:
            d["offset_ext_plus_tilt_deg"] = d["offset_ext_deg"] + tilt
    return out


def offset_summary(doc: dict) -> dict[str, dict[str, float]]:
    """Median and range across runners of each per-runner offset."""
    per = offsets_by_runner(doc)
    out = {}
    for k in (
        "offset_ext_deg",
        "offset_flex_deg",
        "offset_knee_contact_deg",
        "offset_knee_stance_deg",
        "offset_knee_swing_deg",
        "offset_ext_plus_tilt_deg",
    ):
        v = [d[k] for d in per.values() if k in d]
        if v:
            out[k] = {"median": float(np.median(v)), "min": min(v), "max": max(v), "n": len(v)}
    return out


def format_offsets(doc: dict) -> str:
    per = offsets_by_runner(doc)
    rows = []
    for runner, d in per.items():
        rows.append(
            [
                runner,
                _signed(d.get("offset_ext_deg")),
                _signed(d.get("offset_flex_deg")),
                _signed(d.get("pelvis_tilt_ext_deg")),
                _signed(d.get("model_tilt_ext_deg")),
                _signed(d.get("offset_ext_plus_tilt_deg")),
                _signed(d.get("offset_knee_contact_deg")),
                _signed(d.get("offset_knee_stance_deg")),
                _signed(d.get("offset_knee_swing_deg")),
            ]
        )
    summary = offset_summary(doc)
    rows.append(
        [
            "median (range)",
            *[
                f"{summary[k]['median']:+.1f} ({summary[k]['min']:+.1f} to {summary[k]['max']:+.1f})"
                if k in summary
                else "–"
                for k in ("offset_ext_deg", "offset_flex_deg")
            ],
            "",
            "",
            *[
                f"{summary[k]['median']:+.1f} ({summary[k]['min']:+.1f} to {summary[k]['max']:+.1f})"
                if k in summary
                else "–"
                for k in (
                    "offset_ext_plus_tilt_deg",
                    "offset_knee_contact_deg",
                    "offset_knee_stance_deg",
                    "offset_knee_swing_deg",
                )
            ],
        ]
    )
    notes = []
    fr = [
        (d["thigh_minus_hip_plus_tilt_mean_deg"], d["thigh_minus_hip_plus_tilt_sd_deg"])
        for d in per.values()
        if "thigh_minus_hip_plus_tilt_mean_deg" in d
    ]
    if fr:
        notes.append(
            "Hamner, frame by frame: 2-D thigh - (hip_flexion + pelvis_tilt) = "
            f"{min(m for m, _ in fr):+.1f} to {max(m for m, _ in fr):+.1f} deg per runner "
            f"(SD within a trial at most {max(s for _, s in fr):.1f} deg)."
        )
    ham = [
        (d["model_tilt_ext_deg"], d["offset_ext_deg"])
        for d in per.values()
        if "model_tilt_ext_deg" in d and "offset_ext_deg" in d
    ]
    if len(ham) >= 3:
        x, y = np.array(ham).T
        notes.append(
            f"Across the {len(ham)} Hamner runners, offset at extension vs the model's anterior "
            f"tilt: r = {np.corrcoef(x, y)[0, 1]:.2f}, slope {np.polyfit(x, y, 1)[0]:+.2f}."
        )
    mk = [
        (d["pelvis_tilt_ext_deg"], d["offset_ext_deg"])
        for d in per.values()
        if "pelvis_tilt_ext_deg" in d and "offset_ext_deg" in d
    ]
    if len(mk) >= 3:
        x, y = np.array(mk).T
        notes.append(
            f"Across all {len(mk)} runners, offset at extension vs the ASIS-PSIS line's "
            f"anterior tilt: r = {np.corrcoef(x, y)[0, 1]:.2f}."
        )
    return (
        "## 2-D - 3-D offsets per runner (median over its speeds, deg)\n\n"
        + format_table(
            [
                "runner",
                "hip at peak ext",
                "hip at peak flex",
                "ant. tilt ASIS-PSIS",
                "ant. tilt (model)",
                "ext offset + tilt",
                "knee at contact",
                "knee stance peak",
                "knee swing peak",
            ],
            rows,
        )
        + ("\n\n" + "\n".join(notes) if notes else "")
    )


#: How the findings move each band with the pace (``runform.findings.specs``): drive bands
#: are scaled by the ratio of the references, the others shifted by their difference.
PACE_MODE: dict[str, str] = {"drive_peak_deg_s": "scale", "drive_mean_deg_s": "scale"}


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
    args = parser.parse_args(argv)
    doc = run(
        only=args.only,
        angles=not args.no_angles,
        progress=lambda s: print(f"building {s}", file=sys.stderr),
    )
    if not doc["trials"]:
        print(f"No trial data found under {SHARED_DATA}.", file=sys.stderr)
        return 2
    print(json.dumps(doc, indent=1, ensure_ascii=False) if args.json else format_report(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
