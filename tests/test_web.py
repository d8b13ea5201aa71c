"""The web app of `runform serve` through FastAPI's TestClient: accounts, upload, progress,
result, the JSON API, who may see what, and bad input.

Jobs run in-process (Huey immediate mode) with a synthetic analyse hook; one test goes
through the real embedded consumer, and `test_web_browser.py` runs MediaPipe on the example.
"""

from __future__ import annotations

import html
import logging
import re
import time
import warnings
from pathlib import Path
from urllib.parse import urlencode

import pytest

with warnings.catch_warnings():  # starlette's notice about httpx vs httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from runform.errors import AnalysisError
from runform.service.settings import Settings
from runform.service.testing import failing_analyze, synthetic_analyze, tiny_video
from runform.web import create_app
from runform.web.security import COOKIE

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PASSWORD = "a long password"


def make_app(tmp_path: Path, **overrides):
    overrides.setdefault("worker", "immediate")
    overrides.setdefault("analyze", synthetic_analyze())
    return create_app(Settings.load(tmp_path / "data", env={}, **overrides))


def csrf_of(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def alert(html: str) -> str:
    found = re.search(r'role="alert">([^<]+)<', html)
    return found.group(1) if found else ""


def sign_up(client: TestClient, email: str, password: str = PASSWORD):
    return client.post(
        "/signup",
        data={"email": email, "password": password, "csrf_token": csrf_of(client, "/signup")},
        follow_redirects=False,
    )


def upload(client: TestClient, content: bytes, name="clip.mp4", submit_key=None, **fields):
    data = {"csrf_token": csrf_of(client, "/upload"), **fields}
    if submit_key:
        data["submit_key"] = submit_key
    return client.post(
        "/upload", data=data, files={"file": (name, content, "video/mp4")}, follow_redirects=False
    )


def token_for(client: TestClient, email: str, password: str = PASSWORD) -> dict:
    answer = client.post("/api/v1/tokens", json={"email": email, "password": password})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def files_under(tmp_path: Path) -> list[str]:
    root = tmp_path / "data" / "files"
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def folders_under(tmp_path: Path) -> list[str]:
    """The analyses' folders in storage (an empty one counts: refused uploads left those)."""
    root = tmp_path / "data" / "files" / "analyses"
    return sorted(p.relative_to(root).as_posix() for p in root.glob("*")) if root.exists() else []


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    return tiny_video(tmp_path_factory.mktemp("clip") / "clip.mp4").read_bytes()


@pytest.fixture
def client(tmp_path):
    with TestClient(make_app(tmp_path)) as c:
        yield c


# ---------------------------------------------------------------------------- accounts
def test_sign_up_sign_out_sign_in_with_a_new_session_each_time(client):
    anonymous_cookie = (client.get("/signup"), client.cookies.get(COOKIE))[1]
    assert anonymous_cookie
    answer = sign_up(client, "Runner@Example.org")
    assert answer.status_code == 303 and answer.headers["location"] == "/upload"
    cookie_header = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie_header and "SameSite=lax" in cookie_header
    signed_in_cookie = client.cookies.get(COOKIE)
    assert signed_in_cookie != anonymous_cookie  # session fixation: a new id at sign-in
    assert "Sign out" in client.get("/analyses").text

    client.post("/logout", data={"csrf_token": csrf_of(client, "/analyses")})
    assert client.get("/analyses", follow_redirects=False).status_code == 303
    # the old cookie no longer works
    client.cookies.set(COOKIE, signed_in_cookie)
    assert client.get("/analyses", follow_redirects=False).status_code == 303
    client.cookies.clear()

    before = (client.get("/login"), client.cookies.get(COOKIE))[1]
    answer = client.post(
        "/login",
        data={"email": "runner@example.org", "password": PASSWORD, "next": "/upload",
              "csrf_token": csrf_of(client, "/login")},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == "/upload"
    assert client.cookies.get(COOKIE) not in (before, signed_in_cookie)


def test_every_form_needs_its_csrf_token(client):
    assert (
        client.post("/signup", data={"email": "a@b.org", "password": PASSWORD}).status_code == 403
    )
    assert (
        client.post(
            "/signup", data={"email": "a@b.org", "password": PASSWORD, "csrf_token": "forged"}
        ).status_code
        == 403
    )
    assert sign_up(client, "a@b.org").status_code == 303
    assert client.post("/logout", data={}).status_code == 403
    answer = client.post(
        "/upload", data={"csrf_token": "forged"}, files={"file": ("a.mp4", b"x", "video/mp4")}
    )
    assert answer.status_code == 403
    assert client.post("/login", data={"email": "a@b.org", "password": PASSWORD}).status_code == 403


def test_bad_sign_up_and_sign_in_are_one_sentence(client):
    answer = sign_up(client, "a@b.org", password="short")
    assert (
        answer.status_code == 400
        and alert(answer.text) == "Choose a password of at least 8 characters."
    )
    assert sign_up(client, "a@b.org").status_code == 303
    client.cookies.clear()
    assert alert(sign_up(client, "a@b.org").text).startswith(
        "An account with this e-mail already exists"
    )
    answer = client.post(
        "/login",
        data={"email": "a@b.org", "password": "nope nope", "csrf_token": csrf_of(client, "/login")},
    )
    assert answer.status_code == 400 and alert(answer.text) == "Wrong e-mail or password."


def sign_in(client: TestClient, email: str, next_: str | None = None, password: str = PASSWORD):
    data = {"email": email, "password": password, "csrf_token": csrf_of(client, "/login")}
    if next_ is not None:
        data["next"] = next_
    return client.post("/login", data=data, follow_redirects=False)


def test_the_whole_address_survives_signing_in(client):
    """A link with a query (a re-test's ``retest_of``, a course's ``analysis``) comes back
    whole after signing in; it lost its query."""
    sign_up(client, "a@b.org")
    client.cookies.clear()
    for target in ("/upload?retest_of=1234", "/course?analysis=5678&x=1"):
        sent = client.get(target, follow_redirects=False)
        assert sent.status_code == 303
        login_url = sent.headers["location"]
        assert login_url == "/login?" + urlencode({"next": target})
        form = client.get(login_url).text
        assert f'name="next" value="{html.escape(target)}"' in form
        answer = sign_in(client, "a@b.org", target)
        assert answer.headers["location"] == target
        client.cookies.clear()
    # a form sent while signed out comes back to the page it was on (its Referer)
    answer = client.post("/course/sessions/1/done", data={}, follow_redirects=False,
                         headers={"referer": "http://testserver/course?analysis=9"})  # fmt: skip
    assert answer.headers["location"] == "/login?" + urlencode({"next": "/course?analysis=9"})
    answer = client.post("/course/sessions/1/done", data={}, follow_redirects=False,
                         headers={"referer": "https://evil.example/x"})  # fmt: skip
    assert answer.headers["location"] == "/login"


def test_signing_up_from_an_invitation_comes_back_to_it(client):
    """The invitation's sign-in page links to sign-up with ``next``; signing up there
    returned to /upload, and the invitation link was lost."""
    sent = client.get("/invite/some-token", follow_redirects=False)
    login_page = client.get(sent.headers["location"]).text
    assert 'href="/signup?next=/invite/some-token"' in login_page
    signup_page = client.get("/signup?next=%2Finvite%2Fsome-token").text
    assert 'name="next" value="/invite/some-token"' in signup_page
    answer = client.post("/signup", data={"email": "new@b.org", "password": PASSWORD,
                                          "next": "/invite/some-token",
                                          "csrf_token": csrf_of(client, "/signup")},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == "/invite/some-token"
    # a refused sign-up keeps it
    again = client.post("/signup", data={"email": "new@b.org", "password": PASSWORD,
                                         "next": "/invite/some-token",
                                         "csrf_token": csrf_of(client, "/signup")})  # fmt: skip
    assert again.status_code == 400 and 'name="next" value="/invite/some-token"' in again.text


def test_coaches_land_on_their_roster_and_runners_on_their_analyses(client):
    client.post("/signup", data={"email": "c@b.org", "password": PASSWORD, "role": "coach",
                                 "csrf_token": csrf_of(client, "/signup")})  # fmt: skip
    client.cookies.clear()
    sign_up(client, "r@b.org")
    client.cookies.clear()
    assert sign_in(client, "c@b.org").headers["location"] == "/coach"
    assert client.get("/", follow_redirects=False).headers["location"] == "/coach"
    client.cookies.clear()
    assert sign_in(client, "r@b.org").headers["location"] == "/analyses"
    assert client.get("/", follow_redirects=False).headers["location"] == "/analyses"


OFF_SITE = ["//evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example",
            "http:/evil.example", "/\t/evil.example", "/\n/evil.example", " //evil.example",
            "evil.example", "/ /evil.example", "/\x7f/evil.example", ""]  # fmt: skip


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_never_leaves_the_site(client, target):
    """Sign-in and sign-up send a user only to an address on this site, whatever ``next``
    says; an address that is not one gives the default landing page."""
    created = client.post("/api/v1/users", json={"email": "o@b.org", "password": PASSWORD})
    assert created.status_code == 201
    assert sign_in(client, "o@b.org", target).headers["location"] == "/analyses"
    page = client.get("/login?" + urlencode({"next": target})).text
    assert 'name="next" value=""' in page
    client.cookies.clear()
    answer = client.post("/signup", data={"email": "n@b.org", "password": PASSWORD, "next": target,
                                          "csrf_token": csrf_of(client, "/signup")},
                         follow_redirects=False)  # fmt: skip
    assert answer.headers["location"] == "/upload"


def test_sign_in_is_rate_limited(tmp_path):
    with TestClient(make_app(tmp_path, login_limit=3)) as client:
        sign_up(client, "a@b.org")
        client.cookies.clear()
        statuses = []
        for password in ["x" * 8] * 3 + [PASSWORD]:
            answer = client.post("/login", data={"email": "a@b.org", "password": password,
                                                 "csrf_token": csrf_of(client, "/login")})  # fmt: skip
            statuses.append(answer.status_code)
        assert statuses == [400, 400, 400, 429]
        assert alert(answer.text).startswith("Too many failed sign-ins")
        api = client.post("/api/v1/tokens", json={"email": "a@b.org", "password": PASSWORD})
        assert api.status_code == 429


def _rows(app, model) -> int:
    from sqlalchemy import func, select

    with app.state.service.db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_visitors_who_are_not_signed_in_leave_no_session_row(client):
    """Every cookie-less GET stored an anonymous session row (200 GETs, 200 rows): a
    visitor's forms now carry a CSRF token derived from the cookie's random token, and a
    row is written only at sign-in."""
    from runform.service.models import WebSession

    app = client.app
    for _ in range(50):
        for url in ("/login", "/signup", "/", "/nope"):
            TestClient(app).get(url)
    assert _rows(app, WebSession) == 0
    # the sign-in form still needs its token, and only this browser's token will do
    sign_up(client, "a@b.org")
    client.post("/logout", data={"csrf_token": csrf_of(client, "/analyses")})
    assert _rows(app, WebSession) == 0
    other = TestClient(app)
    theirs = csrf_of(other, "/login")
    form = {"email": "a@b.org", "password": PASSWORD}
    assert client.post("/login", data={**form, "csrf_token": theirs}).status_code == 403
    assert TestClient(app).post("/login", data={**form, "csrf_token": theirs}).status_code == 403
    assert client.post("/login", data={**form, "csrf_token": "é"}).status_code == 403
    mine = csrf_of(client, "/login")
    answer = client.post("/login", data={**form, "csrf_token": mine}, follow_redirects=False)
    assert answer.status_code == 303 and _rows(app, WebSession) == 1
    # signed in, the forms carry the session's own token; the visitor's no longer works
    assert csrf_of(client, "/analyses") != mine
    assert client.post("/logout", data={"csrf_token": mine}).status_code == 403


def test_expired_sessions_and_old_sign_in_failures_are_pruned(tmp_path):
    """Expired sessions and sign-in failures were never deleted: the sweep (every minute)
    and every sign-in now delete them, in bounded batches."""
    from datetime import timedelta

    from sqlalchemy import select

    from runform.service import accounts
    from runform.service.models import LoginFailure, PasswordReset, WebSession, utcnow

    app = make_app(tmp_path, login_limit=3)
    with TestClient(app) as client:
        sign_up(client, "a@b.org")
        service, now = app.state.service, utcnow()
        with service.db.session() as s:
            user_id = s.scalars(select(WebSession.user_id)).one()
            for i in range(30):  # idle past 14 days, and visitors' rows from before
                s.add(WebSession(token_hash=f"old{i}", user_id=user_id, csrf_token="x",
                                 last_seen=now - timedelta(days=15)))  # fmt: skip
                s.add(WebSession(token_hash=f"visitor{i}", user_id=None, csrf_token="x",
                                 last_seen=now - timedelta(days=2)))  # fmt: skip
                s.add(LoginFailure(key=f"email:x{i}@b.org", at=now - timedelta(minutes=16)))
                s.add(PasswordReset(token_hash=f"reset{i}", user_id=user_id,
                                    expires_at=now - timedelta(hours=1)))  # fmt: skip
            s.add(WebSession(token_hash="recent", user_id=user_id, csrf_token="x",
                             last_seen=now - timedelta(days=13)))  # fmt: skip
            s.add(LoginFailure(key="email:y@b.org", at=now - timedelta(minutes=14)))
        # (and the sign-up's two attempts, per address and per client, inside the window)
        assert _rows(app, WebSession) == 62 and _rows(app, LoginFailure) == 33
        # bounded: one call deletes at most `batch` rows of each kind
        with service.db.session() as s:
            assert accounts.prune(s, window_s=900, batch=10) == 30
        assert _rows(app, WebSession) == 52
        service.sweep()
        assert _rows(app, WebSession) == 2  # this browser's and the 13-day one
        assert _rows(app, LoginFailure) == 3 and _rows(app, PasswordReset) == 0
        # signing in prunes too
        with service.db.session() as s:
            s.add(LoginFailure(key="email:z@b.org", at=now - timedelta(hours=1)))
        client.post("/logout", data={"csrf_token": csrf_of(client, "/analyses")})
        client.post("/login", data={"email": "a@b.org", "password": PASSWORD,
                                    "csrf_token": csrf_of(client, "/login")})  # fmt: skip
        assert _rows(app, LoginFailure) == 3
        # the rate limit still counts the failures inside its window
        for _ in range(3):
            client.post("/login", data={"email": "a@b.org", "password": "wrong password",
                                        "csrf_token": csrf_of(client, "/login")})  # fmt: skip
        service.sweep()
        answer = client.post("/login", data={"email": "a@b.org", "password": PASSWORD,
                                             "csrf_token": csrf_of(client, "/login")})  # fmt: skip
        assert answer.status_code == 429


def test_password_reset_link_goes_to_the_log_not_the_password(client, caplog):
    sign_up(client, "a@b.org")
    client.cookies.clear()
    with caplog.at_level(logging.WARNING, logger="runform"):
        answer = client.post(
            "/password/forgot",
            data={"email": "a@b.org", "csrf_token": csrf_of(client, "/password/forgot")},
        )
        unknown = client.post(
            "/password/forgot",
            data={"email": "nobody@b.org", "csrf_token": csrf_of(client, "/password/forgot")},
        )
    assert answer.status_code == unknown.status_code == 200
    assert "reset link has been written to the server log" in answer.text
    assert answer.text == unknown.text  # the same answer whether or not the account exists
    links = re.findall(r"password/reset\?token=(\S+)", caplog.text)
    assert len(links) == 1 and PASSWORD not in caplog.text
    answer = client.post("/password/reset", data={"token": links[0], "password": "brand new pass",
                                                  "csrf_token": csrf_of(client, "/password/reset")})  # fmt: skip
    assert answer.status_code == 200 and "Password changed" in answer.text
    assert (
        client.post("/api/v1/tokens", json={"email": "a@b.org", "password": PASSWORD}).status_code
        == 401
    )
    assert (
        client.post(
            "/api/v1/tokens", json={"email": "a@b.org", "password": "brand new pass"}
        ).status_code
        == 201
    )
    again = client.post("/password/reset", data={"token": links[0], "password": "other new pass",
                                                 "csrf_token": csrf_of(client, "/password/reset")})  # fmt: skip
    assert again.status_code == 400 and "invalid or has expired" in alert(again.text)


def test_sign_up_can_be_switched_off(tmp_path):
    with TestClient(make_app(tmp_path, signup=False)) as client:
        assert client.get("/signup").status_code == 403
        assert "Sign up" not in client.get("/").text
        api = client.post("/api/v1/users", json={"email": "a@b.org", "password": PASSWORD})
        assert api.status_code == 403 and "closed" in api.json()["error"]


# ---------------------------------------------------------------------------- upload → result
def test_upload_runs_the_job_and_shows_the_result(tmp_path, clip):
    with TestClient(make_app(tmp_path, analyze=synthetic_analyze(report=True))) as client:
        sign_up(client, "a@b.org")
        answer = upload(client, clip, name="My Run.MP4", height_cm="178", treadmill_speed="3")
        assert answer.status_code == 303
        page_url = answer.headers["location"]
        analysis_id = page_url.rsplit("/", 1)[1]
        status = client.get(f"{page_url}/status").json()
        assert status["state"] == "done" and status["progress"] == 1.0 and status["error"] is None

        page = client.get(page_url)
        assert page.status_code == 200
        html = page.text
        assert "My Run.MP4" in html
        assert (
            '<video id="annotated" controls' in html
            and f"/analyses/{analysis_id}/files/annotated.mp4" in html
        )
        assert "Findings" in html and "Measures" in html and ">within<" in html
        assert (
            f"/analyses/{analysis_id}/files/report.pdf" in html
            and f"/analyses/{analysis_id}/files/steps.csv" in html
        )
        assert 'sandbox="allow-same-origin"' in html and "stills/01-contact-left.jpg" in html
        assert (
            "Content-Security-Policy" in page.headers
            and "script-src 'self'" in page.headers["Content-Security-Policy"]
        )

        video = client.get(f"{page_url}/files/annotated.mp4", headers={"Range": "bytes=100-199"})
        assert (
            video.status_code == 206
            and video.headers["content-range"] == f"bytes 100-199/{len(clip)}"
        )
        assert video.content == clip[100:200] and video.headers["content-type"] == "video/mp4"

        report = client.get(f"{page_url}/files/report.html")
        assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
        csp = report.headers["content-security-policy"]
        assert (
            csp.startswith("sandbox allow-same-origin;")
            and "allow-scripts" not in csp
            and "script-src" not in csp
        )

        pdf = client.get(f"{page_url}/files/report.pdf")
        assert (
            pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
        )
        csv = client.get(f"{page_url}/files/steps.csv")
        assert csv.status_code == 200 and csv.text.splitlines()[0].count(",") > 3
        assert (
            client.get(f"{page_url}/files/stills/01-contact-left.jpg").headers["content-type"]
            == "image/jpeg"
        )
        # only the pipeline's outputs are served: not the input, not a path outside
        for name in ("../input/video.mp4", "..%2Finput%2Fvideo.mp4", ".cache/x", "video.mp4"):
            assert client.get(f"{page_url}/files/{name}").status_code == 404

        listing = client.get("/analyses").text
        assert "My Run.MP4" in listing and "state-done" in listing
        # the options reached the engine
        analysis = client.get(
            f"/api/v1/analyses/{analysis_id}", headers=token_for(client, "a@b.org")
        ).json()
        assert (
            analysis["options"]["height_cm"] == 178.0
            and analysis["options"]["treadmill_speed_mps"] == 3.0
        )


def test_progress_page_survives_reload_while_queued(tmp_path, clip):
    with TestClient(make_app(tmp_path, worker="none")) as client:  # nothing consumes the queue
        sign_up(client, "a@b.org")
        page_url = upload(client, clip).headers["location"]
        for _ in range(2):
            page = client.get(page_url)
            assert page.status_code == 200 and 'data-status-url="' in page.text
            assert "<progress" in page.text and "queued" in page.text
        status = client.get(f"{page_url}/status")
        assert status.json()["state"] == "queued" and status.headers["cache-control"] == "no-store"


def test_failed_job_shows_the_sentence_and_try_again_works(tmp_path, clip):
    sentence = "Only 1 step was found on the left side; film at least 10 s of steady running."
    hooks = {"analyze": failing_analyze(AnalysisError(sentence))}

    def analyze(video, out_dir, options, progress):
        return hooks["analyze"](video, out_dir, options, progress)

    with TestClient(make_app(tmp_path, analyze=analyze)) as client:
        sign_up(client, "a@b.org")
        page_url = upload(client, clip).headers["location"]
        page = client.get(page_url)
        assert "did not succeed" in page.text and sentence in page.text and "Try again" in page.text
        assert client.get(f"{page_url}/status").json()["error"] == sentence
        assert not [f for f in files_under(tmp_path) if "/output/" in f]  # no half outputs

        hooks["analyze"] = synthetic_analyze()
        csrf = csrf_of(client, page_url)
        answer = client.post(
            f"{page_url}/retry",
            data={"csrf_token": csrf, "capture_fps": "240"},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        assert client.get(f"{page_url}/status").json()["state"] == "done"
        assert "Findings" in client.get(page_url).text


def test_a_crash_in_the_engine_shows_a_sentence_not_a_traceback(tmp_path, clip):
    with TestClient(make_app(tmp_path, analyze=failing_analyze(KeyError("frame")))) as client:
        sign_up(client, "a@b.org")
        page_url = upload(client, clip).headers["location"]
        text = client.get(page_url).text
        assert (
            "error inside runform; try again" in text
            and "Traceback" not in text
            and "KeyError" not in text
        )


# ---------------------------------------------------------------------------- bad input
def test_non_video_empty_and_oversized_uploads_are_refused_at_once(tmp_path, clip):
    with TestClient(make_app(tmp_path, max_upload_mb=0.05)) as client:
        sign_up(client, "a@b.org")
        answer = upload(client, b"just some text\n" * 10, name="notes.txt")
        assert answer.status_code == 422
        assert alert(answer.text) == (
            "notes.txt is not a video runform can read (FFmpeg finds no video in it); give an mp4, "
            "mov, m4v, "
            "avi, mkv or webm video straight from the phone."
        )
        answer = upload(client, b"", name="empty.mp4")
        assert answer.status_code == 422
        assert alert(answer.text).startswith(
            "empty.mp4 is empty (0 bytes); copy the video from the phone again"
        )
        answer = upload(client, clip + b"\0" * 60_000, name="big.mp4")
        assert answer.status_code == 413 and "larger than the 0.05 MB limit" in alert(answer.text)
        answer = upload(client, clip, height_cm="3")
        assert answer.status_code == 400 and alert(answer.text).startswith(
            "height (cm) 3 is not a human height"
        )
        assert files_under(tmp_path) == []  # nothing kept from refused uploads
        assert client.get("/analyses").text.count("/analyses/") == 0
        assert folders_under(tmp_path) == []  # not even an empty input/ folder


def _multipart(*parts: tuple[str, str | None, bytes], boundary: str = "XX") -> bytes:
    body = b""
    for name, filename, content in parts:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'.encode()
        body += f'; filename="{filename}"'.encode() if filename is not None else b""
        body += b"\r\n\r\n" + content + b"\r\n"
    return body


@pytest.mark.parametrize("api", [False, True])
def test_refused_uploads_leave_no_folder_behind(tmp_path, clip, api):
    """Uploads refused while streaming (too large, broken multipart, two files, cut off)
    deleted their .part file but left ``analyses/<id>/input/`` behind, one per attempt."""
    with TestClient(make_app(tmp_path, max_upload_mb=0.05)) as client:
        sign_up(client, "a@b.org")
        if api:
            url, headers, token = "/api/v1/videos", token_for(client, "a@b.org"), []
        else:
            url, headers = "/upload", {}
            token = [("csrf_token", None, csrf_of(client, "/upload").encode())]
        kinds = {
            "too large while streaming": [*token, ("file", "big.mp4", clip + b"\0" * 60_000)],
            "two files": [*token, ("file", "a.mp4", clip), ("file", "b.mp4", clip)],
            "bad option": [*token, ("height_cm", None, b"3"), ("file", "a.mp4", clip)],
            "not a video": [*token, ("file", "a.mp4", b"text " * 100)],
        }
        for kind, parts in kinds.items():
            body = _multipart(*parts) + b"--XX--\r\n"
            answer = client.post(url, content=body, headers={
                **headers, "Content-Type": "multipart/form-data; boundary=XX"})  # fmt: skip
            assert answer.status_code in (400, 413, 422), (kind, answer.status_code)
            assert folders_under(tmp_path) == [], kind
        # a body cut off in the middle of the file (the connection dropped)
        cut = _multipart(*token, ("file", "a.mp4", clip))[:-500]
        answer = client.post(url, content=cut, headers={
            **headers, "Content-Type": "multipart/form-data; boundary=XX"})  # fmt: skip
        assert answer.status_code in (400, 422) and folders_under(tmp_path) == []
        if not api:  # a forged form
            forged = _multipart(("csrf_token", None, b"forged"), ("file", "a.mp4", clip))
            answer = client.post(url, content=forged + b"--XX--\r\n", headers={
                "Content-Type": "multipart/form-data; boundary=XX"})  # fmt: skip
            assert answer.status_code == 403 and folders_under(tmp_path) == []


def test_the_sweep_removes_empty_upload_folders_left_before(tmp_path):
    """Empty input folders left by earlier versions go with the sweep once old enough."""
    import os

    with TestClient(make_app(tmp_path, stale_after_s=60)) as client:
        service = client.app.state.service
        root = tmp_path / "data" / "files" / "analyses"
        old, new = root / "old-one" / "input", root / "new-one" / "input"
        for folder in (old, new):
            folder.mkdir(parents=True)
        os.utime(old, (1_000_000, 1_000_000))
        service.sweep()
        assert folders_under(tmp_path) == ["new-one"]  # a folder just made may be in use


def test_oversized_upload_is_refused_from_content_length_before_reading(tmp_path):
    with TestClient(make_app(tmp_path, max_upload_mb=1)) as client:
        sign_up(client, "a@b.org")
        headers = token_for(client, "a@b.org")
        body = b"--b\r\n" + b"x" * (3 * 1024 * 1024) + b"\r\n--b--\r\n"
        answer = client.post("/api/v1/videos", content=body, headers={
            **headers, "Content-Type": "multipart/form-data; boundary=b"})  # fmt: skip
        assert answer.status_code == 413 and "1 MB limit" in answer.json()["error"]
        assert files_under(tmp_path) == []


def test_double_submit_of_one_form_makes_one_analysis(client, clip, tmp_path):
    sign_up(client, "a@b.org")
    first = upload(client, clip, submit_key="form-123")
    second = upload(client, clip, submit_key="form-123")
    assert first.headers["location"] == second.headers["location"]
    assert len({f.split("/")[1] for f in files_under(tmp_path)}) == 1
    third = upload(client, clip, submit_key="form-456")
    assert third.headers["location"] != first.headers["location"]


# ---------------------------------------------------------------------------- API
def test_api_flow(client, clip):
    created = client.post("/api/v1/users", json={"email": "api@b.org", "password": PASSWORD})
    assert created.status_code == 201 and created.json()["email"] == "api@b.org"
    assert (
        client.post("/api/v1/users", json={"email": "api@b.org", "password": PASSWORD}).status_code
        == 409
    )
    assert client.post("/api/v1/users", content=b"not json").status_code == 400
    assert (
        client.post(
            "/api/v1/tokens", json={"email": "api@b.org", "password": "wrong one"}
        ).status_code
        == 401
    )
    headers = token_for(client, "api@b.org")
    answer = client.post("/api/v1/videos", headers=headers, files={"file": ("run.mp4", clip, "video/mp4")},
                         data={"height_cm": "180"})  # fmt: skip
    assert answer.status_code == 202, answer.text
    body = answer.json()
    for key in ("job_id", "analysis_id"):
        assert re.fullmatch(
            r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", body[key]
        )
    job = client.get(f"/api/v1/jobs/{body['job_id']}", headers=headers).json()
    assert (
        job["state"] == "done"
        and job["progress"] == 1.0
        and job["error"] is None
        and job["stage"] == "done"
    )
    analysis = client.get(f"/api/v1/analyses/{body['analysis_id']}", headers=headers)
    assert analysis.status_code == 200 and analysis.json()["schema"] == "runform.analysis/1"
    ranged = client.get(f"/api/v1/analyses/{body['analysis_id']}/files/annotated.mp4",
                        headers={**headers, "Range": "bytes=0-9"})  # fmt: skip
    assert ranged.status_code == 206 and ranged.content == clip[:10]
    listing = client.get("/api/v1/analyses", headers=headers).json()["analyses"]
    assert [a["id"] for a in listing] == [body["analysis_id"]]
    # Idempotency-Key: the repeat returns the first analysis
    keyed = {**headers, "Idempotency-Key": "abc"}
    one = client.post(
        "/api/v1/videos", headers=keyed, files={"file": ("run.mp4", clip, "video/mp4")}
    )
    two = client.post(
        "/api/v1/videos", headers=keyed, files={"file": ("run.mp4", clip, "video/mp4")}
    )
    assert (one.status_code, two.status_code) == (202, 200)
    assert one.json()["analysis_id"] == two.json()["analysis_id"]
    # errors are one sentence
    bad = client.post(
        "/api/v1/videos", headers=headers, files={"file": ("a.txt", b"hello", "text/plain")}
    )
    assert bad.status_code == 422 and bad.json()["error"].startswith(
        "a.txt is not a video runform can read"
    )
    none = client.post(
        "/api/v1/videos",
        headers=headers,
        data={"height_cm": "170"},
        files={"other": ("x", b"", "text/plain")},
    )
    assert none.status_code == 400
    assert (
        client.delete(f"/api/v1/analyses/{body['analysis_id']}", headers=headers).status_code == 204
    )
    assert client.get(f"/api/v1/analyses/{body['analysis_id']}", headers=headers).status_code == 404


def test_api_analysis_not_ready_is_409(tmp_path, clip):
    with TestClient(make_app(tmp_path, worker="none")) as client:
        client.post("/api/v1/users", json={"email": "a@b.org", "password": PASSWORD})
        headers = token_for(client, "a@b.org")
        body = client.post(
            "/api/v1/videos", headers=headers, files={"file": ("r.mp4", clip, "video/mp4")}
        ).json()
        assert body["state"] == "queued"
        answer = client.get(f"/api/v1/analyses/{body['analysis_id']}", headers=headers)
        assert answer.status_code == 409 and answer.json()["job"]["state"] == "queued"


# ---------------------------------------------------------------------------- who sees what
@pytest.fixture(scope="module")
def world(tmp_path_factory, clip):
    """One app, an owner with a finished analysis (with report), another runner, a stranger."""
    tmp = tmp_path_factory.mktemp("authz")
    app = make_app(tmp, analyze=synthetic_analyze(report=True))
    with TestClient(app) as owner:
        sign_up(owner, "owner@b.org")
        page_url = upload(owner, clip).headers["location"]
        other = TestClient(app)
        sign_up(other, "other@b.org")
        anonymous = TestClient(app)
        analysis_id = page_url.rsplit("/", 1)[1]
        job_id = owner.get(f"{page_url}/status").json()["job_id"]
        yield {
            "app": app, "owner": owner, "other": other, "anonymous": anonymous,
            "analysis": analysis_id, "job": job_id,
            "tokens": {"owner": token_for(owner, "owner@b.org"), "other": token_for(other, "other@b.org"), "anonymous": {}},
        }  # fmt: skip


PAGE_GETS = [
    "/analyses/{a}",
    "/analyses/{a}/status",
    "/analyses/{a}/files/analysis.json",
    "/analyses/{a}/files/annotated.mp4",
    "/analyses/{a}/files/stills/01-contact-left.jpg",
    "/analyses/{a}/files/report.html",
    "/analyses/{a}/files/report.pdf",
    "/analyses/{a}/files/steps.csv",
]
API_GETS = [
    "/api/v1/jobs/{j}",
    "/api/v1/analyses/{a}",
    "/api/v1/analyses/{a}/files/annotated.mp4",
    "/api/v1/analyses/{a}/files/report.pdf",
    "/api/v1/analyses/{a}/files/steps.csv",
]
#: Anonymous visitors: pages send them to sign in, data answers 401.
ANONYMOUS = {"/analyses/{a}": 303}


@pytest.mark.parametrize("who", ["anonymous", "owner", "other"])
@pytest.mark.parametrize("route", PAGE_GETS)
def test_page_routes_by_who_asks(world, who, route):
    url = route.format(a=world["analysis"], j=world["job"])
    answer = world[who].get(url, follow_redirects=False)
    expected = {"owner": 200, "other": 404, "anonymous": ANONYMOUS.get(route, 401)}[who]
    assert answer.status_code == expected, (who, url)
    if who == "anonymous" and expected == 303:
        assert answer.headers["location"].startswith("/login?next=")
    if who == "other":
        assert world["analysis"] not in answer.text or "not yours" in answer.text


@pytest.mark.parametrize("who", ["anonymous", "owner", "other"])
@pytest.mark.parametrize("route", API_GETS)
def test_api_routes_by_who_asks(world, who, route):
    url = route.format(a=world["analysis"], j=world["job"])
    answer = world["anonymous"].get(url, headers=world["tokens"][who])
    assert answer.status_code == {"owner": 200, "other": 404, "anonymous": 401}[who], (who, url)
    if who == "anonymous":
        assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("who", ["anonymous", "other"])
def test_others_cannot_change_an_analysis(world, who):
    client, a = world[who], world["analysis"]
    csrf = csrf_of(client, "/login") if who == "anonymous" else csrf_of(client, "/upload")
    for action in ("delete", "retry"):
        answer = client.post(
            f"/analyses/{a}/{action}", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert answer.status_code == (303 if who == "anonymous" else 404)
        if who == "anonymous":
            assert answer.headers["location"].startswith("/login")
    answer = world["anonymous"].delete(f"/api/v1/analyses/{a}", headers=world["tokens"][who])
    assert answer.status_code == (401 if who == "anonymous" else 404)
    assert world["owner"].get(f"/analyses/{a}/status").json()["state"] == "done"  # still there


def test_anonymous_upload_is_refused_before_reading(world, clip):
    answer = world["anonymous"].post(
        "/upload", files={"file": ("a.mp4", clip, "video/mp4")}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    api = world["anonymous"].post("/api/v1/videos", files={"file": ("a.mp4", clip, "video/mp4")})
    assert api.status_code == 401
    bad_token = world["anonymous"].post("/api/v1/videos", headers={"Authorization": "Bearer nope"},
                                        files={"file": ("a.mp4", clip, "video/mp4")})  # fmt: skip
    assert bad_token.status_code == 401


def test_ids_that_are_not_uuids_are_404(world):
    for url in ("/analyses/123", "/analyses/123/status", "/analyses/x/files/analysis.json"):
        assert world["owner"].get(url).status_code == 404
    assert (
        world["anonymous"].get("/api/v1/jobs/123", headers=world["tokens"]["owner"]).status_code
        == 404
    )


def test_unknown_addresses_and_methods_are_one_sentence(client):
    """An unknown address gave a browser FastAPI's raw ``{"detail":"Not Found"}``: pages
    now answer with a page, the API with ``{"error": sentence}``."""
    for url in ("/nope", "/analyses/x/nope", "/static/nope.css"):
        page = client.get(url)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "There is no such page" in page.text and '"detail"' not in page.text
    api = client.get("/api/v1/nope")
    assert api.status_code == 404 and set(api.json()) == {"error"}
    assert api.json()["error"].startswith("There is no such endpoint")
    wrong = client.post("/analyses")
    assert wrong.status_code == 405 and "does not take that kind of request" in wrong.text
    assert "GET" in wrong.headers["allow"]
    api = client.delete("/api/v1/videos")
    assert api.status_code == 405 and set(api.json()) == {"error"}


def test_a_parameter_that_fails_validation_is_one_sentence(tmp_path):
    """The safety net for a typed parameter (no route has one now): one sentence, 404."""
    app = make_app(tmp_path)

    @app.get("/typed/{n}")
    def typed(n: int):
        return {"n": n}

    @app.get("/api/v1/typed/{n}")
    def typed_api(n: int):
        return {"n": n}

    with TestClient(app) as client:
        assert client.get("/typed/3").json() == {"n": 3}
        page = client.get("/typed/abc")
        assert page.status_code == 404 and "There is no such page" in page.text
        api = client.get("/api/v1/typed/abc")
        assert api.status_code == 404 and set(api.json()) == {"error"}


def test_owner_deletes_and_every_file_goes(tmp_path, clip):
    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "a@b.org")
        page_url = upload(client, clip).headers["location"]
        assert files_under(tmp_path)
        answer = client.post(
            f"{page_url}/delete",
            data={"csrf_token": csrf_of(client, page_url)},
            follow_redirects=False,
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/analyses"
        assert files_under(tmp_path) == []
        assert client.get(page_url).status_code == 404


# ---------------------------------------------------------------------------- real consumer
def test_jobs_go_through_the_real_embedded_consumer(tmp_path, clip):
    app = make_app(
        tmp_path, worker="embedded", analyze=synthetic_analyze(delay_s=1.0), heartbeat_s=0.2
    )
    with TestClient(app) as client:
        assert app.state.service.queue.running
        sign_up(client, "a@b.org")
        page_url = upload(client, clip).headers["location"]
        seen = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = client.get(f"{page_url}/status").json()
            seen.append(status["state"])
            if status["state"] in ("done", "failed"):
                break
            time.sleep(0.1)
        assert seen[-1] == "done", seen
        assert "running" in seen  # watched while it ran
        assert status["attempts"] == 1 and status["progress"] == 1.0
    assert not app.state.service.queue.running  # stopped with the app
    assert (tmp_path / "data" / "queue.db").exists()


def test_measure_verdicts_place_medians_against_the_band():
    from runform.web.views import band_text, verdict

    metric = {"concern": "low", "band": {"low": 18.0, "high": 30.0},
              "left": {"median": 14.0}, "right": {"median": 20.0}}  # fmt: skip
    assert verdict(metric, ("left", "right")) == ("left below, right within", "warn")
    metric["left"]["median"] = 35.0  # above, but only low values are a concern
    assert verdict(metric, ("left", "right")) == ("left above, right within", "note")
    metric["left"]["median"] = 25.0
    assert verdict(metric, ("left", "right")) == ("within", "ok")
    assert (
        band_text({"low": 220.0, "high": None}) == "≥ 220"
        and band_text({"low": 5.0, "high": 11.0}) == "5–11"
        and band_text({"low": -2.0, "high": 10.0}, "deg") == "−2 to 10"
        and band_text({"low": 0.427, "high": 0.8271}, "× leg") == "0.43–0.83"
    )


def test_the_api_is_documented_by_its_openapi_schema(client):
    """FastAPI's OpenAPI schema lists the JSON API (and only it): scripts can be generated
    from it; no docs page is served (it would load scripts from a CDN)."""
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path, method in (("/api/v1/users", "post"), ("/api/v1/tokens", "post"),
                         ("/api/v1/videos", "post"), ("/api/v1/jobs/{job_id}", "get"),
                         ("/api/v1/analyses/{analysis_id}", "get"),
                         ("/api/v1/analyses/{analysis_id}/files/{name}", "get"),
                         ("/api/v1/analyses/{analysis_id}/comparison", "get")):  # fmt: skip
        assert method in paths.get(path, {}), path
    assert all(p.startswith("/api/v1/") for p in paths)
    assert client.get("/docs").status_code == 404


def test_both_sides_uploaded_together_give_one_two_sided_analysis(tmp_path, clip):
    """A second clip of the other side in the same form: both are checked as videos, the job
    analyses both and merges them (runform.analysis/2), the result shows each side's video,
    and the side-filmed choice is kept."""
    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "both@b.org")
        data = {"csrf_token": csrf_of(client, "/upload"), "filmed_side": "left"}
        answer = client.post(
            "/upload", data=data, follow_redirects=False,
            files=[("file", ("left.mp4", clip, "video/mp4")),
                   ("other_side", ("right.mp4", clip, "video/mp4"))],
        )  # fmt: skip
        assert answer.status_code == 303, answer.text
        page = answer.headers["location"]
        assert client.get(f"{page}/status").json()["state"] == "done"
        doc = client.get(f"{page}/files/analysis.json").json()
        assert doc["schema"] == "runform.analysis/2"
        assert {doc["sides"][s]["clip"] for s in ("left", "right")} == {"left.mp4", "right.mp4"}
        html = client.get(page).text
        assert "Filmed from the runner's left side" in html and "right-side/annotated.mp4" in html
        video = client.get(f"{page}/files/right-side/annotated.mp4", headers={"Range": "bytes=0-9"})
        assert video.status_code == 206
        # a second file that is not a video is refused at once, and nothing is kept
        bad = client.post(
            "/upload", data={"csrf_token": csrf_of(client, "/upload")},
            files=[("file", ("a.mp4", clip, "video/mp4")),
                   ("other_side", ("notes.txt", b"text\n" * 20, "text/plain"))],
        )  # fmt: skip
        assert bad.status_code == 422 and "notes.txt is not a video" in bad.text
        # an empty second file input (no file chosen) is no second clip
        plain = client.post(
            "/upload", data={"csrf_token": csrf_of(client, "/upload")}, follow_redirects=False,
            files=[("file", ("a.mp4", clip, "video/mp4")),
                   ("other_side", ("", b"", "application/octet-stream"))],
        )  # fmt: skip
        assert plain.status_code == 303
        one = client.get(f"{plain.headers['location']}/files/analysis.json").json()
        assert one["schema"] == "runform.analysis/1"
        bad_side = upload(client, clip, filmed_side="front")
        assert bad_side.status_code == 400 and "give left or right" in bad_side.text
