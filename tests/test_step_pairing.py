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


def test_a_stance_cut_short_against_the_clips_own_contacts_is_rejected() -> None:
    """A 90 ms "contact" among 250 ms ones is a stance cut short (the pose model lost the
    foot, or a swing was taken for a stance), though longer than the 80 ms no runner goes
    under: it is rejected with its reason, the others are kept."""
    left = [stance(0.00, 0.25), stance(0.70, 0.95), stance(1.40, 1.65), stance(2.10, 2.35)]
    right = [stance(0.35, 0.60), stance(1.05, 1.14), stance(1.75, 2.00)]
    steps, rejected = pair_stances({"left": left, "right": right}, LIMITS)
    assert 1.05 not in [s.contact_s for s in steps]
    assert [r.reason for r in rejected if r.time_s == 1.05] == [
        "contact time 90 ms is less than 50% of the clip's median (250 ms): the stance was cut "
        "short"
    ]
    assert {0.0, 0.35, 0.70, 1.75, 2.10} <= {s.contact_s for s in steps}


def test_a_stance_found_twice_is_one_stance() -> None:
    """Two windows refined onto the same landing give the same stance twice (one foot
    cannot be in two stances at once): it is kept once, and no stride of zero length (an
    infinite duty factor) is ever formed."""
    twice = [LEFT[0], stance(0.0, 0.2505), *LEFT[1:]]
    steps, _ = pair_stances({"left": twice, "right": list(RIGHT)}, LIMITS, lost={"left": [0.82]})
    lefts = [s for s in steps if s.side == "left"]
    assert [s.contact_s for s in lefts] == [0.0, 1.40, 2.10]
    assert all(s.next_same_contact_s is None or s.next_same_contact_s > s.contact_s for s in steps)
