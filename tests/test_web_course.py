"""The course and the coach in the web app (issue 12): plan by week, sessions done,
adherence, the private calendar, the profile that re-generates the plan; invitations,
the roster, comments pinned to the video, plan changes; and who may do what — every new
route × (anonymous, the owner, another runner, the owner's coach, another coach)."""

from __future__ import annotations

import re
import warnings
from datetime import date

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from runform.service import course as courses
from runform.service.testing import synthetic_analyze
from test_web import PASSWORD, clip, csrf_of, make_app, sign_up, upload  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def sign_up_coach(client: TestClient, email: str):
    return client.post(
        "/signup",
        data={"email": email, "password": PASSWORD, "role": "coach",
              "csrf_token": csrf_of(client, "/signup")},
        follow_redirects=False,
    )  # fmt: skip


def post(client: TestClient, url: str, **data):
    token = csrf_of(client, "/analyses")
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def start_course(client: TestClient, analysis_id: str, **fields):
    return post(client, "/course", analysis_id=analysis_id, **fields)


@pytest.fixture(scope="module")
def world(tmp_path_factory, clip):  # noqa: F811
    """Owner with a finished analysis and a course, another runner, the owner's coach
    (accepted), another coach (never accepted), a stranger."""
    tmp = tmp_path_factory.mktemp("course")
    app = make_app(tmp, analyze=synthetic_analyze())
    with TestClient(app) as owner:
        sign_up(owner, "owner@c.org")
        analysis = upload(owner, clip).headers["location"].rsplit("/", 1)[1]
        assert start_course(owner, analysis).status_code == 303
        other, coach, other_coach, anonymous = (TestClient(app) for _ in range(4))
        sign_up(other, "other@c.org")
        assert sign_up_coach(coach, "coach@c.org").headers["location"] == "/coach"
        sign_up_coach(other_coach, "coach2@c.org")
        page = post(coach, "/coach/invite")
        invite = re.search(r'id="invite-url">[^<]*/invite/([^<\s]+)<', page.text).group(1)
        assert post(owner, f"/invite/{invite}").status_code == 303
        post(other_coach, "/coach/invite")  # an invitation nobody accepted
        made = owner.post("/api/v1/tokens", json={"email": "owner@c.org", "password": PASSWORD,
                                                  "name": "matrix"})  # fmt: skip
        service = app.state.service
        owner_id = courses.active_course(service, _user_id(service, "owner@c.org")).owner_id
        yield {
            "app": app, "service": service, "owner": owner, "other": other, "coach": coach,
            "other_coach": other_coach, "anonymous": anonymous, "analysis": analysis,
            "owner_id": str(owner_id), "token_id": made.json()["id"],
        }  # fmt: skip


def _user_id(service, email: str):
    from sqlalchemy import select

    from runform.service.models import User

    with service.db.session() as s:
        return s.scalars(select(User.id).where(User.email == email)).one()


# ---------------------------------------------------------------------------- the course
def test_course_by_week_this_week_first_with_its_lesson(world):
    page = world["owner"].get("/course")
    assert page.status_code == 200
    text = page.text
    assert "My six-week course" in text and "Adherence" in text
    weeks = re.findall(r'id="week-(\d)"', text)
    assert sorted(weeks) == ["1", "2", "3", "4", "5", "6"]
    assert 'class="week current"' in text
    first = weeks[0]
    assert f'id="week-{first}-title">Week {first}' in text
    # a new course starts on a coming day: its first week is not "this week" yet
    service = world["service"]
    course = courses.active_course(service, _user_id(service, "owner@c.org"))
    start = date.fromisoformat(course.profile["start"])
    label = "this week" if start <= date.today() else f"starts {start:%a} {start.isoformat()}"
    assert f'<span class="hint">({label})</span>' in text
    assert "Lesson:" in text and "<details open>" in text
    assert "re-test" in text  # week 6's re-test session


