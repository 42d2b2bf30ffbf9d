"""Fit the engine's score weights on the tuning parts of the public sets (see grading_accuracy.py).

Called by ``grading_accuracy.py --fit``; prints the weights to paste into
src/mlcoach/grading/calibration.py. Weighted least squares on the human grades with bounds: the
weights are non-negative, so that more evidence never lowers a score; the intercept (what an
answer with no evidence at all would score) is at most `MOST_WITHOUT_EVIDENCE`. Left free it
settles near 2.4, the public sets' graders' leniency (few real answers there get under 2 points),
so the score of an answer that shows nothing would come from the intercept and the rules would
have to fight it. Each set weighs the same whatever its size, so neither one's grading habits
decide the scale alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.optimize import lsq_linear

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


MOST_WITHOUT_EVIDENCE = 1.0  # the most the intercept may give, on the 0-5 scale


def weighted_fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Intercept (at most `MOST_WITHOUT_EVIDENCE`) then non-negative weights minimising the
    weighted squared error."""
    root = np.sqrt(weight)
    design = np.hstack([np.ones((len(x), 1)), x]) * root[:, None]
    lower = np.r_[-np.inf, np.zeros(x.shape[1])]
    upper = np.r_[MOST_WITHOUT_EVIDENCE, np.full(x.shape[1], np.inf)]
    return np.asarray(lsq_linear(design, y * root, bounds=(lower, upper)).x)


# Not fitted (weight 0): a weight on closeness to the question would pay for restating it;
# contradictions are left to the engine's rules, too rare in real answers for a weight to be
# learned; and length alone would pay for padding an answer (the length *against the model
# answer's* stays: a much shorter answer than the reference has left things out).
NOT_FITTED = (
    "share of key points contradicted",
    "similarity of the whole answer to the question",
    "length (content words / 30, at most 1)",
)


def fit(sets: Mapping[str, Sequence[Any]]) -> None:
    for name, items in sets.items():
        print(f"{name}: {len(items)} answers, {len({i.group for i in items})} questions")
    y = np.concatenate([[i.human for i in items] for items in sets.values()])
    weight = np.concatenate([np.full(len(items), 1.0 / len(items)) for items in sets.values()])
    for backend in ("semantic", "lexical"):
        x = np.vstack([features(backend, items) for items in sets.values()])
        fitted_columns = [i for i, name in enumerate(SCORE_FEATURES) if name not in NOT_FITTED]
        weights = np.zeros(1 + len(SCORE_FEATURES))
        weights[[0, *(1 + i for i in fitted_columns)]] = weighted_fit(
            x[:, fitted_columns], y, weight * len(y)
        )
        fitted = np.clip(weights[0] + x @ weights[1:], 0, 5)
        r = float(np.corrcoef(fitted, y)[0, 1])
        print(
            f"{backend}: score_weights={tuple(round(float(w), 3) for w in weights)}  "
            f"tuning r {r:.3f}"
        )
