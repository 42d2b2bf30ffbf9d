"""The static review on small, purpose-written submissions: what is flagged, where, and what is not."""

from __future__ import annotations

from pathlib import Path

from mlcoach.review import Report, review_path
from mlcoach.review.check_code import looks_like_code, restates
from mlcoach.review.claims import agrees, claims_in, printed_in_cell, printed_values
from mlcoach.review.sources import blank_ipython, load_notebook
from tests.review.conftest import NotebookWriter

IMPORTS = """\
import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
"""
STORY = (
    "# Churn\n\nThe goal is to predict which customers churn next month so the retention team can "
    "call them first. I split the data first, fit every transform inside a pipeline on the "
    "training rows, compare with a majority-class baseline, and report ROC-AUC and F1 on the test "
    "set. The results and their limits are discussed at the end."
)
DISCUSSION = (
    "## Results\n\nThe model reaches a clearly better ROC-AUC than the majority-class baseline on the "
    "held-out customers; with so few churners the estimate is noisy, so I would collect more data."
)
REQUIREMENTS = {"requirements.txt": "numpy==1.26.4\npandas==2.2.2\nscikit-learn==1.5.0\n"}


def ids(report: Report) -> set[str]:
    return {f.id for f in report.findings}


def found(report: Report, finding_id: str) -> list[tuple[int | None, int | None]]:
    return [(f.location.cell, f.location.line) for f in report.findings if f.id == finding_id]


def clean_cells(split_and_fit: str) -> list[tuple[str, str]]:
    return [
        ("markdown", STORY),
        ("code", IMPORTS),
        ("code", 'df = pd.read_csv("churn.csv")\ndf.describe()'),
        ("code", split_and_fit),
        ("markdown", DISCUSSION),
    ]


def test_a_pipeline_fitted_after_the_split_is_clean(write_notebook: NotebookWriter) -> None:
    path = write_notebook(
        clean_cells(
            'X, y = df.drop(columns="churn"), df["churn"]\n'
            "X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)\n"
            "model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)\n"
            "base = DummyClassifier().fit(X_train, y_train)\n"
            "print(np.round(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]), 3), f1_score(y_test, base.predict(X_test)))"
        ),
        files=REQUIREMENTS,
    )
    report = review_path(path.parent)
    assert report.findings == [], [f"{f.id} {f.location}" for f in report.findings]
    assert all(o.score == 5 for o in report.objectives)


def test_scaler_fitted_before_the_split_is_found_at_the_fit(write_notebook: NotebookWriter) -> None:
    path = write_notebook(
        clean_cells(
            'X, y = df.drop(columns="churn"), df["churn"]\n'
            "X = StandardScaler().fit_transform(X)\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
            "model = LogisticRegression().fit(X_train, y_train)\n"
            "print(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))"
        ),
        files=REQUIREMENTS,
    )
    report = review_path(path)
    assert found(report, "leakage/preprocessing-before-split") == [(4, 2)]
    leak = next(f for f in report.findings if f.id == "leakage/preprocessing-before-split")
    assert leak.severity == "high" and leak.objective == "model"
    assert leak.code == "X = StandardScaler().fit_transform(X)"
    assert "split into train and test" in leak.seen
    model = next(o for o in report.objectives if o.key == "model")
    assert model.score == 3


def test_a_scaler_fitted_on_the_whole_frame_after_the_split_still_leaks(
    write_notebook: NotebookWriter,
) -> None:
    path = write_notebook(
        clean_cells(
            'X, y = df.drop(columns="churn"), df["churn"]\n'
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
            "scaler = StandardScaler().fit(X)\n"
            "model = LogisticRegression().fit(scaler.transform(X_train), y_train)\n"
            "print(roc_auc_score(y_test, model.predict_proba(scaler.transform(X_test))[:, 1]))"
        )
    )
    assert found(review_path(path), "leakage/preprocessing-before-split") == [(4, 3)]


