"""Small helpers that turn numbers into the plain words the findings and the report use.

Examples
--------
>>> fmt_value(14.24, "deg")
'14.2°'
>>> fmt_band(18.0, 30.0, "deg")
'18–30°'
>>> fmt_band(250.0, None, "deg/s")
'≥ 250°/s'
>>> fmt_band(-2.0, 10.0, "deg")
'−2 to 10°'
>>> side_phrase(["left", "right"])
'both legs'
"""

from __future__ import annotations

import math

#: How each catalogue unit is written after a number (no space before "°").
_UNIT_SUFFIX = {
    "deg": "°",
    "deg/s": "°/s",
    "% leg": " % of leg length",
    "%": " %",
    "× leg": " × leg length",
    "steps/min": " steps/min",
    "ms": " ms",
    "m": " m",
    "cm": " cm",
}

_SHORT_SUFFIX = {**_UNIT_SUFFIX, "% leg": " % leg", "× leg": " × leg"}


def _digits(value: float, unit: str) -> int:
    if unit in ("× leg", "m"):
        return 2
    if unit in ("steps/min", "ms", "deg/s"):
        return 0
    return 1


def fmt_number(value: float | None, unit: str) -> str:
    """A number rounded for its unit, without the unit (``"–"`` for missing)."""
    if value is None or not math.isfinite(value):
        return "–"
    text = f"{value:.{_digits(value, unit)}f}"
    return "0" if text in ("-0", "-0.0", "-0.00") else text.replace("-", "−")


def fmt_value(value: float | None, unit: str, short: bool = False) -> str:
    """A number with its unit, e.g. ``"14.2°"`` or ``"168 steps/min"``."""
    if value is None or not math.isfinite(value):
        return "–"
    suffix = (_SHORT_SUFFIX if short else _UNIT_SUFFIX).get(unit, f" {unit}" if unit else "")
    return fmt_number(value, unit) + suffix


def fmt_edge(value: float, unit: str) -> str:
    """A band edge: like :func:`fmt_number` but without a trailing ``.0`` (``18``, ``0.35``)."""
    text = fmt_number(value, unit)
    return text[:-2] if text.endswith(".0") else text


def fmt_band(
    low: float | None, high: float | None, unit: str, short: bool = False, with_unit: bool = True
) -> str:
    """A reference band such as ``"18–30°"``, ``"≥ 250°/s"`` or ``"≤ 10 %"`` (without the
    unit, rounded for it, when ``with_unit`` is false: a table that prints it beside the
    values)."""
    suffix = (_SHORT_SUFFIX if short else _UNIT_SUFFIX).get(unit, f" {unit}" if unit else "")
    if not with_unit:
        suffix = ""
    if low is not None and high is not None:
        sep = " to " if low < 0 or high < 0 else "–"
        return f"{fmt_edge(low, unit)}{sep}{fmt_edge(high, unit)}{suffix}"
    if low is not None:
        return f"≥ {fmt_edge(low, unit)}{suffix}"
    if high is not None:
        return f"≤ {fmt_edge(high, unit)}{suffix}"
    return "no reference band"


def side_phrase(sides: list[str]) -> str:
    """``"the left leg"``, ``"the right leg"`` or ``"both legs"``."""
    sides = [s for s in sides if s in ("left", "right")]
    if len(sides) == 1:
        return f"the {sides[0]} leg"
    return "both legs"


def side_clause(sides: list[str], singular: str, plural: str) -> str:
    """``"the left leg falls"`` / ``"both legs fall"``: the subject with its verb agreeing.

    >>> side_clause(["right"], "falls", "fall")
    'the right leg falls'
    """
    one = len([s for s in sides if s in ("left", "right")]) == 1
    return f"{side_phrase(sides)} {singular if one else plural}"


def values_phrase(evidence: list[dict], metric: str, short: bool = False) -> str:
    """``"14.2° (left) and 21.0° (right)"`` from the evidence records of one metric."""
    parts = []
    for item in evidence:
        if item["metric"] != metric:
            continue
        text = fmt_value(item["value"], item["unit"], short)
        parts.append(text if item["side"] == "both" else f"{text} ({item['side']})")
    return " and ".join(parts) if parts else "–"


# ----------------------------------------------------------------------------- verdicts
def entry_keys(entry: dict) -> tuple[str, ...]:
    """The keys a metric entry is reported under: ``left``/``right`` or ``all``."""
    return ("left", "right") if entry.get("per_side") else ("all",)


def is_reliable(entry: dict, key: str) -> bool:
    """Whether one leg's (or the whole body's) value of a metric entry is reliable (entries
    written before reliability was recorded count as reliable)."""
    record = (entry.get("reliability") or {}).get(key)
    return bool(record.get("reliable", True)) if isinstance(record, dict) else True


def is_far(entry: dict, key: str) -> bool:
    """Whether the value is the far leg's (seen from the other side)."""
    record = (entry.get("reliability") or {}).get(key)
    return isinstance(record, dict) and record.get("view") == "far"


def verdict_text(entry: dict, key: str) -> str:
    """The verdict of one value as the outputs print it: ``"below"``, ``"within"``,
    ``"above"`` (with ``", within error"`` when the value lies outside the band by no more
    than its measurement error), ``"seen from the other side"`` (the far leg),
    ``"not measured reliably"`` or ``"no band"``; ``""`` when there is no value.

    >>> entry = {"per_side": False, "all": {"median": 17.9}, "band": {"low": 18.0, "high": 30.0},
    ...          "measurement_error": {"all": 5.5}, "verdict": {"all": "below"}}
    >>> verdict_text(entry, "all")
    'below, within error'
    """
    stats = entry.get(key)
    if not stats or not isinstance(stats.get("median"), int | float):
        return ""
    verdict = (entry.get("verdict") or {}).get(key)
    if verdict is None:  # an entry written before verdicts were recorded
        verdict = _position(stats["median"], entry.get("band") or {})
    if verdict == "not measured reliably" and is_far(entry, key):
        return "seen from the other side"
    if verdict in ("below", "above"):
        band = entry.get("band") or {}
        edge = band.get("low") if verdict == "below" else band.get("high")
        error = (entry.get("measurement_error") or {}).get(key)
        if isinstance(edge, int | float) and isinstance(error, int | float):
            if abs(stats["median"] - edge) <= error:
                return f"{verdict}, within error"
    return str(verdict)


def _position(value: float, band: dict) -> str:
    low, high = band.get("low"), band.get("high")
    if low is None and high is None:
        return "no band"
    if low is not None and value < low:
        return "below"
    if high is not None and value > high:
        return "above"
    return "within"


def band_of(entry: dict, short: bool = True) -> str:
    """The band stored with a metric entry as text (``""`` when it has none)."""
    band = entry.get("band") or {}
    if band.get("low") is None and band.get("high") is None:
        return ""
    return fmt_band(band.get("low"), band.get("high"), entry.get("unit", ""), short=short)
