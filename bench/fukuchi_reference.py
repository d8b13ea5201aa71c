"""Reference numbers of Fukuchi et al. 2017's runner RBDS0041: marker-only events, angles.

Holds the 2-D sagittal angles of the rebuilt leg keypoints (:func:`thigh_angle`,
:func:`knee_flexion`), marker-only contacts and toe-offs for the trials without forces
(:func:`marker_events`), per-stride angle medians (:func:`angle_reference`), the peaks of the
data set's own 3-D curves, and :func:`reference_numbers`, which gathers them with the
force-plate timing into the ``reference.json`` that ``python bench/fukuchi.py --export``
writes. The files and the force-plate truth are read by :mod:`fukuchi_files`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from force_truth import crossing_time
from fukuchi_files import (
    ATTRIBUTION,
    DATA_DIR,
    SIDE_PREFIX,
    TRIALS,
    keypoints_3d,
    load_markers,
    stance_table,
    temporal_summary,
    truth_record,
)


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
