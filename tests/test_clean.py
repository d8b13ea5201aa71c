"""Cleaning a pose track (runform.gait.clean) on hand-made tracks with known answers.

Each test builds a track whose correct cleaned form is known by construction: scores
around a threshold, gaps of known length in a known function, label swaps injected into a
periodic two-leg motion, sines of known frequency.
"""

from __future__ import annotations

import numpy as np
import pytest

from runform.gait.clean import (
    apply_swaps,
    clean_track,
    default_cutoff_hz,
    detect_swaps,
    fill_gaps,
    lowpass,
    mask_low_confidence,
)
from runform.track import PoseTrack

LEG_PARTS = ("knee", "ankle", "heel", "foot_index")


def one_point_track(fps: float, values: np.ndarray, scores: np.ndarray | None = None) -> PoseTrack:
    """A single keypoint whose x and y both follow ``values``."""
    time = np.arange(len(values)) / fps
    xy = np.stack([values, values], axis=1)
    return PoseTrack.from_points(
        time, {"left_hip": xy}, None if scores is None else {"left_hip": scores}
    )


# ------------------------------------------------------------------------- confidence mask
def test_mask_low_confidence_masks_only_points_below_the_threshold():
    scores = np.array([0.9, 0.29, 0.3, 0.05, np.nan, 0.31])
    track = one_point_track(30.0, np.arange(6.0), scores)
    masked = mask_low_confidence(track, min_score=0.3).point("left_hip")
    missing = np.isnan(masked[:, 0]).tolist()
    # below 0.3 → masked; exactly 0.3 kept; unknown score (NaN) kept
    assert missing == [False, True, False, True, False, False]
    assert np.isnan(masked[[1, 3]]).all()
    np.testing.assert_array_equal(masked[[0, 2, 4, 5], 0], [0.0, 2.0, 4.0, 5.0])


def test_mask_low_confidence_does_not_modify_its_input():
    scores = np.full(5, 0.1)
    track = one_point_track(30.0, np.arange(5.0), scores)
    mask_low_confidence(track, 0.3)
    assert np.isfinite(track.xy).all()


# ------------------------------------------------------------------------- gap filling
def test_fill_gaps_fills_short_gaps_with_the_underlying_curve():
    fps = 30.0
    t = np.arange(60) / fps
    truth = 100.0 + 40.0 * np.sin(2 * np.pi * 1.0 * t)  # smooth 1 Hz motion
    values = truth.copy()
    values[20:23] = np.nan  # 3 frames = 0.1 s: fillable with max_gap_s=0.1
    filled = fill_gaps(one_point_track(fps, values), max_gap_s=0.1).point("left_hip")[:, 1]
    assert np.isfinite(filled).all()
    # the gap sits near a trough, where shape-preserving PCHIP flattens slightly: within
    # 5 % of the 40-unit amplitude, and never beyond the neighbouring samples' range
    np.testing.assert_allclose(filled[20:23], truth[20:23], atol=2.0)
    assert filled[20:23].min() >= min(truth[19], truth[23]) - 2.0
    np.testing.assert_array_equal(filled[:20], truth[:20])  # known samples untouched


def test_fill_gaps_leaves_long_gaps_open():
    fps = 30.0
    values = np.linspace(0.0, 59.0, 60)
    values[10:12] = np.nan  # 2 frames: filled
    values[30:40] = np.nan  # 10 frames = 0.33 s: stays a gap
    filled = fill_gaps(one_point_track(fps, values), max_gap_s=0.1).point("left_hip")[:, 0]
    np.testing.assert_allclose(filled[10:12], [10.0, 11.0])  # linear data → exact
    assert np.isnan(filled[30:40]).all()
    assert np.isfinite(filled[:30]).all() and np.isfinite(filled[40:]).all()


def test_fill_gaps_never_extrapolates_at_the_ends():
    values = np.linspace(0.0, 19.0, 20)
    values[:2] = np.nan  # a short gap at the start
    values[-1] = np.nan  # and at the end
    filled = fill_gaps(one_point_track(30.0, values), max_gap_s=0.2).point("left_hip")[:, 0]
    assert np.isnan(filled[:2]).all()
    assert np.isnan(filled[-1])
    assert np.isfinite(filled[2:-1]).all()


def test_fill_gaps_with_too_few_samples_changes_nothing():
    values = np.full(10, np.nan)
    values[4] = 1.0
    filled = fill_gaps(one_point_track(30.0, values), max_gap_s=1.0).point("left_hip")[:, 0]
    assert np.isfinite(filled).sum() == 1


