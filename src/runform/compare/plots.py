"""The comparison's charts, in the report's style and side colours: a fresh matplotlib
figure each, exported by :func:`render` as SVG (HTML) and PNG (PDF). (The single-run
report's charts are drawn straight to SVG, :mod:`runform.report.svgchart`; these, drawn
only when two runs are compared, have not been moved over yet.)

- :func:`change_figure`: every metric's change divided by its smallest detectable change;
  the grey zone (−1 to 1) is "no real change".
- :func:`bands_figure`: each graded metric before → after on its reference band (the band
  adjusted to each run's speed where the findings adjust it).
- :func:`steps_figure`: the per-step values of a few key metrics before and after: the
  step-to-step spread a real change has to stand out from.
"""

from __future__ import annotations

import functools
import io

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from runform.findings.wording import fmt_value
from runform.report.plots import (
    BAND_GRADED,
    SIDE_COLOURS,
    SIDE_MARKERS,
    Rendered,
    band_position,
    unit_label,
)

#: The report's figure style (fonts, grid, spines), so the charts look alike.
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
NOISE_GREY = "#d9dee3"
#: Figures are narrower than the report's (7.2 in) so their text stays legible on a phone.
FIG_WIDTH_IN = 6.2
#: Changes beyond this many SDCs are drawn at the edge with an arrow.
MAX_RATIO = 4.0
#: Metrics whose per-step values :func:`steps_figure` shows by default.
STEP_METRICS = ("cadence_spm", "thigh_extension_deg", "touchdown_distance_pct")


def render(fig: Figure, dpi: int = 150) -> Rendered:
    """Export a figure as SVG (HTML, text as paths) and PNG (PDF) bytes; the layout is
    computed once, on the first export, and frozen for the second."""
    with mpl.rc_context(_RC):
        svg_buf, png_buf = io.BytesIO(), io.BytesIO()
        fig.savefig(svg_buf, format="svg", metadata={"Date": None})
        fig.set_layout_engine("none")
        fig.savefig(png_buf, format="png", dpi=dpi, metadata={"Software": None})
    w, h = fig.get_size_inches()
    return Rendered(svg_buf.getvalue(), png_buf.getvalue(), float(w), float(h))


