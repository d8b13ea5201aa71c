"""2-D against 3-D: runform's thigh and knee angles against 3-D joint angles.

Used by ``bench/references.py`` on every runner, against the 3-D angles computed from the
trial's own markers (:mod:`joint_angles_3d`, an ASIS-PSIS pelvis as gait labs use), and on
the runners whose authors' 3-D curves are in ``../shared/data`` against those too (the
seven: the 29 runners of ``../external_data`` come as markers and forces only).

The 2-D thigh angle (hip->knee against vertical, :func:`runform.metrics.angles.frame_angles`)
and knee angle against the authors' 3-D joint angles: Hamner's OpenSim inverse kinematics
(``ik/Run_N.mot``: ``hip_flexion``, ``knee_angle``, ``pelvis_tilt``) and Fukuchi's
processed gait-cycle mean curves (``RBDSxxxprocessed.txt``: ``RhipAngZ25``...). Both are
compared as gait-cycle mean curves over the same strides (force-plate contacts where the
trial has them, else the engine's), at peak extension and peak flexion of the hip, and at
contact, stance peak and swing peak of the knee. The pelvis's sagittal tilt (the ASIS-PSIS
line from the markers; Hamner's model ``pelvis_tilt`` too) explains the hip offset: thigh
angle ~= hip angle - anterior pelvic tilt.

Gait-cycle mean curves are compared, not frames, because Fukuchi's 3-D curves exist only as
the authors' means. Nothing is written to disk (``docs/references.md`` has the numbers).

This module measures (:func:`compare_angles`, per trial) and summarises per runner
(:func:`offsets_by_runner`, :func:`offset_summary`); the tables printed from them are in
:mod:`angle_offsets_report`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import mocap
from _common import SHARED_DATA
from runform.keypoints import SIDES

#: Fukuchi processed-file column tag of each trial speed label.
FUKUCHI_TAG = {2.5: "25", 3.5: "35", 4.5: "45"}


def _fukuchi_folder(runner: str) -> Path:
    return SHARED_DATA / ("fukuchi_rbds0041" if runner == "RBDS0041" else "fukuchi_rbds002")


def _strides(trial: mocap.Trial, analysis_events: list[dict] | None, side: str) -> list:
    """(contact, next contact) pairs of one foot: force-plate contacts when the trial has
    them, else the engine's; strides far from the median duration are dropped."""
    events = trial.events or analysis_events or []
    contacts = sorted(e["time_s"] for e in events if e["side"] == side and e["kind"] == "contact")
    pairs = list(itertools.pairwise(contacts))
    if not pairs:
        return []
    dur = np.median([b - a for a, b in pairs])
    return [(a, b) for a, b in pairs if 0.7 * dur <= b - a <= 1.3 * dur]


def cycle_mean(
    time: np.ndarray, series: np.ndarray, strides: Sequence[tuple[float, float]], n: int = 101
) -> np.ndarray | None:
    """Mean over strides of ``series`` resampled on 0-100 % of each stride (NaN-free ones)."""
    pct = np.linspace(0.0, 1.0, n)
    curves = []
    for a, b in strides:
        sel = (time >= a - 0.05) & (time <= b + 0.05)
        if sel.sum() < 10 or not np.isfinite(series[sel]).all():
            continue
        curves.append(np.interp(a + pct * (b - a), time[sel], series[sel]))
    return np.mean(curves, axis=0) if curves else None


