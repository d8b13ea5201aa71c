"""Helpers shared by the CLI sub-commands: consoles and a Rich progress callback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

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
        TextColumn("{task.fields[detail]}"),
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


__all__ = ["MofNCompleteColumn", "console", "err_console", "rich_progress"]
