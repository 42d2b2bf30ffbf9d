"""The finding ids the reviewer reports: the contract shared with the example corpus
(`tests/review/corpus/*/expected.yaml`). Each id has a default severity, the reviewer objective it
counts against, and the general "why" and "fix" that a finding refines with what it saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["high", "medium", "low", "info"]
Objective = Literal["model", "results", "detail", "code"]

SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low", "info")
SEVERITY_RANK: dict[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3}

OBJECTIVES: dict[Objective, str] = {
    "model": "A model that works and fits the task",
    "results": "Results presented and analysed",
    "detail": "Attention to detail",
    "code": "Clean, reproducible code",
}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    objective: Objective
    title: str
    why: str
    fix: str


_RULES = (
    Rule(
        "leakage/preprocessing-before-split",
        "high",
        "model",
        "Transform fitted on data that includes the test rows",
        "The transform learns its parameters (means, vocabularies, selected features...) from rows "
        "that are later used to test the model, so the test score is optimistic.",
        "Split first, then fit the transform on the training rows only; the simplest way is to put "
        "it in a Pipeline with the model and fit the pipeline on the training set.",
    ),
    Rule(
        "leakage/oversampling-before-split",
        "high",
        "model",
        "Oversampling before the split",
        "Oversampling copies or interpolates minority rows; done before the split, copies of the "
        "same rows end up in both train and test, and the test score measures memorisation.",
        "Split first and oversample the training set only, or use an imblearn Pipeline so that "
        "resampling happens inside each training fold.",
    ),
    Rule(
        "leakage/train-test-overlap",
        "high",
        "model",
        "Training and test rows overlap",
        "A model scored on rows it was trained on measures memorisation, not generalisation.",
        "Fit on the training split and evaluate on the held-out split only.",
    ),
    Rule(
        "leakage/test-set-model-selection",
        "high",
        "model",
        "Test set used to choose the model",
        "Picking the model or its hyperparameters by their test score fits them to the test set; "
        "the reported test score is then an optimistic, selected maximum.",
        "Choose with cross-validation or a separate validation set on the training data, then "
        "evaluate the single chosen model once on the test set.",
    ),
    Rule(
        "evaluation/no-holdout",
        "high",
        "model",
        "No held-out data",
        "Without a held-out split or cross-validation there is no estimate of how the model does on "
        "new data.",
        "Hold out a test set (train_test_split) or cross-validate, and report the score on the "
        "held-out data.",
    ),
    Rule(
        "evaluation/no-validation-while-tuning",
        "medium",
        "model",
        "Hyperparameters tuned without validation data",
        "Tuning on the training or test score rewards overfitting or selects on the test set.",
        "Tune with cross-validation on the training set (GridSearchCV, cross_val_score) or on a "
        "separate validation split.",
    ),
    Rule(
        "evaluation/no-baseline",
        "medium",
        "results",
        "No baseline to compare with",
        "A score means little without a reference: a majority-class or mean predictor can look "
        "just as good on an easy or imbalanced problem.",
        "Report a simple baseline next to the model (DummyClassifier/DummyRegressor, last value for "
        "a time series).",
    ),
    Rule(
        "evaluation/no-metric",
        "medium",
        "results",
        "No evaluation metric",
        "Nothing tells the reader how well the model works.",
        "Compute and state a metric that fits the task on held-out data.",
    ),
    Rule(
        "evaluation/accuracy-on-imbalanced",
        "medium",
        "results",
        "Only accuracy on an imbalanced target",
        "With a rare class, predicting the majority class already gives a high accuracy; accuracy "
        "alone hides how the rare class is handled.",
        "Add precision/recall/F1 for the rare class, ROC-AUC or average precision, or balanced "
        "accuracy, and a confusion matrix.",
    ),
    Rule(
        "evaluation/unstratified-cv",
        "low",
        "detail",
        "Cross-validation without stratification on a classifier",
        "Plain KFold or ShuffleSplit can give folds with very different class balance, so fold "
        "scores vary more than they should.",
        "Use StratifiedKFold (or pass an integer cv, which stratifies for classifiers).",
    ),
    Rule(
        "reproducibility/no-seed",
        "medium",
        "code",
        "Randomness without a fixed seed",
        "Each run gives a different split or model, so nobody can reproduce the reported numbers.",
        "Pass random_state=<a constant> (or seed the generator once at the top).",
    ),
    Rule(
        "reproducibility/no-environment-file",
        "medium",
        "code",
        "No environment file",
        "Without a list of packages and versions nobody can set up an environment that runs the "
        "code as you ran it.",
        "Add a requirements.txt (pip freeze of what you import) or an environment.yml.",
    ),
    Rule(
        "reproducibility/unpinned-environment",
        "low",
        "code",
        "Environment file without pinned versions",
        "Unpinned packages install whatever version is newest, which can change results or break "
        "the code.",
        "Pin exact versions (package==1.2.3), or add a lock file.",
    ),
    Rule(
        "reproducibility/undeclared-import",
        "low",
        "code",
        "Imported package missing from the environment file",
        "Someone who installs the environment file cannot run the code.",
        "Add the package (with its version) to the environment file.",
    ),
    Rule(
        "reproducibility/absolute-path",
        "medium",
        "code",
        "Absolute file path",
        "A path to a folder on your machine does not exist on anyone else's.",
        "Use a path relative to the project (pathlib.Path(__file__).parent / 'data' ...) or a "
        "setting.",
    ),
    Rule(
        "reproducibility/out-of-order-execution",
        "medium",
        "detail",
        "Cells executed out of order",
        "The saved outputs came from an order that differs from top to bottom, so running the "
        "notebook as written may give different results or fail.",
        "Restart the kernel and run all cells from the top before sharing.",
    ),
    Rule(
        "reproducibility/unexecuted-notebook",
        "low",
        "detail",
        "Unexecuted or stale cells",
        "Cells without outputs (or with outputs from an earlier run) leave the reader unsure the "
        "notebook runs and what it produces.",
        "Restart the kernel and run all cells, then save.",
    ),
    Rule(
        "data/infeasible-imputation",
        "high",
        "detail",
        "Missing values filled with an impossible value",
        "A value no real record can have (zero blood pressure, negative age) distorts the feature's "
        "distribution and the model's view of it.",
        "Impute a plausible value fitted on the training data (median), add a missing-value "
        "indicator, or use a model that handles missing values.",
    ),
    Rule(
        "presentation/no-narrative",
        "medium",
        "results",
        "No narrative",
        "A reviewer cannot tell what problem is solved, how, and with what result without reading "
        "all of the code.",
        "Add Markdown that states the goal, the approach and the results.",
    ),
    Rule(
        "presentation/no-eda",
        "low",
        "results",
        "No exploratory analysis",
        "Modelling without looking at the data misses target imbalance, missing values, outliers "
        "and leaky columns.",
        "Look at the data before modelling: describe(), value_counts() of the target, plots of the "
        "main features, missing values.",
    ),
    Rule(
        "presentation/results-not-discussed",
        "low",
        "results",
        "Results not discussed",
        "Numbers without an interpretation leave the reader to guess whether they are good, and "
        "what to do next.",
        "After the final evaluation, say what the numbers mean against the baseline, their limits "
        "and next steps.",
    ),
    Rule(
        "hygiene/unused-function",
        "low",
        "code",
        "Unused function",
        "Dead code makes the reader wonder what it is for.",
        "Delete it, or call it.",
    ),
    Rule(
        "hygiene/unused-import",
        "low",
        "code",
        "Unused import",
        "Unused imports add dependencies and noise.",
        "Delete the import.",
    ),
    Rule(
        "hygiene/restating-comment",
        "info",
        "code",
        "Comment restates the code",
        "A comment that says what the next line says adds reading without information.",
        "Delete it, or say why the line is there.",
    ),
    Rule(
        "hygiene/long-cell",
        "info",
        "code",
        "Very long cell",
        "A long cell is hard to read and to rerun piece by piece.",
        "Split it into cells with one purpose each, or move the logic into functions.",
    ),
    Rule(
        "hygiene/commented-out-code",
        "low",
        "code",
        "Commented-out code",
        "Blocks of dead code hide which version actually produced the results.",
        "Delete it; version control keeps the history.",
    ),
    Rule(
        "execution/cell-failed",
        "high",
        "model",
        "A cell failed when run",
        "A notebook that does not run top to bottom cannot be checked or reused.",
        "Restart the kernel, run all cells and fix the first error.",
    ),
    Rule(
        "execution/claim-not-reproduced",
        "high",
        "results",
        "A claimed result is not reproduced",
        "The number stated in the text differs from what the code now prints, so either the text "
        "is stale or the result is not reproducible.",
        "Rerun the notebook from the top and update the text from its outputs; fix the seeds.",
    ),
    Rule(
        "leakage/target-leakage",
        "high",
        "model",
        "A feature carries the label",
        "A feature computed from the label (or the label computed from a feature that stays in the "
        "inputs), or a target/mean encoding fitted on rows that include the test rows, hands the "
        "model the answer; the score will not survive contact with new data.",
        "Drop features derived from the label or from the columns the label was computed from; fit "
        "target encoders on the training rows only (inside a Pipeline, so each fold fits its own).",
    ),
    Rule(
        "leakage/random-split-on-time-series",
        "high",
        "model",
        "Time-ordered data split at random",
        "With a random or shuffled split, the model trains on rows from after the ones it is tested "
        "on: it sees the future, and the score overstates how it will forecast.",
        "Split by time: train on the earlier rows and test on the later ones (a cut-off date, "
        "TimeSeriesSplit, or train_test_split(..., shuffle=False) on data sorted by time).",
    ),
    Rule(
        "leakage/duplicate-rows-across-split",
        "high",
        "model",
        "Duplicate rows end up in both train and test",
        "The data holds duplicated rows and they are not removed before the split, so some test rows "
        "are copies of training rows and the test score partly measures memorisation.",
        "Drop duplicates (df.drop_duplicates()) before splitting, or split by a group key so that "
        "copies stay on one side (GroupShuffleSplit).",
    ),
    Rule(
        "evaluation/suspicious-perfect-score",
        "medium",
        "results",
        "A near-perfect score is left unexamined",
        "A score of 0.99 or more on a real problem usually means a leak (the label in a feature, "
        "duplicates across the split), not a great model; reporting it without a word suggests it "
        "was not checked.",
        "Investigate before reporting: look at the most important features, check for duplicates "
        "and for features computed from the label, and say in the text what you found.",
    ),
    Rule(
        "data/disguised-missing-values",
        "medium",
        "detail",
        "Missing values disguised as numbers",
        "Zeros where zero is impossible (blood pressure, BMI, glucose, heart rate) or sentinels such "
        "as -1 or 999 are missing values in disguise; left in, or averaged into a mean used for "
        "imputation, they distort the features and the model.",
        "Turn them into NaN first (df[cols] = df[cols].replace(0, np.nan)), then impute from the "
        "training rows only, or let the model handle NaN.",
    ),
    Rule(
        "input/not-reviewed",
        "high",
        "code",
        "A file could not be reviewed",
        "The file is not valid Python 3 (a syntax error, or Python 2 code), so nothing in it could "
        "be analysed; its findings are unknown, not absent.",
        "Make the file run under Python 3 (python -m py_compile FILE shows the error), then review "
        "it again.",
    ),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def rule(finding_id: str) -> Rule:
    return RULES[finding_id]
