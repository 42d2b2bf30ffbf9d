"""The `mlcoach` command."""

from __future__ import annotations

import sys

import typer
from rich.panel import Panel

from mlcoach import __version__
from mlcoach.cli import curriculum, system
from mlcoach.cli import grading as grading_cli
from mlcoach.cli import interview as interview_cli
from mlcoach.cli import judge as judge_cli
from mlcoach.cli import practice as practice_cli
from mlcoach.cli import review as review_cli
from mlcoach.cli import web as web_cli
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

app.command("config")(system.config)
app.add_typer(system.db_app, name="db")
app.add_typer(curriculum.content_app, name="content")
app.command("topics")(curriculum.topics)
app.add_typer(curriculum.questions_app, name="questions")
app.command("answer")(grading_cli.answer)
app.command("grade")(grading_cli.grade)
app.add_typer(judge_cli.problems_app, name="problems")
app.command("solve")(judge_cli.solve)
app.command("drill")(practice_cli.drill)
app.command("progress")(practice_cli.progress)
app.add_typer(practice_cli.deck_app, name="deck")
app.command("serve")(web_cli.serve)
app.command("worker")(web_cli.worker)
app.add_typer(web_cli.users_app, name="users")
app.command("backup")(practice_cli.backup)
app.command("restore")(practice_cli.restore)
app.add_typer(interview_cli.mock_app, name="mock")
app.command("plan")(interview_cli.plan)
app.command("jobspec")(interview_cli.jobspec)
app.add_typer(interview_cli.interviews_app, name="interviews")
app.add_typer(interview_cli.scenarios_app, name="scenarios")
app.command("design")(interview_cli.design)
app.command("deepdive")(interview_cli.deepdive)
app.command("review")(review_cli.review)


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
    try:
        app()
    except MlcoachError as exc:
        print_error(str(exc))
        sys.exit(2)
    except KeyboardInterrupt:
        print_error("interrupted")
        sys.exit(130)
