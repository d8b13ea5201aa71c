"""Slopes in time, not in frames: the derivative of a series read between its frames.

A central difference of frames ``1 / fs`` apart (``np.gradient``) shrinks a harmonic of
frequency ``f`` by ``sin(2πf/fs) / (2πf/fs)``: 17 % at 5 Hz and 30 fps, 4 % at 60 fps, 1 % at
120 fps. And the largest value of a slope read at the frames sits on a frame. A peak of a
derivative read that way drops at a low frame rate by far more than a frame's timing: the
peak backward thigh speed of a runner read 5-10 % lower at 30 than at 60-240 fps
(``bench/rate_dependence.py``). The derivative of a cubic spline through the frames, read
on a grid finer than they are, does neither.

>>> import numpy as np
>>> t = np.arange(0.0, 1.0, 1 / 30)
>>> y = np.sin(2 * np.pi * 5 * t)
>>> times, v = spline_slope_runs(t, y, 4)          # 5 Hz at 30 fps: 6 frames a cycle
>>> inside = (times > 0.2) & (times < 0.8)           # the spline's ends overshoot
>>> peak = 2 * np.pi * 5                             # the true peak slope
>>> round(float(v[inside].max() / peak), 2), round(float(np.gradient(y, t).max() / peak), 2)
(0.99, 0.83)
"""

from __future__ import annotations

import numpy as np

from runform.gait.clean import runs_of
from runform.gait.filters import cubic_spline_slope


def spline_slope_runs(t: np.ndarray, y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(times, slope)``: the derivative of the cubic spline (not-a-knot ends) through each
    run of at least four finite samples of ``y`` at times ``t``, read at ``k`` points per
    frame interval (``k = 1``: at the frames), NaN elsewhere. ``times`` has
    ``(len(t) - 1) · k + 1`` points, ``t`` at every ``k``-th."""
    k = max(1, int(k))
    fine = np.interp(np.arange((len(t) - 1) * k + 1) / k, np.arange(len(t)), t)
    v = np.full(fine.shape, np.nan)
    for start, stop in runs_of(np.isfinite(y)):
        if stop - start >= 4:
            a, b = start * k, (stop - 1) * k + 1
            v[a:b] = cubic_spline_slope(t[start:stop], y[start:stop], fine[a:b])
    return fine, v


def points_per_frame(t: np.ndarray, fine_hz: float) -> int:
    """Grid points per frame interval that read a series at ``fine_hz`` or finer (at least
    one: a track at that rate or faster is read at its frames).

    >>> points_per_frame(np.arange(10) / 30.0, 120.0), points_per_frame(np.arange(10) / 240.0, 120.0)
    (4, 1)
    """
    fs = 1.0 / float(np.median(np.diff(t)))
    return max(1, int(np.ceil(fine_hz / fs - 1e-9)))


__all__ = ["points_per_frame", "spline_slope_runs"]
