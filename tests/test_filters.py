"""The engine's NumPy signal tools against SciPy's, which they replace at run time
(:mod:`runform.gait.filters`): the same numbers to rounding error."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import CubicSpline, PchipInterpolator
from scipy.ndimage import percentile_filter, uniform_filter1d
from scipy.signal import butter
from scipy.signal import sosfiltfilt as scipy_sosfiltfilt

from runform.gait import filters


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize(
    ("cutoff", "fs"), [(7.5, 30.0), (12.0, 120.0), (6.0, 100.0), (20.0, 240.0)]
)
def test_butterworth_low_pass_filters_like_scipy(order: int, cutoff: float, fs: float) -> None:
    ours = filters.butter_lowpass_sos(order, cutoff, fs)
    theirs = butter(order, cutoff, fs=fs, output="sos")
    assert ours.shape == theirs.shape
    if order % 2 == 0:  # the same sections (odd orders pair the real pole differently)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    x = np.cumsum(np.random.default_rng(order).normal(size=(400, 3)), axis=0)
    np.testing.assert_allclose(
        filters.sosfiltfilt(ours, x), scipy_sosfiltfilt(theirs, x, axis=0), rtol=0, atol=1e-9
    )


def test_zero_phase_filter_keeps_a_ramp_and_removes_a_fast_wobble() -> None:
    t = np.arange(300) / 100.0
    ramp = 2.0 + 3.0 * t
    wobble = 0.5 * np.sin(2 * np.pi * 30.0 * t)
    sos = filters.butter_lowpass_sos(2, 6.0, 100.0)
    y = filters.sosfiltfilt(sos, ramp + wobble)
    inner = slice(30, -30)
    assert np.abs(y[inner] - ramp[inner]).max() < 0.02  # no lag, the 30 Hz part gone
    with pytest.raises(ValueError, match="longer than"):
        filters.sosfiltfilt(sos, np.ones(9))
    with pytest.raises(ValueError, match="half the sampling rate"):
        filters.butter_lowpass_sos(2, 60.0, 100.0)


def test_pchip_matches_scipy_inside_and_is_nan_outside() -> None:
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(0, 10, 40))
    y = np.sin(x) + 0.1 * rng.normal(size=40)
    y[10:14] = y[10]  # a flat run: slopes zero there
    at = np.linspace(-1.0, 11.0, 500)
    ours = filters.pchip(x, y, at)
    theirs = PchipInterpolator(x, y, extrapolate=False)(at)
    assert np.array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12, equal_nan=True)
    two = filters.pchip(np.array([0.0, 1.0]), np.array([0.0, 2.0]), np.array([0.25]))
    np.testing.assert_allclose(two, [0.5])


@pytest.mark.parametrize(
    ("n", "size", "percentile"), [(500, 45, 5.0), (30, 45, 5.0), (300, 7, 50.0)]
)
def test_rolling_percentile_and_mean_match_scipy(n: int, size: int, percentile: float) -> None:
    x = np.cumsum(np.random.default_rng(n).normal(size=n))
    np.testing.assert_array_equal(
        filters.rolling_percentile(x, percentile, size),
        percentile_filter(x, percentile, size=size, mode="nearest"),
    )
    np.testing.assert_allclose(
        filters.rolling_mean(x, size),
        uniform_filter1d(x, size=size, mode="nearest"),
        rtol=0,
        atol=1e-12,
    )


def test_the_engine_does_not_import_scipy(tmp_path) -> None:
    """What a worker pays for at every job: the engine runs without importing SciPy."""
    import pickle
    import subprocess
    import sys

    from runform.synthetic import RunnerSpec, synthetic_runner

    run = synthetic_runner(RunnerSpec(), fps=60.0, duration_s=6.0, seed=2)
    (tmp_path / "track.pkl").write_bytes(pickle.dumps(run.track))
    code = (
        "import pickle, sys\n"
        f"track = pickle.loads(open({str(tmp_path / 'track.pkl')!r}, 'rb').read())\n"
        "from runform.pipeline import analyze_track\n"
        "result = analyze_track(track)\n"
        "assert len(result.steps) > 10\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("n", [4, 5, 9, 60, 361])
def test_cubic_spline_slope_is_scipys(n: int) -> None:
    """The foot's velocity below 120 fps (:func:`runform.gait.foot_speed.foot_velocity`):
    the derivative of SciPy's not-a-knot ``CubicSpline``, on uneven knots too."""
    rng = np.random.default_rng(n)
    x = np.sort(rng.uniform(0.0, 10.0, n))
    y = np.sin(x) + rng.normal(0.0, 0.1, n)
    at = np.linspace(x[0], x[-1], 997)
    np.testing.assert_allclose(
        filters.cubic_spline_slope(x, y, at), CubicSpline(x, y)(at, 1), rtol=0, atol=1e-9
    )


