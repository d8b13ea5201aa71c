"""The near leg named from the picture (``pipeline.near_side``): one full vote is enough.

A track whose far leg's points all score lower (a pose model sees the leg behind the body
worse) and nothing else: the leg-confidence vote is a full +1, which is the evidence
needed (``NEAR_MIN_TOTAL``). The occlusion vote of such a track is 0 in exact arithmetic
and came out as -1e-17, which put the sum under 1 and left the near leg undecided on 140
of 144 runs of the findings bench's far-leg condition (``bench/findings_agreement.py``).
"""

from __future__ import annotations

import numpy as np

from runform.pipeline.near_side import NEAR_MIN_TOTAL, decide_near_side
from runform.synthetic import synthetic_runner
from runform.track import PoseTrack

LEG_PARTS = ("hip", "knee", "ankle", "heel", "foot_index")


def _legs_only(far: str) -> PoseTrack:
    """A synthetic runner's legs, every point scored 0.9 but the far leg's below the hip,
    0.7 (as the force-plate runners are drawn for the findings bench)."""
    run = synthetic_runner(fps=60.0, duration_s=4.0, seed=2, noise_px=3.0)
    names = [f"{s}_{p}" for s in ("left", "right") for p in LEG_PARTS]
    points = {n: run.track.point(n) for n in names}
    scores = {
        n: np.full(run.track.n_frames, 0.7 if n.startswith(far) and "hip" not in n else 0.9)
        for n in names
    }
    return PoseTrack.from_points(run.track.time, points, scores, run.track.meta)


def test_lower_scores_on_every_far_leg_point_name_the_other_leg_near() -> None:
    for far, near in (("right", "left"), ("left", "right")):
        track = _legs_only(far)
        legs = {
            s: float(np.mean([track.point_score(f"{s}_{p}").mean() for p in LEG_PARTS]))
            for s in ("left", "right")
        }
        decided = decide_near_side(track, legs)
        assert decided.votes["leg_confidence"] == (1.0 if near == "left" else -1.0)
        assert abs(sum(decided.votes.values())) <= NEAR_MIN_TOTAL  # at the threshold, no more
        assert decided.side == near, decided.to_dict()
