"""The readable summary table printed after an analysis."""

from __future__ import annotations

from rich.table import Table

from runform.cli.common import console


def _fmt(v: object) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.1f}" if abs(v) >= 1 else f"{v:.2f}"
    return str(v)


def print_summary(doc: dict) -> None:
    """Print metrics (per side, band, quality) and warnings of an analysis document."""
    ctx = doc.get("context", {})
    inp = doc.get("input", {})
    console.print(
        f"[bold]{inp.get('n_frames')} frames at {inp.get('frame_rate')} fps[/] · facing "
        f"{ctx.get('facing')} · {ctx.get('setting')} · time base: {inp.get('time_base')}"
    )
    table = Table(title="Running form", show_lines=False)
    for col in ("metric", "left", "right", "all", "band", "quality"):
        table.add_column(col)
    for _mid, m in doc.get("metrics", {}).items():
        band = m.get("band") or {}
        lo, hi = band.get("low"), band.get("high")
        if not band:
            band_s = ""
        elif hi is None:
            band_s = f"≥ {_fmt(lo)}"
        elif lo is None:
            band_s = f"≤ {_fmt(hi)}"
        else:
            band_s = f"{_fmt(lo)}–{_fmt(hi)}"
        q = m["quality"]
        qs = q["level"] if q["trusted"] else f"[red]{q['level']}[/]"
        table.add_row(
            f"{m['name']} ({m['unit']})",
            _fmt((m.get("left") or {}).get("median")),
            _fmt((m.get("right") or {}).get("median")),
            _fmt(m["all"]["median"]),
            band_s,
            qs,
        )
    console.print(table)
    for f in doc.get("findings", []) or []:
        console.print(
            f"[bold]• {f['title']}[/] ({f.get('severity_label')}, confidence "
            f"{f.get('confidence_label')})"
        )
    for w in doc.get("warnings", []):
        colour = "yellow" if w.get("level") == "warning" else "cyan"
        console.print(f"[{colour}]{w['level']}:[/] {w['message']}")
