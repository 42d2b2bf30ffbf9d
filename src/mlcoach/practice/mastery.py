"""How well a user knows each topic: FSRS recall of its cards and the scores of recent answers.

A topic's strength is the mean of two numbers on a 0-1 scale, whichever exist: the mean predicted
recall (retrievability) of its cards now, and the mean of its last few scores divided by 5. The
first says what the user is likely to remember, the second how complete their answers have been.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean

from fsrs import Scheduler
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcoach.catalog import Catalog, Question
from mlcoach.practice.scheduling import retrievability
from mlcoach.store.models import DrillCard, ReviewLogEntry, User

RECENT_SCORES = 5
MAX_SCORE = 5.0


@dataclass(frozen=True)
class TopicMastery:
    topic: str
    title: str
    questions: int
    practised: int
    retrievability: float | None
    recent_scores: tuple[float, ...]  # newest first

    @property
    def mean_recent_score(self) -> float | None:
        return fmean(self.recent_scores) if self.recent_scores else None

    @property
    def strength(self) -> float | None:
        parts = [self.retrievability] if self.retrievability is not None else []
        if self.recent_scores:
            parts.append(fmean(self.recent_scores) / MAX_SCORE)
        return fmean(parts) if parts else None

    def as_dict(self) -> dict[str, object]:
        return {
            "topic": self.topic,
            "title": self.title,
            "questions": self.questions,
            "practised": self.practised,
            "retrievability": _round(self.retrievability),
            "recent_scores": list(self.recent_scores),
            "mean_recent_score": _round(self.mean_recent_score),
            "strength": _round(self.strength),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def topic_mastery(
    session: Session,
    user: User,
    catalog: Catalog,
    scheduler: Scheduler,
    now: datetime,
    *,
    questions: Iterable[Question] | None = None,
) -> list[TopicMastery]:
    """Mastery of every topic that has questions (among ``questions``, default all), in topic order."""
    pool = list(catalog.questions.values() if questions is None else questions)
    topic_of = {q.id: q.topic for q in pool}
    counts: dict[str, int] = defaultdict(int)
    for q in pool:
        counts[q.topic] += 1

    recalls: dict[str, list[float]] = defaultdict(list)
    for row in session.scalars(select(DrillCard).where(DrillCard.user_id == user.id)):
        of = topic_of.get(row.question_id)
        if of is not None:
            recalls[of].append(retrievability(scheduler, row, now))

    scores: dict[str, list[float]] = defaultdict(list)
    logs = session.execute(
        select(ReviewLogEntry.question_id, ReviewLogEntry.score)
        .where(ReviewLogEntry.user_id == user.id, ReviewLogEntry.score.is_not(None))
        .order_by(ReviewLogEntry.reviewed_at.desc(), ReviewLogEntry.id.desc())
    )
    for question_id, score in logs:
        slug = topic_of.get(question_id)
        if slug is not None and score is not None and len(scores[slug]) < RECENT_SCORES:
            scores[slug].append(float(score))

    result = []
    for slug, topic in catalog.topics.items():
        if not counts[slug]:
            continue
        result.append(
            TopicMastery(
                topic=slug,
                title=topic.title,
                questions=counts[slug],
                practised=len(recalls[slug]),
                retrievability=fmean(recalls[slug]) if recalls[slug] else None,
                recent_scores=tuple(scores[slug]),
            )
        )
    return result


def weakest_topics(mastery: Iterable[TopicMastery], count: int) -> list[TopicMastery]:
    """The ``count`` practised topics with the lowest strength, weakest first."""
    practised = [m for m in mastery if m.strength is not None]
    practised.sort(key=lambda m: (m.strength, m.topic))
    return practised[:count]
