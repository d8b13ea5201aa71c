"""Contact and toe-off from the knee: its extension peaks around each stance.

In running the knee straightens in late swing as the leg reaches for the ground, flexes
after contact, extends through the second half of stance and starts to flex again as the
foot leaves the ground: its most extended moments lie close to contact and to toe-off
(Fellin et al. 2010 found peak knee extension the most accurate kinematic toe-off on a
treadmill). They do not depend on how high a foot point sits above the belt, which is
what makes a clearance-level event early for one runner and late for another (shoe,
marker or keypoint placement), so the detector averages the two
(:class:`runform.gait.events.FootClearanceDetector`, ``knee_weight`` and
``contact_knee_weight``).

>>> import numpy as np
>>> t = np.arange(0, 1, 0.01)
>>> knee = 160 + 15 * np.cos(2 * np.pi * (t - 0.404) / 0.7)   # most extended at 0.404 s
>>> round(extension_peak(t, knee, 0.3, 0.5), 3)
0.404
"""

from __future__ import annotations

import numpy as np

from runform.gait.clean import lowpass_series
from runform.track import PoseTrack

#: Low-pass cut-off of the knee angle before its peak is looked for (Hz).
KNEE_CUTOFF_HZ = 12.0
#: The peak is looked for from mid-stance to this long after the clearance toe-off (s).
AFTER_TOE_OFF_S = 0.12
#: The late-swing peak before a landing is looked for from this long before the clearance
#: contact to mid-stance (s).
BEFORE_CONTACT_S = 0.12


def knee_included_angle(track: PoseTrack, side: str) -> np.ndarray | None:
    """Included hip–knee–ankle angle of one leg in degrees (180 = straight), low-passed
    at :data:`KNEE_CUTOFF_HZ` (at most a quarter of the frame rate); ``None`` without the
    three points."""
    names = [f"{side}_{p}" for p in ("hip", "knee", "ankle")]
    if not all(track.has(n) for n in names):
        return None
    hip, knee, ankle = (track.point(n) for n in names)
    u, w = hip - knee, ankle - knee
    cross = np.abs(u[:, 0] * w[:, 1] - u[:, 1] * w[:, 0])
    angle = np.degrees(np.arctan2(cross, (u * w).sum(axis=1)))
    fps = track.frame_rate
    if np.isfinite(fps) and fps > 0:
        angle = lowpass_series(angle, fps, min(KNEE_CUTOFF_HZ, 0.25 * fps))
    return angle


def extension_peak(t: np.ndarray, angle: np.ndarray, start_s: float, stop_s: float) -> float:
    """Time of the knee's most extended moment between ``start_s`` and ``stop_s``, refined
    between frames by a parabola through the peak sample and its neighbours; NaN when the
    angle is missing there or the largest value sits on the window's edge (no peak)."""
    i0 = int(np.searchsorted(t, start_s, side="left"))
    i1 = int(np.searchsorted(t, stop_s, side="right"))
    if i1 - i0 < 3 or i0 < 1 or i1 >= len(t):
        return float("nan")
    seg = angle[i0:i1]
    if not np.isfinite(seg).all():
        return float("nan")
    j = i0 + int(np.argmax(seg))
    if j in (i0, i1 - 1):
        return float("nan")
    a, b, c = angle[j - 1], angle[j], angle[j + 1]
    den = a - 2 * b + c
    shift = 0.5 * (a - c) / den if den < 0 else 0.0
    shift = float(np.clip(shift, -0.5, 0.5))
    return float(np.interp(j + shift, np.arange(len(t), dtype=float), t))


#: How far the knee flexes past its end-of-stance extension peak for the flexion toe-off (deg).
FLEXION_DROP_DEG = 15.0


def flexion_after(t: np.ndarray, angle: np.ndarray, peak_s: float, drop_deg: float) -> float:
    """When the knee, after its extension peak at ``peak_s``, has flexed ``drop_deg`` below
    the peak's angle (linear between frames): a crossing on the steep flank of early swing,
    which noise moves less than the peak on its plateau. NaN when it does not within
    2 x :data:`AFTER_TOE_OFF_S`.

    >>> t = np.arange(0, 1, 0.01)
    >>> knee = 170 - np.clip(t - 0.5, 0, None) * 300      # flat, then flexing 300 deg/s
    >>> round(flexion_after(t, knee, 0.5, 15.0), 3)
    0.55
    """
    if not np.isfinite(peak_s):
        return float("nan")
    i = int(np.searchsorted(t, peak_s))
    stop = int(np.searchsorted(t, peak_s + 2 * AFTER_TOE_OFF_S))
    if i < 1 or stop >= len(t):
        return float("nan")
    level = float(np.interp(peak_s, t, angle)) - drop_deg
    for j in range(i, stop):
        a, b = angle[j - 1], angle[j]
        if a >= level > b:
            return float(t[j - 1] + (a - level) / (a - b) * (t[j] - t[j - 1]))
    return float("nan")


def knee_peaks(
    track: PoseTrack, side: str, stances: list[tuple[float, float]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The knee's extension peaks around each ``(contact_s, toe_off_s)`` stance of one leg:
    the last one of the swing before it (from :data:`BEFORE_CONTACT_S` before the contact
    to mid-stance: the knee straightens to reach for the ground, then bends as it takes the
    load) and the one at its end (from mid-stance to :data:`AFTER_TOE_OFF_S` after the
    toe-off), and when the knee has flexed :data:`FLEXION_DROP_DEG` past the latter
    (:func:`flexion_after`). NaN where there is none.

    Returns
    -------
    before_contact, at_toe_off, flexed:
        ``(len(stances),)`` times in seconds.
    """
    none = np.full(len(stances), np.nan)
    angle = knee_included_angle(track, side)
    if angle is None:
        return none, none.copy(), none.copy()
    t = track.time
    before, after, flexed = [], [], []
    for tc, tt in stances:
        mid = 0.5 * (tc + tt)
        before.append(extension_peak(t, angle, tc - BEFORE_CONTACT_S, mid))
        after.append(extension_peak(t, angle, mid, tt + AFTER_TOE_OFF_S))
        flexed.append(flexion_after(t, angle, after[-1], FLEXION_DROP_DEG))
    return np.array(before), np.array(after), np.array(flexed)
