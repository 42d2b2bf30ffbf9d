"""Storage behaviour, on SQLite and (in CI) on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from mlcoach.errors import StorageError
from mlcoach.store import DEFAULT_USER_NAME, Attempt, Database, list_attempts, record_attempt


def test_first_use_migrates_and_creates_the_local_user(database_url: str) -> None:
    db = Database(database_url)
    assert db.current_revision() == db.head_revision()
    user = db.default_user()
    assert user.name == DEFAULT_USER_NAME
    assert db.default_user().id == user.id
    db.dispose()


def test_upgrade_is_idempotent(database_url: str) -> None:
    db = Database(database_url, migrate=False)
    assert db.current_revision() is None
    before, after = db.upgrade()
    assert before is None and after == db.head_revision()
    assert db.upgrade() == (after, after)
    db.dispose()


def test_attempts_round_trip_with_aware_timestamps(database_url: str) -> None:
    db = Database(database_url)
    user = db.default_user()
    with db.session() as s:
        record_attempt(
            s, user, "q-one", "first answer", score=3.5, grade={"made": ["a"], "missed": []}
        )
        record_attempt(s, user, "q-two", "second answer")
    with db.session() as s:
        attempts = list_attempts(s, user)
    assert [a.question_id for a in attempts] == ["q-two", "q-one"]
    first = attempts[1]
    assert first.score == 3.5
    assert first.grade == {"made": ["a"], "missed": []}
    assert first.created_at.tzinfo is not None
    assert abs((datetime.now(UTC) - first.created_at).total_seconds()) < 60
    db.dispose()


def test_a_failed_unit_of_work_changes_nothing(database_url: str) -> None:
    db = Database(database_url)
    user = db.default_user()
    with db.session() as s:
        record_attempt(s, user, "kept", "recorded before the failure")
    with pytest.raises(RuntimeError), db.session() as s:
        record_attempt(s, user, "lost-1", "part of a failed unit of work")
        record_attempt(s, user, "lost-2", "part of a failed unit of work")
        raise RuntimeError("crash in the middle")
    with db.session() as s:
        assert [a.question_id for a in list_attempts(s, user)] == ["kept"]
    db.dispose()


def test_naive_timestamps_are_refused(database_url: str) -> None:
    db = Database(database_url)
    user = db.default_user()
    with pytest.raises(Exception, match="naive"), db.session() as s:
        s.add(
            Attempt(user_id=user.id, question_id="q", answer="a", created_at=datetime(2026, 1, 1))
        )
        s.flush()
    db.dispose()


def test_a_process_killed_mid_write_loses_nothing_committed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    script = textwrap.dedent(
        f"""
        import os
        from mlcoach.store import Database, record_attempt
        db = Database({url!r})
        user = db.default_user()
        for i in range(20):
            with db.session() as s:
                record_attempt(s, user, f"q{{i}}", "committed")
        s = db._sessions()
        record_attempt(s, user, "half-written", "never committed")
        s.flush()
        os._exit(9)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 9, result.stderr
    db = Database(url)
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    with db.session() as s:
        ids = {a.question_id for a in list_attempts(s, db.default_user())}
    assert ids == {f"q{i}" for i in range(20)}
    db.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'wal.db'}")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a valid SQLAlchemy URL"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot open the database"),
        ("mysql+nosuchdriver://u@h/db", "not a valid SQLAlchemy URL|driver"),
    ],
)
def test_an_unusable_database_is_a_clear_error(url: str, message: str) -> None:
    with pytest.raises(StorageError, match=message):
        Database(url)


def test_the_fast_head_lookup_agrees_with_alembic() -> None:
    from alembic.script import ScriptDirectory

    from mlcoach.store.database import MIGRATIONS_DIR, _alembic_config, make_engine

    engine = make_engine("sqlite://")
    alembic_head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    assert Database("sqlite://", migrate=False).head_revision() == alembic_head
    assert (MIGRATIONS_DIR / "versions").is_dir()
