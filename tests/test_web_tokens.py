"""API tokens and per-user limits (docs/decisions.md, "API tokens and per-user limits
(session 24)"): a token has a name, an expiry and a last use, is listed on ``/account``
(never its value) and revoked there; an expired or revoked token is a 401 that says
which; comments, open invitations, live tokens and concurrent exports are bounded per
user, each refusal a 4xx with one sentence. Every test failed on the code before.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from datetime import datetime, timedelta

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from conftest_scaleout import postgres  # noqa: F401
from runform.service import accounts, coaching, export
from runform.service.models import utcnow
from runform.service.settings import Settings
from runform.service.testing import synthetic_analyze
from runform.web import account_pages
from test_web import PASSWORD, clip, csrf_of, make_app, sign_up, upload  # noqa: F401
from test_web_course import post, sign_up_coach

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Clock:
    """The time the service reads (``utcnow`` in the modules that judge expiry and
    limits), set by the test; it starts at the real time."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    for module in (accounts, coaching, export, account_pages):
        monkeypatch.setattr(module, "utcnow", clock)
    return clock


def make_token(client: TestClient, email: str, name: str | None = "my script") -> dict:
    body = {"email": email, "password": PASSWORD}
    if name is not None:
        body["name"] = name
    answer = client.post("/api/v1/tokens", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def token_ids(page: str) -> list[str]:
    return re.findall(r'action="/account/tokens/([0-9a-f-]{36})/revoke"', page)


def revoke(client: TestClient, token_id: str):
    return client.post(
        f"/account/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_of(client, "/account")},
        follow_redirects=False,
    )


# ---------------------------------------------------------------------------- tokens
def test_a_token_is_named_listed_used_and_revoked_never_shown_again(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "runner@t.org")
        made = make_token(client, "runner@t.org", name="club upload  script")
        token = made["token"]
        assert made["name"] == "club upload script"
        expires = datetime.fromisoformat(made["expires_at"].rstrip("Z"))
        assert abs(expires - (utcnow() + timedelta(days=90))) < timedelta(minutes=1)
        page = client.get("/account").text
        assert "club upload script" in page and "last used never" in page
        assert f"expires {expires:%Y-%m-%d}" in page
        assert token_ids(page) == [made["id"]]
        assert token not in page
        assert client.get("/api/v1/analyses", headers=bearer(token)).status_code == 200
        page = client.get("/account").text
        assert "last used never" not in page and f"last used {utcnow():%Y-%m-%d}" in page
        # revoked on the page (POST with the form's token): the API refuses it, saying so
        answer = revoke(client, made["id"])
        assert answer.status_code == 303 and answer.headers["location"].startswith("/account")
        refused = client.get("/api/v1/analyses", headers=bearer(token))
        assert refused.status_code == 401
        assert refused.json() == {
            "error": f"This API token was revoked on {utcnow():%Y-%m-%d}; ask for a new one "
            "with POST /api/v1/tokens or on your account page (/account)."
        }
        assert refused.headers["www-authenticate"] == "Bearer"
        page = client.get("/account?revoked=token").text
        assert "The token was revoked" in page and token_ids(page) == []
        assert revoke(client, made["id"]).status_code == 303  # again: still revoked
        # without a CSRF token nothing is revoked
        other = make_token(client, "runner@t.org", name="second")
        forged = client.post(f"/account/tokens/{other['id']}/revoke", data={"csrf_token": "x"})
        assert forged.status_code == 403
        assert client.get("/api/v1/analyses", headers=bearer(other["token"])).status_code == 200
        # an unknown token and none at all: a sentence each
        unknown = client.get("/api/v1/analyses", headers=bearer("made-up")).json()["error"]
        assert unknown.startswith("This API token is not valid;")
        assert client.get("/api/v1/analyses").json()["error"].startswith("Send a token")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "club upload script" in logged  # the name is logged, the token never
    assert token not in logged and other["token"] not in logged


def test_a_token_made_on_the_account_page_is_shown_once(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "runner@t.org")

        def make(**data):
            form = {"csrf_token": csrf_of(client, "/account"), **data}
            return client.post("/account/tokens", data=form, follow_redirects=False)

        answer = make(name="laptop", password=PASSWORD)
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "no-store"
        token = re.search(r'id="new-token">([^<]+)<', answer.text).group(1)
        assert "shown only this once" in answer.text
        assert client.get("/api/v1/analyses", headers=bearer(token)).status_code == 200
        later = client.get("/account").text
        assert "laptop" in later and token not in later and 'id="new-token"' not in later
        # a wrong password or no name: one sentence, 400, no token made
        wrong = make(name="other", password="not my password")
        assert wrong.status_code == 400
        assert "That is not your password; no token was made." in wrong.text
        nameless = make(name="  ", password=PASSWORD)
        assert nameless.status_code == 400 and "Name the token" in nameless.text
        long = make(name="x" * 101, password=PASSWORD)
        assert long.status_code == 400 and "at most 100 characters" in long.text
        assert len(token_ids(client.get("/account").text)) == 1
        # the API refuses a long name too
        refused = client.post(
            "/api/v1/tokens",
            json={"email": "runner@t.org", "password": PASSWORD, "name": "y" * 101},
        )
        assert refused.status_code == 400 and "at most 100" in refused.json()["error"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in logged


def test_a_token_expires_after_the_configured_days(tmp_path, clock):
    with TestClient(make_app(tmp_path, api_token_days=7)) as client:
        sign_up(client, "runner@t.org")
        made = make_token(client, "runner@t.org")
        assert made["expires_at"] == f"{clock.now + timedelta(days=7):%Y-%m-%dT%H:%M:%S}Z"
        clock.advance(days=7, seconds=-1)
        assert client.get("/api/v1/analyses", headers=bearer(made["token"])).status_code == 200
        clock.advance(seconds=1)
        refused = client.get("/api/v1/analyses", headers=bearer(made["token"]))
        assert refused.status_code == 401
        assert refused.json()["error"] == (
            f"This API token expired on {clock.now:%Y-%m-%d}; ask for a new one with "
            "POST /api/v1/tokens or on your account page (/account)."
        )
        page = client.get("/account").text
        assert "expired" in page and token_ids(page) == [made["id"]]  # until pruned
        # 30 days after, the row is pruned: an unknown token (the browser session is
        # kept alive on the way: it ends after 14 days idle)
        for _ in range(3):
            clock.advance(days=10, seconds=1)
            assert client.get("/account").status_code == 200
        with client.app.state.service.db.session() as s:
            assert accounts.prune(s) >= 1
        assert token_ids(client.get("/account").text) == []
        gone = client.get("/api/v1/analyses", headers=bearer(made["token"])).json()["error"]
        assert gone.startswith("This API token is not valid")


def test_last_use_is_written_at_most_once_a_minute(tmp_path, clock):
    from runform.service.models import ApiToken

    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "runner@t.org")
        made = make_token(client, "runner@t.org")
        service = client.app.state.service

        def last_used():
            with service.db.session() as s:
                return s.get(ApiToken, __import__("uuid").UUID(made["id"])).last_used_at

        start = clock.now
        client.get("/api/v1/analyses", headers=bearer(made["token"]))
        assert last_used() == start
        clock.advance(seconds=59)
        client.get("/api/v1/analyses", headers=bearer(made["token"]))
        assert last_used() == start  # not written again within the minute
        clock.advance(seconds=1)
        client.get("/api/v1/analyses", headers=bearer(made["token"]))
        assert last_used() == start + timedelta(seconds=60)


def test_another_user_cannot_revoke_your_token(tmp_path):
    app = make_app(tmp_path)
    with TestClient(app) as mine, TestClient(app) as theirs:
        sign_up(mine, "mine@t.org")
        sign_up(theirs, "theirs@t.org")
        made = make_token(mine, "mine@t.org")
        for token_id in (made["id"], "00000000-0000-0000-0000-000000000000", "not-an-id"):
            answer = revoke(theirs, token_id)
            assert answer.status_code == 404, token_id
            assert "There is no such page, or it is not yours." in answer.text
        assert mine.get("/api/v1/analyses", headers=bearer(made["token"])).status_code == 200
        assert made["id"] not in theirs.get("/account").text


def test_a_password_change_revokes_every_token(tmp_path):
    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "runner@t.org")
        made = make_token(client, "runner@t.org")
        data = {"csrf_token": csrf_of(client, "/account"), "current_password": PASSWORD,
                "new_password": "another long password"}  # fmt: skip
        assert client.post("/account/password", data=data).status_code == 200
        refused = client.get("/api/v1/analyses", headers=bearer(made["token"]))
        assert refused.status_code == 401 and "was revoked on" in refused.json()["error"]
        assert token_ids(client.get("/account").text) == []


