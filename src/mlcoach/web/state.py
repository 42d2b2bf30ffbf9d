"""What every request handler reaches through `request.app.state.web`."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlcoach.catalog import Catalog
from mlcoach.config import Settings
from mlcoach.grading.queue import MAX_BATCH, GradingQueue
from mlcoach.jobs import Jobs
from mlcoach.store import Database
from mlcoach.web.security import SessionCodec


class DrillRegistry:
    """Each user's drill in progress: the card on screen and the answer waiting for a rating.

    A drill is a conversation (card, answer, rating) that `mlcoach.practice.DrillSession` keeps in
    memory; the web app holds one per user in this process. Everything answered and rated is in the
    database at once, so losing this (a restart) only loses the card on screen.
    """

    def __init__(self, capacity: int = 2000) -> None:
        self.capacity = capacity
        self._drills: OrderedDict[int, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.locks: dict[int, threading.Lock] = {}

    def get(self, user_id: int) -> Any | None:
        with self._lock:
            drill = self._drills.get(user_id)
            if drill is not None:
                self._drills.move_to_end(user_id)
            return drill

    def put(self, user_id: int, drill: Any) -> None:
        with self._lock:
            self._drills[user_id] = drill
            self._drills.move_to_end(user_id)
            while len(self._drills) > self.capacity:
                self._drills.popitem(last=False)

    def drop(self, user_id: int) -> None:
        with self._lock:
            self._drills.pop(user_id, None)

    def lock_for(self, user_id: int) -> threading.Lock:
        with self._lock:
            return self.locks.setdefault(user_id, threading.Lock())


DeckStamp = tuple[tuple[str, int, int, int], ...]


def deck_stamp(folder: Path) -> DeckStamp:
    """What a deck folder holds, as cheaply as the file system tells it: each content file's name,
    size, inode and time of change. Any upload, edit or replacement changes it (a deck is written
    to a new file and renamed into place)."""
    from mlcoach.catalog.loader import content_files

    if not folder.is_dir():
        return ()
    stamp = []
    for path in content_files(folder):
        try:
            info = path.stat()
        except OSError:  # removed while we looked: the next request sees the folder without it
            continue
        stamp.append((str(path.relative_to(folder)), info.st_size, info.st_ino, info.st_mtime_ns))
    return tuple(stamp)


class UserCatalogs:
    """Each account's practice catalog in team mode: the shared catalog plus that account's decks.

    Built from the shared catalog's parsed items and the account's files alone (under 1 ms for a
    card, ~50 ms for 300, not the second a whole curriculum takes), kept for the
    ``capacity`` accounts used most recently, and rebuilt when the account's deck folder changes,
    whichever process changed it.
    """

    def __init__(self, capacity: int = 32) -> None:
        self.capacity = capacity
        self._catalogs: OrderedDict[int, tuple[Catalog, DeckStamp, Catalog]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, base: Catalog, user_id: int, folder: Path) -> Catalog:
        from mlcoach.catalog import extend_catalog

        stamp = deck_stamp(folder)
        if not stamp:
            with self._lock:
                self._catalogs.pop(user_id, None)
            return base
        with self._lock:
            cached = self._catalogs.get(user_id)
            if cached is not None and cached[0] is base and cached[1] == stamp:
                self._catalogs.move_to_end(user_id)
                return cached[2]
        # Built outside the lock: one account's rebuild does not hold up the others. What does
        # not load is left out rather than refused, and near-duplicates are not looked for again:
        # each deck was checked when it was imported, and only a change to the shared catalog
        # since (a clashing id) can make it fail now.
        catalog = extend_catalog(base, [folder], near_duplicates=False).catalog
        with self._lock:
            self._catalogs[user_id] = (base, stamp, catalog)
            self._catalogs.move_to_end(user_id)
            while len(self._catalogs) > self.capacity:
                self._catalogs.popitem(last=False)
        return catalog

    def __len__(self) -> int:
        with self._lock:
            return len(self._catalogs)


@dataclass
class Web:
    settings: Settings
    catalog: Catalog
    database: Database
    jobs: Jobs
    codec: SessionCodec
    limiter: Any
    auth: bool
    default_user_id: int | None
    drills: DrillRegistry = field(default_factory=DrillRegistry)
    user_catalogs: UserCatalogs = field(default_factory=UserCatalogs)
    # Answers are graded by one worker in shared batches (mlcoach.grading.GradingQueue), which
    # bounds the CPU grading uses and answers "busy" (503) past its length.
    grading: GradingQueue = field(default_factory=GradingQueue)
    # Threads that may wait for a grade at once (form posts, drills), apart from the threads page
    # views use; enough for full batches to form.
    grading_slots: int = 2 * MAX_BATCH
    _local_user: Any = None
    _grading_limiter: Any = None

    def grading_limiter(self) -> Any:
        """The bounded pool of threads that wait for grades (made on the server's event loop, on
        first use)."""
        if self._grading_limiter is None:
            import anyio

            self._grading_limiter = anyio.CapacityLimiter(self.grading_slots)
        return self._grading_limiter

    def deck_dir(self, user: Any) -> Path:
        """Where ``user``'s decks are: the CLI's deck folder, or one per account in team mode."""
        if not self.auth:
            return Path(self.settings.deck_dir)
        return Path(self.settings.data_dir) / "user-decks" / str(user.id)

    def catalog_for(self, user: Any) -> Catalog:
        """What ``user`` practises: in team mode the shared catalog plus their own decks (no one
        else's), in single-user mode the one catalog (which already holds the deck folder)."""
        if not self.auth:
            return self.catalog
        return self.user_catalogs.get(self.catalog, user.id, self.deck_dir(user))

    def local_user(self) -> Any:
        """Single-user mode's one user, read once (its row never changes while serving)."""
        if self._local_user is None:
            from mlcoach.store.models import User

            with self.database.session() as db:
                self._local_user = db.get(User, self.default_user_id)
        return self._local_user
