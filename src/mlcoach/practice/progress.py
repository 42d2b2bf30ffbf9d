"""A user's progress: mastery per topic, streak, reviews per day and the score trend.

Days are the user's local calendar days. The streak is the number of consecutive days with at
least one review, ending today, or yesterday when nothing was reviewed yet today (a streak is
not lost until a whole day passes without a review).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from statistics import fmean

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcoach.catalog import Catalog
from mlcoach.practice.mastery import TopicMastery, topic_mastery
from mlcoach.practice.scheduling import as_utc
from mlcoach.practice.session import user_scheduler
from mlcoach.practice.timezones import local_date
from mlcoach.store.models import DrillCard, ReviewLogEntry, User

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class DayActivity:
    day: date
    reviews: int
    mean_score: float | None


@dataclass(frozen=True)
class ProgressReport:
    today: date
    days: int
    topics: list[TopicMastery]
    streak: int
    total_reviews: int
    activity: list[DayActivity]  # one per day of the window, oldest first
    score_slope_per_week: float | None  # least-squares slope of the daily mean scores
    due_now: int
    cards: int
    next_due: datetime | None

    @property
    def reviewed_days(self) -> list[DayActivity]:
        return [d for d in self.activity if d.reviews]

    def as_dict(self) -> dict[str, object]:
        return {
            "today": self.today.isoformat(),
            "days": self.days,
            "streak": self.streak,
            "total_reviews": self.total_reviews,
            "cards": self.cards,
            "due_now": self.due_now,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "score_slope_per_week": (
                None if self.score_slope_per_week is None else round(self.score_slope_per_week, 4)
            ),
            "topics": [t.as_dict() for t in self.topics],
            "reviews_per_day": [
                {
                    "day": d.day.isoformat(),
                    "reviews": d.reviews,
                    "mean_score": None if d.mean_score is None else round(d.mean_score, 4),
                }
                for d in self.activity
            ],
        }


def streak(days_with_reviews: Iterable[date], today: date) -> int:
    """Consecutive days with reviews ending today (or yesterday, if today has none yet)."""
    days = set(days_with_reviews)
    cursor = today if today in days else today - timedelta(days=1)
    count = 0
    while cursor in days:
        count += 1
        cursor -= timedelta(days=1)
    return count


def daily_activity(
    reviews: Iterable[tuple[date, float | None]], today: date, days: int
) -> list[DayActivity]:
    """Per day of the last ``days`` days (today included): how many reviews, and their mean score."""
    counts: Counter[date] = Counter()
    scores: dict[date, list[float]] = defaultdict(list)
    for day, score in reviews:
        counts[day] += 1
        if score is not None:
            scores[day].append(score)
    first = today - timedelta(days=days - 1)
    return [
        DayActivity(d, counts[d], fmean(scores[d]) if scores[d] else None)
        for d in (first + timedelta(days=i) for i in range(days))
    ]


def slope_per_week(points: Sequence[tuple[date, float]]) -> float | None:
    """Least-squares slope of score against time, in score points per week; None below 2 days."""
    if len(points) < 2:
        return None
    origin = points[0][0]
    xs = [(d - origin).days for d, _ in points]
    ys = [y for _, y in points]
    mx, my = fmean(xs), fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return None
    return 7 * sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var


def build_progress(
    session: Session,
    user: User,
    catalog: Catalog,
    now: datetime,
    *,
    tz: tzinfo | None = None,
    days: int = DEFAULT_DAYS,
) -> ProgressReport:
    now = as_utc(now)
    today = local_date(now, tz)
    scheduler = user_scheduler(session, user)
    reviews = [
        (local_date(at, tz), score)
        for at, score in session.execute(
            select(ReviewLogEntry.reviewed_at, ReviewLogEntry.score).where(
                ReviewLogEntry.user_id == user.id
            )
        )
    ]
    activity = daily_activity(reviews, today, days)
    trend = [(d.day, d.mean_score) for d in activity if d.mean_score is not None]
    cards = session.scalar(
        select(func.count()).select_from(DrillCard).where(DrillCard.user_id == user.id)
    )
    due_now = session.scalar(
        select(func.count())
        .select_from(DrillCard)
        .where(DrillCard.user_id == user.id, DrillCard.due <= now)
    )
    next_due = session.scalar(
        select(DrillCard.due)
        .where(DrillCard.user_id == user.id, DrillCard.due > now)
        .order_by(DrillCard.due)
        .limit(1)
    )
    return ProgressReport(
        today=today,
        days=days,
        topics=list(topic_mastery(session, user, catalog, scheduler, now).values()),
        streak=streak((d for d, _ in reviews), today),
        total_reviews=len(reviews),
        activity=activity,
        score_slope_per_week=slope_per_week(trend),
        due_now=int(due_now or 0),
        cards=int(cards or 0),
        next_due=next_due,
    )
