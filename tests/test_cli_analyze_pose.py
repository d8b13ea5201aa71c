"""``runform analyze-pose PATH --out DIR``: a good file gives analysis.json; bad input gives
one clear sentence on stderr, a non-zero exit code and no traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from runform.cli import main
from runform.pose.readers import write_pose_csv
from runform.synthetic import RunnerSpec, synthetic_runner
from runform.track import PoseTrack


def runner_csv(tmp_path: Path, name: str = "run.csv", duration_s: float = 8.0, **kw) -> Path:
    """A synthetic runner (60 fps, facing left) written as a pose CSV."""
    run = synthetic_runner(RunnerSpec(facing="left"), fps=60.0, duration_s=duration_s, seed=2, **kw)
    path = tmp_path / name
    write_pose_csv(run.track, path)
    return path


def one_sentence(stderr: str) -> str:
    """The error message, checked to be a single sentence without a traceback."""
    text = " ".join(stderr.split())  # Rich wraps long lines
    assert "Traceback" not in text
    assert text.startswith("error: "), text
    message = text[len("error: ") :]
    assert message.endswith("."), message
    assert not re.search(r"[.!?]\s+[A-Z]", message), f"more than one sentence: {message}"
    assert len(message) > 30  # says what is wrong *and* what to do
    return message


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["analyze-pose", *args, "--quiet"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ----------------------------------------------------------------------------- success
def test_analyze_pose_writes_analysis_json(tmp_path: Path, capsys):
    path = runner_csv(tmp_path)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(capsys, str(path), "--out", str(out), "--height-cm", "178")
    assert code == 0, stderr
    doc = json.loads((out / "analysis.json").read_text())
    assert doc["schema"] == "runform.analysis/1"
    assert doc["summary"]["cadence_spm"] == pytest.approx(170.0, rel=0.01)
    assert doc["context"]["facing"] == "left"
    assert doc["options"]["height_cm"] == 178.0
    assert "vertical_oscillation_cm" in doc["summary"]
    assert isinstance(doc["findings"], list)
    assert "analysis.json" in stdout
    schema_path = Path(__file__).resolve().parents[1] / "src/runform/schemas/analysis.schema.json"
    jsonschema.validate(doc, json.loads(schema_path.read_text()))


def test_analyze_pose_prints_a_summary_table(tmp_path: Path, capsys):
    path = runner_csv(tmp_path)
    code = main(["analyze-pose", str(path), "--out", str(tmp_path / "o")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Cadence" in captured.out and "Thigh extension" in captured.out


# ----------------------------------------------------------------------------- bad input
def test_missing_file(tmp_path: Path, capsys):
    code, _, err = run_cli(capsys, str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "does not exist" in one_sentence(err)
    assert not (tmp_path / "o" / "analysis.json").exists()


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("odd[/dir]/pose.csv", id="closing-tag"),
        pytest.param("run[1]/pose[left].csv", id="tag-like"),
        pytest.param("run[bold]/pose.csv", id="style-name"),
    ],
)
def test_error_messages_keep_square_brackets_in_paths(tmp_path: Path, capsys, monkeypatch, name):
    """A path holding square brackets is printed as given: once it was read as Rich markup
    ('[/dir]' crashed with MarkupError, '[1]' and '[left]' vanished from the message)."""
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, name, "--out", "o")
    assert code == 2
    message = one_sentence(err)
    assert message.startswith(f"{name} does not exist"), message


def test_written_paths_keep_square_brackets(tmp_path: Path, capsys, monkeypatch):
    path = runner_csv(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, stdout, err = run_cli(capsys, str(path), "--out", "run[left]", "--no-report")
    assert code == 0, err
    assert "wrote run[left]/analysis.json" in stdout


def test_error_messages_keep_square_brackets_in_their_text(tmp_path: Path, capsys, monkeypatch):
    """The readers' own wording ('not [x, y, score]') survives the printing."""
    names = ["l_hip", "r_hip", "l_knee", "r_knee", "l_ankle", "r_ankle"]
    frames = [[[1.0, 2.0, 0.9] for _ in names] for _ in range(10)]
    frames[3][2] = ["a", "b", 1]
    (tmp_path / "pose.json").write_text(
        json.dumps({"keypoint_names": names, "frames": frames, "fps": 30.0})
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "pose.json", "--out", "o")
    assert code == 2
    assert "not [x, y, score]" in one_sentence(err)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("lorem ipsum dolor sit amet\nconsectetur, adipiscing\n", "column", id="text"),
        pytest.param("frame,foo,bar\n1,2,3\n2,3,4\n", "column", id="wrong-header"),
        pytest.param(b"\x00\x01\x02\xff garbage \x00\n", "binary", id="binary"),
        pytest.param("", "", id="empty"),
    ],
)
def test_malformed_csv(tmp_path: Path, capsys, content, expected: str):
    path = tmp_path / "bad.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    code, _, err = run_cli(capsys, str(path), "--out", str(tmp_path / "o"))
    assert code == 2
    assert expected in one_sentence(err)


