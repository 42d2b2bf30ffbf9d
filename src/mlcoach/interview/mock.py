"""A timed mock interview: the session API the CLI (and later the web app) drives.

    interview = MockInterview.start(db, catalog, user_id, role="engineering", minutes=45)
    while (prompt := interview.current_prompt()) is not None:
        interview.begin_round()                 # starts the round's clock (idempotent)
        outcome = interview.answer(text)        # graded or judged, committed at once
        ...                                     # interview.time_left(), interview.skip(), .advance()
    scorecard = interview.finish()              # per-round scores, strengths, areas, drills queued

Rounds run in order: fact finding, project deep-dive, concept questions, a judged coding problem
and a design scenario, each with its share of the minutes. The clock of a round runs only while
it is active; when its time is up the round closes and keeps what was answered. Every answer is
committed as it is given: `MockInterview.resume` continues an interrupted session, with each
round's clock stopped at the last committed answer (time spent away is not charged).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mlcoach.catalog import ROLES, Catalog, Problem, Question, Scenario
from mlcoach.config import Settings
from mlcoach.errors import MlcoachError, NotFoundError, refuse_empty_answer
from mlcoach.interview.data import fact_finding_table, roles_table
from mlcoach.interview.deepdive import (
    DeepDiveQuestion,
    ProjectProfile,
    deep_dive_questions,
    detect_project,
)
from mlcoach.interview.design import DesignGrade, grade_design
from mlcoach.interview.matching import Embedder
from mlcoach.interview.rounds import (
    ROUND_KINDS,
    ROUND_SHARES,
    ROUND_TITLES,
    AnswerRecord,
    Prompt,
    RoundKind,
    RoundState,
)
from mlcoach.interview.scorecard import Scorecard, build_scorecard, transcript_markdown
from mlcoach.interview.services import (
    AnswerGrader,
    CodeJudge,
    CodeVerdict,
    DrillQueue,
    JudgeUnavailableError,
    RealJudge,
    default_drill_queue,
    default_grader,
)
from mlcoach.practice.mastery import user_topic_mastery
from mlcoach.store import Database, record_attempt
from mlcoach.store.models import MockAnswer, MockRound, MockSession, User

Clock = Callable[[], datetime]

MIN_MINUTES = 10
MAX_MINUTES = 240
MAX_ANSWER_CHARS = 50_000
MAX_CODE_CHARS = 100_000
# An answer that arrives this long after its round's time ran out is not recorded: the terminal
# submits what was typed when the clock reaches zero, so only a stale client gets here.
GRACE_SECONDS = 20.0
# Minutes an interviewer gives each prompt, which sets how many prompts fit in a round.
MINUTES_PER_PROMPT = {"fact-finding": 1.6, "deep-dive": 2.4, "concepts": 3.0}


class MockError(MlcoachError):
    """A mock interview cannot do what was asked (no session to resume, nothing left to answer)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class MockServices:
    """The capabilities a mock interview calls; None means "the default one", built on first use."""

    grader: AnswerGrader | None = None
    judge: CodeJudge | None = None
    drills: DrillQueue | None = None
    embedder: Embedder | None = None
    use_judge: bool = True
    use_embedder: bool = True
    # Where the default grader and embedder come from: the grader setting, and the data folder
    # that keeps key-point vectors.
    settings: Settings | None = None
    _defaults: dict[str, Any] = field(default_factory=dict, repr=False)

    def get_grader(self) -> AnswerGrader:
        if self.grader is None:
            self.grader = default_grader(self.settings)
        return self.grader

    def get_judge(self) -> CodeJudge | None:
        if self.judge is None and self.use_judge:
            self.judge = RealJudge()
        return self.judge

    def get_drills(self, database: Database) -> DrillQueue | None:
        if self.drills is None and "drills" not in self._defaults:
            self._defaults["drills"] = True
            self.drills = default_drill_queue(database)
        return self.drills

    def get_embedder(self) -> Embedder | None:
        if self.embedder is None and self.use_embedder and "embedder" not in self._defaults:
            from mlcoach.interview.matching import default_embedder

            self._defaults["embedder"] = True
            self.embedder = default_embedder(self.settings)
        return self.embedder


