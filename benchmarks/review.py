"""How fast and how accurate the take-home reviewer is.

1. Speed on generated notebooks of 10, 100 and 1,000 cells (below).
2. Accuracy over the example corpus (tests/review/corpus): recall and precision per finding id, for
   the realistic set and the classic set separately. A finding matches a label when it has the same
   id and file, the same cell, and a line within two of the labelled one (at its own place or one of
   the related places it names); labels are paired with the places findings name one to one, closest first. Goals (issue 13): recall >= 0.85 on every leak kind, precision >= 0.9
   for every high-severity rule, no high finding on a clean example.
3. Time per corpus submission against the baseline (nbformat read + ast.parse of every cell and
   script) measured in the same run, and the whole corpus in one process.
4. Optional: file-level recall and precision on real third-party code with public labels, when
   MLCOACH_REVIEW_PUBLIC points at a clone of github.com/malusamayo/leakage-analysis.

For the speed part:

The notebooks are generated with realistic cells (loading, exploration, feature engineering,
helper functions, splits, pipelines, model loops, metrics, Markdown between them). The baseline,
measured in the same run, is what any tool must do anyway: read the notebook with nbformat and
parse every code cell with ast. The ratio shows what the dataflow analysis and the checks add.
Target: a 100-cell notebook reviewed in under one second.

    .venv/bin/python benchmarks/review.py              # all parts
    .venv/bin/python benchmarks/review.py --corpus     # accuracy and corpus timing only
    .venv/bin/python benchmarks/review.py --no-execute # skip the --execute examples
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import re
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import yaml

from mlcoach.errors import MlcoachError
from mlcoach.review import Finding, Location, review_path
from mlcoach.review.rules import RULES, SEVERITY_RANK

CELL_TEMPLATES = [
    (
        "markdown",
        "## Step {i}\n\nWe look at the data for segment {i} and explain what we expect to find.",
    ),
    ("code", 'df_{i} = pd.read_csv("data/part_{i}.csv")\ndf_{i}.head()'),
    ("code", "df_{i}.describe().round(2)"),
    ("code", 'df_{i}["target"].value_counts(normalize=True)'),
    (
        "code",
        'df_{i}["ratio_{i}"] = df_{i}["a"] / (df_{i}["b"] + 1)\n'
        'df_{i}["log_c"] = np.log1p(df_{i}["c"])\n'
        'df_{i} = df_{i}.dropna(subset=["a", "b"])\n'
        "print(df_{i}.shape)",
    ),
    (
        "code",
        "def add_features_{i}(frame):\n"
        "    out = frame.copy()\n"
        '    out["month"] = pd.to_datetime(out["date"]).dt.month\n'
        '    out["is_weekend"] = pd.to_datetime(out["date"]).dt.dayofweek >= 5\n'
        "    return out\n\n\n"
        "feat_{i} = add_features_{i}(df_{i})",
    ),
    (
        "code",
        'X_{i} = feat_{i}.drop(columns=["target", "date"])\n'
        'y_{i} = feat_{i}["target"]\n'
        "X_train_{i}, X_test_{i}, y_train_{i}, y_test_{i} = train_test_split(\n"
        "    X_{i}, y_{i}, test_size=0.2, stratify=y_{i}, random_state=0\n"
        ")",
    ),
    (
        "code",
        "pipe_{i} = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500, random_state=0))\n"
        "models_{i} = {{\n"
        '    "baseline": DummyClassifier(strategy="most_frequent"),\n'
        '    "logreg": pipe_{i},\n'
        '    "forest": RandomForestClassifier(n_estimators=100, random_state=0),\n'
        "}}\n"
        "cv_{i} = {{}}\n"
        "for name, model in models_{i}.items():\n"
        '    scores = cross_val_score(model, X_train_{i}, y_train_{i}, cv=5, scoring="roc_auc")\n'
        "    cv_{i}[name] = scores.mean()\n"
        '    print(f"{{name}}: {{scores.mean():.3f}}")',
    ),
    (
        "code",
        "best_{i} = models_{i}[max(cv_{i}, key=cv_{i}.get)].fit(X_train_{i}, y_train_{i})\n"
        "proba_{i} = best_{i}.predict_proba(X_test_{i})[:, 1]\n"
        'print("test ROC-AUC", roc_auc_score(y_test_{i}, proba_{i}))\n'
        "print(classification_report(y_test_{i}, best_{i}.predict(X_test_{i})))",
    ),
    (
        "code",
        "fig, ax = plt.subplots(figsize=(6, 4))\n"
        'ax.hist(proba_{i}, bins=30)\nax.set_title("scores, segment {i}")\nplt.show()',
    ),
]
HEADER = (
    "import matplotlib.pyplot as plt\nimport numpy as np\nimport pandas as pd\n"
    "from sklearn.dummy import DummyClassifier\nfrom sklearn.ensemble import RandomForestClassifier\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "from sklearn.metrics import classification_report, roc_auc_score\n"
    "from sklearn.model_selection import cross_val_score, train_test_split\n"
    "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler"
)


def make_notebook(cells: int) -> dict[str, object]:
    out: list[dict[str, object]] = [
        {
            "cell_type": "markdown",
            "id": "intro",
            "metadata": {},
            "source": "# Churn model\n\nGoal: predict churn.",
        },
        {
            "cell_type": "code",
            "id": "imports",
            "metadata": {},
            "source": HEADER,
            "outputs": [],
            "execution_count": 1,
        },
    ]
    count = 1
    while len(out) < cells:
        segment = len(out) // len(CELL_TEMPLATES)
        kind, template = CELL_TEMPLATES[len(out) % len(CELL_TEMPLATES)]
        cell: dict[str, object] = {
            "cell_type": kind,
            "id": f"c{len(out)}",
            "metadata": {},
            "source": template.format(i=segment),
        }
        if kind == "code":
            count += 1
            cell["outputs"] = []
            cell["execution_count"] = count
        out.append(cell)
    return {"cells": out[:cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def baseline(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            ast.parse(cell.source)


def measure(function: object, path: Path, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        function(path)  # type: ignore[operator]
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def synthetic_report() -> None:
    print(f"{'cells':>6} {'baseline (s)':>13} {'review (s)':>11} {'ratio':>7} {'findings':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for cells in (10, 100, 1000):
            folder = Path(tmp) / f"nb{cells}"
            folder.mkdir()
            path = folder / "analysis.ipynb"
            path.write_text(json.dumps(make_notebook(cells)), encoding="utf-8")
            (folder / "requirements.txt").write_text(
                "pandas==2.2.2\nscikit-learn==1.5.0\nnumpy==1.26.4\nmatplotlib==3.9.0\n"
            )
            repeats = 5 if cells <= 100 else 3
            review_path(path)  # warm-up: imports and caches
            base = measure(baseline, path, repeats)
            full = measure(lambda p: review_path(p), path, repeats)
            findings = len(review_path(path).findings)
            print(f"{cells:>6} {base:>13.3f} {full:>11.3f} {full / base:>6.1f}x {findings:>9}")


# --- accuracy and time per submission over the example corpus -------------------------------------

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "review" / "corpus"
LINE_TOLERANCE = 2
PUBLIC_ENV = "MLCOACH_REVIEW_PUBLIC"


@dataclass
class Example:
    path: Path
    expected: dict[str, Any]

    @property
    def realistic(self) -> bool:
        return self.expected.get("set") == "realistic"

    @property
    def labels(self) -> list[dict[str, Any]]:
        return list(self.expected.get("findings") or [])

    @property
    def execute(self) -> bool:
        return bool(self.expected.get("needs_execute")) or any(
            label["id"].startswith("execution/") for label in self.labels
        )


@dataclass
class Reviewed:
    example: Example
    findings: list[Finding]
    seconds: float  # the static review, without --execute
    baseline_seconds: float
    notebooks: int
    error: str | None = None


@dataclass
class RuleScore:
    expected: int = 0  # labels
    found: int = 0  # labels matched by a finding
    reported: int = 0  # findings
    correct: int = 0  # findings that match a label

    @property
    def recall(self) -> float | None:
        return self.found / self.expected if self.expected else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.reported if self.reported else None


def load_examples(corpus: Path = CORPUS) -> list[Example]:
    return [
        Example(path.parent, yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(corpus.glob("*/expected.yaml"))
    ]


def _distance(location: Location, label: dict[str, Any], tolerance: int) -> int | None:
    """How many lines ``location`` is from the labelled place, or None when it is not there."""
    if label.get("file") is not None and location.file not in (label["file"], None):
        return None
    if label.get("cell") is not None and location.cell != label["cell"]:
        return None
    if label.get("line") is None:
        return 0
    if location.line is None:
        return None
    off = abs(location.line - int(label["line"]))
    return off if off <= tolerance else None


def distance(
    finding: Finding, label: dict[str, Any], tolerance: int = LINE_TOLERANCE
) -> int | None:
    """Same id, same file, same cell, and a line within ``tolerance`` of the labelled one, at the
    finding's own place or one of the related places it names: the smallest line distance."""
    if finding.id != label["id"]:
        return None
    found = [_distance(place, label, tolerance) for place in (finding.location, *finding.related)]
    return min((d for d in found if d is not None), default=None)


