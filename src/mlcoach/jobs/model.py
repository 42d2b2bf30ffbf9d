"""What a job is, as the rest of mlcoach sees it: plain values, not database rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

from mlcoach.catalog import Catalog, catalog_cache_dir, load_catalog
from mlcoach.config import Settings
from mlcoach.store import Database
from mlcoach.store.models import Job

JobState = Literal["queued", "running", "done", "failed"]
FINISHED: tuple[JobState, ...] = ("done", "failed")


@dataclass(frozen=True)
class JobStatus:
    """A job's state and, once finished, its result or the reason it failed."""

    id: str
    kind: str
    state: JobState
    user_id: int
    payload: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    worker: str | None
    attachment_name: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def duration_ms(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds() * 1000

    @classmethod
    def of(cls, row: Job) -> JobStatus:
        state: JobState = row.state  # type: ignore[assignment]  # the column only holds these
        return cls(
            id=row.id,
            kind=row.kind,
            state=state,
            user_id=row.user_id,
            payload=dict(row.payload),
            result=row.result,
            error=row.error,
            worker=row.worker,
            attachment_name=row.attachment_name,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON the API returns for a job."""
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "result": self.result,
            "error": self.error,
            "worker": self.worker,
            "created_at": self.created_at.isoformat(),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


@dataclass(frozen=True)
class JobInput:
    """What a job handler is given: the payload and any uploaded file, never the database row."""

    id: str
    kind: str
    user_id: int
    payload: dict[str, Any]
    attachment: bytes | None = None
    attachment_name: str | None = None


@dataclass
class JobEnv:
    """What handlers may use: the settings, the database and the curriculum (loaded on first use)."""

    settings: Settings
    database: Database
    catalog_loader: Callable[[], Catalog] | None = None

    @cached_property
    def catalog(self) -> Catalog:
        if self.catalog_loader is not None:
            return self.catalog_loader()
        return load_catalog(
            [self.settings.deck_dir], cache_dir=catalog_cache_dir(self.settings.data_dir)
        )


Handler = Callable[[JobInput, JobEnv], dict[str, Any]]
