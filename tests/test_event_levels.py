"""The event levels' speed lines are used only over the speeds they were fitted on.

The contact and toe-off levels are lines in the stance foot's speed under the hips (leg
lengths per second), fitted on seven runners whose stance speeds span 2.0-5.4. A track
whose stance foot barely moves under the hips (a wrongly tracked foot, or a synthetic
runner), or moves faster than any of them, must get the level at the nearer end of that
range, not an extrapolation; one whose speed cannot be measured, the middle's.
"""

from __future__ import annotations

import numpy as np
import pytest

from runform.gait import events
from runform.gait.clean import clean_track
from runform.gait.direction import detect_travel
from runform.gait.events import CALIBRATED_SPEEDS, FootClearanceDetector
from runform.synthetic import synthetic_runner


@pytest.mark.parametrize(
    ("measured", "used"),
    [
        (0.1, CALIBRATED_SPEEDS[0]),
        (3.0, 3.0),
        (9.0, CALIBRATED_SPEEDS[1]),
        (float("nan"), float(np.mean(CALIBRATED_SPEEDS))),
    ],
    ids=["slow", "inside", "fast", "unknown"],
)
def test_levels_are_not_extrapolated_beyond_the_calibrated_speeds(
    monkeypatch: pytest.MonkeyPatch, measured: float, used: float
) -> None:
    monkeypatch.setattr(events, "running_speed", lambda *args: measured)
    run = synthetic_runner(duration_s=4.0, fps=120.0, seed=3)
    track = clean_track(run.track)[0]
    detector = FootClearanceDetector().detect(track, detect_travel(track).direction)
    for side in ("left", "right"):
        assert detector.levels_[side] == pytest.approx(
            (
                detector.contact_level + detector.contact_level_per_speed * used,
                detector.toe_off_level + detector.toe_off_level_per_speed * used,
            )
        )
