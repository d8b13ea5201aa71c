"""``runform analyze VIDEO --out DIR``: outputs, cache options, exit codes, bad input.

Bad input must give one sentence on stderr (what is wrong, how to film or run it better),
a non-zero exit (2 for input/options, 3 for footage that cannot be analysed) and never a
traceback. MediaPipe runs share the test session's pose cache.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from runform.cli import main
from test_video_helpers import (
    EXAMPLE,
    ClipFactory,
    clips,
    session_pose_cache,
    write_audio_only,
)

pytestmark = pytest.mark.slow
__all__ = ["clips"]


@pytest.fixture(scope="session")
def pose_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return session_pose_cache(tmp_path_factory)


def run(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    code = main(["analyze", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_clear_sentence(err: str, *words: str) -> None:
    assert "Traceback" not in err
    text = " ".join(err.split())
    assert text.startswith("error: ")
    for word in words:
        assert word in text, (word, text)


# ---------------------------------------------------------------------------- success
def test_analyze_example_writes_outputs_and_summary(
    tmp_path: Path, pose_cache: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    code, stdout, err = run(
        [str(EXAMPLE), "--out", str(out), "--no-video", "--cache-dir", str(pose_cache)], capsys
    )
    assert code == 0, err
    doc = json.loads((out / "analysis.json").read_text())
    assert doc["schema"] == "runform.analysis/1" and doc["video"]["n_frames"] == 360
    assert (out / "pose.csv").is_file()
    assert not (out / "annotated.mp4").exists() and not (out / ".cache").exists()
    assert "Cadence" in stdout and "720x1280" in stdout and "wrote" in stdout

    # other analysis options reuse the cached pose
    code, stdout, err = run(
        [
            str(EXAMPLE),
            "--out",
            str(out),
            "--no-video",
            "--cache-dir",
            str(pose_cache),
            "--height-cm",
            "178",
            "--treadmill-speed",
            "3.0",
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    doc = json.loads((out / "analysis.json").read_text())
    assert doc["video"]["pose_cache"] == "hit"
    assert doc["options"]["height_cm"] == 178 and doc["options"]["treadmill_speed_mps"] == 3.0
    assert "Cadence" not in stdout  # --quiet: no table


def test_annotated_video_and_stills(
    tmp_path: Path, pose_cache: Path, capsys: pytest.CaptureFixture
) -> None:
    pytest.importorskip("runform.render.annotate", reason="the render stage is not installed")
    out = tmp_path / "out"
    code, stdout, err = run(
        [str(EXAMPLE), "--out", str(out), "--cache-dir", str(pose_cache)], capsys
    )
    assert code == 0, err
    with av.open(str(out / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        first = next(container.decode(stream))
        assert first.format.name == "yuv420p"
    stills = sorted((out / "stills").glob("*.jpg")) if (out / "stills").is_dir() else []
    if stills:
        assert any(p.name.endswith("-left.jpg") for p in stills)  # 01-contact-left.jpg ...
    else:
        assert "stills" in stdout  # a note says why they are missing


# ---------------------------------------------------------------------------- cache options
def test_default_cache_folder_and_no_cache(
    tmp_path: Path, clips: ClipFactory, capsys: pytest.CaptureFixture
) -> None:
    short = clips.get("short")  # too short to analyse: exit 3, but the pose is still cached
    code, _, err = run([str(short), "--out", str(tmp_path / "a"), "--quiet"], capsys)
    assert code == 3
    assert_one_clear_sentence(err, "were found (at least 2 per foot")
    entries = list((tmp_path / "a" / ".cache").glob("pose-*.npz"))
    assert len(entries) == 1
    assert (tmp_path / "a" / "pose.csv").is_file() and not (
        tmp_path / "a" / "analysis.json"
    ).exists()

    code, _, err = run([str(short), "--out", str(tmp_path / "b"), "--no-cache", "-q"], capsys)
    assert code == 3 and not (tmp_path / "b" / ".cache").exists()
    first = np.genfromtxt(tmp_path / "a" / "pose.csv", delimiter=",", names=True)
    second = np.genfromtxt(tmp_path / "b" / "pose.csv", delimiter=",", names=True)
    np.testing.assert_allclose(
        first["left_knee_x"], second["left_knee_x"], equal_nan=True
    )  # the cache returns what the model computes


# ---------------------------------------------------------------------------- bad input
def _not_a_video(tmp_path: Path) -> Path:
    path = tmp_path / "holiday.mp4"
    path.write_text("not a video at all\n" * 100)
    return path


def _zero_bytes(tmp_path: Path) -> Path:
    path = tmp_path / "empty.mov"
    path.write_bytes(b"")
    return path


def _truncated(tmp_path: Path) -> Path:
    data = EXAMPLE.read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 3])
    return path


def _audio_only(tmp_path: Path) -> Path:
    return write_audio_only(tmp_path / "voice.m4a")


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "no_such_clip.mp4"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_not_a_video, ["is not a video runform can read", "mp4"]),
        (_zero_bytes, ["is empty (0 bytes)", "copy the video from the phone again"]),
        (_truncated, ["truncated or damaged", "copy it from the phone again"]),
        (_audio_only, ["holds only audio, no picture"]),
        (_missing, ["does not exist"]),
    ],
)
def test_unreadable_files_exit_2_with_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture, make, words: list[str]
) -> None:
    code, _, err = run([str(make(tmp_path)), "--out", str(tmp_path / "out"), "-q"], capsys)
    assert code == 2
    assert_one_clear_sentence(err, *words)
    assert not (tmp_path / "out" / "analysis.json").exists()


def test_unusable_footage_exits_3_with_filming_advice(
    tmp_path: Path, clips: ClipFactory, pose_cache: Path, capsys: pytest.CaptureFixture
) -> None:
    for clip, words in (
        ("dark", ["too dark", "good light", "3–5 m away"]),
        ("two_runners", ["2 people are running", "film the runner alone"]),
        ("empty", ["No runner was found", "whole body in frame"]),
    ):
        code, _, err = run(
            [
                str(clips.get(clip)),
                "--out",
                str(tmp_path / clip),
                "--cache-dir",
                str(pose_cache),
                "-q",
            ],
            capsys,
        )
        assert code == 3, (clip, err)
        assert_one_clear_sentence(err, *words)


@pytest.mark.parametrize(
    ("option", "words"),
    [
        (["--capture-fps", "0"], ["--capture-fps must be the camera's frame rate"]),
        (["--height-cm", "5"], ["--height-cm 5 is not a human height"]),
        (["--pose-workers", "0"], ["--pose-workers must be a whole number"]),
        (["--frame-memory-mb", "-5"], ["--frame-memory-mb must be a number of megabytes"]),
    ],
)
def test_bad_options_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture, option: list[str], words: list[str]
) -> None:
    code, _, err = run([str(EXAMPLE), "--out", str(tmp_path), "--no-cache", *option], capsys)
    assert code == 2
    assert_one_clear_sentence(err, *words)


def test_out_pointing_at_a_file_is_refused_before_the_pose_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    taken = tmp_path / "taken"
    taken.write_text("mine")
    code, _, err = run([str(EXAMPLE), "--out", str(taken), "--no-cache"], capsys)
    assert code == 2
    assert_one_clear_sentence(err, "is a file, not a folder")
    assert taken.read_text() == "mine"
