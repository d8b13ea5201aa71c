"""2-D against 3-D: runform's thigh and knee angles against the authors' 3-D joint angles.

Used by ``bench/references.py`` on the runners whose 3-D curves are in ``../shared/data``
(the seven: the 29 runners of ``../external_data`` come as markers and forces only).

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
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import mocap
from _common import SHARED_DATA, format_table
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


def pelvis_tilt_series(trial: mocap.Trial) -> np.ndarray | None:
    """Anterior tilt (deg, + = ASIS below PSIS) of the ASIS-PSIS line in the sagittal plane,
    per marker frame, from the running trial's own pelvis markers."""
    if trial.dataset == "fukuchi":
        import fukuchi
        import fukuchi_data

        spec = next(
            (
                s
                for s in fukuchi_data.trials(SHARED_DATA, with_forces=False)
                if s.runner == trial.runner and s.speed_label == trial.speed_label
            ),
            None,
        )
        if spec is None:
            return None
        _, markers = fukuchi.load_markers(spec.folder / spec.markers)
        front, back = ("R.ASIS", "L.ASIS"), ("R.PSIS", "L.PSIS")
        feet = ("R.Heel.Bottom", "L.Heel.Bottom")
    else:
        import hamner_data

        folder = SHARED_DATA / "hamner2013" / f"subject{trial.runner.removeprefix('hamner')}"
        _, markers = hamner_data._trc_markers(
            folder / "expData" / f"Run_{int(trial.speed_label)}.trc"
        )
        front, back, feet = ("RASI", "LASI"), ("RPSI", "LPSI"), ("RCAL", "LCAL")
    if not all(m in markers for m in (*front, *back)):
        return None
    axes = mocap.lab_axes(markers, front, back, [f for f in feet if f in markers])
    f = np.nanmean(np.stack([markers[m] for m in front]), axis=0) @ axes.T
    b = np.nanmean(np.stack([markers[m] for m in back]), axis=0) @ axes.T
    d = f - b
    return np.degrees(np.arctan2(-d[:, 1], d[:, 0]))


