"""Is the runner filmed well enough to measure? (after the pose pass)

:func:`assess_runner` reads the pose track: the share of frames with the runner's legs found
inside the picture, the runner's height in pixels, and how side-on the camera is
(:func:`side_view_ratio`). Too little of any refuses the clip with one sentence saying how
to film it; a little too little analyses it with a warning. Finding and following the runner
is :mod:`runform.pose.runner`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from runform.errors import AnalysisError
from runform.pose.runner import BOX_MIN_SCORE, LEG_NAMES
from runform.pose.video import FILMING_TIP
from runform.text import counted

#: Below this share of frames with the runner's legs found inside the picture: refuse.
MIN_USABLE_FRACTION = 0.5
#: Below this share of frames with the runner's legs found at all: no runner is in the video
#: (a blurred or empty clip, where the few frames found are the model seeing shapes).
NO_RUNNER_FRACTION = 0.1
#: Below this share: analyse, with a warning that part of the clip was unusable.
GOOD_USABLE_FRACTION = 0.8
#: Runner height (pixels of the original video) below which joints cannot be placed.
MIN_RUNNER_PX = 120
#: Runner height below which a warning suggests filming closer.
SMALL_RUNNER_PX = 250
#: Side-view ratio above which the clip is a front or back view.
FRONT_VIEW_RATIO = 0.35
#: Side-view ratio above which the camera is noticeably oblique.
OBLIQUE_VIEW_RATIO = 0.25


def side_view_ratio(track) -> float:
    """How far apart left and right hips and shoulders appear, relative to torso height.

    In a side view the two hips (and the two shoulders) nearly overlap horizontally, so the
    ratio is small (about 0.1–0.2); from the front or back they sit a shoulder width apart
    (about 0.5–0.7). Median over frames where all four points are confident; ``NaN`` when
    there are none.

    >>> import numpy as np
    >>> from runform.track import PoseTrack
    >>> pts = {"left_shoulder": [[0.0, 0.0]], "right_shoulder": [[40.0, 0.0]],
    ...        "left_hip": [[5.0, 50.0]], "right_hip": [[35.0, 50.0]]}
    >>> t = PoseTrack.from_points([0.0], {k: np.array(v) for k, v in pts.items()},
    ...                           {k: np.ones(1) for k in pts})
    >>> round(side_view_ratio(t), 2)
    0.7
    """
    names = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
    if not all(track.has(n) for n in names):
        return math.nan
    ls, rs, lh, rh = (track.point(n) for n in names)
    scores = np.stack([track.point_score(n) for n in names], axis=1)
    confident = np.where(np.isfinite(scores), scores, 1.0).min(axis=1) >= BOX_MIN_SCORE
    torso = np.hypot(*(((ls + rs) / 2 - (lh + rh) / 2).T))
    spread = (np.abs(ls[:, 0] - rs[:, 0]) + np.abs(lh[:, 0] - rh[:, 0])) / 2
    ok = confident & np.isfinite(spread) & np.isfinite(torso) & (torso > 0)
    if not ok.any():
        return math.nan
    return float(np.median(spread[ok] / torso[ok]))


def runner_heights(track) -> np.ndarray:
    """Per-frame runner height in track pixels (head to toes, as :func:`pose_box`); NaN if absent."""
    score = np.where(np.isfinite(track.score), track.score, 1.0)
    y = np.where(score >= BOX_MIN_SCORE, track.xy[:, :, 1], np.nan)
    enough = np.isfinite(y).sum(axis=1) >= 6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: no pose
        extent = np.nanmax(y, axis=1) - np.nanmin(y, axis=1)
    return np.where(enough, extent * 1.17, np.nan)


@dataclass(frozen=True)
class RunnerAssessment:
    """How well the runner was filmed, measured on the pose track.

    ``found_fraction``: frames where hips, knees and ankles were found; ``usable_fraction``:
    of all frames, those where they were also inside the picture; ``median_height_px``:
    runner height; ``view_ratio``: :func:`side_view_ratio`; ``warnings``: dicts with
    ``code``, ``level`` and ``message``.
    """

    n_frames: int
    found_fraction: float
    usable_fraction: float
    median_height_px: float
    view_ratio: float
    warnings: list[dict]

    def to_dict(self) -> dict:
        return {
            "n_frames": self.n_frames,
            "found_fraction": round(self.found_fraction, 4),
            "usable_fraction": round(self.usable_fraction, 4),
            "median_height_px": None
            if not math.isfinite(self.median_height_px)
            else round(self.median_height_px, 1),
            "view_ratio": None if not math.isfinite(self.view_ratio) else round(self.view_ratio, 3),
        }


def assess_runner(track) -> RunnerAssessment:
    """Check the runner was filmed well enough to analyse; refuse with advice otherwise.

    Raises
    ------
    AnalysisError
        No runner is found (legs in under :data:`NO_RUNNER_FRACTION` of the frames), the
        runner is in view (legs inside the picture) in under half of the frames, is under
        ``MIN_RUNNER_PX`` pixels tall, or is seen from the front or back.
    """
    n = track.n_frames
    legs = np.stack([track.point(name) for name in LEG_NAMES], axis=1)  # (T, 6, 2)
    found = np.isfinite(legs).all(axis=(1, 2))
    width, height = track.meta.width, track.meta.height
    if width and height:
        margin = 0.01 * max(width, height)
        inside = (
            (legs[..., 0] >= -margin)
            & (legs[..., 0] <= width + margin)
            & (legs[..., 1] >= -margin)
            & (legs[..., 1] <= height + margin)
        ).all(axis=1)
    else:
        inside = np.ones(n, dtype=bool)
    usable = found & inside
    found_fraction = float(found.mean()) if n else 0.0
    usable_fraction = float(usable.mean()) if n else 0.0
    heights = runner_heights(track)[usable]
    heights = heights[np.isfinite(heights)]
    median_height = float(np.median(heights)) if heights.size else math.nan
    ratio = side_view_ratio(track.select(usable)) if usable.any() else math.nan
    notes: list[dict] = []

    if usable_fraction < MIN_USABLE_FRACTION:
        if found_fraction >= MIN_USABLE_FRACTION:
            raise AnalysisError(
                f"The runner's legs are cut off by the edge of the picture in "
                f"{100 * (found_fraction - usable_fraction):.0f} % of the video; {FILMING_TIP}."
            )
        if found_fraction < NO_RUNNER_FRACTION:
            raise AnalysisError(
                f"No runner was found in the video (legs in {counted(int(found.sum()), 'frame')} "
                f"of {n}); check it is the clip of the run, with the runner in view, sharp and "
                f"not too small, and {FILMING_TIP}."
            )
        raise AnalysisError(
            f"The runner is in view in only {100 * usable_fraction:.0f} % of the video; trim "
            f"the clip to the part where they run in view, or {FILMING_TIP}."
        )
    if not math.isfinite(median_height) or median_height < MIN_RUNNER_PX:
        raise AnalysisError(
            f"The runner is only about {median_height:.0f} pixels tall in the video, too small to "
            f"place the joints; film closer, 3–5 m away, so the runner fills most of the frame "
            f"height (landscape, 1080p or more)."
        )
    if math.isfinite(ratio) and ratio > FRONT_VIEW_RATIO:
        raise AnalysisError(
            "The video shows the runner from the front or back, not from the side (left and "
            "right hips and shoulders appear side by side); film from the side, perpendicular "
            "to the running direction, with the camera at hip height 3–5 m away and the whole "
            "body in frame."
        )
    if usable_fraction < GOOD_USABLE_FRACTION:
        notes.append(
            _warning(
                "runner_partly_out_of_view",
                f"The runner was found with the legs in the picture in only "
                f"{100 * usable_fraction:.0f} % of the frames; results use those frames only.",
            )
        )
    if median_height < SMALL_RUNNER_PX:
        notes.append(
            _warning(
                "runner_small",
                f"The runner is only about {median_height:.0f} pixels tall; joint positions are "
                "less precise. Film closer (3–5 m) so the runner fills most of the frame height.",
            )
        )
    if math.isfinite(ratio) and ratio > OBLIQUE_VIEW_RATIO:
        notes.append(
            _warning(
                "oblique_view",
                "The camera looks at the runner at an angle rather than straight from the side; "
                "angles are foreshortened. Film perpendicular to the running direction.",
            )
        )
    return RunnerAssessment(n, found_fraction, usable_fraction, median_height, ratio, notes)


def _warning(code: str, message: str, level: str = "warning") -> dict:
    return {"code": code, "level": level, "message": message}