def test_an_account_holds_at_most_twenty_live_tokens(tmp_path, clock):
    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "runner@t.org")
        made = [make_token(client, "runner@t.org", name=None) for _ in range(20)]
        assert made[0]["name"].startswith("API token of ")
        refused = client.post(
            "/api/v1/tokens", json={"email": "runner@t.org", "password": PASSWORD}
        )
        assert refused.status_code == 409
        assert refused.json()["error"] == (
            "This account has 20 API tokens, the most it may hold; revoke one you no longer "
            "use on your account page (/account), then ask again."
        )
        assert revoke(client, made[0]["id"]).status_code == 303
        make_token(client, "runner@t.org")
        # expired ones do not count
        clock.advance(days=91)
        make_token(client, "runner@t.org")


def test_the_token_days_setting(tmp_path):
    env = {"RUNFORM_DATA_DIR": str(tmp_path)}
    assert Settings.load(env=env).api_token_days == 90
    assert Settings.load(env={**env, "RUNFORM_API_TOKEN_DAYS": "30"}).api_token_days == 30
    from runform.errors import OptionError

    for bad in ("0", "-1", "ninety", "4000"):
        with pytest.raises(OptionError, match=r"RUNFORM_API_TOKEN_DAYS=.* whole number of days"):
            Settings.load(env={**env, "RUNFORM_API_TOKEN_DAYS": bad})


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_migration_gives_existing_tokens_an_expiry(tmp_path, dialect, request):
    """A database of revision 0002 with a token: after the upgrade the token has a name,
    expires 90 days from the migration, keeps its last use and still works (SQLite, and
    PostgreSQL when installed)."""
    import uuid

    import sqlalchemy as sa
    from alembic import command

    from runform.service.db import Database, alembic_config, engine_url

    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        server = request.getfixturevalue("postgres")
        name = f"tokens_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(engine_url(server.url), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        url = server.url.rsplit("/", 1)[0] + f"/{name}"
    db = Database(url)
    config = alembic_config(db.engine.url.render_as_string(hide_password=False))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    users = sa.table("users", sa.column("id", sa.Uuid), sa.column("email", sa.String),
                     sa.column("password_hash", sa.String), sa.column("role", sa.String),
                     sa.column("created_at", sa.DateTime))  # fmt: skip
    tokens = sa.table("api_tokens", sa.column("id", sa.Uuid), sa.column("user_id", sa.Uuid),
                      sa.column("token_hash", sa.String), sa.column("created_at", sa.DateTime),
                      sa.column("last_used", sa.DateTime))  # fmt: skip
    user, token, used = uuid.uuid4(), accounts.new_token(), datetime(2026, 11, 1, 8, 0)
    with db.engine.begin() as connection:
        connection.execute(users.insert().values(id=user, email="old@t.org", password_hash="x",
                                                 role="runner", created_at=used))  # fmt: skip
        connection.execute(tokens.insert().values(id=uuid.uuid4(), user_id=user, created_at=used,
                                                  token_hash=accounts.digest(token),
                                                  last_used=used))  # fmt: skip
    db.migrate()
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from runform.service.models import ApiToken, Base

    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    with db.session() as s:
        row = s.query(ApiToken).one()
        assert row.name == "(made before token names)" and row.last_used_at == used
        assert abs(row.expires_at - (utcnow() + timedelta(days=90))) < timedelta(minutes=1)
        found, refusal = accounts.check_api_token(s, token)
        assert found is not None and found.email == "old@t.org" and refusal == ""
    db.dispose()


