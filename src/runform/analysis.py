"""The result of analysing a pose track, and its JSON form (``runform.analysis/1``).

The JSON document is the contract between the engine and everything downstream (findings,
report, plan, a future web app): see ``src/runform/schemas/analysis.schema.json`` and
``docs/analysis-json.md``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from runform import __version__
from runform.gait.clean import CleaningReport
from runform.gait.direction import TravelInfo
from runform.gait.types import GaitEvents
from runform.track import PoseTrack

SCHEMA_ID = "runform.analysis/1"
#: Every analysis document runform reads: one clip (``/1``), or two clips of the same run
#: filmed from each side and merged (``/2``, :func:`runform.compare.sides.merge_sides`).
SCHEMA_IDS = (SCHEMA_ID, "runform.analysis/2")


@dataclass(frozen=True)
class Warning_:
    """A warning shown to the user: a stable ``code`` and one plain sentence."""

    code: str
    message: str
    level: str = "warning"  # "info" | "warning"

    def to_dict(self) -> dict:
        return {"code": self.code, "level": self.level, "message": self.message}


@dataclass
class Analysis:
    """Everything the engine found for one track.

    Attributes
    ----------
    track: the cleaned track (same frames as the input).
    direction: +1 runner moves toward image right, −1 toward image left.
    travel: direction/setting detection details.
    gait: detected events, accepted steps and rejected steps (with reasons).
    angles: per-frame angle series (:func:`runform.metrics.angles.frame_angles`).
    steps: per-step metric rows (one dict per accepted step).
    metrics: per-metric summaries with bands and quality.
    summary: the short summary (medians).
    cycles: gait-cycle-normalised angle curves.
    """

    track: PoseTrack
    travel: TravelInfo
    gait: GaitEvents
    angles: dict
    steps: list[dict]
    metrics: dict
    summary: dict
    cycles: dict
    leg_length: float
    cleaning: CleaningReport
    options: dict
    warnings: list[Warning_] = field(default_factory=list)
    keypoint_confidence: dict = field(default_factory=dict)
    near_side: str | None = None
    near_evidence: dict = field(default_factory=dict)
    event_error_ms: float | None = None
    toe_off_error_ms: float | None = None
    running_speed: float | None = None
    toe_off_foot_pitch: bool | None = None
    camera_roll_deg: float | None = None
    measured_alone: str | None = None

    @property
    def direction(self) -> int:
        return self.travel.direction

    def to_dict(self) -> dict:
        """The ``runform.analysis/1`` JSON document (plain, JSON-serialisable)."""
        meta = self.track.meta
        return {
            "schema": SCHEMA_ID,
            "runform_version": __version__,
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "input": {
                "path": meta.path,
                "source": meta.source,
                "n_frames": self.track.n_frames,
                "duration_s": round(self.track.duration, 4),
                "frame_rate": round(self.track.frame_rate, 3),
                "capture_fps": meta.capture_fps,
                "width": meta.width,
                "height": meta.height,
                "units": meta.units,
                "time_base": meta.time_base,
                "keypoints": list(self.track.keypoints),
                "keypoint_confidence": self.keypoint_confidence,
            },
            "options": self.options,
            "context": {
                **self.travel.to_dict(),
                "near_side": self.near_side,
                "near_side_evidence": self.near_evidence,
                "event_timing_error_ms": self.event_error_ms,
                "toe_off_timing_error_ms": self.toe_off_error_ms,
                "running_speed_leg_lengths_per_s": self.running_speed,
                "toe_off_foot_pitch": self.toe_off_foot_pitch,
                "camera_roll_deg": self.camera_roll_deg,
                "measured_alone": self.measured_alone,
                "leg_length": round(self.leg_length, 3),
                "leg_length_units": meta.units,
            },
            "summary": self.summary,
            "metrics": self.metrics,
            "steps": self.steps,
            "events": [e.to_dict() for e in self.gait.events],
            "rejected_steps": [r.to_dict() for r in self.gait.rejected],
            "cycles": self.cycles,
            "cleaning": self.cleaning.to_dict(),
            "warnings": [w.to_dict() for w in self.warnings],
        }
