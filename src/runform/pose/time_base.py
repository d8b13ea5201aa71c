"""Real time from a video's timestamps: slow motion, and frames with no timestamp.

:func:`resolve_time_base` turns playback time (each frame's presentation timestamp, read by
:mod:`runform.pose.video`) into real time: the capture rate comes from ``--capture-fps`` or
from a tag the phone wrote (Android: ``com.android.capture.fps``), and a slow-motion clip's
playback time is scaled by playback rate over capture rate. :func:`fill_missing_times`
fills frames that carry no timestamp from their neighbours.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from runform.errors import InputError, OptionError
from runform.pose.video import SAME_RATE_TOLERANCE, VideoInfo


@dataclass(frozen=True)
class TimeBase:
    """How playback time (from timestamps) becomes real time.

    ``real = playback * factor``. ``stored_fps`` is the measured playback frame rate,
    ``capture_fps`` the real frame rate, ``source`` where the capture rate came from, and
    ``description`` the sentence recorded in ``meta.time_base``.
    """

    factor: float
    stored_fps: float
    capture_fps: float
    source: str
    description: str

    def to_dict(self) -> dict:
        return asdict(self)


def check_capture_fps(capture_fps: float | None) -> float | None:
    """Validate a ``--capture-fps`` value (``None`` passes through)."""
    if capture_fps is None:
        return None
    try:
        value = float(capture_fps)
    except (TypeError, ValueError):
        raise OptionError(
            f"--capture-fps must be a number of frames per second, got {capture_fps!r}."
        ) from None
    if not math.isfinite(value) or not (1.0 <= value <= 10_000.0):
        raise OptionError(
            f"--capture-fps must be the camera's frame rate in frames per second (e.g. 240), "
            f"got {capture_fps!r}."
        )
    return value


def resolve_time_base(
    playback_time: np.ndarray, info: VideoInfo, capture_fps: float | None = None
) -> TimeBase:
    """Decide how to turn playback time into real time.

    The capture rate is, in order: ``capture_fps`` (the user's ``--capture-fps``), a capture
    rate tag in the file, or the playback rate itself. When capture and playback rates differ
    by more than 5 %, the clip is slow motion (or time-lapse) and time is scaled by
    ``playback_fps / capture_fps``.

    Examples
    --------
    >>> info = VideoInfo("a", "mp4", "h264", 720, 1280, 720, 1280, 0, 30.0, 240.0,
    ...                  "com.android.capture.fps", 4.0, 120, "1/30", False)
    >>> tb = resolve_time_base(np.arange(120) / 30.0, info)
    >>> round(tb.factor, 6), tb.capture_fps
    (0.125, 240.0)
    >>> resolve_time_base(np.arange(120) / 30.0, info, capture_fps=30).factor
    1.0
    """
    capture_fps = check_capture_fps(capture_fps)
    finite = playback_time[np.isfinite(playback_time)]
    steps = np.diff(finite)
    steps = steps[steps > 0]
    if steps.size:
        stored = float(1.0 / np.median(steps))
    elif info.stored_fps:
        stored = float(info.stored_fps)
    else:
        raise InputError(
            f"{info.path} has no usable frame timestamps and states no frame rate; re-export it "
            "as an mp4 from the phone."
        )
    if capture_fps is not None:
        capture, source = capture_fps, "--capture-fps"
    elif info.capture_fps_tag is not None:
        capture, source = info.capture_fps_tag, f"the file's {info.capture_fps_key} tag"
    else:
        return TimeBase(
            1.0,
            stored,
            stored,
            "timestamps",
            f"container timestamps as real time ({stored:.4g} fps; the file states no capture "
            "rate)",
        )
    if abs(capture / stored - 1.0) <= SAME_RATE_TOLERANCE:
        return TimeBase(
            1.0,
            stored,
            stored,
            source,
            f"container timestamps as real time ({capture:.4g} fps capture stored at its own "
            f"rate, per {source})",
        )
    factor = stored / capture
    kind = "slow motion" if capture > stored else "time-lapse"
    return TimeBase(
        factor,
        stored,
        capture,
        source,
        f"container timestamps x {factor:.4g} ({kind}: captured at {capture:.4g} fps, stored "
        f"to play at {stored:.4g} fps; capture rate from {source})",
    )


def fill_missing_times(playback_time: np.ndarray, fps: float | None) -> tuple[np.ndarray, int]:
    """Make playback time strictly increasing, one value per decoded frame.

    Frames without a timestamp, or whose timestamp does not increase (broken files), get a
    time interpolated between their neighbours (or extrapolated at ``fps``). Returns the
    fixed times and how many frames were fixed.

    >>> t, n = fill_missing_times(np.array([0.0, np.nan, 0.2, 0.2, 0.4]), 10.0)
    >>> t.round(3).tolist(), n
    ([0.0, 0.1, 0.2, 0.3, 0.4], 2)
    """
    t = np.asarray(playback_time, dtype=float).copy()
    bad = ~np.isfinite(t)
    running = -np.inf
    for i, value in enumerate(t):  # a timestamp not above every earlier one is suspect
        if bad[i]:
            continue
        if value <= running:
            bad[i] = True
        else:
            running = value
    n_bad = int(bad.sum())
    if n_bad == 0:
        return t, 0
    good = np.flatnonzero(~bad)
    idx = np.arange(t.size)
    if good.size >= 2:
        t[bad] = np.interp(idx[bad], good, t[good])
        slope = float(np.median(np.diff(t[good]) / np.diff(good)))
        before, after = idx < good[0], idx > good[-1]
        t[before] = t[good[0]] - (good[0] - idx[before]) * slope
        t[after] = t[good[-1]] + (idx[after] - good[-1]) * slope
    else:
        step = 1.0 / (fps or 30.0)
        origin = t[good[0]] - good[0] * step if good.size else 0.0
        t = origin + idx * step
    # interpolation between equal neighbours can still tie: spread ties evenly
    for i in range(1, t.size):
        if t[i] <= t[i - 1]:
            t[i] = t[i - 1] + 1e-6
    return t, n_bad
