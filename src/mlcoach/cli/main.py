"""The `mlcoach` command."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable

import typer
from rich.panel import Panel

from mlcoach import __version__
from mlcoach.cli.context import ctx
from mlcoach.cli.output import console, print_error
from mlcoach.errors import MlcoachError

app = typer.Typer(
    name="mlcoach",
    help="An offline coach for machine-learning interviews and a reviewer of ML take-home assignments.",
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)

# Every command: its name, the module under mlcoach.cli that defines it, the attribute, and whether
# it is a group of commands. Only the module of the command being run is imported, so that
# `mlcoach review` does not pay for the web app, the judge or the curriculum's start-up.
COMMANDS: tuple[tuple[str, str, str, bool], ...] = (
    ("config", "system", "config", False),
    ("db", "system", "db_app", True),
    ("content", "curriculum", "content_app", True),
    ("topics", "curriculum", "topics", False),
    ("questions", "curriculum", "questions_app", True),
    ("answer", "grading", "answer", False),
    ("grade", "grading", "grade", False),
    ("problems", "judge", "problems_app", True),
    ("solve", "judge", "solve", False),
    ("drill", "practice", "drill", False),
    ("progress", "practice", "progress", False),
    ("deck", "practice", "deck_app", True),
    ("serve", "web", "serve", False),
    ("worker", "web", "worker", False),
    ("users", "web", "users_app", True),
    ("backup", "practice", "backup", False),
    ("restore", "practice", "restore", False),
    ("mock", "interview", "mock_app", True),
    ("plan", "interview", "plan", False),
    ("jobspec", "interview", "jobspec", False),
    ("interviews", "interview", "interviews_app", True),
    ("scenarios", "interview", "scenarios_app", True),
    ("design", "interview", "design", False),
    ("deepdive", "interview", "deepdive", False),
    ("review", "review", "review", False),
)


def register(names: Iterable[str] | None = None) -> None:
    """Add the named commands (all of them when ``names`` is None) to ``app``."""
    wanted = None if names is None else set(names)
    for name, module, attribute, is_group in COMMANDS:
        if wanted is not None and name not in wanted:
            continue
        target = getattr(importlib.import_module(f"mlcoach.cli.{module}"), attribute)
        if is_group:
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)


def _command_named(argv: list[str]) -> str | None:
    """The command the arguments name, if they name a known one before any other word."""
    for word in argv:
        if word.startswith("-"):
            continue
        return word if any(word == name for name, *_ in COMMANDS) else None
    return None


def _version(value: bool) -> None:
    if value:
        console.print(f"mlcoach {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def home(
    context: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Start here: what is in your curriculum and what to do next."""
    if context.invoked_subcommand is not None:
        return
    catalog = ctx.catalog
    _ = ctx.user  # creates the database and the local user on first use
    lines = [
        f"[bold]{len(catalog.questions)}[/] concept questions in [bold]{len(catalog.topics)}[/] topics, "
        f"[bold]{len(catalog.problems)}[/] coding problems.",
        f"Your data: {ctx.settings.data_dir}",
        "",
        "Try:",
        "  mlcoach topics                          what the questions cover",
        "  mlcoach questions list --topic metrics  browse a topic",
        "  mlcoach questions show ID --answer      a question with its model answer",
        "  mlcoach content check                   validate the curriculum and your decks",
        "  mlcoach config                          settings in force",
    ]
    console.print(Panel("\n".join(lines), title=f"mlcoach {__version__}", border_style="cyan"))


def run() -> None:
    """Entry point: user errors are one line on stderr and exit code 2, never a traceback."""
    command = _command_named(sys.argv[1:])
    register(None if command is None else [command])
    try:
        app()
    except MlcoachError as exc:
        print_error(str(exc))
        sys.exit(2)
    except KeyboardInterrupt:
        print_error("interrupted")
        sys.exit(130)
