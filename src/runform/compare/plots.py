"""The comparison's charts, drawn like the report's: straight to SVG
(:mod:`runform.report.svgchart`), exported by :func:`runform.report.plots.render` for the
HTML and, as vectors, for the PDF, in the shared side colours.

- :func:`change_figure`: every metric's change divided by its smallest detectable change;
  the grey zone (−1 to 1) is "no real change".
- :func:`bands_figure`: each graded metric before → after on its reference band (the band
  adjusted to each run's speed where the findings adjust it).
- :func:`steps_figure`: the per-step values of a few key metrics before and after: the
  step-to-step spread a real change has to stand out from.
"""

from __future__ import annotations

import numpy as np

from runform.findings.wording import fmt_value
from runform.report.plots import (
    BAND_GRADED,
    SIDE_COLOURS,
    SIDE_MARKERS,
    Rendered,
    band_position,
    render,
    unit_label,
)
from runform.report.svgchart import Chart, LegendItem, tick_label

NOISE_GREY = "#d9dee3"
#: Figures are narrower than the report's (7.2 in) so their text stays legible on a phone.
FIG_WIDTH_IN = 6.2
#: Changes beyond this many SDCs are drawn at the edge with their value written beside.
MAX_RATIO = 4.0
#: Metrics whose per-step values :func:`steps_figure` shows by default.
STEP_METRICS = ("cadence_spm", "thigh_extension_deg", "touchdown_distance_pct")
WHITE = "#ffffff"


def _by_metric(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["metric"], []).append(r)
    return out


def _side_key(side: str) -> str:
    return "both" if side == "all" else side


def change_figure(rows: list[dict]) -> Chart | None:
    """Each metric's change over its smallest detectable change (SDC), one line per metric,
    a marker per side: filled when the change is real, hollow when it is not."""
    groups = [
        (metric, [r for r in rs if r["change"] is not None and r["sdc"]["value"]])
        for metric, rs in _by_metric(rows).items()
    ]
    groups = [(m, rs) for m, rs in groups if rs]
    if not groups:
        return None
    chart = Chart(FIG_WIDTH_IN, 0.26 * len(groups) + 1.1)
    y = np.arange(len(groups))[::-1]
    labels = [
        rs[0]["name"] + ("" if all(r["fair"] for r in rs) else " †") for _metric, rs in groups
    ]
    ax = chart.panel(
        0, 0, xlabel="change ÷ smallest detectable change (grey: no real change)",
        xlim=(-MAX_RATIO - 0.9, MAX_RATIO + 0.9), ylim=(-0.7, len(groups) - 0.3), grid="x",
        xticks=[(v, tick_label(v, 1.0)) for v in (-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0)],
        yticks=[(float(yi), label) for yi, label in zip(y, labels, strict=True)],
    )  # fmt: skip
    ax.rect(-1.0, 1.0, None, None, NOISE_GREY, 0.7)
    ax.vline(0.0, "#8c959f", 0.8, dash=None)
    for yi, (_metric, rs) in zip(y, groups, strict=True):
        for r in rs:
            ratio = r["change"] / r["sdc"]["value"]
            shown = float(np.clip(ratio, -MAX_RATIO, MAX_RATIO))
            side = _side_key(r["side"])
            colour = SIDE_COLOURS[side]
            yy = float(yi) + {"left": 0.12, "right": -0.12}.get(side, 0.0)
            reliable = r["before"]["reliable"] and r["after"]["reliable"]
            ax.markers(
                [shown], [yy], SIDE_MARKERS[side], colour, 5.5, edge=colour,
                fill=None if r["real_change"] else WHITE, opacity=1.0 if reliable else 0.3,
            )  # fmt: skip
            if abs(ratio) > MAX_RATIO:
                ax.text(
                    shown, yy, f"{ratio:+.0f}×", dx=6.0 if ratio > 0 else -6.0,
                    anchor="start" if ratio > 0 else "end",
                )  # fmt: skip
    chart.legend = [
        LegendItem("left", SIDE_COLOURS["left"], "marker", SIDE_MARKERS["left"]),
        LegendItem("right", SIDE_COLOURS["right"], "marker", SIDE_MARKERS["right"]),
        LegendItem("whole body", SIDE_COLOURS["both"], "marker", SIDE_MARKERS["both"]),
        LegendItem("not real", "#555555", "hollow", "o"),
    ]
    return chart


