"""The whole engine (``analyze_track``) against the synthetic runner's known answers.

The synthetic runner (:mod:`runform.synthetic`) gives exact event times and metric values
measured on its noiseless geometry, so each tolerance below is a statement about the
engine, not about the test data. Tolerances, and why:

- **Events, 120–240 fps clean.** Contact and toe-off MAE ≤ 10 ms: the issue's target for
  150 Hz marker data. Clean synthetic data is no harder than that (its foot lands softly,
  at ~0.2 m/s over the last 5 ms, against ~0.5 m/s for a real heel), so the same bound
  applies; every true event wholly inside the track must be found, with no extra ones.
- **Cadence** is a ratio of many stride times: ≤ 0.5 % clean, ≤ 1 % at 30 fps with noise,
  swaps and dropouts (the issue's targets).
- **Angles at events** inherit the event error: a 10 ms error moves the knee by a few
  degrees near contact. Knee flexion at contact ±4° (less than the between-runner SD of
  4.0°, Heiderscheit 2011); thigh extension ±2° (a peak, insensitive to timing); trunk lean
  ±1°; touchdown distance ±3 % of leg (band 5–25 %); vertical oscillation ±0.5 % of leg
  (band 4–10 %); contact time ±20 ms (the sum of the two event tolerances, minus margin).
"""

from __future__ import annotations

import itertools
import json
import math
from functools import cache
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from runform.analysis import Analysis
from runform.evaluation import contact_time_errors, events_inside, match_events
from runform.gait.types import GaitEvent
from runform.pipeline import AnalysisOptions, analyze_track
from runform.synthetic import RunnerSpec, SyntheticRun, synthetic_runner

#: The synthetic foot settles on landing as real feet do: it slides forward and sinks for
#: 30 ms after the contact (``runform.synthetic.body._SETTLE_S``). Its heel falls under 5 %
#: of its late-swing speed 24 ms after the contact; the 36 force-plate runners' heels take
#: 22 ms (median, IQR 17-25; session 13, docs/decisions.md). The detector, calibrated on
#: those runners, times the synthetic contacts -7.1 to -4.2 ms from rearfoot to forefoot
#: (session 17; -6.4 to -3.5 when written, -5.2 to -2.3 in session 16): within the contact
#: error it states for a runner (5.5 ms RMS, ``ENGINE_EVENT_ERROR``) and two milliseconds.
#: The synthetic heel still arrives slower than real heels do (9 % of its late-swing speed
#: at contact against their 18 %), which is why it reads early; it moved 2 ms earlier in
#: session 17 because Hamner's force-plate contacts did (a smaller filter correction of
#: the truth, ``bench/hamner_filter.py``) and the detector was refitted to them. Accuracy
#: against real contacts is the force-plate benchmark's; the synthetic truth checks that
#: the bias stays this small and, above all, consistent (the spread).
CONTACT_BIAS_MS = (-8.0, 8.0)
#: Toe-off is averaged from the clearance, the knee (its peak extension and its flexion
#: past it) and the foot's pitch, with offsets calibrated on force-plate runners. The
#: synthetic knee straightens most 8 ms before toe-off, as real knees do (9 ms), but the
#: synthetic toe leaves the ground only at the toe-off itself. Since the calibration on 36
#: runners (session 13) the averaged toe-off comes 4-5 ms early (4-5 ms late before, on
#: seven runners' constants): within the toe-off error the product states faster than a
#: jog (10-13 ms RMS). Again the spread is what the synthetic truth checks.
TOE_OFF_LATE_MS = (-8.0, 8.0)
EVENT_SD_MS = 2.0
CONTACT_TIME_TOL_MS = 20.0
CADENCE_CLEAN_PCT = 0.5
CADENCE_DEGRADED_PCT = 1.0

