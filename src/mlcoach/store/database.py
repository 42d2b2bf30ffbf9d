"""Opening the database, applying migrations, and transactional sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mlcoach.errors import StorageError
from mlcoach.store.models import DEFAULT_USER_NAME, User
from mlcoach.store.revisions import head_revision

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web app read while a job writes; a crash leaves committed pages intact.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(f"database URL {url!r} is not a valid SQLAlchemy URL") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except (ModuleNotFoundError, NoSuchModuleError) as exc:
        raise StorageError(
            f"no database driver for {parsed.drivername!r} ({exc}); "
            "use sqlite:///PATH, or postgresql+psycopg://... with mlcoach[postgres] installed"
        ) from None


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import (
        Config,
    )  # Alembic costs a third of a second to import: only when migrating.

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


class Database:
    """A database at one URL, migrated to the newest schema before it is used."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.upgrade()

    def current_revision(self) -> str | None:
        with self._connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return str(revision) if revision is not None else None

    def head_revision(self) -> str:
        return head_revision(MIGRATIONS_DIR)

    def upgrade(self) -> tuple[str | None, str | None]:
        """Bring the schema to the newest revision; returns (before, after)."""
        before = self.current_revision()
        head = self.head_revision()
        if before != head:
            from alembic import command

            try:
                command.upgrade(_alembic_config(self.engine), "head")
            except SQLAlchemyError as exc:
                raise StorageError(
                    f"could not migrate the database at {self.display_url}: {exc}"
                ) from None
        return before, head

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed as a whole when the block ends, rolled back if it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def default_user(self) -> User:
        with self.session() as session:
            return get_or_create_user(session, DEFAULT_USER_NAME)

    def dispose(self) -> None:
        self.engine.dispose()

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StorageError(
                f"cannot open the database at {self.display_url}: {reason}"
            ) from None


def get_or_create_user(session: Session, name: str) -> User:
    user = session.scalars(select(User).where(User.name == name)).one_or_none()
    if user is None:
        user = User(name=name)
        session.add(user)
        session.flush()
    return user
