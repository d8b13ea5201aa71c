"""Feet without heel or toe points: what the events were timed from, and what not to trust.

Contact and toe-off are read from the foot's heel and toe (``foot_index``): their height
above the ground and the heel's forward speed (:mod:`runform.gait.stances`,
:mod:`runform.gait.foot_speed`). A pose without them (COCO-17 from Sports2D, a CSV with the
toe columns left out, feet out of the picture) is timed from what is left, the heel alone,
the toe alone or the ankle, and the timing moves: on the audit's real clip contact time went
from 273 ms to 185 ms without the toes, and the ankle alone also moved the angles read at
contact (shank 11° → 2°, touchdown distance 28 → 16 % of the leg). :func:`missing_foot_points`
says which points are missing, :func:`foot_points_sentence` warns in one sentence and
:func:`distrust_foot_timing` marks the metrics they move as not trusted, so they are shown
greyed and never become findings.

Examples
--------
>>> from runform.synthetic import synthetic_runner
>>> track = synthetic_runner(fps=60, duration_s=2, seed=1).track
>>> missing_foot_points(track)
{}
>>> keep = [k for k in track.keypoints if not k.endswith("foot_index")]
>>> no_toes = track.from_points(track.time, {k: track.point(k) for k in keep})
>>> missing_foot_points(no_toes)
{'left': ('foot_index',), 'right': ('foot_index',)}
>>> foot_points_sentence(missing_foot_points(no_toes))[:70]
'Without usable toe (foot_index) keypoints, contact and toe-off were ti'
"""

from __future__ import annotations

import numpy as np

from runform.keypoints import FOOT_POINTS, SIDES
from runform.track import PoseTrack

#: A foot point found (finite) in fewer of the frames where its ankle is found is missing.
MIN_FOUND_FRACTION = 0.5
#: Metrics that are durations between a contact and a toe-off: wrong whenever the foot
#: lacks its heel or its toe.
TIMING_METRICS: tuple[str, ...] = ("contact_time_ms", "flight_time_ms", "duty_factor_pct")
#: Metrics read at the instant of contact: wrong when the heel, what lands first in most
#: runners, is missing (timed from the toe or the ankle); the toe alone leaves them in place
#: (audit clip: shank angle 11.5 → 10.5°, touchdown distance 28.0 → 27.5 %).
CONTACT_METRICS: tuple[str, ...] = (
    "thigh_flexion_contact_deg",
    "knee_flexion_contact_deg",
    "shank_angle_contact_deg",
    "touchdown_distance_pct",
)
_NAMES = {"heel": "heel", "foot_index": "toe (foot_index)"}


def missing_foot_points(track: PoseTrack) -> dict[str, tuple[str, ...]]:
    """Per side, the foot parts (``heel``, ``foot_index``) the events could not use: absent
    from the track, or found inside the picture in under :data:`MIN_FOUND_FRACTION` of the
    frames where that side's ankle is found. Sides with both parts are left out."""
    out: dict[str, tuple[str, ...]] = {}
    for side in SIDES:
        ankle = f"{side}_ankle"
        seen = np.isfinite(track.point(ankle)).all(axis=1) if track.has(ankle) else None
        gone = []
        for part in FOOT_POINTS:
            name = f"{side}_{part}"
            if not track.has(name):
                gone.append(part)
                continue
            found = np.isfinite(track.point(name)).all(axis=1) & _in_picture(track, name)
            base = seen if seen is not None and seen.any() else np.ones_like(found)
            if found[base].mean() < MIN_FOUND_FRACTION:
                gone.append(part)
        if gone:
            out[side] = tuple(gone)
    return out


#: How far past the picture's edge (share of its height) a point still counts as seen.
PICTURE_MARGIN = 0.02


def _in_picture(track: PoseTrack, name: str) -> np.ndarray:
    """Frames where ``name`` lies inside the picture. A pose model places a foot that is out
    of the frame (feet cut off by the framing) where it guesses, with a confident score;
    such a point says nothing of when the foot lands. All frames for tracks not in pixels
    or without a known frame size."""
    meta = track.meta
    xy = track.point(name)
    if meta.units != "px" or not meta.width or not meta.height:
        return np.ones(len(xy), bool)
    pad = PICTURE_MARGIN * meta.height
    with np.errstate(invalid="ignore"):
        return (
            (xy[:, 0] >= -pad)
            & (xy[:, 0] <= meta.width + pad)
            & (xy[:, 1] >= -pad)
            & (xy[:, 1] <= meta.height + pad)
        )


def _all_missing(missing: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(p for p in FOOT_POINTS if any(p in parts for parts in missing.values()))


def foot_points_sentence(missing: dict[str, tuple[str, ...]]) -> str | None:
    """One sentence for ``analysis.json``'s warnings: which foot points are missing, what the
    events were timed from and which metrics are therefore not trusted (``None`` if none)."""
    parts = _all_missing(missing)
    if not parts:
        return None
    what = " and ".join(_NAMES[p] for p in parts)
    left = [p for p in FOOT_POINTS if p not in parts]
    timed_from = "the ankle" if not left else f"the {_NAMES[left[0]].split()[0]} alone"
    sides = sorted(missing)
    where = "" if len(sides) == 2 else f" on the {sides[0]} foot"
    metrics = "contact time, flight time and duty factor"
    if "heel" in parts:
        metrics += ", and the angles and distance at contact,"
    return (
        f"Without usable {what} keypoints{where}, contact and toe-off were timed from "
        f"{timed_from}, so {metrics} are not reliable and give no finding; use a pose with "
        "heel and toe points (e.g. BlazePose, HALPE_26 or BODY_25) and keep the feet in view."
    )


def distrust_foot_timing(metrics: dict, missing: dict[str, tuple[str, ...]]) -> list[str]:
    """Mark (in place) the metrics the missing foot points move as poor and not trusted,
    with a flag saying why; return their ids."""
    parts = _all_missing(missing)
    if not parts:
        return []
    ids = list(TIMING_METRICS) + (list(CONTACT_METRICS) if "heel" in parts else [])
    flag = (
        f"events timed without the {' and '.join(_NAMES[p] for p in parts)} keypoints: not reliable"
    )
    marked = []
    for mid in ids:
        entry = metrics.get(mid)
        if not entry:
            continue
        quality = entry.setdefault("quality", {"level": "good", "trusted": True, "flags": []})
        quality.setdefault("flags", []).append(flag)
        quality["level"] = "poor"
        quality["trusted"] = False
        marked.append(mid)
    return marked
