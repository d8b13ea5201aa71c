"""Pairing stances into steps when a stance is known but could not be timed.

A stance whose foot points are missing (the pose model lost the foot, or the motion capture
its markers) still happened. The step before it keeps its own contact and toe-off, and has
no stride or step time that would span the lost stance, rather than being rejected as
"a contact was missed" (a 1.4 s stride at 170 steps/min never reaches a number either way).
"""

from __future__ import annotations

from runform.gait.events import FootClearanceDetector
from runform.gait.pairing import pair_stances

LIMITS = FootClearanceDetector().limits  # the shipped detector's


def stance(contact: float, toe_off: float) -> tuple[float, float, float, float, float]:
    return (contact, 100 * contact, toe_off, 100 * toe_off, 1.0)


LEFT = [stance(0.00, 0.25), stance(1.40, 1.65), stance(2.10, 2.35)]  # lost at 0.7
RIGHT = [stance(0.35, 0.60), stance(1.05, 1.30), stance(1.75, 2.00)]


def test_the_step_before_a_lost_stance_is_kept_without_a_stride_that_spans_it() -> None:
    steps, rejected = pair_stances(
        {"left": list(LEFT), "right": list(RIGHT)}, LIMITS, lost={"left": [0.82], "right": []}
    )
    first = steps[0]
    assert (first.side, first.contact_s, first.toe_off_s) == ("left", 0.0, 0.25)
    assert first.next_same_contact_s is None  # not 1.40: the lost stance lies between
    assert first.next_contact_s == 0.35
    right = steps[1]  # its next other-foot contact would be 1.40, across the lost one
    assert right.side == "right" and right.next_contact_s is None
    assert right.next_same_contact_s == 1.05
    assert not rejected
    assert [s.contact_s for s in steps] == [0.0, 0.35, 1.05, 1.40, 1.75, 2.10]


def test_without_knowing_of_the_lost_stance_the_long_stride_is_rejected() -> None:
    steps, rejected = pair_stances({"left": list(LEFT), "right": list(RIGHT)}, LIMITS)
    assert 0.0 not in [s.contact_s for s in steps]
    assert any("a contact was missed" in r.reason for r in rejected)
