"""The statistics of the speed references (:mod:`references`): from each trial's values to
the references by speed.

- Which metrics follow the speed and how: :data:`DIRECTION` (rising or falling),
  :data:`PACE_MODE` (bands scaled or shifted), :data:`CONTEXT_METRICS` (reported for context
  only), on the grid :data:`SPEED_GRID`, anchored at :data:`ANCHOR_MPS`.
- :func:`runner_curve` and :func:`by_speed`: each runner's values interpolated between its
  own trials onto the grid (at most :data:`REACH_MPS` beyond them), and the median, IQR and
  range across runners at each grid speed.
- :func:`chained` and :func:`monotone`: the median at the anchor carried to the other
  speeds by the runners' own changes, made monotone in speed; :func:`references` gives them
  per metric with the by-speed table and a :func:`line_fit`.
- :func:`deviations`: how far each trial lies from its own speed's reference
  (:func:`interpolate`), and the band at 3 m/s that covers every trial.

The trials' values come from :func:`references.measure_trial`
(:class:`references.TrialResult`); :mod:`references_report` prints the tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

import mocap
from runform.findings.pace import linear_extended

if TYPE_CHECKING:  # references imports this module
    from references import TrialResult

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
    if speed < pts[0][0] - REACH_MPS - 1e-9 or speed > pts[-1][0] + REACH_MPS + 1e-9:
        return None
    if len(pts) == 1:
        return float(pts[0][1])
    return linear_extended(pts, speed)


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


# ----------------------------------------------------------------------------- deviations
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
            ref = linear_extended(pts, t["belt_speed_mps"])
            x = t["values"][metric]
            devs.append(x / ref if mode == "scale" else x - ref)
        d = np.array(devs)
        centre = 1.0 if mode == "scale" else 0.0
        sd = float(d.std(ddof=1))
        lo = min(float(d.min()), centre - 2 * sd)
        hi = max(float(d.max()), centre + 2 * sd)
        r0 = linear_extended(pts, reference_speed)
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