def _reference_3d(trial: mocap.Trial, side: str) -> dict[str, np.ndarray] | None:
    """The authors' 3-D hip flexion and knee flexion (deg) for one leg of a trial: per
    frame (Hamner, on the marker clock) or as gait-cycle mean curves (Fukuchi)."""
    s = side[0]
    if trial.dataset == "hamner":
        from runform.pose.formats.opensim import read_mot

        folder = SHARED_DATA / "hamner2013" / f"subject{trial.runner.removeprefix('hamner')}"
        ik = read_mot(folder / "ik" / f"Run_{int(trial.speed_label)}.mot")
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
    """2-D thigh and knee angle curves against the authors' 3-D hip and knee, per leg.

    Offsets are 2-D minus 3-D on gait-cycle mean curves over the same strides: at peak hip
    extension (minimum), at peak hip flexion (maximum), and for the knee at contact, at its
    stance peak (before the 2-D curve's toe-off) and at its swing peak. ``pelvis_tilt_*`` is
    the anterior tilt of the ASIS-PSIS line (markers) at the 3-D hip's extreme;
    ``model_tilt_*`` Hamner's model ``pelvis_tilt`` sign-flipped to anterior-positive.
    """
    from runform.metrics.angles import frame_angles

    if analysis is not None:
        track, direction = analysis.track, analysis.direction
        events = analysis.to_dict()["events"]
    else:  # the engine refused the trial: angles of the projected track itself
        track, direction, events = mocap.project(trial, None, 0.0, "left"), -1, None
    ang = frame_angles(track, direction)
    t = np.asarray(track.time, float)
    tilt_markers = pelvis_tilt_series(trial)
    out: dict = {"sides": {}}
    for side in SIDES:
        ref = _reference_3d(trial, side)
        strides = _strides(trial, events, side)
        if ref is None or not strides:
            continue
        thigh2 = cycle_mean(t, ang["thigh"][side], strides)
        knee2 = cycle_mean(t, ang["knee"][side], strides)
        if thigh2 is None or knee2 is None:
            continue
        tilt = None
        if tilt_markers is not None:
            tilt = cycle_mean(trial.time, tilt_markers, strides)
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
            continue
        toe = _toe_off_fraction(trial, events, side, strides)
        stance = slice(0, max(2, int(round(100 * toe)) + 1))
        i_ext, i_flex = int(np.argmin(hip3)), int(np.argmax(hip3))
        row = {
            "strides": len(strides),
            "thigh_ext_2d_deg": float(-thigh2.min()),
            "hip_ext_3d_deg": float(-hip3.min()),
            "thigh_flex_2d_deg": float(thigh2.max()),
            "hip_flex_3d_deg": float(hip3.max()),
            "offset_ext_deg": float(thigh2.min() - hip3.min()),
            "offset_flex_deg": float(thigh2.max() - hip3.max()),
            "knee_contact_2d_deg": float(knee2[0]),
            "knee_contact_3d_deg": float(knee3[0]),
            "knee_stance_2d_deg": float(knee2[stance].max()),
            "knee_stance_3d_deg": float(knee3[stance].max()),
            "knee_swing_2d_deg": float(knee2.max()),
            "knee_swing_3d_deg": float(knee3.max()),
            "toe_off_pct": round(100 * toe, 1),
            **frame_check,
        }
        row["offset_knee_contact_deg"] = row["knee_contact_2d_deg"] - row["knee_contact_3d_deg"]
        row["offset_knee_stance_deg"] = row["knee_stance_2d_deg"] - row["knee_stance_3d_deg"]
        row["offset_knee_swing_deg"] = row["knee_swing_2d_deg"] - row["knee_swing_3d_deg"]
        if tilt is not None:
            row["pelvis_tilt_ext_deg"] = float(tilt[i_ext])
            row["pelvis_tilt_flex_deg"] = float(tilt[i_flex])
        if model_tilt is not None:
            row["model_tilt_ext_deg"] = float(model_tilt[i_ext])
            row["model_tilt_flex_deg"] = float(model_tilt[i_flex])
        out["sides"][side] = row
    if out["sides"]:
        keys = set.intersection(*(set(r) for r in out["sides"].values()))
        out["mean"] = {k: float(np.mean([r[k] for r in out["sides"].values()])) for k in keys}
    return out


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


def _signed(v: float | None) -> str:
    return "–" if v is None else f"{v:+.1f}"


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
    ):
        v = [d[k] for d in per.values() if k in d]
        if v:
            out[k] = {"median": float(np.median(v)), "min": min(v), "max": max(v), "n": len(v)}
    return out


def _pairs(per: dict[str, dict[str, float]], x: str, y: str) -> list[tuple[float, float]]:
    """``(x, y)`` of every runner that has both."""
    return [(d[x], d[y]) for d in per.values() if x in d and y in d]


