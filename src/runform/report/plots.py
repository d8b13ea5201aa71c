"""The report's figures, drawn as SVG (:mod:`runform.report.svgchart`).

Each figure function returns a :class:`~runform.report.svgchart.Chart` (or ``None`` when
there is nothing to draw) and :func:`render` exports it twice: for the HTML report, with a
browser's font list, and for the PDF, which fpdf2 draws as vector paths in the font it
embeds. No plotting library is involved: the figures cost milliseconds, not the two
seconds a matplotlib layout and export took per report (``docs/deploy.md``).

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

from dataclasses import dataclass

import numpy as np

from runform.colours import LEFT_HEX, RIGHT_HEX
from runform.findings.wording import fmt_band, fmt_edge, fmt_number
from runform.gait.types import CUT_BY_CLIP_EDGE
from runform.report.svgchart import HTML_FONT, PDF_FONT, Chart, LegendItem

#: Left orange, right sky blue: the colours of the annotated video and the stills
#: (:mod:`runform.colours`); ``both`` for whole-body values.
SIDE_COLOURS = {"left": LEFT_HEX, "right": RIGHT_HEX, "both": "#333333"}
SIDE_MARKERS = {"left": "o", "right": "s", "both": "D"}
BAND_GRADED = "#2ca25f"
BAND_INFO = "#9e9e9e"


@dataclass(frozen=True)
class Rendered:
    """A chart exported for both outputs: ``svg`` for the HTML (a browser's font list),
    ``pdf_svg`` for the PDF (the font it embeds)."""

    svg: bytes
    pdf_svg: bytes
    width_in: float
    height_in: float

    def for_html(self) -> tuple[bytes, str]:
        """The bytes and MIME type the HTML embeds."""
        return self.svg, "image/svg+xml"

    def for_pdf(self) -> bytes:
        """The SVG the PDF draws as vectors."""
        return self.pdf_svg


def render(chart: Chart) -> Rendered:
    """Export a chart as SVG for the HTML (browser fonts) and for the PDF (its font)."""
    html, pdf = chart.svgs((HTML_FONT, PDF_FONT))
    return Rendered(html, pdf, chart.width_in, chart.height_in)


def _band(entry: dict | None) -> tuple[float | None, float | None]:
    band = (entry or {}).get("band") or {}
    return band.get("low"), band.get("high")


def _legend(sides: bool = True, bands: bool = True) -> list[LegendItem]:
    items = []
    if sides:
        items += [
            LegendItem(s, SIDE_COLOURS[s], "line", SIDE_MARKERS[s]) for s in ("left", "right")
        ]
    if bands:
        items += [
            LegendItem("reference band (graded)", BAND_GRADED, "patch", opacity=0.3),
            LegendItem("typical range (not graded)", BAND_INFO, "patch", opacity=0.3),
        ]
    return items


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


def angle_curves_figure(
    cycles: dict, metrics: dict, angles=("thigh", "hip", "knee", "trunk")
) -> Chart | None:
    """Mean ± SD angle curves over the gait cycle, both sides, with reference bands.

    ``cycles`` is ``analysis["cycles"]``: ``{angle: {side: {mean, sd, n, toe_off_pct}}}``;
    ``metrics`` is ``analysis["metrics"]`` (bands). Returns ``None`` when no curve exists.
    """
    present = [a for a in angles if any((cycles.get(a) or {}).get(s) for s in ("left", "right"))]
    if not present:
        return None
    nrows = (len(present) + 1) // 2
    chart = Chart(7.2, 2.5 * nrows, nrows, 2)
    for k, angle in enumerate(present):
        ax = chart.panel(
            k // 2, k % 2, title=ANGLE_TITLES.get(angle, angle), xlabel="gait cycle (%)",
            ylabel="degrees", xlim=(0.0, 100.0),
        )  # fmt: skip
        toe_offs = []
        for side in ("left", "right"):
            curve = (cycles.get(angle) or {}).get(side)
            if not curve or not curve.get("mean"):
                continue
            mean = np.asarray(curve["mean"], float)
            sd = np.asarray(curve.get("sd") or np.zeros_like(mean), float)
            x = np.linspace(0.0, 100.0, mean.size)
            colour = SIDE_COLOURS[side]
            ax.fill_between(x, mean - sd, mean + sd, colour, 0.15)
            ax.line(x, mean, colour, 1.6)
            if curve.get("toe_off_pct") is not None:
                toe_offs.append(float(curve["toe_off_pct"]))
                ax.vline(float(curve["toe_off_pct"]), colour, opacity=0.8)
        toe_off = float(np.mean(toe_offs)) if toe_offs else 40.0
        for metric, window, sign in _CYCLE_BANDS.get(angle, []):
            low, high = _band(metrics.get(metric))
            if low is None or high is None:
                continue
            lo, hi = sorted((sign * low, sign * high))
            graded = (metrics.get(metric) or {}).get("graded", True)
            for x0, x1 in _windows(window, toe_off):
                ax.rect(x0, x1, lo, hi, BAND_GRADED if graded else BAND_INFO, 0.18)
    chart.legend = _legend()
    return chart


# ----------------------------------------------------------------------------- per step

STEP_PLOT_METRICS: tuple[str, ...] = (
    "thigh_extension_deg",
    "touchdown_distance_pct",
    "knee_flexion_stance_peak_deg",
    "drive_peak_deg_s",
    "step_time_ms",
    "contact_time_ms",
)


def _min_span(values: list[float], fraction: float = 0.05) -> list[float]:
    """Keep step-to-step noise from looking large: show at least ±``fraction`` of the median
    (the two values to include in the panel's range)."""
    if not values:
        return []
    centre = float(np.median(values))
    half = fraction * abs(centre)
    return [centre - half, centre + half] if half > 0 else []


def step_metrics_figure(steps: list[dict], metrics: dict, names=STEP_PLOT_METRICS) -> Chart | None:
    """Per-step values over time (left/right), band shaded, each side's median dashed."""
    present = [m for m in names if any(s.get(m) is not None for s in steps)]
    if not present:
        return None
    nrows = (len(present) + 1) // 2
    chart = Chart(7.2, 2.0 * nrows, nrows, 2)
    for k, metric in enumerate(present):
        entry = metrics.get(metric) or {}
        unit = unit_label(entry.get("unit", ""))
        ax = chart.panel(
            k // 2, k % 2, title=entry.get("name", metric) + (f" ({unit})" if unit else ""),
            xlabel="time of contact (s)",
        )  # fmt: skip
        low, high = _band(entry)
        colour_band = BAND_GRADED if entry.get("graded", True) else BAND_INFO
        # a one-sided band runs to the panel's edge: drawn first, under the points
        if low is not None or high is not None:
            ax.rect(None, None, low, high, colour_band, 0.15)
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
            ax.line(t, v, colour, 0.6, opacity=0.5)
            ax.markers(t, v, SIDE_MARKERS[side], colour, 3.5)
            ax.hline(float(np.median(v)), colour)
        span = _min_span([s[metric] for s in steps if s.get(metric) is not None])
        ax.include(y=span)
    chart.legend = _legend()
    return chart


# ----------------------------------------------------------------------------- symmetry


def band_position(value: float, low: float | None, high: float | None) -> float | None:
    """``value`` on its band: 0 at the low edge, 1 at the high edge (``None`` if not two-sided).

    >>> band_position(24.0, 18.0, 30.0)
    0.5
    """
    if low is None or high is None or high == low:
        return None
    return (value - low) / (high - low)


def symmetry_figure(metrics: dict, names: list[str] | None = None) -> Chart | None:
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
    chart = Chart(7.2, 0.32 * len(rows) + 1.0)
    y = np.arange(len(rows))[::-1]
    lo = min(-0.6, min(min(r[1], r[2]) for r in rows) - 0.1)
    hi = max(1.6, max(max(r[1], r[2]) for r in rows) + 0.1)
    notes = []
    for yi, (_name, _pl, _pr, entry) in zip(y, rows, strict=True):
        unit = entry.get("unit", "")
        notes.append((
            float(yi),
            f"L {fmt_number(entry['left']['median'], unit)} · "
            f"R {fmt_number(entry['right']['median'], unit)} {unit_label(unit)}",
        ))  # fmt: skip
    ax = chart.panel(
        0, 0, xlim=(lo, hi), ylim=(-0.6, len(rows) - 0.4), grid="x",
        xticks=[(0.0, "band low"), (1.0, "band high")],
        yticks=[(float(yi), r[0]) for yi, r in zip(y, rows, strict=True)], notes=notes,
    )  # fmt: skip
    ax.rect(0.0, 1.0, None, None, BAND_GRADED, 0.15)
    for yi, (_name, pl, pr, _entry) in zip(y, rows, strict=True):
        ax.line([pl, pr], [yi, yi], "#777777", 1.2)
        ax.markers([pl], [yi], SIDE_MARKERS["left"], SIDE_COLOURS["left"], 5.0)
        ax.markers([pr], [yi], SIDE_MARKERS["right"], SIDE_COLOURS["right"], 5.0)
    chart.legend = [
        LegendItem("reference band", BAND_GRADED, "patch", opacity=0.3),
        LegendItem("left", SIDE_COLOURS["left"], "marker", SIDE_MARKERS["left"]),
        LegendItem("right", SIDE_COLOURS["right"], "marker", SIDE_MARKERS["right"]),
    ]
    return chart


# ----------------------------------------------------------------------------- timeline


def timeline_figure(
    events: list[dict], rejected: list[dict], duration_s: float | None = None
) -> Chart | None:
    """Stance phases of each foot over time (contact → toe-off bars), steps rejected as
    implausible as × (not the stances cut by the clip's start or end: nothing wrong there)."""
    if not events:
        return None
    implausible = [r for r in rejected if r.get("reason") != CUT_BY_CLIP_EDGE]
    chart = Chart(7.2, 1.7)
    end = duration_s or max(e["time_s"] for e in events)
    ax = chart.panel(
        0, 0, xlabel="time (s); bars = foot on the ground (contact → toe-off)",
        xlim=(0.0, end), ylim=(-0.6, 1.6), yticks=[(0.0, "right"), (1.0, "left")], grid="x",
    )  # fmt: skip
    rows = {"left": 1, "right": 0}
    for side, yrow in rows.items():
        evs = sorted((e for e in events if e.get("side") == side), key=lambda e: e["time_s"])
        for i, e in enumerate(evs):
            if e.get("kind") != "contact":
                continue
            nxt = next((f for f in evs[i + 1 :] if f.get("kind") == "toe_off"), None)
            if nxt is not None:
                ax.rect(
                    e["time_s"], nxt["time_s"], yrow - 0.35, yrow + 0.35, SIDE_COLOURS[side], 0.85
                )
        bad = [r["time_s"] for r in implausible if r.get("side") == side]
        if bad:
            ax.markers(bad, [yrow] * len(bad), "x", "#b2182b", 6.0)
    if implausible:
        chart.legend = [LegendItem("rejected step", "#b2182b", "marker", "x")]
        chart.legend_at = "top"
        chart.pad = (14.0, 6.0, 6.0, 6.0)
    return chart


# ----------------------------------------------------------------------------- gauges


def finite_number(x: object) -> bool:
    """Whether ``x`` is a finite int or float (a value a gauge or a table can show)."""
    return isinstance(x, int | float) and bool(np.isfinite(x))


def gauge_figure(entry: dict) -> Chart | None:
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
    elif low is not None or high is not None:
        # one edge only: without a scale any value inside would sit at the strip's end
        # (186 against ≥ 175 drawn where 112 against ≥ 71 was); the axis spans at least
        # four measurement errors, so a value within its error of the edge looks it
        errors = [e for e in (entry.get("measurement_error") or {}).values() if finite_number(e)]
        if errors:
            extra = 4.0 * max(errors) - span
            if extra > 0:
                span += extra
                if low is not None:
                    hi += extra
                else:
                    lo -= extra
    pad = 0.18 * span
    unit = entry.get("unit", "")
    chart = Chart(2.3, 0.42)
    chart.pad = (2.0, 6.0, 1.0, 6.0)
    ax = chart.panel(
        0, 0, xlim=(lo - pad, hi + pad), ylim=(-1.0, 1.0), grid="", spines="b", tick_font=6.5,
        xticks=[(t, fmt_edge(t, unit)) for t in (low, high) if t is not None], yticks=[],
    )  # fmt: skip
    colour = BAND_GRADED if entry.get("graded", True) else BAND_INFO
    if low is not None or high is not None:
        ax.rect(low, high, None, None, colour, 0.28)
    if entry.get("expected") is not None:
        ax.vline(float(entry["expected"]), "#444444", 1.0, "1 1.6")
    for side, value in values:
        ax.markers([value], [0.0], SIDE_MARKERS[side], SIDE_COLOURS[side], 6.5, edge="#ffffff")
    return chart


def band_caption(entry: dict) -> str:
    """``"18–30°"`` for an entry's band, or ``"no reference band"``."""
    low, high = _band(entry)
    return fmt_band(low, high, entry.get("unit", ""))
