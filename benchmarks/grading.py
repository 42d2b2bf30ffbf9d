"""How fast answers are graded, against a naive grader that embeds every key point afresh.

    .venv/bin/python benchmarks/grading.py [--answers N] [--skip-cli]

Workload: the hand-written answers of tests/grading/devset.jsonl (50-250 words, all kinds).
Prints model load time, single-answer latency (p50/p95), batch throughput, the same for the naive
baseline measured in this run, and the end-to-end time of `mlcoach answer` in a fresh process.
Targets on a 2-core machine: p50 under 100 ms, at least 20 answers/s in batch, and an explained
grade from `mlcoach answer` in under a second.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mlcoach.catalog import Question, load_catalog
from mlcoach.grading.backends import SemanticBackend, compared_texts
from mlcoach.grading.calibration import SEMANTIC
from mlcoach.grading.embeddings import EmbeddingCache
from mlcoach.grading.grader import Grader, semantic_backend
from mlcoach.grading.minilm import FloatArray, MiniLMEncoder

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT / "tests" / "grading" / "devset.jsonl"


class NaiveBackend(SemanticBackend):
    """What grading costs without the cache: key points are embedded again for every answer."""

    def similarities(
        self,
        question: Question,
        references: Sequence[str],
        units: Sequence[str],
        *,
        as_written: bool = False,
    ) -> FloatArray:
        references, units = compared_texts(references, units, as_written=as_written)
        vectors = self.encoder.encode([*references, *units])
        ref, ans = vectors[: len(references)], vectors[len(references) :]
        sims: FloatArray = np.clip(ref @ ans.T, -1.0, 1.0)
        return sims


def latencies(grader: Grader, items: Sequence[tuple[Question, str]]) -> list[float]:
    times = []
    for question, answer in items:
        start = time.perf_counter()
        grader.grade(question, answer)
        times.append(time.perf_counter() - start)
    return times


def throughput(grader: Grader, items: Sequence[tuple[Question, str]]) -> float:
    start = time.perf_counter()
    for i in range(0, len(items), 32):
        grader.grade_many(items[i : i + 32])
    return len(items) / (time.perf_counter() - start)


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


_PHASES = """
import json, time
t = [time.perf_counter()]
import mlcoach.cli.main
t.append(time.perf_counter())
from mlcoach.cli.context import ctx
question = ctx.catalog.question(QUESTION)
t.append(time.perf_counter())
from mlcoach.grading import embedding_cache_dir, load_grader
grader = load_grader(None, cache_dir=embedding_cache_dir(ctx.settings.data_dir))
t.append(time.perf_counter())
grade = grader.grade(question, ANSWER)
t.append(time.perf_counter())
from mlcoach.store import record_attempt
with ctx.database.session() as session:
    record_attempt(session, ctx.user, question.id, ANSWER, score=grade.score, grade=grade.as_dict())
t.append(time.perf_counter())
names = ["CLI imports", "curriculum load", "grader imports + model load", "grading", "database open + save"]
print(json.dumps({n: b - a for n, a, b in zip(names, t, t[1:])}))
"""


def cli_timings(question_id: str, answer: str, runs: int) -> tuple[float, float, dict[str, float]]:
    """Median wall times of `mlcoach answer --json` and `mlcoach --version` in fresh processes,
    and the median time of each phase of answering."""
    with tempfile.TemporaryDirectory() as data_dir:
        # Bytecode caching on, as on a user's machine (some CI shells turn it off).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["MLCOACH_DATA_DIR"] = data_dir
        command = [sys.executable, "-m", "mlcoach"]

        def timed(*args: str) -> float:
            start = time.perf_counter()
            subprocess.run([*command, *args], env=env, capture_output=True, check=True)
            return time.perf_counter() - start

        timed("answer", question_id, "--text", answer, "--json")  # creates the DB and the cache
        answer_times = [
            timed("answer", question_id, "--text", answer, "--json") for _ in range(runs)
        ]
        startup_times = [timed("--version") for _ in range(runs)]
        script = f"QUESTION = {question_id!r}\nANSWER = {answer!r}\n" + _PHASES
        phases = [
            json.loads(
                subprocess.run(
                    [sys.executable, "-c", script],
                    env=env,
                    capture_output=True,
                    check=True,
                    text=True,
                ).stdout
            )
            for _ in range(runs)
        ]
    medians = {name: statistics.median(p[name] for p in phases) for name in phases[0]}
    return statistics.median(answer_times), statistics.median(startup_times), medians


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=200, help="answers to time (default 200)")
    parser.add_argument("--skip-cli", action="store_true", help="skip the fresh-process timings")
    args = parser.parse_args(argv)

    load1, load5, _ = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load1:.1f} (1 min) {load5:.1f} (5 min)")
    catalog = load_catalog()
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines()]
    items = [(catalog.question(r["question_id"]), r["answer"]) for r in rows][: args.answers]
    words = statistics.mean(len(a.split()) for _, a in items)
    print(f"workload: {len(items)} answers, {words:.0f} words on average")

    start = time.perf_counter()
    MiniLMEncoder()
    print(f"model load (weights + tokenizer): {(time.perf_counter() - start) * 1000:.0f} ms")

    backend = semantic_backend()
    cached = Grader(backend, SEMANTIC)
    naive = Grader(
        NaiveBackend(backend.encoder, EmbeddingCache(backend.encoder, None, model_tag="naive")),
        SEMANTIC,
    )
    cached.grade_many(items[:8])  # warm-up: first-call allocations and thread start-up
    start = time.perf_counter()
    cached.grade_many(items)
    print(f"first pass (embeds every key point once): {time.perf_counter() - start:.2f} s")

    fast = latencies(cached, items)
    slow = latencies(naive, items[: max(20, len(items) // 4)])
    print()
    print(f"{'one answer':24s}{'p50':>10s}{'p95':>10s}")
    print(
        f"{'  cached key points':24s}{percentile(fast, 50) * 1000:9.1f}ms{percentile(fast, 95) * 1000:9.1f}ms"
    )
    print(
        f"{'  naive baseline':24s}{percentile(slow, 50) * 1000:9.1f}ms{percentile(slow, 95) * 1000:9.1f}ms"
    )
    print(f"  speed-up at p50: {percentile(slow, 50) / percentile(fast, 50):.1f}x")

    batch = throughput(cached, items)
    batch_naive = throughput(naive, items[: max(20, len(items) // 4)])
    print()
    print(
        f"batch: {batch:.1f} answers/s cached, {batch_naive:.1f} answers/s naive "
        f"({batch / batch_naive:.1f}x)"
    )

    verdicts = [
        ("p50 under 100 ms", percentile(fast, 50) < 0.100),
        ("at least 20 answers/s in batch", batch >= 20),
    ]
    if not args.skip_cli:
        # A typical answer: the one of median length.
        question, answer = sorted(items, key=lambda item: len(item[1].split()))[len(items) // 2]
        whole, startup, phases = cli_timings(question.id, answer, runs=5)
        print()
        print(
            f"`mlcoach answer` end to end ({len(answer.split())}-word answer, fresh process, "
            f"warm disk cache): {whole * 1000:.0f} ms"
        )
        print(f"  bare CLI start-up (`mlcoach --version`): {startup * 1000:.0f} ms")
        for name, seconds in phases.items():
            print(f"  {name:30s}{seconds * 1000:6.0f} ms")
        verdicts.append(("`mlcoach answer` under a second", whole < 1.0))
    print()
    for label, ok in verdicts:
        print(f"{'met ' if ok else 'MISSED'} {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
