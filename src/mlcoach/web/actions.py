"""What the pages and the API both do, once: grade and record, submit jobs, gather a dashboard.

Each function takes the app's `Web` and the user, checks the input, and raises `MlcoachError`s
(shown to the user as they are); ids of other users' things are reported as not found.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import PurePath
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mlcoach.catalog import Catalog, Problem, Question
from mlcoach.errors import MlcoachError, NotFoundError, refuse_empty_answer
from mlcoach.grading import Grade
from mlcoach.jobs import JobStatus
from mlcoach.practice.progress import streak
from mlcoach.store import record_attempt
from mlcoach.store.models import Attempt, DrillCard, ReviewLogEntry, User, utcnow
from mlcoach.web.render import Bar
from mlcoach.web.state import Web

T = TypeVar("T")
TEXT_LIMIT = 64 * 1024  # bytes of UTF-8, for an answer or a piece of code
IDEMPOTENCY_KEY_LIMIT = 80
REVIEW_SUFFIXES = (".ipynb", ".py", ".zip")
UPLOAD_LIMIT = 20 * 1024 * 1024


class TooLargeError(MlcoachError):
    """Text or a file over the size the app accepts (HTTP 413)."""


def check_text(text: str, what: str) -> str:
    size = len(text.encode("utf-8", errors="replace"))
    if size > TEXT_LIMIT:
        raise TooLargeError(
            f"the {what} is {size // 1024} KB; the limit is {TEXT_LIMIT // 1024} KB"
        )
    return text


# --- answers -----------------------------------------------------------------------------------


async def in_grading_pool(web: Web, fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)``, which waits for a grade, in the bounded pool of threads kept for that,
    off the event loop: a crowd of answers does not hold the threads page views use."""
    import anyio.to_thread

    return await anyio.to_thread.run_sync(
        functools.partial(fn, *args), limiter=web.grading_limiter()
    )


class IdempotencyConflict(MlcoachError):
    """The same idempotency key came with a different request."""


def check_idempotency_key(key: str | None) -> str | None:
    if key is None or not key.strip():
        return None
    key = key.strip()
    if len(key) > IDEMPOTENCY_KEY_LIMIT or not key.isprintable():
        raise MlcoachError(
            f"an idempotency key is 1 to {IDEMPOTENCY_KEY_LIMIT} printable characters"
        )
    return key


def _replayed(web: Web, user: User, key: str, question: Question, answer: str) -> Attempt | None:
    with web.database.session() as session:
        attempt = session.scalars(
            select(Attempt).where(Attempt.user_id == user.id, Attempt.idempotency_key == key)
        ).one_or_none()
    if attempt is not None and (attempt.question_id != question.id or attempt.answer != answer):
        raise IdempotencyConflict(
            "this idempotency key was already used for a different answer; send a new key"
        )
    return attempt


def _check_answer(
    web: Web, user: User, question: Question, answer: str, key: str | None
) -> tuple[str | None, Attempt | None]:
    """The answer's checks before grading: (its idempotency key, the attempt it repeats)."""
    check_text(answer, "answer")
    refuse_empty_answer(answer)
    key = check_idempotency_key(key)
    if key is not None:
        earlier = _replayed(web, user, key, question, answer)
        if earlier is not None:
            return key, earlier
    web.limiter.hit("grade", user.id)
    return key, None


def _record(
    web: Web, user: User, question: Question, answer: str, grade: Grade, key: str | None
) -> tuple[dict[str, Any], int, bool]:
    try:
        with web.database.session() as session:
            attempt = record_attempt(
                session,
                user,
                question.id,
                answer,
                score=grade.score,
                grade=grade.as_dict(),
                source="web",
                idempotency_key=key,
            )
            return grade.as_dict(), attempt.id, False
    except IntegrityError:
        # The same key arrived twice at once (two processes, or a retry racing the original):
        # the unique constraint kept one row; answer with it.
        earlier = _replayed(web, user, key, question, answer) if key else None
        if earlier is None:
            raise
        return dict(earlier.grade or {}), earlier.id, True


def grade_and_record(
    web: Web, user: User, question: Question, answer: str, key: str | None = None
) -> tuple[dict[str, Any], int, bool]:
    """Grade ``answer`` and store it as an attempt: (the grade, the attempt's id, replayed).

    With an idempotency ``key`` (a retried request carries the same one) the answer is stored
    once: a repeat returns the stored grade with ``replayed`` true, without grading again. The
    grade comes from the app's grading queue (answers arriving together share a model pass);
    this thread waits for it."""
    key, earlier = _check_answer(web, user, question, answer, key)
    if earlier is not None:
        return dict(earlier.grade or {}), earlier.id, True
    grade = web.grading.grade(question, answer)
    return _record(web, user, question, answer, grade, key)


