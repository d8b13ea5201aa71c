"""Running pace context: how fast the runner was going, and what that implies for the bands.

Several quantities rise with speed (thigh angular velocity, swing knee flexion, heel rise;
Clark 2020, Fukuchi 2017), so a fixed band would call a fast runner's normal values "high"
and an easy jogger's "weak". The findings therefore judge those metrics against the pace:

- the treadmill speed when the user gave it (``options.treadmill_speed_mps``);
- otherwise the speed measured in the image (:func:`image_speed`): how fast the stance foot
  passes under the hips, in leg lengths per second (``context.running_speed_leg_lengths_per_s``,
  on a treadmill and overground alike), times the leg's length in metres (measured when
  the track is in metres, else from ``options.height_cm``, else a typical adult's). On
  seven force-plate runners it is within 4 % of the belt with each runner's own legs and
  within 14 % with a typical adult's (``python bench/pace_estimate.py``);
- otherwise (older analyses, a speed that could not be measured) a rough speed estimated
  from cadence with the group means of Fukuchi 2017 (162/171/183 steps/min at 2.5/3.5/4.5
  m/s). Runners' cadences differ so much at one speed that this is off by 26 % (RMS) on
  the same seven runners, and up to 57 %.

Estimated speeds give findings that lean on them a lower confidence.

The speed dependence comes from seven treadmill runners measured by runform's own engine in
2-D (markers projected to a side view, ``python bench/references.py``): Fukuchi et al. 2017
(PeerJ 5:e3298, CC BY 4.0; RBDS0041 at 2.5/3.5/4.5 m/s, RBDS002 at 2.5/4.5 m/s) and Hamner &
Delp 2013 (J Biomech 46:780-787, data via Fox 2024, R Soc Open Sci 11:231909; five runners at
2-5 m/s). Each runner's values are interpolated in speed between that runner's own trials
(at the belt speed measured from the stance foot), and :data:`SPEED_REFERENCE` holds the
median across runners at each speed, made monotone in speed; :data:`SPEED_SPREAD` holds
the spread across runners at the same speeds (``docs/references.md``). Only the *relative*
change with speed is used by the findings: the catalogue band is taken to describe
:data:`REFERENCE_SPEED_MPS` and is shifted or scaled from there.

Examples
--------
>>> round(speed_from_cadence(171.0), 2)
3.5
>>> pace = pace_from_analysis({"options": {"treadmill_speed_mps": 4.5}, "metrics": {}})
>>> pace.basis
'treadmill'
>>> round(pace.scale("drive_peak_deg_s"), 2)
1.46
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runform.metrics.catalog import expected_cadence
from runform.metrics.summary import LEG_FRACTION_OF_HEIGHT

#: Speed (m/s) the catalogue's fixed bands are taken to describe: a typical distance pace
#: (Lieberman 2015 at 3.0 m/s; Malisoux 2023 preferred speed ≈ 2.5–2.9 m/s).
REFERENCE_SPEED_MPS = 3.0

#: Speeds outside this range are clipped before the reference is interpolated.
SPEED_RANGE_MPS = (2.0, 6.0)

#: Per-speed references (m/s, value): the median across runners at each speed of what
#: runform's engine measures in 2-D on seven treadmill runners (the mean of a runner's two
#: legs' medians, interpolated between the runner's own trials), made monotone in speed
#: where physiology says so (drive, swing knee flexion and thigh extension rise with speed,
#: the heel-to-hip distance falls). Written by ``python bench/references.py``. At 2.0 and
#: 5.0 m/s five and four runners (Hamner's) are measured; seven in between.
SPEED_REFERENCE: dict[str, tuple[tuple[float, float], ...]] = {
    "drive_peak_deg_s": (
        (2.0, 201.7),
        (2.5, 252.0),
        (3.0, 300.2),
        (3.5, 341.4),
        (4.0, 391.0),
        (4.5, 438.0),
        (5.0, 472.9),
    ),
    "drive_mean_deg_s": (
        (2.0, 83.3),
        (2.5, 113.4),
        (3.0, 147.4),
        (3.5, 174.9),
        (4.0, 200.4),
        (4.5, 233.3),
        (5.0, 260.1),
    ),
    "knee_flexion_swing_peak_deg": (
        (2.0, 80.8),
        (2.5, 87.5),
        (3.0, 96.4),
        (3.5, 105.0),
        (4.0, 112.9),
        (4.5, 116.1),
        (5.0, 122.5),
    ),
    "heel_recovery_ratio": (
        (2.0, 0.814),
        (2.5, 0.753),
        (3.0, 0.682),
        (3.5, 0.636),
        (4.0, 0.578),
        (4.5, 0.531),
        (5.0, 0.486),
    ),
    "thigh_extension_deg": (
        (2.0, 14.5),
        (2.5, 18.6),
        (3.0, 22.5),
        (3.5, 25.6),
        (4.0, 28.5),
        (4.5, 30.1),
        (5.0, 30.1),
    ),
    "touchdown_distance_pct": (
        (2.0, 16.0),
        (2.5, 19.5),
        (3.0, 23.0),
        (3.5, 25.3),
        (4.0, 27.2),
        (4.5, 29.4),
        (5.0, 29.4),
    ),
}
#: Spread across runners at the same speeds: (m/s, runners, lower quartile, upper quartile,
#: lowest, highest). Written by ``python bench/references.py`` with :data:`SPEED_REFERENCE`.
SPEED_SPREAD: dict[str, tuple[tuple[float, int, float, float, float, float], ...]] = {
    "drive_peak_deg_s": (
        (2.0, 5, 196.7, 211.2, 177.5, 224.6),
        (2.5, 7, 229.4, 256.2, 214.2, 266.8),
        (3.0, 7, 276.6, 301.7, 251.0, 308.9),
        (3.5, 7, 326.9, 346.5, 294.6, 352.7),
        (4.0, 7, 374.1, 391.5, 340.1, 396.9),
        (4.5, 7, 425.3, 439.7, 387.2, 446.8),
        (5.0, 4, 456.2, 483.2, 435.0, 485.2),
    ),
    "drive_mean_deg_s": (
        (2.0, 5, 82.8, 85.2, 82.8, 91.4),
        (2.5, 7, 112.4, 116.0, 108.7, 120.3),
        (3.0, 7, 141.4, 149.2, 138.4, 150.6),
        (3.5, 7, 169.4, 179.9, 167.4, 185.7),
        (4.0, 7, 198.7, 211.3, 192.8, 222.2),
        (4.5, 7, 228.0, 247.1, 222.5, 259.5),
        (5.0, 4, 257.3, 263.3, 253.9, 267.5),
    ),
    "knee_flexion_swing_peak_deg": (
        (2.0, 5, 78.0, 81.9, 76.3, 84.7),
        (2.5, 7, 86.7, 89.1, 78.5, 93.3),
        (3.0, 7, 93.2, 99.4, 87.7, 101.9),
        (3.5, 7, 102.8, 107.1, 96.9, 108.2),
        (4.0, 7, 110.3, 114.3, 106.1, 116.2),
        (4.5, 7, 115.6, 120.8, 115.3, 123.3),
        (5.0, 4, 119.7, 126.1, 118.5, 129.5),
    ),
    "heel_recovery_ratio": (
        (2.0, 5, 0.801, 0.83, 0.782, 0.852),
        (2.5, 7, 0.74, 0.763, 0.721, 0.863),
        (3.0, 7, 0.678, 0.698, 0.646, 0.78),
        (3.5, 7, 0.611, 0.641, 0.57, 0.697),
        (4.0, 7, 0.544, 0.596, 0.518, 0.614),
        (4.5, 7, 0.488, 0.548, 0.472, 0.57),
        (5.0, 4, 0.436, 0.536, 0.43, 0.541),
    ),
    "thigh_extension_deg": (
        (2.0, 5, 10.6, 14.7, 10.2, 17.7),
        (2.5, 7, 15.6, 19.4, 14.4, 21.2),
        (3.0, 7, 18.7, 22.9, 18.5, 24.8),
        (3.5, 7, 21.6, 26.4, 20.8, 26.8),
        (4.0, 7, 24.3, 28.8, 22.5, 30.1),
        (4.5, 7, 26.5, 31.0, 24.5, 33.9),
        (5.0, 4, 27.5, 32.2, 26.5, 33.1),
    ),
    "touchdown_distance_pct": (
        (2.0, 5, 14.9, 18.2, 11.9, 20.1),
        (2.5, 7, 18.6, 23.2, 14.6, 23.8),
        (3.0, 7, 20.6, 26.5, 17.4, 27.4),
        (3.5, 7, 23.1, 29.6, 19.7, 29.9),
        (4.0, 7, 25.6, 32.1, 21.8, 32.4),
        (4.5, 7, 27.7, 34.9, 23.7, 35.3),
        (5.0, 4, 27.1, 33.1, 25.6, 38.8),
    ),
}
SPEED_REFERENCE_SOURCE = (
    "Speed dependence measured in 2-D by runform on seven treadmill runners at 2-5 m/s: "
    "Fukuchi et al. 2017 (PeerJ 5:e3298, CC BY 4.0; RBDS0041, RBDS002) and Hamner & Delp 2013 "
    "(J Biomech 46:780-787, data via Fox 2024, R Soc Open Sci 11:231909; five runners); "
    "median across runners at each speed; thigh angular velocity rises linearly with speed "
    "(Clark 2020)"
)

#: Confidence multiplier for a finding judged against an estimated speed (image or cadence).
ESTIMATED_SPEED_CONFIDENCE = 0.8

#: The stance foot's speed under the hips, as the image shows it, over the running speed:
#: the hips' own fore-aft motion in mid-stance makes it read a little under the belt.
#: Median over seven force-plate runners at 2-5 m/s (each trial 0.91-0.98; fitted leaving
#: each runner out it moves by at most 1.1 %; ``python bench/pace_estimate.py``).
IMAGE_SPEED_FACTOR = 0.944

#: An image speed outside this (m/s) is a tracking failure, not a runner: the pace then falls
#: back on cadence rather than judging every band at an impossible speed.
PLAUSIBLE_IMAGE_SPEED_MPS = (1.0, 8.0)

#: Stature (cm) assumed for the leg's length in metres when neither a scale nor the
#: runner's height is known: an adult's, between men's and women's means (NCD-RisC 2016:
#: about 176 and 163 cm in high-income countries). A runner 10 % taller or shorter reads 10 %
#: slower or faster.
TYPICAL_HEIGHT_CM = 170.0


def speed_from_cadence(cadence_spm: float) -> float:
    """Rough running speed (m/s) for a cadence: the inverse of
    :func:`runform.metrics.catalog.expected_cadence` (Fukuchi 2017 group means)."""
    if cadence_spm <= expected_cadence(3.5):
        slope = (expected_cadence(3.5) - expected_cadence(2.5)) / 1.0
        return 2.5 + (cadence_spm - expected_cadence(2.5)) / slope
    slope = (expected_cadence(4.5) - expected_cadence(3.5)) / 1.0
    return 3.5 + (cadence_spm - expected_cadence(3.5)) / slope


def reference_value(metric: str, speed_mps: float) -> float:
    """The reference runner's value of ``metric`` at ``speed_mps`` (linear, extrapolated)."""
    points = SPEED_REFERENCE[metric]
    speeds = np.array([p[0] for p in points])
    values = np.array([p[1] for p in points])
    if not np.isfinite(speed_mps):
        raise ValueError(f"speed must be a finite number, not {speed_mps}")
    v = float(np.clip(speed_mps, *SPEED_RANGE_MPS))
    if v <= speeds[0]:
        i = 0
    elif v >= speeds[-1]:
        i = len(speeds) - 2
    else:
        i = int(np.searchsorted(speeds, v)) - 1
    w = (v - speeds[i]) / (speeds[i + 1] - speeds[i])
    return float(values[i] + w * (values[i + 1] - values[i]))