#: per-side metric -> absolute tolerance (units of the metric)
SIDE_TOLERANCES = {
    "knee_flexion_contact_deg": 4.0,
    "thigh_extension_deg": 2.0,
    # measured at the detected contact (6 % before session 12, when contacts came 10-20 ms
    # early on this landing)
    "touchdown_distance_pct": 3.0,
    "knee_flexion_swing_peak_deg": 3.0,
    "thigh_flexion_contact_deg": 5.0,
    "heel_recovery_ratio": 0.03,
    # the drive: within 1 % at its peak; its mean is taken between the detected contact and
    # toe-off, so it carries their timing (4-5 °/s high, 2-3 %)
    "drive_peak_deg_s": 8.0,
    "drive_mean_deg_s": 8.0,
    "hip_extension_trunk_deg": 1.0,
    "thigh_flexion_swing_peak_deg": 1.0,
    "knee_flexion_stance_peak_deg": 1.5,
    # read at the detected contact: the shank rotates ~0.4 °/ms there (1.0-1.4° high)
    "shank_angle_contact_deg": 2.0,
    # each leg's timing against the run's one truth (ms, or points of duty factor): steps
    # and strides to a fraction of a frame; flight and duty factor carry the contact and
    # toe-off timing (flight 3-4 ms short on a rearfoot landing)
    "step_time_ms": 1.0,
    "stride_time_ms": 1.0,
    "flight_time_ms": 8.0,
    "duty_factor_pct": 1.0,
}
BODY_TOLERANCES = {"trunk_lean_deg": 1.0, "vertical_oscillation_pct": 0.5}


@cache
def analysed(
    fps: float = 120.0,
    noise_px: float = 0.0,
    facing: str = "right",
    seed: int = 1,
    swap_segments: int = 0,
    dropout_frac: float = 0.0,
    foot_strike: str = "rearfoot",
    duration_s: float = 12.0,
) -> tuple[SyntheticRun, Analysis]:
    """A synthetic run and its analysis (cached: several tests look at the same run)."""
    spec = RunnerSpec(facing=facing, foot_strike=foot_strike)  # type: ignore[arg-type]
    run = synthetic_runner(
        spec,
        fps=fps,
        duration_s=duration_s,
        noise_px=noise_px,
        swap_segments=swap_segments,
        dropout_frac=dropout_frac,
        seed=seed,
    )
    return run, analyze_track(run.track)


def inner_events(run: SyntheticRun, margin_s: float = 0.3) -> list[GaitEvent]:
    """True events of stances that lie wholly inside the track, ``margin_s`` from its ends."""
    return events_inside(run.events, run.track.time[0], run.track.time[-1], margin_s)


def inside(events, truth: list[GaitEvent], tolerance_s: float = 0.08) -> list:
    """Detected events within the span of the counted true events (± the tolerance)."""
    t0 = min(e.time_s for e in truth) - tolerance_s
    t1 = max(e.time_s for e in truth) + tolerance_s
    return [e for e in events if t0 <= e.time_s <= t1]


def side_truth(run: SyntheticRun, metric: str, side: str) -> float:
    """The run's truth of a per-leg metric: its own for each leg, or one for both legs (the
    timing metrics of a symmetric runner)."""
    true = run.truth[metric]
    return float(true[side] if isinstance(true, dict) else true)


def cadence_error_pct(run: SyntheticRun, analysis: Analysis) -> float:
    true = run.truth["cadence_spm"]
    return 100.0 * abs(analysis.summary["cadence_spm"] - true) / true


# ----------------------------------------------------------------------------- events
CLEAN_CASES = [
    pytest.param(240.0, "rearfoot", id="240fps-rearfoot"),
    pytest.param(120.0, "rearfoot", id="120fps-rearfoot"),
    pytest.param(120.0, "midfoot", id="120fps-midfoot"),
    pytest.param(120.0, "forefoot", id="120fps-forefoot"),
]


@pytest.mark.parametrize(("fps", "strike"), CLEAN_CASES)
def test_events_match_truth_at_high_frame_rates(fps: float, strike: str):
    run, analysis = analysed(fps=fps, foot_strike=strike)
    truth = inner_events(run)
    detected = inside(analysis.gait.events, truth)
    scores = match_events(detected, truth, tolerance_s=0.08)
    for kind in ("contact", "toe_off"):
        s = scores[kind]
        assert s.missed == 0, f"{kind}: {s.missed} of {s.n_true} true events missed"
        assert s.extra == 0, f"{kind}: {s.extra} extra detections"
    lo, hi = CONTACT_BIAS_MS
    assert lo <= scores["contact"].bias_ms <= hi, scores["contact"]
    assert scores["contact"].sd_ms <= EVENT_SD_MS, scores["contact"]
    lo, hi = TOE_OFF_LATE_MS
    assert lo <= scores["toe_off"].bias_ms <= hi, scores["toe_off"]
    assert scores["toe_off"].sd_ms <= EVENT_SD_MS, scores["toe_off"]


