"""Pose CSV contract, runform pose JSON and the format dispatch of ``read_pose``.

RTMPose and OpenPose readers are tested in ``test_readers_external.py``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from runform.errors import InputError, OptionError
from runform.keypoints import BLAZEPOSE_33
from runform.pose.readers import POSE_JSON_SCHEMA_ID, read_pose, write_pose_csv, write_pose_json
from runform.track import PoseTrack, TrackMeta

# Names in a deliberately non-BlazePose order, to check the order survives.
NAMES = ("right_knee", "left_hip", "left_knee", "left_foot_index", "nose")


def awkward_track(n: int = 40, seed: int = 3) -> PoseTrack:
    """A track (``n`` >= 12) whose values only survive exact float formatting, NaNs, scores."""
    rng = np.random.default_rng(seed)
    time = np.cumsum(rng.uniform(0.01, 0.05, n)) + 0.1 + 0.2  # 0.30000000000000004 offset
    xy = rng.uniform(-50, 1300, (n, len(NAMES), 2)) / 3.0  # repeating binary fractions
    score = rng.uniform(0, 1, (n, len(NAMES)))
    xy[5, 1] = np.nan  # a missing point that still has a score
    xy[7, :] = np.nan  # a frame with nothing detected
    score[7, :] = np.nan
    score[:, 4] = np.nan  # a keypoint without any score
    score[9, 0] = 0.0
    score[10, 0] = 1.0
    xy[11, 2] = [1e-300, 5e300]  # extreme magnitudes
    meta = TrackMeta(
        source="mediapipe-blazepose",
        width=720,
        height=1280,
        fps=240.0,
        capture_fps=240.0,
        units="px",
        time_base="container timestamps x 8 (240 fps capture played at 30 fps)",
        path="/videos/run.mov",
        extra={"model": "heavy", "crop": [10, 20, 300, 400], "nested": {"a": None, "b": 1.5}},
    )
    return PoseTrack(time=time, xy=xy, score=score, keypoints=NAMES, meta=meta)


def assert_same_arrays(a: PoseTrack, b: PoseTrack) -> None:
    assert a.keypoints == b.keypoints
    # assert_array_equal treats NaN in the same place as equal and compares floats exactly.
    np.testing.assert_array_equal(a.time, b.time)
    np.testing.assert_array_equal(a.xy, b.xy)
    np.testing.assert_array_equal(a.score, b.score)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------- CSV contract
def test_csv_round_trip_is_exact(tmp_path: Path) -> None:
    track = awkward_track()
    path = tmp_path / "pose.csv"
    write_pose_csv(track, path)
    back = read_pose(path)
    assert_same_arrays(track, back)
    assert back.meta.source == "csv"
    assert back.meta.time_base == "csv time column"
    assert back.meta.path == str(path)

    lines = path.read_text().splitlines()
    assert lines[0].split(",")[:4] == ["time", "right_knee_x", "right_knee_y", "right_knee_score"]
    assert len(lines) == track.n_frames + 1
    frame7 = lines[8].split(",")
    assert float(frame7[0]) == track.time[7]
    assert frame7[1:] == [""] * (3 * len(NAMES))  # NaN written as empty cells


def test_csv_contract_example(tmp_path: Path) -> None:
    """The hand-written example from docs/formats.md reads as documented."""
    path = write(
        tmp_path / "example.csv",
        "time,left_hip_x,left_hip_y,left_hip_score,left_knee_x,left_knee_y\n"
        "0.0,412.5,630.25,0.97,420.0,760.5\n"
        "0.0333,,,,421.5,761.0\n",
    )
    track = read_pose(path)
    assert track.keypoints == ("left_hip", "left_knee")
    np.testing.assert_array_equal(track.time, [0.0, 0.0333])
    np.testing.assert_array_equal(track.point("left_hip")[0], [412.5, 630.25])
    assert np.isnan(track.point("left_hip")[1]).all()
    assert track.point_score("left_hip")[0] == 0.97
    assert np.isnan(track.point_score("left_knee")).all()  # no _score column
    np.testing.assert_array_equal(track.point("left_knee")[1], [421.5, 761.0])
    assert track.meta.fps == pytest.approx(1 / 0.0333)


def test_csv_ignores_extra_columns_and_tolerates_spacing(tmp_path: Path) -> None:
    path = write(
        tmp_path / "extra.csv",
        "\ufeffframe, Time ,person_id,Left_Hip_X,left_hip_y,overall_score\r\n"
        "0,0.5,7,1.5,2.5,0.9\r\n"
        "\r\n"
        "1,0.6,7,NaN,2.0,0.8\r\n",
    )
    track = read_pose(path)
    assert track.keypoints == ("left_hip",)
    np.testing.assert_array_equal(track.time, [0.5, 0.6])
    np.testing.assert_array_equal(track.xy[0, 0], [1.5, 2.5])
    assert np.isnan(track.xy[1, 0]).all()  # y alone does not make a point
    assert track.meta.extra["ignored_columns"] == ["frame", "person_id", "overall_score"]


def test_csv_fps_replaces_the_time_column(tmp_path: Path) -> None:
    path = write(
        tmp_path / "slowmo.csv",
        "time,left_hip_x,left_hip_y\n0.5,1,2\n0.5,1,2\n0.1,1,2\n",  # time unusable
    )
    track = read_pose(path, fps=120)
    np.testing.assert_allclose(track.time, [0, 1 / 120, 2 / 120])
    assert track.meta.time_base == "row index / --fps 120"
    assert track.meta.fps == 120


def test_csv_without_time_column_needs_fps(tmp_path: Path) -> None:
    path = write(tmp_path / "notime.csv", "left_hip_x,left_hip_y\n1,2\n3,4\n5,6\n")
    with pytest.raises(InputError, match=r"no 'time' column.*--fps"):
        read_pose(path)
    track = read_pose(path, fps=59.94)
    np.testing.assert_allclose(track.time, np.arange(3) / 59.94)
    np.testing.assert_array_equal(track.point("left_hip")[2], [5, 6])


def test_csv_non_increasing_time_names_the_row(tmp_path: Path) -> None:
    path = write(
        tmp_path / "dup.csv",
        "time,left_hip_x,left_hip_y\n0.0,1,2\n0.1,1,2\n0.1,1,2\n0.3,1,2\n",
    )
    with pytest.raises(InputError) as info:
        read_pose(path)
    message = str(info.value)
    assert "row 4" in message  # header is row 1, the repeated 0.1 is row 4
    assert "--fps" in message


def test_csv_missing_time_cell(tmp_path: Path) -> None:
    path = write(tmp_path / "hole.csv", "time,left_hip_x,left_hip_y\n0.0,1,2\n,1,2\n")
    with pytest.raises(InputError, match=r"Row 3 .*no time.*--fps"):
        read_pose(path)


def test_csv_unknown_keypoint_names_list_the_allowed_ones(tmp_path: Path) -> None:
    path = write(tmp_path / "halpe.csv", "time,l_hip_x,l_hip_y,hipp_x,hipp_y\n0,1,2,3,4\n")
    with pytest.raises(InputError) as info:
        read_pose(path)
    message = str(info.value)
    assert "'l_hip' (did you mean 'left_hip'?)" in message
    assert "'hipp'" in message
    for name in BLAZEPOSE_33:
        assert name in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("time,left_hip_x\n0,1\n", r"left_hip_x but not both left_hip_x and left_hip_y"),
        ("time,left_hip_x,left_hip_y\n", r"header but no data rows"),
        ("time,frame\n0,1\n", r"no keypoint columns.*left_hip_x"),
        ("time,left_hip_x,left_hip_y\n0,1\n", r"Row 2 .* 2 cells but the header has 3"),
        ("time,left_hip_x,left_hip_y\n0,1,abc\n", r"Row 2 .*'abc' in column 'left_hip_y'"),
        ("time,left_hip_x,left_hip_y\n0,inf,1\n", r"'inf' .*not a finite number"),
        ("time,left_hip_x,left_hip_x\n0,1,2\n", r"column 'left_hip_x' twice"),
        ("time,left_hip_x,left_hip_y,left_hip_score\n0,1,2,87\n", r"0-1.*rescale"),
        ("time,left_hip_x,left_hip_y,left_hip_score\n0,1,2,-0.5\n", r"outside 0-1"),
    ],
)
def test_csv_bad_content_is_explained(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected):
        read_pose(write(tmp_path / "bad.csv", text))


def test_csv_small_score_overshoot_is_clipped(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", "time,left_hip_x,left_hip_y,left_hip_score\n0,1,2,1.04\n")
    track = read_pose(path)
    assert track.score[0, 0] == 1.0
    assert track.meta.extra["max_raw_score"] == 1.04


def test_csv_writer_refuses_names_outside_the_vocabulary(tmp_path: Path) -> None:
    track = PoseTrack.from_points([0.0], {"mid_hip": np.zeros((1, 2))})
    with pytest.raises(InputError, match=r"mid_hip.*runform JSON"):
        write_pose_csv(track, tmp_path / "x.csv")


def test_writers_report_an_unwritable_path(tmp_path: Path) -> None:
    track = awkward_track().select(slice(0, 3))
    with pytest.raises(InputError, match="Cannot write"):
        write_pose_csv(track, tmp_path / "no" / "such" / "dir" / "x.csv")
    with pytest.raises(InputError, match="Cannot write"):
        write_pose_json(track, tmp_path / "no" / "such" / "dir" / "x.json")


# ---------------------------------------------------------------------- runform JSON
def test_json_round_trip_is_exact_including_meta(tmp_path: Path) -> None:
    track = awkward_track()
    path = tmp_path / "pose.json"
    write_pose_json(track, path)
    back = read_pose(path)
    assert_same_arrays(track, back)
    assert back.meta == track.meta  # every TrackMeta field, extra included
    assert isinstance(back.meta.width, int)

    document = json.loads(path.read_text())
    assert document["schema"] == POSE_JSON_SCHEMA_ID == "runform.pose/1"
    assert document["xy"][7][0] == [None, None]  # NaN stored as null, valid JSON
    assert "NaN" not in path.read_text()


def test_json_round_trip_of_a_single_frame_default_meta(tmp_path: Path) -> None:
    track = PoseTrack.from_points([2.5], {"left_ankle": np.array([[3.0, np.nan]])})
    path = tmp_path / "one.json"
    write_pose_json(track, path)
    back = read_pose(path)
    assert_same_arrays(track, back)
    assert back.meta == TrackMeta()


def test_json_fps_replaces_stored_time(tmp_path: Path) -> None:
    track = awkward_track().select(slice(0, 5))
    path = tmp_path / "pose.json"
    write_pose_json(track, path)
    back = read_pose(path, fps=25)
    np.testing.assert_allclose(back.time, np.arange(5) / 25)
    np.testing.assert_array_equal(back.xy, track.xy)
    assert back.meta.time_base == "frame index / --fps 25"
    assert back.meta.fps == 25
    assert back.meta.width == track.meta.width


def test_json_writer_rejects_infinite_values(tmp_path: Path) -> None:
    track = PoseTrack.from_points([0.0], {"left_hip": np.array([[np.inf, 1.0]])})
    with pytest.raises(InputError, match="keep values finite"):
        write_pose_json(track, tmp_path / "inf.json")


def _document(**changes) -> dict:
    document = {
        "schema": "runform.pose/1",
        "keypoints": ["left_hip"],
        "meta": {"source": "csv"},
        "time": [0.0, 0.1],
        "xy": [[[1, 2]], [[3, 4]]],
        "score": [[0.5], [None]],
    }
    document.update(changes)
    return {k: v for k, v in document.items() if v is not ...}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"schema": "runform.pose/2"}, r"'runform.pose/2'.*upgrade runform"),
        ({"xy": [[[1, 2]]]}, r"'xy' of shape \(1, 1, 2\).*need \(2, 1, 2\)"),
        ({"score": [[0.5], [0.5, 0.1]]}, r"'score' entry that is not a regular array"),
        ({"time": [0.1, 0.1]}, r"not increasing at frame 1.*--fps"),
        ({"time": []}, r"holds no frames"),
        ({"xy": ...}, r"no 'xy' entry"),
        ({"meta": {"width": "wide"}}, r"meta.width = 'wide'"),
        ({"keypoints": "left_hip"}, r"not a list of names"),
    ],
)
def test_json_malformed_runform_file(tmp_path: Path, changes: dict, expected: str) -> None:
    path = write(tmp_path / "bad.json", json.dumps(_document(**changes)))
    with pytest.raises(InputError, match=expected):
        read_pose(path)


def test_json_valid_document_fixture_reads(tmp_path: Path) -> None:
    """The fixture used for the malformed cases is itself valid (so each case tests one fault)."""
    track = read_pose(write(tmp_path / "ok.json", json.dumps(_document())))
    np.testing.assert_array_equal(track.xy[:, 0], [[1, 2], [3, 4]])
    assert track.score[0, 0] == 0.5 and math.isnan(track.score[1, 0])


# ---------------------------------------------------------------------- dispatch errors
SUPPORTED = ("pose CSV", "runform pose JSON", "RTMPose Halpe-26", "OpenPose BODY_25")


def assert_lists_formats(message: str) -> None:
    for words in SUPPORTED:
        assert words in message, f"{words!r} missing from: {message}"
    assert message.count(".") >= 1 and message.rstrip().endswith(".")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.csv", None, "does not exist"),
        ("pose.txt", b"time,left_hip_x,left_hip_y\n0,1,2\n", "unsupported extension '.txt'"),
        ("pose", b"{}", "unsupported extension '(none)'"),
        ("empty.csv", b"", "is empty"),
        ("blank.json", b"  \n\n", "is empty"),
        ("garbage.csv", bytes(range(256)) * 4, "not a UTF-8 text CSV"),
        ("nul.csv", b"time,left_hip_x\x00\n", "binary data"),
        ("garbage.json", bytes(range(256)) * 4, "not valid JSON"),
        ("truncated.json", b'{"schema": "runform.pose/1", "time": [0.0,', "not valid JSON"),
        ("other.json", b'{"landmarks": []}', "JSON of an unknown layout"),
        ("list.json", b"[1, 2, 3]", "JSON of an unknown layout"),
        ("frame_000_keypoints.json", b'{"people": []}', "single OpenPose frame"),
    ],
)
def test_unreadable_inputs_list_the_supported_formats(
    tmp_path: Path, name: str, content: bytes | None, expected: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_pose(path)
    assert expected in str(info.value)
    assert_lists_formats(str(info.value))


def test_folder_without_openpose_files(tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text("{}")
    with pytest.raises(InputError) as info:
        read_pose(tmp_path)
    assert "folder without OpenPose *_keypoints.json files" in str(info.value)
    assert_lists_formats(str(info.value))


@pytest.mark.parametrize("fps", [0, -30, float("nan"), float("inf"), "fast"])
def test_invalid_fps_is_an_option_error(tmp_path: Path, fps: object) -> None:
    path = write(tmp_path / "p.csv", "left_hip_x,left_hip_y\n1,2\n")
    with pytest.raises(OptionError, match="--fps must be"):
        read_pose(path, fps=fps)  # type: ignore[arg-type]


def test_read_pose_accepts_str_paths(tmp_path: Path) -> None:
    path = write(tmp_path / "UPPER.CSV", "time,left_hip_x,left_hip_y\n0,1,2\n")
    assert read_pose(str(path)).n_frames == 1
