"""`mlcoach problems list|show|import` and `mlcoach solve`."""

from __future__ import annotations

import filecmp
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import typer
from rich.markdown import Markdown
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from mlcoach.catalog import (
    DIFFICULTIES,
    PROBLEM_KINDS,
    Problem,
    build_catalog,
    shipped_content_dir,
)
from mlcoach.catalog.loader import content_files, read_file
from mlcoach.cli.context import ctx
from mlcoach.cli.output import console, err_console, print_json
from mlcoach.errors import ContentError, MlcoachError, NotFoundError
from mlcoach.judge.verdicts import ADVICE, JudgeResult, Verdict

problems_app = typer.Typer(help="Coding problems, judged in a sandbox.", no_args_is_help=True)

VERDICT_STYLE = {
    Verdict.ACCEPTED: "bold green",
    Verdict.WRONG_ANSWER: "bold red",
    Verdict.TIME_LIMIT: "bold yellow",
    Verdict.MEMORY_LIMIT: "bold yellow",
    Verdict.RUNTIME_ERROR: "bold magenta",
    Verdict.COMPILE_ERROR: "bold magenta",
    Verdict.OUTPUT_LIMIT: "bold yellow",
    Verdict.SKIPPED: "dim",
    Verdict.JUDGE_ERROR: "bold red reverse",
}
STATUS_MARK = {"solved": "[green]✓[/]", "tried": "[yellow]✗[/]"}


def _check_choice(value: str | None, choices: tuple[str, ...], what: str) -> None:
    if value is not None and value not in choices:
        raise MlcoachError(f"unknown {what} {value!r}; choose one of: {', '.join(choices)}")


def _statuses() -> dict[str, str]:
    from mlcoach.store.submissions import problem_status

    with ctx.database.session() as session:
        return problem_status(session, ctx.user)


