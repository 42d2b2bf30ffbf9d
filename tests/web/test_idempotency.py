"""A retried answer (lost response, double click, reload) is stored once, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from mlcoach.catalog import Catalog
from tests.web.conftest import AppFactory


@pytest.fixture
def on_database(make_client: AppFactory, database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MLCOACH_DATABASE_URL", database_url)
    return make_client


def _attempts(client: TestClient) -> list[dict[str, object]]:
    return client.get("/api/v1/attempts").json()  # type: ignore[no-any-return]


def test_the_api_stores_a_retried_answer_once(on_database: AppFactory, catalog: Catalog) -> None:
    client = on_database()
    question = next(iter(catalog.questions.values()))
    body = {"question_id": question.id, "answer": "a model is fit on the training set only"}
    key = {"Idempotency-Key": "3f1c0a1e-retry-me"}
    first = client.post("/api/v1/grades", json=body, headers=key)
    again = client.post("/api/v1/grades", json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(_attempts(client)) == 1

    other = client.post("/api/v1/grades", json={**body, "answer": "something else"}, headers=key)
    assert other.status_code == 422 and "different answer" in other.json()["detail"]
    # Without a key every post is a new answer.
    client.post("/api/v1/grades", json=body)
    client.post("/api/v1/grades", json=body)
    assert len(_attempts(client)) == 3


def test_a_resent_answer_form_is_stored_once(on_database: AppFactory, catalog: Catalog) -> None:
    client = on_database()
    question = next(iter(catalog.questions.values()))
    page = client.get(f"/questions/{question.id}").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert csrf and key
    form = {"csrf_token": csrf.group(1), "idempotency_key": key.group(1), "answer": "bias"}
    sent = [
        client.post(f"/questions/{question.id}/answer", data=form, follow_redirects=False)
        for _ in range(3)
    ]
    assert {r.status_code for r in sent} == {303}
    assert len({r.headers["location"] for r in sent}) == 1
    assert len(_attempts(client)) == 1
    # The page renders a new key each time: answering again on purpose is a new attempt.
    fresh = re.search(
        r'name="idempotency_key" value="([^"]+)"', client.get(f"/questions/{question.id}").text
    )
    assert fresh and fresh.group(1) != key.group(1)


def test_a_resent_mock_answer_form_is_recorded_once(on_database: AppFactory) -> None:
    client = on_database()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/mock").text)
    assert token
    started = client.post(
        "/mock",
        data={
            "csrf_token": token.group(1),
            "role": "data-science",
            "minutes": "10",
            "rounds": "concepts",
        },
        follow_redirects=False,
    )
    session = started.headers["location"]
    client.post(f"{session}/begin", data={"csrf_token": token.group(1)})
    page = client.get(session).text
    prompt_id = re.search(r'name="prompt_id" value="([^"]+)"', page)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert prompt_id and key
    form = {
        "csrf_token": token.group(1),
        "prompt_id": prompt_id.group(1),
        "idempotency_key": key.group(1),
        "answer": "regularisation adds a penalty on the weights to the loss",
    }
    for _ in range(3):
        sent = client.post(f"{session}/answer", data=form, follow_redirects=False)
        assert sent.status_code == 303
        shown = client.get(session).text
        # Every copy shows the first answer's outcome, never "already closed".
        assert "Answer scored" in shown and "already closed" not in shown
    assert len(_attempts(client)) == 1
    assert re.search(r'name="prompt_id" value="([^"]+)"', shown).group(1) != prompt_id.group(1)  # type: ignore[union-attr]
