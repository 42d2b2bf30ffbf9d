"""Small take-home notebooks for the review tests, built with nbformat."""

from __future__ import annotations

import nbformat


def leaky_notebook() -> str:
    """A notebook that scales the whole data set before splitting it: a textbook leak."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Churn model\nPredict which customers leave."),
        nbformat.v4.new_code_cell(
            "import pandas as pd\n"
            "from sklearn.preprocessing import StandardScaler\n"
            "from sklearn.model_selection import train_test_split\n"
            "from sklearn.linear_model import LogisticRegression\n"
            "df = pd.read_csv('churn.csv')"
        ),
        nbformat.v4.new_code_cell(
            "X = df.drop(columns=['churned'])\n"
            "y = df['churned']\n"
            "X = StandardScaler().fit_transform(X)\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y)"
        ),
        nbformat.v4.new_code_cell(
            "model = LogisticRegression().fit(X_train, y_train)\nprint(model.score(X_test, y_test))"
        ),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return str(nbformat.writes(nb))
