"""Grading real shipped questions: explained scores, and answers that must not fool the grader."""

from __future__ import annotations

import json

import pytest

from mlcoach.catalog import Catalog, Question
from mlcoach.grading import Grade, Grader
from mlcoach.grading.backends import SemanticBackend
from mlcoach.grading.calibration import SEMANTIC
from mlcoach.grading.embeddings import CountingEncoder
from mlcoach.grading.grader import Grader as GraderClass
from mlcoach.grading.sentences import LONG_ANSWER_WORDS, MAX_GRADED_SENTENCES, MAX_GRADED_WORDS

L1 = "gen-l1-sparsity"

GOOD_L1 = (
    "Adding lambda times the norm of w to the loss is the same as minimising the loss inside a "
    "norm ball of some radius. For L1 that ball is a diamond whose corners sit on the axes, and "
    "at a corner some weights are exactly zero. The elliptical loss contours usually hit the "
    "diamond first at a corner, whereas they touch the round L2 ball at a point off the axes. "
    "From the gradient side, the L2 penalty has gradient 2 lambda w, which fades away as w gets "
    "close to zero, so nothing pushes the weight the last bit of the way. The L1 subgradient at "
    "zero is the whole interval from minus lambda to lambda, so zero is the optimum whenever the "
    "gradient of the loss there is smaller than lambda. In one dimension L1 is soft "
    "thresholding, sign(z) max(|z| - lambda, 0), while L2 just rescales z to z / (1 + lambda)."
)


def test_a_complete_answer_scores_high_and_shows_its_evidence(
    semantic: Grader, catalog: Catalog
) -> None:
    question = catalog.question(L1)
    grade = semantic.grade(question, GOOD_L1)
    assert grade.score >= 4.0
    assert grade.backend == "semantic" and grade.backend_note is None
    assert len(grade.points) == len(question.key_points)
    assert len(grade.made) >= 5
    for point in grade.made:
        assert point.evidence and point.evidence.rstrip(".") in GOOD_L1
        assert 0.5 <= point.confidence <= 1.0
    assert grade.model_answer == question.answer
    assert not grade.misconceptions and not grade.notes
    assert 1 <= grade.advice.count(".") <= 3


def test_a_partial_answer_gets_partial_credit_for_the_right_points(
    semantic: Grader, catalog: Catalog
) -> None:
    answer = (
        "Geometrically the L1 constraint region is a diamond with corners on the axes, where "
        "some weights are exactly zero. The contours of the loss usually meet the diamond at a "
        "corner, while they meet the round L2 ball away from the axes."
    )
    grade = semantic.grade(catalog.question(L1), answer)
    assert 1.0 <= grade.score <= 3.5
    made = {p.key_point for p in grade.made}
    assert any("corners on the coordinate axes" in k for k in made)
    assert not any("soft-thresholding" in k for k in made)
    assert grade.advice.startswith("Add that")


def test_a_bag_of_key_terms_scores_low(semantic: Grader, catalog: Catalog) -> None:
    answer = (
        "L1, L2, lasso, ridge, sparsity, exact zeros, diamond, corners, axes, norm ball, "
        "contours, subgradient, soft-thresholding, shrinkage"
    )
    grade = semantic.grade(catalog.question(L1), answer)
    assert grade.score <= 1.0
    assert "full sentences" in grade.advice


def test_a_bag_of_terms_without_punctuation_scores_low(semantic: Grader, catalog: Catalog) -> None:
    answer = "L1 L2 lasso ridge sparsity zeros diamond corners axes subgradient thresholding"
    assert semantic.grade(catalog.question(L1), answer).score <= 1.0


def test_an_answer_that_negates_the_key_points_scores_low_and_is_flagged(
    semantic: Grader, catalog: Catalog
) -> None:
    answer = (
        "L1 does not produce sparse weights. The L1 constraint region has no corners on the "
        "coordinate axes. The L2 penalty gradient does not vanish near zero."
    )
    grade = semantic.grade(catalog.question(L1), answer)
    assert grade.score <= 1.0
    contradicted = [p for p in grade.points if p.contradicted]
    assert len(contradicted) >= 2
    assert all(p.evidence and p.evidence in answer for p in contradicted)
    assert "opposite" in grade.advice


