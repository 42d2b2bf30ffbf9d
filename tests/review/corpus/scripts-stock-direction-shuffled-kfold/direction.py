import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def rsi(close, window=14):
    delta = close.diff()
    gain = delta.clip(lower=0).rolling(window).mean()
    loss = (-delta.clip(upper=0)).rolling(window).mean()
    return 100 - 100 / (1 + gain / loss)


def features(px):
    f = pd.DataFrame(index=px.index)
    for k in (1, 5, 10):
        f[f"ret_{k}"] = px["close"].pct_change(k)
    f["vol_10"] = px["close"].pct_change().rolling(10).std()
    vol_mean = px["volume"].shift(1).rolling(20).mean()
    vol_std = px["volume"].shift(1).rolling(20).std()
    f["volume_z"] = (px["volume"] - vol_mean) / vol_std
    f["rsi_14"] = rsi(px["close"])
    f["target_up"] = (px["close"].shift(-1) > px["close"]).astype(int)
    return f.iloc[:-1].dropna()


def main():
    px = pd.read_csv("prices.csv", parse_dates=["date"], index_col="date").sort_index()
    print(px.describe().round(2))
    data = features(px)
    print("rows:", len(data), "share of up days:", round(data["target_up"].mean(), 3))
    X, y = data.drop(columns="target_up"), data["target_up"]
    cv = KFold(n_splits=5, shuffle=True, random_state=42)
    models = {
        "always up": DummyClassifier(strategy="most_frequent"),
        "logistic": make_pipeline(StandardScaler(), LogisticRegression()),
        "gboost": GradientBoostingClassifier(n_estimators=200, max_depth=2, learning_rate=0.05, random_state=42),
    }
    for name, model in models.items():
        res = cross_validate(model, X, y, cv=cv, scoring=["accuracy", "roc_auc"])
        print(f"{name:10s} acc {np.mean(res['test_accuracy']):.3f}  auc {np.mean(res['test_roc_auc']):.3f}")


if __name__ == "__main__":
    main()