@dataclass(frozen=True)
class AnswerOutcome:
    """What happened to an answer: its score and feedback, and where the interview stands now."""

    prompt: Prompt
    recorded: bool
    score: float | None
    result: dict[str, Any] | None
    round_closed: bool
    timed_out: bool
    retry: bool = False  # a coding submission that failed; another one may be sent
    message: str | None = None
    # The answer had been recorded already under the same idempotency key: this is that outcome.
    replayed: bool = False


# --- Planning the rounds (pure functions of the catalog, the user's history and a seeded RNG) ----


def split_minutes(minutes: int, kinds: Sequence[str]) -> dict[str, int]:
    """Each round's seconds, in whole minutes by largest remainder so they add up exactly."""
    total_share = sum(ROUND_SHARES[k] for k in kinds)
    raw = {k: minutes * ROUND_SHARES[k] / total_share for k in kinds}
    whole = {k: max(1, int(v)) for k, v in raw.items()}
    left = minutes - sum(whole.values())
    for k in sorted(kinds, key=lambda k: raw[k] - int(raw[k]), reverse=True):
        if left <= 0:
            break
        whole[k] += 1
        left -= 1
    return {k: whole[k] * 60 for k in kinds}


def prompts_for(kind: str, seconds: int) -> int:
    return max(1, int(seconds / 60 / MINUTES_PER_PROMPT[kind]))


def plan_fact_finding(role: str, seconds: int, rng: random.Random) -> list[Prompt]:
    table = fact_finding_table()
    n = max(
        1, prompts_for("fact-finding", seconds) - 1
    )  # the last slot is the candidate's questions
    own = [q for q in table.questions if role in q.roles]
    general = [q for q in table.questions if not q.roles]
    rng.shuffle(own)
    rng.shuffle(general)
    picked = (own[:1] + general)[:n]
    prompts = [Prompt(i, q.id, "fact-finding", q.prompt, ref=q.id) for i, q in enumerate(picked)]
    yours = table.your_questions
    prompts.append(Prompt(len(prompts), yours.id, "your-questions", yours.prompt, ref=yours.id))
    return prompts


def plan_concepts(
    catalog: Catalog,
    role: str,
    seconds: int,
    rng: random.Random,
    mastery: dict[str, float],
    history: dict[str, float],
) -> list[Prompt]:
    """Questions for the role, one per technical topic, drawn with more weight on important and
    weak topics and on questions the user has not answered well before."""
    n = prompts_for("concepts", seconds)
    technical = {slug for slug, topic in catalog.topics.items() if topic.kind == "technical"}
    pool = [q for q in catalog.questions.values() if role in q.roles and q.topic in technical]
    roles = roles_table()
    by_topic: dict[str, list[Question]] = {}
    for q in pool:
        by_topic.setdefault(q.topic, []).append(q)
    topics = sorted(by_topic)
    chosen: list[Question] = []
    while topics and len(chosen) < n:
        weights = [roles.weight(role, t) * (1.25 - mastery.get(t, 0.0)) for t in topics]
        topic = rng.choices(topics, weights=weights)[0]
        topics.remove(topic)
        candidates = by_topic[topic]
        q_weights = [1.5 - history.get(q.id, 0.0) / 5.0 for q in candidates]
        chosen.append(rng.choices(candidates, weights=q_weights)[0])
    return [Prompt(i, q.id, "concept", q.prompt, ref=q.id) for i, q in enumerate(chosen)]


