"""The near leg, said with its warnings, and a near leg measured alone.

Which leg was nearer the camera (:func:`near_side_said`) and, when the far leg was hidden
in most of the clip, the near leg's events alone (:func:`only_leg_seen`,
:func:`one_leg_only`): the analysis then measures the near leg by itself rather than
refusing a clip whose measured leg was seen throughout (docs/decisions.md, "A far leg
hidden in most of the clip").
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from runform.analysis import Warning_
from runform.gait.types import GaitEvents
from runform.keypoints import other_side
from runform.pipeline.near_side import NearSide, decide_near_side
from runform.track import PoseTrack


def one_leg_only(gait: GaitEvents, side: str) -> GaitEvents:
    """The events of ``side`` alone, its steps without the other foot's next contact: the
    far foot, seen in a few frames only, times no step or flight, and its own few stances
    are not shown as a leg's values."""
    return GaitEvents(
        events=gait.of(side),
        steps=[replace(st, next_contact_s=None) for st in gait.steps if st.side == side],
        rejected=[r for r in gait.rejected if r.side == side],
    )


def located(track: PoseTrack, names: list[str]) -> np.ndarray:
    """Frames where every one of ``names`` is located."""
    return np.isfinite(np.stack([track.point(k)[:, 1] for k in names])).all(axis=0)


#: The near leg's hip, knee and ankle located in this share of the frames lets it be
#: measured alone when the far leg is hidden in most of the clip.
ONE_LEG_COVERAGE = 0.7


def only_leg_seen(track: PoseTrack, near: str | None) -> str | None:
    """The near leg, when it alone is located well enough to be measured (the far leg
    hidden in most of the clip); ``None`` when the near leg is unknown or also hidden."""
    if near is None:
        return None
    names = [f"{near}_{p}" for p in ("hip", "knee", "ankle")]
    return near if located(track, names).mean() >= ONE_LEG_COVERAGE else None


def far_leg_hidden_warning(near: str, why: str) -> Warning_:
    """The ``far_leg_hidden`` warning: the far leg ``why`` (e.g. "was hidden in most of the
    clip (…)"), so the ``near`` leg is measured alone, and what that leaves out."""
    far = other_side(near)
    return Warning_(
        "far_leg_hidden",
        f"The {far} leg, the far leg, {why}, so the {near} leg is measured alone: its "
        "cadence, contact, swing and angles; step and flight times and left/right "
        f"comparisons need both feet. To time those, film with the {far} foot in view "
        "behind the near one.",
    )


def near_side_said(
    track: PoseTrack, confidence: dict[str, float], said: str | None, warnings: list[Warning_]
) -> NearSide:
    """Which leg was nearer the camera (:func:`decide_near_side`, or the side the user
    said when the picture is undecided), with the warnings that say so."""
    near_info = decide_near_side(track, confidence)
    if said and near_info.side is None:
        near_info = NearSide(said, "stated by the user (the picture was undecided)", 1.0,
                             near_info.votes)  # fmt: skip
    elif said and near_info.side != said and near_info.basis == "image evidence":
        warnings.append(
            Warning_(
                "filmed_side_contradicted",
                f"You said the runner's {said} side was filmed, but the picture shows the "
                f"{near_info.side} leg nearer the camera, so that is the leg measured; check "
                "the side you gave.",
            )
        )
    near = near_info.side
    if near is not None:
        far = other_side(near)
        warnings.append(
            Warning_(
                "far_leg",
                f"The {near} leg was nearer the camera and is the one measured; the {far} leg "
                "was the far leg, partly hidden, so its values are shown greyed and not used. "
                f"To measure the {far} leg and compare legs, film the runner's {far} side too.",
                "info",
            )
        )
    else:
        warnings.append(
            Warning_(
                "near_leg_unknown",
                "Which leg was nearer the camera could not be told from the picture (a pose "
                "file without scores gives no clue); both legs are shown, a finding needs both "
                "of them past its range and names no side. Give --filmed-side with the side "
                "that faced the camera, or film square to the runner's side.",
            )
        )
    return near_info
