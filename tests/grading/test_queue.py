"""The grading queue: answers sent at once share a model pass, and each still gets its own grade."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from mlcoach.catalog import Catalog, Question
from mlcoach.grading import Grader, GradingBusyError, GradingQueue, GradingQueueClosed


def _answers(catalog: Catalog, n: int) -> list[tuple[Question, str]]:
    questions = sorted(catalog.questions.values(), key=lambda q: q.id)[:n]
    # Part of what is expected, in the words of the key points, as a decent candidate says it.
    return [(q, " ".join(k.text for k in q.key_points[:2])) for q in questions]


def _held(grader: Grader) -> tuple[Callable[[], Grader], threading.Event]:
    """The grader, handed to the queue's worker only once the event is set: while it is not, the
    worker is stuck on its first batch and everything sent meanwhile waits in the queue."""
    release = threading.Event()

    def get() -> Grader:
        assert release.wait(60), "the test never released the grader"
        return grader

    return get, release


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_answers_sent_at_once_get_the_grades_they_get_one_by_one(
    semantic: Grader, catalog: Catalog
) -> None:
    items = _answers(catalog, 12)
    alone = [semantic.grade(q, a).as_dict() for q, a in items]
    with GradingQueue(semantic, max_batch=16) as queue, ThreadPoolExecutor(12) as pool:
        together = list(pool.map(lambda item: queue.grade(*item).as_dict(), items))
    assert [g["question_id"] for g in together] == [q.id for q, _ in items]
    assert [g["score"] for g in together] == [g["score"] for g in alone]
    assert [[p["made"] for p in g["points"]] for g in together] == [
        [p["made"] for p in g["points"]] for g in alone
    ]


def test_answers_waiting_while_the_grader_is_busy_are_graded_in_one_batch(
    semantic: Grader, catalog: Catalog
) -> None:
    items = _answers(catalog, 7)
    get, release = _held(semantic)
    with GradingQueue(get, max_batch=16, max_wait=0) as queue:
        first = queue.submit(*items[0])
        _wait_until(lambda: queue.pending == 0)  # the worker holds it, waiting for the grader
        rest = [queue.submit(q, a) for q, a in items[1:]]
        assert queue.pending == 6
        release.set()
        grades = [f.result(timeout=60) for f in [first, *rest]]
    assert [g.question_id for g in grades] == [q.id for q, _ in items]
    assert queue.graded == 7 and queue.batches == 2  # the first alone, then the six together


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the broken question's empty mean
def test_an_answer_the_grader_fails_on_does_not_fail_the_others_in_its_batch(
    semantic: Grader, catalog: Catalog
) -> None:
    items = _answers(catalog, 4)
    question, answer = items[1]
    # A question without key points cannot be graded (the catalog refuses to load one; built
    # here past validation, as a broken deck entry would reach the grader).
    broken = question.model_copy(update={"key_points": ()})
    get, release = _held(semantic)
    with GradingQueue(get, max_wait=0) as queue:
        holder = queue.submit(*items[0])
        _wait_until(lambda: queue.pending == 0)
        good = [queue.submit(*items[2]), queue.submit(*items[3])]
        bad = queue.submit(broken, answer)
        release.set()
        assert holder.result(timeout=60).question_id == items[0][0].id
        assert [f.result(timeout=60).question_id for f in good] == [items[2][0].id, items[3][0].id]
        with pytest.raises(Exception) as failure:
            bad.result(timeout=60)
    assert not isinstance(failure.value, GradingBusyError | GradingQueueClosed)
    expected = [semantic.grade(*items[2]).score, semantic.grade(*items[3]).score]
    assert [f.result().score for f in good] == expected


def test_a_full_queue_refuses_with_how_long_to_wait_instead_of_queueing_forever(
    lexical: Grader, catalog: Catalog
) -> None:
    items = _answers(catalog, 4)
    get, release = _held(lexical)
    with GradingQueue(get, max_pending=2, max_wait=0) as queue:
        graded = [queue.submit(*items[0])]
        _wait_until(lambda: queue.pending == 0)
        graded += [queue.submit(*items[1]), queue.submit(*items[2])]
        with pytest.raises(GradingBusyError) as busy:
            queue.submit(*items[3])
        assert busy.value.retry_after >= 1
        assert "busy" in str(busy.value) and f"{busy.value.retry_after} s" in str(busy.value)
        release.set()
        assert [f.result(timeout=60).question_id for f in graded] == [q.id for q, _ in items[:3]]
        # Once the queue has drained there is room again.
        assert queue.grade(*items[3]).question_id == items[3][0].id


def test_closing_grades_what_was_queued_and_refuses_what_comes_after(
    lexical: Grader, catalog: Catalog
) -> None:
    items = _answers(catalog, 3)
    get, release = _held(lexical)
    queue = GradingQueue(get, max_wait=0)
    queued = [queue.submit(q, a) for q, a in items]
    release.set()
    queue.close()
    assert [f.result(timeout=1).question_id for f in queued] == [q.id for q, _ in items]
    with pytest.raises(GradingQueueClosed) as closed:
        queue.submit(*items[0])
    # Callers treat it as busy: the web answers 503 with Retry-After.
    assert isinstance(closed.value, GradingBusyError) and closed.value.retry_after >= 1


def test_a_grader_that_cannot_load_tells_every_waiting_caller_why(catalog: Catalog) -> None:
    from mlcoach.grading import GraderUnavailableError, load_grader

    def unavailable() -> Grader:
        return load_grader("bert")

    with GradingQueue(unavailable) as queue:
        waiting = [queue.submit(q, a) for q, a in _answers(catalog, 2)]
        for future in waiting:
            with pytest.raises(GraderUnavailableError, match="unknown grader 'bert'"):
                future.result(timeout=60)
