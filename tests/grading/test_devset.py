"""The grader against careful human scores on 300+ answers to our own questions.

devset.jsonl was written and scored by hand before the grader was tuned; its scores are never
edited to fit the grader. `calibrate.py` fits the calibration on half of its questions; the
figures printed here (run with -s) include the held-out half, which the fit never saw.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from mlcoach.catalog import Catalog
from mlcoach.grading import Grader

from .calibrate import held_out_questions

DEVSET = Path(__file__).with_name("devset.jsonl")
KINDS = {
    "complete",
    "partial",
    "wrong",
    "off-topic",
    "keyword-stuffed",
    "negated",
    "copied-question",
}


@pytest.fixture(scope="module")
def devset(catalog: Catalog) -> list[dict[str, object]]:
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines()]
    missing = sorted({str(r["question_id"]) for r in rows} - set(catalog.questions))
    assert not missing, f"devset answers questions that are no longer shipped: {missing}"
    return rows


def _pearson(grader: Grader, catalog: Catalog, rows: list[dict[str, object]]) -> float:
    grades = grader.grade_many(
        [(catalog.question(str(r["question_id"])), str(r["answer"])) for r in rows]
    )
    predicted = np.array([g.score for g in grades])
    human = np.array([float(str(r["score"])) for r in rows])
    return float(np.corrcoef(predicted, human)[0, 1])


def test_the_devset_is_broad_and_well_formed(
    devset: list[dict[str, object]], catalog: Catalog
) -> None:
    assert len(devset) >= 300
    questions = {str(r["question_id"]) for r in devset}
    assert len(questions) >= 60
    # Every topic it covers is shipped; topics added since (with few questions yet) may be absent.
    covered = {catalog.question(q).topic for q in questions}
    assert covered <= set(catalog.topics) and len(covered) >= 8
    kinds = Counter(str(r["kind"]) for r in devset)
    assert set(kinds) == KINDS
    for row in devset:
        assert set(row) == {"question_id", "answer", "score", "kind"}
        score = float(str(row["score"]))
        assert 0.0 <= score <= 5.0 and score * 2 == int(score * 2)


def test_semantic_grades_correlate_with_human_scores(
    semantic: Grader, catalog: Catalog, devset: list[dict[str, object]]
) -> None:
    overall = _pearson(semantic, catalog, devset)
    unseen = held_out_questions([str(r["question_id"]) for r in devset])
    held = _pearson(semantic, catalog, [r for r in devset if r["question_id"] in unseen])
    print(f"\nsemantic: Pearson {overall:.3f} on {len(devset)} answers, {held:.3f} held out")
    assert overall >= 0.80
    assert held >= 0.80


def test_lexical_correlation_is_reported(
    lexical: Grader, catalog: Catalog, devset: list[dict[str, object]]
) -> None:
    overall = _pearson(lexical, catalog, devset)
    print(f"\nlexical: Pearson {overall:.3f} on {len(devset)} answers (no bar)")
    assert overall > 0.0
