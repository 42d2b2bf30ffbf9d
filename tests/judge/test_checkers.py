"""Checkers, the plain-data codec and the verdict mapping: pure functions, no sandbox."""

from __future__ import annotations

import math
import os
import signal
from typing import Any

import numpy as np
import pytest

from mlcoach.catalog.models import Checker, Problem
from mlcoach.judge._forkserver import (
    NotPlainData,
    from_plain,
    prepared_filter,
    seccomp_program,
    to_plain,
)
from mlcoach.judge.checkers import (
    check_numeric,
    check_output,
    check_unordered,
    check_value,
    normalise,
    output_lines,
    show,
)
from mlcoach.judge.engine import build_request, classify, compile_problem, wall_seconds
from mlcoach.judge.verdicts import JudgeResult, TestResult, Verdict, overall_verdict
from tests.judge.conftest import TEST_PROBLEMS

EXACT = Checker()
NUMERIC = Checker(kind="numeric", rtol=1e-6, atol=1e-9)
UNORDERED = Checker(kind="unordered")


# --- normalisation -----------------------------------------------------------------------------


def test_normalise_turns_numpy_and_tuples_into_plain_lists() -> None:
    value = (np.array([[1, 2], [3, 4]]), np.float64(0.5), np.int32(7), (1, (2, 3)), np.bool_(True))
    assert normalise(value) == [[[1, 2], [3, 4]], 0.5, 7, [1, [2, 3]], True]
    assert type(normalise(np.float64(0.5))) is float
    assert type(normalise(np.int64(3))) is int


def test_normalise_sorts_sets_and_keeps_dict_keys_hashable() -> None:
    assert normalise({3, 1, 2}) == [1, 2, 3]
    assert normalise({(1, 2): [3]}) == {(1, 2): [3]}


# --- exact -------------------------------------------------------------------------------------


def test_exact_accepts_equal_values_after_normalisation() -> None:
    assert check_value(EXACT, [1, [2, 3]], (1, (2, 3))).ok
    assert check_value(EXACT, [1.5, 2.5], np.array([1.5, 2.5])).ok


def test_exact_says_what_differs() -> None:
    outcome = check_value(EXACT, [3, 7], [2, 12])
    assert not outcome.ok
    assert outcome.reason == "expected [3, 7], got [2, 12]"


# --- numeric -----------------------------------------------------------------------------------


def test_numeric_accepts_values_within_tolerance_in_nested_lists() -> None:
    assert check_value(NUMERIC, [[0.1 + 0.2, 1.0]], [[0.3, 1.0000000001]]).ok
    assert check_value(NUMERIC, 0.3, np.float64(0.1 + 0.2)).ok


def test_numeric_names_the_first_position_out_of_tolerance() -> None:
    outcome = check_value(NUMERIC, [[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 4.1]])
    assert not outcome.ok
    assert outcome.reason.startswith("at [1][1]: expected 4.0, got 4.1")


def test_numeric_compares_ints_and_bools_exactly() -> None:
    loose = Checker(kind="numeric", rtol=0.5, atol=1.0)
    assert not check_value(loose, 10, 11).ok
    assert not check_value(loose, True, 1).ok
    assert not check_value(loose, [True], [False]).ok
    assert check_value(loose, 10.0, 10.4).ok


def test_numeric_checks_shape_and_nan() -> None:
    assert not check_numeric([1.0, 2.0], [1.0], 1e-6, 1e-9).ok
    assert (
        "expected a list of 2 items, got a list of 1 items"
        in check_numeric([1.0, 2.0], [1.0], 1e-6, 1e-9).reason
    )
    assert not check_numeric([1.0], 1.0, 1e-6, 1e-9).ok
    assert check_numeric([math.nan], [math.nan], 1e-6, 1e-9).ok
    assert not check_numeric(math.nan, 1.0, 1e-6, 1e-9).ok


def test_numeric_compares_dicts_key_by_key() -> None:
    assert check_numeric({"a": 1.0}, {"a": 1.0 + 1e-12}, 1e-6, 1e-9).ok
    outcome = check_numeric({"a": 1.0}, {"b": 1.0}, 1e-6, 1e-9)
    assert not outcome.ok and "missing keys 'a'" in outcome.reason


