"""Direction of travel and setting (runform.gait.direction) on synthetic runners.

The synthetic runner's facing and setting are chosen, so the expected answer is known.
"""

from __future__ import annotations

import numpy as np
import pytest

from runform.gait.clean import clean_track
from runform.gait.direction import detect_travel
from runform.synthetic import RunnerSpec, synthetic_runner
from runform.track import PoseTrack


@pytest.mark.parametrize(("facing", "direction"), [("right", +1), ("left", -1)])
def test_treadmill_runner_direction(facing: str, direction: int):
    run = synthetic_runner(RunnerSpec(facing=facing), fps=60.0, duration_s=5.0, seed=3)
    info = detect_travel(run.track)
    assert info.direction == direction
    assert info.setting == "treadmill"
    assert info.confidence > 0.5
    d = info.to_dict()
    assert d["facing"] == facing and d["direction"] == direction


@pytest.mark.parametrize(("facing", "direction"), [("right", +1), ("left", -1)])
def test_overground_runner_travels(facing: str, direction: int):
    spec = RunnerSpec(facing=facing, treadmill=False, speed_mps=3.0)
    run = synthetic_runner(spec, fps=60.0, duration_s=3.0, seed=4)
    info = detect_travel(run.track)
    assert info.setting == "overground"
    assert info.direction == direction
    assert info.votes["hip_travel"] == pytest.approx(3.0 * direction)
    # 3 m/s over a 0.9 m leg: the hips cross ~3.3 leg lengths per second
    assert info.hip_speed_legs_per_s == pytest.approx(3.0 / 0.9, rel=0.1)


@pytest.mark.parametrize("facing", ["right", "left"])
def test_direction_without_feet_or_head(facing: str):
    """Only hips, knees, ankles (no heels, toes, head): the stance foot moving back decides."""
    run = synthetic_runner(
        RunnerSpec(facing=facing), fps=60.0, duration_s=5.0, seed=5, include=("shoulders",)
    )
    assert not run.track.has("left_heel") and not run.track.has("nose")
    info = detect_travel(run.track)
    assert info.direction == (1 if facing == "right" else -1)
    assert set(info.votes) == {"stance_foot_moves_back"}


def test_direction_survives_noise_and_swaps():
    for facing, expected in (("right", 1), ("left", -1)):
        run = synthetic_runner(
            RunnerSpec(facing=facing),
            fps=30.0,
            duration_s=8.0,
            noise_px=4.0,
            swap_segments=3,
            dropout_frac=0.05,
            seed=6,
        )
        cleaned, _ = clean_track(run.track)
        assert detect_travel(cleaned).direction == expected


def test_mirroring_the_image_flips_the_direction():
    run = synthetic_runner(RunnerSpec(facing="right"), fps=60.0, duration_s=4.0, seed=7)
    track = run.track
    width = float(track.meta.width)
    mirrored_xy = track.xy.copy()
    mirrored_xy[..., 0] = width - mirrored_xy[..., 0]
    mirrored = PoseTrack(track.time, mirrored_xy, track.score, track.keypoints, track.meta)
    a, b = detect_travel(track), detect_travel(mirrored)
    assert (a.direction, b.direction) == (1, -1)
    assert a.confidence == pytest.approx(b.confidence)
    for key, value in a.votes.items():
        assert b.votes[key] == pytest.approx(-value)


def test_treadmill_runner_has_no_hip_travel():
    run = synthetic_runner(RunnerSpec(), fps=30.0, duration_s=4.0, seed=8)
    info = detect_travel(run.track)
    assert info.hip_speed_legs_per_s < 0.05
    assert "hip_travel" not in info.votes
    assert np.isfinite(info.confidence)
