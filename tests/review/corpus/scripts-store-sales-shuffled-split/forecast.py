# Daily sales forecasting - take home
# Kacper W.

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.model_selection import train_test_split, GridSearchCV

RANDOM_STATE = 1


def load_data(path="sales.csv"):
    df = pd.read_csv(path, parse_dates=["date"])
    df = df.sort_values("date").set_index("date")
    assert df.index.is_unique
    return df


def add_calendar(df):
    df = df.copy()
    df["dow"] = df.index.dayofweek
    df["weekend"] = (df["dow"] >= 5).astype(int)
    df["month"] = df.index.month
    df["day_of_year"] = df.index.dayofyear
    return df


def add_lags(df, col="sales", lags=(1, 7, 14)):
    df = df.copy()
    for lag in lags:
        df[f"{col}_lag{lag}"] = df[col].shift(lag)
    df[f"{col}_roll7"] = df[col].shift(1).rolling(7).mean()
    df[f"{col}_roll28_std"] = df[col].shift(1).rolling(28).std()
    return df.dropna()


def summarize(df):
    print("days:", len(df), "from", df.index.min().date(), "to", df.index.max().date())
    print("mean daily sales: %.1f" % df["sales"].mean())
    print(df.groupby("weekend")["sales"].mean().round(1).to_string())
    print("promo uplift: %.1f" % (df.loc[df.promo == 1, "sales"].mean() - df.loc[df.promo == 0, "sales"].mean()))
    print("corr with temperature: %.2f" % df["sales"].corr(df["temperature"]))


def tune(X_train, y_train):
    grid = GridSearchCV(
        GradientBoostingRegressor(random_state=RANDOM_STATE),
        {"n_estimators": [100, 300], "max_depth": [2, 3], "learning_rate": [0.05, 0.1]},
        cv=5,
        scoring="neg_mean_absolute_error",
    )
    grid.fit(X_train, y_train)
    print("best params:", grid.best_params_, "CV MAE: %.1f" % -grid.best_score_)
    return grid.best_estimator_


def main():
    df = add_lags(add_calendar(load_data()))
    summarize(df)
    features = [c for c in df.columns if c != "sales"]
    X, y = df[features], df["sales"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=RANDOM_STATE)
    model = tune(X_train, y_train)
    pred = model.predict(X_test)
    print("test MAE: %.1f" % mean_absolute_error(y_test, pred))
    print("test R2: %.3f" % r2_score(y_test, pred))
    print("MAE as %% of mean sales: %.1f%%" % (100 * mean_absolute_error(y_test, pred) / y.mean()))
    imp = pd.Series(model.feature_importances_, index=features).sort_values(ascending=False)
    print(imp.round(3).head(8).to_string())
    residuals = y_test - pred
    print("residual mean %.1f, worst day %s" % (residuals.mean(), residuals.abs().idxmax().date()))
    print("share of days within 10%%: %.2f" % np.mean(np.abs(residuals) / y_test < 0.1))


if __name__ == "__main__":
    main()
