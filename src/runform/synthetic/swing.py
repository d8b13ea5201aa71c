"""The synthetic runner's swing: C1 Hermite segments from toe-off to the next contact,
knee bent further where the leg would overreach (a mixin of
:class:`runform.synthetic.model.Model`, which gives it the stance, the hips and the foot).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.optimize import brentq

from runform.errors import OptionError
from runform.synthetic.body import (
    _IMPACT_S,
    _IMPACT_SPEED,
    _LIFT_ANKLE_DEG,
    _LIFT_KNEE_DEG,
    _LIFT_THIGH_DEG,
    _LIFT_U,
    _MAX_RECOVERY_ANKLE_DEG,
    _MIN_CLEARANCE_M,
    _MIN_KNEE_DEG,
    _REACH_ANKLE_DEG,
    _REACH_EXTRA_THIGH_DEG,
    _REACH_KNEE_DEG,
    _REACH_U,
    _RECOVERY_ANKLE_DEG,
    _RECOVERY_THIGH_DEG,
    _RECOVERY_U,
    _RETRACT_KNEE_DEG,
    _RETRACT_THIGH_DEG,
    _RETRACT_U,
    _knee_ik,
    _Leg,
    _leg_reach,
    _pchip_slope,
    _Segments,
    angle_from_vertical,
)


class SwingBuilder:
    """Builds each leg's swing; :class:`~runform.synthetic.model.Model` provides the rest
    (``l1``, ``l2``, ``scale``, ``foot``, the stance states, ``pelvis``, ``foot_points``)."""

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

    def _fit_swing(self, leg: _Leg, own_pelvis: Callable) -> _Segments:
        """Build the swing, bending the knee more before contact if the leg would overreach.

        The knots are posed from ``own_pelvis`` (:meth:`Model._own_pelvis`) first; where the
        real hips ride so much higher that the leg cannot reach that path, from the real
        hips."""
        limit = _leg_reach(self.l1, self.l2, _MIN_KNEE_DEG)
        s = np.linspace(leg.contact, leg.stride, 600)
        hip_z = self.pelvis(leg.first_contact + s)[:, 1]  # the real hips the leg hangs from
        farthest = []
        for pelvis in dict.fromkeys((own_pelvis, self.pelvis)):  # once when they are one
            for extra in np.arange(0.0, 31.0, 3.0):
                leg.swing = self._build_swing(leg, pelvis, float(extra))
                ankle = self.foot_points(leg, leg.first_contact + s)["ankle"]
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

    def _build_swing(
        self, leg: _Leg, pelvis: Callable, retract_knee_extra: float = 0.0
    ) -> _Segments:
        """Swing of one foot: C1 cubic Hermite segments through seven knots.

        Knots: toe-off, lift (thigh, knee, ankle angles relative to toe-off), heel recovery
        (knee solved for the heel height), reach (thigh ahead of its contact angle), retraction
        (relative to contact; the thigh flexes further if the foot would be too low), impact
        and contact, each pose hung from the hips of ``pelvis`` (a function of time).
        ``retract_knee_extra`` bends the knee more at retraction. Slopes at the
        inner knots are Fritsch–Butland estimates; the first segment is written for the toe
        and the last two for the striking point, with vertical speeds capped so that neither
        can dip below the ground.
        """
        T, tc = leg.stride, leg.contact
        times = tc + (T - tc) * np.array([0.0, _LIFT_U, _RECOVERY_U, _REACH_U, _RETRACT_U, 1.0])
        times[-1] = T

        def hip_at(s: float) -> np.ndarray:
            return np.array([0.0, pelvis(np.array([leg.first_contact + s]))[0, 1]])

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

        def point_height(knee_deg: float, ankle_deg: float, part: str) -> float:
            ankle, phi = self._leg_pose_ankle(hip2, _RECOVERY_THIGH_DEG, knee_deg, ankle_deg)
            return float(self._from_ref("ankle", part, ankle, phi)[1])

        def knee_for_heel(ankle_deg: float) -> float:
            def heel_miss(knee_deg: float) -> float:
                return point_height(knee_deg, ankle_deg, "heel") - target

            lo, hi = 30.0, 165.0
            if heel_miss(lo) * heel_miss(hi) > 0:
                raise OptionError(
                    f"heel_recovery_height_m={target:.2f} cannot be reached with this leg: use "
                    f"a value between {heel_miss(lo) + target:.2f} and "
                    f"{heel_miss(hi) + target:.2f} m."
                )
            return brentq(heel_miss, lo, hi, xtol=1e-10)

        # a low heel recovery (a shuffle) keeps the toe off the ground by flexing the ankle
        # up: the foot hangs plantarflexed only as far as the toe clears the ground
        ankle_deg2 = _RECOVERY_ANKLE_DEG
        knee2 = knee_for_heel(ankle_deg2)
        for _ in range(20):
            if point_height(knee2, ankle_deg2, "toe") >= clearance - 1e-6:
                break
            if point_height(knee2, _MAX_RECOVERY_ANKLE_DEG, "toe") < clearance:
                raise OptionError(
                    f"heel_recovery_height_m={target:.2f} is too low for this leg: its toe "
                    "cannot clear the ground in swing; use a higher value."
                )
            ankle_deg2 = brentq(
                lambda a, k=knee2: point_height(k, a, "toe") - clearance,
                ankle_deg2,
                _MAX_RECOVERY_ANKLE_DEG,
                xtol=1e-10,
            )
            knee2 = knee_for_heel(ankle_deg2)
        ankle2, phi2 = self._leg_pose_ankle(hip2, _RECOVERY_THIGH_DEG, knee2, ankle_deg2)
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

        # impact: a few ms before contact the striking point still falls at the impact speed,
        # moving forward as it will slide on landing; it then slows to its speed at contact,
        # where the settling on the ground takes over (a C1 stand-in for the real impact)
        tau_i = min(_IMPACT_S, 0.05 * (T - tc))
        vel_i = np.array([vel5[0], -_IMPACT_SPEED])
        pos_i = pos5 - 0.5 * tau_i * (vel_i + vel5)
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
