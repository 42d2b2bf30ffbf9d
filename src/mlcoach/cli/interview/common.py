"""Helpers the interview commands share: choices, dates, scores, YAML files."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mlcoach.cli.output import console
from mlcoach.errors import MlcoachError

if TYPE_CHECKING:
    pass

SKIP, NEXT, QUIT = ":skip", ":next", ":quit"


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
