"""The dataflow checks added for real notebooks: target leakage, random splits of time-ordered
data, duplicates and disguised missing values confirmed from the data files, the leak forms real
code uses, files that cannot be parsed, and the false alarms that must stay quiet."""

from __future__ import annotations

import json
from pathlib import Path

from mlcoach.review import Report, review_path
from mlcoach.review.claims import claims_in, printed_values
from tests.review.conftest import notebook_json

REQUIREMENTS = "numpy==1.26.4\npandas==2.2.2\nscikit-learn==1.5.0\n"
HEAD = """\
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold, cross_val_score, train_test_split
"""


def review_script(tmp_path: Path, code: str, files: dict[str, str] | None = None) -> Report:
    root = tmp_path / "submission"
    root.mkdir(parents=True)
    (root / "train.py").write_text(HEAD + code, encoding="utf-8")
    (root / "requirements.txt").write_text(REQUIREMENTS, encoding="utf-8")
    for name, text in (files or {}).items():
        (root / name).write_text(text, encoding="utf-8")
    return review_path(root)


def at(report: Report, finding_id: str) -> list[int | None]:
    """The lines (of train.py, counting the shared imports) a finding is reported at."""
    return [f.location.line for f in report.findings if f.id == finding_id]


def line_of(code: str, text: str) -> int:
    """The line of ``text`` in train.py (after the shared imports)."""
    return HEAD.count("\n") + next(i for i, ln in enumerate(code.splitlines(), 1) if text in ln)


SPLIT_AND_FIT = """\
X = df.drop(columns=["churn", "customer_id"])
y = df["churn"]
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
model = RandomForestClassifier(random_state=0).fit(X_train, y_train)
print(f1_score(y_test, model.predict(X_test)))
"""


def test_a_feature_computed_from_the_label_is_target_leakage(tmp_path: Path) -> None:
    code = 'df = pd.read_csv("churn.csv")\ndf["churn_x2"] = df["churn"] * 2\n' + SPLIT_AND_FIT
    report = review_script(tmp_path, code)
    assert at(report, "leakage/target-leakage") == [line_of(code, "churn_x2")]


def test_the_label_computed_from_a_kept_column_is_target_leakage(tmp_path: Path) -> None:
    code = (
        'df = pd.read_csv("churn.csv")\n'
        'df["churn"] = (df["days_inactive"] > 30).astype(int)\n' + SPLIT_AND_FIT
    )
    report = review_script(tmp_path, code)
    assert at(report, "leakage/target-leakage") == [line_of(code, "days_inactive")]
    # dropping the column the label came from removes the leak
    fixed = code.replace('columns=["churn", "customer_id"]', 'columns=["churn", "days_inactive"]')
    assert at(review_script(tmp_path / "fixed", fixed), "leakage/target-leakage") == []


def test_a_mean_encoding_on_all_rows_leaks_but_on_training_rows_does_not(tmp_path: Path) -> None:
    leaky = (
        'df = pd.read_csv("churn.csv")\n'
        'df["city_rate"] = df.groupby("city")["churn"].transform("mean")\n' + SPLIT_AND_FIT
    )
    report = review_script(tmp_path, leaky)
    assert at(report, "leakage/target-leakage") == [line_of(leaky, "city_rate")]
    fine = (
        'df = pd.read_csv("churn.csv")\n'
        'X, y = df.drop(columns=["churn"]), df["churn"]\n'
        "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)\n"
        "train = X_train.assign(churn=y_train)\n"
        'train["city_rate"] = train.groupby("city")["churn"].transform("mean")\n'
        "model = LogisticRegression().fit(train.drop(columns=['churn']), y_train)\n"
    )
    assert at(review_script(tmp_path / "fine", fine), "leakage/target-leakage") == []


def test_a_lag_of_the_target_is_not_leakage(tmp_path: Path) -> None:
    code = (
        'df = pd.read_csv("sales.csv")\n'
        'df["churn_yesterday"] = df["churn"].shift(1)\n' + SPLIT_AND_FIT
    )
    assert at(review_script(tmp_path, code), "leakage/target-leakage") == []


