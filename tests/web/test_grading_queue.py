"""Many answers at once on the web: they share the grader's batches, and past the queue's length the
app answers "busy" (503) with Retry-After instead of keeping people waiting without end."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mlcoach.catalog import Catalog, Question
from mlcoach.grading import Grader, GradingQueue, load_grader
from tests.web.conftest import AppFactory, csrf_of


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


class Held:
    """The app's grading queue with its grader held back until `release`: the worker is stuck on
    the first answer, so whatever is sent meanwhile waits in the queue."""

    def __init__(self, client: TestClient, max_pending: int, question: Question) -> None:
        self.release_event = threading.Event()
        grader = load_grader("lexical")

        def get() -> Grader:
            assert self.release_event.wait(60)
            return grader

        self.queue = GradingQueue(get, max_pending=max_pending, max_wait=0)
        client.app.state.web.grading = self.queue  # type: ignore[attr-defined]
        self.first = self.queue.submit(question, "an answer that keeps the worker busy")
        _wait_until(lambda: self.queue.pending == 0)

    def release(self) -> None:
        self.release_event.set()


@pytest.fixture
def question(catalog: Catalog) -> Question:
    return next(iter(catalog.questions.values()))


@pytest.fixture
def held(client: TestClient, question: Question) -> Iterator[Callable[[int], Held]]:
    made: list[Held] = []

    def make(max_pending: int) -> Held:
        made.append(Held(client, max_pending, question))
        return made[-1]

    yield make
    for h in made:
        h.release()
        h.queue.close()


def test_answers_posted_together_are_graded_in_one_batch(
    client: TestClient, question: Question, held: Callable[[int], Held]
) -> None:
    queue = held(20)
    body = {"question_id": question.id, "answer": "fit the scaler on the training data only"}
    with ThreadPoolExecutor(6) as pool:
        posts = [pool.submit(client.post, "/api/v1/grades", json=body) for _ in range(6)]
        _wait_until(lambda: queue.queue.pending == 6)
        queue.release()
        responses = [p.result(timeout=60) for p in posts]
    assert [r.status_code for r in responses] == [201] * 6
    assert len({r.json()["attempt_id"] for r in responses}) == 6
    assert queue.queue.batches == 2  # the held answer, then the six posted together
    assert len(client.get("/api/v1/attempts").json()) == 6


def test_a_full_queue_answers_503_with_retry_after(
    client: TestClient, question: Question, held: Callable[[int], Held]
) -> None:
    queue = held(1)
    queue.queue.submit(question, "this one fills the queue")
    body = {"question_id": question.id, "answer": "the model is fit on the training set"}
    busy = client.post("/api/v1/grades", json=body, headers={"Idempotency-Key": "busy-1"})
    assert busy.status_code == 503
    assert int(busy.headers["retry-after"]) >= 1
    assert "busy" in busy.json()["detail"]

    page = client.get(f"/questions/{question.id}").text
    form = {"csrf_token": csrf_of(page), "answer": body["answer"]}
    refused = client.post(f"/questions/{question.id}/answer", data=form, follow_redirects=False)
    assert refused.status_code == 503 and int(refused.headers["retry-after"]) >= 1
    assert "busy" in refused.text

    queue.release()
    _wait_until(lambda: queue.queue.pending == 0)
    # Nothing was stored for the refused answers; sent again (same key), the answer is graded.
    assert client.get("/api/v1/attempts").json() == []
    again = client.post("/api/v1/grades", json=body, headers={"Idempotency-Key": "busy-1"})
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers


def test_a_drill_answer_goes_through_the_queue(make_client: AppFactory, question: Question) -> None:
    client = make_client()
    card = client.get("/api/v1/drills/next").json()
    answered = client.post(
        "/api/v1/drills/answer",
        json={"question_id": card["question"]["id"], "answer": "regularisation shrinks weights"},
    )
    assert answered.status_code == 201
    assert client.app.state.web.grading.graded == 1  # type: ignore[attr-defined]


def test_the_server_grades_with_the_grader_its_settings_choose_and_keeps_vectors_on_disk(
    make_client: AppFactory,
    question: Question,
    isolated_data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLCOACH_GRADER", "semantic")
    client = make_client()
    body = {"question_id": question.id, "answer": "fit the scaler on the training data only"}
    graded = client.post("/api/v1/grades", json=body)
    assert graded.status_code == 201, graded.text
    assert graded.json()["grade"]["backend"] == "semantic"
    # The key points' vectors are kept in the data folder: a restarted server does not embed the
    # curriculum again.
    assert any((isolated_data_dir / "cache" / "embeddings").rglob("*.npy"))
