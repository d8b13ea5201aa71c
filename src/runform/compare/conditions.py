"""Were the two runs filmed and run alike? What makes a before/after comparison unfair.

A re-test compares form only when everything else stayed the same. This module reads both
analyses and lists what differs, each item naming the metrics it makes unfair:

- **speed** (:mod:`runform.compare.speed_conditions`): the treadmill speeds, else the
  running speeds measured in the image, else cadence; speed by itself moves cadence,
  timing, thigh extension, touchdown distance, drive and heel recovery.
- **frame rate**: timing is known to about a frame, and the event detector's biases differ
  between frame rates (``docs/validation.md``); and below :data:`LOW_FPS`, where the
  low-pass filter's cut-off (a quarter of the frame rate below 48 fps,
  :func:`runform.gait.clean.default_cutoff_hz`) nears the running's own harmonics, nearly
  every value moves with the frame rate (:func:`frame_rate_sensitive`).
- **camera side**: the leg nearer the camera changes, and the far leg is measured less well.
- **treadmill or overground**.
- **pose model**: two pose models disagree by several degrees on the same clip.

Each session's conditions are read by :func:`runform.compare.session.session_conditions`,
and each metric's band at that session's pace comes from
:func:`~runform.compare.session.session_band`, so a value is judged against the band for
the speed it was run at.
"""

from __future__ import annotations

from runform.compare.session import (
    Condition,
    SessionConditions,
    finite,
    session_band,
    session_conditions,
)
from runform.compare.speed_conditions import (
    SPEED_SENSITIVE,
    speed_conditions,
)
from runform.metrics.catalog import CATALOG

__all__ = [
    "SPEED_SENSITIVE",
    "Condition",
    "SessionConditions",
    "compare_conditions",
    "frame_rate_sensitive",
    "session_band",
    "session_conditions",
    "unfair_reasons",
]

#: Frame rates differing by more than this fraction are different timing conditions.
FPS_TOLERANCE = 0.1

#: Metrics timed by events, whose precision and bias follow the frame rate.
TIMING_SENSITIVE: tuple[str, ...] = (
    *(m.id for m in CATALOG.values() if m.coarse_fps > 0 or m.good_fps > 25),
    "touchdown_distance_pct",
    "step_time_ms",
    "stride_time_ms",
)

#: A frame rate below this (the catalogue's ``good_fps`` for angles) measures more than the
#: timing differently: the low-pass cut-off (a quarter of the rate, under 6.25 Hz) nears the
#: running's own harmonics and a frame is a tenth of a stance or more.
LOW_FPS = 25.0

#: Metrics that move with the frame rate by themselves, beyond :data:`TIMING_SENSITIVE`, at
#: any two rates: none since session 24. The peak thigh speed was one (a peak of a
#: derivative: a central difference of frames flattened it at 30 fps, 1.0-1.2 smallest
#: detectable changes lower than at 60 or 120 fps, and the example clip read 186 against
#: 242 °/s at 30 and 60 fps, session 22); read as a slope in time
#: (:mod:`runform.metrics.steps`), the same synthetic runner (6 px, six seeds, 20 s) moved
#: -25 to +21 °/s between 30 and 60, 120 or 240 fps (SDC about 50), a real change in none of
#: 36 pairs of legs, where it had moved +29 to +76 and been real in 12.
FRAME_RATE_SENSITIVE: tuple[str, ...] = TIMING_SENSITIVE

#: What still compares fairly when a session is below :data:`LOW_FPS`: the synthetic runner
#: at 15 against 30 fps kept cadence and trunk lean within 0.2 of their smallest detectable
#: change, where vertical oscillation (1.8-2.0), shank angle (2.8-2.9), knee flexion at
#: contact and in stance (1.6-1.8), heel recovery (1.2-1.4) and the peak drive (1.2) became
#: false real changes in every pair, and thigh and hip angles moved by 0.5-0.7 (session 22).
LOW_FPS_ROBUST: tuple[str, ...] = ("cadence_spm", "trunk_lean_deg")


def frame_rate_sensitive(fps_before: float, fps_after: float) -> tuple[str, ...]:
    """The metrics two sessions filmed at these frame rates do not compare fairly.

    Parameters
    ----------
    fps_before, fps_after
        The two sessions' frame rates (frames per second).

    Returns
    -------
    tuple of str
        Empty when the rates are within :data:`FPS_TOLERANCE` of each other (or unknown);
        else :data:`FRAME_RATE_SENSITIVE`, and when the slower is below :data:`LOW_FPS`,
        every catalogue metric but those in :data:`LOW_FPS_ROBUST`.

    Examples
    --------
    >>> frame_rate_sensitive(30.0, 31.0)
    ()
    >>> "contact_time_ms" in frame_rate_sensitive(30.0, 60.0)
    True
    >>> "drive_peak_deg_s" in frame_rate_sensitive(30.0, 60.0)
    False
    >>> "shank_angle_contact_deg" in frame_rate_sensitive(30.0, 60.0)
    False
    >>> sorted(set(CATALOG) - set(frame_rate_sensitive(30.0, 15.0)))
    ['cadence_spm', 'trunk_lean_deg']
    """
    if fps_before <= 0 or fps_after <= 0:
        return ()
    if abs(fps_after - fps_before) / min(fps_after, fps_before) <= FPS_TOLERANCE:
        return ()
    if min(fps_before, fps_after) < LOW_FPS:
        return tuple(m for m in CATALOG if m not in LOW_FPS_ROBUST)
    return FRAME_RATE_SENSITIVE


