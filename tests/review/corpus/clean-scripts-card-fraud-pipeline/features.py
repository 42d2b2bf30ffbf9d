import numpy as np
import pandas as pd

TARGET = "is_fraud"


def load(path="data/transactions.csv"):
    df = pd.read_csv(path)
    before = len(df)
    df = df.drop_duplicates().reset_index(drop=True)
    print(f"dropped {before - len(df)} duplicated rows, {len(df)} left")
    return df


def add_row_features(df):
    """Only per-row transformations: nothing is learned from other rows."""
    out = df.copy()
    out["log_amount"] = np.log1p(out["amount"])
    out["night"] = (out["hour"] < 6).astype(int)
    out["far_from_home"] = (out["distance_from_home_km"] > 50).astype(int)
    out["new_account"] = (out["account_age_months"] < 6).astype(int)
    return out


FEATURES = ["log_amount", "night", "far_from_home", "new_account", "online", "previous_declines", "distance_from_home_km"]


def summary(df):
    print("fraud rate: %.3f" % df[TARGET].mean())
    print(df.groupby(TARGET)[["amount", "distance_from_home_km", "online", "previous_declines"]].mean().round(2).to_string())
    return pd.crosstab(df["online"], df[TARGET], normalize="index").round(3)
