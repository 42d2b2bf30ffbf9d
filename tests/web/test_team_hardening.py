"""Team mode under attack and in daily use: sign-in limits, sign-out on the server, equal timing for
unknown names, closed and invite-only sign-up, any file name in downloads, HEAD and the favicon."""

from __future__ import annotations

import io
import json
import statistics
import time

import pytest
from fastapi.testclient import TestClient

from mlcoach.web.downloads import content_disposition
from mlcoach.web.security import Rate
from tests.conftest import CliRunner
from tests.web.conftest import PASSWORD, AppFactory, form_token, sign_up, wait_for_job
from tests.web.notebooks import leaky_notebook


@pytest.fixture
def team(make_client: AppFactory) -> AppFactory:
    return lambda **kw: make_client(auth=True, **kw)


def _sign_in(client: TestClient, name: str, password: str) -> int:
    token = form_token(client, "/signin")
    response = client.post(
        "/signin",
        data={"csrf_token": token, "name": name, "password": password},
        follow_redirects=False,
    )
    return response.status_code


def test_failed_sign_ins_are_limited_per_account_with_retry_after(team: AppFactory) -> None:
    sign_up(team(), "ada")
    sign_up(team(), "bob")
    attacker = team()
    codes = [_sign_in(attacker, "ada", f"guess number {i}") for i in range(6)]
    assert codes == [400] * 5 + [429]
    # Even the right password waits now: the account's budget is spent.
    token = form_token(attacker, "/signin")
    refused = attacker.post(
        "/signin", data={"csrf_token": token, "name": "ada", "password": PASSWORD}
    )
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    api = attacker.post("/api/v1/session", json={"name": "ada", "password": PASSWORD})
    assert api.status_code == 429 and "retry-after" in api.headers
    # Another account is not held hostage by attempts on Ada's.
    assert _sign_in(team(), "bob", PASSWORD) == 303


def test_sign_ins_are_limited_per_address(team: AppFactory) -> None:
    rates = {"sign-in-address": Rate(burst=4, per_seconds=60)}
    client = team(rates=rates)
    codes = [_sign_in(client, f"nobody{i}", "some password here") for i in range(5)]
    assert codes == [400, 400, 400, 400, 429]


def test_signing_out_ends_the_session_on_the_server(team: AppFactory) -> None:
    client = sign_up(team(), "ada")
    saved = dict(client.cookies)
    assert client.get("/api/v1/session").json()["signed_in"] is True
    client.post("/signout", data={"csrf_token": form_token(client)})

    thief = team()
    thief.cookies.update(saved)  # a copy of the cookie taken before signing out
    assert thief.get("/", follow_redirects=False).status_code == 303
    assert thief.get("/api/v1/attempts").status_code == 401
    assert thief.get("/api/v1/session").json()["signed_in"] is False

    # Signing in again works, and the API's sign-out does the same.
    api = team()
    assert api.post("/api/v1/session", json={"name": "ada", "password": PASSWORD}).is_success
    kept = dict(api.cookies)
    assert api.delete("/api/v1/session").json()["signed_in"] is False
    replay = team()
    replay.cookies.update(kept)
    assert replay.get("/api/v1/attempts").status_code == 401


def test_unknown_and_known_names_take_the_same_time(team: AppFactory) -> None:
    client = team(rates={"sign-in-name": Rate(burst=100, per_seconds=1)})
    sign_up(team(), "ada")

    def timed(name: str) -> float:
        token = form_token(client, "/signin")
        start = time.perf_counter()
        response = client.post(
            "/signin", data={"csrf_token": token, "name": name, "password": "wrong password!"}
        )
        elapsed = time.perf_counter() - start
        assert response.status_code == 400 and "wrong name or password" in response.text
        return elapsed

    known = statistics.median(timed("ada") for _ in range(5))
    unknown = statistics.median(timed(f"ghost{i}") for i in range(5))
    # Without a dummy hash an unknown name answers ~20x faster (no argon2 at all).
    assert unknown > 0.5 * known, (known, unknown)


