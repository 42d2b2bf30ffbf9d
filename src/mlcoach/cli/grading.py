"""`mlcoach answer` (grade one answer, with reasons, and keep it) and `mlcoach grade --batch`.

Imports of the grader and the model happen inside the commands, so other commands start as fast
as before and `mlcoach answer` pays only for what it uses.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mlcoach.cli.context import ctx
from mlcoach.cli.output import console, err_console, print_json
from mlcoach.errors import MlcoachError, refuse_empty_answer

if TYPE_CHECKING:
    from mlcoach.catalog import Question
    from mlcoach.grading import Grade, Grader

EDITOR_MARKER = "# ------ Write your answer above this line; everything below is ignored. ------"
BATCH_CHUNK = 32

_GRADER_HELP = "Grading backend: auto, semantic or lexical (default: the grader setting)."


def _grader(choice: str | None) -> Grader:
    if choice is None:
        return ctx.grader
    from mlcoach.grading import embedding_cache_dir, load_grader

    return load_grader(choice, cache_dir=embedding_cache_dir(ctx.settings.data_dir))


def _prefetch_grader(choice: str | None) -> None:
    # Errors surface from the real call below, with their message, on the main thread.
    with contextlib.suppress(Exception):
        _grader(choice)


def _read_answer(question: Question, text: str | None, file: Path | None) -> tuple[str, str]:
    """The answer and where it came from: --text, --file, piped stdin, or $EDITOR."""
    if text is not None and file is not None:
        raise MlcoachError("give the answer with --text or --file, not both")
    if text is not None:
        return text, "text"
    if file is not None:
        if str(file) == "-":
            return sys.stdin.read(), "stdin"
        try:
            return file.read_text(encoding="utf-8"), "file"
        except FileNotFoundError:
            raise MlcoachError(f"{file}: no such file") from None
        except IsADirectoryError:
            raise MlcoachError(f"{file} is a folder; give the file with your answer") from None
        except UnicodeDecodeError:
            raise MlcoachError(f"{file} is not UTF-8 text") from None
        except OSError as exc:
            raise MlcoachError(f"cannot read {file}: {exc.strerror}") from None
    if not sys.stdin.isatty():
        piped = sys.stdin.read()
        if not piped:
            # Nothing piped and no terminal to open an editor in (a script, cron, CI).
            raise MlcoachError(
                "no answer given: use --text, --file or a pipe, or run in a terminal for $EDITOR"
            )
        return piped, "stdin"
    import click

    template = f"\n\n{EDITOR_MARKER}\n# {question.id}\n" + "\n".join(
        f"# {line}" for line in question.prompt.splitlines()
    )
    try:
        edited = click.edit(template, extension=".md", require_save=True)
    except click.UsageError as exc:
        raise MlcoachError(f"cannot open an editor ({exc}); use --text, --file or a pipe") from None
    answer = (edited or "").split(EDITOR_MARKER, 1)[0]
    if not answer.strip():
        raise MlcoachError("no answer written, so nothing was graded or saved")
    return answer, "editor"


def answer(
    question_id: str = typer.Argument(
        ..., help="The question's id (see `mlcoach questions list`)."
    ),
    text: str | None = typer.Option(None, "--text", "-t", help="The answer itself."),
    file: Path | None = typer.Option(
        None, "--file", "-f", help="A file with the answer ('-' for stdin)."
    ),
    grader: str | None = typer.Option(None, "--grader", help=_GRADER_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the grade as JSON for scripts."),
) -> None:
    """Answer a concept question and get it graded: the points you made and missed, and why.

    The answer comes from --text, --file, a pipe, or your $EDITOR. Every attempt is saved.
    """
    started = time.perf_counter()
    # Load the model while the answer is being typed in the editor (or the curriculum is read).
    prefetch = threading.Thread(target=_prefetch_grader, args=(grader,), daemon=True)
    prefetch.start()
    question = ctx.catalog.question(question_id)
    answer_text, source = _read_answer(question, text, file)
    refuse_empty_answer(answer_text)
    prefetch.join()
    grade = _grader(grader).grade(question, answer_text)
    elapsed = time.perf_counter() - started

    from mlcoach.store import record_attempt

    with ctx.database.session() as session:
        attempt = record_attempt(
            session,
            ctx.user,
            question.id,
            answer_text,
            score=grade.score,
            grade=grade.as_dict(),
            source="cli",
        )
        attempt_id = attempt.id
    if as_json:
        print_json({"attempt_id": attempt_id, "answer_source": source, **grade.as_dict()})
        return
    _show(question, grade, elapsed)


def _show(question: Question, grade: Grade, elapsed: float) -> None:
    from rich.markdown import Markdown
    from rich.markup import escape
    from rich.panel import Panel

    colour = "green" if grade.score >= 4 else "yellow" if grade.score >= 2.5 else "red"
    console.print(
        Panel(escape(question.prompt), title=f"[bold]{question.id}[/]", border_style="cyan")
    )
    made = len(grade.made)
    console.print(
        f"[bold {colour}]Score {grade.score:.1f} / {grade.max_score:.0f}[/]  "
        f"· {made} of {len(grade.points)} key points made"
    )
    for note in grade.notes:
        console.print(f"[yellow]![/] {escape(note)}")
    console.print()
    for point in grade.points:
        if point.made:
            console.print(f"[green]✓ {escape(point.key_point)}[/]")
            if point.evidence:
                console.print(f"    [dim]you wrote:[/] “{escape(point.evidence)}”")
        elif point.contradicted:
            console.print(f"[red]✗ {escape(point.key_point)}[/]")
            console.print(f"    [red]you wrote the opposite:[/] “{escape(point.evidence or '')}”")
        else:
            console.print(f"[red]✗ {escape(point.key_point)}[/]")
    if grade.misconceptions:
        console.print()
        console.print("[bold yellow]Misconceptions in your answer[/]")
        for found in grade.misconceptions:
            console.print(f"[yellow]⚠ {escape(found.misconception)}[/]")
            console.print(f"    [dim]you wrote:[/] “{escape(found.evidence)}”")
    console.print()
    console.print(f"[bold]Advice:[/] {escape(grade.advice)}")
    console.print()
    console.print(Panel(Markdown(grade.model_answer), title="Model answer", border_style="green"))
    footer = f"graded by the {grade.backend} grader in {elapsed * 1000:.0f} ms; attempt saved"
    console.print(footer, style="dim")
    if grade.backend_note:
        console.print(escape(grade.backend_note), style="yellow")


def grade(
    batch: Path = typer.Option(
        ...,
        "--batch",
        "-b",
        help='A JSON Lines file: one {"question_id": ..., "answer": ...} object per line.',
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Where to write the grades as JSON Lines (default: stdout)."
    ),
    grader: str | None = typer.Option(None, "--grader", help=_GRADER_HELP),
) -> None:
    """Grade many answers from a JSON Lines file and write one grade per line.

    Bad lines are reported with their line number and skipped; the exit code is 1 if any were
    skipped, 2 if none could be graded. Batch grades are not saved as attempts.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from mlcoach.grading.batch import parse_batch

    try:
        lines = batch.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise MlcoachError(f"{batch}: no such file") from None
    except IsADirectoryError:
        raise MlcoachError(f"{batch} is a folder; give a .jsonl file") from None
    except UnicodeDecodeError:
        raise MlcoachError(f"{batch} is not UTF-8 text") from None
    items, problems = parse_batch(lines, ctx.catalog)
    for problem in problems:
        err_console.print(f"[yellow]skipped[/] {batch}:{problem}", soft_wrap=True, markup=True)
    if not items:
        if problems:
            raise MlcoachError(f"none of the {len(problems)} line(s) in {batch} could be graded")
        raise MlcoachError(f"{batch} has no answers to grade")

    engine = _grader(grader)
    out = sys.stdout if output is None or str(output) == "-" else None
    handle = out or _open_output(output)
    try:
        with Progress(
            TextColumn("grading"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        ) as progress:
            task = progress.add_task("grading", total=len(items))
            for start in range(0, len(items), BATCH_CHUNK):
                chunk = items[start : start + BATCH_CHUNK]
                grades = engine.grade_many([(item.question, item.answer) for item in chunk])
                for item, result in zip(chunk, grades, strict=True):
                    record: dict[str, Any] = {"line": item.line}
                    if item.item_id is not None:
                        record["id"] = item.item_id
                    record.update(result.as_dict())
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                progress.advance(task, len(chunk))
    finally:
        if out is None:
            handle.close()
    where = "stdout" if out is not None else str(output)
    summary = f"graded {len(items)} answer(s) to {where}"
    if problems:
        summary += f"; skipped {len(problems)} bad line(s)"
    err_console.print(summary, style="dim")
    if problems:
        raise typer.Exit(1)


def _open_output(path: Path | None) -> Any:
    assert path is not None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("w", encoding="utf-8")
    except IsADirectoryError:
        raise MlcoachError(f"{path} is a folder; give a file name for the grades") from None
    except OSError as exc:
        raise MlcoachError(f"cannot write {path}: {exc.strerror}") from None
