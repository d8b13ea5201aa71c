"""Tests of the synthetic runner: timing, ground contact, geometry, truth and degradations.

The checks recompute everything from the pixel track with code written here (image
convention, direction of travel), independent of the generator's own runner-frame maths.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from runform.errors import OptionError
from runform.keypoints import BLAZEPOSE_33
from runform.synthetic import Asymmetry, RunnerSpec, SyntheticRun, synthetic_runner
from runform.synthetic.body import _REF_LEG_M, _SETTLE_S, _SETTLE_SINK_M

DENSE_FPS = 4000.0


# ---------------------------------------------------------------------------- helpers


def _pt(run: SyntheticRun, name: str, clean: bool = True) -> np.ndarray:
    track = run.clean_track if clean else run.track
    return track.point(name)


def _seg_angle(prox: np.ndarray, dist: np.ndarray, direction: int) -> np.ndarray:
    """Angle of prox→dist against the downward image vertical, + when dist is ahead."""
    d = dist - prox
    return np.degrees(np.arctan2(direction * d[:, 0], d[:, 1]))


def _angles(run: SyntheticRun, side: str) -> dict[str, np.ndarray]:
    direction = run.truth["direction"]
    hip, knee, ankle = (_pt(run, f"{side}_{p}") for p in ("hip", "knee", "ankle"))
    thigh = _seg_angle(hip, knee, direction)
    shank = _seg_angle(knee, ankle, direction)
    return {"thigh": thigh, "shank": shank, "knee": thigh - shank}


def _events(run: SyntheticRun, side: str, kind: str) -> np.ndarray:
    return np.array([e.time_s for e in run.events if e.side == side and e.kind == kind])


def _stances(run: SyntheticRun, side: str) -> list[tuple[float, float]]:
    """(contact, toe-off) pairs of one side, both inside the track."""
    contacts, toe_offs = _events(run, side, "contact"), _events(run, side, "toe_off")
    out = []
    for tc in contacts:
        later = toe_offs[toe_offs > tc]
        if later.size:
            out.append((float(tc), float(later[0])))
    return out


def _at(run: SyntheticRun, series: np.ndarray, t: float) -> float:
    return float(np.interp(t, run.clean_track.time, series))


def _window(run: SyntheticRun, series: np.ndarray, t0: float, t1: float) -> np.ndarray:
    time_s = run.clean_track.time
    return series[(time_s >= t0) & (time_s <= t1)]


@pytest.fixture(scope="module")
def dense() -> SyntheticRun:
    """Default runner, noiseless, sampled densely enough to recompute truth from pixels."""
    return synthetic_runner(fps=DENSE_FPS, duration_s=2.2, seed=3)


# ---------------------------------------------------------------------------- timing


@pytest.mark.parametrize("cadence, duty", [(170.0, 0.36), (160.0, 0.38), (184.0, 0.33)])
def test_events_alternate_with_requested_cadence_and_duty(cadence: float, duty: float) -> None:
    run = synthetic_runner(RunnerSpec(cadence_spm=cadence, duty_factor=duty), fps=120, seed=1)
    contacts = [e for e in run.events if e.kind == "contact"]
    sides = [e.side for e in contacts]
    assert all(a != b for a, b in itertools.pairwise(sides)), "contacts must alternate"
    step = np.diff([e.time_s for e in contacts])
    np.testing.assert_allclose(step, 60.0 / cadence, atol=1e-9)
    for side in ("left", "right"):
        stances = _stances(run, side)
        assert len(stances) >= 10
        contact_times = np.array([to - tc for tc, to in stances])
        np.testing.assert_allclose(contact_times, duty * 120.0 / cadence, atol=1e-9)
        # each toe-off comes before the other foot's next contact (a flight phase)
        other = _events(run, "left" if side == "right" else "right", "contact")
        for _, to in stances:
            later = other[other > to]
            if later.size:
                assert later[0] - to > 0.0
    truth = run.truth
    assert truth["cadence_spm"] == pytest.approx(cadence)
    assert truth["contact_time_ms"] == pytest.approx(1000 * duty * 120 / cadence)
    assert truth["duty_factor_pct"] == pytest.approx(100 * duty)
    assert truth["flight_time_ms"] == pytest.approx(60000 / cadence - 1000 * duty * 120 / cadence)


def test_event_frames_are_fractional_and_inside_the_track() -> None:
    run = synthetic_runner(fps=60, duration_s=5, seed=7)
    time_s = run.track.time
    np.testing.assert_allclose(np.diff(time_s), 1 / 60)
    assert time_s[0] == 0.0
    assert [e.time_s for e in run.events] == sorted(e.time_s for e in run.events)
    frames = np.array([e.frame for e in run.events])
    np.testing.assert_allclose(frames, np.array([e.time_s for e in run.events]) * 60, atol=1e-9)
    assert frames.min() >= 0 and frames.max() <= run.track.n_frames - 1
    # the gait phase is random: events do not land on frames
    assert np.all(np.abs(frames - np.round(frames)) > 1e-6)


# ---------------------------------------------------------------------------- ground contact


#: A right contact 1.3x the left's: the left foot swings while the hips ride low on the
#: long right stance (before its own pelvis, Model._own_pelvis, it dipped under the floor).
LONG_RIGHT_CONTACT = RunnerSpec(
    asymmetry=Asymmetry(contact_time=1.3), duty_factor=0.32, vertical_oscillation_m=0.10
)


#: A shuffle: the heel only 0.17 m up in swing. The foot hanging plantarflexed as at a full
#: heel recovery would put its toe 1-5 cm through the floor (before session 24 it did, and
#: the detector rightly read those dips as landings); the ankle flexes up instead.
SHUFFLE = RunnerSpec(heel_recovery_height_m=0.17)


@pytest.mark.parametrize(
    "spec",
    [
        RunnerSpec(foot_strike="rearfoot"),
        RunnerSpec(foot_strike="midfoot"),
        RunnerSpec(foot_strike="forefoot"),
        LONG_RIGHT_CONTACT,
        SHUFFLE,
    ],
    ids=["rearfoot", "midfoot", "forefoot", "long_right_contact", "shuffle"],
)
def test_foot_is_on_the_ground_exactly_in_stance_and_above_it_in_swing(spec: RunnerSpec) -> None:
    """The striking point lands first and the toe leaves last. For
    :data:`~runform.synthetic.body._SETTLE_S` after the contact the foot settles (its points
    sink by :data:`~runform.synthetic.body._SETTLE_SINK_M` as a shoe and heel pad compress,
    and it slides forward): the lowest point comes down to the ground without rising;
    from then to the toe-off it is exactly on it."""
    strike = spec.foot_strike
    run = synthetic_runner(spec, fps=DENSE_FPS, duration_s=1.6, seed=2)
    ground = run.truth["ground_y_px"]
    sink_px = _SETTLE_SINK_M * run.truth["px_per_m"] * run.truth["leg_length_m"] / _REF_LEG_M
    time_s = run.clean_track.time
    for side in ("left", "right"):
        heel_y, toe_y = _pt(run, f"{side}_heel")[:, 1], _pt(run, f"{side}_foot_index")[:, 1]
        lowest = np.maximum(heel_y, toe_y)  # image y grows downward
        # stance intervals, including ones cut by the start or end of the track
        ct = run.truth["contact_time_ms_by_side"][side] / 1000.0
        in_stance = np.zeros(time_s.size, bool)
        settling = np.zeros(time_s.size, bool)
        for tc in _events(run, side, "contact"):
            in_stance |= (time_s >= tc) & (time_s <= tc + ct)
            settling |= (time_s >= tc) & (time_s < tc + _SETTLE_S)
        for to in _events(run, side, "toe_off"):
            in_stance |= (time_s >= to - ct) & (time_s <= to)
            settling |= (time_s >= to - ct) & (time_s < to - ct + _SETTLE_S)
        for tc, to in _stances(run, side):
            # the striking point lands first, the toe leaves last
            just_after = (time_s > tc) & (time_s < tc + 0.004)
            just_before = (time_s > to - 0.004) & (time_s < to)
            if strike == "rearfoot":
                assert np.all(heel_y[just_after] > toe_y[just_after] + 1.0)
            if strike == "forefoot":
                assert np.all(toe_y[just_after] > heel_y[just_after] + 1.0)
            assert np.all(toe_y[just_before] == pytest.approx(ground, abs=1e-9))
            assert np.all(heel_y[just_before] < ground - 1.0)
            # settling: from the sink above the ground down to it, never rising
            settle = (time_s >= tc) & (time_s <= tc + _SETTLE_S)
            # (the first frame is up to a quarter of a millisecond after the contact)
            assert lowest[settle][0] == pytest.approx(ground - sink_px, abs=0.05 * sink_px)
            assert np.all(np.diff(lowest[settle]) >= -1e-9)
            assert lowest[settle][-1] == pytest.approx(ground, abs=1e-3)  # (the last frame)
        assert in_stance.sum() > 500
        np.testing.assert_allclose(lowest[in_stance & ~settling], ground, atol=1e-9)
        assert np.all(lowest[settling] <= ground + 1e-9)
        # swing: strictly above the ground, and well above it away from the events
        events = np.concatenate([_events(run, side, "contact"), _events(run, side, "toe_off")])
        gap = np.min(np.abs(time_s[:, None] - events[None, :]), axis=1)
        assert np.all(lowest[~in_stance] < ground)
        assert np.all(lowest[~in_stance & (gap > 0.03)] < ground - 0.005 * run.truth["px_per_m"])


def test_a_heel_recovery_too_low_for_the_toe_to_clear_the_ground_is_refused() -> None:
    with pytest.raises(OptionError, match="too low for this leg: its toe cannot clear"):
        synthetic_runner(RunnerSpec(heel_recovery_height_m=0.12), fps=60, duration_s=2)


def test_stance_foot_moves_back_at_belt_speed_on_a_treadmill(dense: SyntheticRun) -> None:
    ppm, speed = dense.truth["px_per_m"], dense.truth["speed_mps"]
    hip_x = 0.5 * (_pt(dense, "left_hip")[:, 0] + _pt(dense, "right_hip")[:, 0])
    assert np.ptp(hip_x) < 1e-9  # treadmill: the hips stay put
    time_s = dense.clean_track.time
    for side in ("left", "right"):
        heel_x = _pt(dense, f"{side}_heel")[:, 0]
        for tc, to in _stances(dense, side):
            flat = (time_s > tc + 0.25 * (to - tc)) & (time_s < tc + 0.5 * (to - tc))
            speed_px = np.diff(heel_x[flat]) / np.diff(time_s[flat])
            np.testing.assert_allclose(speed_px, -speed * ppm, rtol=1e-6)


def test_overground_hips_travel_and_the_stance_foot_stays_put() -> None:
    run = synthetic_runner(RunnerSpec(treadmill=False), fps=2000, duration_s=1.6, seed=4)
    ppm, speed = run.truth["px_per_m"], run.truth["speed_mps"]
    time_s = run.clean_track.time
    hip_x = 0.5 * (_pt(run, "left_hip")[:, 0] + _pt(run, "right_hip")[:, 0])
    np.testing.assert_allclose(np.diff(hip_x) / np.diff(time_s), speed * ppm, rtol=1e-9)
    for tc, to in _stances(run, "left"):
        flat = (time_s > tc + 0.25 * (to - tc)) & (time_s < tc + 0.5 * (to - tc))
        assert np.ptp(_pt(run, "left_heel")[flat, 0]) < 1e-6


def test_motion_is_smooth_through_every_event() -> None:
    """C1: no velocity jumps anywhere (a jump of 0.1 m/s would show between two samples)."""
    fps = 20000.0
    run = synthetic_runner(fps=fps, duration_s=1.0, seed=5)
    vel = np.diff(run.clean_track.xy, axis=0) * fps / run.truth["px_per_m"]
    assert np.max(np.abs(np.diff(vel, axis=0))) < 0.05


# ---------------------------------------------------------------------------- geometry


def test_facing_left_mirrors_x_only() -> None:
    right = synthetic_runner(RunnerSpec(facing="right"), fps=60, duration_s=3, seed=9)
    left = synthetic_runner(RunnerSpec(facing="left"), fps=60, duration_s=3, seed=9)
    width = right.track.meta.width
    assert width == left.track.meta.width
    np.testing.assert_allclose(left.track.xy[..., 0], width - right.track.xy[..., 0], atol=1e-9)
    np.testing.assert_allclose(left.track.xy[..., 1], right.track.xy[..., 1], atol=1e-9)
    assert left.truth["direction"] == -1 and right.truth["direction"] == 1
    # the runner moves its toes ahead of its heels in the direction it faces
    for run, sign in ((right, 1), (left, -1)):
        ahead = sign * (_pt(run, "left_foot_index")[:, 0] - _pt(run, "left_heel")[:, 0])
        assert np.median(ahead) > 0
        nose_ahead = sign * (_pt(run, "nose")[:, 0] - _pt(run, "left_ear")[:, 0])
        assert np.all(nose_ahead > 0)


def test_segment_lengths_are_rigid(dense: SyntheticRun) -> None:
    spec, ppm = dense.spec, dense.truth["px_per_m"]
    for side in ("left", "right"):
        thigh = np.linalg.norm(_pt(dense, f"{side}_knee") - _pt(dense, f"{side}_hip"), axis=1)
        shank = np.linalg.norm(_pt(dense, f"{side}_ankle") - _pt(dense, f"{side}_knee"), axis=1)
        np.testing.assert_allclose(thigh, spec.thigh_m * ppm, rtol=1e-9)
        np.testing.assert_allclose(shank, spec.shank_m * ppm, rtol=1e-9)
        knee = _angles(dense, side)["knee"]
        assert knee.min() > 0.0  # the knee never hyper-extends


SPECS = {
    "default": RunnerSpec(),
    "forefoot_facing_left": RunnerSpec(foot_strike="forefoot", facing="left"),
    "asymmetric": RunnerSpec(
        asymmetry=Asymmetry(touchdown_distance=1.25, contact_time=1.06, heel_recovery_height=0.85)
    ),
    "overstride_fast": RunnerSpec(
        cadence_spm=176, speed_mps=3.8, duty_factor=0.34, touchdown_distance_m=0.28
    ),
}


@pytest.mark.parametrize("name", list(SPECS))
def test_truth_matches_a_direct_recomputation_from_pixels(name: str) -> None:
    run = synthetic_runner(SPECS[name], fps=DENSE_FPS, duration_s=2.0, seed=11)
    truth, ppm, leg = run.truth, run.truth["px_per_m"], run.spec.leg_length_m
    direction = truth["direction"]
    time_s = run.clean_track.time
    hip_mid = 0.5 * (_pt(run, "left_hip") + _pt(run, "right_hip"))
    for side in ("left", "right"):
        ang = _angles(run, side)
        thigh, shank, knee = ang["thigh"], ang["shank"], ang["knee"]
        stances = _stances(run, side)
        contacts = _events(run, side, "contact")
        assert stances
        for tc, to in stances:
            assert _at(run, thigh, tc) == pytest.approx(
                truth["thigh_flexion_contact_deg"][side], abs=0.02
            )
            assert _at(run, knee, tc) == pytest.approx(
                truth["knee_flexion_contact_deg"][side], abs=0.02
            )
            assert _at(run, shank, tc) == pytest.approx(
                truth["shank_angle_contact_deg"][side], abs=0.02
            )
            ahead = direction * (_pt(run, f"{side}_ankle")[:, 0] - hip_mid[:, 0]) / ppm
            assert 100 * _at(run, ahead, tc) / leg == pytest.approx(
                truth["touchdown_distance_pct"][side], abs=0.01
            )
            assert _window(run, knee, tc, to).max() == pytest.approx(
                truth["knee_flexion_stance_peak_deg"][side], abs=0.02
            )
            drive_mean = (_at(run, thigh, tc) - _at(run, thigh, to)) / (to - tc)
            assert drive_mean == pytest.approx(truth["drive_mean_deg_s"][side], rel=1e-3)
            rate = np.gradient(thigh, time_s)
            assert (-_window(run, rate, tc, to)).max() == pytest.approx(
                truth["drive_peak_deg_s"][side], rel=0.01
            )
            next_same = contacts[contacts > tc]
            if next_same.size:
                ts = float(next_same[0])
                assert -_window(run, thigh, tc, ts).min() == pytest.approx(
                    truth["thigh_extension_deg"][side], abs=0.02
                )
                assert _window(run, knee, to, ts).max() == pytest.approx(
                    truth["knee_flexion_swing_peak_deg"][side], abs=0.02
                )
                heel_hip = np.linalg.norm(
                    _pt(run, f"{side}_heel") - _pt(run, f"{side}_hip"), axis=1
                )
                assert _window(run, heel_hip, to, ts).min() / (ppm * leg) == pytest.approx(
                    truth["heel_recovery_ratio"][side], abs=1e-4
                )
    # whole-body values
    trunk_vec = 0.5 * (_pt(run, "left_shoulder") + _pt(run, "right_shoulder")) - hip_mid
    trunk = np.degrees(np.arctan2(direction * trunk_vec[:, 0], -trunk_vec[:, 1]))
    contacts_all = sorted((e.time_s, e.side) for e in run.events if e.kind == "contact")
    whole_steps = _window(run, trunk, contacts_all[0][0], contacts_all[-1][0])
    assert whole_steps.mean() == pytest.approx(truth["trunk_lean_deg"], abs=0.01)
    # bounce: mean of the left-to-right and right-to-left steps
    bounce: dict[str, list[float]] = {"left": [], "right": []}
    for (a, side), (b, _) in itertools.pairwise(contacts_all):
        bounce[side].append(np.ptp(_window(run, hip_mid[:, 1], a, b)) / ppm)
    vertical = 0.5 * (np.mean(bounce["left"]) + np.mean(bounce["right"]))
    assert vertical == pytest.approx(truth["vertical_oscillation_m"], abs=2e-4)
    assert 100 * vertical / leg == pytest.approx(truth["vertical_oscillation_pct"], abs=0.03)


def test_spec_values_are_realised(dense: SyntheticRun) -> None:
    spec, truth = dense.spec, dense.truth
    for side in ("left", "right"):
        assert truth["knee_flexion_contact_deg"][side] == pytest.approx(
            spec.knee_flexion_contact_deg, abs=1e-6
        )
        assert truth["knee_flexion_toe_off_deg"][side] == pytest.approx(
            spec.knee_flexion_toe_off_deg, abs=1e-6
        )
    assert truth["vertical_oscillation_m"] == pytest.approx(spec.vertical_oscillation_m, abs=2e-4)
    assert truth["trunk_lean_deg"] == pytest.approx(spec.trunk_lean_deg, abs=0.01)


def test_explicit_touchdown_distance_is_the_ankle_ahead_of_its_hip() -> None:
    spec = RunnerSpec(touchdown_distance_m=0.25, asymmetry=Asymmetry(touchdown_distance=1.2))
    run = synthetic_runner(spec, fps=DENSE_FPS, duration_s=1.5, seed=6)
    ppm = run.truth["px_per_m"]
    for side, expected in (("left", 0.25), ("right", 0.30)):
        ahead = (_pt(run, f"{side}_ankle")[:, 0] - _pt(run, f"{side}_hip")[:, 0]) / ppm
        for tc in _events(run, side, "contact"):
            assert _at(run, ahead, tc) == pytest.approx(expected, abs=1e-5)


def test_a_longer_stance_of_one_leg_leaves_the_other_foots_swing_as_it_was() -> None:
    """A longer right stance holds the hips low while the left foot swings. From its lift
    off the ground to its next contact the left foot's path is the one it has when both legs
    match; only its knee, hung from the real hips, differs. (Its push-off does change: how
    fast the foot rolls off the toe is set by the launch to the other foot's landing.)"""
    from dataclasses import replace

    from runform.synthetic.model import Model

    def left_foot(spec: RunnerSpec) -> tuple[np.ndarray, np.ndarray]:
        model = Model(spec, 0.1, 4.0)
        leg = model.legs["left"]
        lift = leg.swing.knots[1]  # the lift knot: the toe is off the ground
        t = leg.first_contact + leg.stride + np.linspace(lift, leg.stride, 3001)
        points = model.foot_points(leg, t)
        knee = model.points(t)["left_knee"]
        return np.concatenate([points["heel"], points["foot_index"]], axis=1), knee

    foot, knee = left_foot(LONG_RIGHT_CONTACT)
    even_foot, even_knee = left_foot(replace(LONG_RIGHT_CONTACT, asymmetry=Asymmetry()))
    np.testing.assert_allclose(foot, even_foot, rtol=0, atol=1e-9)
    assert np.abs(knee - even_knee).max() > 0.005  # the knee takes up the lower hips


@pytest.mark.parametrize(
    "asymmetry",
    [Asymmetry(contact_time=0.8), Asymmetry(contact_time=1.2, touchdown_distance=1.15)],
    ids=["short_right_contact", "long_right_contact_landing_ahead"],
)
def test_asymmetric_runners_whose_own_reference_is_out_of_reach_are_still_made(
    asymmetry: Asymmetry,
) -> None:
    # a right contact 0.8x the left: a runner with both legs that short cannot bounce as
    # little as 8 cm, so the right swing's reference bounces as little as it can; a long
    # right contact landing further ahead: the right leg cannot reach its reference path
    # from the real hips, so it is posed from them
    run = synthetic_runner(RunnerSpec(asymmetry=asymmetry), fps=60, duration_s=2, seed=0)
    by_side = run.truth["contact_time_ms_by_side"]
    assert by_side["right"] == pytest.approx(asymmetry.contact_time * by_side["left"])
    assert np.isfinite(run.track.xy).all()


def test_asymmetry_shows_on_the_right_side_only() -> None:
    base = synthetic_runner(fps=60, duration_s=2, seed=0).truth
    asym = synthetic_runner(
        RunnerSpec(asymmetry=Asymmetry(contact_time=1.08, heel_recovery_height=0.8)),
        fps=60,
        duration_s=2,
        seed=0,
    ).truth
    by_side = asym["contact_time_ms_by_side"]
    assert by_side["right"] == pytest.approx(1.08 * by_side["left"])
    assert by_side["left"] == pytest.approx(base["contact_time_ms"])
    # lower heel recovery on the right: less swing knee flexion, heel further from the hip
    assert (
        asym["knee_flexion_swing_peak_deg"]["right"]
        < asym["knee_flexion_swing_peak_deg"]["left"] - 5
    )
    assert asym["heel_recovery_ratio"]["right"] > asym["heel_recovery_ratio"]["left"] + 0.03


def test_heel_recovery_height_drives_swing_knee_flexion() -> None:
    heights = [0.38, 0.48, 0.58]
    truths = [
        synthetic_runner(RunnerSpec(heel_recovery_height_m=h), fps=30, duration_s=1).truth
        for h in heights
    ]
    knee = [t["knee_flexion_swing_peak_deg"]["left"] for t in truths]
    ratio = [t["heel_recovery_ratio"]["left"] for t in truths]
    assert knee[0] < knee[1] < knee[2]
    assert ratio[0] > ratio[1] > ratio[2]


def test_bounce_and_trunk_lean_follow_the_spec() -> None:
    low = synthetic_runner(RunnerSpec(vertical_oscillation_m=0.065), fps=30, duration_s=1).truth
    high = synthetic_runner(RunnerSpec(vertical_oscillation_m=0.11), fps=30, duration_s=1).truth
    assert low["vertical_oscillation_m"] == pytest.approx(0.065, abs=3e-4)
    assert high["vertical_oscillation_m"] == pytest.approx(0.11, abs=3e-4)
    # more bounce = deeper knee bend in stance
    assert (
        high["knee_flexion_stance_peak_deg"]["left"]
        > low["knee_flexion_stance_peak_deg"]["left"] + 5
    )
    back = synthetic_runner(RunnerSpec(trunk_lean_deg=-4.0), fps=30, duration_s=1).truth
    assert back["trunk_lean_deg"] == pytest.approx(-4.0, abs=0.01)


def test_default_runner_is_physiologically_plausible() -> None:
    truth = synthetic_runner(fps=120).truth
    left = {k: v["left"] for k, v in truth.items() if isinstance(v, dict)}
    assert 230 <= truth["contact_time_ms"] <= 280
    assert 20 <= left["thigh_extension_deg"] <= 28
    assert 15 <= left["knee_flexion_contact_deg"] <= 25
    assert 37 <= left["knee_flexion_stance_peak_deg"] <= 55
    assert 90 <= left["knee_flexion_swing_peak_deg"] <= 115
    assert 15 <= left["thigh_flexion_contact_deg"] <= 35
    assert -2 <= left["shank_angle_contact_deg"] <= 10
    assert 5 <= left["touchdown_distance_pct"] <= 25
    assert 0.35 <= left["heel_recovery_ratio"] <= 0.75
    assert left["drive_peak_deg_s"] >= 250 and left["drive_mean_deg_s"] >= 150
    assert 4 <= truth["vertical_oscillation_pct"] <= 10


# ---------------------------------------------------------------------------- the track


def test_track_layout_and_include() -> None:
    run = synthetic_runner(fps=30, duration_s=2)
    names = run.track.keypoints
    assert set(names) <= set(BLAZEPOSE_33)
    assert list(names) == [n for n in BLAZEPOSE_33 if n in names]  # BlazePose order
    for part in ("hip", "knee", "ankle", "heel", "foot_index", "shoulder", "elbow", "wrist"):
        assert f"left_{part}" in names and f"right_{part}" in names
    meta = run.track.meta
    assert meta.source == "synthetic" and meta.units == "px" and meta.fps == 30.0
    assert np.all(np.isfinite(run.track.xy))
    assert np.all((run.track.xy[..., 1] > 0) & (run.track.xy[..., 1] <= meta.height))
    bare = synthetic_runner(fps=30, duration_s=2, include=("shoulders",))
    assert set(bare.track.keypoints) == {
        f"{s}_{p}" for s in ("left", "right") for p in ("hip", "knee", "ankle", "shoulder")
    }
    # the same geometry whatever is included
    np.testing.assert_array_equal(bare.track.point("left_knee"), run.track.point("left_knee"))


def test_far_side_scores_are_lower() -> None:
    for facing, far, near in (("right", "left", "right"), ("left", "right", "left")):
        run = synthetic_runner(RunnerSpec(facing=facing), fps=60, duration_s=3)
        for part in ("knee", "ankle", "heel"):
            far_score = run.track.point_score(f"{far}_{part}")
            near_score = run.track.point_score(f"{near}_{part}")
            assert np.mean(far_score) < np.mean(near_score) - 0.05
        assert np.all((run.track.score > 0) & (run.track.score < 1))


# ---------------------------------------------------------------------------- degradations


def test_noise_has_the_requested_spread() -> None:
    run = synthetic_runner(fps=120, duration_s=10, noise_px=3.0, seed=12)
    resid = run.track.xy - run.clean_track.xy
    assert np.std(resid) == pytest.approx(3.0, rel=0.03)
    assert abs(np.mean(resid)) < 0.05
    quiet = synthetic_runner(fps=120, duration_s=10, seed=12)
    np.testing.assert_array_equal(quiet.track.xy, quiet.clean_track.xy)


def test_dropouts_are_short_nan_runs_with_low_scores() -> None:
    fps = 120.0
    run = synthetic_runner(fps=fps, duration_s=10, dropout_frac=0.05, seed=13)
    missing = np.isnan(run.track.xy[..., 0])
    np.testing.assert_array_equal(missing, run.dropped)
    assert np.all(np.isnan(run.track.xy[..., 1]) == missing)
    assert missing.mean() == pytest.approx(0.05, abs=1e-3)
    assert np.all(run.track.score[missing] < 0.2)
    np.testing.assert_array_equal(run.track.xy[~missing], run.clean_track.xy[~missing])
    for k in range(missing.shape[1]):
        col = np.concatenate([[0], missing[:, k].astype(int), [0]])
        starts, stops = np.flatnonzero(np.diff(col) == 1), np.flatnonzero(np.diff(col) == -1)
        if starts.size:
            assert np.median(stops - starts) <= 0.06 * fps
    # more of them on the far-side leg (left, facing right)
    names = run.track.keypoints
    far = np.mean([missing[:, names.index(f"left_{p}")].mean() for p in ("knee", "ankle")])
    near = np.mean([missing[:, names.index(f"right_{p}")].mean() for p in ("knee", "ankle")])
    assert far > near


def test_swap_segments_swap_every_left_right_pair() -> None:
    run = synthetic_runner(fps=60, duration_s=10, swap_segments=3, seed=14)
    assert len(run.swaps) == 3
    names = run.track.keypoints
    swapped = np.zeros(run.track.n_frames, bool)
    for start, stop in run.swaps:
        assert 0 <= start < stop <= run.track.n_frames
        assert not swapped[start:stop].any(), "swap runs must not overlap"
        swapped[start:stop] = True
        assert 0.1 <= (stop - start) / 60 <= 0.65
    for name in names:
        if not name.startswith("left_"):
            continue
        other = "right_" + name[5:]
        left, right = run.track.point(name), run.track.point(other)
        np.testing.assert_array_equal(left[swapped], run.clean_track.point(other)[swapped])
        np.testing.assert_array_equal(right[swapped], run.clean_track.point(name)[swapped])
        np.testing.assert_array_equal(left[~swapped], run.clean_track.point(name)[~swapped])
    np.testing.assert_array_equal(run.track.point("nose"), run.clean_track.point("nose"))


def test_same_seed_same_run_other_seed_other_run() -> None:
    kwargs = dict(fps=60, duration_s=4, noise_px=1.5, dropout_frac=0.03, swap_segments=2)
    a, b = synthetic_runner(seed=21, **kwargs), synthetic_runner(seed=21, **kwargs)
    np.testing.assert_array_equal(a.track.xy, b.track.xy)
    np.testing.assert_array_equal(a.track.score, b.track.score)
    assert a.events == b.events and a.swaps == b.swaps
    c = synthetic_runner(seed=22, **kwargs)
    assert c.events[0].time_s != a.events[0].time_s
    assert not np.array_equal(np.nan_to_num(c.track.xy), np.nan_to_num(a.track.xy))
    # the truth does not depend on sampling or seed
    for key in ("thigh_extension_deg", "knee_flexion_swing_peak_deg"):
        assert c.truth[key]["left"] == pytest.approx(a.truth[key]["left"], abs=1e-3)


# ---------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    "kwargs",
    [
        {"spec": RunnerSpec(duty_factor=0.55)},
        {"spec": RunnerSpec(foot_strike="heel")},  # type: ignore[arg-type]
        {"spec": RunnerSpec(foot_strike="forefoot", foot_angle_contact_deg=10.0)},
        {"spec": RunnerSpec(touchdown_distance_m=0.12)},  # the foot ends out of reach
        {"spec": RunnerSpec(vertical_oscillation_m=0.01)},
        {"spec": RunnerSpec(heel_recovery_height_m=1.5)},
        {"fps": 0},
        {"noise_px": -1.0},
        {"dropout_frac": 1.0},
        {"swap_segments": 1000, "duration_s": 1.0},
        {"include": ("tail",)},
        {"seed": -3},
    ],
)
def test_bad_options_raise_option_error(kwargs: dict) -> None:
    with pytest.raises(OptionError):
        synthetic_runner(**{"fps": 30, "duration_s": 2, **kwargs})


