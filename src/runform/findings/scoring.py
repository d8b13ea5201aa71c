"""Continuous scores shared by every finding: severity, confidence and their labels.

**Severity** grows continuously with the distance of a value beyond its reference band,
less the metric's 2-D video measurement error (``MetricSpec.measurement_error``, from Van
Hooren 2023): 0 up to that margin, rising linearly to 1 at ``full_scale`` beyond it. It is never a
pass/fail verdict; a finding is only *listed* when its severity reaches
:data:`MIN_SEVERITY`, because a value a hair outside the band is within the measurement
error of 2-D video (about 5° for joint angles; Van Hooren 2023).

**Confidence** says how far the data can carry the finding. It multiplies factors read
from the metric's quality record and the input:

- steps: ``sqrt(n / 8)`` capped at 1 (8 steps per side give full weight);
- frame rate: 1 at or above the metric's ``good_fps``; 0.75 below it; 0.55 below its
  ``coarse_fps`` (timing metrics at 30 fps);
- keypoint confidence of that side: 1 at ≥ 0.7, falling linearly to 0.3 at 0.3;
- the far leg (the one further from the camera, partly hidden): 0.75 when only the far leg
  shows the problem (event and angle errors are larger there; Young 2023).

A metric whose quality record says ``trusted: false`` is not used at all: its area is
reported as "not assessed" instead.

Examples
--------
>>> severity_from_distance(3.0, 12.0)
0.25
>>> severity_label(0.5), confidence_label(0.8)
('moderate', 'high')
>>> band_distance(14.0, 18.0, 30.0, "low")
4.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from runform.findings.pace import Pace, pace_from_analysis
from runform.metrics.catalog import CATALOG

#: A finding is listed only from this severity on (smaller distances are within
#: measurement error of the band edge).
MIN_SEVERITY = 0.1
#: Steps per side that give a metric full weight.
FULL_STEPS = 8
#: Multiplier when only the leg further from the camera shows the problem.
FAR_SIDE_FACTOR = 0.75
SIDES = ("left", "right")


def band_distance(value: float, low: float | None, high: float | None, concern: str) -> float:
    """How far ``value`` lies beyond the band edge that matters (0 inside the band).

    ``concern`` is ``"low"`` (only values under ``low`` count), ``"high"`` (only values over
    ``high``), ``"both"`` or ``"none"`` (never).
    """
    if concern in ("low", "both") and low is not None and value < low:
        return float(low - value)
    if concern in ("high", "both") and high is not None and value > high:
        return float(value - high)
    return 0.0


def severity_from_distance(distance: float, full_scale: float) -> float:
    """Severity in [0, 1]: linear in the distance beyond the band, 1 at ``full_scale``."""
    if distance <= 0.0 or full_scale <= 0.0:
        return 0.0
    return round(min(1.0, distance / full_scale), 2)


def severity_label(severity: float) -> str:
    """``"mild"`` (< 0.34), ``"moderate"`` (< 0.67) or ``"marked"``."""
    if severity < 0.34:
        return "mild"
    if severity < 0.67:
        return "moderate"
    return "marked"


def confidence_label(confidence: float) -> str:
    """``"high"`` (≥ 0.8), ``"moderate"`` (≥ 0.5) or ``"low"``."""
    if confidence >= 0.8:
        return "high"
    if confidence >= 0.5:
        return "moderate"
    return "low"


def _fps_factor(metric_id: str, fps: float, level: str) -> float:
    spec = CATALOG.get(metric_id)
    if spec is None:  # a metric the catalogue no longer declares: trust its quality level
        return 1.0 if level == "good" else 0.75
    if spec.coarse_fps and fps < spec.coarse_fps:
        return 0.55
    if fps < spec.good_fps:
        return 0.75
    return 1.0


def _keypoint_factor(score: float | None) -> float:
    if score is None:
        return 1.0
    return float(min(1.0, max(0.3, 0.3 + 0.7 * (score - 0.3) / 0.4)))


@dataclass(frozen=True)
class SideValue:
    """One side's (or the whole body's) value of a metric, with its confidence."""

    metric: str
    side: str  # "left" | "right" | "both" (whole-body metric)
    value: float
    n: int
    iqr: float
    confidence: float
    quality: str
    flags: tuple[str, ...]


@dataclass
class Context:
    """What every rule reads from the analysis document, computed once."""

    analysis: dict
    metrics: dict
    fps: float
    keypoint_confidence: dict
    near_side: str | None
    pace: Pace
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_analysis(cls, analysis: dict) -> Context:
        inp = analysis.get("input") or {}
        direction = (analysis.get("context") or {}).get("direction")
        near = {1: "right", -1: "left"}.get(direction)  # a runner moving right shows the right
        return cls(
            analysis=analysis,
            metrics=analysis.get("metrics") or {},
            fps=float(inp.get("frame_rate") or 0.0),
            keypoint_confidence=inp.get("keypoint_confidence") or {},
            near_side=near,
            pace=pace_from_analysis(analysis),
        )

    # ------------------------------------------------------------------ reading metrics
    def entry(self, metric: str) -> dict | None:
        """The metric's summary entry, or ``None`` when it was not computed."""
        return self.metrics.get(metric)

    def trusted(self, metric: str) -> bool:
        entry = self.entry(metric)
        return bool(entry) and bool((entry.get("quality") or {}).get("trusted", True))

    def band(self, metric: str) -> tuple[float | None, float | None]:
        band = (self.entry(metric) or {}).get("band") or {}
        return band.get("low"), band.get("high")

    def band_source(self, metric: str) -> str:
        return ((self.entry(metric) or {}).get("band") or {}).get("source", "")

    def unit(self, metric: str) -> str:
        return (self.entry(metric) or {}).get("unit", "")

    def name(self, metric: str) -> str:
        return (self.entry(metric) or {}).get("name", metric)

    def values(self, metric: str) -> list[SideValue]:
        """Per-side values (left, right) of a per-side metric, or the whole-body value.

        Empty when the metric is missing or not trusted.
        """
        entry = self.entry(metric)
        if not entry or not self.trusted(metric):
            return []
        quality = entry.get("quality") or {}
        level = quality.get("level", "good")
        flags = tuple(quality.get("flags") or ())
        base = _fps_factor(metric, self.fps, level)
        out = []
        if entry.get("per_side"):
            for side in SIDES:
                stats = entry.get(side)
                if not _usable(stats):
                    continue
                conf = base * _steps_factor(int(stats.get("n") or 0))
                conf *= _keypoint_factor(self.keypoint_confidence.get(side))
                out.append(
                    SideValue(
                        metric,
                        side,
                        float(stats["median"]),
                        int(stats.get("n") or 0),
                        _finite(stats.get("iqr")),
                        conf,
                        level,
                        flags,
                    )
                )
        else:
            stats = entry.get("all")
            if _usable(stats):
                n_side = max(1, int(stats.get("n") or 0) // 2)
                kp = [self.keypoint_confidence.get(s) for s in SIDES]
                kp_mean = (
                    sum(k for k in kp if k is not None) / len([k for k in kp if k is not None])
                    if any(k is not None for k in kp)
                    else None
                )
                conf = base * _steps_factor(n_side) * _keypoint_factor(kp_mean)
                out.append(
                    SideValue(
                        metric,
                        "both",
                        float(stats["median"]),
                        int(stats.get("n") or 0),
                        _finite(stats.get("iqr")),
                        conf,
                        level,
                        flags,
                    )
                )
        return out

    def side_factor(self, sides: list[str]) -> float:
        """:data:`FAR_SIDE_FACTOR` when the only affected side is the far leg, else 1."""
        if self.near_side and sides and all(s not in (self.near_side, "both") for s in sides):
            return FAR_SIDE_FACTOR
        return 1.0

    def far_side(self) -> str | None:
        if self.near_side is None:
            return None
        return "right" if self.near_side == "left" else "left"


def _usable(stats: dict | None) -> bool:
    """A summary with a finite median (NaN or missing values are not judged)."""
    if not stats:
        return False
    median = stats.get("median")
    return isinstance(median, int | float) and math.isfinite(median)


def _finite(x: object, default: float = 0.0) -> float:
    return float(x) if isinstance(x, int | float) and math.isfinite(x) else default


def _steps_factor(n: int) -> float:
    return float(min(1.0, math.sqrt(max(n, 0) / FULL_STEPS)))


def evidence_item(
    ctx: Context,
    sv: SideValue,
    band: tuple[float | None, float | None],
    *,
    note: str = "",
    expected: float | None = None,
) -> dict:
    """One evidence record: a metric's value on one side against the band used to judge it."""
    item = {
        "metric": sv.metric,
        "name": ctx.name(sv.metric),
        "side": sv.side,
        "value": round(sv.value, 3 if abs(sv.value) < 5 else 1),
        "band": [_round(band[0]), _round(band[1])],
        "unit": ctx.unit(sv.metric),
        "n": sv.n,
        "quality": sv.quality,
    }
    if expected is not None:
        item["expected"] = _round(expected)
    if note:
        item["note"] = note
    if sv.flags:
        item["flags"] = list(sv.flags)
    return item


def _round(x: float | None) -> float | None:
    if x is None:
        return None
    return round(float(x), 3 if abs(x) < 5 else 1)
