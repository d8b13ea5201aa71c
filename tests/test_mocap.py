"""The mocap -> side-view harness (``bench/mocap.py``): rigid bodies (``rigid_body``),
truth (``force_truth``), checks (``harness_checks``), keypoints (``mocap_keypoints``).

Pure tests run everywhere; those that build the real trials skip when ``../shared/data`` is
absent (Fukuchi et al. 2017, CC BY 4.0; Hamner & Delp 2013 via Fox 2024).
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "bench"))

import force_truth  # noqa: E402
import harness_checks  # noqa: E402
import mocap  # noqa: E402
import mocap_keypoints  # noqa: E402
import rigid_body  # noqa: E402

HAVE_ALL = (SHARED / "hamner2013" / "subject08").is_dir() and (
    SHARED / "fukuchi_rbds002" / "RBDS002runT45forces.txt"
).is_file()
needs_data = pytest.mark.skipif(
    not HAVE_ALL, reason=f"force-plate running data not found in {SHARED}"
)


def _rotation(ax: float, ay: float, az: float) -> np.ndarray:
    cx, sx, cy, sy, cz, sz = np.cos(ax), np.sin(ax), np.cos(ay), np.sin(ay), np.cos(az), np.sin(az)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


# ----------------------------------------------------------------------------- rigid bodies
def test_rigid_fit_recovers_known_rotation_and_translation():
    rng = np.random.default_rng(3)
    ref = rng.normal(size=(5, 3))
    rots = np.stack([_rotation(*rng.uniform(-2, 2, 3)) for _ in range(20)])
    trans = rng.normal(size=(20, 3))
    cur = np.einsum("tij,mj->tmi", rots, ref) + trans[:, None, :]
    r, t = rigid_body.rigid_fit(ref, cur)
    assert np.allclose(r, rots, atol=1e-9)
    assert np.allclose(t, trans, atol=1e-9)
    assert np.allclose(np.linalg.det(r), 1.0)


def _moving_cluster(n: int = 50):
    """A 4-marker cluster and a target point moved by a known rigid motion per frame."""
    ref = {
        "a": np.array([0.0, 0, 0]),
        "b": np.array([0.15, 0, 0]),
        "c": np.array([0, 0.1, 0]),
        "d": np.array([0, 0, 0.1]),
    }
    target = np.array([0.05, -0.3, 0.02])
    rots = np.stack([_rotation(0.01 * k, 0.02 * k, -0.015 * k) for k in range(n)])
    trans = np.stack([np.array([0.01 * k, 0.5, -0.002 * k]) for k in range(n)])
    running = {m: np.einsum("tij,j->ti", rots, p) + trans for m, p in ref.items()}
    truth = np.einsum("tij,j->ti", rots, target) + trans
    return ref, running, target, truth


def test_carry_points_places_a_static_point_in_every_frame():
    ref, running, target, truth = _moving_cluster()
    res = rigid_body.carry_points(ref, running, ("a", "b", "c", "d"), {"p": target})
    assert np.allclose(res.points["p"], truth, atol=1e-9)
    assert res.frames_lost == 0 and np.nanmax(res.residual_m) < 1e-9


def test_carry_points_drops_a_marker_that_leaves_the_cluster():
    """A gap filled with a ramp that leaves the body: the frame is fitted without it."""
    ref, running, target, truth = _moving_cluster()
    running["d"] = running["d"].copy()
    running["d"][20:30] += np.linspace(0.03, 0.06, 10)[:, None] * np.array([1.0, 1.0, 0.0])
    res = rigid_body.carry_points(ref, running, ("a", "b", "c", "d"), {"p": target})
    assert res.frames_refitted == 10
    assert np.allclose(res.points["p"], truth, atol=1e-9)


def test_carry_points_with_too_few_markers_is_missing():
    ref, running, target, _ = _moving_cluster()
    for m in ("b", "c"):
        running[m] = running[m].copy()
        running[m][5:8] = np.nan
    res = rigid_body.carry_points(ref, running, ("a", "b", "c", "d"), {"p": target})
    assert np.isnan(res.points["p"][5:8]).all()
    assert np.isfinite(res.points["p"][:5]).all()


def test_label_swap_is_found_and_undone():
    ref, running, _, _ = _moving_cluster()
    original_b = running["b"].copy()
    running["b"], running["c"] = running["c"].copy(), running["b"].copy()
    swaps = rigid_body.fix_label_swaps(ref, running, ("a", "b", "c", "d"))
    assert swaps == [("b", "c")]
    assert np.allclose(running["b"], original_b)
    assert rigid_body.fix_label_swaps(ref, running, ("a", "b", "c", "d")) == []


def test_lab_axes_from_a_lab_with_z_up_and_travel_along_minus_y():
    """Pelvis above the feet along +Z, ASIS ahead of PSIS along -Y."""
    n = 10
    markers = {
        "ASIS": np.tile([0.0, -0.1, 1.0], (n, 1)),
        "PSIS": np.tile([0.0, 0.1, 1.05], (n, 1)),
        "FOOT": np.tile([0.0, 0.0, 0.05], (n, 1)),
    }
    axes = rigid_body.lab_axes(markers, ["ASIS"], ["PSIS"], ["FOOT"])
    fwd, up, right = axes @ np.array([0.0, -1.0, 0.0]), axes @ np.array([0, 0, 1.0]), None
    assert np.allclose(fwd, [1, 0, 0]) and np.allclose(up, [0, 1, 0])
    assert np.isclose(np.linalg.det(axes), 1.0)
    assert right is None


# ----------------------------------------------------------------------------- truth
def _force_curve(rate: float = 1000.0, floor: float = 0.0):
    """Two feet alternating, half-sine stances with known on/off times."""
    t = np.arange(0.0, 2.0, 1.0 / rate)
    stances = {"right": [(0.2, 0.45), (1.0, 1.25)], "left": [(0.6, 0.85), (1.4, 1.65)]}
    forces = {}
    for side, items in stances.items():
        f = np.zeros_like(t)
        for on, off in items:
            sel = (t > on) & (t < off)
            f[sel] = 1600.0 * np.sin(np.pi * (t[sel] - on) / (off - on))
        if floor:
            f[f < floor] = 0.0
        forces[side] = f
    return t, forces, stances


def test_per_foot_truth_on_a_synthetic_force_curve():
    t, forces, stances = _force_curve()
    for side, f in forces.items():
        found = force_truth.above_intervals(t, f, 20.0, 800.0)
        assert len(found) == len(stances[side])
        for (on, off), (a, b) in zip(stances[side], found, strict=True):
            # 20 N on a 1600 N half-sine of 250 ms is reached ~1 ms after the true edge
            lag = 0.25 / np.pi * np.arcsin(20.0 / 1600.0)
            assert a - on == pytest.approx(lag, abs=2e-4)
            assert off - b == pytest.approx(lag, abs=2e-4)
    events = force_truth.events_from_stances(
        [
            (s, a, b)
            for s, f in forces.items()
            for a, b in force_truth.above_intervals(t, f, 20, 800)
        ]
    )
    assert [e["side"] for e in events if e["kind"] == "contact"] == [
        "right",
        "left",
        "right",
        "left",
    ]


def _bouncing_pelvis(shift_s: float) -> tuple:
    """A runner's pelvis height (100 Hz) from Newton's law and the vertical force (1 kHz)
    that drives it, the force's clock moved by ``shift_s``; and its toe-offs."""
    g, mass, stride, stance = 9.81, 70.0, 0.36, 0.24  # one step: 0.36 s, contact 0.24 s
    t = np.arange(0.0, 6.0, 0.001)
    phase = np.mod(t, stride)
    on = phase < stance
    # half-sine stance force whose impulse carries the body weight over the step
    force = np.where(on, np.sin(np.pi * phase / stance), 0.0)
    force *= mass * g * stride / (force.sum() * 0.001 / (t[-1] / stride))
    acc = force / mass - g
    vel = np.cumsum(acc) * 0.001
    vel -= vel.mean()
    height = np.cumsum(vel) * 0.001
    marker_t = np.arange(0.0, 6.0, 0.01)
    pelvis = 0.9 + np.interp(marker_t, t, height - height.mean())
    toe_offs = np.arange(stance, 6.0, stride)
    return marker_t, pelvis, t + shift_s, force, toe_offs + shift_s