def test_a_helper_function_that_fits_a_scaler_is_followed(write_notebook: NotebookWriter) -> None:
    path = write_notebook(
        [
            ("markdown", STORY),
            ("code", IMPORTS),
            (
                "code",
                "def scale(frame):\n"
                "    scaler = StandardScaler()\n"
                "    return pd.DataFrame(scaler.fit_transform(frame), columns=frame.columns)\n",
            ),
            (
                "code",
                'df = pd.read_csv("churn.csv")\nX = scale(df.drop(columns="churn"))\ny = df["churn"]',
            ),
            (
                "code",
                "parts = train_test_split(X, y, random_state=1)\nX_train, X_test = parts[0], parts[1]",
            ),
        ]
    )
    report = review_path(path)
    leak = next(f for f in report.findings if f.id == "leakage/preprocessing-before-split")
    assert (leak.location.cell, leak.location.line) == (3, 3)  # the fit, inside the helper
    assert any((r.cell, r.line) == (4, 2) for r in leak.related)  # the call on the full data
    # a helper applied only to the training split is fine
    clean = write_notebook(
        [
            ("code", IMPORTS),
            (
                "code",
                "def scale(frame):\n    return StandardScaler().fit_transform(frame)\n",
            ),
            (
                "code",
                'df = pd.read_csv("churn.csv")\nX_train, X_test = train_test_split(df, random_state=1)\n'
                "X_train = scale(X_train)",
            ),
        ],
        folder="clean",
    )
    assert "leakage/preprocessing-before-split" not in ids(review_path(clean))


def test_statistics_of_the_full_data_used_to_fill_values_leak(
    write_notebook: NotebookWriter,
) -> None:
    path = write_notebook(
        [
            ("code", IMPORTS),
            (
                "code",
                'df = pd.read_csv("churn.csv")\n'
                'df["income"] = df["income"].fillna(df["income"].median())\n'
                "train, test = train_test_split(df, random_state=0)",
            ),
        ]
    )
    assert found(review_path(path), "leakage/preprocessing-before-split") == [(2, 2)]


def test_rolling_means_and_groupby_are_not_statistics_of_the_test_set(
    write_notebook: NotebookWriter,
) -> None:
    path = write_notebook(
        [
            ("code", IMPORTS),
            (
                "code",
                'df = pd.read_csv("sales.csv")\n'
                'df["mean_7"] = df["units"].shift(1).rolling(7).mean()\n'
                'df["store_mean"] = df.groupby("store")["units"].transform("mean")\n'
                "cut = df.index.max() - 30\n"
                "train, test = df[df.index <= cut], df[df.index > cut]",
            ),
        ]
    )
    assert "leakage/preprocessing-before-split" not in ids(review_path(path))


def test_oversampling_before_the_split(write_notebook: NotebookWriter) -> None:
    path = write_notebook(
        [
            ("code", IMPORTS + "from imblearn.over_sampling import SMOTE\n"),
            (
                "code",
                'df = pd.read_csv("fraud.csv")\nX, y = df.drop(columns="fraud"), df["fraud"]\n'
                "X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)\n"
                "X_train, X_test, y_train, y_test = train_test_split(X_res, y_res, random_state=0)",
            ),
        ]
    )
    assert found(review_path(path), "leakage/oversampling-before-split") == [(2, 3)]


def test_model_refitted_on_all_rows_then_scored_on_the_test_set_overlaps(
    write_notebook: NotebookWriter,
) -> None:
    path = write_notebook(
        [
            ("code", IMPORTS),
            (
                "code",
                'df = pd.read_csv("churn.csv")\nX, y = df.drop(columns="churn"), df["churn"]\n'
                "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
                "final = LogisticRegression().fit(pd.concat([X_train, X_test]), pd.concat([y_train, y_test]))\n"
                "print(f1_score(y_test, final.predict(X_test)))",
            ),
        ]
    )
    assert found(review_path(path), "leakage/train-test-overlap") == [(2, 4)]


