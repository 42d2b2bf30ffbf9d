"""The one job interface: submit(kind, payload) -> id, status(id) -> state and result.

Jobs are rows in the `jobs` table; a backend only decides where `execute_job` runs:

- `ThreadBackend` (the default): a thread pool inside the process that submitted the job.
- `CeleryBackend` (with ``MLCOACH_BROKER_URL``): a Redis queue that `mlcoach worker` processes,
  on any number of machines sharing the database, take jobs from.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select

from mlcoach.errors import MlcoachError, NotFoundError
from mlcoach.jobs.execute import execute_job, finish
from mlcoach.jobs.model import JobEnv, JobStatus
from mlcoach.jobs.registry import handler_for, process_name
from mlcoach.store.models import Job

log = logging.getLogger("mlcoach.jobs")

# Enough for a notebook or a zipped take-home with its data; the web app refuses larger uploads.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class Backend(Protocol):
    name: str

    def dispatch(self, job_id: str) -> None:
        """Arrange for the queued job ``job_id`` to be executed."""

    def close(self) -> None: ...


class ThreadBackend:
    """Runs jobs in a pool of threads in this process (judging and reviewing spend their time in
    subprocesses and I/O, so threads are enough on one machine)."""

    name = "in-process"

    def __init__(self, env: JobEnv, workers: int | None = None) -> None:
        self.env = env
        self.worker_name = f"{process_name()}:thread"
        self._pool = ThreadPoolExecutor(
            max_workers=workers or min(4, os.cpu_count() or 1), thread_name_prefix="mlcoach-job"
        )

    def dispatch(self, job_id: str) -> None:
        self._pool.submit(self._run, job_id)

    def _run(self, job_id: str) -> None:
        try:
            execute_job(self.env, job_id, self.worker_name)
        except Exception:  # the pool would swallow it: log it, the row says "running" for ever
            log.exception("could not run job %s", job_id)

    def recover(self) -> int:
        """After a restart: queue again the jobs left queued, and fail those this host's dead
        processes were running. Returns how many were re-queued."""
        host = socket.gethostname()
        requeue: list[str] = []
        with self.env.database.session() as session:
            rows = session.execute(
                select(Job.id, Job.state, Job.worker).where(Job.state.in_(("queued", "running")))
            ).all()
        for job_id, state, worker in rows:
            if state == "queued":
                requeue.append(job_id)
            elif worker and worker.endswith(":thread") and _dead_local_process(worker, host):
                finish(self.env, job_id, error="interrupted: the server stopped while it ran")
        for job_id in requeue:
            self.dispatch(job_id)
        return len(requeue)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


def _dead_local_process(worker: str, host: str) -> bool:
    parts = worker.split(":")
    if len(parts) < 3 or parts[0] != host or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class CeleryBackend:
    """Sends each job id to the Celery queue; `mlcoach worker` processes run them."""

    name = "celery"

    def __init__(self, broker_url: str) -> None:
        from mlcoach.jobs.celery_app import make_celery

        self.broker_url = broker_url
        self.app = make_celery(broker_url)

    def dispatch(self, job_id: str) -> None:
        from mlcoach.jobs.celery_app import TASK_NAME

        try:
            self.app.send_task(TASK_NAME, args=[job_id])
        except Exception as exc:  # kombu raises many kinds; the user needs to know which URL
            raise MlcoachError(
                f"cannot queue the job with the broker at {_safe_url(self.broker_url)}: {exc}"
            ) from None

    def close(self) -> None:
        self.app.close()


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        return urlunsplit(parts._replace(netloc=parts.netloc.replace(parts.password, "***", 1)))
    return url


class Jobs:
    """Submit jobs and read their status; results live in the database, readable by any process."""

    def __init__(self, env: JobEnv, backend: Backend) -> None:
        self.env = env
        self.backend = backend

    def submit(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        user_id: int,
        attachment: bytes | None = None,
        attachment_name: str | None = None,
    ) -> str:
        handler_for(kind)  # an unknown kind fails now, not in a worker
        if attachment is not None and len(attachment) > MAX_ATTACHMENT_BYTES:
            raise MlcoachError(
                f"the file is {len(attachment) / 2**20:.1f} MB; the limit is "
                f"{MAX_ATTACHMENT_BYTES // 2**20} MB"
            )
        job_id = uuid.uuid4().hex
        with self.env.database.session() as session:
            session.add(
                Job(
                    id=job_id,
                    user_id=user_id,
                    kind=kind,
                    state="queued",
                    payload=payload,
                    attachment=attachment,
                    attachment_name=attachment_name,
                )
            )
        try:
            self.backend.dispatch(job_id)
        except MlcoachError as exc:
            finish(self.env, job_id, error=str(exc))
            raise
        return job_id

    def status(self, job_id: str, *, user_id: int | None = None) -> JobStatus:
        """The job's status; a job of another user is reported as missing, like an unknown id."""
        with self.env.database.session() as session:
            row = session.get(Job, job_id) if len(job_id) <= 32 else None
            if row is None or (user_id is not None and row.user_id != user_id):
                raise NotFoundError(f"no job with id {job_id!r}")
            return JobStatus.of(row)

    def delete(self, job_id: str, *, user_id: int) -> None:
        """Forget a job and its result (a running job finishes, but its result is not kept)."""
        with self.env.database.session() as session:
            row = session.get(Job, job_id) if len(job_id) <= 32 else None
            if row is None or row.user_id != user_id:
                raise NotFoundError(f"no job with id {job_id!r}")
            session.delete(row)

    def list(
        self, *, user_id: int, kind: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[JobStatus]:
        """A user's jobs, newest first."""
        query = select(Job).where(Job.user_id == user_id)
        if kind is not None:
            query = query.where(Job.kind == kind)
        query = query.order_by(Job.created_at.desc(), Job.id).limit(limit).offset(offset)
        with self.env.database.session() as session:
            return [JobStatus.of(row) for row in session.scalars(query)]

    def wait(
        self, job_id: str, *, timeout: float, user_id: int | None = None, poll: float = 0.02
    ) -> JobStatus:
        """The job's status once it has finished, or as it is when ``timeout`` seconds are up."""
        deadline = time.monotonic() + timeout
        delay = poll
        while True:
            status = self.status(job_id, user_id=user_id)
            if status.finished or time.monotonic() >= deadline:
                return status
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 1.5, 0.25)

    def close(self) -> None:
        self.backend.close()


def open_jobs(env: JobEnv, *, threads: int | None = None, recover: bool = True) -> Jobs:
    """The job interface the settings ask for: Celery with a broker URL, else in-process threads."""
    broker = env.settings.broker_url
    if broker:
        return Jobs(env, CeleryBackend(broker))
    backend = ThreadBackend(env, threads)
    if recover:
        threading.Thread(target=backend.recover, name="mlcoach-job-recover", daemon=True).start()
    return Jobs(env, backend)
