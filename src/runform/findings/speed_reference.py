"""What runform's own engine measures on 36 treadmill runners, by speed: the tables the
pace-dependent bands are moved by (:mod:`runform.findings.pace`).

Measured in 2-D (markers projected to a side view) by ``python bench/references.py`` on
Fukuchi et al. 2017 (PeerJ 5:e3298, CC BY 4.0; 27 runners at 2.5/3.5/4.5 m/s) and Hamner &
Delp 2013 (J Biomech 46:780-787, data via Fox 2024, R Soc Open Sci 11:231909; nine runners at
2-5 m/s); that script prints these tables as Python literals to paste here
(``docs/references.md``). Data only: the functions that read them are in
:mod:`runform.findings.pace`.
"""

from __future__ import annotations

#: Per-speed references (m/s, value) of what runform's engine measures in 2-D on 36
#: treadmill runners (the mean of a runner's two legs' medians, interpolated between the
#: runner's own trials): the median across runners at 3 m/s, and from there the median of
#: the runners' own changes (ratios for the drive, differences otherwise) from one speed to
#: the next, made monotone where physiology says so (drive, swing knee flexion and thigh
#: extension rise with speed, the heel-to-hip distance falls). Written by ``python
#: bench/references.py``. At 2.0 and 5.0 m/s nine and five runners (Hamner's) are measured;
#: 34-35 in between.
SPEED_REFERENCE: dict[str, tuple[tuple[float, float], ...]] = {
    "drive_peak_deg_s": (
        (2.0, 216.0),
        (2.5, 258.3),
        (3.0, 300.5),
        (3.5, 343.2),
        (4.0, 387.1),
        (4.5, 431.0),
        (5.0, 475.9),
    ),
    "drive_mean_deg_s": (
        (2.0, 89.1),
        (2.5, 118.5),
        (3.0, 148.6),
        (3.5, 178.5),
        (4.0, 208.7),
        (4.5, 239.8),
        (5.0, 271.0),
    ),
    "knee_flexion_swing_peak_deg": (
        (2.0, 83.7),
        (2.5, 92.6),
        (3.0, 99.7),
        (3.5, 106.8),
        (4.0, 112.0),
        (4.5, 116.9),
        (5.0, 121.5),
    ),
    "heel_recovery_ratio": (
        (2.0, 0.803),
        (2.5, 0.733),
        (3.0, 0.673),
        (3.5, 0.614),
        (4.0, 0.569),
        (4.5, 0.525),
        (5.0, 0.486),
    ),
    "thigh_extension_deg": (
        (2.0, 15.5),
        (2.5, 19.2),
        (3.0, 22.5),
        (3.5, 25.6),
        (4.0, 28.0),
        (4.5, 30.3),
        (5.0, 32.5),
    ),
    "touchdown_distance_pct": (
        (2.0, 18.3),
        (2.5, 21.2),
        (3.0, 24.1),
        (3.5, 26.9),
        (4.0, 29.4),
        (4.5, 31.7),
        (5.0, 33.7),
    ),
}
SPEED_SPREAD: dict[str, tuple[tuple[float, int, float, float, float, float], ...]] = {
    "drive_peak_deg_s": (
        (2.0, 9, 201.6, 218.7, 177.5, 243.8),
        (2.5, 34, 243.4, 273.8, 214.3, 323.3),
        (3.0, 34, 286.1, 311.6, 251.1, 362.7),
        (3.5, 35, 331.0, 357.0, 292.2, 402.1),
        (4.0, 34, 370.1, 397.9, 327.3, 456.4),
        (4.5, 35, 413.0, 445.5, 362.8, 515.9),
        (5.0, 5, 464.1, 483.8, 440.3, 487.5),
    ),
    "drive_mean_deg_s": (
        (2.0, 9, 83.2, 92.9, 82.5, 101.2),
        (2.5, 34, 111.8, 128.1, 100.2, 146.7),
        (3.0, 34, 140.6, 158.7, 128.5, 177.7),
        (3.5, 35, 169.4, 186.8, 156.7, 208.6),
        (4.0, 34, 197.6, 219.3, 185.7, 239.6),
        (4.5, 35, 226.6, 260.3, 210.0, 274.5),
        (5.0, 5, 258.9, 265.4, 256.5, 267.5),
    ),
    "knee_flexion_swing_peak_deg": (
        (2.0, 9, 79.6, 83.6, 76.3, 88.3),
        (2.5, 34, 86.0, 96.1, 73.1, 107.8),
        (3.0, 34, 92.7, 102.0, 81.1, 114.7),
        (3.5, 35, 101.4, 111.2, 87.2, 122.7),
        (4.0, 34, 106.2, 116.8, 89.8, 127.3),
        (4.5, 35, 109.6, 121.6, 92.0, 131.1),
        (5.0, 5, 118.7, 125.5, 103.8, 129.6),
    ),
    "heel_recovery_ratio": (
        (2.0, 9, 0.799, 0.814, 0.76, 0.852),
        (2.5, 34, 0.679, 0.768, 0.598, 0.864),
        (3.0, 34, 0.634, 0.716, 0.542, 0.801),
        (3.5, 35, 0.572, 0.64, 0.478, 0.753),
        (4.0, 34, 0.523, 0.605, 0.44, 0.732),
        (4.5, 35, 0.479, 0.572, 0.397, 0.715),
        (5.0, 5, 0.433, 0.538, 0.429, 0.575),
    ),
    "thigh_extension_deg": (
        (2.0, 9, 10.6, 14.7, 10.1, 17.7),
        (2.5, 34, 16.3, 20.9, 12.7, 25.0),
        (3.0, 34, 19.4, 23.7, 16.0, 28.2),
        (3.5, 35, 22.4, 26.7, 19.3, 31.3),
        (4.0, 34, 25.1, 28.9, 21.3, 34.2),
        (4.5, 35, 27.5, 31.1, 22.9, 37.1),
        (5.0, 5, 28.1, 31.9, 26.8, 33.1),
    ),
    "touchdown_distance_pct": (
        (2.0, 9, 15.4, 19.6, 11.9, 20.1),
        (2.5, 34, 19.4, 22.7, 14.2, 27.3),
        (3.0, 34, 22.2, 25.3, 17.0, 30.5),
        (3.5, 35, 25.0, 28.6, 19.5, 33.7),
        (4.0, 34, 27.1, 31.3, 21.9, 36.2),
        (4.5, 35, 30.1, 34.5, 24.1, 38.5),
        (5.0, 5, 28.0, 35.0, 26.1, 39.1),
    ),
}
SPEED_REFERENCE_SOURCE = (
    "Speed dependence measured in 2-D by runform on 36 treadmill runners at 2-5 m/s: "
    "Fukuchi et al. 2017 (PeerJ 5:e3298, CC BY 4.0; 27 runners) and Hamner & Delp 2013 "
    "(J Biomech 46:780-787, data via Fox 2024, R Soc Open Sci 11:231909; nine runners); "
    "median across runners at 3 m/s, carried to other speeds by the runners' own changes; "
    "thigh angular velocity rises linearly with speed (Clark 2020)"
)
