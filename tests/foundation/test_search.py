"""Searching questions and problems: whole words, every word, most relevant first."""

from __future__ import annotations

import pytest

from mlcoach.catalog import Catalog, load_catalog
from mlcoach.catalog.search import Field, index, relevance, words


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_a_word_is_not_found_inside_another_word() -> None:
    assert relevance(["lora"], index([Field("the exploration exploitation trade-off", 1.0)])) == 0
    assert relevance(["rag"], index([Field("the average precision", 1.0)])) == 0
    assert relevance(["lora"], index([Field("LoRA adapters", 1.0)])) > 0


def test_every_word_must_appear_but_in_any_field() -> None:
    fields = [Field("Explain the bias of an estimator", 3.0), Field("its variance too", 1.0)]
    assert relevance(words("bias variance"), index(fields)) > 0
    assert relevance(words("bias kurtosis"), index(fields)) == 0


def test_a_word_start_matches_but_less_than_the_whole_word() -> None:
    whole = relevance(["tokenisation"], index([Field("tokenisation", 1.0)]))
    start = relevance(["tokenis"], index([Field("tokenisation", 1.0)]))
    assert 0 < start < whole


def test_questions_come_most_relevant_first(catalog: Catalog) -> None:
    found = [q.id for q in catalog.find_questions(text="LoRA")]
    assert found[0] == "llm-lora"
    assert all("exploration" not in catalog.question(q).prompt.casefold() for q in found[:3])
    both = catalog.find_questions(text="bias variance")
    assert both and both[0].id.startswith("gen-bias-variance")
    assert not catalog.find_questions(text="average") or all(
        "rag" not in q.id.split("-") for q in catalog.find_questions(text="average")
    )


def test_problems_are_searched_by_word(catalog: Catalog) -> None:
    sql = catalog.find_problems(text="sql")
    assert sql and all(p.kind == "data" for p in sql)
    assert [p.id for p in catalog.find_problems(text="linked list")][:2] == [
        "algo-reverse-linked-list",
        "algo-cycle-entry",
    ]
    assert catalog.find_problems(text="no such words anywhere") == []