def test_mark_done_with_effort_and_note_then_adherence_and_undo(world):
    owner, service = world["owner"], world["service"]
    course = courses.active_course(service, _user_id(service, "owner@c.org"))
    assert post(owner, "/course/sessions/1/done", effort="7", note="felt good").status_code == 303
    text = owner.get("/course").text
    assert "effort 7/10" in text and "felt good" in text
    assert "<strong>1</strong> of 18 sessions done" in text
    built = courses.build_course_plan(service, course)
    first_date = date.fromisoformat(courses.sessions_of(built.plan)[0]["date"])
    stats = courses.adherence(built.plan, courses.session_logs(service, course.id), first_date)
    assert stats == {"done": 1, "due": 1, "total": 18, "percent": 100}
    later = courses.adherence(
        built.plan, courses.session_logs(service, course.id), date.fromisoformat(built.plan["end"])
    )
    assert later["due"] == 18 and later["percent"] == 6  # 1 of 18
    bad = post(owner, "/course/sessions/2/done", effort="11")
    assert bad.status_code == 400 and "from 1 to 10" in bad.text
    assert post(owner, "/course/sessions/99/done").status_code == 400
    assert post(owner, "/course/sessions/2/done").status_code == 303
    assert post(owner, "/course/sessions/2/undo").status_code == 303
    assert [log.number for log in courses.session_logs(service, course.id)] == [1]


def test_deleting_the_analysis_of_a_course_says_the_course_goes_too(world):
    """Deleting an analysis deletes the course built from it, with the sessions logged;
    the page said only "Delete this analysis and its files?"."""
    page = world["owner"].get(f"/analyses/{world['analysis']}").text
    assert "Delete this analysis and its course" in page
    assert "deletes the course too, with the sessions you logged" in page
    coach_view = world["coach"].get(f"/analyses/{world['analysis']}").text
    assert "Delete this analysis" not in coach_view


def test_a_new_profile_rebuilds_the_plan_and_keeps_what_was_done(world):
    owner, service = world["owner"], world["service"]
    user_id = _user_id(service, "owner@c.org")
    before = courses.active_course(service, user_id)
    start = before.profile["start"]
    answer = post(owner, "/course/profile", level="beginner", sessions_per_week="2", minutes="30",
                  avoid_days="mon")  # fmt: skip
    assert answer.status_code == 303
    after = courses.active_course(service, user_id)
    assert after.id == before.id and after.profile["sessions_per_week"] == 2
    assert after.profile["start"] == start  # a session was done: the dates stay
    built = courses.build_course_plan(service, after)
    assert len(courses.sessions_of(built.plan)) == 12
    assert all(s["weekday"] != "mon" for s in courses.sessions_of(built.plan))
    assert [log.number for log in courses.session_logs(service, after.id)] == [1]
    assert "<strong>1</strong> of 12 sessions done" in owner.get("/course").text
    bad = post(owner, "/course/profile", level="olympian")
    assert bad.status_code == 400 and "level" in bad.text.lower()


def test_private_calendar_link_works_until_revoked(world):
    owner, anonymous = world["owner"], world["anonymous"]
    page = post(owner, "/course/calendar")
    url = re.search(r'id="calendar-url">([^<]+)<', page.text).group(1)
    path = url.split("://", 1)[1].split("/", 1)[1]
    ics = anonymous.get("/" + path)
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in ics.content and ics.content.count(b"BEGIN:VEVENT") >= 12
    # a new link replaces the old one; revoking ends it
    second = post(owner, "/course/calendar")
    new_path = re.search(r'id="calendar-url">[^<]*?(/calendar/[^<]+)<', second.text).group(1)
    assert anonymous.get("/" + path).status_code == 404
    assert anonymous.get(new_path).status_code == 200
    assert post(owner, "/course/calendar/revoke").status_code == 303
    assert anonymous.get(new_path).status_code == 404
    assert anonymous.get("/calendar/guess.ics").status_code == 404


def test_start_date_in_the_past_and_an_unfinished_analysis_are_refused(world):
    past = start_course(world["owner"], world["analysis"], start="2020-01-06")
    assert past.status_code == 400 and "is in the past" in past.text
    other = start_course(world["other"], world["analysis"])
    assert other.status_code == 400 and "Choose one of your finished analyses" in other.text


# ---------------------------------------------------------------------------- the coach
def test_roster_shows_the_runner_who_accepted_only(world):
    coach = world["coach"].get("/coach").text
    assert "owner@c.org" in coach and "Re-test due" in coach
    assert re.search(r"owner@c\.org.*?\d+/12", coach, re.S)  # adherence column
    assert "owner@c.org" not in world["other_coach"].get("/coach").text
    assert world["owner"].get("/coach").status_code == 403  # runners have no roster


