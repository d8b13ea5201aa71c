"""The report's figures, drawn with matplotlib and returned as image bytes.

Every figure is built on a fresh :class:`matplotlib.figure.Figure` (no pyplot, no global
state) and exported twice by :func:`render`: SVG with text drawn as paths (crisp on screen
and in print, needs no font) for the HTML report, and PNG for the PDF.

Figures
-------
- :func:`angle_curves_figure`: thigh, hip, knee and trunk over the gait cycle (0–100 %),
  both sides (mean ± SD), toe-off marked, reference bands where the metric applies.
- :func:`step_metrics_figure`: per-step values over time for the key metrics (consistency,
  left/right), with the band and each side's median.
- :func:`symmetry_figure`: each per-side metric's left and right value placed on its
  reference band (0 = low edge, 1 = high edge).
- :func:`timeline_figure`: stance phases of each foot over the clip (footfall pattern), with
  rejected steps marked.
- :func:`gauge_figure`: a small strip showing where a metric's value(s) sit on its band.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from runform.colours import LEFT_HEX, RIGHT_HEX
from runform.findings.wording import fmt_band, fmt_edge, fmt_number

P = ParamSpec("P")
R = TypeVar("R")

#: Left orange, right sky blue: the colours of the annotated video and the stills
#: (:mod:`runform.colours`); ``both`` for whole-body values.
SIDE_COLOURS = {"left": LEFT_HEX, "right": RIGHT_HEX, "both": "#333333"}
SIDE_MARKERS = {"left": "o", "right": "s", "both": "D"}
BAND_GRADED = "#2ca25f"
BAND_INFO = "#9e9e9e"

_RC = {
    "svg.fonttype": "path",
    "svg.hashsalt": "runform",
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9.5,
    "axes.labelsize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
}


@dataclass(frozen=True)
class Rendered:
    """A figure exported for both outputs (``svg`` is ``None`` for PNG-only figures)."""

    svg: bytes | None
    png: bytes
    width_in: float
    height_in: float

    def for_html(self) -> tuple[bytes, str]:
        """The bytes and MIME type the HTML embeds: SVG when there is one, else PNG."""
        return (self.svg, "image/svg+xml") if self.svg is not None else (self.png, "image/png")


def render(fig: Figure, dpi: int = 150, svg: bool = True) -> Rendered:
    """Export a figure as SVG (HTML) and PNG (PDF) bytes.

    The layout is computed once, on the first export, and frozen for the second.
    """
    with mpl.rc_context(_RC):
        svg_buf, png_buf = io.BytesIO(), io.BytesIO()
        if svg:
            fig.savefig(svg_buf, format="svg", metadata={"Date": None})
            fig.set_layout_engine("none")
        fig.savefig(png_buf, format="png", dpi=dpi, metadata={"Software": None})
    w, h = fig.get_size_inches()
    return Rendered(svg_buf.getvalue() if svg else None, png_buf.getvalue(), float(w), float(h))


def _styled(fn: Callable[P, R]) -> Callable[P, R]:
    """Build the figure under the report's matplotlib style (fonts, grid, spines)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with mpl.rc_context(_RC):
            return fn(*args, **kwargs)

    return wrapper


def _figure(
    width: float,
    height: float,
    nrows: int = 1,
    ncols: int = 1,
    layout: str | None = "constrained",
    **kw,
):
    fig = Figure(figsize=(width, height), layout=layout)  # type: ignore[arg-type]
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def _band(entry: dict | None) -> tuple[float | None, float | None]:
    band = (entry or {}).get("band") or {}
    return band.get("low"), band.get("high")


def _legend_handles(sides: bool = True, bands: bool = True) -> list:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = []
    if sides:
        handles += [
            Line2D([], [], color=SIDE_COLOURS[s], marker=SIDE_MARKERS[s], ms=4, label=s)
            for s in ("left", "right")
        ]
    if bands:
        handles += [
            Patch(color=BAND_GRADED, alpha=0.3, label="reference band (graded)"),
            Patch(color=BAND_INFO, alpha=0.3, label="typical range (not graded)"),
        ]
    return handles


def unit_label(unit: str) -> str:
    """Axis-friendly unit: ``deg`` → ``°``, ``deg/s`` → ``°/s``."""
    return {"deg": "°", "deg/s": "°/s"}.get(unit, unit)


# ----------------------------------------------------------------------------- gait cycle

