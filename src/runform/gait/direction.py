"""Direction of travel and setting (treadmill or overground), from the pose alone.

Direction is +1 when the runner moves (or faces, on a treadmill) toward image right, −1
toward image left. Votes, each weighted by how clear it is:

1. hips travelling across the frame (overground, static camera): the sign of the hip's
   net horizontal displacement;
2. the feet point forward: toe (``foot_index``) ahead of the heel;
3. stance feet move backward relative to the hips (on a treadmill and overground alike):
   the sign of the foot's horizontal velocity relative to the hip while the foot is low;
4. the nose is ahead of the ears.

The setting is "overground" when the hips cross more than one leg length per second on
average, "treadmill" when they stay put (a panning camera that follows an overground
runner also looks like a treadmill; the report says "runner stays in frame").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from runform.geometry import leg_length, mid_point
from runform.keypoints import SIDES
from runform.track import PoseTrack


@dataclass(frozen=True)
class TravelInfo:
    direction: int
    setting: str  # "treadmill" | "overground"
    confidence: float
    hip_speed_legs_per_s: float
    votes: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "direction": self.direction,
            "facing": "right" if self.direction > 0 else "left",
            "setting": self.setting,
            "confidence": round(self.confidence, 3),
            "hip_speed_legs_per_s": round(self.hip_speed_legs_per_s, 3),
            "votes": {k: round(v, 3) for k, v in self.votes.items()},
        }


def _nanmedian(a: np.ndarray) -> float:
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else float("nan")


def detect_travel(track: PoseTrack) -> TravelInfo:
    """Detect the direction of travel and whether the runner is on a treadmill."""
    leg = leg_length(track)
    hip = mid_point(track, "hip")
    votes: dict[str, float] = {}
    hip_speed = 0.0
    setting = "treadmill"
    if hip is not None and np.isfinite(leg) and track.duration > 0:
        valid = np.isfinite(hip[:, 0])
        if valid.sum() > 2:
            tv, xv = track.time[valid], hip[valid, 0]
            slope = float(np.polyfit(tv, xv, 1)[0])
            hip_speed = abs(slope) / leg
            if hip_speed > 1.0:
                setting = "overground"
                votes["hip_travel"] = float(np.sign(slope)) * 3.0

    # toe ahead of heel
    toe_heel = []
    for s in SIDES:
        if track.has(f"{s}_foot_index") and track.has(f"{s}_heel"):
            toe_heel.append(track.point(f"{s}_foot_index")[:, 0] - track.point(f"{s}_heel")[:, 0])
    if toe_heel and np.isfinite(leg):
        med = _nanmedian(np.concatenate(toe_heel))
        if np.isfinite(med):
            votes["toe_ahead_of_heel"] = float(np.clip(med / (0.1 * leg), -1.5, 1.5))

    # stance feet move backward relative to the hip
    if hip is not None and np.isfinite(leg):
        rel_v = []
        for s in SIDES:
            name = f"{s}_ankle"
            if not track.has(name):
                continue
            a = track.point(name)
            low = a[:, 1] > np.nanpercentile(a[:, 1], 70) if np.isfinite(a[:, 1]).any() else None
            if low is None:
                continue
            v = np.gradient(a[:, 0] - hip[:, 0], track.time)
            rel_v.append(v[low])
        if rel_v:
            med = _nanmedian(np.concatenate(rel_v))
            if np.isfinite(med):
                votes["stance_foot_moves_back"] = float(np.clip(-med / leg, -1.5, 1.5))

    # nose ahead of ears
    if track.has("nose"):
        ears = mid_point(track, "ear")
        if ears is not None and np.isfinite(leg):
            med = _nanmedian(track.point("nose")[:, 0] - ears[:, 0])
            if np.isfinite(med):
                votes["nose_ahead_of_ears"] = float(np.clip(med / (0.05 * leg), -1.0, 1.0))

    total = sum(votes.values())
    direction = 1 if total >= 0 else -1
    magnitude = sum(abs(v) for v in votes.values())
    confidence = abs(total) / magnitude if magnitude > 0 else 0.0
    return TravelInfo(direction, setting, confidence, hip_speed, votes)