# ---------------------------------------------------------------------------- comments
@pytest.fixture
def coached(tmp_path, clip):  # noqa: F811
    """A runner with an analysis, and their coach (accepted)."""
    app = make_app(tmp_path, analyze=synthetic_analyze())
    with TestClient(app) as runner, TestClient(app) as coach:
        sign_up(runner, "runner@t.org")
        analysis = upload(runner, clip).headers["location"].rsplit("/", 1)[1]
        sign_up_coach(coach, "coach@t.org")
        page = post(coach, "/coach/invite").text
        invite = re.search(r'id="invite-url">[^<]*/invite/([^<\s]+)<', page).group(1)
        assert post(runner, f"/invite/{invite}").status_code == 303
        yield {"runner": runner, "coach": coach, "analysis": analysis}


def test_a_comment_too_long_is_refused_not_cut(coached):
    url = f"/analyses/{coached['analysis']}/comments"
    answer = post(coached["coach"], url, at_s="1", text="x" * 1001)
    assert answer.status_code == 400
    assert ("A comment holds at most 1000 characters and this one has 1001; shorten it, or "
            "split it into two moments.") in answer.text  # fmt: skip
    assert "x" * 1000 not in coached["runner"].get(f"/analyses/{coached['analysis']}").text
    assert post(coached["coach"], url, at_s="1", text="y" * 1000).status_code == 303


