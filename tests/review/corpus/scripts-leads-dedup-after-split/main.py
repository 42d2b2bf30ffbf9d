import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

SEED = 11
NUM = ["age", "balance", "campaign", "previous", "site_visits_sec"]
CAT = ["job", "housing"]


def summary(df):
    print("rows", len(df), "| duplicated", df.duplicated().sum(), "| conversion rate", round(df.converted.mean(), 3))
    print(df.groupby("job").converted.agg(["mean", "size"]).round(2).to_string())
    print(df[NUM].describe().round(1).to_string())


def pipeline(model):
    pre = ColumnTransformer([("num", StandardScaler(), NUM), ("cat", OneHotEncoder(handle_unknown="ignore"), CAT)])
    return Pipeline([("pre", pre), ("model", model)])


def main():
    leads = pd.read_csv("leads.csv")
    summary(leads)
    train, test = train_test_split(leads, test_size=0.25, stratify=leads["converted"], random_state=SEED)
    train = train.drop_duplicates()
    X_train, y_train = train[NUM + CAT], train["converted"]
    X_test, y_test = test[NUM + CAT], test["converted"]

    cands = {
        "baseline": pipeline(DummyClassifier(strategy="prior")),
        "logreg": pipeline(LogisticRegression(max_iter=2000)),
        "forest": pipeline(RandomForestClassifier(n_estimators=300, min_samples_leaf=2, random_state=SEED)),
    }
    cv = StratifiedKFold(5, shuffle=True, random_state=SEED)
    cv_auc = {k: np.mean(cross_val_score(m, X_train, y_train, cv=cv, scoring="roc_auc")) for k, m in cands.items()}
    for k, v in cv_auc.items():
        print(f"{k:9s} CV AUC {v:.3f}")
    best = max(cv_auc, key=cv_auc.get)
    model = cands[best].fit(X_train, y_train)
    print("chosen:", best)
    print("test AUC: %.3f" % roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
    print(classification_report(y_test, model.predict(X_test)))


if __name__ == "__main__":
    main()
