"""One band per metric everywhere, and a verdict for every metric (issue 10).

A speed-dependent band is moved to the runner's pace once per analysis and stored with the
metric in ``analysis.json``; the terminal table, the report (HTML and PDF), the findings and
the plan must all show that stored band, never the catalogue's unmoved one. The outputs are
read back as a person would read them (the printed table, the HTML, the PDF's text, the
plan's files) and compared with the stored band and verdict.
"""

from __future__ import annotations

import io
import re
from functools import cache

import pypdf
import pytest
from rich.console import Console

from runform.cli import summary_table
from runform.findings import findings_from_analysis
from runform.findings.pace import Pace, band_at_pace, metric_band, reference_value
from runform.findings.wording import band_of, fmt_band, verdict_text
from runform.metrics.catalog import CATALOG
from runform.pipeline import AnalysisOptions, analyze_track
from runform.plan import build_plan, profile_from_options
from runform.plan.outputs import write_plan
from runform.report import write_report
from runform.synthetic import RunnerSpec, synthetic_runner

#: A runner whose swing knee fold is low for 3.2 m/s: the heel-recovery finding rests on
#: knee-fold and heel bands that are shifted with pace, so they differ from the catalogue.
SPEC = RunnerSpec(heel_recovery_height_m=0.17)
SPEED = 3.2
PACED = "knee_flexion_swing_peak_deg"


@cache
def analysis() -> dict:
    run = synthetic_runner(SPEC, fps=60, duration_s=8, seed=1)
    doc = analyze_track(run.track, AnalysisOptions(treadmill_speed_mps=SPEED)).to_dict()
    doc["findings"] = findings_from_analysis(doc)
    return doc


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    doc = analysis()
    out = tmp_path_factory.mktemp("bands")
    paths = write_report(doc, out, findings=doc["findings"])
    plan = build_plan(doc["findings"], profile_from_options(start="2027-01-04"), analysis=doc)
    plan_paths = write_plan(plan, out)
    buffer = io.StringIO()
    saved = summary_table.console
    summary_table.console = Console(file=buffer, width=240, color_system=None)
    try:
        summary_table.print_summary(doc)
    finally:
        summary_table.console = saved
    pdf_text = "\n".join(p.extract_text() for p in pypdf.PdfReader(paths["pdf"]).pages)
    return {
        "doc": doc,
        "terminal": buffer.getvalue(),
        "html": paths["html"].read_text(encoding="utf-8"),
        "pdf": " ".join(pdf_text.split()),
        "plan_html": plan_paths["html"].read_text(encoding="utf-8"),
        "plan_json": plan_paths["json"].read_text(encoding="utf-8"),
    }


def terminal_row(text: str, name: str) -> list[str]:
    """The cells of the table row whose metric cell starts with ``name``."""
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 2 and cells[1].startswith(name):
            return cells[1:-1]
    raise AssertionError(f"no row for {name!r}")


def scorecard_row(html: str, name: str) -> str:
    card = html[html.index('id="scorecard"') :]
    start = card.index(f"<b>{name}</b>")
    return card[start : card.index("</tr>", start)]


# ----------------------------------------------------------------------------- the band


def test_the_stored_band_is_the_pace_adjusted_one():
    doc = analysis()
    band = doc["metrics"][PACED]["band"]
    cat = CATALOG[PACED].band
    shift = reference_value(PACED, SPEED) - reference_value(PACED, 3.0)
    assert abs(shift) > 1.0  # the test means something: the band really moved
    assert band["low"] == pytest.approx(cat.low + shift, abs=0.05)
    assert band["high"] == pytest.approx(cat.high + shift, abs=0.05)
    assert (band["catalogue_low"], band["catalogue_high"]) == (cat.low, cat.high)
    assert band["adjusted"] and "3.2 m/s" in band["adjusted"]
    # the same function gives the same band for a document without stored bands
    again = metric_band(PACED, cat.to_dict(), Pace(SPEED, "treadmill"))
    assert (again["low"], again["high"]) == (band["low"], band["high"])
    assert band_at_pace(PACED, cat.low, cat.high, Pace(SPEED, "treadmill"))[:2] == (
        band["low"],
        band["high"],
    )


def test_findings_evidence_uses_the_stored_band():
    doc = analysis()
    assert doc["findings"], "the runner should have a finding to compare"
    for f in doc["findings"]:
        for item in f["evidence"]:
            band = doc["metrics"][item["metric"]]["band"]
            assert item["band"][0] == pytest.approx(band["low"], abs=1e-3), item
            assert item["band"][1] == pytest.approx(band["high"], abs=1e-3), item


def test_every_output_shows_the_same_band(outputs):
    doc = outputs["doc"]
    for mid, entry in doc["metrics"].items():
        expected = band_of(entry)
        if not expected:
            continue
        name = entry["name"]
        # terminal: the band cell (the unit is in the metric's label)
        cells = terminal_row(outputs["terminal"], f"{name} (")
        assert expected.startswith(cells[-3]), (mid, cells, expected)
        # report HTML scorecard
        assert expected in scorecard_row(outputs["html"], name), mid
        # report PDF
        assert expected in outputs["pdf"], mid
    # the moved band replaced the catalogue's everywhere
    cat = CATALOG[PACED].band
    old = fmt_band(cat.low, cat.high, "deg", short=True)
    new = band_of(doc["metrics"][PACED])
    assert old != new
    for where in ("html", "pdf", "plan_html", "terminal"):
        assert old not in outputs[where], where
    # the plan quotes it in its own words (the runner's numbers under the drill)
    low, high = doc["metrics"][PACED]["band"]["low"], doc["metrics"][PACED]["band"]["high"]
    plan_band = f"{low:.1f}–{high:.1f}°"
    assert plan_band in outputs["plan_html"] and plan_band in outputs["plan_json"]


def test_every_metric_has_a_verdict_in_every_output(outputs):
    doc = outputs["doc"]
    for mid, entry in doc["metrics"].items():
        keys = ("left", "right") if entry["per_side"] else ("all",)
        for key in keys:
            if not entry.get(key):
                continue
            assert entry["verdict"][key] in (
                "below",
                "within",
                "above",
                "not measured reliably",
                "no band",
            ), (mid, key)
            text = verdict_text(entry, key)
            assert text
            row = scorecard_row(outputs["html"], entry["name"])
            assert text in row, (mid, key, text)
            assert text in outputs["pdf"], (mid, key, text)
            if text != "seen from the other side":  # the terminal marks far values "far"
                cells = terminal_row(outputs["terminal"], f"{entry['name']} (")
                assert text in cells[-2], (mid, key, cells)
            else:
                cells = terminal_row(outputs["terminal"], f"{entry['name']} (")
                assert any(c.endswith(" far") for c in cells), (mid, cells)


def test_the_terminal_column_is_named_for_what_it_measures(outputs):
    header = next(line for line in outputs["terminal"].splitlines() if "metric" in line)
    assert "data quality" in header and "verdict" in header
    assert re.search(r"\bquality\b", header.replace("data quality", "")) is None
