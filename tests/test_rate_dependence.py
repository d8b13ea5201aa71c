"""The same runner read at 30, 60, 120 and 240 fps: what depends on the frame rate beyond a
frame's quantisation (``bench/rate_dependence.py``, docs/decisions.md session 24).

Truths are independent of the engine: the synthetic runner's analytic geometry
(:mod:`runform.synthetic`) and the analytic derivative of a sine.
"""

from __future__ import annotations

import numpy as np
import pytest

from runform.gait.slopes import points_per_frame, spline_slope_runs
from runform.pipeline import analyze_track
from runform.synthetic import synthetic_runner


def test_spline_slope_is_the_derivative_between_the_frames() -> None:
    # 5 Hz (a thigh's second harmonic at a run) sampled at 30 fps, a gap in the middle
    t = np.arange(0.0, 2.0, 1 / 30)
    y = 40.0 * np.sin(2 * np.pi * 5.0 * t)
    y[28:31] = np.nan
    times, v = spline_slope_runs(t, y, 4)
    assert times.size == 4 * (t.size - 1) + 1
    assert np.array_equal(times[::4], t)
    truth = 40.0 * 2 * np.pi * 5.0 * np.cos(2 * np.pi * 5.0 * times)
    inside = np.isfinite(v) & (np.abs(times - 1.0) > 0.15) & (times > 0.1) & (times < 1.9)
    assert inside.sum() > 150
    # within 3 % of the peak slope between the frames (a central difference of frames is
    # 17 % low there)
    assert np.max(np.abs(v[inside] - truth[inside])) < 0.03 * 40.0 * 2 * np.pi * 5.0
    assert np.isnan(v[4 * 27 + 1 : 4 * 31]).all()  # nothing across the gap
    central = np.gradient(40.0 * np.sin(2 * np.pi * 5.0 * t), t)
    assert np.max(central) < 0.85 * 40.0 * 2 * np.pi * 5.0


def test_points_per_frame_reads_at_least_the_fine_rate() -> None:
    assert [points_per_frame(np.arange(20) / fps, 120.0) for fps in (30, 60, 120, 240)] == [
        4,
        2,
        1,
        1,
    ]


@pytest.mark.parametrize("fps", [30.0, 60.0, 120.0, 240.0])
def test_peak_drive_does_not_drop_at_a_low_frame_rate(fps: float) -> None:
    # The peak backward thigh speed, a peak of a derivative, read 8.8 % low at 30 fps
    # (341 against 374 °/s) when it was a central difference of frames read at the frames;
    # 0.8 % low at 60 and within 0.4 % at 240
    run = synthetic_runner(fps=fps, duration_s=8.0, seed=1)
    a = analyze_track(run.track)
    for side in ("left", "right"):
        truth = run.truth["drive_peak_deg_s"][side]
        got = a.metrics["drive_peak_deg_s"][side]["median"]
        assert got == pytest.approx(truth, rel=0.025), (fps, side, got, truth)


@pytest.mark.parametrize("fps", [60.0, 120.0, 240.0])
def test_pixel_noise_does_not_lift_the_peak_drive_by_the_frame_rate(fps: float) -> None:
    # A phone's pose model wobbles every frame on its own. A derivative lifts that noise by
    # its frequency, so the cleaning's cut-off (12 Hz from 48 fps, 7.5 at 30) set how much
    # it lifted a peak thigh speed: with 8 px, 29, 47 and 23 °/s over the truth at 60, 120
    # and 240 fps (9 at 30) when the rate was read at the cleaning's cut-off
    errors = []
    for seed in (0, 1, 2):
        run = synthetic_runner(fps=fps, duration_s=8.0, noise_px=8.0, seed=seed)
        a = analyze_track(run.track)
        errors += [
            a.metrics["drive_peak_deg_s"][side]["median"] - run.truth["drive_peak_deg_s"][side]
            for side in ("left", "right")
        ]
    assert abs(float(np.mean(errors))) < 16.0, errors
