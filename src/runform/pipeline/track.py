"""Pose track → analysis: the engine's one call.

``analyze_track`` chains the stages (clean → direction → events → angles → per-step metrics
→ summaries) with plain data in and out and progress through a callback.

Examples
--------
>>> from runform.synthetic import synthetic_runner       # doctest: +SKIP
>>> a = analyze_track(synthetic_runner(fps=120).track)   # doctest: +SKIP
>>> round(a.summary["cadence_spm"])                      # doctest: +SKIP
170
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from runform.analysis import Analysis, Warning_
from runform.errors import AnalysisError, OptionError
from runform.findings.pace import metric_band, pace_from_analysis
from runform.gait.clean import clean_track
from runform.gait.direction import detect_travel
from runform.gait.events import FootClearanceDetector
from runform.gait.level import camera_roll_deg, roll_errors
from runform.gait.time_grid import is_uniform
from runform.gait.types import CUT_BY_CLIP_EDGE, RejectedStep, Step
from runform.geometry import leg_length
from runform.keypoints import SIDES, other_side, required_keypoints
from runform.metrics.angles import frame_angles
from runform.metrics.catalog import expected_cadence
from runform.metrics.event_timing import event_scatter_ms, event_timing_error_ms, timing_errors
from runform.metrics.foot_points import (
    distrust_foot_timing,
    foot_points_sentence,
    missing_foot_points,
)
from runform.metrics.steps import StepContext, gait_cycle_curves, step_metrics
from runform.metrics.summary import LEG_FRACTION_OF_HEIGHT, assess, summarise
from runform.pipeline.one_leg import (
    far_leg_hidden_warning,
    located,
    near_side_said,
    one_leg_only,
    only_leg_seen,
)
from runform.pipeline.track_checks import (
    legs_missing_sentence,
    time_base_remedy,
    validate_track,
)
from runform.progress import ProgressLike, ensure_progress
from runform.text import counted
from runform.track import PoseTrack

HUMAN_CADENCE_SPM = (100.0, 260.0)
#: A ground sloping this much in the picture (degrees) is said: the camera was rolled, and
#: the angles read against the picture's vertical are stated with that much more error.
ROLL_NOTE_DEG = 4.0


def camera_rolled_sentence(roll_deg: float) -> str:
    """What the analysis says of a camera rolled by ``roll_deg`` (the ground's slope)."""
    return (
        f"The ground slopes about {abs(roll_deg):.0f}° in the picture (the phone was not "
        "level, or not square to the runner's side), so the angles of the thigh, shin and "
        "trunk and the landing distance may be off by about that much; their stated error "
        "includes it. Level the phone, square to the runner, for firmer numbers."
    )


@dataclass(frozen=True)
class AnalysisOptions:
    """Options of the engine (all optional).

    height_cm: runner's height, gives a scale (vertical oscillation in cm) and the leg length
        that turns the running speed measured in the image into m/s.
    treadmill_speed_mps: belt speed, gives step length and the expected cadence.
    min_score: keypoints below this confidence are treated as missing.
    max_gap_s: gaps up to this long are interpolated; longer gaps split steps.
    cutoff_hz: low-pass cut-off; ``None`` adapts it to the frame rate.
    fix_swaps: correct left/right label swaps.
    min_steps_per_side: fewer accepted steps on a side than this is an error.
    filmed_side: the runner's side the camera faced, as the user says (``"left"`` or
        ``"right"``): decides the near leg when the picture cannot; when the picture
        clearly shows the other leg nearer, the picture wins and a warning says so.
    """

    height_cm: float | None = None
    treadmill_speed_mps: float | None = None
    min_score: float = 0.3
    max_gap_s: float = 0.1
    cutoff_hz: float | None = None
    fix_swaps: bool = True
    min_steps_per_side: int = 2
    filmed_side: str | None = None

    def validate(self) -> AnalysisOptions:
        if self.filmed_side not in (None, "left", "right"):
            raise OptionError(
                f"--filmed-side {self.filmed_side} is not a side; give left or right (the "
                "runner's side that faced the camera)."
            )
        if self.height_cm is not None and not (80.0 <= self.height_cm <= 250.0):
            raise OptionError(
                f"--height-cm {self.height_cm:g} is not a human height; give it in centimetres "
                "(e.g. --height-cm 178)."
            )
        if self.treadmill_speed_mps is not None and not (0.5 <= self.treadmill_speed_mps <= 12.0):
            raise OptionError(
                f"--treadmill-speed {self.treadmill_speed_mps:g} m/s is outside 0.5–12 m/s; give the "
                "belt speed in metres per second (10 km/h = 2.78 m/s)."
            )
        if not (0.0 <= self.min_score < 1.0):
            raise OptionError("min_score must be between 0 and 1.")
        if self.cutoff_hz is not None and self.cutoff_hz <= 0:
            raise OptionError("The low-pass cut-off must be a positive frequency in Hz.")
        return self

    def to_dict(self) -> dict:
        return asdict(self)


def _confidence(track: PoseTrack) -> dict[str, float]:
    """Mean confidence of each side's leg and foot points (1.0 when scores are unknown)."""
    out = {}
    for side in SIDES:
        names = [f"{side}_{p}" for p in ("hip", "knee", "ankle", "heel", "foot_index")]
        cols = [track.point_score(n) for n in names if track.has(n)]
        s = np.stack(cols)
        finite = s[np.isfinite(s)]
        out[side] = round(float(finite.mean()), 3) if finite.size else 1.0
    return out


# ----------------------------------------------------------------------------- short clips
#: Strides of the measured leg, and seconds of steady running, below which a clip is short.
SHORT_CLIP_STRIDES = 8
SHORT_CLIP_SECONDS = 10.0


def _timing_frame_rate(track: PoseTrack) -> float:
    """The frame rate an event's stated timing error is figured at: the track's own on
    evenly spaced frames; on uneven ones (:func:`runform.gait.time_grid.is_uniform`) the
    rate of its slower frames (the 90th percentile of the intervals), so a stretch the
    phone filmed at 24 fps in a 30 fps clip is not stated as timed to a 30 fps frame.

    >>> t = np.r_[np.arange(0, 8, 1 / 30), 8 + np.arange(0, 4, 1 / 24)]
    >>> track = PoseTrack.from_points(t, {"left_hip": np.zeros((t.size, 2))})
    >>> round(track.frame_rate), round(_timing_frame_rate(track))
    (30, 24)
    """
    if is_uniform(track.time):
        return track.frame_rate
    return float(1.0 / np.percentile(np.diff(track.time), 90))


def _steady_running(steps: list[Step], near: str | None) -> tuple[int, float]:
    """(strides of the measured leg, seconds from the first accepted contact to the last)."""
    sides = [near] if near in SIDES else list(SIDES)
    strides = min(
        sum(1 for st in steps if st.side == s and st.next_same_contact_s is not None) for s in sides
    )
    contacts = [st.contact_s for st in steps]
    span = (max(contacts) - min(contacts)) if contacts else 0.0
    return strides, float(span)


def analyze_track(
    track: PoseTrack,
    options: AnalysisOptions | None = None,
    progress: ProgressLike = None,
) -> Analysis:
    """Analyse a 2-D side-view pose track: events, per-step metrics, summaries, warnings.

    Raises
    ------
    InputError
        The track lacks required keypoints or has broken time.
    AnalysisError
        Too little usable data (low confidence everywhere, too few steps).
    """
    opts = (options or AnalysisOptions()).validate()
    report = ensure_progress(progress)
    validate_track(track)
    warnings: list[Warning_] = []
    report("analyse", 0.0, "cleaning")

    confidence = _confidence(track)
    cleaned, cleaning = clean_track(
        track,
        min_score=opts.min_score,
        max_gap_s=opts.max_gap_s,
        cutoff_hz=opts.cutoff_hz,
        fix_swaps=opts.fix_swaps,
    )
    usable = located(cleaned, required_keypoints())
    near_warnings: list[Warning_] = []  # said where they always were, after the travel's
    near_info = near_side_said(track, confidence, opts.filmed_side, near_warnings)
    near = near_info.side
    one_leg = None
    if usable.mean() < 0.3:
        one_leg = only_leg_seen(cleaned, near)
        if one_leg is None:
            raise AnalysisError(
                legs_missing_sentence(
                    track, cleaned, required_keypoints(), float(usable.mean()), opts.min_score
                )
            )
        warnings.append(
            far_leg_hidden_warning(
                one_leg,
                f"was hidden in most of the clip (located in {100 * usable.mean():.0f} % of frames)",
            )
        )
    elif usable.mean() < 0.7:
        warnings.append(
            Warning_(
                "low_coverage",
                f"Legs are located in only {100 * usable.mean():.0f} % of frames; results use the "
                "rest and may be less reliable.",
            )
        )
    if cleaning.swap_segments:
        warnings.append(
            Warning_(
                "swaps_corrected",
                f"Left/right leg labels were swapped in {counted(cleaning.swapped_frames, 'frame')} "
                f"({counted(cleaning.swap_segments, 'segment')}) and have been corrected.",
                "info",
            )
        )
    report("analyse", 0.25, "direction of travel")
    travel = detect_travel(cleaned)
    if travel.confidence < 0.3:
        warnings.append(
            Warning_(
                "direction_uncertain",
                "The direction of travel is uncertain; check that the video is a side view.",
            )
        )
    leg = leg_length(cleaned)
    if not np.isfinite(leg) or leg <= 0:
        raise AnalysisError("Leg length could not be measured; hips, knees and ankles are needed.")

    report("analyse", 0.4, "gait events")
    detector = FootClearanceDetector(max_gap_s=opts.max_gap_s).detect(cleaned, travel.direction)
    gait = detector.result_
    per_side = {s: sum(1 for st in gait.steps if st.side == s) for s in SIDES}
    too_few_far = None
    if (
        not one_leg
        and near is not None
        and per_side[other_side(near)] < opts.min_steps_per_side <= per_side[near]
    ):
        # the far foot found on too few steps (hidden or unclear in most of the clip),
        # the near one on enough: the near leg is measured alone rather than refused
        one_leg = near
        n_far = per_side[other_side(near)]
        too_few_far = far_leg_hidden_warning(
            near, f"was found on only {counted(n_far, 'step')} (its foot hidden or unclear)"
        )
    # measured alone, the near leg's "far leg greyed" note gives way to the fuller one
    warnings.extend(w for w in near_warnings if not (one_leg and w.code == "far_leg"))
    if too_few_far:
        warnings.append(too_few_far)
    if one_leg:
        gait = one_leg_only(gait, one_leg)
        per_side = {s: sum(1 for st in gait.steps if st.side == s) for s in SIDES}
    if one_leg and (n_near := per_side[one_leg]) < opts.min_steps_per_side:
        raise AnalysisError(
            f"Only {counted(n_near, f'{one_leg} step')} {'was' if n_near == 1 else 'were'} "
            f"found, the {other_side(one_leg)} leg being hidden in most of the clip (at least "
            f"{opts.min_steps_per_side} are needed); film at least 10 seconds of steady "
            "running from the side with both feet visible."
        )
    if not one_leg and min(per_side.values()) < opts.min_steps_per_side:
        raise AnalysisError(
            f"Only {counted(per_side['left'], 'left step')} and "
            f"{counted(per_side['right'], 'right step')} were found (at least "
            f"{opts.min_steps_per_side} per foot are needed); film at least 10 seconds "
            "of steady running from the side with both feet visible."
        )

    report("analyse", 0.6, "metrics")
    angles = frame_angles(cleaned, travel.direction)
    ctx = StepContext.build(cleaned, angles, travel.direction, leg, one_leg=bool(one_leg))
    rows = [
        _no_negative_durations(step_metrics(st, ctx, opts.treadmill_speed_mps)) for st in gait.steps
    ]
    scale = None
    if cleaned.meta.units == "m":
        scale = 1.0
    elif opts.height_cm:
        scale = LEG_FRACTION_OF_HEIGHT * opts.height_cm / 100.0 / leg
    fps = cleaned.frame_rate
    metrics, summary = summarise(
        rows,
        fps=fps,
        # measured alone, every value is the near leg's: its keypoints decide their quality
        confidence={s: confidence[one_leg] for s in SIDES} if one_leg else confidence,
        scale_m_per_unit=scale,
        leg_units=leg,
        treadmill_speed=opts.treadmill_speed_mps,
        near_side=near,
    )
    # without heel or toe the events are timed from what is left: say so, trust no timing
    missing_feet = missing_foot_points(cleaned)
    distrust_foot_timing(metrics, missing_feet)
    if feet_sentence := foot_points_sentence(missing_feet):
        warnings.append(Warning_("foot_points_missing", feet_sentence))
    # how well each event is timed: at this frame rate, and at this pace for the engine
    # (the toe-off is timed better where the foot's pitch could be read on every foot)
    pitch_timed = detector.pitch_timed_toe_offs
    timing_fps = _timing_frame_rate(cleaned)
    event_error_ms = {
        "contact": event_timing_error_ms(timing_fps, "contact", detector.running_speed_),
        "toe_off": event_timing_error_ms(
            timing_fps,
            "toe_off_with_pitch" if pitch_timed else "toe_off",
            detector.running_speed_,
        ),
    }
    errors = timing_errors(
        gait.steps,
        ctx,
        {kind: ms / 1000.0 for kind, ms in event_error_ms.items()},
        opts.treadmill_speed_mps,
        scatter_s=event_scatter_ms(timing_fps) / 1000.0,
    )
    # a camera that is not level moves the angles read against the picture's vertical:
    # as much as the ground slopes in the picture, added to what they are stated to within
    roll = camera_roll_deg(cleaned, gait.steps)
    roll = None if roll is None else round(roll, 1)  # as analysis.json stores it
    if roll is not None:
        for key, extra in roll_errors(roll, SIDES).items():
            errors[key] = float(np.hypot(errors.get(key, 0.0), extra))
        if abs(roll) >= ROLL_NOTE_DEG:
            warnings.append(Warning_("camera_rolled", camera_rolled_sentence(roll)))
    if "vertical_oscillation_cm" in metrics and ("vertical_oscillation_pct", "all") in errors:
        leg_cm = metrics["vertical_oscillation_cm"]["all"]["median"] / max(
            metrics["vertical_oscillation_pct"]["all"]["median"], 1e-9
        )
        errors[("vertical_oscillation_cm", "all")] = (
            errors[("vertical_oscillation_pct", "all")] * leg_cm
        )
    # One band per metric, moved to the runner's pace once, stored with the metric.
    measured_speed = (
        round(detector.running_speed_, 2) if np.isfinite(detector.running_speed_) else None
    )
    pace = pace_from_analysis(
        {
            "options": opts.to_dict(),
            "metrics": metrics,
            "context": {
                "running_speed_leg_lengths_per_s": measured_speed,
                "leg_length": round(leg, 3),  # as analysis.json stores it
                "leg_length_units": cleaned.meta.units,
            },
        }
    )
    # a pace measured with the runner's own leg length (from their height, or a track in
    # metres) is within a few per cent, firm enough to expect a cadence from, as a treadmill
    # speed is; with a typical adult's leg it is not (docs/decisions.md, session 9)
    cadence_entry = metrics.get("cadence_spm")
    if (
        cadence_entry is not None
        and "expected" not in cadence_entry
        and pace.basis == "image"
        and pace.leg in ("height", "measured")
        and pace.speed_mps
    ):
        cadence_entry["expected"] = round(expected_cadence(pace.speed_mps), 1)
    bands = {
        mid: metric_band(mid, entry.get("band"), pace, entry.get("expected"))
        for mid, entry in metrics.items()
    }
    assess(metrics, near_side=near, fps=fps, bands=bands, timing_errors=errors)
    cycles = gait_cycle_curves(cleaned, angles, gait.steps)

    cad = summary.get("cadence_spm")
    if cad is not None and not (HUMAN_CADENCE_SPM[0] <= cad <= HUMAN_CADENCE_SPM[1]):
        warnings.append(
            Warning_(
                "time_base_suspect",
                f"Cadence came out at {cad:.0f} steps/min, outside human running "
                f"({HUMAN_CADENCE_SPM[0]:.0f}–{HUMAN_CADENCE_SPM[1]:.0f}); the time base is "
                f"probably wrong ({time_base_remedy(track)}).",
            )
        )
    if fps < 59.0:
        warnings.append(
            Warning_(
                "coarse_timing",
                f"At {fps:.0f} fps one frame lasts {1000 / fps:.0f} ms, so contact and flight times "
                "are coarse (about ±1 frame); cadence and angles are fine. Film at 120–240 fps for "
                "contact timing.",
                "info",
            )
        )
    strides, span = _steady_running(gait.steps, near)
    if strides < SHORT_CLIP_STRIDES or span < SHORT_CLIP_SECONDS:
        leg_words = f"of the {near} leg " if near else ""
        warnings.append(
            Warning_(
                "short_clip",
                f"Only {counted(strides, 'stride')} {leg_words}over {span:.1f} s of steady running "
                f"{'was' if strides == 1 else 'were'} measured; at least {SHORT_CLIP_STRIDES} strides and "
                f"{SHORT_CLIP_SECONDS:.0f} s are needed for stable medians. Findings that rest "
                "on too few steps are withheld; film at least 10 s of steady running.",
            )
        )
    if gait.rejected:
        warnings.append(Warning_("steps_rejected", rejected_steps_sentence(gait.rejected), "info"))
    report("analyse", 1.0, "done")
    return Analysis(
        track=cleaned,
        travel=travel,
        gait=gait,
        angles=angles,
        steps=rows,
        metrics=metrics,
        summary=summary,
        cycles=cycles,
        leg_length=leg,
        cleaning=cleaning,
        options=opts.to_dict(),
        warnings=warnings,
        keypoint_confidence=confidence,
        near_side=near,
        near_evidence=near_info.to_dict(),
        event_error_ms=round(event_error_ms["contact"], 1),
        toe_off_error_ms=round(event_error_ms["toe_off"], 1),
        running_speed=measured_speed,
        toe_off_foot_pitch=pitch_timed,
        camera_roll_deg=roll,
        measured_alone=one_leg,
    )


def _no_negative_durations(row: dict) -> dict:
    """Flight time is the time with neither foot on the ground: when the other foot lands
    before this one leaves (a short overlap the step detector allows), it is 0, not
    negative."""
    flight = row.get("flight_time_ms")
    if flight is not None and flight < 0:
        row["flight_time_ms"] = 0.0
    return row


def rejected_steps_sentence(rejected: list[RejectedStep]) -> str:
    """What the rejected steps were, in one sentence: implausible steps apart from the
    stances the clip starts or ends inside, which are only not timeable.

    >>> rejected_steps_sentence([RejectedStep("left", 0.0, CUT_BY_CLIP_EDGE),
    ...                          RejectedStep("right", 6.4, "contact time 13 ms is implausible")])
    '1 step was rejected as implausible and 1 stance cut by the start or end of the clip was not timed (reasons in rejected_steps).'
    """
    edge = sum(1 for r in rejected if r.reason == CUT_BY_CLIP_EDGE)
    implausible = len(rejected) - edge
    parts = []
    if implausible:
        parts.append(
            f"{implausible} step{' was' if implausible == 1 else 's were'} rejected as implausible"
        )
    if edge:
        parts.append(
            f"{edge} stance{'' if edge == 1 else 's'} cut by the start or end of the clip "
            f"{'was' if edge == 1 else 'were'} not timed"
        )
    return " and ".join(parts) + " (reasons in rejected_steps)."
