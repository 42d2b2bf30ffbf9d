"""Recording and reading a user's submissions to coding problems."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcoach.store.models import Submission, User, utcnow

ACCEPTED = "Accepted"


def record_submission(
    session: Session,
    user: User,
    problem_id: str,
    code: str,
    *,
    verdict: str,
    passed: int,
    total: int,
    results: dict[str, Any],
    source: str = "cli",
    created_at: datetime | None = None,
) -> Submission:
    submission = Submission(
        user_id=user.id,
        problem_id=problem_id,
        code=code,
        verdict=verdict,
        passed=passed,
        total=total,
        results=results,
        source=source,
        created_at=created_at or utcnow(),
        judged_at=utcnow(),
    )
    session.add(submission)
    session.flush()
    return submission


def list_submissions(
    session: Session, user: User, *, problem_id: str | None = None, limit: int | None = None
) -> list[Submission]:
    query = select(Submission).where(Submission.user_id == user.id)
    if problem_id is not None:
        query = query.where(Submission.problem_id == problem_id)
    query = query.order_by(Submission.created_at.desc(), Submission.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def problem_status(session: Session, user: User) -> dict[str, str]:
    """For each problem the user tried: "solved" if any submission was accepted, else "tried"."""
    rows = session.execute(
        select(Submission.problem_id, Submission.verdict).where(Submission.user_id == user.id)
    )
    status: dict[str, str] = {}
    for problem_id, verdict in rows:
        if verdict == ACCEPTED:
            status[problem_id] = "solved"
        else:
            status.setdefault(problem_id, "tried")
    return status
