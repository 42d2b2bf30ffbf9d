"""Fit the engine's score weights on the tuning parts of the public sets (see grading_accuracy.py).

Called by ``grading_accuracy.py --fit``; prints the weights to paste into
src/mlcoach/grading/calibration.py. Weighted non-negative least squares on the human grades (the
intercept is free): non-negative so that more evidence never lowers a score, and each set weighs
the same whatever its size, so neither one's grading habits decide the scale alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.optimize import nnls

from mlcoach.grading.backends import SemanticBackend
from mlcoach.grading.engine import SCORE_FEATURES, answer_texts, grade_with
from mlcoach.grading.grader import load_grader


def features(backend_name: str, items: Sequence[Any]) -> np.ndarray:
    grader = load_grader(backend_name)
    rows: list[tuple[float, ...]] = []
    texts = [t for i in items for t in answer_texts(i.question, i.answer)]
    backend = grader.backend

    def run() -> None:
        for i in items:
            before = len(rows)
            grade_with(backend, grader.calibration, i.question, i.answer, rows, grader.companion)
            if len(rows) == before:  # an empty answer: nothing to compute from
                rows.append((0.0,) * len(SCORE_FEATURES))

    if isinstance(backend, SemanticBackend):
        with backend.precomputed(texts):
            run()
    else:
        run()
    return np.array(rows)


def weighted_nnls(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Intercept (free sign) then non-negative weights minimising the weighted squared error."""
    root = np.sqrt(weight)[:, None]
    design = np.hstack([np.ones((len(x), 1)), -np.ones((len(x), 1)), x]) * root
    solution, _ = nnls(design, y * root[:, 0], maxiter=50 * design.shape[1])
    return np.concatenate([[solution[0] - solution[1]], solution[2:]])


# Left to the engine's rules, not to the fit: a weight on closeness to the question would pay for
# restating it, and contradictions are too rare in real answers for a weight to be learned.
LEFT_TO_RULES = (
    "share of key points contradicted",
    "similarity of the whole answer to the question",
)


def fit(sets: Mapping[str, Sequence[Any]]) -> None:
    for name, items in sets.items():
        print(f"{name}: {len(items)} answers, {len({i.group for i in items})} questions")
    y = np.concatenate([[i.human for i in items] for items in sets.values()])
    weight = np.concatenate([np.full(len(items), 1.0 / len(items)) for items in sets.values()])
    for backend in ("semantic", "lexical"):
        x = np.vstack([features(backend, items) for items in sets.values()])
        x[:, [SCORE_FEATURES.index(name) for name in LEFT_TO_RULES]] = 0.0
        weights = weighted_nnls(x, y, weight * len(y))
        fitted = np.clip(weights[0] + x @ weights[1:], 0, 5)
        r = float(np.corrcoef(fitted, y)[0, 1])
        print(
            f"{backend}: score_weights={tuple(round(float(w), 3) for w in weights)}  "
            f"tuning r {r:.3f}"
        )
