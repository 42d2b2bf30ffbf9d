"""Key-point vectors are computed once: in memory for the process, on disk across runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlcoach.catalog import Catalog, Question
from mlcoach.grading import Grader
from mlcoach.grading.backends import SemanticBackend
from mlcoach.grading.calibration import SEMANTIC
from mlcoach.grading.embeddings import CountingEncoder, EmbeddingCache
from mlcoach.grading.grader import Grader as GraderClass
from mlcoach.grading.sentences import split_answer, split_sentences
from mlcoach.grading.text import without_question_words

ANSWER = (
    "The training set fits the parameters. The validation set is for choosing "
    "hyperparameters. The test set is used once at the end."
)


def _references(question: Question) -> int:
    """Key points, misconceptions, the prompt and the model answer (whole and sentence by sentence)."""
    texts = {k.text for k in question.key_points} | set(question.misconceptions)
    texts |= {question.prompt, question.answer, *split_sentences(question.answer)[:20]}
    # ...and what the model answer and each key point add to the question's own words.
    for reference in (question.answer, *(k.text for k in question.key_points)):
        texts.add(without_question_words(reference, question.prompt))
    return len(texts - {""})


def _counting_grader(semantic: Grader, folder: Path | None) -> tuple[GraderClass, CountingEncoder]:
    assert isinstance(semantic.backend, SemanticBackend)
    counting = CountingEncoder(semantic.backend.encoder)
    cache = EmbeddingCache(counting, folder, model_tag="test-model")
    return GraderClass(SemanticBackend(counting, cache), SEMANTIC), counting


def test_grading_embeds_only_the_answer_once_key_points_are_cached(
    semantic: Grader, catalog: Catalog
) -> None:
    grader, counting = _counting_grader(semantic, None)
    question = catalog.question("splits-why-three-sets")
    units = len(split_answer(ANSWER).units)
    grader.grade(question, ANSWER)
    # The answer's sentences, the answer as a whole and what it adds to the question's words.
    assert counting.texts_encoded == _references(question) + units + 2
    counting.texts_encoded = 0
    grader.grade(question, ANSWER + " It must stay untouched.")
    assert counting.texts_encoded == units + 3


def test_the_disk_cache_serves_a_new_process(
    semantic: Grader, catalog: Catalog, tmp_path: Path
) -> None:
    question = catalog.question("splits-why-three-sets")
    first, _ = _counting_grader(semantic, tmp_path)
    expected = first.grade(question, ANSWER)
    files = sorted(tmp_path.rglob("*.npy"))
    assert len(files) == _references(question)
    assert not list(tmp_path.rglob(".tmp-*")), "no temporary file is left behind"

    # A fresh cache on the same folder stands for the next run of `mlcoach answer`.
    second, counting = _counting_grader(semantic, tmp_path)
    assert second.grade(question, ANSWER) == expected
    assert counting.texts_encoded == len(split_answer(ANSWER).units) + 2


def test_cache_keys_depend_on_model_and_text(semantic: Grader, tmp_path: Path) -> None:
    assert isinstance(semantic.backend, SemanticBackend)
    a = EmbeddingCache(semantic.backend.encoder, tmp_path, model_tag="model-a")
    b = EmbeddingCache(semantic.backend.encoder, tmp_path, model_tag="model-b")
    assert a.key("text") != b.key("text")
    assert a.key("text") != a.key("text ")


def test_a_corrupt_cache_file_is_recomputed(semantic: Grader, tmp_path: Path) -> None:
    assert isinstance(semantic.backend, SemanticBackend)
    counting = CountingEncoder(semantic.backend.encoder)
    cache = EmbeddingCache(counting, tmp_path, model_tag="m")
    good = cache.get(["Bagging reduces variance."])
    (path,) = tmp_path.rglob("*.npy")
    path.write_bytes(b"not a numpy file")
    fresh = EmbeddingCache(counting, tmp_path, model_tag="m")
    np.testing.assert_allclose(fresh.get(["Bagging reduces variance."]), good)
    assert counting.texts_encoded == 2
    assert np.load(path).shape == (384,)


def test_an_unwritable_cache_folder_only_costs_speed(
    semantic: Grader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(semantic.backend, SemanticBackend)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    cache = EmbeddingCache(semantic.backend.encoder, blocker, model_tag="m")
    vectors = cache.get(["Boosting fits residuals.", "Bagging averages trees."])
    assert vectors.shape == (2, 384)
    assert cache.disk_errors == 2


def test_memory_keeps_the_texts_used_last_and_the_disk_keeps_all(
    semantic: Grader, tmp_path: Path
) -> None:
    assert isinstance(semantic.backend, SemanticBackend)
    counting = CountingEncoder(semantic.backend.encoder)
    texts = ["Bagging averages trees.", "Boosting fits residuals.", "Stacking learns weights."]
    in_memory = EmbeddingCache(counting, None, model_tag="m", memory_limit=2)
    first = in_memory.get(texts)
    counting.texts_encoded = 0
    in_memory.get(texts[1:])  # the two used last are still in memory
    assert counting.texts_encoded == 0
    # The first made room: encoded again (alone, so equal to rounding).
    np.testing.assert_allclose(in_memory.get(texts[:1]), first[:1], atol=1e-6)
    assert counting.texts_encoded == 1
    on_disk = EmbeddingCache(counting, tmp_path, model_tag="m", memory_limit=1)
    on_disk.get(texts)
    counting.texts_encoded = 0
    np.testing.assert_allclose(on_disk.get(texts), first, atol=1e-6)
    assert counting.texts_encoded == 0
