"""`runform compare BEFORE AFTER --out DIR`: the re-test, before against after."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from runform.cli.common import OutDir, Quiet, check_out_folder


def compare_command(
    before: Annotated[
        Path,
        typer.Argument(
            metavar="BEFORE",
            help="BEFORE: the first analysis (the folder written by `runform analyze`, or its "
            "analysis.json).",
        ),
    ],
    after: Annotated[
        Path,
        typer.Argument(
            metavar="AFTER", help="AFTER: the re-test's analysis (folder or analysis.json)."
        ),
    ],
    out: OutDir,
    video: Annotated[
        bool,
        typer.Option(
            "--video/--no-video",
            help="Write compare.mp4, the two annotated videos side by side (needs annotated.mp4 "
            "in both analysis folders).",
        ),
    ] = True,
    strides: Annotated[
        int, typer.Option("--strides", help="Strides per loop of the side-by-side video (1-10).")
    ] = 3,
    quiet: Quiet = False,
) -> None:
    """Compare two analyses of the same runner: what really changed, findings resolved, new
    and persisting, whether the runs are comparable; compare.json, .html, .pdf and .mp4."""
    from runform.cli.common import console, err_console, rich_progress
    from runform.compare import write_compare

    check_out_folder(out)
    with rich_progress(not quiet) as progress:
        result = write_compare(before, after, out, video=video, strides=strides, progress=progress)
    summary = result.document["summary"]
    console.print(f"[bold]{escape(summary['headline'])}[/]", highlight=False)
    for line in summary["lines"]:
        console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
    for warning in result.document["warnings"]:
        err_console.print(f"[yellow]warning:[/] {escape(warning['message'])}", highlight=False)
    for note in result.notes:
        err_console.print(f"note: {escape(note)}", highlight=False)
    if not quiet:
        for path in result.paths.values():
            console.print(f"wrote {escape(str(path))}", soft_wrap=True, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("compare")(compare_command)
