"""A stance the threshold missed is looked for where the foot's rhythm says it must be
(:func:`runform.gait.clearance.missed_stances`), and never made up where the foot was not low."""

from __future__ import annotations

import numpy as np

from runform.gait.clean import runs_of
from runform.gait.clearance import missed_stances

FPS = 60.0
PERIOD = 0.8  # s per stride
STANCE = 0.3  # s on the ground


def clearance(
    raised: dict[int, float], lost: set[int] = frozenset()
) -> tuple[np.ndarray, np.ndarray]:
    """A foot's smoothed clearance (leg lengths): 0 in stance, a 0.08 arch in swing;
    stance ``k`` sits ``raised[k]`` above the ground, stance ``k`` in ``lost`` is NaN."""
    t = np.arange(0.0, 6.0, 1.0 / FPS)
    c = np.empty_like(t)
    for i, ti in enumerate(t):
        k, phase = divmod(ti, PERIOD)
        if phase < STANCE:
            c[i] = raised.get(int(k), 0.0)
        else:
            c[i] = 0.08 * np.sin(np.pi * (phase - STANCE) / (PERIOD - STANCE))
        if int(k) in lost and phase < STANCE + 0.05:
            c[i] = np.nan
    return t, c


def windows_below(t: np.ndarray, c: np.ndarray, thr: float) -> list[tuple[int, int]]:
    """Runs below the threshold long enough to be a stance (as the detector keeps them)."""
    runs = runs_of(np.isfinite(c) & (c < thr))
    return [(s, e) for s, e in runs if t[e - 1] - t[s] >= 0.1]


def test_a_raised_stance_is_found_where_it_was_due() -> None:
    t, c = clearance({3: 0.012})  # stance 3 (2.4-2.7 s) sits above the threshold
    thr = 0.1 * 0.08
    windows = windows_below(t, c, thr)
    assert not any(2.35 < t[s] < 2.75 for s, _ in windows)  # the threshold misses it
    found = missed_stances(t, c, windows, PERIOD, thr)
    assert len(found) == 1
    start, stop = found[0]
    assert abs(t[start] - 2.4) < 0.05 and abs(t[stop - 1] - 2.7) < 0.05


def test_nothing_is_made_up_where_the_foot_was_not_low() -> None:
    t, c = clearance({3: 0.05})  # far above the threshold: not a stance the search accepts
    thr = 0.1 * 0.08
    assert missed_stances(t, c, windows_below(t, c, thr), PERIOD, thr) == []
    t, c = clearance({}, lost={3})  # the foot's points lost: left for the lost-stance logic
    windows = windows_below(t, c, thr)
    assert missed_stances(t, c, windows, PERIOD, thr) == []


def test_no_search_between_stances_one_stride_apart() -> None:
    t, c = clearance({})
    thr = 0.1 * 0.08
    windows = windows_below(t, c, thr)
    assert len(windows) == 8
    assert missed_stances(t, c, windows, PERIOD, thr) == []