def test_phone_layout_hooks(world):
    """What the phone layout rests on (looked at in Chromium at 390 px, and measured by
    tests/test_web_browser.py): the roster's cells carry their column's name, to become
    one card per runner; the result page offers the course and the re-test above the
    video (they were only below the tall report); the stylesheet wraps long words."""
    roster = world["coach"].get("/coach").text
    assert 'class="metrics roster"' in roster
    for label in ("Last analysis", "Top findings", "Adherence", "Re-test due"):
        assert f'data-label="{label}"' in roster
    page = world["owner"].get(f"/analyses/{world['analysis']}").text
    top = page.index('id="next-steps"')
    assert top < page.index("<video") and top < page.index('id="comments"')
    assert f'href="/course?analysis={world["analysis"]}"' in page[top : top + 400]
    assert 'id="next-steps"' not in world["coach"].get(f"/analyses/{world['analysis']}").text
    css = world["owner"].get("/static/app.css").text
    assert ".session p, .session li { overflow-wrap: anywhere; }" in css
    assert ".card select, .card input[type=date] { display: block; width: 100%; }" in css


def test_comment_pinned_to_a_moment_is_seen_by_the_runner(world):
    a = world["analysis"]
    answer = post(
        world["coach"], f"/analyses/{a}/comments", at_s="1.25", text="Look at the knee here"
    )
    assert answer.status_code == 303
    runner_page = world["owner"].get(f"/analyses/{a}").text
    assert "Look at the knee here" in runner_page and 'data-seek="1.25"' in runner_page
    assert 'data-at="1.25"' in runner_page  # the mark on the player's timeline
    assert (
        post(world["owner"], f"/analyses/{a}/comments", at_s="2", text="Thanks").status_code == 303
    )
    bad = post(world["coach"], f"/analyses/{a}/comments", at_s="soon", text="x")
    assert bad.status_code == 400 and "number of seconds" in bad.text


def test_the_coach_reads_the_course_session_by_session_and_marks_nothing(world):
    """The coach's runner page said only "1 of 18 done": the coach now opens the course as
    the runner sees it, with each session's effort and note, and no form to mark one."""
    runner_url = f"/coach/runners/{world['owner_id']}"
    assert f'href="{runner_url}/course"' in world["coach"].get(runner_url).text
    page = world["coach"].get(f"{runner_url}/course")
    assert page.status_code == 200
    assert "owner@c.org: six-week course" in page.text
    assert "effort 7/10" in page.text and "felt good" in page.text  # logged by the runner
    assert "/course/sessions/" not in page.text  # nothing to mark
    assert "Calendar link" not in page.text and "/course/profile" not in page.text


def test_coach_changes_the_plan_and_the_runner_sees_the_change(world):
    service = world["service"]
    course = courses.active_course(service, _user_id(service, "owner@c.org"))
    built = courses.build_course_plan(service, course)
    target = courses.sessions_of(built.plan)[0]["exercises"][0]
    runner_url = f"/coach/runners/{world['owner_id']}"
    answer = post(world["coach"], f"{runner_url}/plan", kind="dose", exercise=target["id"],
                  sets="4", reps="8")  # fmt: skip
    assert answer.status_code == 303
    rebuilt = courses.build_course_plan(service, course)
    changed = [e for s in courses.sessions_of(rebuilt.plan) for e in s["exercises"]
               if e["id"] == target["id"]]  # fmt: skip
    assert changed and all(e["dose"]["sets"] == 4 and e["dose"]["reps"] == 8 for e in changed)
    assert "Changes by your coach" in world["owner"].get("/course").text
    bad = post(world["coach"], f"{runner_url}/plan", kind="swap", exercise=target["id"], to="nope")
    assert bad.status_code == 400 and "library" in bad.text


BAD_PATHS = [
    ("owner", "POST", "/course/sessions/abc/done"),
    ("owner", "POST", "/course/sessions/-1/done"),
    ("owner", "POST", "/course/sessions/1.5/done"),
    ("owner", "POST", "/course/sessions/99999999999999999999999/undo"),
    ("owner", "POST", "/course/sessions/%20/undo"),
    ("owner", "GET", "/analyses/not-an-id"),
    ("owner", "POST", "/analyses/not-an-id/comments"),
    ("owner", "POST", "/links/not-an-id/end"),
    ("coach", "GET", "/coach/runners/not-an-id"),
    ("coach", "POST", "/coach/runners/not-an-id/plan"),
]