def _reference_3d(trial: mocap.Trial, side: str) -> dict[str, np.ndarray] | None:
    """The authors' 3-D hip flexion and knee flexion (deg) for one leg of a trial: per
    frame (Hamner, on the marker clock) or as gait-cycle mean curves (Fukuchi)."""
    s = side[0]
    if trial.dataset == "hamner":
        from runform.pose.formats.opensim import read_mot

        folder = SHARED_DATA / "hamner2013" / f"subject{trial.runner.removeprefix('hamner')}"
        path = folder / "ik" / f"Run_{int(trial.speed_label)}.mot"
        if not path.is_file():  # the runners of ../external_data have no 3-D curves
            return None
        ik = read_mot(path)
        t = np.asarray(ik.time, float)

        def at(col: str) -> np.ndarray:
            return np.interp(trial.time, t, np.asarray(ik.columns[col], float), np.nan, np.nan)

        return {
            "frames": np.array(1.0),
            "hip": at(f"hip_flexion_{s}"),
            # the model's knee angle is negative in flexion
            "knee": -at(f"knee_angle_{s}"),
            "pelvis_tilt": at("pelvis_tilt"),
        }
    tag = FUKUCHI_TAG.get(trial.speed_label)
    path = _fukuchi_folder(trial.runner) / f"{trial.runner}processed.txt"
    if tag is None or not path.is_file():
        return None
    with open(path) as fh:
        header = fh.readline().rstrip("\n").split("\t")
    data = np.genfromtxt(path, delimiter="\t", skip_header=1)
    col = {name: data[:, i] for i, name in enumerate(header)}
    p = s.upper()
    if f"{p}hipAngZ{tag}" not in col:
        return None
    return {"hip": col[f"{p}hipAngZ{tag}"], "knee": col[f"{p}kneeAngZ{tag}"]}


def compare_angles(trial: mocap.Trial, analysis=None) -> dict:
    """2-D thigh and knee angle curves against 3-D hip and knee angles, per leg.

    Two 3-D references: the authors' (Hamner's inverse kinematics, Fukuchi's processed
    curves; the seven runners of ``../shared/data``), and the angles computed from the
    trial's own markers with an ASIS-PSIS pelvis (:mod:`joint_angles_3d`, every runner;
    keys ending ``_markers``). Offsets are 2-D minus 3-D on gait-cycle mean curves over the
    same strides: at peak hip extension (minimum), at peak hip flexion (maximum), and for
    the knee at contact, at its stance peak (before the 2-D curve's toe-off) and at its
    swing peak. ``pelvis_tilt_*`` is the anterior tilt of the ASIS-PSIS line (markers) at
    the 3-D hip's extreme; ``model_tilt_*`` Hamner's model ``pelvis_tilt`` sign-flipped to
    anterior-positive; ``markers_minus_authors_*`` how far the markers' 3-D angles lie
    from the authors' where both exist.
    """
    from runform.metrics.angles import frame_angles

    if analysis is not None:
        track, direction = analysis.track, analysis.direction
        events = analysis.to_dict()["events"]
    else:  # the engine refused the trial: angles of the projected track itself
        track, direction, events = mocap.project(trial, None, 0.0, "left"), -1, None
    ang = frame_angles(track, direction)
    t = np.asarray(track.time, float)
    from_markers = trial.extra.get("angles_3d")
    out: dict = {"sides": {}}
    for side in SIDES:
        strides = _strides(trial, events, side)
        if not strides:
            continue
        thigh2 = cycle_mean(t, ang["thigh"][side], strides)
        knee2 = cycle_mean(t, ang["knee"][side], strides)
        if thigh2 is None or knee2 is None:
            continue
        toe = _toe_off_fraction(trial, events, side, strides)
        stance = slice(0, max(2, int(round(100 * toe)) + 1))
        row: dict = {}
        ref = _reference_3d(trial, side)
        authors = None
        if ref is not None:
            authors = _authors_row(trial, ref, side, strides, thigh2, knee2, stance, ang, t)
        if authors is not None:
            row.update(authors[0])
        tilt_m = None
        if from_markers is not None:
            tilt_m = cycle_mean(trial.time, from_markers["pelvis_tilt"], strides)
            hip_m = cycle_mean(trial.time, from_markers[side]["hip"], strides)
            knee_m = cycle_mean(trial.time, from_markers[side]["knee"], strides)
            if hip_m is not None and knee_m is not None and tilt_m is not None:
                row.update(
                    _offsets(thigh2, knee2, hip_m, knee_m, stance, suffix="_markers"),
                    pelvis_tilt_ext_markers_deg=float(tilt_m[int(np.argmin(hip_m))]),
                    pelvis_tilt_mean_markers_deg=float(np.mean(tilt_m)),
                )
                if authors is not None:
                    for key in (
                        "hip_ext_3d_deg",
                        "hip_flex_3d_deg",
                        "knee_contact_3d_deg",
                        "knee_stance_3d_deg",
                        "knee_swing_3d_deg",
                    ):
                        name = key.removesuffix("_3d_deg")
                        row[f"markers_minus_authors_{name}_deg"] = (
                            row[f"{name}_3d_markers_deg"] - row[key]
                        )
        if not row:
            continue
        row["strides"] = len(strides)
        row["toe_off_pct"] = round(100 * toe, 1)
        if tilt_m is not None and authors is not None:
            _, i_ext, i_flex = authors
            row["pelvis_tilt_ext_deg"] = float(tilt_m[i_ext])
            row["pelvis_tilt_flex_deg"] = float(tilt_m[i_flex])
        out["sides"][side] = row
    if out["sides"]:
        keys = set.intersection(*(set(r) for r in out["sides"].values()))
        out["mean"] = {k: float(np.mean([r[k] for r in out["sides"].values()])) for k in keys}
    return out