#: Pose sources that name a file format, not the pose model that made the points.
UNNAMED_POSE_SOURCES = frozenset({"csv", "pose-model", "unknown"})

#: Angle metrics (degrees) and their rates (degrees per second): what a different pose
#: model measures differently. On the example clip BlazePose and RTMPose read stance knee
#: flexion about 7° apart and the peak drive 184 against 240 °/s (30 %, where the mean
#: drive agrees within 7 %): a thigh speed's peak follows how smoothly the model tracks.
ANGLE_METRICS: tuple[str, ...] = tuple(m.id for m in CATALOG.values() if m.unit in ("deg", "deg/s"))


def compare_conditions(before: dict, after: dict) -> tuple[list[Condition], dict]:
    """What differs between the two sessions.

    Returns
    -------
    conditions
        :class:`Condition` items, warnings first.
    sessions
        ``{"before": SessionConditions, "after": SessionConditions}``.
    """
    b, a = session_conditions(before), session_conditions(after)
    out: list[Condition] = []
    out += speed_conditions(b, a)

    unfair_at_rates = frame_rate_sensitive(b.fps, a.fps)
    if unfair_at_rates:
        if min(b.fps, a.fps) < LOW_FPS:
            what = (
                f"and below {LOW_FPS:g} fps the coarse sampling and smoothing also move "
                "angles, heel recovery and vertical oscillation, so only cadence and trunk "
                "lean are a fair comparison"
            )
        else:
            what = (
                "so timing, touchdown and mean drive changes are not a fair comparison; "
                "angles, the peak drive and cadence are"
            )
        out.append(
            Condition(
                "frame_rate_different",
                "warning",
                f"The frame rates differ ({b.fps:g} fps before, {a.fps:g} fps after): contact "
                f"and flight times are timed to about one frame ({1000 / b.fps:.0f} against "
                f"{1000 / a.fps:.0f} ms), the event detector's biases differ between frame "
                f"rates (docs/validation.md), {what}. Film the re-test at the same frame rate.",
                unfair_at_rates,
            )
        )
    if b.facing and a.facing and b.facing != a.facing:
        per_side = tuple(m.id for m in CATALOG.values() if m.per_side)
        out.append(
            Condition(
                "camera_side_different",
                "warning",
                f"The runner was filmed from the other side (facing {b.facing} before, "
                f"{a.facing} after): the leg nearer the camera changed, and the far leg is "
                "measured less well, so left and right values are not comparable one to one "
                "(whole-body values are). Film the re-test from the same side.",
                per_side,
                ("left", "right"),
            )
        )
    if b.setting and a.setting and b.setting != a.setting:
        out.append(
            Condition(
                "setting_different",
                "warning",
                f"{b.setting.capitalize()} before, {a.setting} after: running on a belt and over "
                "ground differ, and so does how the camera sees the runner; compare like with "
                "like and film the re-test on the same surface.",
                tuple(CATALOG),
            )
        )
    known = [x for x in (b.pose_source, a.pose_source) if x and x not in UNNAMED_POSE_SOURCES]
    if len(known) == 1:
        out.append(
            Condition(
                "pose_model_unknown",
                "info",
                "One session's pose file does not say which pose model made it "
                f"({b.pose_source or 'unknown'} before, {a.pose_source or 'unknown'} after): if "
                "the two come from different pose models, changes in angles and thigh speeds "
                "are not a fair comparison.",
            )
        )
    elif len(known) == 2 and b.pose_source != a.pose_source:
        out.append(
            Condition(
                "pose_model_different",
                "warning",
                f"The pose came from different sources ({b.pose_source} before, "
                f"{a.pose_source} after): two pose models disagree by several degrees on the "
                "same clip (about 7° on stance knee flexion in runform's example, and 30 % on "
                "the peak drive), so changes in angles and thigh speeds are not a fair "
                "comparison.",
                ANGLE_METRICS,
            )
        )
    hb = finite((before.get("options") or {}).get("height_cm"))
    ha = finite((after.get("options") or {}).get("height_cm"))
    if (hb is None) != (ha is None):
        out.append(
            Condition(
                "height_given_once",
                "info",
                "The runner's height was given for one session only, so vertical oscillation in "
                "centimetres is compared in one session only (the % of leg length is compared).",
                ("vertical_oscillation_cm",),
            )
        )
    vb, va = before.get("runform_version"), after.get("runform_version")
    if vb and va and vb != va:
        out.append(
            Condition(
                "version_different",
                "info",
                f"The analyses were made by different runform versions ({vb} and {va}); re-run "
                "`runform analyze` on the first video with this version for the fairest "
                "comparison.",
            )
        )
    out.sort(key=lambda c: c.level != "warning")
    return out, {"before": b, "after": a}


def unfair_reasons(conditions: list[Condition], metric: str, side: str) -> list[str]:
    """Codes of the warning-level conditions that make ``metric`` on ``side`` unfair."""
    return [
        c.code
        for c in conditions
        if c.level == "warning" and metric in c.metrics and side in c.sides
    ]
