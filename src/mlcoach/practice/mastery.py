"""How well a user knows each topic: the one measure of mastery that progress, drills, study
plans, mock interviews and job-posting gaps all use (docs/mastery.md says why it is built so).

A question's mastery (0-1) is the mean of what is known about it, whichever exists: its latest
graded answer's score divided by 5 (how complete the user's answer was), and the predicted recall
of its drill card now (FSRS retrievability: how likely the user is to remember it today). A
question never answered nor drilled counts 0. A topic's mastery is the mean over all its questions
whatever role or filter the caller has in mind, so one good answer does not make a whole topic
mastered and every screen shows the same number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean

from fsrs import Scheduler
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcoach.catalog import Catalog, Question
from mlcoach.practice.scheduling import retrievability
from mlcoach.store.models import Attempt, DrillCard, User

MAX_SCORE = 5.0


@dataclass(frozen=True)
class Evidence:
    """What the store says about one user's questions: latest score (0-5) and recall now (0-1)."""

    scores: Mapping[str, float]
    recall: Mapping[str, float]


@dataclass(frozen=True)
class TopicMastery:
    topic: str
    title: str
    questions: int
    answered: int  # questions with a graded answer
    drilled: int  # questions with a drill card
    practised: int  # questions answered or drilled
    mastery: float  # 0-1, unpractised questions counting 0
    retrievability: float | None  # mean recall of the topic's cards now; None without cards
    mean_score: float | None  # mean latest score (0-5) of its answered questions

    @property
    def strength(self) -> float | None:
        """The mastery, or None when nothing in the topic was practised (shown as "not yet")."""
        return self.mastery if self.practised else None

    def as_dict(self) -> dict[str, object]:
        return {
            "topic": self.topic,
            "title": self.title,
            "questions": self.questions,
            "answered": self.answered,
            "drilled": self.drilled,
            "practised": self.practised,
            "mastery": round(self.mastery, 4),
            "retrievability": _round(self.retrievability),
            "mean_score": _round(self.mean_score),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def latest_scores(session: Session, user_id: int) -> dict[str, float]:
    """The score of the user's latest graded answer to each question (drills, practice, mocks)."""
    rows = session.execute(
        select(Attempt.question_id, Attempt.score)
        .where(Attempt.user_id == user_id, Attempt.score.is_not(None))
        .order_by(Attempt.created_at, Attempt.id)
    )
    return {qid: float(score) for qid, score in rows if score is not None}


def recall_now(
    session: Session, user_id: int, now: datetime, scheduler: Scheduler | None = None
) -> dict[str, float]:
    """Predicted recall (0-1) of each of the user's drill cards at ``now``; empty without cards."""
    rows = list(session.scalars(select(DrillCard).where(DrillCard.user_id == user_id)))
    if not rows:
        return {}
    if scheduler is None:
        from mlcoach.practice.session import user_scheduler

        user = session.get(User, user_id)
        if user is None:  # pragma: no cover - the rows above belong to this user
            return {}
        scheduler = user_scheduler(session, user)
    return {row.question_id: retrievability(scheduler, row, now) for row in rows}


def evidence(
    session: Session, user_id: int, now: datetime, scheduler: Scheduler | None = None
) -> Evidence:
    return Evidence(latest_scores(session, user_id), recall_now(session, user_id, now, scheduler))


def question_mastery(qid: str, known: Evidence) -> float:
    parts = []
    if qid in known.scores:
        parts.append(known.scores[qid] / MAX_SCORE)
    if qid in known.recall:
        parts.append(known.recall[qid])
    return fmean(parts) if parts else 0.0


def mastery_by_topic(
    catalog: Catalog, known: Evidence, topics: Iterable[str] | None = None
) -> dict[str, TopicMastery]:
    """Mastery of each topic that has questions (or of ``topics``), in the catalog's order (pure).

    A topic's mastery is always over all its questions, whatever the caller is filtering by, so
    that progress, drills, plans and mock interviews show the same number for the same user."""
    by_topic: dict[str, list[Question]] = defaultdict(list)
    for q in catalog.questions.values():
        by_topic[q.topic].append(q)
    wanted = set(by_topic) if topics is None else set(topics) & set(by_topic)
    order = [t for t in catalog.topics if t in wanted] + sorted(wanted - set(catalog.topics))
    out = {}
    for slug in order:
        qs = by_topic[slug]
        recalls = [known.recall[q.id] for q in qs if q.id in known.recall]
        scores = [known.scores[q.id] for q in qs if q.id in known.scores]
        topic = catalog.topics.get(slug)
        out[slug] = TopicMastery(
            topic=slug,
            title=topic.title if topic is not None else slug,
            questions=len(qs),
            answered=len(scores),
            drilled=len(recalls),
            practised=sum(q.id in known.scores or q.id in known.recall for q in qs),
            mastery=fmean(question_mastery(q.id, known) for q in qs),
            retrievability=fmean(recalls) if recalls else None,
            mean_score=fmean(scores) if scores else None,
        )
    return out


def user_topic_mastery(
    session: Session,
    user_id: int,
    catalog: Catalog,
    now: datetime,
    *,
    scheduler: Scheduler | None = None,
) -> tuple[dict[str, TopicMastery], Evidence]:
    """Mastery of every topic with questions, and the evidence it rests on (latest scores)."""
    known = evidence(session, user_id, now, scheduler)
    return mastery_by_topic(catalog, known), known


def topic_mastery(
    session: Session,
    user: User,
    catalog: Catalog,
    scheduler: Scheduler,
    now: datetime,
    *,
    questions: Iterable[Question] | None = None,
) -> dict[str, TopicMastery]:
    """Mastery of the topics of ``questions`` (default: every topic), for a user whose scheduler
    the caller already has."""
    topics = None if questions is None else {q.topic for q in questions}
    return mastery_by_topic(catalog, evidence(session, user.id, now, scheduler), topics)


def weakest_topics(mastery: Iterable[TopicMastery], count: int) -> list[TopicMastery]:
    """The ``count`` practised topics with the lowest mastery, weakest first."""
    practised = [m for m in mastery if m.practised]
    practised.sort(key=lambda m: (m.mastery, m.topic))
    return practised[:count]
