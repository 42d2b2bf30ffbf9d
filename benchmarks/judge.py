"""How fast the code judge gives a verdict, against the naive way measured in the same run.

The naive way starts a fresh `python` for each test, which imports NumPy, runs the submission and
prints the result. The judge keeps warm fork servers (NumPy already imported) inside bubblewrap and
forks, per test, a supervisor in new PID and IPC namespaces and the test under it, then gives the
next test fresh /tmp and /dev/shm mounts.

Run: .venv/bin/python benchmarks/judge.py [--submissions 40] [--back-to-back 200]
Targets: at least 15x the baseline's latency for a NumPy submission; at least 8x its throughput
over 200 submissions back to back (2 workers against 2 baseline processes).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from mlcoach.catalog.models import Problem
from mlcoach.judge import JudgePool, Verdict, judge_submission
from mlcoach.judge.checkers import check_value

SOLUTION = """\
import numpy as np

def standardise(x):
    x = np.asarray(x, dtype=float)
    return (x - x.mean(axis=0)) / x.std(axis=0)
"""

ROWS = [[[float(i + j * k) for k in range(1, 4)] for j in range(6)] for i in range(10)]


def _expected(x: list[list[float]]) -> list[list[float]]:
    columns = list(zip(*x, strict=True))
    means = [sum(c) / len(c) for c in columns]
    stds = [
        (sum((v - m) ** 2 for v in c) / len(c)) ** 0.5 for c, m in zip(columns, means, strict=True)
    ]
    return [[(v - m) / s for v, m, s in zip(row, means, stds, strict=True)] for row in x]


PROBLEM = Problem.model_validate(
    {
        "id": "bench-standardise",
        "title": "Standardise columns",
        "kind": "ml-from-scratch",
        "topic": "python",
        "difficulty": "easy",
        "roles": ["engineering"],
        "statement": "Standardise each column of a matrix to zero mean and unit variance.",
        "function": "standardise",
        "numpy_inputs": True,
        "checker": {"kind": "numeric", "rtol": 1e-9, "atol": 1e-9},
        "reference_solution": SOLUTION,
        "tests": [
            {"args": [x], "expected": _expected(x), "hidden": i >= 2} for i, x in enumerate(ROWS)
        ],
    }
)

BASELINE_SCRIPT = """\
import json, sys
import numpy as np
namespace = {}
exec(compile(sys.argv[1], "solution.py", "exec"), namespace)
args = [np.asarray(a) if isinstance(a, list) else a for a in json.loads(sys.argv[2])]
print(json.dumps(np.asarray(namespace["standardise"](*args)).tolist()))
"""


def baseline_submission() -> bool:
    """One submission the naive way: a fresh interpreter per test, compared in the parent."""
    ok = True
    for test in PROBLEM.tests:
        out = subprocess.run(
            [sys.executable, "-c", BASELINE_SCRIPT, SOLUTION, json.dumps(list(test.args))],
            capture_output=True,
            text=True,
            check=True,
        )
        ok = ok and check_value(PROBLEM.checker, test.expected, json.loads(out.stdout)).ok
    return ok


def timed(fn: object) -> float:
    start = time.perf_counter()
    result = fn()  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    assert result, "the benchmark's own solution must be accepted"
    return elapsed


def throughput(run: object, count: int, workers: int = 2) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as threads:
        results = list(threads.map(lambda _: run(), range(count)))  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    assert all(results)
    return count / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--baseline-submissions", type=int, default=3)
    parser.add_argument("--back-to-back", type=int, default=200)
    options = parser.parse_args()
    tests = len(PROBLEM.tests)

    with JudgePool(size=2) as pool:
        start = time.perf_counter()
        pool.start()
        startup = time.perf_counter() - start

        def judged() -> bool:
            result = judge_submission(PROBLEM, SOLUTION, pool=pool)
            return result.verdict is Verdict.ACCEPTED

        judged()  # both workers have run once
        latencies = [timed(judged) for _ in range(options.submissions)]
        judge_rate = throughput(judged, options.back_to_back)
        sandbox = pool.sandbox_note

    baseline = [timed(baseline_submission) for _ in range(options.baseline_submissions)]
    baseline_rate = throughput(baseline_submission, 2 * options.baseline_submissions)

    judge_median = statistics.median(latencies)
    judge_p90 = (
        statistics.quantiles(latencies, n=10)[-1] if len(latencies) >= 10 else max(latencies)
    )
    baseline_median = statistics.median(baseline)
    ratio = baseline_median / judge_median

    print(f"code judge benchmark: {tests}-test submission (NumPy, numeric checker), 2 workers")
    print(f"sandbox: {sandbox}")
    print(f"worker start-up (2 in parallel, once): {startup * 1000:.0f} ms")
    print(
        f"judge     per submission: median {judge_median * 1000:.1f} ms, p90 {judge_p90 * 1000:.1f} ms; "
        f"per test {judge_median / tests * 1000:.2f} ms; {judge_rate:.1f} submissions/s on 2 workers "
        f"({options.back_to_back} back to back)"
    )
    print(
        f"baseline  per submission: median {baseline_median * 1000:.0f} ms; "
        f"per test {baseline_median / tests * 1000:.1f} ms; {baseline_rate:.2f} submissions/s on 2 processes"
    )
    print(f"speed-up: {ratio:.1f}x latency, {judge_rate / baseline_rate:.1f}x throughput")
    print(f"target >= 15x latency: {'met' if ratio >= 15 else 'NOT met'}")
    rate_ratio = judge_rate / baseline_rate
    print(f"target >= 8x throughput back to back: {'met' if rate_ratio >= 8 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
