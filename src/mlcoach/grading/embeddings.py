"""Sentence embeddings with a cache, so grading an answer embeds only the answer's own sentences.

Key points, misconceptions and prompts are the same for every answer to a question: their vectors
are kept in memory for the process and on disk in the data folder, one small `.npy` file per text,
named by a hash of the model and the text and written atomically (a crash or a concurrent writer
never leaves a half-written vector that a later run would trust).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from mlcoach.grading.minilm import FloatArray

# Part of every cache key: bump it when the encoder's arithmetic changes, so old vectors are
# recomputed rather than compared with new ones.
ENCODER_REVISION = "numpy-tanh-gelu-1"
# Vectors kept in memory (1.5 KB each, so ~75 MB at most): many times the whole shipped curriculum,
# while the cards team members import (each account's own) cannot grow a server without end.
MEMORY_LIMIT = 50_000


class Encoder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> FloatArray: ...


class CountingEncoder:
    """An encoder wrapper that counts the texts it embedded: the cache's effect, made visible."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.texts_encoded = 0

    def encode(self, texts: Sequence[str]) -> FloatArray:
        self.texts_encoded += len(texts)
        return self.inner.encode(texts)


class EmbeddingCache:
    """Vectors of fixed texts, from memory, then disk, then the encoder (which fills both).

    Memory keeps the ``memory_limit`` texts used most recently; the disk keeps every one."""

    def __init__(
        self,
        encoder: Encoder,
        folder: Path | None,
        *,
        model_tag: str,
        memory_limit: int = MEMORY_LIMIT,
    ) -> None:
        self.encoder = encoder
        self.folder = folder
        self.model_tag = model_tag
        self.memory_limit = memory_limit
        self._memory: OrderedDict[str, FloatArray] = OrderedDict()
        self._lock = threading.Lock()
        self.disk_errors = 0

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_tag}\0{text}".encode()).hexdigest()

    def get(self, texts: Sequence[str]) -> FloatArray:
        keys = [self.key(t) for t in texts]
        found: dict[str, FloatArray] = {}
        missing: dict[str, str] = {}
        with self._lock:
            for key, text in zip(keys, texts, strict=True):
                vector = self._memory.get(key)
                if vector is None:
                    vector = self._read(key)
                if vector is not None:
                    self._remember(key, vector)
                if vector is None:
                    missing[key] = text
                else:
                    found[key] = vector
        if missing:
            vectors = self.encoder.encode(list(missing.values()))
            with self._lock:
                for key, vector in zip(missing, vectors, strict=True):
                    self._remember(key, vector)
                    found[key] = vector
                    self._write(key, vector)
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[k] for k in keys])

    def _remember(self, key: str, vector: FloatArray) -> None:
        self._memory[key] = vector
        self._memory.move_to_end(key)
        while len(self._memory) > self.memory_limit:
            self._memory.popitem(last=False)

    def _path(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / key[:2] / f"{key}.npy"

    def _read(self, key: str) -> FloatArray | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            vector = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None  # unreadable: recomputed and rewritten below
        if vector.dtype != np.float32 or vector.ndim != 1:
            return None
        result: FloatArray = vector
        return result

    def _write(self, key: str, vector: FloatArray) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npy")
            try:
                with os.fdopen(fd, "wb") as fh:
                    np.save(fh, vector, allow_pickle=False)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            # A read-only or full data folder only costs speed: the vector stays in memory.
            self.disk_errors += 1
