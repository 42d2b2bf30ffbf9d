"""Compare models with 5-fold CV on the training set, then score the chosen one on the test set."""
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score

from src.data import TARGET, load, make_split
from src.features import build_features

SEED = 2024


def describe(df):
    print(f"{len(df)} customers, churn rate {df[TARGET].mean():.1%}")
    print(df.groupby("contract")[TARGET].mean().round(3).to_string())
    print(df.groupby(pd.cut(df["support_calls"], [-1, 0, 2, 10]), observed=True)[TARGET].mean().round(3).to_string())


def compare(models, X, y):
    cv = StratifiedKFold(5, shuffle=True, random_state=SEED)
    scores = {}
    for name, model in models.items():
        auc = cross_val_score(model, X, y, cv=cv, scoring="roc_auc")
        scores[name] = auc.mean()
        print(f"{name:22s} CV ROC-AUC {auc.mean():.3f} +/- {auc.std():.3f}")
    return scores


def main():
    df = load()
    describe(df)
    X = build_features(df)
    y = df[TARGET]
    X_train, X_test, y_train, y_test = make_split(X, y)
    models = {
        "majority class": DummyClassifier(strategy="most_frequent"),
        "logistic regression": LogisticRegression(max_iter=2000),
        "gradient boosting": GradientBoostingClassifier(random_state=SEED),
    }
    scores = compare(models, X_train, y_train)
    best = max(scores, key=scores.get)
    model = models[best].fit(X_train, y_train)
    proba = model.predict_proba(X_test)[:, 1]
    print(f"chosen: {best}; test ROC-AUC {roc_auc_score(y_test, proba):.3f}")
    print(classification_report(y_test, model.predict(X_test), digits=3))


if __name__ == "__main__":
    main()