def test_negating_one_point_of_a_good_answer_costs_that_point(
    semantic: Grader, catalog: Catalog
) -> None:
    good = semantic.grade(catalog.question(L1), GOOD_L1)
    wrong = GOOD_L1.replace(
        "The L1 subgradient at zero is the whole interval",
        "The L1 subgradient at zero is not the whole interval",
    )
    worse = semantic.grade(catalog.question(L1), wrong)
    assert worse.score < good.score - 0.5
    subgradient = next(p for p in worse.points if "subgradient" in p.key_point)
    assert not subgradient.made and subgradient.contradicted


def test_an_answer_to_a_different_question_scores_low(semantic: Grader, catalog: Catalog) -> None:
    other = catalog.question("py-decorators").answer
    grade = semantic.grade(catalog.question(L1), other)
    assert grade.score <= 0.5
    assert not grade.made
    assert "The answer does not seem to address this question." in grade.notes


def test_copying_the_question_back_scores_zero(semantic: Grader, catalog: Catalog) -> None:
    question = catalog.question(L1)
    grade = semantic.grade(question, question.prompt)
    assert grade.score == 0.0
    assert "Restating the question" in grade.advice


@pytest.mark.parametrize("answer", ["", "   \n\t ", "...", "?!"])
def test_an_empty_answer_scores_zero_with_a_clear_message(
    semantic: Grader, catalog: Catalog, answer: str
) -> None:
    grade = semantic.grade(catalog.question(L1), answer)
    assert grade.score == 0.0
    assert grade.notes == ("The answer is empty, so it scores 0.",)
    assert not grade.made
    assert "Write your answer" in grade.advice


def test_a_stated_misconception_is_named(semantic: Grader, catalog: Catalog) -> None:
    answer = (
        "L1 gives sparse weights because it penalises large weights more strongly than L2 does."
    )
    grade = semantic.grade(catalog.question(L1), answer)
    assert [m.misconception for m in grade.misconceptions] == [
        "L1 gives sparse weights because it penalises large weights more strongly than L2."
    ]
    assert grade.misconceptions[0].evidence.startswith("L1 gives sparse weights")
    assert grade.score <= 1.0


def test_a_10000_word_answer_is_graded_up_to_a_bound_and_costs_no_more(
    semantic: Grader, catalog: Catalog
) -> None:
    assert isinstance(semantic.backend, SemanticBackend)
    counting = CountingEncoder(semantic.backend.encoder)
    backend = SemanticBackend(counting, semantic.backend.cache)
    grader = GraderClass(backend, SEMANTIC)
    filler = " ".join(["This is filler text about nothing in particular."] * 1250)
    huge = GOOD_L1 + " " + filler
    assert len(huge.split()) > 10_000
    question = catalog.question(L1)
    grader.grade(question, GOOD_L1)  # key points now cached: from here on only answers are embedded
    counting.texts_encoded = 0
    grade = grader.grade(question, huge)
    assert grade.score >= 4.0
    assert grade.graded_words <= MAX_GRADED_WORDS < grade.total_words
    assert any("only the first" in note for note in grade.notes)
    # The work is bounded by the graded part, not by the length of the text.
    normal = counting.texts_encoded
    counting.texts_encoded = 0
    grader.grade(question, GOOD_L1 + " " + " ".join([filler] * 3))
    assert counting.texts_encoded == normal <= 3 * MAX_GRADED_SENTENCES


