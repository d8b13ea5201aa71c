"""Scoring of detected gait events against truth, on hand-made event lists."""

from __future__ import annotations

import math

import pytest

from runform.evaluation import EventScore, contact_time_errors, match_events, pair_events
from runform.gait.types import GaitEvent, Step


def ev(side: str, kind: str, t: float) -> dict:
    return {"side": side, "kind": kind, "time_s": t}


def gait_run(n: int = 6, step_s: float = 0.35, contact_s: float = 0.25) -> list[dict]:
    """Alternating left/right stances: contact at k*step_s, toe-off contact_s later."""
    events = []
    for k in range(n):
        side = "left" if k % 2 == 0 else "right"
        events.append(ev(side, "contact", 1.0 + k * step_s))
        events.append(ev(side, "toe_off", 1.0 + k * step_s + contact_s))
    return events


def shifted(events: list[dict], contact_ms: float, toe_off_ms: float) -> list[dict]:
    shift = {"contact": contact_ms / 1000, "toe_off": toe_off_ms / 1000}
    return [ev(e["side"], e["kind"], e["time_s"] + shift[e["kind"]]) for e in events]


def test_identical_events_score_perfectly():
    truth = gait_run()
    scores = match_events(truth, truth)
    for kind in ("contact", "toe_off", "all"):
        s = scores[kind]
        assert s.n_matched == s.n_true == s.n_detected
        assert s.missed == s.extra == 0
        assert s.mae_ms == s.bias_ms == s.max_ms == 0.0
        assert s.recall == s.precision == 1.0
    assert scores["contact"].n_true == 6 and scores["all"].n_true == 12


def test_constant_shifts_give_known_bias_per_kind():
    truth = gait_run()
    scores = match_events(shifted(truth, +12.0, -5.0), truth)
    assert scores["contact"].bias_ms == pytest.approx(12.0)
    assert scores["contact"].mae_ms == pytest.approx(12.0)
    assert scores["contact"].sd_ms == pytest.approx(0.0, abs=1e-9)
    assert scores["toe_off"].bias_ms == pytest.approx(-5.0)
    assert scores["toe_off"].mae_ms == pytest.approx(5.0)
    # overall: six errors of +12 and six of -5
    assert scores["all"].bias_ms == pytest.approx(3.5)
    assert scores["all"].mae_ms == pytest.approx(8.5)
    assert scores["all"].max_ms == pytest.approx(12.0)


def test_error_statistics_of_known_errors():
    truth = [ev("left", "contact", t) for t in (1.0, 2.0, 3.0)]
    found = [ev("left", "contact", t) for t in (1.010, 2.020, 3.030)]
    s = match_events(found, truth)["contact"]
    assert s.mae_ms == pytest.approx(20.0)
    assert s.bias_ms == pytest.approx(20.0)
    assert s.sd_ms == pytest.approx(10.0)  # sample sd of 10, 20, 30
    assert s.max_ms == pytest.approx(30.0)
    assert s.errors_ms == pytest.approx((10.0, 20.0, 30.0))


def test_missed_and_extra_events_are_counted():
    truth = gait_run()
    found = [e for e in truth if e["time_s"] != truth[4]["time_s"]]  # drop one contact
    found.append(ev("right", "toe_off", 9.0))  # nothing true near 9 s
    scores = match_events(found, truth)
    assert scores["contact"].missed == 1 and scores["contact"].extra == 0
    assert scores["contact"].recall == pytest.approx(5 / 6)
    assert scores["toe_off"].missed == 0 and scores["toe_off"].extra == 1
    assert scores["toe_off"].precision == pytest.approx(6 / 7)
    assert scores["all"].missed == 1 and scores["all"].extra == 1


def test_tolerance_edge_is_inclusive():
    truth = [ev("left", "contact", 1.0), ev("left", "contact", 2.0)]
    found = [ev("left", "contact", 1.05), ev("left", "contact", 2.0501)]
    s = match_events(found, truth, tolerance_s=0.05)["contact"]
    assert s.n_matched == 1
    assert s.errors_ms == pytest.approx((50.0,))
    assert s.missed == 1 and s.extra == 1


def test_side_and_kind_must_agree():
    truth = [ev("left", "contact", 1.0)]
    for found in ([ev("right", "contact", 1.0)], [ev("left", "toe_off", 1.0)]):
        s = match_events(found, truth)["all"]
        assert s.n_matched == 0 and s.missed == 1 and s.extra == 1
        assert math.isnan(s.mae_ms)


def test_pairing_is_one_to_one_and_nearest_first():
    truth = [ev("left", "contact", 1.00), ev("left", "contact", 1.05)]
    found = [ev("left", "contact", 1.03)]
    pairs, _det, _tru = pair_events(found, truth, tolerance_s=0.08)
    assert pairs == [(0, 1)]  # 1.03 goes to 1.05 (20 ms), not 1.00 (30 ms)
    two_near_one = [ev("left", "contact", 0.99), ev("left", "contact", 1.004)]
    s = match_events(two_near_one, [truth[0]])["contact"]
    assert s.n_matched == 1 and s.extra == 1
    assert s.errors_ms == pytest.approx((4.0,))


def test_no_detections():
    truth = gait_run(2)
    s = match_events([], truth)["all"]
    assert s.n_detected == 0 and s.missed == 4 and s.recall == 0.0
    assert math.isnan(s.precision) and math.isnan(s.bias_ms)
    assert set(s.to_dict()) >= {"n_true", "missed", "extra", "mae_ms", "recall", "precision"}


def test_accepts_gait_event_objects():
    truth = gait_run(4)
    found = [
        GaitEvent(side=e["side"], kind=e["kind"], time_s=e["time_s"] + 0.008, frame=0.0)
        for e in truth
    ]
    s = match_events(found, truth)["all"]
    assert isinstance(s, EventScore)
    assert s.n_matched == 8 and s.bias_ms == pytest.approx(8.0)


def test_contact_time_errors_from_events_and_steps():
    truth = gait_run(6, contact_s=0.25)
    # contacts 10 ms late and toe-offs 10 ms early: contact time 20 ms short
    found_events = shifted(truth, +10.0, -10.0)
    ct = contact_time_errors(found_events, truth)
    assert ct.n_true == 6 and ct.n_matched == 6
    assert ct.bias_ms == pytest.approx(-20.0)
    assert ct.mae_ms == pytest.approx(20.0)
    assert ct.true_mean_ms == pytest.approx(250.0)
    assert ct.detected_mean_ms == pytest.approx(230.0)
    steps = [
        Step(side="left", contact_s=1.0, toe_off_s=1.28, contact_frame=0, toe_off_frame=0),
        Step(side="right", contact_s=1.35, toe_off_s=1.60, contact_frame=0, toe_off_frame=0),
        Step(side="right", contact_s=5.00, toe_off_s=5.20, contact_frame=0, toe_off_frame=0),
    ]
    ct = contact_time_errors(steps, truth)
    assert ct.n_detected == 3 and ct.n_matched == 2
    assert ct.bias_ms == pytest.approx(15.0)  # +30 and 0 ms
    assert ct.max_ms == pytest.approx(30.0)


def test_contact_time_ignores_unpaired_contacts():
    truth = [ev("left", "contact", 1.0), ev("left", "toe_off", 1.3), ev("right", "contact", 1.4)]
    ct = contact_time_errors(truth, truth)
    assert ct.n_true == 1 and ct.n_matched == 1 and ct.bias_ms == 0.0
