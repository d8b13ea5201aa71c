"""The foot-pitch toe-off (:mod:`runform.gait.foot_pitch`) and its place in the detector.

In push-off the heel rises about the toes: the heel-to-toe line pitches down past a fixed
angle a fixed time before the foot leaves. The witness must read that angle the same way
whichever way the runner faces, whatever the image scale, and wherever a pose model puts
the heel on the shoe (a constant angle at mid-stance); and the detector must use it only on
a foot whose pitch times agree with the leg's, so a pose model whose feet do not show the
push-off changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from runform.gait.clean import clean_track
from runform.gait.direction import detect_travel
from runform.gait.events import FootClearanceDetector
from runform.gait.foot_pitch import LEVEL_DEG, foot_pitch, pitch_crossing, pitch_toe_offs
from runform.gait.witnesses import PITCH_AGREEMENT_FRACTION, pitch_blend
from runform.track import PoseTrack, TrackMeta

FPS = 100.0
CONTACT_S, HEEL_OFF_S, TOE_OFF_S = 1.0, 1.15, 1.25
PITCH_RATE = 400.0  # deg/s from heel-off
FOOT_PX = 120.0


def pitching_foot(facing: int = 1, scale: float = 1.0, heel_raise_px: float = 0.0) -> PoseTrack:
    """One foot flat from ``CONTACT_S``, pitching about its toe at ``PITCH_RATE`` from
    ``HEEL_OFF_S``; ``heel_raise_px`` puts the heel point that far up the heel counter,
    above the sole (as a pose model may place it)."""
    t = np.arange(0.0, 2.0, 1.0 / FPS)
    pitch = np.radians(np.clip((t - HEEL_OFF_S) * PITCH_RATE, 0.0, 80.0))
    toe = np.column_stack([np.full_like(t, 500.0), np.full_like(t, 800.0)])
    length = FOOT_PX * scale
    heel = toe - np.column_stack([facing * length * np.cos(pitch), length * np.sin(pitch)])
    # up the heel counter: perpendicular to the sole, turning with the foot
    u = (toe - heel) / length
    heel = heel + heel_raise_px * scale * facing * np.column_stack([u[:, 1], -u[:, 0]])
    still = np.tile([500.0, 300.0], (len(t), 1))
    points = {"left_heel": heel, "left_foot_index": toe, "left_hip": still, "left_knee": still}
    names = tuple(points)
    xy = np.stack([points[n] for n in names], axis=1)
    return PoseTrack(
        t,
        xy,
        np.ones(xy.shape[:2]),
        names,
        TrackMeta(source="test", width=1000, height=1000, fps=FPS, units="px"),
    )


def expected_crossing_s() -> float:
    return HEEL_OFF_S + LEVEL_DEG / PITCH_RATE


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_the_crossing_is_the_same_whichever_way_and_size(facing, scale):
    track = pitching_foot(facing, scale)
    pitch = foot_pitch(track, "left", facing)
    assert pitch is not None
    assert np.nanmedian(pitch[(track.time > 1.05) & (track.time < 1.1)]) == pytest.approx(
        0, abs=0.5
    )
    (found,) = pitch_toe_offs(track, "left", [(CONTACT_S, TOE_OFF_S)], facing)
    # the 12 Hz low-pass rounds the corner at heel-off: a few ms, the same in every case
    assert found == pytest.approx(expected_crossing_s(), abs=0.008)


def test_where_the_heel_point_sits_on_the_shoe_does_not_move_it():
    """A heel point 30 px up the heel counter tilts the heel-to-toe line by a constant angle
    (14° on this foot); measured from its own mid-stance angle the crossing does not move."""
    (flat,) = pitch_toe_offs(pitching_foot(), "left", [(CONTACT_S, TOE_OFF_S)], 1)
    (raised,) = pitch_toe_offs(
        pitching_foot(heel_raise_px=30.0), "left", [(CONTACT_S, TOE_OFF_S)], 1
    )
    assert abs(raised - flat) < 0.002
    # measured from the image horizontal instead, it would come a constant angle early
    pitch = foot_pitch(pitching_foot(heel_raise_px=30.0), "left", 1)
    assert np.nanmedian(pitch[(np.arange(200) / FPS > 1.05) & (np.arange(200) / FPS < 1.1)]) > 10


def test_no_crossing_and_missing_points_give_nothing():
    t = np.arange(0, 2, 0.01)
    flat = np.zeros_like(t)
    assert np.isnan(pitch_crossing(t, flat, 1.0, 1.25, LEVEL_DEG))
    lost = np.clip((t - 1.15) * 400, 0, 80)
    lost[(t > 1.2) & (t < 1.3)] = np.nan
    assert np.isnan(pitch_crossing(t, lost, 1.0, 1.25, LEVEL_DEG))
    assert np.isnan(pitch_crossing(t, lost, 1.25, 1.0, LEVEL_DEG))  # not a stance


def items_at(toe_offs: list[float]) -> list[tuple]:
    return [(t - 0.25, 0.0, t, 0.0, 1.0) for t in toe_offs]


def test_blend_averages_agreeing_times_and_keeps_the_leg_where_one_disagrees():
    track = pitching_foot()
    leg = [1.0, 1.7, 2.4, 3.1, 3.8]
    pitch = [1.02, 1.72, 2.42, 3.02, 3.82]  # the fourth 80 ms off
    out, used = pitch_blend(
        track,
        items_at(leg),
        [p - 0.01 for p in pitch],
        pitch_weight=0.5,
        pitch_offset_s=0.01,
        pitch_disagreement_s=0.05,
    )
    assert used
    got = [o[2] for o in out]
    assert got[:3] == pytest.approx([1.01, 1.71, 2.41])
    assert got[3] == pytest.approx(3.1)  # left out: the leg's own
    assert got[4] == pytest.approx(3.81)


def test_a_foot_whose_pitch_does_not_show_the_push_off_is_timed_by_the_leg():
    """Scattered pitch times (30-180 ms late, as BlazePose's feet on the example clip give)
    leave every toe-off as the leg's."""
    track = pitching_foot()
    leg = [1.0, 1.7, 2.4, 3.1, 3.8, 4.5]
    pitch = [1.04, 1.88, 2.55, 3.2, 3.83, 4.68]  # two of six agree: under three quarters
    assert 2 / 6 < PITCH_AGREEMENT_FRACTION
    items = items_at(leg)
    out, used = pitch_blend(
        track, items, pitch, pitch_weight=0.5, pitch_offset_s=0.0, pitch_disagreement_s=0.05
    )
    assert not used
    assert out == items


EXAMPLE_RTMPOSE = Path(__file__).resolve().parents[2] / "shared/data/male_side/male_side.pose.json"


@pytest.mark.skipif(not EXAMPLE_RTMPOSE.exists(), reason="needs ../shared/data")
def test_rtmpose_feet_on_the_real_clip_show_the_push_off():
    """RTMPose's Halpe-26 feet (big toe and heel) on the real treadmill clip: on both feet
    the pitch toe-off agrees with the leg's, so it is used, and it moves the toe-offs by
    less than a frame on average (the clip has no force plate; agreement is what can be
    checked)."""
    from runform.pose.formats.rtmpose import read_rtmpose_json

    track = read_rtmpose_json(json.loads(EXAMPLE_RTMPOSE.read_text()), EXAMPLE_RTMPOSE)
    cleaned, _ = clean_track(track)
    direction = detect_travel(cleaned).direction
    with_pitch = FootClearanceDetector().detect(cleaned, direction)
    without = FootClearanceDetector(pitch_weight=0.0).detect(cleaned, direction)
    assert with_pitch.pitch_used_ == {"left": True, "right": True}
    a = {(s.side, round(s.contact_s, 2)): s.toe_off_s for s in with_pitch.result_.steps}
    b = {(s.side, round(s.contact_s, 2)): s.toe_off_s for s in without.result_.steps}
    shifts = [a[k] - b[k] for k in a.keys() & b.keys()]
    assert len(shifts) >= 20
    assert abs(float(np.mean(shifts))) < 1.0 / track.frame_rate


def test_detector_averages_the_leg_and_the_foot_in_halves():
    """On the synthetic runner (whose feet pitch through push-off) every toe-off is half
    the leg's (clearance, knee peak and flexion) and half the foot pitch's plus its offset."""
    from runform.synthetic import synthetic_runner

    run = synthetic_runner(duration_s=4.0, fps=120.0, seed=3)
    track = clean_track(run.track)[0]
    direction = detect_travel(track).direction
    leg = FootClearanceDetector(pitch_weight=0.0).detect(track, direction)
    both = FootClearanceDetector(pitch_weight=0.5, pitch_offset_s=0.01).detect(track, direction)
    assert both.pitch_used_ == {"left": True, "right": True}
    assert both.pitch_timed_toe_offs
    assert not leg.pitch_timed_toe_offs
    assert len(both.result_.steps) == len(leg.result_.steps) >= 4
    checked = 0
    for side in ("left", "right"):
        mine = [s for s in leg.result_.steps if s.side == side]
        blended = [s for s in both.result_.steps if s.side == side]
        found = pitch_toe_offs(track, side, [(s.contact_s, s.toe_off_s) for s in mine], direction)
        for f, b, p in zip(mine, blended, found, strict=True):
            assert b.contact_s == f.contact_s  # the pitch is the toe-off's alone
            if not np.isfinite(p):  # the clip ends before the foot has pitched
                assert b.toe_off_s == pytest.approx(f.toe_off_s, abs=5e-4)
                continue
            checked += 1
            # (the detector reads the pitch on the clearance's stance, before the knee moves
            # its ends: the mid-stance angle may differ by a hair)
            assert b.toe_off_s == pytest.approx(0.5 * f.toe_off_s + 0.5 * (p + 0.01), abs=5e-4)
    assert checked >= 6
