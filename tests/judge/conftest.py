"""Fixtures for the code judge: the test problems, warm pools, and the CLI as a user runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mlcoach.catalog import Problem
from mlcoach.catalog.loader import read_file
from mlcoach.judge import JudgePool, JudgeResult, judge_submission

PROBLEMS_DIR = Path(__file__).parent / "problems"
HAS_BWRAP = shutil.which("bwrap") is not None
# Where bubblewrap is missing, the tests that only check verdicts run with the explicit opt-out.
SANDBOX = "bubblewrap" if HAS_BWRAP else "none"
needs_bwrap = pytest.mark.skipif(
    not HAS_BWRAP,
    reason="bubblewrap (bwrap) is not installed; the sandbox tests need it (apt-get install bubblewrap)",
)


def _load_test_problems() -> dict[str, Problem]:
    found: dict[str, Problem] = {}
    for path in sorted(PROBLEMS_DIR.glob("*.yaml")):
        items, issues = read_file(path)
        assert not issues, issues
        for entry in items:
            assert isinstance(entry.item, Problem)
            found[entry.item.id] = entry.item
    return found


TEST_PROBLEMS = _load_test_problems()


@pytest.fixture(scope="session")
def problems() -> dict[str, Problem]:
    return TEST_PROBLEMS


@pytest.fixture(scope="session")
def pool() -> Iterator[JudgePool]:
    """Two warm workers, shared by the tests that do not care which one they get."""
    with JudgePool(size=2, sandbox=SANDBOX) as shared:
        yield shared


@pytest.fixture(scope="module")
def single_pool() -> Iterator[JudgePool]:
    """One worker, so the submission after an attack runs on the very worker that was attacked."""
    with JudgePool(size=1, sandbox=SANDBOX) as one:
        yield one


Judge = Callable[..., JudgeResult]


@pytest.fixture
def judge(pool: JudgePool, problems: dict[str, Problem]) -> Judge:
    def run(code: str, problem: str = "judge-probe", **options: object) -> JudgeResult:
        return judge_submission(problems[problem], code, pool=pool, **options)  # type: ignore[arg-type]

    return run


MLCOACH = Path(sys.executable).parent / "mlcoach"


@pytest.fixture
def mlcoach(isolated_data_dir: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed `mlcoach` command in a fresh process, with its own data folder."""

    def run(
        *args: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1", **(env or {})}
        return subprocess.run(
            [str(MLCOACH), *args],
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    return run
