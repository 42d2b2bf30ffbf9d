"""`mlcoach interviews`: the real interviews you are preparing for, their checklists and notes."""

from __future__ import annotations

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
    pass

from mlcoach.cli.interview.common import (
    _check_choice,
    _parse_date,
)

interviews_app = typer.Typer(
    help="Track your real interviews, their checklists and thank-you notes.",
    no_args_is_help=True,
)


# --- interviews ---------------------------------------------------------------------------------


@interviews_app.command("add")
def interviews_add(
    company: str = typer.Option(..., "--company", "-c", help="The company."),
    role: str = typer.Option(..., "--role", "-r", help="The job title."),
    when: str | None = typer.Option(None, "--date", "-d", help="The interview's date, YYYY-MM-DD."),
    at: str | None = typer.Option(None, "--time", help="The time, HH:MM."),
    location: str | None = typer.Option(None, "--location", help="Address or video link."),
    stage: str = typer.Option("applied", "--stage", help="Where the process stands."),
    interviewer: list[str] = typer.Option([], "--interviewer", "-i", help="An interviewer's name."),
    notes: str = typer.Option("", "--notes", help="Anything to remember."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Track an interview; its checklists start empty."""
    from mlcoach.interview import add_interview

    info = add_interview(
        ctx.database,
        ctx.user.id,
        company=company,
        role=role,
        interview_date=_parse_date(when, "date"),
        interview_time=at,
        location=location,
        stage=stage,
        interviewers=interviewer,
        notes=notes,
    )
    if as_json:
        print_json(info.as_dict())
        return
    console.print(f"Added interview {info.id}: {info.role} at {info.company}.")
    console.print(f"Its checklists: `mlcoach interviews show {info.id}`", style="dim")


@interviews_app.command("list")
def interviews_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Your interviews, the next ones first, with checklist progress."""
    from mlcoach.interview import list_interviews
    from mlcoach.interview.tracker import progress

    infos = list_interviews(ctx.database, ctx.user.id)
    if as_json:
        print_json([i.as_dict() for i in infos])
        return
    if not infos:
        console.print(
            "no interviews tracked yet: `mlcoach interviews add --company NAME --role TITLE`"
        )
        return
    table = Table(title="Interviews", title_justify="left")
    for col in ("id", "date", "company", "role", "stage", "checklist"):
        table.add_column(col)
    for i in infos:
        done, total = progress(i, ctx.catalog)
        when = i.interview_date.isoformat() if i.interview_date else "-"
        if i.interview_time:
            when += f" {i.interview_time}"
        table.add_row(str(i.id), when, i.company, i.role, i.stage, f"{done}/{total}")
    console.print(table)


@interviews_app.command("show")
def interviews_show(
    interview_id: int = typer.Argument(..., help="The interview's id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """An interview's details and its checklists, numbered for `interviews done`."""
    from mlcoach.interview import checklist_entries, get_interview

    info = get_interview(ctx.database, ctx.user.id, interview_id)
    entries = checklist_entries(ctx.catalog)
    if as_json:
        print_json(
            {
                **info.as_dict(),
                "checklist": [
                    {
                        "number": e.number,
                        "key": e.key,
                        "stage": e.checklist.stage,
                        "text": e.item.text,
                        "done": e.key in info.ticked,
                    }
                    for e in entries
                ],
            }
        )
        return
    lines = [f"[bold]{info.role}[/] at [bold]{info.company}[/] · stage: {info.stage}"]
    if info.interview_date:
        lines.append(
            f"When: {info.interview_date.strftime('%A %d %B %Y')}"
            + (f" at {info.interview_time}" if info.interview_time else "")
        )
    if info.location:
        lines.append(f"Where: {info.location}")
    if info.interviewers:
        lines.append(f"Interviewers: {', '.join(info.interviewers)}")
    if info.topics:
        lines.append(f"Topics discussed: {', '.join(info.topics)}")
    if info.notes:
        lines.append(f"Notes: {info.notes}")
    console.print(Panel("\n".join(lines), title=f"Interview {info.id}", border_style="cyan"))
    current = None
    for e in entries:
        if e.checklist.id != current:
            current = e.checklist.id
            console.print(f"[bold]{e.checklist.title}[/]")
        mark = "[green]✓[/]" if e.key in info.ticked else "☐"
        console.print(f"  {mark} {e.number:>2}. {e.item.text} [dim]({e.key})[/]")
    console.print(f"Tick items with `mlcoach interviews done {info.id} NUMBER...`", style="dim")


@interviews_app.command("stage")
def interviews_stage(
    interview_id: int = typer.Argument(..., help="The interview's id."),
    stage: str = typer.Argument(..., help="applied, screening, technical, onsite, final, offer, …"),
) -> None:
    """Move an interview to another stage."""
    from mlcoach.interview import set_stage

    info = set_stage(ctx.database, ctx.user.id, interview_id, stage)
    console.print(f"Interview {info.id} ({info.company}) is now at stage: {info.stage}")


@interviews_app.command("done")
def interviews_done(
    interview_id: int = typer.Argument(..., help="The interview's id."),
    items: list[str] = typer.Argument(..., help="Checklist items, by number or key."),
    undo: bool = typer.Option(False, "--undo", help="Mark them not done."),
) -> None:
    """Tick checklist items for an interview (numbers as `interviews show` prints them)."""
    from mlcoach.interview import tick_items
    from mlcoach.interview.tracker import progress

    info, entries = tick_items(
        ctx.database, ctx.catalog, ctx.user.id, interview_id, items, undo=undo
    )
    verb = "not done" if undo else "done"
    for e in entries:
        console.print(f"  {'☐' if undo else '[green]✓[/]'} {e.item.text} ({verb})")
    done, total = progress(info, ctx.catalog)
    console.print(f"Checklist for interview {info.id}: {done}/{total} done.")


@interviews_app.command("update")
def interviews_update(
    interview_id: int = typer.Argument(..., help="The interview's id."),
    interviewer: list[str] = typer.Option([], "--interviewer", "-i", help="Add an interviewer."),
    topic: list[str] = typer.Option([], "--topic", "-t", help="Add a topic you discussed."),
    when: str | None = typer.Option(None, "--date", "-d", help="Change the date, YYYY-MM-DD."),
    at: str | None = typer.Option(None, "--time", help="Change the time, HH:MM."),
    location: str | None = typer.Option(None, "--location", help="Change the location."),
    notes: str | None = typer.Option(None, "--notes", help="Replace the notes."),
) -> None:
    """Record who you met and what you discussed, or change the date, time or place."""
    from mlcoach.interview import update_interview

    info = update_interview(
        ctx.database,
        ctx.user.id,
        interview_id,
        interviewers=interviewer,
        topics=topic,
        interview_date=_parse_date(when, "date"),
        interview_time=at,
        location=location,
        notes=notes,
    )
    console.print(f"Updated interview {info.id} ({info.company}).")


@interviews_app.command("remove")
def interviews_remove(interview_id: int = typer.Argument(..., help="The interview's id.")) -> None:
    """Stop tracking an interview (its checklist ticks go with it)."""
    from mlcoach.interview.tracker import remove_interview

    info = remove_interview(ctx.database, ctx.user.id, interview_id)
    console.print(f"Removed interview {info.id} ({info.role} at {info.company}).")


@interviews_app.command("thank-you")
def interviews_thank_you(
    interview_id: int = typer.Argument(..., help="The interview's id."),
    name: str | None = typer.Option(None, "--name", help="Your name, to sign the note."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the draft to a file."),
) -> None:
    """Draft a short thank-you note from the interview's details, to adapt and send."""
    from mlcoach.interview import get_interview, thank_you_note

    info = get_interview(ctx.database, ctx.user.id, interview_id)
    note = thank_you_note(info, sender=name)
    if output is not None:
        try:
            output.write_text(note, encoding="utf-8")
        except OSError as exc:
            raise MlcoachError(f"cannot write {output}: {exc.strerror}") from None
        console.print(f"Draft written to {output}")
        return
    console.print(note, markup=False, highlight=False)
    if not info.interviewers:
        console.print(
            f"Tip: record who you met with `mlcoach interviews update {info.id} --interviewer NAME`",
            style="dim",
        )


@interviews_app.command("questions")
def interviews_questions(
    role: str | None = typer.Option(
        None, "--role", "-r", help=f"Add this role's: {', '.join(ROLES)}."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Good questions to ask your interviewers (always ask about the next steps)."""
    from mlcoach.interview.data import questions_to_ask_table

    _check_choice(role, ROLES, "role")
    questions = questions_to_ask_table().for_role(role)
    if as_json:
        print_json(
            [{"role": q.role, "text": q.text, "why": q.why, "always": q.always} for q in questions]
        )
        return
    for q in questions:
        mark = "[bold]★[/]" if q.always else "•"
        console.print(f"{mark} {q.text}")
        if q.why:
            console.print(f"    {q.why}", style="dim")
