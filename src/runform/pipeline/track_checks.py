"""Can this pose track be analysed at all? Checks run before the engine touches it.

:func:`validate_track` refuses, with one sentence saying what is wrong and what to do, a
track that lacks the leg keypoints, is too short, has broken time, or shows a runner who is
not upright in the picture (:func:`body_axis_angle`): a video filmed sideways or with a wrong
rotation tag, or a pose file whose y axis points up. Anything it lets through is analysed;
anything it refuses would have given numbers that look real and are not.

Examples
--------
>>> from runform.synthetic import synthetic_runner
>>> track = synthetic_runner(fps=60, duration_s=3, seed=1).track
>>> validate_track(track)            # an upright runner passes
>>> round(body_axis_angle(track))    # ankles → shoulders, degrees from straight up
12
>>> flipped = track.replace(xy=track.xy * [1.0, -1.0])   # y pointing up: upside down
>>> round(body_axis_angle(flipped))
168
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from runform.errors import InputError
from runform.geometry import leg_length
from runform.keypoints import required_keypoints
from runform.text import counted
from runform.track import PoseTrack

#: Fewer frames than this cannot hold a step.
MIN_FRAMES = 10
#: Body axis further than this from straight up (degrees): the runner is not upright. A
#: runner leaning forward hard tilts it by 25–30° (trunk lean plus legs behind the hips),
#: a sprint start by about 45°; a body on its side is at 90°, upside down at 180°.
MAX_BODY_TILT_DEG = 60.0
#: Beyond this the body is upside down rather than on its side.
UPSIDE_DOWN_DEG = 120.0
#: Frames with the body axis measured below which the axis is not judged.
MIN_AXIS_FRAMES = 5


def validate_track(track: PoseTrack) -> None:
    """Raise a clear :class:`InputError` when a track cannot be analysed at all.

    Raises
    ------
    InputError
        Required keypoints missing, fewer than :data:`MIN_FRAMES` frames, time that does not
        increase or steps too slowly to be seconds (:func:`check_time_step`), coordinates of
        a size no runner has (:func:`check_scale`), or a runner who is not upright
        (:func:`check_upright`).
    """
    missing = [k for k in required_keypoints() if not track.has(k)]
    if missing:
        raise InputError(
            f"The pose track lacks required keypoints: {', '.join(missing)}. runform needs both "
            "hips, knees and ankles (heels and toes improve event timing); check the column names "
            "follow the BlazePose vocabulary, e.g. left_knee_x."
        )
    if track.n_frames < MIN_FRAMES:
        raise InputError(
            f"The pose track has only {counted(track.n_frames, 'frame')}; record at least 5 "
            "seconds of running."
        )
    dt = np.diff(track.time)
    if not np.all(np.isfinite(track.time)) or np.any(dt <= 0):
        bad = int(np.flatnonzero(~(dt > 0))[0]) + 1 if np.any(~(dt > 0)) else 0
        raise InputError(
            f"Time does not increase at frame {bad}; fix the time column or pass --fps to "
            "rebuild time from the frame rate."
        )
    check_time_step(track)
    check_scale(track)
    check_upright(track)


def _midpoint(track: PoseTrack, part: str) -> np.ndarray | None:
    """``(T, 2)`` mean of the left and right ``part`` where either is found, else ``None``."""
    names = [f"{side}_{part}" for side in ("left", "right") if track.has(f"{side}_{part}")]
    if not names:
        return None
    points = np.stack([track.point(n) for n in names])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames with neither side
        return np.nanmean(points, axis=0)


def body_axis_angle(track: PoseTrack) -> float:
    """How far the body axis is from straight up in the picture, in degrees (0–180).

    The axis runs from the middle of the ankles to the middle of the shoulders (to the
    middle of the hips when the track has no shoulders); its direction is the median over
    frames of the per-frame unit vectors, so a few wrong frames do not move it. With y
    pointing down (image rows), an upright runner is at about 5–20° (trunk lean, legs
    behind the hips), one lying on their side at about 90° and one upside down (a y axis
    pointing up) at about 180°. ``NaN`` with fewer than :data:`MIN_AXIS_FRAMES` frames
    where it can be measured.
    """
    ankles = _midpoint(track, "ankle")
    top = _midpoint(track, "shoulder")
    if top is None or np.isfinite(top).all(axis=1).sum() < MIN_AXIS_FRAMES:
        top = _midpoint(track, "hip")
    if ankles is None or top is None:
        return math.nan
    axis = top - ankles
    length = np.hypot(axis[:, 0], axis[:, 1])
    ok = np.isfinite(length) & (length > 0)
    if ok.sum() < MIN_AXIS_FRAMES:
        return math.nan
    unit = np.median(axis[ok] / length[ok, None], axis=0)
    return float(np.degrees(np.arctan2(abs(unit[0]), -unit[1])))


def from_video(track: PoseTrack) -> bool:
    """Whether the track was estimated from a video by runform (not read from a pose file)."""
    return "video" in (track.meta.extra or {})


def check_upright(track: PoseTrack) -> None:
    """Refuse a runner lying on their side or upside down in the picture.

    Raises
    ------
    InputError
        :func:`body_axis_angle` is above :data:`MAX_BODY_TILT_DEG`: the video was filmed
        or stored rotated, or the pose file's y axis points up.
    """
    angle = body_axis_angle(track)
    if not math.isfinite(angle) or angle <= MAX_BODY_TILT_DEG:
        return
    upside_down = angle > UPSIDE_DOWN_DEG
    pose_word = "upside down" if upside_down else "lying on their side"
    seen = f"the body's axis, ankles to shoulders, is {angle:.0f}° from upright"
    if from_video(track):
        raise InputError(
            f"The runner is {pose_word} in the video ({seen}); rotate the video so the runner "
            "stands upright (its rotation tag may be wrong, e.g. a phone that thought it was "
            "held sideways) and analyse it again."
        )
    extra = track.meta.extra or {}
    if upside_down and str(extra.get("units_from", "")).startswith("vertical extent"):
        # a TRC whose header gave metric units the numbers' size contradicted
        raise InputError(
            f"The runner is upside down in the pose file ({seen}), so its y axis points up, but "
            f"the TRC was read in pixels with y down ({extra.get('units_from')}); set the "
            "header's Units to the units its numbers are in (m, cm or mm) so it is read with "
            "y up, and run again."
        )
    if upside_down:
        raise InputError(
            f"The runner is upside down in the pose file ({seen}), so its y axis points up; "
            "runform needs image coordinates with y pointing down (image rows), so flip y "
            "(y → −y, or height − y) or export the pose in pixels with y down, and run again."
        )
    raise InputError(
        f"The runner is lying on their side in the pose file ({seen}); runform needs x "
        "horizontal and y pointing down with the runner upright, so rotate the video the pose "
        "was made from until the runner stands upright and make the pose again."
    )


# ----------------------------------------------------------------------------- time
#: A median frame interval above this (seconds; under 5 frames a second) times no running.
MAX_FRAME_INTERVAL_S = 0.2


def time_column_guess(step: float) -> str | None:
    """What a time column stepping by ``step`` per frame holds, when it is not seconds:
    ``"frame numbers"`` for a whole step up to 4 (every frame, or every n-th kept),
    ``"milliseconds"`` for a step of 4–250 (250 down to 4 frames a second), else ``None``.

    >>> time_column_guess(1.0), time_column_guess(33.333), time_column_guess(40.0)
    ('frame numbers', 'milliseconds', 'milliseconds')
    >>> time_column_guess(0.5) is None, time_column_guess(1000.0) is None
    (True, True)
    """
    whole = abs(step - round(step)) < 1e-6
    if whole and 1 <= round(step) <= 4:
        return "frame numbers"
    if 4.0 < step <= 250.0:
        return "milliseconds"
    return None


def time_base_remedy(track: PoseTrack) -> str:
    """What to do about a cadence outside human running, with the option the command that
    made ``track`` has: ``--capture-fps`` for a video, ``--fps`` for a pose file."""
    if from_video(track):
        return "for slow motion exported at 30 fps pass --capture-fps, e.g. 240"
    return (
        "check the pose file's time, or pass --fps with the rate the frames were taken at "
        "(for slow motion the camera's, e.g. --fps 240)"
    )


def check_time_step(track: PoseTrack) -> None:
    """Refuse a time axis whose frames are further apart than running can be timed from.

    Raises
    ------
    InputError
        The median frame interval is above :data:`MAX_FRAME_INTERVAL_S`: a time column in
        milliseconds or frame numbers, ``--fps`` far too low, or a time-lapse video.
    """
    step = float(np.median(np.diff(track.time)))
    if step <= MAX_FRAME_INTERVAL_S:
        return
    rate = 1.0 / step
    if "--fps" in (track.meta.time_base or ""):
        raise InputError(
            f"At --fps {rate:.3g} the frames are {step:.3g} s apart, too far apart to time a "
            "single step; give the frame rate the pose was made at (e.g. --fps 30)."
        )
    if from_video(track):
        raise InputError(
            f"The video's frames are {step:.3g} s apart ({rate:.2g} frames a second), too far "
            "apart to time a single step (a time-lapse?); film at normal speed, 30 fps or more."
        )
    minutes = track.duration / 60.0
    span = f"{minutes:.0f} minutes" if minutes >= 2 else f"{track.duration:.0f} s"
    said = (
        f"The pose file's time steps by {step:.3g} a frame, which as seconds makes the clip "
        f"{span} long"
    )
    guess = time_column_guess(step)
    if guess == "milliseconds":
        raise InputError(
            f"{said}, so it looks like milliseconds; give the time in seconds or pass --fps "
            f"{1000.0 / step:.3g} to time the frames from the frame rate."
        )
    what = "like frame numbers" if guess else "not to be seconds"
    raise InputError(
        f"{said}, so it looks {what}; give the time in seconds or pass --fps with the frame "
        "rate the pose was made at (e.g. --fps 30)."
    )


# ----------------------------------------------------------------------------- scale and units
#: Pixel coordinates that all lie within ``[0, NORMALISED_LIMIT]`` are normalised to the frame
#: (0–1, as some pose tools write them), not pixels.
NORMALISED_LIMIT = 1.5
#: A leg (hip → knee → ankle) shorter than this many pixels is not a filmed runner's.
MIN_LEG_PX = 10.0
#: Leg lengths (metres) a runner can have: a small child's to well above the tallest adult's.
LEG_RANGE_M = (0.25, 2.0)
#: Units a metric pose file may be in, and their size in metres.
_METRIC_UNITS = (("m", 1.0), ("cm", 0.01), ("mm", 0.001))


def _length_words(metres: float) -> str:
    """``0.0009`` → ``'0.9 mm'``, ``0.87`` → ``'0.87 m'``, ``870`` → ``'870 m'``."""
    if metres < 0.01:
        return f"{1000 * metres:.2g} mm"
    return f"{metres:.3g} m"


def fitting_units(leg_in_file: float) -> list[str]:
    """The metric units in which a leg of ``leg_in_file`` file units is a runner's leg.

    >>> fitting_units(0.87), fitting_units(870.0), fitting_units(5.0)
    (['m'], ['mm'], [])
    """
    low, high = LEG_RANGE_M
    return [name for name, size in _METRIC_UNITS if low <= leg_in_file * size <= high]


def check_scale(track: PoseTrack) -> None:
    """Refuse coordinates whose size no filmed runner can have.

    Raises
    ------
    InputError
        Pixel coordinates all within ``[0, 1.5]`` (normalised to the frame) or a leg under
        :data:`MIN_LEG_PX` pixels; metric coordinates with a leg outside :data:`LEG_RANGE_M`
        (a TRC whose header names other units than its numbers are in).
    """
    xy = track.xy[np.isfinite(track.xy).all(axis=2)]
    if xy.size == 0:
        return
    leg = leg_length(track)
    if track.meta.units == "px":
        if xy.min() >= 0.0 and xy.max() <= NORMALISED_LIMIT:
            raise InputError(
                f"The keypoint coordinates all lie between 0 and {NORMALISED_LIMIT:g}, so they "
                "look normalised to the frame size rather than pixels, which loses the "
                "picture's shape and bends every angle; give pixel coordinates (x times the "
                "frame width, y times its height, e.g. 1920 and 1080) and run again."
            )
        if math.isfinite(leg) and leg < MIN_LEG_PX:
            raise InputError(
                f"The runner's leg (hip to knee to ankle) is only {leg:.2g} pixels long, so the "
                "coordinates are not pixels of a filmed runner; give the keypoints in pixels of "
                "the video (a runner who fills the frame is several hundred pixels tall)."
            )
        return
    if track.meta.units != "m" or not math.isfinite(leg):
        return
    low, high = LEG_RANGE_M
    if low <= leg <= high:
        return
    extra = track.meta.extra or {}
    scale = float(extra.get("scale_to_track_units") or 1.0)
    fits = fitting_units(leg / scale)
    if "trc_units" in extra:
        read_as = next((n for n, size in _METRIC_UNITS if math.isclose(size, scale)), "m")
        remedy = (
            f"its numbers look like {fits[0]}, so set the TRC header's Units to {fits[0]}"
            if fits
            else "set the TRC header's Units to the units its numbers are in (m, cm or mm)"
        )
        where = f"the TRC read in {read_as} ({extra.get('units_from')})"
    else:
        remedy = "give the pose in metres or in pixels"
        where = "the pose, in metres"
    raise InputError(
        f"The runner's leg (hip to knee to ankle) measures {_length_words(leg)} in {where}, "
        f"which no runner's leg does, so the units are wrong; {remedy}, and run again."
    )


# ----------------------------------------------------------------------------- legs located
#: A leg keypoint located in fewer frames than this is named as the one missing.
GOOD_COVERAGE = 0.7


def poorly_located(track: PoseTrack, names: Sequence[str]) -> list[tuple[str, float]]:
    """``(name, share of frames located)`` of the keypoints located in under
    :data:`GOOD_COVERAGE` of the frames, worst first (the two worst when none is)."""
    found = [(n, float(np.isfinite(track.point(n)).all(axis=1).mean())) for n in names]
    found.sort(key=lambda item: item[1])
    return [item for item in found if item[1] < GOOD_COVERAGE] or found[:2]


def mostly_low_scores(track: PoseTrack, names: Sequence[str], min_score: float) -> bool:
    """Whether most of the located points of ``names`` are scored below ``min_score``."""
    xy = np.stack([track.point(n) for n in names], axis=1)
    score = np.stack([track.point_score(n) for n in names], axis=1)
    scored = np.isfinite(xy).all(axis=2) & np.isfinite(score)
    return bool(scored.any()) and float((score[scored] < min_score).mean()) > 0.5


def legs_missing_sentence(
    raw: PoseTrack, cleaned: PoseTrack, names: Sequence[str], share: float, min_score: float
) -> str:
    """Why hips, knees and ankles are located together in only ``share`` of the frames,
    naming the keypoints missing, and what the user can do about it (one sentence)."""
    poor = poorly_located(cleaned, names)
    shares = {f"{100 * f:.0f} %" for _, f in poor}
    if len(poor) == len(names) and len(shares) == 1:
        listed = f"each of them {shares.pop()}"
    else:
        listed = ", ".join(f"{n} {100 * f:.0f} %" for n, f in poor)
    said = (
        f"Hips, knees and ankles are all located in only {100 * share:.0f} % of frames ({listed})"
    )
    if from_video(raw):
        return f"{said}; film from the side with the whole body in frame and good light."
    if mostly_low_scores(raw, [n for n, _ in poor], min_score):
        return (
            f"{said}, most of their points scored below {min_score:g}, the confidence runform "
            "needs; if your pose tool's scores are not 0–1 confidences, rescale them or leave "
            "the scores out (a CSV's _score columns), else make the pose again from a clip with "
            "the whole body in frame and good light."
        )
    return (
        f"{said}, the pose file giving no position for {'it' if len(poor) == 1 else 'them'} "
        "in most frames; make the pose again from a side-view clip with the whole body, "
        "feet included, in frame and good light."
    )
