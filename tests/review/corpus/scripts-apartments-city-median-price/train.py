from sklearn.dummy import DummyRegressor
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import KFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from features import FEATURES, build, load


def main():
    df = build(load())
    print(df.describe().round(0).T[["mean", "min", "max"]])
    print(df.groupby("neighbourhood")["price"].median().sort_values().to_string())
    X_train, X_test, y_train, y_test = train_test_split(df[FEATURES], df["price"], test_size=0.25, random_state=9)
    cv = KFold(5, shuffle=True, random_state=9)
    models = {
        "median": DummyRegressor(strategy="median"),
        "ridge": make_pipeline(StandardScaler(), Ridge(alpha=1.0)),
        "gbr": GradientBoostingRegressor(n_estimators=300, max_depth=2, learning_rate=0.05, random_state=9),
    }
    for name, model in models.items():
        mae = -cross_val_score(model, X_train, y_train, cv=cv, scoring="neg_mean_absolute_error").mean()
        print(f"{name:7s} CV MAE {mae:,.0f}")
    final = models["gbr"].fit(X_train, y_train)
    base = models["median"].fit(X_train, y_train)
    print(f"test MAE gbr {mean_absolute_error(y_test, final.predict(X_test)):,.0f} | median {mean_absolute_error(y_test, base.predict(X_test)):,.0f}")


if __name__ == "__main__":
    main()