@pytest.mark.parametrize("shift_ms", [0.0, 15.0, -20.0])
def test_event_lag_recovers_a_known_shift_of_the_force_around_toe_off(shift_ms):
    marker_t, pelvis, force_t, force, toe_offs = _bouncing_pelvis(shift_ms / 1000.0)
    lag = harness_checks.event_lag_ms(marker_t, pelvis, force_t, force, toe_offs)
    assert lag == pytest.approx(shift_ms, abs=2.0)
    whole = harness_checks.clock_lag_ms(marker_t, pelvis, force_t, force)
    assert whole == pytest.approx(shift_ms, abs=2.0)


def test_unloading_tail_is_the_time_over_the_forces_last_quarter():
    """A half-sine stance falls through a quarter of its peak asin(0.25)/pi of the stance
    before its end (19.3 ms of 240 ms); a force that ends in a slow linear tail (the last
    quarter of its peak spread over 50 ms) has a 50 ms tail."""
    t = np.arange(0.0, 3.0, 0.001)
    stance, stride = 0.24, 0.36
    phase = np.mod(t, stride)
    sine = np.where(phase < stance, 1500.0 * np.sin(np.pi * phase / stance), 0.0)
    events = []
    for start in np.arange(0.0, 2.9 - stride, stride):
        events += [
            {"side": "left", "kind": "contact", "time_s": start},
            {"side": "left", "kind": "toe_off", "time_s": start + stance},
        ]
    expected = 1000.0 * stance * np.arcsin(0.25) / np.pi
    assert harness_checks.unloading_tail_ms(t, sine, events) == pytest.approx(expected, abs=1.0)
    # peak 1500 N held, a drop to 375 N (a quarter) 50 ms before the end, then a linear tail
    ramp = np.where(
        phase < stance - 0.05,
        1500.0,
        np.clip(375.0 * (stance - phase) / 0.05, 0.0, None),
    )
    ramp = np.where(phase < stance, ramp, 0.0)
    assert harness_checks.unloading_tail_ms(t, ramp, events) == pytest.approx(50.0, abs=1.5)
    assert np.isnan(harness_checks.unloading_tail_ms(t, ramp, []))


