"""The ``runform`` command line: a thin layer over the library.

Each sub-command lives in its own module with a ``register(app)`` function. Errors the
user can act on (:class:`runform.errors.RunformError`) are printed as one sentence and
exit non-zero; nothing else is caught, so a real bug still shows its traceback.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from runform.cli import analyze, analyze_pose, compare, plan, report, serve, users, worker
from runform.cli.common import err_console
from runform.errors import RunformError

app = typer.Typer(
    name="runform",
    help="Running-form analysis from a side-view video: gait events, hip-extension metrics, "
    "findings, a report and a 6-week plan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (analyze, analyze_pose, report, plan, compare, serve, worker, users):
    _module.register(app)


def _print_version(value: bool) -> None:
    if value:
        from runform import __version__

        typer.echo(f"runform {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """runform: running-form analysis."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    try:
        app(args=argv, standalone_mode=False)
    except RunformError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        return 130
    except SystemExit as exc:
        return int(exc.code or 0)
    except Exception as exc:
        # Usage errors (unknown option, bad value): typer ships its own click, so test for
        # the ClickException interface instead of importing click.
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            return code
        raise
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
