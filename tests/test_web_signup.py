"""Who has an account must not be learnt from the forms (session 23).

Without mail, sign-up makes the account and signs in at once, so an address that has one
cannot be hidden: sign-up attempts are rate-limited per address and per client instead.
With mail, sign-up answers the same for every address and e-mails the link that finishes
it, or a note to the owner of the account the address already has. Sign-in and password
reset answer the same for every address, reset requests are rate-limited, and mail goes
out after the answer so the mail server's time tells nothing."""

from __future__ import annotations

import logging
import re
import time
import warnings
from email import message_from_string, policy
from urllib.parse import unquote

import httpx
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from runform.service import accounts
from runform.service.models import User
from runform.service.settings import Settings
from runform.service.testing import synthetic_analyze
from runform.web import security
from test_web import PASSWORD, alert, csrf_of, make_app, sign_up
from test_web_account import smtp_server  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PUBLIC = "https://runs.example.org"


def mail_app(tmp_path, smtp, **overrides):
    host, port = smtp.server_address
    # (the test client speaks http to a server whose public address is https)
    return make_app(tmp_path, smtp_host=host, smtp_port=port, smtp_starttls=False,
                    public_url=PUBLIC, secure_cookies=False, **overrides)  # fmt: skip


def mails(smtp) -> list:
    return [message_from_string(m, policy=policy.default) for m in smtp.messages]


def answer_without(text: str, *variable: str) -> str:
    """A page with what differs by request alone (the form's token, the address typed)
    taken out."""
    text = re.sub(r'name="csrf_token" value="[^"]+"', "", text)
    for word in variable:
        text = text.replace(word, "ADDRESS")
    return text


def forgot(client, email):
    return client.post("/password/forgot", data={"email": email,
                       "csrf_token": csrf_of(client, "/password/forgot")})  # fmt: skip


def sign_in(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password,
                       "csrf_token": csrf_of(client, "/login")}, follow_redirects=False)  # fmt: skip


# ---------------------------------------------------------------------------- without mail
def test_sign_up_without_mail_is_rate_limited_per_address_and_per_client(tmp_path):
    """Without mail, "already exists" cannot be hidden (the account is made and signed in
    at once); sign-up was not limited at all, so one client could test any number of
    addresses. Now `login_limit` attempts per address and 4× per client."""
    with TestClient(make_app(tmp_path, login_limit=2)) as client:
        assert sign_up(client, "a@b.org").status_code == 303
        client.cookies.clear()
        taken = sign_up(client, "a@b.org")
        assert taken.status_code == 400 and alert(taken.text).startswith("An account with this")
        refused = sign_up(client, "a@b.org")
        assert refused.status_code == 429
        assert alert(refused.text) == ("Too many sign-ups from here or for this e-mail; wait "
                                       "15 minutes and try again.")  # fmt: skip
        # per client: 8 attempts (two counted above), whatever the addresses
        for k in range(6):
            assert sign_up(client, f"n{k}@b.org").status_code == 303, k
            client.cookies.clear()
        assert sign_up(client, "fresh@b.org").status_code == 429
        api = client.post("/api/v1/users", json={"email": "api@b.org", "password": PASSWORD})
        assert api.status_code == 429 and api.json()["error"].startswith("Too many sign-ups")
        # a sign-up lock-out is not a sign-in lock-out
        assert sign_in(client, "a@b.org").status_code == 303


def test_sign_in_and_reset_answer_alike_for_every_address_and_resets_are_limited(tmp_path):
    with TestClient(make_app(tmp_path, login_limit=2)) as client:
        sign_up(client, "a@b.org")
        client.cookies.clear()
        known, unknown = sign_in(client, "a@b.org", "wrong password"), sign_in(client, "x@b.org")
        assert (known.status_code, alert(known.text)) == (400, "Wrong e-mail or password.")
        assert (unknown.status_code, alert(unknown.text)) == (400, "Wrong e-mail or password.")
        pages = [forgot(client, email) for email in ("a@b.org", "x@b.org")]
        assert [p.status_code for p in pages] == [200, 200]
        assert answer_without(pages[0].text) == answer_without(pages[1].text)
        # reset requests were not limited: one client could fill a mailbox, or the log;
        # now two per address here (login_limit), refused alike for both
        assert [forgot(client, "a@b.org").status_code for _ in range(2)] == [200, 429]
        assert [forgot(client, "x@b.org").status_code for _ in range(2)] == [200, 429]
        refusals = [forgot(client, email) for email in ("a@b.org", "x@b.org")]
        assert alert(refusals[0].text).startswith("Too many password reset requests")
        assert answer_without(refusals[0].text) == answer_without(refusals[1].text)


