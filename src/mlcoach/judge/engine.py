"""Judging a submission: compile it, run each test in a fresh sandboxed child, check the results.

Expected values never enter a submission's sandbox: a child gets the code and the test's inputs, and
its report comes back as JSON that is decoded and compared here. A problem's custom checker (content
from a deck, so not trusted either) runs in a sandboxed child of its own, given the expected and the
actual value.
"""

from __future__ import annotations

import ast
import atexit
import json
import math
import signal
import threading
from dataclasses import dataclass
from typing import Any

from mlcoach.catalog.models import Problem, ProblemTest
from mlcoach.judge._forkserver import MAX_RESULT_BYTES, from_plain, to_plain
from mlcoach.judge.checkers import (
    CheckOutcome,
    CustomCheck,
    check_output,
    check_value,
    normalise,
    show,
)
from mlcoach.judge.pool import MAX_STDERR_BYTES, JudgePool, Lease, WorkerFailed
from mlcoach.judge.verdicts import FailureDetail, JudgeResult, TestResult, Verdict, overall_verdict

MAX_CODE_BYTES = 64 * 1024
FILE_BYTES = 16 * 1024 * 1024
OPEN_FILES = 64
PROCESSES = 64
# Room above the limit for the interpreter's own work in the child (compiling, reporting).
ADDRESS_SPACE_SLACK = 32 * 1024 * 1024
HOST_MARGIN_SECONDS = 10.0
MEMORY_SUSPECT_RATIO = 0.9
MAX_DETAIL_CHARS = 4000


@dataclass(frozen=True)
class CompileProblem:
    message: str
    line: int | None


def compile_problem(code: str) -> CompileProblem | None:
    """Why the code cannot run at all, or None. Compiling runs none of the code."""
    size = len(code.encode("utf-8", "surrogatepass"))
    if size > MAX_CODE_BYTES:
        return CompileProblem(
            f"the submission is {size} bytes; the limit is {MAX_CODE_BYTES}", None
        )
    try:
        compile(code, "solution.py", "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = (
            f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
            if exc.lineno
            else ""
        )
        text = f"{type(exc).__name__}: {exc.msg}" + (f" ({where})" if where else "")
        if exc.text and exc.text.strip():
            text += f"\n    {exc.text.strip()}"
        return CompileProblem(text, exc.lineno)
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return CompileProblem(f"{type(exc).__name__}: {exc}", None)
    return None


def wall_seconds(time_ms: int) -> float:
    """The wall-clock allowance: twice the CPU limit, and at least one second more than it."""
    seconds = time_ms / 1000
    return seconds + max(seconds, 1.0)


def build_request(
    problem: Problem, test: ProblemTest, code: str, worker_vm_kb: int
) -> dict[str, Any]:
    """What the sandbox receives for one test: the code and the inputs, never the expected value.

    ``limits``, ``wall_seconds`` and ``output_bytes`` go to the fork server; the rest (the
    payload: code and inputs) only to the test itself, see :func:`split_request`."""
    limits = problem.limits
    return {
        "op": "run",
        "code": code,
        "function": problem.function,
        "numpy_inputs": problem.numpy_inputs,
        "test": {
            "kind": test.kind,
            "args": to_plain(list(test.args)),
            "kwargs": to_plain(dict(test.kwargs)),
            "code": test.code,
        },
        "limits": {
            "cpu_seconds": math.ceil(limits.time_ms / 1000) + 1,
            "address_space_bytes": worker_vm_kb * 1024
            + limits.memory_mb * 1024 * 1024
            + ADDRESS_SPACE_SLACK,
            "file_bytes": FILE_BYTES,
            "open_files": OPEN_FILES,
            "processes": PROCESSES,
        },
        "output_bytes": limits.output_kb * 1024,
        "wall_seconds": wall_seconds(limits.time_ms),
    }


def split_request(request: dict[str, Any]) -> tuple[dict[str, Any], bytes, dict[str, int]]:
    """(control for the server, payload for the test only, byte caps for the test's pipes)."""
    control = {"limits": request["limits"], "wall_seconds": request["wall_seconds"]}
    payload = {k: v for k, v in request.items() if k not in ("op", "limits", "wall_seconds")}
    caps = {
        "stdout": int(request["output_bytes"]) + 1,
        "stderr": MAX_STDERR_BYTES,
        "report": MAX_RESULT_BYTES + 1,
    }
    return control, json.dumps(payload, allow_nan=True).encode("utf-8"), caps


# Submissions importing these run on workers that preload them (an import costs the test seconds).
DATA_PACKAGES = frozenset({"pandas", "scipy", "sklearn"})


