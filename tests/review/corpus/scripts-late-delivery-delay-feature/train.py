import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from features import engineer, feature_columns, load

SEED = 3


def explore(df):
    print(df.shape)
    print("late share: %.3f" % df["is_late"].mean())
    carriers = [c for c in df.columns if c.startswith("carrier_")]
    for c in carriers:
        print(c, round(df.loc[df[c] == 1, "is_late"].mean(), 3))
    print(df.groupby("peak_season")["is_late"].mean().round(3).to_string())


def main():
    df = engineer(load())
    explore(df)
    cols = feature_columns(df)
    X_train, X_test, y_train, y_test = train_test_split(df[cols], df["is_late"], test_size=0.25,
                                                        stratify=df["is_late"], random_state=SEED)
    models = {
        "majority": DummyClassifier(strategy="most_frequent"),
        "logreg": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "forest": RandomForestClassifier(n_estimators=300, random_state=SEED),
    }
    cv = StratifiedKFold(5, shuffle=True, random_state=SEED)
    scores = {name: cross_val_score(m, X_train, y_train, cv=cv, scoring="roc_auc").mean() for name, m in models.items()}
    print(pd.Series(scores).round(3).to_string())
    best = max(scores, key=scores.get)
    model = models[best].fit(X_train, y_train)
    print(best, "test ROC-AUC %.3f" % roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
    print(classification_report(y_test, model.predict(X_test), digits=3))


if __name__ == "__main__":
    main()
