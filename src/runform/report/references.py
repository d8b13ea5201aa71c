"""The works the report's bands, findings and methods rest on (shown under "References").

Each entry is ``(key, citation, what the report uses it for)``. Keys are the short citations
used in the catalogue bands and the finding texts; citations follow
``shared/docs/biomechanics.md``.
"""

from __future__ import annotations

REFERENCES: tuple[tuple[str, str, str], ...] = (
    (
        "Clark 2020",
        "Clark et al. 2020, Biology Open 9:bio053546",
        "thigh angular velocity rises linearly with speed (3.1–10 m/s)",
    ),
    (
        "Dorn 2012",
        "Dorn, Schache & Pandy 2012, J Exp Biol 215:1944",
        "hip work grows with speed and dominates sprinting",
    ),
    (
        "Evans 2023",
        "Evans et al. 2023, Front Sports Act Living, doi:10.3389/fspor.2023.1268292",
        "shank angle at contact (recreational 6.8°, collegiate 2.1°)",
    ),
    (
        "Fukuchi 2017",
        "Fukuchi, Fukuchi & Duarte 2017, PeerJ 5:e3298 (data CC BY 4.0)",
        "cadence by speed; 27 of the 36 treadmill runners whose 2-D angles, measured by "
        "runform, set the bands and their change with speed",
    ),
    (
        "Hamner 2013",
        "Hamner & Delp 2013, J Biomech 46:780 (data via Fox et al. 2024, R Soc Open Sci 11:231909)",
        "nine of the 36 treadmill runners (2–5 m/s) behind the speed-adjusted bands; "
        "foot-contact timing checked against each foot's force",
    ),
    (
        "Heiderscheit 2011",
        "Heiderscheit et al. 2011, Med Sci Sports Exerc 43:296",
        "knee flexion bands; +5–10 % step rate lowers braking, bounce and knee load",
    ),
    (
        "Lieberman 2015",
        "Lieberman et al. 2015, J Exp Biol 218:3406",
        "cadence ≈ 170 at 3 m/s; more strides land the foot closer to the hip",
    ),
    (
        "Malisoux 2023",
        "Malisoux et al. 2023, Orthop J Sports Med",
        "860 recreational runners: cadence, contact time, vertical oscillation",
    ),
    (
        "Moore 2016",
        "Moore 2016, Sports Med (review of running economy)",
        "more extension at toe-off is not more economical; vertical oscillation and economy",
    ),
    ("Novacheck 1998", "Novacheck 1998, Gait Posture 7:77", "hip flexion at contact (approx.)"),
    (
        "Robinson 1987",
        "Robinson et al. 1987, symmetry index",
        "100·|L−R|/mean; ~10 % is a screening threshold, not a cut-off",
    ),
    (
        "Schache 2000",
        "Schache et al. 2000, Br J Sports Med 34:279",
        "pelvic tilt differs ~20° between runners and moves with hip extension",
    ),
    (
        "Schache 2013",
        "Schache et al. 2013, Eur J Appl Physiol 113:2813",
        "hamstrings quiet in early–mid swing, active in late swing",
    ),
    (
        "Schache 2015",
        "Schache et al. 2015, J Exp Biol 218:2472",
        "at 2 m/s the hip supplies ~5.5 % of stance positive work",
    ),
    (
        "Souza 2016",
        "Souza 2016, Phys Med Rehabil Clin N Am",
        "video running analysis: landing is a sliding scale; knee flexion and hip extension",
    ),
    (
        "Teng & Powers 2015",
        "Teng & Powers 2015, Med Sci Sports Exerc 47:625",
        "trunk lean bands (upright 3.6 ± 2.8°, leaning 10.8 ± 2.2°)",
    ),
    (
        "Van Hooren 2023",
        "Van Hooren et al. 2023, Scand J Med Sci Sports 33:966",
        "accuracy of 2-D video angles against motion capture (≈ 5–8°)",
    ),
    (
        "Van Hooren 2024",
        "Van Hooren et al. 2024, Sports Med (meta-analysis)",
        "contact time is unrelated to economy (r = −0.02): reported, not graded",
    ),
    (
        "Wille 2014",
        "Wille et al. 2014, J Orthop Sports Phys Ther 44:825",
        "touchdown distance predicts braking impulse and knee load",
    ),
    (
        "Young 2023",
        "Young et al. 2023, Sensors 23:696",
        "phone video event timing 10–14 ms on the near foot; the far foot is worse",
    ),
)
