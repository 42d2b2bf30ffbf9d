"""Long work (judging, reviewing) through one interface, run in-process or by Celery workers.

    jobs = open_jobs(JobEnv(settings, database))
    job_id = jobs.submit("judge", {"problem_id": "two-sum", "code": code}, user_id=user.id)
    jobs.status(job_id, user_id=user.id).state   # queued | running | done | failed

Results are stored in the `jobs` table, so every web process and worker sharing the database sees
the same state. New kinds register a handler with `job_kind` (see `registry.py`).
"""

from mlcoach.jobs.model import FINISHED, JobEnv, JobInput, JobState, JobStatus
from mlcoach.jobs.registry import UnknownJobKindError, handler_for, job_kind, job_kinds
from mlcoach.jobs.runner import (
    MAX_ATTACHMENT_BYTES,
    CeleryBackend,
    Jobs,
    ThreadBackend,
    open_jobs,
)

__all__ = [
    "FINISHED",
    "MAX_ATTACHMENT_BYTES",
    "CeleryBackend",
    "JobEnv",
    "JobInput",
    "JobState",
    "JobStatus",
    "Jobs",
    "ThreadBackend",
    "UnknownJobKindError",
    "handler_for",
    "job_kind",
    "job_kinds",
    "open_jobs",
]
