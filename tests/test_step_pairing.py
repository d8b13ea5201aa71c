"""Pairing stances into steps when a stance is known but could not be timed.

A stance whose foot points are missing (the pose model lost the foot, or the motion capture
its markers) still happened. The step before it keeps its own contact and toe-off, and has
no stride or step time that would span the lost stance, rather than being rejected as
"a contact was missed" (a 1.4 s stride at 170 steps/min never reaches a number either way).
"""

from __future__ import annotations

import numpy as np
import pytest

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


def alternating(left: list[float], right: list[float], contact_s: float = 0.15) -> dict:
    return {
        "left": [stance(t, t + contact_s) for t in left],
        "right": [stance(t, t + contact_s) for t in right],
    }


STRIDE = 0.72
LEFTS = [0.0, 0.72, 1.44, 2.16, 2.88, 3.60]
RIGHTS = [t + 0.36 for t in LEFTS]


def test_a_contact_far_off_its_foots_rhythm_is_rejected_and_no_stride_reaches_it() -> None:
    """A contact 190 ms early (a foot skimming the belt in noise, taken for landed) among
    strides of 720 ms: its stride would read 27 % long and its stance 190 ms long. It is
    rejected as mistimed; the steps around it keep their own timing."""
    lefts = list(LEFTS)
    lefts[3] -= 0.19  # 1.97 instead of 2.16
    stances = alternating(lefts, RIGHTS)
    stances["left"][3] = stance(1.97, 2.16 + 0.15)  # the toe-off is right
    steps, rejected = pair_stances(stances, LIMITS, stride_period=STRIDE)
    assert 1.97 not in [s.contact_s for s in steps]
    [reason] = [r.reason for r in rejected if r.time_s == 1.97]
    assert (
        reason
        == "contact is 190 ms early for this foot's rhythm (a stride of 720 ms): it was mistimed"
    )
    before = next(s for s in steps if s.side == "left" and s.contact_s == 1.44)
    assert before.next_same_contact_s is None  # not 1.97: a 530 ms "stride"
    other = next(s for s in steps if s.side == "right" and abs(s.contact_s - 1.80) < 1e-9)
    assert other.next_contact_s is None  # its step would end on the mistimed contact
    assert len(rejected) == 1 and len(steps) == len(LEFTS) + len(RIGHTS) - 1


def test_the_first_contact_of_a_run_is_judged_by_its_one_neighbour() -> None:
    lefts = [LEFTS[0] - 0.19, *LEFTS[1:]]  # the clip's first landing, found early
    steps, rejected = pair_stances(alternating(lefts, RIGHTS), LIMITS, stride_period=STRIDE)
    assert [r.time_s for r in rejected] == [lefts[0]]
    assert "early for this foot's rhythm" in rejected[0].reason
    assert min(s.contact_s for s in steps if s.side == "left") == 0.72


def test_a_good_contact_beside_a_bad_one_is_not_blamed() -> None:
    """The worst contact is judged first and its neighbours again without it: a late
    contact pulls its neighbours' midpoints too, but only it is rejected."""
    lefts = list(LEFTS)
    lefts[2] += 0.2
    steps, rejected = pair_stances(alternating(lefts, RIGHTS), LIMITS, stride_period=STRIDE)
    assert [r.time_s for r in rejected] == [lefts[2]]
    assert "late for this foot's rhythm" in rejected[0].reason
    assert {lefts[1], lefts[3]} <= {s.contact_s for s in steps}


def test_no_stride_is_measured_to_a_stance_cut_short() -> None:
    """A stance cut short is rejected for its own timing; the step before it on the same
    foot does not keep a stride that ends on that untrusted contact."""
    stances = alternating(LEFTS, RIGHTS, contact_s=0.25)
    stances["left"][2] = stance(1.60, 1.44 + 0.25)  # landing found 160 ms late: 90 ms
    steps, rejected = pair_stances(stances, LIMITS, stride_period=STRIDE)
    assert [r.time_s for r in rejected] == [1.60]
    assert "cut short" in rejected[0].reason
    before = next(s for s in steps if s.side == "left" and s.contact_s == 0.72)
    assert before.next_same_contact_s is None


def test_a_runners_own_stride_variation_is_kept() -> None:
    """Strides that vary by up to 6 % from one to the next, and a steady change of pace of
    10 % over the run, are running, not mistiming: every step is kept."""
    rng = np.random.default_rng(3)
    strides = STRIDE * np.linspace(1.0, 0.9, 12) * (1 + rng.uniform(-0.06, 0.06, 12))
    lefts = np.concatenate([[0.0], np.cumsum(strides)]).round(4).tolist()
    rights = [round(t + 0.5 * s, 4) for t, s in zip(lefts, strides, strict=False)]
    steps, rejected = pair_stances(alternating(lefts, rights), LIMITS, stride_period=STRIDE)
    assert rejected == []
    assert len(steps) == len(lefts) + len(rights)


def test_a_stance_too_short_to_be_running_still_happened() -> None:
    """A 70 ms "stance" (noise hid most of it) is rejected for its contact time, but a
    stance happened there: the step before it on that foot keeps its own contact and
    toe-off, with no stride that would span it, rather than being rejected as "a contact
    was missed"."""
    stances = alternating(LEFTS, RIGHTS, contact_s=0.25)
    stances["left"][1] = stance(0.90, 0.97)  # 180 ms late, 70 ms long
    steps, rejected = pair_stances(stances, LIMITS, stride_period=STRIDE)
    assert [(r.time_s, r.reason) for r in rejected] == [
        (0.90, "contact time 70 ms is implausible for running")
    ]
    first = steps[0]
    assert (first.side, first.contact_s, first.next_same_contact_s) == ("left", 0.0, None)
    assert first.next_contact_s == pytest.approx(0.36)
