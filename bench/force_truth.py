"""Force-plate truth of the mocap harness (:mod:`mocap`): stances and events per foot.

- :func:`above_intervals`: complete intervals of a vertical force above a threshold, the
  crossings interpolated linearly between samples (:func:`crossing_time`).
- :func:`force_floor`: the level below which a pre-processed force was set to zero.
- :func:`lower_foot`: which foot is lower at a moment (the side of a summed force's stance).
- :func:`merge_stances` and :func:`events_from_stances`: per-foot stance intervals joined
  where they overlap and turned into contact and toe-off events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

SIDES = ("left", "right")


def crossing_time(t: np.ndarray, f: np.ndarray, i: int, level: float) -> float:
    """Time at which ``f`` crosses ``level`` between samples ``i - 1`` and ``i`` (linear)."""
    f0, f1 = f[i - 1], f[i]
    frac = (level - f0) / (f1 - f0) if f1 != f0 else 0.5
    return float(t[i - 1] + frac * (t[i] - t[i - 1]))


def above_intervals(
    t: np.ndarray, force: np.ndarray, threshold_n: float, min_peak_n: float
) -> list[tuple[float, float]]:
    """Complete intervals where ``force`` >= ``threshold_n`` with a peak above ``min_peak_n``.

    Crossings are interpolated linearly between samples; intervals touching either end of
    the record are dropped (incomplete stances).

    Examples
    --------
    >>> t = np.arange(0, 1, 0.001)
    >>> f = np.where((t > 0.2) & (t < 0.45), 1500 * np.sin(np.pi * (t - 0.2) / 0.25), 0)
    >>> [(round(a, 3), round(b, 3)) for a, b in above_intervals(t, f, 20.0, 500.0)]
    [(0.201, 0.449)]
    """
    above = force >= threshold_n
    rises = np.flatnonzero(~above[:-1] & above[1:]) + 1
    falls = np.flatnonzero(above[:-1] & ~above[1:]) + 1
    out = []
    for r in rises:
        later = falls[falls > r]
        if len(later) == 0:
            break
        fall = int(later[0])
        if np.max(force[r:fall]) < min_peak_n:
            continue
        out.append(
            (crossing_time(t, force, r, threshold_n), crossing_time(t, force, fall, threshold_n))
        )
    return out


def force_floor(force: np.ndarray) -> float:
    """The level below which a pre-processed force was set to zero (N), 0 if it was not.

    Read from the data: the smallest first non-zero sample after a run of zeros (every
    sample at or above the floor was kept, so the smallest is the closest to it).
    """
    zero = force == 0.0
    starts = np.flatnonzero(zero[:-1] & (force[1:] > 0)) + 1
    if len(starts) == 0 or zero.sum() < 0.05 * len(force):
        return 0.0
    return float(np.min(force[starts]))


def lower_foot(time: np.ndarray, points: Mapping[str, np.ndarray], when: float) -> str | None:
    """The side whose foot (mean height of heel and toe points) is lower at ``when``;
    ``None`` when either foot is missing there."""
    low = {}
    for side in SIDES:
        h = [np.interp(when, time, points[f"{side}_{p}"][:, 1]) for p in ("heel", "foot_index")]
        h = [v for v in h if np.isfinite(v)]
        if not h:
            return None
        low[side] = float(np.mean(h))
    return min(low, key=low.get)


def merge_stances(stances: Iterable[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """Join overlapping intervals of the same foot (a foot on both belts of a split-belt
    treadmill is measured by both plates at once).

    >>> merge_stances([("left", 1.0, 1.3), ("left", 1.01, 1.32), ("right", 1.4, 1.7)])
    [('left', 1.0, 1.32), ('right', 1.4, 1.7)]
    """
    out: list[tuple[str, float, float]] = []
    for side in SIDES:
        items = sorted((s for s in stances if s[0] == side), key=lambda s: s[1])
        for _, on, off in items:
            if out and out[-1][0] == side and on <= out[-1][2]:
                out[-1] = (side, out[-1][1], max(off, out[-1][2]))
            else:
                out.append((side, on, off))
    return sorted(out, key=lambda s: s[1])


def events_from_stances(stances: Iterable[tuple[str, float, float]]) -> list[dict]:
    """``[(side, on, off)]`` -> sorted event dicts (overlapping same-foot intervals joined)."""
    ev = []
    for side, on, off in merge_stances(stances):
        ev.append({"side": side, "kind": "contact", "time_s": float(on)})
        ev.append({"side": side, "kind": "toe_off", "time_s": float(off)})
    return sorted(ev, key=lambda e: e["time_s"])
