"""What a metric declaration holds (:class:`MetricSpec`, :class:`Band`) and what is worked
out from one: its error for a given value, and whether that error lets the value be placed
against the band. The declarations themselves are in :mod:`runform.metrics.catalog`.

Examples
--------
>>> band = Band(160.0, 185.0, "Fukuchi 2017")
>>> spec = MetricSpec("cadence_spm", "Cadence", "steps/min", "steps per minute", "fit",
...                   per_side=False, band=band, measurement_error=1.0)
>>> resolvable(spec, 2.0, 170.0), round(combined_error(spec, 170.0, timing=2.0), 2)
(True, 2.24)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Concern = Literal["low", "high", "both", "none"]


@dataclass(frozen=True)
class Band:
    """A reference range. ``low``/``high`` may be ``None`` for one-sided bands."""

    low: float | None
    high: float | None
    source: str
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class MetricSpec:
    id: str
    name: str
    unit: str
    definition: str
    method: str
    per_side: bool = True
    band: Band | None = None
    graded: bool = True
    concern: Concern = "both"
    #: Frame rate at or above which timing of this metric is good; below ``coarse_fps`` it is coarse.
    good_fps: float = 25.0
    coarse_fps: float = 0.0
    min_steps: int = 4
    needs: tuple[str, ...] = ()
    symmetry: bool = True
    tags: tuple[str, ...] = field(default_factory=tuple)
    #: Typical error of this quantity from 2-D video against marker-based capture, in the
    #: metric's unit. Findings subtract it from the distance beyond the band, so that a
    #: value within measurement error of the band edge is not called a fault.
    measurement_error: float = 0.0
    #: A further error proportional to the value (a fraction of it), for quantities whose
    #: error scales with their size (thigh speeds, cadence). Added in quadrature.
    relative_error: float = 0.0
    #: The per-side value also uses the other foot's contact (step time, flight time): from
    #: one camera it is then reliable only when both feet are (one of them is the far foot).
    other_foot: bool = False

    def to_dict(self) -> dict:
        d = asdict(self)
        d["band"] = self.band.to_dict() if self.band else None
        return d


def combined_error(spec: MetricSpec, value: float | None, timing: float = 0.0) -> float:
    """A metric's measurement error for one value: the declared error, the part proportional
    to the value and the part carried in from event timing (``timing``, in the metric's
    unit), added in quadrature.

    >>> from runform.metrics.catalog import CATALOG
    >>> round(combined_error(CATALOG["drive_peak_deg_s"], 250.0), 1)  # 15 % of it
    37.5
    >>> round(combined_error(CATALOG["knee_flexion_contact_deg"], 12.0, timing=4.0), 1)
    8.5
    """
    relative = spec.relative_error * abs(value) if value is not None else 0.0
    return float((spec.measurement_error**2 + relative**2 + timing**2) ** 0.5)


def resolvable(spec: MetricSpec, error: float, value: float | None) -> bool:
    """Whether a value with this measurement error can be placed against the metric's band.

    Not when the error is as large as the band is wide (below, within and above could all
    be true); for a one-sided band, when the error reaches half the edge; without a band,
    when it reaches a quarter of the value.

    >>> from runform.metrics.catalog import CATALOG
    >>> resolvable(CATALOG["touchdown_distance_pct"], 24.0, 16.0)
    False
    >>> resolvable(CATALOG["thigh_extension_deg"], 5.5, 18.0)
    True
    """
    band = spec.band
    if band is not None and band.low is not None and band.high is not None:
        return error < band.high - band.low
    if band is not None and (band.low is not None or band.high is not None):
        edge = band.low if band.low is not None else band.high
        return error < 0.5 * abs(edge)
    if value is None:
        return True
    return error < 0.25 * abs(value)
