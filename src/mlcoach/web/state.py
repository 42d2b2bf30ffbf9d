"""What every request handler reaches through `request.app.state.web`."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
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

    def local_user(self) -> Any:
        """Single-user mode's one user, read once (its row never changes while serving)."""
        if self._local_user is None:
            from mlcoach.store.models import User

            with self.database.session() as db:
                self._local_user = db.get(User, self.default_user_id)
        return self._local_user
