"""The one job interface with in-process workers: submit, status, results in the database."""

from __future__ import annotations

import os
from typing import Any

import pytest

from mlcoach.catalog import Catalog
from mlcoach.errors import MlcoachError, NotFoundError
from mlcoach.jobs import JobEnv, JobInput, Jobs, ThreadBackend, UnknownJobKindError, job_kind
from mlcoach.jobs.execute import execute_job
from mlcoach.store.models import Job, utcnow


@job_kind("test-fails")
def _fails(job: JobInput, env: JobEnv) -> dict[str, Any]:
    raise MlcoachError(f"cannot do {job.payload['what']}")


@job_kind("test-crashes")
def _crashes(job: JobInput, env: JobEnv) -> dict[str, Any]:
    return {"value": 1 / 0}


@job_kind("test-attachment")
def _attachment(job: JobInput, env: JobEnv) -> dict[str, Any]:
    return {"size": len(job.attachment or b""), "name": job.attachment_name}


def _jobs(env: JobEnv) -> Jobs:
    return Jobs(env, ThreadBackend(env, workers=2))


def _user(env: JobEnv, name: str = "local") -> int:
    from mlcoach.store import get_or_create_user

    with env.database.session() as session:
        return get_or_create_user(session, name).id


def test_a_job_runs_and_its_result_is_stored(env: JobEnv) -> None:
    jobs = _jobs(env)
    uid = _user(env)
    job_id = jobs.submit("ping", {"echo": "hello"}, user_id=uid)
    status = jobs.wait(job_id, timeout=10, user_id=uid)
    jobs.close()
    assert status.state == "done"
    assert status.result == {"pong": True, "echo": "hello", "process": status.result["process"]}  # type: ignore[index]
    assert status.worker and status.worker.endswith(":thread")
    assert status.started_at and status.finished_at and status.created_at <= status.started_at
    # Any process reading the same database sees the same result.
    fresh = Jobs(env, ThreadBackend(env, workers=1))
    assert fresh.status(job_id).result == status.result
    fresh.close()


def test_a_judge_job_gives_the_verdict(env: JobEnv, catalog: Catalog) -> None:
    jobs = _jobs(env)
    uid = _user(env)
    problem = next(iter(catalog.problems.values()))
    good = jobs.submit(
        "judge", {"problem_id": problem.id, "code": problem.reference_solution}, user_id=uid
    )
    run = jobs.submit(
        "judge",
        {"problem_id": problem.id, "code": problem.reference_solution, "mode": "run"},
        user_id=uid,
    )
    missing = jobs.submit("judge", {"problem_id": "no-such-problem", "code": "x"}, user_id=uid)
    results = {j: jobs.wait(j, timeout=30) for j in (good, run, missing)}
    jobs.close()
    assert results[good].result["verdict"] == "Accepted"  # type: ignore[index]
    assert results[good].result["total"] == len(problem.tests)  # type: ignore[index]
    assert results[run].result["total"] == sum(1 for t in problem.tests if not t.hidden)  # type: ignore[index]
    assert results[missing].state == "failed"
    assert "no problem with id 'no-such-problem'" in (results[missing].error or "")


def test_failures_are_stored_with_their_reason(env: JobEnv) -> None:
    jobs = _jobs(env)
    uid = _user(env)
    told = jobs.wait(jobs.submit("test-fails", {"what": "that"}, user_id=uid), timeout=10)
    crashed = jobs.wait(jobs.submit("test-crashes", {}, user_id=uid), timeout=10)
    jobs.close()
    assert (told.state, told.error) == ("failed", "cannot do that")
    assert crashed.state == "failed"
    assert "internal error in the test-crashes job: ZeroDivisionError" in (crashed.error or "")


def test_unknown_kinds_and_other_users_jobs(env: JobEnv) -> None:
    jobs = _jobs(env)
    ada, bob = _user(env, "ada"), _user(env, "bob")
    with pytest.raises(UnknownJobKindError, match="no job kind 'nope'"):
        jobs.submit("nope", {}, user_id=ada)
    job_id = jobs.submit("ping", {}, user_id=ada)
    jobs.wait(job_id, timeout=10)
    with pytest.raises(NotFoundError):
        jobs.status(job_id, user_id=bob)
    with pytest.raises(NotFoundError):
        jobs.delete(job_id, user_id=bob)
    assert jobs.list(user_id=bob) == []
    assert [j.id for j in jobs.list(user_id=ada)] == [job_id]
    jobs.delete(job_id, user_id=ada)
    with pytest.raises(NotFoundError):
        jobs.status(job_id)
    jobs.close()


def test_attachments_reach_the_handler_and_are_dropped_after(env: JobEnv) -> None:
    jobs = _jobs(env)
    uid = _user(env)
    job_id = jobs.submit(
        "test-attachment", {}, user_id=uid, attachment=b"x" * 1000, attachment_name="a.py"
    )
    assert jobs.wait(job_id, timeout=10).result == {"size": 1000, "name": "a.py"}
    jobs.close()
    with env.database.session() as session:
        assert session.get(Job, job_id).attachment is None  # type: ignore[union-attr]
    with pytest.raises(MlcoachError, match="limit is 20 MB"):
        jobs.submit("test-attachment", {}, user_id=uid, attachment=b"x" * (21 * 2**20))


def test_a_job_runs_once_even_when_delivered_twice(env: JobEnv) -> None:
    uid = _user(env)
    with env.database.session() as session:
        session.add(Job(id="a" * 32, user_id=uid, kind="ping", state="queued", payload={}))
    assert execute_job(env, "a" * 32, "first") is True
    assert execute_job(env, "a" * 32, "second") is False
    with env.database.session() as session:
        assert session.get(Job, "a" * 32).worker == "first"  # type: ignore[union-attr]


def test_after_a_restart_queued_jobs_run_and_orphans_fail(env: JobEnv) -> None:
    import socket
    import subprocess
    import sys

    uid = _user(env)
    # A process that has exited: its pid is free, so the job it was running can never finish.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    with env.database.session() as session:
        session.add(Job(id="q" * 32, user_id=uid, kind="ping", state="queued", payload={}))
        session.add(
            Job(
                id="r" * 32,
                user_id=uid,
                kind="ping",
                state="running",
                payload={},
                worker=f"{socket.gethostname()}:{dead_pid}:thread",
                started_at=utcnow(),
            )
        )
        session.add(
            Job(
                id="s" * 32,
                user_id=uid,
                kind="ping",
                state="running",
                payload={},
                worker=f"{socket.gethostname()}:{os.getppid()}:thread",  # alive: left alone
                started_at=utcnow(),
            )
        )
    backend = ThreadBackend(env, workers=1)
    assert backend.recover() == 1
    jobs = Jobs(env, backend)
    assert jobs.wait("q" * 32, timeout=10).state == "done"
    orphan = jobs.status("r" * 32)
    assert orphan.state == "failed" and "interrupted" in (orphan.error or "")
    assert jobs.status("s" * 32).state == "running"
    jobs.close()