def test_no_split_at_all_is_no_holdout(write_notebook: NotebookWriter) -> None:
    path = write_notebook(
        [
            ("code", IMPORTS),
            (
                "code",
                'df = pd.read_csv("churn.csv")\nX, y = df.drop(columns="churn"), df["churn"]\n'
                "model = LogisticRegression().fit(X, y)\nprint((model.predict(X) == y).mean())",
            ),
        ]
    )
    report = review_path(path)
    assert found(report, "evaluation/no-holdout") == [(2, 3)]
    assert "leakage/train-test-overlap" not in ids(report)


def test_hyperparameters_picked_on_the_test_set(write_notebook: NotebookWriter) -> None:
    path = write_notebook(
        [
            ("code", IMPORTS + "from sklearn.neighbors import KNeighborsClassifier\n"),
            (
                "code",
                'df = pd.read_csv("d.csv")\nX_train, X_test, y_train, y_test = train_test_split(df.drop(columns="y"), df["y"], random_state=0)\n'
                "scores = []\n"
                "for k in range(1, 20):\n"
                "    knn = KNeighborsClassifier(n_neighbors=k).fit(X_train, y_train)\n"
                "    scores.append(f1_score(y_test, knn.predict(X_test)))\n"
                "best_k = int(np.argmax(scores)) + 1",
            ),
        ]
    )
    report = review_path(path)
    assert (2, 6) in found(report, "leakage/test-set-model-selection")
    assert "evaluation/no-validation-while-tuning" not in ids(report)  # reported once, as the worse


def test_hyperparameters_picked_on_the_training_score(write_notebook: NotebookWriter) -> None:
    path = write_notebook(
        [
            ("code", IMPORTS),
            (
                "code",
                'df = pd.read_csv("d.csv")\nX_train, X_test, y_train, y_test = train_test_split(df.drop(columns="y"), df["y"], random_state=0)\n'
                "best, best_c = 0, None\n"
                "for c in [0.01, 0.1, 1, 10]:\n"
                "    m = LogisticRegression(C=c).fit(X_train, y_train)\n"
                "    score = f1_score(y_train, m.predict(X_train))\n"
                "    if score > best:\n"
                "        best, best_c = score, c",
            ),
        ]
    )
    report = review_path(path)
    assert found(report, "evaluation/no-validation-while-tuning") == [(2, 6)]
    assert not {"leakage/test-set-model-selection", "leakage/train-test-overlap"} & ids(report)


def test_choosing_among_models_by_cross_validation_is_fine(write_notebook: NotebookWriter) -> None:
    path = write_notebook(
        [
            ("code", IMPORTS + "from sklearn.model_selection import cross_val_score\n"),
            (
                "code",
                'df = pd.read_csv("d.csv")\nX_train, X_test, y_train, y_test = train_test_split(df.drop(columns="y"), df["y"], random_state=0)\n'
                "models = {'lr': LogisticRegression(), 'dummy': DummyClassifier()}\n"
                "cv = {name: cross_val_score(m, X_train, y_train, cv=5).mean() for name, m in models.items()}\n"
                "best = models[max(cv, key=cv.get)].fit(X_train, y_train)\n"
                "print(f1_score(y_test, best.predict(X_test)))",
            ),
        ]
    )
    report = review_path(path)
    assert not {"leakage/test-set-model-selection", "evaluation/no-validation-while-tuning"} & ids(
        report
    )


def test_unstratified_folds_on_a_classifier(write_notebook: NotebookWriter) -> None:
    path = write_notebook(
        [
            ("code", IMPORTS + "from sklearn.model_selection import KFold, cross_val_score\n"),
            (
                "code",
                'df = pd.read_csv("d.csv")\nfolds = KFold(n_splits=5, shuffle=True, random_state=0)\n'
                'print(cross_val_score(LogisticRegression(), df.drop(columns="y"), df["y"], cv=folds))',
            ),
        ]
    )
    assert found(review_path(path), "evaluation/unstratified-cv") == [(2, 2)]


