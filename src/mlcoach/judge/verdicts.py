"""What the judge says about a submission: one verdict per test and one overall."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    ACCEPTED = "Accepted"
    WRONG_ANSWER = "Wrong Answer"
    TIME_LIMIT = "Time Limit Exceeded"
    MEMORY_LIMIT = "Memory Limit Exceeded"
    RUNTIME_ERROR = "Runtime Error"
    COMPILE_ERROR = "Compile Error"
    OUTPUT_LIMIT = "Output Limit Exceeded"
    SKIPPED = "Skipped"
    JUDGE_ERROR = "Judge Error"

    @property
    def code(self) -> str:
        return _CODES[self]

    @property
    def accepted(self) -> bool:
        return self is Verdict.ACCEPTED


_CODES = {
    Verdict.ACCEPTED: "AC",
    Verdict.WRONG_ANSWER: "WA",
    Verdict.TIME_LIMIT: "TLE",
    Verdict.MEMORY_LIMIT: "MLE",
    Verdict.RUNTIME_ERROR: "RE",
    Verdict.COMPILE_ERROR: "CE",
    Verdict.OUTPUT_LIMIT: "OLE",
    Verdict.SKIPPED: "SKIP",
    Verdict.JUDGE_ERROR: "JE",
}

ADVICE = {
    Verdict.ACCEPTED: "Every test passed.",
    Verdict.WRONG_ANSWER: "The result differs from the expected one: check edge cases and the exact format.",
    Verdict.TIME_LIMIT: "Too slow: look for a better algorithm or an accidental infinite loop.",
    Verdict.MEMORY_LIMIT: "Too much memory: avoid building large intermediate lists or arrays.",
    Verdict.RUNTIME_ERROR: "The code raised an error or crashed: read the traceback.",
    Verdict.COMPILE_ERROR: "The code is not valid Python: fix the syntax error first.",
    Verdict.OUTPUT_LIMIT: "The code printed (or returned) far more than expected: remove debug prints.",
    Verdict.SKIPPED: "Not run, because an earlier test already failed.",
    Verdict.JUDGE_ERROR: "The judge itself failed; this is a fault in mlcoach, not in your code.",
}


@dataclass(frozen=True)
class FailureDetail:
    """What a user sees of the first failing visible test: input, expected and actual."""

    test: int
    input: str
    expected: str
    actual: str | None
    stdout: str = ""
    stderr: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "input": self.input,
            "expected": self.expected,
            "actual": self.actual,
            "stdout": self.stdout,
            "stderr": self.stderr,
        }


@dataclass(frozen=True)
class TestResult:
    """One test's outcome. A hidden test shows its verdict, time and memory, never its data."""

    __test__ = False  # not a pytest test class

    index: int
    name: str
    hidden: bool
    verdict: Verdict
    time_ms: float | None = None
    wall_ms: float | None = None
    memory_kb: int | None = None
    message: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "name": self.name,
            "hidden": self.hidden,
            "verdict": self.verdict.value,
            "code": self.verdict.code,
            "time_ms": self.time_ms,
            "wall_ms": self.wall_ms,
            "memory_kb": self.memory_kb,
            "message": self.message,
            "line": self.line,
        }


@dataclass(frozen=True)
class JudgeResult:
    """A whole submission's outcome; the overall verdict is the first test that was not accepted."""

    problem_id: str
    verdict: Verdict
    tests: tuple[TestResult, ...]
    sandbox: str
    message: str | None = None
    line: int | None = None
    first_failure: FailureDetail | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def accepted(self) -> bool:
        return self.verdict is Verdict.ACCEPTED

    @property
    def passed(self) -> int:
        return sum(1 for t in self.tests if t.verdict is Verdict.ACCEPTED)

    @property
    def total(self) -> int:
        return len(self.tests)

    @property
    def time_ms(self) -> float | None:
        times = [t.time_ms for t in self.tests if t.time_ms is not None]
        return max(times) if times else None

    @property
    def memory_kb(self) -> int | None:
        sizes = [t.memory_kb for t in self.tests if t.memory_kb is not None]
        return max(sizes) if sizes else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "problem": self.problem_id,
            "verdict": self.verdict.value,
            "code": self.verdict.code,
            "passed": self.passed,
            "total": self.total,
            "time_ms": self.time_ms,
            "memory_kb": self.memory_kb,
            "message": self.message,
            "line": self.line,
            "advice": ADVICE[self.verdict],
            "sandbox": self.sandbox,
            "notes": list(self.notes),
            "tests": [t.to_dict() for t in self.tests],
            "first_failure": self.first_failure.to_dict() if self.first_failure else None,
        }


def overall_verdict(results: tuple[TestResult, ...] | list[TestResult]) -> Verdict:
    for result in results:
        if result.verdict not in (Verdict.ACCEPTED, Verdict.SKIPPED):
            return result.verdict
    return Verdict.ACCEPTED