#: Angle → [(metric, window, sign)] reference bands drawn on the cycle plots. ``window`` is
#: the phase span in % of the cycle, as a function of the toe-off percentage; ``sign`` maps
#: the metric to the angle (thigh extension is the thigh angle's negative).
_CYCLE_BANDS: dict[str, list[tuple[str, str, float]]] = {
    "thigh": [
        ("thigh_flexion_contact_deg", "contact", 1.0),
        ("thigh_extension_deg", "toe_off", -1.0),
        ("thigh_flexion_swing_peak_deg", "late_swing", 1.0),
    ],
    "hip": [("hip_extension_trunk_deg", "toe_off", -1.0)],
    "knee": [
        ("knee_flexion_contact_deg", "contact", 1.0),
        ("knee_flexion_stance_peak_deg", "mid_stance", 1.0),
        ("knee_flexion_swing_peak_deg", "mid_swing", 1.0),
    ],
    "trunk": [("trunk_lean_deg", "cycle", 1.0)],
}

ANGLE_TITLES = {
    "thigh": "Thigh angle (+ ahead of vertical)",
    "hip": "Hip angle against the trunk line (+ flexion)",
    "knee": "Knee flexion",
    "trunk": "Trunk lean (+ forward)",
    "shank": "Shank angle (+ ankle ahead of knee)",
}


def _windows(kind: str, toe_off: float) -> list[tuple[float, float]]:
    swing = 100.0 - toe_off
    if kind == "contact":
        return [(0.0, 4.0), (96.0, 100.0)]
    if kind == "toe_off":
        return [(max(0.0, toe_off - 10.0), min(100.0, toe_off + 10.0))]
    if kind == "mid_stance":
        return [(0.2 * toe_off, 0.8 * toe_off)]
    if kind == "mid_swing":
        return [(toe_off + 0.15 * swing, toe_off + 0.55 * swing)]
    if kind == "late_swing":
        return [(toe_off + 0.55 * swing, toe_off + 0.95 * swing)]
    return [(0.0, 100.0)]


@_styled
def angle_curves_figure(cycles: dict, metrics: dict, angles=("thigh", "hip", "knee", "trunk")):
    """Mean ± SD angle curves over the gait cycle, both sides, with reference bands.

    ``cycles`` is ``analysis["cycles"]``: ``{angle: {side: {mean, sd, n, toe_off_pct}}}``;
    ``metrics`` is ``analysis["metrics"]`` (bands). Returns ``None`` when no curve exists.
    """
    present = [a for a in angles if any((cycles.get(a) or {}).get(s) for s in ("left", "right"))]
    if not present:
        return None
    ncols = 2
    nrows = (len(present) + 1) // 2
    fig, axes = _figure(7.2, 2.5 * nrows, nrows, ncols)
    for ax, angle in zip(axes.flat, present, strict=False):
        toe_offs = []
        for side in ("left", "right"):
            curve = (cycles.get(angle) or {}).get(side)
            if not curve or not curve.get("mean"):
                continue
            mean = np.asarray(curve["mean"], float)
            sd = np.asarray(curve.get("sd") or np.zeros_like(mean), float)
            x = np.linspace(0.0, 100.0, mean.size)
            colour = SIDE_COLOURS[side]
            ax.plot(x, mean, color=colour, lw=1.6, label=f"{side} (n = {curve.get('n', '?')})")
            ax.fill_between(x, mean - sd, mean + sd, color=colour, alpha=0.15, lw=0)
            if curve.get("toe_off_pct") is not None:
                toe_offs.append(float(curve["toe_off_pct"]))
                ax.axvline(curve["toe_off_pct"], color=colour, ls="--", lw=0.9, alpha=0.8)
        toe_off = float(np.mean(toe_offs)) if toe_offs else 40.0
        for metric, window, sign in _CYCLE_BANDS.get(angle, []):
            low, high = _band(metrics.get(metric))
            if low is None or high is None:
                continue
            lo, hi = sorted((sign * low, sign * high))
            graded = (metrics.get(metric) or {}).get("graded", True)
            for x0, x1 in _windows(window, toe_off):
                ax.fill_between(
                    [x0, x1], lo, hi, color=BAND_GRADED if graded else BAND_INFO, alpha=0.18, lw=0
                )
        ax.set_title(ANGLE_TITLES.get(angle, angle))
        ax.set_xlim(0, 100)
        ax.set_xlabel("gait cycle (%)")
        ax.set_ylabel("degrees")
    for ax in list(axes.flat)[len(present) :]:
        ax.set_visible(False)
    fig.legend(handles=_legend_handles(), loc="outside lower center", ncols=5)
    return fig


# ----------------------------------------------------------------------------- per step

STEP_PLOT_METRICS: tuple[str, ...] = (
    "thigh_extension_deg",
    "touchdown_distance_pct",
    "knee_flexion_stance_peak_deg",
    "drive_peak_deg_s",
    "step_time_ms",
    "contact_time_ms",
)


def _min_span(ax, values: list[float], fraction: float = 0.05) -> None:
    """Keep step-to-step noise from looking large: show at least ±``fraction`` of the median."""
    if not values:
        return
    centre = float(np.median(values))
    half = fraction * abs(centre)
    y0, y1 = ax.get_ylim()
    if half > 0 and (y1 - y0) < 2 * half:
        ax.set_ylim(min(y0, centre - half), max(y1, centre + half))


