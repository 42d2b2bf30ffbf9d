"""The pages in single-user mode, driven as a browser without JavaScript would: GETs and form POSTs."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from mlcoach.catalog import Catalog
from mlcoach.web.state import DrillRegistry
from tests.web.conftest import form_token


def _answer(client: TestClient, question_id: str, answer: str, token: str | None = None) -> object:
    token = token or form_token(client, f"/questions/{question_id}")
    return client.post(
        f"/questions/{question_id}/answer",
        data={"csrf_token": token, "answer": answer},
        follow_redirects=False,
    )


def test_dashboard_shows_progress_and_a_chart_per_topic(
    client: TestClient, catalog: Catalog
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'data-testid="due-today">0<' in page.text
    assert "<svg" in page.text and 'aria-label="Mastery per topic"' in page.text
    for topic in catalog.topics.values():
        if any(q.topic == topic.slug for q in catalog.questions.values()):
            assert f"/questions?topic={topic.slug}" in page.text


def test_answering_a_question_shows_the_explained_grade(
    client: TestClient, catalog: Catalog
) -> None:
    question = (
        catalog.question("splits-why-three-sets")
        if "splits-why-three-sets" in catalog.questions
        else next(iter(catalog.questions.values()))
    )
    response = _answer(client, question.id, question.answer)
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/attempts/\d+", location)
    page = client.get(location)
    assert page.status_code == 200
    assert 'data-testid="score"' in page.text
    # Every key point is listed as made or missed, and the model answer is shown.
    for point in question.key_points:
        assert point.text in html.unescape(page.text)
    assert page.text.count('class="made"') + page.text.count('class="missed"') == len(
        question.key_points
    )
    assert "Model answer" in page.text
    # It is in the history and on the dashboard, and today counts toward the streak.
    assert location in client.get("/history").text
    dashboard = client.get("/").text
    assert location in dashboard
    assert 'data-testid="streak">1<' in dashboard


def test_a_weak_answer_misses_points(client: TestClient, catalog: Catalog) -> None:
    question = next(iter(catalog.questions.values()))
    page = client.get(
        _answer(client, question.id, "I am not sure, something about data.").headers["location"]
    )
    assert page.text.count('class="missed"') == len(question.key_points)


def test_an_empty_answer_is_sent_back_with_a_reason(client: TestClient, catalog: Catalog) -> None:
    question = next(iter(catalog.questions.values()))
    response = _answer(client, question.id, "   ")
    assert response.status_code == 422
    assert "an empty answer is not graded; type your answer or skip" in response.text
    assert 'name="answer"' in response.text
    # The same in a drill: the card stays on screen, waiting for an answer or a skip.
    card = client.get("/practice").text
    drilled = re.search(r'name="question_id" value="([^"]+)"', card).group(1)  # type: ignore[union-attr]
    refused = client.post(
        "/practice/answer",
        data={"csrf_token": form_token(client), "question_id": drilled, "answer": "\n \t"},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "an empty answer is not graded; type your answer or skip" in refused.text
    assert f'name="question_id" value="{drilled}"' in client.get("/practice").text
    assert "No answers yet." in client.get("/history").text


def test_forms_without_the_session_token_are_refused(client: TestClient, catalog: Catalog) -> None:
    question = next(iter(catalog.questions.values()))
    client.get("/")
    assert _answer(client, question.id, "an answer", token="forged").status_code == 403
    missing = client.post(f"/questions/{question.id}/answer", data={"answer": "an answer"})
    assert missing.status_code == 403
    assert "Reload the page" in missing.text
    # A fresh client (another site's page, without our cookie) cannot reuse a token either.
    token = form_token(client, "/")
    other = TestClient(client.app, base_url="http://127.0.0.1")
    assert _answer(other, question.id, "an answer", token=token).status_code == 403


def test_answers_and_bodies_over_the_limits_are_refused(
    client: TestClient, catalog: Catalog
) -> None:
    question = next(iter(catalog.questions.values()))
    response = _answer(client, question.id, "word " * 14_000)  # 70 KB, within the body limit
    assert response.status_code == 413
    assert "limit is 64 KB" in response.text
    huge = client.post(
        f"/questions/{question.id}/answer",
        data={"csrf_token": form_token(client), "answer": "x" * 400_000},
    )
    assert huge.status_code == 413


def test_unknown_pages_and_questions_are_404_pages(client: TestClient) -> None:
    page = client.get("/questions/no-such-question")
    assert page.status_code == 404
    assert "no question with id 'no-such-question'" in html.unescape(page.text)
    assert client.get("/nowhere").status_code == 404
    assert client.get("/attempts/999999").status_code == 404


def test_question_filters(client: TestClient, catalog: Catalog) -> None:
    topic = next(iter(catalog.topics))
    page = client.get("/questions", params={"topic": topic, "difficulty": "hard"})
    expected = catalog.find_questions(topic=topic, difficulty="hard")
    assert f"{len(expected)} question" in page.text
    for q in expected:
        assert f'href="/questions/{q.id}"' in page.text


def test_a_drill_grades_then_records_the_rating(client: TestClient) -> None:
    page = client.get("/practice")
    assert page.status_code == 200
    question_id = re.search(r'name="question_id" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    graded = client.post(
        "/practice/answer",
        data={
            "csrf_token": form_token(client),
            "question_id": question_id,
            "answer": "A first try at it.",
        },
        follow_redirects=False,
    )
    assert graded.status_code == 303
    attempt = client.get(graded.headers["location"])
    assert "How well did you recall it?" in attempt.text
    assert attempt.text.count('name="rating"') == 4
    rated = client.post("/practice/rate", data={"csrf_token": form_token(client), "rating": "1"})
    assert rated.status_code == 200  # followed to the next card
    assert "Recorded “Again”" in rated.text
    assert 'data-testid="due-today">1<' in client.get("/").text  # "Again" brings it back today


def test_skipping_a_drill_card_moves_on(client: TestClient) -> None:
    first = re.search(r'name="question_id" value="([^"]+)"', client.get("/practice").text).group(1)  # type: ignore[union-attr]
    after = client.post("/practice/skip", data={"csrf_token": form_token(client)})
    second = re.search(r'name="question_id" value="([^"]+)"', after.text).group(1)  # type: ignore[union-attr]
    assert first != second


def test_static_assets_ship_with_the_package(client: TestClient) -> None:
    editor = client.get("/static/editor.js")
    assert editor.status_code == 200 and len(editor.content) > 100_000
    assert b"data-editor" in editor.content
    assert client.get("/static/htmx.min.js").status_code == 200
    assert client.get("/static/style.css").status_code == 200


def test_responses_carry_safe_headers_and_cookie_flags(client: TestClient) -> None:
    response = client.get("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = TestClient(client.app, base_url="https://127.0.0.1").get("/")
    assert "Secure" in secure.headers["set-cookie"]


def test_single_user_mode_answers_only_to_loopback_names(client: TestClient) -> None:
    # A page elsewhere pointing its own domain at 127.0.0.1 (DNS rebinding) gets nothing.
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"host": "localhost:8000"}).status_code == 200


def test_pages_load_nothing_from_other_hosts(client: TestClient) -> None:
    for path in ("/", "/questions", "/practice", "/problems", "/review", "/history", "/api"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert not re.search(r'(src|href|action)="(https?:)?//', page.text), path


def test_a_drill_answer_can_be_rated_after_the_server_forgot_the_drill(
    client: TestClient,
) -> None:
    """A restart, or another web process, loses the drill in memory; the rating still lands."""
    page = client.get("/practice")
    question_id = re.search(r'name="question_id" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    graded = client.post(
        "/practice/answer",
        data={"csrf_token": form_token(client), "question_id": question_id, "answer": "A guess."},
        follow_redirects=False,
    )
    attempt_url = graded.headers["location"]
    attempt_id = attempt_url.rsplit("/", 1)[1]
    client.app.state.web.drills = DrillRegistry()  # type: ignore[attr-defined]

    attempt = client.get(attempt_url)
    assert "How well did you recall it?" in attempt.text
    assert f'name="attempt_id" value="{attempt_id}"' in attempt.text
    rated = client.post(
        "/practice/rate",
        data={"csrf_token": form_token(client), "rating": "3", "attempt_id": attempt_id},
    )
    assert "Recorded “Good”" in rated.text
    assert "How well did you recall it?" not in client.get(attempt_url).text  # rated once
    again = client.post(
        "/practice/rate",
        data={"csrf_token": form_token(client), "rating": "1", "attempt_id": attempt_id},
    )
    assert "already rated" in again.text