def bands_figure(rows: list[dict]) -> Chart | None:
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
    chart = Chart(FIG_WIDTH_IN, 0.3 * len(lines) + 1.1)
    y = np.arange(len(lines))[::-1]
    every = [p for items in lines for _, pb, pa in items for p in (pb, pa)]
    lo = max(-2.5, min(-0.6, min(every) - 0.15))
    hi = min(3.5, max(1.6, max(every) + 0.15))
    ax = chart.panel(
        0, 0, xlim=(lo, hi), ylim=(-0.7, len(lines) - 0.3), grid="x",
        xticks=[(0.0, "band low"), (1.0, "band high")],
        yticks=[(float(yi), items[0][0]["name"]) for yi, items in zip(y, lines, strict=True)],
    )  # fmt: skip
    ax.rect(0.0, 1.0, None, None, BAND_GRADED, 0.15)
    for yi, items in zip(y, lines, strict=True):
        for r, pb, pa in items:
            side = _side_key(r["side"])
            colour = SIDE_COLOURS[side]
            yy = float(yi) + {"left": 0.13, "right": -0.13}.get(side, 0.0)
            pb_, pa_ = float(np.clip(pb, lo, hi)), float(np.clip(pa, lo, hi))
            if r["real_change"]:
                ax.arrow(pb_, yy, pa_, yy, colour)
                ax.markers([pa_], [yy], SIDE_MARKERS[side], colour, 5.0)
            else:
                ax.line([pb_, pa_], [yy, yy], "#9e9e9e", 1.0, dash="1 2")
                ax.markers([pa_], [yy], SIDE_MARKERS[side], "#9e9e9e", 4.5)
            ax.markers([pb_], [yy], SIDE_MARKERS[side], colour, 4.5, edge=colour, fill=WHITE)
    chart.legend = [
        LegendItem("before", "#555555", "hollow", "o"),
        LegendItem("after (real change)", "#555555", "arrow"),
        LegendItem("after (no real change)", "#9e9e9e", "dotted", "o"),
    ]
    return chart


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


def steps_figure(before: dict, after: dict, rows: list[dict], metrics=STEP_METRICS) -> Chart | None:
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
    chart = Chart(FIG_WIDTH_IN, 2.5, 1, len(panels))
    rng = np.random.default_rng(0)
    for k, (_metric, rs) in enumerate(panels):
        ticks: list[tuple[float, str]] = []
        ax = chart.panel(
            0,
            k,
            title=f"{rs[0]['name']} ({unit_label(rs[0]['unit'])})",
            grid="y",
            tick_font=7.0,
            title_pad=9.0,
        )
        x = 0.0
        for r in rs:
            side = _side_key(r["side"])
            colour = SIDE_COLOURS[side]
            for which, doc in (("before", before), ("after", after)):
                vals = _values(doc, r["metric"], r["side"])
                jitter = rng.uniform(-0.16, 0.16, len(vals))
                ax.markers(
                    x + jitter, vals, SIDE_MARKERS[side], colour, 2.6, edge=colour,
                    fill=WHITE if which == "before" else None,
                    opacity=0.55 if which == "before" else 0.9,
                )  # fmt: skip
                value = r[which]["value"]
                if value is not None:
                    ax.line([x - 0.28, x + 0.28], [value, value], "#1d2125", 1.6)
                side_word = {"left": "L", "right": "R"}.get(r["side"], "")
                ticks.append((x, f"{which[0].upper()}{side_word and ' ' + side_word}"))
                x += 1.0
            ax.text(
                x - 1.5, 0.0, "real" if r["real_change"] else "no real change", anchor="middle",
                colour="#1b6b3c" if r["real_change"] else "#5f6b76", above=True,
            )  # fmt: skip
            x += 0.5
        ax.xticks = ticks
        ax.xlim = (-0.6, x - 0.9)
    return chart


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
