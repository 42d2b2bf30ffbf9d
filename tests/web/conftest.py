"""Fixtures for the web app: the app in-process (TestClient), signed-up users, and helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mlcoach.catalog import Catalog, load_catalog
from mlcoach.config import load_settings
from mlcoach.web import create_app
from mlcoach.web.security import Rate

BASE_URL = "http://127.0.0.1"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def lexical_grader(monkeypatch: pytest.MonkeyPatch) -> None:
    # Word overlap grades in milliseconds; the embedding grader is exercised by its own tests.
    monkeypatch.setenv("MLCOACH_GRADER", "lexical")


AppFactory = Callable[..., TestClient]


@pytest.fixture
def make_client(
    catalog: Catalog, isolated_data_dir: Path, lexical_grader: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AppFactory]:
    """Build an app on a fresh data folder and return a client for it (several share one app)."""
    clients: list[TestClient] = []
    apps: dict[tuple[bool, str], object] = {}

    def make(
        *,
        auth: bool = False,
        rates: dict[str, Rate] | None = None,
        allowed_hosts: list[str] | None = None,
    ) -> TestClient:
        key = (auth, repr(rates), repr(allowed_hosts))
        if key not in apps:
            monkeypatch.setenv("MLCOACH_AUTH", "on" if auth else "off")
            apps[key] = create_app(
                load_settings(), catalog=catalog, rates=rates, allowed_hosts=allowed_hosts
            )
        app = apps[key]
        client = TestClient(app, base_url=BASE_URL)  # type: ignore[arg-type]
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: AppFactory) -> TestClient:
    """Single-user mode, as `mlcoach serve` runs by default."""
    return make_client()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "the page has no CSRF token"
    return match.group(1)


def form_token(client: TestClient, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return csrf_of(response.text)


def sign_up(client: TestClient, name: str, password: str = PASSWORD) -> TestClient:
    token = form_token(client, "/signup")
    response = client.post(
        "/signup",
        data={"csrf_token": token, "name": name, "password": password, "confirm": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def wait_for_job(client: TestClient, job_id: str, timeout: float = 30.0) -> dict[str, object]:
    import time

    deadline = time.monotonic() + timeout
    while True:
        data = client.get(f"/api/v1/jobs/{job_id}").json()
        if data["state"] in ("done", "failed") or time.monotonic() > deadline:
            return data  # type: ignore[no-any-return]
        time.sleep(0.05)
