"""Recording and reading a user's attempts at concept questions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcoach.store.models import Attempt, User


def record_attempt(
    session: Session,
    user: User,
    question_id: str,
    answer: str,
    *,
    score: float | None = None,
    grade: dict[str, Any] | None = None,
    source: str = "cli",
    idempotency_key: str | None = None,
) -> Attempt:
    attempt = Attempt(
        user_id=user.id,
        question_id=question_id,
        answer=answer,
        score=score,
        grade=grade,
        source=source,
        idempotency_key=idempotency_key,
    )
    session.add(attempt)
    session.flush()
    return attempt


def list_attempts(
    session: Session, user: User, *, question_id: str | None = None, limit: int | None = None
) -> list[Attempt]:
    query = select(Attempt).where(Attempt.user_id == user.id)
    if question_id is not None:
        query = query.where(Attempt.question_id == question_id)
    query = query.order_by(Attempt.created_at.desc(), Attempt.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
