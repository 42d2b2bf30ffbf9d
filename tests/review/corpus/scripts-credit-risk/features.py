"""Feature engineering for the credit-risk model."""

import pandas as pd
from sklearn.preprocessing import StandardScaler

TARGET = "bad_risk"
NUMERIC = ["age", "duration_months", "credit_amount"]
CATEGORICAL = ["checking_account", "savings_account", "housing", "purpose"]


def add_ratio_features(df):
    """Add the monthly instalment and the credit amount per year of age."""
    out = df.copy()
    out["monthly_instalment"] = out["credit_amount"] / out["duration_months"]
    out["amount_per_age"] = out["credit_amount"] / out["age"]
    return out


def build_features(df):
    """Return the model matrix X (one-hot categoricals, standardised numerics) and the target y."""
    X = pd.get_dummies(df[NUMERIC + CATEGORICAL], columns=CATEGORICAL, dtype=int)
    X[NUMERIC] = StandardScaler().fit_transform(X[NUMERIC])
    return X, df[TARGET]
