"""The knee's extension peaks (``gait/knee_extension.py``) and how the detector averages
them with the foot-clearance times. Their accuracy against force plates, held out runner by
runner, is ``tests/test_events_loro.py``'s."""

from __future__ import annotations

import numpy as np
import pytest

from runform.gait.clean import clean_track
from runform.gait.direction import detect_travel
from runform.gait.events import FootClearanceDetector
from runform.gait.knee_extension import (
    FLEXION_DROP_DEG,
    extension_peak,
    flexion_after,
    knee_included_angle,
    knee_peaks,
)
from runform.gait.pairing import pair_stances
from runform.gait.witnesses import knee_blend
from runform.synthetic import synthetic_runner
from runform.track import PoseTrack


def _leg(time: np.ndarray, angle_deg: np.ndarray) -> PoseTrack:
    """A left leg whose included knee angle is ``angle_deg``: thigh vertical, shank turned
    by ``180 - angle`` degrees."""
    hip = np.zeros((len(time), 2))
    knee = np.column_stack([np.zeros(len(time)), np.full(len(time), 200.0)])
    bend = np.radians(180.0 - angle_deg)
    ankle = knee + 200.0 * np.column_stack([np.sin(bend), np.cos(bend)])
    return PoseTrack.from_points(time, {"left_hip": hip, "left_knee": knee, "left_ankle": ankle})


def test_included_angle_is_measured() -> None:
    t = np.arange(0, 1, 1 / 100)
    angle = 150 + 20 * np.sin(2 * np.pi * t)
    measured = knee_included_angle(_leg(t, angle), "left")
    # low-passed at 12 Hz: a 1 Hz swing passes unchanged
    assert np.abs(measured[10:-10] - angle[10:-10]).max() < 0.2


@pytest.mark.parametrize("fps", [30.0, 60.0, 120.0])
def test_peak_is_found_between_frames(fps: float) -> None:
    t = np.arange(0, 1, 1 / fps) + 0.3 / fps  # frames not on the peak
    true = 0.437
    angle = 170 - 400 * (t - true) ** 2
    got = extension_peak(t, angle, 0.3, 0.6)
    assert got == pytest.approx(true, abs=1e-3)  # a parabola is recovered exactly


def test_no_peak_inside_the_window_gives_nan() -> None:
    t = np.arange(0, 1, 0.01)
    rising = 120 + 50 * t
    assert np.isnan(extension_peak(t, rising, 0.2, 0.5))  # largest value on the edge
    gap = 170 - 400 * (t - 0.4) ** 2
    gap[38] = np.nan
    assert np.isnan(extension_peak(t, gap, 0.2, 0.6))  # a point missing in the window


def test_both_peaks_of_a_stance() -> None:
    """A knee that straightens before landing (0.30 s), bends under load and straightens
    again before the foot leaves (0.52 s)."""
    t = np.arange(0, 1.2, 1 / 120)
    angle = (
        140 + 35 * np.exp(-(((t - 0.30) / 0.05) ** 2)) + 30 * np.exp(-(((t - 0.52) / 0.05) ** 2))
    )
    before, after, _ = knee_peaks(_leg(t, angle), "left", [(0.33, 0.55)])
    assert before[0] == pytest.approx(0.30, abs=0.004)
    assert after[0] == pytest.approx(0.52, abs=0.004)
    none_before, none_after, none_flexed = knee_peaks(_leg(t, angle), "right", [(0.33, 0.55)])
    assert np.isnan(none_before[0]) and np.isnan(none_after[0]) and np.isnan(none_flexed[0])