def test_comments_per_hour_and_per_analysis_are_bounded(coached, clock, monkeypatch):
    url = f"/analyses/{coached['analysis']}/comments"
    coach, runner = coached["coach"], coached["runner"]
    for i in range(30):
        assert post(coach, url, at_s=str(i), text=f"cue {i}").status_code == 303
    refused = post(coach, url, at_s="31", text="one too many")
    assert refused.status_code == 429
    assert ("You have written 30 comments on this analysis in the last hour, the most in an "
            "hour; wait a while before adding more.") in refused.text  # fmt: skip
    assert post(runner, url, at_s="1", text="the runner may still write").status_code == 303
    clock.advance(minutes=61)
    assert post(coach, url, at_s="31", text="an hour later").status_code == 303
    # the analysis's total: at most MAX_COMMENTS from everyone
    monkeypatch.setattr(coaching, "MAX_COMMENTS", 33)
    assert post(runner, url, at_s="2", text="the 33rd").status_code == 303
    full = post(runner, url, at_s="3", text="the 34th")
    assert full.status_code == 409
    assert ("This analysis has 33 comments, the most it holds; delete some that are no longer "
            "needed before adding more.") in full.text  # fmt: skip


# ---------------------------------------------------------------------------- invitations
def test_open_invitations_per_coach_are_bounded_and_lapse(tmp_path, clock, monkeypatch):
    monkeypatch.setattr(coaching, "MAX_OPEN_INVITES", 3)
    with TestClient(make_app(tmp_path)) as coach:
        sign_up_coach(coach, "coach@t.org")
        links = [post(coach, "/coach/invite") for _ in range(3)]
        assert all(answer.status_code == 200 for answer in links)
        first = re.search(r'id="invite-url">[^<]*/invite/([^<\s]+)<', links[0].text).group(1)
        refused = post(coach, "/coach/invite")
        assert refused.status_code == 409 and 'id="invite-url"' not in refused.text
        assert ("You have 3 invitations nobody has accepted yet, the most at once; withdraw one "
                "you no longer need below (each also lapses 14 days after it was made), then "
                "invite again.") in refused.text  # fmt: skip
        withdraw = re.findall(r'action="/links/([0-9a-f-]{36})/end"', refused.text)
        assert len(withdraw) == 3  # the coach sees them and can withdraw each
        assert post(coach, f"/links/{withdraw[0]}/end").status_code == 303
        assert post(coach, "/coach/invite").status_code == 200
        assert post(coach, "/coach/invite").status_code == 409
        # after 14 days an invitation lapses: its link opens nothing, it no longer counts
        assert coach.get(f"/invite/{first}").status_code == 200
        clock.advance(days=7)
        assert coach.get("/coach").status_code == 200  # the session stays alive
        clock.advance(days=7, minutes=1)
        assert coach.get(f"/invite/{first}").status_code == 404
        assert post(coach, "/coach/invite").status_code == 200


# ---------------------------------------------------------------------------- export
def test_a_second_export_at_once_is_refused(tmp_path, clock, monkeypatch):
    started, release = threading.Event(), threading.Event()
    real = account_pages.export_zip

    def slow_export(service, user):
        started.set()
        assert release.wait(30)
        return real(service, user)

    monkeypatch.setattr(account_pages, "export_zip", slow_export)
    with TestClient(make_app(tmp_path)) as client:
        sign_up(client, "runner@t.org")
        first: dict = {}
        worker = threading.Thread(target=lambda: first.update(answer=client.get("/account/export")))
        worker.start()
        try:
            assert started.wait(30)
            second = client.get("/account/export")
            assert second.status_code == 429
            assert ("An export of your account is already being prepared or downloaded; wait "
                    "for it to finish, then try again.") in second.text  # fmt: skip
        finally:
            release.set()
            worker.join(30)
        assert first["answer"].status_code == 200
        assert first["answer"].headers["content-type"] == "application/zip"
        # the lease is given back: the next export works
        release.set()
        assert client.get("/account/export").status_code == 200
        # a lease a dead process left behind is taken over after 30 minutes
        service = client.app.state.service
        with service.db.session() as s:
            user = accounts.get_user(s, _user_id(service, "runner@t.org"))
        assert export.begin_export(service, user)
        assert client.get("/account/export").status_code == 429
        clock.advance(minutes=31)
        assert client.get("/account/export").status_code == 200


def test_a_failed_export_gives_its_lease_back(tmp_path, monkeypatch):
    def broken(service, user):
        raise OSError("disk full")

    monkeypatch.setattr(account_pages, "export_zip", broken)
    with TestClient(make_app(tmp_path), raise_server_exceptions=False) as client:
        sign_up(client, "runner@t.org")
        answer = client.get("/account/export")
        assert answer.status_code == 507
        assert "The export could not be written" in answer.text
        monkeypatch.undo()
        assert client.get("/account/export").status_code == 200


def _user_id(service, email: str):
    from sqlalchemy import select

    from runform.service.models import User

    with service.db.session() as s:
        return s.scalars(select(User.id).where(User.email == email)).one()