@problems_app.command("list")
def problems_list(
    kind: str | None = typer.Option(
        None, "--kind", "-k", help=f"Only this kind: {', '.join(PROBLEM_KINDS)}."
    ),
    difficulty: str | None = typer.Option(
        None, "--difficulty", "-d", help=f"Only this level: {', '.join(DIFFICULTIES)}."
    ),
    topic: str | None = typer.Option(
        None, "--topic", "-t", help="Only this topic (see `mlcoach topics`)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """List coding problems, with ✓ for those you have solved and ✗ for those you tried."""
    _check_choice(kind, PROBLEM_KINDS, "kind")
    _check_choice(difficulty, DIFFICULTIES, "difficulty")
    catalog = ctx.catalog
    if (
        topic is not None
        and topic not in catalog.topics
        and not any(p.topic == topic for p in catalog.problems.values())
    ):
        catalog.topic(topic)  # raises with a "did you mean"
    found = catalog.find_problems(kind=kind, difficulty=difficulty, topic=topic)
    status = _statuses()
    if as_json:
        print_json(
            [
                {
                    "id": p.id,
                    "title": p.title,
                    "kind": p.kind,
                    "topic": p.topic,
                    "difficulty": p.difficulty,
                    "status": status.get(p.id, "new"),
                }
                for p in found
            ]
        )
        return
    if not found:
        console.print("no problems match these filters")
        return
    table = Table(title=f"{len(found)} problem(s)", title_justify="left")
    table.add_column("", width=1)
    table.add_column("id", style="bold cyan", no_wrap=True)
    table.add_column("title")
    table.add_column("kind")
    table.add_column("topic")
    table.add_column("level")
    for p in found:
        table.add_row(
            STATUS_MARK.get(status.get(p.id, ""), ""), p.id, p.title, p.kind, p.topic, p.difficulty
        )
    console.print(table)
    solved = sum(1 for p in found if status.get(p.id) == "solved")
    console.print(
        f"solved {solved} of {len(found)}; open one with `mlcoach problems show ID`", style="dim"
    )


def _signature(problem: Problem) -> str | None:
    for line in problem.starter_code.splitlines():
        if problem.function and line.lstrip().startswith(f"def {problem.function}("):
            return line.strip().rstrip(":")
    return f"def {problem.function}(...)" if problem.function else None


def _examples(problem: Problem) -> list[dict[str, Any]]:
    from mlcoach.judge.engine import render_input

    examples = []
    for index, test in enumerate(problem.tests, start=1):
        if test.hidden:
            continue
        examples.append(
            {
                "test": index,
                "name": test.name,
                "kind": test.kind,
                "input": render_input(problem, test),
                "expected": test.expected if test.kind == "call" else str(test.expected),
            }
        )
    return examples


@problems_app.command("show")
def problems_show(
    problem_id: str = typer.Argument(..., help="The problem's id (see `mlcoach problems list`)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Show a problem: its statement, the function to write, starter code and the visible examples."""
    problem = ctx.catalog.problem(problem_id)
    examples = _examples(problem)
    hidden = sum(1 for t in problem.tests if t.hidden)
    if as_json:
        print_json(
            {
                "id": problem.id,
                "title": problem.title,
                "kind": problem.kind,
                "topic": problem.topic,
                "difficulty": problem.difficulty,
                "roles": list(problem.roles),
                "statement": problem.statement,
                "function": problem.function,
                "signature": _signature(problem),
                "starter_code": problem.starter_code,
                "limits": problem.limits.model_dump(),
                "checker": problem.checker.kind,
                "numpy_inputs": problem.numpy_inputs,
                "examples": examples,
                "hidden_tests": hidden,
            }
        )
        return
    meta = f"{problem.kind} · {problem.topic} · {problem.difficulty} · {', '.join(problem.roles)}"
    console.print(
        Panel(
            Markdown(problem.statement),
            title=f"[bold]{problem.id}[/]: {problem.title}",
            subtitle=meta,
            subtitle_align="left",
        )
    )
    signature = _signature(problem)
    if signature:
        console.print(f"[bold]Write:[/] {signature}")
    if problem.starter_code.strip():
        console.print(
            Panel(
                Syntax(problem.starter_code.rstrip(), "python", theme="ansi_dark", word_wrap=True),
                title="Starter code",
                border_style="cyan",
            )
        )
    if examples:
        console.print("[bold]Examples[/]")
        for example in examples:
            if example["kind"] == "script":
                console.print(
                    Syntax(example["input"].rstrip(), "python", theme="ansi_dark", word_wrap=True)
                )
                console.print(
                    Panel(
                        Text(example["expected"].rstrip() or "(nothing)"),
                        title="prints",
                        border_style="dim",
                    )
                )
            else:
                console.print(Text(f"  {example['input']}  →  {example['expected']!r}"))
    limits = problem.limits
    console.print(
        f"{len(problem.tests)} tests ({hidden} hidden) · {limits.time_ms} ms · {limits.memory_mb} MB · checker: {problem.checker.kind}",
        style="dim",
    )
    console.print(
        f"Solve it: write your code in a file, then `mlcoach solve {problem.id} --file solution.py`",
        style="dim",
    )


@problems_app.command("import")
def problems_import(
    path: Path = typer.Argument(..., help="A YAML file of problems, or a folder of them."),
    force: bool = typer.Option(
        False, "--force", help="Replace files of the same name already in your deck."
    ),
    verify: bool = typer.Option(
        True, "--verify/--no-verify", help="Judge each reference and wrong solution first."
    ),
) -> None:
    """Validate problem files and copy them into your deck folder, ready for `mlcoach solve`."""
    if not path.exists():
        raise NotFoundError(f"{path}: no such file or folder")
    files = content_files(path)
    if not files:
        raise ContentError(f"{path}: no .yaml files to import")
    issues: list[str] = []
    imported: list[Problem] = []
    for file in files:
        items, file_issues = read_file(file)
        issues += [str(i) for i in file_issues]
        for entry in items:
            if entry.kind != "problems":
                issues.append(
                    f"{entry.origin}: {entry.kind}: only problems can be imported here (use your deck folder for {entry.kind})"
                )
            else:
                assert isinstance(entry.item, Problem)
                imported.append(entry.item)
    target = ctx.settings.deck_dir / "problems"
    replaced = {target / f.name for f in files}
    deck_files = (
        [f for f in content_files(ctx.settings.deck_dir) if f not in replaced]
        if ctx.settings.deck_dir.exists()
        else []
    )
    report = build_catalog([shipped_content_dir(), *deck_files, *files])
    imported_files = {f.resolve() for f in files}
    issues += [str(i) for i in report.issues if i.path.resolve() in imported_files]
    if not issues and verify:
        issues += _verify(imported, report.catalog.origins)
    if issues:
        for issue in issues:
            err_console.print(f"[red]✗[/] {issue}", soft_wrap=True, highlight=False)
        raise ContentError(f"{len(issues)} problem(s) found in {path}; nothing was imported")
    target.mkdir(parents=True, exist_ok=True)
    for file in files:
        dest = target / file.name
        if dest.exists() and not filecmp.cmp(file, dest, shallow=False) and not force:
            raise MlcoachError(
                f"{dest} already exists with other content; use --force to replace it"
            )
    for file in files:
        shutil.copyfile(file, target / file.name)
    ids = ", ".join(p.id for p in imported)
    console.print(
        f"[green]✓[/] imported {len(imported)} problem(s) from {len(files)} file(s) into {target}: {ids}"
    )


def _verify(problems: list[Problem], origins: Any) -> list[str]:
    """Every reference solution must be accepted, and no wrong solution may be."""
    from mlcoach.judge import judge_submission

    found = []
    for problem in problems:
        where = origins.get(("problems", problem.id), problem.id)
        result = judge_submission(problem, problem.reference_solution, stop_at_first_failure=True)
        if not result.accepted:
            found.append(
                f"{where}: problems[{problem.id}].reference_solution: {result.verdict.value}: {result.message}"
            )
        for index, wrong in enumerate(problem.wrong_solutions):
            if judge_submission(problem, wrong).accepted:
                found.append(
                    f"{where}: problems[{problem.id}].wrong_solutions[{index}]: is Accepted; the tests do not catch it"
                )
    return found


def _kb(value: int | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1024:.1f} MB" if value >= 1024 else f"{value} KB"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def print_result(result: JudgeResult) -> None:
    style = VERDICT_STYLE[result.verdict]
    headline = Text.assemble(
        (result.verdict.value, style), f"  {result.passed}/{result.total} tests passed"
    )
    console.print(
        Panel(
            headline,
            title=f"[bold]{result.problem_id}[/]",
            border_style=style.replace("bold ", "").split()[0],
        )
    )
    if result.verdict is Verdict.COMPILE_ERROR:
        console.print(
            Panel(Text(result.message or ""), title="Compile error", border_style="magenta")
        )
    else:
        table = Table(title_justify="left", show_edge=False)
        table.add_column("#", justify="right")
        table.add_column("test")
        table.add_column("verdict")
        table.add_column("time", justify="right")
        table.add_column("memory", justify="right")
        for test in result.tests:
            name = "(hidden)" if test.hidden else (test.name or "")
            table.add_row(
                str(test.index),
                name,
                Text(test.verdict.value, VERDICT_STYLE[test.verdict]),
                _ms(test.time_ms),
                _kb(test.memory_kb),
            )
        console.print(table)
    failure = result.first_failure
    if failure is not None:
        console.print(f"[bold]First failing visible test: #{failure.test}[/]")
        console.print(Text("input:    ") + Text(failure.input))
        console.print(Text("expected: ") + Text(failure.expected))
        if failure.actual is not None:
            console.print(Text("actual:   ") + Text(failure.actual))
        if failure.stdout and failure.actual != failure.stdout:
            console.print(Panel(Text(failure.stdout.rstrip()), title="printed", border_style="dim"))
    if result.message and result.verdict is not Verdict.COMPILE_ERROR:
        console.print(Panel(Text(result.message.rstrip()), title="Why", border_style="red"))
    console.print(ADVICE[result.verdict], style="dim")
    for note in result.notes:
        console.print(f"warning: {note}", style="yellow")
    if not result.notes:
        console.print(f"sandbox: {result.sandbox}", style="dim")


def solve(
    problem_id: str = typer.Argument(..., help="The problem's id (see `mlcoach problems list`)."),
    file: Path = typer.Option(..., "--file", "-f", help="The Python file with your solution."),
    examples_only: bool = typer.Option(
        False, "--examples", help="Run only the visible examples (not recorded)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Judge your solution to a problem against its tests; the submission is recorded."""
    problem = ctx.catalog.problem(problem_id)
    if not file.is_file():
        raise NotFoundError(f"{file}: no such file")
    try:
        code = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise MlcoachError(f"{file} is not UTF-8 text") from None
    except OSError as exc:
        raise MlcoachError(f"cannot read {file}: {exc.strerror}") from None
    from mlcoach.judge import judge_submission
    from mlcoach.store.submissions import record_submission

    result = judge_submission(problem, code, run_hidden=not examples_only)
    submission_id = None
    if not examples_only:
        with ctx.database.session() as session:
            submission = record_submission(
                session,
                ctx.user,
                problem.id,
                code,
                verdict=result.verdict.value,
                passed=result.passed,
                total=result.total,
                results=result.to_dict(),
                source="cli",
            )
            submission_id = submission.id
    if as_json:
        print_json({"submission": submission_id, **result.to_dict()})
    else:
        print_result(result)
        if submission_id is not None:
            tries = _tries(problem.id)
            console.print(
                f"submission #{submission_id} recorded ({tries} for this problem)", style="dim"
            )
    if not result.accepted:
        raise typer.Exit(1)


def _tries(problem_id: str) -> str:
    from mlcoach.store.submissions import list_submissions

    with ctx.database.session() as session:
        verdicts = Counter(
            s.verdict for s in list_submissions(session, ctx.user, problem_id=problem_id)
        )
    total = sum(verdicts.values())
    return f"{total} submission(s), {verdicts.get('Accepted', 0)} accepted"
