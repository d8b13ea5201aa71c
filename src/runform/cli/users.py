"""``runform users create EMAIL --role runner|coach|admin``: accounts for ``runform serve``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from runform.cli.common import console
from runform.cli.serve import DataDir
from runform.errors import OptionError

users_app = typer.Typer(help="Accounts of the web app (`runform serve`).", no_args_is_help=True)


@users_app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="The user's e-mail (their sign-in name).")],
    role: Annotated[str, typer.Option("--role", help="runner, coach or admin.")] = "runner",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Create a user (the password is asked for, or read from standard input)."""
    from runform.service import accounts
    from runform.service.db import Database
    from runform.service.models import ROLES
    from runform.service.settings import Settings

    if role not in ROLES:
        raise OptionError(f"--role must be one of {', '.join(ROLES)}, not {role!r}.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = Settings.load(data_dir)
    db = Database(settings.database_url)
    try:
        db.migrate()
        with db.session() as s:
            user = accounts.create_user(s, email, password, role=role)
    finally:
        db.dispose()
    console.print(escape(f"created {user.role} {user.email} ({user.id})"))


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
