import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import cross_validate, train_test_split

from prepare import prepare

SEED = 5
TARGET = "income_over_50k"


def eda(df):
    print(df.shape)
    print(df[TARGET].value_counts(normalize=True).round(3).to_string())
    print(df.groupby("age_band")[TARGET].mean().round(3).to_string())
    print(df.drop(columns=TARGET).corrwith(df[TARGET]).sort_values().round(2).to_string())


def main():
    df = prepare()
    eda(df)
    X = df.drop(columns=TARGET)
    y = df[TARGET]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=SEED)
    models = {
        "baseline": DummyClassifier(strategy="most_frequent"),
        "logreg": LogisticRegression(max_iter=5000, C=1.0),
        "forest": RandomForestClassifier(n_estimators=300, min_samples_leaf=3, random_state=SEED),
    }
    cv_auc = {}
    for name, model in models.items():
        res = cross_validate(model, X_train, y_train, cv=5, scoring=("roc_auc", "f1"))
        cv_auc[name] = np.mean(res["test_roc_auc"])
        print(f"{name}: CV AUC {cv_auc[name]:.3f}, CV F1 {np.mean(res['test_f1']):.3f}")
    best = max(cv_auc, key=cv_auc.get)
    final = models[best].fit(X_train, y_train)
    print(f"best={best} test AUC={roc_auc_score(y_test, final.predict_proba(X_test)[:, 1]):.3f} "
          f"test F1={f1_score(y_test, final.predict(X_test)):.3f}")


if __name__ == "__main__":
    main()
