"""Behavioural questions carry a STAR rubric in their key points (see docs/content.md)."""

from __future__ import annotations

import re

import pytest

from mlcoach.catalog import Catalog, Question, build_catalog, shipped_content_dir

FIRST_PERSON = re.compile(r"\b(I|my|me|we|our)\b", re.IGNORECASE)
# A measurable result names a quantity, in digits or in words.
QUANTITY = re.compile(
    r"\d|\b(two|three|four|five|six|seven|eight|nine|ten|twice|double|half|third|quarter)\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def behavioural() -> list[Question]:
    catalog: Catalog = build_catalog([shipped_content_dir()]).catalog
    return [q for q in catalog.questions.values() if q.topic == "behavioural"]


def test_behavioural_questions_cover_the_classic_themes(behavioural: list[Question]) -> None:
    assert len(behavioural) >= 25
    prompts = " ".join(q.prompt.casefold() for q in behavioural)
    for theme in (
        "strength",
        "improve",
        "conflict",
        "disagree",
        "failed",
        "mistake",
        "ambiguous",
        "no authority",
        "proud",
        "deadline",
        "mentor",
        "non-technical",
        "ethical",
    ):
        assert theme in prompts, theme


def test_every_model_answer_is_a_star_story(behavioural: list[Question]) -> None:
    for q in behavioural:
        sections = [m.group(1) for m in re.finditer(r"\*\*(\w+)\.\*\*", q.answer)]
        assert sections[:4] == ["Situation", "Task", "Action", "Result"], q.id
        result = q.answer.split("**Result.**")[1]
        assert QUANTITY.search(result), f"{q.id}: no measurable result"


def test_key_points_are_first_person_and_ask_for_a_result(behavioural: list[Question]) -> None:
    for q in behavioural:
        points = [k.text for k in q.key_points]
        assert 5 <= len(points) <= 6, q.id
        # The situation may be told in the third person; the task, actions and learning may not.
        assert sum(bool(FIRST_PERSON.search(p)) for p in points) > len(points) // 2, q.id
        assert any(re.search(r"measur|result|outcome", p, re.I) for p in points), q.id
