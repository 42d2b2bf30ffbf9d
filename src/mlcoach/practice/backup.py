"""All of one user's data as one JSON document, and back.

The tables are found from the schema when the backup runs, so tables that other parts of mlcoach
add later are included without changes here: every table with a ``user_id`` column, and every
table whose rows belong to one of those through a required foreign key (the rounds of a mock
interview, the days of a study plan), however deep.

Integer row ids are written as positions (1, 2, ... in id order within each table) and references
between the user's tables are rewritten to match, so a backup does not depend on the ids a database
happened to assign: restoring into any database and backing up again gives the same document.
Other keys (text ids) are kept as they are.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Table,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mlcoach.errors import MlcoachError
from mlcoach.store.models import Base, User

FORMAT = "mlcoach-backup"
FORMAT_VERSION = 1
OWNER_COLUMN = "user_id"


class BackupError(MlcoachError):
    """A backup file that cannot be read or restored."""


@dataclass(frozen=True)
class OwnedTable:
    """A table holding a user's rows, and how its rows are tied to the user."""

    table: Table
    # The column tying a row to its owner: user_id, or a required reference to an owned table.
    owner_column: str
    owner_table: str | None  # None when owner_column is user_id itself
    renumbered_key: str | None  # an integer id written as a position, if the table has one
    references: dict[str, str]  # column -> owned table it points at (besides user_id)

    @property
    def name(self) -> str:
        return self.table.name


def owned_tables() -> list[OwnedTable]:
    """Every table holding per-user rows, parents before children."""
    owned: dict[str, OwnedTable] = {}
    for table in Base.metadata.sorted_tables:
        owner_column, owner_table = None, None
        if OWNER_COLUMN in table.c:
            owner_column = OWNER_COLUMN
        else:
            for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
                if not fk.parent.nullable and fk.column.table.name in owned:
                    owner_column, owner_table = fk.parent.name, fk.column.table.name
                    break
        if owner_column is None:
            continue
        keys = list(table.primary_key.columns)
        renumbered = (
            keys[0].name
            if len(keys) == 1 and keys[0].name != owner_column and isinstance(keys[0].type, Integer)
            else None
        )
        references = {
            fk.parent.name: fk.column.table.name
            for fk in table.foreign_keys
            if fk.parent.name != OWNER_COLUMN and fk.column.table.name in owned
        }
        owned[table.name] = OwnedTable(table, owner_column, owner_table, renumbered, references)
    return list(owned.values())


def user_tables() -> list[Table]:
    return [o.table for o in owned_tables()]


def _owner_filter(
    item: OwnedTable, user: User, by_name: dict[str, OwnedTable]
) -> ColumnElement[bool]:
    """Rows of ``item`` that belong to ``user``, following references up to a user_id."""
    column = item.table.c[item.owner_column]
    if item.owner_table is None:
        return column == user.id
    parent = by_name[item.owner_table]
    target = next(fk.column for fk in item.table.c[item.owner_column].foreign_keys)
    return column.in_(
        select(parent.table.c[target.name]).where(_owner_filter(parent, user, by_name))
    )


def _is_datetime(column: Column[Any]) -> bool:
    impl = getattr(column.type, "impl", None)  # UTCDateTime wraps a DateTime
    return isinstance(column.type, DateTime) or isinstance(impl, DateTime)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _decode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if _is_datetime(column):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value)
    return value


def backup_user(
    session: Session, user: User, *, schema_revision: str | None = None
) -> dict[str, Any]:
    """The user's rows of every per-user table, ids renumbered (see the module docstring)."""
    tables = owned_tables()
    by_name = {o.name: o for o in tables}
    positions: dict[str, dict[Any, int]] = {}
    out: dict[str, list[dict[str, Any]]] = {}
    for item in tables:
        table = item.table
        order = (
            [table.c[item.renumbered_key]]
            if item.renumbered_key
            else list(table.primary_key.columns)
        )
        query = select(table).where(_owner_filter(item, user, by_name)).order_by(*order)
        rows = session.execute(query).mappings().all()
        numbering: dict[Any, int] = {}
        records = []
        for index, row in enumerate(rows, start=1):
            record: dict[str, Any] = {}
            for column in table.columns:
                if column.name == OWNER_COLUMN:
                    continue
                value = row[column.name]
                if column.name == item.renumbered_key:
                    numbering[value] = index
                    value = index
                elif column.name in item.references and value is not None:
                    target = positions.get(item.references[column.name])
                    value = target.get(value) if target is not None else value
                record[column.name] = _encode(value)
            records.append(record)
        if item.renumbered_key:
            positions[item.name] = numbering
        out[item.name] = records
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "schema_revision": schema_revision,
        "user": user.name,
        "tables": out,
    }