def worker_profile(*sources: str | None) -> str:
    """ "data" when the code imports pandas, SciPy or scikit-learn, else "base"."""
    for source in sources:
        if not source:
            continue
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            if any(name.split(".")[0] in DATA_PACKAGES for name in names):
                return "data"
    return "base"


def render_input(problem: Problem, test: ProblemTest) -> str:
    if test.kind == "script":
        return test.code or ""
    parts = [show(a, MAX_DETAIL_CHARS) for a in test.args] + [
        f"{k}={show(v, MAX_DETAIL_CHARS)}" for k, v in test.kwargs.items()
    ]
    text = f"{problem.function}({', '.join(parts)})"
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 3] + "..."


def render_value(value: Any) -> str:
    return show(value, MAX_DETAIL_CHARS)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


_SIGNAL_HINTS = {
    signal.SIGSEGV: "a crash in native code, often a stack overflow from very deep recursion",
    signal.SIGABRT: "the process aborted",
    signal.SIGSYS: "a forbidden system call",
    signal.SIGBUS: "a bus error",
    signal.SIGFPE: "an arithmetic fault",
}


@dataclass(frozen=True)
class Classified:
    verdict: Verdict
    message: str
    line: int | None = None
    actual: str | None = None


def parse_report(raw: str | None) -> dict[str, Any] | str | None:
    """The child's report: a dict, None when there is none, or a string saying why it is unreadable."""
    if not raw:
        return None
    try:
        report = json.loads(raw)
    except (ValueError, RecursionError):
        return "its report is not valid JSON"
    if not isinstance(report, dict) or not isinstance(report.get("status"), str):
        return "its report has the wrong shape"
    return report


def classify(
    problem: Problem,
    test: ProblemTest,
    reply: dict[str, Any],
    baseline_rss_kb: int,
    custom: CustomCheck | None = None,
) -> tuple[Classified, int]:
    """Map what happened in the sandbox to a verdict. Pure but for ``custom``, which runs a
    problem's custom checker (in the sandbox); the reply is plain data."""
    limits = problem.limits
    memory_kb = max(0, int(reply.get("maxrss_kb", 0)) - baseline_rss_kb)
    cpu_ms = float(reply.get("cpu_ms", 0.0))
    wall_ms = float(reply.get("wall_ms", 0.0))
    exit_code = int(reply.get("exit_code", 0))
    killed_by = -exit_code if exit_code < 0 else None
    report = parse_report(reply.get("report"))

    if reply.get("output_exceeded"):
        return Classified(
            Verdict.OUTPUT_LIMIT, f"printed more than {limits.output_kb} KB"
        ), memory_kb
    if reply.get("result_exceeded") or (
        isinstance(report, dict) and report["status"] == "too_large"
    ):
        return Classified(
            Verdict.OUTPUT_LIMIT, f"returned more than {MAX_RESULT_BYTES // 2**20} MB of data"
        ), memory_kb
    if reply.get("timed_out"):
        if cpu_ms < limits.time_ms / 2:
            why = f"still running after {wall_ms / 1000:.1f} s of wall-clock time while using little CPU: is it sleeping or waiting for input?"
        else:
            why = f"still running after {wall_ms / 1000:.1f} s; the limit is {limits.time_ms} ms"
        return Classified(Verdict.TIME_LIMIT, why), memory_kb
    if cpu_ms > limits.time_ms or killed_by == signal.SIGXCPU:
        return Classified(
            Verdict.TIME_LIMIT,
            f"used {cpu_ms:.0f} ms of CPU time; the limit is {limits.time_ms} ms",
        ), memory_kb
    limit_kb = limits.memory_mb * 1024
    if (
        isinstance(report, dict)
        and report["status"] == "error"
        and report.get("type") == "MemoryError"
    ):
        return Classified(
            Verdict.MEMORY_LIMIT,
            f"ran out of memory; the limit is {limits.memory_mb} MB",
            report.get("line"),
        ), memory_kb
    if killed_by is not None and memory_kb >= MEMORY_SUSPECT_RATIO * limit_kb:
        return Classified(
            Verdict.MEMORY_LIMIT,
            f"killed by {_signal_name(killed_by)} near the {limits.memory_mb} MB memory limit",
        ), memory_kb
    if isinstance(report, dict) and report["status"] == "compile_error":
        return Classified(
            Verdict.COMPILE_ERROR, str(report.get("message")), report.get("line")
        ), memory_kb
    if isinstance(report, dict) and report["status"] == "error":
        return Classified(
            Verdict.RUNTIME_ERROR, str(report.get("message", "")), _line(report)
        ), memory_kb
    if killed_by is not None:
        hint = _SIGNAL_HINTS.get(killed_by)  # type: ignore[call-overload]
        text = f"crashed with {_signal_name(killed_by)}" + (f" ({hint})" if hint else "")
        return Classified(Verdict.RUNTIME_ERROR, text), memory_kb
    if report is None:
        if exit_code == 0:
            text = "the process ended before the test finished (did the code call os._exit()?)"
        else:
            text = f"the process exited with code {exit_code} before the test finished"
        return Classified(Verdict.RUNTIME_ERROR, text), memory_kb
    if isinstance(report, str):
        return Classified(
            Verdict.RUNTIME_ERROR,
            f"the test's result could not be read: {report} (did the code write to the judge's file descriptors?)",
        ), memory_kb
    if report["status"] == "not_plain":
        return Classified(
            Verdict.WRONG_ANSWER, str(report.get("message", "the result is not plain data"))
        ), memory_kb
    if report["status"] != "ok":
        return Classified(
            Verdict.RUNTIME_ERROR,
            f"the test's result could not be read: unknown status {report['status']!r}",
        ), memory_kb

    if test.kind == "script":
        stdout = str(reply.get("stdout", ""))
        outcome = check_output(problem.checker, test.expected, stdout, custom)
        return _from_outcome(outcome, stdout), memory_kb
    try:
        actual = from_plain(report.get("value"))
    except (ValueError, TypeError, RecursionError) as exc:
        return Classified(
            Verdict.RUNTIME_ERROR, f"the test's result could not be read: {exc}"
        ), memory_kb
    outcome = check_value(problem.checker, test.expected, actual, custom)
    return _from_outcome(outcome, render_value(normalise(actual))), memory_kb


