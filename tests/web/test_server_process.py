"""`mlcoach serve` as a real process (uvicorn) in team mode: access log, HEAD, memory under a burst
of sign-ins, and simultaneous retries of one answer stored once (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mlcoach.catalog import load_catalog

PASSWORD = "correct horse battery"
MiB = 1024 * 1024


@pytest.fixture
def server(
    tmp_path: Path, database_url: str
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLCOACH_")}
    env.update(
        MLCOACH_DATA_DIR=str(tmp_path / "data"),
        MLCOACH_DATABASE_URL=database_url,
        MLCOACH_AUTH="on",
        MLCOACH_GRADER="lexical",
        NO_COLOR="1",
    )
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "mlcoach", "serve", "--port", "0", "--access-log"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        url = None
        while url is None and time.monotonic() < deadline and process.poll() is None:
            match = re.search(r"running at (http://\S+?)/?\s", log.read_text(errors="replace"))
            url = match.group(1) if match else None
            time.sleep(0.05)
        assert url, log.read_text(errors="replace")
        yield url, process, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_the_served_app_under_sign_in_bursts_and_retries(
    server: tuple[str, subprocess.Popen[bytes], Path],
) -> None:
    url, process, log = server
    question = next(iter(load_catalog().questions.values()))

    async def scenario() -> tuple[list[int], list[httpx.Response]]:
        async with httpx.AsyncClient(base_url=url, timeout=60) as ada:
            created = await ada.post("/api/v1/users", json={"name": "ada", "password": PASSWORD})
            assert created.status_code == 201, created.text
            head = await ada.head("/")
            assert head.status_code == 200 and head.content == b""
            # 25 sign-ins at once: argon2 takes 64 MiB each, but only a few run at a time.
            before = _peak_rss(process.pid)

            async def sign_in() -> int:
                async with httpx.AsyncClient(base_url=url, timeout=60) as c:
                    r = await c.post("/api/v1/session", json={"name": "ada", "password": PASSWORD})
                    return r.status_code

            codes = await asyncio.gather(*(sign_in() for _ in range(25)))
            grown = _peak_rss(process.pid) - before
            assert grown < 600 * MiB, f"peak memory grew {grown // MiB} MiB"
            # The same answer sent ten times at once with one key (a client retrying a timeout).
            body = {"question_id": question.id, "answer": "train, validate, then test once"}
            sent = await asyncio.gather(
                *(
                    ada.post("/api/v1/grades", json=body, headers={"Idempotency-Key": "k-1"})
                    for _ in range(10)
                )
            )
            attempts = (await ada.get("/api/v1/attempts")).json()
            assert len(attempts) == 1
            return codes, sent

    codes, sent = asyncio.run(scenario())
    assert codes == [200] * 25
    assert {r.status_code for r in sent} == {201}
    assert len({r.json()["attempt_id"] for r in sent}) == 1
    time.sleep(0.2)
    text = log.read_text(errors="replace")
    assert re.search(r'"POST /api/v1/grades HTTP/1.1" 201', text), text[-2000:]
    assert '"HEAD / HTTP/1.1" 200' in text
