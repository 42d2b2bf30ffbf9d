"""Tables. Every timestamp is stored and returned timezone-aware, in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

DEFAULT_USER_NAME = "local"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite keeps no time zone, so values are normalised to UTC on the way in and marked on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # argon2 hash, set for accounts signed up in team mode; None for the single-user "local" user.
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True, default=None)
    # Signed session cookies carry this number; signing out bumps it, so every cookie issued
    # before (a saved copy included) stops working on the server.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    attempts: Mapped[list[Attempt]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class Attempt(Base):
    """One answer a user gave to a concept question, with its grade once graded."""

    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_user_question", "user_id", "question_id"),
        # A retried submission (lost response, double click) carries the same key: stored once.
        UniqueConstraint("user_id", "idempotency_key", name="uq_attempts_user_idempotency_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(120))
    answer: Mapped[str] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    grade: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="cli")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), nullable=True, default=None)

    user: Mapped[User] = relationship(back_populates="attempts")


class DrillCard(Base):
    """A user's spaced-repetition card for one concept question, in FSRS terms.

    The row exists from the first time the user rates the question; its id is the FSRS card id.
    """

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id", name="uq_cards_user_question"),
        Index("ix_cards_user_due", "user_id", "due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(120))
    # fsrs.State: 1 learning, 2 review, 3 relearning.
    state: Mapped[int] = mapped_column(Integer)
    step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stability: Mapped[float | None] = mapped_column(Float, nullable=True)
    difficulty: Mapped[float | None] = mapped_column(Float, nullable=True)
    due: Mapped[datetime] = mapped_column()
    last_review: Mapped[datetime | None] = mapped_column(nullable=True)
    # When the question was first rated: the daily limit of new cards counts these.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewLogEntry(Base):
    """One rating of a card, kept so that FSRS parameters can be re-fitted from the history."""

    __tablename__ = "review_logs"
    __table_args__ = (Index("ix_review_logs_user_reviewed", "user_id", "reviewed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(120))
    # fsrs.Rating: 1 again, 2 hard, 3 good, 4 easy; `suggested_rating` is what the grade proposed.
    rating: Mapped[int] = mapped_column(Integer)
    suggested_rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    attempt_id: Mapped[int | None] = mapped_column(
        ForeignKey("attempts.id", ondelete="SET NULL"), nullable=True
    )
    reviewed_at: Mapped[datetime] = mapped_column()
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SchedulerParameters(Base):
    """FSRS weights re-fitted to one user's review history (absent: the published defaults)."""

    __tablename__ = "scheduler_parameters"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    parameters: Mapped[list[float]] = mapped_column(JSON)
    desired_retention: Mapped[float] = mapped_column(Float, default=0.9)
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    fitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(Base):
    """A piece of long work (judging, reviewing) run by an in-process thread or a Celery worker.

    The row is the single source of truth, so any web process can report on any worker's job.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_user_kind_created", "user_id", "kind", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    # queued -> running -> done | failed
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # An uploaded file the job reads (a notebook, a zip); in the row so a worker on another machine
    # can read it. Deferred: listing jobs never loads it.
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    attachment_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Submission(Base):
    """One solution a user submitted to a coding problem, with the judge's verdict on each test."""

    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_user_problem", "user_id", "problem_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    problem_id: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(String(40))
    passed: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    # The judge's whole report: per-test verdicts, times, memory, the first visible failure.
    results: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(20), default="cli")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    judged_at: Mapped[datetime | None] = mapped_column(nullable=True)


# --- Mock interviews, study plans and tracked interviews (mlcoach.interview) ----------------------


