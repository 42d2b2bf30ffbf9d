"""The NumPy encoder reproduces all-MiniLM-L6-v2 as sentence-transformers runs it.

minilm_reference.json holds vectors computed once with the real sentence-transformers and PyTorch
(see its `made_with`) from the same model files, for sentences chosen to exercise the tokenizer:
accents, CJK, emoji, code, upper case, and one text longer than the 256-token limit.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mlcoach.grading.minilm import MiniLMEncoder, ModelUnavailable, find_model_dir

REFERENCE = Path(__file__).with_name("minilm_reference.json")


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return MiniLMEncoder()


@pytest.fixture(scope="module")
def reference() -> dict[str, object]:
    data: dict[str, object] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return data


def test_embeddings_match_sentence_transformers(
    encoder: MiniLMEncoder, reference: dict[str, object]
) -> None:
    sentences = reference["sentences"]
    assert isinstance(sentences, list) and len(sentences) >= 20
    texts = [s["text"] for s in sentences]
    expected = np.array([s["embedding"] for s in sentences], dtype=np.float32)
    got = encoder.encode(texts)
    assert got.shape == (len(texts), 384)
    cosines = (got * expected).sum(axis=1) / (
        np.linalg.norm(got, axis=1) * np.linalg.norm(expected, axis=1)
    )
    for text, cosine in zip(texts, cosines, strict=True):
        assert cosine >= 0.99, f"{cosine:.5f} for {text[:60]!r}"
    # In practice the match is far closer than the bar: float32 noise plus the tanh GELU.
    assert float(cosines.min()) > 0.9999


def test_vectors_are_unit_length_and_independent_of_batching(encoder: MiniLMEncoder) -> None:
    texts = ["Bagging reduces variance.", "A much longer sentence " * 20, "Short."]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    # Padding inside a batch must not leak into the pooled vector.
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_long_text_is_truncated_to_256_tokens(encoder: MiniLMEncoder) -> None:
    long_text = "gradient boosting fits trees to residuals " * 200
    assert encoder.token_counts([long_text]) == [256]
    # Everything after the limit is ignored, exactly as the model was trained.
    tail_changed = long_text + " completely different ending about cats"
    np.testing.assert_allclose(encoder.encode([long_text]), encoder.encode([tail_changed]))


def test_similar_meaning_scores_higher_than_unrelated(encoder: MiniLMEncoder) -> None:
    a, b, c = encoder.encode(
        [
            "L1 regularisation drives many weights to exactly zero.",
            "The lasso penalty makes a lot of coefficients vanish, giving a sparse model.",
            "Python generators produce values lazily, one at a time.",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.1


def test_a_model_folder_with_missing_files_is_refused(tmp_path: Path) -> None:
    shutil.copy(find_model_dir() / "config.json", tmp_path / "config.json")
    with pytest.raises(ModelUnavailable, match=r"lacks tokenizer\.json, model\.safetensors"):
        MiniLMEncoder(tmp_path)


def test_a_corrupt_weights_file_is_refused(tmp_path: Path) -> None:
    source = find_model_dir()
    for name in ("config.json", "tokenizer.json", "sentence_bert_config.json"):
        shutil.copy(source / name, tmp_path / name)
    (tmp_path / "model.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ModelUnavailable, match="cannot read"):
        MiniLMEncoder(tmp_path)


def test_blas_threads_are_restored_after_overlapping_encodes(encoder: MiniLMEncoder) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

    def blas_threads() -> list[int]:
        return [
            info["num_threads"]
            for info in ThreadpoolController().info()
            if info["user_api"] == "blas"
        ]

    before = blas_threads()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda i: encoder.encode([f"sentence number {i}"]), range(16)))
    assert all(r.shape == (1, 384) for r in results)
    assert blas_threads() == before
