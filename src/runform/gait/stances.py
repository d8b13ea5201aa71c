"""A foot's stances from its clearance: the windows where it is on the ground, and their
first, frame-by-frame contact and toe-off.

The steps of :class:`runform.gait.events.FootClearanceDetector` before the stride
template and the witnesses (``docs/algorithms.md``, "Contact and toe-off", steps 1-3), as
plain functions of the clearance and the detector's constants:

- :func:`foot_clearance` — the height of the foot's lowest point above its ground line;
- :func:`stance_windows` — runs of low smoothed clearance, noise-split ones joined and
  missed ones looked for where the foot's rhythm says they were due;
- :func:`first_crossings` — each window's contact and toe-off, where the clearance rises
  past its stance plateau;
- :func:`template_retime` — every contact and toe-off of a foot re-timed on its stride
  template (:mod:`runform.gait.templates`);
- :func:`cut_short` — the stances whose clearance ended far too soon, and where their
  toe-off was due.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runform.gait.clean import runs_of
from runform.gait.clearance import (
    crossing,
    ground_line,
    missed_stances,
    remove_drift,
    smooth_series,
)
from runform.gait.pairing import MIN_CONTACTS_FOR_MEDIAN, off_rhythm_times
from runform.gait.templates import (
    CONTACT_WINDOW,
    REFERENCE_STRIDE_S,
    TOE_OFF_WINDOW,
    refine_events,
)
from runform.gait.types import CUT_BY_CLIP_EDGE
from runform.gait.witnesses import frame_of
from runform.geometry import mid_point
from runform.track import PoseTrack

#: Why a stance could not be timed when the foot's points are lost around it.
MISSING_POINTS = "foot points missing around the event"

#: Lowest levels (leg lengths) of the first, frame-by-frame crossing that finds each stance's
#: extent; the calibrated levels are applied on the stride template.
PRELIMINARY_LEVELS = (0.004, 0.008)


@dataclass(frozen=True)
class FootClearance:
    """One foot's clearance (``(T,)``, leg lengths), the height of each of its points
    (``(n_points, T)``) and its confidence (``(T,)``)."""

    clearance: np.ndarray
    heights: np.ndarray
    confidence: np.ndarray


#: Hips travelling this far across the picture (leg lengths, between their 5th and 95th
#: percentile positions) make a runner crossing it: overground, a fixed camera.
CROSSING_LEGS = 2.0


def runner_crosses(track: PoseTrack, leg: float) -> bool:
    """Whether the runner crosses the picture (the hips travel :data:`CROSSING_LEGS` or
    more): the feet then stand on the ground all along it, not on one short stretch of
    belt (:func:`~runform.gait.clearance.ground_line`)."""
    hips = mid_point(track, "hip")
    if hips is None or not (np.isfinite(leg) and leg > 0):
        return False
    x = hips[:, 0][np.isfinite(hips[:, 0])]
    if x.size < 10:
        return False
    lo, hi = np.percentile(x, [5, 95])
    return bool(hi - lo >= CROSSING_LEGS * leg)


def foot_clearance(
    track: PoseTrack, side: str, leg: float, ground_percentile: float, drift_window_s: float
) -> FootClearance | None:
    """Lowest height of the foot above its ground line (leg lengths): the heel's and the
    toe's (``foot_index``), each above its own ground line (:func:`ground_line`, the
    ``ground_percentile`` of its image ``y``, fitted in ``x``) with slow drift removed
    (:func:`remove_drift`); the ankle's when the foot has neither. ``None`` without any."""
    names = [f"{side}_{p}" for p in ("heel", "foot_index") if track.has(f"{side}_{p}")]
    if not names and track.has(f"{side}_ankle"):
        names = [f"{side}_ankle"]
    heights, confs = [], []
    crossing = runner_crosses(track, leg)
    for n in names:
        xy = track.point(n)
        if np.isfinite(xy[:, 1]).sum() < 10:
            continue
        h = (ground_line(xy, ground_percentile, crossing=crossing) - xy[:, 1]) / leg
        heights.append(remove_drift(track.time, h, drift_window_s))
        confs.append(track.point_score(n))
    if not heights:
        return None
    h = np.stack(heights)
    clear = np.where(
        np.isfinite(h).any(axis=0),
        np.nanmin(np.where(np.isfinite(h), h, np.inf), axis=0),
        np.nan,
    )
    s = np.stack(confs)
    return FootClearance(clear, h, np.where(np.isfinite(s), s, 1.0).mean(axis=0))