def test_a_long_degraded_run_has_every_frame() -> None:
    run = synthetic_runner(fps=240, duration_s=10, noise_px=2, dropout_frac=0.02, swap_segments=2)
    assert run.track.n_frames == 2400
    assert np.isfinite(run.track.xy).mean() > 0.95  # dropouts are short and few


@pytest.mark.parametrize("cadence, duty", [(170.0, 0.36), (160.0, 0.38), (184.0, 0.33)])
def test_the_hips_are_defined_at_every_landing(cadence: float, duty: float) -> None:
    """Every time is in one leg's stance or flight, also exactly on a landing, where the
    stride's end and the next contact meet (a time there used to fall between them, and
    the hip height was whatever the memory held: the swing check then failed now and then
    on a spec 5 mm inside the leg's reach)."""
    from runform.synthetic.model import Model

    spec = RunnerSpec(cadence_spm=cadence, duty_factor=duty)
    model = Model(spec, first_contact=0.1234, duration_s=4.0)
    for leg in model.legs.values():
        landings = leg.first_contact + leg.stride * np.arange(1, 8)
        ends = landings - leg.stride + leg.contact + leg.flight  # the other foot lands
        for t in (landings, ends):
            z = model.pelvis(t)[:, 1]
            near = model.pelvis(np.concatenate([t - 1e-6, t + 1e-6]))[:, 1]
            assert np.all(np.isfinite(z))
            # continuous: within a micrometre of the heights a microsecond either side
            assert np.all(np.abs(z - near[: len(t)]) < 1e-6)
            assert np.all(np.abs(z - near[len(t) :]) < 1e-6)
