"""The small readers every per-step metric is built from (:mod:`runform.metrics.steps`),
against NumPy's own interpolation and nan-aware extremes on series with gaps."""

from __future__ import annotations

import numpy as np
import pytest

from runform.metrics import steps


@pytest.fixture
def series() -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(200) / 120.0
    y = np.sin(2 * np.pi * 1.4 * t) * 30.0 + np.random.default_rng(0).normal(0, 1, 200)
    y[40:43] = np.nan  # a short gap
    y[120:135] = np.nan  # a long one
    return t, y


def test_value_at_is_linear_interpolation_and_nan_beside_a_gap(series) -> None:
    t, y = series
    for when in np.linspace(t[1], t[-2], 97):
        i = int(np.searchsorted(t, when))
        expected = (
            np.interp(when, t[i - 1 : i + 1], y[i - 1 : i + 1])
            if np.isfinite(y[i - 1 : i + 1]).all()
            else np.nan
        )
        got = steps.value_at(t, y, float(when))
        assert isinstance(got, float)
        assert got == pytest.approx(expected, abs=1e-12, nan_ok=True)
    assert np.isnan(steps.value_at(t, y, -1.0)) and np.isnan(steps.value_at(t, y, 99.0))


def test_window_holds_the_samples_inside_and_the_interpolated_ends(series) -> None:
    t, y = series
    w = steps.window(t, y, 0.105, 0.3)
    inside = y[(t >= 0.105) & (t <= 0.3)]
    assert w.size == inside.size + 2
    np.testing.assert_array_equal(w[1:-1], inside)
    assert w[0] == pytest.approx(np.interp(0.105, t, y))
    assert w[-1] == pytest.approx(np.interp(0.3, t, y))
    assert steps.window(t, y, 0.3, 0.2).size == 2  # an empty span keeps its two ends


@pytest.mark.parametrize("fn", [np.max, np.min])
def test_checked_extreme_is_the_nan_aware_extreme_unless_its_frame_is_distorted(series, fn) -> None:
    t, y = series
    ok = np.ones(t.size, bool)
    pick = np.nanargmax if fn is np.max else np.nanargmin
    for start, stop in [(0.0, 0.5), (0.2, 0.45), (0.9, 1.2), (0.95, 1.05), (1.3, 1.6)]:
        inside = np.flatnonzero((t >= start) & (t <= stop))
        seg = y[inside]
        got = steps._checked_extreme(t, y, ok, start, stop, fn)
        if np.isfinite(seg).mean() < 0.6:
            assert np.isnan(got)  # too little of the window seen
            continue
        k = inside[pick(seg)]
        assert got == y[k]
        bent = ok.copy()
        bent[k + 1] = False  # a distorted neighbour of the extreme's frame
        assert np.isnan(steps._checked_extreme(t, y, bent, start, stop, fn))
        far = ok.copy()
        far[inside[0] if inside[0] < k - 1 else inside[-1]] = False
        assert steps._checked_extreme(t, y, far, start, stop, fn) == y[k]


def test_extreme_needs_enough_of_the_window() -> None:
    values = np.array([1.0, np.nan, 3.0, 2.0, np.nan])  # 60 % seen
    assert steps._extreme(values, np.max) == 3.0
    assert np.isnan(steps._extreme(values, np.max, min_valid=0.8))
    assert np.isnan(steps._extreme(np.array([]), np.max))
    assert steps._extreme(np.array([4.0, 1.0, 2.0]), np.ptp) == 3.0