def matches(finding: Finding, label: dict[str, Any], tolerance: int = LINE_TOLERANCE) -> bool:
    return distance(finding, label, tolerance) is not None


def pair(
    findings: list[Finding], labels: list[dict[str, Any]], tolerance: int = LINE_TOLERANCE
) -> list[tuple[int, int]]:
    """(label, finding) pairs, closest first, each place a finding names standing for one label at
    most: one finding cannot stand for two flaws on neighbouring lines unless it names both places,
    and two copies of a finding do not both count for one flaw."""
    candidates = sorted(
        (d, li, fi, pi)
        for li, label in enumerate(labels)
        for fi, finding in enumerate(findings)
        if finding.id == label["id"]
        for pi, place in enumerate((finding.location, *finding.related))
        if (d := _distance(place, label, tolerance)) is not None
    )
    used_labels: set[int] = set()
    used_places: set[tuple[int, int]] = set()
    pairs = []
    for _, li, fi, pi in candidates:
        if li not in used_labels and (fi, pi) not in used_places:
            used_labels.add(li)
            used_places.add((fi, pi))
            pairs.append((li, fi))
    return pairs


def score(reviewed: list[Reviewed], tolerance: int = LINE_TOLERANCE) -> dict[str, RuleScore]:
    """Recall and precision per finding id, with labels and findings paired one to one: a label is
    found when it is paired; a finding is correct when it is paired."""
    scores: dict[str, RuleScore] = defaultdict(RuleScore)
    for item in reviewed:
        labels = item.example.labels
        pairs = pair(item.findings, labels, tolerance)
        for label in labels:
            scores[label["id"]].expected += 1
        for finding in item.findings:
            scores[finding.id].reported += 1
        for li, _ in pairs:
            scores[labels[li]["id"]].found += 1
        for fi in {fi for _, fi in pairs}:
            scores[item.findings[fi].id].correct += 1
    return dict(scores)


