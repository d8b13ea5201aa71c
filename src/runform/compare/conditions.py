"""Were the two runs filmed and run alike? What makes a before/after comparison unfair.

A re-test compares form only when everything else stayed the same. This module reads both
analyses and lists what differs, each item naming the metrics it makes unfair:

- **speed**: the treadmill speed given with ``--treadmill-speed``; otherwise the running
  speed each analysis measured in the image (the stance foot under the hips, in leg lengths
  per second: the same runner's legs, so no scale is needed); for older analyses the hips'
  travel on overground clips, else the speed estimated from cadence
  (:mod:`runform.findings.pace`), which cannot tell a cadence change from a speed change.
  Speed by itself moves cadence, timing, thigh extension, touchdown distance, drive and
  heel recovery (Fukuchi 2017; Clark 2020).
- **frame rate**: timing is known to about a frame, and the event detector's biases differ
  between frame rates (``docs/validation.md``); the peak thigh speed follows the sampling
  and the low-pass filter, whose cut-off is a quarter of the frame rate below 48 fps
  (:func:`runform.gait.clean.default_cutoff_hz`); and below :data:`LOW_FPS` nearly every
  value moves with the frame rate (:func:`frame_rate_sensitive`).
- **camera side**: the leg nearer the camera changes, and the far leg is measured less well.
- **treadmill or overground**.
- **pose model**: two pose models disagree by several degrees on the same clip.

It also gives each metric the band each session's value is judged against
(:func:`session_band`): the band stored with the analysis, moved to that session's pace by
the findings' rule, so a value is judged against the band for the speed it was run at.

Examples
--------
>>> entry = {"band": {"low": 220.0, "high": None}}
>>> (low, high), basis = session_band("drive_peak_deg_s", entry, Pace(4.5, "treadmill"))
>>> low > 220.0, high, basis
(True, None, 'speed-adjusted')
>>> session_band("trunk_lean_deg", {"band": {"low": 2.0, "high": 11.0}}, Pace(4.5, "treadmill"))
((2.0, 11.0), 'fixed')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from runform.findings.pace import (
    Pace,
    band_at_pace,
    cadence_band,
    pace_from_analysis,
    speed_from_cadence,
)
from runform.metrics.catalog import CATALOG

#: Metrics that change with running speed by themselves (Fukuchi 2017 treadmill data at
#: 2.5–4.5 m/s; Clark 2020): a change in them between runs at different speeds is not a
#: change in form.
SPEED_SENSITIVE: tuple[str, ...] = (
    "cadence_spm",
    "step_time_ms",
    "stride_time_ms",
    "contact_time_ms",
    "flight_time_ms",
    "duty_factor_pct",
    "step_length_m",
    "thigh_extension_deg",
    "thigh_flexion_contact_deg",
    "thigh_flexion_swing_peak_deg",
    "touchdown_distance_pct",
    "drive_peak_deg_s",
    "drive_mean_deg_s",
    "knee_flexion_swing_peak_deg",
    "heel_recovery_ratio",
)

#: Speeds (m/s) differing by more than this fraction make speed-dependent comparisons unfair.
SPEED_TOLERANCE = 0.05
#: ... and by more than this, or :data:`SPEED_GAP_MPS`, the runs are at very different speeds.
SPEED_VERY_DIFFERENT = 0.2
SPEED_GAP_MPS = 0.8
#: Running speeds measured in the image (leg lengths per second) differing by more than this
#: fraction are different paces: two pose models on the same clip measure 4.6 % apart
#: (BlazePose 2.57, RTMPose 2.69 on the example), so 5 % would flag one run against itself.
IMAGE_SPEED_TOLERANCE = 0.10
#: Cadence differing by more than this (when the speed is unknown) is more than retraining
#: usually changes it (plans aim at +5–10 %), so the pace probably changed too.
CADENCE_PACE_CHANGE = 0.15
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
#: any two rates: the peak thigh speed, a peak of a derivative, which the sampling and the
#: frame-rate-dependent low-pass (7.5 Hz at 30 fps, 12 Hz from 48 fps) flatten. The same
#: synthetic runner (6 px noise, six seeds) read 1.0-1.2 smallest detectable changes lower at
#: 30 than at 60 or 120 fps, a false real change in 2-5 of 6 pairs; the example clip read
#: 186 against 242 °/s at 30 and 60 fps (session 22). Angles, heel recovery and vertical
#: oscillation moved by about 0.2 of their smallest detectable change between 30, 60 and
#: 120 fps.
FRAME_RATE_SENSITIVE: tuple[str, ...] = (*TIMING_SENSITIVE, "drive_peak_deg_s")

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
    >>> "drive_peak_deg_s" in frame_rate_sensitive(30.0, 60.0)
    True
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


@dataclass(frozen=True)
class Condition:
    """One thing that differs between the sessions: a stable ``code``, ``level``
    (``"warning"`` makes the listed metrics unfair to compare, ``"info"`` is context), one
    plain sentence, and the metrics and sides it concerns."""

    code: str
    level: str
    message: str
    metrics: tuple[str, ...] = ()
    sides: tuple[str, ...] = ("left", "right", "all")

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "level": self.level,
            "message": self.message,
            "metrics": list(self.metrics),
        }


@dataclass
class SessionConditions:
    """What one session was: speed (and its basis), frame rate, side filmed, setting."""

    pace: Pace
    speed_mps: float | None
    speed_basis: str  # "treadmill" | "image" | "cadence" | "unknown"
    fps: float
    facing: str | None
    near_side: str | None
    setting: str | None
    pose_source: str | None
    hip_speed_legs_per_s: float | None
    cadence: float | None
    running_speed_legs_per_s: float | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "speed_mps": _r(self.speed_mps, 2),
            "speed_basis": self.speed_basis,
            "frame_rate": _r(self.fps, 3),
            "facing": self.facing,
            "near_side": self.near_side,
            "setting": self.setting,
            "pose_source": self.pose_source,
            "cadence_spm": _r(self.cadence, 1),
        }


def _r(x: float | None, digits: int) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def _num(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def session_conditions(analysis: dict) -> SessionConditions:
    """Read one analysis's conditions."""
    inp = analysis.get("input") or {}
    ctx = analysis.get("context") or {}
    pace = pace_from_analysis(analysis)
    cadence_entry = (analysis.get("metrics") or {}).get("cadence_spm") or {}
    cadence = _num((cadence_entry.get("all") or {}).get("median"))
    backend = ((analysis.get("video") or {}).get("pose_backend") or {}).get("backend")
    return SessionConditions(
        pace=pace,
        speed_mps=pace.speed_mps,
        speed_basis=pace.basis,
        fps=_num(inp.get("frame_rate")) or 0.0,
        facing=ctx.get("facing"),
        near_side=ctx.get("near_side"),
        setting=ctx.get("setting"),
        pose_source=backend or inp.get("source"),
        hip_speed_legs_per_s=_num(ctx.get("hip_speed_legs_per_s")),
        cadence=cadence,
        running_speed_legs_per_s=_num(ctx.get("running_speed_leg_lengths_per_s")),
    )


