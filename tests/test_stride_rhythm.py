"""One runner, one stride: the two feet's rhythms reconciled (``gait.clearance``).

Each foot's stride time is read from the autocorrelation of its clearance. A far foot the
pose model sees worse can peak at two strides; the detector took the median of the two
feet (the mean of 0.72 and 1.43 s: a stride neither foot takes), and every stance was then
"off the foot's rhythm" and rejected. Found with the findings bench's far-leg condition
(``bench/findings_agreement.py``, "60 Hz + 8 px, far leg 16 px") on Hamner's subject 08
(Hamner & Delp 2013, J Biomech 46:780-787, data via Fox 2024, R Soc Open Sci 11:231909);
the data test skips when ``../shared/data`` is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from runform.gait.clean import clean_track
from runform.gait.clearance import reconcile_rhythms, stride_rhythm
from runform.gait.direction import detect_travel
from runform.gait.events import FootClearanceDetector

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
HAMNER08 = SHARED / "hamner2013" / "subject08"


def test_a_foot_read_over_two_strides_takes_the_other_feet_rhythm() -> None:
    t = np.arange(0.0, 5.0, 1 / 60)
    clean = np.maximum(np.sin(2 * np.pi * t / 0.72), 0) ** 4
    left = stride_rhythm(t, clean)
    assert left is not None and left[0] == pytest.approx(0.72, abs=0.01)
    # two strides (a harmonic), three strides, and a rhythm that is no multiple
    for period in (1.44, 2.1, 1.0):
        out = reconcile_rhythms({"left": left, "right": (period, 0.4)})
        assert out == {"left": left[0], "right": left[0]}, period
    # feet that agree keep their own; a foot without a rhythm stays without
    assert reconcile_rhythms({"left": (0.72, 0.9), "right": (0.75, 0.9)}) == {
        "left": 0.72,
        "right": 0.75,
    }
    assert reconcile_rhythms({"left": (0.72, 0.9), "right": None}) == {
        "left": 0.72,
        "right": None,
    }


@pytest.mark.skipif(not HAMNER08.is_dir(), reason=f"Hamner's subject 08 not found in {SHARED}")
def test_a_noisier_far_foot_does_not_cost_the_near_foot_its_steps() -> None:
    """Hamner's subject 08 at 2 m/s at 60 Hz with 8 px of noise, the far (right) leg's
    points with 8 px more: its clearance's autocorrelation peaks highest at two strides
    (1.43 s; the near foot's at 0.72). All six strides of each foot are kept, as without
    the extra noise (before: one step per foot, and the product refused the clip). Both
    mendings hold it on their own: the far foot's rhythm read at its one-stride peak, and
    the two feet reconciled."""
    sys.path.insert(0, str(REPO / "bench"))
    import findings_agreement
    import mocap

    trial = next(t for t in mocap.load_trials(only=["hamner08"]) if t.speed_label == 2.0)
    track = mocap.project(trial, 60.0, 8.0, "left", seed=0, phase=0.1)
    track = findings_agreement.worse_far_leg(track, "left", 8.0, seed=0)
    cleaned, _ = clean_track(track)
    detector = FootClearanceDetector().detect(cleaned, detect_travel(cleaned).direction)
    far = stride_rhythm(detector.time_, detector.clearance_["right"])
    assert far is not None and far[0] == pytest.approx(0.72, abs=0.03)
    assert reconcile_rhythms({"left": (0.72, 0.9), "right": (1.43, 0.5)})["right"] == 0.72
    assert detector.stride_period_ == pytest.approx(0.72, abs=0.02)
    steps = detector.result_.steps
    assert sum(s.side == "left" for s in steps) >= 5
    assert sum(s.side == "right" for s in steps) >= 5


def test_a_rhythm_whose_two_stride_peak_is_highest_is_read_as_one_stride() -> None:
    """A foot whose swings alternate high and low (noise, or a stretch of the other foot's
    points) correlates more with itself two strides on than one: the autocorrelation's
    highest peak is at two strides, the one-stride peak at about 0.7 of it. The stride is
    the one-stride peak (before: 1.44 s)."""
    t = np.arange(0.0, 8.0, 1 / 60)
    bump = np.maximum(np.sin(2 * np.pi * t / 0.72), 0) ** 4
    every_other = np.where(np.floor(t / 0.72) % 2 == 0, 1.0, 0.4)
    rhythm = stride_rhythm(t, bump * every_other)
    assert rhythm is not None and rhythm[0] == pytest.approx(0.72, abs=0.01)
