"""Fit a backend's calibration on half of the development set and report the other half.

    .venv/bin/python tests/grading/calibrate.py semantic --trials 400

The split is by question (a hash of its id), so the held-out figure is for questions the fit never
saw. Similarities are computed once and replayed, so each trial only re-runs the scoring rules.
The human scores in devset.jsonl are never changed to suit the grader; this script only moves the
numbers in `mlcoach.grading.calibration`, and prints the ones to paste there.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mlcoach.catalog import Question, load_catalog
from mlcoach.grading import load_grader
from mlcoach.grading.backends import Backend
from mlcoach.grading.calibration import LEXICAL, SEMANTIC
from mlcoach.grading.engine import Calibration, grade_with
from mlcoach.grading.minilm import FloatArray
from mlcoach.grading.result import BackendName

DEVSET = Path(__file__).with_name("devset.jsonl")

# Ranges searched (uniformly) for the fields that set the similarity scale and the penalties. The
# structural rules (negation gating, clause handling, points per sentence) keep their set values:
# searching those too fitted the training half better and the held-out half worse.
SEARCH: dict[str, dict[str, tuple[float, float]]] = {
    "semantic": {
        "low": (0.25, 0.45),
        "high": (0.55, 0.8),
        "curve": (0.6, 1.2),
        "keyword_list_factor": (0.1, 0.6),
        "misconception_at": (0.6, 0.85),
        "misconception_penalty": (0.0, 1.5),
        "contradiction_penalty": (0.0, 1.0),
    },
    "lexical": {
        "low": (0.03, 0.3),
        "high": (0.3, 0.8),
        "curve": (0.5, 1.2),
        "keyword_list_factor": (0.1, 0.6),
        "misconception_at": (0.4, 0.9),
        "misconception_penalty": (0.0, 1.5),
        "contradiction_penalty": (0.0, 1.0),
    },
}


class ReplayBackend:
    """Serves the similarities the real backend computed, so trials cost no model time."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name: BackendName = inner.name
        self.note = inner.note
        self._memo: dict[tuple[str, tuple[str, ...], tuple[str, ...], bool], FloatArray] = {}

    def similarities(
        self,
        question: Question,
        references: Sequence[str],
        units: Sequence[str],
        *,
        as_written: bool = False,
    ) -> FloatArray:
        key = (question.id, tuple(references), tuple(units), as_written)
        if key not in self._memo:
            self._memo[key] = self.inner.similarities(
                question, references, units, as_written=as_written
            )
        return self._memo[key]


def held_out_questions(question_ids: Sequence[str]) -> set[str]:
    """Half of the questions, chosen by a hash of their ids: the same half on every run."""
    ranked = sorted(set(question_ids), key=lambda q: hashlib.sha256(q.encode()).hexdigest())
    return set(ranked[len(ranked) // 2 :])


def load_devset() -> list[dict[str, object]]:
    return [json.loads(line) for line in DEVSET.read_text().splitlines() if line.strip()]


def evaluate(
    backend: Backend, cal: Calibration, rows: Sequence[tuple[Question, str, float]]
) -> tuple[float, float]:
    """(Pearson correlation, mean absolute error) of the grader against the human scores."""
    predicted = np.array([grade_with(backend, cal, q, a).score for q, a, _ in rows])
    human = np.array([h for _, _, h in rows])
    return float(np.corrcoef(predicted, human)[0, 1]), float(np.abs(predicted - human).mean())


def objective(pearson: float, mae: float) -> float:
    # Correlation is what the test holds; a little MAE keeps scores on the human 0-5 scale.
    return pearson - 0.05 * mae


def sample(
    rng: random.Random, base: Calibration, ranges: dict[str, tuple[float, float]]
) -> Calibration:
    values: dict[str, float | int] = {}
    for name, (lo, hi) in ranges.items():
        if isinstance(getattr(base, name), int):
            values[name] = rng.randint(int(lo), int(hi))
        else:
            values[name] = round(rng.uniform(lo, hi), 3)
    cal = dataclasses.replace(base, **values)
    if cal.high <= cal.low + 0.05:
        cal = dataclasses.replace(cal, high=cal.low + 0.05)
    return cal


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("backend", choices=["semantic", "lexical"])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    catalog = load_catalog(strict=False)
    data = [r for r in load_devset() if r["question_id"] in catalog.questions]
    rows = [
        (catalog.question(str(r["question_id"])), str(r["answer"]), float(str(r["score"])))
        for r in data
    ]
    unseen = held_out_questions([q.id for q, _, _ in rows])
    train = [r for r in rows if r[0].id not in unseen]
    test = [r for r in rows if r[0].id in unseen]
    backend = ReplayBackend(load_grader(args.backend).backend)
    base = SEMANTIC if args.backend == "semantic" else LEXICAL

    current = evaluate(backend, base, train), evaluate(backend, base, test)
    best, best_fit = base, objective(*current[0])
    rng = random.Random(args.seed)
    for trial in range(args.trials):
        # Half the trials explore the whole range, half perturb the best so far.
        if trial % 2 == 0:
            candidate = sample(rng, base, SEARCH[args.backend])
        else:
            narrow = {
                name: (
                    max(lo, getattr(best, name) - (hi - lo) * 0.1),
                    min(hi, getattr(best, name) + (hi - lo) * 0.1),
                )
                for name, (lo, hi) in SEARCH[args.backend].items()
            }
            candidate = sample(rng, best, narrow)
        fit = objective(*evaluate(backend, candidate, train))
        if fit > best_fit:
            best, best_fit = candidate, fit
            print(f"trial {trial}: train objective {fit:.4f}", file=sys.stderr)

    fitted = evaluate(backend, best, train), evaluate(backend, best, test)
    print(f"{args.backend}: {len(train)} training answers, {len(test)} held-out answers")
    for label, (tr, te) in (("current", current), ("fitted", fitted)):
        print(
            f"  {label:8s} train pearson {tr[0]:.3f} mae {tr[1]:.2f} | "
            f"held-out pearson {te[0]:.3f} mae {te[1]:.2f}"
        )
    print("fitted calibration:")
    for field in dataclasses.fields(best):
        print(f"    {field.name}={getattr(best, field.name)!r},")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
