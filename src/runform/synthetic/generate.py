"""Make a synthetic run: the pose track at the frame times, degraded as asked, and its truth."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict

import numpy as np

from runform.errors import OptionError
from runform.gait.types import GaitEvent
from runform.keypoints import BLAZEPOSE_33
from runform.synthetic.model import Model
from runform.synthetic.spec import DEFAULT_INCLUDE, OPTIONAL_GROUPS, RunnerSpec, SyntheticRun
from runform.synthetic.truth import measure_truth
from runform.track import PoseTrack, TrackMeta

#: Keypoint confidence: near-side points, far-side leg and arm points, and its spread.
_SCORE_NEAR, _SCORE_FAR_LEG, _SCORE_FAR_ARM, _SCORE_SD = 0.92, 0.78, 0.70, 0.03


def _check(
    spec: RunnerSpec,
    fps,
    duration_s,
    noise_px,
    dropout_frac,
    swap_segments,
    px_per_m,
    seed,
    include,
) -> None:
    def bad(msg: str) -> OptionError:
        return OptionError(msg)

    if spec.cadence_spm <= 0 or spec.speed_mps <= 0 or spec.leg_length_m <= 0:
        raise bad("cadence_spm, speed_mps and leg_length_m must be positive numbers.")
    if not 0.2 <= spec.thigh_fraction <= 0.8:
        raise bad("thigh_fraction must be between 0.2 and 0.8 (thigh share of the leg length).")
    for side in ("left", "right"):
        if not 0.0 < spec.contact_time_s(side) < 0.5 * spec.stride_time_s:
            raise bad(
                f"The {side} contact time must be positive and shorter than a step (running has a "
                "flight phase): keep duty_factor x asymmetry.contact_time between 0 and 0.5."
            )
    if spec.foot_strike not in ("rearfoot", "midfoot", "forefoot"):
        raise bad(f"foot_strike={spec.foot_strike!r} is not one of rearfoot, midfoot, forefoot.")
    if spec.facing not in ("left", "right"):
        raise bad(f"facing={spec.facing!r} must be 'left' or 'right'.")
    if not 0.0 <= spec.knee_flexion_contact_deg < 90 or not 0 <= spec.knee_flexion_toe_off_deg < 90:
        raise bad("knee_flexion_contact_deg and knee_flexion_toe_off_deg must be in [0, 90).")
    if not 0.0 < spec.foot_angle_toe_off_deg < 90.0:
        raise bad("foot_angle_toe_off_deg must be between 0 and 90 degrees (toe-down pitch).")
    if fps <= 0 or duration_s <= 0 or px_per_m <= 0:
        raise bad("fps, duration_s and px_per_m must be positive numbers.")
    if duration_s * fps < 2:
        raise bad("duration_s x fps gives fewer than 2 frames: make the run longer.")
    if noise_px < 0:
        raise bad("noise_px must be zero or positive (standard deviation in pixels).")
    if not 0.0 <= dropout_frac < 0.9:
        raise bad("dropout_frac must be between 0 and 0.9 (fraction of points set missing).")
    if swap_segments < 0 or int(swap_segments) != swap_segments:
        raise bad("swap_segments must be a whole number, zero or more.")
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise bad("seed must be a non-negative integer.")
    unknown = set(include) - set(OPTIONAL_GROUPS)
    if unknown:
        raise bad(
            f"include has unknown groups {sorted(unknown)}: choose from {sorted(OPTIONAL_GROUPS)}."
        )


def _keypoint_names(include: Iterable[str]) -> list[str]:
    parts = {"hip", "knee", "ankle"}
    for group in include:
        parts.update(OPTIONAL_GROUPS[group])
    names = []
    for name in BLAZEPOSE_33:
        side, _, part = name.partition("_")
        if name in parts or (side in ("left", "right") and part in parts):
            names.append(name)
    return names


def swap_runs(
    n_frames: int, count: int, fps: float, rng: np.random.Generator
) -> list[tuple[int, int]]:
    """``count`` non-overlapping frame runs of about 0.15–0.6 s, one per equal block."""
    if count == 0:
        return []
    block = n_frames // count
    if block < 6:
        raise OptionError(
            f"swap_segments={count} does not fit in {n_frames} frames: use fewer swaps or a "
            "longer run."
        )
    lo = max(2, min(round(0.15 * fps), block // 3))
    hi = max(lo, min(round(0.6 * fps), block - 4))
    runs = []
    for i in range(count):
        length = int(rng.integers(lo, hi + 1))
        start = i * block + 2 + int(rng.integers(0, max(1, block - length - 3)))
        runs.append((start, min(start + length, n_frames)))
    return runs


def swap_labels(
    xy: np.ndarray, score: np.ndarray, names: Sequence[str], runs: Sequence[tuple[int, int]]
) -> None:
    """Exchange every ``left_*``/``right_*`` pair of ``names`` on the frame runs, in place
    (``xy`` of shape (frames, points, 2), ``score`` (frames, points)), as a pose model that
    mistakes one leg for the other does."""
    names = list(names)
    pairs = [
        (names.index(n), names.index("right" + n[4:]))
        for n in names
        if n.startswith("left_") and "right" + n[4:] in names
    ]
    if not pairs:
        return
    li, ri = (np.array(ix) for ix in zip(*pairs, strict=True))
    for start, stop in runs:
        xy[start:stop, li], xy[start:stop, ri] = (
            xy[start:stop, ri].copy(),
            xy[start:stop, li].copy(),
        )
        score[start:stop, li], score[start:stop, ri] = (
            score[start:stop, ri].copy(),
            score[start:stop, li].copy(),
        )


def _frame(time: np.ndarray, t_ev: float) -> float:
    """Fractional frame index of ``t_ev`` (linear between frame times, and beyond them)."""
    k = int(np.clip(np.searchsorted(time, t_ev) - 1, 0, time.size - 2))
    return float(k + (t_ev - time[k]) / (time[k + 1] - time[k]))


def synthetic_runner(
    spec: RunnerSpec | None = None,
    fps: float = 120.0,
    duration_s: float = 10.0,
    noise_px: float = 0.0,
    dropout_frac: float = 0.0,
    swap_segments: int = 0,
    px_per_m: float = 450.0,
    seed: int = 0,
    include: Iterable[str] = DEFAULT_INCLUDE,
    times: np.ndarray | None = None,
) -> SyntheticRun:
    """Generate a side-view runner with known events and metric values.

    Parameters
    ----------
    spec:
        What the runner does (default :class:`RunnerSpec`).
    fps, duration_s:
        Frame rate and length of the track; frame ``k`` is at ``k / fps`` s. The gait phase is
        random (seeded), so events fall between frames.
    noise_px:
        Standard deviation of Gaussian noise added to every coordinate (pixels).
    dropout_frac:
        Fraction of (frame, keypoint) entries set to NaN with a low score (< 0.2), in short runs
        (up to ~60 ms), more often on the far-side leg.
    swap_segments:
        Number of runs (0.15–0.6 s) where every ``left_*``/``right_*`` label pair is swapped.
    px_per_m:
        Image scale. The frame is 2.4 m tall (1080 px at 450 px/m), ground 0.2 m above its
        bottom edge; 1920 px wide at 450 px/m (wider overground, to hold the whole run).
    seed:
        Seeds the gait phase, scores and every degradation: same arguments, same run.
    include:
        Optional keypoint groups: ``"shoulders"``, ``"heels"``, ``"toes"``, ``"arms"``,
        ``"head"`` (hips, knees and ankles are always present).
    times:
        The frame times (s, strictly increasing, within ``[0, duration_s]``) instead of
        ``k / fps``: a phone's variable frame rate (:mod:`runform.synthetic.frame_times`).
        ``fps`` stays the nominal rate (``meta.fps``, the length of swap runs).

    Returns
    -------
    SyntheticRun
        ``truth`` holds, with the ids of :mod:`runform.metrics.catalog`:

        - timing (exact): ``cadence_spm``, ``step_time_ms``, ``stride_time_ms``,
          ``contact_time_ms``, ``flight_time_ms``, ``duty_factor_pct`` (means over both feet);
        - per-side timing (``{"left": ..., "right": ...}``): ``contact_time_ms_by_side``,
          ``duty_factor_pct_by_side``;
        - per side, measured on the noiseless geometry: ``thigh_extension_deg`` (−min thigh angle),
          ``hip_extension_trunk_deg`` (−min of thigh + trunk), ``thigh_flexion_contact_deg``,
          ``thigh_angle_toe_off_deg``, ``thigh_flexion_swing_peak_deg``, ``drive_peak_deg_s``
          (max backward thigh angular velocity in stance), ``drive_mean_deg_s`` ((thigh at
          contact − thigh at toe-off) / contact time), ``knee_flexion_contact_deg``,
          ``knee_flexion_toe_off_deg``, ``knee_flexion_stance_peak_deg``,
          ``knee_flexion_swing_peak_deg``, ``shank_angle_contact_deg``,
          ``touchdown_distance_m`` and ``touchdown_distance_pct`` (ankle x − mid-hip x at
          contact, / leg length x 100), ``heel_recovery_ratio`` (min heel-to-own-hip distance
          in swing / leg length);
        - ``trunk_lean_deg`` (mean mid-hip→mid-shoulder angle), ``vertical_oscillation_m`` and
          ``vertical_oscillation_pct`` (mean over the two steps of the peak-to-peak mid-hip
          height, / leg length x 100);
        - context: ``speed_mps``, ``leg_length_m``, ``px_per_m``, ``ground_y_px``,
          ``direction`` (+1 facing right), ``foot_strike``, ``treadmill``.

    Raises
    ------
    OptionError
        For invalid options or a spec the leg geometry cannot realise.

    Examples
    --------
    >>> run = synthetic_runner(fps=60, duration_s=3, noise_px=2.0, seed=1)
    >>> run.track.n_frames, run.track.meta.source
    (180, 'synthetic')
    """
    spec = spec if spec is not None else RunnerSpec()
    include = tuple(include)
    _check(spec, fps, duration_s, noise_px, dropout_frac, swap_segments, px_per_m, seed, include)
    if times is not None:
        times = np.asarray(times, dtype=float)
        if times.ndim != 1 or times.size < 2 or not (np.diff(times) > 0).all():
            raise OptionError("times must be at least 2 strictly increasing frame times (s).")
    rng_phase, rng_score, rng_noise, rng_swap, rng_drop = (
        np.random.default_rng([int(seed), stream]) for stream in range(5)
    )
    first_contact = float(rng_phase.uniform(0.0, spec.stride_time_s))
    model = Model(spec, first_contact, duration_s)

    time = np.arange(max(2, round(duration_s * fps))) / fps if times is None else times
    n_frames = time.size
    names = _keypoint_names(include)
    pts = model.points(time)

    height = round(2.4 * px_per_m)
    width = round(px_per_m * (1920 / 450))
    if not spec.treadmill:
        width = max(width, round(px_per_m * (spec.speed_mps * duration_s + 2.0)))
    ground_px = height - 0.2 * px_per_m
    sign = 1.0 if spec.facing == "right" else -1.0
    xy = np.stack([pts[name] for name in names], axis=1)
    xy = np.stack(
        [0.5 * width + sign * px_per_m * xy[..., 0], ground_px - px_per_m * xy[..., 1]], -1
    )

    far = model.far
    base = np.array(
        [
            _SCORE_FAR_ARM
            if name.startswith(far) and name.endswith(("elbow", "wrist"))
            else _SCORE_FAR_LEG
            if name.startswith(far) and not name.endswith(("shoulder", "ear"))
            else _SCORE_NEAR
            for name in names
        ]
    )
    score = np.clip(base + rng_score.normal(0.0, _SCORE_SD, (n_frames, len(names))), 0.05, 0.99)

    meta = TrackMeta(
        source="synthetic",
        width=width,
        height=height,
        fps=float(fps),
        units="px",
        time_base=f"synthetic: frame k at k / {fps:g} s"
        if times is None
        else f"synthetic: {n_frames} given frame times (nominal {fps:g} fps)",
        extra={
            "generator": "runform.synthetic.synthetic_runner",
            "spec": asdict(spec),
            "seed": int(seed),
            "noise_px": float(noise_px),
            "dropout_frac": float(dropout_frac),
            "swap_segments": int(swap_segments),
            "px_per_m": float(px_per_m),
        },
    )
    clean = PoseTrack(time=time, xy=xy, score=score, keypoints=tuple(names), meta=meta)

    xy = xy.copy()
    score = score.copy()
    if noise_px > 0:
        xy += rng_noise.normal(0.0, noise_px, xy.shape)
    swaps = swap_runs(n_frames, int(swap_segments), fps, rng_swap)
    swap_labels(xy, score, names, swaps)
    dropped = np.zeros(xy.shape[:2], bool)
    target = round(dropout_frac * dropped.size)
    if target:
        weight = np.array(
            [
                3.0 if n.startswith(far) and not n.endswith(("shoulder", "ear")) else 1.0
                for n in names
            ]
        )
        weight /= weight.sum()
        max_run = max(1, round(0.06 * fps))
        count = 0
        while count < target:
            batch = zip(
                rng_drop.choice(len(names), 256, p=weight),
                rng_drop.integers(1, max_run + 1, 256),
                rng_drop.integers(0, n_frames, 256),
                strict=True,
            )
            for k, length, start in batch:
                run = dropped[start : start + min(length, target - count), k]
                count += int(run.size - np.count_nonzero(run))
                run[:] = True
                if count >= target:
                    break
        xy[dropped] = np.nan
        score[dropped] = rng_drop.uniform(0.0, 0.2, int(dropped.sum()))

    events = [
        GaitEvent(
            side=side,  # type: ignore[arg-type]
            kind=kind,  # type: ignore[arg-type]
            time_s=t_ev,
            frame=(t_ev - time[0]) * fps if times is None else _frame(time, t_ev),
        )
        for t_ev, side, kind in model.events(float(time[0]), float(time[-1]))
    ]
    truth = measure_truth(model, px_per_m, ground_px)
    return SyntheticRun(
        track=clean.replace(xy=xy, score=score),
        events=events,
        truth=truth,
        clean_track=clean,
        swaps=swaps,
        dropped=dropped,
        spec=spec,
    )


def occlude_far_leg(
    track: PoseTrack, far: str, seed: int, shift_px: float = 25.0, noise_px: float = 6.0
) -> PoseTrack:
    """The far leg's knee, ankle, heel and toe as a camera sees them from the other side:
    pulled ``shift_px`` along the image's x by the near leg that hides them, with
    ``noise_px`` of noise (seeded). Two such clips, one from each side, are how the
    two-clip analysis is tested: a one-clip left/right comparison would show the artefact.

    >>> run = synthetic_runner(RunnerSpec(facing="left"), fps=30, duration_s=1)
    >>> seen = occlude_far_leg(run.track, "right", seed=0)
    >>> moved = seen.point("right_knee")[:, 0] - run.track.point("right_knee")[:, 0]
    >>> bool(abs(float(np.nanmean(moved)) - 25.0) < 3.0)
    True
    """
    rng = np.random.default_rng(seed)
    xy = track.xy.copy()
    names = list(track.keypoints)
    for joint in ("knee", "ankle", "heel", "foot_index"):
        name = f"{far}_{joint}"
        if name in names:
            i = names.index(name)
            xy[:, i, 0] += shift_px + rng.normal(0.0, noise_px, len(xy))
            xy[:, i, 1] += rng.normal(0.0, noise_px, len(xy))
    return track.replace(xy=xy)