# ---------------------------------------------------------------------------- with mail
def test_with_mail_sign_up_answers_alike_and_the_mailed_link_finishes_it(
    tmp_path,
    smtp_server,  # noqa: F811
    caplog,
    monkeypatch,
):
    """With mail, sign-up said "An account with this e-mail already exists" (409 from the
    API) to anyone who asked: now every address gets the same page and status, the new one
    a link to finish and the taken one a note to its owner."""
    caplog.set_level(logging.INFO)
    app = mail_app(tmp_path, smtp_server)
    with TestClient(app) as client:
        with app.state.service.db.session() as s:
            accounts.create_user(s, "taken@e.org", PASSWORD)
        form = client.get("/signup").text
        assert 'name="password"' not in form and "E-mail me the link" in form
        answers = {}
        for email in ("taken@e.org", "new@e.org"):
            client.cookies.clear()
            answers[email] = client.post("/signup", data={
                "email": email.upper(), "role": "coach", "next": "/invite/abc",
                "csrf_token": csrf_of(client, "/signup")})  # fmt: skip
        assert [a.status_code for a in answers.values()] == [200, 200]
        first, second = (answer_without(a.text, e, e.upper()) for e, a in answers.items())
        assert first == second and "Check your e-mail" in first
        api = [client.post("/api/v1/users", json={"email": e, "password": PASSWORD})
               for e in ("taken@e.org", "api@e.org")]  # fmt: skip
        assert [a.status_code for a in api] == [202, 202]
        assert (api[0].json()["message"].replace("taken@e.org", "ADDRESS")
                == api[1].json()["message"].replace("api@e.org", "ADDRESS"))  # fmt: skip

        assert len(smtp_server.messages) == 4  # two to the owner of taken@, one each new
        sent = {(m["To"], m["Subject"]): m.get_content() for m in mails(smtp_server)}
        note = sent["taken@e.org", "Your runform account"]
        assert f"{PUBLIC}/login" in note and f"{PUBLIC}/password/forgot" in note
        assert "token" not in note
        link = re.search(rf"{PUBLIC}(/signup/confirm\?token=\S+)",
                         sent["new@e.org", "Finish making your runform account"]).group(1)  # fmt: skip
        token = unquote(link.split("token=", 1)[1])
        assert token not in caplog.text  # mailed, not logged
        # nothing is made until the link's page is sent
        with app.state.service.db.session() as s:
            assert accounts.email_taken(s, "taken@e.org") and not accounts.email_taken(
                s, "new@e.org"
            )

        client.cookies.clear()
        page = client.get(link)
        assert page.status_code == 200 and 'value="new@e.org" readonly' in page.text
        done = client.post("/signup/confirm", data={"token": token, "password": PASSWORD,
                           "csrf_token": csrf_of(client, link)}, follow_redirects=False)  # fmt: skip
        assert done.status_code == 303 and done.headers["location"] == "/invite/abc"
        with app.state.service.db.session() as s:
            from sqlalchemy import select

            assert s.scalars(select(User.role).where(User.email == "new@e.org")).one() == "coach"
        client.cookies.clear()
        again = client.post("/signup/confirm", data={"token": token, "password": PASSWORD,
                            "csrf_token": csrf_of(client, link)})  # fmt: skip
        assert again.status_code == 400 and "already exists" in alert(again.text)
        # a changed token, or one past its hour, opens nothing
        for bad in (token[:-2] + "xx", "nonsense"):
            assert client.get(f"/signup/confirm?token={bad}").status_code == 400
        monkeypatch.setattr(security, "SIGNUP_VALID_S", -1)
        assert "has expired" in client.get(link).text
        # the taken account is as it was
        assert sign_in(client, "taken@e.org").status_code == 303


def test_sign_up_with_mail_is_closed_when_sign_up_is(tmp_path, smtp_server):  # noqa: F811
    with TestClient(mail_app(tmp_path, smtp_server, signup=False)) as client:
        assert client.get("/signup/confirm?token=x").status_code == 403
        answer = client.post("/signup/confirm", data={"token": "x", "password": PASSWORD,
                             "csrf_token": csrf_of(client, "/login")})  # fmt: skip
        assert answer.status_code == 403
    assert smtp_server.messages == []


def test_the_mail_goes_out_after_the_answer(tmp_path, smtp_server, monkeypatch):  # noqa: F811
    """A slow mail server made the answer for an address with an account (a mail sent)
    slower than for one without (none sent), at the reset form: the mail now goes out
    after the answer, at the reset form and at sign-up."""
    import runform.web.pages as pages
    from test_web_browser import serve

    real_send, real_reset = pages.send, pages.send_reset
    monkeypatch.setattr(pages, "send", lambda *a: (time.sleep(2), real_send(*a))[1])
    monkeypatch.setattr(pages, "send_reset", lambda *a: (time.sleep(2), real_reset(*a))[1])
    host, port = smtp_server.server_address
    settings = Settings.load(tmp_path / "data", env={}, worker="immediate",
                             analyze=synthetic_analyze(), smtp_host=host, smtp_port=port,
                             smtp_starttls=False, public_url=PUBLIC,
                             secure_cookies=False)  # fmt: skip
    server = serve(settings)
    base = next(server)
    try:
        from runform.service.core import Service

        with Service(settings).db.session() as s:
            accounts.create_user(s, "taken@e.org", PASSWORD)
        with httpx.Client(base_url=base) as client:
            token = re.search(r'name="csrf_token" value="([^"]+)"',
                              client.get("/password/forgot").text).group(1)  # fmt: skip
            for path in ("/password/forgot", "/signup"):
                for email in ("taken@e.org", "nobody@e.org"):
                    started = time.monotonic()
                    answer = client.post(path, data={"email": email, "csrf_token": token})
                    assert answer.status_code == 200 and time.monotonic() - started < 1.5, (
                        path, email)  # fmt: skip
        deadline = time.monotonic() + 20
        while len(smtp_server.messages) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(smtp_server.messages) == 3  # one reset, two sign-up messages
    finally:
        next(server, None)