async def grade_and_record_async(
    web: Web, user: User, question: Question, answer: str, key: str | None = None
) -> tuple[dict[str, Any], int, bool]:
    """`grade_and_record` for a request handler: no thread is held while the answer waits for
    its batch, so a crowd of answers does not use up the threads page views need."""
    import asyncio

    from starlette.concurrency import run_in_threadpool

    key, earlier = await run_in_threadpool(_check_answer, web, user, question, answer, key)
    if earlier is not None:
        return dict(earlier.grade or {}), earlier.id, True
    grade = await asyncio.wrap_future(web.grading.submit(question, answer))
    return await run_in_threadpool(_record, web, user, question, answer, grade, key)


def start_drill(
    web: Web, user: User, catalog: Catalog, *, topic: str | None = None, deck: str | None = None
) -> dict[str, Any]:
    """A new drill for ``user`` (only ``topic``; only the cards of their ``deck``), kept in
    `Web.drills` as the one on screen. The caller holds ``web.drills.lock_for(user.id)``."""
    from mlcoach.practice import DrillOptions, DrillSession
    from mlcoach.practice.decks import deck_questions

    questions = None if deck is None else deck_questions(catalog, web.deck_dir(user), deck)
    options = DrillOptions(topic=topic, questions=questions)
    drill = DrillSession(web.database, user, catalog, options=options, grader=web.grading.grade)
    entry: dict[str, Any] = {"drill": drill, "attempt_id": None, "topic": topic, "deck": deck}
    web.drills.put(user.id, entry)
    return entry


def drill_on_screen(
    web: Web, user: User, catalog: Catalog, *, topic: str | None = None, deck: str | None = None
) -> dict[str, Any]:
    """``user``'s drill: the one going on, unless another ``topic`` or ``deck`` is asked for.

    A drill begun on an older catalog of theirs (they imported or edited cards since) starts again
    on ``catalog`` with the same topic and deck, so the cards shown are the cards as they are now;
    never while an answer waits for its rating. The caller holds ``web.drills.lock_for(user.id)``.
    A ``topic`` or ``deck`` that names nothing is NotFoundError: a drill of everything in its place
    would look like the one asked for.
    """
    if topic is not None and topic not in catalog.topics:
        raise NotFoundError(f"no topic named {topic!r}")
    entry = web.drills.get(user.id)
    if entry is None:
        return start_drill(web, user, catalog, topic=topic, deck=deck)
    if (topic is not None or deck is not None) and (entry["topic"], entry["deck"]) != (topic, deck):
        return start_drill(web, user, catalog, topic=topic, deck=deck)
    if entry["drill"].catalog is not catalog and entry["attempt_id"] is None:
        try:
            return start_drill(web, user, catalog, topic=entry["topic"], deck=entry["deck"])
        except NotFoundError:  # the deck drilled is gone: drill everything instead
            return start_drill(web, user, catalog, topic=entry["topic"])
    return entry


def attempt_of(web: Web, user: User, attempt_id: int) -> Attempt:
    with web.database.session() as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None or attempt.user_id != user.id:
            raise NotFoundError(f"no attempt with id {attempt_id}")
        return attempt


def delete_attempt(web: Web, user: User, attempt_id: int) -> None:
    from sqlalchemy import update

    from mlcoach.store.models import ReviewLogEntry as Log

    with web.database.session() as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None or attempt.user_id != user.id:
            raise NotFoundError(f"no attempt with id {attempt_id}")
        # The drill's review log keeps its rating; only the link to the answer goes.
        session.execute(update(Log).where(Log.attempt_id == attempt_id).values(attempt_id=None))
        session.delete(attempt)


def attempts_of(web: Web, user: User, *, limit: int = 50, offset: int = 0) -> list[Attempt]:
    with web.database.session() as session:
        return list(
            session.scalars(
                select(Attempt)
                .where(Attempt.user_id == user.id)
                .order_by(Attempt.created_at.desc(), Attempt.id.desc())
                .limit(limit)
                .offset(offset)
            )
        )


def attempt_json(attempt: Attempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "question_id": attempt.question_id,
        "answer": attempt.answer,
        "score": attempt.score,
        "grade": attempt.grade,
        "source": attempt.source,
        "created_at": attempt.created_at.isoformat(),
    }


# --- code ----------------------------------------------------------------------------------------


