import pandas as pd
from sklearn.preprocessing import normalize

NUMERIC = ["education_years", "hours_per_week", "capital_gain"]


def read(path="adult_sample.csv"):
    df = pd.read_csv(path)
    df = df[df["hours_per_week"] > 0]
    return df


def bin_age(df, q=5):
    df = df.copy()
    df["age_band"] = pd.qcut(df["age"], q=q, labels=False, duplicates="drop")
    return df.drop(columns="age")


def scale_numeric(df):
    df = df.copy()
    df[NUMERIC] = normalize(df[NUMERIC], axis=0)
    df["has_capital_gain"] = (df["capital_gain"] > 0).astype(int)
    return df


def one_hot(df):
    return pd.get_dummies(df, columns=["occupation"], prefix="occ", dtype=int)


def prepare(path="adult_sample.csv"):
    return one_hot(scale_numeric(bin_age(read(path))))
