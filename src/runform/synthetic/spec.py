"""What a synthetic runner does (:class:`RunnerSpec`) and what a run gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from runform.gait.types import GaitEvent
from runform.track import PoseTrack

FootStrike = Literal["rearfoot", "midfoot", "forefoot"]
Facing = Literal["left", "right"]

GRAVITY = 9.81

#: Keypoint groups that may be left out with ``include`` (hips, knees, ankles are always there).
OPTIONAL_GROUPS: dict[str, tuple[str, ...]] = {
    "shoulders": ("shoulder",),
    "heels": ("heel",),
    "toes": ("foot_index",),
    "arms": ("elbow", "wrist"),
    "head": ("nose", "ear"),
}
DEFAULT_INCLUDE: tuple[str, ...] = tuple(OPTIONAL_GROUPS)


@dataclass(frozen=True)
class Asymmetry:
    """Right-side multipliers: the right side gets ``spec value x multiplier``, the left keeps
    the :class:`RunnerSpec` value.

    >>> Asymmetry(contact_time=1.05).contact_time
    1.05
    """

    touchdown_distance: float = 1.0
    contact_time: float = 1.0
    heel_recovery_height: float = 1.0


@dataclass(frozen=True)
class RunnerSpec:
    """What the synthetic runner does. Metres, seconds, degrees; defaults = a typical
    recreational runner at 3.2 m/s on a treadmill.

    Attributes
    ----------
    cadence_spm:
        Steps per minute (both feet).
    duty_factor:
        Contact time of one foot / stride time (so contact time = duty_factor x 120 / cadence);
        must stay below 0.5 (a flight phase).
    speed_mps:
        Belt speed: in stance the foot moves backward relative to the hips at this speed.
    touchdown_distance_m:
        Horizontal distance of the **ankle** ahead of its hip at contact; ``None`` = the natural
        landing point for the timing (0.205 m for the defaults), see the module notes.
    leg_length_m, thigh_fraction:
        Hip-to-ankle leg length (thigh + shank) and the thigh's share of it.
    knee_flexion_contact_deg, knee_flexion_toe_off_deg:
        Knee flexion at contact (exact) and at toe-off (exact unless the hip height it implies
        is further than 0.4 x vertical_oscillation_m from the contact height; then the hip is
        held at that limit and the knee follows). They set the hip heights at the events.
    trunk_lean_deg, trunk_m:
        Forward lean of the hip→shoulder line (positive = forward) and its length.
    vertical_oscillation_m:
        Peak-to-peak vertical motion of the hips over a step (it sets the stance knee flexion).
    heel_recovery_height_m:
        Height of the heel above the ground at the heel-recovery knot of swing (about its
        highest point); higher = more swing knee flexion, heel closer to the hips. A low
        one (a shuffle, under about 0.2 m) flexes the ankle up just enough for the toe to
        clear the ground; one too low for that (about 0.15 m) is refused.
    foot_strike:
        ``"rearfoot"``, ``"midfoot"`` or ``"forefoot"``.
    foot_angle_contact_deg:
        Foot pitch at contact (+ = toe up); ``None`` = 12 (rearfoot), 0 (midfoot), -8 (forefoot).
    foot_angle_toe_off_deg:
        How far the foot is pitched toe-down at toe-off.
    asymmetry:
        Right-side multipliers, see :class:`Asymmetry`.
    facing:
        Direction the runner faces in the image.
    treadmill:
        ``False`` = overground: the hips travel across the frame at ``speed_mps``.
    """

    cadence_spm: float = 170.0
    duty_factor: float = 0.36
    speed_mps: float = 3.2
    touchdown_distance_m: float | None = None
    leg_length_m: float = 0.90
    thigh_fraction: float = 0.5
    knee_flexion_contact_deg: float = 18.0
    knee_flexion_toe_off_deg: float = 14.0
    trunk_lean_deg: float = 6.0
    trunk_m: float = 0.52
    vertical_oscillation_m: float = 0.08
    heel_recovery_height_m: float = 0.52
    foot_strike: FootStrike = "rearfoot"
    foot_angle_contact_deg: float | None = None
    foot_angle_toe_off_deg: float = 55.0
    asymmetry: Asymmetry = field(default_factory=Asymmetry)
    facing: Facing = "right"
    treadmill: bool = True

    @property
    def thigh_m(self) -> float:
        return self.leg_length_m * self.thigh_fraction

    @property
    def shank_m(self) -> float:
        return self.leg_length_m * (1.0 - self.thigh_fraction)

    @property
    def stride_time_s(self) -> float:
        return 120.0 / self.cadence_spm

    def contact_time_s(self, side: str) -> float:
        scale = self.asymmetry.contact_time if side == "right" else 1.0
        return self.duty_factor * self.stride_time_s * scale


@dataclass
class SyntheticRun:
    """A generated run.

    Attributes
    ----------
    track:
        The (degraded) pose track, pixels, image convention (y down).
    events:
        True contacts and toe-offs inside the track, in time order (``frame`` is fractional:
        ``(time_s - track.time[0]) * fps``, or linear between given frame ``times``).
    truth:
        Known values measured on the noiseless geometry (see :func:`synthetic_runner`).
    clean_track:
        The same track before noise, swaps and dropouts.
    swaps:
        Half-open frame ranges ``(start, stop)`` where left/right labels were swapped.
    dropped:
        ``(T, K)`` mask of the points set to NaN by dropouts.
    spec:
        The :class:`RunnerSpec` used.
    """

    track: PoseTrack
    events: list[GaitEvent]
    truth: dict
    clean_track: PoseTrack
    swaps: list[tuple[int, int]]
    dropped: np.ndarray
    spec: RunnerSpec
