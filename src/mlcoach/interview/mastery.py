"""How well the user knows each topic, for plans, mock interviews and job-description gaps.

A question's mastery is the mean of what is known about it, on a 0-1 scale: its latest answer's
score divided by 5, and the predicted recall of its drill card now (FSRS retrievability). A
question never answered nor drilled counts 0. A topic's mastery is the mean over its questions
(those for the role, when one is given), so answering one question well does not make a topic
mastered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcoach.catalog import Catalog, Question
from mlcoach.store.models import Attempt, DrillCard

MAX_SCORE = 5.0


@dataclass(frozen=True)
class TopicStanding:
    topic: str
    mastery: float  # 0-1
    questions: int
    answered: int
    drilled: int


def latest_scores(session: Session, user_id: int) -> dict[str, float]:
    """The score of the user's latest graded answer to each question."""
    rows = session.execute(
        select(Attempt.question_id, Attempt.score)
        .where(Attempt.user_id == user_id, Attempt.score.is_not(None))
        .order_by(Attempt.created_at, Attempt.id)
    )
    return {qid: float(score) for qid, score in rows if score is not None}


def recall_now(session: Session, user_id: int, now: datetime) -> dict[str, float]:
    """Predicted recall (0-1) of each of the user's drill cards at ``now``; empty without cards."""
    rows = list(session.scalars(select(DrillCard).where(DrillCard.user_id == user_id)))
    if not rows:
        return {}
    from mlcoach.practice.scheduling import retrievability
    from mlcoach.practice.session import user_scheduler
    from mlcoach.store.models import User

    user = session.get(User, user_id)
    if user is None:  # pragma: no cover - the rows above belong to this user
        return {}
    scheduler = user_scheduler(session, user)
    return {row.question_id: retrievability(scheduler, row, now) for row in rows}


def question_mastery(qid: str, scores: dict[str, float], recall: dict[str, float]) -> float:
    parts = []
    if qid in scores:
        parts.append(scores[qid] / MAX_SCORE)
    if qid in recall:
        parts.append(recall[qid])
    return fmean(parts) if parts else 0.0


def topic_standings(
    questions: Iterable[Question], scores: dict[str, float], recall: dict[str, float]
) -> dict[str, TopicStanding]:
    """Mastery of each topic the questions cover (pure: give it the user's scores and recall)."""
    by_topic: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        by_topic[q.topic].append(q)
    out = {}
    for topic, qs in by_topic.items():
        out[topic] = TopicStanding(
            topic=topic,
            mastery=round(fmean(question_mastery(q.id, scores, recall) for q in qs), 4),
            questions=len(qs),
            answered=sum(q.id in scores for q in qs),
            drilled=sum(q.id in recall for q in qs),
        )
    return out


def user_topic_standings(
    session: Session, user_id: int, catalog: Catalog, now: datetime, role: str | None = None
) -> dict[str, TopicStanding]:
    questions = [q for q in catalog.questions.values() if role is None or role in q.roles]
    return topic_standings(
        questions, latest_scores(session, user_id), recall_now(session, user_id, now)
    )
