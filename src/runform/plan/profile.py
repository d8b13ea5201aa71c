"""The runner's profile: level, time, equipment, days, start date and body parts to spare.

:class:`Profile` holds validated values; :func:`profile_from_options` builds one from the
loose strings a command line or web form provides and raises
:class:`~runform.errors.OptionError` with one sentence when a value is not usable.

Example
-------
>>> p = profile_from_options(level="beginner", sessions_per_week=3, equipment=["band,table"],
...                          start="2025-03-03")
>>> p.equipment, p.start.isoformat()
(('band', 'bench'), '2025-03-03')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from runform.errors import OptionError
from runform.plan.library import BODY_PARTS, EQUIPMENT, LEVELS
from runform.plan.progression import N_WEEKS
from runform.text import counted

MIN_SESSIONS, MAX_SESSIONS = 2, 5
MIN_MINUTES, MAX_MINUTES = 15, 120
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Words a runner may type for the library's equipment names ("none" means no equipment).
EQUIPMENT_ALIASES: dict[str, str] = {
    "band": "band",
    "bands": "band",
    "resistance_band": "band",
    "tube": "band",
    "mini_band": "mini_band",
    "miniband": "mini_band",
    "loop_band": "mini_band",
    "stability_ball": "stability_ball",
    "swiss_ball": "stability_ball",
    "exercise_ball": "stability_ball",
    "ball": "stability_ball",
    "cable": "cable",
    "cable_machine": "cable",
    "bench": "bench",
    "table": "bench",
    "bed": "bench",
    "step": "step",
    "stairs": "step",
    "stair": "step",
    "box": "step",
    "dumbbell": "dumbbells",
    "dumbbells": "dumbbells",
    "kettlebell": "kettlebell",
    "kettlebells": "kettlebell",
}
_NO_EQUIPMENT = {"none", "no", "nothing", "bodyweight", "body_weight", ""}

BODY_PART_ALIASES: dict[str, str] = {
    **{part: part for part in BODY_PARTS},
    "knees": "knee",
    "ankles": "ankle",
    "feet": "foot",
    "calves": "calf",
    "hamstrings": "hamstring",
    "quads": "quadriceps",
    "quad": "quadriceps",
    "hips": "hip",
    "back": "lower_back",
    "low_back": "lower_back",
    "wrists": "wrist",
    "shoulders": "shoulder",
    "shins": "shin",
    "achilles_tendon": "achilles",
}


@dataclass(frozen=True)
class Profile:
    """What the plan must fit.

    Attributes
    ----------
    level
        ``"beginner"``, ``"intermediate"`` or ``"advanced"``.
    sessions_per_week
        2 to 5 sessions.
    minutes
        Minutes available per session (15 to 120).
    equipment
        Library equipment names at hand (empty: no equipment).
    avoid_days
        Weekdays (``"mon"`` … ``"sun"``) with no session.
    start
        First day of week 1; ``None`` means the next Monday after today.
    spare
        Body parts to spare because of an injury; exercises loading them are left out.
    """

    level: str = "intermediate"
    sessions_per_week: int = 3
    minutes: int = 40
    equipment: tuple[str, ...] = ()
    avoid_days: tuple[str, ...] = ()
    start: date | None = None
    spare: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        _check_profile(self)

    @property
    def level_rank(self) -> int:
        """0 for beginner, 1 intermediate, 2 advanced."""
        return LEVELS.index(self.level)

    def start_date(self, today: date | None = None) -> date:
        """The start date, or the next Monday after ``today`` (default: the real today)."""
        if self.start is not None:
            return self.start
        return next_monday(today or date.today())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "level": self.level,
            "sessions_per_week": self.sessions_per_week,
            "minutes": self.minutes,
            "equipment": list(self.equipment),
            "avoid_days": list(self.avoid_days),
            "start": self.start.isoformat() if self.start else None,
            "spare": list(self.spare),
        }


def next_monday(today: date) -> date:
    """The first Monday strictly after ``today``.

    >>> next_monday(date(2025, 3, 3)).isoformat()  # a Monday
    '2025-03-10'
    """
    return today + timedelta(days=7 - today.weekday())


def _check_profile(p: Profile) -> None:
    if p.level not in LEVELS:
        raise OptionError(f"Unknown level {p.level!r}; choose beginner, intermediate or advanced.")
    if not isinstance(p.sessions_per_week, int) or not (
        MIN_SESSIONS <= p.sessions_per_week <= MAX_SESSIONS
    ):
        raise OptionError(
            f"{counted(p.sessions_per_week, 'session')} a week is not supported; choose "
            f"{MIN_SESSIONS} to {MAX_SESSIONS} so there are rest days between sessions."
        )
    if not isinstance(p.minutes, int) or not (MIN_MINUTES <= p.minutes <= MAX_MINUTES):
        raise OptionError(
            f"{p.minutes} minutes per session is out of range; choose "
            f"{MIN_MINUTES} to {MAX_MINUTES} minutes."
        )
    for item in p.equipment:
        if item not in EQUIPMENT:
            raise OptionError(
                f"Unknown equipment {item!r}; use any of {', '.join(EQUIPMENT)} (or none)."
            )
    for day in p.avoid_days:
        if day not in WEEKDAYS:
            raise OptionError(f"Unknown day {day!r}; use mon, tue, wed, thu, fri, sat or sun.")
    for part in p.spare:
        if part not in BODY_PARTS:
            raise OptionError(
                f"Unknown body part {part!r} to spare; use any of {', '.join(BODY_PARTS)}."
            )
    free_days = 7 - len(set(p.avoid_days))
    if p.sessions_per_week > free_days:
        raise OptionError(
            f"{p.sessions_per_week} sessions a week do not fit in the "
            f"{counted(free_days, 'day', 'days')} left after the days to avoid; avoid fewer "
            "days or plan fewer sessions."
        )
    if p.start is not None and not isinstance(p.start, date):
        raise OptionError("The start date must be a date in the form YYYY-MM-DD.")
    if p.start is not None and p.start > date.max - timedelta(weeks=N_WEEKS):
        raise OptionError(
            f"The start date {p.start.isoformat()} leaves no room for a {N_WEEKS}-week plan "
            f"before the calendar ends on {date.max.isoformat()}; give an earlier date."
        )


def _split_words(values: Iterable[str] | str | None) -> list[str]:
    """Accept repeated options and comma lists: ``["band,table", "ball"]`` → 3 words."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    words: list[str] = []
    for value in values:
        for word in str(value).split(","):
            word = word.strip().lower().replace("-", "_").replace(" ", "_")
            if word:
                words.append(word)
    return words


