"""Speeds as people write them (``runform.units.parse_speed``) and the command-line inputs
people get wrong: units on ``--treadmill-speed``, ``--version``, a video given to
``analyze-pose`` and a pose file given to ``analyze``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runform import __version__
from runform.cli import main
from runform.units import MILE_M, parse_speed

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "male_side.mp4"


@pytest.mark.parametrize(
    ("text", "mps"),
    [
        ("3.2", 3.2),
        (3.2, 3.2),
        ("3.2m/s", 3.2),
        ("3.2 m/s", 3.2),
        ("3,2 m/s", 3.2),
        ("11.5km/h", 11.5 / 3.6),
        ("11.5 KM/H", 11.5 / 3.6),
        ("11.5 kph", 11.5 / 3.6),
        ("7.2mph", 7.2 * MILE_M / 3600),
        ("7.2 mi/h", 7.2 * MILE_M / 3600),
        ("5:15/km", 1000 / 315),
        ("5:15 min/km", 1000 / 315),
        ("8:27/mi", MILE_M / 507),
        ("8:27 /mile", MILE_M / 507),
        ("30km/h", 30 / 3.6),
    ],
)
def test_speeds_in_every_unit(text, mps: float) -> None:
    assert parse_speed(text) == pytest.approx(mps, rel=1e-9)


def test_the_same_speed_written_four_ways_agrees() -> None:
    # 10 km/h = 2.778 m/s = 6:00/km = 6.214 mph.
    values = [parse_speed(t) for t in ("2.7778", "10km/h", "6:00/km", "6.2137mph")]
    assert max(values) - min(values) < 1e-3


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("12", ["12 m/s is faster than anyone runs", "12km/h (3.33 m/s)", "12mph (5.36 m/s)"]),
        ("25", ["25km/h (6.94 m/s)"]),
        ("0.2", ["slower than running", "write the unit"]),
        ("200", ["not a running speed in m/s, km/h or mph"]),
        ("abc", ["is not a speed runform can read", "11.5km/h"]),
        ("", ["is empty"]),
        ("3 furlongs", ["'furlongs' is not a speed unit"]),
        ("60km/h", ["outside human running", "16.67 m/s"]),
        ("0:30/km", ["outside human running"]),
        ("5:75/km", ["is not a speed runform can read"]),
    ],
)
def test_bad_speeds_get_one_sentence_that_says_what_to_write(text: str, words: list[str]) -> None:
    with pytest.raises(ValueError) as info:
        parse_speed(text)
    message = str(info.value)
    for word in words:
        assert word in message, message
    assert message.endswith(".")
    assert not re.search(r"[.!?]\s+[A-Z]", message), f"more than one sentence: {message}"


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, " ".join(captured.err.split())


@pytest.mark.parametrize("command", ["analyze", "analyze-pose"])
def test_a_bare_12_is_refused_with_the_unit_suggested(tmp_path: Path, capsys, command) -> None:
    source = EXAMPLE if command == "analyze" else tmp_path / "run.csv"
    code, _, err = _cli(
        capsys, command, str(source), "--out", str(tmp_path / "o"), "--treadmill-speed", "12"
    )
    assert code == 2
    assert "12km/h" in err and "Traceback" not in err
    assert not (tmp_path / "o" / "analysis.json").exists()


def test_speed_with_units_reaches_the_analysis(tmp_path: Path, capsys) -> None:
    """11.5 km/h on the command line is stored as 3.19 m/s in analysis.json."""
    import json

    from runform.pose.readers import write_pose_csv
    from runform.synthetic import RunnerSpec, synthetic_runner

    run = synthetic_runner(RunnerSpec(facing="left"), fps=60.0, duration_s=8.0, seed=2)
    pose = tmp_path / "run.csv"
    write_pose_csv(run.track, pose)
    out = tmp_path / "out"
    code, _, err = _cli(
        capsys,
        "analyze-pose",
        str(pose),
        "--out",
        str(out),
        "--no-report",
        "--quiet",
        "--treadmill-speed",
        "11.5km/h",
    )
    assert code == 0, err
    text = json.dumps(json.loads((out / "analysis.json").read_text()))
    assert "3.194" in text


def test_version(capsys) -> None:
    code, out, _ = _cli(capsys, "--version")
    assert code == 0
    assert out.strip() == f"runform {__version__}"


def test_analyze_pose_given_a_video_says_use_analyze(tmp_path: Path, capsys) -> None:
    code, _, err = _cli(capsys, "analyze-pose", str(EXAMPLE), "--out", str(tmp_path), "-q")
    assert code == 2
    assert "is a video, not a pose file" in err
    assert f"runform analyze {EXAMPLE}" in err


@pytest.mark.parametrize("name", ["run.csv", "run.json", "run.trc"])
def test_analyze_given_a_pose_file_says_use_analyze_pose(tmp_path: Path, capsys, name) -> None:
    pose = tmp_path / name
    pose.write_text("time,nose_x,nose_y\n0,1,1\n")
    code, _, err = _cli(capsys, "analyze", str(pose), "--out", str(tmp_path / "o"), "-q")
    assert code == 2
    assert "is a pose file, not a video" in err
    assert "runform analyze-pose" in err


def test_error_messages_name_no_exception_class(tmp_path: Path, capsys) -> None:
    not_video = tmp_path / "clip.mp4"
    not_video.write_bytes(b"this is text, not a video\n" * 50)
    code, _, err = _cli(capsys, "analyze", str(not_video), "--out", str(tmp_path / "o"), "-q")
    assert code == 2
    assert "is not a video runform can read" in err
    assert not re.search(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(Error|Exception)\b", err), err
