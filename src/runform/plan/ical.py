"""The plan as an iCalendar file (RFC 5545), one all-day event per session.

All-day events need no time zone and import cleanly into Google, Apple and Outlook
calendars. UIDs are built from the plan id and the session number, so writing the same
plan again gives the same UIDs (re-importing updates events instead of duplicating them).
``DTSTAMP`` is, as RFC 5545 (3.8.7.2) has it for a published calendar, when the file was
made: the time of writing in UTC, or the ``stamp`` given, which keeps a file byte-for-byte
reproducible (two writes with the same stamp are identical).

Example
-------
>>> from runform.plan import build_plan
>>> plan = build_plan([], {"start": "2025-03-03"})
>>> plan_to_ics(plan).count(b"BEGIN:VEVENT")
18
>>> b"DTSTAMP:20250228T091500Z" in plan_to_ics(plan, stamp=datetime(2025, 2, 28, 9, 15, tzinfo=UTC))
True
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from runform.plan.model import Plan, Session

PRODID = "-//runform//runform plan//EN"
UID_DOMAIN = "runform.plan"


def session_uid(plan: Plan, session: Session) -> str:
    """The stable UID of a session's event."""
    return f"{plan.plan_id}-s{session.number:02d}@{UID_DOMAIN}"


def session_description(plan: Plan, session: Session) -> str:
    """Plain-text event body: what to do, with doses and settings, then why, once per group."""
    week = plan.weeks[session.week - 1]
    lines = [f"Week {week.number}: {week.theme}. {week.description}"]
    lines.append(f"About {round(session.minutes)} minutes.")
    lines.append("")
    for n, item in enumerate(session.exercises, start=1):
        extras = [
            text
            for text in (
                item.dose.sets > 1
                and item.dose.rest_s
                and f"rest {item.dose.rest_s} s between sets",
                item.target,
                item.lead_side and f"{item.lead_side} side first",
            )
            if text
        ]
        lines.append(
            f"{n}. {item.name}: {item.dose.text}" + (f" ({'; '.join(extras)})" if extras else "")
        )
    groups = [g for g in plan.groups if any(item.group == g.id for item in session.exercises)]
    if groups:
        lines.append("")
        lines.append("Why:")
        for group in groups:
            numbers = [
                n for n, item in enumerate(session.exercises, start=1) if item.group == group.id
            ]
            lines.append(f"- {group.label} ({', '.join(map(str, numbers))}): {group.reason}")
    notes = list(dict.fromkeys(item.note for item in session.exercises if item.note))
    if notes:
        lines.append("")
        lines.extend(notes)
    if session.steps:
        lines.append("")
        lines.append("Re-test:")
        lines.extend(f"- {step}" for step in session.steps)
    lines.append("")
    lines.append("Full instructions, cues and lessons: plan.html.")
    return "\n".join(lines)


def ics_stamp(stamp: datetime | None = None) -> datetime:
    """The ``DTSTAMP`` of a calendar written now (or at ``stamp``): UTC, whole seconds.

    Parameters
    ----------
    stamp
        When the calendar is taken to be made; a naive time is read as UTC. ``None``: now.

    Returns
    -------
    datetime
        Timezone-aware, in UTC, without microseconds.

    Examples
    --------
    >>> from datetime import timezone
    >>> ics_stamp(datetime(2025, 3, 1, 10, 30, 5, 999, tzinfo=timezone(timedelta(hours=1))))
    datetime.datetime(2025, 3, 1, 9, 30, 5, tzinfo=datetime.timezone.utc)
    """
    if stamp is None:
        stamp = datetime.now(UTC)
    elif stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).replace(microsecond=0)


def plan_to_ics(plan: Plan, stamp: datetime | None = None) -> bytes:
    """Serialise the plan as an iCalendar document.

    Parameters
    ----------
    plan
        The plan.
    stamp
        When the calendar is made, for every event's ``DTSTAMP`` (RFC 5545: the time the
        iCalendar object was created, in UTC); default now (:func:`ics_stamp`). Pass a fixed
        time for a reproducible file.

    Returns
    -------
    bytes
        The ``.ics`` document.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "runform 6-week plan")
    cal.add("x-wr-caldesc", "Running-form exercises, drills and stretches from runform.")
    stamp = ics_stamp(stamp)
    for session in plan.sessions:
        event = Event()
        event.add("uid", session_uid(plan, session))
        event.add("dtstamp", stamp)
        event.add("dtstart", session.date)
        event.add("dtend", session.date + timedelta(days=1))
        summary = (
            f"runform re-test (week {session.week})"
            if session.kind == "retest"
            else f"runform week {session.week}, session {session.index} "
            f"(~{round(session.minutes)} min)"
        )
        event.add("summary", summary)
        event.add("description", session_description(plan, session))
        event.add("transp", "TRANSPARENT")
        event.add("categories", ["runform"])
        cal.add_component(event)
    return cal.to_ical()