def plan_coding(
    catalog: Catalog, role: str, seconds: int, rng: random.Random, done_before: set[str]
) -> tuple[list[Prompt], str | None]:
    """One problem for the role that fits the round's length, preferring ones not met before."""
    levels = ("easy", "medium") if seconds < 20 * 60 else ("easy", "medium", "hard")
    pool = [
        p
        for p in catalog.problems.values()
        if role in p.roles and p.difficulty in levels and p.kind != "output"
    ]
    if not pool:
        return [], f"the catalog has no coding problem for the {role} role"
    return [_coding_prompt(_pick_fresh(pool, done_before, rng))], None


_Item = TypeVar("_Item", Problem, Scenario)


def _pick_fresh(pool: Sequence[_Item], done_before: set[str], rng: random.Random) -> _Item:
    """One item at random, from those the user has not met before if there are any."""
    fresh = [item for item in pool if item.id not in done_before] or list(pool)
    return rng.choice(sorted(fresh, key=lambda item: item.id))


def _coding_prompt(problem: Problem) -> Prompt:
    return Prompt(
        0,
        problem.id,
        "coding",
        problem.title,
        ref=problem.id,
        detail={
            "statement": problem.statement,
            "starter_code": problem.starter_code,
            "function": problem.function,
            "difficulty": problem.difficulty,
        },
    )


def plan_design(
    catalog: Catalog, role: str, rng: random.Random, done_before: set[str]
) -> tuple[list[Prompt], str | None]:
    pool = [s for s in catalog.scenarios.values() if role in s.roles]
    if not pool:
        return [], f"the catalog has no design scenario for the {role} role"
    return [_design_prompt(_pick_fresh(pool, done_before, rng))], None


def _design_prompt(scenario: Scenario) -> Prompt:
    return Prompt(
        0,
        scenario.id,
        "design",
        f"{scenario.title}. {' '.join(scenario.prompt.split())}",
        ref=scenario.id,
        detail={
            "context": " ".join(scenario.context.split()),
            "dimensions": [d.name for d in scenario.rubric],
        },
    )


def deep_dive_prompts(questions: Sequence[DeepDiveQuestion], start: int) -> list[Prompt]:
    return [
        Prompt(start + i, q.id, "deep-dive", q.text, ref=q.template_id, detail=q.as_dict())
        for i, q in enumerate(questions)
    ]


def intro_prompt() -> Prompt:
    intro = deep_dive_questions(ProjectProfile(()), include_intro=True)[0]
    return Prompt(
        0, intro.id, "project-intro", intro.text, ref=intro.template_id, detail=intro.as_dict()
    )


# --- The session ---------------------------------------------------------------------------------


def _round_state(row: MockRound) -> RoundState:
    return RoundState(
        position=row.position,
        kind=row.kind,  # type: ignore[arg-type]
        title=row.title,
        status=row.status,  # type: ignore[arg-type]
        budget_seconds=row.budget_seconds,
        used_seconds=row.used_seconds,
        clock_started_at=row.clock_started_at,
        prompts=tuple(Prompt.from_dict(p) for p in row.prompts),
        answers=tuple(
            AnswerRecord(
                prompt_index=a.prompt_index,
                prompt_id=a.prompt_id,
                text=a.text,
                skipped=a.skipped,
                score=a.score,
                result=a.result,
                elapsed_seconds=a.elapsed_seconds,
                answered_at=a.answered_at,
            )
            for a in row.answers
        ),
        details=dict(row.details or {}),
        score=row.score,
    )


