"""Were the two runs at the same speed? The speed part of the conditions check.

Speed by itself moves cadence, timing, thigh extension, touchdown distance, drive and heel
recovery (Fukuchi 2017; Clark 2020), so a change in those between runs at different speeds
is not a change in form. :func:`speed_conditions` compares the treadmill speeds given with
``--treadmill-speed``; otherwise the running speeds measured in the image (leg lengths per
second: the same runner's legs, so no scale is needed); for older analyses the hips' travel
on overground clips, else cadence, which cannot tell a cadence change from a speed change.
"""

from __future__ import annotations

from runform.compare.session import Condition, SessionConditions, speed_text
from runform.findings.pace import speed_from_cadence

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


def speed_conditions(b: SessionConditions, a: SessionConditions) -> list[Condition]:
    """What differs in speed between the sessions ``b`` (before) and ``a`` (after)."""
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
                    f"The runs were at very different speeds ({speed_text(b)} before, "
                    f"{speed_text(a)} after): speed by itself changes cadence, timing, thigh "
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
                    f"The treadmill speed differs ({speed_text(b)} before, {speed_text(a)} "
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