def write_backup(data: dict[str, Any], path: Path) -> None:
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)  # a crash mid-write never leaves half a backup under the real name
    except OSError as exc:
        raise BackupError(f"cannot write the backup to {path}: {exc.strerror}") from None


def read_backup(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"cannot read {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackupError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f'{path}: not an mlcoach backup (no "format": "{FORMAT}")')
    version = data.get("version")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"{path}: backup format version {version!r}; this mlcoach reads version {FORMAT_VERSION}"
        )
    if not isinstance(data.get("tables"), dict):
        raise BackupError(f'{path}: the backup has no "tables" mapping')
    return data


def count_user_rows(session: Session, user: User) -> dict[str, int]:
    tables = owned_tables()
    by_name = {o.name: o for o in tables}
    counts = {}
    for item in tables:
        n = session.scalar(
            select(func.count()).select_from(item.table).where(_owner_filter(item, user, by_name))
        )
        counts[item.name] = int(n or 0)
    return counts


@dataclass(frozen=True)
class RestoreResult:
    restored: dict[str, int]
    replaced: dict[str, int]


def _check_shape(given: dict[str, Any], by_name: dict[str, OwnedTable]) -> None:
    unknown = sorted(set(given) - set(by_name))
    if unknown:
        raise BackupError(
            f"the backup has table(s) this version of mlcoach does not know: {', '.join(unknown)} "
            "(restore it with the mlcoach version that wrote it, or a newer one)"
        )
    for name, rows in given.items():
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise BackupError(f"backup table {name!r} must be a list of objects")
        columns = set(by_name[name].table.c.keys()) - {OWNER_COLUMN}
        for index, row in enumerate(rows):
            extra = sorted(set(row) - columns)
            if extra:
                raise BackupError(
                    f"backup table {name!r}, row {index + 1}: unknown column(s) {', '.join(extra)}"
                )


def restore_user(
    session: Session, user: User, data: dict[str, Any], *, replace: bool = False
) -> RestoreResult:
    """Write a backup's rows as ``user``'s, inside the caller's transaction.

    Refuses when the user already has data, unless ``replace``, which first deletes it all.
    """
    tables = owned_tables()
    by_name = {o.name: o for o in tables}
    given: dict[str, Any] = data["tables"]
    _check_shape(given, by_name)

    existing = count_user_rows(session, user)
    if any(existing.values()) and not replace:
        held = ", ".join(f"{n} {t}" for t, n in existing.items() if n)
        raise BackupError(
            f"user {user.name!r} already has data ({held}); restore with --replace to delete it "
            "and use the backup instead"
        )
    replaced = {t: n for t, n in existing.items() if n}
    for item in reversed(tables):  # children first: their filter goes through their parents
        session.execute(delete(item.table).where(_owner_filter(item, user, by_name)))

    new_ids: dict[str, dict[int, Any]] = {}
    restored: dict[str, int] = {}
    for item in tables:
        rows = given.get(item.name, [])
        mapping: dict[int, Any] = {}
        for index, row in enumerate(rows, start=1):
            values = _row_values(item, row, index, user, new_ids)
            statement = insert(item.table).values(**values)
            # A failure leaves the transaction to be rolled back by the caller: all or nothing.
            try:
                if item.renumbered_key is not None:
                    key = item.table.c[item.renumbered_key]
                    inserted = session.execute(statement.returning(key)).scalar_one()
                    position = row.get(item.renumbered_key)
                    mapping[position if isinstance(position, int) else index] = inserted
                else:
                    session.execute(statement)
            except IntegrityError as exc:
                reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
                raise BackupError(
                    f"backup table {item.name!r}, row {index}: cannot be stored ({reason})"
                ) from None
        if item.renumbered_key is not None:
            new_ids[item.name] = mapping
        restored[item.name] = len(rows)
    session.flush()
    return RestoreResult(restored, replaced)


def _row_values(
    item: OwnedTable,
    row: dict[str, Any],
    index: int,
    user: User,
    new_ids: dict[str, dict[int, Any]],
) -> dict[str, Any]:
    where = f"backup table {item.name!r}, row {index}"
    values: dict[str, Any] = {}
    if OWNER_COLUMN in item.table.c:
        values[OWNER_COLUMN] = user.id
    for name, raw in row.items():
        if name == item.renumbered_key:
            continue
        target_table = item.references.get(name)
        if raw is not None and target_table is not None and target_table in new_ids:
            target = new_ids[target_table]
            if raw not in target:
                raise BackupError(
                    f"{where}: {name} refers to row {raw} of {target_table!r}, "
                    "which is not in the backup"
                )
            values[name] = target[raw]
            continue
        try:
            values[name] = _decode(item.table.c[name], raw)
        except (TypeError, ValueError) as exc:
            raise BackupError(f"{where}: bad {name} value {raw!r} ({exc})") from None
    return values