def session_band(
    metric: str, entry: dict | None, pace: Pace
) -> tuple[tuple[float | None, float | None], str]:
    """The band a session's value of ``metric`` is judged against, and how it was made.

    An analysis stores with each metric the band every output judges it against, already
    moved to the session's pace by the findings' rule (``band.adjusted``); that band is used
    as stored. An analysis written before bands were stored has the catalogue band: it is
    moved here with the same rule (:func:`runform.findings.pace.band_at_pace`,
    :func:`~runform.findings.pace.cadence_band`). The basis is ``"speed-adjusted"``,
    ``"expected cadence"`` or ``"fixed"``.
    """
    entry = entry or {}
    band = entry.get("band") or {}
    if not band and metric in CATALOG and CATALOG[metric].band is not None:
        band = CATALOG[metric].band.to_dict()
    low, high = band.get("low"), band.get("high")
    if "catalogue_low" in band or "adjusted" in band:  # stored as judged
        adjusted = bool(band.get("adjusted"))
    elif metric == "cadence_spm":
        low, high, how = cadence_band(low, high, _num(entry.get("expected")), pace)
        adjusted = bool(how)
    else:
        low, high, how = band_at_pace(metric, low, high, pace)
        adjusted = bool(how)
    if not adjusted:
        return (low, high), "fixed"
    return (low, high), ("expected cadence" if metric == "cadence_spm" else "speed-adjusted")


def _speed_text(s: SessionConditions) -> str:
    if s.speed_mps is None:
        return "unknown"
    kmh = 3.6 * s.speed_mps
    if s.speed_basis == "treadmill":
        return f"{s.speed_mps:.2f} m/s ({kmh:.1f} km/h, treadmill)"
    if s.speed_basis == "image":
        return f"about {s.speed_mps:.1f} m/s (measured in the image)"
    return f"about {s.speed_mps:.1f} m/s (estimated from cadence)"


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
    out += _speed_conditions(b, a)

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
                "and the peak thigh speed follows the sampling and smoothing, so timing, "
                "touchdown and peak drive changes are not a fair comparison; angles and "
                "cadence are"
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
    hb = _num((before.get("options") or {}).get("height_cm"))
    ha = _num((after.get("options") or {}).get("height_cm"))
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


def _apart(before: float, after: float) -> float:
    """How far apart two speeds are, as a fraction of the slower."""
    return abs(after - before) / min(after, before)


def _speed_code(rel: float) -> str:
    """The condition's code for two speeds ``rel`` apart (beyond their tolerance)."""
    return "speed_very_different" if rel > SPEED_VERY_DIFFERENT else "speed_different"


