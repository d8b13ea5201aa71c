"""Running pace context: how fast the runner was going, and what that implies for the bands.

Several quantities rise with speed (thigh angular velocity, swing knee flexion, heel rise;
Clark 2020, Fukuchi 2017), so a fixed band would call a fast runner's normal values "high"
and an easy jogger's "weak". The findings therefore judge those metrics against the pace:

- the treadmill speed when the user gave it (``options.treadmill_speed_mps``);
- otherwise a rough speed estimated from cadence with the group means of Fukuchi 2017
  (162/171/183 steps/min at 2.5/3.5/4.5 m/s). Cadence varies between runners at the same
  speed, so findings that lean on this estimate get a lower confidence.

The speed dependence itself comes from one real runner measured by runform's own engine in
2-D (Fukuchi et al. 2017, subject RBDS0041, CC BY 4.0; markers projected to a side view,
``bench/fukuchi.py``). Only the *relative* change with speed is used: the catalogue band is
taken to describe :data:`REFERENCE_SPEED_MPS` and is shifted or scaled from there.

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

#: Speed (m/s) the catalogue's fixed bands are taken to describe: a typical distance pace
#: (Lieberman 2015 at 3.0 m/s; Malisoux 2023 preferred speed ≈ 2.5–2.9 m/s).
REFERENCE_SPEED_MPS = 3.0

#: Speeds outside this range are clipped before the reference is interpolated.
SPEED_RANGE_MPS = (2.0, 6.0)

#: Per-speed values of one real runner (Fukuchi 2017, RBDS0041), medians of both sides,
#: measured by runform's engine on the markers projected to a side view at 150 Hz.
SPEED_REFERENCE: dict[str, tuple[tuple[float, float], ...]] = {
    "drive_peak_deg_s": ((2.5, 263.0), (3.5, 354.7), (4.5, 450.8)),
    "drive_mean_deg_s": ((2.5, 110.5), (3.5, 163.4), (4.5, 219.2)),
    "knee_flexion_swing_peak_deg": ((2.5, 90.4), (3.5, 110.1), (4.5, 123.7)),
    "heel_recovery_ratio": ((2.5, 0.675), (3.5, 0.52), (4.5, 0.435)),
}
SPEED_REFERENCE_SOURCE = (
    "Speed dependence from Fukuchi et al. 2017 (PeerJ 5:e3298, subject RBDS0041, CC BY 4.0), "
    "measured in 2-D by runform at 2.5/3.5/4.5 m/s; thigh angular velocity rises linearly "
    "with speed (Clark 2020)"
)

#: Confidence multiplier for a finding judged against a speed estimated from cadence.
ESTIMATED_SPEED_CONFIDENCE = 0.8


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
    basis: ``"treadmill"`` (given by the user), ``"cadence"`` (estimated) or ``"unknown"``.
    """

    speed_mps: float | None
    basis: str

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
        return (
            f"about {self.speed_mps:.1f} m/s or {kmh:.0f} km/h, estimated from your cadence; "
            "give --treadmill-speed for a firmer comparison"
        )


def pace_from_analysis(analysis: dict) -> Pace:
    """The pace of a ``runform.analysis/1`` document: treadmill speed, else from cadence."""
    speed = _positive((analysis.get("options") or {}).get("treadmill_speed_mps"))
    if speed is not None:
        return Pace(speed, "treadmill")
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