def test_seeds_paths_and_environment(write_notebook: NotebookWriter) -> None:
    path = write_notebook(
        [
            (
                "code",
                IMPORTS
                + "import seaborn as sns\nfrom sklearn.ensemble import RandomForestClassifier\n",
            ),
            ("code", 'df = pd.read_csv("/home/alex/data/churn.csv")\nsns.histplot(df)'),
            (
                "code",
                'train, test = train_test_split(df)\nrf = RandomForestClassifier(n_estimators=10)\nrf.fit(train.drop(columns="y"), train["y"])',
            ),
        ],
        files={"requirements.txt": "pandas\nnumpy==1.26.4\nscikit-learn==1.5.0\n"},
    )
    report = review_path(path.parent)
    assert found(report, "reproducibility/no-seed") == [(3, 1), (3, 2)]
    assert found(report, "reproducibility/absolute-path") == [(2, 1)]
    unpinned = next(f for f in report.findings if f.id == "reproducibility/unpinned-environment")
    assert (unpinned.location.file, unpinned.location.line) == ("requirements.txt", 1)
    undeclared = [f for f in report.findings if f.id == "reproducibility/undeclared-import"]
    assert [(f.location.cell, f.location.line) for f in undeclared] == [(1, 9)]
    assert "seaborn" in undeclared[0].seen  # sklearn is declared as scikit-learn: not reported


def test_a_global_numpy_seed_covers_later_random_calls(write_notebook: NotebookWriter) -> None:
    path = write_notebook(
        [
            ("code", IMPORTS + "np.random.seed(0)\n"),
            (
                "code",
                'df = pd.read_csv("d.csv")\ntrain, test = train_test_split(df)\nnoise = np.random.randn(10)',
            ),
        ]
    )
    assert "reproducibility/no-seed" not in ids(review_path(path))


def test_no_environment_file(write_notebook: NotebookWriter) -> None:
    path = write_notebook([("code", "import pandas as pd\npd.read_csv('x.csv')")])
    report = review_path(path)
    missing = next(f for f in report.findings if f.id == "reproducibility/no-environment-file")
    assert missing.location.file == "analysis.ipynb" and missing.location.cell is None


def test_execution_order_and_unexecuted_cells(write_notebook: NotebookWriter) -> None:
    path = write_notebook([("code", "a = 1"), ("code", "b = 2"), ("code", "c = 3")])
    notebook = path.read_text()
    path.write_text(notebook.replace('"execution_count": 2', '"execution_count": 7'))
    assert found(review_path(path), "reproducibility/out-of-order-execution") == [(3, 1)]
    never = write_notebook([("code", "a = 1"), ("code", "b = 2")], folder="never", executed=False)
    report = review_path(never)
    assert found(report, "reproducibility/unexecuted-notebook") == [(None, None)]


def test_magics_and_shell_lines_keep_line_numbers(write_notebook: NotebookWriter) -> None:
    source = (
        "%matplotlib inline\n!pip install -q lightgbm\nfiles = !ls data\ndf?\n"
        "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\n"
        'df = pd.read_csv("x.csv")\nX = StandardScaler().fit_transform(df)\n'
        "from sklearn.model_selection import train_test_split\ntrain_test_split(X, random_state=0)"
    )
    code, magics = blank_ipython(source)
    assert len(code.splitlines()) == len(source.splitlines())
    assert magics[:2] == ["%matplotlib inline", "!pip install -q lightgbm"]
    path = write_notebook([("code", source)])
    assert found(review_path(path), "leakage/preprocessing-before-split") == [(1, 8)]
    cell_magic, _ = blank_ipython("%%bash\necho hi\nls")
    assert cell_magic.strip() == ""
    timed, _ = blank_ipython("%%time\nx = 1")
    assert timed == "\nx = 1"