def _image_speed_conditions(vb: float, va: float) -> list[Condition]:
    """Both sessions' running speeds as measured in the image (leg lengths per second)."""
    rel = _apart(vb, va)
    if rel > IMAGE_SPEED_TOLERANCE:
        return [
            Condition(
                _speed_code(rel),
                "warning",
                f"The runs were at different speeds: the foot passed under the hips at {vb:.2f} "
                f"leg lengths per second before and {va:.2f} after ({100 * rel:.0f} % apart, "
                "measured in the image). Speed by itself changes cadence, timing, thigh "
                "extension, touchdown distance, drive and heel recovery. Re-test at the pace of "
                "the first run.",
                SPEED_SENSITIVE,
            )
        ]
    return [
        Condition(
            "speed_measured",
            "info",
            f"No treadmill speed was given for both runs, so the speed was measured in the "
            f"image: {vb:.2f} and {va:.2f} leg lengths per second, {100 * rel:.0f} % apart, "
            f"within the {100 * IMAGE_SPEED_TOLERANCE:.0f} % this measure can tell apart. Give "
            "--treadmill-speed on a treadmill for a firmer comparison.",
        )
    ]


def _speed_conditions(b: SessionConditions, a: SessionConditions) -> list[Condition]:
    metrics = SPEED_SENSITIVE
    if b.speed_basis == "treadmill" and a.speed_basis == "treadmill":
        assert b.speed_mps is not None and a.speed_mps is not None
        gap = abs(a.speed_mps - b.speed_mps)
        rel = _apart(b.speed_mps, a.speed_mps)
        if rel > SPEED_VERY_DIFFERENT or gap > SPEED_GAP_MPS:
            return [
                Condition(
                    "speed_very_different",
                    "warning",
                    f"The runs were at very different speeds ({_speed_text(b)} before, "
                    f"{_speed_text(a)} after): speed by itself changes cadence, timing, thigh "
                    "extension, touchdown distance, drive and heel recovery, so changes in those "
                    "say little about form. Re-test at the speed of the first run.",
                    metrics,
                )
            ]
        if rel > SPEED_TOLERANCE:
            return [
                Condition(
                    "speed_different",
                    "warning",
                    f"The treadmill speed differs ({_speed_text(b)} before, {_speed_text(a)} "
                    "after): speed-dependent metrics are judged against bands adjusted to each "
                    "speed, but their raw changes partly come from the speed. Re-test at the "
                    "same speed.",
                    metrics,
                )
            ]
        return []
    vb, va = b.running_speed_legs_per_s, a.running_speed_legs_per_s
    if vb and va:
        return _image_speed_conditions(vb, va)
    if b.setting == "overground" and a.setting == "overground":
        hb, ha = b.hip_speed_legs_per_s, a.hip_speed_legs_per_s
        if hb and ha:
            rel = _apart(hb, ha)
            if rel > SPEED_TOLERANCE:
                return [
                    Condition(
                        _speed_code(rel),
                        "warning",
                        f"The runner crossed the frame at different speeds ({hb:.2f} before and "
                        f"{ha:.2f} after, in leg lengths per second; {100 * rel:.0f} % apart): "
                        "speed by itself changes cadence, timing, thigh extension, touchdown "
                        "distance, drive and heel recovery. Re-test at the same pace.",
                        metrics,
                    )
                ]
            return []
    if b.speed_basis == "treadmill" or a.speed_basis == "treadmill":
        given = "before" if b.speed_basis == "treadmill" else "after"
        return [
            Condition(
                "speed_given_once",
                "warning",
                f"The treadmill speed was given for the {given} session only, so the other "
                "session's speed is estimated and the two cannot be compared; "
                "re-run `runform analyze` with --treadmill-speed for both.",
                metrics,
            )
        ]
    out = []
    cb, ca = b.cadence, a.cadence
    if cb and ca and abs(ca - cb) / min(ca, cb) > CADENCE_PACE_CHANGE:
        vb, va = speed_from_cadence(cb), speed_from_cadence(ca)
        out.append(
            Condition(
                "speed_very_different",
                "warning",
                f"Cadence differs by {100 * abs(ca - cb) / min(ca, cb):.0f} % ({cb:.0f} and "
                f"{ca:.0f} steps/min), more than retraining usually changes it (5–10 %): the "
                f"runs were probably at different speeds (about {vb:.1f} and {va:.1f} m/s if "
                "estimated from cadence), and speed by itself changes cadence, timing, thigh "
                "extension, drive and heel recovery. Give --treadmill-speed, or re-test at the "
                "pace of the first run.",
                metrics,
            )
        )
    out.append(
        Condition(
            "speed_unknown",
            "info",
            "The running speed is not known for both sessions (no --treadmill-speed), so it "
            "is estimated from cadence: a change in cadence cannot be told apart from a change "
            "in speed. Run the re-test at the same pace, and give --treadmill-speed on a "
            "treadmill.",
        )
    )
    return out


def unfair_reasons(conditions: list[Condition], metric: str, side: str) -> list[str]:
    """Codes of the warning-level conditions that make ``metric`` on ``side`` unfair."""
    return [
        c.code
        for c in conditions
        if c.level == "warning" and metric in c.metrics and side in c.sides
    ]
