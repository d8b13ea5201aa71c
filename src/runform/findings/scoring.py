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
- keypoint confidence of that side: 1 at ≥ 0.7, falling linearly to 0.3 at 0.3.

**Which values count.** Only reliable ones (``metrics[id]["reliability"][side]``, written
by :func:`runform.metrics.summary.assess`): never the leg further from the camera (seen from
the other side, partly hidden; Young 2023), never a metric whose quality record says
``trusted: false``, never a value too imprecise to place against its band. A value resting
on fewer than :data:`MIN_FINDING_STEPS` steps is withheld, with the reason. An area with no
value left is reported as "not assessed" instead.

**Bands.** Every metric is judged against the band stored with it in ``analysis.json``
(moved to the runner's pace once, by :func:`runform.findings.pace.metric_band`), so the
findings, the report and the terminal show the same band. A document written before bands
were stored gets them computed here the same way.

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

from runform.findings.pace import Pace, metric_band, pace_from_analysis
from runform.metrics.catalog import CATALOG
from runform.metrics.spec import combined_error
from runform.text import counted

#: A finding is listed only from this severity on (smaller distances are within
#: measurement error of the band edge).
MIN_SEVERITY = 0.1
#: Steps per side that give a metric full weight.
FULL_STEPS = 8
#: Fewer steps than this on the measured leg and a value is withheld from the findings.
MIN_FINDING_STEPS = 6
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
    view: str = "unknown"  # "near", "unknown" (which leg was nearer is not known), "whole body"


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

    withheld: dict[str, str] = field(default_factory=dict)  # metric -> why it was withheld

    @classmethod
    def from_analysis(cls, analysis: dict) -> Context:
        inp = analysis.get("input") or {}
        near = (analysis.get("context") or {}).get("near_side")
        return cls(
            analysis=analysis,
            metrics=analysis.get("metrics") or {},
            fps=float(inp.get("frame_rate") or 0.0),
            keypoint_confidence=inp.get("keypoint_confidence") or {},
            near_side=near if near in SIDES else None,
            pace=pace_from_analysis(analysis),
        )

    # ------------------------------------------------------------------ legs
    def view(self, side: str) -> str:
        """``"near"``, ``"far"`` or ``"unknown"`` for a leg; ``"whole body"`` for ``both``."""
        if side not in SIDES:
            return "whole body"
        if self.near_side is None:
            return "unknown"
        return "near" if side == self.near_side else "far"

    def reliability(self, metric: str, side: str) -> tuple[bool, str]:
        """Whether one leg's (or the whole body's, ``side="all"``) value of a metric may be
        used, and why not. Read from the document; for documents without the record, the
        far leg and untrusted metrics are excluded the same way."""
        entry = self.entry(metric) or {}
        record = (entry.get("reliability") or {}).get(side)
        if isinstance(record, dict) and "reliable" in record:
            return bool(record["reliable"]), str(record.get("reason") or "")
        if side in SIDES and self.view(side) == "far":
            return False, f"seen from the other side: the {side} leg was the far leg"
        if not self.trusted(metric):
            flags = (entry.get("quality") or {}).get("flags") or ["poor data quality"]
            return False, "; ".join(flags)
        return True, ""

    def legs_measured_as_near(self, metric: str) -> bool:
        """Whether both legs' values of a metric were measured as the near leg (two clips,
        one from each side, merged into one document): only then can the legs be compared
        or one of them named as the worse. Never true for one clip."""
        records = (self.entry(metric) or {}).get("reliability") or {}
        return all(
            isinstance(records.get(s), dict)
            and records[s].get("view") == "near"
            and records[s].get("reliable", False)
            for s in SIDES
        )

    # ------------------------------------------------------------------ reading metrics
    def entry(self, metric: str) -> dict | None:
        """The metric's summary entry, or ``None`` when it was not computed."""
        return self.metrics.get(metric)

    def trusted(self, metric: str) -> bool:
        entry = self.entry(metric)
        return bool(entry) and bool((entry.get("quality") or {}).get("trusted", True))

    def band_record(self, metric: str) -> dict:
        """The band the metric is judged against: as stored in the document (already moved
        to the runner's pace), or for an older document computed the same way."""
        entry = self.entry(metric) or {}
        band = entry.get("band") or {}
        if not band or "catalogue_low" in band:
            return band
        return metric_band(metric, band, self.pace, entry.get("expected")) or {}

    def band(self, metric: str) -> tuple[float | None, float | None]:
        band = self.band_record(metric)
        return band.get("low"), band.get("high")

    def error(self, metric: str, side: str, value: float) -> float:
        """The measurement error of one leg's (or the whole body's) value, as stored with the
        metric (catalogue error, proportional part and event timing, in quadrature); for an
        older document without it, the catalogue's part alone."""
        errors = (self.entry(metric) or {}).get("measurement_error")
        key = side if side in SIDES else "all"
        if isinstance(errors, dict) and isinstance(errors.get(key), int | float):
            return float(errors[key])
        spec = CATALOG.get(metric)
        return combined_error(spec, value) if spec is not None else 0.0

    def band_note(self, metric: str) -> str:
        """How the band was moved to the runner's pace ("" when it was not)."""
        return self.band_record(metric).get("adjusted") or ""

    def band_source(self, metric: str) -> str:
        return self.band_record(metric).get("source", "")

    def unit(self, metric: str) -> str:
        return (self.entry(metric) or {}).get("unit", "")

    def name(self, metric: str) -> str:
        return (self.entry(metric) or {}).get("name", metric)

    def values(self, metric: str) -> list[SideValue]:
        """The reliable per-side values of a per-side metric, or the whole-body value.

        Empty when the metric is missing or not trusted; the far leg's value is never
        returned (:meth:`reliability`), nor one resting on fewer than
        :data:`MIN_FINDING_STEPS` steps (recorded in :attr:`withheld`).
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
                if not _usable(stats) or not self.reliability(metric, side)[0]:
                    continue
                if not self._enough_steps(metric, side, int(stats.get("n") or 0)):
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
                        self.view(side),
                    )
                )
        else:
            stats = entry.get("all")
            reliable = self.reliability(metric, "all")[0]
            n_all = int((stats or {}).get("n") or 0)
            if _usable(stats) and reliable and self._enough_steps(metric, "all", n_all):
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
                        "whole body",
                    )
                )
        return out

    def _enough_steps(self, metric: str, side: str, n: int) -> bool:
        """Enough steps for a finding: :data:`MIN_FINDING_STEPS` of the leg; a whole-body
        value (``side`` "all") counts both legs and needs twice as many (as many, when the
        near leg was measured alone: ``context.measured_alone``). Cadence is no
        exception (from two stride times it read 123 for a runner at 169, one missed contact
        doubling a stride)."""
        alone = (self.analysis.get("context") or {}).get("measured_alone")
        # measured alone, a whole-body value rests on the near leg's steps, as its own do
        needed = MIN_FINDING_STEPS if side in SIDES or alone in SIDES else 2 * MIN_FINDING_STEPS
        if n >= needed:
            return True
        leg = f"the {side} leg" if side in SIDES else "the clip"
        what = (
            counted(n, "stride time")
            if metric == "cadence_spm"
            else f"{counted(n, 'step')} of {leg}"
        )
        self.withheld[metric] = (
            f"{self.name(metric)}: withheld, only {what} {'was' if n == 1 else 'were'} "
            f"measured and a finding needs at least {needed} (film at least 10 s of steady "
            "running)"
        )
        return False

    def unreliable_notes(self, metric: str) -> list[str]:
        """Why values of a metric were left out: the far leg, imprecision, too few steps."""
        entry = self.entry(metric) or {}
        keys = SIDES if entry.get("per_side") else ("all",)
        notes = []
        for key in keys:
            if not entry.get(key):
                continue
            ok, reason = self.reliability(metric, key)
            if not ok and reason:
                who = f"{key} leg" if key in SIDES else "value"
                notes.append(f"{self.name(metric)} ({who}): {reason}")
        if metric in self.withheld:
            notes.append(self.withheld[metric])
        return notes

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
        "view": sv.view,
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
