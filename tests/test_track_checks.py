"""Tracks the engine must refuse before measuring anything (``runform.pipeline.track_checks``):
each gives one sentence saying what is wrong and what to do, never numbers that look real."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from runform.errors import AnalysisError, InputError
from runform.geometry import leg_length
from runform.pipeline import AnalysisOptions, analyze_track
from runform.pipeline.track_checks import (
    MAX_BODY_TILT_DEG,
    MIN_LEG_PX,
    body_axis_angle,
    validate_track,
)
from runform.pose.formats.opensim import write_trc
from runform.pose.formats.trc_pose import read_trc_pose
from runform.pose.readers import read_pose, write_pose_csv
from runform.synthetic import RunnerSpec, synthetic_runner
from runform.track import PoseTrack
from test_cli_analyze_pose import one_sentence, run_cli


def runner(lean: float = 5.0, facing: str = "left", fps: float = 60.0) -> PoseTrack:
    spec = RunnerSpec(trunk_lean_deg=lean, facing=facing)
    return synthetic_runner(spec, fps=fps, duration_s=6.0, seed=3).track


def rotated(track: PoseTrack, degrees: float) -> PoseTrack:
    """The track as seen by a camera rolled by ``degrees`` (about the picture's centre)."""
    a = np.radians(degrees)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    centre = np.nanmean(track.xy, axis=(0, 1))
    return track.replace(xy=(track.xy - centre) @ rot.T + centre)


# ----------------------------------------------------------------------------- upright
@pytest.mark.parametrize("lean", [0.0, 15.0, 25.0, 35.0])
@pytest.mark.parametrize("facing", ["left", "right"])
def test_a_leaning_runner_is_upright(lean: float, facing: str) -> None:
    track = runner(lean, facing)
    assert body_axis_angle(track) < MAX_BODY_TILT_DEG / 2
    validate_track(track)
    mirrored = track.replace(xy=track.xy * [-1.0, 1.0])
    validate_track(mirrored)


def test_a_tilted_camera_is_not_refused() -> None:
    validate_track(rotated(runner(25.0), 20.0))  # hand-held, tilted forward, with lean
    validate_track(rotated(runner(25.0, "right"), -20.0))


@pytest.mark.parametrize("degrees", [90.0, -90.0])
def test_a_runner_on_their_side_is_refused(degrees: float) -> None:
    sideways = rotated(runner(), degrees)
    assert 75 < body_axis_angle(sideways) < 105
    with pytest.raises(InputError, match=r"lying on their side.*rotate the video"):
        analyze_track(sideways)


def test_y_pointing_up_is_refused() -> None:
    track = runner()
    y_up = track.replace(xy=track.xy * [1.0, -1.0])
    assert body_axis_angle(y_up) > 160
    with pytest.raises(InputError, match=r"upside down.*y pointing down"):
        analyze_track(y_up)


def test_a_sideways_video_says_rotate_the_video() -> None:
    from runform.pipeline.video import AnalysisOptions, _analyze_pose

    track = rotated(runner(), 90.0)
    meta = track.meta.__class__(**{**track.meta.to_dict(), "extra": {"video": {}}})
    with pytest.raises(InputError, match=r"lying on their side in the video.*rotation tag"):
        _analyze_pose(
            "run.mp4", track.replace(meta=meta), AnalysisOptions(), None, False,
            lambda *a: None, False, None, None, None,
        )  # fmt: skip


def test_real_clip_and_its_mirror_are_upright(male_side_pose_path: Path) -> None:
    track = read_pose(male_side_pose_path)
    validate_track(track)
    validate_track(track.replace(xy=track.xy * [-1.0, 1.0]))
    assert body_axis_angle(track) < 20


def test_cli_refuses_a_y_up_pose_csv(tmp_path: Path, capsys) -> None:
    track = runner()
    y_up = track.replace(xy=track.xy * [1.0, -1.0] + [0.0, 2000.0])  # height - y: positive
    path = tmp_path / "y_up.csv"
    write_pose_csv(y_up, path)
    code, _, err = run_cli(capsys, str(path), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "upside down" in one_sentence(err)
    assert not (tmp_path / "o" / "analysis.json").exists()


# ----------------------------------------------------------------------------- scale and units
def test_normalised_coordinates_are_refused(tmp_path: Path, capsys) -> None:
    track = runner()
    normalised = track.replace(xy=track.xy / [1920.0, 1080.0])
    assert np.nanmax(normalised.xy) <= 1.0
    with pytest.raises(InputError, match=r"normalised to the frame size.*pixel coordinates"):
        analyze_track(normalised)
    path = tmp_path / "normalised.csv"
    write_pose_csv(normalised, path)
    code, _, err = run_cli(capsys, str(path), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "normalised" in one_sentence(err)


def test_a_body_a_few_pixels_tall_is_refused() -> None:
    track = runner()
    tiny = track.replace(xy=track.xy * 0.01 + 100.0)  # a leg of about 3 px, far from 0–1.5
    assert leg_length(tiny) < MIN_LEG_PX
    with pytest.raises(InputError, match=r"only \d.* pixels long.*in pixels of the video"):
        analyze_track(tiny)


def metric_trc(path: Path, track: PoseTrack, header_units: str, metres_per_px: float) -> Path:
    """The track's legs and shoulders as a Sports2D-style TRC in metres (y up)."""
    names = {"RHip": "right_hip", "LHip": "left_hip", "RKnee": "right_knee", "LKnee": "left_knee"}
    names |= {"RAnkle": "right_ankle", "LAnkle": "left_ankle", "RShoulder": "right_shoulder"}
    names |= {"LShoulder": "left_shoulder", "RHeel": "right_heel", "LHeel": "left_heel"}
    markers = {m: track.point(n) * [metres_per_px, -metres_per_px] for m, n in names.items()}
    write_trc(path, track.time, markers, header_units, track.frame_rate)
    return path


def test_a_trc_whose_header_names_the_wrong_units_is_refused(tmp_path: Path) -> None:
    track = runner()
    metres_per_px = 0.9 / leg_length(track)  # a 0.9 m leg
    good = read_trc_pose(metric_trc(tmp_path / "run_m.trc", track, "m", metres_per_px))
    assert leg_length(good) == pytest.approx(0.9, rel=0.01)
    validate_track(good)
    mislabelled = read_trc_pose(metric_trc(tmp_path / "run_mm.trc", track, "mm", metres_per_px))
    assert leg_length(mislabelled) == pytest.approx(0.0009, rel=0.01)  # read as a 0.9 mm leg
    with pytest.raises(InputError, match=r"0\.9 mm.*header's Units to m\b"):
        validate_track(mislabelled)
    meta = track.meta.__class__(units="m")  # a runform JSON in "metres" with a 9 m leg
    giant = track.replace(xy=track.xy * 10 * metres_per_px, meta=meta)
    with pytest.raises(InputError, match=r"measures 9 m in the pose, in metres"):
        validate_track(giant)


# ----------------------------------------------------------------------------- messages
@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        (1000.0, r"steps by 16\.7 a frame.*looks like milliseconds.*--fps 60\b"),
        (60.0, r"steps by 1 a frame.*3 minutes long.*looks like frame numbers.*--fps"),
    ],
    ids=["milliseconds", "frame-numbers"],
)
def test_a_time_column_not_in_seconds_is_named(tmp_path: Path, capsys, scale, expected) -> None:
    track = runner(fps=60.0)
    track = track.replace(time=track.time * scale)  # ms, or frame numbers at 60 fps
    path = tmp_path / "time.csv"
    write_pose_csv(track.select(np.arange(min(track.n_frames, 200))), path)
    code, _, err = run_cli(capsys, str(path), "--out", str(tmp_path / "o"))
    assert code == 2
    message = one_sentence(err)
    assert re.search(expected, message), message
    assert "10 seconds" not in message
    code, _, err = run_cli(capsys, str(path), "--out", str(tmp_path / "o"), "--fps", "60")
    assert code == 0, err  # the remedy named works


def test_too_low_an_fps_is_named() -> None:
    track = runner().replace(time=np.arange(360) / 1.0)
    meta = track.meta.__class__(time_base="row index / --fps 1")
    with pytest.raises(InputError, match=r"At --fps 1 the frames are 1 s apart"):
        validate_track(track.replace(meta=meta))


def test_legs_not_located_names_them_and_a_remedy_that_exists(tmp_path: Path, capsys) -> None:
    track = runner()
    score = track.score.copy()
    score[:, [track.index("left_ankle"), track.index("right_ankle")]] = 0.1
    path = tmp_path / "low_ankles.csv"
    write_pose_csv(track.replace(score=score), path)
    code, _, err = run_cli(capsys, str(path), "--out", str(tmp_path / "o"))
    assert code == 3
    message = one_sentence(err)
    assert "left_ankle 0 %" in message and "right_ankle 0 %" in message
    assert "below 0.3" in message and "_score columns" in message
    assert "threshold" not in message  # no option to lower it exists
    xy = track.xy.copy()
    xy[:, track.index("left_ankle")] = np.nan
    with pytest.raises(AnalysisError, match=r"\(left_ankle 0 %\).*no position for it"):
        analyze_track(track.replace(xy=xy))


def test_the_cadence_warning_names_the_commands_own_option() -> None:
    track = synthetic_runner(RunnerSpec(cadence_spm=170), fps=60, duration_s=10, seed=1).track
    slowed = track.replace(time=track.time * 2)  # 60 fps played at 30: 85 steps/min
    warning = next(w for w in analyze_track(slowed).warnings if w.code == "time_base_suspect")
    assert "--fps" in warning.message and "--capture-fps" not in warning.message
    meta = track.meta.__class__(**{**slowed.meta.to_dict(), "extra": {"video": {}}})
    from_video = analyze_track(slowed.replace(meta=meta)).warnings
    warning = next(w for w in from_video if w.code == "time_base_suspect")
    assert "--capture-fps" in warning.message


def test_counts_of_one_are_singular(tmp_path: Path, capsys) -> None:
    run = synthetic_runner(RunnerSpec(facing="left"), fps=60.0, duration_s=1.0, seed=2)
    with pytest.raises(AnalysisError, match=r"Only 1 left step and 1 right step were found"):
        analyze_track(run.track)
    run = synthetic_runner(RunnerSpec(facing="left"), fps=60.0, duration_s=1.7, seed=2)
    analysis = analyze_track(run.track, AnalysisOptions(min_steps_per_side=1))
    short = next(w for w in analysis.warnings if w.code == "short_clip")
    assert short.message.startswith("Only 1 stride of the left leg over")
    assert "stride of the left leg over 1.1 s of steady running was measured" in short.message
    with pytest.raises(InputError, match=r"has only 1 frame;"):
        validate_track(run.track.select(slice(0, 1)))
