"""Finding taxonomy phrases in free text, and (when the grading model is installed) meanings.

Phrases match whole words, ignoring case, with hyphens, slashes and underscores read as spaces
("scikit-learn" finds "scikit learn", "A/B test" finds "a b test") and an optional plural ending on
the last word. Matches are reported as written in the text, so "LightGBM" stays "LightGBM".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np
import numpy.typing as npt

from mlcoach.config import Settings
from mlcoach.errors import MlcoachError

FloatArray = npt.NDArray[np.float32]
MAX_TEXT_BYTES = 1_000_000

_SEPARATORS = str.maketrans({c: " " for c in "-_/–—"})
_SENTENCE_BREAK = re.compile(r"(?<=[.!?;:])\s+|\n+")
_VERSION = re.compile(r"[-_]?v?\d+(?:\.\d+)*[a-z]?(?![\w])", re.IGNORECASE)


def normalise(text: str) -> str:
    """Lower case with separators as spaces, keeping every character at its position."""
    lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered.translate(_SEPARATORS)


@lru_cache(maxsize=4096)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = normalise(phrase).split()
    if not words:
        raise ValueError("empty phrase")
    last = words[-1]
    if len(last) >= 5 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        # A plural phrase also finds the singular ("data pipelines" -> "data pipeline").
        words[-1] = last[:-1]
        ending = "s?"
    else:
        # A plural "s"/"es" on a last word that ends in a letter ("model" -> "models").
        ending = "(?:e?s)?" if last[-1].isalpha() else ""
    body = r"\s+".join(re.escape(w) for w in words)
    # A version may follow the name directly ("yolov8", "gpt4"); any other letter may not.
    return re.compile(rf"(?<![a-z0-9]){body}{ending}(?=v?\d|[^a-z0-9+#]|$)")


@dataclass(frozen=True)
class Hit:
    phrase: str
    start: int
    end: int
    written: str


def find_phrases(text: str, phrases: Iterable[str], *, normalised: str | None = None) -> list[Hit]:
    """Every non-overlapping occurrence of any of ``phrases``, longest phrase first at a position."""
    norm = normalise(text) if normalised is None else normalised
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []
    for phrase in sorted(set(phrases), key=len, reverse=True):
        for match in phrase_pattern(phrase).finditer(norm):
            start, end = match.span()
            if any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            # Keep a version attached to the name as written: "ResNet-50", "YOLOv8", "GPT-4".
            version = _VERSION.match(text, end)
            shown = text[start : version.end()] if version else text[start:end]
            hits.append(Hit(phrase, start, end, shown))
    hits.sort(key=lambda h: h.start)
    return hits


def sentences(text: str) -> list[str]:
    """Sentences and lines of ``text``, stripped of Markdown bullets and headings."""
    out = []
    for piece in _SENTENCE_BREAK.split(text):
        piece = piece.strip().lstrip("#*->•").strip()
        if len(piece.split()) >= 3:
            out.append(piece)
    return out


def read_text_file(path: str | object, what: str) -> str:
    """A user's text file (a README, a posting, a résumé), with a clear error when it cannot be read."""
    from pathlib import Path

    file = Path(str(path)).expanduser()
    if not file.exists():
        raise MlcoachError(f"{what} {file}: no such file")
    if file.is_dir():
        raise MlcoachError(f"{what} {file} is a folder; give a text or Markdown file")
    size = file.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise MlcoachError(f"{what} {file} is {size:,} bytes; the limit is {MAX_TEXT_BYTES:,}")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise MlcoachError(
            f"{what} {file} is not UTF-8 text (for a PDF or Word file, save it as text first)"
        ) from None
    except OSError as exc:
        raise MlcoachError(f"cannot read {what} {file}: {exc.strerror}") from None
    if not text.strip():
        raise MlcoachError(f"{what} {file} is empty")
    return text


# --- Meaning ------------------------------------------------------------------------------------


class Embedder(Protocol):
    """Cosine similarities between fixed reference texts and pieces of a user's text."""

    def similarities(self, references: Sequence[str], texts: Sequence[str]) -> FloatArray: ...


class GradingEmbedder:
    """The grading module's sentence-embedding model, with its cache for the reference texts."""

    def __init__(self, backend: object) -> None:
        self._backend = backend

    def similarities(self, references: Sequence[str], texts: Sequence[str]) -> FloatArray:
        if not references or not texts:
            return np.zeros((len(references), len(texts)), dtype=np.float32)
        ref = self._backend.cache.get(list(references))  # type: ignore[attr-defined]
        vecs = self._backend.embed_units(list(texts))  # type: ignore[attr-defined]
        sims: FloatArray = np.clip(ref @ vecs.T, -1.0, 1.0)
        return sims


def default_embedder(settings: Settings | None = None) -> Embedder | None:
    """The sentence-embedding model when the grader in use (the one ``settings`` choose) has one;
    None with word overlap only."""
    from mlcoach.grading import grader_for, load_grader
    from mlcoach.grading.backends import SemanticBackend

    try:
        grader = load_grader() if settings is None else grader_for(settings)
    except MlcoachError:
        return None
    if isinstance(grader.backend, SemanticBackend):
        return GradingEmbedder(grader.backend)
    return None
