"""Plan outputs: plan.ics parses back, plan.html is self-contained, plan.json round-trips."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest

from runform.plan import build_plan, profile_from_options, write_plan
from runform.plan.lessons import load_lessons, render_markdown


@pytest.fixture(scope="module")
def plan():
    findings = [
        {"id": "limited_extension", "severity": 0.6, "confidence": 0.8, "side": "both"},
        {"id": "overstriding", "severity": 0.4, "confidence": 0.7, "side": "both"},
    ]
    profile = profile_from_options(
        sessions_per_week=3,
        avoid_days="fri",
        start="2025-03-05",  # a Wednesday: weeks run Wednesday to Tuesday
        equipment="band,table",
        minutes=40,
    )
    return build_plan(findings, profile)


#: When the test calendar is taken to be made (plan.ics's DTSTAMP).
STAMP = datetime(2025, 2, 27, 18, 4, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def written(plan, tmp_path_factory):
    return write_plan(plan, tmp_path_factory.mktemp("plan") / "nested" / "out", stamp=STAMP)


def test_write_plan_writes_three_files(written):
    assert set(written) == {"html", "ics", "json"}
    assert [p.name for p in written.values()] == ["plan.html", "plan.ics", "plan.json"]
    assert all(p.stat().st_size > 1000 for p in written.values())


def test_ics_parses_back_with_one_event_per_session_on_the_right_dates(written):
    cal = icalendar.Calendar.from_ical(written["ics"].read_bytes())
    assert str(cal["VERSION"]) == "2.0" and cal["PRODID"]
    events = list(cal.walk("VEVENT"))
    assert len(events) == 18
    # independent expectation: 3 sessions in each 7-day window from Wed 2025-03-05,
    # never on a Friday, spread Mon/Wed/... as far apart as possible
    dates = [ev.decoded("DTSTART") for ev in events]
    assert all(isinstance(d, date) for d in dates)
    start = date(2025, 3, 5)
    for week in range(6):
        window = [start + timedelta(days=7 * week + k) for k in range(7)]
        in_week = [d for d in dates if d in window]
        assert len(in_week) == 3
    assert all(d.weekday() != 4 for d in dates)
    assert sorted({d.weekday() for d in dates}) == [0, 2, 5]  # Mon, Wed, Sat
    assert dates == sorted(dates) and dates[0] == start
    for ev in events:
        assert ev.decoded("DTEND") == ev.decoded("DTSTART") + timedelta(days=1)
        assert str(ev["SUMMARY"]).startswith("runform")
        assert "Why" not in str(ev["SUMMARY"])
    uids = [str(ev["UID"]) for ev in events]
    assert len(set(uids)) == 18
    assert "re-test" in str(events[-1]["SUMMARY"])
    assert "hip height" in str(events[-1]["DESCRIPTION"])


def test_ics_is_reproducible_with_stable_uids(plan, written, tmp_path):
    again = write_plan(plan, tmp_path, stamp=STAMP)
    assert again["ics"].read_bytes() == written["ics"].read_bytes()
    assert again["json"].read_text() == written["json"].read_text()


def test_dtstamp_is_when_the_calendar_was_made_in_utc(plan, written, tmp_path):
    """RFC 5545: DTSTAMP is when the iCalendar object was created; it was the plan's start
    date (2025-03-05 00:00), a time in the future when the plan is written."""
    events = list(icalendar.Calendar.from_ical(written["ics"].read_bytes()).walk("VEVENT"))
    assert {ev.decoded("DTSTAMP") for ev in events} == {STAMP}
    assert b"DTSTAMP:20250227T180405Z" in written["ics"].read_bytes()
    before = datetime.now(UTC).replace(microsecond=0)
    now = write_plan(plan, tmp_path)  # no stamp: the clock
    after = datetime.now(UTC)
    stamps = {
        ev.decoded("DTSTAMP")
        for ev in icalendar.Calendar.from_ical(now["ics"].read_bytes()).walk("VEVENT")
    }
    assert len(stamps) == 1
    (stamp,) = stamps
    assert stamp.utcoffset() == timedelta(0) and before <= stamp <= after
    assert stamp.date() != plan.start


def test_html_is_self_contained_and_complete(plan, written):
    html = written["html"].read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", html), "only in-page links allowed"
    assert "<script" not in html and "@import" not in html and "url(" not in html
    assert "@media print" in html
    assert len(re.findall(r'<article class="card( retest)?"', html)) == len(plan.sessions)
    for lesson in load_lessons():
        assert f'id="lesson-{lesson.id}"' in html
    for session in plan.sessions:
        for item in session.exercises:
            assert item.dose.text in html
            assert f'href="#ex-{item.exercise_id}"' in html
            assert f'id="ex-{item.exercise_id}"' in html
    assert "3 × 100 m" in html  # bounds at the top of their range in week 6


def test_json_matches_the_plan(plan, written):
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    assert data["schema"] == "runform.plan/1"
    assert data == json.loads(json.dumps(plan.to_dict()))
    sessions = [s for w in data["weeks"] for s in w["sessions"]]
    assert len(sessions) == 18
    assert [s["date"] for s in sessions] == [s.date.isoformat() for s in plan.sessions]
    assert sessions[-1]["kind"] == "retest"
    used = {e["id"] for s in sessions for e in s["exercises"]}
    assert used == set(data["exercises"])


def test_lessons_cover_the_course_and_render_safely():
    lessons = load_lessons()
    titles = " ".join(lesson.title.lower() for lesson in lessons)
    for topic in ("hip extension", "drive phase", "cadence", "heel", "film"):
        assert topic in titles
    text = " ".join(lesson.markdown for lesson in lessons)
    assert "no\ntraceable source" in text or "no traceable source" in text
    drive = next(lesson for lesson in lessons if lesson.id == "drive_phase").markdown
    assert "Extension follows from the drive" in drive
    hip = next(lesson for lesson in lessons if lesson.id == "hip_extension").markdown
    assert "calf and ankle" in hip and "sprinting" in hip  # hip power grows with speed
    filming = next(lesson for lesson in lessons if lesson.id == "filming").markdown
    for words in ("Side view", "hip height", "3–5 m", "Landscape", "whole body", "Slow motion"):
        assert words.lower() in filming.lower()
    assert "<script>" not in render_markdown("<script>alert(1)</script>")
