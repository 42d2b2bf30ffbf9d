"""Train the credit-risk classifier and print its evaluation on a held-out test set."""

import argparse

import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import classification_report, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split

from features import build_features

SEED = 13


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="data/credit.csv", help="CSV file with the applications")
    parser.add_argument("--test-size", type=float, default=0.25)
    return parser.parse_args()


def main():
    args = parse_args()
    raw = pd.read_csv(args.data)
    X, y = build_features(raw)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, stratify=y, random_state=SEED
    )

    model = GradientBoostingClassifier(n_estimators=200, max_depth=2, learning_rate=0.05, random_state=SEED)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    cv_auc = cross_val_score(model, X_train, y_train, cv=folds, scoring="roc_auc")
    print(f"CV ROC-AUC on the training set: {cv_auc.mean():.3f} +/- {cv_auc.std():.3f}")

    model.fit(X_train, y_train)
    baseline = DummyClassifier(strategy="prior").fit(X_train, y_train)
    proba = model.predict_proba(X_test)[:, 1]
    pred = model.predict(X_test)
    baseline_auc = roc_auc_score(y_test, baseline.predict_proba(X_test)[:, 1])
    print(f"test ROC-AUC: {roc_auc_score(y_test, proba):.3f} (prior baseline {baseline_auc:.3f})")
    print(f"test F1 (bad risk): {f1_score(y_test, pred):.3f}")
    print(classification_report(y_test, pred, digits=3))
    importances = pd.Series(model.feature_importances_, index=X.columns).sort_values(ascending=False)
    print("most important features:", ", ".join(importances.index[:4]))


if __name__ == "__main__":
    main()
