"""Which leg is nearer the camera, decided from the picture itself (issue 10).

One side-view camera sees the near leg well and the far leg partly hidden; every per-leg
value's reliability rests on this decision (:func:`decide_near_side`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from runform.geometry import leg_length
from runform.keypoints import SIDES
from runform.track import PoseTrack


def near_side(confidence: dict[str, float], margin: float = 0.03) -> str | None:
    """The leg nearer the camera judged by keypoint confidence alone: the ``leg_confidence``
    vote of :func:`decide_near_side` on its own, which decides with all the evidence.
    ``None`` when scores are unknown or too close to call.
    """
    left, right = confidence.get("left"), confidence.get("right")
    if left is None or right is None or abs(left - right) < margin:
        return None
    return "left" if left > right else "right"


@dataclass(frozen=True)
class NearSide:
    """Which leg was nearer the camera, and the evidence.

    ``votes``: positive for the left leg, negative for the right; ``agreement``: the share
    of the evidence that points the way decided (1 = all of it).
    """

    side: str | None
    basis: str
    agreement: float
    votes: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "side": self.side,
            "basis": self.basis,
            "agreement": round(self.agreement, 3),
            "votes": {k: round(v, 3) for k, v in self.votes.items()},
        }


#: Evidence needed to name the near leg: the votes' sum, and the share pointing that way.
NEAR_MIN_TOTAL = 1.0
NEAR_MIN_AGREEMENT = 0.6
#: Parts whose scores drop when the far leg passes behind the near one.
OCCLUSION_PARTS: tuple[str, ...] = ("knee", "ankle", "heel", "foot_index")


#: A leg's point scored under this (the cleaning's mask) is not seen; the occlusion vote
#: leaves out a part whose two legs are not both seen on most frames while apart: the
#: scores of a leg hidden throughout cannot fall as it passes behind the other, and the
#: near leg's small dip would then read as the near leg hidden.
SEEN_SCORE = 0.3


def _mean_score(track: PoseTrack, names: list[str]) -> float | None:
    cols = [track.point_score(n) for n in names if track.has(n)]
    if not cols:
        return None
    s = np.stack(cols)
    finite = s[np.isfinite(s)]
    return float(finite.mean()) if finite.size else None


def _occlusion_vote(track: PoseTrack, leg: float) -> float | None:
    """How much more the right leg's scores fall than the left's while the legs overlap in
    the picture (the far leg passes behind the near one), against while they are apart.
    Positive: the right leg is the hidden one, so the left is near. Parts whose legs are
    not both seen (:data:`SEEN_SCORE`) on most frames apart are left out."""
    if not (np.isfinite(leg) and leg > 0):
        return None
    deltas = []
    for part in OCCLUSION_PARTS:
        ln, rn = f"left_{part}", f"right_{part}"
        if not (track.has(ln) and track.has(rn)):
            continue
        dx = np.abs(track.point(ln)[:, 0] - track.point(rn)[:, 0])
        ds = track.point_score(ln) - track.point_score(rn)
        ok = np.isfinite(dx) & np.isfinite(ds)
        overlap, apart = ok & (dx < 0.1 * leg), ok & (dx > 0.3 * leg)
        seen = np.minimum(track.point_score(ln), track.point_score(rn)) >= SEEN_SCORE
        if overlap.sum() >= 10 and apart.sum() >= 10 and seen[apart].mean() >= 0.5:
            deltas.append(float(ds[overlap].mean() - ds[apart].mean()))
    return float(np.mean(deltas)) if deltas else None


def decide_near_side(track: PoseTrack, confidence: dict[str, float]) -> NearSide:
    """Which leg is nearer the camera, from the picture itself.

    A pose source may state it (``meta.extra["near_side"]``). Otherwise votes, each scaled
    to about ±1 (positive = left nearer):

    - ``landmark_depth`` (weight 3): the share of frames where the model's depth puts the
      left shoulder, hip, knee and ankle nearer than the right ones (BlazePose's ``z``;
      ``meta.extra["landmark_depth"]``, written by :mod:`runform.pose.estimate`);
    - ``occlusion``: the far leg's scores fall while it passes behind the near leg (legs
      overlapping in the picture) more than while the legs are apart;
    - ``arm_visibility``: the far arm is hidden behind the trunk (elbow and wrist scores);
    - ``leg_confidence``: the mean score of each leg's points.

    The direction of travel is not used: the labels come from the pose model, which names
    the legs from how they look, so a mirrored video gets the near leg named the other way
    and the evidence follows it. The near leg is named when the votes add up to at least
    :data:`NEAR_MIN_TOTAL` and :data:`NEAR_MIN_AGREEMENT` of them agree; otherwise it is
    ``None`` (both legs are then treated alike and no finding names a side).
    """
    stated = track.meta.extra.get("near_side")
    if stated in ("left", "right"):
        return NearSide(stated, "stated by the pose source", 1.0, {})
    votes: dict[str, float] = {}
    depth = track.meta.extra.get("landmark_depth") or {}
    frac = depth.get("left_nearer_fraction")
    if isinstance(frac, int | float) and depth.get("frames", 0) >= 10:
        votes["landmark_depth"] = 3.0 * (2.0 * float(frac) - 1.0)
    occlusion = _occlusion_vote(track, leg_length(track))
    if occlusion is not None:
        votes["occlusion"] = float(np.clip(occlusion / 0.05, -1.5, 1.5))
    arms = {s: _mean_score(track, [f"{s}_elbow", f"{s}_wrist"]) for s in SIDES}
    if arms["left"] is not None and arms["right"] is not None:
        votes["arm_visibility"] = float(np.clip((arms["left"] - arms["right"]) / 0.1, -1, 1))
    left, right = confidence.get("left"), confidence.get("right")
    if _known_scores(track) and left is not None and right is not None:
        votes["leg_confidence"] = float(np.clip((left - right) / 0.05, -1, 1))
    total = sum(votes.values())
    magnitude = sum(abs(v) for v in votes.values())
    agreement = abs(total) / magnitude if magnitude > 0 else 0.0
    # (within rounding: one full vote alone is enough, and a vote of 0 computed as
    # -1e-17 must not undo it)
    if abs(total) >= NEAR_MIN_TOTAL - 1e-9 and agreement >= NEAR_MIN_AGREEMENT - 1e-9:
        return NearSide("left" if total > 0 else "right", "image evidence", agreement, votes)
    return NearSide(None, "undecided", agreement, votes)


def _known_scores(track: PoseTrack) -> bool:
    return bool(np.isfinite(track.score).any())


__all__ = ["NEAR_MIN_AGREEMENT", "NEAR_MIN_TOTAL", "NearSide", "decide_near_side", "near_side"]
