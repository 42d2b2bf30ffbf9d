import pandas as pd


def load(path="orders.csv"):
    df = pd.read_csv(path, parse_dates=["order_date"])
    return df.dropna().drop_duplicates("order_id")


def engineer(df):
    df = df.copy()
    df["delay_days"] = df["delivered_days"] - df["promised_days"]
    df["is_late"] = (df["delay_days"] > 0).astype(int)
    df["weekday"] = df["order_date"].dt.dayofweek
    df["heavy"] = (df["weight_kg"] > 10).astype(int)
    df["km_per_promised_day"] = df["distance_km"] / df["promised_days"]
    df = pd.get_dummies(df, columns=["carrier"], dtype=int)
    return df


def feature_columns(df):
    return [c for c in df.columns if c not in ("order_id", "order_date", "is_late")]
