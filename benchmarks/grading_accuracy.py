"""How well grades agree with human graders on public sets of real short answers.

    MLCOACH_GRADING_DATA=/path/to/semeval MLCOACH_GRADING_MOHLER=/path/to/mohler.csv \
        .venv/bin/python benchmarks/grading_accuracy.py [--fit]

Two public sets, never committed, nobody on this project wrote or saw them before the grader was
built (either variable may be left unset; the script reports the sets it is given):

- ``MLCOACH_GRADING_MOHLER``: Mohler, Bunescu & Mihalcea (2011), the "Texas" set: 2,273 answers by
  university students to 81 data-structures questions in 12 assignments, each graded 0-5 by two
  people (the mean is used). A CSV with the columns id, question, desired_answer, student_answer,
  score_avg, e.g. ``dataset/mohler_dataset_edited.csv`` of
  https://github.com/VivekHaridas-01/Automatic-Short-Answer-Grading. Tuned on assignments 1-6,
  reported on assignments 7-12 (questions the fit never saw). Nine answers that the CSV holds as a
  spreadsheet error ("#NAME?") instead of the student's words are left out.
- ``MLCOACH_GRADING_DATA``: SemEval-2013 Task 7 (Dzikovska et al.; SciEntsBank and Beetle,
  CC-BY-SA), school and university students' answers labelled by trained annotators. Get it with
  ``git clone https://github.com/myrosia/semeval-2013-task7 && unzip semeval-3way.zip -d semeval``
  and point the variable at the unzipped folder (the one holding ``training/`` and ``test/``).
  Tuned on the training split, reported on the unseen-questions test split.

A Mohler question becomes a mlcoach question with its desired answer as the model answer and each
of its sentences a key point (one-line model answers with one key point, as users write them). A
SemEval question's reference answers together are the model answer and each (up to seven) a key
point; Beetle's several reference answers are alternatives, so an answer matching any one is right.
SemEval's labels are categories mapped to 0-5 (documented in docs/grading.md): correct 5,
partially_correct_incomplete 3, contradictory 1, irrelevant 0, non_domain 0, and in the 3-way
release "incorrect" (partial, irrelevant and non-domain answers together) 2. Its bias therefore
depends on that mapping; Mohler's does not.

``--fit`` fits the engine's score weights (mlcoach.grading.calibration) on the tuning parts of both
sets, each set weighing the same. Every figure printed is on the reporting parts. For every
backend, for the previous coverage-only score and for two baselines (TF-IDF cosine and raw MiniLM
cosine between the whole answer and the best reference) it prints Pearson r, Spearman rho, RMSE of
a linear fit cross-validated by question (5 folds), mean bias of the 0-5 score against the human
mean (the baselines have no 0-5 scale) and answers per second.
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
MOHLER_ENV = "MLCOACH_GRADING_MOHLER"
MOHLER_TUNING_ASSIGNMENTS = 6  # assignments 1-6 tune, 7-12 report
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


def load_mohler(path: Path, part: str) -> list[Item]:
    """``part`` is "tune" (assignments 1-6) or "report" (assignments 7-12)."""
    import csv

    from mlcoach.grading.sentences import split_sentences

    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_question: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_question.setdefault(row["id"].strip(), []).append(row)
    items = []
    for qid, answers in by_question.items():
        tuning = int(qid.split(".")[0]) <= MOHLER_TUNING_ASSIGNMENTS
        if tuning != (part == "tune"):
            continue
        reference = " ".join(answers[0]["desired_answer"].split())
        if not reference.endswith((".", "!", "?")):
            reference += "."
        points = list(dict.fromkeys(_clip(s, 10, 200) for s in split_sentences(reference)))[:7]
        question = Question(
            id=_slug(f"mohler {qid}"),
            topic="mohler",
            subtopic="mohler",
            difficulty="medium",
            roles=("research",),
            prompt=_clip(answers[0]["question"], 15, 600),
            answer=_clip(reference, 10, 10_000),
            key_points=tuple(points or [_clip(reference, 10, 200)]),  # type: ignore[arg-type]
        )
        items += [
            Item(question, a["student_answer"].strip(), float(a["score_avg"]), qid)
            for a in answers
            if a["student_answer"].strip() and not _spreadsheet_error(a["student_answer"])
        ]
    return items


def _spreadsheet_error(text: str) -> bool:
    """A cell a spreadsheet turned into a formula error (answers that began with "=", "+" or "-"
    became "#NAME?" in the CSV): the student's words are lost, only the grade is left."""
    return text.strip().startswith("#NAME")


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