def stance_windows(
    t: np.ndarray,
    clear: np.ndarray,
    period: float | None,
    *,
    threshold_fraction: float,
    segment_cutoff_hz: float,
    merge_gap_s: float,
    same_stance_fraction: float,
    min_contact_s: float,
    max_contact_s: float,
    missed_stance_search: bool,
) -> list[tuple[int, int]]:
    """Stance windows ``(start, stop)`` (frame indices): runs of low smoothed clearance,
    with short gaps merged.

    The clearance is smoothed at ``segment_cutoff_hz`` and compared with
    ``threshold_fraction`` of the foot's swing clearance (its 95th percentile). Runs closer
    than ``merge_gap_s`` are one. With the foot's stride ``period``, windows that start
    within ``same_stance_fraction`` of a stride of the previous one are one stance split by
    noise (a foot lands once per stride), so they are joined, unless the joined window
    would last longer than any contact (``max_contact_s``); windows shorter than half of
    ``min_contact_s`` are dropped; and with ``missed_stance_search`` a stance missing where
    the rhythm says it was due is looked for (:func:`missed_stances`).
    """
    finite = clear[np.isfinite(clear)]
    if finite.size < 10:
        return []
    swing = np.percentile(finite, 95)
    thr = threshold_fraction * swing
    smooth = smooth_series(t, clear, segment_cutoff_hz)
    low = np.isfinite(smooth) & (smooth < thr)
    runs = runs_of(low)
    dt = float(np.median(np.diff(t)))
    merged: list[list[int]] = []
    for s, e in runs:
        if (
            merged
            and (t[s] - t[merged[-1][1] - 1]) <= merge_gap_s + dt
            and np.isfinite(clear[merged[-1][1] : s]).all()
        ):
            merged[-1][1] = e
        else:
            merged.append([s, e])
    if period is not None and same_stance_fraction > 0:
        joined: list[list[int]] = []
        for s, e in merged:
            if (
                joined
                and t[s] - t[joined[-1][0]] < same_stance_fraction * period
                and t[e - 1] - t[joined[-1][0]] <= max_contact_s
            ):
                joined[-1][1] = e
            else:
                joined.append([s, e])
        merged = joined
    windows = [(s, e) for s, e in merged if (t[e - 1] - t[s]) >= 0.5 * min_contact_s - dt]
    if period is not None and missed_stance_search:
        more = missed_stances(t, smooth, windows, period, thr, min_duration_s=min_contact_s)
        windows = sorted(windows + more)
    return windows


def _stance_centre(clear: np.ndarray, start: int, stop: int, level: float) -> int:
    """The frame the crossings are sought from: the lowest point of the window's longest
    run of frames under ``level`` (the toe-off level over the plateau). A window can hold
    a brief dip besides the stance (a few frames of a far foot's points drawn on the
    ground), and the lowest point of all then sat in the dip: the stance was timed as
    the dip's 60 ms (the real clip's far foot at 6.4 s)."""
    seg = clear[start:stop]
    under = np.isfinite(seg) & (seg <= level)
    runs = runs_of(under)
    if len(runs) < 2:
        return start + int(np.nanargmin(seg))
    a, b = max(runs, key=lambda r: r[1] - r[0])
    return start + a + int(np.nanargmin(seg[a:b]))


def first_crossings(
    t: np.ndarray,
    clear: np.ndarray,
    start: int,
    stop: int,
    *,
    levels: tuple[float, float],
    margin: float,
    offsets_s: tuple[float, float] = (0.0, 0.0),
) -> tuple[float, float, float, float] | str:
    """Sub-frame contact and toe-off of one stance window ``(contact_s, contact_frame,
    toe_off_s, toe_off_frame)``, or the reason it cannot be timed (for the rejected steps).

    The stance plateau is the median clearance over the middle of the window; contact is
    where the clearance, going back from its lowest point, rises above plateau + the
    contact level + ``margin`` (the noise allowance) and toe-off where, going forward, it
    rises above plateau + the toe-off level + ``margin``, linearly interpolated between
    frames; ``offsets_s`` are added. The levels (leg lengths) are at least
    :data:`PRELIMINARY_LEVELS`: this crossing only has to find the stance's extent, and a
    level at the plateau would let its wiggles end a stance; the calibrated levels are met
    on the stride template (:func:`template_retime`).
    """
    n = len(t)
    if start == 0 or stop >= n:
        return CUT_BY_CLIP_EDGE
    mid_lo, mid_hi = start + (stop - start) // 4, stop - (stop - start) // 4
    core = clear[mid_lo : max(mid_hi, mid_lo + 1)]
    if not np.isfinite(core).any():
        return MISSING_POINTS
    plateau = float(np.nanmedian(core))
    c_level = max(levels[0], PRELIMINARY_LEVELS[0])
    t_level = max(levels[1], PRELIMINARY_LEVELS[1])
    centre = _stance_centre(clear, start, stop, plateau + t_level + margin)
    tc = crossing(t, clear, centre, plateau + c_level + margin, backward=True)
    tt = crossing(t, clear, centre, plateau + t_level + margin, backward=False)
    if tc is None or tt is None:
        lo, hi = max(start - 3, 0), min(stop + 3, n)
        if not np.isfinite(clear[lo:hi]).all():
            return MISSING_POINTS
        return "no clear landing or lift-off (the foot stays close to the ground)"
    tc += offsets_s[0]
    tt += offsets_s[1]
    return tc, frame_of(t, tc), tt, frame_of(t, tt)


