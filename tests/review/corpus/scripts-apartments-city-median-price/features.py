import pandas as pd


def load(path="apartments.csv"):
    return pd.read_csv(path).drop_duplicates()


def build(df):
    out = df.copy()
    out["age"] = 2024 - out["year_built"]
    out["rooms"] = out["bedrooms"] + out["bathrooms"]
    out["sqft_per_room"] = out["area_sqft"] / out["rooms"]
    out["hood_median_price"] = out.groupby("neighbourhood")["price"].transform("median")
    return out


FEATURES = ["area_sqft", "age", "rooms", "sqft_per_room", "garage_cars", "floor", "hood_median_price"]
