"""The synthetic runner's parts: proportions, small geometry, and the records the model
builds (the rigid foot, one leg's timing and swing, the swing's Hermite segments).

Used by :mod:`runform.synthetic.model` and :mod:`runform.synthetic.swing`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Body proportions for a 0.90 m leg; everything scales with leg_length_m / 0.90.
_REF_LEG_M = 0.90
_FOOT_TOE_M = 0.21  # heel -> foot_index along the sole (the rigid foot pivots there)
_ANKLE_LOCAL_M = (0.055, 0.075)  # ankle relative to the heel, foot flat
_HIP_SPREAD_M = 0.006  # left hip, shoulder, ear drawn this much ahead of the right ones
_UPPER_ARM_M, _FOREARM_M, _NECK_HEAD_M = 0.30, 0.27, 0.24
_ELBOW_FLEXION_DEG = 85.0
_TRUNK_WOBBLE_DEG = 1.0

# Stance: foot pitch (deg, + = toe up) at contact per strike, and phase fractions of stance.
_FOOT_ANGLE_CONTACT_DEG = {"rearfoot": 12.0, "midfoot": 0.0, "forefoot": -8.0}
_LANDING_ROLL_END = 0.18  # heel pivot (rearfoot) / heel lowering (forefoot) ends
_TOE_OFF_HIP_DROP = 0.2  # natural touchdown: hips lower at toe-off by this x the bounce
_TOE_OFF_HIP_BAND = 0.4  # toe-off hip within this fraction of the bounce of the contact hip
_MIN_KNEE_DEG = 2.0  # the knee is never straighter than this in stance
_TIME_EPS_S = 1e-9  # times this close to the end of a stride are the next contact
_KNEE_PEAK_AT = 0.45  # stance knee flexion peaks at this fraction of stance (at the latest)
# deg/s of knee flexion aimed for at toe-off, as near as the heel rise's spin allows (1-3 x its
# mean rate): the knee already bending, as on the force-plate runners, whose knee straightens
# most 9 ms before the foot leaves (median; IQR 18 ms before to 3 ms after) and bends at
# ~100 deg/s when it does (session 12; before, -150: still straightening at toe-off)
_KNEE_RATE_TOE_OFF = 100.0
_HEEL_RISE_START = {"rearfoot": 0.60, "midfoot": 0.55, "forefoot": 0.55}

# Swing knots, as fractions of the swing (toe-off = 0, next contact = 1).
_LIFT_U, _RECOVERY_U, _REACH_U, _RETRACT_U = 0.12, 0.48, 0.78, 0.93
_IMPACT_S, _IMPACT_SPEED = 0.006, 1.0  # the striking point falls at 1 m/s until 6 ms out
# After the landing the foot settles for this long: it slides this far forward on the
# ground and its points sink this far as the shoe and heel pad compress (both at the
# reference leg's scale), slowing to rest with no jerk. On the 36 force-plate runners the
# heel (low-passed at 12 Hz) still moves over the belt at 18 % of its late-swing speed at
# the 20 N contact (IQR 14-21 %) and falls under 5 % of it 22 ms later (IQR 17-25 ms); this
# foot gives 9 % and 24 ms (session 13: 25 ms and 16 mm before, fitted to seven runners
# that settle sooner, 13 % and 17.5 ms by the same measure; docs/decisions.md).
_SETTLE_S, _SETTLE_SLIP_M, _SETTLE_SINK_M = 0.030, 0.024, 0.004
_MIN_CLEARANCE_M = 0.015  # toe at the lift knot, striking point at the retraction knot
_RETRACT_THIGH_DEG, _RETRACT_KNEE_DEG = 4.0, 0.0  # relative to contact
_RECOVERY_THIGH_DEG, _RECOVERY_ANKLE_DEG = 15.0, -10.0
# ...an ankle flexed up at most this far at heel recovery to keep the toe clear of the ground
# when the heel is held low (a shuffle; ankle dorsiflexion in swing reaches ~10-20°)
_MAX_RECOVERY_ANKLE_DEG = 20.0
_REACH_EXTRA_THIGH_DEG, _REACH_KNEE_DEG, _REACH_ANKLE_DEG = 12.0, 62.0, 10.0
_LIFT_THIGH_DEG, _LIFT_KNEE_DEG, _LIFT_ANKLE_DEG = 1.0, 18.0, -8.0  # change from toe-off


# ---------------------------------------------------------------------------- small geometry


def _rotate(vec: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Rotate 2-vectors ``vec`` (..., 2) counter-clockwise (x forward, z up) by ``phi`` rad."""
    c, s = np.cos(phi), np.sin(phi)
    return np.stack([vec[..., 0] * c - vec[..., 1] * s, vec[..., 0] * s + vec[..., 1] * c], -1)


