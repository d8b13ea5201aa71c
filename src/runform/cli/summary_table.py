"""The readable summary table printed after an analysis.

Every number comes from ``analysis.json`` as written: the band is the one stored with the
metric (moved to the runner's pace once, the same band the report, the findings and the
plan show), the verdict is the stored one, and a far-leg value is dimmed and marked as seen
from the other side. Two tables: per-leg metrics, then whole-body metrics.
"""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from runform.cli.common import console
from runform.findings.wording import (
    band_of,
    entry_keys,
    fmt_number,
    is_far,
    is_reliable,
    verdict_text,
)
from runform.keypoints import other_side

#: Verdict column header: where each value sits against its band.
VERDICT_COLUMN = "verdict"
#: Data-quality column header: steps, frame rate and keypoint confidence, not the verdict.
DATA_COLUMN = "data quality"


def _value(entry: dict, key: str) -> str:
    stats = entry.get(key) or {}
    median = stats.get("median")
    if not isinstance(median, int | float):
        return "–"
    text = fmt_number(median, entry.get("unit", ""))
    if is_far(entry, key):
        return f"[dim]{text} far[/]"
    if not is_reliable(entry, key):
        return f"[dim]{text}[/]"
    return text


def _edges(entry: dict) -> str:
    """The stored band, without its unit (the unit is in the metric's label)."""
    text = band_of(entry, short=True)
    unit_suffixes = ("°/s", "°", " % leg", " %", " × leg", " steps/min", " ms", " m", " cm")
    for suffix in unit_suffixes:
        if text.endswith(suffix):
            return text[: -len(suffix)]
    return text


def _verdicts(entry: dict) -> str:
    parts = []
    for key in entry_keys(entry):
        if is_far(entry, key):
            continue  # marked "far" in its value cell
        text = verdict_text(entry, key)
        if not text:
            continue
        if not is_reliable(entry, key):
            text = f"[dim]{text}[/]"
        parts.append(text if key == "all" else f"{key[0].upper()} {text}")
    return "; ".join(parts)


def _label(m: dict) -> str:
    unit = m.get("unit", "")
    name = escape(str(m["name"]))
    if not unit or str(m["name"]).endswith(f"({unit})"):  # "Vertical oscillation (cm)"
        return name
    return f"{name} ({unit})"


def _quality(m: dict) -> str:
    q = m.get("quality") or {}
    level = q.get("level", "")
    return level if q.get("trusted", True) else f"[red]{level}[/]"


def print_summary(doc: dict) -> None:
    """Print metrics (per leg, band, verdict, data quality) and warnings of an analysis."""
    ctx = doc.get("context", {})
    inp = doc.get("input", {})
    near = ctx.get("near_side")
    camera = f" · {near} leg nearer the camera" if near else " · near leg not known"
    console.print(
        f"[bold]{inp.get('n_frames')} frames at {inp.get('frame_rate')} fps[/] · facing "
        f"{ctx.get('facing')} · {ctx.get('setting')}{camera} · time base: {inp.get('time_base')}"
    )
    metrics = doc.get("metrics", {})
    legs = Table(title="Running form, per leg", show_lines=False, pad_edge=False)
    legs.add_column("metric", ratio=3, min_width=16)
    for col in ("left", "right"):
        legs.add_column(col, justify="right", no_wrap=True)
    legs.add_column("band", no_wrap=True)
    legs.add_column(VERDICT_COLUMN, ratio=2, min_width=10)
    legs.add_column(DATA_COLUMN, no_wrap=True)
    body = Table(title="Whole body", show_lines=False, pad_edge=False)
    body.add_column("metric", ratio=3, min_width=16)
    body.add_column("value", justify="right", no_wrap=True)
    body.add_column("band", no_wrap=True)
    body.add_column(VERDICT_COLUMN, ratio=2, min_width=10)
    body.add_column(DATA_COLUMN, no_wrap=True)
    for m in metrics.values():
        if m.get("per_side"):
            legs.add_row(
                _label(m), _value(m, "left"), _value(m, "right"), _edges(m) or "–",
                _verdicts(m), _quality(m),
            )  # fmt: skip
        else:
            body.add_row(_label(m), _value(m, "all"), _edges(m) or "–", _verdicts(m), _quality(m))
    if legs.row_count:
        console.print(legs)
    far = other_side(near) if near else None
    # no far value shown (the near leg measured alone): no footnote for it
    far_shown = far and any((m.get(far) or {}).get("median") is not None for m in metrics.values())
    if legs.row_count and far_shown:
        console.print(
            f"[dim]far = seen from the other side: the {far} leg was partly hidden, so its "
            f"values are not judged; film the runner's {far} side to measure it.[/]"
        )
    if body.row_count:  # no whole-body value (no cadence...): no empty table
        console.print(body)
    for f in doc.get("findings", []) or []:
        measured = f.get("measured_on") or []
        on = f", measured on the {measured[0]} leg" if len(measured) == 1 else ""
        console.print(
            f"[bold]• {escape(str(f['title']))}[/] ({f.get('severity_label')}, confidence "
            f"{f.get('confidence_label')}{on})"
        )
    for w in doc.get("warnings", []):
        colour = "yellow" if w.get("level") == "warning" else "cyan"
        console.print(f"[{colour}]{w['level']}:[/] {escape(str(w['message']))}")
