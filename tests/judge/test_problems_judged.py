"""Every problem, shipped or ours: the reference solution is Accepted, every wrong solution is not.

All judgements run up front on a two-worker pool, two at a time, so slow wrong solutions (the ones
meant to exceed the time limit) overlap; each parametrised test then reads its own outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from mlcoach.catalog import PROBLEM_KINDS, Problem, load_catalog
from mlcoach.judge import JudgePool, JudgeResult, Verdict, judge_submission
from tests.judge.conftest import SANDBOX, TEST_PROBLEMS, needs_bwrap

pytestmark = needs_bwrap

SHIPPED: dict[str, Problem] = dict(load_catalog().problems)
ALL = {**SHIPPED, **TEST_PROBLEMS}
CASES = [(pid, -1) for pid in ALL] + [
    (pid, i) for pid, p in ALL.items() for i in range(len(p.wrong_solutions))
]


def _case_id(case: tuple[str, int]) -> str:
    pid, index = case
    return f"{pid}-reference" if index < 0 else f"{pid}-wrong{index}"


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[tuple[str, int], JudgeResult]]:
    def run(case: tuple[str, int]) -> tuple[tuple[str, int], JudgeResult]:
        pid, index = case
        problem = ALL[pid]
        code = problem.reference_solution if index < 0 else problem.wrong_solutions[index]
        return case, judge_submission(problem, code, pool=pool)

    with JudgePool(size=2, sandbox=SANDBOX) as pool, ThreadPoolExecutor(max_workers=2) as threads:
        yield dict(threads.map(run, CASES))


def test_the_shipped_problems_load() -> None:
    # The shipped curriculum has every kind, and over a hundred problems (issue 16).
    assert len(SHIPPED) >= 100
    assert {p.kind for p in SHIPPED.values()} == set(PROBLEM_KINDS)
    assert TEST_PROBLEMS.keys().isdisjoint(SHIPPED)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_reference_is_accepted_and_wrong_solutions_are_not(
    outcomes: dict[tuple[str, int], JudgeResult], case: tuple[str, int]
) -> None:
    result = outcomes[case]
    pid, index = case
    if index < 0:
        detail = result.first_failure.to_dict() if result.first_failure else ""
        assert result.verdict is Verdict.ACCEPTED, (
            f"{pid}: {result.verdict.value}: {result.message} {detail}"
        )
    else:
        assert result.verdict is not Verdict.ACCEPTED, f"{pid}: wrong solution {index} is accepted"
        assert result.verdict is not Verdict.JUDGE_ERROR, result.message