# --- unordered ---------------------------------------------------------------------------------


def test_unordered_compares_multisets() -> None:
    assert check_unordered([[1, 2], [3, 4], [1, 2]], [[3, 4], [1, 2], [1, 2]]).ok
    outcome = check_unordered([1, 1, 2], [1, 2, 2])
    assert not outcome.ok
    assert "missing [1]" in outcome.reason and "unexpected [2]" in outcome.reason


def test_unordered_is_type_aware_like_exact() -> None:
    assert check_value(UNORDERED, [1, 2.0], [2.0, 1]).ok
    assert not check_value(UNORDERED, [1, 2.0], [2, 1.0]).ok
    assert not check_value(UNORDERED, [1, 2], "12").ok
    assert not check_value(UNORDERED, [True, 0], [0, 1]).ok


# --- types -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (3, 3.0),
        (1, True),
        (0, False),
        ([1, 2], [1.0, 2]),
        ({"a": 1}, {"a": 1.0}),
        ({1: "x"}, {True: "x"}),
    ],
)
def test_exact_tells_ints_floats_and_bools_apart(expected: Any, actual: Any) -> None:
    outcome = check_value(EXACT, expected, actual)
    assert not outcome.ok
    assert "not" in outcome.reason  # says which types differ


def test_exact_still_accepts_numpy_values_of_the_right_type_and_nan_for_nan() -> None:
    assert check_value(EXACT, [3, 2.5, True], [np.int64(3), np.float64(2.5), np.bool_(True)]).ok
    assert check_value(EXACT, [math.nan], [float("nan")]).ok


def test_numeric_checker_is_how_a_problem_accepts_3_point_0_for_3() -> None:
    assert check_value(NUMERIC, 3, 3.0).ok
    assert check_value(NUMERIC, [1, 2], [1.0, 2.0000000001]).ok


# --- showing values ----------------------------------------------------------------------------


def test_huge_ints_are_compared_and_shown_without_error() -> None:
    big = 7**20_000  # about 16,900 digits: str() refuses it
    assert check_value(EXACT, big, big).ok
    outcome = check_value(EXACT, big, big + 1)
    assert not outcome.ok and "digits" in outcome.reason
    assert not check_value(NUMERIC, big, big - 1).ok
    assert not check_value(UNORDERED, [big], [big + 1]).ok
    assert "16902 digits" in show(big)


def test_deep_cyclic_and_huge_values_are_shown_within_bounds() -> None:
    deep: list[Any] = []
    node = deep
    for _ in range(5000):
        node.append([])
        node = node[0]
    cyclic: list[Any] = [1]
    cyclic.append(cyclic)
    huge = [deep, cyclic, "x" * 10_000_000, list(range(100_000)), {i: i for i in range(10_000)}]
    for value in huge:
        assert len(show(value, 300)) <= 300
    assert "<cycle>" in show(cyclic)


# --- custom ------------------------------------------------------------------------------------


def test_custom_checker_code_never_runs_in_the_judge_process() -> None:
    code = "import os\nos.environ['CHECKER_RAN'] = '1'\ndef check(e, a):\n    return True\n"
    with pytest.raises(ValueError, match="sandbox"):
        check_value(Checker(kind="custom", code=code), 1, 1)
    assert "CHECKER_RAN" not in os.environ


# --- printed output ----------------------------------------------------------------------------


def test_output_ignores_trailing_spaces_and_trailing_blank_lines_only() -> None:
    assert output_lines("a  \nb\t\n\n\n") == ["a", "b"]
    assert output_lines("\n a\n") == ["", " a"]
    assert check_output(EXACT, "1 1\n2 4\n", "1 1   \n2 4\n\n").ok
    outcome = check_output(EXACT, "1 1\n2 4\n", "1 1\n2 5\n")
    assert outcome.reason == "line 2: expected '2 4', got '2 5'"
    assert "expected 2 line(s) of output, got 3" in check_output(EXACT, "a\nb", "a\nb\nc").reason


