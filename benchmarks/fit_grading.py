"""Fit the engine's score weights on the training split of the public set (see grading_accuracy.py).

Called by ``grading_accuracy.py --fit``; prints the weights to paste into
src/mlcoach/grading/calibration.py. Least squares on the human grades of the training split only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mlcoach.grading.backends import SemanticBackend
from mlcoach.grading.engine import grade_with
from mlcoach.grading.grader import load_grader
from mlcoach.grading.sentences import split_answer


def features(backend_name: str, items: Sequence[Any]) -> np.ndarray:
    grader = load_grader(backend_name)
    rows: list[tuple[float, ...]] = []
    texts = [
        t
        for i in items
        for t in (
            *(u.text for u in split_answer(i.answer.strip()).units),
            " ".join(i.answer.split()),
        )
    ]
    backend = grader.backend

    def run() -> None:
        for i in items:
            before = len(rows)
            grade_with(backend, grader.calibration, i.question, i.answer, rows, grader.companion)
            if len(rows) == before:  # an empty answer: nothing to compute from
                rows.append((0.0,) * 8)

    if isinstance(backend, SemanticBackend):
        with backend.precomputed(texts):
            run()
    else:
        run()
    x = np.array(rows)
    np.save(f"/tmp/mlcoach-fit-{backend_name}.npy", x)
    return x


def fit(items: Sequence[Any]) -> None:
    y = np.array([i.human for i in items])
    print(f"training split: {len(items)} answers, {len({i.group for i in items})} questions")
    for name in ("semantic", "lexical"):
        x = features(name, items)
        design = np.hstack([np.ones((len(x), 1)), x])
        weights, *_ = np.linalg.lstsq(design, y, rcond=None)
        fitted = np.clip(design @ weights, 0, 5)
        r = float(np.corrcoef(fitted, y)[0, 1])
        print(
            f"{name}: score_weights={tuple(round(float(w), 3) for w in weights)}  train r {r:.3f}"
        )