def submit_code(web: Web, user: User, problem: Problem, code: str, mode: str) -> str:
    """Queue a judge job; ``mode`` is "run" (visible tests) or "submit" (every test)."""
    if mode not in ("run", "submit"):
        raise MlcoachError(f"unknown mode {mode!r}; use run (visible tests) or submit (all tests)")
    check_text(code, "code")
    if not code.strip():
        raise MlcoachError("the code is empty")
    web.limiter.hit("judge", user.id)
    return web.jobs.submit(
        "judge", {"problem_id": problem.id, "code": code, "mode": mode}, user_id=user.id
    )


def job_of(web: Web, user: User, job_id: str, kind: str | None = None) -> JobStatus:
    status = web.jobs.status(job_id, user_id=user.id)
    if kind is not None and status.kind != kind:
        what = {"judge": "submission", "review": "review"}.get(kind, "job")
        raise NotFoundError(f"no {what} with id {job_id!r}")
    return status


def solved_problems(web: Web, user: User) -> set[str]:
    """Problems the user has had accepted at least once, from the web or the terminal."""
    from mlcoach.store.submissions import problem_status

    with web.database.session() as session:
        return {pid for pid, state in problem_status(session, user).items() if state == "solved"}


def delete_submission(web: Web, user: User, job_id: str) -> None:
    """Forget a judge job and the submission it recorded."""
    from mlcoach.store.models import Submission

    status = job_of(web, user, job_id, "judge")
    recorded = (status.result or {}).get("submission_id")
    web.jobs.delete(job_id, user_id=user.id)
    if isinstance(recorded, int):
        with web.database.session() as session:
            row = session.get(Submission, recorded)
            if row is not None and row.user_id == user.id:
                session.delete(row)


# --- reviews -------------------------------------------------------------------------------------


def submit_review(web: Web, user: User, filename: str, data: bytes, execute: bool = False) -> str:
    name = PurePath(filename.replace("\\", "/")).name
    if not name or not name.lower().endswith(REVIEW_SUFFIXES):
        raise MlcoachError(
            f"cannot review {name or 'a file without a name'!r}: upload a notebook (.ipynb), "
            "a Python script (.py) or a zip of the project (.zip)"
        )
    if not data:
        raise MlcoachError(f"{name} is empty")
    if len(data) > UPLOAD_LIMIT:
        raise TooLargeError(
            f"{name} is {len(data) / 2**20:.1f} MB; the limit is {UPLOAD_LIMIT // 2**20} MB"
        )
    web.limiter.hit("review", user.id)
    return web.jobs.submit(
        "review",
        {"filename": name, "execute": execute},
        user_id=user.id,
        attachment=data,
        attachment_name=name,
    )


# --- dashboard -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    due_today: int
    cards: int
    streak: int
    bars: list[Bar]
    recent: list[Attempt]
    attempts_total: int


def dashboard(web: Web, user: User, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    local_now = now.astimezone()
    end_of_day = (
        local_now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    ).astimezone(UTC)
    with web.database.session() as session:
        due_today = session.scalar(
            select(func.count())
            .select_from(DrillCard)
            .where(DrillCard.user_id == user.id, DrillCard.due < end_of_day)
        )
        cards = session.scalar(
            select(func.count()).select_from(DrillCard).where(DrillCard.user_id == user.id)
        )
        since = now - timedelta(days=400)
        moments = list(
            session.scalars(
                select(Attempt.created_at).where(
                    Attempt.user_id == user.id, Attempt.created_at >= since
                )
            )
        ) + list(
            session.scalars(
                select(ReviewLogEntry.reviewed_at).where(
                    ReviewLogEntry.user_id == user.id, ReviewLogEntry.reviewed_at >= since
                )
            )
        )
        total = session.scalar(
            select(func.count()).select_from(Attempt).where(Attempt.user_id == user.id)
        )
        bars = _mastery_bars(web, session, user, now)
    days: set[date] = {m.astimezone().date() for m in moments}
    return Dashboard(
        due_today=int(due_today or 0),
        cards=int(cards or 0),
        streak=streak(days, local_now.date()),
        bars=bars,
        recent=attempts_of(web, user, limit=8),
        attempts_total=int(total or 0),
    )


def _mastery_bars(web: Web, session: Any, user: User, now: datetime) -> list[Bar]:
    from mlcoach.practice.mastery import topic_mastery
    from mlcoach.practice.session import user_scheduler

    mastery = topic_mastery(
        session, user, web.catalog_for(user), user_scheduler(session, user), now
    )
    bars = []
    for m in mastery.values():
        if m.strength is None:
            detail = f"not practised yet ({m.questions} questions)"
        else:
            detail = f"{m.practised} of {m.questions} questions practised"
        bars.append(Bar(m.title, m.strength, detail, f"/questions?topic={m.topic}"))
    return bars
