"""`runform plan`: a personalised six-week plan from a saved analysis.json."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from runform.cli.common import check_out_folder, read_analysis_json
from runform.cli.report import load_analysis
from runform.errors import InputError, OptionError


def read_findings(path: Path, data: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The findings of a saved analysis: its ``findings`` list, or computed from its metrics.

    ``data`` is the file's content when already read.

    Raises
    ------
    InputError
        When the file is missing or not JSON, or has no findings and the findings stage
        is not available to compute them.
    """
    if data is None:
        data = read_analysis_json(path)
    if "findings" in data:
        findings = data["findings"]
        if not isinstance(findings, list):
            raise InputError(f"The 'findings' in {path} is not a list; re-run `runform analyze`.")
        return findings
    try:
        from runform.findings import findings_from_analysis
    except ImportError:
        raise InputError(
            f"{path} has no findings and this installation cannot compute them; "
            "re-run `runform analyze` to write an analysis.json with findings."
        ) from None
    return list(findings_from_analysis(data))


#: How far ahead a plan may start: a plan rests on today's form, and a start years away is
#: a typo (2999 for 2025) more often than an intention.
MAX_DAYS_AHEAD = 365


def check_start_not_too_far(start: date, today: date | None = None) -> None:
    """Refuse a first day more than :data:`MAX_DAYS_AHEAD` days after today.

    Parameters
    ----------
    start
        The plan's first day.
    today
        Today's date (default: the real today).

    Raises
    ------
    OptionError
        One sentence naming the date and what to give instead.
    """
    today = today or date.today()
    if (start - today).days > MAX_DAYS_AHEAD:
        raise OptionError(
            f"The start date {start.isoformat()} is more than a year ahead (today is "
            f"{today.isoformat()}); a plan rests on today's form, so give a date within the "
            "next year, or leave out --start to begin next Monday."
        )


def check_start_not_past(start: date, today: date | None = None) -> None:
    """Refuse a first day before today: a plan is a schedule from now on.

    Raises
    ------
    OptionError
        One sentence naming the date and what to give instead.
    """
    today = today or date.today()
    if start < today:
        raise OptionError(
            f"The start date {start.isoformat()} is in the past (today is {today.isoformat()}); "
            "give today or a later date, or leave out --start to begin next Monday."
        )


def plan_command(
    analysis: Annotated[Path, typer.Argument(help="analysis.json written by `runform analyze`.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for plan.html/.ics/.json.")
    ] = Path("plan"),
    level: Annotated[
        str, typer.Option(help="beginner, intermediate or advanced.")
    ] = "intermediate",
    sessions_per_week: Annotated[
        int, typer.Option("--sessions-per-week", "-s", help="Sessions a week, 2 to 5.")
    ] = 3,
    minutes: Annotated[int, typer.Option(help="Minutes per session, 15 to 120.")] = 40,
    equipment: Annotated[
        list[str] | None,
        typer.Option(
            "--equipment",
            "-e",
            help="Equipment at hand, repeatable or comma list: band, mini_band, "
            "stability_ball, cable, bench (table/bed), step, dumbbells, kettlebell, or none.",
        ),
    ] = None,
    avoid_days: Annotated[
        list[str] | None,
        typer.Option(
            "--avoid-days", help="Days without sessions (mon..sun), repeatable or commas."
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            help="First day, YYYY-MM-DD, today or up to a year ahead (default: next Monday)."
        ),
    ] = None,
    spare: Annotated[
        list[str] | None,
        typer.Option(
            "--spare",
            help="Body parts to spare for an injury (e.g. knee, ankle, lower_back, hamstring); "
            "repeatable or commas.",
        ),
    ] = None,
) -> None:
    """Write a personalised 6-week plan (plan.html, plan.ics, plan.json) from an analysis."""
    from runform.cli.common import console
    from runform.plan import build_plan, profile_from_options, write_plan

    profile = profile_from_options(
        level=level,
        sessions_per_week=sessions_per_week,
        minutes=minutes,
        equipment=equipment,
        avoid_days=avoid_days,
        start=start,
        spare=spare,
    )
    if start is not None:
        check_start_not_past(profile.start_date())
        check_start_not_too_far(profile.start_date())
    check_out_folder(out)
    data = load_analysis(analysis)
    findings = read_findings(analysis, data)
    plan = build_plan(findings, profile, analysis=data)
    paths = write_plan(plan, out)
    what = "maintenance plan" if plan.mode == "maintenance" else "plan"
    console.print(
        f"6-week {what}: {len(plan.sessions)} sessions from {plan.start.isoformat()} "
        f"to {plan.end.isoformat()}."
    )
    for path in paths.values():
        console.print(f"  {escape(str(path))}", soft_wrap=True, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("plan")(plan_command)
