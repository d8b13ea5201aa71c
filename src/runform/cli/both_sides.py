"""``runform analyze LEFT_VIEW RIGHT_VIEW --out DIR``: the printing side of a two-clip run
(:func:`runform.pipeline.both_sides.analyze_both_sides` does the work)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.markup import escape

from runform.cli.common import console, rich_progress
from runform.pipeline import AnalysisOptions


def analyze_both_sides(
    videos: Sequence[Path],
    out: Path,
    options: AnalysisOptions,
    *,
    quiet: bool,
    plan: bool,
    video_kwargs: dict,
) -> None:
    """Analyse both clips, merge them, print the summary and the files written."""
    from runform.cli.summary_table import print_summary
    from runform.pipeline.both_sides import analyze_both_sides as run
    from runform.pipeline.document import write_default_plan

    write_report = bool(video_kwargs.pop("write_report", True))
    with rich_progress(enabled=not quiet) as progress:
        result = run(
            videos, options, out, progress=progress, write_report=write_report, **video_kwargs
        )
    doc = result.document
    if plan:
        for name, path in write_default_plan(doc, out).items():
            result.outputs[f"plan_{name}"] = path
    if not quiet:
        sides = doc["sides"]
        console.print(
            f"[bold]both sides[/] left leg from {escape(str(sides['left']['clip']))}, right leg "
            f"from {escape(str(sides['right']['clip']))}"
        )
        print_summary(doc)
    for warning in doc.get("warnings") or []:
        if str(warning.get("code", "")).startswith("sides_"):
            console.print(f"[yellow]warning:[/] {escape(warning['message'])}")
    for note in result.notes:
        console.print(f"note: {escape(note)}")
    for name, path in result.outputs.items():
        console.print(
            f"wrote {escape(str(path))}"
            if quiet
            else f"[green]wrote[/] {name}: {escape(str(path))}"
        )
