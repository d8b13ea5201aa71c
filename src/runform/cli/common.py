"""Helpers shared by the CLI sub-commands: consoles and a Rich progress callback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from runform.errors import InputError, OptionError
from runform.units import parse_speed


def _speed_option(text: str) -> float:
    """``--treadmill-speed`` in any unit people write (:func:`runform.units.parse_speed`)."""
    try:
        return parse_speed(text)
    except ValueError as exc:
        raise OptionError(f"--treadmill-speed {text}: {exc}") from None


# Options shared by the analysing commands (declared once, used by analyze and analyze-pose).
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Output folder.")]
HeightCm = Annotated[
    float | None,
    typer.Option(
        "--height-cm",
        help="Runner's height in cm: gives a scale, and with it the pace measured in the "
        "image is within a few per cent (without it an adult's typical legs are assumed).",
    ),
]
TreadmillSpeed = Annotated[
    float | None,
    typer.Option(
        "--treadmill-speed",
        parser=_speed_option,
        metavar="SPEED",
        help="Treadmill belt speed: 3.2 (m/s), 3.2m/s, 11.5km/h, 7.2mph, or a pace such as "
        "5:15/km or 8:27/mi (step length, expected cadence).",
    ),
]
FilmedSide = Annotated[
    str | None,
    typer.Option(
        "--filmed-side",
        metavar="left|right",
        help="The runner's side that faced the camera: decides the near leg when the "
        "picture cannot (the picture wins when it clearly shows the other leg nearer).",
    ),
]
ReportFlag = Annotated[
    bool, typer.Option("--report/--no-report", help="Write report.html, report.pdf and steps.csv.")
]
PlanFlag = Annotated[
    bool,
    typer.Option(
        "--plan",
        help="Also write a 6-week plan (default profile; `runform plan` has every option).",
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")]

console = Console()
err_console = Console(stderr=True)


@contextmanager
def rich_progress(enabled: bool = True) -> Iterator:
    """Yield a progress callback ``(stage, fraction, detail)`` drawing Rich bars."""
    if not enabled:
        yield lambda stage, fraction, detail="": None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[detail]}", markup=False),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    ) as progress:
        tasks: dict[str, int] = {}

        def callback(stage: str, fraction: float | None, detail: str = "") -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=100.0, detail=detail)
            if fraction is None:
                progress.update(tasks[stage], detail=detail)
            else:
                progress.update(tasks[stage], completed=100.0 * fraction, detail=detail)

        yield callback


def check_out_folder(out: Path, option: str = "--out") -> None:
    """Refuse an output folder that is, or lies under, an existing file, before any work.

    The folder itself need not exist (the command creates it); but ``mkdir`` on a path that
    is a file raised ``FileExistsError`` (and ``NotADirectoryError`` below a file) only after
    the whole analysis had run.

    Parameters
    ----------
    out
        The output folder given on the command line.
    option
        The option's name, for the message.

    Raises
    ------
    OptionError
        One sentence naming the file and what to give instead.
    """
    for path in (out, *out.parents):
        if not path.exists():
            continue
        if path.is_dir():
            return
        where = "is a file" if path == out else f"is under {path}, which is a file"
        raise OptionError(
            f"{option} {out} {where}, not a folder; give a folder for the outputs (it is "
            "created if it does not exist)."
        )


def read_analysis_json(path: Path) -> dict:
    """Read a saved ``analysis.json`` as a dict, with one clear sentence on every failure
    (folder, missing, unreadable, not JSON, not a JSON object). Validation of the content
    is left to the caller."""
    hint = "give the analysis.json written by `runform analyze`"
    if path.is_dir():
        raise InputError(f"{path} is a folder; {hint}.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path} does not exist; {hint}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"{path} is not a JSON file; {hint}.") from None
    except OSError as exc:
        raise InputError(f"{path} cannot be read ({exc.strerror}); check the path.") from None
    if not isinstance(data, dict):
        raise InputError(f"{path} is not a runform analysis (expected a JSON object); {hint}.")
    return data


__all__ = [
    "MofNCompleteColumn",
    "check_out_folder",
    "console",
    "err_console",
    "read_analysis_json",
    "rich_progress",
]
