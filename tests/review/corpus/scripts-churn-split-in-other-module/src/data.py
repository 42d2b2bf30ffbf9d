"""Loading and splitting."""
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

DATA = Path(__file__).resolve().parent.parent / "data" / "customers.csv"
TARGET = "churn"


def load(path=DATA):
    df = pd.read_csv(path)
    df = df.drop_duplicates(subset="customer_id")
    df["total_charges"] = pd.to_numeric(df["total_charges"], errors="coerce")
    df = df.dropna(subset=["total_charges"])
    return df.reset_index(drop=True)


def make_split(X, y, test_size=0.25, seed=2024):
    """Stratified split so both parts keep the churn rate."""
    return train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
