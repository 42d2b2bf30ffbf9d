"""Fixtures for the interview capability: the shipped catalog, a database with its user, a clock
the test moves by hand, and the word-overlap grader (fast and deterministic)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mlcoach.catalog import Catalog, load_catalog
from mlcoach.store import Database

HERE = Path(__file__).parent
POSTINGS = HERE / "postings"


@pytest.fixture(autouse=True)
def lexical_grader(isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Word-overlap grading: no model load, same scores on every machine."""
    monkeypatch.setenv("MLCOACH_GRADER", "lexical")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def user_id(db: Database) -> int:
    return db.default_user().id


class Clock:
    """A clock that only moves when the test says so."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))


class RecordingQueue:
    """Stands in for practice's drill queue, which has no "add these cards" call yet."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, list[str]]] = []

    def add(self, user_id: int, question_ids: list[str], now: datetime) -> list[str]:
        self.calls.append((user_id, list(question_ids)))
        return list(question_ids)


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()