def format_offsets(doc: dict) -> str:
    per = offsets_by_runner(doc)
    rows = []
    for runner, d in per.items():
        rows.append(
            [
                runner,
                _signed(d.get("offset_ext_deg")),
                _signed(d.get("offset_flex_deg")),
                _signed(d.get("pelvis_tilt_ext_deg")),
                _signed(d.get("model_tilt_ext_deg")),
                _signed(d.get("offset_ext_plus_tilt_deg")),
                _signed(d.get("offset_knee_contact_deg")),
                _signed(d.get("offset_knee_stance_deg")),
                _signed(d.get("offset_knee_swing_deg")),
            ]
        )
    summary = offset_summary(doc)

    def median_range(k: str) -> str:
        if k not in summary:
            return "–"
        v = summary[k]
        return f"{v['median']:+.1f} ({v['min']:+.1f} to {v['max']:+.1f})"

    rows.append(
        [
            "median (range)",
            median_range("offset_ext_deg"),
            median_range("offset_flex_deg"),
            "",
            "",
            *map(
                median_range,
                (
                    "offset_ext_plus_tilt_deg",
                    "offset_knee_contact_deg",
                    "offset_knee_stance_deg",
                    "offset_knee_swing_deg",
                ),
            ),
        ]
    )
    notes = []
    fr = [
        (d["thigh_minus_hip_plus_tilt_mean_deg"], d["thigh_minus_hip_plus_tilt_sd_deg"])
        for d in per.values()
        if "thigh_minus_hip_plus_tilt_mean_deg" in d
    ]
    if fr:
        notes.append(
            "Hamner, frame by frame: 2-D thigh - (hip_flexion + pelvis_tilt) = "
            f"{min(m for m, _ in fr):+.1f} to {max(m for m, _ in fr):+.1f} deg per runner "
            f"(SD within a trial at most {max(s for _, s in fr):.1f} deg)."
        )
    ham = _pairs(per, "model_tilt_ext_deg", "offset_ext_deg")
    if len(ham) >= 3:
        x, y = np.array(ham).T
        notes.append(
            f"Across the {len(ham)} Hamner runners, offset at extension vs the model's anterior "
            f"tilt: r = {np.corrcoef(x, y)[0, 1]:.2f}, slope {np.polyfit(x, y, 1)[0]:+.2f}."
        )
    mk = _pairs(per, "pelvis_tilt_ext_deg", "offset_ext_deg")
    if len(mk) >= 3:
        x, y = np.array(mk).T
        notes.append(
            f"Across all {len(mk)} runners, offset at extension vs the ASIS-PSIS line's "
            f"anterior tilt: r = {np.corrcoef(x, y)[0, 1]:.2f}."
        )
    return (
        "## 2-D - 3-D offsets per runner (median over its speeds, deg)\n\n"
        + format_table(
            [
                "runner",
                "hip at peak ext",
                "hip at peak flex",
                "ant. tilt ASIS-PSIS",
                "ant. tilt (model)",
                "ext offset + tilt",
                "knee at contact",
                "knee stance peak",
                "knee swing peak",
            ],
            rows,
        )
        + ("\n\n" + "\n".join(notes) if notes else "")
    )


def format_angles(doc: dict) -> str:
    """The per-trial 2-D against 3-D table and the per-runner offsets ("" without angles)."""
    parts = []
    angle_rows = []
    for t in doc["trials"]:
        a = (t.get("angles") or {}).get("mean")
        if not a:
            continue
        angle_rows.append(
            [
                f"{t['runner']} {t['speed_label_mps']:g} m/s",
                f"{a['thigh_ext_2d_deg']:.1f} / {a['hip_ext_3d_deg']:.1f}",
                f"{a['offset_ext_deg']:+.1f}",
                f"{a['thigh_flex_2d_deg']:.1f} / {a['hip_flex_3d_deg']:.1f}",
                f"{a['offset_flex_deg']:+.1f}",
                _signed(a.get("pelvis_tilt_ext_deg")),
                _signed(a.get("model_tilt_ext_deg")),
                f"{a['offset_knee_contact_deg']:+.1f}",
                f"{a['offset_knee_stance_deg']:+.1f}",
                f"{a['offset_knee_swing_deg']:+.1f}",
            ]
        )
    if angle_rows:
        parts.append(
            "## 2-D against 3-D (both legs' mean; offsets 2-D − 3-D, deg)\n\n"
            + format_table(
                [
                    "trial",
                    "thigh ext 2-D / hip ext 3-D",
                    "offset at ext",
                    "thigh flex 2-D / hip flex 3-D",
                    "offset at flex",
                    "ant. tilt (markers) at ext",
                    "ant. tilt (model) at ext",
                    "knee at contact",
                    "knee stance peak",
                    "knee swing peak",
                ],
                angle_rows,
            )
        )
        parts.append(format_offsets(doc))
    return "\n\n".join(parts)
