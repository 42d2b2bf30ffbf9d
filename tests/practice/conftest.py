"""Fixtures for drills: a migrated database, the shipped curriculum, the real (lexical) grader."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mlcoach.catalog import Catalog, Question, load_catalog
from mlcoach.grading import Grade, load_grader
from mlcoach.store import Database
from mlcoach.store.models import User


class FakeClock:
    """A clock the test moves by hand; starts at a fixed UTC instant."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def lexical_grader():  # type: ignore[no-untyped-def]
    grader = load_grader("lexical")

    def grade(question: Question, answer: str) -> Grade:
        return grader.grade(question, answer)

    return grade


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'drill.db'}")
    yield db
    db.dispose()


@pytest.fixture
def user(database: Database) -> User:
    return database.default_user()
