"""``runform analyze-pose PATH --out DIR``: analyse a pose file made by runform or another tool."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from runform.cli.common import (
    FilmedSide,
    HeightCm,
    OutDir,
    PlanFlag,
    Quiet,
    ReportFlag,
    TreadmillSpeed,
    check_out_folder,
    console,
    rich_progress,
)
from runform.cli.summary_table import print_summary
from runform.pipeline import AnalysisOptions
from runform.pipeline.document import analysis_document, write_default_plan


def analyze_pose(
    path: Annotated[
        Path,
        typer.Argument(
            help="Pose file: CSV contract, runform JSON, RTMPose "
            "Halpe-26 JSON, Sports2D/Pose2Sim TRC, or an OpenPose JSON folder."
        ),
    ],
    out: OutDir = Path("runform-out"),
    fps: Annotated[
        float | None, typer.Option(help="Frame rate, for files without usable time.")
    ] = None,
    height_cm: HeightCm = None,
    treadmill_speed: TreadmillSpeed = None,
    filmed_side: FilmedSide = None,
    report: ReportFlag = True,
    plan: PlanFlag = False,
    quiet: Quiet = False,
) -> None:
    """Detect contacts and toe-offs and compute running-form metrics from a pose track."""
    from runform.pipeline import analyze_track
    from runform.pose.readers import read_pose

    options = AnalysisOptions(
        height_cm=height_cm, treadmill_speed_mps=treadmill_speed, filmed_side=filmed_side
    ).validate()
    check_out_folder(out)
    track = read_pose(path, fps=fps)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with rich_progress(enabled=not quiet) as progress:
        analysis = analyze_track(track, options, progress=progress)
        doc = analysis_document(analysis)
        target = out / "analysis.json"
        target.write_text(json.dumps(doc, indent=1, allow_nan=False))
        written.append(target)
        if report:
            from runform.report import write_report

            written.extend(write_report(doc, out, progress=progress).values())
        if plan:
            written.extend(write_default_plan(doc, out).values())
    if not quiet:
        print_summary(doc)
    for path in written:
        console.print(f"wrote {escape(str(path))}", soft_wrap=True, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("analyze-pose")(analyze_pose)
