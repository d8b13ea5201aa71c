"""The foot's clearance signal and what the event detector measures on it.

Helpers of :class:`runform.gait.events.FootClearanceDetector`: the ground line under a foot
point (:func:`ground_line`), slow drift removed from a height (:func:`remove_drift`), the
stride time from the clearance's rhythm (:func:`stride_rhythm`), the stance foot's speed
under the hips (:func:`running_speed`), the clearance's noise on the stance plateau
(:func:`plateau_noise`), the foot's horizontal position (:func:`foot_x`), and a level
crossing interpolated between frames (:func:`crossing`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

import numpy as np

from runform.gait.clean import lowpass_series
from runform.gait.filters import rolling_mean, rolling_percentile
from runform.track import PoseTrack


def ground_line(
    xy: np.ndarray, percentile: float = 90.0, iterations: int = 3, crossing: bool = False
) -> np.ndarray:
    """Image ``y`` of the ground under a foot point, per frame, as a line in ``x``.

    A camera that is rolled, or the perspective of a belt seen slightly from above, makes
    the ground a sloping line in the image: a stance foot then slides along that slope. The
    line is fitted to the frames where the point is near its lowest (a high percentile of
    ``y`` first, then the frames within a band above the current line), a few times over.
    ``crossing``: the runner crosses the picture (overground, a fixed camera): the first
    guess is then the line through the path's lowest points (:func:`_envelope_start`).
    """
    x, y = xy[:, 0], xy[:, 1]
    ok = np.isfinite(x) & np.isfinite(y)
    ground = (
        _envelope_start(x[ok], y[ok], x, percentile)
        if crossing
        else np.full_like(y, np.nanpercentile(y[ok], percentile))
    )
    span = np.nanpercentile(y[ok], 95) - np.nanpercentile(y[ok], 5)
    for _ in range(iterations):
        near = ok & (ground - y < 0.08 * span)
        if near.sum() < 6 or np.ptp(x[near]) < 1e-9:
            break
        slope, intercept = np.polyfit(x[near], y[near], 1)
        resid = y[near] - (slope * x[near] + intercept)
        # shift so the line sits at the same percentile of the near-ground points
        intercept += np.percentile(resid, 100.0 - (100.0 - percentile) * 2)
        ground = slope * x + intercept
    return ground


#: Stretches of the foot's path across the picture whose lowest points start the ground
#: line (:func:`_envelope_start`).
ENVELOPE_BINS = 6


def _envelope_start(x: np.ndarray, y: np.ndarray, at: np.ndarray, percentile: float):
    """The first guess of :func:`ground_line` for a runner crossing the picture: the line
    through the lowest points of :data:`ENVELOPE_BINS` stretches of the foot's path. With
    the camera rolled a few degrees the ground falls across the picture by more than a
    foot's lift, and a level guess (the ``percentile`` of ``y``, right for a foot on one
    stretch of belt) found the ground at one end only and fitted it wrongly: rolled by
    −4°, a synthetic runner crossing the picture kept 1 right step of 5."""
    level = np.full(at.shape, float(np.percentile(y, percentile)))
    lo, hi = np.percentile(x, [2, 98])
    if hi - lo <= 0 or len(x) < 6 * ENVELOPE_BINS:
        return level
    edges = np.linspace(lo, hi, ENVELOPE_BINS + 1)
    cx, cy = [], []
    for a, b in pairwise(edges):
        inside = (x >= a) & (x <= b)
        if inside.sum() >= 3:
            cx.append(float(np.median(x[inside])))
            cy.append(float(np.percentile(y[inside], percentile)))
    if len(cx) < 3:
        return level
    slope, intercept = np.polyfit(cx, cy, 1)
    return slope * at + intercept


#: A foot whose clearance is seen in less of the clip than this has no rhythm of its own:
#: bridged by straight lines over the rest, its autocorrelation peaks where the lines do (a
#: far foot seen for the first second of 5 read a stride of 0.39 s against the runner's
#: 0.77, and, the shorter of two rhythms a multiple apart, set the near foot's too).
RHYTHM_MIN_SEEN = 0.5


def stride_rhythm(
    t: np.ndarray, clear: np.ndarray, min_s: float = 0.45, max_s: float = 2.0
) -> tuple[float, float] | None:
    """A foot's stride time (s) from the rhythm of its clearance, and the rhythm's strength:
    the lag of the highest autocorrelation peak between ``min_s`` and ``max_s`` (running
    strides last 0.55-1 s), refined by a parabola through the peak, and that peak's height
    (1 for a perfectly regular rhythm). ``None`` when the signal shows no rhythm.

    >>> t = np.arange(0, 10, 0.01)
    >>> stride, strength = stride_rhythm(t, np.maximum(np.sin(2 * np.pi * t / 0.72), 0) ** 4)
    >>> round(stride, 3)
    0.72
    """
    ok = np.isfinite(clear)
    if ok.sum() < 20 or ok.mean() < RHYTHM_MIN_SEEN:
        return None
    dt = float(np.median(np.diff(t)))
    x = np.interp(np.arange(len(clear)), np.flatnonzero(ok), clear[ok])
    x = x - x.mean()
    n = len(x)
    spec = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(spec * np.conj(spec))[:n]
    if ac[0] <= 0:
        return None
    ac = ac / ac[0] * n / np.maximum(n - np.arange(n), 1)  # unbiased
    lo, hi = int(min_s / dt), min(int(max_s / dt), n - 2)
    if hi <= lo + 2:
        return None
    seg = ac[lo:hi]
    best = float(np.max(seg))
    if best < 0.3:
        return None
    # the first peak nearly as high as the highest: multiples of the stride peak too
    peaks = [
        i
        for i in range(1, len(seg) - 1)
        if seg[i - 1] <= seg[i] >= seg[i + 1] and seg[i] >= 0.8 * best
    ]
    k = lo + (peaks[0] if peaks else int(np.argmax(seg)))
    # a peak at half that lag, of at least half its height, is the stride and this one two
    # strides: one foot's clearance rises once a stride, so nothing peaks at half a stride
    # (a step) in its rhythm, but noise or a stretch of the other foot's points can lift
    # the two-stride peak over the one-stride peak
    half = [
        i
        for i in range(max(lo, int(0.45 * k)), min(int(0.55 * k) + 1, n - 1))
        if ac[i - 1] <= ac[i] >= ac[i + 1] and ac[i] >= 0.5 * ac[k]
    ]
    if half:
        k = max(half, key=lambda i: ac[i])
    a, b, c = ac[k - 1], ac[k], ac[k + 1]
    shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
    return float((k + shift) * dt), float(b)


#: Two feet's strides further apart than this ratio are not one runner's rhythm read twice:
#: one of them was read over a multiple of the stride, or through noise.
RHYTHMS_AGREE = 1.2


def reconcile_rhythms(
    rhythms: dict[str, tuple[float, float] | None],
) -> dict[str, float | None]:
    """Each foot's stride time, where the two feet disagree made one runner's.

    Both feet of a runner take strides of one length. When the two read apart by more than
    :data:`RHYTHMS_AGREE`, the longer is near a multiple of the shorter (within 10 %: a
    noisy foot whose autocorrelation peaked at two strides) and the shorter stands for
    both; otherwise the foot with the weaker rhythm takes the other's. Feet that agree keep
    their own; a foot without a rhythm stays without.

    >>> reconcile_rhythms({"left": (0.72, 0.9), "right": (1.43, 0.5)})
    {'left': 0.72, 'right': 0.72}
    >>> reconcile_rhythms({"left": (0.72, 0.9), "right": (0.74, 0.5)})
    {'left': 0.72, 'right': 0.74}
    >>> reconcile_rhythms({"left": (0.72, 0.4), "right": (1.0, 0.8)})
    {'left': 1.0, 'right': 1.0}
    """
    out = {side: (None if r is None else r[0]) for side, r in rhythms.items()}
    found = {side: r for side, r in rhythms.items() if r is not None}
    if len(found) != 2:
        return out
    (s1, (p1, w1)), (s2, (p2, w2)) = sorted(found.items(), key=lambda item: item[1][0])
    ratio = p2 / p1
    if ratio <= RHYTHMS_AGREE:
        return out
    multiple = round(ratio)
    if multiple >= 2 and abs(ratio - multiple) <= 0.1 * multiple:
        out[s2] = p1
    elif w1 >= w2:
        out[s2] = p1
    else:
        out[s1] = p2
    return out


def foot_x(
    track: PoseTrack, side: str, parts: Sequence[str] = ("heel", "foot_index")
) -> np.ndarray | None:
    """Horizontal position of one foot: the mean of the given points of it (those present
    in a frame where some are missing), NaN where all are; ``None`` when the track has
    none of them."""
    names = [f"{side}_{p}" for p in parts if track.has(f"{side}_{p}")]
    if not names:
        return None
    xs = np.stack([track.point(n)[:, 0] for n in names])
    count = np.isfinite(xs).sum(axis=0)
    return np.where(count > 0, np.nansum(xs, axis=0) / np.maximum(count, 1), np.nan)


#: Share of a stance window's middle half whose foot points must be known for its slope to
#: count: a slope through a few frames left by a lost foot is noise, not speed.
MIN_SPEED_COVERAGE = 0.5


def running_speed(
    track: PoseTrack, windows: Mapping[str, Sequence[tuple[int, int]]], leg: float
) -> float:
    """How fast the stance foot moves backward under the hips, in leg lengths per second.

    The slope of each foot's horizontal position (mean of its heel and toe, relative to the
    hips' midpoint) over the middle half of each of its stance windows (``windows``: side ->
    frame ranges). The runner has one speed, so both feet's stances are pooled: a foot the
    pose model (or the motion capture) mostly lost does not get a speed of its own. A slope
    counts when at least :data:`MIN_SPEED_COVERAGE` of its frames are known and it points
    the way most stances' do (a stance foot moves backward under the hips, never forward).
    The median of those. On a treadmill and overground alike this is the running speed,
    measured in the image without a scale. NaN when it cannot be measured.

    Examples
    --------
    The synthetic runner runs at 3.2 m/s on legs of 0.9 m (the detector calls this with
    the stance windows it found):

    >>> from runform.gait.events import FootClearanceDetector
    >>> from runform.synthetic import synthetic_runner
    >>> run = synthetic_runner(duration_s=4.0, fps=120.0, seed=1)
    >>> round(FootClearanceDetector().detect(run.track).running_speed_, 1)
    3.6
    >>> bool(np.isnan(running_speed(run.track, {}, 1.0)))  # no stance, no speed
    True
    """
    if not (track.has("left_hip") and track.has("right_hip")):
        return float("nan")
    hip = 0.5 * (track.point("left_hip")[:, 0] + track.point("right_hip")[:, 0])
    slopes = []
    for side, spans in windows.items():
        parts = [p for p in ("heel", "foot_index", "ankle") if track.has(f"{side}_{p}")][:2]
        foot = foot_x(track, side, parts)
        if foot is None:
            continue
        rel = foot - hip
        for start, stop in spans:
            lo, hi = start + (stop - start) // 4, stop - (stop - start) // 4
            ok = np.isfinite(rel[lo:hi])
            if ok.sum() >= max(3, MIN_SPEED_COVERAGE * (hi - lo)):
                slopes.append(np.polyfit(track.time[lo:hi][ok], rel[lo:hi][ok], 1)[0] / leg)
    if not slopes:
        return float("nan")
    s = np.asarray(slopes)
    backward = np.sign(np.median(s)) or 1.0
    kept = s[np.sign(s) == backward]
    return float(np.median(np.abs(kept))) if kept.size else float("nan")


def plateau_noise(clear: np.ndarray, windows: list[tuple[int, int]]) -> float:
    """Noise of the clearance while the foot is flat: robust SD (MAD) of the middle half of
    every stance around its own straight-line trend. After low-pass filtering, pixel noise
    shows up as slow wiggles, which this measures and second differences would not."""
    resid = []
    for start, stop in windows:
        lo, hi = start + (stop - start) // 4, stop - (stop - start) // 4
        seg = clear[lo:hi]
        x = np.arange(seg.size, dtype=float)
        ok = np.isfinite(seg)
        if ok.sum() >= 3:
            coef = np.polyfit(x[ok], seg[ok], 1)
            resid.append(seg[ok] - np.polyval(coef, x[ok]))
    if not resid:
        return 0.0
    r = np.concatenate(resid)
    return float(1.4826 * np.median(np.abs(r - np.median(r))))


def smooth_series(t: np.ndarray, y: np.ndarray, cutoff_hz: float) -> np.ndarray:
    """Zero-lag low-pass of a 1-D series with gaps (runs filtered separately)."""
    return lowpass_series(y, 1.0 / float(np.median(np.diff(t))), cutoff_hz)


def crossing(
    t: np.ndarray, y: np.ndarray, centre: int, level: float, *, backward: bool
) -> float | None:
    """Time where ``y`` first exceeds ``level`` walking from ``centre`` backward or forward,
    linearly interpolated between the two frames around the crossing; ``None`` if it never
    does or a missing sample interrupts the walk."""
    step = -1 if backward else 1
    i = centre
    while 0 <= i + step < len(y):
        j = i + step
        if not (np.isfinite(y[i]) and np.isfinite(y[j])):
            return None
        if y[j] > level >= y[i] or (y[i] > level and i == centre):
            if y[i] > level:  # the centre itself is above: no stance here
                return None
            w = (level - y[i]) / (y[j] - y[i])
            return float(t[i] + w * (t[j] - t[i]))
        i = j
    return None


def remove_drift(
    t: np.ndarray, h: np.ndarray, window_s: float, percentile: float = 5.0
) -> np.ndarray:
    """Subtract a rolling low percentile of a foot point's height (window ``window_s``).

    The ground line is fitted once per clip, but the ground level seen by a pose model
    drifts: the runner moves forward and back on the belt, the model's idea of the heel
    changes with lighting. Every window longer than a stride contains a stance, whose
    plateau is the window's low percentile, so subtracting it re-zeroes each stance
    without touching the shape of the clearance around contact and toe-off.
    """
    ok = np.isfinite(h)
    if ok.sum() < 3:
        return h
    filled = np.interp(np.arange(h.size), np.flatnonzero(ok), h[ok])
    size = max(3, int(round(window_s / float(np.median(np.diff(t))))) | 1)
    if size >= h.size:
        return h - np.nanpercentile(h, percentile)
    base = rolling_percentile(filled, percentile, size)
    # smooth the baseline over the same window so it only follows slow drift
    base = rolling_mean(base, size)
    return np.where(ok, h - base, np.nan)


def missed_stances(
    t: np.ndarray,
    smooth: np.ndarray,
    windows: list[tuple[int, int]],
    period: float,
    threshold: float,
    relaxed: float = 3.0,
    min_gap: float = 1.5,
    min_duration_s: float = 0.08,
) -> list[tuple[int, int]]:
    """Windows of stances the stance threshold missed, found where they must be.

    A foot lands once per stride. Where two of a foot's stance windows start ``min_gap``
    strides or more apart, each stride missing between them held a stance that noise or a
    raised ground level kept above ``threshold``. It is looked for within a third of a
    stride of where it was due: the run of ``smooth`` clearance below ``relaxed`` ×
    ``threshold`` that holds the lowest point there, if it lasts ``min_duration_s`` (the
    shortest contact). A due stance with no such run (the foot's points lost, or the foot
    never low) is not made up.
    """
    dt = float(np.median(np.diff(t)))
    low = np.isfinite(smooth) & (smooth < relaxed * threshold)
    found: list[tuple[int, int]] = []
    for (s0, e0), (s1, _e1) in pairwise(windows):
        gap = float(t[s1] - t[s0])
        missing = int(round(gap / period)) - 1
        if gap < min_gap * period or missing < 1:
            continue
        step = gap / (missing + 1)
        for k in range(1, missing + 1):
            due = t[s0] + k * step
            lo = max(e0, int(np.searchsorted(t, due - period / 3.0)))
            hi = min(s1, int(np.searchsorted(t, due + period / 3.0)))
            region = smooth[lo:hi]
            if hi - lo < 3 or not np.isfinite(region).any():
                continue
            centre = lo + int(np.nanargmin(region))
            if not low[centre]:
                continue
            start, stop = centre, centre + 1
            while start > e0 and (low[start - 1] or _short_break(low, start - 1, -1, t, dt)):
                start -= 1
            while stop < s1 and (low[stop] or _short_break(low, stop, 1, t, dt)):
                stop += 1
            if t[stop - 1] - t[start] >= min_duration_s - dt:
                found.append((start, stop))
    return found


def _short_break(low: np.ndarray, i: int, way: int, t: np.ndarray, dt: float) -> bool:
    """Whether the break in ``low`` at ``i`` lasts under 40 ms (noise, not a swing)."""
    j = i
    while 0 <= j < low.size and not low[j]:
        j += way
    return 0 <= j < low.size and abs(float(t[j] - t[i])) <= 0.04 + dt
