"""`mlcoach mock`: timed mock interviews in the terminal or from a YAML script."""

from __future__ import annotations

import os
import select
import shlex
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.live import Live
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mlcoach.catalog import ROLES
from mlcoach.cli.context import ctx
from mlcoach.cli.output import console, err_console, print_json
from mlcoach.errors import EmptyAnswerError, MlcoachError

if TYPE_CHECKING:
    from mlcoach.interview import MockInterview, Prompt, RoundState, Scorecard

from mlcoach.cli.interview.common import (
    NEXT,
    QUIT,
    SKIP,
    _ask_text,
    _check_choice,
    _clock,
    _interactive,
    _load_yaml,
    _score,
)

mock_app = typer.Typer(
    help="Timed mock interviews that end with a scorecard.", invoke_without_command=True
)

STATUS_STYLE = {"done": "green", "timed-out": "yellow", "skipped": "dim", "pending": "dim"}

# --- mock ---------------------------------------------------------------------------------------


@mock_app.callback()
def mock(
    context: typer.Context,
    role: str | None = typer.Option(None, "--role", "-r", help=f"The role: {', '.join(ROLES)}."),
    minutes: int = typer.Option(45, "--minutes", "-m", help="Length of the whole interview."),
    project: Path | None = typer.Option(
        None, "--project", "-p", help="Your project's README or description, for the deep-dive."
    ),
    rounds: str | None = typer.Option(
        None,
        "--rounds",
        help="Only these rounds, comma-separated: fact-finding, deep-dive, concepts, coding, design.",
    ),
    answers: Path | None = typer.Option(
        None, "--answers", help="Take the answers from this YAML file instead of the keyboard."
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue your unfinished mock interview."),
    session_id: int | None = typer.Option(None, "--id", help="With --resume: which session."),
    transcript: Path | None = typer.Option(
        None, "--transcript", "-o", help="Where to write the Markdown transcript."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Choose the questions reproducibly."),
    as_json: bool = typer.Option(False, "--json", help="Print the scorecard as JSON."),
) -> None:
    """Run a timed mock interview that ends with a scorecard.

    Rounds: fact finding, project deep-dive, ML concepts, a judged coding problem and a design
    scenario. Each round has its own countdown; when it reaches zero the round ends and keeps what was
    answered. Every answer is saved at once: after Ctrl-C, `mlcoach mock --resume` continues.
    While answering, type :skip to pass, :next to end the round, :quit to pause.

    --answers FILE.yaml runs without a keyboard: keys fact-finding, deep-dive, concepts, coding
    and design (plus project), each a list of answers in order or a mapping from question id to
    answer; a coding answer may be {file: solution.py}; ":skip" passes a question.
    """
    if context.invoked_subcommand is not None:
        return
    _check_choice(role, ROLES, "role")
    from mlcoach.interview import MockInterview, MockServices
    from mlcoach.interview.matching import read_text_file

    script: dict[str, Any] | None = None
    queues: Queues | None = None
    if answers is not None:
        script = _read_script(answers)
        queues = _script_queues(script, answers.parent)
    services = MockServices(settings=ctx.settings)
    if resume or session_id is not None:
        interview = MockInterview.resume(
            ctx.database, ctx.catalog, ctx.user.id, session_id, services=services
        )
        if not as_json:
            console.print(
                f"Resuming mock interview {interview.id} ({interview.role}).", style="bold"
            )
    else:
        if role is None:
            raise MlcoachError(f"choose a role with --role ({', '.join(ROLES)})")
        project_text = None
        if project is not None:
            project_text = read_text_file(project, "project file")
        elif script and isinstance(script.get("project"), str):
            project_text = script["project"]
        interview = MockInterview.start(
            ctx.database,
            ctx.catalog,
            ctx.user.id,
            role=role,
            minutes=minutes,
            project=project_text,
            rounds=[r.strip() for r in rounds.split(",") if r.strip()] if rounds else None,
            seed=seed,
            services=services,
        )
    if not as_json:
        _show_plan(interview)
    try:
        if queues is not None:
            _run_script(interview, queues, quiet=as_json)
        else:
            _run_terminal(interview)
    except KeyboardInterrupt:
        interview.pause()
        err_console.print(
            f"\npaused: every answer is saved. Continue with `mlcoach mock --resume` "
            f"(session {interview.id}).",
            style="yellow",
        )
        raise typer.Exit(130) from None
    except _Paused:
        interview.pause()
        console.print(
            f"Paused: every answer is saved. Continue with `mlcoach mock --resume` "
            f"(session {interview.id}).",
            style="yellow",
        )
        return
    card = interview.finish()
    path = _write_transcript(interview, transcript)
    if as_json:
        print_json({**card.as_dict(), "transcript": str(path)})
        return
    _show_scorecard(card)
    console.print(f"Transcript: {path}", style="bold")


class _Paused(Exception):
    pass


def _show_plan(interview: MockInterview) -> None:
    table = Table(title=f"Mock interview {interview.id}: {interview.role}", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("round")
    table.add_column("time", justify="right")
    table.add_column("prompts", justify="right")
    table.add_column("status")
    for r in interview.rounds():
        status = r.status if r.status != "skipped" else f"skipped: {r.details.get('note', '')}"
        table.add_row(str(r.position), r.title, _clock(r.budget_seconds), str(r.planned), status)
    console.print(table)


def _write_transcript(interview: MockInterview, target: Path | None) -> Path:
    text = interview.transcript() or ""
    path = target or ctx.settings.data_dir / "transcripts" / f"mock-{interview.id}.md"
    path = path.expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise MlcoachError(f"cannot write the transcript to {path}: {exc.strerror}") from None
    return path


# --- scripted answers ---------------------------------------------------------------------------

SCRIPT_KEYS = ("project", "fact-finding", "deep-dive", "concepts", "coding", "design")


def _read_script(path: Path) -> dict[str, Any]:
    data = _load_yaml(path, "answers file")
    if not isinstance(data, dict):
        raise MlcoachError(
            f"answers file {path} must be a mapping with keys: {', '.join(SCRIPT_KEYS)}"
        )
    unknown = [k for k in data if k not in SCRIPT_KEYS]
    if unknown:
        raise MlcoachError(
            f"answers file {path}: unknown key {unknown[0]!r} (use: {', '.join(SCRIPT_KEYS)})"
        )
    return data


Queues = dict[str, tuple[deque[str], dict[str, str]]]


def _script_queues(script: dict[str, Any], base: Path) -> Queues:
    """Each round's scripted answers, read and checked before the interview starts."""
    return {k: _script_queue(script.get(k), k, base) for k in SCRIPT_KEYS if k != "project"}


def _script_queue(value: Any, kind: str, base: Path) -> tuple[deque[str], dict[str, str]]:
    """The answers for one round: in order (a list or a single answer) or by prompt id (a mapping)."""
    if value is None:
        return deque(), {}
    if isinstance(value, dict) and not ({"file", "code"} & set(value)):
        return deque(), {str(k): _script_item(v, kind, base, str(k)) for k, v in value.items()}
    items = value if isinstance(value, list) else [value]
    return deque(_script_item(v, kind, base, f"#{i}") for i, v in enumerate(items, 1)), {}


def _script_item(value: Any, kind: str, base: Path, where: str) -> str:
    from mlcoach.interview.matching import read_text_file

    text: str | None = None
    if isinstance(value, dict):
        if "file" in value:
            text = read_text_file(base / str(value["file"]), f"{kind} answer file")
        elif "code" in value:
            text = str(value["code"])
    elif isinstance(value, str | int | float):
        text = str(value)
    if text is None:
        raise MlcoachError(f"answers file: a {kind} answer must be text or {{file: PATH}}")
    if not text.strip():
        # Refused here rather than mid-interview, where a script cannot type another answer.
        raise MlcoachError(
            f"answers file: {kind} answer {where}: {EmptyAnswerError()} ('{SKIP}' to skip)"
        )
    return text


def _run_script(interview: MockInterview, queues: Queues, *, quiet: bool) -> None:
    while (state := interview.current_round()) is not None:
        prompt = state.open_prompt()
        assert prompt is not None
        ordered, by_id = queues[state.kind]
        value: str | None
        key = next((k for k in (prompt.id, prompt.ref) if k is not None and k in by_id), None)
        if key is not None:
            value = by_id.pop(key)
        elif ordered:
            value = ordered.popleft()
        else:
            value = None
        if value is None:
            interview.advance()  # nothing more scripted for this round: it ends with what it has
            continue
        interview.begin_round()
        if value.strip() == SKIP:
            interview.skip()
            continue
        outcome = interview.answer(value)
        if not quiet:
            _show_outcome(state, prompt, outcome, brief=True)
        if outcome.retry and not ordered:
            interview.skip()  # a failed submission with no further one scripted: move on


# --- the terminal loop --------------------------------------------------------------------------


def _run_terminal(interview: MockInterview) -> None:
    if not _interactive():
        raise MlcoachError(
            "the mock interview needs a terminal; to run it from a script, give the answers "
            "with --answers FILE.yaml"
        )
    total = len(interview.rounds())
    while True:
        if interview.expire_if_due():
            console.print("[bold yellow]Time is up for this round.[/] Moving on.")
        state = interview.current_round()
        if state is None:
            return
        if state.status == "pending":
            choice = _round_intro(state, total)
            if choice == "s":
                interview.advance()
                continue
            if choice == "q":
                raise _Paused
        state = interview.begin_round()
        assert state is not None
        prompt = state.open_prompt()
        assert prompt is not None
        deadline = _deadline(interview)
        if prompt.kind == "coding":
            _coding_turn(interview, state, prompt, deadline)
        else:
            _text_turn(interview, state, prompt, deadline)


def _deadline(interview: MockInterview) -> Callable[[], float]:
    """Seconds left in the current round, computed locally so the countdown needs no database."""
    left = interview.time_left() or 0.0
    end = time.monotonic() + left
    return lambda: end - time.monotonic()


def _round_intro(state: RoundState, total: int) -> str:
    body = Text.assemble(
        (f"{state.title}", "bold"),
        f"\n{state.planned} prompt(s), {_clock(state.budget_seconds)} on the clock.\n",
        ("Enter: start the clock · s: skip this round · q: pause", "dim"),
    )
    console.print()
    console.print(Panel(body, title=f"Round {state.position} of {total}", border_style="cyan"))
    try:
        line = input("> ").strip().lower()
    except EOFError:
        return "q"
    return line[:1]


def _prompt_panel(state: RoundState, prompt: Prompt) -> None:
    number = f"{prompt.index + 1} of {state.planned}"
    body: Any = prompt.text
    if prompt.kind == "design":
        extra = prompt.detail.get("context", "")
        body = Markdown(f"{prompt.text}\n\n*{extra}*" if extra else prompt.text)
    console.print()
    console.print(
        Panel(body, title=f"{state.title} · {number}", subtitle=prompt.id, subtitle_align="left")
    )


def _text_turn(
    interview: MockInterview, state: RoundState, prompt: Prompt, deadline: Callable[[], float]
) -> None:
    _prompt_panel(state, prompt)
    text, timed_out = _ask_text(deadline)
    if text is None:
        raise _Paused
    command = text.strip().lower()
    if command == QUIT:
        raise _Paused
    if command == SKIP:
        interview.skip()
        return
    if command == NEXT:
        interview.advance()
        return
    if not text.strip():
        if timed_out:
            interview.expire_if_due()
        else:
            console.print(str(EmptyAnswerError()), style="yellow", markup=False)
        return
    with console.status("grading…"):
        outcome = interview.answer(text)
    _show_outcome(state, prompt, outcome, brief=False)


def _coding_turn(
    interview: MockInterview, state: RoundState, prompt: Prompt, deadline: Callable[[], float]
) -> None:
    folder = ctx.settings.data_dir / "mock" / str(interview.id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{prompt.id}.py"
    if not path.exists():
        path.write_text(prompt.detail.get("starter_code") or "", encoding="utf-8")
    console.print()
    statement = f"## {prompt.text}\n\n{prompt.detail.get('statement', '')}"
    console.print(Panel(Markdown(statement), title=f"{state.title} · {prompt.id}"))
    console.print(f"Write your solution in [bold]{path}[/]")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    keys = (
        "Enter: submit · e: open $EDITOR · s: skip · q: pause"
        if editor
        else ("Enter: submit · s: skip · q: pause (set $EDITOR to edit from here)")
    )
    while True:
        choice = _wait_key(deadline, keys)
        if choice == "timeout":
            console.print("[bold yellow]Time is up[/]: submitting the file as it is.")
            choice = ""
        if choice == "q":
            raise _Paused
        if choice == "s":
            interview.skip()
            return
        if choice == "e" and editor:
            subprocess.run([*shlex.split(editor), str(path)], check=False)
            continue
        if choice:
            console.print(f"Not a choice: {keys}", style="yellow")
            continue
        code = path.read_text(encoding="utf-8") if path.exists() else ""
        with console.status("judging…"):
            outcome = interview.answer(code)
        _show_outcome(state, prompt, outcome, brief=False)
        if not outcome.retry:
            return


def _wait_key(deadline: Callable[[], float], keys: str) -> str:
    """Wait for a line on stdin under a Rich live countdown; "timeout" when the round ends."""

    def render() -> Text:
        left = deadline()
        style = "bold red" if left < 60 else "bold"
        return Text.assemble(("⏱ ", style), (_clock(left), style), f" left · {keys}")

    with Live(render(), console=console, refresh_per_second=4, transient=True) as live:
        while True:
            if deadline() <= 0:
                return "timeout"
            ready, _, _ = select.select([sys.stdin], [], [], 0.25)
            if ready:
                line = sys.stdin.readline()
                return line.strip().lower()[:1] if line else "q"
            live.update(render())


def _show_outcome(state: RoundState, prompt: Prompt, outcome: Any, *, brief: bool) -> None:
    if not outcome.recorded:
        console.print(f"[yellow]{outcome.message}[/]")
        return
    result = outcome.result or {}
    label = escape(f"[{state.kind}] {prompt.id}")
    if prompt.kind == "coding":
        verdict = result.get("verdict", "not judged")
        passed = f" ({result['passed']}/{result['total']} tests)" if "passed" in result else ""
        style = "green" if result.get("accepted") else "red"
        console.print(f"{label}: [{style}]{verdict}[/]{passed}")
        if not brief and result.get("message"):
            console.print(result["message"], style="dim")
        if outcome.retry:
            console.print("Fix the file and submit again, or s to move on.", style="dim")
        return
    made = sum(1 for p in result.get("points", []) if p.get("made"))
    total = len(result.get("points", []))
    points = f", {made}/{total} key points" if total else ""
    console.print(f"{label}: [bold]{_score(outcome.score)}[/]{points}")
    if not brief and outcome.message:
        console.print(outcome.message, style="dim")
    if outcome.timed_out:
        console.print("Time is up for this round.", style="yellow")


def _show_scorecard(card: Scorecard) -> None:
    console.print()
    table = Table(
        title=f"Scorecard: {_score(card.overall)} overall", title_justify="left", show_lines=False
    )
    table.add_column("round")
    table.add_column("score", justify="right")
    table.add_column("answered", justify="right")
    table.add_column("time", justify="right")
    table.add_column("note", style="dim")
    for r in card.rounds:
        table.add_row(
            r.title,
            "n/a" if r.score is None else f"{r.score:.1f}",
            f"{r.answered}/{r.planned}",
            f"{_clock(r.used_seconds)}/{_clock(r.budget_seconds)}",
            r.note or "",
            style=STATUS_STYLE.get(r.status, ""),
        )
    console.print(table)
    console.print("[bold]Strengths[/]")
    for s in card.strengths:
        console.print(f"  [green]✓[/] {s}")
    console.print("[bold]Three areas to improve[/]")
    for i, area in enumerate(card.areas, 1):
        score = "" if area.score is None else f" ({area.score:.1f}/5)"
        console.print(f"  {i}. [bold]{area.title}[/]{score}")
        for reason in area.reasons:
            console.print(f"     {reason}", style="dim")
        for missed in area.missed[:2]:
            console.print(f"     missed: {missed}", style="yellow")
        if area.drills:
            mark = " (queued)" if area.queued else ""
            console.print(f"     drills{mark}: {', '.join(area.drills)}")
    if card.queue_note:
        console.print(card.queue_note, style="dim")


@mock_app.command("list")
def mock_list(
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Your mock interviews, newest first."""
    from sqlalchemy import select

    from mlcoach.store.models import MockSession

    with ctx.database.session() as s:
        rows = list(
            s.scalars(
                select(MockSession)
                .where(MockSession.user_id == ctx.user.id)
                .order_by(MockSession.started_at.desc(), MockSession.id.desc())
            )
        )
        data = [
            {
                "id": r.id,
                "started_at": r.started_at.isoformat(),
                "role": r.role,
                "minutes": r.minutes,
                "status": r.status,
                "overall": (r.scorecard or {}).get("overall"),
            }
            for r in rows
        ]
    if as_json:
        print_json(data)
        return
    if not data:
        console.print("no mock interviews yet: `mlcoach mock --role engineering`")
        return
    table = Table(title="Mock interviews", title_justify="left")
    for col in ("id", "started", "role", "minutes", "status", "overall"):
        table.add_column(col)
    for d in data:
        started = datetime.fromisoformat(d["started_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
        table.add_row(
            str(d["id"]), started, d["role"], str(d["minutes"]), d["status"], _score(d["overall"])
        )
    console.print(table)


@mock_app.command("show")
def mock_show(
    session_id: int = typer.Argument(..., help="The session's id (see `mlcoach mock list`)."),
    transcript: bool = typer.Option(False, "--transcript", "-t", help="Print the transcript."),
    export: Path | None = typer.Option(None, "--export", help="Write the transcript to a file."),
    as_json: bool = typer.Option(False, "--json", help="Print the scorecard as JSON."),
) -> None:
    """A finished mock interview's scorecard, or its transcript."""
    from mlcoach.interview import MockInterview

    interview = MockInterview(ctx.database, ctx.catalog, session_id)
    if interview.user_id != ctx.user.id:
        raise MlcoachError(f"no mock interview with id {session_id}")
    card = interview.scorecard()
    if card is None:
        raise MlcoachError(
            f"mock interview {session_id} is not finished; continue it with "
            f"`mlcoach mock --resume --id {session_id}`"
        )
    if export is not None:
        path = _write_transcript(interview, export)
        console.print(f"Transcript written to {path}")
        return
    if as_json:
        print_json(card.as_dict())
    elif transcript:
        console.print(Markdown(interview.transcript() or ""))
    else:
        _show_scorecard(card)