@pytest.mark.parametrize(("who", "method", "url"), BAD_PATHS)
def test_a_bad_part_of_the_address_is_one_sentence(world, who, method, url):
    """``POST /course/sessions/abc/done`` answered Pydantic's 422 JSON, and a number too
    large for the database would have been a 500: an address naming nothing is a 404 page
    with one sentence, like any other."""
    client = world[who]
    if method == "GET":
        answer = client.get(url)
    else:
        answer = client.post(url, data={"csrf_token": csrf_of(client, "/analyses"), "at_s": "1",
                                        "text": "x", "kind": "dose", "exercise": "x"})  # fmt: skip
    assert answer.status_code == 404, (url, answer.text[:200])
    assert answer.headers["content-type"].startswith("text/html")
    assert "There is no such page" in answer.text and '"detail"' not in answer.text


# ---------------------------------------------------------------------------- who may do what
ROUTES = [
    ("GET", "/course"),
    ("GET", "/course/profile"),
    ("GET", "/coach"),
    ("GET", "/coaches"),
    ("GET", "/coach/runners/{o}"),
    ("GET", "/coach/runners/{o}/course"),
    ("GET", "/analyses/{a}"),
    ("GET", "/analyses/{a}/files/analysis.json"),
    ("GET", "/analyses/{a}/status"),
    ("GET", "/analyses/{a}/files/annotated.mp4"),
    ("GET", "/analyses/{a}/files/stills/01-contact-left.jpg"),
    ("GET", "/analyses/{a}/comparison"),
    ("POST", "/analyses/{a}/retry"),
    ("POST", "/course/sessions/1/done"),
    ("POST", "/course/sessions/1/undo"),
    ("GET", "/invite/not-a-real-token"),
    ("POST", "/invite/no-such-token"),
    ("GET", "/account"),
    ("POST", "/account/password"),
    ("POST", "/account/tokens"),
    ("POST", "/account/tokens/{t}/revoke"),
    ("POST", "/analyses/{a}/comments"),
    ("POST", "/coach/runners/{o}/plan"),
    ("POST", "/analyses/{a}/delete"),
]
#: Expected status by route and who asks (303 = sent to sign in, or done and redirected).
EXPECTED = {
    "/course": {"anonymous": 303, "owner": 200, "other": 200, "coach": 200, "other_coach": 200},
    "/course/profile": {"anonymous": 303, "owner": 200, "other": 303, "coach": 303, "other_coach": 303},
    "/coach": {"anonymous": 303, "owner": 403, "other": 403, "coach": 200, "other_coach": 200},
    "/coaches": {"anonymous": 303, "owner": 200, "other": 200, "coach": 200, "other_coach": 200},
    "/coach/runners/{o}": {"anonymous": 303, "owner": 403, "other": 403, "coach": 200, "other_coach": 404},
    "/coach/runners/{o}/course": {"anonymous": 303, "owner": 403, "other": 403, "coach": 200, "other_coach": 404},
    "/analyses/{a}": {"anonymous": 303, "owner": 200, "other": 404, "coach": 200, "other_coach": 404},
    "/analyses/{a}/files/analysis.json": {"anonymous": 401, "owner": 200, "other": 404, "coach": 200, "other_coach": 404},
    "/analyses/{a}/comments": {"anonymous": 303, "owner": 303, "other": 404, "coach": 303, "other_coach": 404},
    "/coach/runners/{o}/plan": {"anonymous": 303, "owner": 403, "other": 403, "coach": 400, "other_coach": 404},
    "/analyses/{a}/delete": {"anonymous": 303, "other": 404, "coach": 404, "other_coach": 404},
    "/analyses/{a}/status": {"anonymous": 401, "owner": 200, "other": 404, "coach": 200, "other_coach": 404},
    "/analyses/{a}/files/annotated.mp4": {"anonymous": 401, "owner": 200, "other": 404, "coach": 200, "other_coach": 404},
    "/analyses/{a}/files/stills/01-contact-left.jpg": {"anonymous": 401, "owner": 200, "other": 404, "coach": 200, "other_coach": 404},
    # not a re-test: no comparison, for those who may look; a 404 for the others
    "/analyses/{a}/comparison": {"anonymous": 303, "owner": 404, "other": 404, "coach": 404, "other_coach": 404},
    # a finished job is not retried (back to the page); nobody else may touch it
    "/analyses/{a}/retry": {"anonymous": 303, "owner": 303, "other": 404, "coach": 404, "other_coach": 404},
    # only one's own course: the others have none (404), the owner marks a session done
    "/course/sessions/1/done": {"anonymous": 303, "owner": 303, "other": 404, "coach": 404, "other_coach": 404},
    "/course/sessions/1/undo": {"anonymous": 303, "owner": 303, "other": 404, "coach": 404, "other_coach": 404},
    # an invitation that does not exist opens nothing, for anyone
    "/invite/not-a-real-token": {"anonymous": 303, "owner": 404, "other": 404, "coach": 404, "other_coach": 404},
    "/invite/no-such-token": {"anonymous": 303, "owner": 400, "other": 400, "coach": 400, "other_coach": 400},
    "/account": {"anonymous": 303, "owner": 200, "other": 200, "coach": 200, "other_coach": 200},
    # one's own password only, and only with the current one (none is sent here)
    "/account/password": {"anonymous": 303, "owner": 400, "other": 400, "coach": 400, "other_coach": 400},
    # a token needs a name and the password (none is sent here)
    "/account/tokens": {"anonymous": 303, "owner": 400, "other": 400, "coach": 400, "other_coach": 400},
    # the owner's token: only the owner revokes it (again: still revoked); for anyone else
    # it does not exist
    "/account/tokens/{t}/revoke": {"anonymous": 303, "owner": 303, "other": 404, "coach": 404, "other_coach": 404},
}  # fmt: skip


