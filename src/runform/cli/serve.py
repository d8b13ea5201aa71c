"""``runform serve``: the web app on this machine (database, queue and worker included).

A thin wrapper over :func:`runform.web.create_app` and uvicorn. Settings come from the
options, then ``RUNFORM_*`` environment variables (see :mod:`runform.service.settings`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from runform.cli.common import console

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Folder for the database, queue, secret key and files "
        "(default: $RUNFORM_DATA_DIR or ./runform-data).",
    ),
]


def configure_logging() -> None:
    """runform's messages (job states, reset links) at INFO on stderr; Huey's quieter."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("runform")
    if not root.handlers:
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("huey").setLevel(logging.WARNING)


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    data_dir: DataDir = None,
    no_worker: Annotated[
        bool,
        typer.Option(
            "--no-worker",
            help="Serve the web app only; `runform worker` processes (here or on other "
            "machines) run the analyses.",
        ),
    ] = False,
) -> None:
    """Run the web app: runners upload videos, follow the analysis and read the result."""
    import uvicorn

    from runform.service.settings import Settings
    from runform.web import create_app

    configure_logging()
    settings = Settings.load(data_dir, worker="none" if no_worker else None)
    app = create_app(settings)
    # the database, the queue and the storage (as `runform worker` does): one it cannot
    # use is one sentence and a non-zero exit, before claiming to serve (uvicorn's lifespan
    # would print a traceback after the "serving" line)
    app.state.service.check()
    shown = f"[{host}]" if ":" in host else host
    console.print(
        f"runform is serving at [bold]http://{escape(shown)}:{port}/[/] "
        f"(data in {escape(str(settings.data_dir))}; sign-up {'on' if settings.signup else 'off'}; "
        f"{'no worker here' if no_worker else 'worker included'}; Ctrl-C stops)"
    )
    proxies = settings.trusted_proxies
    uvicorn.run(
        app, host=host, port=port, log_level="warning",
        # the client's address from X-Forwarded-For only when it comes from a trusted proxy
        proxy_headers=bool(proxies), forwarded_allow_ips=proxies or "",
    )  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
