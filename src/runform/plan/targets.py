"""The runner's own numbers in the plan: what was measured, and what to aim for.

The plan reads two parts of ``analysis.json``: the findings' ``evidence`` (each metric's
value per side against the band used to judge it, already adjusted to the runner's pace)
and, for metrics without evidence, ``summary`` with the band in ``metrics``. A metric whose
measurement the analysis did not trust is left out. From these the plan writes, per
finding, the measured values and a re-test target, and for a few drills a setting made
from the runner's numbers (the metronome at the runner's cadence + 5 %). When a number is
missing the wording falls back to a generic instruction; nothing is ever printed blank.

Example
-------
>>> m = Measurements.from_analysis({"summary": {"cadence_spm": 169.0},
...                                  "metrics": {"cadence_spm": {"unit": "steps/min"}}})
>>> metronome_target(m, week=1)
'Set the metronome to 177 beats a minute: your cadence of 169 steps/min + 5 %.'
>>> metronome_target(Measurements(), week=1)[:40]
'Set the metronome 5 % above your usual c'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runform.findings.wording import fmt_edge
from runform.text import lower_first

#: The metric each finding is judged on first, and which side of its band is the concern.
FINDING_METRIC: dict[str, tuple[str, str | None]] = {
    "limited_extension": ("thigh_extension_deg", "low"),
    "weak_drive": ("drive_peak_deg_s", "low"),
    "forced_extension": ("thigh_extension_deg", None),  # judged with the trunk: no one number
    "overstriding": ("touchdown_distance_pct", "high"),
    "heel_recovery_low": ("knee_flexion_swing_peak_deg", "low"),
    "heel_recovery_high": ("knee_flexion_swing_peak_deg", "high"),
    "low_cadence": ("cadence_spm", "low"),
    "high_vertical_oscillation": ("vertical_oscillation_pct", "high"),
    "trunk_lean_forward": ("trunk_lean_deg", "high"),
    "trunk_lean_backward": ("trunk_lean_deg", "low"),
    "stiff_landing": ("knee_flexion_stance_peak_deg", "low"),
}
#: Re-test targets in words, for findings no single number captures.
WORDED_TARGETS: dict[str, str] = {
    "forced_extension": "the trunk upright or slightly forward while the thigh still "
    "extends behind you",
    "asymmetry": "left and right closer together",
}
#: Findings whose target is a change from the runner's own value, not a band edge.
CADENCE_FINDINGS = ("low_cadence",)
#: Step-rate change of the metronome drill, in % of the runner's cadence: weeks 1–4, then
#: the most it goes to from week 5. Heiderscheit 2011 (MSSE 43:296): +5 % and +10 % step
#: rate lowered step length, vertical bounce, braking and knee load.
CADENCE_RAISE_PCT = (5, 10)
CADENCE_LATER_WEEK = 5
#: Cadences outside this range are not a runner's (walking, a failed measurement).
PLAUSIBLE_CADENCE = (120.0, 230.0)

_UNIT_WORDS = {
    "deg": "°",
    "deg/s": "°/s",
    "% leg": " % of leg length",
    "steps/min": " steps/min",
    "cm": " cm",
    "ms": " ms",
    "%": " %",
    "× leg": " × leg length",
    "m": " m",
}


@dataclass(frozen=True)
class Reading:
    """One metric as measured: a value per side (``"left"``, ``"right"`` or ``"both"``)."""

    metric: str
    name: str
    unit: str
    values: Mapping[str, float]
    band: tuple[float | None, float | None] = (None, None)

    def value_text(self) -> str:
        """``14.2° (left), 15.1° (right)`` or ``169 steps/min``."""
        parts = []
        for side in ("left", "right", "both"):
            if side in self.values:
                text = format_value(self.values[side], self.unit)
                parts.append(text if side == "both" else f"{text} ({side})")
        return ", ".join(parts)

    def band_text(self) -> str:
        """``18–30°``, ``220°/s or more`` or ``30 % of leg length or less`` (or empty).

        The edges are written as the report and the terminal write them
        (:func:`runform.findings.wording.fmt_edge`), so a band reads the same everywhere.
        """
        low, high = self.band
        if low is not None and high is not None:
            return f"{fmt_edge(low, self.unit)}–{format_edge(high, self.unit)}"
        if low is not None:
            return f"{format_edge(low, self.unit)} or more"
        if high is not None:
            return f"{format_edge(high, self.unit)} or less"
        return ""


def _number(value: float, unit: str) -> str:
    if unit in ("× leg",):
        return f"{value:.2f}"
    if abs(value) >= 100 or unit in ("steps/min", "ms", "deg/s"):
        return f"{value:.0f}"
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def format_edge(value: float, unit: str) -> str:
    """A band edge with its unit in words, rounded as every output rounds band edges."""
    return fmt_edge(value, unit) + _UNIT_WORDS.get(unit, f" {unit}" if unit else "")


def format_value(value: float, unit: str) -> str:
    """A value with its unit in words: ``14.2°``, ``20 % of leg length``, ``169 steps/min``."""
    return _number(value, unit) + _UNIT_WORDS.get(unit, f" {unit}" if unit else "")


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class Measurements:
    """The readings the plan can use, by metric id (empty: no numbers, generic wording)."""

    readings: Mapping[str, Reading] = field(default_factory=dict)

    def get(self, metric: str) -> Reading | None:
        return self.readings.get(metric)

    def __bool__(self) -> bool:
        return bool(self.readings)

    @classmethod
    def from_analysis(
        cls,
        analysis: Mapping[str, Any] | None = None,
        findings: Sequence[Mapping[str, Any]] = (),
    ) -> Measurements:
        """Readings from the findings' evidence, then from ``summary`` + ``metrics``.

        Both arguments are optional and may be partial or odd (a hand-made file): what is
        not a finite number is skipped.
        """
        readings: dict[str, Reading] = {}
        all_findings = list(findings)
        if isinstance(analysis, Mapping) and isinstance(analysis.get("findings"), list):
            all_findings += analysis["findings"]
        for finding in all_findings:
            if not isinstance(finding, Mapping):
                continue
            for item in finding.get("evidence") or ():
                _add_evidence(readings, item)
        if isinstance(analysis, Mapping):
            summary = analysis.get("summary")
            metrics = analysis.get("metrics")
            if isinstance(summary, Mapping):
                for metric, raw in summary.items():
                    if metric not in readings:
                        info = metrics.get(metric) if isinstance(metrics, Mapping) else None
                        reading = _summary_reading(metric, raw, info)
                        if reading is not None:
                            readings[metric] = reading
        return cls(readings)


def _add_evidence(readings: dict[str, Reading], item: Any) -> None:
    if not isinstance(item, Mapping) or not isinstance(item.get("metric"), str):
        return
    value = _finite(item.get("value"))
    side = item.get("side") if item.get("side") in ("left", "right", "both") else "both"
    if value is None:
        return
    band = item.get("band") if isinstance(item.get("band"), list | tuple) else (None, None)
    low, high = (_finite(band[0]), _finite(band[1])) if len(band) == 2 else (None, None)
    metric = item["metric"]
    old = readings.get(metric)
    values = dict(old.values) if old else {}
    values.setdefault(side, value)
    readings[metric] = Reading(
        metric=metric,
        name=str(item.get("name") or metric),
        unit=str(item.get("unit") or ""),
        values=values,
        band=old.band if old and old.band != (None, None) else (low, high),
    )


def _summary_reading(metric: str, raw: Any, info: Any) -> Reading | None:
    info = info if isinstance(info, Mapping) else {}
    quality = info.get("quality")
    if isinstance(quality, Mapping) and quality.get("trusted") is False:
        return None
    if isinstance(raw, Mapping):
        # a leg whose value is not reliable (the far leg, seen from the other side) is not
        # quoted back to the runner
        reliability = (
            info.get("reliability") if isinstance(info.get("reliability"), Mapping) else {}
        )
        values = {
            s: v
            for s in ("left", "right")
            if (v := _finite(raw.get(s))) is not None
            and not (
                isinstance(reliability.get(s), Mapping) and reliability[s].get("reliable") is False
            )
        }
    else:
        value = _finite(raw)
        values = {"both": value} if value is not None else {}
    if not values:
        return None
    band_raw = info.get("band") if isinstance(info.get("band"), Mapping) else {}
    return Reading(
        metric=metric,
        name=str(info.get("name") or metric.replace("_", " ")),
        unit=str(info.get("unit") or ""),
        values=values,
        band=(_finite(band_raw.get("low")), _finite(band_raw.get("high"))),
    )


# ----------------------------------------------------------------------------- cadence


def cadence(measurements: Measurements) -> float | None:
    """The runner's cadence in steps/min, when measured and plausible."""
    reading = measurements.get("cadence_spm")
    if reading is None:
        return None
    value = reading.values.get("both")
    if value is None:
        sides = list(reading.values.values())
        value = sum(sides) / len(sides)
    low, high = PLAUSIBLE_CADENCE
    return value if low <= value <= high else None


