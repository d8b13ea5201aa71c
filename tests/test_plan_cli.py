"""`runform plan`: files written from an analysis.json with hand-made findings, clear option
errors, and documents that are not runform analyses refused as `runform report` refuses them."""

from __future__ import annotations

import json
import sys
import types
from datetime import date, timedelta

import icalendar
import pytest

from runform.cli import main
from runform.plan.profile import next_monday

#: A Monday a few weeks ahead: the command refuses a start in the past.
START = next_monday(date.today()) + timedelta(weeks=3)

#: The findings the plan is built on (the analysis around them is a real one, see VALID).
FINDINGS = {
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
        {
            "id": "overstriding",
            "title": "Landing ahead of the body",
            "severity": 0.3,
            "confidence": 0.9,
            "side": "both",
        },
    ],
}


@pytest.fixture(scope="module")
def valid() -> dict:
    """An analysis as the engine writes it (a synthetic runner), without findings."""
    from runform.pipeline import AnalysisOptions, analyze_track
    from runform.synthetic import synthetic_runner

    run = synthetic_runner(fps=60.0, duration_s=6.0, seed=3)
    return analyze_track(run.track, AnalysisOptions(treadmill_speed_mps=3.2)).to_dict()


@pytest.fixture
def analysis_file(tmp_path, valid):
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps({**valid, **FINDINGS}), encoding="utf-8")
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
            "--equipment", "stability_ball,table", "--avoid-days", "sun",
            "--start", START.isoformat(),
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
    assert len(dates) == 24 and dates[0] == START
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


def test_analysis_without_findings_uses_the_findings_stage(valid, tmp_path, capsys, monkeypatch):
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps(valid), encoding="utf-8")
    import runform.report  # noqa: F401  (imported before runform.findings is faked)

    seen = []

    def fake_findings(analysis):
        seen.append(analysis)
        return [{"id": "low_cadence", "severity": 0.7, "confidence": 0.9, "side": "both"}]

    fake = types.ModuleType("runform.findings")
    fake.findings_from_analysis = fake_findings
    monkeypatch.setitem(sys.modules, "runform.findings", fake)
    out = tmp_path / "out"
    code, _, _ = run(["plan", str(path), "--out", str(out), "--start", START.isoformat()], capsys)
    assert code == 0 and seen == [json.loads(json.dumps(valid))]
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["focus"][0]["id"] == "low_cadence"

    monkeypatch.setitem(sys.modules, "runform.findings", None)  # import now fails
    code, _, err = run(["plan", str(path), "--out", str(tmp_path / "o2")], capsys)
    assert code == 2 and "has no findings" in err


def test_analyze_can_reuse_the_library_api(analysis_file, tmp_path):
    """The calls `runform analyze --plan` makes: build_plan + write_plan on the findings."""
    from runform.plan import build_plan, profile_from_options, write_plan

    findings = json.loads(analysis_file.read_text())["findings"]
    paths = write_plan(build_plan(findings, profile_from_options(start=START)), tmp_path)
    assert sorted(p.name for p in paths.values()) == ["plan.html", "plan.ics", "plan.json"]


def test_a_start_date_in_the_past_is_refused_with_one_sentence(analysis_file, tmp_path, capsys):
    out = tmp_path / "out"
    yesterday = date.today() - timedelta(days=1)
    code, _, err = run(
        ["plan", str(analysis_file), "--out", str(out), "--start", yesterday.isoformat()], capsys
    )
    assert code == 2
    assert f"The start date {yesterday.isoformat()} is in the past" in err
    assert "leave out --start" in err
    assert err.startswith("error:") and err.endswith(".") and err.count(". ") == 0
    assert not out.exists()


def test_today_is_a_valid_start(analysis_file, tmp_path, capsys):
    out = tmp_path / "out"
    today = date.today()
    code, stdout, _ = run(
        ["plan", str(analysis_file), "--out", str(out), "--start", today.isoformat()], capsys
    )
    assert code == 0 and f"from {today.isoformat()}" in stdout
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["start"] == today.isoformat()


def test_check_start_not_past_uses_the_given_today():
    from runform.cli.plan import check_start_not_past
    from runform.errors import OptionError

    check_start_not_past(date(2025, 3, 3), today=date(2025, 3, 3))  # the same day is fine
    with pytest.raises(OptionError, match="2025-03-02 is in the past"):
        check_start_not_past(date(2025, 3, 2), today=date(2025, 3, 3))


