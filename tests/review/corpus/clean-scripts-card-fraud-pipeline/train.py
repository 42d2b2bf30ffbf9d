from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, classification_report
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from features import FEATURES, TARGET, add_row_features, load, summary

SEED = 19


def main():
    df = add_row_features(load())
    print(summary(df))
    X_train, X_test, y_train, y_test = train_test_split(df[FEATURES], df[TARGET], test_size=0.25, stratify=df[TARGET], random_state=SEED)
    candidates = {
        "prior": DummyClassifier(strategy="prior"),
        "logreg (balanced)": make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=1000)),
        "forest (balanced)": RandomForestClassifier(n_estimators=300, min_samples_leaf=3, class_weight="balanced", random_state=SEED),
    }
    cv = StratifiedKFold(5, shuffle=True, random_state=SEED)
    scores = {}
    for name, model in candidates.items():
        ap = cross_val_score(model, X_train, y_train, cv=cv, scoring="average_precision")
        scores[name] = ap.mean()
        print(f"{name:18s} CV average precision {ap.mean():.3f} +/- {ap.std():.3f}")
    best = max(scores, key=scores.get)
    model = candidates[best].fit(X_train, y_train)
    proba = model.predict_proba(X_test)[:, 1]
    print(f"chosen: {best}; test average precision {average_precision_score(y_test, proba):.3f} (base rate {y_test.mean():.3f})")
    print(classification_report(y_test, model.predict(X_test), digits=3))


if __name__ == "__main__":
    main()
