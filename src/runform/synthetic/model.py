"""The synthetic runner's body: every point an analytic function of time.

See :mod:`runform.synthetic` for the model (timing, stance, swing, hips, knees, trunk).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from runform.errors import OptionError
from runform.synthetic.spec import GRAVITY, RunnerSpec

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
_KNEE_RATE_TOE_OFF = -150.0  # deg/s: the knee is still extending gently at toe-off
_HEEL_RISE_START = {"rearfoot": 0.60, "midfoot": 0.55, "forefoot": 0.55}

# Swing knots, as fractions of the swing (toe-off = 0, next contact = 1).
_LIFT_U, _RECOVERY_U, _REACH_U, _RETRACT_U = 0.12, 0.48, 0.78, 0.93
_IMPACT_S, _IMPACT_SPEED = 0.006, 1.0  # the striking point falls at 1 m/s until 6 ms out
_MIN_CLEARANCE_M = 0.015  # toe at the lift knot, striking point at the retraction knot
_RETRACT_THIGH_DEG, _RETRACT_KNEE_DEG = 4.0, 0.0  # relative to contact
_RECOVERY_THIGH_DEG, _RECOVERY_ANKLE_DEG = 15.0, -10.0
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


class Model:
    """All analytic functions of time of one synthetic runner."""

    def __init__(self, spec: RunnerSpec, first_contact: float, duration_s: float) -> None:
        self.spec = spec
        self.scale = spec.leg_length_m / _REF_LEG_M
        self.l1, self.l2 = spec.thigh_m, spec.shank_m
        self.foot = _Foot(
            toe=np.array([_FOOT_TOE_M, 0.0]) * self.scale,
            ankle=np.array(_ANKLE_LOCAL_M) * self.scale,
        )
        self.stride = spec.stride_time_s
        self.v = spec.speed_mps
        self.duration_s = duration_s
        near = "right" if spec.facing == "right" else "left"
        self.far = "left" if near == "right" else "right"
        strike_deg = (
            spec.foot_angle_contact_deg
            if spec.foot_angle_contact_deg is not None
            else _FOOT_ANGLE_CONTACT_DEG[spec.foot_strike]
        )
        landing = {"rearfoot": "heel", "midfoot": "flat", "forefoot": "toe"}[spec.foot_strike]
        if (landing == "heel" and strike_deg <= 0) or (landing == "toe" and strike_deg >= 0):
            raise OptionError(
                f"foot_angle_contact_deg={strike_deg} does not fit a {spec.foot_strike} strike: "
                "use a toe-up (positive) angle for rearfoot and toe-down (negative) for forefoot."
            )
        if landing == "flat":
            strike_deg = 0.0
        self.legs: dict[str, _Leg] = {}
        for side in ("left", "right"):
            leg = _Leg(
                side=side,
                first_contact=first_contact + (0.5 * self.stride if side == "right" else 0.0),
                stride=self.stride,
                contact=spec.contact_time_s(side),
                heel_contact_x=0.0,
                pitch_contact=math.radians(strike_deg),
                pitch_toe_off=-math.radians(spec.foot_angle_toe_off_deg),
                landing=landing,
                heel_rise_start=_HEEL_RISE_START[spec.foot_strike],
                hip_dx=(0.5 if side == "left" else -0.5) * _HIP_SPREAD_M * self.scale,
            )
            # place the foot so that the ankle is at the hips at contact (shifted below)
            ankle_rel = self._from_ref(
                self._contact_ref(leg), "ankle", np.zeros(2), leg.pitch_contact
            )
            leg.heel_contact_x = -ankle_rel[0] - (
                self.foot.toe[0] if self._contact_ref(leg) == "toe" else 0.0
            )
            self.legs[side] = leg
        for side, leg in self.legs.items():
            touchdown = spec.touchdown_distance_m
            if touchdown is None:  # natural for this side's contact time
                touchdown = self._natural_touchdown(leg)
            leg.heel_contact_x += touchdown * (
                spec.asymmetry.touchdown_distance if side == "right" else 1.0
            )
        self._build_hips()
        for leg in self.legs.values():
            leg.swing = self._fit_swing(leg)

    # ------------------------------------------------------------------ foot kinematics
    def _contact_ref(self, leg: _Leg) -> str:
        return "toe" if leg.landing == "toe" else "heel"

    def _from_ref(self, ref: str, to: str, ref_pos: np.ndarray, phi) -> np.ndarray:
        """Position of foot point ``to`` given the position of ``ref`` and the pitch."""
        return ref_pos + _rotate(self.foot.local(to) - self.foot.local(ref), phi)

    def _vel_from_ref(self, ref: str, to: str, ref_vel: np.ndarray, phi: float, dphi: float):
        return ref_vel + dphi * _rotate_rate(self.foot.local(to) - self.foot.local(ref), phi)

    def _stance_pitch(self, leg: _Leg, u: np.ndarray) -> np.ndarray:
        """Foot pitch (rad) over stance fraction ``u`` in [0, 1]."""
        phi = np.zeros_like(u)
        if leg.landing != "flat":
            # the foot is already rotating flat at contact and arrives flat with no spin
            w = np.clip(u / _LANDING_ROLL_END, 0.0, 1.0)
            phi = leg.pitch_contact * (1.0 - w) ** 2
        # heel rise: starts with no spin, ends spinning at heel_rise_rate x the mean rate
        w = np.clip((u - leg.heel_rise_start) / (1.0 - leg.heel_rise_start), 0.0, 1.0)
        a = 3.0 - leg.heel_rise_rate
        return np.where(
            u >= leg.heel_rise_start, leg.pitch_toe_off * w * w * (a + (1 - a) * w), phi
        )

    def _stance_heel(self, leg: _Leg, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Heel position (n, 2) and pitch (n,) at stance times ``s`` (from contact)."""
        u = s / leg.contact
        phi = self._stance_pitch(leg, u)
        heel_x = leg.heel_contact_x - self.v * s
        on_toe = (u >= leg.heel_rise_start) | ((leg.landing == "toe") & (u < _LANDING_ROLL_END))
        toe = np.stack([heel_x + self.foot.toe[0], np.zeros_like(s)], -1)
        heel_from_toe = self._from_ref("toe", "heel", toe, phi)
        heel = np.where(on_toe[:, None], heel_from_toe, np.stack([heel_x, np.zeros_like(s)], -1))
        return heel, phi

    def _stance_end_state(self, leg: _Leg, at_contact: bool):
        """(ref, position, velocity, pitch, pitch rate) of the pivot at contact / toe-off."""
        if at_contact:
            ref = self._contact_ref(leg)
            x = leg.heel_contact_x + (self.foot.toe[0] if ref == "toe" else 0.0)
            dphi = -2.0 * leg.pitch_contact / (_LANDING_ROLL_END * leg.contact)
            return ref, np.array([x, 0.0]), np.array([-self.v, 0.0]), leg.pitch_contact, dphi
        x = leg.heel_contact_x + self.foot.toe[0] - self.v * leg.contact
        dphi = leg.heel_rise_rate * leg.pitch_toe_off / ((1.0 - leg.heel_rise_start) * leg.contact)
        return "toe", np.array([x, 0.0]), np.array([-self.v, 0.0]), leg.pitch_toe_off, dphi

    # ------------------------------------------------------------------ hips
    def _natural_touchdown(self, leg: _Leg) -> float:
        """Touchdown distance at which the hips are 0.2 x the bounce lower at toe-off than at
        contact, with the knee angles of the spec (the foot at the hips gives ``leg``)."""
        spec = self.spec
        ends = []
        for at_contact in (True, False):
            ref, pos, _, phi, _ = self._stance_end_state(leg, at_contact)
            ends.append(self._from_ref(ref, "ankle", pos, phi))
        reach_c = _leg_reach(self.l1, self.l2, spec.knee_flexion_contact_deg)
        reach_t = _leg_reach(self.l1, self.l2, spec.knee_flexion_toe_off_deg)

        def gap(d: float) -> float:
            hip_c = ends[0][1] + math.sqrt(max(reach_c**2 - (ends[0][0] + d) ** 2, 0.0))
            hip_t = ends[1][1] + math.sqrt(max(reach_t**2 - (ends[1][0] + d) ** 2, 0.0))
            return hip_t - hip_c + _TOE_OFF_HIP_DROP * spec.vertical_oscillation_m

        lo = max(0.0, -ends[1][0] - 0.999 * reach_t)
        hi = 0.999 * reach_c - ends[0][0]
        if not lo < hi or gap(lo) > 0 or gap(hi) < 0:
            raise OptionError(
                "No touchdown distance fits these timings and knee angles: set "
                "touchdown_distance_m yourself, or lower speed_mps or duty_factor."
            )
        return float(brentq(gap, lo, hi, xtol=1e-10))

    def _stance_ankle(self, leg: _Leg, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ankle position (n, 2; x relative to this side's hip) and foot pitch in stance."""
        heel, phi = self._stance_heel(leg, s)
        return self._from_ref("heel", "ankle", heel, phi), phi

    def _stance_knee(self, leg: _Leg, s: np.ndarray) -> np.ndarray:
        """Knee flexion (deg) in stance: contact value -> peak at mid-stance -> toe-off value."""
        k = leg.knee
        t_peak = k[5]
        first = s < t_peak
        out = np.empty_like(s)
        out[first] = _hermite(s[first], 0.0, t_peak, k[0], k[1], k[2], 0.0)[:, 0]
        out[~first] = _hermite(s[~first], t_peak, leg.contact, k[2], 0.0, k[3], k[4])[:, 0]
        return out

    def _stance_hip_z(self, leg: _Leg, s: np.ndarray) -> np.ndarray:
        """Hip height in stance: the ankle plus the reach of the knee flexion at that time."""
        ankle, _ = self._stance_ankle(leg, s)
        reach = _leg_reach(self.l1, self.l2, self._stance_knee(leg, s))
        return ankle[:, 1] + np.sqrt(np.maximum(reach**2 - ankle[:, 0] ** 2, 0.0))

    def _build_hips(self) -> None:
        """Hip heights at the events, ballistic flights, stance knee curves and their peak.

        The hip height at contact (toe-off) follows from ``knee_flexion_contact_deg``
        (``knee_flexion_toe_off_deg``) and the ankle position; flights are ballistic between
        them; in stance the hip rides on the leg, whose knee flexion runs smoothly from its
        contact value to a peak at 45 % of stance and down to its toe-off value, with rates at
        both ends chosen so that the hip's vertical velocity is continuous. The peak is solved
        so that the hips move ``vertical_oscillation_m`` peak to peak.
        """
        spec, T = self.spec, self.stride
        events: dict[str, dict] = {}
        for side, leg in self.legs.items():
            ev = {}
            for at_contact, knee in (
                (True, spec.knee_flexion_contact_deg),
                (False, spec.knee_flexion_toe_off_deg),
            ):
                ref, pos, vel, phi, dphi = self._stance_end_state(leg, at_contact)
                ankle = self._from_ref(ref, "ankle", pos, phi)
                ankle_vel = self._vel_from_ref(ref, "ankle", vel, phi, dphi)
                reach = _leg_reach(self.l1, self.l2, knee)
                if abs(ankle[0]) >= 0.995 * reach:
                    event = "contact" if at_contact else "toe-off"
                    raise OptionError(
                        f"The {side} ankle is {abs(ankle[0]):.2f} m from the hips at {event}, "
                        f"beyond the {reach:.2f} m a {knee:g}° knee reaches: change "
                        "touchdown_distance_m, speed_mps, duty_factor or the knee angles."
                    )
                rise = math.sqrt(reach**2 - ankle[0] ** 2)
                ev["contact" if at_contact else "toe_off"] = (knee, ankle, ankle_vel, rise)
            events[side] = ev
        for side, leg in self.legs.items():
            other = "left" if side == "right" else "right"
            _, ankle_to, vel_to, rise_to = events[side]["toe_off"]
            _, ankle_td, _, rise_td = events[other]["contact"]
            # the toe-off hip stays within 40 % of the bounce of the contact hip, so that the
            # requested vertical oscillation stays reachable; the knee follows
            hip_td_own = float(events[side]["contact"][1][1] + events[side]["contact"][3])
            band = _TOE_OFF_HIP_BAND * spec.vertical_oscillation_m
            leg.hip_toe_off = float(
                np.clip(ankle_to[1] + rise_to, hip_td_own - band, hip_td_own + band)
            )
            reach_to = math.hypot(ankle_to[0], leg.hip_toe_off - ankle_to[1])
            if reach_to >= _leg_reach(self.l1, self.l2, _MIN_KNEE_DEG):
                raise OptionError(
                    f"The {side} leg cannot reach its foot at toe-off ({reach_to:.2f} m away) with "
                    "this spec: raise knee_flexion_contact_deg or touchdown_distance_m, or lower "
                    "duty_factor or speed_mps."
                )
            cos_k = (reach_to**2 - self.l1**2 - self.l2**2) / (2 * self.l1 * self.l2)
            knee_to = math.degrees(math.acos(min(1.0, cos_k)))
            events[side]["toe_off"] = (
                knee_to,
                ankle_to,
                vel_to,
                leg.hip_toe_off - float(ankle_to[1]),
            )
            leg.flight = 0.5 * T - leg.contact
            hip_td_other = float(ankle_td[1] + rise_td)
            leg.takeoff_speed = (hip_td_other - leg.hip_toe_off) / leg.flight + (
                0.5 * GRAVITY * leg.flight
            )

        def knee_rate(side: str, key: str, hip_speed: float) -> float:
            """Knee flexion rate (deg/s) that gives the hip this vertical speed."""
            ref, _, vel, phi, dphi = self._stance_end_state(self.legs[side], key == "contact")
            ankle_vel = self._vel_from_ref(ref, "ankle", vel, phi, dphi)
            knee, ankle, _, rise = events[side][key]
            dd = (hip_speed - ankle_vel[1]) * rise + ankle[0] * ankle_vel[0]
            sin_k = max(math.sin(math.radians(knee)), 1e-3)
            return -math.degrees(dd / (self.l1 * self.l2 * sin_k))

        rates = {}
        for side, leg in self.legs.items():
            other = self.legs["left" if side == "right" else "right"]
            landing = knee_rate(side, "contact", other.takeoff_speed - GRAVITY * other.flight)
            # pick how fast the foot spins off the toe so the knee extends gently at toe-off
            leg.heel_rise_rate = 1.0
            r1 = knee_rate(side, "toe_off", leg.takeoff_speed)
            leg.heel_rise_rate = 2.0
            r2 = knee_rate(side, "toe_off", leg.takeoff_speed)
            c = 1.0 + (_KNEE_RATE_TOE_OFF - r1) / (r2 - r1) if r2 != r1 else 2.0
            leg.heel_rise_rate = float(np.clip(c, 1.0, 2.0))
            rates[side] = [landing, knee_rate(side, "toe_off", leg.takeoff_speed)]

        def set_peak(peak: float) -> None:
            for side, leg in self.legs.items():
                r = rates[side]
                # peak as late as 45 % of stance, earlier when the knee lands flexing fast
                # (a cubic rising at more than ~3x its mean rate would overshoot its peak)
                rise = peak - spec.knee_flexion_contact_deg
                t_peak = np.clip(
                    2.5 * rise / max(r[0], 1e-6), 0.3 * leg.contact, _KNEE_PEAK_AT * leg.contact
                )
                leg.knee = (
                    spec.knee_flexion_contact_deg,
                    r[0],
                    peak,
                    events[side]["toe_off"][0],
                    r[1],
                    float(t_peak),
                )

        s = np.linspace(0.0, T, 1201)

        def bounce(peak: float) -> float:
            set_peak(peak)
            z = self.pelvis(self.legs["left"].first_contact + s)[:, 1]
            return 0.5 * (np.ptp(z[:601]) + np.ptp(z[600:]))

        lo = max(spec.knee_flexion_contact_deg, *(ev["toe_off"][0] for ev in events.values()))
        lo += 1.0
        hi = 85.0
        # too little knee flexion vaults the hips up at mid-stance, which also bounces: take
        # the branch where more knee flexion means more bounce
        grid = np.linspace(lo, hi, 35)
        lo = float(grid[int(np.argmin([bounce(k) for k in grid]))])
        b_lo, b_hi = bounce(lo), bounce(hi)
        target = spec.vertical_oscillation_m
        if not b_lo <= target <= b_hi:
            raise OptionError(
                f"vertical_oscillation_m={target:g} cannot be reached with these timings and "
                f"knee angles: use a value between {b_lo:.3f} and {b_hi:.3f} m, or change "
                "the knee angles."
            )
        set_peak(brentq(lambda k: bounce(k) - target, lo, hi, xtol=1e-9))
        for leg in self.legs.values():
            ss = np.linspace(0.0, leg.contact, 401)
            ankle, _ = self._stance_ankle(leg, ss)
            reach = _leg_reach(self.l1, self.l2, self._stance_knee(leg, ss))
            knee = self._stance_knee(leg, ss)
            if np.any(reach <= np.abs(ankle[:, 0])) or np.any(knee <= 0.0):
                raise OptionError(
                    f"The {leg.side} leg cannot stay on the ground through stance with this spec: "
                    "change touchdown_distance_m, duty_factor, speed_mps or the knee angles."
                )

    def pelvis(self, t: np.ndarray) -> np.ndarray:
        """Pelvis centre (n, 2): x (0 on a treadmill, else moving at speed_mps) and height."""
        t = np.asarray(t, float)
        # every time is in one leg's stance or flight; a time on a landing is this leg's
        # contact, not the end of its stride: np.mod may round it just under the stride,
        # where neither leg's stance or flight holds it (z was then left uninitialised, and
        # a swing check read whatever the memory held: a rare, order-dependent test failure)
        z = np.full_like(t, np.nan)
        for leg in self.legs.values():
            s = np.mod(t - leg.first_contact, leg.stride)
            s[s >= leg.stride - _TIME_EPS_S] = 0.0
            stance = s < leg.contact
            z[stance] = self._stance_hip_z(leg, s[stance])
            flight = ~stance & (s < leg.contact + leg.flight)
            tau = s[flight] - leg.contact
            z[flight] = leg.hip_toe_off + leg.takeoff_speed * tau - 0.5 * GRAVITY * tau**2
        x = np.zeros_like(t) if self.spec.treadmill else self.v * (t - 0.5 * self.duration_s)
        return np.stack([x, z], -1)

    # ------------------------------------------------------------------ swing
    def _leg_pose_ankle(self, hip: np.ndarray, thigh_deg: float, knee_deg: float, ankle_deg: float):
        """Ankle position and foot pitch from thigh angle, knee flexion, ankle angle (deg)."""
        th, sh = math.radians(thigh_deg), math.radians(thigh_deg - knee_deg)
        ankle = hip + self.l1 * np.array([math.sin(th), -math.cos(th)])
        ankle = ankle + self.l2 * np.array([math.sin(sh), -math.cos(sh)])
        return ankle, sh + math.radians(ankle_deg)

    def _pose_angles(self, hip: np.ndarray, ankle: np.ndarray, pitch: float):
        """Thigh angle, knee flexion and ankle angle (foot pitch − shank angle), degrees."""
        knee = _knee_ik(hip[None], ankle[None], self.l1, self.l2)
        thigh = float(angle_from_vertical(hip[None], knee)[0])
        shank = float(angle_from_vertical(knee, ankle[None])[0])
        return thigh, thigh - shank, math.degrees(pitch) - shank

    def _fit_swing(self, leg: _Leg) -> _Segments:
        """Build the swing, bending the knee more before contact if the leg would overreach."""
        limit = _leg_reach(self.l1, self.l2, _MIN_KNEE_DEG)
        farthest = []
        for extra in np.arange(0.0, 31.0, 3.0):
            leg.swing = self._build_swing(leg, float(extra))
            s = np.linspace(leg.contact, leg.stride, 600)
            ankle = self.foot_points(leg, leg.first_contact + s)["ankle"]
            hip_z = self.pelvis(leg.first_contact + s)[:, 1]
            farthest.append(float(np.max(np.hypot(ankle[:, 0], ankle[:, 1] - hip_z))))
            if farthest[-1] < limit:
                return leg.swing
        # (the numbers say whether the swing was too long or not a number at all)
        raise OptionError(
            f"The {leg.side} leg would overstretch in swing with this spec (its ankle "
            f"{min(farthest, default=float('nan')):.4f} m from the hip at best, the leg reaches "
            f"{limit:.4f} m): raise "
            "knee_flexion_contact_deg or change touchdown_distance_m."
        )

    def _build_swing(self, leg: _Leg, retract_knee_extra: float = 0.0) -> _Segments:
        """Swing of one foot: C1 cubic Hermite segments through seven knots.

        Knots: toe-off, lift (thigh, knee, ankle angles relative to toe-off), heel recovery
        (knee solved for the heel height), reach (thigh ahead of its contact angle), retraction
        (relative to contact; the thigh flexes further if the foot would be too low), impact
        and contact. ``retract_knee_extra`` bends the knee more at retraction. Slopes at the
        inner knots are Fritsch–Butland estimates; the first segment is written for the toe
        and the last two for the striking point, with vertical speeds capped so that neither
        can dip below the ground.
        """
        T, tc = leg.stride, leg.contact
        times = tc + (T - tc) * np.array([0.0, _LIFT_U, _RECOVERY_U, _REACH_U, _RETRACT_U, 1.0])
        times[-1] = T

        def hip_at(s: float) -> np.ndarray:
            return np.array([0.0, self.pelvis(np.array([leg.first_contact + s]))[0, 1]])

        ref0, pos0, vel0, phi0, dphi0 = self._stance_end_state(leg, at_contact=False)
        ref5, pos5, vel5, phi5, dphi5 = self._stance_end_state(leg, at_contact=True)
        ankle0 = self._from_ref(ref0, "ankle", pos0, phi0)
        ankle5 = self._from_ref(ref5, "ankle", pos5, phi5)
        thigh0, knee0, ankle_angle0 = self._pose_angles(hip_at(tc), ankle0, phi0)
        thigh5, knee5, _ = self._pose_angles(hip_at(T), ankle5, phi5)

        clearance = _MIN_CLEARANCE_M * self.scale

        def clear_pose(hip, thigh, knee, pitch_of, ref, lift_by):
            """Ankle and pitch of a pose; if ``ref`` would be lower than the minimum clearance,
            the knee (``lift_by="knee"``) or the thigh (``"thigh"``) flexes further."""

            def pose(extra):
                th, kn = (thigh, knee + extra) if lift_by == "knee" else (thigh + extra, knee)
                ankle, shank = self._leg_pose_ankle(hip, th, kn, 0.0)
                return ankle, pitch_of(shank)

            def height(extra):
                ankle, phi = pose(extra)
                return float(self._from_ref("ankle", ref, ankle, phi)[1]) - clearance

            extra = 0.0
            if height(0.0) < 0:
                if height(40.0) < 0:
                    raise OptionError(
                        f"The {leg.side} foot cannot clear the ground in swing with this spec: "
                        "change touchdown_distance_m, the knee angles or vertical_oscillation_m."
                    )
                extra = brentq(height, 0.0, 40.0, xtol=1e-9)
            return pose(extra)

        # lift: knee flexing, ankle plantarflexing, thigh about to swing forward
        ankle1, phi1 = clear_pose(
            hip_at(times[1]),
            thigh0 + _LIFT_THIGH_DEG,
            knee0 + _LIFT_KNEE_DEG,
            lambda shank: shank + math.radians(ankle_angle0 + _LIFT_ANKLE_DEG),
            "toe",
            "knee",
        )
        # heel recovery: the knee flexion that puts the heel at the requested height
        hip2 = hip_at(times[2])
        target = self.spec.heel_recovery_height_m * (
            self.spec.asymmetry.heel_recovery_height if leg.side == "right" else 1.0
        )

        def heel_miss(knee_deg: float) -> float:
            ankle, phi = self._leg_pose_ankle(
                hip2, _RECOVERY_THIGH_DEG, knee_deg, _RECOVERY_ANKLE_DEG
            )
            return float(self._from_ref("ankle", "heel", ankle, phi)[1] - target)

        lo, hi = 30.0, 165.0
        if heel_miss(lo) * heel_miss(hi) > 0:
            raise OptionError(
                f"heel_recovery_height_m={target:.2f} cannot be reached with this leg: use a value "
                f"between {heel_miss(lo) + target:.2f} and {heel_miss(hi) + target:.2f} m."
            )
        knee2 = brentq(heel_miss, lo, hi, xtol=1e-10)
        ankle2, phi2 = self._leg_pose_ankle(hip2, _RECOVERY_THIGH_DEG, knee2, _RECOVERY_ANKLE_DEG)
        # reach: thigh at its most forward, knee extending, foot dorsiflexed
        ankle3, phi3 = self._leg_pose_ankle(
            hip_at(times[3]), thigh5 + _REACH_EXTRA_THIGH_DEG, _REACH_KNEE_DEG, _REACH_ANKLE_DEG
        )
        # retraction: thigh moving back into contact, the foot's pitch rate building up
        phi4 = phi5 - 0.5 * dphi5 * (times[5] - times[4])
        ankle4, _ = clear_pose(
            hip_at(times[4]),
            thigh5 + _RETRACT_THIGH_DEG,
            knee5 + _RETRACT_KNEE_DEG + retract_knee_extra,
            lambda shank: phi4,
            ref5,
            "thigh",
        )

        # impact: a few ms before contact the striking point still falls at the impact speed;
        # it then stops within those ms (a C1 stand-in for the real, abrupt impact)
        tau_i = min(_IMPACT_S, 0.05 * (T - tc))
        pos_i = pos5 + np.array([self.v * tau_i, 0.5 * _IMPACT_SPEED * tau_i])
        vel_i = np.array([-self.v, -_IMPACT_SPEED])
        phi_i = phi5 - dphi5 * tau_i
        times = np.append(times[:5], [T - tau_i, T])

        ankles = np.array(
            [ankle0, ankle1, ankle2, ankle3, ankle4, self._from_ref(ref5, "ankle", pos_i, phi_i)]
        )
        ankles = np.vstack([ankles, ankle5])
        phis = np.array([phi0, phi1, phi2, phi3, phi4, phi_i, phi5])
        dphis = np.array(
            [dphi0, *(_pchip_slope(times, phis, i) for i in range(1, 5)), dphi5, dphi5]
        )
        vels = np.zeros((7, 2))
        vels[0] = self._vel_from_ref(ref0, "ankle", vel0, phi0, dphi0)
        vels[5] = self._vel_from_ref(ref5, "ankle", vel_i, phi_i, dphi5)
        vels[6] = self._vel_from_ref(ref5, "ankle", vel5, phi5, dphi5)
        for i in range(1, 5):
            vels[i] = [_pchip_slope(times, ankles[:, j], i) for j in (0, 1)]

        # the toe rising from the ground and the striking point falling to the impact knot
        # move monotonically in height (slope within 2.5x the mean rate), so they stay above it
        for i, ref, j in ((1, "toe", 0), (4, ref5, 5)):
            point = self._from_ref("ankle", ref, ankles[i], phis[i])
            other = self._from_ref("ankle", ref, ankles[j], phis[j])
            vel = self._vel_from_ref("ankle", ref, vels[i], phis[i], dphis[i])
            mean_rate = (point[1] - other[1]) / (times[i] - times[j])
            vel[1] = float(np.clip(vel[1], min(0.0, 2.5 * mean_rate), max(0.0, 2.5 * mean_rate)))
            vels[i] = self._vel_from_ref(ref, "ankle", vel, phis[i], dphis[i])

        refs = ["toe", "ankle", "ankle", "ankle", ref5, ref5]
        p0, v0, p1, v1 = [], [], [], []
        for k, ref in enumerate(refs):
            for i, ps, vs in ((k, p0, v0), (k + 1, p1, v1)):
                ps.append([*self._from_ref("ankle", ref, ankles[i], phis[i]), phis[i]])
                vs.append([*self._vel_from_ref("ankle", ref, vels[i], phis[i], dphis[i]), dphis[i]])
        return _Segments(times, refs, np.array(p0), np.array(v0), np.array(p1), np.array(v1))

    # ------------------------------------------------------------------ evaluation
    def foot_points(self, leg: _Leg, t: np.ndarray) -> dict[str, np.ndarray]:
        """Heel, ankle, toe (n, 2; x relative to this side's hip) and pitch (n,) at ``t``."""
        s = np.mod(t - leg.first_contact, leg.stride)
        heel = np.empty((len(t), 2))
        phi = np.empty(len(t))
        stance = s < leg.contact
        heel[stance], phi[stance] = self._stance_heel(leg, s[stance])
        sw = leg.swing
        assert sw is not None
        ss = s[~stance]
        k = np.clip(np.searchsorted(sw.knots, ss, side="right") - 1, 0, len(sw.refs) - 1)
        st = _hermite(ss, sw.knots[k], sw.knots[k + 1], sw.p0[k], sw.v0[k], sw.p1[k], sw.v1[k])
        ref_local = np.array([self.foot.local(r) for r in sw.refs])[k]
        heel[~stance] = st[:, :2] - _rotate(ref_local, st[:, 2])
        phi[~stance] = st[:, 2]
        return {
            "heel": heel,
            "ankle": self._from_ref("heel", "ankle", heel, phi),
            "foot_index": self._from_ref("heel", "toe", heel, phi),
            "pitch": phi,
        }

    def points(self, t: np.ndarray) -> dict[str, np.ndarray]:
        """Every keypoint (n, 2) in the runner frame (x forward from the start, z up), metres,
        plus ``"_trunk_deg"`` (n,) — the lean actually drawn."""
        spec = self.spec
        t = np.asarray(t, float)
        pelvis = self.pelvis(t)
        out: dict[str, np.ndarray] = {}
        thigh_deg: dict[str, np.ndarray] = {}
        for side, leg in self.legs.items():
            hip = pelvis + np.array([leg.hip_dx, 0.0])
            foot = self.foot_points(leg, t)
            ankle_abs = foot["ankle"] + hip * np.array([1.0, 0.0])
            knee = _knee_ik(hip, ankle_abs, self.l1, self.l2)
            thigh_deg[side] = angle_from_vertical(hip, knee)
            out[f"{side}_hip"], out[f"{side}_knee"], out[f"{side}_ankle"] = hip, knee, ankle_abs
            for part in ("heel", "foot_index"):
                out[f"{side}_{part}"] = foot[part] + hip * np.array([1.0, 0.0])
        # trunk with a small wobble at step frequency (its mean over a step is the lean)
        phase = 2 * np.pi * (t - self.legs["left"].first_contact) / (0.5 * self.stride)
        lean = np.radians(spec.trunk_lean_deg + _TRUNK_WOBBLE_DEG * np.sin(phase))
        up = np.stack([np.sin(lean), np.cos(lean)], -1)
        head_up = np.stack([np.sin(0.5 * lean), np.cos(0.5 * lean)], -1)
        shoulder_c = pelvis + spec.trunk_m * up
        head = shoulder_c + self.scale * _NECK_HEAD_M * head_up
        out["nose"] = head + self.scale * np.array([0.10, -0.02])
        for side, leg in self.legs.items():
            spread = np.array([leg.hip_dx, 0.0])
            shoulder = shoulder_c + spread
            other = "left" if side == "right" else "right"
            # arm swings with the opposite leg
            arm = np.radians(5.0 + 0.8 * (thigh_deg[other] - np.mean(thigh_deg[other])))
            elbow = shoulder + self.scale * _UPPER_ARM_M * np.stack([np.sin(arm), -np.cos(arm)], -1)
            fore = arm + math.radians(_ELBOW_FLEXION_DEG)
            wrist = elbow + self.scale * _FOREARM_M * np.stack([np.sin(fore), -np.cos(fore)], -1)
            out[f"{side}_shoulder"], out[f"{side}_elbow"], out[f"{side}_wrist"] = (
                shoulder,
                elbow,
                wrist,
            )
            out[f"{side}_ear"] = head + spread
        out["_trunk_deg"] = np.degrees(lean)
        return out

    def events(self, t_start: float, t_stop: float) -> list[tuple[float, str, str]]:
        out = []
        for side, leg in self.legs.items():
            k0 = math.floor((t_start - leg.first_contact) / leg.stride) - 1
            k1 = math.ceil((t_stop - leg.first_contact) / leg.stride) + 1
            for k in range(k0, k1 + 1):
                tc = leg.first_contact + k * leg.stride
                for time_s, kind in ((tc, "contact"), (tc + leg.contact, "toe_off")):
                    if t_start <= time_s <= t_stop:
                        out.append((time_s, side, kind))
        return sorted(out)
