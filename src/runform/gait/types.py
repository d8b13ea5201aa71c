"""Plain data for gait events and steps."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Side = Literal["left", "right"]
EventKind = Literal["contact", "toe_off"]


@dataclass(frozen=True)
class GaitEvent:
    """One foot contact or toe-off.

    ``frame`` is fractional (sub-frame interpolation); ``time_s`` is real time.
    ``confidence`` in [0, 1] reflects keypoint confidence and how clean the signal was.
    """

    side: Side
    kind: EventKind
    time_s: float
    frame: float
    confidence: float = 1.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["time_s"] = round(self.time_s, 5)
        d["frame"] = round(self.frame, 3)
        d["confidence"] = round(self.confidence, 3)
        return d


@dataclass(frozen=True)
class Step:
    """A stance of one foot, from its contact to its toe-off, and the step that follows.

    ``next_contact_s`` is the contact of the *other* foot that ends this step (step time =
    next_contact_s - contact_s); ``next_same_contact_s`` is this foot's next contact
    (stride time). Either may be ``None`` at the end of the track or across a gap.
    """

    side: Side
    contact_s: float
    toe_off_s: float
    contact_frame: float
    toe_off_frame: float
    next_contact_s: float | None = None
    next_same_contact_s: float | None = None
    confidence: float = 1.0

    @property
    def contact_time_s(self) -> float:
        return self.toe_off_s - self.contact_s


#: The reason given for a stance the clip starts or ends inside: not implausible, only
#: not timeable (reports count these apart from the implausible steps).
CUT_BY_CLIP_EDGE = "the stance is cut by the start or end of the clip"


@dataclass(frozen=True)
class RejectedStep:
    side: Side
    time_s: float
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class GaitEvents:
    """Events of a whole track: accepted steps (in time order) and what was rejected."""

    events: list[GaitEvent] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    rejected: list[RejectedStep] = field(default_factory=list)

    def of(self, side: Side | None = None, kind: EventKind | None = None) -> list[GaitEvent]:
        return [
            e
            for e in self.events
            if (side is None or e.side == side) and (kind is None or e.kind == kind)
        ]
