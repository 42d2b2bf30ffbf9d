"""The judge end to end through real fork servers: verdicts, per-test data, the pool's behaviour."""

from __future__ import annotations

import threading

import pytest

from mlcoach.judge import JudgePool, Verdict, judge_submission
from tests.judge.conftest import SANDBOX, TEST_PROBLEMS, Judge, needs_bwrap

pytestmark = needs_bwrap

SUMS = TEST_PROBLEMS["judge-pair-sums"]


def test_a_correct_solution_is_accepted_with_time_and_memory_per_test(judge: Judge) -> None:
    result = judge(SUMS.reference_solution, "judge-pair-sums")
    assert result.verdict is Verdict.ACCEPTED
    assert (result.passed, result.total) == (4, 4)
    for test in result.tests:
        assert test.verdict is Verdict.ACCEPTED
        assert test.time_ms is not None and 0 < test.time_ms < 1000
        assert test.memory_kb is not None and 0 <= test.memory_kb < 64 * 1024
    assert result.first_failure is None and result.message is None
    assert result.sandbox.startswith("bubblewrap") and result.notes == ()


def test_a_wrong_answer_shows_the_first_failing_visible_test(judge: Judge) -> None:
    result = judge(
        "def pair_sums(pairs):\n    return [a * b for a, b in pairs]\n", "judge-pair-sums"
    )
    assert result.verdict is Verdict.WRONG_ANSWER
    failure = result.first_failure
    assert failure is not None
    assert (failure.test, failure.input, failure.expected, failure.actual) == (
        1,
        "pair_sums([[1, 2], [3, 4]])",
        "[3, 7]",
        "[2, 12]",
    )
    assert [t.verdict for t in result.tests] == [Verdict.WRONG_ANSWER] + [Verdict.SKIPPED] * 3


def test_a_hidden_failure_shows_only_its_verdict(judge: Judge) -> None:
    code = (
        "def pair_sums(pairs):\n    return [a + b for a, b in pairs[:2]]\n"  # wrong from 3 pairs on
    )
    result = judge(code, "judge-pair-sums", stop_at_first_failure=False)
    assert [t.verdict for t in result.tests] == [
        Verdict.ACCEPTED,
        Verdict.ACCEPTED,
        Verdict.WRONG_ANSWER,
        Verdict.WRONG_ANSWER,
    ]
    hidden = result.tests[2]
    assert hidden.hidden and hidden.message is None and hidden.line is None
    assert result.first_failure is None
    assert result.message == "test 3 (hidden) failed: Wrong Answer"
    assert "-10" not in str(result.to_dict())  # the hidden expected value


def test_a_compile_error_is_reported_before_any_test_runs(judge: Judge) -> None:
    result = judge("def pair_sums(pairs)\n    return pairs\n", "judge-pair-sums")
    assert result.verdict is Verdict.COMPILE_ERROR
    assert result.line == 1
    assert "SyntaxError" in (result.message or "")
    assert all(t.verdict is Verdict.SKIPPED and t.time_ms is None for t in result.tests)


def test_a_runtime_error_shows_a_traceback_of_the_submission_only(judge: Judge) -> None:
    code = "def helper(p):\n    return p[0] / 0\n\ndef pair_sums(pairs):\n    return [helper(p) for p in pairs]\n"
    result = judge(code, "judge-pair-sums")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert result.line == 2
    message = result.message or ""
    assert 'File "solution.py", line 2, in helper' in message
    assert 'File "solution.py", line 5' in message
    assert "ZeroDivisionError: division by zero" in message
    assert "_forkserver" not in message and "/opt/mlcoach" not in message


def test_a_missing_function_is_a_runtime_error_that_names_it(judge: Judge) -> None:
    result = judge("def pair_sum(pairs):\n    return []\n", "judge-pair-sums")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "does not define a function named 'pair_sums'" in (result.message or "")


