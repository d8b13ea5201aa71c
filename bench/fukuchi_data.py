"""Fukuchi et al. 2017 runners for the mocap harness (:mod:`mocap`).

Data: Fukuchi RK, Fukuchi CA, Duarte M (2017) "A public dataset of running biomechanics and
the effects of running speed on lower extremity kinematics and kinetics", PeerJ 5:e3298,
CC BY 4.0; RBDS0041 from ``regifukuchi/BMC-RIC-running-biomechanics``, RBDS002 as
redistributed in ``tiagosnog/Projeto-de-pesquisa-EBM``. Read from ``../shared/data``.

File facts (checked from the data; see also ``bench/fukuchi.py``): tab-separated text,
markers in mm at 150 Hz (time = row / 150 Hz), treadmill force at 300 Hz whose ``Time``
column is a sample number (time = (n - 1) / 300 Hz), one plate for both feet. The running
trials of RBDS002 carry technical markers only: the anatomical points come from the static
trial through the rigid clusters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import fukuchi
from mocap import (
    TOE_FRACTION,
    MarkerSet,
    PointSpec,
    Trial,
    build_keypoints,
    events_from_stances,
    finish_trial,
    lower_foot,
)

MARKERS = MarkerSet(
    side_prefix={"left": "L.", "right": "R."},
    pelvis=("R.ASIS", "L.ASIS", "R.PSIS", "L.PSIS", "R.Iliac.Crest", "L.Iliac.Crest"),
    pelvis_front=("R.ASIS", "L.ASIS"),
    pelvis_back=("R.PSIS", "L.PSIS"),
    clusters={seg: tuple("{S}" + m for m in names) for seg, names in fukuchi.CLUSTERS.items()},
    keypoints={
        "hip": PointSpec("{S}GTR", ("thigh", "pelvis")),
        "knee": PointSpec("{S}Knee", ("thigh", "shank")),
        "ankle": PointSpec("{S}Ankle", ("shank",)),
        "heel": PointSpec("{S}Heel.Bottom", ("foot",), sole=True),
        # the toes bend at the ball: the shoe's tip is built from the ball and a rigid tip
        "ball": PointSpec(
            "{S}MT2", ("foot",), sole=True, ball=("{S}Heel.Bottom", "{S}MT2", "{S}MT5")
        ),
        "toe_rigid": PointSpec(
            "{S}MT2",
            ("foot",),
            sole=True,
            ball=("{S}Heel.Bottom", "{S}MT2", "{S}MT5"),
            fraction=TOE_FRACTION,
        ),
    },
    feet=("{S}Heel.Bottom", "{S}MT1"),
)

ATTRIBUTION = "Fukuchi RK, Fukuchi CA, Duarte M (2017) PeerJ 5:e3298, CC BY 4.0 (subject {runner})"
THRESHOLD_N = 20.0


@dataclass(frozen=True)
class FukuchiSpec:
    runner: str
    speed_label: float
    folder: Path
    markers: str
    static: str
    forces: str | None

    def build(self) -> Trial:
        time, running = fukuchi.load_markers(self.folder / self.markers)
        _, static = fukuchi.load_markers(self.folder / self.static)
        running = {k: v.copy() for k, v in running.items() if not np.isnan(v).all()}
        points, checks = build_keypoints(running, static, MARKERS)
        events: list[dict] = []
        method = "no force plate in this trial"
        force_t = total = None
        if self.forces:
            force_t, cols = fukuchi.load_forces(self.folder / self.forces)
            total = cols["Fy"]
            stances = fukuchi.stance_intervals(force_t, total, THRESHOLD_N)
            # one plate for both feet: the stance is the lower foot's (skipped if unseen)
            sides = [(lower_foot(time, points, 0.5 * (a + b)), a, b) for a, b in stances]
            stance_sides = [(s, a, b) for s, a, b in sides if s is not None]
            events = events_from_stances(stance_sides)
            method = (
                "summed vertical force Fy (one plate), 50 Hz zero-lag low-pass, flight "
                f"baseline subtracted, threshold {THRESHOLD_N:.0f} N above it, linear "
                "interpolation; side = lower foot at mid-stance"
            )
            checks["threshold_n"] = THRESHOLD_N
        trial = Trial(
            runner=self.runner,
            dataset="fukuchi",
            speed_label=self.speed_label,
            time=time,
            points=points,
            events=events,
            truth_method=method,
            attribution=ATTRIBUTION.format(runner=self.runner),
            checks=checks,
        )
        return finish_trial(trial, force_t, total)


def trials(data_dir: Path, with_forces: bool = True) -> Iterator[FukuchiSpec]:
    """The Fukuchi trials present under ``data_dir``."""
    d41 = data_dir / "fukuchi_rbds0041"
    if (d41 / "RBDS0041runT252forces.txt").is_file():
        yield FukuchiSpec(
            "RBDS0041",
            2.5,
            d41,
            "RBDS0041runT252.txt",
            "RBDS0041static.txt",
            "RBDS0041runT252forces.txt",
        )
        if not with_forces:
            for speed, name in ((3.5, "RBDS0041runT352.txt"), (4.5, "RBDS0041runT452.txt")):
                if (d41 / name).is_file():
                    yield FukuchiSpec("RBDS0041", speed, d41, name, "RBDS0041static.txt", None)
    d2 = data_dir / "fukuchi_rbds002"
    for speed, tag in ((2.5, "25"), (4.5, "45")):
        forces = d2 / f"RBDS002runT{tag}forces.txt"
        if forces.is_file():
            yield FukuchiSpec(
                "RBDS002",
                speed,
                d2,
                f"RBDS002runT{tag}markers.txt",
                "RBDS002static.txt",
                forces.name,
            )