def test_sign_up_closed(team: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLCOACH_SIGNUP", "closed")
    client = team()
    page = client.get("/signup").text
    assert "Sign-up is closed" in page and 'action="/signup"' not in page
    assert 'href="/signup"' not in client.get("/signin").text
    token = form_token(client, "/signin")
    refused = client.post(
        "/signup",
        data={"csrf_token": token, "name": "ada", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert refused.status_code == 400 and "sign-up is closed" in refused.text.lower()
    api = client.post("/api/v1/users", json={"name": "ada", "password": PASSWORD})
    assert api.status_code == 403


def test_sign_up_by_invite_code_once(
    team: AppFactory, monkeypatch: pytest.MonkeyPatch, run_cli: CliRunner
) -> None:
    monkeypatch.setenv("MLCOACH_SIGNUP", "invite")
    client = team()
    made = run_cli("users", "invite", "--count", "2", "--json")
    assert made.returncode == 0, made.stderr

    codes = [row["code"] for row in json.loads(made.stdout)]
    assert 'name="invite"' in client.get("/signup").text

    def attempt(name: str, invite: str) -> tuple[int, str]:
        who = team()
        token = form_token(who, "/signup")
        response = who.post(
            "/signup",
            data={
                "csrf_token": token,
                "name": name,
                "password": PASSWORD,
                "confirm": PASSWORD,
                "invite": invite,
            },
            follow_redirects=False,
        )
        return response.status_code, response.text

    assert attempt("ada", "")[0] == 400
    status, text = attempt("ada", "not-a-real-code")
    assert status == 400 and "unknown, already used or expired" in text
    assert attempt("ada", codes[0].upper())[0] == 303  # case and dashes do not matter
    status, text = attempt("bob", codes[0])
    assert status == 400 and "already used" in text
    api = team().post(
        "/api/v1/users", json={"name": "bob", "password": PASSWORD, "invite": codes[1]}
    )
    assert api.status_code == 201
    listed = run_cli("users", "invites", "--json")
    assert json.loads(listed.stdout) == []  # both used


def test_content_disposition_carries_any_name() -> None:
    value = content_disposition("résumé 評価.md")
    assert value.encode("latin-1")  # a header value HTTP can carry
    assert 'filename="resume _.md"' in value
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9%20%E8%A9%95%E4%BE%A1.md" in value
    assert content_disposition("plain.md") == 'attachment; filename="plain.md"'
    assert "/" not in content_disposition("../../etc/passwd").split("filename=")[1]


def test_a_report_of_a_file_with_a_non_ascii_name_downloads(client: TestClient) -> None:
    response = client.post(
        "/review",
        data={"csrf_token": form_token(client, "/review")},
        files={"file": ("análisis-データ.ipynb", io.BytesIO(leaky_notebook().encode()), "x")},
        follow_redirects=False,
    )
    job_id = response.headers["location"].rsplit("/", 1)[1]
    job = wait_for_job(client, job_id)
    assert job["state"] == "done"
    download = client.get(f"/reviews/{job_id}/report.md")
    assert download.status_code == 200
    header = download.headers["content-disposition"]
    assert "filename*=UTF-8''an%C3%A1lisis-" in header and header.endswith("-review.md")
    # Pages never show which worker process ran a job.
    worker = str(job.get("worker") or "")
    assert worker and worker not in client.get(f"/reviews/{job_id}").text


def test_head_and_favicon(client: TestClient, team: AppFactory) -> None:
    head = client.head("/")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 0
    assert client.head("/api/v1/session").status_code == 200
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert team().head("/", follow_redirects=False).status_code == 303  # team mode: sign in


def test_the_signup_setting_is_shown_and_checked(run_cli: CliRunner) -> None:
    shown = run_cli("config", "--json", env={"MLCOACH_SIGNUP": "invite"})
    assert shown.returncode == 0, shown.stderr
    assert "invite" in shown.stdout and "signup" in shown.stdout
    wrong = run_cli("config", env={"MLCOACH_SIGNUP": "sometimes"})
    assert wrong.returncode == 2
    assert "use open, closed, invite" in wrong.stderr and "Traceback" not in wrong.stderr
