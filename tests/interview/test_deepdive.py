"""Detecting what a project uses, and the deep-dive questions tailored to it."""

from __future__ import annotations

import pytest

from mlcoach.interview.deepdive import (
    ProjectProfile,
    deep_dive_questions,
    detect_project,
)
from mlcoach.interview.matching import GradingEmbedder

TABULAR_README = """
# Predicting late invoice payments

We exported 180k invoices from the billing database as a CSV file (customer records, amounts,
due dates). About 12% of the tenure values were missing. I trained an XGBoost classifier, tuned
with Optuna, and compared it with a logistic regression. We report PR AUC because late payments
are a minority class. The model is served from a FastAPI endpoint in Docker.
"""

VISION_README = """
Shelf gaps: a ResNet-50 fine-tuned from ImageNet weights finds empty spots in photos of
supermarket shelves. We used random crops and flips as augmentation and measured IoU.
"""


def test_a_tabular_boosting_project_is_recognised_as_written() -> None:
    profile = detect_project(TABULAR_README)
    found = profile.summary()
    assert "XGBoost" in found["model"]  # named as the user wrote it
    assert "tabular data" in found["data"]
    assert "imbalanced classes" in found["data"]
    assert "a prediction API" in found["deployment"]
    assert "missing values" in found["practice"]
    # "PR AUC" is precision-recall, not also ROC AUC.
    assert [m.signal.id for m in profile.of_kind("metric")] == ["precision-recall"]


def test_questions_are_tailored_to_what_the_project_uses() -> None:
    questions = deep_dive_questions(detect_project(TABULAR_README))
    first = questions[0]
    assert first.category == "why-method"
    assert first.text.startswith("You used XGBoost on tabular data: why not a linear model first")
    texts = " ".join(q.text for q in questions)
    assert "imbalanced" in texts  # the evaluation question is the imbalanced-classes one
    assert "You deployed it with a prediction API" in texts
    # Every question is asked once per category, and the classic ones are there too.
    categories = [q.category for q in questions]
    assert len(categories) == len(set(categories))
    for classic in ("missing-data", "what-went-wrong", "do-differently", "baseline"):
        assert classic in categories


def test_a_short_round_mixes_tailored_and_classic_questions() -> None:
    questions = deep_dive_questions(detect_project(TABULAR_README), 4)
    assert len(questions) == 4
    assert sum(q.tailored for q in questions) == 2
    assert "what-went-wrong" in [q.category for q in questions]


def test_an_image_project_gets_pretraining_and_augmentation_questions() -> None:
    questions = deep_dive_questions(detect_project(VISION_README))
    why = next(q for q in questions if q.category == "why-method")
    assert "ResNet-50" in why.text and "pretrained weights" in why.text
    noisy = next(q for q in questions if q.category == "missing-data")
    assert "noisy labels" in noisy.text and "images" in noisy.text


def test_an_llm_project_with_retrieval_is_asked_how_retrieval_and_answers_were_evaluated() -> None:
    profile = detect_project(
        "A support assistant: GPT-4 answers customers' questions with RAG over our help-centre "
        "articles, stored in a vector database."
    )
    questions = deep_dive_questions(profile)
    evaluation = next(q for q in questions if q.category == "evaluation")
    assert evaluation.tailored and "retrieval" in evaluation.text
    assert "hallucinat" in evaluation.text
    # A weak answer leads to drills on the LLM topic.
    assert "llms" in evaluation.topics


def test_a_description_without_recognisable_terms_gets_the_classic_questions() -> None:
    profile = detect_project("I worked on a project at my last job with some colleagues.")
    assert profile.empty
    questions = deep_dive_questions(profile)
    assert [q.category for q in questions][:3] == ["why-method", "baseline", "evaluation"]
    assert (
        questions[0].text
        == "Why did you choose the method you used, and which alternatives did you consider?"
    )
    assert not any(q.tailored for q in questions)


def test_generated_questions_are_gradeable_and_survive_storage() -> None:
    profile = detect_project(TABULAR_README)
    again = ProjectProfile.from_dict(profile.as_dict())
    assert again.summary() == profile.summary()
    for q in deep_dive_questions(profile):
        assert 3 <= len(q.as_question().key_points) <= 7


@pytest.fixture(scope="module")
def embedder() -> GradingEmbedder:
    from mlcoach.grading.grader import semantic_backend
    from mlcoach.grading.minilm import ModelUnavailable

    try:
        return GradingEmbedder(semantic_backend())
    except ModelUnavailable as exc:  # pragma: no cover - the model ships with mlcoach
        pytest.skip(f"embedding model unavailable: {exc}")


def test_meaning_finds_what_no_phrase_names(embedder: GradingEmbedder) -> None:
    text = "We kept one model per shop. Results were shown to store managers on a small web page."
    assert "deployment" not in detect_project(text).summary()
    by_meaning = detect_project(text, embedder=embedder)
    assert [m.signal.id for m in by_meaning.of_kind("deployment")] == ["dashboard"]
    assert by_meaning.of_kind("deployment")[0].via == "meaning"
