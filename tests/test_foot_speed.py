"""The foot-speed contact (:mod:`runform.gait.foot_speed`) and its place in the detector.

A foot that lands stops sliding: its horizontal velocity drops from the late swing's to the
stance's. The witness must find that moment whatever the stance velocity (overground with a
fixed camera: zero; a treadmill or a panning camera: the runner's speed backward), the
scale and the facing, and must say nothing when what it is given is not a stance.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from runform.gait.clean import clean_track
from runform.gait.direction import detect_travel
from runform.gait.events import FootClearanceDetector
from runform.gait.foot_speed import speed_contacts
from runform.synthetic import synthetic_runner
from runform.track import PoseTrack, TrackMeta

FPS = 120.0
LANDING_S = 1.0  # when the foot lands in the made-up track below
DECELERATION_S = 0.06  # the foot slows from its swing speed to the stance speed in this long


def foot_track(
    stance_v: float,
    swing_v: float,
    facing: int = 1,
    scale: float = 1.0,
    slowing_s: float = DECELERATION_S,
) -> PoseTrack:
    """A track whose feet move forward at ``swing_v`` (px/s, forward positive) until
    ``LANDING_S - slowing_s``, slow linearly to ``stance_v`` by ``LANDING_S`` and keep it
    for 0.3 s, then swing again; every other point stands still."""
    t = np.arange(0.0, 2.0, 1.0 / FPS)
    slow = np.clip((LANDING_S - t) / slowing_s, 0.0, 1.0)
    v = stance_v + (swing_v - stance_v) * slow
    v[t > LANDING_S + 0.3] = swing_v
    x = 500.0 + facing * scale * np.concatenate([[0.0], np.cumsum(v[1:] * np.diff(t))])
    feet = np.column_stack([x, np.full_like(x, 800.0)])
    half_foot = np.array([20.0 * scale, 0.0])
    points = {
        "left_heel": feet - half_foot,
        "left_foot_index": feet + half_foot,
        "left_hip": np.tile([500.0, 300.0], (len(t), 1)),
    }
    return PoseTrack.from_points(t, points, meta=TrackMeta(width=3000, height=1000, fps=FPS))


@pytest.mark.parametrize("stance_v", [0.0, -400.0, -1500.0], ids=["fixed", "belt", "fast"])
@pytest.mark.parametrize("facing", [1, -1])
def test_the_landing_is_found_whatever_the_stance_speed_scale_and_facing(stance_v, facing):
    found = []
    for scale in (0.5, 1.0, 3.0):
        track = foot_track(stance_v, swing_v=2500.0, facing=facing, scale=scale)
        # the stance as another witness found it, a little off
        (tc,) = speed_contacts(track, "left", [(LANDING_S - 0.02, LANDING_S + 0.3)], facing)
        found.append(tc)
    # the line through the 15 % and 30 % crossings of a linear slow-down reaches the stance
    # speed where the foot stops sliding, less the low-pass filter's rounding
    assert np.allclose(found, found[0], atol=1e-9)  # the scale does not matter
    assert found[0] == pytest.approx(LANDING_S, abs=0.012)


def test_the_contact_follows_the_stop_however_gradually_the_foot_slows():
    """One fixed fraction of the swing's speed is crossed earlier, the longer the foot takes
    to slow (runners slow theirs differently); the line through two crossings stays near
    the stop. Slowings of 30-120 ms: the 20 % crossing moves by 30 ms, the stop found by
    under two thirds of that, always after the 20 % crossing and within 25 ms of the stop
    (the 7.5 Hz low-pass rounds a quick slowing, which delays it)."""
    stopped, fraction = [], []
    for slowing_s in (0.03, 0.06, 0.09, 0.12):
        track = foot_track(-400.0, swing_v=2500.0, slowing_s=slowing_s)
        stance = [(LANDING_S - 0.02, LANDING_S + 0.3)]
        stopped += speed_contacts(track, "left", stance)
        fraction += speed_contacts(track, "left", stance, levels=(0.2,))
    stopped_a, fraction_a = np.array(stopped), np.array(fraction)
    assert np.ptp(fraction_a) == pytest.approx(0.03, abs=0.005)
    assert np.ptp(stopped_a) < 2 / 3 * np.ptp(fraction_a)
    assert np.all(stopped_a > fraction_a)
    assert np.all(np.abs(stopped_a - LANDING_S) < 0.025)


def test_a_heel_strike_is_timed_by_the_heel_not_by_the_toe_rotating_down():
    """In a heel strike the heel stops with the landing while the toe keeps coming forward
    as the foot rotates down flat (here for 50 ms, a sixth of the swing's speed): the
    contact follows the heel, and the mean of heel and toe would come later. A pose with
    no heel point uses the toe."""
    track = foot_track(-400.0, swing_v=2500.0)
    xy = track.xy.copy()
    t = track.time
    extra = 2500.0 / 6 * np.clip(t - LANDING_S, 0.0, 0.05)  # forward, px
    toe = track.index("left_foot_index")
    xy[:, toe, 0] += extra
    rolling = track.replace(xy=xy)
    stance = [(LANDING_S - 0.02, LANDING_S + 0.3)]
    (heel,) = speed_contacts(rolling, "left", stance)
    (mean,) = speed_contacts(rolling, "left", stance, points=(("heel", "foot_index"),))
    (plain,) = speed_contacts(track, "left", stance)
    assert heel == pytest.approx(plain, abs=1e-9)  # the toe's roll does not move it
    assert mean > heel + 0.005
    no_heel = PoseTrack.from_points(
        t,
        {name: track.point(name) for name in ("left_foot_index", "left_hip")},
        meta=track.meta,
    )
    (toe_only,) = speed_contacts(no_heel, "left", stance)
    assert toe_only == pytest.approx(plain, abs=1e-9)  # the same motion as the heel's here


def test_a_swing_given_as_a_stance_gives_nothing():
    track = foot_track(-400.0, swing_v=2500.0)
    # the "stance" here is the next swing, where the foot moves forward fast
    assert np.isnan(speed_contacts(track, "left", [(LANDING_S + 0.35, LANDING_S + 0.6)])[0])
    # facing the other way, the same motion is a foot moving backward fast: no landing seen
    assert np.isnan(speed_contacts(track, "left", [(LANDING_S, LANDING_S + 0.3)], -1)[0])


def test_a_landing_without_its_late_swing_in_the_clip_gives_nothing():
    track = foot_track(-400.0, swing_v=2500.0).select(slice(int(0.85 * FPS), None))
    assert np.isnan(speed_contacts(track, "left", [(LANDING_S, LANDING_S + 0.3)])[0])


def test_missing_foot_points_give_nothing():
    track = foot_track(-400.0, swing_v=2500.0)
    xy = track.xy.copy()
    xy[int(0.9 * FPS) : int(1.1 * FPS), :2] = np.nan
    gone = track.replace(xy=xy)
    assert np.isnan(speed_contacts(gone, "left", [(LANDING_S, LANDING_S + 0.3)])[0])


def test_the_detector_averages_the_foot_speed_contact_in():
    run = synthetic_runner(duration_s=4.0, fps=120.0, seed=3)
    track = clean_track(run.track)[0]
    direction = detect_travel(track).direction
    # the average alone: a clearance contact far from the foot speed's is left out of it
    # (the next test), which here would catch the first stance of the clip
    without = FootClearanceDetector(contact_speed_weight=0.0, clearance_disagreement_s=0.0).detect(
        track, direction
    )
    with_speed = FootClearanceDetector(
        contact_speed_weight=0.75, contact_speed_offset_s=0.01, clearance_disagreement_s=0.0
    ).detect(track, direction)
    assert len(with_speed.result_.steps) == len(without.result_.steps) >= 4
    checked = 0
    for side in ("left", "right"):
        found = with_speed.speed_contacts_[side]
        mine = [s for s in without.result_.steps if s.side == side]
        blended = [s for s in with_speed.result_.steps if s.side == side]
        for a, b in zip(mine, blended, strict=True):
            assert b.toe_off_s == a.toe_off_s  # toe-off is not the foot speed's to move
            near = [f for f in found if abs(f - a.contact_s) < 0.05]
            if not near:  # the first landing: its late swing is before the clip
                assert a.contact_s < 0.2 and b.contact_s == a.contact_s
                continue
            assert b.contact_s == pytest.approx(0.25 * a.contact_s + 0.75 * (near[0] + 0.01))
            checked += 1
    assert checked >= 4


def test_a_clearance_contact_far_from_the_foot_speeds_is_left_out():
    """With pixel noise a slow foot skimming the belt looks landed 60-120 ms early: a
    clearance contact further than ``clearance_disagreement_s`` from the foot speed's is
    left out of that stance's average (here the foot speed's is made 80 ms later, and the
    knee is not used, so the contact is the foot speed's alone)."""
    run = synthetic_runner(duration_s=4.0, fps=120.0, seed=3)
    track = clean_track(run.track)[0]
    direction = detect_travel(track).direction
    common = {"contact_speed_weight": 0.75, "contact_speed_offset_s": 0.08}
    plain = FootClearanceDetector(
        contact_knee_weight=0.0, clearance_disagreement_s=0.0, **common
    ).detect(track, direction)
    robust = FootClearanceDetector(contact_knee_weight=0.0, **common).detect(track, direction)
    clear = FootClearanceDetector(contact_knee_weight=0.0, contact_speed_weight=0.0).detect(
        track, direction
    )
    checked = 0
    for side in ("left", "right"):
        found = robust.speed_contacts_[side]
        for a in [s for s in clear.result_.steps if s.side == side]:
            near = [f for f in found if abs(f - a.contact_s) < 0.05]
            if not near:
                continue  # (a stance with no foot-speed contact is off the others' rhythm)
            b, c = (
                min(
                    (s for s in d.result_.steps if s.side == side),
                    key=lambda s: abs(s.contact_s - a.contact_s),
                )
                for d in (robust, plain)
            )
            assert abs(near[0] + 0.08 - a.contact_s) > 0.05  # the two disagree
            assert b.contact_s == pytest.approx(near[0] + 0.08)
            assert c.contact_s == pytest.approx(0.25 * a.contact_s + 0.75 * (near[0] + 0.08))
            checked += 1
    assert checked >= 4


def test_the_heels_stop_does_not_depend_on_the_foot_strike():
    """The heel times the landing whatever lands first: in a forefoot landing the heel drops
    backward about the ball, so its forward speed falls as the ball lands. On the synthetic
    runner landing on its rearfoot, midfoot and forefoot (the generator's contacts are the
    truth), the heel's mean stop moves by under 5 ms between the three (2.9 ms when
    written), as the toe's does (0.2 ms); the offset calibrated on heel-striking runners
    then holds for the others."""
    from runform.synthetic.spec import RunnerSpec

    means = {"heel": [], "foot_index": []}
    for strike in ("rearfoot", "midfoot", "forefoot"):
        run = synthetic_runner(spec=RunnerSpec(foot_strike=strike), duration_s=6.0, seed=3)
        track = clean_track(run.track)[0]
        direction = detect_travel(track).direction
        for point, found in means.items():
            errors = []
            for side in ("left", "right"):
                events = [e for e in run.events if e.side == side]
                stances = [
                    (a.time_s, b.time_s)
                    for a, b in itertools.pairwise(events)
                    if a.kind == "contact" and b.kind == "toe_off"
                ]
                times = speed_contacts(track, side, stances, direction, points=((point,),))
                errors += [
                    t - c for t, (c, _) in zip(times, stances, strict=True) if np.isfinite(t)
                ]
            assert len(errors) >= 10
            found.append(float(np.mean(errors)))
    assert np.ptp(means["heel"]) < 0.005
    assert np.ptp(means["foot_index"]) < 0.005
