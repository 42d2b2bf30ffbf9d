"""Requests per second and latency of the web app, against a static file served in the same run.

Starts `mlcoach serve` on a free loopback port with a fresh data folder, then drives it from a
second process (an httpx/asyncio client, bounded in requests and seconds) with three workloads:

- baseline: GET /static/style.css (the server's floor: routing, a file, no templates, no database)
- question page: GET /questions/ID (template rendering, a database query for earlier answers)
- grading: POST /api/v1/grades (grade an answer with the configured grader and store the attempt)

Run: .venv/bin/python benchmarks/web.py [--requests 2000] [--seconds 15] [--concurrency 8]
     [--grader auto|semantic|lexical]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLIENT = r"""
import asyncio, json, sys, time
import httpx

async def main(spec):
    latencies = []
    errors = 0
    deadline = time.perf_counter() + spec["seconds"]
    remaining = spec["requests"]
    limits = httpx.Limits(max_connections=spec["concurrency"], max_keepalive_connections=spec["concurrency"])
    async with httpx.AsyncClient(base_url=spec["url"], limits=limits, timeout=60) as client:
        await client.get("/")  # the session cookie, as a browser would have it
        async def one():
            nonlocal remaining, errors
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                started = time.perf_counter()
                if spec["method"] == "GET":
                    response = await client.get(spec["path"])
                else:
                    response = await client.post(spec["path"], json=spec["json"])
                latencies.append(time.perf_counter() - started)
                if response.status_code >= 400:
                    errors += 1
        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(spec["concurrency"])))
        elapsed = time.perf_counter() - started
    print(json.dumps({"latencies": latencies, "elapsed": elapsed, "errors": errors}))

asyncio.run(main(json.loads(sys.argv[1])))
"""


def start_server(data_dir: Path, grader: str) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLCOACH_")}
    env.update(MLCOACH_DATA_DIR=str(data_dir), MLCOACH_GRADER=grader, NO_COLOR="1", COLUMNS="200")
    process = subprocess.Popen(
        [sys.executable, "-m", "mlcoach", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        match = re.search(r"running at (http://\S+?)/?\s", line)
        if match:
            return process, match.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise SystemExit("mlcoach serve did not start")


def drive(url: str, spec: dict[str, object]) -> dict[str, float]:
    spec = {**spec, "url": url}
    done = subprocess.run(
        [sys.executable, "-c", CLIENT, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=float(spec["seconds"]) + 120,  # type: ignore[arg-type]
        check=True,
    )
    data = json.loads(done.stdout)
    latencies = sorted(data["latencies"])
    n = len(latencies)
    if not n:
        raise SystemExit(f"no request finished for {spec['path']}")
    return {
        "requests": n,
        "errors": data["errors"],
        "rps": n / data["elapsed"],
        "p50_ms": latencies[n // 2] * 1000,
        "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="most requests per workload")
    parser.add_argument("--seconds", type=float, default=15.0, help="most seconds per workload")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--grader", default="auto", choices=["auto", "semantic", "lexical"])
    args = parser.parse_args()

    from mlcoach.catalog import load_catalog

    question = load_catalog().question("splits-why-three-sets")
    answer = (
        "The training set fits the parameters, the validation set is for choosing "
        "hyperparameters and comparing models, and the test set is used once at the end so the "
        "estimate of performance on new data is not biased by all the choices we made."
    )
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_server(Path(tmp), args.grader)
        try:
            common = {
                "requests": args.requests,
                "seconds": args.seconds,
                "concurrency": args.concurrency,
            }
            # Warm up: the grader loads its model, the pages their templates.
            drive(
                url,
                {**common, "requests": 20, "method": "GET", "path": f"/questions/{question.id}"},
            )
            drive(
                url,
                {
                    **common,
                    "requests": 4,
                    "concurrency": 2,
                    "method": "POST",
                    "path": "/api/v1/grades",
                    "json": {"question_id": question.id, "answer": answer},
                },
            )
            results = {
                "static file (baseline)": drive(
                    url, {**common, "method": "GET", "path": "/static/style.css"}
                ),
                "question page": drive(
                    url, {**common, "method": "GET", "path": f"/questions/{question.id}"}
                ),
                f"grade an answer ({args.grader} grader)": drive(
                    url,
                    {
                        **common,
                        "method": "POST",
                        "path": "/api/v1/grades",
                        "json": {"question_id": question.id, "answer": answer},
                    },
                ),
            }
        finally:
            process.terminate()
            process.wait(timeout=20)
    base = results["static file (baseline)"]["rps"]
    print(
        f"mlcoach serve on loopback, {args.concurrency} concurrent clients, {os.cpu_count()} cores"
    )
    print(
        f"{'workload':34} {'requests':>8} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'vs static':>10}"
    )
    for name, r in results.items():
        print(
            f"{name:34} {r['requests']:>8.0f} {r['rps']:>9.1f} {r['p50_ms']:>9.2f} {r['p99_ms']:>9.2f} "
            f"{r['rps'] / base:>9.3f}x" + (f"  ({r['errors']:.0f} errors)" if r["errors"] else "")
        )


if __name__ == "__main__":
    main()
