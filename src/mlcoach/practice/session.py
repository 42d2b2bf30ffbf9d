"""A drill: due cards first, then new ones up to a daily limit; each answer graded, rated, scheduled.

The terminal and the web app drive the same object:

    session = DrillSession(database, user, catalog)
    while (item := session.next_card()) is not None:
        grade = session.submit(answer_text)      # stores the attempt at once
        session.record(session.suggested_rating) # or the rating the user chose; commits the card
    session.summary()

Every answer is committed in its own transaction when it is submitted, and its card and review log
when it is rated, so an interrupted drill loses nothing that was answered and rated.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from statistics import fmean

from fsrs import Rating, Scheduler
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcoach.catalog import DIFFICULTIES, ROLES, Catalog, Question
from mlcoach.errors import MlcoachError, NotFoundError, refuse_empty_answer
from mlcoach.grading import Grade, grade_answer
from mlcoach.practice.mastery import topic_mastery, weakest_topics
from mlcoach.practice.scheduling import (
    RATING_NAMES,
    as_utc,
    copy_into,
    make_scheduler,
    new_card_row,
    suggest_rating,
    to_fsrs,
)
from mlcoach.practice.timezones import start_of_local_day
from mlcoach.store import Database
from mlcoach.store.attempts import record_attempt
from mlcoach.store.models import (
    Attempt,
    DrillCard,
    ReviewLogEntry,
    SchedulerParameters,
    User,
    utcnow,
)

GradeFunction = Callable[[Question, str], Grade]
Clock = Callable[[], datetime]

DEFAULT_NEW_PER_DAY = 10
DEFAULT_WEAK_TOPICS = 3


@dataclass(frozen=True)
class DrillOptions:
    topic: str | None = None
    role: str | None = None
    difficulty: str | None = None
    new_per_day: int = DEFAULT_NEW_PER_DAY
    weak: bool = False
    weak_topics: int = DEFAULT_WEAK_TOPICS
    # Only these questions (one of the user's decks); None: every question the other filters pass.
    questions: frozenset[str] | None = None


@dataclass(frozen=True)
class DrillItem:
    """The card on screen."""

    question: Question
    is_new: bool
    due: datetime | None  # when a review card fell due; None for a new card
    number: int  # 1 for the first card shown in this session


@dataclass(frozen=True)
class RecordedReview:
    question_id: str
    rating: Rating
    suggested: Rating
    score: float
    due: datetime  # when the card comes back
    attempt_id: int


@dataclass(frozen=True)
class DrillSummary:
    done: int
    skipped: int
    average_score: float | None
    ratings: dict[str, int]
    due_now: int  # cards still due after the session (counting all topics)
    next_due: datetime | None  # the earliest due date of the user's cards after now
    weak_topics: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "done": self.done,
            "skipped": self.skipped,
            "average_score": None if self.average_score is None else round(self.average_score, 3),
            "ratings": self.ratings,
            "due_now": self.due_now,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "weak_topics": list(self.weak_topics),
        }


@dataclass
class _Pending:
    item: DrillItem
    shown_at: float
    grade: Grade | None = None
    attempt_id: int | None = None
    duration_ms: int | None = None


@dataclass
class _Tally:
    reviews: list[RecordedReview] = field(default_factory=list)
    skipped: int = 0


def check_filters(catalog: Catalog, options: DrillOptions) -> None:
    if options.topic is not None:
        catalog.topic(options.topic)
    if options.role is not None and options.role not in ROLES:
        raise MlcoachError(f"unknown role {options.role!r}; choose one of: {', '.join(ROLES)}")
    if options.difficulty is not None and options.difficulty not in DIFFICULTIES:
        raise MlcoachError(
            f"unknown difficulty {options.difficulty!r}; choose one of: {', '.join(DIFFICULTIES)}"
        )
    if options.new_per_day < 0:
        raise MlcoachError("--new must be 0 or more")
    if options.weak_topics < 1:
        raise MlcoachError("the number of weak topics must be 1 or more")


def order_new_questions(
    questions: Sequence[Question], topic_rank: dict[str, int] | None = None
) -> list[Question]:
    """New questions easiest first, taking the topics in turn so a drill is not one topic long.

    With ``topic_rank`` (weak mode) the weakest topic comes first at each difficulty.
    """
    level = {d: i for i, d in enumerate(DIFFICULTIES)}
    seen_in_topic: dict[tuple[str, str], int] = {}
    keyed = []
    for index, q in enumerate(questions):
        turn = seen_in_topic.get((q.difficulty, q.topic), 0)
        seen_in_topic[(q.difficulty, q.topic)] = turn + 1
        rank = (topic_rank or {}).get(q.topic, 0)
        keyed.append(((level[q.difficulty], turn, rank, index), q))
    keyed.sort(key=lambda pair: pair[0])
    return [q for _, q in keyed]


def user_scheduler(session: Session, user: User) -> Scheduler:
    """The FSRS scheduler for a user: their re-fitted parameters if any, else the defaults."""
    fitted = session.get(SchedulerParameters, user.id)
    if fitted is None:
        return make_scheduler()
    return make_scheduler(fitted.parameters, fitted.desired_retention)


def is_rated(session: Session, attempt_id: int) -> bool:
    """Whether a drill answer has had its rating recorded."""
    found = session.scalar(
        select(ReviewLogEntry.id).where(ReviewLogEntry.attempt_id == attempt_id).limit(1)
    )
    return found is not None


def record_review(
    database: Database,
    user: User,
    attempt_id: int,
    rating: Rating | None = None,
    *,
    scheduler: Scheduler | None = None,
    now: datetime | None = None,
    duration_ms: int | None = None,
) -> RecordedReview:
    """Schedule the card of a stored drill answer with ``rating`` (default: the one its grade
    suggests), and log the review; all in one transaction.

    Everything it needs is in the database, so a web app can rate an answer given in another
    process or before a restart. An answer is rated once.
    """
    moment = as_utc(now or utcnow())
    with database.session() as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None or attempt.user_id != user.id or attempt.source != "drill":
            raise NotFoundError(f"no drill answer with id {attempt_id}")
        if is_rated(session, attempt_id):
            raise MlcoachError("this answer is already rated")
        score = attempt.score or 0.0
        suggested = suggest_rating(score)
        chosen = Rating(rating) if rating is not None else suggested
        row = session.scalars(
            select(DrillCard).where(
                DrillCard.user_id == user.id, DrillCard.question_id == attempt.question_id
            )
        ).one_or_none()
        if row is None:
            row = new_card_row(user.id, attempt.question_id, moment)
            session.add(row)
            session.flush()  # the row id becomes the FSRS card id
        card, _log = (scheduler or user_scheduler(session, user)).review_card(
            to_fsrs(row), chosen, review_datetime=moment, review_duration=duration_ms
        )
        copy_into(row, card)
        session.add(
            ReviewLogEntry(
                user_id=user.id,
                card_id=row.id,
                question_id=attempt.question_id,
                rating=int(chosen),
                suggested_rating=int(suggested),
                score=score,
                attempt_id=attempt_id,
                reviewed_at=moment,
                duration_ms=duration_ms,
            )
        )
    return RecordedReview(attempt.question_id, chosen, suggested, score, card.due, attempt_id)


class DrillSession:
    def __init__(
        self,
        database: Database,
        user: User,
        catalog: Catalog,
        *,
        options: DrillOptions | None = None,
        grader: GradeFunction = grade_answer,
        scheduler: Scheduler | None = None,
        clock: Clock = utcnow,
        tz: tzinfo | None = None,
    ) -> None:
        self.database = database
        self.user = user
        self.catalog = catalog
        self.options = options or DrillOptions()
        check_filters(catalog, self.options)
        self.grader = grader
        self.clock = clock
        self.tz = tz
        with database.session() as session:
            self.scheduler = scheduler or user_scheduler(session, user)
        self._pool = self._filtered(catalog.questions.values())
        self.weak_topics: tuple[str, ...] = ()
        topic_rank: dict[str, int] | None = None
        if self.options.weak:
            self.weak_topics = self._find_weak_topics()
            topic_rank = {t: i for i, t in enumerate(self.weak_topics)}
            self._pool = [q for q in self._pool if q.topic in topic_rank]
        self._by_id = {q.id: q for q in self._pool}
        self._new_order = order_new_questions(self._pool, topic_rank)
        self._pending: _Pending | None = None
        self._skipped: set[str] = set()
        self._tally = _Tally()
        self._shown = 0
        # New cards this session may show: a skipped new card uses its place here (the drill does
        # not become a walk through the whole bank), though not in the day's count of new cards.
        self._new_budget = self.new_cards_left_today()

    # --- choosing cards -------------------------------------------------------------------

    def _filtered(self, questions: Iterable[Question]) -> list[Question]:
        o = self.options
        return [
            q
            for q in questions
            if (o.topic is None or q.topic == o.topic)
            and (o.role is None or o.role in q.roles)
            and (o.difficulty is None or q.difficulty == o.difficulty)
            and (o.questions is None or q.id in o.questions)
        ]

    def _find_weak_topics(self) -> tuple[str, ...]:
        now = self._now()
        with self.database.session() as session:
            mastery = topic_mastery(
                session, self.user, self.catalog, self.scheduler, now, questions=self._pool
            )
        weakest = weakest_topics(mastery.values(), self.options.weak_topics)
        if not weakest:
            raise MlcoachError(
                "--weak needs some history: no reviewed cards match these filters yet; "
                "run `mlcoach drill` first"
            )
        return tuple(m.topic for m in weakest)

    def _now(self) -> datetime:
        return as_utc(self.clock())

    def new_cards_left_today(self) -> int:
        """How many new cards may still be introduced today under the daily limit."""
        day_start = start_of_local_day(self._now(), self.tz)
        with self.database.session() as session:
            introduced = session.scalar(
                select(func.count())
                .select_from(DrillCard)
                .where(DrillCard.user_id == self.user.id, DrillCard.created_at >= day_start)
            )
        return max(0, self.options.new_per_day - int(introduced or 0))

    def due_cards(self) -> list[DrillCard]:
        """The cards of this drill's questions that are due now, the longest overdue first."""
        with self.database.session() as session:
            rows = session.scalars(
                select(DrillCard)
                .where(DrillCard.user_id == self.user.id, DrillCard.due <= self._now())
                .order_by(DrillCard.due, DrillCard.id)
            ).all()
        return [r for r in rows if r.question_id in self._by_id]

    def next_card(self) -> DrillItem | None:
        """The next card to answer, or None when nothing is due and no new card is left for today.

        A card shown but not answered counts as skipped.
        """
        if self._pending is not None:
            if self._pending.grade is not None:
                raise RuntimeError("rate the answered card (record) before moving on")
            self.skip()
        item = self._next_due() or self._next_new()
        if item is not None:
            self._pending = _Pending(item, _time.monotonic())
        return item

    def _next_due(self) -> DrillItem | None:
        for row in self.due_cards():
            if row.question_id not in self._skipped:
                self._shown += 1
                return DrillItem(self._by_id[row.question_id], False, row.due, self._shown)
        return None

    def _next_new(self) -> DrillItem | None:
        if self._new_budget <= 0 or self.new_cards_left_today() <= 0:
            return None
        with self.database.session() as session:
            carded = set(
                session.scalars(
                    select(DrillCard.question_id).where(DrillCard.user_id == self.user.id)
                )
            )
        for q in self._new_order:
            if q.id not in carded and q.id not in self._skipped:
                self._shown += 1
                self._new_budget -= 1
                return DrillItem(q, True, None, self._shown)
        return None

    # --- answering --------------------------------------------------------------------------

    @property
    def current(self) -> DrillItem | None:
        return self._pending.item if self._pending else None

    def skip(self) -> None:
        """Leave the card on screen without rating it; it is not shown again in this session.

        An answer already given stays stored but unrated, so the card is not scheduled by it (the
        answer can still be rated later, by its id, with `record_review`)."""
        pending = self._require_pending()
        self._skipped.add(pending.item.question.id)
        self._tally.skipped += 1
        self._pending = None

    def submit(self, answer: str) -> Grade:
        """Grade the answer to the card on screen and store it as an attempt (committed now).

        An empty answer raises EmptyAnswerError and leaves the card on screen, unanswered."""
        pending = self._require_pending()
        if pending.grade is not None:
            raise RuntimeError("this card is already answered")
        refuse_empty_answer(answer)
        question = pending.item.question
        grade = self.grader(question, answer)
        with self.database.session() as session:
            attempt = record_attempt(
                session,
                self.user,
                question.id,
                answer,
                score=grade.score,
                grade=grade.as_dict(),
                source="drill",
            )
            attempt_id = attempt.id
        pending.grade = grade
        pending.attempt_id = attempt_id
        pending.duration_ms = int((_time.monotonic() - pending.shown_at) * 1000)
        return grade

    @property
    def suggested_rating(self) -> Rating:
        pending = self._require_pending()
        if pending.grade is None:
            raise RuntimeError("submit an answer before asking for its rating")
        return suggest_rating(pending.grade.score)

    def record(self, rating: Rating | None = None) -> RecordedReview:
        """Schedule the answered card with ``rating`` (default: the suggested one) and commit it."""
        pending = self._require_pending()
        if pending.grade is None or pending.attempt_id is None:
            raise RuntimeError("submit an answer before rating it")
        review = record_review(
            self.database,
            self.user,
            pending.attempt_id,
            rating,
            scheduler=self.scheduler,
            now=self._now(),
            duration_ms=pending.duration_ms,
        )
        self._tally.reviews.append(review)
        self._pending = None
        return review

    def _require_pending(self) -> _Pending:
        if self._pending is None:
            raise RuntimeError("no card on screen: call next_card first")
        return self._pending

    # --- the end ----------------------------------------------------------------------------

    def summary(self) -> DrillSummary:
        reviews = self._tally.reviews
        ratings = {name: 0 for name in RATING_NAMES.values()}
        for r in reviews:
            ratings[RATING_NAMES[r.rating]] += 1
        now = self._now()
        with self.database.session() as session:
            due_now = session.scalar(
                select(func.count())
                .select_from(DrillCard)
                .where(DrillCard.user_id == self.user.id, DrillCard.due <= now)
            )
            next_due = session.scalar(
                select(DrillCard.due)
                .where(DrillCard.user_id == self.user.id, DrillCard.due > now)
                .order_by(DrillCard.due)
                .limit(1)
            )
        return DrillSummary(
            done=len(reviews),
            skipped=self._tally.skipped,
            average_score=fmean(r.score for r in reviews) if reviews else None,
            ratings=ratings,
            due_now=int(due_now or 0),
            next_due=next_due,
            weak_topics=self.weak_topics,
        )