def _shade_band(ax, low: float | None, high: float | None, graded: bool) -> None:
    """Shade a band across the axes; a one-sided band runs to the edge of the data range."""
    if low is None and high is None:
        return
    colour = BAND_GRADED if graded else BAND_INFO
    if low is not None and high is not None:
        ax.axhspan(low, high, color=colour, alpha=0.15, lw=0)
        return
    y0, y1 = ax.get_ylim()
    edge = low if low is not None else high
    y0, y1 = min(y0, edge - 0.05 * (y1 - y0)), max(y1, edge + 0.05 * (y1 - y0))
    if low is not None:
        ax.axhspan(low, y1, color=colour, alpha=0.15, lw=0)
    else:
        ax.axhspan(y0, high, color=colour, alpha=0.15, lw=0)
    ax.set_ylim(y0, y1)


@_styled
def step_metrics_figure(steps: list[dict], metrics: dict, names=STEP_PLOT_METRICS):
    """Per-step values over time (left/right), band shaded, each side's median dashed."""
    present = [m for m in names if any(s.get(m) is not None for s in steps)]
    if not present:
        return None
    nrows = (len(present) + 1) // 2
    fig, axes = _figure(7.2, 2.0 * nrows, nrows, 2)
    for ax, metric in zip(axes.flat, present, strict=False):
        entry = metrics.get(metric) or {}
        low, high = _band(entry)
        for side in ("left", "right"):
            pts = [
                (s["contact_s"], s[metric])
                for s in steps
                if s.get("side") == side and s.get(metric) is not None
            ]
            if not pts:
                continue
            t, v = np.array(pts, float).T
            colour = SIDE_COLOURS[side]
            ax.plot(t, v, ls="-", lw=0.6, color=colour, alpha=0.5)
            ax.plot(t, v, ls="none", marker=SIDE_MARKERS[side], ms=3.5, color=colour)
            ax.axhline(float(np.median(v)), color=colour, ls="--", lw=0.9)
        _min_span(ax, [s[metric] for s in steps if s.get(metric) is not None])
        _shade_band(ax, low, high, entry.get("graded", True))
        unit = unit_label(entry.get("unit", ""))
        ax.set_title(entry.get("name", metric) + (f" ({unit})" if unit else ""))
        ax.set_xlabel("time of contact (s)")
    for ax in list(axes.flat)[len(present) :]:
        ax.set_visible(False)
    fig.legend(handles=_legend_handles(), loc="outside lower center", ncols=4)
    return fig


# ----------------------------------------------------------------------------- symmetry


def band_position(value: float, low: float | None, high: float | None) -> float | None:
    """``value`` on its band: 0 at the low edge, 1 at the high edge (``None`` if not two-sided).

    >>> band_position(24.0, 18.0, 30.0)
    0.5
    """
    if low is None or high is None or high == low:
        return None
    return (value - low) / (high - low)


@_styled
def symmetry_figure(metrics: dict, names: list[str] | None = None):
    """Left and right medians of each per-side metric placed on its band (dumbbell chart)."""
    rows = []
    for metric, entry in metrics.items():
        if names is not None and metric not in names:
            continue
        if not entry.get("per_side") or not entry.get("left") or not entry.get("right"):
            continue
        low, high = _band(entry)
        pl = band_position(entry["left"]["median"], low, high)
        pr = band_position(entry["right"]["median"], low, high)
        if pl is None or pr is None or not np.isfinite([pl, pr]).all():
            continue
        rows.append((entry.get("name", metric), pl, pr, entry))
    if not rows:
        return None
    fig, axes = _figure(7.2, 0.32 * len(rows) + 1.0)
    ax = axes[0, 0]
    y = np.arange(len(rows))[::-1]
    ax.axvspan(0.0, 1.0, color=BAND_GRADED, alpha=0.15, lw=0, label="reference band")
    for yi, (_name, pl, pr, entry) in zip(y, rows, strict=True):
        ax.plot([pl, pr], [yi, yi], color="#777777", lw=1.2, zorder=1)
        ax.plot(pl, yi, SIDE_MARKERS["left"], color=SIDE_COLOURS["left"], ms=5, zorder=2)
        ax.plot(pr, yi, SIDE_MARKERS["right"], color=SIDE_COLOURS["right"], ms=5, zorder=2)
        unit = entry.get("unit", "")
        text = (
            f"L {fmt_number(entry['left']['median'], unit)} · "
            f"R {fmt_number(entry['right']['median'], unit)} {unit_label(unit)}"
        )
        ax.annotate(
            text,
            (1.0, yi),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
            color="#444444",
        )
    ax.set_yticks(y, [r[0] for r in rows])
    lo = min(-0.6, min(min(r[1], r[2]) for r in rows) - 0.1)
    hi = max(1.6, max(max(r[1], r[2]) for r in rows) + 0.1)
    ax.set_xlim(lo, hi)
    ax.set_xticks([0.0, 1.0], ["band low", "band high"])
    ax.grid(False, axis="y")
    ax.plot([], [], SIDE_MARKERS["left"], color=SIDE_COLOURS["left"], label="left")
    ax.plot([], [], SIDE_MARKERS["right"], color=SIDE_COLOURS["right"], label="right")
    fig.legend(loc="outside lower center", ncols=3)
    return fig


