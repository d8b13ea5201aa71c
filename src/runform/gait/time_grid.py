"""A variable-frame-rate track on an even time grid, and back.

A phone's frames are not always evenly spaced: it drops a frame under load, lowers its rate
in poor light, and stamps each frame a millisecond or two off its nominal time. The track
keeps each frame's real time, but the gait stage's filters (a Butterworth low-pass designed
for one sampling rate) and its windows counted in frames read a track as evenly spaced:
over a dropped frame they see the foot jump, and in a slower stretch they filter at a lower
cut-off. On such a track the gait stage works on an even grid at the clip's nominal rate
instead (:func:`to_grid`), and reads what it found back at the real frames
(:func:`resample`, :func:`frame_of`); an evenly spaced track is left as it is
(:func:`is_uniform`), so nothing changes for it.

The grid interpolates a cubic spline through the real frames (not-a-knot ends), each run
of known samples on its own, and never across a real gap (no frame, or the point missing)
longer than the longest gap the cleaning fills (``max_gap_s``): grid times inside such a
gap are missing, as that gap's frames would be.

Examples
--------
>>> t = np.array([0.0, 1, 2, 4, 5, 6, 7]) / 30       # frame 3 dropped
>>> bool(is_uniform(t))
False
>>> x = np.sin(t * 9.0)[:, None, None].repeat(2, axis=2)
>>> track = PoseTrack(t, x, np.ones((7, 1)), ("left_hip",))
>>> grid = to_grid(track, max_gap_s=0.1)
>>> grid.n_frames, bool(is_uniform(grid.time))
(8, True)
>>> round(float(grid.point("left_hip")[3, 0]), 3), round(float(np.sin(0.9)), 3)
(0.783, 0.783)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from runform.gait.filters import cubic_spline
from runform.gait.types import GaitEvents
from runform.track import PoseTrack

#: A track is evenly spaced when no frame lies further than this fraction of a frame (and
#: than :data:`UNIFORM_FLOOR_S`) from the straight line fitted to its frame times.
#: Container timestamps rounded to the millisecond stay within 0.5 ms (1.5 % of a 30 fps
#: frame); one dropped frame moves the frames after it by a whole frame.
UNIFORM_TOLERANCE = 0.05
#: ... and never less than this (s): timestamps rounded to a container's tick (1/600 s in
#: many phones' files, 1/1000 s in pose files' time columns) are up to 0.83 ms off, a fifth
#: of a 240 fps frame, and spacing that even is read as even at any frame rate. A frame
#: dropped at 240 fps moves the frames after it by 4.2 ms.
UNIFORM_FLOOR_S = 0.001


def nominal_step(time: np.ndarray) -> float:
    """The clip's nominal frame interval: the median of its frame intervals (s)."""
    return float(np.median(np.diff(time)))


def is_uniform(time: np.ndarray, tolerance: float = UNIFORM_TOLERANCE) -> bool:
    """Whether the frames are evenly spaced: each within ``tolerance`` of a frame (and at
    least :data:`UNIFORM_FLOOR_S`) of the straight line fitted to the frame times (least
    squares, so a rounded last timestamp does not tilt it).

    >>> is_uniform(np.arange(10) / 30), is_uniform(np.r_[np.arange(5), np.arange(6, 11)] / 30)
    (True, False)
    """
    n = time.size
    if n < 3:
        return True
    index = np.arange(n, dtype=float)
    step, start = np.polyfit(index, time, 1)
    line = start + index * step
    return bool(np.max(np.abs(time - line)) <= max(tolerance * step, UNIFORM_FLOOR_S))


def max_missing_frames(max_gap_s: float, step: float) -> int:
    """How many frames in a row a gap of ``max_gap_s`` may miss at ``step`` (at least one):
    the limit of :func:`runform.gait.clean.fill_gaps`."""
    return max(1, round(max_gap_s / step))


def _segments(time: np.ndarray, ok: np.ndarray, longest: float) -> list[tuple[int, int]]:
    """Runs ``(start, stop)`` of at least two ``ok`` frames, split where two frames are
    further apart than ``longest`` seconds.

    >>> _segments(np.array([0.0, 1, 2, 5, 6, 7]), np.array([1, 1, 1, 1, 0, 1], bool), 2.0)
    [(0, 3)]
    """
    gap = np.diff(time) > longest
    start = ok & ~np.r_[False, ok[:-1] & ~gap]
    last = ok & ~np.r_[ok[1:] & ~gap, False]
    pairs = zip(np.flatnonzero(start).tolist(), (np.flatnonzero(last) + 1).tolist(), strict=True)
    return [(a, b) for a, b in pairs if b - a >= 2]


