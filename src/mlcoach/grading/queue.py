"""Grading many people's answers at once: answers that arrive together share one model pass.

A server gets answers one request at a time. Grading each on its own runs the embedding model once
per answer, and two or more at once on a small machine fight for the cores (and for Python's lock
between NumPy calls), so each takes several times longer than alone. A `GradingQueue` has one
worker thread that takes every answer waiting (up to ``max_batch``, after waiting ``max_wait``
seconds for company when fewer are there) and grades them with one `Grader.grade_many` call, which
embeds all their sentences in one pass. Each caller gets its own grade through a future.

    queue = GradingQueue()               # the process's grader (`load_grader`), loaded on first use
    grade = queue.grade(question, text)  # blocks this thread; or queue.submit(...) for a future
    queue.close()

The queue is bounded: past ``max_pending`` waiting answers `submit` raises `GradingBusyError` with
how long to wait, instead of letting waits grow without end.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass

from mlcoach.catalog.models import Question
from mlcoach.errors import MlcoachError
from mlcoach.grading.grader import Grader, load_grader
from mlcoach.grading.result import Grade

log = logging.getLogger("mlcoach.grading")

MAX_BATCH = 16
# Long enough for answers sent in the same instant to meet, far below what a person notices.
MAX_WAIT = 0.004
# Past this many answers waiting (several seconds of grading), a new one is refused at once.
MAX_PENDING = 100


class GradingBusyError(MlcoachError):
    """More answers are waiting to be graded than the queue holds; try again after a moment."""

    def __init__(self, pending: int, retry_after: float) -> None:
        self.pending = pending
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(
            f"the grader is busy ({pending} answers waiting); "
            f"send the answer again in {self.retry_after} s"
        )


class GradingQueueClosed(GradingBusyError):
    """The queue is closed (the server is stopping): like busy, the answer can be sent again."""

    def __init__(self) -> None:
        MlcoachError.__init__(self, "the grader is shutting down; send the answer again shortly")
        self.pending = 0
        self.retry_after = 5


@dataclass
class _Item:
    question: Question
    answer: str
    future: Future[Grade]


class GradingQueue:
    """Answers from many threads graded in shared batches by one worker thread.

    ``grader`` is a `Grader` or a function returning one (called in the worker at each batch, so
    the default, `load_grader`, loads the model on first use rather than when the queue is made).
    It has ``grade`` and ``grade_many`` like a `Grader`, so it can stand in for one.
    """

    def __init__(
        self,
        grader: Grader | Callable[[], Grader] | None = None,
        *,
        max_batch: int = MAX_BATCH,
        max_wait: float = MAX_WAIT,
        max_pending: int = MAX_PENDING,
        name: str = "mlcoach-grading",
    ) -> None:
        if max_batch < 1 or max_pending < 1 or max_wait < 0:
            raise ValueError("max_batch and max_pending must be at least 1, max_wait at least 0")
        if grader is None:
            self._get_grader: Callable[[], Grader] = load_grader
        elif isinstance(grader, Grader):
            fixed = grader
            self._get_grader = lambda: fixed
        else:
            self._get_grader = grader
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.max_pending = max_pending
        self._items: deque[_Item] = deque()
        self._cond = threading.Condition()
        self._closed = False
        # Seconds per answer, smoothed: what a busy caller is told to wait.
        self._per_answer = 0.05
        self.batches = 0
        self.graded = 0
        self.name = name
        # Started with the first answer: an app or test that never grades has no idle thread.
        self._worker: threading.Thread | None = None

    @property
    def pending(self) -> int:
        """Answers waiting for the worker (not counting the batch being graded)."""
        with self._cond:
            return len(self._items)

    def submit(self, question: Question, answer: str) -> Future[Grade]:
        """Queue an answer; the future gets its grade, or the error grading it raised."""
        future: Future[Grade] = Future()
        with self._cond:
            if self._closed:
                raise GradingQueueClosed()
            pending = len(self._items)
            if pending >= self.max_pending:
                raise GradingBusyError(pending, pending * self._per_answer)
            self._items.append(_Item(question, answer, future))
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._worker.start()
            self._cond.notify()
        return future

    def grade(self, question: Question, answer: str) -> Grade:
        """Grade one answer, waiting in this thread for its batch."""
        return self.submit(question, answer).result()

    def grade_many(self, items: Iterable[tuple[Question, str]]) -> list[Grade]:
        """Grade several answers (one caller's batch, such as a design answer's parts).

        They go to the grader directly in the calling thread: they are a batch already, and
        queueing them one by one could overfill the queue for everyone else."""
        return self._get_grader().grade_many(items)

    def close(self, timeout: float | None = 30.0) -> None:
        """Stop taking answers; those already queued are graded first."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            worker = self._worker
        if worker is not None and threading.current_thread() is not worker:
            worker.join(timeout)

    def __enter__(self) -> GradingQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the worker ------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            try:
                self._grade_batch(batch)
            except BaseException as exc:
                # The worker is going down (an interpreter exit, a bug): no caller may wait on it
                # for ever.
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(exc)
                raise

    def _next_batch(self) -> list[_Item] | None:
        with self._cond:
            while not self._items:
                if self._closed:
                    return None
                self._cond.wait()
            if len(self._items) < self.max_batch and self.max_wait > 0 and not self._closed:
                deadline = time.monotonic() + self.max_wait
                while len(self._items) < self.max_batch and not self._closed:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)
            count = min(self.max_batch, len(self._items))
            return [self._items.popleft() for _ in range(count)]

    def _grade_batch(self, batch: list[_Item]) -> None:
        # A caller that gave up (its future cancelled) is not graded.
        live = [item for item in batch if item.future.set_running_or_notify_cancel()]
        if not live:
            return
        started = time.perf_counter()
        try:
            grader = self._get_grader()
        except Exception as exc:  # the model cannot load: every caller hears why
            for item in live:
                item.future.set_exception(exc)
            return
        try:
            grades = grader.grade_many([(item.question, item.answer) for item in live])
        except Exception:
            # One answer the grader chokes on must not fail the others: grade each on its own,
            # so only the answer at fault gets the error.
            log.debug("a batch of %d answers failed; grading them one by one", len(live))
            for item in live:
                try:
                    item.future.set_result(grader.grade(item.question, item.answer))
                except Exception as exc:
                    item.future.set_exception(exc)
        else:
            for item, grade in zip(live, grades, strict=True):
                item.future.set_result(grade)
        elapsed = time.perf_counter() - started
        self._per_answer = 0.8 * self._per_answer + 0.2 * (elapsed / len(live))
        self.batches += 1
        self.graded += len(live)
