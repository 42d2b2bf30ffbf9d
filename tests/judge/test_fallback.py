"""Where bubblewrap is missing (or switched off), the judge still enforces its limits and says
plainly, in every verdict, that there is no sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mlcoach.catalog import Problem
from mlcoach.judge import JudgePool, Verdict, judge_submission
from mlcoach.judge.sandbox import NO_SANDBOX_NOTE, SANDBOX_ENV
from tests.judge.conftest import TEST_PROBLEMS


@pytest.fixture(scope="module")
def unsandboxed() -> Iterator[JudgePool]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SANDBOX_ENV, "none")
        pool = JudgePool(size=1)
    with pool:
        yield pool


@pytest.mark.parametrize("problem_id", sorted(TEST_PROBLEMS))
def test_without_bubblewrap_every_verdict_says_so(unsandboxed: JudgePool, problem_id: str) -> None:
    problem: Problem = TEST_PROBLEMS[problem_id]
    result = judge_submission(problem, problem.reference_solution, pool=unsandboxed)
    assert result.verdict is Verdict.ACCEPTED
    assert result.sandbox.startswith(NO_SANDBOX_NOTE)
    assert result.notes and result.notes[0].startswith(f"sandbox: {NO_SANDBOX_NOTE}")
    assert result.to_dict()["sandbox"].startswith("none — resource limits only")


def test_without_bubblewrap_limits_still_hold(unsandboxed: JudgePool) -> None:
    probe = TEST_PROBLEMS["judge-probe"]
    assert (
        judge_submission(probe, "def probe():\n    while True: pass\n", pool=unsandboxed).verdict
        is Verdict.TIME_LIMIT
    )
    memory = "def probe():\n    x = []\n    while True: x.append(bytearray(2**23))\n"
    assert judge_submission(probe, memory, pool=unsandboxed).verdict is Verdict.MEMORY_LIMIT
    fork = "import os\ndef probe():\n    os.fork()\n    return 'ok'\n"
    assert judge_submission(probe, fork, pool=unsandboxed).verdict is Verdict.RUNTIME_ERROR
