"""Synthetic runner: a side-view pose track with known gait events and known metric values.

:func:`synthetic_runner` builds a physically consistent sagittal-plane runner from a
:class:`RunnerSpec` and returns a :class:`SyntheticRun`: the pose track (pixels, image
convention), the true contacts and toe-offs, and a ``truth`` dict of metric values measured
on the noiseless geometry. Tests of the event detector, metrics, findings and report use it
as an independent source of answers.

The model (runner frame: ``x`` forward along the direction of travel, ``z`` up, metres,
ground at ``z = 0``, ``x = 0`` at the hips on a treadmill):

- **Timing.** Step time ``60 / cadence``; stride time ``T = 120 / cadence``; contact time of a
  foot ``duty_factor * T`` (times ``asymmetry.contact_time`` on the right); the right foot
  lands exactly half a stride after the left.
- **Stance is exactly [contact, toe-off].** The foot is a rigid heel–ankle–toe triangle whose
  lowest point is on the ground (``z = 0``) and which moves backward relative to the hips at
  ``speed_mps`` (the belt). A rearfoot strike lands on the heel with the toe up, rolls flat,
  then pivots on the toe (heel rise) until toe-off; a forefoot strike lands on the toe and
  lowers the heel; a midfoot strike lands flat. For the first 30 ms the foot settles as a
  real one does: it lands 4 mm above its plateau (shoe and heel pad still to compress) and
  still sliding forward over the belt at 1.6 m/s, and comes to rest 24 mm further on, both
  slowing smoothly to nothing (real heels slow under 5 % of their late-swing speed 17-25 ms
  after the force plate's 20 N; without the settling, the engine calibrated on them timed
  this runner 10 ms early).
- **Swing** is a C1 piecewise cubic Hermite path of the foot (position of a reference point and
  foot pitch) through anatomically placed knots: toe lift-off, heel recovery (set by
  ``heel_recovery_height_m``), peak knee lift, swing-leg retraction, impact (the striking point
  still falling at 1 m/s 6 ms before contact, then slowing to the settling's speeds) and
  contact. Near toe-off and
  contact the spline is written for the toe / striking point itself, which keeps the whole
  foot strictly above the ground and the velocity continuous through every event.
- **Hips.** The hip height at contact follows from the ankle position and
  ``knee_flexion_contact_deg``, at toe-off from ``knee_flexion_toe_off_deg`` (kept within 40 % of
  the bounce of the contact height). Flight is ballistic (gravity only). In stance the hips ride
  on the leg: the knee flexion runs smoothly from its contact value to a peak and back to its
  toe-off value, with end rates that keep the hips' vertical velocity continuous, and the peak
  is solved so that the hips move ``vertical_oscillation_m`` peak to peak over a step. So the
  leg can never over-stretch in stance, and stance knee flexion follows from the bounce.
- **Knees** come from two-link inverse kinematics (hip, ankle, thigh and shank lengths), on
  the side of the hip–ankle line toward the direction of travel.
- **Touchdown.** ``touchdown_distance_m=None`` picks the landing point that suits the timing:
  the ankle sweeps back ``speed x contact time`` minus the foot's roll during stance, and the
  landing point is set so that the hips are slightly (0.2 x the bounce) lower at toe-off than at
  contact. Setting it explicitly models over- or under-striding; since the sweep is fixed by the
  timing, landing further ahead also means leaving the ground less far behind.
- **Trunk, head, arms**: trunk leaning forward by ``trunk_lean_deg`` (±1° wobble at step
  frequency), head above it, arms swinging opposite to the legs.

Every point is an analytic function of time, evaluated exactly at the frame times (frames
start at ``t = 0``; the gait phase is random, so events fall between frames). ``truth`` is
measured from the same functions on a fine grid (~0.2 ms), at the exact event times, with the
definitions of :mod:`runform.metrics.catalog`; timing values are exact by construction.
Degradations (noise, dropouts, left/right swaps) are applied afterwards and are seeded.

Examples
--------
>>> run = synthetic_runner(RunnerSpec(cadence_spm=180), fps=60, duration_s=4)
>>> round(run.truth["cadence_spm"], 6)
180.0
>>> [e.side for e in run.events if e.kind == "contact"][:4] in (
...     ["left", "right", "left", "right"], ["right", "left", "right", "left"])
True
"""

from __future__ import annotations

from runform.synthetic.generate import occlude_far_leg, synthetic_runner
from runform.synthetic.spec import (
    DEFAULT_INCLUDE,
    GRAVITY,
    OPTIONAL_GROUPS,
    Asymmetry,
    Facing,
    FootStrike,
    RunnerSpec,
    SyntheticRun,
)

__all__ = [
    "DEFAULT_INCLUDE",
    "GRAVITY",
    "OPTIONAL_GROUPS",
    "Asymmetry",
    "Facing",
    "FootStrike",
    "RunnerSpec",
    "SyntheticRun",
    "occlude_far_leg",
    "synthetic_runner",
]