@pytest.mark.parametrize(("fps", "strike"), CLEAN_CASES[:2])
def test_contact_time_and_cadence_at_high_frame_rates(fps: float, strike: str):
    run, analysis = analysed(fps=fps, foot_strike=strike)
    ct = contact_time_errors(analysis.gait.steps, inner_events(run))
    assert ct.n_matched >= ct.n_true - 1
    assert abs(ct.bias_ms) <= CONTACT_TIME_TOL_MS, ct
    for side in ("left", "right"):
        detected = analysis.summary["contact_time_ms"][side]
        true = run.truth["contact_time_ms_by_side"][side]
        assert detected == pytest.approx(true, abs=CONTACT_TIME_TOL_MS)
    assert cadence_error_pct(run, analysis) <= CADENCE_CLEAN_PCT


def test_events_alternate_and_pair_up():
    _, analysis = analysed(fps=120.0)
    steps = analysis.gait.steps
    assert len(steps) >= 2 * 14  # 12 s at 170 steps/min: ~34 steps, a few lost at the ends
    sides = [s.side for s in steps]
    assert all(a != b for a, b in itertools.pairwise(sides)), "feet must alternate"
    for s in steps:
        assert s.toe_off_s > s.contact_s
        if s.next_contact_s is not None:
            assert s.next_contact_s > s.toe_off_s  # running: a flight before the other foot
    kinds = [(e.side, e.kind) for e in analysis.gait.events]
    for side in ("left", "right"):
        own = [k for s, k in kinds if s == side]
        assert all(a != b for a, b in itertools.pairwise(own)), "contact/toe-off alternate"


# ----------------------------------------------------------------------------- metrics
@pytest.mark.parametrize("fps", [240.0, 120.0])
@pytest.mark.parametrize("metric", sorted(SIDE_TOLERANCES))
def test_side_metrics_match_truth(fps: float, metric: str):
    run, analysis = analysed(fps=fps)
    for side in ("left", "right"):
        detected = analysis.summary[metric][side]
        true = side_truth(run, metric, side)
        assert detected == pytest.approx(true, abs=SIDE_TOLERANCES[metric]), (metric, side)


@pytest.mark.parametrize("fps", [240.0, 120.0])
@pytest.mark.parametrize("metric", sorted(BODY_TOLERANCES))
def test_whole_body_metrics_match_truth(fps: float, metric: str):
    run, analysis = analysed(fps=fps)
    assert analysis.summary[metric] == pytest.approx(run.truth[metric], abs=BODY_TOLERANCES[metric])


def test_angle_series_are_accurate_at_the_true_event_times():
    """Separates angle accuracy from event timing: angles at the *true* contacts."""
    run, analysis = analysed(fps=120.0)
    t = analysis.track.time
    for side in ("left", "right"):
        contacts = [e.time_s for e in inner_events(run) if e.side == side and e.kind == "contact"]
        knee = np.interp(contacts, t, analysis.angles["knee"][side])
        thigh = np.interp(contacts, t, analysis.angles["thigh"][side])
        assert np.median(knee) == pytest.approx(
            run.truth["knee_flexion_contact_deg"][side], abs=1.5
        )
        assert np.median(thigh) == pytest.approx(
            run.truth["thigh_flexion_contact_deg"][side], abs=1.0
        )


def test_vertical_oscillation_in_cm_with_a_height():
    """With --height-cm the leg is 0.491 × height; the synthetic leg is 0.90 m."""
    run, _ = analysed(fps=120.0)
    height_cm = 0.90 / 0.491 * 100.0
    analysis = analyze_track(run.track, AnalysisOptions(height_cm=height_cm))
    true_cm = 100.0 * run.truth["vertical_oscillation_m"]
    assert analysis.summary["vertical_oscillation_cm"] == pytest.approx(true_cm, abs=0.5)


def test_treadmill_speed_gives_step_length():
    run, _ = analysed(fps=120.0)
    speed = run.truth["speed_mps"]
    analysis = analyze_track(run.track, AnalysisOptions(treadmill_speed_mps=speed))
    true_step_m = speed * run.truth["step_time_ms"] / 1000.0
    for side in ("left", "right"):
        assert analysis.summary["step_length_m"][side] == pytest.approx(true_step_m, rel=0.02)
    assert analysis.metrics["cadence_spm"]["expected"] == pytest.approx(
        162.0 + 9.0 * (speed - 2.5), abs=0.1
    )