def report(name: str, items: Sequence[Item]) -> None:
    y = np.array([i.human for i in items])
    groups = [i.group for i in items]
    n_questions = len(set(groups))
    print(
        f"\n{name}: {len(items)} answers to {n_questions} questions; "
        f"human mean {y.mean():.2f} (0-5 scale)"
    )
    rows: list[tuple[str, np.ndarray, float, bool]] = []
    from dataclasses import replace

    for backend in ("semantic", "lexical"):
        grader = load_grader(backend)
        coverage_only = replace(grader, calibration=replace(grader.calibration, score_weights=None))
        for label, g in (
            (f"mlcoach {backend}", grader),
            (f"{backend}, coverage only", coverage_only),
        ):
            rows.append((label, *timed(lambda g=g: grade_all(g, items), len(items)), True))
    rows.append(
        ("TF-IDF cosine (baseline)", *timed(lambda: tfidf_cosine(items), len(items)), False)
    )
    rows.append(
        ("MiniLM cosine (baseline)", *timed(lambda: embedding_cosine(items), len(items)), False)
    )
    print(f"{'grader':<26} {'r':>6} {'rho':>6} {'RMSE':>6} {'bias':>6} {'ans/s':>7}")
    for label, scores, rate, scaled in rows:
        bias = f"{scores.mean() - y.mean():+6.2f}" if scaled else "     -"
        print(
            f"{label:<26} {pearson(scores, y):6.3f} {spearman(scores, y):6.3f} "
            f"{cv_rmse(scores, y, groups):6.3f} {bias} {rate:7.1f}"
        )
    best_baseline = max(pearson(s, y) for _, s, _, b in rows if not b)
    for label, scores, _, scaled in rows:
        if scaled:
            print(f"{label} minus best baseline: {pearson(scores, y) - best_baseline:+.3f} in r")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fit", action="store_true", help="fit the score combination on train")
    parser.add_argument("--limit", type=int, default=0, help="grade only the first N answers")
    args = parser.parse_args(argv)
    semeval = os.environ.get(DATA_ENV)
    mohler = os.environ.get(MOHLER_ENV)
    semeval_root = Path(semeval).expanduser() if semeval else None
    mohler_csv = Path(mohler).expanduser() if mohler else None
    problems = []
    if semeval_root is not None and not (semeval_root / "training").is_dir():
        problems.append(f"{DATA_ENV}={semeval}: no training/ folder there (unzip semeval-3way.zip)")
    if mohler_csv is not None and not mohler_csv.is_file():
        problems.append(f"{MOHLER_ENV}={mohler}: no such file")
    if problems or (semeval_root is None and mohler_csv is None):
        print(
            "\n".join(problems)
            or f"Set {MOHLER_ENV} to the Mohler CSV and/or {DATA_ENV} to the unzipped SemEval-2013 "
            "Task 7 data; this script's docstring says where to get them.",
            file=sys.stderr,
        )
        return 2
    if args.fit:
        from fit_grading import fit

        tuning = {}
        if semeval_root is not None:
            tuning["SemEval-2013 training split"] = load_split(semeval_root, "train")
        if mohler_csv is not None:
            tuning["Mohler assignments 1-6"] = load_mohler(mohler_csv, "tune")
        fit(tuning)
        return 0
    reported = {}
    if mohler_csv is not None:
        reported["Mohler assignments 7-12 (unseen questions)"] = load_mohler(mohler_csv, "report")
    if semeval_root is not None:
        reported["SemEval-2013 unseen questions"] = load_split(semeval_root, "unseen-questions")
    for name, items in reported.items():
        report(name, items[: args.limit] if args.limit else items)
    return 0


if __name__ == "__main__":
    sys.exit(main())
