"""Reading a JSON Lines file of answers to grade, with a precise complaint for every bad line."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mlcoach.catalog.catalog import Catalog
from mlcoach.catalog.models import Question
from mlcoach.errors import NotFoundError


@dataclass(frozen=True)
class BatchItem:
    line: int
    question: Question
    answer: str
    # Passed through to the output so a caller can match grades to its own records.
    item_id: Any = None


@dataclass(frozen=True)
class BatchProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def parse_batch(
    lines: Iterable[str], catalog: Catalog
) -> tuple[list[BatchItem], list[BatchProblem]]:
    """The gradable lines and the problems with the others; blank lines are skipped silently."""
    items: list[BatchItem] = []
    problems: list[BatchProblem] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(
                BatchProblem(number, f"not valid JSON ({exc.msg} at column {exc.colno})")
            )
            continue
        if not isinstance(record, dict):
            problems.append(
                BatchProblem(number, "expected a JSON object with question_id and answer")
            )
            continue
        question_id = record.get("question_id")
        answer = record.get("answer")
        if not isinstance(question_id, str) or not question_id:
            problems.append(BatchProblem(number, "missing question_id (a string)"))
            continue
        if not isinstance(answer, str):
            problems.append(BatchProblem(number, "missing answer (a string)"))
            continue
        try:
            question = catalog.question(question_id)
        except NotFoundError as exc:
            problems.append(BatchProblem(number, str(exc)))
            continue
        items.append(BatchItem(number, question, answer, record.get("id")))
    return items, problems
