"""Jobs through Celery: two `mlcoach worker` processes and the web app share one database and one
Redis queue; 100 judge submissions through the API all finish, with the right verdicts, and both
workers take part. Needs MLCOACH_TEST_REDIS_URL (set by .ci/run)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from fastapi.testclient import TestClient

from mlcoach.catalog import Catalog
from mlcoach.config import load_settings
from mlcoach.store import Database
from mlcoach.web import create_app

REDIS_ENV = "MLCOACH_TEST_REDIS_URL"
SUBMISSIONS = 100

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"{REDIS_ENV} is not set (.ci/run sets it to the local Redis)")
    import redis

    client = redis.Redis.from_url(url)
    client.delete("mlcoach")  # messages a crashed earlier run left in the queue
    client.close()
    return url


def _wait_ready(process: subprocess.Popen[str], name: str, timeout: float = 60) -> list[str]:
    """Read the worker's log until Celery says it is ready to take jobs.

    A thread reads the lines: waiting on the pipe with select() misses lines that the text
    wrapper has already buffered, so a worker whose banner and "ready." arrive together would
    look silent.
    """
    assert process.stderr is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def pump(stream: IO[str]) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, args=(process.stderr,), daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if "ready." in line and name in line:
            return seen
    raise AssertionError(
        f"worker {name} did not start (exit code {process.poll()}):\n{''.join(seen)}"
    )


@pytest.fixture
def workers(
    redis_url: str, isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    database_url = f"sqlite:///{isolated_data_dir / 'shared.db'}"
    monkeypatch.setenv("MLCOACH_DATABASE_URL", database_url)
    monkeypatch.setenv("MLCOACH_BROKER_URL", redis_url)
    Database(database_url).dispose()  # migrated once, before anyone else opens it
    names = ["alpha@test", "beta@test"]
    processes = []
    for name in names:
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "mlcoach", "worker", "--name", name, "--concurrency", "2"],
                env={**os.environ, "NO_COLOR": "1"},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    try:
        for process, name in zip(processes, names, strict=True):
            _wait_ready(process, name)
        yield names
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_workers_share_one_hundred_submissions(workers: list[str], catalog: Catalog) -> None:
    settings = load_settings()
    assert settings.broker_url
    problems = [p for p in catalog.problems.values() if p.wrong_solutions][:10]
    cases: list[tuple[str, str, str]] = []  # (problem, code, expected verdict or "not accepted")
    for i in range(SUBMISSIONS):
        problem = problems[i % len(problems)]
        if i % 5 == 4:
            cases.append((problem.id, "def broken(:\n    pass\n", "Compile Error"))
        elif i % 5 == 3:
            cases.append((problem.id, problem.wrong_solutions[0], "not accepted"))
        else:
            cases.append((problem.id, problem.reference_solution, "Accepted"))

    with TestClient(create_app(settings, catalog=catalog), base_url="http://127.0.0.1") as client:
        ids = []
        for problem_id, code, _ in cases:
            response = client.post(
                "/api/v1/submissions", json={"problem_id": problem_id, "code": code}
            )
            assert response.status_code == 202, response.text
            ids.append(response.json()["id"])
        deadline = time.monotonic() + 150
        finished: dict[str, dict[str, object]] = {}
        while len(finished) < len(ids) and time.monotonic() < deadline:
            for job_id in ids:
                if job_id not in finished:
                    job = client.get(f"/api/v1/jobs/{job_id}").json()
                    if job["state"] in ("done", "failed"):
                        finished[job_id] = job
            time.sleep(0.2)

    assert len(finished) == SUBMISSIONS, f"{SUBMISSIONS - len(finished)} jobs never finished"
    for job_id, (problem_id, _, expected) in zip(ids, cases, strict=True):
        job = finished[job_id]
        assert job["state"] == "done", job["error"]
        verdict = job["result"]["verdict"]  # type: ignore[index]
        if expected == "not accepted":
            assert verdict != "Accepted", problem_id
        else:
            assert verdict == expected, (problem_id, job["result"])
    by_worker = Counter(str(job["worker"]).split(":")[0] for job in finished.values())
    assert set(by_worker) == set(workers), by_worker