def test_bad_number_in_csv(tmp_path: Path, capsys):
    path = runner_csv(tmp_path)
    lines = path.read_text().splitlines()
    cells = lines[5].split(",")
    cells[1] = "twelve"
    lines[5] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    code, _, err = run_cli(capsys, str(path), "--out", str(tmp_path / "o"))
    assert code == 2
    one_sentence(err)


def test_missing_required_keypoints(tmp_path: Path, capsys):
    run = synthetic_runner(fps=60.0, duration_s=6.0, seed=1)
    t = run.track
    keep = [k for k in t.keypoints if not k.endswith("_knee")]
    no_knees = PoseTrack.from_points(
        t.time, {k: t.point(k) for k in keep}, {k: t.point_score(k) for k in keep}
    )
    path = tmp_path / "no_knees.csv"
    write_pose_csv(no_knees, path)
    code, _, err = run_cli(capsys, str(path), "--out", str(tmp_path / "o"))
    assert code == 2
    message = one_sentence(err)
    assert "left_knee" in message and "right_knee" in message


def test_non_increasing_time(tmp_path: Path, capsys):
    path = runner_csv(tmp_path)
    lines = path.read_text().splitlines()
    # frame 20 gets the time of frame 10
    t10 = lines[11].split(",")[0]
    cells = lines[21].split(",")
    cells[0] = t10
    lines[21] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    code, _, err = run_cli(capsys, str(path), "--out", str(tmp_path / "o"))
    assert code == 2
    message = one_sentence(err).lower()
    assert "time" in message and "--fps" in message


def test_non_increasing_time_is_fixed_by_fps(tmp_path: Path, capsys):
    path = runner_csv(tmp_path)
    lines = path.read_text().splitlines()
    cells = lines[21].split(",")
    cells[0] = lines[11].split(",")[0]
    lines[21] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    code, _, err = run_cli(capsys, str(path), "--out", str(tmp_path / "o"), "--fps", "60")
    assert code == 0, err


def test_too_few_steps(tmp_path: Path, capsys):
    path = runner_csv(tmp_path, duration_s=1.5)
    code, _, err = run_cli(capsys, str(path), "--out", str(tmp_path / "o"))
    assert code == 3
    message = one_sentence(err)
    assert "steps" in message


def test_all_low_confidence(tmp_path: Path, capsys):
    run = synthetic_runner(fps=60.0, duration_s=6.0, seed=1)
    low = run.track.replace(score=np.full_like(run.track.score, 0.05))
    path = tmp_path / "low.csv"
    write_pose_csv(low, path)
    code, _, err = run_cli(capsys, str(path), "--out", str(tmp_path / "o"))
    assert code == 3
    assert "confiden" in one_sentence(err)


