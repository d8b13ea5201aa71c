"""The SVG charts put each value where its axis says (:mod:`runform.report.svgchart`)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from runform.report.svgchart import Chart, nice_ticks, text_width, tick_label

NS = "{http://www.w3.org/2000/svg}"


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(chart.svg())


def test_nice_ticks_are_round_and_inside_the_range() -> None:
    assert nice_ticks(0.0, 100.0) == [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    assert nice_ticks(1.7, 11.2) == [2.0, 4.0, 6.0, 8.0, 10.0]
    assert nice_ticks(1.3, 11.0, 4) == [2.5, 5.0, 7.5, 10.0]
    assert nice_ticks(-0.03, 0.12) == [0.0, 0.05, 0.1]
    assert [tick_label(v, 2.5) for v in (2.5, 5.0)] == ["2.5", "5.0"]
    assert tick_label(-20.0, 20.0) == "\u221220"  # a real minus sign
    assert text_width("WWW", 10.0) > text_width("iii", 10.0)


def test_a_point_lands_where_the_ticks_say() -> None:
    chart = Chart(4.0, 3.0)
    ax = chart.panel(0, 0, xlabel="time (s)", ylabel="degrees")
    ax.markers([2.0, 8.0], [10.0, 30.0], "o", "#e69f00", 4.0)
    root = parse(chart)
    circles = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{NS}circle")]
    assert len(circles) == 2
    texts = {t.text: t for t in root.iter(f"{NS}text")}
    # the x tick labelled "4" sits a third of the way from the point at 2 to the one at 8
    (x2, y10), (x8, y30) = circles
    x4 = float(texts["4"].get("x"))
    assert x4 == pytest.approx(x2 + (x8 - x2) / 3.0, abs=0.05)
    # y grows upwards: 30 is drawn above 10, and the tick "20" half-way between them
    assert y30 < y10
    y20 = float(texts["20"].get("y")) - 0.35 * 8.5  # labels are set on their baseline
    assert y20 == pytest.approx((y10 + y30) / 2.0, abs=0.05)
    # the limits take in the data with a margin: both points inside the axes' spines
    (xa, ya), (xb, yb) = _spines(root)
    assert xa < x2 < x8 < xb and ya < y30 < y10 < yb


def _spines(root: ET.Element) -> tuple[tuple[float, float], tuple[float, float]]:
    """(left, top), (right, bottom) of the axes from the two dark spine lines."""
    lines = [
        {k: float(v) for k, v in line.attrib.items() if k in ("x1", "x2", "y1", "y2")}
        for line in root.iter(f"{NS}line")
        if line.get("stroke") == "#222222" and line.get("stroke-width") == "0.8"
    ]
    left = next(ln for ln in lines if ln["x1"] == ln["x2"] and ln["y2"] - ln["y1"] > 20)
    bottom = next(ln for ln in lines if ln["y1"] == ln["y2"] and ln["x2"] - ln["x1"] > 20)
    return (left["x1"], left["y1"]), (bottom["x2"], bottom["y1"])


def test_a_one_sided_band_runs_to_the_panel_edge_and_nan_breaks_a_line() -> None:
    chart = Chart(4.0, 3.0)
    ax = chart.panel(0, 0)
    ax.rect(None, None, 20.0, None, "#2ca25f", 0.15)  # "at least 20"
    ax.line([0, 1, 2, 3, 4], [10.0, 12.0, float("nan"), 14.0, 15.0], "#333333")
    root = parse(chart)
    (xa, ya), (xb, _yb) = _spines(root)
    band = next(r for r in root.iter(f"{NS}rect") if r.get("fill") == "#2ca25f")
    assert float(band.get("y")) == pytest.approx(ya)  # up to the top of the panel
    assert float(band.get("x")) == pytest.approx(xa)
    assert float(band.get("width")) == pytest.approx(xb - xa)
    lines = list(root.iter(f"{NS}polyline"))
    assert len(lines) == 2  # the missing value is a gap, not a line to zero
    assert all(len(pl.get("points").split()) == 2 for pl in lines)


def test_the_pdf_copy_differs_only_in_the_font() -> None:
    chart = Chart(3.0, 2.0)
    chart.panel(0, 0, title="Knee flexion").line([0, 1], [0, 1], "#56b4e9")
    html, pdf = chart.svg().decode(), chart.svg("DejaVu").decode()
    assert 'font-family="DejaVu"' in pdf and "sans-serif" in html
    assert re.sub(r'font-family="[^"]*"', "", html) == re.sub(r'font-family="[^"]*"', "", pdf)
