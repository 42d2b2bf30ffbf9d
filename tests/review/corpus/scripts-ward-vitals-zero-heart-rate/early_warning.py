"""Early-warning model: train on 75% of patients, report on the other 25%."""
import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score, roc_auc_score
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

VITALS = ["age", "heart_rate", "resp_rate", "spo2", "systolic_bp", "temperature"]


def load():
    df = pd.read_csv("data/vitals.csv")
    print(df.describe().round(1).T[["mean", "min", "max"]])
    print("deterioration rate:", round(df["deteriorated_48h"].mean(), 3))
    return df


def recall_at_top(y_true, scores, share=0.2):
    cut = np.quantile(scores, 1 - share)
    return recall_score(y_true, (scores >= cut).astype(int))


def evaluate(name, model, X_test, y_test):
    s = model.predict_proba(X_test)[:, 1]
    print(f"{name:12s} AUC {roc_auc_score(y_test, s):.3f}  recall@20% {recall_at_top(y_test, s):.3f}")


def main():
    df = load()
    X, y = df[VITALS], df["deteriorated_48h"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    base = DummyClassifier(strategy="prior").fit(X_train, y_train)
    logreg = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    forest = RandomForestClassifier(n_estimators=500, min_samples_leaf=4)
    for name, m in [("logreg", logreg), ("forest", forest)]:
        print(name, "CV AUC %.3f" % cross_val_score(m, X_train, y_train, cv=5, scoring="roc_auc").mean())
    logreg.fit(X_train, y_train)
    forest.fit(X_train, y_train)
    evaluate("base rate", base, X_test, y_test)
    evaluate("logreg", logreg, X_test, y_test)
    evaluate("forest", forest, X_test, y_test)
    imp = pd.Series(forest.feature_importances_, index=VITALS).sort_values(ascending=False)
    print(imp.round(3).to_string())


if __name__ == "__main__":
    main()
