"""Jobs through Celery: the web app sends job ids to a Redis queue; `mlcoach worker` runs them.

Only the id travels through the broker. The worker reads the job from the shared database, runs it
and writes the result there, so the broker needs no result backend and any web process can answer
for any job.
"""

from __future__ import annotations

import threading
from typing import Any

from celery import Celery  # type: ignore[import-untyped]

from mlcoach.jobs.model import JobEnv

TASK_NAME = "mlcoach.run_job"
QUEUE = "mlcoach"

_env_lock = threading.Lock()
_worker_env: JobEnv | None = None


def _env() -> JobEnv:
    """The worker process's settings, database and catalog, made on its first job.

    Made lazily so that each prefork child opens its own database connections after the fork.
    """
    global _worker_env
    with _env_lock:
        if _worker_env is None:
            from mlcoach.config import load_settings
            from mlcoach.store import Database

            settings = load_settings()
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            _worker_env = JobEnv(settings, Database(settings.database_url))
        return _worker_env


def make_celery(broker_url: str) -> Any:
    app = Celery("mlcoach", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        # A job is acknowledged when it has run, and a worker takes one job at a time: a worker
        # that dies mid-job hands it back, and a slow job does not hold others behind it.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 3600},
        worker_hijack_root_logger=False,
    )

    @app.task(name=TASK_NAME, bind=True)  # type: ignore[untyped-decorator]
    def run_job(task: Any, job_id: str) -> bool:
        from mlcoach.jobs.execute import execute_job

        hostname = str(getattr(task.request, "hostname", None) or "celery")
        import os

        return execute_job(_env(), job_id, f"{hostname}:{os.getpid()}")

    return app


def run_worker(
    broker_url: str, *, name: str, concurrency: int, pool: str = "prefork", loglevel: str = "INFO"
) -> None:
    """Start a Celery worker in this process; returns when it is stopped (Ctrl-C or SIGTERM)."""
    app = make_celery(broker_url)
    app.worker_main(
        [
            "worker",
            f"--hostname={name}",
            f"--concurrency={concurrency}",
            f"--pool={pool}",
            f"--loglevel={loglevel}",
            f"--queues={QUEUE}",
            "--without-gossip",
            "--without-mingle",
        ]
    )
