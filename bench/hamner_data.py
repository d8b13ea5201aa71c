"""Hamner & Delp 2013 runners for the mocap harness (:mod:`mocap`).

Data: Hamner SR, Delp SL (2013) "Muscle contributions to fore-aft and vertical body mass
center accelerations over a range of running speeds", J Biomech 46(4):780-787; the SimTK
project ``nmbl_running`` as processed and redistributed in ``aaronsfox/zmp-opensim``
(Fox 2024, R Soc Open Sci 11:231909). No licence is stated: used for validation only,
never committed; cite both papers with any figure.

File facts (checked from the data): OpenSim TRC markers in mm at 100 Hz (120 Hz for
subject02) with ``Y`` up; the header's frame count is not always the number of rows (the
reader counts rows). Running trials carry clusters only (pelvis ``ASI``/``PSI``, thigh
``TH1-3``, shank ``TB1-3``, foot ``CAL``, ``TOE``, ``MT5``); joint centres (``HJC``,
``KJC``, ``AJC``) come from ``model/static.trc``. The ground reaction force of **each foot**
(``R_ground_force_vy``...) is at 960-2000 Hz, already low-pass filtered (by its spectrum a
2nd-order zero-lag Butterworth at 18 Hz, :mod:`hamner_filter`: the events are corrected
for the filter's spread) and set to zero below a floor that differs between trials (0, ~10,
29-79 N): the contact threshold is 20 N, and where the floor is higher the events are read
just above it and carried to where the force would have crossed 20 N (:func:`floor_shift`,
measured on the trials at the same speed whose force goes down to 10 N or less).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np

import joint_angles_3d
from force_truth import above_intervals, events_from_stances, force_floor, lower_foot
from hamner_filter import HAMNER_FILTER
from harness_checks import belt_speed
from mocap import Trial, finish_trial
from mocap_keypoints import TOE_FRACTION, MarkerSet, PointSpec, carry_keypoints, prepare_markers

MARKERS = MarkerSet(
    side_prefix={"left": "L", "right": "R"},
    pelvis=("RASI", "LASI", "RPSI", "LPSI"),
    pelvis_front=("RASI", "LASI"),
    pelvis_back=("RPSI", "LPSI"),
    clusters={
        "thigh": ("{S}TH1", "{S}TH2", "{S}TH3"),
        "shank": ("{S}TB1", "{S}TB2", "{S}TB3"),
        "foot": ("{S}CAL", "{S}TOE", "{S}MT5"),
    },
    keypoints={
        "hip": PointSpec("{S}HJC", ("pelvis", "thigh")),
        "knee": PointSpec("{S}LFC", ("thigh", "shank")),
        "ankle": PointSpec("{S}LMAL", ("shank", "foot")),
        "heel": PointSpec("{S}CAL", ("foot",), sole=True),
        # the toes bend at the ball: the shoe's tip is built from the ball and a rigid tip
        "ball": PointSpec("{S}TOE", ("foot",), sole=True, ball=("{S}CAL", "{S}TOE", "{S}MT5")),
        "toe_rigid": PointSpec(
            "{S}TOE",
            ("foot",),
            sole=True,
            ball=("{S}CAL", "{S}TOE", "{S}MT5"),
            fraction=TOE_FRACTION,
        ),
        "shoulder": PointSpec("{S}ACR", measured=True),
    },
    feet=("{S}CAL", "{S}TOE"),
)

#: The anatomical landmarks of the 3-D angles (:mod:`joint_angles_3d`).
ANATOMY = joint_angles_3d.Anatomy(
    asis="{S}ASI",
    psis="{S}PSI",
    knee_lateral="{S}LFC",
    knee_medial="{S}MFC",
    ankle_lateral="{S}LMAL",
    ankle_medial="{S}MMAL",
)

ATTRIBUTION = (
    "Hamner SR & Delp SL (2013) J Biomech 46:780-787; data via Fox 2024, R Soc Open Sci "
    "11:231909 (subject {subject})"
)

#: Contact threshold (N) on each foot's vertical force. Where a trial's zero floor is
#: higher, the events are read 1 N above the floor and moved by :func:`floor_shift`.
THRESHOLD_N = 20.0


@lru_cache(maxsize=1)
def _full_forces(data_dir: Path) -> tuple[tuple[str, float, np.ndarray, dict, float], ...]:
    """``(runner, speed label, time, {side: force}, body weight N)`` of every trial whose
    force was kept down to :data:`THRESHOLD_N` (its zero floor is below it)."""
    out = []
    for spec in trials(data_dir):
        t, per_foot = _read_grf(spec.folder / "expData" / f"Run_{spec.run}_grf.mot")
        if max(force_floor(f) for f in per_foot.values()) < THRESHOLD_N:
            weight = float(np.mean(per_foot["right"] + per_foot["left"]))
            out.append((spec.runner, float(spec.speed_label), t, per_foot, weight))
    return tuple(out)


@lru_cache(maxsize=32)
def floor_shift(
    data_dir: Path, level_n: float, weight_n: float, speed: float, exclude: str = ""
) -> tuple[float, float, int]:
    """Where a force read at ``level_n`` would have crossed :data:`THRESHOLD_N`.

    Some trials' forces were set to zero below 29-76 N, so their events can only be read
    just above that floor: contacts late and toe-offs early by up to 12 and 29 ms (a
    threshold must be one definition for every trial, or the truth itself differs between
    runners). The time from the 20 N crossing to the ``level_n`` crossing is measured on
    every stance of the trials at the same ``speed`` label whose force goes down to 20 N
    (of any speed when there are none; never the runner ``exclude``), the levels scaled by
    the body weights (a heavier runner's force rises proportionally faster), and its median
    is returned. :func:`floor_shift_check` measures how well this recovers real crossings.

    Returns ``(contact_s, toe_off_s, stances)``: the shift to *add* to each event read at
    ``level_n`` (contact negative, toe-off positive) and how many stances measured it.
    """
    full = [f for f in _full_forces(data_dir) if f[0] != exclude]
    same = [f for f in full if f[1] == speed] or full
    dc, dt = [], []
    for _, _, t, per_foot, weight in same:
        scale = weight / weight_n
        for f in per_foot.values():
            later, earlier = _crossing_delays(
                t, f, THRESHOLD_N * scale, f, level_n * scale, 0.5 * weight
            )
            dc += later
            dt += earlier
    if not dc:
        return 0.0, 0.0, 0
    return -float(np.median(dc)), float(np.median(dt)), len(dc)


def _crossing_delays(
    t: np.ndarray,
    force: np.ndarray,
    level_n: float,
    raised: np.ndarray,
    raised_n: float,
    min_peak_n: float,
) -> tuple[list[float], list[float]]:
    """Per stance of ``force`` read at ``level_n``, how much later (s) its contact comes and
    how much earlier its toe-off when ``raised`` (the same force, or that force zeroed below
    a floor) is read at ``raised_n`` instead."""
    high = above_intervals(t, raised, raised_n, min_peak_n)
    later, earlier = [], []
    for on, off in above_intervals(t, force, level_n, min_peak_n):
        match = [x for x in high if abs(x[0] - on) < 0.1]
        if match:
            later.append(match[0][0] - on)
            earlier.append(off - match[0][1])
    return later, earlier


def floor_shift_check(
    data_dir: Path, levels_n: tuple[float, ...] = (29.0, 46.0, 51.0, 77.0)
) -> dict[str, float]:
    """How well :func:`floor_shift` recovers 20 N events, on trials where they are known.

    Every full-force trial is zeroed below each of ``levels_n`` (the floors met in the
    data), its events read 1 N above, carried by :func:`floor_shift` measured *without that
    runner*, and compared with its own 20 N events. Returns the median and largest absolute
    error (ms) of the trials' mean contact and toe-off errors, and how far the uncorrected
    events were (``*_uncorrected_ms``: what the correction removes).
    """
    errors: dict[str, list[float]] = {"contact": [], "toe_off": [], "c_raw": [], "t_raw": []}
    for runner, speed, t, per_foot, weight in _full_forces(data_dir):
        for level in levels_n:
            shift_c, shift_t, n = floor_shift(data_dir, level + 1.0, weight, speed, runner)
            if n == 0:
                continue
            dc, dt = [], []
            for f in per_foot.values():
                zeroed = np.where(f >= level, f, 0.0)
                later, earlier = _crossing_delays(
                    t, f, THRESHOLD_N, zeroed, level + 1.0, 0.5 * weight
                )
                dc += later
                dt += earlier
            if dc:
                errors["contact"].append(1000.0 * (float(np.mean(dc)) + shift_c))
                errors["toe_off"].append(1000.0 * (shift_t - float(np.mean(dt))))
                errors["c_raw"].append(1000.0 * float(np.mean(dc)))
                errors["t_raw"].append(-1000.0 * float(np.mean(dt)))
    if not errors["contact"]:
        return {}
    out = {}
    for key, name in (("contact", "contact"), ("toe_off", "toe_off")):
        e = np.abs(errors[key])
        out[f"{name}_median_ms"] = float(np.median(e))
        out[f"{name}_max_ms"] = float(np.max(e))
    out["contact_uncorrected_ms"] = float(np.max(np.abs(errors["c_raw"])))
    out["toe_off_uncorrected_ms"] = float(np.max(np.abs(errors["t_raw"])))
    return out


@cache
def _read_grf(path: Path) -> tuple[np.ndarray, Mapping[str, np.ndarray]]:
    """Time and each foot's vertical force of a ``_grf.mot``, read once per process (the
    filter identification and the floor correction read every trial's force, and each trial
    reads its own): read-only."""
    from runform.pose.formats.opensim import read_mot

    grf = read_mot(path)
    arrays = {
        "time": np.asarray(grf.time, float),
        "right": np.asarray(grf.columns["R_ground_force_vy"], float),
        "left": np.asarray(grf.columns["L_ground_force_vy"], float),
    }
    for array in arrays.values():
        array.flags.writeable = False
    time = arrays.pop("time")
    return time, MappingProxyType(arrays)


def _trc_markers(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    from runform.pose.formats.opensim import read_trc

    trc = read_trc(path)
    scale = {"mm": 0.001, "m": 1.0, "cm": 0.01}[trc.units.strip().lower()]
    return np.asarray(trc.time, float), {
        k: np.asarray(v, float) * scale for k, v in trc.markers.items() if not np.isnan(v).all()
    }


@dataclass(frozen=True)
class HamnerSpec:
    runner: str
    speed_label: float
    folder: Path
    run: int

    def build(self) -> Trial:
        time, running = _trc_markers(self.folder / "expData" / f"Run_{self.run}.trc")
        _, static = _trc_markers(self.folder / "model" / "static.trc")
        prepared = prepare_markers(running, static, MARKERS)
        points, checks = carry_keypoints(prepared, MARKERS)
        angles_3d = joint_angles_3d.marker_angles(running, static, MARKERS, ANATOMY, prepared)
        force_t, per_foot = _read_grf(self.folder / "expData" / f"Run_{self.run}_grf.mot")
        total = per_foot["right"] + per_foot["left"]
        weight = float(np.mean(total))
        floor = max(force_floor(f) for f in per_foot.values())
        threshold = max(THRESHOLD_N, floor + 1.0)
        raised = (0.0, 0.0, 0)
        if threshold > THRESHOLD_N:
            raised = floor_shift(self.folder.parents[1], threshold, weight, self.speed_label)
        stances = []
        crossed = 0
        for side, f in per_foot.items():
            for on, off in above_intervals(force_t, f, threshold, 0.5 * weight):
                # a foot that lands on the other belt is measured by the other side's plate:
                # the foot on the ground is the lower one at mid-stance
                lower = lower_foot(time, points, 0.5 * (on + off)) or side
                crossed += lower != side
                stances.append((lower, on, off))
        # belt speed from the uncorrected events is good enough to size the correction
        speed = belt_speed(time, points, events_from_stances(stances))
        if not np.isfinite(speed):
            speed = self.speed_label
        filter_c, filter_t = (x / 1000.0 for x in HAMNER_FILTER.shift_ms(speed))
        shift_c, shift_t = filter_c + raised[0], filter_t + raised[1]
        events = events_from_stances([(s, on + shift_c, off + shift_t) for s, on, off in stances])
        checks["threshold_n"] = threshold
        checks["force_floor_n"] = floor
        checks["stances_on_other_belt"] = crossed
        checks["filter_shift_ms"] = (1000.0 * filter_c, 1000.0 * filter_t)
        checks["floor_shift_ms"] = (1000.0 * raised[0], 1000.0 * raised[1])
        floor_note = (
            f"; read at {threshold:.0f} N above the force's zero floor and carried to 20 N by "
            f"{1000 * raised[0]:+.0f} / {1000 * raised[1]:+.0f} ms (median of {raised[2]} "
            "stances of full-force trials at this speed)"
            if threshold > THRESHOLD_N
            else ""
        )
        method = (
            f"each foot's own vertical force (filtered by the authors), threshold "
            f"{THRESHOLD_N:.0f} N (force floor {floor:.0f} N){floor_note}, linear interpolation; "
            f"the filter's spread undone by {1000 * filter_c:+.0f} ms on contacts "
            f"and {1000 * filter_t:+.0f} ms on toe-offs (measured on raw Fukuchi "
            f"force filtered as Hamner's was: a zero-lag Butterworth of order "
            f"{HAMNER_FILTER.order} at {HAMNER_FILTER.cutoff_hz:.0f} Hz, identified from its "
            "spectrum)"
        )
        trial = Trial(
            runner=self.runner,
            dataset="hamner",
            speed_label=self.speed_label,
            time=time,
            points=points,
            events=events,
            truth_method=method,
            attribution=ATTRIBUTION.format(subject=self.runner.removeprefix("hamner")),
            checks=checks,
            extra={"angles_3d": angles_3d},
        )
        return finish_trial(trial, force_t, total)


def trials(data_dir: Path, with_forces: bool = True) -> Iterator[HamnerSpec]:
    """The Hamner trials present under ``data_dir`` (all have forces), in subject and
    speed order: every ``hamner2013/subjectNN`` with a ``model/static.trc``, and in it every
    ``expData/Run_N.trc`` with its ``Run_N_grf.mot`` (N m/s). Not only the five subjects
    the project has: a runner added to the data is benchmarked without a code change."""
    root = data_dir / "hamner2013"
    if not root.is_dir():
        return
    for folder in sorted(root.glob("subject*")):
        sub = folder.name.removeprefix("subject")
        if not (folder / "model" / "static.trc").is_file():
            continue
        runs = []
        for grf in (folder / "expData").glob("Run_*_grf.mot"):
            tag = grf.name.removeprefix("Run_").removesuffix("_grf.mot")
            if tag.isdigit() and (folder / "expData" / f"Run_{tag}.trc").is_file():
                runs.append(int(tag))
        for speed in sorted(runs):
            yield HamnerSpec(f"hamner{sub}", float(speed), folder, speed)