def test_detector_averages_the_clearance_and_knee_times() -> None:
    run = synthetic_runner(duration_s=4.0, fps=120.0, seed=3)
    track = clean_track(run.track)[0]
    direction = detect_travel(track).direction
    foot = FootClearanceDetector(
        knee_weight=0.0,
        flexion_weight=0.0,
        contact_knee_weight=0.0,
        contact_speed_weight=0.0,
        pitch_weight=0.0,
    )
    foot_steps = foot.detect(track, direction).result_.steps
    both = FootClearanceDetector(
        knee_weight=0.5,
        flexion_weight=0.0,
        knee_offset_s=0.01,
        contact_knee_weight=0.5,
        contact_knee_offset_s=0.02,
        contact_speed_weight=0.0,
        pitch_weight=0.0,
    ).detect(track, direction)
    assert len(both.result_.steps) == len(foot_steps) >= 4
    checked = 0
    for side in ("left", "right"):
        before, peaks, _ = both.knee_peaks_[side]
        mine = [s for s in foot_steps if s.side == side]
        blended = [s for s in both.result_.steps if s.side == side]
        for f, b in zip(mine, blended, strict=True):
            k = int(np.argmin([abs(p - f.toe_off_s) for p in peaks]))
            assert np.isfinite(peaks[k])
            assert b.toe_off_s == pytest.approx(0.5 * f.toe_off_s + 0.5 * (peaks[k] + 0.01))
            if np.isfinite(before[k]):
                assert b.contact_s == pytest.approx(0.5 * f.contact_s + 0.5 * (before[k] + 0.02))
            else:  # the swing before it is cut by the clip's start: the clearance time stands
                assert b.contact_s == f.contact_s
            assert b.toe_off_frame == pytest.approx(
                np.interp(b.toe_off_s, track.time, np.arange(track.n_frames))
            )
            checked += 1
    assert checked >= 4


def test_an_overlapping_stance_is_kept_when_a_witness_contact_ends_the_overlap() -> None:
    """A right stance whose averaged contact comes 100 ms before the left toe-off (not
    running) is kept with a single witness's contact (the foot speed's, else the knee's)
    when that one comes after it, and rejected with its reason when none does."""
    left = [(0.70, 70.0, 1.05, 105.0, 1.0)]
    right = [(0.95, 95.0, 1.25, 125.0, 1.0)]

    def pair(*contacts: float):
        own = {"right": [[(c, 100 * c) for c in contacts]]}
        stances = {"left": list(left), "right": list(right)}
        return pair_stances(stances, FootClearanceDetector().limits, own)

    steps, rejected = pair(1.04)
    assert [(s.side, s.contact_s) for s in steps] == [("left", 0.70), ("right", 1.04)]
    assert steps[1].contact_frame == 104.0 and not rejected
    steps, rejected = pair(0.96, 1.03)  # the foot speed's overlaps, the knee's does not
    assert [(s.side, s.contact_s) for s in steps] == [("left", 0.70), ("right", 1.03)]
    steps, rejected = pair(1.02, 1.04)  # both end it: the first (the foot speed's) is taken
    assert steps[1].contact_s == 1.02
    steps, rejected = pair(1.24)  # ends the overlap, but leaves a 10 ms contact: rejected
    assert [s.side for s in steps] == ["left"] and "double support" in rejected[0].reason
    steps, rejected = pair(0.96)  # the witness's contact overlaps too: rejected
    assert [s.side for s in steps] == ["left"]
    assert "double support" in rejected[0].reason
    steps, rejected = pair()  # no witness
    assert [s.side for s in steps] == ["left"] and "double support" in rejected[0].reason


@pytest.mark.parametrize("fps", [30.0, 120.0])
def test_flexion_after_the_peak_is_found_between_frames(fps: float) -> None:
    t = np.arange(0, 1, 1 / fps)
    peak = t[int(0.4 * fps)]  # the peak on a frame, then a straight flank
    angle = 170.0 - 400.0 * np.clip(t - peak, 0, None)  # flexing 400 deg/s
    got = flexion_after(t, angle, peak, 15.0)
    assert got == pytest.approx(peak + 15.0 / 400.0, abs=1e-9)  # between frames, exact
    assert np.isnan(flexion_after(t, angle, 0.95, 15.0))  # no room left in the clip
    assert np.isnan(flexion_after(t, angle, float("nan"), 15.0))