def _line(report: dict[str, Any]) -> int | None:
    line = report.get("line")
    return line if isinstance(line, int) else None


def _from_outcome(outcome: CheckOutcome, actual: str) -> Classified:
    if outcome.ok:
        return Classified(Verdict.ACCEPTED, "", actual=actual)
    return Classified(Verdict.WRONG_ANSWER, outcome.reason, actual=actual)


def judge_submission(
    problem: Problem,
    code: str,
    *,
    run_hidden: bool = True,
    stop_at_first_failure: bool = True,
    pool: JudgePool | None = None,
) -> JudgeResult:
    """Judge ``code`` against ``problem``'s tests. Thread-safe; uses the process-wide pool unless
    one is given. ``run_hidden=False`` runs only the visible tests (a "run examples" button)."""
    pool = pool or default_pool()
    selected = [
        (index, test)
        for index, test in enumerate(problem.tests, start=1)
        if run_hidden or not test.hidden
    ]
    problem_found = compile_problem(code)
    if problem_found is not None:
        skipped = tuple(TestResult(i, t.name, t.hidden, Verdict.SKIPPED) for i, t in selected)
        return JudgeResult(
            problem.id,
            Verdict.COMPILE_ERROR,
            skipped,
            pool.sandbox_note,
            problem_found.message,
            problem_found.line,
        )

    results: list[TestResult] = []
    first_failure: FailureDetail | None = None
    failed_message: tuple[str, int | None] | None = None
    profile = worker_profile(code, problem.reference_solution)
    with pool.lease(profile) as lease:
        for index, test in selected:
            if stop_at_first_failure and failed_message is not None:
                results.append(TestResult(index, test.name, test.hidden, Verdict.SKIPPED))
                continue
            result, detail = _run_one(problem, test, index, code, lease)
            results.append(result)
            if result.verdict is not Verdict.ACCEPTED and failed_message is None:
                if test.hidden:
                    failed_message = (f"test {index} (hidden) failed: {result.verdict.value}", None)
                else:
                    failed_message = (f"test {index}: {result.message}", result.line)
            if detail is not None and first_failure is None:
                first_failure = detail
    verdict = overall_verdict(results)
    message, line = failed_message if failed_message else (None, None)
    notes = () if pool.sandboxed else (f"sandbox: {pool.sandbox_note}",)
    return JudgeResult(
        problem.id, verdict, tuple(results), pool.sandbox_note, message, line, first_failure, notes
    )


# Verdicts a broken worker could also explain: after one, a canary checks the worker.
_SUSPECT = frozenset({Verdict.RUNTIME_ERROR, Verdict.TIME_LIMIT, Verdict.MEMORY_LIMIT})