def raised_cadence(value: float, percent: float) -> int:
    """``value`` raised by ``percent`` %, to the nearest whole step a minute (half up)."""
    return math.floor(value * (1 + percent / 100.0) + 0.5)


def metronome_target(measurements: Measurements, week: int, short: bool = False) -> str:
    """The metronome setting for ``week``, from the runner's cadence when it is known.

    ``short`` gives the few words shown beside the dose in a session.
    """
    first, most = CADENCE_RAISE_PCT
    later = week >= CADENCE_LATER_WEEK
    value = cadence(measurements)
    if value is None:
        if short:
            return f"metronome +{first} %" + (f", up to +{most} %" if later else "")
        text = (
            f"Set the metronome {first} % above your usual cadence (count your steps for "
            "30 seconds and double it; 160 becomes 168)."
        )
        if later:
            text += f" Once that feels natural, go up to {most} % above it."
        return text
    goal, top = raised_cadence(value, first), raised_cadence(value, most)
    if short:
        return f"metronome {goal}" + (f"–{top}" if later else "") + " beats/min"
    text = (
        f"Set the metronome to {goal} beats a minute: your cadence of {value:.0f} steps/min "
        f"+ {first} %."
    )
    if later:
        text += f" Once that feels natural, go up to {top} (+{most} %), no further."
    return text


