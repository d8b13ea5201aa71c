"""A camera that is not level (``gait.level``): the ground's slope read from the stance
feet, and carried into the stated error of the values read against the picture's vertical.

Synthetic runners (exact ground) and, when ``../shared/data`` is present, force-plate
runners drawn rolled (Hamner & Delp 2013, J Biomech 46:780-787, data via Fox 2024, R Soc
Open Sci 11:231909): rolled by 8°, 38 of their 88 runs at 60 Hz + 8 px got a finding the
level view does not give before the roll was read.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from runform.gait.clean import clean_track
from runform.gait.direction import detect_travel
from runform.gait.events import FootClearanceDetector
from runform.gait.level import ROLL_ANGLES, camera_roll_deg
from runform.pipeline import AnalysisOptions, analyze_track
from runform.synthetic import RunnerSpec, synthetic_runner
from runform.track import PoseTrack

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
HAMNER01 = SHARED / "hamner2013" / "subject01"


def rolled(track: PoseTrack, degrees: float) -> PoseTrack:
    """The track as a camera rolled by ``degrees`` sees it (about the picture's middle)."""
    a = math.radians(degrees)
    xy = track.xy.copy()
    cx, cy = np.nanmean(xy[..., 0]), np.nanmean(xy[..., 1])
    x, y = xy[..., 0] - cx, xy[..., 1] - cy
    xy[..., 0] = cx + math.cos(a) * x - math.sin(a) * y
    xy[..., 1] = cy + math.sin(a) * x + math.cos(a) * y
    return track.replace(xy=xy)


@pytest.mark.parametrize("facing", ["left", "right"])
@pytest.mark.parametrize("degrees", [-6.0, 0.0, 6.0])
def test_the_ground_slope_is_read_from_the_stance_feet(facing: str, degrees: float) -> None:
    run = synthetic_runner(RunnerSpec(facing=facing), fps=60.0, duration_s=8.0, seed=4)
    track, _ = clean_track(rolled(run.track, degrees))
    steps = FootClearanceDetector().detect(track, detect_travel(track).direction).result_.steps
    assert camera_roll_deg(track, steps) == pytest.approx(degrees, abs=1.0)


@pytest.mark.parametrize("degrees", [-6.0, 6.0])
def test_the_ground_slope_is_read_from_one_foot_when_the_other_is_hidden(degrees: float) -> None:
    """A far foot hidden in most of the clip has too few stances: the slope is read from
    the near foot's alone (on the seven force-plate runners, 60 Hz + 8 px, rolled by 0 and
    ±5°: SD 1.7° from one foot against 1.5° from both), not left unread."""
    run = synthetic_runner(fps=60.0, duration_s=8.0, seed=4)
    track, _ = clean_track(rolled(run.track, degrees))
    steps = FootClearanceDetector().detect(track, detect_travel(track).direction).result_.steps
    for side in ("left", "right"):
        own = [st for st in steps if st.side == side]
        assert camera_roll_deg(track, own) == pytest.approx(degrees, abs=1.0)
    assert camera_roll_deg(track, []) is None


def test_a_rolled_camera_states_the_roll_in_the_angles_error() -> None:
    run = synthetic_runner(fps=60.0, duration_s=8.0, seed=4)
    level = analyze_track(run.track).to_dict()
    tilted = analyze_track(rolled(run.track, 6.0)).to_dict()
    roll = tilted["context"]["camera_roll_deg"]
    assert roll == pytest.approx(6.0, abs=1.0)
    assert abs(level["context"]["camera_roll_deg"]) < 1.0
    assert "camera_rolled" in {w["code"] for w in tilted["warnings"]}
    assert "camera_rolled" not in {w["code"] for w in level["warnings"]}
    for metric in ROLL_ANGLES:
        errors = tilted["metrics"][metric]["measurement_error"]
        for side, error in errors.items():
            before = level["metrics"][metric]["measurement_error"][side]
            assert error >= math.hypot(before, 0.8 * abs(roll)) - 0.5, (metric, side)
    # a relative angle (the knee) is the same whatever the roll, and so is its error
    assert tilted["metrics"]["knee_flexion_contact_deg"]["measurement_error"] == pytest.approx(
        level["metrics"]["knee_flexion_contact_deg"]["measurement_error"], abs=0.3
    )


@pytest.mark.skipif(not HAMNER01.is_dir(), reason=f"Hamner's subject 01 not found in {SHARED}")
@pytest.mark.parametrize("degrees", [-8.0, 5.0])
def test_a_rolled_camera_gives_no_finding_the_level_one_does_not(degrees: float) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    import findings_agreement as fa
    import mocap

    for trial in mocap.load_trials(only=["hamner01"]):
        options = AnalysisOptions(treadmill_speed_mps=trial.belt_speed)
        for facing in ("left", "right"):
            track = mocap.project(trial, 60.0, 8.0, facing, seed=0, phase=0.1)
            level = fa.product_view(track, options)["findings"]
            tilted = fa.product_view(rolled(track, degrees), options)["findings"]
            assert set(tilted) <= set(level), (trial.name, facing, tilted, level)


@pytest.mark.parametrize("degrees", [-6.0, -4.0, 4.0, 6.0])
def test_a_runner_crossing_a_rolled_picture_keeps_both_feet(degrees: float) -> None:
    """Overground, a fixed camera rolled a few degrees: the ground falls across the picture
    by more than a foot's lift, and each foot's ground line started level found the ground
    at one end only (rolled by −4°, the right foot kept 1 of its 5 steps; by −6° over a
    longer run, none). Started from the path's lowest points, both feet keep their steps,
    and the roll is read."""
    run = synthetic_runner(RunnerSpec(treadmill=False), fps=60.0, duration_s=4.0, seed=3,
                           noise_px=3.0)  # fmt: skip
    level = analyze_track(run.track)
    tilted = analyze_track(rolled(run.track, degrees))
    for side in ("left", "right"):
        kept = sum(1 for s in tilted.gait.steps if s.side == side)
        assert kept >= sum(1 for s in level.gait.steps if s.side == side) - 1, side
    assert tilted.to_dict()["context"]["camera_roll_deg"] == pytest.approx(degrees, abs=1.0)