class MockInterview:
    """One stored mock interview. Every method reads and writes the database, so several
    processes (a terminal, a web request) can drive the same session in turn."""

    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        session_id: int,
        *,
        services: MockServices | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.id = session_id
        self.services = services or MockServices()
        self.clock = clock
        with db.session() as s:
            row = s.get(MockSession, session_id)
            if row is None:
                raise NotFoundError(f"no mock interview with id {session_id}")
            self.user_id = row.user_id
            self.role = row.role
            self.minutes = row.minutes

    # --- creating and finding sessions ---------------------------------------------------------

    @classmethod
    def start(
        cls,
        db: Database,
        catalog: Catalog,
        user_id: int,
        *,
        role: str,
        minutes: int = 45,
        project: str | None = None,
        rounds: Sequence[str] | None = None,
        seed: int | None = None,
        services: MockServices | None = None,
        clock: Clock = utcnow,
    ) -> MockInterview:
        """Plan and store a new session; no clock runs until its first round begins."""
        if role not in ROLES:
            raise MockError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
        if not MIN_MINUTES <= minutes <= MAX_MINUTES:
            raise MockError(
                f"a mock interview lasts {MIN_MINUTES} to {MAX_MINUTES} minutes, not {minutes}"
            )
        kinds = _check_rounds(rounds)
        if project is not None and not project.strip():
            project = None
        services = services or MockServices()
        seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31 - 1)
        rng = random.Random(seed)
        now = clock()
        budgets = split_minutes(minutes, kinds)
        with db.session() as s:
            standings, known = user_topic_mastery(s, user_id, catalog, now)
            history = dict(known.scores)
            done_before = _refs_done_before(s, user_id)
        mastery = {t: st.mastery for t, st in standings.items()}

        planned: list[tuple[str, list[Prompt], dict[str, Any]]] = []
        for kind in kinds:
            seconds = budgets[kind]
            details: dict[str, Any] = {}
            if kind == "fact-finding":
                prompts = plan_fact_finding(role, seconds, rng)
            elif kind == "deep-dive":
                count = prompts_for("deep-dive", seconds)
                if project is not None:
                    profile = detect_project(project, embedder=services.get_embedder())
                    prompts = deep_dive_prompts(deep_dive_questions(profile, count), 0)
                    details = {"profile": profile.as_dict(), "planned": count}
                else:
                    prompts = [intro_prompt()]
                    details = {"planned": count}
            elif kind == "concepts":
                prompts = plan_concepts(catalog, role, seconds, rng, mastery, history)
            elif kind == "coding":
                prompts, reason = plan_coding(catalog, role, seconds, rng, done_before)
                if reason:
                    details = {"note": reason}
            else:
                prompts, reason = plan_design(catalog, role, rng, done_before)
                if reason:
                    details = {"note": reason}
            planned.append((kind, prompts, details))

        with db.session() as s:
            row = MockSession(
                user_id=user_id,
                role=role,
                minutes=minutes,
                seed=seed,
                status="active",
                project=project,
                started_at=now,
                updated_at=now,
            )
            for position, (round_kind, prompts, details) in enumerate(planned, start=1):
                row.rounds.append(
                    MockRound(
                        position=position,
                        kind=round_kind,
                        title=ROUND_TITLES[round_kind],
                        status="skipped" if not prompts else "pending",
                        budget_seconds=budgets[round_kind],
                        used_seconds=0.0,
                        prompts=[p.as_dict() for p in prompts],
                        details=details,
                    )
                )
            s.add(row)
            s.flush()
            session_id = row.id
        return cls(db, catalog, session_id, services=services, clock=clock)

    @staticmethod
    def latest_unfinished(db: Database, user_id: int) -> int | None:
        with db.session() as s:
            return s.scalar(
                select(MockSession.id)
                .where(MockSession.user_id == user_id, MockSession.status == "active")
                .order_by(MockSession.started_at.desc(), MockSession.id.desc())
                .limit(1)
            )

    @classmethod
    def resume(
        cls,
        db: Database,
        catalog: Catalog,
        user_id: int,
        session_id: int | None = None,
        *,
        services: MockServices | None = None,
        clock: Clock = utcnow,
    ) -> MockInterview:
        """Continue an interrupted session (the newest unfinished one unless an id is given).

        The clock of the round in progress restarts from where the last committed answer left it.
        """
        if session_id is None:
            session_id = cls.latest_unfinished(db, user_id)
            if session_id is None:
                raise MockError(
                    "no unfinished mock interview to resume; start one with "
                    "`mlcoach mock --role ROLE`"
                )
        interview = cls(db, catalog, session_id, services=services, clock=clock)
        if interview.user_id != user_id:
            raise NotFoundError(f"no mock interview with id {session_id}")
        with db.session() as s:
            row = s.get(MockSession, session_id)
            assert row is not None
            if row.status == "finished":
                raise MockError(f"mock interview {session_id} is already finished")
            for r in row.rounds:
                r.clock_started_at = None
        return interview

    # --- where the interview stands --------------------------------------------------------------

    def _now(self) -> datetime:
        return self.clock()

    def rounds(self) -> list[RoundState]:
        with self.db.session() as s:
            row = self._row(s)
            return [_round_state(r) for r in row.rounds]

    @property
    def status(self) -> str:
        with self.db.session() as s:
            return self._row(s).status

    @property
    def project(self) -> str | None:
        with self.db.session() as s:
            return self._row(s).project

    def current_round(self) -> RoundState | None:
        """The first round not yet closed, or None when every round is over."""
        for state in self.rounds():
            if not state.closed:
                return state
        return None

    def current_prompt(self) -> Prompt | None:
        state = self.current_round()
        return state.open_prompt() if state else None

    def time_left(self) -> float | None:
        """Seconds left in the current round (its whole budget before it begins)."""
        state = self.current_round()
        return None if state is None else state.time_left(self._now())

    def begin_round(self) -> RoundState | None:
        """Start (or restart after a pause) the current round's clock."""
        now = self._now()
        with self.db.session() as s:
            row = self._open_round(s)
            if row is None:
                return None
            self._start_clock(row, now)
            return _round_state(row)

    def pause(self) -> None:
        """Stop the running clock, charging the time up to now (the terminal calls it on Ctrl-C)."""
        now = self._now()
        with self.db.session() as s:
            row = self._open_round(s)
            if row is not None and row.clock_started_at is not None:
                row.used_seconds = _used(row, now)
                row.clock_started_at = None
                self._touch(s, now)

    def expire_if_due(self) -> bool:
        """Close the current round if its time is up; True when it did."""
        now = self._now()
        with self.db.session() as s:
            row = self._open_round(s)
            if row is None or row.clock_started_at is None:
                return False
            if _used(row, now) < row.budget_seconds:
                return False
            self._close(s, row, "timed-out", now)
            return True

    # --- answering -----------------------------------------------------------------------------

    def answer(self, text: str, idempotency_key: str | None = None) -> AnswerOutcome:
        """Grade (or judge) ``text`` as the answer to the current prompt and commit it at once.

        With an ``idempotency_key`` (a resent form carries the same one) the answer is recorded
        once: a repeat gets the first outcome back, marked ``replayed``, without grading again.
        An empty ``text`` raises EmptyAnswerError: nothing is graded or recorded (skip instead)."""
        if idempotency_key is not None:
            earlier = self.answered_with(idempotency_key, text)
            if earlier is not None:
                return earlier
        try:
            return self._answer(text, idempotency_key)
        except IntegrityError:
            # The same key arrived twice at once: the unique constraint kept the first copy.
            earlier = self.answered_with(idempotency_key, text) if idempotency_key else None
            if earlier is None:
                raise
            return earlier

    def answered_with(self, idempotency_key: str, text: str | None = None) -> AnswerOutcome | None:
        """The outcome of the answer recorded under ``idempotency_key`` in this interview, if any.

        Raises `MockError` when ``text`` is given and differs from the recorded answer's."""
        with self.db.session() as s:
            found = s.scalars(
                select(MockAnswer)
                .join(MockRound)
                .where(
                    MockRound.session_id == self.id, MockAnswer.idempotency_key == idempotency_key
                )
            ).first()
            if found is None:
                return None
            if text is not None and found.text != text:
                raise MockError(
                    "this form was already sent with a different answer; reload the page"
                )
            row = found.mock_round
            state = _round_state(row)
            prompt = next(p for p in state.prompts if p.index == found.prompt_index)
            closed = state.closed
            result = found.result
            return AnswerOutcome(
                prompt,
                True,
                found.score,
                result,
                closed,
                row.status == "timed-out",
                prompt.kind == "coding" and not (result or {}).get("accepted") and not closed,
                replayed=True,
            )

    def _answer(self, text: str, idempotency_key: str | None) -> AnswerOutcome:
        submitted = self._now()
        state = self.current_round()
        if state is None:
            raise MockError("this mock interview has no question left to answer; see the scorecard")
        prompt = state.open_prompt()
        if prompt is None:  # pragma: no cover - a round with no open prompt is closed
            raise MockError("the current round has nothing left to answer")
        refuse_empty_answer(text)
        limit = MAX_CODE_CHARS if prompt.kind == "coding" else MAX_ANSWER_CHARS
        if len(text) > limit:
            raise MockError(f"the answer has {len(text):,} characters; the limit is {limit:,}")
        if state.clock_started_at is not None:
            late = state.used_at(submitted) - state.budget_seconds
            if late > GRACE_SECONDS:
                self.expire_if_due()
                return AnswerOutcome(
                    prompt,
                    False,
                    None,
                    None,
                    True,
                    True,
                    message="time for this round ran out before the answer arrived; "
                    "it was not recorded",
                )

        score, result, message, judge_down = self._evaluate(prompt, text)
        graded = self._now()
        with self.db.session() as s:
            if idempotency_key is not None:
                # A copy of this answer sent at the same moment was recorded while this one was
                # being graded.
                earlier = self.answered_with(idempotency_key, text)
                if earlier is not None:
                    return earlier
            row = self._open_round(s)
            if row is None or row.position != state.position:
                raise MockError("this round closed while the answer was being graded")
            fresh = _round_state(row)
            current = fresh.open_prompt()
            if current is None or current.index != prompt.index:
                raise MockError("this question was already answered")
            self._start_clock(row, submitted)
            used = _used(row, submitted)
            row.answers.append(
                MockAnswer(
                    prompt_index=prompt.index,
                    prompt_id=prompt.id,
                    text=text,
                    skipped=False,
                    score=score,
                    result=result,
                    elapsed_seconds=round(used, 1),
                    answered_at=submitted,
                    idempotency_key=idempotency_key,
                )
            )
            # Grading and judging time is the machine's, not the candidate's.
            row.used_seconds = used
            row.clock_started_at = graded
            if prompt.kind == "concept" and prompt.ref and score is not None:
                user = s.get(User, self.user_id)
                assert user is not None
                record_attempt(s, user, prompt.ref, text, score=score, grade=result, source="mock")
            if prompt.kind == "project-intro":
                self._add_deep_dive_questions(s, row, text)
            if judge_down:
                row.details = {**(row.details or {}), "note": message}
                self._close(s, row, "skipped", graded)
                return AnswerOutcome(prompt, True, None, result, True, False, message=message)
            s.flush()
            s.refresh(row)
            after = _round_state(row)
            timed_out = used >= row.budget_seconds
            closed = timed_out or after.open_prompt() is None
            if closed:
                self._close(s, row, "timed-out" if timed_out else "done", graded)
            self._touch(s, graded)
        retry = prompt.kind == "coding" and not (result or {}).get("accepted") and not closed
        return AnswerOutcome(prompt, True, score, result, closed, timed_out, retry, message)

    def skip(self) -> Prompt:
        """Pass on the current prompt (a coding problem: stop trying it); it scores 0."""
        now = self._now()
        with self.db.session() as s:
            row = self._open_round(s)
            if row is None:
                raise MockError("this mock interview has no question left to skip")
            prompt = _round_state(row).open_prompt()
            assert prompt is not None
            self._start_clock(row, now)
            used = _used(row, now)
            row.answers.append(
                MockAnswer(
                    prompt_index=prompt.index,
                    prompt_id=prompt.id,
                    text="",
                    skipped=True,
                    score=0.0,
                    elapsed_seconds=round(used, 1),
                    answered_at=now,
                )
            )
            row.used_seconds, row.clock_started_at = used, now
            if prompt.kind == "project-intro":
                self._add_deep_dive_questions(s, row, "")
            s.flush()
            s.refresh(row)
            if _round_state(row).open_prompt() is None or used >= row.budget_seconds:
                self._close(s, row, "timed-out" if used >= row.budget_seconds else "done", now)
            self._touch(s, now)
            return prompt

    def advance(self) -> RoundState | None:
        """End the current round now, keeping its answers; returns the round that was closed."""
        now = self._now()
        with self.db.session() as s:
            row = self._open_round(s)
            if row is None:
                return None
            if row.status == "pending":
                row.details = {**(row.details or {}), "note": "skipped by the candidate"}
            else:
                row.details = {**(row.details or {}), "note": "ended early by the candidate"}
            self._close(s, row, "done", now)
            return _round_state(row)

    # --- the end ---------------------------------------------------------------------------------

    def finish(self) -> Scorecard:
        """Close the session: score it, queue the drills for its weakest areas, store the scorecard
        and the transcript. Calling it again returns the stored scorecard."""
        now = self._now()
        with self.db.session() as s:
            row = self._row(s)
            if row.status == "finished" and row.scorecard is not None:
                return Scorecard.from_dict(row.scorecard)
            for r in row.rounds:
                if r.status == "active":
                    r.details = {**(r.details or {}), "note": "ended early by the candidate"}
                    self._close(s, r, "done", now)
            rounds = [_round_state(r) for r in row.rounds]
            standings, known = user_topic_mastery(s, self.user_id, self.catalog, now)
            history = dict(known.scores)
            started_at, project = row.started_at, row.project
        card = build_scorecard(
            session_id=self.id,
            role=self.role,
            minutes=self.minutes,
            rounds=rounds,
            catalog=self.catalog,
            standings=standings,
            history=history,
        )
        card.finished_at = now
        self._queue_drills(card, now)
        transcript = transcript_markdown(
            scorecard=card, rounds=rounds, started_at=started_at, project=project
        )
        with self.db.session() as s:
            row = self._row(s)
            row.status = "finished"
            row.finished_at = now
            row.updated_at = now
            row.scorecard = card.as_dict()
            row.transcript = transcript
        return card

    def scorecard(self) -> Scorecard | None:
        with self.db.session() as s:
            data = self._row(s).scorecard
        return Scorecard.from_dict(data) if data else None

    def transcript(self) -> str | None:
        with self.db.session() as s:
            return self._row(s).transcript

    # --- internals -------------------------------------------------------------------------------

    def _row(self, s: Session) -> MockSession:
        row = s.get(MockSession, self.id)
        if row is None:
            raise NotFoundError(f"no mock interview with id {self.id}")
        return row

    def _open_round(self, s: Session) -> MockRound | None:
        row = self._row(s)
        if row.status == "finished":
            return None
        for r in row.rounds:
            if r.status in ("pending", "active"):
                return r
        return None

    @staticmethod
    def _start_clock(row: MockRound, now: datetime) -> None:
        if row.status == "pending":
            row.status = "active"
            row.started_at = now
        if row.clock_started_at is None:
            row.clock_started_at = now

    def _close(self, s: Session, row: MockRound, status: str, now: datetime) -> None:
        row.used_seconds = min(float(row.budget_seconds), _used(row, now))
        row.clock_started_at = None
        row.status = status
        row.ended_at = now
        s.flush()
        s.refresh(row)
        row.score = _round_state(row).computed_score()
        self._touch(s, now)

    def _touch(self, s: Session, now: datetime) -> None:
        self._row(s).updated_at = now

    def _evaluate(
        self, prompt: Prompt, text: str
    ) -> tuple[float | None, dict[str, Any] | None, str | None, bool]:
        """(score, result, message, judge unavailable) for an answer to ``prompt``."""
        if prompt.kind == "coding":
            assert prompt.ref is not None
            judge = self.services.get_judge()
            if judge is None:
                reason = "the code judge is not available here, so the submission was not judged"
                return None, {"verdict": "not judged", "message": reason}, reason, True
            try:
                verdict: CodeVerdict = judge.judge(self.catalog.problem(prompt.ref), text)
            except JudgeUnavailableError as exc:
                reason = f"the code judge cannot run here: {exc}"
                return None, {"verdict": "not judged", "message": reason}, reason, True
            return verdict.score, verdict.as_dict(), verdict.message, False
        grader = self.services.get_grader()
        if prompt.kind == "design":
            assert prompt.ref is not None
            design: DesignGrade = grade_design(self.catalog.scenario(prompt.ref), text, grader)
            return design.score, design.as_dict(), design.advice, False
        question = self._question_for(prompt)
        grade = grader.grade(question, text)
        return grade.score, grade.as_dict(), grade.advice, False

    def _question_for(self, prompt: Prompt) -> Question:
        if prompt.kind == "concept":
            assert prompt.ref is not None
            return self.catalog.question(prompt.ref)
        if prompt.kind in ("fact-finding", "your-questions"):
            table = fact_finding_table()
            for q in (*table.questions, table.your_questions):
                if q.id == prompt.ref:
                    return q.as_question()
            raise NotFoundError(f"no fact-finding question with id {prompt.ref!r}")
        return DeepDiveQuestion.from_dict(prompt.detail).as_question()

    def _add_deep_dive_questions(self, s: Session, row: MockRound, intro_answer: str) -> None:
        """After the candidate describes the project, ask about what they described."""
        details = dict(row.details or {})
        text = "\n\n".join(t for t in (self._row(s).project, intro_answer) if t)
        profile = detect_project(text, embedder=self.services.get_embedder())
        count = max(1, int(details.get("planned", 4)) - 1)
        questions = deep_dive_questions(profile, count)
        start = len(row.prompts)
        row.prompts = [*row.prompts, *(p.as_dict() for p in deep_dive_prompts(questions, start))]
        details["profile"] = profile.as_dict()
        row.details = details

    def _queue_drills(self, card: Scorecard, now: datetime) -> None:
        queue = self.services.get_drills(self.db)
        if not card.drills:
            return
        if queue is None:
            card.queue_note = (
                "The drills above could not be added to your queue automatically; "
                "practise them by id."
            )
            return
        queued = set(queue.add(self.user_id, card.drills, now))
        for area in card.areas:
            area.queued = [d for d in area.drills if d in queued]
        card.queue_note = f"{len(queued)} drill(s) added to your queue, due now."


def _used(row: MockRound, now: datetime) -> float:
    running = (now - row.clock_started_at).total_seconds() if row.clock_started_at else 0.0
    return row.used_seconds + max(0.0, running)


def _check_rounds(rounds: Sequence[str] | None) -> list[RoundKind]:
    if not rounds:
        return list(ROUND_KINDS)
    unknown = [r for r in rounds if r not in ROUND_KINDS]
    if unknown:
        raise MockError(f"unknown round {unknown[0]!r}; choose from: {', '.join(ROUND_KINDS)}")
    # Rounds always run in the interview's order, whatever order they were named in.
    return [k for k in ROUND_KINDS if k in rounds]


def _refs_done_before(s: Session, user_id: int) -> set[str]:
    """Problems and scenarios met in earlier mock interviews, so a new one brings new ones."""
    rows = s.execute(
        select(MockRound.kind, MockRound.prompts)
        .join(MockSession, MockRound.session_id == MockSession.id)
        .where(MockSession.user_id == user_id, MockRound.kind.in_(("coding", "design")))
    )
    return {str(p.get("ref")) for _, prompts in rows for p in prompts or [] if p.get("ref")}