@dataclass(frozen=True)
class Pace:
    """The runner's speed and where it came from.

    Attributes
    ----------
    speed_mps: speed used to adjust speed-dependent bands (``None``: bands used as declared).
    basis: ``"treadmill"`` (given by the user), ``"image"`` (measured in the image),
        ``"cadence"`` (estimated from cadence) or ``"unknown"``.
    leg: for ``"image"``, where the leg's length in metres came from: ``"measured"`` (a
        track in metres), ``"height"`` (the runner's height) or ``"typical"`` (an adult's).
    """

    speed_mps: float | None
    basis: str
    leg: str | None = None  # image speeds: "measured", "height" or "typical" leg length

    @property
    def confidence_factor(self) -> float:
        """How much a speed-dependent finding's confidence is kept, given the speed's basis."""
        return 1.0 if self.basis == "treadmill" else ESTIMATED_SPEED_CONFIDENCE

    def scale(self, metric: str) -> float:
        """Ratio of the reference value at this speed to the value at the reference speed."""
        if self.speed_mps is None:
            return 1.0
        return reference_value(metric, self.speed_mps) / reference_value(
            metric, REFERENCE_SPEED_MPS
        )

    def shift(self, metric: str) -> float:
        """Difference of the reference value at this speed from the value at the reference speed."""
        if self.speed_mps is None:
            return 0.0
        return reference_value(metric, self.speed_mps) - reference_value(
            metric, REFERENCE_SPEED_MPS
        )

    def describe(self) -> str:
        """A short phrase for explanations, e.g. ``"3.5 m/s (treadmill speed)"``."""
        if self.speed_mps is None:
            return "an unknown speed"
        kmh = 3.6 * self.speed_mps
        if self.basis == "treadmill":
            return f"{self.speed_mps:.1f} m/s or {kmh:.1f} km/h, the treadmill speed you gave"
        if self.basis == "image":
            legs = {
                "measured": "",
                "height": " and your height",
                "typical": " and an adult's typical leg length (give the runner's height for a "
                "firmer figure)",
            }.get(self.leg or "typical", "")
            return (
                f"about {self.speed_mps:.1f} m/s or {kmh:.0f} km/h, measured from how fast your "
                f"foot passes under your hips{legs}"
            )
        return (
            f"about {self.speed_mps:.1f} m/s or {kmh:.0f} km/h, estimated from your cadence; "
            "give --treadmill-speed for a firmer comparison"
        )


