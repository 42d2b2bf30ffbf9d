"""Abbreviations are read as the words they stand for, on both sides of the comparison."""

from __future__ import annotations

import pytest

from mlcoach.catalog import Catalog
from mlcoach.grading import Grader
from mlcoach.grading.abbreviations import spelled_out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "ROC plots TPR vs FPR.",
            "receiver operating characteristic plots true positive rate vs false positive rate.",
        ),
        (
            "Two GANs and an RNN.",
            "Two generative adversarial networks and an recurrent neural network.",
        ),
        ("RMSE, not MSE.", "root mean squared error, not mean squared error."),
        # Already spelled out in the same text: left as written.
        ("The true positive rate (TPR) rises.", "The true positive rate (TPR) rises."),
        # Whole words only, and case matters: "gang", "roc" and "Gan" are not abbreviations here.
        ("A gang of roc birds named Gan.", "A gang of roc birds named Gan."),
        # Ambiguous in this field, so left alone.
        ("MAP and LDA.", "MAP and LDA."),
    ],
)
def test_abbreviations_are_spelled_out(text: str, expected: str) -> None:
    assert spelled_out(text) == expected


@pytest.mark.parametrize("grader_name", ["semantic", "lexical"])
def test_an_answer_in_abbreviations_makes_the_point_it_spells_out(
    grader_name: str, semantic: Grader, lexical: Grader, catalog: Catalog
) -> None:
    grader = semantic if grader_name == "semantic" else lexical
    question = catalog.question("metrics-roc-auc")
    grade = grader.grade(question, "ROC plots TPR vs FPR across thresholds.")
    made = [p.key_point for p in grade.made]
    assert any("true positive rate against false positive rate" in k for k in made), made


def test_one_short_clause_makes_one_point_however_many_share_its_terms(
    semantic: Grader, catalog: Catalog
) -> None:
    question = catalog.question("metrics-roc-auc")
    grade = semantic.grade(question, "It plots TPR vs FPR; AUC of 0.8 is decent.")
    made = [p.key_point for p in grade.made]
    assert len(made) == 1 and "plots true positive rate" in made[0], made


def test_a_sentence_that_denies_a_belief_in_other_words_is_not_accused_of_it(
    semantic: Grader, catalog: Catalog
) -> None:
    # Spelled out, "plain SGD on an L1 penalty oscillates around zero" shares most of its words
    # with the belief that plain SGD on an L1 loss gives exact zeros, yet it says the opposite.
    question = catalog.question("gen-l1-sparsity")
    grade = semantic.grade(question, question.answer)
    assert not grade.misconceptions
    assert grade.score >= 4.5
