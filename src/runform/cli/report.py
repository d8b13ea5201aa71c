"""`runform report`: rebuild the report from a saved analysis.json (no pose re-run)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from runform.cli.common import check_out_folder, read_analysis_json

#: ``--single-file``, shared by ``runform analyze`` and ``runform report``.
SingleFileFlag = Annotated[
    bool,
    typer.Option(
        "--single-file",
        help="Also write report-with-video.html: the report with the annotated video inside, "
        "one file to send (refused when the video is over 50 MB).",
    ),
]


def load_analysis(path: Path) -> dict:
    """Read a saved ``runform.analysis/1`` document.

    Raises
    ------
    InputError
        When the file is missing, unreadable, not JSON or not a runform analysis.
    """
    from runform.report import validate_analysis

    data = read_analysis_json(path)
    return validate_analysis(data)


def _media_beside(analysis_path: Path, out: Path) -> dict:
    """Stills and annotated video next to the analysis file, when the report goes elsewhere."""
    from runform.keyframes import still_names
    from runform.report.content import STILL_EVENTS, VIDEO_NAME, still_folders

    media: dict = {}
    folder = analysis_path.resolve().parent
    for side in ("left", "right"):
        for event in STILL_EVENTS:
            key = f"{side}_{event}"
            names = still_names(side, event)
            if any((f / n).is_file() for f in still_folders(out) for n in names):
                continue
            there = [f / n for f in still_folders(folder) for n in names]
            found = next((p for p in there if p.is_file()), None)
            if found is not None:
                media[key] = found
    if not (out / VIDEO_NAME).is_file() and (folder / VIDEO_NAME).is_file():
        media["video"] = folder / VIDEO_NAME
    return media


def report_command(
    analysis: Annotated[Path, typer.Argument(help="analysis.json written by `runform analyze`.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Folder for report.html, report.pdf and steps.csv "
            "(default: the analysis file's folder).",
        ),
    ] = None,
    recompute_findings: Annotated[
        bool,
        typer.Option(
            "--recompute-findings",
            help="Recompute the findings from the metrics instead of using those in the file.",
        ),
    ] = False,
    single_file: SingleFileFlag = False,
) -> None:
    """Rebuild report.html, report.pdf and steps.csv from a saved analysis (no pose re-run)."""
    from runform.cli.common import console, rich_progress
    from runform.findings import findings_from_analysis
    from runform.report import write_report

    if out is not None:
        check_out_folder(out)
    doc = load_analysis(analysis)
    out_dir = out if out is not None else analysis.resolve().parent
    findings = findings_from_analysis(doc) if recompute_findings else doc.get("findings")
    with rich_progress() as progress:
        paths = write_report(
            doc,
            out_dir,
            findings=findings,
            media=_media_beside(analysis, out_dir),
            progress=progress,
            single_file=single_file,
        )
    n = len(findings if findings is not None else findings_from_analysis(doc))
    console.print(f"Report with {n} finding{'' if n == 1 else 's'}:")
    for path in paths.values():
        console.print(f"  {escape(str(path))}", soft_wrap=True, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("report")(report_command)
