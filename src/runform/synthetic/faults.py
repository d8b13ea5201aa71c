"""Synthetic runners with one fault each, for checking that the findings find it and
nothing else (``tests/test_findings_synthetic.py``, ``bench/rate_dependence.py``).

Each spec changes one thing of the default runner (:class:`~runform.synthetic.RunnerSpec`)
far enough past its catalogue band that a finding is due; ``"clean"`` changes nothing.

>>> from runform.synthetic.faults import FAULTS
>>> sorted(FAULTS)[:3]
['asymmetry', 'asymmetry_far', 'clean']
"""

from __future__ import annotations

from runform.synthetic.spec import Asymmetry, RunnerSpec

FAULTS: dict[str, RunnerSpec] = {
    "clean": RunnerSpec(),
    "overstriding": RunnerSpec(touchdown_distance_m=0.38),
    # thigh 7° behind vertical at 3 m/s (the seven runners: 18.5–24.4°); at 2 m/s a short
    # extension is what runners do, and the band moves with the pace
    "limited_extension": RunnerSpec(speed_mps=3.0, duty_factor=0.36, touchdown_distance_m=0.28),
    "low_cadence": RunnerSpec(cadence_spm=150.0, vertical_oscillation_m=0.11),
    "asymmetry": RunnerSpec(
        asymmetry=Asymmetry(touchdown_distance=1.85), vertical_oscillation_m=0.10
    ),
    "trunk_lean_forward": RunnerSpec(trunk_lean_deg=19.0),
    "trunk_lean_backward": RunnerSpec(trunk_lean_deg=-4.0),
    "high_vertical_oscillation": RunnerSpec(vertical_oscillation_m=0.14),
    # a shuffle: the heel 0.17 m up in swing, the ankle flexed up so the toe clears the ground
    "heel_recovery_low": RunnerSpec(heel_recovery_height_m=0.17),
    # the overstriding leg is the far one (the runner faces left: the left leg is near)
    "asymmetry_far": RunnerSpec(
        asymmetry=Asymmetry(touchdown_distance=1.85), vertical_oscillation_m=0.10, facing="left"
    ),
}