def test_force_floor_is_read_from_the_data():
    _, forces, _ = _force_curve(floor=47.0)
    step = np.max(np.diff(forces["right"]))  # the most one sample can rise past the floor
    assert 47.0 <= force_truth.force_floor(forces["right"]) <= 47.0 + step
    # a plate that was never zeroed reads noise in flight, not zeros: no floor
    _, clean, _ = _force_curve()
    noisy = clean["right"] + np.random.default_rng(0).normal(0.0, 2.0, clean["right"].size)
    assert force_truth.force_floor(noisy) == 0.0


def test_toes_bend_to_stay_on_the_floor_but_no_further_than_the_limit():
    ball = np.array([[0.0, 0.0, 0.0], [0.0, 0.02, 0.0], [0.0, 0.06, 0.0]])
    # the foot pitched down 40 deg: the rigid tip (8 cm ahead) would sink under the floor
    pitch = np.radians(-40)
    rigid = ball + 0.08 * np.array([np.cos(pitch), np.sin(pitch), 0.0])
    tip = mocap_keypoints.hinge_toes(ball, rigid, max_bend_deg=30.0)
    assert np.allclose(np.linalg.norm(tip - ball, axis=1), 0.08)
    # on the floor while a bend of at most 30 deg reaches it ...
    assert tip[1, 1] == pytest.approx(0.0, abs=1e-12)
    # ... bent by exactly 30 deg when that is not enough (tip still under the floor here)
    bent = np.degrees(np.arctan2(tip[0, 1] - ball[0, 1], tip[0, 0] - ball[0, 0]))
    assert bent == pytest.approx(-10.0, abs=1e-9)
    lift = np.array([0.0, 0.2, 0.0])
    above = mocap_keypoints.hinge_toes(ball + lift, rigid + lift)
    assert np.allclose(above, rigid + lift)


# ----------------------------------------------------------------------------- real trials
@pytest.fixture(scope="module")
def trials():
    return mocap.load_trials()