@pytest.mark.parametrize("who", ["anonymous", "owner", "other", "coach", "other_coach"])
@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_every_route_by_who_asks(world, who, method, route):
    expected = EXPECTED[route].get(who)
    if expected is None:  # the owner deleting is tested elsewhere (it would end the world)
        return
    url = route.format(a=world["analysis"], o=world["owner_id"], t=world["token_id"])
    client = world[who]
    if method == "GET":
        answer = client.get(url, follow_redirects=False)
    else:
        token = csrf_of(client, "/login" if who == "anonymous" else "/analyses")
        data = {"csrf_token": token, "at_s": "0.5", "text": f"by {who}", "kind": "dose",
                "exercise": "no_such_exercise", "sets": "2"}  # fmt: skip
        answer = client.post(url, data=data, follow_redirects=False)
    assert answer.status_code == expected, (who, method, url, answer.text[:300])
    if who == "anonymous" and expected == 303:
        assert answer.headers["location"].startswith("/login")


API_ROUTES = [
    "/api/v1/analyses/{a}",
    "/api/v1/analyses/{a}/files/annotated.mp4",
    "/api/v1/analyses/{a}/comparison",
    "/api/v1/jobs/{j}",
]
#: What each role gets from the API (the coach reads, the job stays the owner's).
API_EXPECTED = {
    "/api/v1/analyses/{a}": {"owner": 200, "other": 404, "coach": 200, "other_coach": 404},
    "/api/v1/analyses/{a}/files/annotated.mp4": {"owner": 200, "other": 404, "coach": 200, "other_coach": 404},
    "/api/v1/analyses/{a}/comparison": {"owner": 404, "other": 404, "coach": 404, "other_coach": 404},
    "/api/v1/jobs/{j}": {"owner": 200, "other": 404, "coach": 404, "other_coach": 404},
}  # fmt: skip
EMAILS = {"owner": "owner@c.org", "other": "other@c.org", "coach": "coach@c.org",
          "other_coach": "coach2@c.org"}  # fmt: skip


@pytest.mark.parametrize("who", ["anonymous", "owner", "other", "coach", "other_coach"])
@pytest.mark.parametrize("route", API_ROUTES)
def test_every_api_route_by_who_asks(world, who, route):
    from test_web import token_for

    job = world["owner"].get(f"/analyses/{world['analysis']}/status").json()["job_id"]
    url = route.format(a=world["analysis"], j=job)
    headers = token_for(world[who], EMAILS[who]) if who != "anonymous" else {}
    answer = world["anonymous"].get(url, headers=headers)
    expected = 401 if who == "anonymous" else API_EXPECTED[route][who]
    assert answer.status_code == expected, (who, url)


@pytest.mark.parametrize("who", ["anonymous", "other", "coach", "other_coach"])
def test_only_the_owner_may_delete_through_the_api(world, who):
    """A linked coach reads a runner's analyses through the API and deletes none (the API
    let a coach's token delete them, files and course with them, while the page refused)."""
    from test_web import token_for

    url = f"/api/v1/analyses/{world['analysis']}"
    headers = token_for(world[who], EMAILS[who]) if who != "anonymous" else {}
    answer = world["anonymous"].delete(url, headers=headers)
    assert answer.status_code == (401 if who == "anonymous" else 404), (who, answer.text)
    assert world["owner"].get(f"/analyses/{world['analysis']}").status_code == 200


