"""Fixtures for the job runner: settings and a database in the test's own data folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlcoach.catalog import Catalog, load_catalog
from mlcoach.config import load_settings
from mlcoach.jobs import JobEnv
from mlcoach.store import Database


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def env(isolated_data_dir: Path, database_url: str, catalog: Catalog) -> Iterator[JobEnv]:
    settings = load_settings()
    database = Database(database_url)
    yield JobEnv(settings, database, lambda: catalog)
    database.dispose()