@pytest.mark.parametrize(
    ("option", "value"),
    [("--height-cm", "5"), ("--treadmill-speed", "40"), ("--fps", "-3"), ("--fps", "0")],
)
def test_invalid_option(tmp_path: Path, capsys, option: str, value: str):
    path = runner_csv(tmp_path)
    code, _, err = run_cli(capsys, str(path), "--out", str(tmp_path / "o"), option, value)
    assert code == 2
    assert option in one_sentence(err)
    assert not (tmp_path / "o" / "analysis.json").exists()


def test_non_numeric_option_is_a_usage_error(tmp_path: Path, capsys):
    path = runner_csv(tmp_path)
    code = main(["analyze-pose", str(path), "--height-cm", "tall", "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err and "height-cm" in err


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["analyze-pose"], id="missing-path"),
        pytest.param(["analyze-pose", "x.csv", "--no-such-option"], id="unknown-option"),
    ],
)
def test_usage_errors_exit_2_without_traceback(capsys, argv: list[str]):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err and err.strip()


def test_the_console_script_limits_c_heaps_unless_the_operator_did(monkeypatch):
    """Every runform process shares one C heap between its threads (glibc's
    M_ARENA_MAX), which keeps a worker's peak memory down; an operator's
    MALLOC_ARENA_MAX wins."""
    import platform

    from runform.cli import limit_malloc_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert limit_malloc_arenas() is True


@pytest.mark.parametrize("below", [False, True], ids=["file", "under-a-file"])
def test_out_pointing_at_a_file_is_one_sentence(tmp_path: Path, capsys, below: bool):
    """--out naming an existing file crashed with FileExistsError (NotADirectoryError under a
    file) after the analysis; it is refused first."""
    path = runner_csv(tmp_path)
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    out = taken / "sub" if below else taken
    code, _, err = run_cli(capsys, str(path), "--out", str(out))
    assert code == 2
    message = one_sentence(err)
    assert "not a folder" in message and "--out" in message
    assert taken.read_text() == "not a folder"


def test_the_summary_names_each_unit_once_and_prints_no_empty_table(tmp_path: Path):
    """The table said "Vertical oscillation (cm) (cm)" (the name holds its unit), and printed
    an empty "Whole body" table when no whole-body metric (cadence...) was measured."""
    from runform.cli.common import console
    from runform.cli.summary_table import _label, print_summary
    from runform.pipeline import AnalysisOptions, analyze_track

    run = synthetic_runner(RunnerSpec(facing="left"), fps=60.0, duration_s=8.0, seed=2)
    doc = analyze_track(run.track, AnalysisOptions(height_cm=178.0)).to_dict()
    assert _label(doc["metrics"]["vertical_oscillation_cm"]) == "Vertical oscillation (cm)"
    assert _label(doc["metrics"]["vertical_oscillation_pct"]) == "Vertical oscillation (% leg)"
    assert _label(doc["metrics"]["cadence_spm"]) == "Cadence (steps/min)"
    with console.capture() as full:
        print_summary(doc)
    assert "Whole body" in full.get() and "Running form, per leg" in full.get()
    doc["metrics"] = {k: m for k, m in doc["metrics"].items() if m.get("per_side")}
    with console.capture() as legs_only:
        print_summary(doc)
    assert "Whole body" not in legs_only.get()
    assert "Running form, per leg" in legs_only.get()


def test_numpy_empty_slice_notices_stay_off_the_terminal():
    """A blurred clip's strides left a template point empty and numpy printed 'RuntimeWarning:
    All-NaN slice encountered' from gait/templates.py on the runner's terminal."""
    import warnings

    import numpy as np

    from runform.gait.templates import TemplateWindow, build_template

    t = np.linspace(0.0, 2.0, 61)
    y = np.full_like(t, np.nan)
    win = TemplateWindow(before=0.1, after=0.1, plateau=(-0.05, 0.0), backward=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _tau, template = build_template(t, y, np.array([0.5, 1.0]), win)
    assert np.isnan(template).all()
    from runform.cli import NUMPY_NOTICES

    assert "All-NaN slice encountered" in NUMPY_NOTICES
