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
        fit_gate(name, x, design @ weights, y, items)


def fit_gate(name: str, x: np.ndarray, fitted: np.ndarray, y: np.ndarray, items: Any) -> None:
    """Choose the off-topic threshold and the justified margin that best fit the training split.

    Mirrors the engine (`grade_with`): an answer that makes no key point and is less similar
    than the threshold to the model answer scores 0; the score is at most the plain key-point
    formula plus the margin; a contradicted key point costs the calibration's penalty.
    """
    cal = load_grader(name).calibration
    k = np.array([len(i.question.key_points) for i in items])
    plain = 5.0 * x[:, 0] ** cal.curve
    contradicted = np.rint(x[:, 4] * k)
    no_point = x[:, 1] < cal.made_at
    best: tuple[float, float, float | None] = (-1.0, 0.0, None)
    for margin in (None, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0):
        capped = fitted if margin is None else np.minimum(fitted, plain + margin)
        for gate in np.arange(0.0, 0.8, 0.025):
            raw = np.where(no_point & (x[:, 2] < gate), 0.0, capped)
            score = np.clip(raw - cal.contradiction_penalty * contradicted, 0, 5)
            r = float(np.corrcoef(score, y)[0, 1])
            if r > best[0]:
                best = (r, float(gate), margin)
    print(
        f"{name}: off_topic_model_below={best[1]:.3f} justified_margin={best[2]}  "
        f"train r {best[0]:.3f}"
    )
