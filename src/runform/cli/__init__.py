"""The ``runform`` command line: a thin layer over the library.

Each sub-command lives in its own module with a ``register(app)`` function. Errors the
user can act on (:class:`runform.errors.RunformError`) are printed as one sentence and
exit non-zero; nothing else is caught, so a real bug still shows its traceback.
"""

from __future__ import annotations

import sys
import warnings
from typing import Annotated

import typer
from rich.markup import escape

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


#: glibc's ``mallopt`` parameter for the number of heaps ("arenas") threads allocate from.
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = 1) -> bool:
    """Let this process's threads share ``arenas`` C heaps (glibc; a no-op elsewhere, or
    when ``MALLOC_ARENA_MAX`` is set, which wins). Decoding, encoding, the pose model and
    a worker's heartbeat run in threads, and glibc gives each its own heap, which keeps
    what it freed: one job's peak went from 624 to 532 MB in a worker for the same CPU
    time (``bench/worker_cost.py``). Called once, first thing, by the console script; the
    library never changes the process it runs in."""
    import ctypes
    import os

    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


#: numpy RuntimeWarnings that say a value came out NaN, kept off the terminal.
NUMPY_NOTICES = (
    "All-NaN slice encountered",
    "Mean of empty slice",
    "Degrees of freedom <= 0",
    "invalid value encountered",
)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    limit_malloc_arenas()
    # numpy's empty-slice notices (a stride with no samples somewhere) are not for the
    # runner's terminal: the values they concern come out NaN and are handled as missing
    for message in NUMPY_NOTICES:
        warnings.filterwarnings("ignore", message=message, category=RuntimeWarning)
    try:
        app(args=argv, standalone_mode=False)
    except RunformError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}")
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
