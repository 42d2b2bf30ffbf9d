"""Running one job: claim it, call its handler, store what came out. Used by every backend."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from sqlalchemy import select, update

from mlcoach.errors import MlcoachError
from mlcoach.jobs.model import JobEnv, JobInput
from mlcoach.jobs.registry import handler_for
from mlcoach.store.models import Job, utcnow

log = logging.getLogger("mlcoach.jobs")

# A result larger than this is not stored (JSON text): the job fails with a clear reason instead.
MAX_RESULT_BYTES = 8 * 1024 * 1024


def claim(env: JobEnv, job_id: str, worker: str) -> JobInput | None:
    """Mark a queued job as running by ``worker``; None if another worker has already taken it.

    The conditional UPDATE makes the claim atomic, so a job delivered twice (a broker redelivery
    after a lost acknowledgement, or a recovered in-process queue) still runs once.
    """
    with env.database.session() as session:
        taken = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "queued")
            .values(state="running", worker=worker[:200], started_at=utcnow())
        )
        if getattr(taken, "rowcount", 0) != 1:
            return None
        row = session.scalars(select(Job).where(Job.id == job_id)).one()
        return JobInput(
            id=row.id,
            kind=row.kind,
            user_id=row.user_id,
            payload=dict(row.payload),
            attachment=row.attachment,
            attachment_name=row.attachment_name,
        )


def finish(
    env: JobEnv, job_id: str, *, result: dict[str, Any] | None = None, error: str | None = None
) -> None:
    with env.database.session() as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                state="failed" if error is not None else "done",
                result=result,
                error=error,
                finished_at=utcnow(),
                # The upload has served its purpose; the report keeps what the user needs.
                attachment=None,
            )
        )


def execute_job(env: JobEnv, job_id: str, worker: str) -> bool:
    """Run the job ``job_id`` if it is still queued; returns whether this call ran it."""
    job = claim(env, job_id, worker)
    if job is None:
        return False
    try:
        result = handler_for(job.kind)(job, env)
        _check_size(result)
    except MlcoachError as exc:
        finish(env, job_id, error=str(exc))
    except Exception as exc:
        log.error("job %s (%s) failed:\n%s", job_id, job.kind, traceback.format_exc())
        finish(
            env, job_id, error=f"internal error in the {job.kind} job: {type(exc).__name__}: {exc}"
        )
    else:
        finish(env, job_id, result=result)
    return True


def _check_size(result: dict[str, Any]) -> None:
    import json

    size = len(json.dumps(result, default=str))
    if size > MAX_RESULT_BYTES:
        raise MlcoachError(
            f"the job's result is {size // 1024} KB, over the {MAX_RESULT_BYTES // 1024} KB kept; "
            "the input is too large to report on"
        )
