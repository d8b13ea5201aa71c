"""The clip's time base checked against the legs' rhythm: a slow-motion clip timed at its
playback rate runs far below human running, and the rhythm of the ankles (which does not
depend on the detected events) suggests the camera's capture rate.
"""

from __future__ import annotations

import math

import numpy as np

from runform.analysis import Analysis, Warning_
from runform.errors import AnalysisError
from runform.pipeline.track import HUMAN_CADENCE_SPM
from runform.track import PoseTrack

#: Usual camera frame rates, for the time-base hint.
COMMON_CAPTURE_FPS = (24, 25, 30, 48, 50, 60, 90, 100, 120, 180, 200, 240, 300, 480, 960)
#: Typical running cadence used to guess the capture rate of a mis-timed clip.
TYPICAL_CADENCE_SPM = 170.0


def scissor_cadence(track: PoseTrack) -> float | None:
    """Cadence (steps per minute of *track* time) from the legs' scissor rhythm.

    The fore-aft distance between the ankles swings once per stride (two steps); its
    dominant frequency, found with a DFT over 0.1–10 Hz of track time, gives a cadence that
    does not depend on event detection. ``None`` with too little data. Used only to tell
    whether the time base is plausible.
    """
    if not (track.has("left_ankle") and track.has("right_ankle")) or track.n_frames < 16:
        return None
    sep = track.point("left_ankle")[:, 0] - track.point("right_ankle")[:, 0]
    ok = np.isfinite(sep)
    if ok.mean() < 0.5:
        return None
    t = track.time
    n = max(16, track.n_frames)
    grid = np.linspace(t[0], t[-1], n)
    duration = grid[-1] - grid[0]
    if duration <= 0:
        return None
    signal = np.interp(grid, t[ok], sep[ok])
    signal = signal - signal.mean()
    n_fft = 1 << max(12, int(math.ceil(math.log2(8 * n))))  # zero-padding: fine frequency grid
    power = np.abs(np.fft.rfft(signal, n_fft))
    freqs = np.fft.rfftfreq(n_fft, d=duration / (n - 1))
    band = (freqs >= max(0.1, 1.5 / duration)) & (freqs <= 10.0)
    if not band.any():
        return None
    return float(120.0 * freqs[band][int(np.argmax(power[band]))])


def suggested_capture_fps(track: PoseTrack, cadence: float) -> int | None:
    """The common capture rate that would bring ``cadence`` back to a typical running cadence."""
    if not (cadence > 0 and math.isfinite(cadence)):
        return None
    current = track.meta.fps or track.frame_rate
    guess = current * TYPICAL_CADENCE_SPM / cadence
    return min(COMMON_CAPTURE_FPS, key=lambda fps: abs(math.log(fps / guess)))


def _time_base_hint(track: PoseTrack) -> str | None:
    """A sentence about slow motion when the legs' rhythm is far outside human running."""
    cadence = scissor_cadence(track)
    if cadence is None or HUMAN_CADENCE_SPM[0] <= cadence <= HUMAN_CADENCE_SPM[1]:
        return None
    return _hint_sentence(track, cadence)


def _hint_sentence(track: PoseTrack, cadence: float) -> str:
    fps = track.meta.fps or track.frame_rate
    if cadence < HUMAN_CADENCE_SPM[0]:
        suggestion = suggested_capture_fps(track, cadence)
        return (
            f"Timed at {fps:.4g} frames per second the legs move at about {cadence:.0f} "
            f"steps/min, far below running: the clip is probably slow motion played back at "
            f"{fps:.4g} fps; pass the camera's capture rate, e.g. --capture-fps {suggestion}."
        )
    return (
        f"Timed at {fps:.4g} frames per second the legs move at about {cadence:.0f} steps/min, "
        "far above running: check --capture-fps (it must be the camera's real frame rate) or "
        "re-export the clip at normal speed."
    )


def _explain_time_base(analysis: Analysis, track: PoseTrack) -> None:
    """Replace the engine's generic time-base warning by one naming a capture rate; with no
    cadence at all and legs moving far slower or faster than running, refuse the clip with
    that sentence (:class:`AnalysisError`) rather than report nothing as a result.

    The capture rate is suggested from the legs' rhythm (:func:`scissor_cadence`) when it is
    known: on a mis-timed clip the detected events, and so the engine's cadence, are
    unreliable, while the rhythm of the ankles does not depend on them."""
    cadence = analysis.summary.get("cadence_spm")
    if cadence is None:
        # no stride survived: on a slow-motion clip timed at its playback rate every step
        # is rejected as implausibly long; the legs' rhythm still says so
        hint = _time_base_hint(track)
        if hint:
            raise AnalysisError(f"No cadence could be measured from this clip. {hint}")
        return
    if HUMAN_CADENCE_SPM[0] <= cadence <= HUMAN_CADENCE_SPM[1]:
        return
    rhythm = scissor_cadence(track)
    hint = _hint_sentence(track, cadence if rhythm is None else rhythm)
    message = f"Cadence came out at {cadence:.0f} steps/min. " + hint
    kept = [w for w in analysis.warnings if w.code != "time_base_suspect"]
    analysis.warnings[:] = [Warning_("time_base_suspect", message), *kept]
