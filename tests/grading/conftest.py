"""Graders and questions shared by the grading tests: the real model and the real curriculum."""

from __future__ import annotations

import pytest

from mlcoach.catalog import Catalog, load_catalog
from mlcoach.grading import Grader, load_grader


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def semantic() -> Grader:
    """The embedding grader, loaded once for the whole run (vectors cached in memory only)."""
    return load_grader("semantic")


@pytest.fixture(scope="session")
def lexical() -> Grader:
    return load_grader("lexical")