def test_shuffled_splits_of_time_ordered_data_are_found(tmp_path: Path) -> None:
    code = (
        'df = pd.read_csv("sales.csv", parse_dates=["date"]).sort_values("date")\n'
        'X, y = df.drop(columns=["sales", "date"]), df["sales"]\n'
        "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
        "cv = KFold(5, shuffle=True, random_state=0)\n"
        "print(cross_val_score(RandomForestClassifier(random_state=0), X, y, cv=cv))\n"
    )
    report = review_script(tmp_path, code)
    assert at(report, "leakage/random-split-on-time-series") == [
        line_of(code, "train_test_split(X"),
        line_of(code, "KFold(5"),
    ]
    ordered = code.replace("random_state=0)\ncv", "shuffle=False)\ncv").replace(
        "shuffle=True, random_state=0", "shuffle=False"
    )
    assert (
        at(review_script(tmp_path / "ordered", ordered), "leakage/random-split-on-time-series")
        == []
    )


def test_a_date_column_alone_does_not_make_a_time_series(tmp_path: Path) -> None:
    code = (
        'df = pd.read_csv("churn.csv", parse_dates=["signup_date"])\n'
        'df["signup_month"] = df["signup_date"].dt.month\n' + SPLIT_AND_FIT
    )
    assert at(review_script(tmp_path, code), "leakage/random-split-on-time-series") == []


def test_duplicated_rows_in_the_data_file_are_found_at_the_split(tmp_path: Path) -> None:
    rows = [f"{i},{i % 7},{i % 2}" for i in range(60)]
    data = "customer_id,tenure,churn\n" + "\n".join(rows + rows[:10]) + "\n"
    code = 'df = pd.read_csv("churn.csv")\n' + SPLIT_AND_FIT
    report = review_script(tmp_path, code, {"churn.csv": data})
    assert at(report, "leakage/duplicate-rows-across-split") == [line_of(code, "train_test_split")]
    deduplicated = code.replace('read_csv("churn.csv")', 'read_csv("churn.csv").drop_duplicates()')
    fixed = review_script(tmp_path / "fixed", deduplicated, {"churn.csv": data})
    assert at(fixed, "leakage/duplicate-rows-across-split") == []


def test_zeros_in_blood_pressure_are_missing_values_in_disguise(tmp_path: Path) -> None:
    rows = [f"{i},{0 if i % 9 == 0 else 60 + i % 40},{i % 2}" for i in range(80)]
    data = "customer_id,blood_pressure,churn\n" + "\n".join(rows) + "\n"
    code = 'df = pd.read_csv("churn.csv")\n' + SPLIT_AND_FIT
    report = review_script(tmp_path, code, {"churn.csv": data})
    assert at(report, "data/disguised-missing-values") == [line_of(code, "read_csv")]
    imputed = code.replace(
        "X = df",
        'df["blood_pressure"] = df["blood_pressure"].replace(0, df["blood_pressure"].mean())\nX = df',
    )
    report = review_script(tmp_path / "mean", imputed, {"churn.csv": data})
    assert at(report, "data/disguised-missing-values") == [line_of(imputed, ".replace(0")]
    to_nan = code.replace(
        "X = df", 'df["blood_pressure"] = df["blood_pressure"].replace(0, np.nan)\nX = df'
    )
    report = review_script(tmp_path / "nan", to_nan, {"churn.csv": data})
    assert at(report, "data/disguised-missing-values") == []


def test_real_code_forms_of_preprocessing_leakage(tmp_path: Path) -> None:
    forms = {
        "fillna": 'df["tenure"] = df["tenure"].fillna(df["tenure"].median())',
        "inplace": 'df["tenure"].fillna(df["tenure"].mean(), inplace=True)',
        "qcut": 'df["band"] = pd.qcut(df["tenure"], 4, labels=False)',
        "zscore": 'df["tenure"] = (df["tenure"] - df["tenure"].mean()) / df["tenure"].std()',
        "apply": "df[['tenure']] = df[['tenure']].apply(lambda c: (c - c.mean()) / c.std())",
    }
    for name, line in forms.items():
        code = f'df = pd.read_csv("churn.csv")\n{line}\n' + SPLIT_AND_FIT
        report = review_script(tmp_path / name, code)
        assert at(report, "leakage/preprocessing-before-split") == [line_of(code, line)], name