#: Deleting a comment, by who wrote it and who asks: 303 = deleted and back to the page
#: (for the anonymous: to sign in), 403 = seen but not theirs to delete, 404 = the
#: analysis is not theirs to see. The author deletes their own; the owner any on their
#: video; a coach not the runner's.
COMMENT_DELETE = {
    "owner": {"owner": 303, "coach": 403, "other": 404, "other_coach": 404, "anonymous": 303},
    "coach": {"coach": 303, "owner": 303, "other": 404, "other_coach": 404, "anonymous": 303},
}  # fmt: skip


def _comment_ids(world) -> dict[str, str]:
    """Comment text → id, as the owner's page lists them."""
    page = world["owner"].get(f"/analyses/{world['analysis']}").text
    found = re.findall(r'comments/([0-9a-f-]{36})/delete" class="comment-delete"[^>]*>'
                       r'\s*<input[^>]*>\s*<button[^>]*>Delete</button>', page)  # fmt: skip
    texts = re.findall(r'<span class="hint">[^<]*</span> ([^\n<]+)\n\s*<form', page)
    return dict(zip(texts, found, strict=True))


@pytest.mark.parametrize("who", ["owner", "coach", "other", "other_coach", "anonymous"])
@pytest.mark.parametrize("by", ["owner", "coach"])
def test_deleting_a_comment_by_who_asks(world, by, who):
    a = world["analysis"]
    text = f"to delete, by {by}, asked by {who}"
    assert post(world[by], f"/analyses/{a}/comments", at_s="1.5", text=text).status_code == 303
    comment = _comment_ids(world)[text]
    client = world[who]
    token = csrf_of(client, "/login" if who == "anonymous" else "/analyses")
    answer = client.post(f"/analyses/{a}/comments/{comment}/delete",
                         data={"csrf_token": token}, follow_redirects=False)  # fmt: skip
    expected = COMMENT_DELETE[by][who]
    assert answer.status_code == expected, (by, who, answer.text[:300])
    gone = text not in world["owner"].get(f"/analyses/{a}").text
    if who == "anonymous":
        assert answer.headers["location"].startswith("/login") and not gone
    elif expected == 303:
        assert answer.headers["location"] == f"/analyses/{a}#comments" and gone
    else:
        assert not gone
    if not gone:  # the author takes it back (and the world stays as it was)
        assert post(world[by], f"/analyses/{a}/comments/{comment}/delete").status_code == 303


def test_only_comments_one_may_delete_have_a_delete_button(world):
    """The owner's page offers to delete every comment; the coach's only the coach's own."""
    a = world["analysis"]
    post(world["owner"], f"/analyses/{a}/comments", at_s="2", text="a note by the runner")
    post(world["coach"], f"/analyses/{a}/comments", at_s="3", text="a cue from the coach")
    ids = _comment_ids(world)
    mine, theirs = ids["a note by the runner"], ids["a cue from the coach"]
    coach_page = world["coach"].get(f"/analyses/{a}").text
    assert f"comments/{theirs}/delete" in coach_page and f"comments/{mine}/delete" not in coach_page
    assert 'data-confirm="Delete this comment (3.0 s)?"' in coach_page
    # a comment that is not there, or not on this analysis, is a 404 (a made-up id, not an id)
    for bad in ("00000000-0000-0000-0000-000000000000", "not-an-id"):
        assert post(world["owner"], f"/analyses/{a}/comments/{bad}/delete").status_code == 404
    for comment in (mine, theirs):
        assert post(world["owner"], f"/analyses/{a}/comments/{comment}/delete").status_code == 303
    assert "a cue from the coach" not in world["coach"].get(f"/analyses/{a}").text