def _fill(
    time: np.ndarray, v: np.ndarray, at: np.ndarray, spans: list[tuple[int, int]], edge_s: float
) -> np.ndarray:
    """``v`` (``(n,)`` or ``(n, m)``) interpolated at ``at`` within each span of frames
    (up to ``edge_s`` beyond its ends): a cubic spline, a line through two or three frames."""
    out = np.full((at.size, *v.shape[1:]), np.nan)
    for start, stop in spans:
        x, y = time[start:stop], v[start:stop]
        sel = (at >= x[0] - edge_s - 1e-9) & (at <= x[-1] + edge_s + 1e-9)
        if not sel.any():
            continue
        if stop - start >= 4:
            out[sel] = cubic_spline(x, y, at[sel])
        elif y.ndim == 1:
            out[sel] = np.interp(at[sel], x, y)
        else:
            out[sel] = np.stack([np.interp(at[sel], x, col) for col in y.T], axis=1)
    return out


def resample(
    track: PoseTrack, times: np.ndarray, max_gap_s: float, edge_s: float = 0.0
) -> PoseTrack:
    """The track at ``times``: each point's coordinates interpolated (:func:`_fill`) over
    each run of frames where it is known and no two frames are further apart than
    ``max_gap_s`` plus a frame (a real gap longer than the cleaning fills); missing
    elsewhere, and beyond a run's first or last frame by more than ``edge_s``. Scores are
    those of the nearest frame.

    >>> t = np.arange(6) / 10
    >>> track = PoseTrack(t, np.stack([t, t], -1)[:, None], np.ones((6, 1)), ("left_hip",))
    >>> resample(track, np.array([0.25, 0.8]), 0.1).point("left_hip")[:, 0].round(3).tolist()
    [0.25, nan]
    """
    t = track.time
    step = nominal_step(t)
    longest = (max_missing_frames(max_gap_s, step) + 1.5) * step
    flat = track.xy.reshape(track.n_frames, -1)
    out = np.full((times.size, flat.shape[1]), np.nan)
    finite = np.isfinite(flat)
    whole = finite.all(axis=0)
    if whole.any():
        spans = _segments(t, np.ones(t.size, dtype=bool), longest)
        out[:, whole] = _fill(t, flat[:, whole], times, spans, edge_s)
    for j in np.flatnonzero(~whole):
        out[:, j] = _fill(t, flat[:, j], times, _segments(t, finite[:, j], longest), edge_s)
    near = np.clip(np.searchsorted(t, times), 1, t.size - 1)
    near = np.where(np.abs(times - t[near - 1]) <= np.abs(t[near] - times), near - 1, near)
    return track.replace(
        time=np.asarray(times, dtype=float),
        xy=out.reshape((times.size, *track.xy.shape[1:])),
        score=track.score[near],
    )


def grid_times(time: np.ndarray) -> np.ndarray:
    """An even grid from the first frame time at the nominal step, up to the last frame."""
    step = nominal_step(time)
    n = int(np.floor((time[-1] - time[0]) / step + 1e-6)) + 1
    return time[0] + np.arange(n) * step


def to_grid(track: PoseTrack, max_gap_s: float) -> PoseTrack:
    """The track on an even grid at its nominal rate (:func:`grid_times`, :func:`resample`);
    the track itself when it is evenly spaced already (:func:`is_uniform`)."""
    if is_uniform(track.time):
        return track
    return resample(track, grid_times(track.time), max_gap_s)


def frame_of(time: np.ndarray, time_s: float) -> float:
    """Fractional frame index of ``time_s`` on the frame times ``time``.

    >>> frame_of(np.array([0.0, 0.1, 0.3]), 0.2)
    1.5
    """
    return float(np.interp(time_s, time, np.arange(len(time), dtype=float)))


def on_frames(gait: GaitEvents, time: np.ndarray) -> GaitEvents:
    """``gait`` with every event's and step's frame index read on the frame times ``time``
    (the real frames, for events found on the even grid); times are unchanged.

    >>> from runform.gait.types import GaitEvent
    >>> g = GaitEvents(events=[GaitEvent("left", "contact", 0.2, 6.0)])
    >>> on_frames(g, np.array([0.0, 0.1, 0.3])).events[0].frame
    1.5
    """
    return GaitEvents(
        events=[replace(e, frame=frame_of(time, e.time_s)) for e in gait.events],
        steps=[
            replace(
                s,
                contact_frame=frame_of(time, s.contact_s),
                toe_off_frame=frame_of(time, s.toe_off_s),
            )
            for s in gait.steps
        ],
        rejected=list(gait.rejected),
    )


__all__ = [
    "UNIFORM_TOLERANCE",
    "frame_of",
    "grid_times",
    "is_uniform",
    "max_missing_frames",
    "nominal_step",
    "on_frames",
    "resample",
    "to_grid",
]
