"""Exploration I ran before modelling: python explore.py (prints the tables, saves nothing)."""
import pandas as pd

DATA = "data/transactions.csv"
TARGET = "is_fraud"


def overview(df):
    print(f"{len(df)} rows, {df.shape[1]} columns")
    table = pd.DataFrame({
        "dtype": df.dtypes.astype(str),
        "missing": df.isna().sum(),
        "unique": df.nunique(),
    })
    print(table.to_string())


def numeric_summary(df):
    num = df.select_dtypes("number")
    q1, q3 = num.quantile(0.25), num.quantile(0.75)
    iqr = q3 - q1
    outliers = ((num < q1 - 1.5 * iqr) | (num > q3 + 1.5 * iqr)).sum()
    summary = num.describe().T[["mean", "std", "min", "50%", "max"]]
    summary["outliers"] = outliers
    print(summary.round(2).to_string())


def by_target(df):
    if df[TARGET].nunique() <= 10:
        print(df[TARGET].value_counts(normalize=True).round(3).to_string())
        print(df.groupby(TARGET).mean(numeric_only=True).T.round(2).to_string())
    else:
        corr = df.corr(numeric_only=True)[TARGET].drop(TARGET).sort_values()
        print(corr.round(2).to_string())
    for col in df.select_dtypes(exclude="number").columns:
        if df[col].nunique() <= 12:
            print(df.groupby(col)[TARGET].agg(["mean", "size"]).round(3).to_string())


if __name__ == "__main__":
    frame = pd.read_csv(DATA)
    overview(frame)
    numeric_summary(frame)
    by_target(frame)
