"""The hip point's test of the toe-off gap (``bench/hip_point.py``) and the Fukuchi
harness's hip joint centre (``fukuchi_data.hip_joint_centres``)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "bench"))

import fukuchi_data  # noqa: E402
import hip_point  # noqa: E402


def _static_pelvis(rotation: np.ndarray, shift: np.ndarray) -> dict[str, np.ndarray]:
    """ASIS 0.24 m apart and 0.16 m in front of the PSIS (x forward, y up, z right in the
    pelvis), turned by ``rotation`` and moved by ``shift``; 5 frames."""
    local = {
        "R.ASIS": [0.0, 0.0, 0.12],
        "L.ASIS": [0.0, 0.0, -0.12],
        "R.PSIS": [-0.16, 0.02, 0.045],
        "L.PSIS": [-0.16, 0.02, -0.045],
    }
    return {k: np.tile(rotation @ np.array(v) + shift, (5, 1)) for k, v in local.items()}


def test_hip_joint_centres_follow_harringtons_regression_in_the_pelvis_frame():
    # PW 0.24 m; PD: from the ASIS' mid-point to the PSIS', 0.16 m back once the 0.02 m
    # rise is taken out (the pelvis frame's forward axis lies in the ASIS-PSIS plane)
    a = np.radians(25.0)
    rotation = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    shift = np.array([1.3, 0.95, 0.4])
    centres = fukuchi_data.hip_joint_centres(_static_pelvis(rotation, shift))
    assert set(centres) == {"R.HJC", "L.HJC"}
    assert centres["R.HJC"].shape == (5, 3)
    # in the pelvis: forward axis along the ASIS-PSIS line (tilted by the PSIS' rise)
    back = np.array([-0.16, 0.02, 0.0])
    forward = -back / np.linalg.norm(back)
    up = np.cross([0.0, 0.0, 1.0], forward)
    depth = float(np.linalg.norm(back))
    for name, sign in (("R.HJC", 1.0), ("L.HJC", -1.0)):
        local = (
            -(0.24 * depth + 0.0099) * forward
            - (0.30 * 0.24 + 0.0109) * up
            + sign * (0.33 * 0.24 + 0.0073) * np.array([0.0, 0.0, 1.0])
        )
        assert np.allclose(centres[name][0], rotation @ local + shift, atol=1e-9)
    # about 4.8 cm back, 8.3 cm down, 8.6 cm to each side of the ASIS' mid-point
    right = np.linalg.solve(rotation, centres["R.HJC"][0] - shift)
    assert right[2] == pytest.approx(0.0865, abs=1e-4)
    assert -0.09 < right[1] < -0.07


def test_a_hip_other_than_the_two_is_refused():
    spec = fukuchi_data.FukuchiSpec("RBDS0041", 2.5, SHARED, "x.txt", "y.txt", None)
    with pytest.raises(ValueError, match="trochanter"):
        spec.build(hip="greater trochanter")


def test_the_comparison_table_shows_each_move_and_the_largest():
    a = {"knee peak toe-off": 10.0, "engine toe-off": 5.0}
    b = {"knee peak toe-off": 12.5, "engine toe-off": 4.0}
    text = hip_point.format_comparison([("R 2.5 m/s", a, b), ("R 3.5 m/s", b, a)])
    assert "+10.0 → +12.5" in text
    assert text.splitlines()[-1].split("|")[2].strip() == "2.5"
    assert hip_point.format_comparison([]).startswith("No Fukuchi trial")


@pytest.mark.skipif(
    not (SHARED / "fukuchi_rbds0041").is_dir(), reason=f"RBDS0041 not found in {SHARED}"
)
def test_the_hip_point_does_not_move_the_toe_off_by_the_gap():
    """The data sets' toe-offs sit ~20 ms apart against every witness; building
    Fukuchi's hip as Hamner's is built moves RBDS0041's by far less."""
    rows = hip_point.compare([SHARED], ["RBDS0041"])
    assert [name for name, _, _ in rows] == ["RBDS0041 2.5 m/s"]
    _, trochanter, centre = rows[0]
    for key in ("knee peak toe-off", "knee flexion toe-off", "engine toe-off"):
        assert abs(centre[key] - trochanter[key]) < 5.0, key