@pytest.mark.parametrize("n", [4, 5, 9, 60, 361])
def test_cubic_spline_is_scipys(n: int) -> None:
    """An uneven track on an even grid (:mod:`runform.gait.time_grid`): SciPy's not-a-knot
    ``CubicSpline`` values, several series on the same knots at once, and its end pieces
    extended a little beyond the knots."""
    rng = np.random.default_rng(n)
    x = np.sort(rng.uniform(0.0, 10.0, n))
    y = np.sin(x)[:, None] + rng.normal(0.0, 0.1, (n, 3))
    at = np.linspace(x[0] - 0.1, x[-1] + 0.1, 997)
    np.testing.assert_allclose(filters.cubic_spline(x, y, at), CubicSpline(x, y)(at), atol=1e-9)
    np.testing.assert_allclose(
        filters.cubic_spline(x, y[:, 0], at), CubicSpline(x, y[:, 0])(at), atol=1e-9
    )


@pytest.mark.parametrize("n", [1, 2, 63, 64, 65, 128, 129, 1000])
@pytest.mark.parametrize(("cutoff", "fs"), [(12.0, 240.0), (1.0, 1000.0), (7.5, 30.0)])
def test_blocked_recursion_equals_scipy_sosfilt_across_block_edges(
    n: int, cutoff: float, fs: float
) -> None:
    # the blocked filter carries each section's state from one block of samples to the
    # next: series shorter than, equal to and just past a block, with a state to start
    # from, and a pole close to the unit circle (1 Hz at 1000 Hz), where rounding grows most
    from scipy.signal import sosfilt as scipy_sosfilt

    sos = filters.butter_lowpass_sos(2, cutoff, fs)
    rng = np.random.default_rng(n)
    x = np.cumsum(rng.normal(size=(n, 3)), axis=0)
    zi = rng.normal(size=(len(sos), 2, 3))
    theirs = scipy_sosfilt(sos, x, axis=0, zi=zi)[0]
    scale = max(1.0, float(np.abs(theirs).max()))
    np.testing.assert_allclose(filters.sosfilt(sos, x, zi), theirs, rtol=0, atol=1e-11 * scale)
    one = filters.sosfilt(sos, x[:, 0], zi[:, :, 0])  # a single series keeps its shape
    assert one.shape == (n,)
    np.testing.assert_allclose(one, theirs[:, 0], rtol=0, atol=1e-11 * scale)


def test_a_constant_stretch_stays_exactly_constant() -> None:
    # a flat joint angle must not gain rounding ripples, whose tiny peaks an extremum
    # search would take for a knee's
    sos = filters.butter_lowpass_sos(2, 12.0, 120.0)
    flat = np.full((300, 2), [150.0, -37.25])
    assert np.array_equal(filters.sosfiltfilt(sos, flat), flat)
    assert np.array_equal(filters.sosfiltfilt(sos, flat[:, 0]), flat[:, 0])
