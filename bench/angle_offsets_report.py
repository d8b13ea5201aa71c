"""The 2-D against 3-D angle tables that ``python bench/references.py`` prints, as Markdown.

:func:`format_angles` gives the per-trial table against the authors' 3-D curves, the
per-runner offsets against them (:func:`format_offsets`) and those against the 3-D angles
from the markers (:func:`format_marker_offsets`: the markers' angles against the authors'
on the seven runners, the per-runner offsets on every runner, and peak hip extension by
speed). All read the dict of :func:`references.run`, whose trials carry
:func:`angle_offsets.compare_angles`'s result, summarised per runner by
:func:`angle_offsets.offsets_by_runner` and :func:`angle_offsets.offset_summary`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from _common import format_table
from angle_offsets import offset_summary, offsets_by_runner


def _signed(v: float | None) -> str:
    return "–" if v is None else f"{v:+.1f}"


def _pairs(per: dict[str, dict[str, float]], x: str, y: str) -> list[tuple[float, float]]:
    """``(x, y)`` of every runner that has both."""
    return [(d[x], d[y]) for d in per.values() if x in d and y in d]


def format_offsets(doc: dict) -> str:
    """The per-runner offsets against the authors' 3-D curves (the seven runners)."""
    per = {r: d for r, d in offsets_by_runner(doc).items() if "offset_ext_deg" in d}
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
        if not a or "hip_ext_3d_deg" not in a:
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
    markers = format_marker_offsets(doc)
    if markers:
        parts.append(markers)
    return "\n\n".join(parts)


def _median_range(values: Sequence[float], signed: bool = True) -> str:
    if not values:
        return "–"
    f = "+.1f" if signed else ".1f"
    return f"{np.median(values):{f}} ({min(values):{f}} to {max(values):{f}})"


def format_marker_offsets(doc: dict) -> str:
    """The 3-D angles from the markers: against the authors' on the seven, the per-runner
    offsets on every runner, and peak hip extension by speed ("" without them)."""
    per = {r: d for r, d in offsets_by_runner(doc).items() if "offset_ext_markers_deg" in d}
    if not per:
        return ""
    parts = []
    check = {r: d for r, d in per.items() if "markers_minus_authors_hip_ext_deg" in d}
    if check:
        rows = []
        for runner, d in check.items():
            model = d.get("model_tilt_ext_deg")
            rows.append(
                [
                    runner,
                    *(
                        _signed(d.get(f"markers_minus_authors_{k}_deg"))
                        for k in (
                            "hip_ext",
                            "hip_flex",
                            "knee_contact",
                            "knee_stance",
                            "knee_swing",
                        )
                    ),
                    "–" if model is None else f"{d['pelvis_tilt_ext_markers_deg'] - model:+.1f}",
                ]
            )
        parts.append(
            "## 3-D angles from the markers against the authors' (markers − authors, deg)\n\n"
            + format_table(
                [
                    "runner",
                    "hip extension",
                    "hip flexion",
                    "knee at contact",
                    "knee stance peak",
                    "knee swing peak",
                    "ASIS-PSIS tilt − model tilt",
                ],
                rows,
            )
        )
    keys = (
        "hip_ext_3d_markers_deg",
        "offset_ext_markers_deg",
        "offset_flex_markers_deg",
        "pelvis_tilt_ext_markers_deg",
        "offset_ext_plus_tilt_markers_deg",
        "offset_knee_contact_markers_deg",
        "offset_knee_stance_markers_deg",
        "offset_knee_swing_markers_deg",
    )
    rows = [[runner, *(_signed(d.get(k)) for k in keys)] for runner, d in per.items()]
    rows.append(
        [f"median (range), {len(per)} runners"]
        + [_median_range([d[k] for d in per.values() if k in d]) for k in keys]
    )
    parts.append(
        "## 2-D − 3-D from the markers per runner (median over its speeds, deg)\n\n"
        + format_table(
            [
                "runner",
                "3-D hip ext",
                "hip at peak ext",
                "hip at peak flex",
                "ant. tilt ASIS-PSIS",
                "ext offset + tilt",
                "knee at contact",
                "knee stance peak",
                "knee swing peak",
            ],
            rows,
        )
    )
    by_speed: dict[float, list[dict]] = {}
    for t in doc["trials"]:
        a = (t.get("angles") or {}).get("mean")
        if a and "hip_ext_3d_markers_deg" in a:
            by_speed.setdefault(t["speed_label_mps"], []).append(a)
    rows = []
    for speed in sorted(by_speed):
        group = by_speed[speed]
        rows.append(
            [
                f"{speed:g}",
                str(len(group)),
                *(
                    _median_range([a[k] for a in group], signed=k == "offset_ext_markers_deg")
                    for k in (
                        "hip_ext_3d_markers_deg",
                        "thigh_ext_2d_deg",
                        "offset_ext_markers_deg",
                        "pelvis_tilt_ext_markers_deg",
                    )
                ),
            ]
        )
    parts.append(
        "## Peak hip extension by speed: 3-D from the markers and 2-D (trials; deg)\n\n"
        + format_table(
            [
                "belt m/s",
                "trials",
                "3-D hip extension",
                "2-D thigh extension",
                "2-D − 3-D",
                "ant. tilt ASIS-PSIS",
            ],
            rows,
        )
    )
    return "\n\n".join(parts)
