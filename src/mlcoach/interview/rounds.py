"""The shapes of a mock interview in memory: rounds, their prompts and the answers given.

These are plain snapshots of the stored rows, so the scorecard and the transcript are pure
functions of them and the web app can render them without a database session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

RoundKind = Literal["fact-finding", "deep-dive", "concepts", "coding", "design"]
ROUND_KINDS: tuple[RoundKind, ...] = ("fact-finding", "deep-dive", "concepts", "coding", "design")
ROUND_TITLES: dict[str, str] = {
    "fact-finding": "Fact finding",
    "deep-dive": "Project deep-dive",
    "concepts": "ML concepts",
    "coding": "Coding",
    "design": "System design",
}
# How a mock interview's minutes are shared between its rounds (renormalised over those chosen).
ROUND_SHARES: dict[str, float] = {
    "fact-finding": 0.12,
    "deep-dive": 0.22,
    "concepts": 0.24,
    "coding": 0.22,
    "design": 0.20,
}

PromptKind = Literal[
    "fact-finding", "your-questions", "project-intro", "deep-dive", "concept", "coding", "design"
]
RoundStatus = Literal["pending", "active", "done", "timed-out", "skipped"]
CLOSED: tuple[str, ...] = ("done", "timed-out", "skipped")


@dataclass(frozen=True)
class Prompt:
    """One thing the interviewer asks: a question, a coding problem or a design scenario."""

    index: int
    id: str
    kind: PromptKind
    text: str
    ref: str | None = None  # the catalog id of the question, problem or scenario
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "ref": self.ref,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Prompt:
        return cls(
            index=int(data["index"]),
            id=str(data["id"]),
            kind=data["kind"],
            text=str(data["text"]),
            ref=data.get("ref"),
            detail=dict(data.get("detail") or {}),
        )


@dataclass(frozen=True)
class AnswerRecord:
    prompt_index: int
    prompt_id: str
    text: str
    skipped: bool
    score: float | None
    result: dict[str, Any] | None
    elapsed_seconds: float
    answered_at: datetime


@dataclass(frozen=True)
class RoundState:
    position: int
    kind: RoundKind
    title: str
    status: RoundStatus
    budget_seconds: int
    used_seconds: float
    clock_started_at: datetime | None
    prompts: tuple[Prompt, ...]
    answers: tuple[AnswerRecord, ...]
    details: dict[str, Any]
    score: float | None

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    def used_at(self, now: datetime) -> float:
        """Seconds spent in the round by ``now`` (the clock runs only while the round is active)."""
        running = (now - self.clock_started_at).total_seconds() if self.clock_started_at else 0.0
        return self.used_seconds + max(0.0, running)

    def time_left(self, now: datetime) -> float:
        return self.budget_seconds - self.used_at(now)

    def answers_to(self, index: int) -> list[AnswerRecord]:
        return [a for a in self.answers if a.prompt_index == index]

    def prompt_closed(self, prompt: Prompt) -> bool:
        """Answered (a failed coding submission leaves the problem open for another try) or skipped."""
        given = self.answers_to(prompt.index)
        if prompt.kind == "coding":
            return any(a.skipped or (a.result or {}).get("accepted") for a in given)
        return bool(given)

    def open_prompt(self) -> Prompt | None:
        for prompt in self.prompts:
            if not self.prompt_closed(prompt):
                return prompt
        return None

    def best_score(self, index: int) -> float:
        scores = [a.score for a in self.answers_to(index) if a.score is not None]
        return max(scores, default=0.0)

    @property
    def planned(self) -> int:
        """Prompts the round was meant to ask: a deep-dive adds its questions after the intro."""
        return max(len(self.prompts), int(self.details.get("planned", 0)))

    @property
    def answered(self) -> int:
        return sum(1 for p in self.prompts if any(not a.skipped for a in self.answers_to(p.index)))

    def computed_score(self) -> float | None:
        """Mean best score over the planned prompts; an unanswered or unreached prompt counts 0."""
        if self.status == "skipped" or self.planned == 0:
            return None
        total = sum(self.best_score(p.index) for p in self.prompts)
        return round(total / self.planned, 1)