def _offsets(
    thigh2: np.ndarray,
    knee2: np.ndarray,
    hip3: np.ndarray,
    knee3: np.ndarray,
    stance: slice,
    suffix: str = "",
) -> dict[str, float]:
    """The 2-D and 3-D values at the compared moments and their offsets (2-D - 3-D)."""
    row = {
        "thigh_ext_2d_deg": float(-thigh2.min()),
        "thigh_flex_2d_deg": float(thigh2.max()),
        "knee_contact_2d_deg": float(knee2[0]),
        "knee_stance_2d_deg": float(knee2[stance].max()),
        "knee_swing_2d_deg": float(knee2.max()),
        f"hip_ext_3d{suffix}_deg": float(-hip3.min()),
        f"hip_flex_3d{suffix}_deg": float(hip3.max()),
        f"offset_ext{suffix}_deg": float(thigh2.min() - hip3.min()),
        f"offset_flex{suffix}_deg": float(thigh2.max() - hip3.max()),
        f"knee_contact_3d{suffix}_deg": float(knee3[0]),
        f"knee_stance_3d{suffix}_deg": float(knee3[stance].max()),
        f"knee_swing_3d{suffix}_deg": float(knee3.max()),
    }
    for moment in ("contact", "stance", "swing"):
        row[f"offset_knee_{moment}{suffix}_deg"] = (
            row[f"knee_{moment}_2d_deg"] - row[f"knee_{moment}_3d{suffix}_deg"]
        )
    return row


def _authors_row(
    trial: mocap.Trial,
    ref: dict,
    side: str,
    strides: Sequence,
    thigh2: np.ndarray,
    knee2: np.ndarray,
    stance: slice,
    ang: dict,
    t: np.ndarray,
) -> tuple[dict, int, int] | None:
    """The offsets against the authors' 3-D curves (and Hamner's frame-by-frame check),
    with the indices of the 3-D hip's peak extension and peak flexion in the cycle."""
    model_tilt = None
    if "frames" in ref:
        hip3 = cycle_mean(trial.time, ref["hip"], strides)
        knee3 = cycle_mean(trial.time, ref["knee"], strides)
        model_tilt = -cycle_mean(trial.time, ref["pelvis_tilt"], strides)
        # frame by frame: thigh = hip + model pelvis tilt, if the model and 2-D agree
        th = np.interp(trial.time, t, ang["thigh"][side])
        resid = th - (ref["hip"] + ref["pelvis_tilt"])
        frame_check = {
            "thigh_minus_hip_plus_tilt_mean_deg": float(np.nanmean(resid)),
            "thigh_minus_hip_plus_tilt_sd_deg": float(np.nanstd(resid)),
        }
    else:
        hip3, knee3 = ref["hip"], ref["knee"]
        frame_check = {}
    if hip3 is None or knee3 is None:
        return None
    i_ext, i_flex = int(np.argmin(hip3)), int(np.argmax(hip3))
    row = {**_offsets(thigh2, knee2, hip3, knee3, stance), **frame_check}
    if model_tilt is not None:
        row["model_tilt_ext_deg"] = float(model_tilt[i_ext])
        row["model_tilt_flex_deg"] = float(model_tilt[i_flex])
    return row, i_ext, i_flex


