"""Fukuchi et al. 2017 runners for the mocap harness (:mod:`mocap`).

Data: Fukuchi RK, Fukuchi CA, Duarte M (2017) "A public dataset of running biomechanics and
the effects of running speed on lower extremity kinematics and kinetics", PeerJ 5:e3298,
CC BY 4.0; RBDS0041 from ``regifukuchi/BMC-RIC-running-biomechanics``, RBDS002 as
redistributed in ``tiagosnog/Projeto-de-pesquisa-EBM``. Read from ``../shared/data``.

File facts (checked from the data; see also ``bench/fukuchi_files.py``): tab-separated text,
markers in mm at 150 Hz (time = row / 150 Hz), treadmill force at 300 Hz whose ``Time``
column is a sample number (time = (n - 1) / 300 Hz), one plate for both feet. The running
trials of RBDS002 carry technical markers only: the anatomical points come from the static
trial through the rigid clusters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

import fukuchi_files
import joint_angles_3d
from force_truth import events_from_stances, lower_foot
from mocap import Trial, finish_trial
from mocap_keypoints import TOE_FRACTION, MarkerSet, PointSpec, carry_keypoints, prepare_markers

MARKERS = MarkerSet(
    side_prefix={"left": "L.", "right": "R."},
    pelvis=("R.ASIS", "L.ASIS", "R.PSIS", "L.PSIS", "R.Iliac.Crest", "L.Iliac.Crest"),
    pelvis_front=("R.ASIS", "L.ASIS"),
    pelvis_back=("R.PSIS", "L.PSIS"),
    clusters={
        seg: tuple("{S}" + m for m in names) for seg, names in fukuchi_files.CLUSTERS.items()
    },
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

#: The same markers with the hip keypoint a joint centre, as Hamner's harness has it
#: (:func:`hip_joint_centres`, carried by the pelvis), in place of the greater trochanter
#: (``bench/hip_point.py``: does the hip point explain the data sets' toe-off gap?).
MARKERS_HIP_JOINT_CENTRE = replace(
    MARKERS, keypoints={**MARKERS.keypoints, "hip": PointSpec("{S}HJC", ("pelvis",))}
)


def hip_joint_centres(static: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Hip joint centres ``{"R.HJC": (T, 3), "L.HJC": (T, 3)}`` of a static trial (metres),
    from its pelvis markers by Harrington et al. 2007's regression
    (:func:`joint_angles_3d.hip_joint_centres`). Every frame gets the mean pose's centre."""
    right, left = joint_angles_3d.hip_joint_centres(
        static, ("R.ASIS", "L.ASIS"), ("R.PSIS", "L.PSIS")
    )
    n = len(static["R.ASIS"])
    return {"R.HJC": np.tile(right, (n, 1)), "L.HJC": np.tile(left, (n, 1))}


#: The anatomical landmarks of the 3-D angles (:mod:`joint_angles_3d`).
ANATOMY = joint_angles_3d.Anatomy(
    asis="{S}ASIS",
    psis="{S}PSIS",
    knee_lateral="{S}Knee",
    knee_medial="{S}Knee.Medial",
    ankle_lateral="{S}Ankle",
    ankle_medial="{S}Ankle.Medial",
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

    def build(self, hip: str = "trochanter") -> Trial:
        """The trial; ``hip="joint centre"`` builds the hip keypoint as Hamner's harness
        does (:data:`MARKERS_HIP_JOINT_CENTRE`) instead of at the greater trochanter."""
        if hip not in ("trochanter", "joint centre"):
            raise ValueError(f"hip must be 'trochanter' or 'joint centre', not {hip!r}")
        time, running = fukuchi_files.load_markers(self.folder / self.markers)
        _, static = fukuchi_files.load_markers(self.folder / self.static)
        running = {k: v.copy() for k, v in running.items() if not np.isnan(v).all()}
        markers = MARKERS
        if hip == "joint centre":
            static = {**static, **hip_joint_centres(static)}
            markers = MARKERS_HIP_JOINT_CENTRE
        prepared = prepare_markers(running, static, markers)
        points, checks = carry_keypoints(prepared, markers)
        angles_3d = joint_angles_3d.marker_angles(running, static, MARKERS, ANATOMY, prepared)
        events: list[dict] = []
        method = "no force plate in this trial"
        force_t = total = None
        if self.forces:
            force_t, cols = fukuchi_files.load_forces(self.folder / self.forces)
            total = cols["Fy"]
            stances = fukuchi_files.stance_intervals(force_t, total, THRESHOLD_N)
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
            extra={"angles_3d": angles_3d},
        )
        return finish_trial(trial, force_t, total)


#: The folders this project was built with, first and in this order (the committed tables'
#: order); any other ``fukuchi_*`` folder follows, by name.
FIRST_FOLDERS = ("fukuchi_rbds0041", "fukuchi_rbds002")


def running_files(folder: Path, runner: str) -> list[tuple[float, str, str | None]]:
    """``(speed m/s, markers file, forces file or None)`` of one runner's running trials,
    by speed. Fukuchi et al. name them ``<runner>runT<tag>.txt`` (or ``...markers.txt``)
    and ``<runner>runT<tag>forces.txt``, the tag's first two digits the speed in tenths of
    m/s (``25``, ``35``, ``45``; ``252``: a second take at 2.5 m/s). A trial with no text
    export is read from its original ``<runner>runT<tag>.c3d``, which holds both the
    markers and the force (:mod:`c3d_files`)."""
    found: dict[str, tuple[float, str, str | None]] = {}
    prefix = f"{runner}runT"
    for path in folder.glob(f"{prefix}*.txt"):
        rest = path.name.removeprefix(prefix).removesuffix(".txt")
        tag = rest.removesuffix("markers")
        if not tag.isdigit() or len(tag) < 2 or rest.endswith("forces"):
            continue
        forces = folder / f"{prefix}{tag}forces.txt"
        found[tag] = (int(tag[:2]) / 10.0, path.name, forces.name if forces.is_file() else None)
    for path in folder.glob(f"{prefix}*.c3d"):
        tag = path.name.removeprefix(prefix).removesuffix(".c3d")
        if tag.isdigit() and len(tag) >= 2 and tag not in found:
            found[tag] = (int(tag[:2]) / 10.0, path.name, path.name)
    return sorted(found.values())


def trials(data_dir: Path, with_forces: bool = True) -> Iterator[FukuchiSpec]:
    """The Fukuchi trials present under ``data_dir``: in every ``fukuchi_*`` folder, every
    runner with a ``<runner>static.txt`` (or ``.c3d``) and its running trials with a force
    file (``with_forces=False`` adds those with markers only). Not only the two runners the
    project has: a runner added to the data is benchmarked without a code change."""
    folders = [f for f in data_dir.glob("fukuchi_*") if f.is_dir()]
    order = {name: i for i, name in enumerate(FIRST_FOLDERS)}
    for folder in sorted(folders, key=lambda f: (order.get(f.name, len(order)), f.name)):
        statics: dict[str, Path] = {}
        for static in sorted(folder.glob("*static.c3d")) + sorted(folder.glob("*static.txt")):
            statics[static.name.removesuffix(static.suffix).removesuffix("static")] = static
        for runner, static in sorted(statics.items()):
            for speed, markers, forces in running_files(folder, runner):
                if forces is None and with_forces:
                    continue
                yield FukuchiSpec(runner, speed, folder, markers, static.name, forces)
