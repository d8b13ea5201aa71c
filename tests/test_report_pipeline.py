"""The report a person opens: written by the video pipeline with its key-frame stills (the
render writes them first, the report waits for them), and as one file with the video inside
(``--single-file``).

The footage is the synthetic runner drawn as a stick figure and encoded with PyAV (as in
``test_render``), and the pose is the generator's own track, so no pose model runs.
"""

from __future__ import annotations

import base64
import json
import re

import pytest

from runform.cli import main
from runform.findings import KEY_EVENTS
from runform.keyframes import parse_still_filename
from runform.pipeline import AnalysisOptions
from runform.pipeline.video import _analyze_pose
from runform.progress import no_progress
from runform.report import SINGLE_FILE_NAME, SingleFileError, write_report
from runform.report.content import STILL_LABELS
from runform.synthetic import RunnerSpec, synthetic_runner
from test_render import encode, runner_frames

SPEC = RunnerSpec(facing="right", touchdown_distance_m=0.38)  # with findings
REF = re.compile(r'\b(?:src|href|poster|data|action|srcset)\s*=\s*"([^"]*)"', re.IGNORECASE)


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """``_analyze_pose`` on a synthetic clip, the way ``runform analyze --single-file`` runs
    after the pose pass: render in a worker thread, report beside it."""
    run = synthetic_runner(SPEC, fps=30, duration_s=6, px_per_m=150, seed=3)
    folder = tmp_path_factory.mktemp("pipeline")
    clip = encode(folder / "runner.mp4", runner_frames(run.track), 30)
    out = folder / "out"
    options = AnalysisOptions(treadmill_speed_mps=SPEC.speed_mps).validate()
    result = _analyze_pose(
        clip, run.track, options, out, True, no_progress, True, None, None, None,
        single_file=True,
    )  # fmt: skip
    return result, out


def labels_in(section: str) -> list[str]:
    return re.findall(r'<img src="data:image/jpeg;base64,[A-Za-z0-9+/=]+" alt="([^"]+)"', section)


def test_the_report_of_a_fresh_analysis_shows_every_still_written(analysed):
    result, out = analysed
    assert list(result.outputs)[:4] == ["pose", "analysis", "annotated", "stills"]
    written = sorted((out / "stills").glob("*.jpg"))
    assert len(written) == 10, result.notes
    page = result.outputs["report_html"].read_text(encoding="utf-8")
    gallery = page[page.index('id="media"') : page.index('id="quality"')]
    expected = []
    near = json.loads(result.outputs["analysis"].read_text())["context"]["near_side"]
    for path in written:
        side, moment = parse_still_filename(path.name)
        far = " (far from the camera)" if near in ("left", "right") and side != near else ""
        expected.append(f"{side.capitalize()} leg{far}, {STILL_LABELS[moment]}")
    assert sorted(labels_in(gallery)) == sorted(expected)
    # each finding shows the moment that shows it best (here peak thigh extension beside
    # the extension finding)
    doc = json.loads(result.outputs["analysis"].read_text())
    assert doc["findings"]
    for f in doc["findings"]:
        card = page[page.index(f'id="finding-{f["id"]}"') :]
        card = card[: card.index("</article>")]
        assert 'class="finding-still"' in card, f["id"]
        assert STILL_LABELS[KEY_EVENTS[f["id"]]] in labels_in(card)[0], f["id"]
    # the video is linked (it was still being written when the report was)
    assert '<video controls preload="none" src="annotated.mp4"' in page
    assert result.outputs["annotated"].is_file()


def test_single_file_has_the_video_inside_and_nothing_outside(analysed):
    result, out = analysed
    path = result.outputs["report_single_file"]
    assert path == out / SINGLE_FILE_NAME
    page = path.read_text(encoding="utf-8")
    refs = REF.findall(page)
    assert refs, "no reference at all"
    outside = [r[:60] for r in refs if not r.startswith(("data:", "#"))]
    assert outside == [], f"references to files: {outside}"
    assert "url(" not in page.replace("url(data:", "")
    videos = re.findall(r'<video[^>]*\ssrc="data:video/mp4;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(videos) == 1
    assert base64.b64decode(videos[0]) == (out / "annotated.mp4").read_bytes()
    assert "media-src data:" in page  # the page's own CSP lets only the embedded video play
    # the stills are inside too, as in report.html
    assert len(labels_in(page[page.index('id="media"') :])) == 10


def test_single_file_is_refused_above_the_size_limit(analysed, tmp_path, monkeypatch, capsys):
    _, out = analysed
    monkeypatch.setattr("runform.report.SINGLE_FILE_MAX_VIDEO_MB", 0.01)
    target = tmp_path / "elsewhere"
    code = main(["report", str(out / "analysis.json"), "--out", str(target), "--single-file"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2
    assert "more than the 0.01 MB a single-file report may hold" in err
    assert "Traceback" not in err and err.count(". ") <= 1
    assert not (target / "report.html").exists()  # refused before writing anything
    # a video still being written is checked once it is there: the other files stand
    doc = json.loads((out / "analysis.json").read_text())
    with pytest.raises(SingleFileError) as refused:
        write_report(
            doc,
            tmp_path / "late",
            media={"video": out / "annotated.mp4"},
            single_file=True,
            video_ready=lambda: None,
        )
    assert set(refused.value.paths) == {"html", "pdf", "steps_csv"}
    assert not (tmp_path / "late" / SINGLE_FILE_NAME).exists()


def test_runform_report_single_file(analysed, tmp_path, capsys):
    _, out = analysed
    target = tmp_path / "sent"
    assert main(["report", str(out / "analysis.json"), "--out", str(target), "--single-file"]) == 0
    assert str(target / SINGLE_FILE_NAME) in capsys.readouterr().out
    page = (target / SINGLE_FILE_NAME).read_text(encoding="utf-8")
    assert 'src="data:video/mp4;base64,' in page


def test_single_file_needs_the_video(tmp_path, capsys):
    from runform.errors import OptionError
    from runform.pipeline.video import analyze_video

    with pytest.raises(OptionError, match="drop --no-video or --single-file"):
        analyze_video("missing.mp4", out_dir=tmp_path, annotate=False, single_file=True)
    run = synthetic_runner(SPEC, fps=60, duration_s=6, seed=1)
    from runform.pipeline import analyze_track

    doc = json.loads(json.dumps(analyze_track(run.track).to_dict()))
    (tmp_path / "analysis.json").write_text(json.dumps(doc))
    assert main(["report", str(tmp_path / "analysis.json"), "--single-file"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "no annotated video" in err
