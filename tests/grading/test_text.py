"""Polarity and shape of a sentence: the cues that stop the grader being fooled."""

from __future__ import annotations

import pytest

from mlcoach.grading.text import content_stems, is_negated, looks_like_keyword_list


@pytest.mark.parametrize(
    "text",
    [
        "L1 does not produce sparse weights.",
        "Gradients don't vanish in deep networks.",
        "The test set is never used for tuning.",
        "Neither L1 nor L2 sets weights to zero.",
        "There is no need to log the model version.",
        "because squaring does not penalise large errors more",
    ],
)
def test_denials_are_negated(text: str) -> None:
    assert is_negated(text)


@pytest.mark.parametrize(
    "text",
    [
        "L1 produces sparse weights.",
        # Negation inside a subordinate clause describes; it does not deny the main claim.
        "Out-of-bag error uses the rows that were not in the tree's bootstrap sample.",
        "Errors cancel when the models are not perfectly correlated.",
        # "X, not Y" and idioms are contrasts, not denials.
        "Load the model once at start-up, not per request.",
        "It is not only fast but also accurate.",
        "The tree grows no matter how much data there is.",
    ],
)
def test_affirmations_are_not_negated(text: str) -> None:
    assert not is_negated(text)


def test_a_comma_list_of_terms_is_a_keyword_list() -> None:
    assert looks_like_keyword_list("bias, variance, overfitting, underfitting, U-shaped curve")
    assert looks_like_keyword_list("bias variance tradeoff complexity overfit underfit")


def test_real_sentences_are_not_keyword_lists() -> None:
    assert not looks_like_keyword_list(
        "Bias is error from assumptions that are too simple, like a line fitted to a curve."
    )
    assert not looks_like_keyword_list("Bagging reduces variance.")


def test_british_and_american_spellings_share_stems() -> None:
    assert content_stems("regularisation") == content_stems("regularization")
    assert content_stems("the models") == content_stems("model")


def test_the_same_negative_fact_phrased_two_ways_agrees_in_polarity() -> None:
    from mlcoach.grading.text import polarity_differs

    assert not polarity_differs(
        "A leaf is a node with no children.", "A node that has no children."
    )
    assert not polarity_differs(
        "Recursion never ends when not creating a base case.",
        "If the base case is not included, the recursion never stops.",
    )
    assert polarity_differs(
        "Terminal 1 is not connected to the positive terminal.",
        "Terminal 1 is connected to the positive terminal.",
    )


def test_adding_the_one_word_that_answers_is_not_copying_the_question() -> None:
    from mlcoach.grading.engine import copies_prompt

    prompt = "How does the compiler tell overloaded functions apart?"
    assert copies_prompt("The compiler tells overloaded functions apart.", prompt)
    assert not copies_prompt(
        "The compiler tells overloaded functions apart by their signature.", prompt
    )


def test_prepositions_are_not_content() -> None:
    # "vs" and "across" say nothing about the subject; counted as content they would make a short
    # claim look like two and let it make two points.
    assert content_stems("precision vs recall across thresholds") == content_stems(
        "precision recall thresholds"
    )
