"""Readers of other tools' pose output: RTMPose Halpe-26 JSON and OpenPose BODY_25 folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from runform.errors import InputError
from runform.keypoints import KEYPOINTS
from runform.pose.formats.openpose import BODY_25, BODY_25_TO_BLAZEPOSE
from runform.pose.readers import read_pose

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MALE_SIDE_POSE = SHARED_DATA / "male_side" / "male_side.pose.json"


# ---------------------------------------------------------------------- RTMPose, real file
@pytest.fixture(scope="module")
def male_side_raw() -> dict:
    if not MALE_SIDE_POSE.exists():
        pytest.skip(f"shared data not found at {MALE_SIDE_POSE} (clone shared/ beside the repo)")
    return json.loads(MALE_SIDE_POSE.read_text())


def test_rtmpose_real_file(male_side_raw: dict) -> None:
    track = read_pose(MALE_SIDE_POSE)
    assert track.n_frames == 360
    assert track.meta.source == "rtmpose-halpe26"
    assert track.meta.fps == 30.0
    assert (track.meta.width, track.meta.height) == (720, 1280)
    np.testing.assert_allclose(track.time, np.arange(360) / 30.0)
    # The file's own (rounded) timestamps agree with the exact time to rounding.
    np.testing.assert_allclose(track.time, male_side_raw["timestamps"], atol=1e-4)
    assert "fps 30 in file" in track.meta.time_base

    # Every Halpe point with a BlazePose counterpart, under its BlazePose name.
    for name in ("left_hip", "right_hip", "left_knee", "right_ankle", "left_heel", "nose"):
        assert track.has(name)
    assert set(track.keypoints) <= KEYPOINTS
    assert len(track.keypoints) == 17
    assert set(track.meta.extra["dropped_keypoints"]) == {
        "head",
        "neck",
        "mid_hip",
        "l_small_toe",
        "r_small_toe",
    }

    raw = np.array(male_side_raw["frames"], dtype=float)
    source = male_side_raw["keypoint_names"]
    for ours, theirs in [
        ("left_foot_index", "l_big_toe"),
        ("right_foot_index", "r_big_toe"),
        ("left_hip", "l_hip"),
        ("right_heel", "r_heel"),
    ]:
        np.testing.assert_array_equal(track.point(ours), raw[:, source.index(theirs), :2])

    # Plausible image coordinates: inside the 720x1280 portrait frame, feet below hips.
    assert np.isfinite(track.xy).all()
    assert (track.xy[..., 0] >= 0).all() and (track.xy[..., 0] <= 720).all()
    assert (track.xy[..., 1] >= 0).all() and (track.xy[..., 1] <= 1280).all()
    assert np.median(track.point("left_ankle")[:, 1]) > np.median(track.point("left_hip")[:, 1])
    # Scores above 1 in the file are clipped; the rest are untouched.
    assert track.score.min() >= 0 and track.score.max() == 1.0
    raw_hip_score = raw[:, source.index("l_hip"), 2]
    np.testing.assert_array_equal(track.point_score("left_hip"), np.clip(raw_hip_score, 0, 1))
    assert track.meta.extra["max_raw_score"] > 1.0


def test_rtmpose_fps_option_overrides_the_file(male_side_raw: dict) -> None:
    track = read_pose(MALE_SIDE_POSE, fps=240)
    np.testing.assert_allclose(track.time[:3], [0, 1 / 240, 2 / 240])
    assert track.meta.time_base == "frame index / --fps 240"


# ---------------------------------------------------------------------- RTMPose, synthetic
HALPE_NAMES = ["nose", "neck", "l_hip", "r_hip", "l_big_toe", "r_small_toe"]


def halpe_file(tmp_path: Path, **document) -> Path:
    base = {
        "keypoint_names": HALPE_NAMES,
        "frames": [
            [[float(10 * f + k), float(100 + k), 0.5 + 0.05 * k] for k in range(len(HALPE_NAMES))]
            for f in range(4)
        ],
    }
    base.update(document)
    path = tmp_path / "halpe.json"
    path.write_text(json.dumps(base))
    return path


def test_rtmpose_variable_timestamps_are_kept(tmp_path: Path) -> None:
    stamps = [0.0, 0.04, 0.07, 0.12]  # variable frame rate: not k / fps
    track = read_pose(halpe_file(tmp_path, timestamps=stamps, fps=30))
    np.testing.assert_array_equal(track.time, stamps)
    assert track.meta.time_base == "timestamps in file"
    assert track.keypoints == ("nose", "left_hip", "right_hip", "left_foot_index")
    np.testing.assert_array_equal(track.point("left_foot_index")[3], [34.0, 104.0])
    np.testing.assert_allclose(track.point_score("right_hip"), 0.65)


def test_rtmpose_bad_timestamps_fall_back_to_file_fps(tmp_path: Path) -> None:
    track = read_pose(halpe_file(tmp_path, timestamps=[0, 0.1, 0.1, 0.2], fps=25))
    np.testing.assert_allclose(track.time, np.arange(4) / 25)
    assert "timestamps ignored: not increasing at frame 2" in track.meta.time_base


def test_rtmpose_without_timing_needs_fps(tmp_path: Path) -> None:
    path = halpe_file(tmp_path)
    with pytest.raises(InputError, match=r"no usable timestamps \(none given\).*--fps"):
        read_pose(path)
    track = read_pose(path, fps=50)
    np.testing.assert_allclose(track.time, np.arange(4) / 50)
    assert track.meta.fps == 50


def test_rtmpose_null_points_and_empty_frames_are_missing(tmp_path: Path) -> None:
    frames = [
        [[1.0, 2.0, 0.9]] * 6,
        [],  # nobody detected
        [[1.0, 2.0, 0.9], None, [5.0, 6.0], [1.0, 2.0, 0.9], [1.0, 2.0, 0.9], None],
    ]
    track = read_pose(halpe_file(tmp_path, frames=frames, fps=30))
    assert np.isnan(track.xy[1]).all()
    np.testing.assert_array_equal(track.point("left_hip")[2], [5.0, 6.0])
    assert np.isnan(track.point_score("left_hip")[2])  # [x, y] without score


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"frames": []}, r"has no frames"),
        ({"frames": [[[1, 2, 0.5]] * 5]}, r"Frame 0 .* does not hold 6 keypoints"),
        ({"frames": [[[1, 2, 0.5]] * 5 + [["a", 2, 0.5]]]}, r"keypoint 5 .*not \[x, y, score\]"),
        ({"frames": [[[[1, 2, 0.5]] * 6] * 2]}, r"several people per frame"),
        ({"frames": [[[1, 2, 87.0]] * 6], "fps": 30}, r"outside 0-1"),
        ({"keypoint_names": ["head", "neck"], "frames": [[[1, 2, 1]] * 2]}, r"no keypoint that"),
        ({"keypoint_names": ["l_hip", "left_hip"], "frames": [[[1, 2, 1]] * 2]}, r"both mean"),
    ],
)
def test_rtmpose_malformed(tmp_path: Path, document: dict, expected: str) -> None:
    with pytest.raises(InputError, match=expected):
        read_pose(halpe_file(tmp_path, **document), fps=30)


# ---------------------------------------------------------------------- OpenPose BODY_25
def body25_person(hip_x: float, hip_y: float, scale: float, missing: tuple[str, ...] = ()) -> list:
    """A standing figure around a mid-hip, ``scale`` pixels per body unit; flat BODY_25 list."""
    offsets = {
        "Nose": (0.1, -3.0),
        "Neck": (0, -2.5),
        "RShoulder": (0, -2.4),
        "LShoulder": (0.05, -2.4),
        "RElbow": (0.3, -1.6),
        "LElbow": (-0.3, -1.6),
        "RWrist": (0.5, -1.0),
        "LWrist": (-0.5, -1.0),
        "MidHip": (0, 0),
        "RHip": (0.02, 0),
        "LHip": (-0.02, 0),
        "RKnee": (0.4, 1.2),
        "LKnee": (-0.3, 1.3),
        "RAnkle": (0.2, 2.5),
        "LAnkle": (-0.6, 2.4),
        "REye": (0.2, -3.1),
        "LEye": (0.15, -3.1),
        "REar": (0, -3.05),
        "LEar": (0.02, -3.05),
        "LBigToe": (-0.4, 2.7),
        "LSmallToe": (-0.45, 2.65),
        "LHeel": (-0.75, 2.6),
        "RBigToe": (0.45, 2.75),
        "RSmallToe": (0.4, 2.7),
        "RHeel": (0.1, 2.65),
    }
    flat: list[float] = []
    for name in BODY_25:
        if name in missing:
            flat += [0.0, 0.0, 0.0]
        else:
            dx, dy = offsets[name]
            flat += [hip_x + scale * dx, hip_y + scale * dy, 0.8]
    return flat


def write_openpose(folder: Path, frames: dict[int, list[list]], width: int = 12) -> None:
    folder.mkdir(exist_ok=True)
    for number, people in frames.items():
        document = {
            "version": 1.3,
            "people": [
                {"person_id": [-1], "pose_keypoints_2d": p, "face_keypoints_2d": []} for p in people
            ],
        }
        name = f"clip_{number:0{width}d}_keypoints.json"
        (folder / name).write_text(json.dumps(document))


def runner_hip(number: int) -> tuple[float, float]:
    return 300 + 40 * np.sin(number / 3), 640 + 10 * np.cos(number / 2)


def test_openpose_follows_the_runner_not_the_bystander(tmp_path: Path) -> None:
    bystander = body25_person(620, 400, 30)  # farther away: smaller, fixed in place
    frames: dict[int, list[list]] = {}
    for number in range(12):
        runner = body25_person(*runner_hip(number), scale=120)
        frames[number] = [bystander, runner] if number % 2 else [runner, bystander]
    # Frame 5: the runner is mostly hidden, so the bystander has the larger box;
    # tracking must still keep the runner (closest mid-hip).
    hidden = tuple(n for n in BODY_25 if n not in ("MidHip", "RHip", "LHip"))
    frames[5] = [bystander, body25_person(*runner_hip(5), scale=120, missing=hidden)]
    frames[8] = []  # nobody detected
    del frames[10]  # a dropped frame: its time is skipped, not squeezed
    write_openpose(tmp_path / "op", frames, width=1)  # unpadded: 9 must sort before 11

    track = read_pose(tmp_path / "op", fps=30)
    numbers = [n for n in range(12) if n != 10]
    np.testing.assert_allclose(track.time, np.array(numbers) / 30)
    assert track.meta.source == "openpose-body25"
    assert track.meta.fps == 30
    assert track.meta.extra["frames_with_several_people"] == 10
    assert set(track.keypoints) <= KEYPOINTS
    assert "left_foot_index" in track.keypoints and "neck" not in track.keypoints

    hip = (track.point("left_hip") + track.point("right_hip")) / 2
    for row, number in enumerate(numbers):
        if number == 8:
            assert np.isnan(track.xy[row]).all()
            continue
        np.testing.assert_allclose(hip[row], runner_hip(number), atol=1e-9)
    row5 = numbers.index(5)
    assert np.isnan(track.point("left_ankle")[row5]).all()  # (0, 0, 0) is missing
    assert track.point_score("left_ankle")[row5] == 0.0
    # BODY_25 toes and heels map onto the BlazePose foot points of the same side.
    x0, y0 = runner_hip(0)
    np.testing.assert_allclose(track.point("left_foot_index")[0], [x0 - 48, y0 + 324])
    np.testing.assert_allclose(track.point("right_heel")[0], [x0 + 12, y0 + 318])


def test_openpose_starts_with_the_largest_person(tmp_path: Path) -> None:
    small, large = body25_person(100, 300, 20), body25_person(500, 600, 100)
    write_openpose(tmp_path / "op", {0: [small, large], 1: [small, large]})
    track = read_pose(tmp_path / "op", fps=25)
    np.testing.assert_allclose(track.point("left_hip")[:, 0], 500 + 100 * -0.02)


def test_openpose_mapping_covers_every_body25_name_once() -> None:
    assert set(BODY_25_TO_BLAZEPOSE) <= set(BODY_25)
    assert len(set(BODY_25_TO_BLAZEPOSE.values())) == len(BODY_25_TO_BLAZEPOSE)
    assert set(BODY_25) - set(BODY_25_TO_BLAZEPOSE) == {"Neck", "MidHip", "LSmallToe", "RSmallToe"}


def test_openpose_needs_fps(tmp_path: Path) -> None:
    write_openpose(tmp_path / "op", {0: [body25_person(1, 2, 3)]})
    with pytest.raises(InputError, match=r"carry no timing; pass --fps"):
        read_pose(tmp_path / "op")


def test_openpose_rejects_coco18(tmp_path: Path) -> None:
    write_openpose(tmp_path / "op", {0: [[1.0, 2.0, 0.5] * 18]})
    with pytest.raises(InputError, match=r"COCO-18.*not BODY_25.*--model_pose BODY_25"):
        read_pose(tmp_path / "op", fps=30)


def test_openpose_file_problems_name_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "op"
    write_openpose(folder, {0: [body25_person(1, 2, 3)]})
    (folder / "clip_000000000001_keypoints.json").write_text('{"people": [')
    with pytest.raises(InputError, match=r"clip_000000000001_keypoints.json is not a readable"):
        read_pose(folder, fps=30)
    (folder / "clip_000000000001_keypoints.json").unlink()
    (folder / "clip_keypoints.json").write_text('{"people": []}')
    with pytest.raises(InputError, match=r"clip_keypoints.json has no frame number"):
        read_pose(folder, fps=30)
    (folder / "clip_keypoints.json").unlink()
    (folder / "take2_0_keypoints.json").write_text('{"people": []}')
    with pytest.raises(InputError, match=r"several files numbered 0"):
        read_pose(folder, fps=30)
