"""Cutting answers into sentences and clauses the way a reader would."""

from __future__ import annotations

from mlcoach.grading.sentences import (
    MAX_GRADED_WORDS,
    split_answer,
    split_clauses,
    split_sentences,
)


def test_abbreviations_decimals_and_initialisms_do_not_end_a_sentence() -> None:
    text = (
        "Scale features first, e.g. with a standard scaler. A p-value of 0.05 is common, "
        "i.e. one in twenty. Compare 1-NN vs. a large k! Does it work? Yes."
    )
    assert split_sentences(text) == [
        "Scale features first, e.g. with a standard scaler.",
        "A p-value of 0.05 is common, i.e. one in twenty.",
        "Compare 1-NN vs. a large k!",
        "Does it work?",
        "Yes.",
    ]


def test_markdown_lists_paragraphs_and_wrapped_lines() -> None:
    text = """**Bias** is error from
wrong assumptions.

- Variance is sensitivity to the sample
2. numbered items count too
> quoted line here

```python
x = [i for i in range(3)]
```"""
    assert split_sentences(text) == [
        "Bias is error from wrong assumptions.",
        "Variance is sensitivity to the sample",
        "numbered items count too",
        "quoted line here",
        "x = [i for i in range(3)]",
    ]


def test_sentences_without_capitals_still_split() -> None:
    assert split_sentences("bagging averages trees. boosting fits residuals.") == [
        "bagging averages trees.",
        "boosting fits residuals.",
    ]


def test_long_sentences_are_also_offered_clause_by_clause() -> None:
    sentence = (
        "L2 shrinks every weight smoothly towards zero; L1 pushes small weights to exactly "
        "zero, whereas L2 never does, because its gradient vanishes near zero."
    )
    assert split_clauses(sentence) == [
        "L2 shrinks every weight smoothly towards zero",
        "L1 pushes small weights to exactly zero",
        "whereas L2 never does",
        "because its gradient vanishes near zero.",
    ]
    split = split_answer(sentence)
    assert [u.whole for u in split.units] == [True, False, False, False, False]
    assert all(u.sentence == 0 and u.contrastive for u in split.units)


def test_a_long_list_is_split_into_its_items() -> None:
    sentence = (
        "You can quantise the model to INT8, distil it into a smaller student network, "
        "prune whole channels, or batch requests together."
    )
    assert split_clauses(sentence) == [
        "You can quantise the model to INT8",
        "distil it into a smaller student network",
        "prune whole channels",
        "batch requests together.",
    ]


def test_short_sentences_are_not_cut() -> None:
    assert split_clauses("Bagging reduces variance, mostly.") == [
        "Bagging reduces variance, mostly."
    ]


def test_a_huge_answer_is_graded_on_its_start_and_says_so() -> None:
    text = " ".join(f"Sentence {i} says something about regularisation." for i in range(2000))
    split = split_answer(text)
    assert split.total_words == 12_000
    assert split.truncated
    assert split.graded_words <= MAX_GRADED_WORDS
    assert split.sentences[0] == "Sentence 0 says something about regularisation."


def test_a_run_on_answer_without_full_stops_is_cut_into_windows() -> None:
    text = " ".join(["word"] * 10_000)
    split = split_answer(text)
    assert split.truncated
    assert split.graded_words <= MAX_GRADED_WORDS
    assert all(len(s.split()) <= 60 for s in split.sentences)


def test_a_normal_answer_is_not_truncated() -> None:
    split = split_answer("Bias is systematic error. Variance is sensitivity to the sample.")
    assert not split.truncated
    assert split.graded_words == split.total_words == 10