class MockSession(Base):
    """A mock interview: its rounds in order, each with the prompts asked and the answers given.

    Every answer is committed as it is given, so an interrupted session resumes where it stopped.
    """

    __tablename__ = "mock_sessions"
    __table_args__ = (Index("ix_mock_sessions_user_started", "user_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    minutes: Mapped[int] = mapped_column(Integer)
    # The seed that chose the questions, so a session can be re-created exactly for a bug report.
    seed: Mapped[int] = mapped_column(Integer)
    # active -> finished
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    # The project the deep-dive round is about, when the user gave it up front (text of a README).
    project: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    scorecard: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    transcript: Mapped[str | None] = mapped_column(Text, nullable=True)

    rounds: Mapped[list[MockRound]] = relationship(
        back_populates="mock_session",
        cascade="all, delete-orphan",
        order_by="MockRound.position",
    )


class MockRound(Base):
    """One timed round of a mock interview, with the prompts planned for it."""

    __tablename__ = "mock_rounds"
    __table_args__ = (UniqueConstraint("session_id", "position", name="uq_mock_rounds_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mock_sessions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120))
    # pending -> active -> done | timed-out | skipped
    status: Mapped[str] = mapped_column(String(16), default="pending")
    budget_seconds: Mapped[int] = mapped_column(Integer)
    # Time spent in the round up to `clock_started_at`; the clock is stopped while that is NULL.
    used_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    clock_started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    prompts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)

    mock_session: Mapped[MockSession] = relationship(back_populates="rounds")
    answers: Mapped[list[MockAnswer]] = relationship(
        back_populates="mock_round", cascade="all, delete-orphan", order_by="MockAnswer.id"
    )


class MockAnswer(Base):
    """One answer (or code submission, or a skip) given to one prompt of a mock round."""

    __tablename__ = "mock_answers"
    __table_args__ = (
        Index("ix_mock_answers_round_prompt", "round_id", "prompt_index"),
        # A resent answer form (double click, reload after a lost response) carries the same key:
        # the second copy cannot be stored, even when both arrive at once.
        UniqueConstraint("round_id", "idempotency_key", name="uq_mock_answers_round_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("mock_rounds.id", ondelete="CASCADE"))
    prompt_index: Mapped[int] = mapped_column(Integer)
    prompt_id: Mapped[str] = mapped_column(String(160))
    text: Mapped[str] = mapped_column(Text)
    skipped: Mapped[bool] = mapped_column(default=False)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The grade (concept, design) or the judge's verdict (coding), as JSON.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    elapsed_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), nullable=True, default=None)

    mock_round: Mapped[MockRound] = relationship(back_populates="answers")


class StudyPlan(Base):
    """A day-by-day study plan towards an interview date; re-planned when days are missed."""

    __tablename__ = "study_plans"
    __table_args__ = (Index("ix_study_plans_user_active", "user_id", "active"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    interview_date: Mapped[date] = mapped_column()
    start_date: Mapped[date] = mapped_column()
    hours_per_week: Mapped[float] = mapped_column(Float)
    # Extra weight per topic (from a job description's gaps), on top of role and mastery.
    focus: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    days: Mapped[list[StudyDay]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="StudyDay.day"
    )


class StudyDay(Base):
    """One study day of a plan: what to do, for how long, and whether it was done."""

    __tablename__ = "study_days"
    __table_args__ = (UniqueConstraint("plan_id", "day", name="uq_study_days_plan_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plans.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column()
    minutes: Mapped[int] = mapped_column(Integer)
    activities: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # planned -> done | missed
    status: Mapped[str] = mapped_column(String(10), default="planned")

    plan: Mapped[StudyPlan] = relationship(back_populates="days")


class Interview(Base):
    """A real interview the user is preparing for, with its stage and what happened."""

    __tablename__ = "interviews"
    __table_args__ = (Index("ix_interviews_user_date", "user_id", "interview_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    company: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    interview_date: Mapped[date | None] = mapped_column(nullable=True)
    interview_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    location: Mapped[str | None] = mapped_column(String(300), nullable=True)
    stage: Mapped[str] = mapped_column(String(30), default="applied")
    interviewers: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticks: Mapped[list[ChecklistTick]] = relationship(
        back_populates="interview", cascade="all, delete-orphan"
    )


class ChecklistTick(Base):
    """A checklist item the user has done for one interview."""

    __tablename__ = "interview_checklist_ticks"
    __table_args__ = (
        UniqueConstraint("interview_id", "item_key", name="uq_checklist_ticks_interview_item"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    # "<checklist id>/<item id>": stable when the item's wording changes.
    item_key: Mapped[str] = mapped_column(String(200))
    ticked_at: Mapped[datetime] = mapped_column(default=utcnow)

    interview: Mapped[Interview] = relationship(back_populates="ticks")


class Invite(Base):
    """An invite code for team-mode sign-up (MLCOACH_SIGNUP=invite); only its hash is stored."""

    __tablename__ = "invites"
    __table_args__ = (UniqueConstraint("code_hash", name="uq_invites_code_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    used_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