@needs_data
def test_all_23_trials_build_with_checks(trials):
    assert len(trials) == 23
    assert len(mocap.runners(trials)) == 7
    for t in trials:
        c = t.checks
        n = {
            s: sum(e["kind"] == "contact" and e["side"] == s for e in t.events)
            for s in ("left", "right")
        }
        assert min(n.values()) >= 4, t.name
        contacts = [e["side"] for e in t.events if e["kind"] == "contact"]
        assert all(a != b for a, b in itertools.pairwise(contacts)), t.name
        assert c["residual_median_mm"] < 8.0, t.name
        assert abs(c["clock_lag_ms"]) <= 10.0, t.name
        assert abs(c["toe_off_lag_ms"]) < 40.0, t.name  # not at the search's edge
        # a quarter of the stance force is shed in 25-90 ms at 2-5 m/s
        assert 25.0 <= c["unloading_tail_ms"] <= 90.0, (t.name, c["unloading_tail_ms"])
        # the belt: measured from the stance foot, within 10 % of the label (the README warns
        # some "5 m/s" trials were run slower; they stay above 4.5 m/s)
        assert abs(t.belt_speed - t.speed_label) <= 0.1 * t.speed_label, t.name
    # keypoints are there where the clusters were: hamner04's left foot cluster (three
    # markers, no spare) loses half of its 4 m/s trial to gaps, which the checks report
    names = ("left_hip", "right_knee", "left_ankle", "right_heel", "left_foot_index")
    coverage = {
        (t.name, n): float(np.isfinite(t.points[n][:, 0]).mean()) for t in trials for n in names
    }
    assert min(coverage.values()) > 0.4, min(coverage.items(), key=lambda kv: kv[1])
    complete = [t for t in trials if all(coverage[(t.name, n)] > 0.95 for n in names)]
    assert len(complete) >= 20
    for t in trials:
        if any(coverage[(t.name, n)] < 0.95 for n in names):
            assert t.checks["frames_lost"] > 0, t.name


@needs_data
def test_hamners_force_unloads_when_the_body_does(trials):
    """Hamner's toe-offs sit ~20 ms from Fukuchi's against every kinematic witness. Were
    its force late at the end of stance (the authors' filter, the plate), the force would
    lag the pelvis around the toe-offs by that much; over its trials it does not (one
    trial's estimate spreads ~10 ms, so the median is read)."""
    lags = [t.checks["toe_off_lag_ms"] for t in trials if t.dataset == "hamner"]
    assert len(lags) == 20
    assert abs(np.median(lags)) <= 8.0, lags


@needs_data
def test_projection_is_a_side_view_of_the_trial(trials):
    t = next(x for x in trials if x.runner == "hamner02" and x.speed_label == 3)
    left = mocap.project(t, None, 0.0, "left")
    right = mocap.project(t, None, 0.0, "right")
    assert left.frame_rate == pytest.approx(120.0, rel=1e-3)
    # feet on the belt at y = 1000 px when standing on their soles
    heel_y = left.point("left_heel")[:, 1]
    assert np.nanmax(heel_y) == pytest.approx(mocap.GROUND_Y_PX, abs=0.03 * mocap.DEFAULT_PX_PER_M)
    # facing flips x about the frame centre and keeps y
    assert np.allclose(
        left.point("left_knee")[:, 1], right.point("left_knee")[:, 1], equal_nan=True
    )
    assert np.allclose(
        left.point("left_knee")[:, 0] + right.point("left_knee")[:, 0],
        mocap.FRAME_WIDTH,
        equal_nan=True,
    )
    sixty = mocap.project(t, 60.0, 8.0, "left", seed=1)
    assert sixty.frame_rate == pytest.approx(60.0, rel=1e-3)


@needs_data
def test_the_engine_measures_the_running_speed_on_every_trial(trials):
    """The levels follow the stance foot's speed under the hips, which the engine measures
    in the image; the truth is the belt's speed from the 3-D markers. hamner04 at 4 m/s has
    its left foot cluster lost for half the trial: a speed per foot read 2.9 leg lengths
    per second there, 0.64 of the belt (the left foot's few frames gave slopes of either
    sign), so both feet are pooled and a slope needs half of its frames. The image speed
    reads 2-9 % under the belt on every trial (the hips' own motion in mid-stance); the
    levels were calibrated on it as it reads."""
    from runform.gait.clean import clean_track
    from runform.gait.direction import detect_travel
    from runform.gait.events import FootClearanceDetector
    from runform.geometry import leg_length

    for t in trials:
        for facing in ("left", "right"):
            track = clean_track(mocap.project(t, None, 0.0, facing))[0]
            engine = FootClearanceDetector().detect(track, detect_travel(track).direction)
            metres_per_s = engine.running_speed_ * leg_length(track) / mocap.DEFAULT_PX_PER_M
            assert metres_per_s == pytest.approx(t.belt_speed, rel=0.1), (t.name, facing)