def _baseline_folder(folder: Path) -> int:
    """What any tool must do anyway: read every notebook and parse every cell and script."""
    notebooks = 0
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".ipynb":
            notebooks += 1
            notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
            for cell in notebook.cells:
                if cell.cell_type == "code":
                    with contextlib.suppress(SyntaxError):
                        ast.parse(cell.source)
        elif path.suffix == ".py":
            with contextlib.suppress(SyntaxError):
                ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    return notebooks


def review_example(example: Example, execute: bool = True) -> Reviewed:
    started = time.perf_counter()
    notebooks = _baseline_folder(example.path)
    base = time.perf_counter() - started
    started = time.perf_counter()
    try:
        findings = review_path(example.path).findings
    except MlcoachError as error:
        return Reviewed(example, [], time.perf_counter() - started, base, notebooks, str(error))
    seconds = time.perf_counter() - started
    if execute and example.execute:
        findings = review_path(example.path, execute=True).findings
    return Reviewed(example, findings, seconds, base, notebooks)


def review_corpus(examples: list[Example], execute: bool = True) -> list[Reviewed]:
    for example in examples[:2]:  # warm-up: imports and caches
        review_path(example.path)
        _baseline_folder(example.path)
    return [review_example(example, execute) for example in examples]


def leak_rules() -> list[str]:
    return [rule for rule in RULES if rule.startswith("leakage/")]