def test_hygiene_findings(write_notebook: NotebookWriter) -> None:
    long_cell = "\n".join(f"v{i} = {i}" for i in range(70))
    path = write_notebook(
        [
            ("code", "import os\nimport json\nprint(json.dumps({}))"),
            (
                "code",
                "def unused_helper():\n    return 1\n\n\ndef used():\n    return 2\n\n\nused()",
            ),
            (
                "code",
                "# fit the model\nmodel = None\n# model.fit(X, y)\n# preds = model.predict(X)\n# print(preds[:5])",
            ),
            ("code", long_cell),
        ]
    )
    report = review_path(path)
    assert found(report, "hygiene/unused-import") == [(1, 1)]
    assert found(report, "hygiene/unused-function") == [(2, 1)]
    assert found(report, "hygiene/commented-out-code") == [(3, 3)]
    assert found(report, "hygiene/long-cell") == [(4, 1)]


def test_comment_heuristics() -> None:
    assert restates(
        "split the data into training and test sets", "X_tr, X_te = train_test_split(X)"
    )
    assert restates("import libraries", "import pandas as pd")
    assert not restates("fit on training rows only, to avoid leakage", "scaler.fit(X_train)")
    assert looks_like_code("model.fit(X_train, y_train)")
    assert looks_like_code("for k in range(10):")
    assert not looks_like_code("This is the best model")
    assert not looks_like_code("TODO")


def test_impossible_fill_values_by_name_and_by_observed_range(
    write_notebook: NotebookWriter,
) -> None:
    path = write_notebook(
        [
            ("code", "import pandas as pd"),
            (
                "code",
                'df = pd.read_csv("patients.csv")\n'
                'df["blood_pressure"] = df["blood_pressure"].fillna(0)\n'
                'df["visits"] = df["visits"].fillna(0)\n'
                'df["score"] = df["score"].fillna(-999)',
            ),
        ],
        files={"patients.csv": "blood_pressure,visits,score\n80,1,55\n,0,61\n95,3,\n70,2,48\n"},
    )
    report = review_path(path.parent)
    assert found(report, "data/infeasible-imputation") == [
        (2, 2),
        (2, 4),
    ]  # zero visits is possible


def test_accuracy_alone_on_an_imbalanced_target(write_notebook: NotebookWriter) -> None:
    rows = "\n".join(f"{i},{1 if i % 10 == 0 else 0}" for i in range(100))
    cells = [
        (
            "code",
            "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\nfrom sklearn.metrics import accuracy_score\nfrom sklearn.model_selection import train_test_split",
        ),
        (
            "code",
            'df = pd.read_csv("d.csv")\nX_train, X_test, y_train, y_test = train_test_split(df[["x"]], df["y"], random_state=0)\n'
            "m = LogisticRegression().fit(X_train, y_train)\nprint(accuracy_score(y_test, m.predict(X_test)))",
        ),
    ]
    path = write_notebook(cells, files={"d.csv": "x,y\n" + rows})
    report = review_path(path.parent)
    assert found(report, "evaluation/accuracy-on-imbalanced") == [(2, 4)]
    assert "10%" in next(
        f.seen for f in report.findings if f.id == "evaluation/accuracy-on-imbalanced"
    )
    balanced = write_notebook(
        cells,
        folder="balanced",
        files={"d.csv": "x,y\n" + "\n".join(f"{i},{i % 2}" for i in range(100))},
    )
    assert "evaluation/accuracy-on-imbalanced" not in ids(review_path(balanced.parent))
    unknown = write_notebook(cells, folder="unknown")
    report = review_path(unknown)
    assert "evaluation/accuracy-on-imbalanced" not in ids(report)
    assert any("imbalance check was skipped" in note for note in report.notes)


