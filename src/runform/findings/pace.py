"""Running pace context: how fast the runner was going, and what that implies for the bands.

Several quantities rise with speed (thigh angular velocity, swing knee flexion, heel rise;
Clark 2020, Fukuchi 2017), so a fixed band would call a fast runner's normal values "high"
and an easy jogger's "weak". The findings therefore judge those metrics against the pace:

- the treadmill speed when the user gave it (``options.treadmill_speed_mps``);
- otherwise the speed measured in the image (:func:`image_speed`): how fast the stance foot
  passes under the hips, in leg lengths per second (``context.running_speed_leg_lengths_per_s``,
  on a treadmill and overground alike), times the leg's length in metres (measured when
  the track is in metres, else from ``options.height_cm``, else a typical adult's). On
  36 force-plate runners it is 2.5 % off the belt (RMS; −11 to +5 %) with each runner's own
  legs and 6.8 % (−15 to +18 %) with a typical adult's (``python bench/pace_estimate.py``);
- otherwise (older analyses, a speed that could not be measured) a rough speed estimated
  from cadence with the group means of Fukuchi 2017 (162/171/183 steps/min at 2.5/3.5/4.5
  m/s). Runners' cadences differ so much at one speed that this is off by 29 % (RMS) on
  the same 36 runners, and up to 86 %.

Estimated speeds give findings that lean on them a lower confidence.

The speed dependence comes from 36 treadmill runners measured by runform's own engine in
2-D (markers projected to a side view, ``python bench/references.py``): Fukuchi et al. 2017
(PeerJ 5:e3298, CC BY 4.0; 27 runners at 2.5/3.5/4.5 m/s) and Hamner & Delp 2013 (J
Biomech 46:780-787, data via Fox 2024, R Soc Open Sci 11:231909; nine runners at 2-5 m/s).
Each runner's values are interpolated in speed between that runner's own trials (at the
belt speed measured from the stance foot). :data:`SPEED_REFERENCE` is the median across
runners at 3 m/s, carried to the other speeds by the median of the runners' own changes
between neighbouring speeds (only Hamner's runners reach 2 and 5 m/s, so a median across
runners there would compare other people); :data:`SPEED_SPREAD` holds the spread across
runners at the same speeds (``docs/references.md``). Only the *relative*
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
1.43
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runform.findings.speed_reference import SPEED_REFERENCE
from runform.findings.wording import fmt_value
from runform.metrics.catalog import CATALOG, expected_cadence
from runform.metrics.summary import LEG_FRACTION_OF_HEIGHT

#: Speed (m/s) the catalogue's fixed bands are taken to describe: a typical distance pace
#: (Lieberman 2015 at 3.0 m/s; Malisoux 2023 preferred speed ≈ 2.5–2.9 m/s).
REFERENCE_SPEED_MPS = 3.0

#: Speeds outside this range are clipped before the reference is interpolated.
SPEED_RANGE_MPS = (2.0, 6.0)

#: Confidence multiplier for a finding judged against an estimated speed (image or cadence).
ESTIMATED_SPEED_CONFIDENCE = 0.8

#: The stance foot's speed under the hips, as the image shows it, over the running speed:
#: the hips' own fore-aft motion in mid-stance makes it read a little under the belt.
#: Median over seven force-plate runners at 2-5 m/s; on 36 runners, fitted leaving each
#: runner out, it is 0.944-0.945 (``python bench/pace_estimate.py``).
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


def linear_extended(points, x: float) -> float:
    """Linear through ``points`` [(x, y), ...] (at least two, ``x`` ascending), extended
    beyond them along the end segments.

    >>> linear_extended([(2.0, 10.0), (3.0, 20.0), (4.0, 25.0)], 3.5)
    22.5
    >>> linear_extended([(2.0, 10.0), (3.0, 20.0), (4.0, 25.0)], 1.5)
    5.0
    """
    xs = np.array([p[0] for p in points], float)
    ys = np.array([p[1] for p in points], float)
    if x <= xs[0]:
        i = 0
    elif x >= xs[-1]:
        i = len(xs) - 2
    else:
        i = int(np.searchsorted(xs, x)) - 1
    w = (x - xs[i]) / (xs[i + 1] - xs[i])
    return float(ys[i] + w * (ys[i + 1] - ys[i]))


def reference_value(metric: str, speed_mps: float) -> float:
    """The reference runner's value of ``metric`` at ``speed_mps`` (linear, extrapolated)."""
    if not np.isfinite(speed_mps):
        raise ValueError(f"speed must be a finite number, not {speed_mps}")
    return linear_extended(SPEED_REFERENCE[metric], float(np.clip(speed_mps, *SPEED_RANGE_MPS)))


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

