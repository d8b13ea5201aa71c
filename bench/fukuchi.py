"""Validate runform's gait events against real marker motion capture and a force plate.

Data: subject RBDS0041 of Fukuchi, Fukuchi & Duarte (2017), "A public dataset of running
biomechanics and the effects of running speed on lower extremity kinematics and kinetics",
PeerJ 5:e3298, repository ``regifukuchi/BMC-RIC-running-biomechanics``, licence CC BY 4.0.
It is read from ``<repo>/../shared/data/fukuchi_rbds0041/``.

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

Camera model
------------
An orthographic side view of the sagittal (X-Y) plane: image x along the direction of travel
(runner facing image-left or image-right), image y = vertical with y down, on a 1920x1080
frame at ``px_per_m`` = 450 px/m by default. The static trial puts the greater trochanter
~1.0 m above the floor, i.e. a stature of ~1.9 m (trochanter height ≈ 0.53 × stature), so the
whole body would span ~850 px, about 80 % of a 1080-px frame height. The belt surface
(Y = 0) is at y = 1000 px. Orthographic projection ignores perspective and the near/far
leg occlusion a real camera has.

Command line::

    python bench/fukuchi.py --export DIR   # projected tracks, truth events, reference numbers
    python bench/fukuchi.py                # run the engine and print the validation table
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.signal import butter, filtfilt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SHARED_DATA, format_table
from force_truth import above_intervals as _above_threshold
from force_truth import crossing_time
from mocap import draw_points
from rigid_body import rigid_fit as _rigid_fit
from runform.track import PoseTrack, TrackMeta

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

FRAME_WIDTH = 1920
FRAME_HEIGHT = 1080
DEFAULT_PX_PER_M = 450.0
GROUND_Y_PX = 1000.0


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
        rot, trans = _rigid_fit(ref[pattern], cur[rows][:, pattern])
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
        rough = _above_threshold(time, force, 50.0, half_weight)
        force = force - flight_baseline(time, force, rough)
    return _above_threshold(time, force, threshold_n, half_weight)


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


# ----------------------------------------------------------------------------- projection
def _frame_times(time: np.ndarray, rate_hz: float | None, phase: float) -> np.ndarray:
    if rate_hz is None:
        return time.copy()
    step = 1.0 / rate_hz
    return np.arange(time[0] + phase * step, time[-1] + 1e-9, step)


def project_markers(
    path: str | Path,
    rate_hz: float | None = None,
    noise_px: float = 0.0,
    px_per_m: float = DEFAULT_PX_PER_M,
    seed: int = 0,
    facing: str = "left",
    phase: float = 0.5,
    score: float | None = None,
    start_s: float = 0.0,
    duration_s: float | None = None,
) -> PoseTrack:
    """Project a marker trial into the pixels a side camera would see (a runform PoseTrack).

    Parameters
    ----------
    path:
        A running marker file (``RBDS0041runT252.txt``...); the static trial beside it
        calibrates the rebuilt anatomical markers (see :func:`keypoints_3d`).
    rate_hz:
        Frame rate of the track; ``None`` keeps the 150 Hz marker samples. Otherwise the
        markers are linearly interpolated at ``start + (phase + k) / rate_hz``, so frames
        fall between marker samples as they would for an unsynchronised camera.
    noise_px:
        Standard deviation of independent Gaussian pixel noise added to every coordinate.
    px_per_m:
        Image scale; the default 450 px/m makes this ~1.9 m runner fill ~80 % of a
        1080-px-high frame.
    seed:
        Seed of the noise generator (the same seed gives the same track).
    facing:
        ``"left"`` (runner faces image-left, forward = −x) or ``"right"`` (forward = +x).
    phase:
        Offset of the first frame, as a fraction of one frame interval (resampled tracks only).
    score:
        Confidence given to every point; default 1.0 for clean tracks, 0.9 with noise.
        Points that could not be rebuilt are NaN with score 0.
    start_s, duration_s:
        Optional crop of the trial (seconds of the marker clock).

    Returns
    -------
    PoseTrack
        Keypoints ``{left,right}_{hip,knee,ankle,heel,foot_index}`` in pixels (x right,
        y down), on a 1920x1080 frame, belt surface at y = 1000 px, treadmill (no travel).

    Examples
    --------
    >>> track = project_markers(DATA_DIR / TRIALS[2.5], rate_hz=60, noise_px=8, seed=1)
    >>> round(track.frame_rate)
    60
    """
    if facing not in ("left", "right"):
        raise ValueError(f"facing must be 'left' or 'right', not {facing!r}.")
    time, points = keypoints_3d(path)
    direction = 1.0 if facing == "right" else -1.0
    hips = 0.5 * (points["left_hip"] + points["right_hip"])
    x_ref = float(np.nanmedian(hips[:, 0]))
    frames = _frame_times(time, rate_hz, phase)
    keep = frames >= time[0] + start_s
    if duration_s is not None:
        keep &= frames < time[0] + start_s + duration_s
    frames = frames[keep]
    rng = np.random.default_rng(seed)
    if score is None:
        score = 1.0 if noise_px == 0 else 0.9
    xy_points, scores = draw_points(
        time, points, frames, direction, x_ref, px_per_m, noise_px, rng, score
    )
    rate = MARKER_RATE_HZ if rate_hz is None else float(rate_hz)
    meta = TrackMeta(
        source="fukuchi-markers",
        width=FRAME_WIDTH,
        height=FRAME_HEIGHT,
        fps=rate,
        units="px",
        time_base="marker row / 150 Hz (force plate: (frame - 1) / 300 Hz, same clock)",
        path=str(path),
        extra={
            "facing": facing,
            "px_per_m": px_per_m,
            "noise_px": noise_px,
            "seed": seed,
            "phase": phase if rate_hz is not None else 0.0,
            "camera": "orthographic sagittal projection",
            "attribution": ATTRIBUTION,
        },
    )
    return PoseTrack.from_points(frames, xy_points, scores, meta)


def write_track_csv(track: PoseTrack, path: str | Path) -> None:
    """Write a track in the runform CSV contract (``time,<name>_x,<name>_y,<name>_score,...``).

    Uses ``runform.pose.readers.write_pose_csv`` when it exists; otherwise writes the same
    columns itself (missing values as empty cells).
    """
    try:
        from runform.pose.readers import write_pose_csv
    except ImportError:
        write_pose_csv = None
    if write_pose_csv is not None:
        write_pose_csv(track, path)
        return
    header = ["time"]
    for name in track.keypoints:
        header += [f"{name}_x", f"{name}_y", f"{name}_score"]
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i in range(track.n_frames):
            row = [f"{track.time[i]:.6f}"]
            for k in range(len(track.keypoints)):
                x, y = track.xy[i, k]
                s = track.score[i, k]
                row += ["" if np.isnan(v) else f"{v:.3f}" for v in (x, y, s)]
            writer.writerow(row)


# ----------------------------------------------------------------------------- reference angles
def thigh_angle(points: dict[str, np.ndarray], side: str) -> np.ndarray:
    """2-D sagittal thigh angle (deg): hip→knee against vertical, + when the knee is ahead."""
    d = points[f"{side}_knee"] - points[f"{side}_hip"]
    return np.degrees(np.arctan2(d[:, 0], -d[:, 1]))


def knee_flexion(points: dict[str, np.ndarray], side: str) -> np.ndarray:
    """2-D sagittal knee flexion (deg): 180 − hip-knee-ankle angle (0 = straight)."""
    thigh = (points[f"{side}_hip"] - points[f"{side}_knee"])[:, :2]
    shank = (points[f"{side}_ankle"] - points[f"{side}_knee"])[:, :2]
    cos = np.sum(thigh * shank, axis=1) / (
        np.linalg.norm(thigh, axis=1) * np.linalg.norm(shank, axis=1)
    )
    return 180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _foot_clearance(running: dict[str, np.ndarray], side: str) -> np.ndarray:
    """Height (m) of the foot's lowest marker above its own ground level.

    Markers: heel bottom, MT1, MT5 (all measured in the running trials); each marker's
    ground level is its 2nd height percentile over the trial.
    """
    prefix = SIDE_PREFIX[side]
    rel = [
        running[prefix + m][:, 1] - np.nanpercentile(running[prefix + m][:, 1], 2)
        for m in ("Heel.Bottom", "MT1", "MT5")
    ]
    return np.nanmin(np.stack(rel), axis=0)


def marker_events(
    path: str | Path, contact_m: float = 0.005, toe_off_m: float = 0.015
) -> list[dict]:
    """Simple marker-only contacts and toe-offs (for trials without forces).

    Contact is when the foot's lowest marker (heel bottom, MT1 or MT5, each relative to its
    own ground level) comes down within ``contact_m`` of the ground; toe-off is when it next
    rises above ``toe_off_m`` (the forefoot markers sit on the dorsum and lift late).
    Stances shorter than 80 ms or touching the ends are dropped. The two levels were chosen
    on the 2.5 m/s trial against the force plate (contact −7.7 ms, sd 2.9; toe-off −2.0 ms,
    sd 7.3); :func:`reference_numbers` records that check.
    """
    time, running = load_markers(path)
    events = []
    for side in SIDE_PREFIX:
        low = _foot_clearance(running, side)
        below_on = low <= contact_m
        below_off = low <= toe_off_m
        downs = np.flatnonzero(~below_on[:-1] & below_on[1:]) + 1
        ups = np.flatnonzero(below_off[:-1] & ~below_off[1:]) + 1
        last_off = -np.inf
        for d in downs:
            later = ups[ups > d]
            if len(later) == 0:
                break
            contact = crossing_time(time, low, d, contact_m)
            toe_off = crossing_time(time, low, later[0], toe_off_m)
            if contact < last_off or toe_off - contact < 0.08:
                continue
            last_off = toe_off
            events.append({"side": side, "kind": "contact", "time_s": contact})
            events.append({"side": side, "kind": "toe_off", "time_s": toe_off})
    return sorted(events, key=lambda e: e["time_s"])


def angle_reference(path: str | Path, events: Sequence[dict]) -> dict:
    """Per-stride medians of 2-D thigh and knee angles of one trial, per side and both.

    A stride runs from one contact to the next contact of the same foot. Reports the thigh
    angle's minimum (peak extension, negative = knee behind the hip) and maximum (peak
    flexion), its range, the peak knee flexion in swing (toe-off to next contact) and the
    knee flexion at contact.
    """
    time, points = keypoints_3d(path)
    out: dict[str, dict] = {}
    pooled: dict[str, list[float]] = {}
    for side in SIDE_PREFIX:
        thigh = thigh_angle(points, side)
        knee = knee_flexion(points, side)
        stances = [s for s in stance_table(events) if s["side"] == side]
        rows: dict[str, list[float]] = {
            "thigh_min_deg": [],
            "thigh_max_deg": [],
            "thigh_range_deg": [],
            "knee_swing_peak_deg": [],
            "knee_at_contact_deg": [],
        }
        for a, b in itertools.pairwise(stances):
            stride = (time >= a["contact_s"]) & (time < b["contact_s"])
            swing = (time >= a["toe_off_s"]) & (time < b["contact_s"])
            rows["thigh_min_deg"].append(float(np.min(thigh[stride])))
            rows["thigh_max_deg"].append(float(np.max(thigh[stride])))
            rows["thigh_range_deg"].append(float(np.ptp(thigh[stride])))
            rows["knee_swing_peak_deg"].append(float(np.max(knee[swing])))
            rows["knee_at_contact_deg"].append(float(np.interp(a["contact_s"], time, knee)))
        out[side] = {k: round(float(np.median(v)), 1) for k, v in rows.items()}
        out[side]["n_strides"] = len(rows["thigh_min_deg"])
        for k, v in rows.items():
            pooled.setdefault(k, []).extend(v)
    out["both"] = {k: round(float(np.median(v)), 1) for k, v in pooled.items()}
    out["both"]["thigh_extension_deg"] = round(-out["both"]["thigh_min_deg"], 1)
    return out


def _processed_3d(data_dir: Path) -> dict:
    """Peaks of the dataset's own 3-D right hip/knee flexion mean curves, per speed."""
    path = data_dir / "RBDS0041processed.txt"
    with open(path) as fh:
        header = fh.readline().rstrip("\n").split("\t")
    data = np.genfromtxt(path, delimiter="\t", skip_header=1)
    col = {name: data[:, i] for i, name in enumerate(header)}
    out = {}
    for speed, tag in ((2.5, "25"), (3.5, "35"), (4.5, "45")):
        hip, knee = col[f"RhipAngZ{tag}"], col[f"RkneeAngZ{tag}"]
        out[str(speed)] = {
            "hip_flexion_max_deg": round(float(hip.max()), 1),
            "hip_flexion_min_deg": round(float(hip.min()), 1),
            "knee_flexion_max_deg": round(float(np.abs(knee).max()), 1),
        }
    return out


