"""Storage: SQLAlchemy models, Alembic migrations, and the operations capabilities record through."""

from mlcoach.store.attempts import list_attempts, record_attempt
from mlcoach.store.database import Database, get_or_create_user
from mlcoach.store.models import DEFAULT_USER_NAME, Attempt, Base, User

__all__ = [
    "DEFAULT_USER_NAME",
    "Attempt",
    "Base",
    "Database",
    "User",
    "get_or_create_user",
    "list_attempts",
    "record_attempt",
]
