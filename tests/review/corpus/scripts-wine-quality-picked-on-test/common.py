import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

FEATURES = ["fixed_acidity", "volatile_acidity", "citric_acid", "residual_sugar", "density", "pH", "sulphates", "alcohol"]


def load_split(path="winequality-red-sample.csv", seed=10):
    wine = pd.read_csv(path)
    print(wine.shape, "| quality counts:", wine["quality"].value_counts().sort_index().to_dict())
    print(wine.corr()["quality"].drop("quality").sort_values().round(2).to_string())
    return train_test_split(wine[FEATURES], wine["quality"], test_size=0.25, random_state=seed)


def rmse(y_true, y_pred):
    return float(np.sqrt(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2)))