def _threshold_shift(low: Sequence[dict], high: Sequence[dict]) -> dict:
    """Median time shift (ms) of events detected at a higher force threshold, per kind."""
    from runform.evaluation import match_events

    scores = match_events(high, low, tolerance_s=0.05)
    return {
        kind: round(float(np.median(scores[kind].errors_ms)), 1) for kind in ("contact", "toe_off")
    }


def reference_numbers(data_dir: Path = DATA_DIR) -> dict:
    """Reference numbers for the lead's bands: force-plate timing and angles per speed."""
    truth = truth_record(data_dir)
    from runform.evaluation import match_events

    ref: dict = {
        "attribution": ATTRIBUTION,
        "notes": (
            "2-D sagittal angles from rebuilt anatomical markers (hip = greater trochanter, "
            "knee = lateral epicondyle, ankle = lateral malleolus), per-stride medians. The "
            "2-D thigh angle is not the 3-D hip angle (pelvis tilt); processed_3d gives the "
            "dataset's 3-D right-side curves for comparison."
        ),
        "force_plate_2.5": {
            "threshold_20n": truth["summary"],
            "threshold_50n": truth["summary_50n"],
            "shift_50n_minus_20n_ms": _threshold_shift(truth["events"], truth["events_50n"]),
        },
        "speeds": {},
        "processed_3d": _processed_3d(data_dir),
    }
    marker_25 = marker_events(data_dir / TRIALS[2.5])
    score = match_events(marker_25, truth["events"], tolerance_s=0.08)
    ref["marker_event_check_2.5"] = {
        "method": marker_events.__doc__.split("\n")[0].strip(),
        **{kind: s.to_dict() for kind, s in score.items()},
    }
    for speed, name in TRIALS.items():
        events = truth["events"] if speed == 2.5 else marker_events(data_dir / name)
        entry = {
            "events": "force plate" if speed == 2.5 else "marker-based (foot clearance)",
            "timing": temporal_summary(events),
            "angles": angle_reference(data_dir / name, events),
        }
        ref["speeds"][str(speed)] = entry
    return ref