def high_rules() -> list[str]:
    return [rule.id for rule in RULES.values() if rule.severity == "high"]


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_scores(title: str, scores: dict[str, RuleScore]) -> None:
    print(f"\n{title}")
    print(
        f"{'rule':46} {'sev':>6} {'labels':>6} {'found':>6} {'recall':>7} {'reported':>8} "
        f"{'correct':>7} {'precision':>9}"
    )
    for rule_id in sorted(scores):
        s = scores[rule_id]
        severity = RULES[rule_id].severity if rule_id in RULES else "?"
        print(
            f"{rule_id:46} {severity:>6} {s.expected:>6} {s.found:>6} {_fmt(s.recall):>7} "
            f"{s.reported:>8} {s.correct:>7} {_fmt(s.precision):>9}"
        )
    total = RuleScore(
        sum(s.expected for s in scores.values()),
        sum(s.found for s in scores.values()),
        sum(s.reported for s in scores.values()),
        sum(s.correct for s in scores.values()),
    )
    print(
        f"{'all rules':46} {'':>6} {total.expected:>6} {total.found:>6} {_fmt(total.recall):>7} "
        f"{total.reported:>8} {total.correct:>7} {_fmt(total.precision):>9}"
    )


def goals(reviewed: list[Reviewed]) -> list[tuple[str, float | None, float, bool]]:
    """The issue's goals on a set of reviewed examples: (what, measured, goal, met)."""
    scores = score(reviewed)
    out: list[tuple[str, float | None, float, bool]] = []
    for rule in leak_rules():
        recall = scores[rule].recall if rule in scores else None
        if recall is not None:
            out.append((f"recall {rule}", recall, 0.85, recall >= 0.85))
    for rule in high_rules():
        precision = scores[rule].precision if rule in scores else None
        if precision is not None:
            out.append((f"precision {rule}", precision, 0.9, precision >= 0.9))
    clean = [r for r in reviewed if r.example.expected.get("clean")]
    flagged = sum(any(f.severity == "high" for f in r.findings) for r in clean)
    share = 1 - flagged / len(clean) if clean else None
    out.append(("clean examples without a high finding", share, 1.0, flagged == 0))
    return out


def print_timing(reviewed: list[Reviewed]) -> None:
    per_notebook = [r for r in reviewed if r.notebooks == 1 and r.error is None]
    if not per_notebook:
        return
    review = [r.seconds for r in per_notebook]
    base = [r.baseline_seconds for r in per_notebook]
    print(f"\ntime per notebook submission ({len(per_notebook)} one-notebook examples)")
    print(f"{'':10} {'baseline (s)':>13} {'review (s)':>11} {'ratio':>7}")
    for name, stat in (("median", statistics.median), ("max", max)):
        b, r = stat(base), stat(review)
        print(f"{name:10} {b:>13.4f} {r:>11.4f} {r / b:>6.1f}x")
    total = sum(r.seconds for r in reviewed)
    total_base = sum(r.baseline_seconds for r in reviewed)
    print(
        f"whole corpus in one process: {len(reviewed)} submissions in {total:.2f} s "
        f"({len(reviewed) / total:.1f}/s; baseline {len(reviewed) / total_base:.1f}/s)"
    )


