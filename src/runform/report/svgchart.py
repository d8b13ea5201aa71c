"""Small charts drawn straight to SVG: panels with nice ticks, lines, bands and markers.

The report needs a few kinds of chart (curves with a shaded spread, per-step dots, bars,
strips) and must draw them for every analysis a worker runs. Drawing them directly costs
milliseconds where a plotting library's layout and export cost about two seconds a report
(``docs/deploy.md``). The same SVG goes into the HTML page, as an image, and into the PDF,
which fpdf2 draws as vector paths, so the two show one drawing; only the font name differs
(:meth:`Chart.svg`).

Coordinates are points (1/72 inch); a panel maps its data limits, found from what was
drawn in it plus a 5 % margin unless set, onto its box.

>>> chart = Chart(3.0, 2.0)
>>> ax = chart.panel(0, 0, title="speed")
>>> ax.line([0, 1, 2], [3.0, 4.0, 3.5], "#e69f00")
>>> svg = chart.svg()
>>> svg.startswith(b"<svg") and b"polyline" in svg
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import numpy as np

from runform.report.svgdraw import (
    FONT,
    FONT_TOKEN,
    GRID,
    HTML_FONT,
    INK,
    LEGEND_FONT,
    PDF_FONT,
    TICK_INK,
    TITLE_FONT,
    alpha_attr,
    arrow_els,
    dash_attr,
    finite_runs,
    fmt,
    labelled,
    marker,
    nice_ticks,
    points_attr,
    seg,
    text_el,
    text_width,
    tick_label,
)

__all__ = [
    "HTML_FONT",
    "PDF_FONT",
    "Chart",
    "LegendItem",
    "Panel",
    "nice_ticks",
    "text_width",
    "tick_label",
]


@dataclass
class Panel:
    """One set of axes: what is drawn in data coordinates, turned into SVG by :class:`Chart`.

    Limits come from what was drawn (and :meth:`include`) plus ``margin`` of the range,
    unless set with ``xlim``/``ylim``.
    """

    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None
    xticks: list[tuple[float, str]] | None = None
    yticks: list[tuple[float, str]] | None = None
    grid: str = "xy"
    spines: str = "lb"
    tick_font: float = FONT
    margin: float = 0.05
    title_pad: float = 0.0
    notes: list[tuple[float, str]] = field(default_factory=list)
    _ops: list[tuple] = field(default_factory=list)
    _xs: list[float] = field(default_factory=list)
    _ys: list[float] = field(default_factory=list)

    # ------------------------------------------------------------------ drawing
    def _extent(self, xs: Sequence[float] | None, ys: Sequence[float] | None) -> None:
        for target, vals in ((self._xs, xs), (self._ys, ys)):
            if vals is not None:
                arr = np.asarray(vals, float).ravel()
                arr = arr[np.isfinite(arr)]
                if arr.size:
                    target += [float(arr.min()), float(arr.max())]

    def line(
        self,
        x: Sequence[float],
        y: Sequence[float],
        colour: str,
        width: float = 1.0,
        dash: str | None = None,
        opacity: float = 1.0,
    ) -> None:
        """A polyline through the finite points."""
        self._ops.append(
            ("line", np.asarray(x, float), np.asarray(y, float), colour, width, dash, opacity)
        )
        self._extent(x, y)

    def fill_between(
        self,
        x: Sequence[float],
        y0: Sequence[float],
        y1: Sequence[float],
        colour: str,
        opacity: float,
    ) -> None:
        """The area between two curves (mean ± SD)."""
        self._ops.append(
            (
                "fill",
                np.asarray(x, float),
                np.asarray(y0, float),
                np.asarray(y1, float),
                colour,
                opacity,
            )
        )
        self._extent(x, np.concatenate([np.asarray(y0, float), np.asarray(y1, float)]))

    def rect(
        self, x0: float | None, x1: float | None, y0: float | None, y1: float | None,
        colour: str, opacity: float = 1.0,
    ) -> None:  # fmt: skip
        """A rectangle in data coordinates; a ``None`` edge runs to the panel's edge."""
        self._ops.append(("rect", x0, x1, y0, y1, colour, opacity))
        self._extent([v for v in (x0, x1) if v is not None] or None,
                     [v for v in (y0, y1) if v is not None] or None)  # fmt: skip

    def hline(self, y: float, colour: str, width: float = 0.9, dash: str | None = "4 2.5") -> None:
        """A horizontal line across the panel."""
        self._ops.append(("hline", y, colour, width, dash))
        self._extent(None, [y])

    def vline(
        self,
        x: float,
        colour: str,
        width: float = 0.9,
        dash: str | None = "4 2.5",
        opacity: float = 1.0,
    ) -> None:
        """A vertical line across the panel."""
        self._ops.append(("vline", x, colour, width, dash, opacity))
        self._extent([x], None)

    def markers(
        self, x: Sequence[float], y: Sequence[float], shape: str, colour: str,
        size: float = 4.0, edge: str | None = None, fill: str | None = None,
        opacity: float = 1.0,
    ) -> None:  # fmt: skip
        """Markers at the finite points (``o``, ``s``, ``D``, ``x``; see :func:`marker`)."""
        self._ops.append(
            ("markers", np.asarray(x, float), np.asarray(y, float), shape, colour, size, edge,
             fill, opacity)
        )  # fmt: skip
        self._extent(x, y)

    def arrow(
        self, x0: float, y0: float, x1: float, y1: float, colour: str, width: float = 1.4
    ) -> None:
        """A line from (x0, y0) to (x1, y1) with a head at its end."""
        self._ops.append(("arrow", x0, y0, x1, y1, colour, width))
        self._extent([x0, x1], [y0, y1])

    def text(
        self, x: float, y: float, text: str, size: float = 6.5, colour: str = TICK_INK,
        anchor: str = "start", dx: float = 0.0, above: bool = False,
    ) -> None:  # fmt: skip
        """``text`` at data (x, y), moved ``dx`` points; with ``above``, just over the
        panel's top edge instead of at ``y``."""
        self._ops.append(("text", x, y, text, size, colour, anchor, dx, above))

    def include(self, x: Sequence[float] | None = None, y: Sequence[float] | None = None) -> None:
        """Make the automatic limits take in these values without drawing anything."""
        self._extent(x, y)

    # ------------------------------------------------------------------ limits
    def limits(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The x and y limits the panel is drawn with."""
        return self._limit(self.xlim, self._xs), self._limit(self.ylim, self._ys)

    def _limit(self, fixed, seen: list[float]) -> tuple[float, float]:
        if fixed is not None:
            return float(fixed[0]), float(fixed[1])
        if not seen:
            return 0.0, 1.0
        lo, hi = min(seen), max(seen)
        span = hi - lo
        if span <= 0:
            span = abs(lo) * 0.1 or 1.0
            return lo - span, hi + span
        return lo - self.margin * span, hi + self.margin * span

    def ticks(self) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
        """(value, label) ticks along x and y."""
        (x0, x1), (y0, y1) = self.limits()
        return (
            self.xticks if self.xticks is not None else labelled(nice_ticks(x0, x1, 6)),
            self.yticks if self.yticks is not None else labelled(nice_ticks(y0, y1, 5)),
        )

    def left_room(self) -> float:
        """Points needed left of the box: tick labels and the y label."""
        _, yticks = self.ticks()
        widest = max((text_width(t, self.tick_font) for _, t in yticks), default=0.0)
        return widest + 6.0 + (FONT + 5.0 if self.ylabel else 0.0)

    # ------------------------------------------------------------------ output
    def svg(self, left: float, top: float, width: float, height: float) -> list[str]:
        """The panel's SVG elements for a box at (``left``, ``top``) of ``width`` × ``height``:
        grid, then what was drawn (in order), then spines, ticks and labels on top."""
        box = _Box(left, top, width, height, *self.limits())
        xticks, yticks = self.ticks()
        out: list[str] = []
        for v, _ in xticks if "x" in self.grid else ():
            out.append(seg(box.px(v), top, box.px(v), box.bottom, GRID, 0.6))
        for v, _ in yticks if "y" in self.grid else ():
            out.append(seg(left, box.py(v), box.right, box.py(v), GRID, 0.6))
        for op in self._ops:
            out += _draw_op(op, box)
        return out + self._frame(box, xticks, yticks)

    def _frame(
        self, box: _Box, xticks: list[tuple[float, str]], yticks: list[tuple[float, str]]
    ) -> list[str]:
        """Spines, ticks, tick labels, notes, title and axis labels."""
        left, top, bottom, size = box.left, box.top, box.bottom, self.tick_font
        out: list[str] = []
        if "l" in self.spines:
            out.append(seg(left, top, left, bottom, INK, 0.8))
        if "b" in self.spines:
            out.append(seg(left, bottom, box.right, bottom, INK, 0.8))
        for v, label in xticks:
            out.append(seg(box.px(v), bottom, box.px(v), bottom + 3, INK, 0.8))
            out.append(text_el(box.px(v), bottom + 4 + size, label, size, "middle", fill=INK))
        for v, label in yticks:
            if "l" in self.spines:
                out.append(seg(left - 3, box.py(v), left, box.py(v), INK, 0.8))
            out.append(text_el(left - 5, box.py(v) + 0.35 * size, label, size, "end", fill=INK))
        for y, note in self.notes:
            out.append(text_el(box.right + 4, box.py(y) + 0.35 * 7, note, 7, fill=TICK_INK))
        centre = left + box.width / 2
        if self.title:
            y = top - 5 - self.title_pad
            out.append(text_el(centre, y, self.title, TITLE_FONT, "middle", fill=INK))
        if self.xlabel:
            y = bottom + 8 + size + FONT
            out.append(text_el(centre, y, self.xlabel, FONT, "middle", fill=INK))
        if self.ylabel:
            x, y = left - self.left_room() + FONT, top + box.height / 2
            turn = f"rotate(-90 {fmt(x)} {fmt(y)})"
            out.append(text_el(x, y, self.ylabel, FONT, "middle", fill=INK, transform=turn))
        return out


@dataclass(frozen=True)
class _Box:
    """A panel's box in points and the data limits mapped onto it."""

    left: float
    top: float
    width: float
    height: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def px(self, x: float) -> float:
        x0, x1 = self.xlim
        return self.left + (x - x0) * (self.width / (x1 - x0))

    def py(self, y: float) -> float:
        y0, y1 = self.ylim
        return self.top + self.height - (y - y0) * (self.height / (y1 - y0))

    def clamp_x(self, x: float | None, default: float) -> float:
        """``x`` (``default`` when ``None``) in points, kept inside the box."""
        return min(max(self.px(default if x is None else x), self.left), self.right)

    def clamp_y(self, y: float | None, default: float) -> float:
        return min(max(self.py(default if y is None else y), self.top), self.bottom)


def _draw_op(op: tuple, box: _Box) -> list[str]:
    """The SVG elements of one thing drawn in a panel (see :class:`Panel`'s methods)."""
    kind, px, py = op[0], box.px, box.py
    if kind == "rect":
        _, a, b, c, d, colour, opacity = op
        xa, xb = sorted((box.clamp_x(a, box.xlim[0]), box.clamp_x(b, box.xlim[1])))
        ya, yb = sorted((box.clamp_y(c, box.ylim[0]), box.clamp_y(d, box.ylim[1])))
        if xb - xa <= 0 or yb - ya <= 0:
            return []
        return [
            f'<rect x="{fmt(xa)}" y="{fmt(ya)}" width="{fmt(xb - xa)}" '
            f'height="{fmt(yb - ya)}" fill="{colour}"{alpha_attr("fill", opacity)}/>'
        ]
    if kind == "fill":
        _, x, lo, hi, colour, opacity = op
        ok = np.isfinite(x) & np.isfinite(lo) & np.isfinite(hi)
        if ok.sum() < 2:
            return []
        pts = [(px(a), py(b)) for a, b in zip(x[ok], hi[ok], strict=True)]
        pts += [(px(a), py(b)) for a, b in zip(x[ok][::-1], lo[ok][::-1], strict=True)]
        fill = f'fill="{colour}"{alpha_attr("fill", opacity)}'
        return [f'<polygon points="{points_attr(pts)}" {fill}/>']
    if kind == "line":
        _, x, y, colour, lw, dash, opacity = op
        style = (
            f'fill="none" stroke="{colour}" stroke-width="{fmt(lw)}" stroke-linejoin="round"'
            f"{dash_attr(dash)}{alpha_attr('stroke', opacity)}"
        )
        return [
            f'<polyline points="{points_attr([(px(a), py(b)) for a, b in run])}" {style}/>'
            for run in finite_runs(x, y)
        ]
    if kind == "hline":
        _, y, colour, lw, dash = op
        return [seg(box.left, py(y), box.right, py(y), colour, lw, dash)]
    if kind == "vline":
        _, x, colour, lw, dash, opacity = op
        return [seg(px(x), box.top, px(x), box.bottom, colour, lw, dash, opacity)]
    if kind == "markers":
        _, x, y, shape, colour, size, edge, fill, opacity = op
        return [
            marker(px(a), py(b), shape, colour, size, edge, fill, opacity)
            for a, b in zip(x, y, strict=True)
            if math.isfinite(a) and math.isfinite(b)
        ]
    if kind == "arrow":
        _, a0, b0, a1, b1, colour, lw = op
        return arrow_els(px(a0), py(b0), px(a1), py(b1), colour, lw)
    if kind == "text":
        _, a, b, label, size, colour, anchor, dx, above = op
        ty = box.top - 3.0 if above else py(b) + 0.35 * size
        return [text_el(px(a) + dx, ty, label, size, anchor, fill=colour)]
    raise ValueError(f"unknown drawing {kind!r}")


@dataclass(frozen=True)
class LegendItem:
    """A legend entry: ``kind`` ``line`` (with an optional marker), ``patch``, ``marker``,
    ``hollow`` (an outlined marker), ``dotted`` (a dotted line with a marker) or ``arrow``."""

    label: str
    colour: str
    kind: str = "line"
    shape: str | None = None
    opacity: float = 1.0


class Chart:
    """A figure of ``rows`` × ``cols`` panels, ``width_in`` × ``height_in`` inches, with an
    optional legend row under them (or at the top right with ``legend_at="top"``)."""

    def __init__(self, width_in: float, height_in: float, rows: int = 1, cols: int = 1) -> None:
        self.width_in = width_in
        self.height_in = height_in
        self.rows = rows
        self.cols = cols
        self.panels: dict[tuple[int, int], Panel] = {}
        self.legend: list[LegendItem] = []
        self.legend_at = "bottom"
        self.pad = (6.0, 6.0, 6.0, 6.0)  # top, right, bottom, left (points)

    def panel(self, row: int, col: int, **kw) -> Panel:
        """The panel at (``row``, ``col``), made with ``kw`` (see :class:`Panel`)."""
        p = Panel(**kw)
        self.panels[(row, col)] = p
        return p

    # ------------------------------------------------------------------ layout
    def _boxes(self) -> dict[tuple[int, int], tuple[float, float, float, float]]:
        w, h = self.width_in * 72.0, self.height_in * 72.0
        top_pad, right_pad, bottom_pad, left_pad = self.pad
        legend_h = LEGEND_FONT + 8.0 if self.legend and self.legend_at == "bottom" else 0.0
        cell_w = (w - left_pad - right_pad) / self.cols
        cell_h = (h - top_pad - bottom_pad - legend_h) / self.rows
        boxes = {}
        for (r, c), p in self.panels.items():
            head = (TITLE_FONT + 8.0 if p.title else 4.0) + p.title_pad
            foot = 7.0 + p.tick_font + (FONT + 5.0 if p.xlabel else 0.0)
            right = max((text_width(t, 7) for _, t in p.notes), default=0.0)
            right = right + 8.0 if p.notes else 8.0
            left = p.left_room() + 2.0
            x = left_pad + c * cell_w + left
            y = top_pad + r * cell_h + head
            boxes[(r, c)] = (x, y, cell_w - left - right, cell_h - head - foot)
        return boxes

    def _legend_svg(self) -> list[str]:
        if not self.legend:
            return []
        w, h = self.width_in * 72.0, self.height_in * 72.0
        widths = [22.0 + text_width(it.label, LEGEND_FONT) + 12.0 for it in self.legend]
        x = (w - sum(widths)) / 2.0 if self.legend_at == "bottom" else w - sum(widths) - 4.0
        y = h - self.pad[2] - LEGEND_FONT / 2.0 - 2.0 if self.legend_at == "bottom" else LEGEND_FONT
        out = []
        for it, wi in zip(self.legend, widths, strict=True):
            if it.kind == "patch":
                out.append(
                    f'<rect x="{fmt(x)}" y="{fmt(y - 3.5)}" width="16" height="7" fill="{it.colour}"'
                    f'{alpha_attr("fill", it.opacity)} stroke="{it.colour}" stroke-width="0.5"/>'
                )
            if it.kind == "line":
                out.append(seg(x, y, x + 16, y, it.colour, 1.4))
            if it.kind == "dotted":
                out.append(seg(x, y, x + 16, y, it.colour, 1.0, "1 2"))
            if it.kind == "arrow":
                out += arrow_els(x, y, x + 16, y, it.colour, 1.4)
            if it.shape and it.kind == "hollow":
                out.append(marker(x + 8, y, it.shape, it.colour, 4.5, it.colour, "#ffffff"))
            elif it.shape:
                out.append(marker(x + 8, y, it.shape, it.colour, 4.0))
            out.append(text_el(x + 21, y + 0.35 * LEGEND_FONT, it.label, LEGEND_FONT, fill=INK))
            x += wi
        return out

    def svg(self, font: str = HTML_FONT) -> bytes:
        """The chart as an SVG document whose text is set in ``font`` (a CSS family list
        for a browser, :data:`PDF_FONT` for fpdf2)."""
        return self.svgs((font,))[0]

    def svgs(self, fonts: Sequence[str]) -> list[bytes]:
        """The chart laid out once, as one SVG document per font in ``fonts``."""
        w, h = self.width_in * 72.0, self.height_in * 72.0
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{fmt(w)}pt" height="{fmt(h)}pt" '
            f'viewBox="0 0 {fmt(w)} {fmt(h)}">',
            f'<rect x="0" y="0" width="{fmt(w)}" height="{fmt(h)}" fill="#ffffff"/>',
        ]
        for key, box in self._boxes().items():
            parts += self.panels[key].svg(*box)
        parts += self._legend_svg()
        parts.append("</svg>")
        text = "\n".join(parts)
        return [text.replace(FONT_TOKEN, escape(f, {'"': "&quot;"})).encode() for f in fonts]
