# -*- coding: utf-8 -*-
import pandas as pd
import numpy as np
from sklearn.cross_validation import train_test_split
from sklearn.linear_model import LogisticRegression
from sklearn.dummy import DummyClassifier

np.random.seed(0)

df = pd.read_csv("titanic.csv")
print "rows:", len(df)
print df.groupby("sex")["survived"].mean()

titles = {}
for name in df["name"]:
    t = name.split(",")[1].split(".")[0].strip()
    titles[t] = titles.get(t, 0) + 1
for t, n in titles.iteritems():
    print t, n

df["age"] = df["age"].fillna(-1)
df["is_child"] = (df["age"] >= 0) & (df["age"] < 14)
df["family"] = df["sibsp"] + df["parch"]
df["female"] = (df["sex"] == "female").astype(int)
df["half_family"] = df["family"] / 2

feats = ["pclass", "female", "is_child", "family", "fare"]
X_train, X_test, y_train, y_test = train_test_split(df[feats], df["survived"], test_size=0.25, random_state=0)

base = DummyClassifier(strategy="most_frequent").fit(X_train, y_train)
model = LogisticRegression(C=1.0).fit(X_train, y_train)
print "baseline accuracy: %.3f" % base.score(X_test, y_test)
print "model accuracy:    %.3f" % model.score(X_test, y_test)
for f, c in sorted(zip(feats, model.coef_[0]), key=lambda p: p[1]):
    print "%-10s %+.3f" % (f, c)