# ----------------------------------------------------------------------------- export
#: Tracks written by ``--export``: file name -> project_markers keyword arguments.
EXPORTS: dict[str, dict] = {
    "fuk_150.csv": {"rate_hz": None, "noise_px": 0.0},
    "fuk_60_noise8.csv": {"rate_hz": 60.0, "noise_px": 8.0, "seed": 1},
    "fuk_30_noise8.csv": {"rate_hz": 30.0, "noise_px": 8.0, "seed": 2},
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


def export(out_dir: str | Path, data_dir: Path = DATA_DIR, facing: str = "left") -> list[Path]:
    """Write the projected 2.5 m/s tracks, ``truth_events.json`` and ``reference.json``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, kwargs in EXPORTS.items():
        track = project_markers(data_dir / TRIALS[2.5], facing=facing, **kwargs)
        write_track_csv(track, out_dir / name)
        written.append(out_dir / name)
    truth = truth_record(data_dir)
    truth["tracks"] = {
        name: {"facing": facing, "px_per_m": DEFAULT_PX_PER_M, "phase": 0.5, **kwargs}
        for name, kwargs in EXPORTS.items()
    }
    path = out_dir / "truth_events.json"
    path.write_text(json.dumps(truth, indent=1))
    written.append(path)
    path = out_dir / "reference.json"
    path.write_text(json.dumps(reference_numbers(data_dir), indent=1))
    written.append(path)
    return written


# ----------------------------------------------------------------------------- engine benchmark
#: Benchmark conditions: name, frame rate (None = 150 Hz markers), pixel noise and the
#: (seed, phase) runs averaged for each facing.
CONDITIONS: tuple[dict, ...] = (
    {"name": "150 Hz clean", "rate_hz": None, "noise_px": 0.0, "runs": ((0, 0.0),)},
    {
        "name": "60 Hz + 8 px",
        "rate_hz": 60.0,
        "noise_px": 8.0,
        "runs": ((0, 0.1), (1, 0.45), (2, 0.8)),
    },
    {
        "name": "30 Hz + 8 px",
        "rate_hz": 30.0,
        "noise_px": 8.0,
        "runs": ((0, 0.1), (1, 0.45), (2, 0.8)),
    },
)

#: Targets per condition: (label, key in the condition's mean, limit, compare).
TARGETS: dict[str, tuple[tuple[str, str, float, str], ...]] = {
    "150 Hz clean": (
        ("contact MAE <= 10 ms", "contact_mae_ms", 10.0, "<="),
        ("toe-off MAE <= 10 ms", "toe_off_mae_ms", 10.0, "<="),
        ("cadence error <= 0.5 %", "cadence_abs_error_pct", 0.5, "<="),
        ("recall >= 95 % (harness)", "recall_min", 0.95, ">="),
    ),
    "60 Hz + 8 px": (
        ("contact MAE <= 15 ms", "contact_mae_ms", 15.0, "<="),
        ("toe-off MAE <= 15 ms", "toe_off_mae_ms", 15.0, "<="),
        ("recall >= 95 % (harness)", "recall_min", 0.95, ">="),
    ),
}

EngineFn = Callable[[PoseTrack], dict]


def pipeline_engine(track: PoseTrack) -> dict:
    """Run runform's engine on a track: ``analyze_track(track).to_dict()``."""
    from runform.pipeline import AnalysisOptions, analyze_track

    return analyze_track(track, AnalysisOptions(treadmill_speed_mps=2.5)).to_dict()


def score_run(result: dict, truth: dict, tolerance_s: float = 0.08) -> dict:
    """Score one engine result (``{"events": [...], "summary": {"cadence_spm"...}}``)."""
    from runform.evaluation import contact_time_errors, match_events

    events = result.get("events", [])
    scores = match_events(events, truth["events"], tolerance_s)
    ct = contact_time_errors(events, truth["events"], tolerance_s)
    cadence = (result.get("summary") or {}).get("cadence_spm")
    true_cadence = truth["summary"]["cadence_spm"]
    return {
        "ok": True,
        "contact": scores["contact"].to_dict(),
        "toe_off": scores["toe_off"].to_dict(),
        "contact_time": ct.to_dict(),
        "cadence_spm": cadence,
        "cadence_error_pct": (
            100.0 * (cadence - true_cadence) / true_cadence if cadence is not None else None
        ),
    }


def _mean(values: Iterable[float | None]) -> float:
    vals = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(vals)) if vals else float("nan")