def _toe_off_fraction(
    trial: mocap.Trial, events: list[dict] | None, side: str, strides: Sequence
) -> float:
    """Median share of the stride spent in stance (the same events as the strides)."""
    ev = trial.events or events or []
    offs = sorted(e["time_s"] for e in ev if e["side"] == side and e["kind"] == "toe_off")
    fr = []
    for a, b in strides:
        o = [x for x in offs if a < x < b]
        if o:
            fr.append((o[0] - a) / (b - a))
    return float(np.median(fr)) if fr else 0.35


#: The per-trial keys of the 3-D angles from the markers summarised per runner.
MARKER_KEYS = (
    "hip_ext_3d_markers_deg",
    "offset_ext_markers_deg",
    "offset_flex_markers_deg",
    "pelvis_tilt_ext_markers_deg",
    "offset_knee_contact_markers_deg",
    "offset_knee_stance_markers_deg",
    "offset_knee_swing_markers_deg",
    "markers_minus_authors_hip_ext_deg",
    "markers_minus_authors_hip_flex_deg",
    "markers_minus_authors_knee_contact_deg",
    "markers_minus_authors_knee_stance_deg",
    "markers_minus_authors_knee_swing_deg",
)


def offsets_by_runner(doc: dict) -> dict[str, dict[str, float]]:
    """Per runner, the median over its trials of each 2-D - 3-D offset (and the tilts)."""
    keys = (
        "offset_ext_deg",
        "offset_flex_deg",
        "pelvis_tilt_ext_deg",
        "model_tilt_ext_deg",
        "offset_knee_contact_deg",
        "offset_knee_stance_deg",
        "offset_knee_swing_deg",
        "thigh_minus_hip_plus_tilt_mean_deg",
        "thigh_minus_hip_plus_tilt_sd_deg",
        *MARKER_KEYS,
    )
    acc: dict[str, dict[str, list[float]]] = {}
    for t in doc["trials"]:
        a = (t.get("angles") or {}).get("mean")
        if not a:
            continue
        for k in keys:
            if a.get(k) is not None:
                acc.setdefault(t["runner"], {}).setdefault(k, []).append(a[k])
    out = {r: {k: float(np.median(v)) for k, v in d.items()} for r, d in acc.items()}
    for d in out.values():
        # the tilt the 3-D hip angle is measured from: Hamner's model pelvis, else the
        # ASIS-PSIS line (Fukuchi's offsets follow it, see the report)
        tilt = d.get("model_tilt_ext_deg", d.get("pelvis_tilt_ext_deg"))
        if tilt is not None and "offset_ext_deg" in d:
            d["offset_ext_plus_tilt_deg"] = d["offset_ext_deg"] + tilt
        if "offset_ext_markers_deg" in d and "pelvis_tilt_ext_markers_deg" in d:
            d["offset_ext_plus_tilt_markers_deg"] = (
                d["offset_ext_markers_deg"] + d["pelvis_tilt_ext_markers_deg"]
            )
    return out


def offset_summary(doc: dict) -> dict[str, dict[str, float]]:
    """Median and range across runners of each per-runner offset."""
    per = offsets_by_runner(doc)
    out = {}
    for k in (
        "offset_ext_deg",
        "offset_flex_deg",
        "offset_knee_contact_deg",
        "offset_knee_stance_deg",
        "offset_knee_swing_deg",
        "offset_ext_plus_tilt_deg",
        "offset_ext_plus_tilt_markers_deg",
        *MARKER_KEYS,
    ):
        v = [d[k] for d in per.values() if k in d]
        if v:
            out[k] = {"median": float(np.median(v)), "min": min(v), "max": max(v), "n": len(v)}
    return out