# ----------------------------------------------------------------------------- facings
def test_both_facings_give_the_same_metrics():
    run_r, right = analysed(fps=120.0, facing="right")
    run_l, left = analysed(fps=120.0, facing="left")
    assert (right.direction, left.direction) == (1, -1)
    assert left.summary["cadence_spm"] == pytest.approx(right.summary["cadence_spm"], rel=1e-3)
    for metric, tol in BODY_TOLERANCES.items():
        assert left.summary[metric] == pytest.approx(right.summary[metric], abs=tol / 2)
    for metric, tol in SIDE_TOLERANCES.items():
        for a, run, name in ((right, run_r, "right"), (left, run_l, "left")):
            for side in ("left", "right"):
                assert a.summary[metric][side] == pytest.approx(
                    side_truth(run, metric, side), abs=tol
                ), (
                    name,
                    metric,
                    side,
                )
        # and the two facings agree with each other on the mean of the sides
        mean_r = np.mean([right.summary[metric][s] for s in ("left", "right")])
        mean_l = np.mean([left.summary[metric][s] for s in ("left", "right")])
        assert mean_l == pytest.approx(mean_r, abs=tol / 2), metric


# ----------------------------------------------------------------------------- degraded input
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("facing", ["right", "left"])
def test_cadence_at_30_fps_with_noise(seed: int, facing: str):
    run, analysis = analysed(fps=30.0, noise_px=3.0, facing=facing, seed=seed)
    assert cadence_error_pct(run, analysis) <= CADENCE_DEGRADED_PCT
    assert any(w.code == "coarse_timing" for w in analysis.warnings)
    q = analysis.metrics["contact_time_ms"]["quality"]
    assert any("coarse" in f for f in q["flags"])


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_cadence_with_swaps_and_dropouts(fps: float):
    run, analysis = analysed(fps=fps, noise_px=2.0, swap_segments=3, dropout_frac=0.05, seed=3)
    assert cadence_error_pct(run, analysis) <= CADENCE_DEGRADED_PCT
    assert analysis.cleaning.swap_segments >= 3
    assert any(w.code == "swaps_corrected" for w in analysis.warnings)


def test_events_at_60_fps_with_noise_are_still_usable():
    run, analysis = analysed(fps=60.0, noise_px=2.0, seed=4)
    truth = inner_events(run)
    scores = match_events(inside(analysis.gait.events, truth), truth)
    assert scores["all"].recall >= 0.9
    assert scores["contact"].mae_ms <= 25.0 and scores["toe_off"].mae_ms <= 25.0


# ----------------------------------------------------------------------------- progress, JSON
def test_progress_callback_reports_stages_in_order():
    run, _ = analysed(fps=60.0, noise_px=2.0, seed=4)
    calls = []
    analyze_track(run.track, progress=lambda stage, fraction, detail="": calls.append(fraction))
    assert calls[0] == 0.0 and calls[-1] == 1.0
    assert calls == sorted(calls)


def test_json_document_has_no_nan_and_validates():
    from runform.pipeline.document import analysis_document

    _, analysis = analysed(fps=30.0, noise_px=3.0)
    schema = json.loads(
        (
            Path(__file__).resolve().parents[1] / "src/runform/schemas/analysis.schema.json"
        ).read_text()
    )
    jsonschema.validate(json.loads(json.dumps(analysis_document(analysis))), schema)
    doc = analysis.to_dict()
    text = json.dumps(doc, allow_nan=False)  # raises on NaN/inf
    back = json.loads(text)
    assert back["schema"] == "runform.analysis/1"
    assert back["summary"]["cadence_spm"] == doc["summary"]["cadence_spm"]

    def walk(x):
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif isinstance(x, float):
            assert math.isfinite(x)

    walk(doc)


def test_a_stance_cut_by_the_clip_says_so_not_that_points_are_missing():
    """What a runner reads about a rejected stance is its real reason: a stance cut by the
    start or end of the clip is not "foot points missing"."""
    from runform.gait.events import MISSING_POINTS, FootClearanceDetector
    from runform.synthetic import synthetic_runner

    track = synthetic_runner(duration_s=4.0, fps=120.0, seed=3).track
    # start the clip in the middle of a stance of some foot: cut the first 0.2 s away
    cut = track.select(slice(int(np.searchsorted(track.time, 0.2)), None))
    result = FootClearanceDetector().detect(cut, direction=1).result_
    reasons = {r.reason for r in result.rejected}
    assert MISSING_POINTS not in reasons, reasons
    assert any("cut by the start or end of the clip" in r for r in reasons), reasons