def test_numeric_output_compares_numbers_token_by_token() -> None:
    assert check_output(NUMERIC, "loss 0.3333333", "loss 0.33333333333").ok
    assert not check_output(NUMERIC, "loss 0.33", "loss 0.34").ok
    assert not check_output(NUMERIC, "loss 0.33", "gain 0.33").ok


# --- the plain-data codec between the sandbox and the judge ---------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        -3,
        2**5000,
        1.5,
        math.inf,
        "é",
        [1, [2, "x"]],
        {"a": 1, 2: [3], (1, 2): None},
        {1, 2},
        1 + 2j,
        b"\x00\xff",
    ],
)
def test_plain_data_round_trips(value: Any) -> None:
    assert from_plain(to_plain(value)) == value


def test_plain_data_converts_numpy_and_subclasses_through_builtin_methods() -> None:
    class Sneaky(int):
        def __int__(self) -> int:
            return 99

        def __index__(self) -> int:
            return 99

    assert to_plain(np.arange(3)) == [0, 1, 2]
    assert to_plain(np.float32(0.5)) == 0.5
    assert to_plain(Sneaky(5)) == 5


def test_plain_data_refuses_objects_and_deep_nesting() -> None:
    class Liar:
        def __eq__(self, other: object) -> bool:
            return True

    with pytest.raises(NotPlainData, match="Liar object, which is not plain data"):
        to_plain([Liar()])
    deep: list[Any] = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(NotPlainData, match="nested more than"):
        to_plain(deep)


@pytest.mark.parametrize(
    "data", [{"k": 1}, {"$dict": [[1]]}, {"$eval": "x"}, {"$complex": [1, 2]}, [{"a": 1, "b": 2}]]
)
def test_unknown_or_malformed_data_from_the_sandbox_is_refused(data: Any) -> None:
    with pytest.raises(ValueError):
        from_plain(data)


def test_seccomp_program_resolves_every_jump() -> None:
    program = seccomp_program(1234)
    assert all(0 <= jt < 256 and 0 <= jf < 256 for _code, jt, jf, _k in program)
    assert program[-1] == (0x06, 0, 0, 0x80000000)  # unknown architecture: kill


# --- compile errors and requests -----------------------------------------------------------------


def test_compile_problem_gives_the_line() -> None:
    found = compile_problem("def f(x):\n    return x +\n")
    assert found is not None
    assert found.line == 2
    assert "SyntaxError" in found.message and "line 2" in found.message
    assert compile_problem("def f():\n    return 1\n") is None
    assert compile_problem("x = 1\0") is not None
    assert compile_problem("x = 1\n" * 20_000) is not None  # over the size limit


def test_the_request_carries_inputs_but_never_the_expected_value() -> None:
    problem = TEST_PROBLEMS["judge-pair-sums"]
    test = problem.tests[2]
    request = build_request(problem, test, "code", 100_000)
    assert repr(test.expected) not in repr(request)
    assert "expected" not in repr(request)
    assert from_plain(request["test"]["args"]) == [list(map(list, test.args[0]))]
    assert request["wall_seconds"] == wall_seconds(problem.limits.time_ms) == 2.0


# --- verdict mapping -----------------------------------------------------------------------------


def _reply(**fields: Any) -> dict[str, Any]:
    base = {
        "ok": True,
        "exit_code": 0,
        "cpu_ms": 3.0,
        "wall_ms": 4.0,
        "maxrss_kb": 30_000,
        "stdout": "",
        "stderr": "",
        "report": '{"status": "ok", "value": [3, 7]}',
        "timed_out": False,
        "output_exceeded": False,
        "result_exceeded": False,
    }
    return {**base, **fields}


PAIRS: Problem = TEST_PROBLEMS["judge-pair-sums"]
FIRST = PAIRS.tests[0]


