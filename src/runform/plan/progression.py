"""Progressive overload: the dose of an exercise in a given week, and its time cost.

Each library dose is a range, low end in week 1, high end in the hardest week. A week
sits at a *fraction* of that range; the week's volume (sets × amount) grows by the same
factor each building week, so a set added comes with fewer repetitions (3 × 60 m of
bounds in week 3 after 2 × 65 m):

====  ==========================  ======================================
week  fraction                    meaning
====  ==========================  ======================================
1     0                           learn the movement at the low dose
2     0.25                        build
3     0.5                         build (sets may go up)
4     consolidation               lighter: low dose, fewest sets
5     0.75 (or 0 after a switch)  build; a harder variant starts low
6     1.0 (or 0.5 after switch)   top of the range, then re-test
====  ==========================  ======================================

Amounts round to whole repetitions, 5 m, 5 s or 30 s of running (5 s under a minute), so the seed doses are
met exactly (bounds 50 m in week 1 → 100 m in week 6).

Example
-------
>>> from runform.plan.library import load_library
>>> spec = load_library()["straight_leg_bounds"].dose
>>> [week_dose(spec, w).amount for w in range(1, 7)]
[50, 65, 60, 50, 75, 100]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from runform.plan.library import DoseSpec

N_WEEKS = 6
CONSOLIDATION_WEEK = 4
SWITCH_WEEK = 5
#: Position in the dose range per week; ``None`` marks the consolidation week.
WEEK_FRACTIONS: dict[int, float | None] = {1: 0.0, 2: 0.25, 3: 0.5, 4: None, 5: 0.75, 6: 1.0}
#: Fractions for a harder variant that replaced an easier one in week 5.
SWITCHED_FRACTIONS: dict[int, float] = {5: 0.0, 6: 0.5}
_ROUNDING = {"reps": 1, "distance_m": 5, "hold_s": 5, "duration_s": 30}
_UNIT_WORDS = {"reps": "", "distance_m": " m", "hold_s": " s", "duration_s": ""}
_SET_UP_S = 10  # getting into position for a set
_SIDE_SWITCH_S = 5


@dataclass(frozen=True)
class WeekDose:
    """The dose of one exercise in one week."""

    kind: str  # "reps", "distance_m", "hold_s" or "duration_s"
    sets: int
    amount: int
    per: str | None
    rest_s: int
    seconds: float  # estimated time, rest included

    @property
    def minutes(self) -> float:
        return self.seconds / 60.0

    @property
    def text(self) -> str:
        """Human form: ``3 × 25 per leg``, ``3 × 100 m``, ``2 × 30 s per side``, ``3 × 4 min``."""
        if self.kind == "duration_s":
            amount = _duration_words(self.amount)
        else:
            amount = f"{self.amount}{_UNIT_WORDS[self.kind]}"
        text = f"{self.sets} × {amount}"
        if self.per:
            text += f" per {self.per}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "sets": self.sets,
            self.kind: self.amount,
            "per": self.per,
            "rest_s": self.rest_s,
            "text": self.text,
            "minutes": round(self.minutes, 1),
        }


def _duration_words(seconds: int) -> str:
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    if seconds > 60:
        return f"{seconds / 60:g} min"
    return f"{seconds} s"


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def _interpolate(low: int, high: int, fraction: float, step: int) -> int:
    value = low + fraction * (high - low)
    rounded = step * _round_half_up(value / step)
    return int(min(max(rounded, low), high))


def week_fraction(week: int, switched: bool = False) -> float | None:
    """The position in the dose range for ``week`` (``None``: consolidation week)."""
    if week not in WEEK_FRACTIONS:
        raise ValueError(f"week must be 1..{N_WEEKS}, got {week}")
    if switched:
        return SWITCHED_FRACTIONS.get(week, 0.0)
    return WEEK_FRACTIONS[week]


def week_dose(spec: DoseSpec, week: int, switched: bool = False) -> WeekDose:
    """The dose of an exercise in ``week`` (1–6).

    ``switched`` is true for a harder variant that took over in week 5: it starts again
    at its low dose so the jump in difficulty is not stacked on a jump in volume.
    """
    fraction = week_fraction(week, switched)
    kind = spec.kind
    low, high = spec.amount
    set_low, set_high = spec.sets
    if fraction is None:  # consolidation: lighter week
        sets, amount = set_low, low
    else:
        sets = _interpolate(set_low, set_high, fraction, 1)
        # the week's volume (sets × amount) grows by the same factor each building week,
        # and the amount per set follows from it: a set added in week 3 comes with fewer
        # repetitions instead of stacking both (calf raises 2 × 14 → 3 × 16, +71 %, became
        # 2 × 15 → 3 × 13, +30 %)
        v_low, v_high = set_low * low, set_high * high
        volume = v_low * (v_high / v_low) ** fraction if v_low > 0 else fraction * v_high
        step = _ROUNDING[kind] if not (kind == "duration_s" and high < 60) else 5
        amount = int(min(max(step * _round_half_up(volume / sets / step), low), high))
    return WeekDose(
        kind=kind,
        sets=sets,
        amount=amount,
        per=spec.per,
        rest_s=spec.rest_s,
        seconds=estimate_seconds(spec, sets, amount),
    )


def estimate_seconds(spec: DoseSpec, sets: int, amount: int) -> float:
    """Estimated time of ``sets`` × ``amount`` of an exercise, set-up and rest included.

    Work time is repetitions × ``seconds_per_unit`` (or metres × ``seconds_per_unit``, or
    the hold/duration itself), times two for each-side doses; each set adds a set-up,
    each side a switch, and rest comes between sets.
    """
    sides = spec.sides
    kind = spec.kind
    if kind in ("reps", "distance_m"):
        work = amount * spec.seconds_per_unit
    else:
        work = float(amount)
    per_set = sides * work + _SET_UP_S + (sides - 1) * _SIDE_SWITCH_S
    return sets * per_set + max(sets - 1, 0) * spec.rest_s
