"""The JSON API: questions, grades, drills, problems, submissions as jobs, and job events."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from mlcoach.catalog import Catalog
from mlcoach.web.state import DrillRegistry
from tests.web.conftest import wait_for_job


def test_openapi_schema_describes_every_capability(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    for path in (
        "/api/v1/questions",
        "/api/v1/grades",
        "/api/v1/drills/next",
        "/api/v1/problems",
        "/api/v1/submissions",
        "/api/v1/reviews",
        "/api/v1/jobs/{job_id}",
        "/api/v1/jobs/{job_id}/events",
    ):
        assert path in paths
    assert not any(p.startswith("/questions") for p in paths)  # pages stay out of the schema


def test_questions_filter_and_hide_the_answer_unless_asked(
    client: TestClient, catalog: Catalog
) -> None:
    topic = next(iter(catalog.topics))
    listed = client.get("/api/v1/questions", params={"topic": topic, "limit": 500}).json()
    assert {q["id"] for q in listed} == {q.id for q in catalog.find_questions(topic=topic)}
    one = client.get(f"/api/v1/questions/{listed[0]['id']}").json()
    assert one["answer"] is None
    full = client.get(
        f"/api/v1/questions/{listed[0]['id']}", params={"include_answer": True}
    ).json()
    assert full["answer"] and len(full["key_points"]) >= 3
    missing = client.get("/api/v1/questions/no-such-thing")
    assert missing.status_code == 404 and "no question with id" in missing.json()["detail"]


def test_grading_records_an_attempt(client: TestClient, catalog: Catalog) -> None:
    question = next(iter(catalog.questions.values()))
    graded = client.post(
        "/api/v1/grades", json={"question_id": question.id, "answer": question.answer}
    )
    assert graded.status_code == 201
    body = graded.json()
    assert body["grade"]["score"] > 2
    assert len(body["grade"]["points"]) == len(question.key_points)
    attempt = client.get(f"/api/v1/attempts/{body['attempt_id']}").json()
    assert attempt["question_id"] == question.id and attempt["source"] == "web"
    assert [a["id"] for a in client.get("/api/v1/attempts").json()] == [body["attempt_id"]]


def test_changes_need_json_or_the_csrf_header(client: TestClient, catalog: Catalog) -> None:
    question = next(iter(catalog.questions.values()))
    payload = json.dumps({"question_id": question.id, "answer": "x"})
    # What a cross-site form or a no-cors fetch can send: no JSON content type, no header.
    for headers in ({"content-type": "text/plain"}, {}):
        refused = client.post("/api/v1/grades", content=payload, headers=headers)
        assert refused.status_code == 403
    token = client.get("/api/v1/session").json()["csrf_token"]
    allowed = client.post(
        "/api/v1/grades",
        content=payload,
        headers={"content-type": "text/plain", "x-csrf-token": token},
    )
    assert allowed.status_code != 403


def test_too_long_answers_get_413(client: TestClient, catalog: Catalog) -> None:
    question = next(iter(catalog.questions.values()))
    response = client.post(
        "/api/v1/grades", json={"question_id": question.id, "answer": "é" * 40_000}
    )
    assert response.status_code == 413
    assert "64 KB" in response.json()["detail"]


def test_an_empty_answer_gets_422_and_is_not_kept(client: TestClient, catalog: Catalog) -> None:
    question = next(iter(catalog.questions.values()))
    message = "an empty answer is not graded; type your answer or skip"
    for blank in ("", "  \n\t "):
        graded = client.post("/api/v1/grades", json={"question_id": question.id, "answer": blank})
        assert graded.status_code == 422 and graded.json()["detail"] == message
    qid = client.get("/api/v1/drills/next").json()["question"]["id"]
    drilled = client.post("/api/v1/drills/answer", json={"question_id": qid, "answer": "   "})
    assert drilled.status_code == 422 and drilled.json()["detail"] == message
    assert client.get("/api/v1/attempts").json() == []
    # The card is still on screen, waiting for a real answer.
    answered = client.post("/api/v1/drills/answer", json={"question_id": qid, "answer": "Hmm."})
    assert answered.status_code == 201


def test_a_drill_through_the_api(client: TestClient) -> None:
    card = client.get("/api/v1/drills/next").json()
    assert card["done"] is False and card["question"]["id"]
    qid = card["question"]["id"]
    answered = client.post(
        "/api/v1/drills/answer", json={"question_id": qid, "answer": "A short attempt."}
    )
    assert answered.status_code == 201
    assert 1 <= answered.json()["suggested_rating"] <= 4
    again = client.post("/api/v1/drills/answer", json={"question_id": qid, "answer": "Twice."})
    assert again.status_code == 409
    rated = client.post("/api/v1/drills/rate", json={"rating": 3})
    assert rated.status_code == 200 and rated.json()["question_id"] == qid
    progress = client.get("/api/v1/progress").json()
    assert progress["cards"] == 1 and progress["attempts"] == 1 and progress["streak_days"] == 1


def test_an_api_drill_of_one_topic_shows_only_that_topic(
    client: TestClient, catalog: Catalog
) -> None:
    topic = "ensembles"
    seen = set()
    for _ in range(3):
        card = client.get("/api/v1/drills/next", params={"topic": topic}).json()
        assert card["done"] is False
        qid = card["question"]["id"]
        assert catalog.question(qid).topic == topic
        seen.add(qid)
        client.post("/api/v1/drills/answer", json={"question_id": qid, "answer": "Not sure."})
        client.post("/api/v1/drills/rate", json={"rating": 1})
    assert len(seen) >= 2
    unknown = client.get("/api/v1/drills/next", params={"topic": "astrology"})
    assert unknown.status_code == 404 and unknown.json()["detail"] == "no topic named 'astrology'"


def test_a_drill_answer_is_rated_by_id_after_a_restart(client: TestClient) -> None:
    qid = client.get("/api/v1/drills/next").json()["question"]["id"]
    answered = client.post("/api/v1/drills/answer", json={"question_id": qid, "answer": "Hmm."})
    attempt_id = answered.json()["attempt_id"]
    client.app.state.web.drills = DrillRegistry()  # type: ignore[attr-defined]
    assert client.post("/api/v1/drills/rate", json={"rating": 2}).status_code == 409
    rated = client.post("/api/v1/drills/rate", json={"rating": 2, "attempt_id": attempt_id})
    assert rated.status_code == 200 and rated.json()["question_id"] == qid
    twice = client.post("/api/v1/drills/rate", json={"rating": 2, "attempt_id": attempt_id})
    assert twice.status_code == 409 and "already rated" in twice.json()["detail"]
    assert client.get("/api/v1/progress").json()["cards"] == 1


def test_submissions_are_jobs_to_poll(client: TestClient, catalog: Catalog) -> None:
    problem = next(p for p in catalog.problems.values() if p.kind == "algorithm")
    created = client.post(
        "/api/v1/submissions", json={"problem_id": problem.id, "code": problem.reference_solution}
    )
    assert created.status_code == 202
    submission = created.json()
    assert submission["job"]["state"] in ("queued", "running", "done")
    job = wait_for_job(client, submission["id"])
    assert job["state"] == "done"
    assert job["result"]["verdict"] == "Accepted"  # type: ignore[index]
    again = client.get(f"/api/v1/submissions/{submission['id']}").json()
    assert again["job"]["result"]["passed"] == len(problem.tests)
    listed = client.get("/api/v1/problems").json()
    assert next(p for p in listed if p["id"] == problem.id)["solved"] is True


def test_job_events_stream_until_the_job_is_done(client: TestClient, catalog: Catalog) -> None:
    problem = next(p for p in catalog.problems.values() if p.kind == "algorithm")
    job_id = client.post(
        "/api/v1/submissions", json={"problem_id": problem.id, "code": "def nope(:"}
    ).json()["id"]
    with client.stream("GET", f"/api/v1/jobs/{job_id}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(line[5:]) for line in stream.iter_lines() if line.startswith("data:")]
    assert events[-1]["state"] == "done"
    assert events[-1]["result"]["verdict"] == "Compile Error"
    states = [e["state"] for e in events]
    assert len(states) == len(set(states))  # one event per change of state


def test_unknown_problem_and_bad_mode(client: TestClient) -> None:
    assert (
        client.post("/api/v1/submissions", json={"problem_id": "nope", "code": "x"}).status_code
        == 404
    )
    bad = client.post(
        "/api/v1/submissions", json={"problem_id": "nope", "code": "x", "mode": "fast"}
    )
    assert bad.status_code == 422


def test_deleting_my_own_things(client: TestClient, catalog: Catalog) -> None:
    question = next(iter(catalog.questions.values()))
    attempt_id = client.post(
        "/api/v1/grades", json={"question_id": question.id, "answer": "an answer"}
    ).json()["attempt_id"]
    assert client.delete(f"/api/v1/attempts/{attempt_id}").status_code == 204
    assert client.get(f"/api/v1/attempts/{attempt_id}").status_code == 404