@pytest.mark.parametrize(
    ("fields", "verdict", "words"),
    [
        ({}, Verdict.ACCEPTED, ""),
        ({"report": '{"status": "ok", "value": [3, 8]}'}, Verdict.WRONG_ANSWER, "expected [3, 7]"),
        ({"output_exceeded": True}, Verdict.OUTPUT_LIMIT, "printed more than 64 KB"),
        ({"result_exceeded": True, "report": None}, Verdict.OUTPUT_LIMIT, "returned more than"),
        ({"timed_out": True, "cpu_ms": 5.0, "wall_ms": 2100.0}, Verdict.TIME_LIMIT, "wall-clock"),
        ({"cpu_ms": 1500.0}, Verdict.TIME_LIMIT, "1500 ms of CPU"),
        (
            {"exit_code": -signal.SIGXCPU, "report": None, "cpu_ms": 990.0},
            Verdict.TIME_LIMIT,
            "CPU",
        ),
        (
            {
                "report": '{"status": "error", "type": "MemoryError", "message": "MemoryError", "line": 2}'
            },
            Verdict.MEMORY_LIMIT,
            "64 MB",
        ),
        (
            {"exit_code": -signal.SIGKILL, "report": None, "maxrss_kb": 100_000},
            Verdict.MEMORY_LIMIT,
            "SIGKILL",
        ),
        ({"exit_code": -signal.SIGSEGV, "report": None}, Verdict.RUNTIME_ERROR, "SIGSEGV"),
        (
            {
                "report": '{"status": "error", "type": "KeyError", "message": "KeyError: 1", "line": 4}'
            },
            Verdict.RUNTIME_ERROR,
            "KeyError",
        ),
        ({"report": None}, Verdict.RUNTIME_ERROR, "os._exit"),
        ({"report": None, "exit_code": 3}, Verdict.RUNTIME_ERROR, "code 3"),
        ({"report": "{oops"}, Verdict.RUNTIME_ERROR, "could not be read"),
        (
            {"report": '{"status": "ok", "value": {"$eval": 1}}'},
            Verdict.RUNTIME_ERROR,
            "could not be read",
        ),
        (
            {"report": '{"status": "not_plain", "message": "a Foo object"}'},
            Verdict.WRONG_ANSWER,
            "Foo",
        ),
    ],
)
def test_classify_maps_what_happened_to_a_verdict(
    fields: dict[str, Any], verdict: Verdict, words: str
) -> None:
    classified, memory_kb = classify(PAIRS, FIRST, _reply(**fields), baseline_rss_kb=25_000)
    assert classified.verdict is verdict
    assert words in classified.message
    assert memory_kb == max(0, int(fields.get("maxrss_kb", 30_000)) - 25_000)


def test_classify_script_tests_compares_printed_output() -> None:
    problem = TEST_PROBLEMS["judge-print-squares"]
    test = problem.tests[0]
    good = classify(problem, test, _reply(report='{"status": "ok"}', stdout="1 1\n2 4\n3 9\n"), 0)[
        0
    ]
    bad = classify(problem, test, _reply(report='{"status": "ok"}', stdout="0 0\n"), 0)[0]
    assert good.verdict is Verdict.ACCEPTED
    assert bad.verdict is Verdict.WRONG_ANSWER and "line 1" in bad.message


def test_overall_verdict_is_the_first_failing_test() -> None:
    results = [
        TestResult(1, "", False, Verdict.ACCEPTED),
        TestResult(2, "", True, Verdict.TIME_LIMIT),
        TestResult(3, "", False, Verdict.WRONG_ANSWER),
        TestResult(4, "", False, Verdict.SKIPPED),
    ]
    assert overall_verdict(results) is Verdict.TIME_LIMIT
    assert overall_verdict(results[:1]) is Verdict.ACCEPTED
    summary = JudgeResult("p", Verdict.TIME_LIMIT, tuple(results), "sandbox").to_dict()
    assert summary["passed"] == 1 and summary["total"] == 4 and summary["code"] == "TLE"


@pytest.mark.parametrize("pid", [1, 2, 31337, 4_194_304])
def test_the_prepared_filter_is_the_program_for_the_childs_pid(pid: int) -> None:
    fprog = prepared_filter().for_pid(pid)
    built = [(f.code, f.jt, f.jf, f.k) for f in fprog.filter[: fprog.len]]
    assert built == seccomp_program(pid)
