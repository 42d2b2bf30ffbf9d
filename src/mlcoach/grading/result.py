"""What grading an answer produces: a score with the reasons for it, ready to store or send as JSON."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

BackendName = Literal["semantic", "lexical"]
MAX_SCORE = 5.0


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PointVerdict(_Frozen):
    """Whether the answer made one key point, and the sentence it was judged on."""

    key_point: str
    made: bool
    # How sure the grader is of `made` (for a missed point: how sure it is the point is absent).
    confidence: float = Field(ge=0.0, le=1.0)
    # Credit the best sentence earned for this point, 0-1, before the made/missed cut.
    credit: float = Field(ge=0.0, le=1.0)
    # The sentence that made the point; for a missed point, the one that came closest (if any came
    # close) or that stated the opposite.
    evidence: str | None = None
    contradicted: bool = False


class MisconceptionFound(_Frozen):
    """A known wrong belief the answer states."""

    misconception: str
    evidence: str
    confidence: float = Field(ge=0.0, le=1.0)


class Grade(_Frozen):
    question_id: str
    score: float = Field(ge=0.0, le=MAX_SCORE)
    max_score: float = MAX_SCORE
    points: tuple[PointVerdict, ...]
    misconceptions: tuple[MisconceptionFound, ...] = ()
    advice: str
    model_answer: str
    backend: BackendName
    # Why this backend graded it, when it is not the usual one (the model is missing, or forced).
    backend_note: str | None = None
    # Things the user should know about how the answer was read: empty, truncated, off-topic.
    notes: tuple[str, ...] = ()
    graded_words: int = 0
    total_words: int = 0

    @property
    def made(self) -> tuple[PointVerdict, ...]:
        return tuple(p for p in self.points if p.made)

    @property
    def missed(self) -> tuple[PointVerdict, ...]:
        return tuple(p for p in self.points if not p.made)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON types, as stored with an attempt and printed by `--json`."""
        return self.model_dump(mode="json")
