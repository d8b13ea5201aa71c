"""``runform analyze VIDEO --out DIR``: the main job, from a phone video to an analysis.

A thin wrapper over :func:`runform.pipeline.video.analyze_video`: parse options, draw a
progress bar (frames per second and time left), print a summary table and the files
written. Errors the user can act on are printed as one sentence by :mod:`runform.cli`.
"""

from __future__ import annotations

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
from runform.cli.report import SingleFileFlag
from runform.errors import OptionError


def analyze(
    video: Annotated[
        Path, typer.Argument(help="The running video (mp4, mov, m4v, avi, mkv, webm).")
    ],
    other_video: Annotated[
        Path | None,
        typer.Argument(
            help="Optional: a clip of the same run filmed from the runner's other side; each "
            "leg is then measured from the clip where it is nearer the camera.",
            show_default=False,
        ),
    ] = None,
    out: OutDir = Path("runform-out"),
    other_side: Annotated[
        Path | None,
        typer.Option(
            "--other-side",
            help="The same as a second VIDEO: a clip filmed from the runner's other side.",
        ),
    ] = None,
    capture_fps: Annotated[
        float | None,
        typer.Option(
            "--capture-fps",
            help="Camera frame rate of slow motion whose file does not state it "
            "(e.g. 240 for a 240 fps clip exported to play at 30 fps).",
        ),
    ] = None,
    height_cm: HeightCm = None,
    treadmill_speed: TreadmillSpeed = None,
    filmed_side: FilmedSide = None,
    no_video: Annotated[
        bool, typer.Option("--no-video", help="Skip the annotated video and key-frame stills.")
    ] = False,
    smooth_video: Annotated[
        bool,
        typer.Option(
            "--smooth-video",
            help="Give a slowed clip that would play below 24 frames a second in-between "
            "frames (cross-fades, skeleton at the interpolated pose), so it plays at 24 fps. "
            "By default every picture is a filmed frame (a 30 fps clip plays at 7.5 fps).",
        ),
    ] = False,
    cache_dir: Annotated[
        Path | None,
        typer.Option("--cache-dir", help="Pose cache folder (default: OUT/.cache)."),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Always re-run the pose model; cache nothing.")
    ] = False,
    pose_workers: Annotated[
        int | None,
        typer.Option(
            "--pose-workers",
            help="Model instances run at once on parts of the video (default: one per core, "
            "at most 2). The pose is the same whatever the number; use 1 to leave cores free.",
        ),
    ] = None,
    frame_memory_mb: Annotated[
        float,
        typer.Option(
            "--frame-memory-mb",
            help="Memory the decoded frames may take, kept from the pose pass for the "
            "annotated video (clips that do not fit, and 0, decode the video again: slower, "
            "same result).",
        ),
    ] = 1024.0,
    report: ReportFlag = True,
    single_file: SingleFileFlag = False,
    plan: PlanFlag = False,
    quiet: Quiet = False,
) -> None:
    """Analyse a side-view running video: pose, gait events, metrics, findings, annotated
    video, report and (with --plan) a 6-week plan."""
    from runform.cli.summary_table import print_summary
    from runform.pipeline import AnalysisOptions
    from runform.pipeline.video import analyze_video
    from runform.plan import profile_from_options

    options = AnalysisOptions(
        height_cm=height_cm, treadmill_speed_mps=treadmill_speed, filmed_side=filmed_side
    ).validate()
    if other_video is not None and other_side is not None:
        raise OptionError(
            "Give the other side's clip once: as a second VIDEO or with --other-side, not both."
        )
    second = other_video or other_side
    check_out_folder(out)
    if cache_dir is not None and not no_cache:
        check_out_folder(cache_dir, "--cache-dir")
    if second is not None:
        from runform.cli.both_sides import analyze_both_sides

        analyze_both_sides(
            (video, second),
            out,
            options,
            quiet=quiet,
            plan=plan,
            video_kwargs=dict(
                annotate=not no_video,
                capture_fps=capture_fps,
                cache=not no_cache,
                cache_dir=cache_dir,
                pose_workers=pose_workers,
                frame_memory_mb=frame_memory_mb,
                write_report=report,
                smooth_video=smooth_video,
            ),
        )
        return
    with rich_progress(enabled=not quiet) as progress:
        result = analyze_video(
            video,
            options,
            out_dir=out,
            annotate=not no_video,
            progress=progress,
            capture_fps=capture_fps,
            cache=not no_cache,
            cache_dir=cache_dir,
            pose_workers=pose_workers,
            frame_memory_mb=frame_memory_mb,
            write_report=report,
            smooth_video=smooth_video,
            plan_profile=profile_from_options() if plan else None,
            single_file=single_file,
        )
    if not quiet:
        print_video_line(result.document.get("video", {}))
        print_summary(result.document)
        for note in result.notes:
            console.print(f"[yellow]note:[/] {escape(note)}")
    for name, path in result.outputs.items():
        console.print(
            f"wrote {escape(str(path))}"
            if quiet
            else f"[green]wrote[/] {name}: {escape(str(path))}"
        )
    if quiet:
        for note in result.notes:
            console.print(f"note: {escape(note)}")


_CACHE_WORDS = {
    "hit": "pose from cache",
    "miss": "pose computed and cached",
    "off": "pose computed",
}


def print_video_line(video: dict) -> None:
    """One line on what was read: size, rotation, frames, capture rate, pose cache."""
    rotation = video.get("rotation_deg") or 0
    turned = f" (turned {rotation}° for display)" if rotation else ""
    capture = video.get("capture_fps")
    rate = f" · {capture:.4g} fps capture" if capture else ""
    console.print(
        f"[bold]video[/] {video.get('width')}x{video.get('height')}{turned} · "
        f"{escape(str(video.get('codec')))} · {video.get('n_frames')} frames{rate} · "
        f"{_CACHE_WORDS.get(video.get('pose_cache'), '')}"
    )


def register(app: typer.Typer) -> None:
    """Add ``runform analyze`` to the app."""
    app.command("analyze")(analyze)