def template_retime(
    t: np.ndarray, clear: np.ndarray | None, items: list, levels: tuple[float, float]
) -> list:
    """One foot's stances ``(contact_s, contact_frame, toe_off_s, toe_off_frame,
    confidence)`` re-timed by stride-template alignment at the calibrated ``levels``
    (:func:`~runform.gait.templates.refine_events`), the windows scaled with the stride
    time; as they are with fewer than four stances."""
    if len(items) < 4 or clear is None:
        return items
    c_level, t_level = max(levels[0], 0.0), max(levels[1], 0.0)
    # scale the windows with the stride time (unbiased by the noise margin, unlike the
    # preliminary contact times)
    stride_s = float(np.median(np.diff([i[0] for i in items])))
    factor = float(np.clip(stride_s / REFERENCE_STRIDE_S, 0.5, 1.5))
    tc = refine_events(
        t, clear, np.array([i[0] for i in items]), c_level, CONTACT_WINDOW.scaled(factor)
    )
    tt = refine_events(
        t, clear, np.array([i[2] for i in items]), t_level, TOE_OFF_WINDOW.scaled(factor)
    )
    return [
        (float(c), frame_of(t, c), float(o), frame_of(t, o), item[4])
        for c, o, item in zip(tc, tt, items, strict=True)
    ]


def cut_short(
    stances: dict[str, list],
    ratio: float,
    stride_s: float | None,
    max_rhythm_offset: float,
    clip_s: tuple[float, float] = (-np.inf, np.inf),
) -> dict[str, list[tuple[float, float]]]:
    """Per foot and stance, where its contact and toe-off were due if its clearance cut it
    short: ``(contact_s, toe_off_s)``, NaN for an end that stands (both, for most stances).

    A stance ``(contact_s, contact_frame, toe_off_s, toe_off_frame, confidence)`` whose
    contact time is under ``ratio`` x the clip's median (both feet's stances, at least
    :data:`~runform.gait.pairing.MIN_CONTACTS_FOR_MEDIAN`, as the step checks judge it) was
    cut short: in pixel noise a foot whose points barely rise in swing crosses the toe-off
    level mid-stance, or stays above the contact level until late in the stance. The end that lies on its foot's rhythm (within
    ``max_rhythm_offset`` of a stride ``stride_s`` of where the foot's neighbouring
    contacts, or toe-offs, put it: :func:`~runform.gait.pairing.off_rhythm_times`) stands,
    and the other was due one median contact time from it. That is where the witnesses
    look for it (:func:`~runform.gait.witnesses.knee_blend`, the foot's speed and pitch),
    which then time it without the clearance. A stance with neither end on the rhythm (a
    short dip of a swinging foot's clearance, which lengthened to a stance would overlap
    the other foot's landing and cost it), or whose due span would reach the foot's
    neighbouring stance or leave the clip (``clip_s``, its first and last frame times), is
    left as it is; without a stride, every stance is.

    >>> items = [(t, 0, t + 0.25, 0, 1.0) for t in (0.0, 0.7, 1.4, 2.1)]
    >>> items[2] = (1.4, 0, 1.5, 0, 1.0)        # 100 ms among 250 ms stances
    >>> [tuple(round(v, 2) for v in due) for due in cut_short({"left": items}, 0.5, 0.7, 0.15)["left"]]
    [(nan, nan), (nan, nan), (nan, 1.65), (nan, nan)]
    """
    nan = float("nan")
    nothing = {side: [(nan, nan)] * len(items) for side, items in stances.items()}
    times = [i[2] - i[0] for items in stances.values() for i in items]
    if stride_s is None or len(times) < MIN_CONTACTS_FOR_MEDIAN:
        return nothing
    median = float(np.median(times))
    out = {}
    for side, items in stances.items():
        late = {t for t, _ in off_rhythm_times([i[0] for i in items], stride_s, max_rhythm_offset)}
        lifted = {
            t for t, _ in off_rhythm_times([i[2] for i in items], stride_s, max_rhythm_offset)
        }
        dues = []
        for k, (tc, _fc, tt, _ft, _conf) in enumerate(items):
            before = items[k - 1][2] if k > 0 else clip_s[0]
            after = items[k + 1][0] if k + 1 < len(items) else clip_s[1]
            due = (nan, nan)
            if tt - tc < ratio * median:
                if tc not in late and tc + median < after:
                    due = (nan, tc + median)
                elif tt not in lifted and tt - median > before:
                    due = (tt - median, nan)
            dues.append(due)
        out[side] = dues
    return out


__all__ = [
    "MISSING_POINTS",
    "PRELIMINARY_LEVELS",
    "FootClearance",
    "cut_short",
    "first_crossings",
    "foot_clearance",
    "stance_windows",
    "template_retime",
]