@needs_data
def test_events_of_a_force_zeroed_above_20_n_are_carried_down_to_it():
    """Some Hamner trials' forces were set to zero below 29-76 N, so their events are read
    just above that floor. Tried on full-force trials zeroed the same way (each corrected
    with the other runners' crossing delays only), the carried events land where the trial's
    own 20 N events are, where the uncorrected ones were up to ~13 ms (contact) and ~29 ms
    (toe-off) off."""
    import hamner_data

    check = hamner_data.floor_shift_check(SHARED)
    assert check["contact_uncorrected_ms"] > 10.0 and check["toe_off_uncorrected_ms"] > 20.0
    assert check["contact_median_ms"] <= 1.0 and check["contact_max_ms"] <= 3.0
    assert check["toe_off_median_ms"] <= 2.0 and check["toe_off_max_ms"] <= 8.0
    trial = next(t for t in mocap.load_trials(only=["hamner02"]) if t.speed_label == 2)
    assert trial.checks["threshold_n"] > 70.0  # this one's floor is 76 N
    shift_c, shift_t = trial.checks["floor_shift_ms"]
    assert -14.0 < shift_c < -8.0 and 15.0 < shift_t < 30.0
    assert "carried to 20 N" in trial.truth_method


def test_runners_added_to_the_data_are_found_without_a_code_change(tmp_path: Path):
    """The benchmark is checked on runners outside the seven: any Hamner subject folder and
    any Fukuchi runner laid out as their data sets lay them out is a trial (empty files
    here; only the names are read)."""
    import fukuchi_data
    import hamner_data

    def touch(*parts: str) -> None:
        path = tmp_path.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")

    for sub in ("05", "10"):
        touch("hamner2013", f"subject{sub}", "model", "static.trc")
        for run in (2, 3):
            touch("hamner2013", f"subject{sub}", "expData", f"Run_{run}.trc")
            touch("hamner2013", f"subject{sub}", "expData", f"Run_{run}_grf.mot")
    touch("hamner2013", "subject11", "expData", "Run_2.trc")  # no static trial: skipped
    touch("fukuchi_more", "RBDS010static.txt")
    touch("fukuchi_more", "RBDS010runT25.txt")
    touch("fukuchi_more", "RBDS010runT25forces.txt")
    touch("fukuchi_more", "RBDS010runT35markers.txt")  # markers only
    touch("fukuchi_more", "RBDS010processed.txt")
    found = [(s.runner, s.speed_label, s.run) for s in hamner_data.trials(tmp_path)]
    assert found == [
        ("hamner05", 2.0, 2),
        ("hamner05", 3.0, 3),
        ("hamner10", 2.0, 2),
        ("hamner10", 3.0, 3),
    ]
    with_forces = [
        (s.runner, s.speed_label, s.markers, s.forces) for s in fukuchi_data.trials(tmp_path)
    ]
    assert with_forces == [("RBDS010", 2.5, "RBDS010runT25.txt", "RBDS010runT25forces.txt")]
    everything = [(s.speed_label, s.forces) for s in fukuchi_data.trials(tmp_path, False)]
    assert everything == [(2.5, "RBDS010runT25forces.txt"), (3.5, None)]


@needs_data
def test_the_pace_measured_in_the_image_is_the_belts(trials):
    """Bands move with the pace, so the pace must be the runner's. Held against the 3-D
    belt speed of every trial: the image speed with the runner's own legs within 6 %, with a
    typical adult's legs within 15 % (these runners are tall), and the cadence estimate it
    replaced far worse; the image-to-belt factor fitted without any one runner stays within
    1.5 % of the shipped one."""
    import pace_estimate
    from runform.findings.pace import IMAGE_SPEED_FACTOR

    rows = pace_estimate.measure(trials)
    est = pace_estimate.estimates(rows)

    def errors(key: str) -> np.ndarray:
        return np.array([e[key] / e["belt"] - 1.0 for e in est])

    assert np.max(np.abs(errors("own_leg"))) <= 0.06
    assert np.max(np.abs(errors("typical_leg"))) <= 0.15
    rms = {k: float(np.sqrt(np.mean(errors(k) ** 2))) for k in ("own_leg", "from_cadence")}
    assert rms["from_cadence"] > 5 * rms["own_leg"]
    for runner, factor in pace_estimate.held_out_factors(rows).items():
        assert factor == pytest.approx(IMAGE_SPEED_FACTOR, rel=0.015), runner