def _condition_mean(runs: list[dict]) -> dict:
    ok = [r for r in runs if r["ok"]]
    extra = [
        (r["contact"]["extra"] + r["toe_off"]["extra"])
        / max(1, r["contact"]["n_true"] + r["toe_off"]["n_true"])
        for r in ok
    ]
    recall_min = [min(r["contact"]["recall"], r["toe_off"]["recall"]) for r in ok]
    return {
        "n_runs": len(runs),
        "n_failed": len(runs) - len(ok),
        "contact_mae_ms": _mean(r["contact"]["mae_ms"] for r in ok),
        "contact_bias_ms": _mean(r["contact"]["bias_ms"] for r in ok),
        "contact_recall": _mean(r["contact"]["recall"] for r in ok),
        "toe_off_mae_ms": _mean(r["toe_off"]["mae_ms"] for r in ok),
        "toe_off_bias_ms": _mean(r["toe_off"]["bias_ms"] for r in ok),
        "toe_off_recall": _mean(r["toe_off"]["recall"] for r in ok),
        # a failed run counts as recall 0 so it cannot hide behind the others
        "recall_min": _mean(recall_min + [0.0] * (len(runs) - len(ok))),
        "extra_pct": 100.0 * _mean(extra),
        "contact_time_mae_ms": _mean(r["contact_time"]["mae_ms"] for r in ok),
        "contact_time_bias_ms": _mean(r["contact_time"]["bias_ms"] for r in ok),
        "cadence_error_pct": _mean(r["cadence_error_pct"] for r in ok),
        "cadence_abs_error_pct": _mean(
            abs(r["cadence_error_pct"]) if r["cadence_error_pct"] is not None else None for r in ok
        ),
    }