def test_scaling_inside_a_class_before_a_split_in_another_method(tmp_path: Path) -> None:
    code = (
        "from sklearn.preprocessing import MinMaxScaler\n"
        "class Experiment:\n"
        "    def __init__(self, model):\n"
        "        self.model = model\n"
        "        self.scaler = MinMaxScaler()\n"
        "    def prepare(self, df):\n"
        '        return self.scaler.fit_transform(df[["a", "b"]]), df["y"]\n'
        "    def run(self, df):\n"
        "        X, y = self.prepare(df)\n"
        "        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
        "        self.model.fit(X_train, y_train)\n"
        "        return f1_score(y_test, self.model.predict(X_test))\n"
        'print(Experiment(LogisticRegression()).run(pd.read_csv("d.csv")))\n'
    )
    report = review_script(tmp_path, code)
    assert line_of(code, "fit_transform") in at(report, "leakage/preprocessing-before-split")


def test_a_loader_that_splits_is_not_overlap(tmp_path: Path) -> None:
    code = (
        "from tensorflow import keras\n"
        "(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()\n"
        "model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])\n"
        'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")\n'
        "model.fit(x_train / 255.0, y_train, epochs=1)\n"
        "print(model.evaluate(x_test / 255.0, y_test))\n"
    )
    report = review_script(tmp_path, code)
    assert not {"leakage/train-test-overlap", "evaluation/no-holdout"} & {
        f.id for f in report.findings
    }


def test_validation_scores_kfold_folds_and_training_scores_are_not_alarms(tmp_path: Path) -> None:
    code = (
        'df = pd.read_csv("d.csv")\n'
        'X, y = df.drop(columns=["y"]), df["y"]\n'
        "X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0, stratify=y)\n"
        "X_fit, X_hold, y_fit, y_hold = train_test_split(X_tr, y_tr, random_state=0)\n"
        "best = None\n"
        "for d in [2, 4, 8]:\n"
        "    m = RandomForestClassifier(max_depth=d, random_state=0).fit(X_fit, y_fit)\n"
        '    print("train", m.score(X_fit, y_fit), "validation", m.score(X_hold, y_hold))\n'
        "    best = d if best is None or m.score(X_hold, y_hold) > 0.5 else best\n"
        "final = RandomForestClassifier(max_depth=best, random_state=0).fit(X_tr, y_tr)\n"
        'print("train", final.score(X_tr, y_tr), "test", final.score(X_te, y_te))\n'
        "for a, b in KFold(5, shuffle=True, random_state=0).split(X_tr):\n"
        "    f = LogisticRegression().fit(X_tr.iloc[a], y_tr.iloc[a])\n"
        "    print(f.score(X_tr.iloc[b], y_tr.iloc[b]))\n"
    )
    report = review_script(tmp_path, code)
    alarms = [
        f"{f.id} {f.location}"
        for f in report.findings
        if f.id.startswith("leakage/")
        or f.id in ("evaluation/no-holdout", "evaluation/no-validation-while-tuning")
    ]
    assert alarms == [], alarms


def test_many_models_scored_on_the_test_set_without_a_loop(tmp_path: Path) -> None:
    names = ["LogisticRegression", "RandomForestClassifier", "GaussianNB", "KNeighborsClassifier"]
    lines = [
        "from sklearn.naive_bayes import GaussianNB",
        "from sklearn.neighbors import KNeighborsClassifier",
    ]
    lines += ['df = pd.read_csv("d.csv")', 'X, y = df.drop(columns=["y"]), df["y"]']
    lines.append(
        "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)"
    )
    for i, name in enumerate(names):
        lines.append(f"m{i} = {name}().fit(X_train, y_train)")
        lines.append(f'print("{name}", m{i}.score(X_test, y_test))')
    code = "\n".join(lines) + "\n"
    report = review_script(tmp_path, code)
    assert at(report, "leakage/test-set-model-selection") == [line_of(code, "m0.score")]


