"""Per-frame sagittal angles (runform.metrics.angles) on hand-made poses with known angles.

A pose is built from chosen angles (thigh 30° ahead of vertical, knee bent 90°, trunk
leaning 10° forward...) for a runner facing image-right, then mirrored to face image-left:
the angles must come back, with the same sign, whichever way the runner faces.
"""

from __future__ import annotations

import numpy as np
import pytest

from runform.geometry import leg_length, mid_point, segment_length
from runform.metrics.angles import frame_angles, segment_angle, wrap180
from runform.track import PoseTrack

THIGH = 400.0
SHANK = 380.0
TRUNK = 500.0


def pose(
    thigh_deg: float,
    knee_deg: float,
    trunk_deg: float,
    other_thigh_deg: float = -20.0,
    other_knee_deg: float = 60.0,
    facing: int = +1,
) -> PoseTrack:
    """One frame, runner facing image-right (+1) or image-left (−1), hips at (1000, 500).

    ``thigh_deg``: + when the knee is ahead of the hip; ``knee_deg``: flexion (0 = straight);
    ``trunk_deg``: + = forward lean. Image convention: x right, y down.
    """
    hip = np.array([1000.0, 500.0])
    points = {"left_hip": hip, "right_hip": hip}
    for side, th, kn in (("left", thigh_deg, knee_deg), ("right", other_thigh_deg, other_knee_deg)):
        a = np.radians(th)
        knee = hip + THIGH * np.array([facing * np.sin(a), np.cos(a)])
        s = np.radians(th - kn)  # shank angle = thigh − knee flexion
        ankle = knee + SHANK * np.array([facing * np.sin(s), np.cos(s)])
        points[f"{side}_knee"] = knee
        points[f"{side}_ankle"] = ankle
    b = np.radians(trunk_deg)
    shoulder = hip + TRUNK * np.array([facing * np.sin(b), -np.cos(b)])
    points["left_shoulder"] = shoulder
    points["right_shoulder"] = shoulder
    return PoseTrack.from_points([0.0], {k: v[None, :] for k, v in points.items()})


def interior_knee_angle(track: PoseTrack, side: str) -> float:
    """Hip–knee–ankle angle at the knee, from the dot product (independent of the module)."""
    h, k, a = (track.point(f"{side}_{p}")[0] for p in ("hip", "knee", "ankle"))
    u, v = h - k, a - k
    return float(np.degrees(np.arccos(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))))


@pytest.mark.parametrize("facing", [+1, -1])
def test_known_pose_gives_known_angles(facing: int):
    track = pose(thigh_deg=30.0, knee_deg=90.0, trunk_deg=10.0, facing=facing)
    angles = frame_angles(track, direction=facing)
    assert angles["thigh"]["left"][0] == pytest.approx(30.0, abs=1e-9)
    assert angles["knee"]["left"][0] == pytest.approx(90.0, abs=1e-9)
    assert angles["shank"]["left"][0] == pytest.approx(-60.0, abs=1e-9)
    assert angles["trunk"][0] == pytest.approx(10.0, abs=1e-9)
    # hip angle = thigh against the trunk line: 30° ahead of vertical + 10° lean = 40°
    assert angles["hip"]["left"][0] == pytest.approx(40.0, abs=1e-9)
    # the other leg: 20° behind vertical, knee 60°
    assert angles["thigh"]["right"][0] == pytest.approx(-20.0, abs=1e-9)
    assert angles["knee"]["right"][0] == pytest.approx(60.0, abs=1e-9)
    assert angles["hip"]["right"][0] == pytest.approx(-10.0, abs=1e-9)
    # knee flexion agrees with 180° − the interior hip-knee-ankle angle
    assert angles["knee"]["left"][0] == pytest.approx(180.0 - interior_knee_angle(track, "left"))


