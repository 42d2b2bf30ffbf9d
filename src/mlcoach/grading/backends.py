"""How alike a reference statement (key point, misconception) is to each piece of an answer.

Two backends answer the same question: the semantic one compares sentence embeddings, the lexical
one compares weighted stems and needs no model. The grading engine on top is the same for both;
only the similarity scale differs, and each backend has its own calibration for it. Both compare
the texts with abbreviations spelled out (`abbreviations.spelled_out`) unless asked to compare
them as written.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from mlcoach.catalog.models import Question
from mlcoach.grading.abbreviations import spelled_out
from mlcoach.grading.embeddings import EmbeddingCache, Encoder
from mlcoach.grading.minilm import FloatArray
from mlcoach.grading.result import BackendName
from mlcoach.grading.sentences import split_sentences
from mlcoach.grading.text import content_stems


def compared_texts(
    references: Sequence[str], units: Sequence[str], *, as_written: bool
) -> tuple[Sequence[str], Sequence[str]]:
    """The texts a backend compares: abbreviations spelled out on both sides unless ``as_written``."""
    if as_written:
        return references, units
    return [spelled_out(r) for r in references], [spelled_out(u) for u in units]


class Backend(Protocol):
    name: BackendName
    note: str | None

    def similarities(
        self,
        question: Question,
        references: Sequence[str],
        units: Sequence[str],
        *,
        as_written: bool = False,
    ) -> FloatArray:
        """A (len(references), len(units)) matrix of similarities.

        Abbreviations are spelled out on both sides first unless ``as_written``.
        """
        ...


class SemanticBackend:
    """Cosine similarity of all-MiniLM-L6-v2 embeddings; references come from the cache."""

    name: BackendName = "semantic"

    def __init__(self, encoder: Encoder, cache: EmbeddingCache, note: str | None = None) -> None:
        self.encoder = encoder
        self.cache = cache
        self.note = note
        self._local = threading.local()

    @contextmanager
    def precomputed(self, units: Sequence[str]) -> Iterator[None]:
        """Embed many answers' texts in one pass (bigger batches) for the calls inside.

        Give the texts as they will be compared (`engine.answer_texts`: abbreviations spelled out).
        """
        distinct = list(dict.fromkeys(units))
        vectors = self.encoder.encode(distinct) if distinct else np.zeros((0, 0), np.float32)
        outer = getattr(self._local, "vectors", None)
        self._local.vectors = {**(outer or {}), **dict(zip(distinct, vectors, strict=True))}
        try:
            yield
        finally:
            self._local.vectors = outer

    def embed_units(self, units: Sequence[str]) -> FloatArray:
        known: dict[str, FloatArray] | None = getattr(self._local, "vectors", None)
        if not known:
            return self.encoder.encode(units)
        todo = [u for u in dict.fromkeys(units) if u not in known]
        if todo:
            known.update(zip(todo, self.encoder.encode(todo), strict=True))
        return np.stack([known[u] for u in units])

    def similarities(
        self,
        question: Question,
        references: Sequence[str],
        units: Sequence[str],
        *,
        as_written: bool = False,
    ) -> FloatArray:
        if not references or not units:
            return np.zeros((len(references), len(units)), dtype=np.float32)
        references, units = compared_texts(references, units, as_written=as_written)
        ref = self.cache.get(references)
        ans = self.embed_units(units)
        sims: FloatArray = np.clip(ref @ ans.T, -1.0, 1.0)
        return sims


@dataclass(frozen=True)
class _Weights:
    idf: dict[str, float]
    default: float


class LexicalBackend:
    """Stem overlap weighted by rarity: how much of a reference's content the answer's piece says.

    Rarity is measured within the question itself (its prompt, model answer, key points and
    misconceptions), so words that every sentence of the topic uses ("model", "data") count for
    little and the distinctive terms of each key point count for much.
    """

    name: BackendName = "lexical"

    def __init__(self, note: str | None = None) -> None:
        self.note = note
        # Keyed by the question itself, not its id: an edited deck question gets fresh weights.
        self._weights: dict[Question, _Weights] = {}

    def _weights_for(self, question: Question) -> _Weights:
        cached = self._weights.get(question)
        if cached is not None:
            return cached
        documents = [
            question.prompt,
            *split_sentences(question.answer),
            *(k.text for k in question.key_points),
            *question.misconceptions,
        ]
        df: Counter[str] = Counter()
        for doc in documents:
            df.update(set(content_stems(doc)) | set(content_stems(spelled_out(doc))))
        n = len(documents)
        idf = {s: math.log(1.0 + n / (1.0 + c)) for s, c in df.items()}
        # Prompt words are what a copied question repeats; they are weak evidence of knowledge.
        prompt = question.prompt
        for s in set(content_stems(prompt)) | set(content_stems(spelled_out(prompt))):
            idf[s] = idf.get(s, 0.0) * 0.5
        weights = _Weights(idf, math.log(1.0 + n))
        self._weights[question] = weights
        return weights

    def similarities(
        self,
        question: Question,
        references: Sequence[str],
        units: Sequence[str],
        *,
        as_written: bool = False,
    ) -> FloatArray:
        weights = self._weights_for(question)
        sims = np.zeros((len(references), len(units)), dtype=np.float32)
        references, units = compared_texts(references, units, as_written=as_written)
        unit_stems = [set(content_stems(u)) for u in units]
        for i, ref in enumerate(references):
            ref_stems = set(content_stems(ref))
            total = sum(weights.idf.get(s, weights.default) for s in ref_stems)
            if total <= 0:
                continue
            for j, stems in enumerate(unit_stems):
                if not stems:
                    continue
                shared = sum(weights.idf.get(s, weights.default) for s in ref_stems & stems)
                sims[i, j] = shared / total
        return sims