def image_speed(analysis: dict) -> tuple[float, str] | None:
    """``(m/s, leg basis)``: the running speed measured in the image, or ``None``.

    The stance foot's speed under the hips in leg lengths per second
    (``context.running_speed_leg_lengths_per_s``) over :data:`IMAGE_SPEED_FACTOR`, times the
    leg's length in metres: measured when the track is in metres, else
    :data:`~runform.metrics.summary.LEG_FRACTION_OF_HEIGHT` of ``options.height_cm``, else of
    :data:`TYPICAL_HEIGHT_CM`.

    >>> doc = {"context": {"running_speed_leg_lengths_per_s": 3.3, "leg_length": 300.0}}
    >>> round(image_speed(doc)[0], 2), image_speed(doc)[1]
    (2.92, 'typical')
    >>> image_speed({**doc, "options": {"height_cm": 190}})[1]
    'height'
    """
    ctx = analysis.get("context") or {}
    legs_per_s = _positive(ctx.get("running_speed_leg_lengths_per_s"))
    if legs_per_s is None:
        return None
    height = _positive((analysis.get("options") or {}).get("height_cm"))
    measured = _positive(ctx.get("leg_length")) if ctx.get("leg_length_units") == "m" else None
    if measured is not None:
        leg_m, basis = measured, "measured"
    elif height is not None:
        leg_m, basis = LEG_FRACTION_OF_HEIGHT * height / 100.0, "height"
    else:
        leg_m, basis = LEG_FRACTION_OF_HEIGHT * TYPICAL_HEIGHT_CM / 100.0, "typical"
    return legs_per_s * leg_m / IMAGE_SPEED_FACTOR, basis


