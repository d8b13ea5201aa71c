"""`runform plan`: files written from a hand-made analysis.json, and clear option errors."""

from __future__ import annotations

import json
import sys
import types
from datetime import date

import icalendar
import pytest

from runform.cli import main

ANALYSIS = {
    "schema": "runform.analysis/1",
    "findings": [
        {
            "id": "limited_extension",
            "title": "Limited thigh extension behind the body",
            "severity": 0.55,
            "severity_label": "moderate",
            "confidence": 0.8,
            "confidence_label": "high",
            "side": "both",
            "metrics": ["thigh_extension_deg"],
            "evidence": [],
            "explanation": "",
            "advice": "",
        },
        {"id": "overstriding", "severity": 0.3, "confidence": 0.9, "side": "both"},
    ],
}


@pytest.fixture
def analysis_file(tmp_path):
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps(ANALYSIS), encoding="utf-8")
    return path


def run(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, " ".join(captured.err.split())


def test_plan_command_writes_html_ics_json(analysis_file, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, _ = run(
        [
            "plan", str(analysis_file), "--out", str(out), "--level", "advanced",
            "--sessions-per-week", "4", "--minutes", "50", "--equipment", "band",
            "--equipment", "stability_ball,table", "--avoid-days", "sun", "--start", "2025-06-02",
        ],
        capsys,
    )  # fmt: skip
    assert code == 0
    assert "24 sessions" in stdout
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["profile"]["equipment"] == ["band", "stability_ball", "bench"]
    assert plan["profile"]["level"] == "advanced"
    assert [f["id"] for f in plan["focus"]] == ["limited_extension", "overstriding"]
    cal = icalendar.Calendar.from_ical((out / "plan.ics").read_bytes())
    dates = [ev.decoded("DTSTART") for ev in cal.walk("VEVENT")]
    assert len(dates) == 24 and dates[0] == date(2025, 6, 2)
    assert all(d.weekday() != 6 for d in dates)
    html = (out / "plan.html").read_text(encoding="utf-8")
    assert "Limited thigh extension behind the body" in html


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--sessions-per-week", "7"], "7 sessions a week is not supported"),
        (["--start", "02/06/2025"], "not in the form YYYY-MM-DD"),
        (["--level", "pro"], "Unknown level 'pro'"),
        (["--equipment", "rowing_machine"], "Unknown equipment 'rowing_machine'"),
        (["--avoid-days", "mon,tue,wed,thu", "--sessions-per-week", "4"], "do not fit"),
        (["--minutes", "200"], "200 minutes per session is out of range"),
        (["--spare", "elbow"], "Unknown body part 'elbow'"),
    ],
)
def test_invalid_options_exit_with_one_sentence(analysis_file, tmp_path, capsys, option, message):
    out = tmp_path / "out"
    code, _, err = run(["plan", str(analysis_file), "--out", str(out), *option], capsys)
    assert code == 2
    assert message in err
    assert err.startswith("error:") and err.endswith(".") and "Traceback" not in err
    assert not out.exists()


def test_missing_or_broken_analysis(tmp_path, capsys):
    code, _, err = run(["plan", str(tmp_path / "nope.json"), "--out", str(tmp_path)], capsys)
    assert code == 2 and "does not exist" in err
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    code, _, err = run(["plan", str(broken), "--out", str(tmp_path)], capsys)
    assert code == 2 and "not a JSON file" in err


def test_analysis_without_findings_uses_the_findings_stage(tmp_path, capsys, monkeypatch):
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps({"schema": "runform.analysis/1", "metrics": {}}), encoding="utf-8")
    seen = []

    def fake_findings(analysis):
        seen.append(analysis)
        return [{"id": "low_cadence", "severity": 0.7, "confidence": 0.9, "side": "both"}]

    fake = types.ModuleType("runform.findings")
    fake.findings_from_analysis = fake_findings
    monkeypatch.setitem(sys.modules, "runform.findings", fake)
    out = tmp_path / "out"
    code, _, _ = run(["plan", str(path), "--out", str(out), "--start", "2025-06-02"], capsys)
    assert code == 0 and seen == [{"schema": "runform.analysis/1", "metrics": {}}]
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["focus"][0]["id"] == "low_cadence"

    monkeypatch.setitem(sys.modules, "runform.findings", None)  # import now fails
    code, _, err = run(["plan", str(path), "--out", str(tmp_path / "o2")], capsys)
    assert code == 2 and "has no findings" in err


def test_analyze_can_reuse_the_library_api(analysis_file, tmp_path):
    """The calls `runform analyze --plan` makes: build_plan + write_plan on the findings."""
    from runform.plan import build_plan, profile_from_options, write_plan

    findings = json.loads(analysis_file.read_text())["findings"]
    paths = write_plan(build_plan(findings, profile_from_options(start="2025-06-02")), tmp_path)
    assert sorted(p.name for p in paths.values()) == ["plan.html", "plan.ics", "plan.json"]
