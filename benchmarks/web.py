"""Many users at once: page views and graded answers against a static file, in the same run.

Starts `mlcoach serve` (uvicorn, a real subprocess) in team mode on a free 127.0.0.1 port with a
fresh data folder, signs up one account per simulated user, then drives it from a second process
(asyncio + httpx; each user on its own loopback address, 127.0.0.N, as separate people would be):

- baseline: every user fetches /static/style.css (routing and a file: the server's floor)
- mixed: every user views pages (dashboard, question list, a question, history, problems) and,
  about one request in three, posts a graded answer (POST /api/v1/grades with an Idempotency-Key)

Each user waits a random think time between requests (default 0.5-1.5 s, as a person reading).
Printed: requests, throughput, p50/p95/p99 latency and errors per kind, and each against the
static baseline measured in the same run, then the targets (page p95 < 1 s, grading p95 < 1.5 s,
no errors).

Run: .venv/bin/python benchmarks/web.py [--users 50] [--seconds 60] [--grader auto|lexical]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

PASSWORD = "benchmark password 1"
PAGES = ["/", "/questions", "/questions/{qid}", "/history", "/problems"]
GRADE_SHARE = 0.33


def start_server(data_dir: Path, grader: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLCOACH_")}
    env.update(
        MLCOACH_DATA_DIR=str(data_dir),
        MLCOACH_GRADER=grader,
        MLCOACH_AUTH="on",
        NO_COLOR="1",
        COLUMNS="200",
    )
    out = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "mlcoach", "serve", "--host", "127.0.0.1", "--port", "0"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        match = re.search(r"running at (http://\S+?)/?\s", log.read_text(errors="replace"))
        if match:
            return process, match.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise SystemExit("mlcoach serve did not start:\n" + log.read_text(errors="replace"))


# --- the client (runs in its own process) ---------------------------------------------------------


class Start:
    """A phase starts for everyone at once, when the last user is ready."""

    def __init__(self, users: int) -> None:
        self.waiting = users
        self.event = asyncio.Event()
        self.at = 0.0
        self.ended = 0.0

    async def ready(self) -> float:
        self.waiting -= 1
        if self.waiting == 0:
            self.at = time.perf_counter()
            self.event.set()
        await self.event.wait()
        return self.at


async def _sign_in(client: Any, n: int) -> None:
    account = {"name": f"user{n:03d}", "password": PASSWORD}
    for _ in range(30):
        signed = await client.post("/api/v1/users", json=account, timeout=300)
        if signed.status_code == 429:
            # Fifty sign-ups at once queue for the few password-hashing slots: come back later.
            await asyncio.sleep(float(signed.headers.get("retry-after", "2")))
            continue
        if signed.is_success:
            return
        raise SystemExit(f"could not sign up {account['name']}: {signed.status_code} {signed.text}")
    raise SystemExit(f"could not sign up {account['name']}: still busy")


async def _user(
    n: int,
    spec: dict[str, Any],
    results: dict[str, list[tuple[str, float, bool]]],
    starts: list[Start],
) -> None:
    import httpx

    rng = random.Random(n)
    transport = httpx.AsyncHTTPTransport(local_address=f"127.0.0.{2 + n % 250}")
    async with httpx.AsyncClient(
        base_url=spec["url"], transport=transport, timeout=spec["timeout"]
    ) as client:
        await _sign_in(client, n)
        await client.get("/")  # as a browser would start
        questions = spec["questions"]
        for phase, start in zip(spec["phases"], starts, strict=True):
            deadline = await start.ready() + phase["seconds"]
            while time.perf_counter() < deadline:
                await asyncio.sleep(rng.uniform(*spec["think"]))
                kind, qid = "page", rng.choice(questions)
                body: dict[str, str] | None = None
                headers: dict[str, str] = {}
                if phase["mode"] == "static":
                    kind, method, path = "static file", "GET", "/static/style.css"
                elif rng.random() < GRADE_SHARE:
                    kind, method, path = "graded answer", "POST", "/api/v1/grades"
                    body = {"question_id": qid, "answer": spec["answers"][qid]}
                    headers = {"Idempotency-Key": str(uuid.uuid4())}
                else:
                    method, path = "GET", rng.choice(PAGES).format(qid=qid)
                started = time.perf_counter()
                try:
                    response = await client.request(method, path, json=body, headers=headers)
                    ok = response.status_code < 400
                except httpx.HTTPError:
                    ok = False
                ended = time.perf_counter()
                start.ended = max(start.ended, ended)
                results[phase["name"]].append((kind, ended - started, ok))


async def _drive(spec: dict[str, Any]) -> dict[str, Any]:
    results: dict[str, list[tuple[str, float, bool]]] = {p["name"]: [] for p in spec["phases"]}
    starts = [Start(spec["users"]) for _ in spec["phases"]]
    await asyncio.gather(*(_user(n, spec, results, starts) for n in range(spec["users"])))
    return {
        p["name"]: {"results": results[p["name"]], "elapsed": s.ended - s.at}
        for p, s in zip(spec["phases"], starts, strict=True)
    }


def client_main(spec_json: str) -> None:
    print(json.dumps(asyncio.run(_drive(json.loads(spec_json)))))


# --- the run -------------------------------------------------------------------------------------


def drive(url: str, spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--client", json.dumps({**spec, "url": url})],
        capture_output=True,
        text=True,
        timeout=sum(p["seconds"] for p in spec["phases"]) + 900,
    )
    if done.returncode != 0:
        raise SystemExit(f"the load client failed:\n{done.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def summarise(data: dict[str, Any]) -> dict[str, dict[str, float]]:
    by_kind: dict[str, list[tuple[float, bool]]] = {}
    for kind, seconds, ok in data["results"]:
        by_kind.setdefault(kind, []).append((seconds, ok))
    out = {}
    for kind, rows in by_kind.items():
        latencies = sorted(s for s, _ in rows)
        n = len(latencies)

        def pct(p: float, latencies: list[float] = latencies, n: int = n) -> float:
            return latencies[min(n - 1, int(n * p))] * 1000

        out[kind] = {
            "requests": n,
            "rps": n / data["elapsed"],
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "errors": sum(not ok for _, ok in rows),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="of mixed load")
    parser.add_argument("--baseline-seconds", type=float, default=20.0)
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 1.5), metavar=("MIN", "MAX"))
    parser.add_argument("--grader", default="auto", choices=["auto", "semantic", "lexical"])
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds before a request fails"
    )
    parser.add_argument("--client", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(args.client)
        return

    from mlcoach.catalog import load_catalog

    catalog = load_catalog()
    questions = sorted(catalog.questions)[:40]
    # Answers that say part of what is expected, so the grader does its full work.
    answers = {
        qid: " ".join(k.text for k in catalog.questions[qid].key_points[:2]) for qid in questions
    }
    common = {
        "users": args.users,
        "think": list(args.think),
        "timeout": args.timeout,
        "questions": questions,
        "answers": answers,
    }
    phases = [
        {"name": "warm-up", "mode": "mixed", "seconds": 10.0},  # the grader loads its model
        {"name": "baseline", "mode": "static", "seconds": args.baseline_seconds},
        {"name": "mixed", "mode": "mixed", "seconds": args.seconds},
    ]
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_server(Path(tmp) / "data", args.grader, Path(tmp) / "server.log")
        try:
            measured = drive(url, {**common, "phases": phases})
        finally:
            process.terminate()
            process.wait(timeout=30)
    base, mixed = measured["baseline"], measured["mixed"]
    rows = {**summarise(base), **summarise(mixed)}
    floor = rows["static file"]
    print(
        f"mlcoach serve (team mode, uvicorn subprocess) on 127.0.0.1, {os.cpu_count()} cores; "
        f"{args.users} users, think {args.think[0]}-{args.think[1]} s, mixed {args.seconds:.0f} s, "
        f"grader {args.grader}"
    )
    print(
        f"{'workload':16} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>6} {'p95 vs static':>14}"
    )
    for name in ("static file", "page", "graded answer"):
        r = rows.get(name)
        if r is None:
            continue
        print(
            f"{name:16} {r['requests']:>8.0f} {r['rps']:>7.1f} {r['p50_ms']:>8.1f} "
            f"{r['p95_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['errors']:>6.0f} "
            f"{r['p95_ms'] / floor['p95_ms']:>13.1f}x"
        )
    page, grade = rows.get("page"), rows.get("graded answer")
    if page and grade:
        errors = page["errors"] + grade["errors"]
        verdict = [
            f"page p95 {page['p95_ms'] / 1000:.2f} s (target < 1 s)",
            f"grading p95 {grade['p95_ms'] / 1000:.2f} s (target < 1.5 s)",
            f"errors {errors:.0f} (target 0)",
        ]
        print("targets: " + "; ".join(verdict))


if __name__ == "__main__":
    main()
