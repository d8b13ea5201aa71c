"""Which weekdays the sessions fall on, and their dates.

Sessions are spread as evenly as possible over the week among the days not avoided:
the chosen days maximise the smallest gap between sessions (counting round the week),
then avoid long runs of consecutive days, then make the gaps even; ties go to the
earliest days. With no days avoided
this gives Mon/Thu for 2 sessions and Mon/Wed/Fri for 3.

Example
-------
>>> choose_weekdays(3, ())
(0, 2, 4)
>>> choose_weekdays(2, ("mon", "tue"))
(2, 5)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from itertools import combinations

from runform.plan.profile import WEEKDAYS


def _gaps(days: tuple[int, ...]) -> list[int]:
    return [(days[(i + 1) % len(days)] - days[i]) % 7 or 7 for i in range(len(days))]


def _longest_run(days: tuple[int, ...]) -> int:
    """Most sessions on consecutive days, counting round the week (Sun → Mon)."""
    chosen = set(days)
    if len(chosen) == 7:
        return 7
    longest = 0
    for day in chosen:
        if (day - 1) % 7 in chosen:
            continue
        run = 1
        while (day + run) % 7 in chosen:
            run += 1
        longest = max(longest, run)
    return longest


def choose_weekdays(sessions: int, avoid: Iterable[str]) -> tuple[int, ...]:
    """Weekday numbers (0 = Monday) for ``sessions`` sessions a week, avoiding ``avoid``."""
    avoided = {WEEKDAYS.index(day) for day in avoid}
    free = [d for d in range(7) if d not in avoided]
    if sessions > len(free):
        raise ValueError(f"{sessions} sessions do not fit in {len(free)} free days")

    def key(days: tuple[int, ...]) -> tuple[int, int, int, tuple[int, ...]]:
        gaps = _gaps(days)
        return (-min(gaps), _longest_run(days), sum(g * g for g in gaps), days)

    return min(combinations(free, sessions), key=key)


def session_dates(start: date, weekdays: tuple[int, ...], weeks: int) -> list[list[date]]:
    """Dates of each week's sessions; week ``k`` covers the 7 days from ``start + 7k``."""
    result: list[list[date]] = []
    for week in range(weeks):
        first = start + timedelta(days=7 * week)
        days = [first + timedelta(days=offset) for offset in range(7)]
        result.append([day for day in days if day.weekday() in weekdays])
    return result
