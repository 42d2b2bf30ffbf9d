"""Machine-learning abbreviations spelled out before an answer and a key point are compared.

People answer in abbreviations ("ROC plots TPR vs FPR") that a key point spells out ("the true
positive rate against the false positive rate"), or the other way round. The sentence model barely
knows what "TPR" means and word overlap sees no shared word, so both backends compare the texts
with the abbreviations written out on both sides.

Only abbreviations with one meaning in this field are listed: "MAP" (maximum a posteriori, or mean
average precision), "LDA", "CV", "LR", "PR", "TF" and "EM" are left as written. Matching is
case-sensitive and by whole word ("GAN" and "GANs", never "gang"), and an abbreviation already
spelled out in the same text ("true positive rate (TPR)") is left alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

ABBREVIATIONS: dict[str, str] = {
    "AUC": "area under the curve",
    "ROC": "receiver operating characteristic",
    "TPR": "true positive rate",
    "FPR": "false positive rate",
    "TNR": "true negative rate",
    "FNR": "false negative rate",
    "TP": "true positives",
    "FP": "false positives",
    "TN": "true negatives",
    "FN": "false negatives",
    "PPV": "positive predictive value",
    "NPV": "negative predictive value",
    "MSE": "mean squared error",
    "RMSE": "root mean squared error",
    "MAE": "mean absolute error",
    "MAPE": "mean absolute percentage error",
    "SGD": "stochastic gradient descent",
    "PCA": "principal component analysis",
    "SVD": "singular value decomposition",
    "CNN": "convolutional neural network",
    "RNN": "recurrent neural network",
    "LSTM": "long short-term memory network",
    "GRU": "gated recurrent unit",
    "GAN": "generative adversarial network",
    "VAE": "variational autoencoder",
    "MLP": "multilayer perceptron",
    "GNN": "graph neural network",
    "LLM": "large language model",
    "NLP": "natural language processing",
    "SVM": "support vector machine",
    "KNN": "k nearest neighbours",
    "kNN": "k nearest neighbours",
    "MLE": "maximum likelihood estimation",
    "OLS": "ordinary least squares",
    "KL": "Kullback-Leibler",
    "IDF": "inverse document frequency",
    "GBM": "gradient boosting machine",
    "GBDT": "gradient boosted decision trees",
    "RL": "reinforcement learning",
    "RLHF": "reinforcement learning from human feedback",
    "RAG": "retrieval-augmented generation",
    "IID": "independent and identically distributed",
    "OOD": "out of distribution",
    "OOV": "out of vocabulary",
    "MCMC": "Markov chain Monte Carlo",
    "NDCG": "normalized discounted cumulative gain",
    "MRR": "mean reciprocal rank",
    "DAG": "directed acyclic graph",
    "CDF": "cumulative distribution function",
    "EDA": "exploratory data analysis",
    "BPTT": "backpropagation through time",
    "MoE": "mixture of experts",
}

# Longest first, so "RMSE" is not read as "R" + "MSE"; an "s" after one is its plural.
_PATTERN = re.compile(
    r"\b("
    + "|".join(re.escape(a) for a in sorted(ABBREVIATIONS, key=len, reverse=True))
    + r")(s?)\b"
)


@lru_cache(maxsize=65536)
def spelled_out(text: str) -> str:
    """``text`` with every listed abbreviation written out (unless it already is, in ``text``)."""
    if not _PATTERN.search(text):
        return text
    lowered = text.lower()

    def expand(match: re.Match[str]) -> str:
        words = ABBREVIATIONS[match.group(1)]
        if words.lower() in lowered:
            return match.group(0)
        return words if not match.group(2) or words.endswith("s") else words + "s"

    return _PATTERN.sub(expand, text)