#: How much faster than the runner's true pace the image pace can read with a typical
#: adult's leg (no height given, a track in pixels): a runner shorter than
#: :data:`TYPICAL_HEIGHT_CM` has shorter legs and reads fast. On 36 force-plate runners
#: the reading is −15 to +18 % off the belt on a clean view, and lower, not higher, at 60
#: and 30 Hz with 8 px of noise (``python bench/pace_estimate.py``, ``python
#: bench/findings_agreement.py``); 20 % covers a runner of about 142 cm.
TYPICAL_LEG_OVERREAD = 0.20


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
        unit = CATALOG[metric].unit if metric in CATALOG else ""
        how = f"shifted by {'+' if d >= 0 else ''}{fmt_value(d, unit)}"
    note = (
        f"moved to your pace ({pace.describe()}): the catalogue band describes "
        f"{REFERENCE_SPEED_MPS:g} m/s and is {how}, as the reference runners' values change "
        "with speed"
    )
    return round_edge(low), round_edge(high), note


def _typical_leg_image_speed(pace: Pace) -> float | None:
    """The speed of an image pace measured with a typical adult's leg, else ``None``."""
    if pace.basis != "image" or pace.leg not in (None, "typical") or not pace.speed_mps:
        return None
    return pace.speed_mps


def slowest_pace(pace: Pace) -> float | None:
    """The slowest speed (m/s) an image pace measured with a typical adult's leg allows: the
    pace over ``1 +`` :data:`TYPICAL_LEG_OVERREAD`; ``None`` for any other pace.

    >>> round(slowest_pace(Pace(3.6, "image", "typical")), 2)
    3.0
    >>> slowest_pace(Pace(3.5, "treadmill")) is None
    True
    """
    speed = _typical_leg_image_speed(pace)
    return None if speed is None else speed / (1.0 + TYPICAL_LEG_OVERREAD)


def fastest_pace(pace: Pace) -> float | None:
    """The fastest speed (m/s) the same reading allows, the same margin the other way: the
    pace times ``1 +`` :data:`TYPICAL_LEG_OVERREAD`; ``None`` for any other pace.

    >>> round(fastest_pace(Pace(3.0, "image", "typical")), 2)
    3.6
    """
    speed = _typical_leg_image_speed(pace)
    return None if speed is None else speed * (1.0 + TYPICAL_LEG_OVERREAD)


def cadence_band(
    low: float | None, high: float | None, expected: float | None, pace: Pace
) -> tuple[float | None, float | None, str]:
    """``(low, high, note)`` of cadence: from :data:`CADENCE_TOLERANCE` below the cadence
    expected at the treadmill speed (Fukuchi 2017) when it is known; with an image pace
    measured with a typical adult's leg, from the same distance below the cadence expected
    at the slowest speed that pace allows (:func:`slowest_pace`), so a reading too fast
    cannot make the band stricter than the runner's true pace would; else the catalogue
    band.

    >>> cadence_band(160.0, 185.0, 171.0, Pace(3.5, "treadmill"))[:2]
    (162.4, None)
    >>> cadence_band(160.0, 185.0, None, Pace(3.6, "image", "typical"))[:2]
    (158.2, None)
    """
    if expected:
        edge = expected * (1.0 - CADENCE_TOLERANCE)
        note = (
            f"expected ≈ {expected:.0f} steps/min at {pace.describe()} (Fukuchi 2017); judged "
            f"from {CADENCE_TOLERANCE:.0%} below it"
        )
        return round_edge(edge), None, note
    slowest = slowest_pace(pace)
    if slowest is not None:
        floor = expected_cadence(slowest)
        edge = floor * (1.0 - CADENCE_TOLERANCE)
        note = (
            f"measured in the image at about {pace.speed_mps:.1f} m/s with a typical adult's "
            f"leg, which can read up to {TYPICAL_LEG_OVERREAD:.0%} fast: judged from "
            f"{CADENCE_TOLERANCE:.0%} below the ≈ {floor:.0f} steps/min expected at "
            f"{slowest:.1f} m/s (Fukuchi 2017)"
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