def _styled(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(_RC):
            return fn(*args, **kwargs)

    return wrapper


def _by_metric(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["metric"], []).append(r)
    return out


def _side_key(side: str) -> str:
    return "both" if side == "all" else side


@_styled
def change_figure(rows: list[dict]) -> Figure | None:
    """Each metric's change over its smallest detectable change (SDC), one line per metric,
    a marker per side: filled when the change is real, hollow when it is not."""
    groups = [
        (metric, [r for r in rs if r["change"] is not None and r["sdc"]["value"]])
        for metric, rs in _by_metric(rows).items()
    ]
    groups = [(m, rs) for m, rs in groups if rs]
    if not groups:
        return None
    fig = Figure(figsize=(FIG_WIDTH_IN, 0.26 * len(groups) + 1.1), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(groups))[::-1]
    ax.axvspan(-1.0, 1.0, color=NOISE_GREY, alpha=0.7, lw=0, zorder=0)
    ax.axvline(0.0, color="#8c959f", lw=0.8, zorder=1)
    labels = []
    for yi, (_metric, rs) in zip(y, groups, strict=True):
        name = rs[0]["name"] + ("" if all(r["fair"] for r in rs) else " †")
        labels.append(name)
        for r in rs:
            ratio = r["change"] / r["sdc"]["value"]
            shown = float(np.clip(ratio, -MAX_RATIO, MAX_RATIO))
            side = _side_key(r["side"])
            colour = SIDE_COLOURS[side]
            offset = {"left": 0.12, "right": -0.12}.get(side, 0.0)
            reliable = r["before"]["reliable"] and r["after"]["reliable"]
            ax.plot(
                shown,
                yi + offset,
                SIDE_MARKERS[side],
                ms=5.5,
                mec=colour,
                mfc=colour if r["real_change"] else "white",
                mew=1.4,
                alpha=1.0 if reliable else 0.3,
                zorder=3,
            )
            if abs(ratio) > MAX_RATIO:
                ax.annotate(
                    f"{ratio:+.0f}×",
                    (shown, yi + offset),
                    xytext=(6 if ratio > 0 else -6, 0),
                    textcoords="offset points",
                    ha="left" if ratio > 0 else "right",
                    va="center",
                    fontsize=6.5,
                    color="#444444",
                )
    ax.set_yticks(y, labels)
    ax.set_xlim(-MAX_RATIO - 0.9, MAX_RATIO + 0.9)
    ax.set_xticks([-4, -2, -1, 0, 1, 2, 4], ["−4", "−2", "−1", "0", "1", "2", "4"])
    ax.set_xlabel("change ÷ smallest detectable change (grey: no real change)")
    ax.grid(False, axis="y")
    ax.set_ylim(-0.7, len(groups) - 0.3)
    for side, label in (("left", "left"), ("right", "right"), ("both", "whole body")):
        ax.plot([], [], SIDE_MARKERS[side], color=SIDE_COLOURS[side], label=label)
    ax.plot([], [], "o", mec="#555555", mfc="white", label="not real")
    fig.legend(loc="outside lower center", ncols=4)
    return fig


@_styled
def bands_figure(rows: list[dict]) -> Figure | None:
    """Graded metrics before → after, on their reference bands (0 = low edge, 1 = high
    edge; each session against its own, speed-adjusted, band)."""
    lines = []
    for _metric, rs in _by_metric(rows).items():
        if not rs[0]["graded"]:
            continue
        items = []
        for r in rs:
            vb, va = r["before"]["value"], r["after"]["value"]
            if vb is None or va is None:
                continue
            pb = band_position(vb, *r["band"]["before"])
            pa = band_position(va, *r["band"]["after"])
            if pb is None or pa is None or not np.isfinite([pb, pa]).all():
                continue
            items.append((r, pb, pa))
        if items:
            lines.append(items)
    if not lines:
        return None
    fig = Figure(figsize=(FIG_WIDTH_IN, 0.3 * len(lines) + 1.1), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(lines))[::-1]
    ax.axvspan(0.0, 1.0, color=BAND_GRADED, alpha=0.15, lw=0)
    every = [p for items in lines for _, pb, pa in items for p in (pb, pa)]
    lo = max(-2.5, min(-0.6, min(every) - 0.15))
    hi = min(3.5, max(1.6, max(every) + 0.15))
    for yi, items in zip(y, lines, strict=True):
        for r, pb, pa in items:
            side = _side_key(r["side"])
            colour = SIDE_COLOURS[side]
            offset = {"left": 0.13, "right": -0.13}.get(side, 0.0)
            pb_, pa_ = float(np.clip(pb, lo, hi)), float(np.clip(pa, lo, hi))
            yy = yi + offset
            ax.plot(pb_, yy, SIDE_MARKERS[side], ms=4.5, mec=colour, mfc="white", mew=1.2, zorder=3)
            if r["real_change"]:
                ax.annotate(
                    "",
                    (pa_, yy),
                    (pb_, yy),
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.4},
                    zorder=2,
                )
                ax.plot(pa_, yy, SIDE_MARKERS[side], ms=5, color=colour, zorder=4)
            else:
                ax.plot([pb_, pa_], [yy, yy], color="#9e9e9e", lw=1.0, ls=":", zorder=2)
                ax.plot(pa_, yy, SIDE_MARKERS[side], ms=4.5, mec="#9e9e9e", mfc="#9e9e9e", zorder=4)
    ax.set_yticks(y, [items[0][0]["name"] for items in lines])
    ax.set_xlim(lo, hi)
    ax.set_xticks([0.0, 1.0], ["band low", "band high"])
    ax.grid(False, axis="y")
    ax.set_ylim(-0.7, len(lines) - 0.3)
    ax.plot([], [], "o", mec="#555555", mfc="white", label="before")
    ax.plot([], [], "->", color="#555555", label="after (real change)")
    ax.plot([], [], "o", color="#9e9e9e", ls=":", label="after (no real change)")
    fig.legend(loc="outside lower center", ncols=3)
    return fig


def _values(doc: dict, metric: str, side: str) -> list[float]:
    steps = doc.get("steps") or []
    rows = steps if side == "all" else [s for s in steps if s.get("side") == side]
    key = "stride_time_ms" if metric == "cadence_spm" else metric
    out = []
    for s in rows:
        v = s.get(key)
        if isinstance(v, int | float) and np.isfinite(v):
            out.append(120000.0 / v if metric == "cadence_spm" else float(v))
    return out