# ------------------------------------------------------------------------- left/right swaps
def two_leg_track(fps: float = 60.0, duration_s: float = 6.0, step_hz: float = 2.8) -> PoseTrack:
    """A periodic two-leg side view (runner facing image-right), built from joint angles.

    Thigh and knee follow sinusoids at the stride frequency (half the step frequency); the
    right leg is half a stride behind the left, so the legs cross twice per stride, as they
    do in running. Units are pixels with a 400-px leg.
    """
    t = np.arange(int(round(duration_s * fps))) / fps
    w = 2 * np.pi * step_hz / 2.0
    hip = np.stack([np.full_like(t, 500.0), 300.0 + 8.0 * np.cos(2 * w * t)], axis=1)
    points = {"left_hip": hip.copy(), "right_hip": hip + np.array([2.0, 0.0])}
    for side, phase in (("left", 0.0), ("right", np.pi)):
        thigh = np.radians(5.0 + 30.0 * np.sin(w * t + phase))  # + = knee ahead (to +x)
        knee_flex = np.radians(50.0 + 45.0 * np.sin(w * t + phase - 1.2))
        shank = thigh - knee_flex
        knee = hip + 200.0 * np.stack([np.sin(thigh), np.cos(thigh)], axis=1)
        ankle = knee + 200.0 * np.stack([np.sin(shank), np.cos(shank)], axis=1)
        points[f"{side}_knee"] = knee
        points[f"{side}_ankle"] = ankle
        points[f"{side}_heel"] = ankle + np.array([-20.0, 15.0])
        points[f"{side}_foot_index"] = ankle + np.array([45.0, 25.0])
    scores = {k: np.full(len(t), 0.9) for k in points}
    return PoseTrack.from_points(t, points, scores)


def inject_swaps(track: PoseTrack, segments: list[tuple[int, int]]) -> tuple[PoseTrack, np.ndarray]:
    swapped = np.zeros(track.n_frames, dtype=bool)
    for a, b in segments:
        swapped[a:b] = True
    return apply_swaps(track, swapped), swapped


def leg_points(track: PoseTrack, side: str) -> np.ndarray:
    return np.stack([track.point(f"{side}_{p}") for p in LEG_PARTS], axis=1)


def test_detect_swaps_finds_injected_segments():
    clean = two_leg_track()
    segments = [(40, 52), (150, 175), (260, 268)]
    bad, truth = inject_swaps(clean, segments)
    found = detect_swaps(bad)
    # every injected frame found, no clean frame flagged
    assert (found == truth).mean() >= 0.99
    assert found[truth].mean() >= 0.98
    assert not found[~truth].any()


def test_clean_track_restores_swapped_labels():
    clean = two_leg_track()
    bad, truth = inject_swaps(clean, [(40, 52), (150, 175), (260, 268)])
    fixed, report = clean_track(bad, cutoff_hz=None)
    assert report.swap_segments == 3
    assert report.swapped_frames == int(truth.sum())
    reference, _ = clean_track(clean)
    err = np.abs(leg_points(fixed, "left") - leg_points(reference, "left"))
    assert np.nanmax(err) < 1e-6


def test_detect_swaps_leaves_a_clean_track_alone():
    assert not detect_swaps(two_leg_track()).any()
    noisy = two_leg_track(fps=30.0)
    rng = np.random.default_rng(0)
    noisy = noisy.replace(xy=noisy.xy + rng.normal(0.0, 4.0, noisy.xy.shape))
    assert not detect_swaps(noisy).any()


def test_apply_swaps_exchanges_leg_points_but_not_hips():
    track = two_leg_track(duration_s=1.0)
    mask = np.zeros(track.n_frames, dtype=bool)
    mask[5:9] = True
    out = apply_swaps(track, mask)
    np.testing.assert_array_equal(out.point("left_knee")[5:9], track.point("right_knee")[5:9])
    np.testing.assert_array_equal(out.point("right_ankle")[5:9], track.point("left_ankle")[5:9])
    np.testing.assert_array_equal(out.point("left_hip"), track.point("left_hip"))
    np.testing.assert_array_equal(out.point("left_knee")[:5], track.point("left_knee")[:5])


# ------------------------------------------------------------------------- low-pass
def test_default_cutoff_adapts_to_frame_rate():
    assert default_cutoff_hz(240.0) == 12.0
    assert default_cutoff_hz(30.0) == pytest.approx(7.5)
    for fps in (15.0, 24.0, 30.0, 60.0, 240.0):
        assert default_cutoff_hz(fps) < 0.5 * fps


