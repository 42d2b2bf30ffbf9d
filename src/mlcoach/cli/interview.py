"""`mlcoach mock`, `plan`, `jobspec`, `interviews`, `scenarios`, `design` and `deepdive`.

A thin terminal shell over `mlcoach.interview`: it reads answers (typed under a live countdown, or
from a YAML file), calls the session API, and renders what comes back.
"""

from __future__ import annotations

import asyncio
import os
import select
import shlex
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
import yaml
from rich.live import Live
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mlcoach.catalog import ROLES
from mlcoach.cli.context import ctx
from mlcoach.cli.output import console, err_console, print_json
from mlcoach.errors import MlcoachError

if TYPE_CHECKING:
    from mlcoach.interview import MockInterview, Prompt, RoundState, Scorecard
    from mlcoach.interview.plans import StoredPlan

mock_app = typer.Typer(
    help="Timed mock interviews that end with a scorecard.", invoke_without_command=True
)
interviews_app = typer.Typer(
    help="Track your real interviews, their checklists and thank-you notes.",
    no_args_is_help=True,
)
scenarios_app = typer.Typer(help="ML system-design scenarios.", no_args_is_help=True)

SKIP, NEXT, QUIT = ":skip", ":next", ":quit"
STATUS_STYLE = {"done": "green", "timed-out": "yellow", "skipped": "dim", "pending": "dim"}


def _check_choice(value: str | None, choices: tuple[str, ...], what: str) -> None:
    if value is not None and value not in choices:
        raise MlcoachError(f"unknown {what} {value!r}; choose one of: {', '.join(choices)}")


def _parse_date(value: str | None, what: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise MlcoachError(f"the {what} {value!r} is not a date in the form YYYY-MM-DD") from None


def _clock(seconds: float) -> str:
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}/5"


def _load_yaml(path: Path, what: str) -> Any:
    from mlcoach.interview.matching import read_text_file

    text = read_text_file(path, what)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise MlcoachError(f"{what} {path} is not valid YAML{where}") from None


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


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
    if answers is not None:
        script = _read_script(answers)
    services = MockServices()
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
        if script is not None:
            _run_script(interview, script, answers.parent if answers else Path.cwd(), quiet=as_json)
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


def _script_queue(value: Any, kind: str, base: Path) -> tuple[deque[Any], dict[str, Any]]:
    """The answers for one round: in order (a list or a single answer) or by prompt id (a mapping)."""
    if value is None:
        return deque(), {}
    if isinstance(value, dict) and not ({"file", "code"} & set(value)):
        return deque(), {str(k): v for k, v in value.items()}
    items = value if isinstance(value, list) else [value]
    return deque(_script_item(v, kind, base) for v in items), {}


def _script_item(value: Any, kind: str, base: Path) -> str:
    from mlcoach.interview.matching import read_text_file

    if isinstance(value, dict):
        if "file" in value:
            return read_text_file(base / str(value["file"]), f"{kind} answer file")
        if "code" in value:
            return str(value["code"])
    if isinstance(value, str | int | float):
        return str(value)
    raise MlcoachError(f"answers file: a {kind} answer must be text or {{file: PATH}}")


def _run_script(
    interview: MockInterview, script: dict[str, Any], base: Path, *, quiet: bool
) -> None:
    queues = {k: _script_queue(script.get(k), k, base) for k in SCRIPT_KEYS if k != "project"}
    while (state := interview.current_round()) is not None:
        prompt = state.open_prompt()
        assert prompt is not None
        ordered, by_id = queues[state.kind]
        value: str | None
        key = next((k for k in (prompt.id, prompt.ref) if k is not None and k in by_id), None)
        if key is not None:
            value = _script_item(by_id.pop(key), state.kind, base)
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
        return
    with console.status("grading…"):
        outcome = interview.answer(text)
    _show_outcome(state, prompt, outcome, brief=False)


