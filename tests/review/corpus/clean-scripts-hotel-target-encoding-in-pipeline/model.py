import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import TimeSeriesSplit, cross_val_score

from pipeline import HIGH_CARDINALITY, LOW_CARDINALITY, NUMERIC, boosting, logistic

FEATURES = NUMERIC + HIGH_CARDINALITY + LOW_CARDINALITY


def load():
    df = pd.read_csv("bookings.csv", parse_dates=["arrival_date"]).sort_values("arrival_date").reset_index(drop=True)
    print(len(df), "bookings,", df["arrival_date"].min().date(), "to", df["arrival_date"].max().date())
    print("cancellation rate %.3f" % df["is_canceled"].mean())
    print(df.groupby("deposit_type")["is_canceled"].mean().round(3).to_string())
    return df


def main():
    df = load()
    cutoff = df["arrival_date"].max() - pd.Timedelta(days=60)
    train, test = df[df["arrival_date"] <= cutoff], df[df["arrival_date"] > cutoff]
    print(len(train), "train bookings up to", cutoff.date(), "|", len(test), "test bookings")
    candidates = {"prior": DummyClassifier(strategy="prior"), "logistic": logistic(), "boosting": boosting()}
    cv = TimeSeriesSplit(n_splits=4)
    auc = {}
    for name, model in candidates.items():
        auc[name] = cross_val_score(model, train[FEATURES], train["is_canceled"], cv=cv, scoring="roc_auc").mean()
        print(f"{name:9s} time-ordered CV ROC-AUC {auc[name]:.3f}")
    best = max(auc, key=auc.get)
    model = candidates[best].fit(train[FEATURES], train["is_canceled"])
    prior = candidates["prior"].fit(train[FEATURES], train["is_canceled"])
    p = model.predict_proba(test[FEATURES])[:, 1]
    print(f"chosen {best}: test ROC-AUC {roc_auc_score(test['is_canceled'], p):.3f}, "
          f"Brier {brier_score_loss(test['is_canceled'], p):.3f} "
          f"(prior Brier {brier_score_loss(test['is_canceled'], prior.predict_proba(test[FEATURES])[:, 1]):.3f})")


if __name__ == "__main__":
    main()
