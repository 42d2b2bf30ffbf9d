"""The kinds of job there are, and the function that runs each.

A handler takes a `JobInput` and a `JobEnv` and returns the result as plain JSON types; it raises
an `MlcoachError` for anything the user can fix (the message is shown as it is). Handlers import
their capability lazily, so a web process or a worker imports only what its jobs need.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import Any

from mlcoach.errors import MlcoachError, NotFoundError
from mlcoach.jobs.model import Handler, JobEnv, JobInput

_HANDLERS: dict[str, Handler] = {}


class UnknownJobKindError(MlcoachError):
    """A job of a kind this process has no handler for."""


def job_kind(name: str) -> Callable[[Handler], Handler]:
    """Decorator: register ``function`` as the handler of jobs of kind ``name``."""

    def register(function: Handler) -> Handler:
        _HANDLERS[name] = function
        return function

    return register


def handler_for(kind: str) -> Handler:
    try:
        return _HANDLERS[kind]
    except KeyError:
        known = ", ".join(sorted(_HANDLERS))
        raise UnknownJobKindError(f"no job kind {kind!r} (known: {known})") from None


def job_kinds() -> list[str]:
    return sorted(_HANDLERS)


def process_name() -> str:
    """Names this process in a job's `worker` column: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


@job_kind("ping")
def ping(job: JobInput, env: JobEnv) -> dict[str, Any]:
    """Answers with the process that ran it: checks that workers are up and share the load."""
    echo = job.payload.get("echo")
    return {"pong": True, "echo": echo, "process": process_name()}


@job_kind("judge")
def judge(job: JobInput, env: JobEnv) -> dict[str, Any]:
    """Run a submission against a problem's tests; ``mode`` "run" uses only the visible tests."""
    from mlcoach.jobs.kinds import run_judge

    return run_judge(job, env)


@job_kind("review")
def review(job: JobInput, env: JobEnv) -> dict[str, Any]:
    """Review an uploaded notebook, script or zip of a take-home assignment."""
    from mlcoach.jobs.kinds import run_review

    return run_review(job, env)


def require(payload: dict[str, Any], key: str, kind: type) -> Any:
    """A payload field of the given type, or a clear error naming it."""
    if key not in payload:
        raise NotFoundError(f"the job's payload has no {key!r}")
    value = payload[key]
    if not isinstance(value, kind):
        raise MlcoachError(f"the job's {key!r} must be a {kind.__name__}")
    return value