def parse_equipment(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """Library equipment names from loose words; ``none`` contributes nothing."""
    found: list[str] = []
    for word in _split_words(values):
        if word in _NO_EQUIPMENT:
            continue
        name = EQUIPMENT_ALIASES.get(word)
        if name is None:
            raise OptionError(
                f"Unknown equipment {word!r}; use any of {', '.join(EQUIPMENT)}, "
                "table or bed (counted as bench), or none."
            )
        if name not in found:
            found.append(name)
    return tuple(sorted(found, key=EQUIPMENT.index))


def parse_days(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """Weekday keys (``mon`` … ``sun``) from words such as ``Monday`` or ``sat``."""
    found: list[str] = []
    for word in _split_words(values):
        key = word[:3]
        if key not in WEEKDAYS or not _is_day_word(word):
            raise OptionError(f"Unknown day {word!r}; use mon, tue, wed, thu, fri, sat or sun.")
        if key not in found:
            found.append(key)
    return tuple(sorted(found, key=WEEKDAYS.index))


def _is_day_word(word: str) -> bool:
    full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return any(name.startswith(word) for name in full) and len(word) >= 3


def parse_body_parts(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """Library body-part names from loose words (``knees`` → ``knee``)."""
    found: list[str] = []
    for word in _split_words(values):
        if word in {"none", "no"}:
            continue
        part = BODY_PART_ALIASES.get(word)
        if part is None:
            raise OptionError(
                f"Unknown body part {word!r} to spare; use any of {', '.join(BODY_PARTS)}."
            )
        if part not in found:
            found.append(part)
    return tuple(sorted(found, key=BODY_PARTS.index))


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_start(value: str | date | None) -> date | None:
    """A ``YYYY-MM-DD`` date (or ``None`` for the default start)."""
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not _DATE_RE.match(text):
        raise OptionError(f"The start date {text!r} is not in the form YYYY-MM-DD.")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OptionError(
            f"The start date {text!r} is not a real calendar date; give one in the form YYYY-MM-DD."
        ) from None


def profile_from_options(
    *,
    level: str = "intermediate",
    sessions_per_week: int = 3,
    minutes: int = 40,
    equipment: Iterable[str] | str | None = None,
    avoid_days: Iterable[str] | str | None = None,
    start: str | date | None = None,
    spare: Iterable[str] | str | None = None,
    today: date | None = None,
) -> Profile:
    """Build a :class:`Profile` from loose option values.

    ``equipment``, ``avoid_days`` and ``spare`` accept repeated values and comma lists.
    When ``start`` is ``None`` the plan starts the next Monday after ``today``
    (default: the real today), so the profile always carries a concrete date.

    Raises
    ------
    OptionError
        With one sentence naming the bad value and what to use instead.
    """
    start_date = parse_start(start)
    if start_date is None:
        start_date = next_monday(today or date.today())
    return Profile(
        level=str(level).strip().lower(),
        sessions_per_week=sessions_per_week,
        minutes=minutes,
        equipment=parse_equipment(equipment),
        avoid_days=parse_days(avoid_days),
        start=start_date,
        spare=parse_body_parts(spare),
    )
