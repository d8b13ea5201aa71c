"""The synthetic runner's body: every point an analytic function of time.

See :mod:`runform.synthetic` for the model (timing, stance, swing, hips, knees, trunk).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy.optimize import brentq

from runform.errors import OptionError
from runform.synthetic.body import (
    _ANKLE_LOCAL_M,
    _ELBOW_FLEXION_DEG,
    _FOOT_ANGLE_CONTACT_DEG,
    _FOOT_TOE_M,
    _FOREARM_M,
    _HEEL_RISE_START,
    _HIP_SPREAD_M,
    _KNEE_PEAK_AT,
    _KNEE_RATE_TOE_OFF,
    _MIN_KNEE_DEG,
    _NECK_HEAD_M,
    _REF_LEG_M,
    _TIME_EPS_S,
    _TOE_OFF_HIP_BAND,
    _TOE_OFF_HIP_DROP,
    _TRUNK_WOBBLE_DEG,
    _UPPER_ARM_M,
    _Foot,
    _hermite,
    _knee_ik,
    _Leg,
    _leg_reach,
    _rotate,
    angle_from_vertical,
)
from runform.synthetic.spec import GRAVITY, Asymmetry, RunnerSpec
from runform.synthetic.stance import StanceBuilder
from runform.synthetic.swing import SwingBuilder


class Model(StanceBuilder, SwingBuilder):
    """All analytic functions of time of one synthetic runner."""

    def __init__(
        self,
        spec: RunnerSpec,
        first_contact: float,
        duration_s: float,
        *,
        pelvis_only: bool = False,
    ) -> None:
        """``pelvis_only``: build the hips alone, for the reference runners of
        :meth:`_own_pelvis`, whose timing the user did not choose: no swings, and a
        ``vertical_oscillation_m`` these timings cannot reach is replaced by the nearest
        they can instead of refused."""
        self.spec = spec
        self.pelvis_only = pelvis_only
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
        touchdowns: dict[str, float] = {}
        for side, leg in self.legs.items():
            touchdown = spec.touchdown_distance_m
            if touchdown is None:  # natural for this side's contact time
                touchdown = self._natural_touchdown(leg)
            touchdowns[side] = touchdown * (
                spec.asymmetry.touchdown_distance if side == "right" else 1.0
            )
            leg.heel_contact_x += touchdowns[side]
        self._build_hips()
        if pelvis_only:
            return
        for side, leg in self.legs.items():
            leg.swing = self._fit_swing(
                leg, self._own_pelvis(side, touchdowns[side], first_contact)
            )

    def _own_pelvis(self, side: str, touchdown: float, first_contact: float):
        """The pelvis this leg's swing is posed from: the one of a runner whose both legs
        move as this one does.

        A swing's knots are poses (thigh, knee, ankle angles) hung from the hips, and in
        late swing the hips ride on the *other* leg's stance. Posed from the real pelvis, a
        longer stance of the other leg, which holds the hips low for longer, would lower this
        foot too: at a 1.3x longer right contact the left foot came down to 3 cm above the
        ground 157 ms before its contact (46 ms when symmetric) and dipped 39 mm under it.
        Posed from its own symmetric runner, each foot's path over the ground is the one it
        has when both legs match, whatever the other leg does; only the knee (two-link
        inverse kinematics from the real hips) takes up the difference. A symmetric spec is
        its own reference, so nothing changes there. The reference bounces as near the
        spec's ``vertical_oscillation_m`` as its timing allows; and where the real hips ride
        so much higher that the leg cannot reach its reference path, the swing is posed
        from the real hips after all (:meth:`_fit_swing`), so every spec the generator took
        before it still takes.
        """
        spec = self.spec
        if spec.asymmetry.contact_time == 1.0 and spec.asymmetry.touchdown_distance == 1.0:
            return self.pelvis
        factor = spec.asymmetry.contact_time if side == "right" else 1.0
        own = replace(
            spec,
            duty_factor=spec.duty_factor * factor,
            touchdown_distance_m=touchdown,
            asymmetry=Asymmetry(),
        )
        return Model(own, first_contact, self.duration_s, pelvis_only=True).pelvis

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
            # pick how fast the foot spins off the toe so the knee is bending at toe-off (at
            # most 3x the heel rise's mean rate, where its pitch stops rising monotonically)
            leg.heel_rise_rate = 1.0
            r1 = knee_rate(side, "toe_off", leg.takeoff_speed)
            leg.heel_rise_rate = 2.0
            r2 = knee_rate(side, "toe_off", leg.takeoff_speed)
            c = 1.0 + (_KNEE_RATE_TOE_OFF - r1) / (r2 - r1) if r2 != r1 else 2.0
            leg.heel_rise_rate = float(np.clip(c, 1.0, 3.0))
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
        if self.pelvis_only:  # a reference runner: the nearest bounce its timing reaches
            target = float(np.clip(target, b_lo, b_hi))
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