def test_a_file_that_does_not_parse_is_reported_not_reviewed(tmp_path: Path) -> None:
    report = review_script(tmp_path, 'print "hello"\n')
    finding = next(f for f in report.findings if f.id == "input/not-reviewed")
    assert finding.location.file == "train.py" and "Python 3" in finding.seen
    assert [f.id for f in report.findings] == ["input/not-reviewed"]  # nothing else is claimed
    assert all(o.score == 0 for o in report.objectives)  # nothing was checked


def test_one_unparseable_file_among_others_costs_every_objective(tmp_path: Path) -> None:
    code = 'df = pd.read_csv("churn.csv")\n' + SPLIT_AND_FIT
    report = review_script(tmp_path, code, {"legacy.py": 'print "old helper"\n'})
    unread = [f for f in report.findings if f.id == "input/not-reviewed"]
    assert [f.location.file for f in unread] == ["legacy.py"]
    assert all(o.score <= 3 for o in report.objectives)
    assert all(f.location.file != "legacy.py" for f in report.findings if f not in unread)


def _notebook(tmp_path: Path, cells: list[tuple[str, str, str]]) -> Path:
    """A notebook whose code cells carry the given printed output."""
    data = notebook_json([(kind, source) for kind, source, _ in cells])
    code_cells = [c for c in data["cells"] if c["cell_type"] == "code"]  # type: ignore[index, union-attr]
    outputs = [out for kind, _, out in cells if kind == "code"]
    for cell, text in zip(code_cells, outputs, strict=True):
        if text:
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text}]
    root = tmp_path / "nb"
    root.mkdir(parents=True)
    (root / "requirements.txt").write_text(REQUIREMENTS, encoding="utf-8")
    path = root / "analysis.ipynb"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


STORY = (
    "# Churn\n\nThe goal is to predict which customers churn next month. I split first, compare "
    "with a majority baseline (DummyClassifier) and report F1 on the held-out customers."
)


def test_a_perfect_test_score_left_unremarked(tmp_path: Path) -> None:
    cells = [
        ("markdown", STORY, ""),
        ("code", HEAD + 'df = pd.read_csv("churn.csv")\ndf.describe()', ""),
        ("code", SPLIT_AND_FIT.replace("print(", 'print("test F1", '), "test F1 1.000\n"),
        (
            "markdown",
            "## Results\n\nThe model is excellent: every churner is found, a big win.",
            "",
        ),
    ]
    report = review_path(_notebook(tmp_path, cells).parent)
    found = [
        (f.location.cell, f.location.line)
        for f in report.findings
        if f.id == "evaluation/suspicious-perfect-score"
    ]
    assert found == [(3, 5)]
    cells[3] = (
        "markdown",
        "## Results\n\n1.000 is suspicious: I checked for a leak and found none.",
        "",
    )
    quiet = review_path(_notebook(tmp_path / "remarked", cells).parent)
    assert "evaluation/suspicious-perfect-score" not in {f.id for f in quiet.findings}


def test_duplicates_shown_by_the_notebooks_own_output(tmp_path: Path) -> None:
    cells = [
        ("markdown", STORY, ""),
        (
            "code",
            HEAD
            + 'df = pd.read_csv("churn.csv")\nprint("duplicated rows:", df.duplicated().sum())',
            "duplicated rows: 23\n",
        ),
        ("code", SPLIT_AND_FIT, ""),
    ]
    report = review_path(_notebook(tmp_path, cells).parent)
    found = [
        (f.location.cell, f.location.line)
        for f in report.findings
        if f.id == "leakage/duplicate-rows-across-split"
    ]
    assert found == [(3, 3)]


def test_claimed_numbers_with_separators_percentages_and_plus_minus() -> None:
    assert [c.value for c in claims_in("The MAE of 23,384 on the test set")] == [23384.0]
    assert [c.value for c in claims_in("accuracy of 91.5% ± 1.2%")] == [0.915]
    assert [c.value for c in claims_in("F1 = 0.87 ± 0.02")] == [0.87]
    assert [p.value for p in printed_values("accuracy with k=1: 0.9815")] == [0.9815]
    assert printed_values("            auc  auc_sd     f1") == []
