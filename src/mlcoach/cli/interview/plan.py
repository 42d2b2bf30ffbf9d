"""`mlcoach plan`: a stored study plan towards an interview date, re-planned and exported."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.panel import Panel
from rich.table import Table

from mlcoach.catalog import ROLES
from mlcoach.cli.context import ctx
from mlcoach.cli.output import console, print_json
from mlcoach.errors import MlcoachError

if TYPE_CHECKING:
    from mlcoach.interview.stored_plans import StoredPlan

from mlcoach.cli.interview.common import (
    _check_choice,
    _parse_date,
)

# --- plan ---------------------------------------------------------------------------------------


def plan(
    role: str | None = typer.Option(None, "--role", "-r", help=f"The role: {', '.join(ROLES)}."),
    interview_date: str | None = typer.Option(
        None, "--interview-date", "-d", help="The interview's date, YYYY-MM-DD."
    ),
    hours_per_week: float | None = typer.Option(
        None, "--hours-per-week", "-w", help="Hours you can study each week (default 6)."
    ),
    replan_: bool = typer.Option(
        False, "--replan", help="Re-plan the days left, making up for missed days."
    ),
    ics: Path | None = typer.Option(None, "--ics", help="Also export the plan to this .ics file."),
    start: str | None = typer.Option(
        None, "--start", help="First day of the plan (default today)."
    ),
    days: int = typer.Option(14, "--days", min=1, help="How many upcoming days to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Build, show or re-plan a day-by-day study plan towards an interview date.

    Time goes to the role's topics, most to your weakest. With no options it shows the plan;
    --replan after missed days; --ics exports a calendar. A past day counts as done when you practised that day (drills, answers, code, mock
    interviews), and missed otherwise.
    """
    from mlcoach.interview.stored_plans import active_plan, create_plan, refresh_statuses, replan

    today = _parse_date(start, "start date") or date.today()
    db, user = ctx.database, ctx.user
    if replan_:
        if role or interview_date or hours_per_week:
            raise MlcoachError(
                "--replan keeps the stored plan's role, date and hours; give no other options"
            )
        stored = replan(db, ctx.catalog, user.id, today=today)
        message = f"Re-planned from {today} (revision {stored.revision})."
    elif role or interview_date or hours_per_week:
        if not role or not interview_date:
            raise MlcoachError(
                "a new plan needs --role and --interview-date (and --hours-per-week)"
            )
        _check_choice(role, ROLES, "role")
        when = _parse_date(interview_date, "interview date")
        assert when is not None
        stored = create_plan(
            db,
            ctx.catalog,
            user.id,
            role=role,
            interview_date=when,
            hours_per_week=hours_per_week or 6.0,
            today=today,
        )
        message = f"New plan: {len(stored.days)} study days until {when}."
    else:
        found = refresh_statuses(db, user.id, today) or active_plan(db, user.id)
        if found is None:
            raise MlcoachError(
                "no study plan yet; make one with "
                "`mlcoach plan --role ROLE --interview-date YYYY-MM-DD --hours-per-week N`"
            )
        stored = found
        message = ""
    if ics is not None:
        _export_ics(stored, ics)
    if as_json:
        print_json(stored.as_dict())
        return
    if message:
        console.print(message, style="bold")
    _show_study_plan(stored, today, days)
    if ics is not None:
        console.print(f"Calendar: {ics} ({len(stored.days)} events)")


def _export_ics(stored: StoredPlan, path: Path) -> None:
    from mlcoach.interview import plan_to_ics

    try:
        path.expanduser().parent.mkdir(parents=True, exist_ok=True)
        path.expanduser().write_bytes(plan_to_ics(stored))
    except OSError as exc:
        raise MlcoachError(f"cannot write the calendar to {path}: {exc.strerror}") from None


def _show_study_plan(stored: StoredPlan, today: date, limit: int) -> None:
    from mlcoach.interview.data import roles_table

    counts = stored.counts
    left = (stored.interview_date - today).days
    head = (
        f"{roles_table().roles[stored.role].title} interview on {stored.interview_date} "  # type: ignore[index]
        f"({left} day{'s' * (left != 1)} away), {stored.hours_per_week:g} h/week · "
        f"done {counts['done']}, missed {counts['missed']}, planned {counts['planned']}"
    )
    console.print(Panel(head, title=f"Study plan {stored.id}", border_style="cyan"))
    if counts["missed"]:
        console.print(
            "Some days were missed: `mlcoach plan --replan` spreads their topics over the days left.",
            style="yellow",
        )
    table = Table(show_header=True, title_justify="left")
    table.add_column("day")
    table.add_column("min", justify="right")
    table.add_column("what to do")
    table.add_column("", justify="center")
    upcoming = [d for d in stored.days if d.day >= today][:limit]
    for d in upcoming:
        what = "\n".join(
            f"{a.title} ({a.minutes} min)" + (f": {', '.join(a.items[:4])}" if a.items else "")
            for a in d.activities
        )
        label = d.day.strftime("%a %d %b") + (" (today)" if d.day == today else "")
        mark = {"done": "[green]✓[/]", "missed": "[red]✗[/]"}.get(d.status, "·")
        table.add_row(label, str(d.minutes), what, mark)
    console.print(table)
    rest = len([d for d in stored.days if d.day >= today]) - len(upcoming)
    if rest > 0:
        console.print(
            f"… and {rest} more day(s); --days N shows more, --json shows all.", style="dim"
        )
