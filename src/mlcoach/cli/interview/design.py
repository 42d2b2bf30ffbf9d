"""`mlcoach scenarios`, `design` and `deepdive`: system-design rounds and project deep-dives."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table

from mlcoach.catalog import ROLES
from mlcoach.cli.context import ctx
from mlcoach.cli.output import console, print_json
from mlcoach.errors import MlcoachError

if TYPE_CHECKING:
    pass

from mlcoach.cli.interview.common import (
    _ask_text,
    _check_choice,
    _interactive,
)

scenarios_app = typer.Typer(help="ML system-design scenarios.", no_args_is_help=True)


# --- scenarios, design and deep-dive ------------------------------------------------------------


@scenarios_app.command("list")
def scenarios_list(
    role: str | None = typer.Option(None, "--role", "-r", help="Only this role."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the design scenarios."""
    _check_choice(role, ROLES, "role")
    found = [s for s in ctx.catalog.scenarios.values() if role is None or role in s.roles]
    if as_json:
        print_json(
            [
                {"id": s.id, "title": s.title, "difficulty": s.difficulty, "roles": list(s.roles)}
                for s in found
            ]
        )
        return
    table = Table(title=f"{len(found)} scenario(s)", title_justify="left")
    table.add_column("id", style="bold cyan")
    table.add_column("title")
    table.add_column("level")
    table.add_column("roles")
    for s in found:
        table.add_row(s.id, s.title, s.difficulty, ", ".join(s.roles))
    console.print(table)


@scenarios_app.command("show")
def scenarios_show(
    scenario_id: str = typer.Argument(..., help="The scenario's id."),
    rubric: bool = typer.Option(False, "--rubric", help="Also show the rubric's key points."),
) -> None:
    """Show a scenario; its rubric only with --rubric (try answering first)."""
    s = ctx.catalog.scenario(scenario_id)
    body = f"{' '.join(s.prompt.split())}\n\n*{' '.join(s.context.split())}*"
    console.print(Panel(Markdown(body), title=f"[bold]{s.title}[/]", subtitle=s.id))
    console.print("Dimensions: " + ", ".join(f"{d.name} (×{d.weight:g})" for d in s.rubric))
    if rubric:
        for d in s.rubric:
            console.print(f"[bold]{d.name}[/]")
            for p in d.key_points:
                console.print(f"  • {p.text}")


def design(
    scenario_id: str | None = typer.Argument(
        None, help="A scenario id (default: one for the role)."
    ),
    role: str = typer.Option("engineering", "--role", "-r", help="Pick a scenario for this role."),
    answer_file: Path | None = typer.Option(
        None, "--answer-file", "-f", help="Grade the design written in this file."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Answer one design scenario and get it graded on each rubric dimension."""
    import random

    from mlcoach.interview import grade_design
    from mlcoach.interview.matching import read_text_file

    _check_choice(role, ROLES, "role")
    catalog = ctx.catalog
    if scenario_id is None:
        pool = sorted(s.id for s in catalog.scenarios.values() if role in s.roles)
        if not pool:
            raise MlcoachError(f"no design scenario for the {role} role")
        scenario_id = random.choice(pool)
    scenario = catalog.scenario(scenario_id)
    if answer_file is not None:
        answer = read_text_file(answer_file, "answer file")
    else:
        scenarios_show(scenario.id, rubric=False)
        if not _interactive():
            answer = sys.stdin.read()
        else:
            console.print(
                "Cover framing, data, features, model, metrics, serving, monitoring and risks.",
                style="dim",
            )
            text, _ = _ask_text(lambda: 3600.0)
            if text is None:
                raise typer.Exit(1)
            answer = text
    if not answer.strip():
        raise MlcoachError("the design answer is empty")
    with console.status("grading…"):
        grade = grade_design(scenario, answer, ctx.grader)
    if as_json:
        print_json(grade.as_dict())
        return
    table = Table(title=f"{scenario.title}: {grade.score:.1f}/5", title_justify="left")
    table.add_column("dimension")
    table.add_column("score", justify="right")
    table.add_column("missed", style="yellow")
    for d in grade.dimensions:
        table.add_row(d.name, f"{d.score:.1f}", "\n".join(p.key_point for p in d.missed))
    console.print(table)
    console.print(grade.advice)


def deepdive(
    project: Path = typer.Argument(..., help="Your project's README or a description of it."),
    count: int = typer.Option(8, "--count", "-n", min=1, help="How many questions."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The questions an interviewer would ask about your project, tailored to what it uses."""
    from mlcoach.interview import deep_dive_questions, detect_project
    from mlcoach.interview.matching import default_embedder, read_text_file

    text = read_text_file(project, "project file")
    profile = detect_project(text, embedder=default_embedder(ctx.settings))
    questions = deep_dive_questions(profile, count)
    if as_json:
        print_json({**profile.as_dict(), "questions": [q.as_dict() for q in questions]})
        return
    found = profile.summary()
    if found:
        console.print("[bold]What your project uses[/]")
        for kind, names in found.items():
            console.print(f"  {kind}: {', '.join(dict.fromkeys(names))}")
    else:
        console.print("No models, data or metrics recognised; the questions are the classic ones.")
    console.print("[bold]Questions to prepare[/]")
    for i, q in enumerate(questions, 1):
        console.print(f"  {i}. {q.text}")
        console.print(f"     a good answer: {q.key_points[0]}", style="dim")
    console.print(
        "Rehearse them in a timed round: `mlcoach mock --role ROLE --project FILE`", style="dim"
    )