def test_presentation_findings(write_notebook: NotebookWriter) -> None:
    path = write_notebook(
        [
            ("code", IMPORTS),
            (
                "code",
                'df = pd.read_csv("d.csv")\nX_train, X_test, y_train, y_test = train_test_split(df.drop(columns="y"), df["y"], random_state=0)\n'
                "m = LogisticRegression().fit(X_train, y_train)\nprint(f1_score(y_test, m.predict(X_test)))",
            ),
        ]
    )
    report = review_path(path)
    assert {
        "presentation/no-narrative",
        "presentation/no-eda",
        "presentation/results-not-discussed",
        "evaluation/no-baseline",
    } <= ids(report)


def test_scripts_that_import_each_other(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "features.py").write_text(
        "from sklearn.preprocessing import StandardScaler\n\n\ndef build(df):\n"
        "    return StandardScaler().fit_transform(df)\n\n\ndef never_called():\n    pass\n"
    )
    (root / "train.py").write_text(
        "import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
        "from features import build\n\n\ndef main():\n    df = pd.read_csv('d.csv')\n"
        "    X = build(df)\n    return train_test_split(X, random_state=0)\n\n\n"
        'if __name__ == "__main__":\n    main()\n'
    )
    report = review_path(root)
    leak = next(f for f in report.findings if f.id == "leakage/preprocessing-before-split")
    assert (leak.location.file, leak.location.line) == ("features.py", 5)
    assert any((r.file, r.line) == ("train.py", 8) for r in leak.related)
    assert [
        (f.location.file, f.location.line)
        for f in report.findings
        if f.id == "hygiene/unused-function"
    ] == [("features.py", 8)]


def test_cell_and_file_lines_point_at_the_notebook_json(write_notebook: NotebookWriter) -> None:
    path = write_notebook([("code", IMPORTS), ("code", 'df = pd.read_csv("/home/a/b.csv")')])
    finding = next(f for f in review_path(path).findings if f.id == "reproducibility/absolute-path")
    assert finding.location.file_line is not None
    raw = path.read_text().splitlines()
    assert "/home/a/b.csv" in raw[finding.location.file_line - 1]
    notebook = load_notebook(path, path.name)
    assert notebook.chunks[1].line_text(1) == 'df = pd.read_csv("/home/a/b.csv")'


def test_claims_and_printed_values() -> None:
    claims = claims_in("It reaches an **accuracy of 0.91** and F1 = 87%; RMSE 3.2 with 5-fold CV.")
    assert [(c.metric, c.text) for c in claims] == [
        ("accuracy", "0.91"),
        ("f1", "87%"),
        ("rmse", "3.2"),
    ]
    printed = printed_values("Test accuracy: 0.9149\nf1-score 0.871\n    accuracy     0.90   100")
    assert [p.metric for p in printed] == ["accuracy", "f1", "accuracy"]
    accuracy, f1, _ = claims
    assert agrees(accuracy, printed[0]) and agrees(accuracy, printed[2])
    assert agrees(f1, printed[1])
    assert not agrees(accuracy, type(printed[0])("accuracy", 0.85))


def test_a_print_split_across_two_stream_outputs_is_read_whole() -> None:
    # A busy kernel flushes stdout mid-print: the metric's name and its value arrive apart.
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": "test accuracy"},
        {"output_type": "stream", "name": "stdout", "text": " 0.875\nbaseline accuracy 0.4583\n"},
        {"output_type": "stream", "name": "stderr", "text": "accuracy warning\n"},
    ]
    printed = printed_in_cell("print('test accuracy', acc)", outputs)
    assert [(p.metric, p.value) for p in printed] == [("accuracy", 0.875), ("accuracy", 0.4583)]
    (claim,) = claims_in("The classifier reaches an accuracy of 87.5% on the test sales.")
    assert agrees(claim, printed[0])
