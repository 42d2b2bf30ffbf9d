"""What interviews need from the other capabilities, as small protocols with default wiring.

Mock interviews grade answers (`mlcoach.grading`), judge code (`mlcoach.judge`) and queue drills
(`mlcoach.practice`). Sessions take these as injected objects, so a test or the web app can hand in
its own, and so a capability that cannot run here (no sandbox for the judge) turns its round into a
skipped one with the reason, rather than breaking the interview.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from mlcoach.catalog import Problem, Question
from mlcoach.config import Settings
from mlcoach.errors import MlcoachError
from mlcoach.grading import Grade
from mlcoach.store import Database


class AnswerGrader(Protocol):
    """Scores a free-text answer against a question's key points (`mlcoach.grading.Grader`)."""

    def grade(self, question: Question, answer: str) -> Grade: ...

    def grade_many(self, items: Iterable[tuple[Question, str]]) -> list[Grade]: ...


@dataclass(frozen=True)
class CodeVerdict:
    """The judge's word on one submission, reduced to what a scorecard needs."""

    verdict: str
    accepted: bool
    passed: int
    total: int
    message: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """0-5: full marks when accepted, otherwise the share of tests passed (at most 4)."""
        if self.accepted:
            return 5.0
        if self.total == 0:
            return 0.0
        return round(min(4.0, 5.0 * self.passed / self.total), 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "accepted": self.accepted,
            "passed": self.passed,
            "total": self.total,
            "message": self.message,
            "details": self.details,
        }


class CodeJudge(Protocol):
    def judge(self, problem: Problem, code: str) -> CodeVerdict: ...


class JudgeUnavailableError(MlcoachError):
    """The code judge cannot run here (no sandbox); the coding round is skipped with this reason."""


class DrillQueue(Protocol):
    """Puts concept questions in a user's drill queue, due now; returns the ids it queued."""

    def add(self, user_id: int, question_ids: Sequence[str], now: datetime) -> list[str]: ...


class RealJudge:
    """`mlcoach.judge.judge_submission`, with its result reduced to a `CodeVerdict`."""

    def judge(self, problem: Problem, code: str) -> CodeVerdict:
        from mlcoach.judge import JudgeUnavailable, judge_submission

        try:
            result = judge_submission(problem, code)
        except JudgeUnavailable as exc:
            raise JudgeUnavailableError(str(exc)) from None
        return CodeVerdict(
            verdict=result.verdict.value,
            accepted=result.accepted,
            passed=result.passed,
            total=result.total,
            message=result.message,
            details=result.to_dict(),
        )


def default_grader(settings: Settings | None = None) -> AnswerGrader:
    """The grader ``settings`` choose; without settings, the process's default grader."""
    from mlcoach.grading import grader_for, load_grader

    return load_grader() if settings is None else grader_for(settings)


class PracticeDrillQueue:
    """The practice module's drill queue: the questions' cards become due now."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, user_id: int, question_ids: Sequence[str], now: datetime) -> list[str]:
        from mlcoach.practice import queue_now

        with self.database.session() as session:
            return queue_now(session, user_id, question_ids, now)


def default_drill_queue(database: Database) -> DrillQueue:
    return PracticeDrillQueue(database)
