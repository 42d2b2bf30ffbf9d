"""Grading a system-design answer: each rubric dimension scored by the concept-answer engine.

A design answer is long (often far more than the 400 words the engine reads at once) and makes the
points of every dimension in no fixed order. So the answer is cut into passages of at most
PASSAGE_WORDS words; each dimension is graded as a question of its own (its key points, the
scenario's prompt) against every passage; a key point counts as made if any passage makes it.
The scenario's score is the weighted mean of its dimensions' scores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from mlcoach.catalog import Question, Scenario
from mlcoach.catalog.models import RubricDimension
from mlcoach.grading import Grade, PointVerdict
from mlcoach.interview.data import roles_table
from mlcoach.interview.services import AnswerGrader

PASSAGE_WORDS = 320
MAX_SCORE = 5.0
# The engine's own defaults (its score is linear in coverage, minus this per contradicted point).
CONTRADICTION_PENALTY = 0.5

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class DimensionResult:
    name: str
    weight: float
    score: float
    points: tuple[PointVerdict, ...]
    topics: tuple[str, ...]

    @property
    def made(self) -> tuple[PointVerdict, ...]:
        return tuple(p for p in self.points if p.made)

    @property
    def missed(self) -> tuple[PointVerdict, ...]:
        return tuple(p for p in self.points if not p.made)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "weight": self.weight,
            "score": self.score,
            "topics": list(self.topics),
            "points": [p.model_dump(mode="json") for p in self.points],
        }


@dataclass(frozen=True)
class DesignGrade:
    scenario_id: str
    score: float
    dimensions: tuple[DimensionResult, ...]
    advice: str
    backend: str
    backend_note: str | None
    words: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario_id": self.scenario_id,
            "score": self.score,
            "advice": self.advice,
            "backend": self.backend,
            "backend_note": self.backend_note,
            "words": self.words,
            "dimensions": [d.as_dict() for d in self.dimensions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DesignGrade:
        return cls(
            scenario_id=data["scenario_id"],
            score=float(data["score"]),
            advice=data["advice"],
            backend=data["backend"],
            backend_note=data.get("backend_note"),
            words=int(data.get("words", 0)),
            dimensions=tuple(
                DimensionResult(
                    name=d["name"],
                    weight=float(d["weight"]),
                    score=float(d["score"]),
                    topics=tuple(d.get("topics", ())),
                    points=tuple(PointVerdict.model_validate(p) for p in d["points"]),
                )
                for d in data["dimensions"]
            ),
        )


def dimension_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "dimension"


def dimension_question(scenario: Scenario, dimension: RubricDimension) -> Question:
    """One rubric dimension as a concept question the grading engine can score.

    Built without validation: a dimension may have two key points where a concept question needs
    three, and the engine only reads the id, prompt, key points, misconceptions and answer.
    """
    points = tuple(dimension.key_points)
    return Question.model_construct(
        id=f"{scenario.id}--{dimension_slug(dimension.name)}",
        topic="system-design",
        subtopic=dimension_slug(dimension.name),
        difficulty=scenario.difficulty,
        roles=scenario.roles,
        prompt=scenario.prompt,
        answer=" ".join(p.text for p in points),
        key_points=points,
        misconceptions=(),
        follow_ups=(),
    )


def passages(answer: str, limit: int = PASSAGE_WORDS) -> list[str]:
    """The answer cut at paragraph, then sentence, boundaries into pieces of at most ``limit`` words."""
    pieces: list[str] = []
    for paragraph in re.split(r"\n\s*\n", answer.strip()):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if len(paragraph.split()) <= limit:
            pieces.append(paragraph)
            continue
        for sentence in _SENTENCE_END.split(paragraph):
            words = sentence.split()
            while len(words) > limit:  # a run-on "sentence" with no full stops
                pieces.append(" ".join(words[:limit]))
                words = words[limit:]
            if words:
                pieces.append(" ".join(words))
    merged: list[str] = []
    for piece in pieces:
        if merged and len(merged[-1].split()) + len(piece.split()) <= limit:
            merged[-1] = f"{merged[-1]}\n\n{piece}"
        else:
            merged.append(piece)
    return merged or [answer.strip()]


def grade_design(scenario: Scenario, answer: str, grader: AnswerGrader) -> DesignGrade:
    """Score ``answer`` to ``scenario`` on every rubric dimension, with the points made and missed."""
    chunks = passages(answer)
    questions = [dimension_question(scenario, d) for d in scenario.rubric]
    grades = grader.grade_many([(q, chunk) for q in questions for chunk in chunks])
    roles = roles_table()
    results: list[DimensionResult] = []
    backend, note = "lexical", None
    for i, dimension in enumerate(scenario.rubric):
        mine = grades[i * len(chunks) : (i + 1) * len(chunks)]
        backend, note = mine[0].backend, mine[0].backend_note
        results.append(
            DimensionResult(
                name=dimension.name,
                weight=dimension.weight,
                score=_merged_score(mine),
                points=_merged_points(mine),
                topics=roles.dimension_topics(dimension.name),
            )
        )
    total_weight = sum(r.weight for r in results)
    score = round(sum(r.score * r.weight for r in results) / total_weight, 1)
    return DesignGrade(
        scenario_id=scenario.id,
        score=score,
        dimensions=tuple(results),
        advice=_advice(results, answer),
        backend=backend,
        backend_note=note,
        words=len(answer.split()),
    )


def _merged_points(grades: list[Grade]) -> tuple[PointVerdict, ...]:
    merged = []
    for i in range(len(grades[0].points)):
        candidates = [g.points[i] for g in grades]
        merged.append(max(candidates, key=lambda p: (p.made, p.credit, not p.contradicted)))
    return tuple(merged)


def _merged_score(grades: list[Grade]) -> float:
    """A dimension's score from its key points alone, whatever grader made the grades.

    A grade's own score also rewards closeness to the model answer as a whole, which every
    passage of one design answer has for every dimension of its scenario."""
    points = _merged_points(grades)
    coverage = fmean(p.credit for p in points)
    raw = MAX_SCORE * coverage - CONTRADICTION_PENALTY * sum(p.contradicted for p in points)
    return round(min(MAX_SCORE, max(0.0, raw)), 1)


def _advice(results: list[DimensionResult], answer: str) -> str:
    if not answer.split():
        return (
            "Write your design first: walk through the problem framing, data, features, model, "
            "metrics, serving, monitoring and risks."
        )
    weakest = sorted(results, key=lambda r: (r.score, -r.weight))[:2]
    if all(r.score >= 4.0 for r in results):
        return "A thorough design: every dimension of the rubric is covered."
    parts = []
    for result in weakest:
        missed = result.missed
        if not missed:
            continue
        parts.append(f"{result.name.lower()}: {_lower_first(missed[0].key_point).rstrip('.')}")
    if not parts:
        return "Go deeper on each dimension: say why, with numbers, not only what."
    return "Strengthen " + "; ".join(parts) + "."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text