def corpus_report(execute: bool = True) -> list[Reviewed]:
    reviewed = review_corpus(load_examples(), execute)
    for item in reviewed:
        if item.error:
            print(f"{item.example.path.name}: not reviewed: {item.error}")
    realistic = [r for r in reviewed if r.example.realistic]
    classic = [r for r in reviewed if not r.example.realistic]
    print_scores(
        f"realistic set ({len(realistic)} examples, lines within ±{LINE_TOLERANCE})",
        score(realistic),
    )
    print_scores(f"classic set ({len(classic)} examples)", score(classic))
    print("\ngoals on the realistic set")
    for what, measured, goal, met in goals(realistic):
        print(f"  {'ok  ' if met else 'MISS'} {what:55} {_fmt(measured):>5} (goal {goal})")
    missed = []
    false_alarms = []
    for r in realistic:
        pairs = pair(r.findings, r.example.labels)
        paired_labels = {li for li, _ in pairs}
        paired_findings = {fi for _, fi in pairs}
        missed += [
            (r.example.path.name, label)
            for li, label in enumerate(r.example.labels)
            if li not in paired_labels
        ]
        false_alarms += [
            (r.example.path.name, f)
            for fi, f in enumerate(r.findings)
            if fi not in paired_findings and f.rank >= SEVERITY_RANK["medium"]
        ]
    if missed:
        print("\nmissed labels (realistic set)")
        for name, label in missed:
            where = ":".join(str(label[k]) for k in ("file", "cell", "line") if label.get(k))
            print(f"  {name:42} {label['id']:40} {where}")
    if false_alarms:
        print("\nunlabelled medium/high findings (realistic set)")
        for name, f in false_alarms:
            print(f"  {name:42} {f.id:40} {f.location}")
    print_timing(reviewed)
    return reviewed


# --- optional: real third-party code with public labels --------------------------------------------

# The labelled inputs of "Data Leakage in Notebooks: Static Detection and Better Processes" (Yang et
# al., ASE 2022): github.com/malusamayo/leakage-analysis, tests/inputs/*.py (Kaggle notebooks as
# scripts) and tests/test_*.py, which list for each input the leaking fits (an empty list: no leak).
# Get it with `git clone https://github.com/malusamayo/leakage-analysis` and point
# MLCOACH_REVIEW_PUBLIC at the clone; nothing of it is stored here.
PUBLIC_TESTS = {
    "test_preprocessing.py": ("leakage/preprocessing-before-split",),
    # their "overlap" leak is mostly oversampling before the split
    "test_overlap.py": ("leakage/oversampling-before-split", "leakage/train-test-overlap"),
}
_TEMPLATE = re.compile(r"template\(\s*[\"']([^\"']+)[\"']\s*,\s*\[(.*?)\]\s*\)", re.S)


def public_report(folder: Path) -> None:
    inputs = folder / "tests" / "inputs"
    if not inputs.is_dir():
        print(
            f"\n{PUBLIC_ENV}={folder}: no tests/inputs folder; expected a clone of "
            "github.com/malusamayo/leakage-analysis"
        )
        return
    print(f"\npublic labelled set: {folder} (file level: does the file leak?)")
    print(
        f"{'kind':28} {'leaky files':>11} {'found':>6} {'recall':>7} {'clean files':>11} "
        f"{'flagged':>8} {'precision':>9}"
    )
    missed: list[str] = []
    for test_file, ids in PUBLIC_TESTS.items():
        tests = folder / "tests" / test_file
        if not tests.exists():
            continue
        positive = negative = found = flagged = 0
        for name, methods in _TEMPLATE.findall(tests.read_text(encoding="utf-8")):
            path = inputs / name
            if not path.exists():
                continue
            leaky = bool(methods.strip())
            try:
                reported = any(f.id in ids for f in review_path(path).findings)
            except MlcoachError:
                reported = False
            positive += leaky
            negative += not leaky
            found += leaky and reported
            flagged += (not leaky) and reported
            if leaky != reported:
                missed.append(f"  {'missed' if leaky else 'false alarm'}: {ids[0]} in {name}")
        recall = found / positive if positive else None
        precision = found / (found + flagged) if found + flagged else None
        kind = ids[0].split("/")[1]
        print(
            f"{kind:28} {positive:>11} {found:>6} {_fmt(recall):>7} "
            f"{negative:>11} {flagged:>8} {_fmt(precision):>9}"
        )
    print("\n".join(missed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", action="store_true", help="only the corpus parts")
    parser.add_argument("--no-execute", action="store_true", help="skip --execute examples")
    args = parser.parse_args()
    if not args.corpus:
        synthetic_report()
    corpus_report(execute=not args.no_execute)
    public = os.environ.get(PUBLIC_ENV)
    if public:
        public_report(Path(public))


if __name__ == "__main__":
    main()
