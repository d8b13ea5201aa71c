"""Export and delete in the web app (issue 12), and the password reset by SMTP: the zip
holds every file and record of the runner; deleting the account removes its rows and every
stored file and nothing of anyone else's; a reset mail goes through the configured SMTP
server and the SMTP password is never logged."""

from __future__ import annotations

import io
import json
import logging
import socketserver
import threading
import warnings
import zipfile

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from conftest_startcheck import refused_at_start
from runform.service import accounts
from runform.service.testing import synthetic_analyze
from test_web import (  # noqa: F401
    PASSWORD,
    clip,
    csrf_of,
    files_under,
    make_app,
    sign_up,
    upload,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_export_holds_every_file_and_record(tmp_path, clip):  # noqa: F811
    with TestClient(make_app(tmp_path, analyze=synthetic_analyze())) as client:
        sign_up(client, "runner@e.org")
        analysis = upload(client, clip, name="run.mp4").headers["location"].rsplit("/", 1)[1]
        token = csrf_of(client, "/analyses")
        assert client.post("/course", data={"csrf_token": token, "analysis_id": analysis},
                           follow_redirects=False).status_code == 303  # fmt: skip
        client.post("/course/sessions/1/done", data={"csrf_token": token, "effort": "6"})
        answer = client.get("/account/export")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/zip"
        assert "attachment" in answer.headers["content-disposition"]
        archive = zipfile.ZipFile(io.BytesIO(answer.content))
        names = set(archive.namelist())
        stored = {f"analyses/{p.split('/', 1)[1]}" for p in files_under(tmp_path)}
        assert stored <= names, stored - names  # every stored file, input video included
        assert any(n.endswith(".mp4") and "/input/" in n for n in names)
        account = json.loads(archive.read("account.json"))
        assert account["email"] == "runner@e.org" and account["analyses"][0]["video"] == "run.mp4"
        assert account["courses"][0]["sessions_done"][0]["effort"] == 6
        assert any(n.endswith("plan.ics") for n in names)
        assert client.get("/account/export", cookies={}).status_code == 200  # still signed in
        assert (
            TestClient(client.app).get("/account/export", follow_redirects=False).status_code == 303
        )


def test_delete_account_removes_every_file_and_row_and_nothing_else(tmp_path, clip):  # noqa: F811
    app = make_app(tmp_path, analyze=synthetic_analyze())
    with TestClient(app) as runner, TestClient(app) as other:
        sign_up(runner, "gone@e.org")
        sign_up(other, "stays@e.org")
        mine = upload(runner, clip).headers["location"].rsplit("/", 1)[1]
        theirs = upload(other, clip).headers["location"].rsplit("/", 1)[1]
        assert any(mine in p for p in files_under(tmp_path))
        wrong = runner.post("/account/delete",
                            data={"csrf_token": csrf_of(runner, "/account"), "password": "nope"})  # fmt: skip
        assert wrong.status_code == 400 and "not your password" in wrong.text
        assert any(mine in p for p in files_under(tmp_path))
        answer = runner.post(
            "/account/delete",
            data={"csrf_token": csrf_of(runner, "/account"), "password": PASSWORD},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        left = files_under(tmp_path)
        assert not any(mine in p for p in left)
        assert any(theirs in p for p in left)
        assert runner.get("/analyses", follow_redirects=False).status_code == 303  # signed out
        login = runner.post("/login", data={"email": "gone@e.org", "password": PASSWORD,
                                            "csrf_token": csrf_of(runner, "/login")})  # fmt: skip
        assert "Wrong e-mail or password" in login.text
        assert other.get(f"/analyses/{theirs}").status_code == 200
        from sqlalchemy import select

        from runform.service.models import AnalysisRecord, Job

        with app.state.service.db.session() as s:
            owners = {r.video_name for r in s.scalars(select(AnalysisRecord))}
            assert len(list(s.scalars(select(AnalysisRecord)))) == 1 and owners
            assert len(list(s.scalars(select(Job)))) == 1


# ---------------------------------------------------------------------------- password
def change_password(client, current: str, new: str, **extra):
    data = {"csrf_token": csrf_of(client, "/account"), "current_password": current,
            "new_password": new, **extra}  # fmt: skip
    return client.post("/account/password", data=data, follow_redirects=False)


def test_change_password_keeps_this_session_and_ends_the_others(tmp_path):
    """A signed-in user changes the password with the current one: this browser stays
    signed in; every other browser session and every API token ends, as a reset does."""
    from test_web import alert, token_for

    app = make_app(tmp_path)
    with TestClient(app) as here, TestClient(app) as elsewhere:
        sign_up(here, "pw@e.org")
        api = token_for(here, "pw@e.org")
        elsewhere.post("/login", data={"email": "pw@e.org", "password": PASSWORD,
                                       "csrf_token": csrf_of(elsewhere, "/login")})  # fmt: skip
        assert elsewhere.get("/analyses", follow_redirects=False).status_code == 200
        page = here.get("/account").text
        assert "Change password" in page and 'name="current_password"' in page

        wrong = change_password(here, "not my password", "a brand new password")
        assert wrong.status_code == 400
        assert (
            alert(wrong.text) == "That is not your current password; the password was not changed."
        )
        short = change_password(here, PASSWORD, "short")
        assert short.status_code == 400
        assert alert(short.text) == "Choose a password of at least 8 characters."
        assert elsewhere.get("/analyses", follow_redirects=False).status_code == 200  # unchanged

        done = change_password(here, PASSWORD, "a brand new password")
        assert done.status_code == 303 and done.headers["location"] == "/account?changed=password"
        assert "Your password has been changed" in here.get(done.headers["location"]).text
        assert here.get("/analyses", follow_redirects=False).status_code == 200  # still signed in
        assert elsewhere.get("/analyses", follow_redirects=False).status_code == 303  # signed out
        assert here.get("/api/v1/analyses", headers=api).status_code == 401  # token ended
        old = here.post("/api/v1/tokens", json={"email": "pw@e.org", "password": PASSWORD})
        assert old.status_code == 401
        token_for(here, "pw@e.org", "a brand new password")


def test_change_password_is_rate_limited_like_sign_in_and_needs_its_form(tmp_path):
    from test_web import alert

    with TestClient(make_app(tmp_path, login_limit=2)) as client:
        anonymous = TestClient(client.app)
        answer = anonymous.post("/account/password", data={
            "csrf_token": csrf_of(anonymous, "/login"), "current_password": PASSWORD,
            "new_password": "a brand new password"}, follow_redirects=False)  # fmt: skip
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
        sign_up(client, "limit@e.org")
        forged = change_password(client, PASSWORD, "a brand new password", csrf_token="forged")
        assert forged.status_code == 403
        statuses = [change_password(client, guess, "a brand new password").status_code
                    for guess in ("guess one", "guess two")]  # fmt: skip
        locked = change_password(client, PASSWORD, "a brand new password")
        assert statuses == [400, 400] and locked.status_code == 429
        assert alert(locked.text).startswith("Too many failed sign-ins")
        # the password did not change
        assert (
            client.post(
                "/api/v1/tokens", json={"email": "limit@e.org", "password": PASSWORD}
            ).status_code
            == 429
        )


# ---------------------------------------------------------------------------- SMTP
class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO (with AUTH PLAIN), AUTH, MAIL, RCPT, DATA, QUIT."""

    def handle(self) -> None:
        out = self.wfile
        out.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                out.write(b"250-test\r\n250 AUTH PLAIN\r\n")
            elif verb == "AUTH":
                self.server.auth.append(command)
                out.write(b"235 ok\r\n")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                out.write(b"250 ok\r\n")
            elif verb == "DATA":
                out.write(b"354 go\r\n")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(data)
                self.server.messages.append(b"".join(body).decode())
                out.write(b"250 queued\r\n")
            elif verb == "QUIT":
                out.write(b"221 bye\r\n")
                return
            else:
                out.write(b"502 no\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.messages, server.auth = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_reset_link_is_mailed_by_smtp_and_the_smtp_password_never_logged(
    tmp_path, smtp_server, caplog
):
    host, port = smtp_server.server_address
    app = make_app(
        tmp_path, smtp_host=host, smtp_port=port, smtp_starttls=False, smtp_user="mailer",
        smtp_password="smtp-secret-xyz", smtp_from="coach-club@example.org",
        public_url="https://runs.example.org/", secure_cookies=False,  # the client speaks http
    )  # fmt: skip
    caplog.set_level(logging.DEBUG)
    with TestClient(app) as client:
        # (with mail, sign-up goes through a mailed link: test_web_signup covers it)
        with app.state.service.db.session() as s:
            accounts.create_user(s, "forgot@e.org", PASSWORD)
        # a client choosing the Host header must not choose where the mailed link points
        page = client.post("/password/forgot", data={"email": "forgot@e.org",
                                                     "csrf_token": csrf_of(client, "/password/forgot")},
                           headers={"host": "evil.example"})  # fmt: skip
        assert "Check your e-mail" in page.text
        unknown = client.post("/password/forgot", data={"email": "nobody@e.org",
                                                        "csrf_token": csrf_of(client, "/password/forgot")})  # fmt: skip
        assert "Check your e-mail" in unknown.text  # same answer: no account probing
    assert len(smtp_server.messages) == 1
    from email import message_from_string, policy

    mail = message_from_string(smtp_server.messages[0], policy=policy.default)
    assert mail["To"] == "forgot@e.org" and mail["From"] == "coach-club@example.org"
    assert "https://runs.example.org/password/reset?token=" in mail.get_content()
    assert "evil.example" not in mail.get_content()
    token = mail.get_content().split("token=", 1)[1].split()[0]
    assert len(token) > 20
    assert smtp_server.auth and smtp_server.auth[0].startswith("AUTH PLAIN")
    assert "smtp-secret-xyz" not in caplog.text
    assert token not in caplog.text  # mailed, not logged
    assert "smtp-secret-xyz" not in repr(app.state.service.settings)
    # the mailed link works
    with TestClient(app) as client:
        reset = client.post("/password/reset", data={"token": token, "password": "a new long password",
                                                      "csrf_token": csrf_of(client, "/password/reset")})  # fmt: skip
        assert reset.status_code == 200


def _mail_settings(**smtp):
    """Just the settings :mod:`runform.service.mail` reads."""
    from types import SimpleNamespace

    base = {"smtp_host": None, "smtp_port": 587, "smtp_starttls": False, "smtp_user": None,
            "smtp_password": None, "smtp_from": "runform@localhost"}  # fmt: skip
    return SimpleNamespace(**{**base, **smtp})


def test_a_reset_mail_the_server_refuses_is_logged_without_the_link(caplog):
    """The failure is logged (to whom, which server, what error), through mail.send's one
    line, and neither the link, its token nor the SMTP password is in the log."""
    from conftest_scaleout import free_port
    from runform.service import mail

    token = "reset-token-9f8e7d6c5b4a39281706"
    link = f"https://runs.example.org/password/reset?token={token}"
    settings = _mail_settings(smtp_host="127.0.0.1", smtp_port=free_port(),
                              smtp_user="mailer", smtp_password="smtp-secret-xyz")  # fmt: skip
    caplog.set_level(logging.DEBUG)
    assert mail.send_reset(settings, "forgot@e.org", link) == "failed"
    assert [r.getMessage() for r in caplog.records if r.name == "runform.service"] == [
        f"password reset mail to forgot@e.org could not be sent through "
        f"127.0.0.1:{settings.smtp_port} (ConnectionRefusedError)"
    ]
    assert token not in caplog.text and "smtp-secret-xyz" not in caplog.text


def test_without_a_mail_server_the_reset_link_is_logged_once_for_the_operator(caplog):
    """No server on a laptop: the one log line of mail.send carries the link, for the
    operator to hand over (the page says so); the reset no longer has a line of its own."""
    from runform.service import mail

    link = "http://127.0.0.1:8000/password/reset?token=reset-token-0123456789abcdef"
    caplog.set_level(logging.DEBUG)
    assert mail.send_reset(_mail_settings(), "forgot@e.org", link) == "log"
    (record,) = [r for r in caplog.records if r.name == "runform.service"]
    assert record.levelno == logging.WARNING
    said = record.getMessage()
    assert said.startswith("password reset mail for forgot@e.org: ")
    assert said.count(link) == 1 and "within one hour" in said


def test_mail_needs_the_public_address_and_a_bad_one_is_refused(tmp_path):
    from runform.errors import OptionError
    from runform.service.settings import Settings

    with pytest.raises(OptionError, match="RUNFORM_PUBLIC_URL is not"):
        Settings.load(tmp_path, env={"RUNFORM_SMTP_HOST": "mail.example.org"})
    for bad in ("runs.example.org", "ftp://runs.example.org", "https://", "https://a.org/?x=1"):
        with pytest.raises(OptionError, match="must be the address users open"):
            Settings.load(tmp_path, env={"RUNFORM_PUBLIC_URL": bad})
    s = Settings.load(tmp_path, env={"RUNFORM_PUBLIC_URL": "https://club.org/runform/",
                                     "RUNFORM_TRUSTED_PROXIES": "10.0.0.2"})  # fmt: skip
    assert (s.public_url, s.trusted_proxies) == ("https://club.org/runform", "10.0.0.2")


def test_invitation_and_calendar_links_use_the_public_address(tmp_path):
    from test_web_course import sign_up_coach

    # (secure cookies off: the test client speaks http)
    app = make_app(tmp_path, public_url="https://club.org/runform", secure_cookies=False)
    with TestClient(app) as client:
        sign_up_coach(client, "coach@c.org")
        page = client.post("/coach/invite", data={"csrf_token": csrf_of(client, "/coach")},
                           headers={"host": "evil.example"})  # fmt: skip
        assert "https://club.org/runform/invite/" in page.text and "evil.example" not in page.text


def test_serve_takes_the_client_address_from_trusted_proxies_only(tmp_path, monkeypatch):
    """Behind a reverse proxy every client has the proxy's address unless its
    X-Forwarded-For is believed; then one address's failed sign-ins lock everyone out."""
    import uvicorn

    from runform.cli import serve as serve_cli

    seen = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.append(kw))
    monkeypatch.setenv("RUNFORM_TRUSTED_PROXIES", "10.0.0.2")
    serve_cli.serve(data_dir=tmp_path / "d", no_worker=True)
    assert seen[-1]["proxy_headers"] is True and seen[-1]["forwarded_allow_ips"] == "10.0.0.2"
    monkeypatch.delenv("RUNFORM_TRUSTED_PROXIES")
    serve_cli.serve(data_dir=tmp_path / "d", no_worker=True)
    assert seen[-1]["proxy_headers"] is False


@pytest.mark.parametrize(
    "url", ["postgresql://runform:db-secret@127.0.0.1:1/runform", "sqlite:////nonexistent/x.db"]
)
def test_serve_without_its_database_says_so_in_one_sentence_and_exits(tmp_path, url):
    """`runform serve` printed "is serving at ..." and then a long traceback when its
    database could not be reached: now one sentence on stderr, nothing about serving, a
    non-zero exit, and the database password not shown."""
    said = refused_at_start(
        "serve", "--port", "1", "--data-dir", str(tmp_path), env={"RUNFORM_DATABASE_URL": url}
    )
    assert "serving" not in said
    assert said.startswith("error: The database ") and "cannot be reached (" in said
    assert said.endswith("correct RUNFORM_DATABASE_URL, and run the command again.")
    assert "db-secret" not in said


def test_serve_without_its_queue_says_so_in_one_sentence_and_exits(tmp_path):
    """With RUNFORM_QUEUE_URL naming a Redis that is not there, `runform serve` printed
    "is serving at ..." and failed later with a traceback: one sentence, exit non-zero, the
    queue's password not shown."""
    said = refused_at_start(
        "serve", "--port", "1", "--data-dir", str(tmp_path), "--no-worker",
        env={"RUNFORM_QUEUE_URL": "redis://:q-secret@127.0.0.1:1/0"},
    )  # fmt: skip
    assert "serving" not in said
    assert said.startswith("error: The job queue redis://127.0.0.1:1 cannot be reached (")
    assert said.endswith("correct RUNFORM_QUEUE_URL, and run the command again.")
    assert "q-secret" not in said


def test_smtp_settings_come_from_the_environment(tmp_path):
    from runform.errors import OptionError
    from runform.service.settings import Settings

    env = {"RUNFORM_SMTP_HOST": "mail.example.org", "RUNFORM_SMTP_PORT": "2525",
           "RUNFORM_PUBLIC_URL": "https://runs.example.org",
           "RUNFORM_SMTP_USER": "u", "RUNFORM_SMTP_PASSWORD": "p", "RUNFORM_SMTP_FROM": "a@b.c",
           "RUNFORM_SMTP_STARTTLS": "false"}  # fmt: skip
    s = Settings.load(tmp_path, env=env)
    assert (s.smtp_host, s.smtp_port, s.smtp_user, s.smtp_from, s.smtp_starttls) == (
        "mail.example.org",
        2525,
        "u",
        "a@b.c",
        False,
    )
    assert "'p'" not in repr(s)
    with pytest.raises(OptionError, match="RUNFORM_SMTP_PORT"):
        Settings.load(tmp_path, env={"RUNFORM_SMTP_PORT": "smtp"})
