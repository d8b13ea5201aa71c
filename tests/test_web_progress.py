"""The progress card speaks plain words: every stage the pipeline reports has its words,
and of the details only how far through the frames it is reaches the runner (the page
showed "detecting steps and measuring cleaning" and "compare report compare.json")."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from runform.web.views import STAGE_WORDS, detail_label, stage_label
from test_web import clip, make_app, sign_up, upload  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SRC = Path(__file__).resolve().parents[1] / "src" / "runform"


def reported_stages() -> set[str]:
    """Every stage name the code reports through a progress callback."""
    calls = re.compile(r"\b(?:report|cb|progress)\(\s*\"([^\"]+)\"")
    constants = re.compile(r"^_STAGE = \"([^\"]+)\"", re.M)
    written = re.compile(r"\bstage=\"([^\"]+)\"")
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in (calls, constants, written):
            found |= set(pattern.findall(text))
    return found


def test_every_reported_stage_has_plain_words():
    stages = reported_stages()
    assert {"pose", "analyse", "compare", "compare report", "annotated video"} <= stages
    assert sorted(stages - set(STAGE_WORDS)) == []
    assert stage_label("analyse") == "finding the steps and measuring them"
    assert stage_label("compare report") == "writing the comparison"
    assert stage_label("left.mp4: pose") == "tracking the body (left.mp4)"
    assert stage_label("something new") == "working"  # never the internal name


@pytest.mark.parametrize(
    ("detail", "words"),
    [
        ("cleaning", ""),
        ("compare.json", ""),
        ("report.html", ""),
        ("cadence_spm", ""),
        ("01-contact-left.jpg", ""),
        ("184/360 frames · 20 frames/s", "frame 184 of 360"),
        ("frame 132/360", "frame 132 of 360"),
        ("360 frames written", ""),
        ("0/0 frames", ""),
    ],
)
def test_only_the_frame_count_of_a_detail_is_shown(detail, words):
    assert detail_label(detail) == words


def test_the_progress_card_and_its_json_use_the_words(tmp_path, clip):  # noqa: F811
    from sqlalchemy import update

    from runform.service.models import RUNNING, Job

    with TestClient(make_app(tmp_path, worker="none")) as client:
        sign_up(client, "a@b.org")
        page = upload(client, clip).headers["location"]
        with client.app.state.service.db.session() as s:
            s.execute(update(Job).values(state=RUNNING, stage="analyse", detail="cleaning"))
        html = client.get(page).text
        assert "finding the steps and measuring them" in html and "cleaning" not in html
        with client.app.state.service.db.session() as s:
            s.execute(update(Job).values(stage="compare report", detail="compare.json"))
        status = client.get(f"{page}/status").json()
        assert status["stage_label"] == "writing the comparison" and status["detail_label"] == ""
        html = client.get(page).text
        assert "writing the comparison" in html and "compare.json" not in html
        assert 'data-field="detail_label"' in html
