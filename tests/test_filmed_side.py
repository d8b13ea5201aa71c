"""The side the user says was filmed (``--filmed-side``, the upload form's choice): it
decides the near leg only when the picture cannot; a picture that clearly shows the other
leg nearer wins, and a warning says so (a wrong answer must not get the far leg judged)."""

from __future__ import annotations

import numpy as np
import pytest

from runform.cli import main
from runform.errors import OptionError
from runform.pipeline import AnalysisOptions, analyze_track
from runform.pose.readers import write_pose_csv
from runform.synthetic import RunnerSpec, synthetic_runner


@pytest.fixture(scope="module")
def run():
    return synthetic_runner(RunnerSpec(facing="left"), fps=60, duration_s=8, seed=2)


def test_a_stated_side_agreeing_with_the_picture_changes_nothing(run):
    doc = analyze_track(run.track, AnalysisOptions(filmed_side="left")).to_dict()
    assert doc["context"]["near_side"] == "left"
    assert doc["context"]["near_side_evidence"]["basis"] == "image evidence"
    assert "filmed_side_contradicted" not in [w["code"] for w in doc["warnings"]]


def test_the_picture_wins_over_a_wrong_statement_with_a_warning(run):
    doc = analyze_track(run.track, AnalysisOptions(filmed_side="right")).to_dict()
    assert doc["context"]["near_side"] == "left"
    warning = next(w for w in doc["warnings"] if w["code"] == "filmed_side_contradicted")
    assert "picture shows the left leg nearer" in warning["message"]


def test_the_statement_decides_when_the_picture_cannot(run):
    blind = run.track.replace(score=np.full_like(run.track.score, np.nan))
    assert analyze_track(blind, AnalysisOptions()).to_dict()["context"]["near_side"] is None
    doc = analyze_track(blind, AnalysisOptions(filmed_side="right")).to_dict()
    assert doc["context"]["near_side"] == "right"
    assert doc["context"]["near_side_evidence"]["basis"].startswith("stated by the user")
    assert doc["options"]["filmed_side"] == "right"


def test_a_bad_side_is_one_sentence(run, tmp_path, capsys):
    with pytest.raises(OptionError, match="give left or right"):
        AnalysisOptions(filmed_side="front").validate()
    pose = tmp_path / "run.csv"
    write_pose_csv(run.track, pose)
    code = main(
        ["analyze-pose", str(pose), "--out", str(tmp_path / "o"), "--filmed-side", "up", "-q"]
    )
    assert code == 2 and "give left or right" in " ".join(capsys.readouterr().err.split())
