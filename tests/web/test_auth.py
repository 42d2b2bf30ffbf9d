"""Team mode: accounts, sessions, and each user seeing and changing only their own things."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient

from mlcoach.catalog import Catalog
from mlcoach.web.security import Rate
from tests.web.conftest import PASSWORD, AppFactory, form_token, sign_up, wait_for_job


@pytest.fixture
def team(make_client: AppFactory) -> AppFactory:
    return lambda **kw: make_client(auth=True, **kw)


def test_signed_out_visitors_are_sent_to_sign_in(team: AppFactory) -> None:
    client = team()
    page = client.get("/problems?kind=algorithm", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/signin?next=/problems%3Fkind%3Dalgorithm"
    assert client.get("/api/v1/attempts").status_code == 401
    assert client.get("/api/v1/session").json()["signed_in"] is False


def test_sign_up_sign_out_and_back_in(team: AppFactory) -> None:
    client = sign_up(team(), "ada")
    assert ">ada<" in client.get("/").text
    client.post("/signout", data={"csrf_token": form_token(client)})
    assert client.get("/", follow_redirects=False).status_code == 303
    token = form_token(client, "/signin")
    wrong = client.post(
        "/signin", data={"csrf_token": token, "name": "ada", "password": "not it at all"}
    )
    assert wrong.status_code == 400 and "wrong name or password" in wrong.text
    right = client.post(
        "/signin",
        data={"csrf_token": token, "name": "ADA", "password": PASSWORD, "next": "/history"},
        follow_redirects=False,
    )
    assert right.status_code == 303 and right.headers["location"] == "/history"


def test_sign_in_never_redirects_off_site(team: AppFactory) -> None:
    sign_up(team(), "ada")
    client = team()
    token = form_token(client, "/signin")
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(
            "/signin",
            data={"csrf_token": token, "name": "ada", "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"
        token = form_token(client, "/")


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("ab", PASSWORD, "3 to 40 characters"),
        ("local", PASSWORD, "reserved"),
        ("bob", "short", "at least 10"),
    ],
)
def test_sign_up_rules(team: AppFactory, name: str, password: str, message: str) -> None:
    client = team()
    response = client.post(
        "/signup",
        data={
            "csrf_token": form_token(client, "/signup"),
            "name": name,
            "password": password,
            "confirm": password,
        },
    )
    assert response.status_code == 400 and message in response.text


def test_a_taken_name_is_refused(team: AppFactory) -> None:
    sign_up(team(), "ada")
    response = team().post("/api/v1/users", json={"name": "ada", "password": PASSWORD})
    assert response.status_code == 400 and "taken" in response.json()["detail"]


def test_passwords_are_stored_as_argon2_hashes(team: AppFactory) -> None:
    client = sign_up(team(), "ada")
    web = client.app.state.web  # type: ignore[attr-defined]
    from sqlalchemy import select

    from mlcoach.store.models import User

    with web.database.session() as session:
        stored = session.scalars(select(User.password_hash).where(User.name == "ada")).one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_tampered_session_cookie_signs_you_out(team: AppFactory) -> None:
    client = sign_up(team(), "ada")
    value = client.cookies["mlcoach_session"]
    assert client.get("/", follow_redirects=False).status_code == 200
    client.cookies.clear()
    client.cookies.set(
        "mlcoach_session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    )
    assert client.get("/", follow_redirects=False).status_code == 303


def _make_everything(client: TestClient, catalog: Catalog) -> dict[str, str]:
    question = next(iter(catalog.questions.values()))
    problem = next(p for p in catalog.problems.values() if p.kind == "algorithm")
    attempt = client.post(
        "/api/v1/grades", json={"question_id": question.id, "answer": question.answer}
    )
    submission = client.post(
        "/api/v1/submissions", json={"problem_id": problem.id, "code": problem.reference_solution}
    )
    token = client.get("/api/v1/session").json()["csrf_token"]
    review = client.post(
        "/api/v1/reviews",
        files={
            "file": ("solution.py", io.BytesIO(b"import pandas as pd\nprint(1)\n"), "text/x-python")
        },
        headers={"x-csrf-token": token},
    )
    assert (
        attempt.status_code == 201 and submission.status_code == 202 and review.status_code == 202
    )
    wait_for_job(client, submission.json()["id"])
    wait_for_job(client, review.json()["id"])
    return {
        "attempt": str(attempt.json()["attempt_id"]),
        "submission": submission.json()["id"],
        "review": review.json()["id"],
    }


def test_users_see_only_their_own_data(team: AppFactory, catalog: Catalog) -> None:
    ada = sign_up(team(), "ada")
    bob = sign_up(team(), "bob")
    mine = _make_everything(ada, catalog)

    # Ada reads her things...
    assert ada.get(f"/api/v1/attempts/{mine['attempt']}").status_code == 200
    assert ada.get(f"/attempts/{mine['attempt']}").status_code == 200
    assert ada.get(f"/submissions/{mine['submission']}").status_code == 200
    assert ada.get(f"/reviews/{mine['review']}").status_code == 200

    # ...Bob, knowing the ids, is told they do not exist, on every page and API route.
    for path in (
        f"/attempts/{mine['attempt']}",
        f"/submissions/{mine['submission']}",
        f"/reviews/{mine['review']}",
        f"/api/v1/attempts/{mine['attempt']}",
        f"/api/v1/submissions/{mine['submission']}",
        f"/api/v1/reviews/{mine['review']}",
        f"/api/v1/jobs/{mine['submission']}",
        f"/api/v1/jobs/{mine['review']}",
        f"/api/v1/jobs/{mine['review']}/events",
    ):
        assert bob.get(path).status_code == 404, path
    for path in (
        f"/api/v1/attempts/{mine['attempt']}",
        f"/api/v1/submissions/{mine['submission']}",
        f"/api/v1/reviews/{mine['review']}",
    ):
        assert bob.delete(path).status_code == 404, path
    # Nor do Ada's things appear in Bob's lists, history or dashboard.
    assert bob.get("/api/v1/attempts").json() == []
    assert bob.get("/api/v1/submissions").json() == []
    assert bob.get("/api/v1/reviews").json() == []
    for tab in ("attempts", "submissions", "reviews"):
        assert not re.search(
            r"/(attempts|submissions|reviews)/[0-9a-f]+\"", bob.get(f"/history?tab={tab}").text
        )
    assert "answers given" in bob.get("/").text and 'data-testid="streak">0<' in bob.get("/").text

    # Ada's things survived Bob's attempts to delete them.
    assert ada.get(f"/api/v1/attempts/{mine['attempt']}").status_code == 200
    assert ada.get(f"/api/v1/submissions/{mine['submission']}").status_code == 200
    assert ada.get(f"/api/v1/reviews/{mine['review']}").status_code == 200
    assert len(ada.get("/api/v1/submissions").json()) == 1


def test_rate_limits_apply_per_user(team: AppFactory, catalog: Catalog) -> None:
    rates = {"grade": Rate(burst=2, per_seconds=60), "judge": Rate(burst=1, per_seconds=60)}
    ada = sign_up(team(rates=rates), "ada")
    bob = sign_up(team(rates=rates), "bob")
    question = next(iter(catalog.questions.values()))
    body = {"question_id": question.id, "answer": "an answer of some kind"}
    assert [ada.post("/api/v1/grades", json=body).status_code for _ in range(3)] == [201, 201, 429]
    limited = ada.post("/api/v1/grades", json=body)
    assert (
        int(limited.headers["retry-after"]) > 0
        and "too many grade requests" in limited.json()["detail"]
    )
    assert bob.post("/api/v1/grades", json=body).status_code == 201  # Bob has his own budget
    problem = next(iter(catalog.problems.values()))
    code = {"problem_id": problem.id, "code": "x = 1"}
    assert [ada.post("/api/v1/submissions", json=code).status_code for _ in range(2)] == [202, 429]


def test_rate_limits_shared_through_redis() -> None:
    import os
    import uuid

    from mlcoach.web.security import RateLimited, RedisRateLimiter

    url = os.environ.get("MLCOACH_TEST_REDIS_URL")
    if not url:
        pytest.skip("MLCOACH_TEST_REDIS_URL is not set (.ci/run sets it to the local Redis)")
    action = f"grade-{uuid.uuid4().hex[:8]}"
    # Two limiters stand for two web processes: they share one budget.
    first, second = (
        RedisRateLimiter(url, {action: Rate(burst=3, per_seconds=60)}) for _ in range(2)
    )
    first.hit(action, 1)
    second.hit(action, 1)
    first.hit(action, 1)
    with pytest.raises(RateLimited) as refused:
        second.hit(action, 1)
    assert refused.value.retry_after >= 1
    second.hit(action, 2)  # another user's bucket