def _run_one(
    problem: Problem, test: ProblemTest, index: int, code: str, lease: Lease
) -> tuple[TestResult, FailureDetail | None]:
    for attempt in (1, 2):
        request = build_request(problem, test, code, lease.worker.baseline_vm_kb)
        control, payload, caps = split_request(request)
        timeout = float(request["wall_seconds"]) + HOST_MARGIN_SECONDS
        try:
            reply = lease.run(control, payload, caps, timeout)
        except WorkerFailed as exc:
            message = (
                f"the judge's worker failed twice on this test ({exc}); this is a fault in mlcoach"
            )
            result = TestResult(index, test.name, test.hidden, Verdict.JUDGE_ERROR, message=message)
            return result, None
        custom = _sandboxed_checker(lease) if problem.checker.kind == "custom" else None
        classified, memory_kb = classify(problem, test, reply, lease.worker.baseline_rss_kb, custom)
        # A failure the worker itself could have caused: if a trivial test fails there too, the
        # worker is replaced (by healthy()) and this test runs once more on the fresh one.
        if attempt == 1 and classified.verdict in _SUSPECT and not lease.healthy():
            continue
        break
    visible = not test.hidden
    result = TestResult(
        index=index,
        name=test.name,
        hidden=test.hidden,
        verdict=classified.verdict,
        time_ms=round(float(reply.get("cpu_ms", 0.0)), 1),
        wall_ms=round(float(reply.get("wall_ms", 0.0)), 1),
        memory_kb=memory_kb,
        message=classified.message or None if visible else None,
        line=classified.line if visible else None,
    )
    detail = None
    if visible and classified.verdict is not Verdict.ACCEPTED:
        expected = test.expected if test.kind == "call" else str(test.expected)
        detail = FailureDetail(
            test=index,
            input=render_input(problem, test),
            expected=render_value(normalise(expected)) if test.kind == "call" else str(expected),
            actual=classified.actual if test.kind == "call" else str(reply.get("stdout", "")),
            stdout=str(reply.get("stdout", ""))[:MAX_DETAIL_CHARS],
            stderr=str(reply.get("stderr", ""))[:MAX_DETAIL_CHARS],
        )
    return result, detail


CHECKER_LIMITS = {
    "cpu_seconds": 10,
    "file_bytes": FILE_BYTES,
    "open_files": OPEN_FILES,
    "processes": PROCESSES,
}
CHECKER_MEMORY_BYTES = 512 * 1024 * 1024


def _sandboxed_checker(lease: Lease) -> CustomCheck:
    """Runs a custom checker's check(expected, actual) in a fresh sandboxed child."""

    def run(code: str, expected: Any, actual: Any) -> CheckOutcome:
        payload = json.dumps(
            {
                "kind": "check",
                "code": code,
                "expected": to_plain(expected),
                "actual": to_plain(actual),
            },
            allow_nan=True,
        ).encode("utf-8")
        limits = {
            **CHECKER_LIMITS,
            "address_space_bytes": lease.worker.baseline_vm_kb * 1024 + CHECKER_MEMORY_BYTES,
        }
        caps = {"stdout": 4096, "stderr": MAX_STDERR_BYTES, "report": 64 * 1024}
        try:
            reply = lease.run({"limits": limits, "wall_seconds": 20.0}, payload, caps, 40.0)
        except WorkerFailed as exc:
            return CheckOutcome(False, f"the problem's checker could not run ({exc})")
        report = parse_report(reply.get("report"))
        value = report.get("value") if isinstance(report, dict) else None
        if (
            not isinstance(report, dict)
            or report.get("status") != "ok"
            or not isinstance(value, list)
            or len(value) != 2
        ):
            why = report.get("message") if isinstance(report, dict) else None
            return CheckOutcome(
                False,
                f"the problem's checker failed ({why or 'exit code ' + str(reply.get('exit_code'))})",
            )
        ok, reason = value
        if ok is True:
            return CheckOutcome(True)
        return CheckOutcome(False, str(reason) or f"the checker rejected {show(actual)}")

    return run


_default_pool: JudgePool | None = None
_default_lock = threading.Lock()


def default_pool() -> JudgePool:
    """The process-wide pool, started on first use and shut down at exit."""
    global _default_pool
    with _default_lock:
        if _default_pool is None:
            _default_pool = JudgePool()
            atexit.register(close)
        return _default_pool


def close() -> None:
    """Stop the process-wide pool's workers (a later submission starts new ones)."""
    global _default_pool
    with _default_lock:
        pool, _default_pool = _default_pool, None
    if pool is not None:
        pool.close()