def _check_targets(name: str, mean: dict) -> list[dict]:
    out = []
    for label, key, limit, cmp in TARGETS.get(name, ()):
        value = mean[key]
        met = bool(np.isfinite(value) and (value <= limit if cmp == "<=" else value >= limit))
        out.append({"target": label, "key": key, "value": value, "limit": limit, "met": met})
    return out


def benchmark(
    engine: EngineFn | None = None,
    conditions: Sequence[dict] = CONDITIONS,
    facings: Sequence[str] = ("left", "right"),
    data_dir: Path = DATA_DIR,
    tolerance_s: float = 0.08,
    progress: Callable[..., None] | None = None,
) -> dict:
    """Run an engine on projected 2.5 m/s tracks and score it against the force plate.

    Parameters
    ----------
    engine:
        ``track -> {"events": [...], "summary": {"cadence_spm": ...}}``; default
        :func:`pipeline_engine` (runform's ``analyze_track``). An engine that raises
        ``runform.errors.RunformError`` is recorded as a failed run (recall 0).
    conditions, facings:
        What to project (see :data:`CONDITIONS`); every run is repeated for each facing.
    tolerance_s:
        Matching tolerance of :func:`runform.evaluation.match_events`.
    progress:
        Optional callback ``(stage, fraction, detail)``.

    Returns
    -------
    dict
        ``{"truth": summary, "tolerance_s", "conditions": [{"name", "rate_hz", "noise_px",
        "runs": [...], "mean": {...}, "targets": [{"target", "value", "limit", "met"}]}]}``.
    """
    from runform.errors import RunformError

    engine = engine or pipeline_engine
    truth = truth_record(data_dir)
    total = sum(len(c["runs"]) for c in conditions) * len(facings)
    done = 0
    out_conditions = []
    for cond in conditions:
        runs = []
        for facing in facings:
            for seed, phase in cond["runs"]:
                track = project_markers(
                    data_dir / TRIALS[2.5],
                    rate_hz=cond["rate_hz"],
                    noise_px=cond["noise_px"],
                    seed=seed,
                    phase=phase,
                    facing=facing,
                )
                info = {"facing": facing, "seed": seed, "phase": phase}
                try:
                    run = score_run(engine(track), truth, tolerance_s)
                except RunformError as exc:
                    run = {"ok": False, "error": str(exc)}
                runs.append({**info, **run})
                done += 1
                if progress:
                    progress("fukuchi", done / total, f"{cond['name']} facing {facing}")
        mean = _condition_mean(runs)
        out_conditions.append(
            {
                "name": cond["name"],
                "rate_hz": cond["rate_hz"] or MARKER_RATE_HZ,
                "noise_px": cond["noise_px"],
                "runs": runs,
                "mean": mean,
                "targets": _check_targets(cond["name"], mean),
            }
        )
    return {
        "data": ATTRIBUTION,
        "trial": TRIALS[2.5],
        "truth": truth["summary"],
        "truth_method": truth["method"],
        "tolerance_s": tolerance_s,
        "conditions": out_conditions,
    }


