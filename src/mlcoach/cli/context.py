"""What a command needs, built once and only when it is asked for."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from mlcoach.config import Settings, load_settings

if TYPE_CHECKING:
    from mlcoach.catalog import Catalog
    from mlcoach.grading import Grader
    from mlcoach.store import Database, User


class AppContext:
    @cached_property
    def settings(self) -> Settings:
        return load_settings()

    @cached_property
    def catalog(self) -> Catalog:
        # Imported here: pydantic and the curriculum cost a command that never reads them ~0.3 s.
        from mlcoach.catalog import catalog_cache_dir, load_catalog

        return load_catalog(
            [self.settings.deck_dir], cache_dir=catalog_cache_dir(self.settings.data_dir)
        )

    @cached_property
    def database(self) -> Database:
        # SQLAlchemy is imported only by commands that store things.
        from mlcoach.store import Database

        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return Database(self.settings.database_url)

    @cached_property
    def grader(self) -> Grader:
        """The grader the settings choose; the model is imported and loaded only when asked for."""
        from mlcoach.grading import grader_for

        return grader_for(self.settings)

    @cached_property
    def user(self) -> User:
        return self.database.default_user()


ctx = AppContext()