def test_a_long_answer_is_graded_whole_and_says_so(semantic: Grader, catalog: Catalog) -> None:
    # The key points come last, after 500 words of preamble: they still count.
    preamble = " ".join(["Let me first describe the setting of the problem in general terms."] * 42)
    grade = semantic.grade(catalog.question(L1), preamble + " " + GOOD_L1)
    assert grade.total_words > LONG_ANSWER_WORDS
    assert grade.graded_words == grade.total_words
    assert any("graded whole" in note for note in grade.notes)
    assert len(grade.made) >= 2


def test_an_answer_in_another_script_is_told_english_is_graded(
    semantic: Grader, catalog: Catalog
) -> None:
    grade = semantic.grade(catalog.question(L1), "L1正则化会让很多权重变成零，所以模型是稀疏的。")
    assert grade.notes and "grades answers in English" in grade.notes[0]
    assert "empty" not in " ".join(grade.notes)


@pytest.mark.parametrize(
    "answer",
    [
        "La regularización L1 lleva muchos pesos exactamente a cero, por eso el modelo es disperso.",
        "La régularisation L1 met beaucoup de poids exactement à zéro, donc le modèle est creux.",
        "Die L1-Regularisierung setzt viele Gewichte auf null, und das Modell wird dadurch dünn.",
    ],
)
def test_an_answer_in_another_latin_script_language_is_told_english_is_graded(
    semantic: Grader, catalog: Catalog, answer: str
) -> None:
    grade = semantic.grade(catalog.question(L1), answer)
    assert any("grades answers in English" in note for note in grade.notes)


def test_english_answers_code_and_term_lists_are_not_taken_for_another_language(
    semantic: Grader, catalog: Catalog
) -> None:
    for answer in (
        GOOD_L1,
        "L1, lasso, sparsity, zero weights, feature selection, absolute value penalty",
        "def l1(w): return lam * sum(abs(x) for x in w)  # the penalty that zeroes weights",
    ):
        notes = semantic.grade(catalog.question(L1), answer).notes
        assert not any("grades answers in English" in note for note in notes), answer


def test_a_grade_is_plain_json(semantic: Grader, catalog: Catalog) -> None:
    grade = semantic.grade(catalog.question(L1), GOOD_L1)
    data = json.loads(json.dumps(grade.as_dict()))
    assert Grade.model_validate(data) == grade
    assert set(data) >= {
        "question_id",
        "score",
        "points",
        "misconceptions",
        "advice",
        "model_answer",
        "backend",
    }
    assert data["score"] == round(data["score"], 1)
    assert set(data["points"][0]) >= {"key_point", "made", "evidence", "confidence"}


@pytest.mark.parametrize(
    ("question_id", "answer", "at_most"),
    [
        ("splits-why-three-sets", "train, validation, test, tuning, unbiased, holdout", 1.0),
        ("py-mutable-vs-immutable", "", 0.0),
        (L1, "What is the capital of France? Paris is the capital of France.", 0.5),
    ],
)
def test_the_lexical_backend_is_not_fooled_either(
    lexical: Grader, catalog: Catalog, question_id: str, answer: str, at_most: float
) -> None:
    grade = lexical.grade(catalog.question(question_id), answer)
    assert grade.backend == "lexical"
    assert grade.score <= at_most


def test_the_lexical_backend_still_rewards_a_good_answer(lexical: Grader, catalog: Catalog) -> None:
    assert lexical.grade(catalog.question(L1), GOOD_L1).score >= 3.0


def test_a_question_with_one_key_point_and_a_one_line_answer_is_graded(semantic: Grader) -> None:
    question = Question(
        id="deck-leaf",
        topic="trees",
        subtopic="trees",
        difficulty="easy",
        roles=("engineering",),
        prompt="What is a leaf in a tree data structure?",
        answer="A node that has no children.",
        key_points=("A leaf is a node that has no children.",),  # type: ignore[arg-type]
    )
    right = semantic.grade(question, "A node with no children.")
    assert right.points[0].made and not right.points[0].contradicted
    assert right.score >= 4.0
    wrong = semantic.grade(question, "The topmost node, the one every path starts from.")
    assert wrong.score < right.score and not wrong.points[0].made
