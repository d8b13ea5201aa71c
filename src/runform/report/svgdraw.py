"""SVG pieces the charts are made of: text set in DejaVu Sans (widths estimated), round tick
values and labels, markers, segments and arrows, as SVG element strings in points.

:mod:`runform.report.svgchart` lays panels and legends out with them.

>>> seg(0, 0, 10, 0, "#222222", 0.8)
'<line x1="0" y1="0" x2="10" y2="0" stroke="#222222" stroke-width="0.8"/>'
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

import numpy as np

#: Font families: a browser picks the first it has; fpdf2 needs the name the PDF registered.
HTML_FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
PDF_FONT = "DejaVu"
FONT_TOKEN = "@FONT@"

INK = "#222222"
TICK_INK = "#444444"
GRID = "#e4e4e4"
MINUS = "\u2212"

FONT = 8.5
TITLE_FONT = 9.5
LEGEND_FONT = 7.5

# DejaVu Sans advance widths in em, enough to size margins and centre labels.
_NARROW = set("iljt.,:;'|!()[]I ") | {"·"}
_WIDE = set("mwMW%@")


def text_width(text: str, size: float) -> float:
    """Approximate width in points of ``text`` set in DejaVu Sans at ``size`` points.

    >>> round(text_width("100", 10.0), 1)
    19.1
    """
    em = 0.0
    for ch in text:
        if ch.isdigit():
            em += 0.636
        elif ch in _NARROW:
            em += 0.3
        elif ch in _WIDE:
            em += 0.95
        elif ch.isupper():
            em += 0.7
        else:
            em += 0.6
    return em * size


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick positions inside ``[lo, hi]``, about ``target`` of them.

    >>> nice_ticks(-23.0, 41.0)
    [-20.0, 0.0, 20.0, 40.0]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(1, target)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9)
    ticks = []
    k = first
    while k * step <= hi + 1e-9 * step:
        ticks.append(round(k * step, 10) + 0.0)
        k += 1
    return ticks


def tick_label(value: float, step: float) -> str:
    """``-20.0, 20`` → ``"−20"``; decimals only as many as the tick step needs.

    >>> tick_label(-0.5, 0.25), tick_label(40.0, 20.0), tick_label(5.0, 2.5)
    ('−0.50', '40', '5.0')
    """
    decimals = 0
    if step > 0:
        decimals = next(
            (d for d in range(7) if abs(step * 10**d - round(step * 10**d)) < 1e-6 * 10**d), 6
        )
    text = f"{value:.{decimals}f}"
    if text.startswith("-"):
        text = MINUS + text[1:] if float(text) != 0 else text[1:]
    return text


def fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def text_el(x: float, y: float, text: str, size: float, anchor: str = "start", **attrs) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return (
        f'<text x="{fmt(x)}" y="{fmt(y)}" font-family="{FONT_TOKEN}" font-size="{fmt(size)}" '
        f'text-anchor="{anchor}"{extra}>{escape(text)}</text>'
    )


def marker(
    x: float,
    y: float,
    shape: str,
    colour: str,
    size: float,
    edge: str | None = None,
    fill: str | None = None,
    opacity: float = 1.0,
) -> str:
    """One marker centred on (x, y) points: ``o`` circle, ``s`` square, ``D`` diamond,
    ``x`` cross; ``size`` is its width in points, ``edge`` an outline colour, ``fill`` its
    inside when not ``colour`` (``"#ffffff"`` with ``edge`` for a hollow marker)."""
    r = size / 2.0
    width = 0.6 if fill is None else min(1.2, 0.22 * size)  # a small hollow dot stays hollow
    stroke = f' stroke="{edge}" stroke-width="{width}"' if edge else ""
    stroke += alpha_attr("opacity", opacity)
    colour = colour if fill is None else fill
    if shape == "s":
        r *= 0.9
        return (
            f'<rect x="{fmt(x - r)}" y="{fmt(y - r)}" width="{fmt(2 * r)}" height="{fmt(2 * r)}" '
            f'fill="{colour}"{stroke}/>'
        )
    if shape == "D":
        r *= 1.1
        pts = f"{fmt(x)},{fmt(y - r)} {fmt(x + r)},{fmt(y)} {fmt(x)},{fmt(y + r)} {fmt(x - r)},{fmt(y)}"
        return f'<polygon points="{pts}" fill="{colour}"{stroke}/>'
    if shape == "x":
        d = f"M{fmt(x - r)},{fmt(y - r)}L{fmt(x + r)},{fmt(y + r)}M{fmt(x - r)},{fmt(y + r)}L{fmt(x + r)},{fmt(y - r)}"
        return f'<path d="{d}" stroke="{colour}" stroke-width="1.5" fill="none"/>'
    return f'<circle cx="{fmt(x)}" cy="{fmt(y)}" r="{fmt(r)}" fill="{colour}"{stroke}/>'


def labelled(values: list[float]) -> list[tuple[float, str]]:
    step = values[1] - values[0] if len(values) > 1 else 1.0
    return [(v, tick_label(v, step)) for v in values]


def points_attr(pts: list[tuple[float, float]]) -> str:
    return " ".join(f"{fmt(a)},{fmt(b)}" for a, b in pts)


def alpha_attr(what: str, opacity: float) -> str:
    return f' {what}-opacity="{fmt(opacity)}"' if opacity < 1.0 else ""


def dash_attr(dash: str | None) -> str:
    return f' stroke-dasharray="{dash}"' if dash else ""


def seg(x0, y0, x1, y1, colour, width, dash=None, opacity=1.0) -> str:
    return (
        f'<line x1="{fmt(x0)}" y1="{fmt(y0)}" x2="{fmt(x1)}" y2="{fmt(y1)}" stroke="{colour}" '
        f'stroke-width="{fmt(width)}"{dash_attr(dash)}{alpha_attr("stroke", opacity)}/>'
    )


def arrow_els(x0: float, y0: float, x1: float, y1: float, colour: str, width: float) -> list[str]:
    length = math.hypot(x1 - x0, y1 - y0)
    if length < 1e-6:
        return []
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    head = min(5.0, 0.8 * length)
    bx, by = x1 - head * ux, y1 - head * uy
    wing = 0.45 * head
    pts = [(x1, y1), (bx - wing * uy, by + wing * ux), (bx + wing * uy, by - wing * ux)]
    return [
        seg(x0, y0, bx, by, colour, width),
        f'<polygon points="{points_attr(pts)}" fill="{colour}"/>',
    ]


def finite_runs(x: np.ndarray, y: np.ndarray) -> list[list[tuple[float, float]]]:
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for a, b in zip(x, y, strict=True):
        if math.isfinite(a) and math.isfinite(b):
            current.append((float(a), float(b)))
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [r for r in runs if len(r) >= 2]