def test_the_plan_command_reads_the_runners_cadence_from_the_summary(valid, tmp_path, capsys):
    """The metronome drill gets the runner's own beat: summary cadence 169 → 177 (+5 %)."""
    finding = {"id": "overstriding", "title": "Landing ahead of the body", "severity": 0.6,
               "confidence": 0.9, "side": "both"}  # fmt: skip
    analysis = {
        **valid,
        "findings": [finding],
        "summary": {**valid["summary"], "cadence_spm": 169.0},
    }
    assert analysis["metrics"]["cadence_spm"]["quality"]["trusted"]
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps(analysis), encoding="utf-8")
    out = tmp_path / "out"
    code, _, _ = run(["plan", str(path), "--out", str(out), "--start", START.isoformat()], capsys)
    assert code == 0
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    metronome = [
        e for w in plan["weeks"] for s in w["sessions"] for e in s["exercises"]
        if e["id"] == "metronome_run"
    ]  # fmt: skip
    assert metronome and metronome[0]["target"] == "metronome 177 beats/min"
    html = (out / "plan.html").read_text(encoding="utf-8")
    assert "Set the metronome to 177 beats a minute: your cadence of 169 steps/min + 5 %." in html


@pytest.mark.parametrize(
    ("document", "words"),
    [
        pytest.param({"findings": []}, "no 'schema' field", id="findings-only"),
        pytest.param({"schema": "other.tool/3", "metrics": {}}, "schema 'other.tool/3'", id="foreign"),
        pytest.param({"schema": "runform.analysis/1", "findings": []}, "lacks the section", id="no-metrics"),
        pytest.param([1, 2], "expected a JSON object", id="list"),
    ],
)  # fmt: skip
def test_a_document_that_is_not_a_runform_analysis_is_refused(tmp_path, capsys, document, words):
    """`runform report` and `runform compare` refuse these; `runform plan` made a maintenance
    plan from `{"findings": []}` and exited 0."""
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(["plan", str(path), "--out", str(out)], capsys)
    assert code == 2
    assert words in err
    assert err.startswith("error:") and err.endswith(".") and "Traceback" not in err
    assert not out.exists()


def test_an_analysis_that_breaks_the_schema_is_refused(valid, tmp_path, capsys):
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps({**valid, "steps": "none", **FINDINGS}), encoding="utf-8")
    code, _, err = run(["plan", str(path), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert "does not match the runform.analysis/1 schema at steps" in err


def test_out_pointing_at_a_file_is_refused(analysis_file, tmp_path, capsys):
    taken = tmp_path / "plan"
    taken.write_text("mine")
    code, _, err = run(["plan", str(analysis_file), "--out", str(taken)], capsys)
    assert code == 2 and "Traceback" not in err
    assert err.startswith("error: --out") and "is a file, not a folder" in err
    assert err.count(". ") == 0


@pytest.mark.parametrize(
    ("start", "words"),
    [
        pytest.param("2999-12-31", "is more than a year ahead", id="year-2999"),
        pytest.param("9999-12-25", "leaves no room for a 6-week plan", id="end-of-calendar"),
    ],
)
def test_a_start_date_far_ahead_is_refused_with_one_sentence(
    analysis_file, tmp_path, capsys, start, words
):
    """--start 9999-12-25 crashed with OverflowError in session_dates; 2999-12-31 (a typo for
    a date this year, most likely) made a plan for the year 2999."""
    out = tmp_path / "out"
    code, _, err = run(["plan", str(analysis_file), "--out", str(out), "--start", start], capsys)
    assert code == 2
    assert words in err and start in err
    assert err.startswith("error:") and err.endswith(".") and "Traceback" not in err
    assert err.count(". ") == 0
    assert not out.exists()


def test_a_start_up_to_a_year_ahead_is_accepted():
    from runform.cli.plan import check_start_not_too_far
    from runform.errors import OptionError

    check_start_not_too_far(date(2026, 3, 3), today=date(2025, 3, 3))  # 365 days
    with pytest.raises(OptionError, match="2026-03-04 is more than a year ahead"):
        check_start_not_too_far(date(2026, 3, 4), today=date(2025, 3, 3))


def test_the_library_refuses_a_start_with_no_room_for_six_weeks():
    from runform.errors import OptionError
    from runform.plan import profile_from_options

    with pytest.raises(OptionError, match="9999-12-25 leaves no room"):
        profile_from_options(start="9999-12-25")
    assert profile_from_options(start="2999-12-31").start == date(2999, 12, 31)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--sessions-per-week", "1"], "1 session a week is not supported"),
        (["--avoid-days", "mon,tue,wed,thu,fri,sat", "-s", "2"], "in the 1 day left after"),
    ],
)
def test_a_count_of_one_takes_the_singular(analysis_file, tmp_path, capsys, option, message):
    """The messages said "1 sessions a week" and "the 1 days left"."""
    code, _, err = run(
        ["plan", str(analysis_file), "--out", str(tmp_path / "out"), *option], capsys
    )
    assert code == 2
    assert message in err
    assert "1 sessions" not in err and "1 days" not in err
