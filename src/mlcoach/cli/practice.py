"""`mlcoach drill`, `mlcoach progress`, `mlcoach deck import|export`, `mlcoach backup|restore`."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mlcoach.catalog import DIFFICULTIES, ROLES
from mlcoach.cli.context import ctx
from mlcoach.cli.output import console, err_console, print_json
from mlcoach.errors import MlcoachError

if TYPE_CHECKING:
    from fsrs import Rating

    from mlcoach.grading import Grade
    from mlcoach.practice import DrillItem, DrillSession, DrillSummary

deck_app = typer.Typer(
    help="Import your own decks; export questions to Anki.", no_args_is_help=True
)

END_OF_ANSWER = "."
SKIP, QUIT = "s", "q"


# --- reading answers ---------------------------------------------------------------------------


class LineReader:
    """Answers from a pipe or file: lines up to one holding a single '.', or the end of input."""

    interactive = False

    def answer(self) -> str | None:
        lines: list[str] = []
        while True:
            line = sys.stdin.readline()
            if not line:
                return "\n".join(lines) if lines else None
            line = line.rstrip("\r\n")
            if line.strip() == END_OF_ANSWER:
                return "\n".join(lines)
            if not lines and line.strip().lower() in (SKIP, QUIT):
                return line.strip().lower()
            lines.append(line)

    def line(self, prompt: str) -> str | None:
        console.print(prompt, end="", markup=False)
        line = sys.stdin.readline()
        if not line:
            console.print()
            return None
        if not sys.stdin.isatty():
            console.print(
                line.rstrip("\n"), markup=False
            )  # echo, so a transcript reads like a session
        return line.strip()


class TerminalEditor:
    """A multi-line editor: Enter adds a line, Esc+Enter or Ctrl-D submits, Ctrl-C interrupts."""

    interactive = True

    def __init__(self) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.key_binding import KeyBindings

        bindings = KeyBindings()

        @bindings.add("c-d")
        def _submit(event):  # type: ignore[no-untyped-def]
            buffer = event.current_buffer
            if buffer.text.strip():
                buffer.validate_and_handle()
            else:
                event.app.exit(exception=EOFError)

        self._answers: PromptSession[str] = PromptSession(key_bindings=bindings)
        self._lines: PromptSession[str] = PromptSession()

    def answer(self) -> str | None:
        try:
            return self._answers.prompt(
                "> ",
                multiline=True,
                prompt_continuation="  ",
                bottom_toolbar=" Esc+Enter or Ctrl-D: submit · s: skip · q: quit · Ctrl-C: stop",
            )
        except EOFError:
            return None

    def line(self, prompt: str) -> str | None:
        try:
            return self._lines.prompt(prompt).strip()
        except EOFError:
            return None


def _reader() -> LineReader | TerminalEditor:
    if sys.stdin.isatty() and sys.stdout.isatty():
        return TerminalEditor()
    return LineReader()


# --- showing things ----------------------------------------------------------------------------


def _when(moment: datetime, now: datetime) -> str:
    delta = moment - now
    if delta < timedelta(seconds=30):
        return "now"
    if delta < timedelta(hours=1):
        return f"in {max(1, round(delta.total_seconds() / 60))} min"
    if delta < timedelta(days=1):
        return f"in {round(delta.total_seconds() / 3600)} h"
    days = delta.total_seconds() / 86400
    return f"in {round(days)} day{'s' if round(days) != 1 else ''} ({moment.astimezone():%a %d %b})"


def _show_card(item: DrillItem, reader: LineReader | TerminalEditor) -> None:
    q = item.question
    kind = "[cyan]new[/]" if item.is_new else "[magenta]review[/]"
    meta = f"{kind} · {q.topic} › {q.subtopic} · {q.difficulty}"
    console.print()
    console.print(
        Panel(
            Text(q.prompt),
            title=f"[bold]#{item.number}[/] {q.id}",
            subtitle=meta,
            subtitle_align="left",
        )
    )
    if not reader.interactive:
        console.print("Answer, then a line with a single '.' (s: skip, q: quit):", style="dim")


def _show_grade(grade: Grade) -> None:
    colour = "green" if grade.score >= 3 else "yellow" if grade.score >= 1.5 else "red"
    console.print(f"\nScore: [bold {colour}]{grade.score:.1f}[/] / {grade.max_score:.0f}")
    for point in grade.points:
        if point.made:
            console.print(f"  [green]✓ {escape(point.key_point)}[/]")
        else:
            console.print(f"  [red]✗ {escape(point.key_point)}[/]")
    for wrong in grade.misconceptions:
        console.print(f"  [yellow]! states a misconception: {escape(wrong.misconception)}[/]")
    for note in grade.notes:
        console.print(f"  {note}", style="dim", markup=False)
    console.print(f"[bold]Advice:[/] {escape(grade.advice)}")
    console.print(Panel(Markdown(grade.model_answer), title="Model answer", border_style="green"))
    if grade.backend_note:
        console.print(grade.backend_note, style="dim", markup=False)


def _ask_rating(reader: LineReader | TerminalEditor, suggested: Rating) -> Rating | str:
    """The rating chosen for an answered card, or QUIT or SKIP to leave it unrated.

    Enter takes the suggestion; the end of the input (Ctrl-D, or the end of a pipe) quits, since
    nobody chose a rating."""
    from mlcoach.practice.scheduling import RATING_NAMES, parse_rating

    name = RATING_NAMES[suggested]
    prompt = (
        f"Rating: 1 again, 2 hard, 3 good, 4 easy, {SKIP}: skip, {QUIT}: quit "
        f"[{int(suggested)} {name}]: "
    )
    while True:
        typed = reader.line(prompt)
        if typed is None:
            return QUIT
        if not typed:
            return suggested
        if typed.lower() in (SKIP, QUIT):
            return typed.lower()
        try:
            return parse_rating(typed)
        except MlcoachError as exc:
            console.print(str(exc), style="red", markup=False)


def _answer_card(session: DrillSession, reader: LineReader | TerminalEditor) -> Grade | str:
    """The grade of the answer to the card on screen, or QUIT or SKIP; an empty answer is refused
    with a message and asked for again."""
    from mlcoach.errors import EmptyAnswerError

    while True:
        text = reader.answer()
        if text is None:
            return QUIT
        if text.strip().lower() in (SKIP, QUIT):
            return text.strip().lower()
        try:
            return session.submit(text)
        except EmptyAnswerError as exc:
            console.print(str(exc), style="yellow", markup=False)


def _show_summary(summary: DrillSummary) -> None:
    from mlcoach.store.models import utcnow

    console.print()
    table = Table(title="Drill summary", title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("cards done", str(summary.done))
    if summary.skipped:
        table.add_row("skipped", str(summary.skipped))
    average = "-" if summary.average_score is None else f"{summary.average_score:.2f} / 5"
    table.add_row("average score", average)
    table.add_row("ratings", ", ".join(f"{k} {v}" for k, v in summary.ratings.items() if v) or "-")
    if summary.weak_topics:
        table.add_row("weak topics", ", ".join(summary.weak_topics))
    table.add_row("still due now", str(summary.due_now))
    table.add_row(
        "next due", _when(summary.next_due, utcnow()) if summary.next_due else "nothing scheduled"
    )
    console.print(table)


# --- commands ----------------------------------------------------------------------------------


def _check_choice(value: str | None, choices: tuple[str, ...], what: str) -> None:
    if value is not None and value not in choices:
        raise MlcoachError(f"unknown {what} {value!r}; choose one of: {', '.join(choices)}")


def drill(
    topic: str | None = typer.Option(None, "--topic", "-t", help="Only this topic."),
    role: str | None = typer.Option(
        None, "--role", "-r", help=f"Only this role: {', '.join(ROLES)}."
    ),
    difficulty: str | None = typer.Option(
        None, "--difficulty", "-d", help=f"Only this level: {', '.join(DIFFICULTIES)}."
    ),
    new: int = typer.Option(
        10, "--new", "-n", min=0, help="New cards per day (counting those already begun today)."
    ),
    weak: bool = typer.Option(
        False, "--weak", help="Only the topics you recall worst (lowest recall and recent scores)."
    ),
    weak_topics: int = typer.Option(3, "--weak-topics", min=1, help="How many weak topics."),
    deck: str | None = typer.Option(
        None,
        "--deck",
        help="Only the cards of your deck NAME (as `mlcoach deck import` named it).",
    ),
    optimise: bool = typer.Option(
        False, "--optimise", help="Re-fit the FSRS parameters to your review history and exit."
    ),
) -> None:
    """Practise: due cards first, then new ones; each answer is graded and scheduled with FSRS.

    Type the answer (Esc+Enter or Ctrl-D submits; from a pipe, end it with a line holding a
    single '.'); 's' skips a card, 'q' stops, at the answer or the rating prompt (an answer
    given is kept, unrated). Each card is saved as soon as it is rated; the end of the input
    stops the drill without rating the card on screen.
    """
    if optimise:
        _optimise()
        return
    from mlcoach.practice import DrillOptions, DrillSession
    from mlcoach.practice.decks import deck_questions

    _check_choice(role, ROLES, "role")
    _check_choice(difficulty, DIFFICULTIES, "difficulty")
    options = DrillOptions(
        topic=topic,
        role=role,
        difficulty=difficulty,
        new_per_day=new,
        weak=weak,
        weak_topics=weak_topics,
        questions=None
        if deck is None
        else deck_questions(ctx.catalog, ctx.settings.deck_dir, deck),
    )
    # The grader (and its model) loads on the first answer, not before the first question shows.
    session = DrillSession(
        ctx.database,
        ctx.user,
        ctx.catalog,
        options=options,
        grader=lambda question, answer: ctx.grader.grade(question, answer),
    )
    if session.weak_topics:
        console.print(f"Weakest topics: {', '.join(session.weak_topics)}", style="bold")
    reader = _reader()
    try:
        _drill_loop(session, reader)
    except KeyboardInterrupt:
        console.print("\ninterrupted: every rated card is saved", style="yellow")
        _show_summary(session.summary())
        raise typer.Exit(130) from None
    _show_summary(session.summary())


def _drill_loop(session: DrillSession, reader: LineReader | TerminalEditor) -> None:
    from mlcoach.practice.scheduling import RATING_NAMES
    from mlcoach.store.models import utcnow

    shown = 0
    while (item := session.next_card()) is not None:
        shown += 1
        _show_card(item, reader)
        grade = _answer_card(session, reader)
        if grade == QUIT:
            break
        if isinstance(grade, str):
            session.skip()
            console.print("skipped", style="dim")
            continue
        _show_grade(grade)
        rating = _ask_rating(reader, session.suggested_rating)
        if isinstance(rating, str):
            # The answer is stored already; only the card's schedule waits for a rating.
            session.skip()
            console.print("not rated: the answer is saved, the card is not scheduled", style="dim")
            if rating == QUIT:
                break
            continue
        review = session.record(rating)
        console.print(
            f"Rated [bold]{RATING_NAMES[review.rating]}[/]; back {_when(review.due, utcnow())}.",
            style="dim",
        )
    if shown == 0:
        console.print(
            "Nothing to practise now: no card is due and today's new cards are done "
            "(raise the limit with --new N, or change the filters)."
        )


def _optimise() -> None:
    from mlcoach.practice.optimise import OptimiserUnavailable, refit_parameters
    from mlcoach.store.models import utcnow

    try:
        with ctx.database.session() as session:
            result = refit_parameters(session, ctx.user, utcnow())
    except OptimiserUnavailable as exc:
        console.print(f"Skipped: {exc}.", markup=False)
        return
    console.print(
        f"Re-fitted FSRS parameters from {result.reviews} reviews; "
        f"rescheduled {result.cards_rescheduled} cards."
    )


def progress(
    days: int = typer.Option(30, "--days", min=1, max=3650, help="Days of history to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Also draw the score trend and topic mastery into this PNG file."
    ),
) -> None:
    """Mastery per topic, your streak, reviews per day and the score trend."""
    from mlcoach.practice.progress import build_progress
    from mlcoach.store.models import utcnow

    with ctx.database.session() as session:
        report = build_progress(session, ctx.user, ctx.catalog, utcnow(), days=days)
    if plot is not None:
        from mlcoach.practice.plot import plot_progress

        plot_progress(report, plot)
    if as_json:
        data = report.as_dict()
        if plot is not None:
            data["plot"] = str(plot)
        print_json(data)
        return

    table = Table(title="Mastery per topic", title_justify="left")
    table.add_column("topic", style="bold cyan")
    table.add_column("practised", justify="right")
    table.add_column("recall", justify="right")
    table.add_column("mean score", justify="right")
    table.add_column("mastery", justify="right")
    for t in report.topics:
        recall = "-" if t.retrievability is None else f"{t.retrievability:.0%}"
        score = "-" if t.mean_score is None else f"{t.mean_score:.1f}"
        mastery = "-" if t.strength is None else f"{t.mastery:.0%}"
        table.add_row(t.topic, f"{t.practised}/{t.questions}", recall, score, mastery)
    console.print(table)
    bars = " ▁▂▃▄▅▆▇█"
    recent = report.activity[-14:]
    peak = max([d.reviews for d in recent] + [1])
    spark = "".join(bars[round(d.reviews / peak * 8)] if d.reviews else "·" for d in recent)
    console.print(
        f"Streak: [bold]{report.streak}[/] day(s); reviews: {report.total_reviews} in total"
    )
    console.print(f"Reviews per day, last {len(recent)} days: {spark}")
    slope = report.score_slope_per_week
    if slope is not None:
        direction = "rising" if slope > 0.05 else "falling" if slope < -0.05 else "flat"
        console.print(f"Score trend: {direction} ({slope:+.2f} points per week)")
    console.print(f"Cards: {report.cards}; due now: {report.due_now}")
    if plot is not None:
        console.print(f"Plot written to {plot}")


@deck_app.command("import")
def deck_import(
    file: Path = typer.Argument(
        ..., help="A deck in YAML, CSV or Markdown (see docs/practice.md)."
    ),
    name: str | None = typer.Option(None, "--name", help="File name in the deck folder."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite a deck of the same name."),
) -> None:
    """Check a deck with the curriculum and add it to your deck folder as YAML."""
    from mlcoach.practice.decks import DeckImportError, import_deck

    try:
        result = import_deck(file, ctx.settings.deck_dir, name=name, replace=replace)
    except DeckImportError as exc:
        for issue in exc.issues:
            err_console.print(f"[red]✗[/] {escape(str(issue))}", soft_wrap=True)
        err_console.print(f"[bold red]error:[/] {len(exc.issues)} problem(s); nothing imported")
        raise typer.Exit(2) from None
    verb = "replaced" if result.replaced else "wrote"
    console.print(
        f"[green]✓[/] {len(result.questions)} question(s) imported; {verb} {result.written}"
    )


@deck_app.command("export")
def deck_export(
    anki: Path = typer.Option(..., "--anki", help="The Anki package to write (FILE.apkg)."),
    topic: str | None = typer.Option(None, "--topic", "-t", help="Only this topic."),
    role: str | None = typer.Option(
        None, "--role", "-r", help=f"Only this role: {', '.join(ROLES)}."
    ),
    difficulty: str | None = typer.Option(
        None, "--difficulty", "-d", help=f"Only this level: {', '.join(DIFFICULTIES)}."
    ),
    search: str | None = typer.Option(
        None, "--search", "-s", help="Words in prompts or key points."
    ),
    deck_name: str = typer.Option("mlcoach", "--deck-name", help="The deck's name in Anki."),
) -> None:
    """Export questions (all, or a selection) to an Anki package."""
    from mlcoach.practice.anki import export_anki

    _check_choice(role, ROLES, "role")
    _check_choice(difficulty, DIFFICULTIES, "difficulty")
    found = ctx.catalog.find_questions(topic=topic, role=role, difficulty=difficulty, text=search)
    count = export_anki(found, anki, deck_name=deck_name)
    console.print(
        f"[green]✓[/] {count} note(s) in deck {escape(repr(deck_name))} written to {escape(str(anki))}"
    )


def backup(
    file: Path = typer.Argument(..., help="The JSON file to write."),
    force: bool = typer.Option(False, "--force", help="Overwrite the file if it exists."),
) -> None:
    """Write all your data (answers, cards, review history, ...) to one JSON file."""
    from mlcoach.practice.backup import backup_user, write_backup

    if file.exists() and not force:
        raise MlcoachError(f"{file} already exists; add --force to overwrite it")
    database = ctx.database
    with database.session() as session:
        data = backup_user(session, ctx.user, schema_revision=database.current_revision())
    write_backup(data, file)
    counts = ", ".join(f"{len(rows)} {name}" for name, rows in data["tables"].items() if rows)
    console.print(
        f"[green]✓[/] backed up {counts or 'nothing (no data yet)'} to {escape(str(file))}"
    )


def restore(
    file: Path = typer.Argument(..., help="A JSON file written by `mlcoach backup`."),
    replace: bool = typer.Option(
        False, "--replace", help="Delete your current data and use the backup's instead."
    ),
) -> None:
    """Restore your data from a backup, all or nothing."""
    from mlcoach.practice.backup import read_backup, restore_user

    data = read_backup(file)
    with ctx.database.session() as session:
        result = restore_user(session, ctx.user, data, replace=replace)
    if result.replaced:
        gone = ", ".join(f"{n} {t}" for t, n in result.replaced.items())
        console.print(f"replaced {gone}", style="dim")
    counts = ", ".join(f"{n} {t}" for t, n in result.restored.items() if n) or "no rows"
    console.print(f"[green]✓[/] restored {counts} from {escape(str(file))}")