def pace_from_analysis(analysis: dict) -> Pace:
    """The pace of a ``runform.analysis/1`` document: the treadmill speed given, else the
    speed measured in the image (:func:`image_speed`), else estimated from cadence."""
    speed = _positive((analysis.get("options") or {}).get("treadmill_speed_mps"))
    if speed is not None:
        return Pace(speed, "treadmill")
    measured = image_speed(analysis)
    if (
        measured is not None
        and PLAUSIBLE_IMAGE_SPEED_MPS[0] <= measured[0] <= PLAUSIBLE_IMAGE_SPEED_MPS[1]
    ):
        estimate = float(np.clip(measured[0], *SPEED_RANGE_MPS))
        return Pace(round(estimate, 2), "image", measured[1])
    cadence = ((analysis.get("metrics") or {}).get("cadence_spm") or {}).get("all") or {}
    median = _positive(cadence.get("median"))
    if median is not None:
        estimate = float(np.clip(speed_from_cadence(median), *SPEED_RANGE_MPS))
        return Pace(round(estimate, 2), "cadence")
    return Pace(None, "unknown")


def _positive(value: object) -> float | None:
    """``value`` as a finite positive float, else ``None`` (missing, NaN, zero, text...)."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) and x > 0 else None


# ----------------------------------------------------------------------------- bands at pace
#: How the band of each speed-dependent metric moves with the runner's pace: ``"scale"``
#: (multiplied by the ratio of the reference values at the runner's speed and at
#: :data:`REFERENCE_SPEED_MPS`) or ``"shift"`` (moved by their difference). Thigh speeds
#: grow in proportion with speed (Clark 2020); knee fold and heel rise move by degrees and
#: leg lengths. The one table every output reads, through :func:`band_at_pace`.
PACE_MODES: dict[str, str] = {
    "drive_peak_deg_s": "scale",
    "drive_mean_deg_s": "scale",
    "knee_flexion_swing_peak_deg": "shift",
    "heel_recovery_ratio": "shift",
    "thigh_extension_deg": "shift",
    "touchdown_distance_pct": "shift",
}

#: Cadence this far below the speed's expected cadence is the edge of "low" (runners vary).
CADENCE_TOLERANCE = 0.05


def round_edge(value: float | None) -> float | None:
    """A band edge as stored in ``analysis.json``: 3 decimals under 5, else 1 decimal.

    >>> round_edge(239.64), round_edge(0.55287), round_edge(None)
    (239.6, 0.553, None)
    """
    if value is None:
        return None
    return round(float(value), 3 if abs(value) < 5 else 1)


def band_at_pace(
    metric: str, low: float | None, high: float | None, pace: Pace
) -> tuple[float | None, float | None, str]:
    """``(low, high, note)``: the catalogue band of ``metric`` moved to the runner's pace.

    Unchanged (and an empty note) for metrics that do not move with pace, or when the speed
    is unknown. The edges are rounded as stored (:func:`round_edge`).

    >>> band_at_pace("drive_peak_deg_s", 220.0, None, Pace(3.0, "treadmill"))[:2]
    (220.0, None)
    >>> band_at_pace("trunk_lean_deg", 2.0, 11.0, Pace(4.5, "treadmill"))
    (2.0, 11.0, '')
    """
    mode = PACE_MODES.get(metric)
    if mode is None or pace.speed_mps is None or metric not in SPEED_REFERENCE:
        return round_edge(low), round_edge(high), ""
    if mode == "scale":
        k = pace.scale(metric)
        low = None if low is None else low * k
        high = None if high is None else high * k
        how = f"scaled ×{k:.2f}"
    else:
        d = pace.shift(metric)
        low = None if low is None else low + d
        high = None if high is None else high + d
        how = f"shifted by {d:+.3g}"
    note = (
        f"moved to your pace ({pace.describe()}): the catalogue band describes "
        f"{REFERENCE_SPEED_MPS:g} m/s and is {how}, as the reference runners' values change "
        "with speed"
    )
    return round_edge(low), round_edge(high), note


def cadence_band(
    low: float | None, high: float | None, expected: float | None, pace: Pace
) -> tuple[float | None, float | None, str]:
    """``(low, high, note)`` of cadence: from :data:`CADENCE_TOLERANCE` below the cadence
    expected at the treadmill speed (Fukuchi 2017) when it is known, else the catalogue band.

    >>> cadence_band(160.0, 185.0, 171.0, Pace(3.5, "treadmill"))[:2]
    (162.4, None)
    """
    if expected:
        edge = expected * (1.0 - CADENCE_TOLERANCE)
        note = (
            f"expected ≈ {expected:.0f} steps/min at {pace.describe()} (Fukuchi 2017); judged "
            f"from {CADENCE_TOLERANCE:.0%} below it"
        )
        return round_edge(edge), None, note
    return round_edge(low), round_edge(high), ""


def metric_band(
    metric: str, catalogue: dict | None, pace: Pace, expected: float | None = None
) -> dict | None:
    """The band a metric is judged against, as stored with it in ``analysis.json``.

    ``catalogue`` is the catalogue band as a dict (``low``, ``high``, ``source``, ``note``).
    The result adds ``catalogue_low``/``catalogue_high`` (the declared band) and
    ``adjusted`` (how it was moved, or ``None``). Every output (terminal table,
    ``analysis.json``, report, PDF, findings, plan) shows ``low``/``high`` as stored, so one
    metric has one band everywhere.
    """
    if not catalogue:
        return None
    low, high = catalogue.get("low"), catalogue.get("high")
    if metric == "cadence_spm":
        new_low, new_high, how = cadence_band(low, high, expected, pace)
    else:
        new_low, new_high, how = band_at_pace(metric, low, high, pace)
    return {
        **catalogue,
        "low": new_low,
        "high": new_high,
        "catalogue_low": low,
        "catalogue_high": high,
        "adjusted": how or None,
    }