@_styled
def steps_figure(
    before: dict, after: dict, rows: list[dict], metrics=STEP_METRICS
) -> Figure | None:
    """Per-step values before and after (dots), with each session's value (bar): the spread
    a change has to stand out from. Cadence is shown per stride."""
    panels = []
    by_metric = _by_metric(rows)
    for metric in metrics:
        rs = [r for r in by_metric.get(metric, []) if r["change"] is not None]
        if rs:
            panels.append((metric, rs))
    if not panels:
        return None
    fig = Figure(figsize=(FIG_WIDTH_IN, 2.5), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    rng = np.random.default_rng(0)
    for ax, (metric, rs) in zip(axes, panels, strict=True):
        ticks, labels = [], []
        x = 0.0
        for r in rs:
            side = _side_key(r["side"])
            colour = SIDE_COLOURS[side]
            for which, doc in (("before", before), ("after", after)):
                vals = _values(doc, metric, r["side"])
                jitter = rng.uniform(-0.16, 0.16, len(vals))
                ax.plot(
                    x + jitter,
                    vals,
                    SIDE_MARKERS[side],
                    ms=2.6,
                    alpha=0.55 if which == "before" else 0.9,
                    mec=colour,
                    mfc="white" if which == "before" else colour,
                    mew=0.8,
                    ls="none",
                )
                value = r[which]["value"]
                if value is not None:
                    ax.plot([x - 0.28, x + 0.28], [value, value], color="#1d2125", lw=1.6)
                ticks.append(x)
                side_word = {"left": "L", "right": "R"}.get(r["side"], "")
                labels.append(f"{which[0].upper()}{side_word and ' ' + side_word}")
                x += 1.0
            mark = "real" if r["real_change"] else "no real change"
            ax.annotate(
                mark,
                (x - 1.5, 1.0),
                xycoords=("data", "axes fraction"),
                ha="center",
                va="bottom",
                fontsize=6.5,
                color="#1b6b3c" if r["real_change"] else "#5f6b76",
            )
            x += 0.5
        ax.set_xticks(ticks, labels, fontsize=7)
        ax.set_xlim(-0.6, x - 0.9)
        ax.set_title(f"{rs[0]['name']} ({unit_label(rs[0]['unit'])})", fontsize=8.5, pad=12)
        ax.grid(False, axis="x")
    return fig


def comparison_figures(
    before: dict, after: dict, doc: dict
) -> list[tuple[str, str, str, Rendered]]:
    """``(key, title, caption, rendered)`` for every chart that has something to show."""
    rows = doc["metrics"]
    out = []
    fig = change_figure(rows)
    if fig is not None:
        out.append(
            (
                "change",
                "Each change against what the videos can detect",
                "Change of each metric divided by its smallest detectable change (SDC). Inside "
                "the grey zone (−1 to 1) the difference is within step-to-step variation and "
                "video error: no real change. Filled = real change; hollow = not; faint = not "
                "measured reliably (the far leg); † = the runs' conditions differ for this metric.",
                render(fig),
            )
        )
    fig = bands_figure(rows)
    if fig is not None:
        out.append(
            (
                "bands",
                "Before → after on the reference bands",
                "Each graded metric's value before (hollow) and after on its reference band "
                "(green; the band moved to each run's speed where the findings move it). "
                "Arrows: real changes; dotted grey: no real change.",
                render(fig),
            )
        )
    fig = steps_figure(before, after, rows)
    if fig is not None:
        parts = [
            f"{r['name']} {fmt_value(r['sdc']['value'], r['unit'], short=True)}"
            for r in rows
            if r["metric"] in STEP_METRICS and r["side"] in ("all", "left") and r["sdc"]["value"]
        ]
        out.append(
            (
                "steps",
                "Step by step, before and after",
                "Every step's value (B = before, hollow; A = after, filled; L/R = leg) and each "
                "run's value (bar). Cadence is per stride. Smallest detectable changes: "
                + "; ".join(parts)
                + ".",
                render(fig),
            )
        )
    return out
