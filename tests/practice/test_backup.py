"""Backup and restore: a user's data survives a round trip through JSON into another database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fsrs import Rating
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    insert,
    select,
)

from mlcoach.catalog import Catalog
from mlcoach.practice import DrillOptions, DrillSession
from mlcoach.practice.backup import (
    BackupError,
    backup_user,
    read_backup,
    restore_user,
    user_tables,
    write_backup,
)
from mlcoach.store import Database, get_or_create_user, record_attempt
from mlcoach.store.models import Base, DrillCard, ReviewLogEntry, User
from tests.practice.conftest import FakeClock


def drill_some(database: Database, user: User, catalog: Catalog, grader, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    session = DrillSession(
        database,
        user,
        catalog,
        options=DrillOptions(topic="ensembles", new_per_day=3),
        grader=grader,
        clock=clock,
    )
    for rating in (Rating.Again, Rating.Good, Rating.Easy):
        item = session.next_card()
        assert item is not None
        session.submit(" ".join(k.text for k in item.question.key_points[:2]) + " – naïve ✓")
        session.record(rating)
        clock.advance(seconds=20)
    clock.advance(seconds=20)
    item = session.next_card()  # the failed card is due again a minute later
    assert item is not None and not item.is_new
    session.submit("Bagging averages models trained on bootstrap samples.")
    session.record(Rating.Hard)


def backup_json(database: Database, user: User) -> str:
    with database.session() as session:
        data = backup_user(session, user, schema_revision=database.current_revision())
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def test_the_backup_covers_every_table_with_a_user_id_and_their_children() -> None:
    names = {t.name for t in user_tables()}
    assert {"attempts", "cards", "review_logs", "scheduler_parameters"} <= names
    assert "users" not in names
    for table in Base.metadata.tables.values():
        if "user_id" in table.c:
            assert table.name in names
        # a table whose rows hang off a user's row through a required reference comes along
        if any(
            not fk.parent.nullable and fk.column.table.name in names for fk in table.foreign_keys
        ):
            assert table.name in names


def _dummy(column: Any, i: int, label: str) -> Any:
    kind = column.type
    kind = getattr(kind, "impl", kind)
    if isinstance(kind, Boolean):
        return bool(i % 2)
    if isinstance(kind, Integer):
        return i + 1
    if isinstance(kind, Float):
        return 0.25 + i
    if isinstance(kind, DateTime):
        return datetime(2026, 1, 2, 12, i, 30, 123456, tzinfo=UTC)
    if isinstance(kind, Date):
        return date(2026, 1, 1 + i)
    if isinstance(kind, JSON):
        return {"n": i, "items": [1.5, "naïve ✓", None]}
    if isinstance(kind, LargeBinary):
        return bytes([0, 255, i])
    if isinstance(kind, String):  # Text too
        return f"{label}-{i}"[: kind.length or 200]
    raise AssertionError(f"no dummy value for {column} of type {kind!r}")


def fill_every_user_table(database: Database, user: User, rows_per_table: int = 2) -> None:
    """Two rows in every per-user table, whatever tables exist: every column set, references valid."""
    with database.session() as s:
        ids: dict[str, list[Any]] = {}
        for table in user_tables():
            keys = list(table.primary_key.columns)
            for i in range(rows_per_table if keys[0].name != "user_id" else 1):
                values: dict[str, Any] = {}
                for column in table.columns:
                    fks = list(column.foreign_keys)
                    if column.name == "user_id":
                        values[column.name] = user.id
                    elif fks:
                        parents = ids.get(fks[0].column.table.name)
                        values[column.name] = parents[i % len(parents)] if parents else None
                    elif column.primary_key and isinstance(column.type, Integer):
                        continue
                    else:
                        values[column.name] = _dummy(column, i, f"{user.name}-{table.name}")
                result = s.execute(insert(table).values(**values).returning(*keys))
                ids.setdefault(table.name, []).append(result.scalar_one())


def test_every_users_table_round_trips_whatever_tables_exist(
    database_url: str, tmp_path: Path
) -> None:
    source = Database(f"sqlite:///{tmp_path / 'source.db'}")
    with source.session() as s:
        other = get_or_create_user(s, "someone-else")
    fill_every_user_table(source, other)
    local = source.default_user()
    fill_every_user_table(source, local)
    first = backup_json(source, local)
    tables = json.loads(first)["tables"]
    assert all(rows for rows in tables.values()), [n for n, r in tables.items() if not r]
    assert "someone-else" not in first

    target = Database(database_url)
    try:
        with target.session() as s:
            get_or_create_user(s, "a-user-first")  # ids in the target differ from the source
        fill_every_user_table(target, get_local(target, "a-user-first"))
        user = target.default_user()
        with target.session() as s:
            restore_user(s, user, json.loads(first))
        assert backup_json(target, user) == first
        with target.session() as s:
            again = backup_user(s, get_local(target, "a-user-first"))
        assert all(len(rows) >= 1 for rows in again["tables"].values())  # others' rows untouched
    finally:
        target.dispose()
        source.dispose()


def test_backup_then_restore_into_a_fresh_database_gives_identical_data(
    database_url: str, tmp_path: Path, catalog: Catalog, lexical_grader, clock: FakeClock
) -> None:
    source = Database(f"sqlite:///{tmp_path / 'source.db'}")
    # Another user's rows come first, so the local user's ids do not start at 1.
    other = source.default_user()
    with source.session() as s:
        someone = get_or_create_user(s, "someone-else")
    drill_some(source, someone, catalog, lexical_grader, FakeClock())
    local = get_local(source, "local")
    assert local.id == other.id
    drill_some(source, local, catalog, lexical_grader, clock)
    with source.session() as s:
        record_attempt(s, local, "ensembles-bagging", "a free answer", score=None, source="web")

    first = backup_json(source, local)
    tables = json.loads(first)["tables"]
    assert len(tables["cards"]) == 3 and len(tables["review_logs"]) == 4
    assert len(tables["attempts"]) == 5
    assert tables["cards"][0]["id"] == 1  # renumbered, independent of the database's ids
    path = tmp_path / "backup.json"
    write_backup(json.loads(first), path)

    target = Database(database_url)
    try:
        restored_user = target.default_user()
        with target.session() as s:
            result = restore_user(s, restored_user, read_backup(path))
        assert result.restored["review_logs"] == 4
        assert backup_json(target, restored_user) == first

        with target.session() as s:
            logs = s.scalars(select(ReviewLogEntry).order_by(ReviewLogEntry.id)).all()
            cards = {c.id: c for c in s.scalars(select(DrillCard))}
            # references between tables point at the restored rows
            assert all(cards[log.card_id].question_id == log.question_id for log in logs)
            assert all(log.reviewed_at.tzinfo is not None for log in logs)
    finally:
        target.dispose()
        source.dispose()


def get_local(database: Database, name: str) -> User:
    with database.session() as s:
        return get_or_create_user(s, name)


def test_restore_refuses_to_overwrite_unless_replace_and_is_all_or_nothing(
    database: Database, user: User, catalog: Catalog, lexical_grader, clock: FakeClock
) -> None:
    drill_some(database, user, catalog, lexical_grader, clock)
    data = json.loads(backup_json(database, user))
    with (
        pytest.raises(
            BackupError, match=r"already has data \(4 attempts, 3 cards, 4 review_logs\)"
        ),
        database.session() as s,
    ):
        restore_user(s, user, data)

    broken = json.loads(json.dumps(data))
    broken["tables"]["review_logs"][-1]["card_id"] = 99
    with (
        pytest.raises(BackupError, match="card_id refers to row 99 of 'cards'"),
        database.session() as s,
    ):
        restore_user(s, user, broken, replace=True)
    assert backup_json(database, user) == json.dumps(data, sort_keys=True, ensure_ascii=False)

    data["tables"]["attempts"] = data["tables"]["attempts"][:1]
    data["tables"]["review_logs"] = [
        r for r in data["tables"]["review_logs"] if r["attempt_id"] in (None, 1)
    ]
    with database.session() as s:
        result = restore_user(s, user, data, replace=True)
    assert result.replaced == {"attempts": 4, "cards": 3, "review_logs": 4}
    assert (
        json.loads(backup_json(database, user))["tables"]["attempts"] == data["tables"]["attempts"]
    )


def test_bad_backup_files_are_refused_with_the_reason(
    tmp_path: Path, database: Database, user: User
) -> None:
    path = tmp_path / "b.json"
    path.write_text("{not json")
    with pytest.raises(BackupError, match=r"b.json:1: not valid JSON"):
        read_backup(path)
    path.write_text(json.dumps({"format": "mlcoach-backup", "version": 99, "tables": {}}))
    with pytest.raises(BackupError, match="format version 99"):
        read_backup(path)
    path.write_text(json.dumps({"format": "mlcoach-backup", "version": 1, "tables": {"pets": []}}))
    with pytest.raises(BackupError, match="does not know: pets"), database.session() as s:
        restore_user(s, user, read_backup(path))
    path.write_text(
        json.dumps(
            {"format": "mlcoach-backup", "version": 1, "tables": {"cards": [{"colour": "red"}]}}
        )
    )
    with pytest.raises(BackupError, match="row 1: unknown column"), database.session() as s:
        restore_user(s, user, read_backup(path))
    with pytest.raises(BackupError, match="no such file"):
        read_backup(tmp_path / "missing.json")


def test_backup_and_restore_commands(
    run_cli, isolated_data_dir: Path, tmp_path: Path, catalog: Catalog, lexical_grader
) -> None:  # type: ignore[no-untyped-def]
    database = Database(f"sqlite:///{isolated_data_dir / 'mlcoach.db'}")
    drill_some(database, database.default_user(), catalog, lexical_grader, FakeClock())
    database.dispose()
    out = tmp_path / "me.json"
    done = run_cli("backup", str(out))
    assert done.returncode == 0, done.stderr
    assert "backed up 4 attempts, 3 cards, 4 review_logs to" in done.stdout
    again = run_cli("backup", str(out))
    assert again.returncode == 2 and "already exists; add --force" in again.stderr

    fresh = {"MLCOACH_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    restored = run_cli("restore", str(out), env=fresh)
    assert restored.returncode == 0, restored.stderr
    second = tmp_path / "second.json"
    assert run_cli("backup", str(second), env=fresh).returncode == 0
    assert second.read_text() == out.read_text()