def test_an_ended_link_shuts_the_coach_out(world, clip):  # noqa: F811
    """Last: the runner ends the link; the coach no longer sees the runner or the video."""
    a = world["analysis"]
    assert world["coach"].get(f"/analyses/{a}").status_code == 200
    post(world["coach"], f"/analyses/{a}/comments", at_s="4", text="written before the end")
    comment = _comment_ids(world)["written before the end"]
    page = world["owner"].get("/coaches").text
    link_id = re.search(r'action="/links/([0-9a-f-]+)/end"', page).group(1)
    assert post(world["other"], f"/links/{link_id}/end").status_code == 404  # not theirs
    assert post(world["owner"], f"/links/{link_id}/end").status_code == 303
    assert world["coach"].get(f"/analyses/{a}").status_code == 404
    assert world["coach"].get(f"/coach/runners/{world['owner_id']}").status_code == 404
    assert "owner@c.org" not in world["coach"].get("/coach").text
    # the coach's comments stay on the runner's video, for the runner to keep or delete
    url = f"/analyses/{a}/comments/{comment}/delete"
    assert post(world["coach"], url).status_code == 404
    assert "written before the end" in world["owner"].get(f"/analyses/{a}").text
    assert post(world["owner"], url).status_code == 303


#: Routes with an id or token in the path whose "who may" tests live elsewhere (route →
#: the test that covers it), besides ROUTES and API_ROUTES above and test_web's lists.
COVERED_ELSEWHERE = {
    ("POST", "/analyses/{analysis_id}/retry"): "test_web.test_others_cannot_change_an_analysis",
    ("GET", "/calendar/{token}.ics"): "test_private_calendar_link_works_until_revoked",
    ("POST", "/links/{link_id}/end"): "test_an_ended_link_shuts_the_coach_out",
    ("DELETE", "/api/v1/analyses/{analysis_id}"): "test_only_the_owner_may_delete_through_the_api",
    (
        "POST",
        "/analyses/{analysis_id}/comments/{comment_id}/delete",
    ): "test_deleting_a_comment_by_who_asks",
}


def _app_routes(app):
    for route in app.routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            prefix = route.include_context.prefix
            for sub in inner.routes:
                for method in sorted((getattr(sub, "methods", None) or set()) - {"HEAD"}):
                    yield method, prefix + sub.path
        else:
            for method in sorted((getattr(route, "methods", None) or set()) - {"HEAD"}):
                yield method, route.path


def test_every_route_with_an_id_has_an_authorisation_test(tmp_path):
    """A new route that takes an id, a token or a file name must join a "who may" test:
    this fails until it does."""
    from test_web import API_GETS, PAGE_GETS, make_app

    def canonical(path: str) -> str:
        path = path.replace("{a}", "{analysis_id}").replace("{o}", "{runner_id}")
        path = path.replace("{j}", "{job_id}").replace("/sessions/1/", "/sessions/{number}/")
        path = path.replace("{t}", "{token_id}")
        path = re.sub(r"/invite/[a-z-]+$", "/invite/{token}", path)
        return re.sub(r"/files/.+$", "/files/{name:path}", path)

    tested = {(m, canonical(p)) for m, p in ROUTES}
    tested |= {("GET", canonical(p)) for p in [*API_ROUTES, *PAGE_GETS, *API_GETS]}
    tested |= set(COVERED_ELSEWHERE)
    with TestClient(make_app(tmp_path)) as client:
        routes = {(m, p) for m, p in _app_routes(client.app) if "{" in p}
    assert routes, "no route with a parameter found: the route walk is broken"
    untested = sorted(routes - tested)
    assert not untested, f"routes without an authorisation test: {untested}"


def test_every_form_post_without_its_csrf_token_is_refused(world):
    """Every state-changing page route (the API takes bearer tokens, never the cookie)
    answers 403 to a signed-in user's POST that lacks the form's CSRF token, whoever the
    user: found by walking the app's routes, so a new form cannot forget it."""
    import uuid

    values = {"analysis_id": world["analysis"], "runner_id": world["owner_id"], "number": "1",
              "token": "some-token", "link_id": str(uuid.uuid4()),
              "comment_id": str(uuid.uuid4()), "token_id": str(uuid.uuid4())}  # fmt: skip
    posts = sorted({p for m, p in _app_routes(world["owner"].app)
                    if m == "POST" and not p.startswith("/api/")})  # fmt: skip
    assert len(posts) > 15, posts
    for who in ("owner", "coach"):
        client = world[who]
        for path in posts:
            url = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values[m.group(1)], path)
            answer = client.post(url, data={"csrf_token": "forged"}, follow_redirects=False,
                                 files={"file": ("a.mp4", b"x", "video/mp4")})  # fmt: skip
            assert answer.status_code == 403, (who, url, answer.status_code)
