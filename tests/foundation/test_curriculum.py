"""The shipped curriculum: valid, large enough, and spread over topics, levels and roles."""

from __future__ import annotations

from collections import Counter

import pytest

from mlcoach.catalog import DIFFICULTIES, ROLES, CatalogReport, build_catalog, shipped_content_dir


@pytest.fixture(scope="module")
def report() -> CatalogReport:
    return build_catalog([shipped_content_dir()])


def test_the_shipped_curriculum_has_no_issues(report: CatalogReport) -> None:
    assert [str(i) for i in report.issues] == []


def test_there_are_at_least_150_concept_questions(report: CatalogReport) -> None:
    assert len(report.catalog.questions) >= 150


def test_every_topic_is_covered_at_every_level(report: CatalogReport) -> None:
    by_topic = Counter(q.topic for q in report.catalog.questions.values())
    for slug in report.catalog.topics:
        assert by_topic[slug] >= 8, f"topic {slug} has only {by_topic[slug]} questions"
    levels = Counter(q.difficulty for q in report.catalog.questions.values())
    total = sum(levels.values())
    for level in DIFFICULTIES:
        assert levels[level] >= total * 0.15, f"too few {level} questions: {levels}"


def test_every_role_has_a_substantial_share(report: CatalogReport) -> None:
    roles = Counter(r for q in report.catalog.questions.values() for r in q.roles)
    for role in ROLES:
        assert roles[role] >= 50, f"only {roles[role]} questions for {role}"


@pytest.mark.parametrize(
    "phrase",
    [
        "cross-validation",
        "leakage",
        "bias",
        "dropout",
        "curse of dimensionality",
        "smote",
        "precision",
        "roc",
        "naive bayes",
        "support vector",
        "random forest",
        "gradient boosting",
        "k-means",
        "dbscan",
        "pca",
        "t-sne",
        "stacking",
        "backpropagation",
        "adam",
        "convolution",
        "faster r-cnn",
        "lstm",
        "attention",
        "transformer",
        "augmentation",
        "imput",
        "one-hot",
        "bayes",
        "a/b test",
        "p-value",
        "generator",
        "decorator",
        "mutable default",
        "gil",
        "latency",
        "drift",
        "batch",
        "reproducib",
    ],
)
def test_the_curriculum_covers(report: CatalogReport, phrase: str) -> None:
    hits = [
        q.id
        for q in report.catalog.questions.values()
        if phrase in (q.prompt + " " + q.answer).casefold()
    ]
    assert hits, f"no question mentions {phrase!r}"


def test_follow_ups_point_at_real_questions(report: CatalogReport) -> None:
    ids = set(report.catalog.questions)
    for q in report.catalog.questions.values():
        assert set(q.follow_ups) <= ids


def test_problems_filter_by_kind_level_and_topic(report: CatalogReport) -> None:
    catalog = report.catalog
    assert catalog.find_problems() == list(catalog.problems.values())
    easy_ml = catalog.find_problems(kind="ml-from-scratch", difficulty="easy")
    assert easy_ml and len(easy_ml) < len(catalog.problems)
    assert all(p.kind == "ml-from-scratch" and p.difficulty == "easy" for p in easy_ml)
    python = catalog.find_problems(topic="python")
    assert python and all(p.topic == "python" for p in python)
    assert catalog.find_problems(topic="no-such-topic") == []
