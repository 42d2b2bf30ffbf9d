"""Submissions are stored through the migration, and read back for the solved marks."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from mlcoach.store import Database
from mlcoach.store.models import Base
from mlcoach.store.submissions import list_submissions, problem_status, record_submission


def test_submissions_are_recorded_and_summarised(database_url: str) -> None:
    database = Database(database_url)
    user = database.default_user()
    with database.session() as session:
        record_submission(
            session,
            user,
            "p1",
            "x = 1",
            verdict="Wrong Answer",
            passed=0,
            total=3,
            results={"tests": []},
        )
        record_submission(
            session,
            user,
            "p1",
            "x = 2",
            verdict="Accepted",
            passed=3,
            total=3,
            results={"tests": [1]},
        )
        record_submission(
            session,
            user,
            "p2",
            "x = 3",
            verdict="Time Limit Exceeded",
            passed=1,
            total=3,
            results={},
        )
    with database.session() as session:
        assert problem_status(session, user) == {"p1": "solved", "p2": "tried"}
        latest = list_submissions(session, user, problem_id="p1")
        assert [s.code for s in latest] == ["x = 2", "x = 1"]
        assert latest[0].results == {"tests": [1]}
        assert latest[0].created_at.tzinfo is not None
    database.dispose()


def test_the_migration_matches_the_submission_model(database_url: str) -> None:
    database = Database(database_url)
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    mine = [d for d in diff if "submissions" in repr(d)]
    assert mine == []
    database.dispose()