def test_detector_averages_three_toe_off_witnesses() -> None:
    """Clearance, knee peak and the knee flexed past it, in equal thirds (each with its
    offset); the contact is not the flexion's to move."""
    run = synthetic_runner(duration_s=4.0, fps=120.0, seed=3)
    track = clean_track(run.track)[0]
    direction = detect_travel(track).direction
    common = {"contact_knee_weight": 0.0, "contact_speed_weight": 0.0, "pitch_weight": 0.0}
    foot = FootClearanceDetector(knee_weight=0.0, flexion_weight=0.0, **common)
    foot_steps = foot.detect(track, direction).result_.steps
    three = FootClearanceDetector(
        knee_weight=1 / 3,
        knee_offset_s=0.01,
        flexion_weight=1 / 3,
        flexion_offset_s=-0.04,
        **common,
    ).detect(track, direction)
    assert len(three.result_.steps) == len(foot_steps) >= 4
    checked = 0
    for side in ("left", "right"):
        _, peaks, flexed = three.knee_peaks_[side]
        for f, b in zip(
            [s for s in foot_steps if s.side == side],
            [s for s in three.result_.steps if s.side == side],
            strict=True,
        ):
            assert b.contact_s == f.contact_s
            k = int(np.argmin([abs(p - f.toe_off_s) for p in peaks]))
            assert np.isfinite(peaks[k])
            if not np.isfinite(flexed[k]):  # the clip ends before the knee has flexed
                expected = (f.toe_off_s + (peaks[k] + 0.01)) / 2
            else:
                assert flexed[k] > peaks[k]  # flexion comes after the extension peak
                expected = (f.toe_off_s + (peaks[k] + 0.01) + (flexed[k] - 0.04)) / 3
                checked += 1
            assert b.toe_off_s == pytest.approx(expected)
    assert checked >= 4
    assert FLEXION_DROP_DEG == 15.0


def test_the_knee_times_a_cut_short_toe_off_without_the_clearance() -> None:
    """A knee that straightens before landing (0.30 s) and before the foot leaves (0.52 s),
    with a clearance toe-off cut short at 0.36 s: searched up to the cut toe-off, the peak
    is out of reach; searched where the toe-off was due, the knee times it alone."""
    t = np.arange(0, 1.2, 1 / 120)
    angle = 140 + 35 * np.exp(-(((t - 0.30) / 0.05) ** 2))
    angle += 30 * np.exp(-(((t - 0.52) / 0.05) ** 2)) - 60 * np.clip(t - 0.52, 0, None)
    track = _leg(t, angle)
    items = [(0.33, 0.0, 0.36, 0.0, 1.0)]
    weights = dict(
        knee_weight=1 / 3,
        knee_offset_s=0.0,
        flexion_weight=1 / 3,
        flexion_offset_s=0.0,
        contact_knee_weight=0.0,
        contact_knee_offset_s=0.0,
    )
    _, _, (_, cut_peak, _) = knee_blend(track, "left", items, **weights)
    assert not cut_peak[0] == pytest.approx(0.52, abs=0.01)
    out, _, (_, peaks, flexed) = knee_blend(track, "left", items, due=[(np.nan, 0.58)], **weights)
    assert peaks[0] == pytest.approx(0.52, abs=0.004)
    assert np.isfinite(flexed[0])
    assert out[0][2] == pytest.approx(0.5 * (peaks[0] + flexed[0]))  # the clearance's 0.36 left out
    assert out[0][0] == 0.33
    # a knee that shows nothing there leaves the clearance's time (the checks reject it)
    flat = _leg(t, np.full_like(t, 150.0))
    out, _, _ = knee_blend(flat, "left", items, due=[(np.nan, 0.58)], **weights)
    assert out[0][2] == 0.36
    before, _, _ = knee_peaks(track, "left", [(0.33, 0.58)])
    assert before[0] == pytest.approx(0.30, abs=0.004)
