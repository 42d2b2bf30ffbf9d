from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler, TargetEncoder

NUMERIC = ["lead_time", "adr", "total_of_special_requests", "previous_cancellations"]
HIGH_CARDINALITY = ["country", "market_segment"]
LOW_CARDINALITY = ["deposit_type"]


def preprocessing():
    return ColumnTransformer([
        ("num", StandardScaler(), NUMERIC),
        ("te", TargetEncoder(target_type="binary", random_state=0), HIGH_CARDINALITY),
        ("ohe", OneHotEncoder(handle_unknown="ignore"), LOW_CARDINALITY),
    ])


def logistic():
    return Pipeline([("prep", preprocessing()), ("model", LogisticRegression(max_iter=2000))])


def boosting():
    return Pipeline([("prep", preprocessing()), ("model", HistGradientBoostingClassifier(max_depth=3, learning_rate=0.05, random_state=0))])
