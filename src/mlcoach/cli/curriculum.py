"""`mlcoach content check`, `mlcoach topics` and `mlcoach questions`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from mlcoach.catalog import DIFFICULTIES, ROLES, Question, build_catalog, shipped_content_dir
from mlcoach.cli.context import ctx
from mlcoach.cli.output import console, print_json
from mlcoach.errors import MlcoachError

content_app = typer.Typer(help="Validate curriculum content.", no_args_is_help=True)
questions_app = typer.Typer(help="Browse concept questions.", no_args_is_help=True)


@content_app.command("check")
def content_check(
    paths: list[Path] | None = typer.Argument(
        None,
        help="Deck files or folders to check, by their format: YAML, CSV or Markdown, as "
        "`deck import` reads them (default: the shipped curriculum and your deck folder).",
        show_default=False,
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Validate content: schema, references and duplicates, with file and line for each error.

    Given files or folders, only they are checked (against the shipped curriculum and your deck
    folder, for topics, follow-ups and duplicates); without, the whole curriculum is.
    """
    if paths:
        from mlcoach.practice.decks import check_decks

        check = check_decks(paths, ctx.settings.deck_dir)
        files, issues, counts = check.files, check.issues, check.counts
        left_out = check.left_out
    else:
        left_out = []
        roots = [shipped_content_dir()]
        if ctx.settings.deck_dir.exists():
            roots.append(ctx.settings.deck_dir)
        report = build_catalog(roots)
        catalog = report.catalog
        files, issues = report.files, report.issues
        counts = {
            "topics": len(catalog.topics),
            "questions": len(catalog.questions),
            "problems": len(catalog.problems),
            "scenarios": len(catalog.scenarios),
            "checklists": len(catalog.checklists),
        }
    if as_json:
        print_json(
            {
                "ok": not issues,
                "files": [str(f) for f in files],
                "left_out": [str(f) for f in left_out],
                "counts": counts,
                "issues": [
                    {"file": str(i.path), "line": i.line, "field": i.field, "message": i.message}
                    for i in issues
                ],
            }
        )
    else:
        for note in left_out:
            console.print(
                f"[dim]left out {escape(str(note))}: Markdown with no '## id' question heading "
                "(a note, not a deck; name the file to check it as one)[/]",
                soft_wrap=True,
            )
        for issue in issues:
            console.print(f"[red]✗[/] {escape(str(issue))}", soft_wrap=True)
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n or not paths)
        if not issues:
            console.print(f"[green]✓[/] {_files(len(files))} valid: {summary}")
        else:
            valid = f" ({summary} valid)" if summary else ""
            console.print(f"[red]{len(issues)} problem(s)[/] in {_files(len(files))}{valid}")
    if issues:
        raise typer.Exit(1)


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


def topics(as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts.")) -> None:
    """List the topics with how many questions each has, by difficulty."""
    summaries = ctx.catalog.topic_summaries()
    if as_json:
        print_json(
            [
                {
                    "slug": s.topic.slug,
                    "title": s.topic.title,
                    "questions": s.questions,
                    "by_difficulty": s.by_difficulty,
                }
                for s in summaries
            ]
        )
        return
    table = Table(title="Topics", title_justify="left")
    table.add_column("topic", style="bold cyan")
    table.add_column("title")
    for level in DIFFICULTIES:
        table.add_column(level, justify="right")
    table.add_column("total", justify="right", style="bold")
    for s in summaries:
        table.add_row(
            s.topic.slug,
            s.topic.title,
            *(str(s.by_difficulty.get(d, 0)) for d in DIFFICULTIES),
            str(s.questions),
        )
    console.print(table)


def _check_choice(value: str | None, choices: tuple[str, ...], what: str) -> None:
    if value is not None and value not in choices:
        raise MlcoachError(f"unknown {what} {value!r}; choose one of: {', '.join(choices)}")


def _question_json(q: Question, *, full: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": q.id,
        "topic": q.topic,
        "subtopic": q.subtopic,
        "difficulty": q.difficulty,
        "roles": list(q.roles),
        "prompt": q.prompt,
    }
    if full:
        data |= {
            "answer": q.answer,
            "key_points": [k.text for k in q.key_points],
            "misconceptions": list(q.misconceptions),
            "follow_ups": list(q.follow_ups),
        }
    return data


@questions_app.command("list")
def questions_list(
    topic: str | None = typer.Option(
        None, "--topic", "-t", help="Only this topic (see `mlcoach topics`)."
    ),
    role: str | None = typer.Option(
        None, "--role", "-r", help=f"Only this role: {', '.join(ROLES)}."
    ),
    difficulty: str | None = typer.Option(
        None, "--difficulty", "-d", help=f"Only this level: {', '.join(DIFFICULTIES)}."
    ),
    search: str | None = typer.Option(
        None, "--search", "-s", help="Words to find in prompts and key points."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """List concept questions, filtered by topic, role, difficulty and text."""
    _check_choice(role, ROLES, "role")
    _check_choice(difficulty, DIFFICULTIES, "difficulty")
    found = ctx.catalog.find_questions(topic=topic, role=role, difficulty=difficulty, text=search)
    if as_json:
        print_json([_question_json(q, full=False) for q in found])
        return
    if not found:
        console.print("no questions match these filters")
        return
    table = Table(title=f"{len(found)} question(s)", title_justify="left", show_lines=False)
    table.add_column("id", style="bold cyan", no_wrap=True)
    table.add_column("topic")
    table.add_column("level")
    table.add_column("prompt")
    for q in found:
        table.add_row(q.id, q.topic, q.difficulty, escape(q.prompt))
    console.print(table)
    by_topic = Counter(q.topic for q in found)
    if len(by_topic) > 1:
        console.print(", ".join(f"{t}: {n}" for t, n in sorted(by_topic.items())), style="dim")


@questions_app.command("show")
def questions_show(
    question_id: str = typer.Argument(
        ..., help="The question's id (see `mlcoach questions list`)."
    ),
    answer: bool = typer.Option(
        False, "--answer", "-a", help="Also show the model answer and key points."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Show one question; the model answer and key points only with --answer."""
    q = ctx.catalog.question(question_id)
    if as_json:
        print_json(_question_json(q, full=answer))
        return
    meta = f"{q.topic} › {q.subtopic} · {q.difficulty} · {', '.join(q.roles)}"
    console.print(
        Panel(escape(q.prompt), title=f"[bold]{q.id}[/]", subtitle=meta, subtitle_align="left")
    )
    if not answer:
        console.print(
            "Answer it yourself first; add --answer to see the model answer.", style="dim"
        )
        return
    from rich.markdown import Markdown

    console.print(Panel(Markdown(q.answer), title="Model answer", border_style="green"))
    console.print("[bold]Key points a good answer makes[/]")
    for point in q.key_points:
        console.print(f"  • {escape(point.text)}")
    if q.misconceptions:
        console.print("[bold]Common misconceptions[/]")
        for wrong in q.misconceptions:
            console.print(f"  ✗ {escape(wrong)}", style="yellow")
    if q.follow_ups:
        console.print(f"Follow-ups: {', '.join(q.follow_ups)}", style="dim")
