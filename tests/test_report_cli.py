"""`runform report analysis.json --out DIR`: rebuild the report from a saved analysis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runform.cli import main
from runform.findings import findings_from_analysis
from runform.pipeline import AnalysisOptions, analyze_track
from runform.synthetic import RunnerSpec, synthetic_runner


@pytest.fixture(scope="module")
def saved_analysis(tmp_path_factory) -> Path:
    """An analysis.json as `runform analyze` writes it (engine JSON + findings), with a
    key-frame still in ``stills/`` beside it."""
    spec = RunnerSpec(trunk_lean_deg=19.0)
    run = synthetic_runner(spec, fps=60.0, duration_s=6.0, seed=3)
    doc = analyze_track(run.track, AnalysisOptions(treadmill_speed_mps=spec.speed_mps)).to_dict()
    doc["findings"] = findings_from_analysis(doc)
    folder = tmp_path_factory.mktemp("analysis")
    path = folder / "analysis.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 3), dpi=50)
    fig.subplots().plot([0, 1], [0, 1])
    (folder / "stills").mkdir()
    fig.savefig(folder / "stills" / "right_midstance.png")  # where `runform analyze` puts them
    return path


def test_report_rebuilds_from_a_saved_analysis_beside_it(saved_analysis, tmp_path, capsys):
    """No --out: the report goes beside the analysis, with the findings saved in the file and
    the still found there."""
    doc = json.loads(saved_analysis.read_text(encoding="utf-8"))
    doc["findings"][0]["title"] = "Title edited in the saved file"
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "right_midstance.png").write_bytes(
        (saved_analysis.parent / "stills" / "right_midstance.png").read_bytes()
    )
    assert main(["report", str(path)]) == 0
    for name in ("report.html", "report.pdf", "steps.csv"):
        assert (tmp_path / name).is_file()
    printed = capsys.readouterr().out
    assert str(tmp_path / "report.html") in printed and "1 finding:" in printed
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Title edited in the saved file" in page
    card = page[page.index('id="summary-trunk_lean_forward"') :]
    assert "data:image/jpeg;base64," in card[: card.index("</article>")]


def test_report_into_another_folder_recomputing_findings(saved_analysis, tmp_path):
    """--out elsewhere: stills beside the analysis are still embedded; --recompute-findings
    ignores the saved findings."""
    doc = json.loads(saved_analysis.read_text(encoding="utf-8"))
    doc["findings"][0]["title"] = "Title edited in the saved file"
    path = saved_analysis.parent / "edited.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "elsewhere"
    assert main(["report", str(path), "--out", str(out), "--recompute-findings"]) == 0
    page = (out / "report.html").read_text("utf-8")
    assert "Title edited in the saved file" not in page
    assert "Large forward trunk lean" in page
    card = page[page.index('id="summary-trunk_lean_forward"') :]
    assert "data:image/jpeg;base64," in card[: card.index("</article>")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("{not json", "is not a JSON file"),
        ("[1, 2]", "not a runform analysis"),
        ('{"schema": "runform.plan/1"}', "not a runform analysis"),
        ('{"schema": "runform.analysis/1"}', "lacks the section"),
    ],
)
def test_bad_input_is_one_clear_sentence_and_a_non_zero_exit(tmp_path, capsys, content, message):
    path = tmp_path / "analysis.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["report", str(path), "--out", str(tmp_path / "out")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "out" / "report.html").exists()


def test_an_analysis_that_breaks_the_schema_is_refused(saved_analysis, tmp_path, capsys):
    doc = json.loads(saved_analysis.read_text(encoding="utf-8"))
    doc["metrics"]["trunk_lean_deg"]["unit"] = 5
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["report", str(path), "--out", str(tmp_path / "out")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "metrics/trunk_lean_deg/unit" in err


def test_out_pointing_at_a_file_is_refused(saved_analysis, tmp_path, capsys):
    """--out naming an existing file crashed with FileExistsError."""
    taken = tmp_path / "report"
    taken.write_text("mine")
    assert main(["report", str(saved_analysis), "--out", str(taken)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "Traceback" not in err
    assert err.startswith("error: --out") and "is a file, not a folder" in err
    assert taken.read_text() == "mine"
