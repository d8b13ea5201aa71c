"""Fukuchi et al. 2017 runner RBDS0041: the data set's files and the force-plate truth.

Data: subject RBDS0041 of Fukuchi, Fukuchi & Duarte (2017), "A public dataset of running
biomechanics and the effects of running speed on lower extremity kinematics and kinetics",
PeerJ 5:e3298, repository ``regifukuchi/BMC-RIC-running-biomechanics``, licence CC BY 4.0.
It is read from ``<repo>/../shared/data/fukuchi_rbds0041/``.

Holds the names of the files and marker sets (:data:`DATA_DIR`, :data:`TRIALS`,
:data:`FORCES_25`, :data:`STATIC`, :data:`CLUSTERS`, :data:`KEYPOINT_MARKERS`,
:data:`SIDE_PREFIX`...), the readers (:func:`load_markers`, :func:`rebuild_marker`,
:func:`keypoints_3d`, :func:`load_forces`) and the force-plate truth (:func:`flight_baseline`,
:func:`butter_lowpass`, :func:`stance_intervals`, :func:`force_plate_events`,
:func:`stance_table`, :func:`temporal_summary`, :func:`truth_record`). The side-view
projection and the engine benchmark are :mod:`fukuchi`'s; marker-only events and the angle
reference numbers are :mod:`fukuchi_reference`'s.

What the files contain, checked from the data itself
-----------------------------------------------------
- Lab axes (mm): **Y is vertical** (up; heel markers 25-50 mm, ASIS ~1.05 m), **X is along
  the belt with +X forward** (ASIS X > PSIS X by ~175 mm, MT1 X > heel X in the static
  trial, and the stance foot moves toward -X on the belt), **Z is medio-lateral** (+Z toward
  the runner's right: right ASIS Z > left ASIS Z).
- Force file: columns ``Time Fx Fy Fz COPx COPy COPz Ty``; ``Fy`` is vertical (its mean over
  the trial is body weight, ~768 N) and ``COPy`` is 0 (the belt surface). Its ``Time``
  column is a **frame number 1..9000**, not seconds: time = (frame − 1) / 300 Hz.
- Marker files: 4500 rows at 150 Hz, but the ``Time`` column runs from 0 to 30.000 s (i.e.
  30/4499 s per row, 149.97 Hz, off by one sample at the end). We use **time = row / 150 Hz**:
  cross-correlating the vertical force with body weight × (pelvis vertical acceleration + g)
  over three 8-s windows gives a constant lag (−8.5, −9.0, −7.5 ms) with row/150, but a
  drifting one (−9.5, −12.5, −13.0 ms) with the file's column, so the column is a
  rounding artefact and both systems start at 0 s (hardware-synchronised, as the paper states).
- Anatomical markers (greater trochanter ``GTR``, lateral epicondyle ``Knee``, lateral
  malleolus ``Ankle``, ``MT2``...) exist **only in the static trial**: in the running trials
  those columns are empty (removed for running, as usual with cluster marker sets). We
  rebuild them frame by frame from the rigid marker clusters (least-squares rigid fit,
  Kabsch/Söderkvist-Wedin, of the static cluster onto the running cluster):
  greater trochanter and lateral epicondyle from the 4-marker thigh cluster, lateral
  malleolus from the 4-marker shank cluster, MT2 from the foot markers (heel top, bottom,
  lateral, MT1, MT5). The heel keypoint is the measured ``Heel.Bottom`` marker.
  There are no trunk, arm or head markers, so projected tracks have legs only.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.signal import butter, filtfilt

from _common import SHARED_DATA
from force_truth import above_intervals
from rigid_body import rigid_fit

DATA_DIR = SHARED_DATA / "fukuchi_rbds0041"
MARKER_RATE_HZ = 150.0
FORCE_RATE_HZ = 300.0

#: Marker trials by belt speed (m/s). Only 2.5 m/s has forces.
TRIALS: dict[float, str] = {
    2.5: "RBDS0041runT252.txt",
    3.5: "RBDS0041runT352.txt",
    4.5: "RBDS0041runT452.txt",
}
FORCES_25 = "RBDS0041runT252forces.txt"
STATIC = "RBDS0041static.txt"
ATTRIBUTION = (
    "Fukuchi RK, Fukuchi CA, Duarte M (2017) PeerJ 5:e3298, subject RBDS0041, "
    "regifukuchi/BMC-RIC-running-biomechanics, CC BY 4.0"
)

#: Technical marker clusters (without the side prefix) that carry the anatomical points.
CLUSTERS: dict[str, tuple[str, ...]] = {
    "thigh": (
        "Thigh.Top.Lateral",
        "Thigh.Bottom.Lateral",
        "Thigh.Top.Medial",
        "Thigh.Bottom.Medial",
    ),
    "shank": (
        "Shank.Top.Lateral",
        "Shank.Bottom.Lateral",
        "Shank.Top.Medial",
        "Shank.Bottom.Medial",
    ),
    "foot": ("Heel.Top", "Heel.Bottom", "Heel.Lateral", "MT1", "MT5"),
}
#: The pelvis cluster (markers of both sides, no side prefix).
PELVIS = ("R.ASIS", "L.ASIS", "R.PSIS", "L.PSIS", "R.Iliac.Crest", "L.Iliac.Crest")

#: BlazePose keypoint part -> (marker, clusters it is rebuilt from in order of preference;
#: empty if measured directly). The fallback fills frames where the first cluster has fewer
#: than 3 visible markers (4.5 m/s: both lower left thigh markers lost in 378 frames).
KEYPOINT_MARKERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "hip": ("GTR", ("thigh", "pelvis")),
    "knee": ("Knee", ("thigh", "shank")),
    "ankle": ("Ankle", ("shank",)),
    "heel": ("Heel.Bottom", ()),
    "foot_index": ("MT2", ("foot",)),
}
SIDE_PREFIX = {"left": "L.", "right": "R."}


# ----------------------------------------------------------------------------- loading
@lru_cache(maxsize=8)
def _read_marker_file(path: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Read a marker file: (time (T,), {marker: (T, 3) in metres, NaN where missing})."""
    with open(path) as fh:
        header = fh.readline().rstrip("\n").split("\t")
    data = np.genfromtxt(path, delimiter="\t", skip_header=1)
    if data.ndim != 2 or data.shape[1] != len(header):
        raise ValueError(f"{path}: expected {len(header)} tab-separated columns.")
    markers: dict[str, np.ndarray] = {}
    for i in range(1, len(header), 3):
        name = header[i][:-1]
        markers[name] = data[:, i : i + 3] / 1000.0
    # Row index / 150 Hz, not the file's Time column (see the module docstring).
    time = np.arange(data.shape[0]) / MARKER_RATE_HZ
    return time, markers