# ----------------------------------------------------------------------------- timeline


@_styled
def timeline_figure(events: list[dict], rejected: list[dict], duration_s: float | None = None):
    """Stance phases of each foot over time (contact → toe-off bars), rejected steps as ×."""
    if not events:
        return None
    fig, axes = _figure(7.2, 1.7)
    ax = axes[0, 0]
    rows = {"left": 1, "right": 0}
    for side, yrow in rows.items():
        evs = sorted((e for e in events if e.get("side") == side), key=lambda e: e["time_s"])
        spans = []
        for i, e in enumerate(evs):
            if e.get("kind") != "contact":
                continue
            nxt = next((f for f in evs[i + 1 :] if f.get("kind") == "toe_off"), None)
            if nxt is not None:
                spans.append((e["time_s"], nxt["time_s"] - e["time_s"]))
        ax.broken_barh(spans, (yrow - 0.35, 0.7), color=SIDE_COLOURS[side], alpha=0.85)
        bad = [r["time_s"] for r in rejected if r.get("side") == side]
        if bad:
            ax.plot(bad, [yrow] * len(bad), "x", color="#b2182b", ms=6, mew=1.5)
    if rejected:
        ax.plot([], [], "x", color="#b2182b", label="rejected step")
        ax.legend(loc="upper right", bbox_to_anchor=(1.0, 1.32), ncols=1)
    ax.set_yticks([0, 1], ["right", "left"])
    ax.set_ylim(-0.6, 1.6)
    end = duration_s or max(e["time_s"] for e in events)
    ax.set_xlim(0, end)
    ax.set_xlabel("time (s); bars = foot on the ground (contact → toe-off)")
    ax.grid(False, axis="y")
    return fig


# ----------------------------------------------------------------------------- gauges


@_styled
def gauge_figure(entry: dict):
    """A small strip: the band (green if graded, grey if informative) and the value(s).

    Per-side metrics show a left circle and a right square; whole-body metrics one diamond.
    Returns ``None`` when the metric has no band and no value.
    """
    low, high = _band(entry)
    values = []
    for side in ("left", "right") if entry.get("per_side") else ("all",):
        median = (entry.get(side) or {}).get("median")
        if isinstance(median, int | float) and np.isfinite(median):
            values.append(("both" if side == "all" else side, float(median)))
    if not values:
        return None
    pts = [v for _, v in values] + [x for x in (low, high, entry.get("expected")) if x is not None]
    lo, hi = min(pts), max(pts)
    span = max(hi - lo, 1e-6)
    if low is not None and high is not None:
        span = max(span, high - low)
    pad = 0.18 * span
    fig, axes = _figure(2.3, 0.42, layout=None)
    fig.subplots_adjust(left=0.04, right=0.96, bottom=0.42, top=0.98)
    ax = axes[0, 0]
    colour = BAND_GRADED if entry.get("graded", True) else BAND_INFO
    if low is not None or high is not None:
        x0 = low if low is not None else lo - pad
        x1 = high if high is not None else hi + pad
        ax.axvspan(x0, x1, color=colour, alpha=0.28, lw=0)
    if entry.get("expected") is not None:
        ax.axvline(entry["expected"], color="#444444", lw=1.0, ls=":")
    for side, value in values:
        ax.plot(
            value,
            0.0,
            SIDE_MARKERS[side],
            color=SIDE_COLOURS[side],
            ms=6.5,
            mec="white",
            mew=0.6,
            clip_on=False,
            zorder=3,
        )
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(-1, 1)
    ax.set_yticks([])
    ticks = [t for t in (low, high) if t is not None]
    unit = entry.get("unit", "")
    ax.set_xticks(ticks, [fmt_edge(t, unit) for t in ticks])
    ax.tick_params(axis="x", labelsize=6.5, length=2, pad=1)
    ax.grid(False)
    for spine in ("left", "top", "right"):
        ax.spines[spine].set_visible(False)
    return fig


def band_caption(entry: dict) -> str:
    """``"18–30°"`` for an entry's band, or ``"no reference band"``."""
    low, high = _band(entry)
    return fmt_band(low, high, entry.get("unit", ""))
