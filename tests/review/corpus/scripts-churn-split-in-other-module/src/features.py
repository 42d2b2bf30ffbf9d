import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

NUMERIC = ["tenure_months", "monthly_charges", "support_calls", "avg_charge"]
CATEGORICAL = ["contract", "internet", "paperless_billing"]


def add_ratios(df):
    out = df.copy()
    out["avg_charge"] = out["total_charges"] / out["tenure_months"].clip(lower=1)
    out["tenure_years"] = np.floor(out["tenure_months"] / 12)
    return out


def encode(df):
    """Scale numeric columns, one-hot the categorical ones; returns a numeric frame."""
    scaler = StandardScaler()
    num = pd.DataFrame(scaler.fit_transform(df[NUMERIC]), columns=NUMERIC, index=df.index)
    cat = pd.get_dummies(df[CATEGORICAL], dtype=float)
    return pd.concat([num, cat, df[["tenure_years"]]], axis=1)


def build_features(df):
    return encode(add_ratios(df))