def test_mirrored_pose_with_the_wrong_direction_flips_signs():
    """Facing left but analysed as facing right: sagittal angles change sign, knee flexion too."""
    track = pose(thigh_deg=30.0, knee_deg=90.0, trunk_deg=10.0, facing=-1)
    wrong = frame_angles(track, direction=+1)
    assert wrong["thigh"]["left"][0] == pytest.approx(-30.0)
    assert wrong["trunk"][0] == pytest.approx(-10.0)
    assert wrong["knee"]["left"][0] == pytest.approx(-90.0)


@pytest.mark.parametrize("thigh", [-35.0, -10.0, 0.0, 15.0, 45.0])
@pytest.mark.parametrize("knee", [0.0, 20.0, 110.0])
def test_angles_recovered_over_a_range(thigh: float, knee: float):
    for facing in (+1, -1):
        a = frame_angles(pose(thigh, knee, -5.0, facing=facing), direction=facing)
        assert a["thigh"]["left"][0] == pytest.approx(thigh, abs=1e-9)
        assert a["knee"]["left"][0] == pytest.approx(knee, abs=1e-9)
        assert a["trunk"][0] == pytest.approx(-5.0, abs=1e-9)  # leaning back is negative


def test_segment_angle_is_measured_against_downward_vertical():
    prox = np.array([[0.0, 0.0]] * 4)
    dist = np.array([[0.0, 1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(segment_angle(prox, dist, +1), [0.0, 45.0, -45.0, 90.0])
    np.testing.assert_allclose(segment_angle(prox, dist, -1), [0.0, -45.0, 45.0, -90.0])


def test_wrap180():
    np.testing.assert_allclose(
        wrap180(np.array([190.0, -190.0, 10.0, 540.0])), [-170, 170, 10, -180]
    )


def test_missing_shoulders_give_nan_trunk_and_hip_but_keep_leg_angles():
    full = pose(30.0, 90.0, 10.0)
    legs_only = {k: full.point(k) for k in full.keypoints if "shoulder" not in k}
    a = frame_angles(PoseTrack.from_points([0.0], legs_only), direction=+1)
    assert np.isnan(a["trunk"][0])
    assert np.isnan(a["hip"]["left"][0])
    assert a["thigh"]["left"][0] == pytest.approx(30.0)


def test_missing_point_gives_nan_for_that_frame_only():
    tracks = [pose(30.0, 90.0, 10.0), pose(10.0, 40.0, 5.0)]
    points = {k: np.concatenate([t.point(k) for t in tracks]) for k in tracks[0].keypoints}
    points["left_ankle"][1] = np.nan
    a = frame_angles(PoseTrack.from_points([0.0, 0.1], points), direction=+1)
    assert a["knee"]["left"][0] == pytest.approx(90.0)
    assert np.isnan(a["knee"]["left"][1])
    assert a["thigh"]["left"][1] == pytest.approx(10.0)


# ----------------------------------------------------------------------------- geometry
def test_leg_length_is_thigh_plus_shank_even_when_foreshortened():
    # a leg swinging through ±30°: the segment lengths never change in a side view
    frames = [pose(th, kn, 0.0) for th, kn in [(-30, 20), (0, 60), (30, 90), (10, 5)]]
    points = {k: np.concatenate([f.point(k) for f in frames]) for k in frames[0].keypoints}
    track = PoseTrack.from_points(np.arange(4) * 0.1, points)
    assert leg_length(track) == pytest.approx(THIGH + SHANK)
    np.testing.assert_allclose(segment_length(track, "left_hip", "left_knee"), THIGH)
    assert np.isnan(segment_length(track, "left_hip", "nose")).all()


def test_mid_point_uses_one_side_when_the_other_is_missing():
    a = np.array([[0.0, 0.0], [np.nan, np.nan]])
    b = np.array([[2.0, 4.0], [6.0, 8.0]])
    track = PoseTrack.from_points([0.0, 0.1], {"left_hip": a, "right_hip": b})
    np.testing.assert_allclose(mid_point(track, "hip"), [[1.0, 2.0], [6.0, 8.0]])
    assert mid_point(track, "shoulder") is None
