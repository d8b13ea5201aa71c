"""Keypoints of the mocap harness (:mod:`mocap`): a trial's markers -> side-view keypoints.

A data set names its markers in a :class:`MarkerSet` and says where each keypoint comes
from in a :class:`PointSpec`. :func:`prepare_markers` turns a running trial to the lab's
(forward, up, right) axes and undoes label swaps (:mod:`rigid_body`); :func:`carry_keypoints`
carries the static trial's points into every running frame with the segments' rigid fits
(:func:`build_keypoints` does both). The foot's sole-level points are dropped onto the
floor in the static trial (:func:`ball_point` for the ball and the shoe's tip), and the tip
bends up at the ball where it would otherwise sink under the floor (:func:`hinge_toes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rigid_body import carry_points, fix_label_swaps, lab_axes


@dataclass(frozen=True)
class PointSpec:
    """Where a keypoint comes from: a static-trial point (``marker``) carried by the first
    cluster of ``clusters`` that fits a frame; ``sole=True`` drops it onto the floor first;
    ``measured=True`` uses the running marker itself."""

    marker: str
    clusters: tuple[str, ...] = ()
    sole: bool = False
    measured: bool = False
    ball: tuple[str, str, str] | None = None  # (heel, forefoot axis, fifth metatarsal)
    fraction: float = 0.725  # with ``ball``: where along the foot (0.725 ball, 1.0 tip)


#: Where the metatarsal heads lie along the foot, as fractions of its length from the heel:
#: the lateral (fifth) and medial (first) ball-girth lines of shoe lasts.
MT5_FRACTION_OF_FOOT = 0.635
MT1_FRACTION_OF_FOOT = 0.725
#: Where the toes meet the floor, as a fraction of the shoe's length: a running shoe's toe
#: spring lifts its tip off the floor, so the last sole point under the toes is short of it.
TOE_FRACTION = 0.9


def ball_point(
    static: Mapping[str, np.ndarray],
    heel: str,
    axis: str,
    mt5: str,
    fraction: float = MT1_FRACTION_OF_FOOT,
) -> np.ndarray:
    """A sole point along the foot, at floor level, in the static trial.

    The foot axis runs horizontally from the heel marker toward the forefoot marker
    ``axis``; the foot's length is the fifth metatarsal's distance along it divided by
    :data:`MT5_FRACTION_OF_FOOT`, and the point lies at ``fraction`` of it: the ball (under
    the first metatarsal head, :data:`MT1_FRACTION_OF_FOOT`) or the tip of the shoe (1.0).
    """
    h = np.asarray(static[heel], float)
    a = np.asarray(static[axis], float) - h
    a[1] = 0.0
    a /= np.linalg.norm(a)
    length = float(np.dot(np.asarray(static[mt5], float) - h, a)) / MT5_FRACTION_OF_FOOT
    point = h + fraction * length * a
    point[1] = 0.0
    return point


#: Largest bend of the toes against the foot (metatarsophalangeal dorsiflexion), degrees.
#: No limit by default: a toe point under the floor is impossible, a larger bend is not
#: (caps of 20 and 30 deg put the toe point through the floor late in push-off).
MAX_TOE_BEND_DEG = 90.0


def hinge_toes(
    ball: np.ndarray,
    rigid_tip: np.ndarray,
    max_bend_deg: float = MAX_TOE_BEND_DEG,
    floor: float = 0.0,
) -> np.ndarray:
    """The tip of the shoe with the toes bending at the ball, (T, 3).

    No marker follows the toes. Carried rigidly with the foot, the tip would sink under the
    floor in push-off, when the heel is up and the foot pitches down while the toes still
    press on the ground. There the toes bend up at the metatarsophalangeal joints just as
    far as keeps the tip on the floor (at most ``max_bend_deg``). Elsewhere the toes move
    with the foot. ``floor`` is the height
    of the floor in running (the static trial's floor, 0, moved by the sole's compression
    and the belt's level).
    """
    ball = ball - [0.0, floor, 0.0]
    rigid_tip = rigid_tip - [0.0, floor, 0.0]
    u = rigid_tip - ball
    length = np.linalg.norm(u, axis=1)
    horiz = u[:, [0, 2]]
    hnorm = np.linalg.norm(horiz, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        elev = np.arctan2(u[:, 1], hnorm)
        need = np.arcsin(np.clip(-ball[:, 1] / length, -1.0, 1.0))  # tip on the floor
        direction = horiz / hnorm[:, None]
    bend = np.clip(need - elev, 0.0, np.radians(max_bend_deg))
    bend = np.where(rigid_tip[:, 1] < 0.0, bend, 0.0)
    new = elev + bend
    tip = ball.copy()
    tip[:, 0] += length * np.cos(new) * direction[:, 0]
    tip[:, 2] += length * np.cos(new) * direction[:, 1]
    tip[:, 1] += length * np.sin(new)
    return tip + np.array([0.0, floor, 0.0])


@dataclass(frozen=True)
class MarkerSet:
    """A data set's marker names. ``{S}`` in a name stands for the side prefix."""

    side_prefix: Mapping[str, str]
    pelvis: tuple[str, ...]
    pelvis_front: tuple[str, ...]
    pelvis_back: tuple[str, ...]
    clusters: Mapping[str, tuple[str, ...]]  # segment -> markers (with {S})
    keypoints: Mapping[str, PointSpec]  # part -> spec (marker names with {S})
    feet: tuple[str, ...]  # markers low on the feet (with {S}), for the vertical axis


def _named(name: str, prefix: str) -> str:
    return name.replace("{S}", prefix)


@dataclass(frozen=True)
class PreparedMarkers:
    """A running trial's markers turned to the lab's (forward, up, right) with label swaps
    undone, the static trial's marker means in the same axes, and the segments' clusters:
    what :func:`carry_keypoints` carries points with. One trial's are prepared once and
    reused for its keypoints and its 3-D landmarks (:func:`joint_angles_3d.marker_angles`).
    """

    running: Mapping[str, np.ndarray]
    static_mean: Mapping[str, np.ndarray]
    axes: np.ndarray
    swaps: tuple[tuple[str, str], ...]
    clusters: Mapping[str, tuple[str, ...]]


def prepare_markers(
    running: dict[str, np.ndarray], static: dict[str, np.ndarray], ms: MarkerSet
) -> PreparedMarkers:
    """``running`` and ``static`` (``{marker: (T, 3)}``, metres, the lab's own axes) turned
    to (forward, up, right) with :func:`rigid_body.lab_axes` found on the running trial (the
    static trial shares the lab), and label swaps undone in every cluster of ``ms``."""
    feet = [_named(f, p) for f in ms.feet for p in ms.side_prefix.values()]
    axes = lab_axes(running, ms.pelvis_front, ms.pelvis_back, [f for f in feet if f in running])
    turned = {k: v @ axes.T for k, v in running.items()}
    static_mean = {k: np.nanmean(v, axis=0) @ axes.T for k, v in static.items()}
    swaps: list[tuple[str, str]] = []
    clusters: dict[str, tuple[str, ...]] = {"pelvis": ms.pelvis}
    for side, prefix in ms.side_prefix.items():
        for seg, names in ms.clusters.items():
            clusters[f"{side}:{seg}"] = tuple(_named(n, prefix) for n in names)
    for names in clusters.values():
        swaps += fix_label_swaps(static_mean, turned, names)
    return PreparedMarkers(turned, static_mean, axes, tuple(swaps), clusters)


def build_keypoints(
    running: dict[str, np.ndarray],
    static: dict[str, np.ndarray],
    ms: MarkerSet,
    max_residual_m: float = 0.012,
) -> tuple[dict[str, np.ndarray], dict]:
    """Lab-frame keypoints (forward, up, right; metres) of a running trial, and checks.

    ``running`` and ``static`` are ``{marker: (T, 3)}`` in metres in the lab's own axes;
    they are turned to (forward, up, right) with :func:`rigid_body.lab_axes` found on the
    running trial (the static trial shares the lab). Label swaps are undone in every cluster
    first (:func:`prepare_markers`, then :func:`carry_keypoints`).
    """
    return carry_keypoints(prepare_markers(running, static, ms), ms, max_residual_m)


def carry_keypoints(
    prepared: PreparedMarkers, ms: MarkerSet, max_residual_m: float = 0.012
) -> tuple[dict[str, np.ndarray], dict]:
    """The keypoints of ``ms`` carried into every running frame of ``prepared`` (its
    clusters' rigid fits), and checks; ``prepared`` is left as it was."""
    running = dict(prepared.running)
    static_mean = dict(prepared.static_mean)
    clusters = dict(prepared.clusters)
    axes, swaps = prepared.axes, list(prepared.swaps)
    residuals: list[np.ndarray] = []
    refitted = lost = 0
    n = len(next(iter(running.values())))
    points: dict[str, np.ndarray] = {}
    borrowed: list[str] = []
    for side, prefix in ms.side_prefix.items():
        for part, spec in ms.keypoints.items():
            marker = _named(spec.marker, prefix)
            xyz = np.full((n, 3), np.nan)
            if spec.measured:
                if marker in running:
                    xyz = running[marker].copy()
            else:
                if marker not in static_mean:
                    continue
                target = static_mean[marker].copy()
                if spec.ball:
                    h, a, m5 = (_named(n, prefix) for n in spec.ball)
                    target = ball_point(static_mean, h, a, m5, spec.fraction)
                if spec.sole:
                    target[1] = 0.0
                for seg in spec.clusters:
                    key = "pelvis" if seg == "pelvis" else f"{side}:{seg}"
                    res = carry_points(
                        static_mean, running, clusters[key], {"p": target}, max_residual_m
                    )
                    gap = np.isnan(xyz[:, 0])
                    xyz[gap] = res.points["p"][gap]
                    if seg == spec.clusters[0]:
                        residuals.append(res.residual_m)
                        refitted += res.frames_refitted
                        lost += res.frames_lost
            points[f"{side}_{part}"] = xyz
            if part == "ankle" and not spec.measured and marker in static_mean:
                # the lateral malleolus lies on the ankle's axis, so it moves with the foot
                # as well as with the shank: a foot cluster short of three markers in a
                # trial borrows it (carried by the shank) as its third point
                foot = clusters.get(f"{side}:foot", ())
                if sum(m in running for m in foot) < 3:
                    virtual = f"{prefix}ankle (from shank)"
                    running[virtual] = xyz
                    static_mean[virtual] = static_mean[marker]
                    clusters[f"{side}:foot"] = (*foot, virtual)
                    borrowed.append(virtual)
        if f"{side}_ball" in points and f"{side}_toe_rigid" in points:
            ball = points.pop(f"{side}_ball")
            # the running floor: where the ball rests in stance (its low heights)
            floor = float(np.nanpercentile(ball[:, 1], 10))
            points[f"{side}_foot_index"] = hinge_toes(
                ball, points.pop(f"{side}_toe_rigid"), floor=floor
            )
    r = np.concatenate(residuals) if residuals else np.array([np.nan])
    checks = {
        "axes": axes.tolist(),
        "label_swaps": swaps,
        "residual_median_mm": 1000.0 * float(np.nanmedian(r)),
        "residual_p99_mm": 1000.0 * float(np.nanpercentile(r, 99)),
        "frames_refitted": refitted,
        "frames_lost": lost,
        "borrowed_markers": borrowed,
    }
    return points, checks