def load_markers(path: str | Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Markers of one trial: ``time`` (s, row / 150 Hz) and ``{name: (T, 3)}`` in metres.

    Lab axes: X forward along the belt, Y up, Z to the runner's right. A ``.c3d`` file (the
    data set's original form) is read by :mod:`c3d_files` into the same structure.
    """
    if Path(path).suffix.lower() == ".c3d":
        import c3d_files

        return c3d_files.load_markers(path)
    return _read_marker_file(str(Path(path)))


def rebuild_marker(
    static: dict[str, np.ndarray],
    running: dict[str, np.ndarray],
    cluster: Sequence[str],
    target: str,
) -> np.ndarray:
    """Rebuild an anatomical marker in a running trial from a rigid technical cluster.

    The static trial gives the target's position relative to the cluster; each running frame
    places it with the rigid fit of the cluster markers that are visible (at least 3).
    Frames with fewer than 3 visible cluster markers are NaN.
    """
    ref = np.stack([np.nanmean(static[m], axis=0) for m in cluster])
    target_ref = np.nanmean(static[target], axis=0)
    cur = np.stack([running[m] for m in cluster], axis=1)  # (T, M, 3)
    visible = ~np.isnan(cur).any(axis=2)
    out = np.full((cur.shape[0], 3), np.nan)
    for pattern in np.unique(visible, axis=0):
        if pattern.sum() < 3:
            continue
        rows = np.flatnonzero((visible == pattern).all(axis=1))
        rot, trans = rigid_fit(ref[pattern], cur[rows][:, pattern])
        out[rows] = np.einsum("tij,j->ti", rot, target_ref) + trans
    return out


@lru_cache(maxsize=8)
def _keypoints_3d(path: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    time, running = load_markers(path)
    _, static = load_markers(Path(path).with_name(STATIC))
    points: dict[str, np.ndarray] = {}
    for side, prefix in SIDE_PREFIX.items():
        for part, (marker, clusters) in KEYPOINT_MARKERS.items():
            xyz = running.get(prefix + marker, np.full((len(time), 3), np.nan)).copy()
            for cluster in clusters:
                names = PELVIS if cluster == "pelvis" else [prefix + m for m in CLUSTERS[cluster]]
                missing = np.isnan(xyz[:, 0])
                if missing.any():
                    xyz[missing] = rebuild_marker(static, running, names, prefix + marker)[missing]
            points[f"{side}_{part}"] = xyz
    return time, points


def keypoints_3d(path: str | Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Lab-frame 3-D positions (m) of the BlazePose leg keypoints, rebuilt from the markers.

    Returns ``time`` (T,) and ``{"left_hip": (T, 3), ...}`` for hip (greater trochanter), knee
    (lateral epicondyle), ankle (lateral malleolus), heel (heel-bottom marker) and foot_index
    (MT2) of both sides. A marker present in the running file is used as recorded (only the
    heel, in RBDS0041); the others are rebuilt from their clusters (``KEYPOINT_MARKERS``).
    """
    return _keypoints_3d(str(Path(path)))


# ----------------------------------------------------------------------------- force plate
def load_forces(path: str | Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Force-plate samples: ``time`` (s, (frame − 1) / 300 Hz) and ``{column: (T,)}``.

    A ``.c3d`` trial (:mod:`c3d_files`) gives its vertical force as ``{"Fy": ...}``.
    """
    path = Path(path)
    if path.suffix.lower() == ".c3d":
        import c3d_files

        time, vertical = c3d_files.load_vertical_force(path)
        return time, {"Fy": vertical}
    with open(path) as fh:
        header = fh.readline().split()
    data = np.loadtxt(path, skiprows=1)
    time = (data[:, 0] - 1.0) / FORCE_RATE_HZ
    return time, {name: data[:, i] for i, name in enumerate(header) if i > 0}


def flight_baseline(
    time: np.ndarray, force: np.ndarray, stances: Sequence[tuple[float, float]]
) -> float:
    """Median force in the middle half of every flight between ``stances`` (the plate's offset)."""
    samples = []
    for (_, off), (on, _) in itertools.pairwise(stances):
        quarter = 0.25 * (on - off)
        samples.append(force[(time > off + quarter) & (time < on - quarter)])
    return float(np.median(np.concatenate(samples))) if samples else 0.0


def butter_lowpass(
    time: np.ndarray, force: np.ndarray, cutoff_hz: float, order: int = 4
) -> np.ndarray:
    """Zero-lag (forward-backward) Butterworth low-pass of a force record, 4th order unless
    ``order`` says otherwise."""
    rate = 1.0 / np.median(np.diff(time))
    b, a = butter(order, cutoff_hz / (rate / 2.0))
    return filtfilt(b, a, force)


def stance_intervals(
    time: np.ndarray,
    vertical_n: np.ndarray,
    threshold_n: float = 20.0,
    lowpass_hz: float | None = 50.0,
    subtract_baseline: bool = True,
) -> list[tuple[float, float]]:
    """Complete stances (contact, toe-off) in seconds from a vertical ground-reaction force.

    1. Low-pass the force (4th-order zero-lag Butterworth at ``lowpass_hz``): the belt adds
       ±10-30 N of vibration during flight; after filtering it is ±2 N.
    2. Subtract the flight baseline (``subtract_baseline``): on RBDS0041 the plate reads
       17.5 N (sd 2.1 N) while both feet are in the air, a zero offset.
    3. Every interval above ``threshold_n`` whose peak exceeds half the body weight (the mean
       force over the trial) is a stance; crossings are interpolated linearly between
       samples. Intervals touching either end of the record are dropped (incomplete).

    Threshold sensitivity on RBDS0041 2.5 m/s (relative to 20 N): at 50 N contacts come
    4.6 ms later and toe-offs 12 ms earlier (contact time −17 ms); the slow unloading tail
    makes toe-off the sensitive one.
    """
    force = np.asarray(vertical_n, dtype=float)
    if lowpass_hz:
        force = butter_lowpass(time, force, lowpass_hz)
    half_weight = 0.5 * float(np.mean(force))
    if subtract_baseline:
        rough = above_intervals(time, force, 50.0, half_weight)
        force = force - flight_baseline(time, force, rough)
    return above_intervals(time, force, threshold_n, half_weight)


def _foot_height(points: dict[str, np.ndarray], side: str) -> np.ndarray:
    """Mean height (m) of the heel and forefoot markers of one foot."""
    return np.nanmean(
        np.stack([points[f"{side}_heel"][:, 1], points[f"{side}_foot_index"][:, 1]]), axis=0
    )


def force_plate_events(
    path: str | Path,
    threshold_n: float = 20.0,
    lowpass_hz: float | None = 50.0,
    markers_path: str | Path | None = None,
) -> list[dict]:
    """True contacts and toe-offs from the treadmill's vertical force.

    The treadmill measures the sum of both feet; running has no double support, so each
    above-threshold interval is one stance (see :func:`stance_intervals`). The foot in
    contact is the lower foot (mean of heel and MT2 heights) at mid-stance, from the marker
    trial of the same name (``...runT252forces.txt`` -> ``...runT252.txt``); on RBDS0041
    the centre of pressure agrees (it lies under that foot) for all 78 stances.

    ``threshold_n`` is above the flight baseline. The default 20 N is 9 noise sd above it
    (after the 50 Hz low-pass) and the closest to the physical contact; 50 N is the
    conservative alternative (see :func:`stance_intervals` for the sensitivity).

    Returns
    -------
    list of dict
        ``{"side": "left"|"right", "kind": "contact"|"toe_off", "time_s": float}`` in time order.
    """
    path = Path(path)
    t_force, columns = load_forces(path)
    stances = stance_intervals(t_force, columns["Fy"], threshold_n, lowpass_hz)
    if not stances:
        raise ValueError(f"{path}: no complete stance above {threshold_n} N.")
    markers_path = (
        Path(markers_path) if markers_path else path.with_name(path.name.replace("forces", ""))
    )
    t_mark, points = keypoints_3d(markers_path)
    height = {side: _foot_height(points, side) for side in SIDE_PREFIX}
    events = []
    for on, off in stances:
        mid = 0.5 * (on + off)
        lower = {side: float(np.interp(mid, t_mark, h)) for side, h in height.items()}
        side = min(lower, key=lower.get)
        events.append({"side": side, "kind": "contact", "time_s": on})
        events.append({"side": side, "kind": "toe_off", "time_s": off})
    return events


def stance_table(events: Iterable[dict]) -> list[dict]:
    """Pair each contact with the toe-off that follows it: ``[{side, contact_s, toe_off_s}]``."""
    ordered = sorted(events, key=lambda e: e["time_s"])
    stances = []
    for i, ev in enumerate(ordered):
        if ev["kind"] != "contact":
            continue
        nxt = next((e for e in ordered[i + 1 :] if e["side"] == ev["side"]), None)
        if nxt is not None and nxt["kind"] == "toe_off":
            stances.append(
                {"side": ev["side"], "contact_s": ev["time_s"], "toe_off_s": nxt["time_s"]}
            )
    return stances


def temporal_summary(events: Iterable[dict]) -> dict:
    """Cadence, contact time, flight time and duty factor from a complete list of events.

    cadence = 60 / median step time (contact to next contact of either foot); contact time =
    toe-off − contact; flight time = next contact − toe-off; duty factor = contact time /
    stride time (same-foot contact to contact), as medians, in steps/min, ms and %.
    """
    stances = stance_table(events)
    contacts = np.array([s["contact_s"] for s in stances])
    toe_offs = np.array([s["toe_off_s"] for s in stances])
    contact_ms = (toe_offs - contacts) * 1000.0
    step_s = np.diff(contacts)
    flight_ms = (contacts[1:] - toe_offs[:-1]) * 1000.0
    duty = []
    for side in SIDE_PREFIX:
        side_st = [s for s in stances if s["side"] == side]
        for a, b in itertools.pairwise(side_st):
            duty.append((a["toe_off_s"] - a["contact_s"]) / (b["contact_s"] - a["contact_s"]))
    per_side = {
        side: float(
            np.median(
                [(s["toe_off_s"] - s["contact_s"]) * 1000 for s in stances if s["side"] == side]
            )
        )
        for side in SIDE_PREFIX
    }
    return {
        "n_stances": len(stances),
        "n_left": sum(s["side"] == "left" for s in stances),
        "n_right": sum(s["side"] == "right" for s in stances),
        # Cadence as the mean step rate over the trial (steps / time), like the engine's and
        # like the spectral truth of the video; the median step is kept for reference.
        "cadence_spm": float(60.0 * (len(contacts) - 1) / (contacts[-1] - contacts[0])),
        "cadence_median_step_spm": float(60.0 / np.median(step_s)),
        "step_time_ms": float(np.median(step_s) * 1000.0),
        "contact_time_ms": float(np.median(contact_ms)),
        "contact_time_ms_by_side": per_side,
        "contact_time_sd_ms": float(np.std(contact_ms)),
        "flight_time_ms": float(np.median(flight_ms)),
        "duty_factor_pct": float(np.median(duty) * 100.0),
    }


def truth_record(data_dir: Path = DATA_DIR) -> dict:
    """Force-plate truth of the 2.5 m/s trial: events (20 N and 50 N) and temporal summary."""
    forces = data_dir / FORCES_25
    events = force_plate_events(forces, threshold_n=20.0)
    events_50 = force_plate_events(forces, threshold_n=50.0)
    return {
        "trial": TRIALS[2.5],
        "speed_m_s": 2.5,
        "attribution": ATTRIBUTION,
        "time_base": "seconds; marker row / 150 Hz = force (frame - 1) / 300 Hz",
        "method": (
            "vertical force Fy, 50 Hz zero-lag low-pass, flight baseline subtracted, "
            "threshold 20 N above baseline with linear interpolation; side = lower foot at "
            "mid-stance; incomplete stances at the ends dropped"
        ),
        "threshold_n": 20.0,
        "events": events,
        "summary": temporal_summary(events),
        "events_50n": events_50,
        "summary_50n": temporal_summary(events_50),
    }
