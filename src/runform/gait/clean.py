"""Cleaning a pose track: small pure functions, each taking a track and returning a new one.

The order used by :func:`clean_track` is: confidence masking → left/right swap correction →
legs drawn on one foot set missing → short-gap filling → zero-lag low-pass filtering. Long
gaps stay gaps (and later split steps).

Examples
--------
>>> import numpy as np
>>> from runform.track import PoseTrack
>>> x = np.array([[0.0, 0.0], [1.0, 1.0], [np.nan, np.nan], [3.0, 3.0]])
>>> t = PoseTrack.from_points(np.arange(4) / 30, {"left_hip": x})
>>> fill_gaps(t, max_gap_s=0.1).point("left_hip")[2].round(6).tolist()
[2.0, 2.0]
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from runform.gait.filters import butter_lowpass_sos, padlen, pchip, sosfiltfilt
from runform.gait.time_grid import (
    UNIFORM_TOLERANCE,
    is_uniform,
    max_missing_frames,
    nominal_step,
    resample,
    to_grid,
)
from runform.geometry import leg_length
from runform.track import PoseTrack

#: Parts whose left/right labels are checked for swaps (hips are nearly coincident in a
#: side view and carry no information about the swap, so they are left as labelled).
SWAP_PARTS: tuple[str, ...] = ("knee", "ankle", "heel", "foot_index")

#: What declaring the labels swapped costs the swap decoder per second of clip (in the
#: cost's unit: leg lengths of prediction error), so that ambiguous stretches keep their
#: labels. A rate, not a cost per frame: inside a swapped run the two labellings cost the
#: same (the prediction is symmetric in the legs), so a run is declared swapped when the
#: evidence at its two ends outweighs this rate times its duration, whatever the frame rate.
#: The per-frame 0.05 it replaces was right at 30 fps and let a 0.5 s swap stand at 120 and
#: 240 fps; 0.75/s keeps the real 30 fps example's decoding as it was (the same frames from
#: 0.025 to 0.05 per frame; 0.01 starts declaring long runs) and, on the force-plate
#: runners' marker tracks with swaps injected, finds them at 30-240 fps
#: (``bench/swap_detection.py``, "Left/right swaps timed in seconds" in docs/decisions.md).
SWAP_PRIOR_PER_S = 0.75

#: What the swap decoder charges, in leg lengths, for a point a labelling puts where its
#: leg's prediction is missing, or misses where the prediction stands. Without it a frame
#: whose labels put every point next to a gap cost nothing, so wherever one leg was not
#: seen (its scores masked) the decoder moved the seen leg's points to the other label on
#: every frame they jumped, and a clip with its far leg hidden lost a third of its near
#: leg's frames to the far leg ("A hidden leg is not a free labelling", docs/decisions.md).
SWAP_MISS_COST = 0.25


@dataclass
class CleaningReport:
    """What cleaning changed, for the data-quality section of the report."""

    masked_points: int = 0
    swapped_frames: int = 0
    swap_segments: int = 0
    doubled_frames: int = 0
    filled_points: int = 0
    cutoff_hz: float | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "masked_points": self.masked_points,
            "swapped_frames": self.swapped_frames,
            "swap_segments": self.swap_segments,
            "doubled_frames": self.doubled_frames,
            "filled_points": self.filled_points,
            "cutoff_hz": self.cutoff_hz,
            "notes": list(self.notes),
        }


def mask_low_confidence(track: PoseTrack, min_score: float = 0.3) -> PoseTrack:
    """Set points whose score is below ``min_score`` to NaN (unknown scores are kept)."""
    low = np.isfinite(track.score) & (track.score < min_score)
    if not low.any():
        return track
    xy = track.xy.copy()
    xy[low] = np.nan
    return track.replace(xy=xy)


def _swap_cost_terms(track: PoseTrack) -> tuple[np.ndarray, np.ndarray] | None:
    """Stack leg points as (T, 2 sides, P, 2) for the labelled and the swapped assignment."""
    names = [p for p in SWAP_PARTS if track.has(f"left_{p}") and track.has(f"right_{p}")]
    if not names:
        return None
    left = np.stack([track.point(f"left_{p}") for p in names], axis=1)
    right = np.stack([track.point(f"right_{p}") for p in names], axis=1)
    as_is = np.stack([left, right], axis=1)
    swapped = np.stack([right, left], axis=1)
    return as_is, swapped


def detect_swaps(
    track: PoseTrack,
    prior_per_s: float = SWAP_PRIOR_PER_S,
    miss_cost: float = SWAP_MISS_COST,
) -> np.ndarray:
    """Frames whose left/right leg labels are swapped, as a boolean array.

    A two-state hidden-Markov decoding (Viterbi) over "labels as given" / "labels swapped".
    The cost of a frame is how far each leg point lands from where constant-velocity motion
    from the two previous frames predicts it (second-order, so it copes with legs crossing at
    mid-stance and mid-swing), normalised by leg scale; declaring a frame swapped costs
    ``prior_per_s`` times the time it stands for (its interval from the previous frame; the
    first frame, the median interval), so that ambiguous frames keep their labels and a
    swapped run is judged by its duration, not its frame count (:data:`SWAP_PRIOR_PER_S`).
    A point a labelling puts where its leg's prediction is missing (the leg unseen in the
    frames before), or leaves missing where the prediction stands, costs ``miss_cost``
    (:data:`SWAP_MISS_COST`). The global labelling (which leg is "left") is taken as given:
    most frames of a pose model are right.
    """
    terms = _swap_cost_terms(track)
    n = track.n_frames
    if terms is None or n < 4:
        return np.zeros(n, dtype=bool)
    states = np.stack(terms)  # (2 states, T, 2 sides, P, 2)
    scale = _leg_scale(track)
    # cost[a, b, c, t] for states a at t-2, b at t-1, c at t
    cost = np.zeros((2, 2, 2, n))
    for a in range(2):
        for b in range(2):
            pred = 2.0 * states[b, 1:-1] - states[a, :-2]
            pred_ok = np.isfinite(pred).all(axis=-1)
            for c in range(2):
                err = np.linalg.norm(states[c, 2:] - pred, axis=-1) / scale
                valid = np.isfinite(err)
                # a point seen where its leg was not, or missing where its leg was: a
                # labelling must not hide a point's jump by moving it next to a gap
                # (0: gaps uncounted, the decoder as it was before session 25)
                miss = (np.isfinite(states[c, 2:]).all(axis=-1) ^ pred_ok) & (miss_cost > 0)
                cnt = valid.sum(axis=(1, 2)) + miss.sum(axis=(1, 2))
                s = np.where(valid, err, 0.0).sum(axis=(1, 2)) + miss_cost * miss.sum(axis=(1, 2))
                cost[a, b, c, 2:] = np.where(cnt > 0, s / np.maximum(cnt, 1), 0.0)
    prior = _swap_prior(track.time, prior_per_s)
    # Viterbi over pair states (s_{t-1}, s_t), on plain Python floats: with 2x2 states a
    # numpy call per frame would cost far more than the arithmetic.
    c_list = cost.transpose(3, 0, 1, 2).tolist()  # [t][a][b][c]
    score = [[0.0, prior[1]], [prior[0], prior[0] + prior[1]]]  # score[s_{t-1}][s_t]
    back = bytearray(n * 4)
    for t in range(2, n):
        ct = c_list[t]
        pt = prior[t]
        new = [[0.0, 0.0], [0.0, 0.0]]
        for b in (0, 1):
            for c in (0, 1):
                extra = pt if c else 0.0
                v0 = score[0][b] + ct[0][b][c] + extra
                v1 = score[1][b] + ct[1][b][c] + extra
                if v1 < v0:
                    new[b][c] = v1
                    back[t * 4 + b * 2 + c] = 1
                else:
                    new[b][c] = v0
        score = new
    flat = [score[0][0], score[0][1], score[1][0], score[1][1]]
    best = flat.index(min(flat))
    path = np.zeros(n, dtype=np.int8)
    path[n - 2], path[n - 1] = divmod(best, 2)
    for t in range(n - 1, 1, -1):
        path[t - 2] = back[t * 4 + int(path[t - 1]) * 2 + int(path[t])]
    return path.astype(bool)


def find_swaps(track: PoseTrack, max_gap_s: float = 0.1) -> np.ndarray:
    """Frames whose leg labels are swapped, decoded on a copy of ``track`` with its short
    gaps filled (:func:`fill_gaps`), so that the prediction runs across a leg's dropout of a
    few frames instead of starting afresh, with either labelling free, where it returns.
    The labels are exchanged on ``track`` itself and its gaps filled after, from the right
    legs. With the far leg's knee, ankle, heel and toe dropping out together on 15 % of the
    frames (runs of 2-8 frames) and three swaps injected per track, at 30-240 fps, clean
    and with 8 px of noise: 9 of 288 swaps missed on synthetic runners and 45 of 552 on
    the seven force-plate runners' tracks, against 151 and 316 decoded on the track with its
    gaps and nothing charged for them, and no frame declared on the same tracks without
    swaps, against 13,484 (``bench/swap_detection.py``).
    """
    return detect_swaps(fill_gaps(track, max_gap_s))


#: A pose model sometimes puts both legs' labels on one foot for a frame or two (the far
#: leg's points drawn on the near foot, or the other way): the feet's points of the two
#: legs within this many leg lengths of each other (median over ankle, heel and toe) ...
DOUBLED_WITHIN_LEGS = 0.1
#: ... in a run of at most this long, with the legs apart by more than
#: :data:`DOUBLED_APART_LEGS` just before and just after it ...
DOUBLED_MAX_S = 0.1
DOUBLED_APART_LEGS = 0.15
#: ... and one leg's points this far (leg lengths) from the line between its positions
#: before and after the run, at least twice as far as the other leg's: that leg's points
#: are the ones drawn on the wrong foot, and are set missing in the run.
DOUBLED_JUMP_LEGS = 0.2
_FOOT_PARTS = ("ankle", "heel", "foot_index")


def unstack_doubled_legs(track: PoseTrack) -> tuple[PoseTrack, int]:
    """Set missing the leg points a pose model drew on the other leg's foot, for runs of
    frames of at most :data:`DOUBLED_MAX_S` (both legs' feet within
    :data:`DOUBLED_WITHIN_LEGS` of each other, apart before and after). The leg whose feet
    jumped away from the line between its positions before and after the run (by
    :data:`DOUBLED_JUMP_LEGS` and twice the other's) is the one drawn on the wrong foot;
    its knee, ankle, heel and toe are set missing in the run, for :func:`fill_gaps` to
    bridge. No relabelling can mend such frames: both labels sit on one foot. Returns the
    track and the number of frames mended.

    >>> import numpy as np
    >>> from runform.track import PoseTrack
    >>> t = np.arange(7) / 30
    >>> pts = {f"{s}_{p}": np.zeros((7, 2)) for s in ("left", "right")
    ...        for p in ("hip", "knee", "ankle", "heel", "foot_index")}
    >>> for p in ("hip", "knee", "ankle", "heel", "foot_index"):
    ...     y = {"hip": 0.0, "knee": 50.0, "ankle": 100.0, "heel": 105.0, "foot_index": 110.0}[p]
    ...     pts[f"left_{p}"] = np.c_[np.full(7, 40.0 if p != "hip" else 0.0), np.full(7, y)]
    ...     pts[f"right_{p}"] = np.c_[np.full(7, -40.0 if p != "hip" else 0.0), np.full(7, y)]
    >>> pts["left_ankle"][3] = pts["left_heel"][3] = pts["left_foot_index"][3] = (-40.0, 0.0)
    >>> pts["left_ankle"][3, 1], pts["left_heel"][3, 1], pts["left_foot_index"][3, 1] = 100, 105, 110
    >>> mended, n = unstack_doubled_legs(PoseTrack.from_points(t, pts))
    >>> n, bool(np.isnan(mended.point("left_ankle")[3]).all())
    (1, True)
    """
    parts = [p for p in _FOOT_PARTS if track.has(f"left_{p}") and track.has(f"right_{p}")]
    leg = leg_length(track)
    if not parts or not (np.isfinite(leg) and leg > 0) or track.n_frames < 3:
        return track, 0
    left = np.stack([track.point(f"left_{p}") for p in parts], axis=1)  # (T, P, 2)
    right = np.stack([track.point(f"right_{p}") for p in parts], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)  # all-NaN frames stay NaN
        gap = np.nanmedian(np.linalg.norm(left - right, axis=-1), axis=1) / leg
    near = np.isfinite(gap) & (gap < DOUBLED_WITHIN_LEGS)
    apart = np.isfinite(gap) & (gap > DOUBLED_APART_LEGS)
    max_frames = (
        max(1, int(round(DOUBLED_MAX_S * track.frame_rate))) if np.isfinite(track.frame_rate) else 3
    )
    xy = track.xy.copy()
    t = track.time
    mended = 0
    for a, b in runs_of(near):
        if b - a > max_frames or a == 0 or b >= track.n_frames:
            continue
        if not (apart[a - 1] and apart[b]):
            continue
        w = ((t[a:b] - t[a - 1]) / (t[b] - t[a - 1]))[:, None, None]
        lj, rj = (_jump(pts, a, b, w) / leg for pts in (left, right))
        if not (np.isfinite(lj) and np.isfinite(rj)):
            continue
        wrong = "left" if lj > rj else "right"
        big, small = max(lj, rj), min(lj, rj)
        if big < DOUBLED_JUMP_LEGS or big < 2.0 * small:
            continue
        for p in SWAP_PARTS:
            if track.has(f"{wrong}_{p}"):
                xy[a:b, track.index(f"{wrong}_{p}")] = np.nan
        mended += b - a
    return (track.replace(xy=xy), mended) if mended else (track, 0)


def _jump(pts: np.ndarray, a: int, b: int, w: np.ndarray) -> float:
    """How far (median, NaN if unseen) the points ``pts[a:b]`` (frames, parts, xy) lie from
    the line between their positions just before and just after, at fractions ``w``."""
    line = pts[a - 1] + w * (pts[b] - pts[a - 1])
    d = np.linalg.norm(pts[a:b] - line, axis=-1)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else float("nan")


def _swap_prior(time: np.ndarray, per_s: float) -> list[float]:
    """Each frame's cost of being declared swapped: ``per_s`` times the time it stands for,
    its interval from the previous frame, at most four median intervals (a frame after a
    long gap stands for itself, not for the gap)."""
    step = np.diff(time)
    good = step[np.isfinite(step) & (step > 0)]
    median = float(np.median(good)) if good.size else 1.0 / 30.0
    step = np.where(np.isfinite(step) & (step > 0), np.minimum(step, 4.0 * median), median)
    return (per_s * np.concatenate([[median], step])).tolist()


def _leg_scale(track: PoseTrack) -> float:
    scale = leg_length(track)
    if not np.isfinite(scale) or scale <= 0:
        finite = track.xy[np.isfinite(track.xy)]
        scale = float(np.ptp(finite)) if finite.size else 1.0
    return max(scale, 1e-9)


def apply_swaps(track: PoseTrack, swapped: np.ndarray) -> PoseTrack:
    """Exchange left/right labels of the leg points on the given frames."""
    if not swapped.any():
        return track
    xy, score = track.xy.copy(), track.score.copy()
    for p in SWAP_PARTS:
        ln, rn = f"left_{p}", f"right_{p}"
        if not (track.has(ln) and track.has(rn)):
            continue
        li, ri = track.index(ln), track.index(rn)
        xy[swapped, li], xy[swapped, ri] = track.xy[swapped, ri], track.xy[swapped, li]
        score[swapped, li], score[swapped, ri] = track.score[swapped, ri], track.score[swapped, li]
    return track.replace(xy=xy, score=score)


def fill_gaps(track: PoseTrack, max_gap_s: float = 0.1) -> PoseTrack:
    """Interpolate (shape-preserving PCHIP) runs of missing points up to ``max_gap_s`` long.

    At least one missing frame is always fillable; longer gaps stay NaN. A gap's length is
    counted in frames of the clip's nominal rate over the real time between the known frames
    around it, so a run of missing points beside a frame the phone dropped counts that frame
    too (on an evenly spaced track, the frames missing).
    """
    xy = track.xy.copy()
    t = track.time
    dt = nominal_step(t) if t.size > 1 else 1.0
    max_frames = max_missing_frames(max_gap_s, dt)
    for k in range(xy.shape[1]):
        for d in range(2):
            v = xy[:, k, d]
            missing = ~np.isfinite(v)
            if not missing.any() or missing.all() or (~missing).sum() < 2:
                continue
            good = ~missing
            fill = [
                np.arange(start, stop)
                for start, stop in runs_of(missing)
                # never extrapolate at the ends
                if start > 0
                and stop < len(v)
                and round((t[stop] - t[start - 1]) / dt) - 1 <= max_frames
            ]
            if fill:
                at = np.concatenate(fill)
                v[at] = pchip(t[good], v[good], t[at])
    return track.replace(xy=xy)


def runs_of(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, stop)`` index pairs of the runs of True in a boolean array."""
    if not mask.any():
        return []
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def default_cutoff_hz(fps: float) -> float:
    """Low-pass cut-off adapted to the frame rate: 12 Hz, but at most a quarter of the rate.

    12 Hz keeps the running harmonics that matter for events and angles (step frequency
    ~2.8 Hz; Winter's residual analysis puts lower-limb marker cut-offs at 6–12 Hz); at
    30 fps the cut-off drops to 7.5 Hz so the filter stays well below Nyquist.
    """
    return float(min(12.0, 0.25 * fps))


def lowpass(
    track: PoseTrack, cutoff_hz: float | None = None, order: int = 2, max_gap_s: float = 0.1
) -> PoseTrack:
    """Zero-lag Butterworth low-pass (forward-backward, so effective order is ``2*order``).

    Each contiguous run of valid samples is filtered on its own; runs too short for the
    filter are left as they are. Frames not evenly spaced (a phone's variable frame rate,
    :func:`~runform.gait.time_grid.is_uniform`) are filtered on an even grid at the nominal
    rate and read back at their own times (:func:`lowpass_uneven`).
    """
    if track.n_frames > 2 and not is_uniform(track.time):
        return lowpass_uneven(track, cutoff_hz, order, max_gap_s)
    fps = track.frame_rate
    if not np.isfinite(fps) or fps <= 0:
        return track
    fc = default_cutoff_hz(fps) if cutoff_hz is None else cutoff_hz
    if fc >= 0.5 * fps:
        return track
    flat = track.xy.reshape(track.n_frames, -1).copy()
    sos = butter_lowpass_sos(order, fc, fps)
    whole = np.isfinite(flat).all(axis=0)
    if whole.any() and flat.shape[0] > padlen(sos):
        flat[:, whole] = sosfiltfilt(sos, flat[:, whole])  # the gap-free series at once
    for j in np.flatnonzero(~whole):
        flat[:, j] = _filter_runs(flat[:, j], sos)
    return track.replace(xy=flat.reshape(track.xy.shape))


def lowpass_uneven(
    track: PoseTrack, cutoff_hz: float | None = None, order: int = 2, max_gap_s: float = 0.1
) -> PoseTrack:
    """:func:`lowpass` of a track whose frames are unevenly spaced: the points interpolated
    on an even grid at the nominal rate (never across a gap longer than ``max_gap_s``:
    :func:`~runform.gait.time_grid.to_grid`), filtered there, and read back at the frames'
    own times; a frame the grid cannot give keeps its value. A Butterworth filter is
    designed for one sampling rate: run over the frames as they come, it would read a
    dropped frame as a jump and a slower stretch as a lower cut-off.

    >>> t = np.r_[np.arange(20), np.arange(21, 40)] / 30.0     # frame 20 dropped
    >>> x = np.sin(2 * np.pi * 2.0 * t)
    >>> track = PoseTrack.from_points(t, {"left_hip": np.stack([x, x], -1)})
    >>> out = lowpass(track, cutoff_hz=7.5).point("left_hip")[:, 0]
    >>> bool(np.abs(out - x)[5:-5].max() < 0.02)
    True
    """
    grid = to_grid(track, max_gap_s)
    smooth = lowpass(grid, cutoff_hz, order)
    back = resample(smooth, track.time, max_gap_s, edge_s=nominal_step(track.time))
    xy = np.where(np.isfinite(track.xy) & np.isfinite(back.xy), back.xy, track.xy)
    return track.replace(xy=xy)


def uneven_note(time: np.ndarray) -> str | None:
    """What the cleaning says of a track whose frames are unevenly spaced (``None`` when
    they are even).

    >>> note = uneven_note(np.r_[np.arange(20), np.arange(21, 40)] / 30.0)
    >>> note[note.index("(") :].split(")")[0]
    '(1 of 38 frame intervals more than 5 % off the nominal 33 ms; the longest 67 ms'
    >>> uneven_note(np.arange(40) / 30.0) is None
    True
    """
    if time.size < 3 or is_uniform(time):
        return None
    step = nominal_step(time)
    d = np.diff(time)
    off = int((np.abs(d / step - 1.0) > UNIFORM_TOLERANCE).sum())
    return (
        f"Frames were unevenly spaced ({off} of {d.size} frame intervals more than "
        f"{100 * UNIFORM_TOLERANCE:.0f} % off "
        f"the nominal {1000 * step:.0f} ms; the longest {1000 * d.max():.0f} ms), as a phone "
        "records when it drops frames or lowers its rate: filters and event detection ran on "
        f"an even {1 / step:.0f} fps grid and every time given is the frames' real time."
    )


def lowpass_series(v: np.ndarray, fps: float, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Zero-lag Butterworth low-pass of one series; each run of valid samples on its own."""
    if cutoff_hz >= 0.5 * fps:
        return v
    return _filter_runs(v, butter_lowpass_sos(order, cutoff_hz, fps))


def _filter_runs(v: np.ndarray, sos: np.ndarray) -> np.ndarray:
    """``v`` filtered forward-backward, each run of valid samples on its own (runs too
    short for the filter are left as they are)."""
    out = np.array(v, dtype=float, copy=True)
    for start, stop in runs_of(np.isfinite(out)):
        if stop - start > padlen(sos):
            out[start:stop] = sosfiltfilt(sos, out[start:stop])
    return out


def clean_track(
    track: PoseTrack,
    *,
    min_score: float = 0.3,
    max_gap_s: float = 0.1,
    cutoff_hz: float | None = None,
    fix_swaps: bool = True,
) -> tuple[PoseTrack, CleaningReport]:
    """Mask → swap fix → legs drawn on one foot set missing → fill short gaps → low-pass.
    Returns the new track and a report."""
    report = CleaningReport()
    before = np.isfinite(track.xy[..., 0])
    masked = mask_low_confidence(track, min_score)
    report.masked_points = int((before & ~np.isfinite(masked.xy[..., 0])).sum())
    if fix_swaps:
        swapped = find_swaps(masked, max_gap_s)
        report.swapped_frames = int(swapped.sum())
        report.swap_segments = len(runs_of(swapped))
        masked = apply_swaps(masked, swapped)
    masked, report.doubled_frames = unstack_doubled_legs(masked)
    missing_before = ~np.isfinite(masked.xy[..., 0])
    filled = fill_gaps(masked, max_gap_s)
    report.filled_points = int((missing_before & np.isfinite(filled.xy[..., 0])).sum())
    fps = filled.frame_rate
    report.cutoff_hz = (
        (default_cutoff_hz(fps) if cutoff_hz is None else cutoff_hz) if np.isfinite(fps) else None
    )
    if note := uneven_note(track.time):
        report.notes.append(note)
    return lowpass(filled, cutoff_hz, max_gap_s=max_gap_s), report