def _ask_text(deadline: Callable[[], float]) -> tuple[str | None, bool]:
    """A multi-line answer under a live countdown; when it reaches zero, what was typed is sent."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.application.current import get_app
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @bindings.add("c-d")
    def _submit(event):  # type: ignore[no-untyped-def]
        event.current_buffer.validate_and_handle()

    timed_out = False

    def toolbar() -> str:
        return (
            f" ⏱ {_clock(deadline())} left in this round · Esc+Enter or Ctrl-D: submit · "
            f"{SKIP} · {NEXT} (end round) · {QUIT} (pause)"
        )

    def watch() -> None:
        app = get_app()

        async def countdown() -> None:
            nonlocal timed_out
            while deadline() > 0:
                await asyncio.sleep(0.25)
            timed_out = True
            app.exit(result=app.current_buffer.text)

        app.create_background_task(countdown())

    session: PromptSession[str] = PromptSession(key_bindings=bindings)
    try:
        text = session.prompt(
            "> ",
            multiline=True,
            prompt_continuation="  ",
            bottom_toolbar=toolbar,
            refresh_interval=0.5,
            pre_run=watch,
        )
    except EOFError:
        return None, False
    if timed_out:
        console.print("[bold yellow]Time is up[/]: your answer so far is kept.")
    return text, timed_out


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
    from mlcoach.interview.plans import active_plan, create_plan, refresh_statuses, replan

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


# --- jobspec ------------------------------------------------------------------------------------


def jobspec(
    posting: Path = typer.Argument(..., help="The job posting, as a text or Markdown file."),
    resume: Path | None = typer.Option(None, "--resume", help="Your résumé, as a text file."),
    ratings: Path | None = typer.Option(
        None, "--ratings", help="A YAML file rating your skills 1-5 (skill or topic: rating)."
    ),
    interview_date: str | None = typer.Option(
        None, "--interview-date", "-d", help="For the plan (default: three weeks from today)."
    ),
    hours_per_week: float = typer.Option(6.0, "--hours-per-week", "-w", help="For the plan."),
    save_plan: bool = typer.Option(
        False, "--save-plan", help="Store the tailored plan as your study plan."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Read a job posting into the skills it asks for, your gaps and the questions to expect.

    Your side comes from --resume, --ratings, or your practice so far; a study plan tailored to
    the gaps follows."""
    from mlcoach.interview import (
        compare,
        read_posting,
        skills_from_mastery,
        skills_from_ratings,
        skills_from_resume,
    )
    from mlcoach.interview.jobspec import CandidateSkills
    from mlcoach.interview.mastery import latest_scores, user_topic_standings
    from mlcoach.interview.matching import default_embedder, read_text_file
    from mlcoach.interview.plan import PlanRequest, build_plan, minutes_by_topic
    from mlcoach.store.models import utcnow

    embedder = default_embedder()
    profile = read_posting(read_text_file(posting, "job posting"), embedder=embedder)
    catalog, db, user = ctx.catalog, ctx.database, ctx.user
    with db.session() as s:
        history = latest_scores(s, user.id)
        standings = user_topic_standings(s, user.id, catalog, utcnow(), profile.role)
    sources: list[CandidateSkills] = []
    if resume is not None:
        sources.append(skills_from_resume(read_text_file(resume, "résumé"), embedder=embedder))
    if ratings is not None:
        sources.append(skills_from_ratings(_load_yaml(ratings, "ratings file") or {}))
    if not sources:
        sources.append(skills_from_mastery(standings))
    candidate = sources[0]
    if len(sources) > 1:  # résumé and ratings: the better evidence of each skill wins
        levels = dict(sources[0].levels)
        evidence = dict(sources[0].evidence)
        for sid, level in sources[1].levels.items():
            if level > levels.get(sid, -1):
                levels[sid], evidence[sid] = level, sources[1].evidence.get(sid, "")
        candidate = CandidateSkills("resume", levels, evidence)
    report = compare(profile, candidate, catalog, history=history)

    when = _parse_date(interview_date, "interview date") or date.today() + timedelta(days=21)
    request = PlanRequest(
        role=profile.role,
        start=date.today(),
        interview_date=when,
        hours_per_week=hours_per_week,
        mastery={t: st.mastery for t, st in standings.items()},
        focus=report.focus,
        history=history,
    )
    plan_days = build_plan(catalog, request)
    stored = None
    if save_plan:
        from mlcoach.interview.plans import create_plan

        stored = create_plan(
            db,
            catalog,
            user.id,
            role=profile.role,
            interview_date=when,
            hours_per_week=hours_per_week,
            today=date.today(),
            focus=report.focus,
        )
    if as_json:
        print_json(
            {
                **report.as_dict(),
                "plan": {
                    "interview_date": when.isoformat(),
                    "minutes_by_topic": minutes_by_topic(plan_days),
                    "saved_plan_id": stored.id if stored else None,
                },
            }
        )
        return
    _show_jobspec(report, plan_days, when, stored is not None)


def _show_jobspec(report: Any, plan_days: list[Any], when: date, saved: bool) -> None:
    from mlcoach.interview.plan import minutes_by_topic

    catalog = ctx.catalog
    posting = report.posting
    source = {"resume": "your résumé", "ratings": "your ratings", "mastery": "your practice so far"}
    console.print(
        Panel(
            f"[bold]{posting.title}[/]\nRole: {posting.role} · compared with "
            f"{source.get(report.source, report.source)}",
            title="Job posting",
            border_style="cyan",
        )
    )
    table = Table(title="Skills asked for", title_justify="left")
    table.add_column("skill")
    table.add_column("asked", justify="center")
    table.add_column("you", justify="center")
    table.add_column("why it counts", style="dim")
    style = {"gap": "red", "partial": "yellow", "strong": "green"}
    for c in report.comparisons:
        mark = {"gap": "✗ gap", "partial": "~ partial", "strong": "✓"}[c.status]
        table.add_row(
            c.ask.skill.name,
            c.ask.level,
            f"[{style[c.status]}]{mark}[/]",
            c.ask.evidence[:80] + (" (by meaning)" if c.ask.via == "meaning" else ""),
        )
    console.print(table)
    if report.questions:
        console.print("[bold]Questions to expect[/] (on your gap topics)")
        for qid in report.questions:
            q = catalog.questions[qid]
            console.print(f"  • {q.prompt} [dim]({qid})[/]")
    if report.scenarios:
        names = ", ".join(f"{catalog.scenarios[s].title} ({s})" for s in report.scenarios)
        console.print(f"[bold]Design scenarios to rehearse:[/] {names}")
    minutes = minutes_by_topic(plan_days)
    top = sorted(minutes.items(), key=lambda kv: -kv[1])[:8]
    console.print(
        f"[bold]Tailored plan[/] until {when}: {len(plan_days)} study days; most time on "
        + ", ".join(
            f"{catalog.topics[k].title if k in catalog.topics else k} ({v} min)" for k, v in top
        )
    )
    for d in plan_days[:5]:
        console.print(f"  {d.day.strftime('%a %d %b')}: {d.summary}", style="dim")
    if saved:
        console.print("Saved as your study plan: `mlcoach plan` shows it.", style="green")
    else:
        console.print("Add --save-plan to keep it as your study plan.", style="dim")


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

    from mlcoach.grading import load_grader
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
        grade = grade_design(scenario, answer, load_grader())
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
    profile = detect_project(text, embedder=default_embedder())
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
