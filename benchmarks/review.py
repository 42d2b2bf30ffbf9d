"""How long a static review takes for notebooks of 10, 100 and 1,000 cells.

The notebooks are generated with realistic cells (loading, exploration, feature engineering,
helper functions, splits, pipelines, model loops, metrics, Markdown between them). The baseline,
measured in the same run, is what any tool must do anyway: read the notebook with nbformat and
parse every code cell with ast. The ratio shows what the dataflow analysis and the checks add.
Target: a 100-cell notebook reviewed in under one second.

    .venv/bin/python benchmarks/review.py
"""

from __future__ import annotations

import ast
import json
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from mlcoach.review import review_path

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


def main() -> None:
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


if __name__ == "__main__":
    main()