#: Exercises whose setting comes from the runner's numbers: id → (measurements, week, short).
EXERCISE_TARGETS = {"metronome_run": metronome_target}


def exercise_target(
    exercise_id: str, measurements: Measurements, week: int, short: bool = True
) -> str:
    """The runner-specific setting of an exercise in ``week`` (empty if it has none).

    Short by default (shown beside the dose in a session); ``short=False`` gives the full
    sentence for the exercise list.
    """
    rule = EXERCISE_TARGETS.get(exercise_id)
    return rule(measurements, week, short) if rule else ""


# ----------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class FindingNumbers:
    """What was measured for a finding, and the goal for the re-test (empty when unknown).

    ``goal`` is a phrase to put after "Target at the re-test:", e.g. ``thigh extension 18°
    or more`` or ``cadence about 177 steps/min at the same pace``.
    """

    measured: str = ""
    goal: str = ""


def _asymmetry_measured(finding: Mapping[str, Any] | None) -> str:
    """``Touchdown distance: 8.6 % of leg length (left), 20.1 % of leg length (right),
    symmetry index 64 %.`` for each metric the asymmetry finding compared."""
    if not isinstance(finding, Mapping):
        return ""
    per_metric: dict[str, dict[str, Reading]] = {}
    notes: dict[str, str] = {}
    for item in finding.get("evidence") or ():
        if isinstance(item, Mapping) and isinstance(item.get("metric"), str):
            bucket = per_metric.setdefault(item["metric"], {})
            _add_evidence(bucket, item)
            if isinstance(item.get("note"), str) and item["note"].startswith("symmetry"):
                notes[item["metric"]] = item["note"]
    parts = []
    for metric, bucket in per_metric.items():
        reading = bucket[metric]
        text = f"{reading.name}: {reading.value_text()}"
        parts.append(text + (f", {notes[metric]}" if metric in notes else ""))
    return "; ".join(parts) + "." if parts else ""


def finding_numbers(
    finding_id: str, measurements: Measurements, finding: Mapping[str, Any] | None = None
) -> FindingNumbers:
    """The measured values and the re-test goal of a finding.

    ``finding`` is the finding dict itself, for the findings whose numbers are a comparison
    (``asymmetry``: both sides of each metric and their symmetry index).
    """
    worded = WORDED_TARGETS.get(finding_id, "")
    if finding_id == "asymmetry":
        return FindingNumbers(measured=_asymmetry_measured(finding), goal=worded)
    metric_concern = FINDING_METRIC.get(finding_id)
    if metric_concern is None:
        return FindingNumbers(goal=worded)
    metric, concern = metric_concern
    reading = measurements.get(metric)
    if reading is None:
        return FindingNumbers(goal=worded)
    name = reading.name
    if ": " in name:  # "Drive: peak backward thigh speed" -> "Drive (peak backward thigh speed)"
        head, tail = name.split(": ", 1)
        name = f"{head} ({tail})"
    band = reading.band_text()
    measured = f"{name}: {reading.value_text()}" + (f"; reference {band}." if band else ".")
    if finding_id in CADENCE_FINDINGS:
        value = cadence(measurements)
        if value is None:
            return FindingNumbers(measured=measured)
        goal = raised_cadence(value, CADENCE_RAISE_PCT[0])
        return FindingNumbers(measured, f"cadence about {goal} steps/min at the same pace")
    low, high = reading.band
    edge = low if concern == "low" else high if concern == "high" else None
    if edge is None:
        return FindingNumbers(measured=measured, goal=worded)
    words = "or more" if concern == "low" else "or less"
    return FindingNumbers(
        measured, f"{lower_first(name)} {format_edge(edge, reading.unit)} {words}"
    )
