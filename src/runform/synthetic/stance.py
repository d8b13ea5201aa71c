"""The synthetic runner's foot in stance: its pitch, the heel's path, the settling after the
landing and the states at contact and toe-off (a mixin of
:class:`runform.synthetic.model.Model`, which gives it ``foot``, ``scale``, ``v``, ``l1`` and
``l2``).
"""

from __future__ import annotations

import numpy as np

from runform.synthetic.body import (
    _LANDING_ROLL_END,
    _SETTLE_S,
    _SETTLE_SINK_M,
    _SETTLE_SLIP_M,
    _hermite,
    _Leg,
    _leg_reach,
    _rotate,
    _rotate_rate,
)


class StanceBuilder:
    """The foot and leg in stance; :class:`~runform.synthetic.model.Model` provides the rest."""

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

    def _settle(self, s) -> tuple[np.ndarray, np.ndarray]:
        """The foot's settling after the landing at stance times ``s``: its displacement
        ``(n, 2)`` (forward slip, sink: the sink is above the plateau, falling to it) and its
        velocity ``(n, 2)``; both reach their final values with zero velocity at
        :data:`_SETTLE_S`."""
        s = np.atleast_1d(np.asarray(s, float))
        w = np.clip(s / _SETTLE_S, 0.0, 1.0)
        slip, sink = _SETTLE_SLIP_M * self.scale, _SETTLE_SINK_M * self.scale
        pos = np.stack([slip * (1.0 - (1.0 - w) ** 2), sink * (1.0 - w) ** 2], -1)
        rate = np.where(s < _SETTLE_S, 2.0 * (1.0 - w) / _SETTLE_S, 0.0)
        vel = np.stack([slip * rate, -sink * rate], -1)
        return pos, vel

    def _stance_heel(self, leg: _Leg, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Heel position (n, 2) and pitch (n,) at stance times ``s`` (from contact)."""
        u = s / leg.contact
        phi = self._stance_pitch(leg, u)
        heel_x = leg.heel_contact_x - self.v * s
        on_toe = (u >= leg.heel_rise_start) | ((leg.landing == "toe") & (u < _LANDING_ROLL_END))
        toe = np.stack([heel_x + self.foot.toe[0], np.zeros_like(s)], -1)
        heel_from_toe = self._from_ref("toe", "heel", toe, phi)
        heel = np.where(on_toe[:, None], heel_from_toe, np.stack([heel_x, np.zeros_like(s)], -1))
        return heel + self._settle(s)[0], phi

    def _stance_end_state(self, leg: _Leg, at_contact: bool):
        """(ref, position, velocity, pitch, pitch rate) of the pivot at contact / toe-off."""
        s = 0.0 if at_contact else leg.contact
        settle, settle_v = (a[0] for a in self._settle(s))
        if at_contact:
            ref = self._contact_ref(leg)
            x = leg.heel_contact_x + (self.foot.toe[0] if ref == "toe" else 0.0)
            dphi = -2.0 * leg.pitch_contact / (_LANDING_ROLL_END * leg.contact)
            pos, vel = np.array([x, 0.0]) + settle, np.array([-self.v, 0.0]) + settle_v
            return ref, pos, vel, leg.pitch_contact, dphi
        x = leg.heel_contact_x + self.foot.toe[0] - self.v * leg.contact
        dphi = leg.heel_rise_rate * leg.pitch_toe_off / ((1.0 - leg.heel_rise_start) * leg.contact)
        pos, vel = np.array([x, 0.0]) + settle, np.array([-self.v, 0.0]) + settle_v
        return "toe", pos, vel, leg.pitch_toe_off, dphi

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