def format_benchmark(result: dict) -> str:
    """The benchmark as text: one row per condition, then the targets."""
    header = [
        "condition",
        "runs (failed)",
        "contact MAE / bias ms",
        "toe-off MAE / bias ms",
        "recall C / TO %",
        "extra %",
        "contact time err MAE / bias ms",
        "cadence err %",
    ]

    def pair(a: float, b: float) -> str:
        return "–" if not np.isfinite(a) else f"{a:.1f} / {b:+.1f}"

    def pct(v: float) -> str:
        return "–" if not np.isfinite(v) else f"{100 * v:.0f}"

    rows = []
    for c in result["conditions"]:
        m = c["mean"]
        rows.append(
            [
                c["name"],
                f"{m['n_runs']} ({m['n_failed']})",
                pair(m["contact_mae_ms"], m["contact_bias_ms"]),
                pair(m["toe_off_mae_ms"], m["toe_off_bias_ms"]),
                f"{pct(m['contact_recall'])} / {pct(m['toe_off_recall'])}",
                f"{m['extra_pct']:.1f}",
                pair(m["contact_time_mae_ms"], m["contact_time_bias_ms"]),
                f"{m['cadence_error_pct']:+.2f}",
            ]
        )
    t = result["truth"]
    lines = [
        f"Force-plate truth ({result['trial']}): {t['n_stances']} stances, cadence "
        f"{t['cadence_spm']:.1f} spm, contact {t['contact_time_ms']:.0f} ms, flight "
        f"{t['flight_time_ms']:.0f} ms, duty factor {t['duty_factor_pct']:.1f} %; "
        f"matching tolerance {1000 * result['tolerance_s']:.0f} ms.",
        "",
        format_table(header, rows),
        "",
    ]
    for c in result["conditions"]:
        for tgt in c["targets"]:
            verdict = "MET" if tgt["met"] else "NOT MET"
            lines.append(f"{c['name']}: {tgt['target']}: {tgt['value']:.3g} -> {verdict}")
        for r in c["runs"]:
            if not r["ok"]:
                lines.append(
                    f"{c['name']} facing {r['facing']} seed {r['seed']}: FAILED: {r['error']}"
                )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--export", metavar="DIR", help="write tracks and truth to DIR and stop")
    parser.add_argument("--facing", default="left", choices=["left", "right"])
    parser.add_argument(
        "--facing-only", action="store_true", help="benchmark only --facing, not both"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the benchmark result as JSON")
    args = parser.parse_args(argv)
    if not DATA_DIR.is_dir():
        print(f"Reference data not found at {DATA_DIR}.", file=sys.stderr)
        return 2
    if args.export:
        for path in export(args.export, facing=args.facing):
            print(f"wrote {path}")
        return 0
    result = benchmark(facings=(args.facing,) if args.facing_only else ("left", "right"))
    print(format_benchmark(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
