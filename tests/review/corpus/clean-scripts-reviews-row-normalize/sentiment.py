import re

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix, hstack
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import classification_report, f1_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

SEED = 23


def style_counts(texts):
    rows = [[len(re.findall(r"\w+", t)), t.count("!"), sum(ch.isupper() for ch in t)] for t in texts]
    return normalize(np.array(rows, dtype=float), norm="l1")


class TextAndStyle(BaseEstimator, TransformerMixin):
    def __init__(self, ngram_range=(1, 2), min_df=2):
        self.ngram_range = ngram_range
        self.min_df = min_df

    def fit(self, texts, y=None):
        self.tfidf_ = TfidfVectorizer(ngram_range=self.ngram_range, min_df=self.min_df).fit(texts)
        return self

    def transform(self, texts):
        return hstack([self.tfidf_.transform(texts), csr_matrix(style_counts(texts))]).tocsr()


def main():
    df = pd.read_csv("reviews.csv")
    print(df.shape, "positive share %.2f" % df["positive"].mean())
    print(df.groupby("positive")["text"].apply(lambda s: s.str.count("!").mean()).round(2).to_string())
    X_train, X_test, y_train, y_test = train_test_split(df["text"], df["positive"], test_size=0.25,
                                                        stratify=df["positive"], random_state=SEED)
    pipe = Pipeline([("features", TextAndStyle()), ("svm", LinearSVC(random_state=SEED))])
    search = GridSearchCV(pipe, {"svm__C": [0.01, 0.1, 1, 10]}, cv=5, scoring="f1").fit(X_train, y_train)
    print("best C:", search.best_params_["svm__C"], "CV F1 %.3f" % search.best_score_)
    base = DummyClassifier(strategy="most_frequent").fit(X_train, y_train)
    print("baseline test F1 %.3f" % f1_score(y_test, base.predict(X_test)))
    print("svm test F1      %.3f" % f1_score(y_test, search.predict(X_test)))
    print(classification_report(y_test, search.predict(X_test), digits=3))


if __name__ == "__main__":
    main()
