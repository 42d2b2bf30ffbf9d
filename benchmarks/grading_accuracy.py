"""How well grades agree with human graders on a public set of real short answers.

    MLCOACH_GRADING_DATA=/path/to/semeval .venv/bin/python benchmarks/grading_accuracy.py [--fit]

Data: SemEval-2013 Task 7 (Dzikovska et al., "The Joint Student Response Analysis and 8th
Recognizing Textual Entailment Challenge"; SciEntsBank and Beetle, CC-BY-SA), answers written by
school and university students and labelled by trained annotators. Nobody on this project wrote or
saw it before the grader was built; it is never committed. Get it with

    git clone https://github.com/myrosia/semeval-2013-task7 && cd semeval-2013-task7 \
        && unzip semeval-3way.zip -d semeval     # (or semeval-5way.zip where available)

and point MLCOACH_GRADING_DATA at the unzipped folder (the one holding ``training/`` and
``test/``, or ``train/`` and ``test-unseen-questions/`` for the 5-way release).

Each SemEval question becomes a mlcoach question: its text is the prompt, its reference answers
together the model answer and each reference answer (up to seven) a key point; Beetle's several
reference answers are alternatives, so an answer matching any one of them is right (the score
weights fitted on the training split learn how much the best-matched point counts).

Labels are categories; they are mapped to the 0-5 scale of a grade as follows (documented in
docs/grading.md): correct 5, partially_correct_incomplete 3, contradictory 1, irrelevant 0,
non_domain 0; in the 3-way release "incorrect" (partial, irrelevant and non-domain answers
together, two thirds of them partial in the 5-way training data) is 2.

Splits: ``--fit`` fits the engine's score combination (mlcoach.grading.calibration.SCORE_*) on the
training split; every figure printed is on the unseen-questions test split (questions the fit never
saw). For every backend and for two baselines (TF-IDF cosine and raw MiniLM cosine between the
whole answer and the best reference answer) it prints Pearson r, Spearman rho, RMSE of a linear
fit cross-validated by question (5 folds), mean bias of the 0-5 score against the human mean
(backends only: the baselines have no 0-5 scale), and answers per second.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlcoach.catalog.models import Question
from mlcoach.grading.grader import Grader, load_grader

DATA_ENV = "MLCOACH_GRADING_DATA"
SCALE = {
    "correct": 5.0,
    "partially_correct_incomplete": 3.0,
    "contradictory": 1.0,
    "irrelevant": 0.0,
    "non_domain": 0.0,
    "incorrect": 2.0,
}


@dataclass(frozen=True)
class Item:
    question: Question
    answer: str
    human: float
    group: str  # the SemEval question id, for cross-validation by question


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "q"


def _clip(text: str, low: int, high: int) -> str:
    text = " ".join(text.split())
    if len(text) < low:
        text = text + " " + "(reference answer)"
    return text[:high]


def question_from_xml(path: Path) -> tuple[Question, list[tuple[str, float]]]:
    root = ET.parse(path).getroot()
    qid = root.get("id") or path.stem
    prompt = (root.findtext("questionText") or "").strip()
    refs = [" ".join((r.text or "").split()) for r in root.iter("referenceAnswer")]
    refs = list(dict.fromkeys(r for r in refs if r))
    key_points = [_clip(r, 10, 200) for r in refs][:7]
    key_points = list(dict.fromkeys(k.casefold() for k in key_points))
    question = Question(
        id=_slug(qid),
        topic="semeval",
        subtopic="semeval",
        difficulty="medium",
        roles=("research",),
        prompt=_clip(prompt, 15, 600),
        answer=_clip(
            " ".join(r if r.endswith((".", "!", "?")) else r + "." for r in refs), 10, 10_000
        ),
        key_points=tuple(key_points),  # type: ignore[arg-type]
    )
    answers = [
        ((a.text or "").strip(), SCALE[a.get("accuracy", "").strip()])
        for a in root.iter("studentAnswer")
        if a.get("accuracy", "").strip() in SCALE
    ]
    return question, answers


def load_split(root: Path, split: str) -> list[Item]:
    """``split`` is "train" or "unseen-questions"; both corpora (Beetle and SciEntsBank)."""
    if split == "train":
        folders = [p for p in root.glob("training/*way/*") if p.is_dir()]
        folders = [p for p in folders if "3way" in str(p)] or folders
        folders += [p for p in root.glob("*/train") if p.is_dir()]
        folders += [p for p in root.glob("train/*") if p.is_dir()]
    else:
        folders = [p for p in root.glob("test/3way/*/test-unseen-questions") if p.is_dir()]
        folders += [p for p in root.glob("*/test-unseen-questions") if p.is_dir()]
        folders += [p for p in root.glob("test-unseen-questions/*") if p.is_dir()]
    items = []
    for folder in sorted(set(folders)):
        for path in sorted(folder.rglob("*.xml")):
            question, answers = question_from_xml(path)
            items += [Item(question, a, h, question.id) for a, h in answers if a]
    return items


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    if np.std(x) == 0 or np.std(y) == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import rankdata

    return pearson(rankdata(x), rankdata(y))


def cv_rmse(x: np.ndarray, y: np.ndarray, groups: Sequence[str], folds: int = 5) -> float:
    """RMSE of y ~ a + b x, each question predicted by a line fitted on the other questions."""
    names = sorted(set(groups))
    fold_of = {g: i % folds for i, g in enumerate(names)}
    fold = np.array([fold_of[g] for g in groups])
    errors = np.zeros_like(y)
    for f in range(folds):
        test = fold == f
        if not test.any():
            continue
        b, a = np.polyfit(x[~test], y[~test], 1)
        errors[test] = a + b * x[test] - y[test]
    return float(np.sqrt(np.mean(errors**2)))


def tfidf_cosine(items: Sequence[Item]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [i.answer for i in items] + [k.text for i in items for k in i.question.key_points]
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit(texts)
    scores = []
    for item in items:
        a = vectorizer.transform([item.answer])
        r = vectorizer.transform([k.text for k in item.question.key_points])
        scores.append(float((r @ a.T).toarray().max()))
    return np.array(scores)


def embedding_cosine(items: Sequence[Item]) -> np.ndarray:
    from mlcoach.grading.minilm import MiniLMEncoder

    encoder = MiniLMEncoder()
    answers = encoder.encode([i.answer for i in items])
    refs = {k.text for i in items for k in i.question.key_points}
    ref_list = sorted(refs)
    ref_vectors = dict(zip(ref_list, encoder.encode(ref_list), strict=True))
    return np.array(
        [
            max(float(ref_vectors[k.text] @ a) for k in i.question.key_points)
            for i, a in zip(items, answers, strict=True)
        ]
    )


def timed(fn: Callable[[], np.ndarray], n: int) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    scores = fn()
    return scores, n / (time.perf_counter() - start)


def grade_all(grader: Grader, items: Sequence[Item]) -> np.ndarray:
    grades = grader.grade_many([(i.question, i.answer) for i in items])
    return np.array([g.score for g in grades])


def report(items: Sequence[Item]) -> None:
    y = np.array([i.human for i in items])
    groups = [i.group for i in items]
    n_questions = len(set(groups))
    print(
        f"unseen-questions split: {len(items)} answers to {n_questions} questions; "
        f"human mean {y.mean():.2f} (0-5 scale)"
    )
    rows: list[tuple[str, np.ndarray, float, bool]] = []
    from dataclasses import replace as with_calibration

    from mlcoach.grading.calibration import LEXICAL_FITTED, SEMANTIC_FITTED

    for name in ("semantic", "lexical"):
        grader = load_grader(name)
        fitted = with_calibration(
            grader, calibration=SEMANTIC_FITTED if name == "semantic" else LEXICAL_FITTED
        )
        for label, g in ((f"mlcoach {name}", grader), (f"mlcoach {name} fitted", fitted)):
            rows.append((label, *timed(lambda g=g: grade_all(g, items), len(items)), True))
    rows.append(
        ("TF-IDF cosine (baseline)", *timed(lambda: tfidf_cosine(items), len(items)), False)
    )
    rows.append(
        ("MiniLM cosine (baseline)", *timed(lambda: embedding_cosine(items), len(items)), False)
    )
    print(f"{'grader':<26} {'r':>6} {'rho':>6} {'RMSE':>6} {'bias':>6} {'ans/s':>7}")
    for name, scores, rate, scaled in rows:
        bias = f"{scores.mean() - y.mean():+6.2f}" if scaled else "     -"
        print(
            f"{name:<26} {pearson(scores, y):6.3f} {spearman(scores, y):6.3f} "
            f"{cv_rmse(scores, y, groups):6.3f} {bias} {rate:7.1f}"
        )
    best_baseline = max(pearson(s, y) for n, s, _, b in rows if not b)
    for label, scores, _, scaled in rows:
        if scaled:
            print(f"{label} minus best baseline: {pearson(scores, y) - best_baseline:+.3f} in r")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fit", action="store_true", help="fit the score combination on train")
    parser.add_argument("--limit", type=int, default=0, help="grade only the first N answers")
    args = parser.parse_args(argv)
    location = os.environ.get(DATA_ENV)
    if not location or not Path(location).expanduser().is_dir():
        print(
            f"Set {DATA_ENV} to the unzipped SemEval-2013 Task 7 data: git clone "
            "https://github.com/myrosia/semeval-2013-task7, unzip semeval-3way.zip (see this "
            "script's docstring).",
            file=sys.stderr,
        )
        return 2
    root = Path(location).expanduser()
    if args.fit:
        from fit_grading import fit

        fit(load_split(root, "train"))
        return 0
    items = load_split(root, "unseen-questions")
    if args.limit:
        items = items[: args.limit]
    report(items)
    return 0


if __name__ == "__main__":
    sys.exit(main())
