"""The headline of a before/after comparison, and one line per metric that changed
(:func:`headline`, the ``summary`` of ``compare.json``)."""

from __future__ import annotations

from runform.compare.change import TOO_FEW_STEPS
from runform.compare.conditions import Condition
from runform.findings.wording import fmt_value


def _signed(value: float, unit: str) -> str:
    return ("+" if value > 0 else "") + fmt_value(value, unit, short=True)


def _metric_line(rows: list[dict]) -> str:
    """One line for a metric with a real change: each side's values and change, and how the
    change sits against the band, e.g. ``"Thigh extension: left 25.3° → 30.2° (+4.9°),
    right ...; within the range both times."``."""
    first = rows[0]
    unit = first["unit"]
    parts = []
    for r in rows:
        side = "" if r["side"] == "all" else f"{r['side']} "
        values = (
            f"{fmt_value(r['before']['value'], unit, short=True)} → "
            f"{fmt_value(r['after']['value'], unit, short=True)}"
        )
        if not (r["before"]["reliable"] and r["after"]["reliable"]):
            continue  # a leg not measured reliably is not reported as changed or unchanged
        if r["real_change"]:
            change = _signed(r["change"], unit)
            if r["change_pct"] is not None and unit in ("steps/min", "ms", "deg/s", "m"):
                change += f", {r['change_pct']:+.1f} %".replace("-", "−")
            parts.append(f"{side}{values} ({change})")
        else:
            parts.append(f"{side}no real change")
    line = f"{first['name']}: " + ", ".join(parts)
    real = [r for r in rows if r["real_change"]]
    towards = {r["toward_band"] for r in real if r["graded"] and r["toward_band"]}
    if len(towards) == 1:
        line += f"; {towards.pop()}"
    if any(r["timing_caveat"] for r in real):
        line += " (within the contact-timing uncertainty between two videos: confirm)"
    unfair = sorted({code for r in real for code in r["unfair_because"]})
    if unfair:
        line += " (not a fair comparison: " + ", ".join(c.replace("_", " ") for c in unfair) + ")"
    return line + "."


def headline(rows: list[dict], identical: bool, conditions: list[Condition]) -> dict:
    """The comparison's summary: a headline sentence (real changes, or none, or nothing
    that could be compared; lines withheld for too few steps; conditions that differ), the
    counts, and one line per metric with a real change."""
    real = [r for r in rows if r["real_change"]]
    fair_real = [r for r in real if r["fair"]]
    few = [r for r in rows if r["verdict"] == TOO_FEW_STEPS]
    tested = [r for r in rows if r["real_change"] or r["verdict"] == "no real change"]
    lines = []
    if identical:
        headline = "BEFORE and AFTER are the same analysis: no change."
    elif not real and not tested and few:
        headline = (
            "Nothing could be compared: one of the videos has too few steps to tell a change "
            "from step-to-step variation; film at least 10 s of steady running each time."
        )
    elif not real:
        headline = (
            "No real change: every difference is within the smallest change these videos can "
            "detect."
        )
    else:
        n = len(real)
        headline = f"{n} real change{'' if n == 1 else 's'}"
        if len(fair_real) < n:
            headline += f" ({len(fair_real)} under the same conditions)"
        headline += "; everything else: no real change."
        by_metric: dict[str, list[dict]] = {}
        for r in rows:
            by_metric.setdefault(r["metric"], []).append(r)
        changed = [rs for rs in by_metric.values() if any(r["real_change"] for r in rs)]
        # graded metrics (those that judge form) first, then by how far past the threshold
        changed.sort(
            key=lambda rs: (
                not rs[0]["graded"],
                -max(
                    abs(r["change"]) / (r["sdc"]["value"] or 1e-9) for r in rs if r["real_change"]
                ),
            )
        )
        lines = [_metric_line(rs) for rs in changed]
    if few and tested and not identical:
        headline += (
            f" {len(few)} line{'s' if len(few) > 1 else ''} had too few steps in a video to tell."
        )
    warnings = [c for c in conditions if c.level == "warning"]
    if warnings and not identical:
        headline += (
            " Not a like-for-like re-test: "
            + "; ".join(c.code.replace("_", " ") for c in warnings)
            + " (see Conditions)."
        )
    return {
        "headline": headline,
        "real_changes": len(real),
        "fair_real_changes": len(fair_real),
        "compared": sum(1 for r in rows if r["change"] is not None),
        "lines": lines,
    }
