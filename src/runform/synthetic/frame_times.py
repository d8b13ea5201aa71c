"""Frame times of a phone's variable frame rate, for the synthetic runner's ``times``.

A phone records each frame's presentation time; under load it drops frames, in low light
it lowers its rate for a stretch, and its clock puts each frame a millisecond or two off the
nominal grid. These small pure functions make such frame times from a nominal rate, seeded,
so the engine can be measured on them against the runner's exact events
(``bench/vfr_timing.py``, ``tests/test_vfr.py``).

Examples
--------
>>> t = uniform_times(30.0, 1.0)
>>> t.size, round(float(t[1]), 4)
(30, 0.0333)
>>> dropped = drop_frames(t, 0.1, seed=0)
>>> int(dropped.size), bool(np.diff(dropped).max() < 0.07)
(27, True)
>>> slow = rate_stretch(30.0, 4.0, low_fps=24.0, start_s=1.0, length_s=2.0)
>>> round(float(np.median(np.diff(slow[(slow > 1.1) & (slow < 2.9)]))), 4)
0.0417
"""

from __future__ import annotations

import numpy as np


def uniform_times(fps: float, duration_s: float) -> np.ndarray:
    """Frame ``k`` at ``k / fps`` s, as the synthetic runner's default."""
    return np.arange(max(2, round(duration_s * fps))) / fps


def drop_frames(times: np.ndarray, fraction: float, seed: int = 0) -> np.ndarray:
    """``times`` without ``fraction`` of its frames, each a single dropped frame (never two
    in a row, never the first or last), chosen at random (seeded).

    >>> drop_frames(np.arange(6) / 30.0, 0.2, seed=1).size
    5
    """
    rng = np.random.default_rng(seed)
    n = times.size
    want = int(round(fraction * n))
    candidates = rng.permutation(np.arange(1, n - 1))
    gone: set[int] = set()
    for i in candidates.tolist():
        if len(gone) >= want:
            break
        if i - 1 not in gone and i + 1 not in gone:
            gone.add(i)
    keep = np.ones(n, dtype=bool)
    keep[list(gone)] = False
    return times[keep]


def rate_stretch(
    fps: float, duration_s: float, *, low_fps: float, start_s: float, length_s: float
) -> np.ndarray:
    """Frames at ``fps`` except for ``length_s`` from ``start_s`` at ``low_fps`` (a phone
    lowering its rate in poor light), then at ``fps`` again.

    >>> t = rate_stretch(30.0, 2.0, low_fps=15.0, start_s=0.5, length_s=0.5)
    >>> np.round(np.diff(t)[14:19] * 1000).tolist()
    [33.0, 67.0, 67.0, 67.0, 67.0]
    """
    before = np.arange(0.0, start_s - 1e-9, 1.0 / fps)
    during = np.arange(start_s, start_s + length_s - 1e-9, 1.0 / low_fps)
    after = np.arange(start_s + length_s, duration_s - 1e-9, 1.0 / fps)
    return np.concatenate([before, during, after])


def jitter(times: np.ndarray, max_s: float, seed: int = 0) -> np.ndarray:
    """Each frame moved by a uniform random amount in ``±max_s`` (seeded), order kept.

    >>> t = jitter(np.arange(5) / 30.0, 0.002, seed=0)
    >>> bool(np.abs(t - np.arange(5) / 30.0).max() <= 0.002)
    True
    """
    rng = np.random.default_rng(seed)
    out = times + rng.uniform(-max_s, max_s, times.size)
    out[0] = max(out[0], 0.0)
    return np.maximum.accumulate(out)


__all__ = ["drop_frames", "jitter", "rate_stretch", "uniform_times"]