def test_numpy_inputs_arrive_as_arrays_and_results_are_compared_numerically(judge: Judge) -> None:
    problem = TEST_PROBLEMS["judge-row-means"]
    assert judge(problem.reference_solution, problem.id).verdict is Verdict.ACCEPTED
    typed = "import numpy as np\ndef row_means(x):\n    assert isinstance(x, np.ndarray), type(x)\n    return x.sum(axis=1) / x.shape[1]\n"
    assert judge(typed, problem.id).verdict is Verdict.ACCEPTED
    off = judge("def row_means(x):\n    return x.mean(axis=1) + 1e-3\n", problem.id)
    assert off.verdict is Verdict.WRONG_ANSWER
    assert "at [0]: expected 1.5, got 1.501" in (off.message or "")


def test_script_tests_compare_printed_output(judge: Judge) -> None:
    problem = TEST_PROBLEMS["judge-print-squares"]
    assert judge(problem.reference_solution, problem.id).verdict is Verdict.ACCEPTED
    sloppy = "def show_squares(n):\n    for i in range(1, n + 1):\n        print(i, i * i, '  ')\n    print()\n"
    assert judge(sloppy, problem.id).verdict is Verdict.ACCEPTED  # trailing spaces and blank lines
    wrong = judge(problem.wrong_solutions[0], problem.id)
    assert wrong.verdict is Verdict.WRONG_ANSWER
    assert wrong.first_failure is not None and wrong.first_failure.actual == "0 0\n1 1\n2 4\n"


def test_run_hidden_false_runs_only_the_examples(judge: Judge) -> None:
    result = judge(SUMS.reference_solution, "judge-pair-sums", run_hidden=False)
    assert [t.index for t in result.tests] == [1, 2]
    assert result.verdict is Verdict.ACCEPTED


def test_each_test_starts_from_a_fresh_process(judge: Judge) -> None:
    code = "calls = []\ndef pair_sums(pairs):\n    calls.append(1)\n    return [a + b for a, b in pairs] if len(calls) == 1 else []\n"
    assert judge(code, "judge-pair-sums").verdict is Verdict.ACCEPTED


def test_concurrent_submissions_from_many_threads(pool: JudgePool) -> None:
    verdicts: list[Verdict] = []
    lock = threading.Lock()

    def submit(code: str) -> None:
        verdict = judge_submission(SUMS, code, pool=pool).verdict
        with lock:
            verdicts.append(verdict)

    codes = [SUMS.reference_solution, SUMS.wrong_solutions[0]] * 4
    threads = [threading.Thread(target=submit, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(v.value for v in verdicts) == ["Accepted"] * 4 + ["Wrong Answer"] * 4


def test_workers_are_recycled_after_n_submissions() -> None:
    with JudgePool(size=1, recycle_after=2, sandbox=SANDBOX) as pool:
        seen = []
        for _ in range(5):
            with pool.lease() as lease:
                seen.append(lease.worker.proc.pid)
        assert judge_submission(SUMS, SUMS.reference_solution, pool=pool).accepted
    assert len(set(seen)) == 3 and seen[0] == seen[1] != seen[2] == seen[3] != seen[4]


def test_closing_a_pool_stops_its_workers() -> None:
    pool = JudgePool(size=2, sandbox=SANDBOX)
    pool.start()
    processes = [w.proc for w in pool._idle]
    assert len(processes) == 2 and all(p.poll() is None for p in processes)
    pool.close()
    assert all(p.poll() is not None for p in processes)
    with pytest.raises(Exception, match="shut down"):
        judge_submission(SUMS, SUMS.reference_solution, pool=pool)


def test_the_default_pool_serves_the_plain_api_and_can_be_closed() -> None:
    from mlcoach import judge

    result = judge.judge_submission(SUMS, SUMS.reference_solution)
    assert result.accepted
    judge.close()
    assert judge.judge_submission(SUMS, SUMS.reference_solution).accepted  # starts afresh
    judge.close()