@pytest.mark.parametrize("fps", [240.0, 120.0, 60.0])
def test_lowpass_removes_high_frequency_and_keeps_2hz_without_lag(fps: float):
    t = np.arange(int(4 * fps)) / fps
    slow = 50.0 * np.sin(2 * np.pi * 2.0 * t)
    fast_hz = 0.4 * fps  # well above the cut-off, below Nyquist
    fast = 10.0 * np.sin(2 * np.pi * fast_hz * t)
    out = lowpass(one_point_track(fps, slow + fast)).point("left_hip")[:, 1]
    core = slice(int(0.5 * fps), int(3.5 * fps))  # away from the edges
    residual = out[core] - slow[core]
    # the fast sine (amplitude 10) is gone: what is left is < 5 % of it
    assert np.max(np.abs(residual)) < 0.5
    # the 2 Hz amplitude is preserved within 1 %
    assert np.max(np.abs(out[core])) == pytest.approx(50.0, rel=0.01)
    # zero lag: the phase of the 2 Hz component (least-squares fit) is unchanged
    basis = np.stack([np.sin(2 * np.pi * 2.0 * t[core]), np.cos(2 * np.pi * 2.0 * t[core])], 1)
    (a_sin, a_cos), *_ = np.linalg.lstsq(basis, out[core], rcond=None)
    lag_ms = -np.arctan2(a_cos, a_sin) / (2 * np.pi * 2.0) * 1000.0
    assert abs(lag_ms) < 0.1
    # and the peaks land on the same frames (2 Hz peaks at 0.125 s + k/2 s)
    for peak_s in np.arange(0.625, 3.4, 0.5):
        i = int(round(peak_s * fps))
        assert abs(out[i] - slow[i]) < 0.5


def test_lowpass_filters_runs_separately_and_keeps_gaps():
    fps = 120.0
    t = np.arange(480) / fps
    values = 20.0 * np.sin(2 * np.pi * 2.0 * t)
    values[200:230] = np.nan
    out = lowpass(one_point_track(fps, values)).point("left_hip")[:, 0]
    assert np.isnan(out[200:230]).all()
    assert np.isfinite(out[:200]).all() and np.isfinite(out[230:]).all()
    # no ringing from the gap's edges: the smooth signal passes through nearly unchanged
    np.testing.assert_allclose(out[:200], values[:200], atol=0.3)


def test_clean_track_reports_what_it_changed():
    track = two_leg_track(fps=60.0)
    score = track.score.copy()
    k = track.index("left_knee")
    score[100:103, k] = 0.1  # 3 low-confidence frames → masked, then filled (≤ 0.1 s)
    score[200:230, k] = 0.1  # 30 frames = 0.5 s → masked and left as a gap
    out, report = clean_track(track.replace(score=score), min_score=0.3, max_gap_s=0.1)
    assert report.masked_points == 33
    assert report.filled_points == 3
    assert report.cutoff_hz == 12.0
    knee = out.point("left_knee")
    assert np.isfinite(knee[100:103]).all()
    assert np.isnan(knee[200:230]).all()


# ------------------------------------------------------------------------- synthetic runner
def test_swaps_injected_into_a_synthetic_runner_are_undone():
    from runform.synthetic import synthetic_runner

    run = synthetic_runner(fps=60.0, duration_s=8.0, swap_segments=3, seed=11)
    assert len(run.swaps) == 3
    injected = np.zeros(run.track.n_frames, dtype=bool)
    for start, stop in run.swaps:
        injected[start:stop] = True
    found = detect_swaps(mask_low_confidence(run.track))
    assert (found == injected).mean() >= 0.98
    fixed, report = clean_track(run.track)
    reference, _ = clean_track(run.clean_track)
    assert report.swap_segments == 3
    for side in ("left", "right"):
        err = np.linalg.norm(leg_points(fixed, side) - leg_points(reference, side), axis=-1)
        # after correction each leg point is where the clean track has it (to filter ringing
        # at a mislabelled edge frame): within 2 px in 99 % of frames
        assert np.mean(err.max(axis=1) < 2.0) >= 0.99


def test_a_clean_synthetic_runner_is_left_untouched():
    from runform.synthetic import synthetic_runner

    for fps, noise in ((240.0, 0.0), (30.0, 3.0)):
        run = synthetic_runner(fps=fps, duration_s=6.0, noise_px=noise, seed=12)
        assert not detect_swaps(run.track).any()
        _, report = clean_track(run.track)
        assert report.swap_segments == 0 and report.masked_points == 0
