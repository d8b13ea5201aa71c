"""One session's conditions, read from its analysis, and the band each value is judged
against there.

:func:`session_conditions` reads what a session was (speed and its basis, frame rate, side
filmed, setting, pose source); :func:`session_band` gives a metric's band at that session's
pace. :class:`Condition` is one thing that differs between two sessions
(:mod:`runform.compare.conditions` lists them).

Examples
--------
>>> entry = {"band": {"low": 220.0, "high": None}}
>>> (low, high), basis = session_band("drive_peak_deg_s", entry, Pace(4.5, "treadmill"))
>>> low > 220.0, high, basis
(True, None, 'speed-adjusted')
>>> session_band("trunk_lean_deg", {"band": {"low": 2.0, "high": 11.0}}, Pace(4.5, "treadmill"))
((2.0, 11.0), 'fixed')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from runform.findings.pace import Pace, band_at_pace, cadence_band, pace_from_analysis
from runform.metrics.catalog import CATALOG


@dataclass(frozen=True)
class Condition:
    """One thing that differs between the sessions: a stable ``code``, ``level``
    (``"warning"`` makes the listed metrics unfair to compare, ``"info"`` is context), one
    plain sentence, and the metrics and sides it concerns."""

    code: str
    level: str
    message: str
    metrics: tuple[str, ...] = ()
    sides: tuple[str, ...] = ("left", "right", "all")

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "level": self.level,
            "message": self.message,
            "metrics": list(self.metrics),
        }


@dataclass
class SessionConditions:
    """What one session was: speed (and its basis), frame rate, side filmed, setting."""

    pace: Pace
    speed_mps: float | None
    speed_basis: str  # "treadmill" | "image" | "cadence" | "unknown"
    fps: float
    facing: str | None
    near_side: str | None
    setting: str | None
    pose_source: str | None
    hip_speed_legs_per_s: float | None
    cadence: float | None
    running_speed_legs_per_s: float | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "speed_mps": rounded(self.speed_mps, 2),
            "speed_basis": self.speed_basis,
            "frame_rate": rounded(self.fps, 3),
            "facing": self.facing,
            "near_side": self.near_side,
            "setting": self.setting,
            "pose_source": self.pose_source,
            "cadence_spm": rounded(self.cadence, 1),
        }


def rounded(x: float | None, digits: int) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def finite(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def session_conditions(analysis: dict) -> SessionConditions:
    """Read one analysis's conditions."""
    inp = analysis.get("input") or {}
    ctx = analysis.get("context") or {}
    pace = pace_from_analysis(analysis)
    cadence_entry = (analysis.get("metrics") or {}).get("cadence_spm") or {}
    cadence = finite((cadence_entry.get("all") or {}).get("median"))
    backend = ((analysis.get("video") or {}).get("pose_backend") or {}).get("backend")
    return SessionConditions(
        pace=pace,
        speed_mps=pace.speed_mps,
        speed_basis=pace.basis,
        fps=finite(inp.get("frame_rate")) or 0.0,
        facing=ctx.get("facing"),
        near_side=ctx.get("near_side"),
        setting=ctx.get("setting"),
        pose_source=backend or inp.get("source"),
        hip_speed_legs_per_s=finite(ctx.get("hip_speed_legs_per_s")),
        cadence=cadence,
        running_speed_legs_per_s=finite(ctx.get("running_speed_leg_lengths_per_s")),
    )


def session_band(
    metric: str, entry: dict | None, pace: Pace
) -> tuple[tuple[float | None, float | None], str]:
    """The band a session's value of ``metric`` is judged against, and how it was made.

    An analysis stores with each metric the band every output judges it against, already
    moved to the session's pace by the findings' rule (``band.adjusted``); that band is used
    as stored. An analysis written before bands were stored has the catalogue band: it is
    moved here with the same rule (:func:`runform.findings.pace.band_at_pace`,
    :func:`~runform.findings.pace.cadence_band`). The basis is ``"speed-adjusted"``,
    ``"expected cadence"`` or ``"fixed"``.
    """
    entry = entry or {}
    band = entry.get("band") or {}
    if not band and metric in CATALOG and CATALOG[metric].band is not None:
        band = CATALOG[metric].band.to_dict()
    low, high = band.get("low"), band.get("high")
    if "catalogue_low" in band or "adjusted" in band:  # stored as judged
        adjusted = bool(band.get("adjusted"))
    elif metric == "cadence_spm":
        low, high, how = cadence_band(low, high, finite(entry.get("expected")), pace)
        adjusted = bool(how)
    else:
        low, high, how = band_at_pace(metric, low, high, pace)
        adjusted = bool(how)
    if not adjusted:
        return (low, high), "fixed"
    return (low, high), ("expected cadence" if metric == "cadence_spm" else "speed-adjusted")


def speed_text(s: SessionConditions) -> str:
    if s.speed_mps is None:
        return "unknown"
    kmh = 3.6 * s.speed_mps
    if s.speed_basis == "treadmill":
        return f"{s.speed_mps:.2f} m/s ({kmh:.1f} km/h, treadmill)"
    if s.speed_basis == "image":
        return f"about {s.speed_mps:.1f} m/s (measured in the image)"
    return f"about {s.speed_mps:.1f} m/s (estimated from cadence)"