def _rotate_rate(vec: np.ndarray, phi: float) -> np.ndarray:
    """d/dphi of :func:`_rotate` (multiply by dphi/dt for a velocity)."""
    c, s = math.cos(phi), math.sin(phi)
    return np.array([-vec[0] * s - vec[1] * c, vec[0] * c - vec[1] * s])


def _hermite(t: np.ndarray, t0, t1, p0, v0, p1, v1) -> np.ndarray:
    """Cubic Hermite interpolation; ``t`` (n,), knot data broadcast to (n, m)."""
    h = np.asarray(t1 - t0, float)
    s = ((t - t0) / h)[:, None]
    h = h[:, None] if h.ndim else h
    h00 = (1 + 2 * s) * (1 - s) ** 2
    h10 = s * (1 - s) ** 2
    h01 = s * s * (3 - 2 * s)
    h11 = s * s * (s - 1)
    return h00 * p0 + h10 * h * v0 + h01 * p1 + h11 * h * v1


def _pchip_slope(t: np.ndarray, y: np.ndarray, i: int) -> float:
    """Fritsch–Butland slope at interior knot ``i`` (zero at local extrema, no overshoot)."""
    h0, h1 = t[i] - t[i - 1], t[i + 1] - t[i]
    m0, m1 = (y[i] - y[i - 1]) / h0, (y[i + 1] - y[i]) / h1
    if m0 * m1 <= 0:
        return 0.0
    w1, w2 = 2 * h1 + h0, h1 + 2 * h0
    return float((w1 + w2) / (w1 / m0 + w2 / m1))


def _leg_reach(thigh: float, shank: float, knee_flexion_deg):
    """Hip-to-ankle distance for a knee flexion (deg; scalar or array)."""
    cos_k = np.cos(np.radians(knee_flexion_deg))
    reach = np.sqrt(thigh**2 + shank**2 + 2 * thigh * shank * cos_k)
    return float(reach) if np.ndim(reach) == 0 else reach


def _knee_ik(hip: np.ndarray, ankle: np.ndarray, thigh: float, shank: float) -> np.ndarray:
    """Knee position from hip and ankle (n, 2), on the forward side of the hip–ankle line."""
    vec = ankle - hip
    dist = np.linalg.norm(vec, axis=-1)
    cos_a = np.clip((thigh**2 + dist**2 - shank**2) / (2 * thigh * dist), -1.0, 1.0)
    unit = vec / dist[:, None]
    return hip + thigh * _rotate(unit, np.arccos(cos_a))


def angle_from_vertical(proximal: np.ndarray, distal: np.ndarray) -> np.ndarray:
    """Segment angle against the downward vertical, + when the distal end is ahead (deg)."""
    d = distal - proximal
    return np.degrees(np.arctan2(d[:, 0], -d[:, 1]))


# ---------------------------------------------------------------------------- the model


@dataclass
class _Foot:
    """Rigid foot: local points with the heel at the origin, sole along +x (metres)."""

    toe: np.ndarray
    ankle: np.ndarray

    def local(self, name: str) -> np.ndarray:
        return {"heel": np.zeros(2), "toe": self.toe, "ankle": self.ankle}[name]


@dataclass
class _Segments:
    """Piecewise cubic Hermite curve of a foot state (x, z, pitch) of a reference point."""

    knots: np.ndarray  # (n+1,) cycle times
    refs: list[str]  # (n,) reference point of each segment
    p0: np.ndarray  # (n, 3)
    v0: np.ndarray
    p1: np.ndarray
    v1: np.ndarray


@dataclass
class _Leg:
    side: str
    first_contact: float  # absolute time of a contact (cycle anchor)
    stride: float
    contact: float
    heel_contact_x: float  # heel's belt point at contact, relative to the hips
    pitch_contact: float  # rad
    pitch_toe_off: float  # rad, negative (toe down)
    landing: str  # "heel", "toe" or "flat"
    heel_rise_start: float
    hip_dx: float  # this side's hip ahead of the pelvis centre (m); the whole leg moves with it
    swing: _Segments | None = None
    hip_toe_off: float = 0.0  # hip height at toe-off (m)
    flight: float = 0.0  # flight after this foot's toe-off (s)
    takeoff_speed: float = 0.0  # hip vertical speed at toe-off (m/s)
    heel_rise_rate: float = 2.0  # pitch rate at toe-off / mean pitch rate of the heel rise
    knee: tuple = ()  # stance knee: contact, its rate, peak, toe-off, its rate, peak time
