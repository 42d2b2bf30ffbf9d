"""The judge never weakens its sandbox by itself: without a working bubblewrap it refuses, with the
install command, unless the user explicitly opted out (MLCOACH_JUDGE_SANDBOX=none) on a single-user
machine. In team mode the opt-out itself is refused. With the opt-out, every verdict says so and the
limits still hold."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mlcoach.catalog import Problem
from mlcoach.judge import JudgePool, SandboxRefused, Verdict, judge_submission
from mlcoach.judge.sandbox import NO_SANDBOX_NOTE, SANDBOX_ENV
from tests.judge.conftest import PROBLEMS_DIR, TEST_PROBLEMS, needs_bwrap

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def no_bwrap_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A PATH on which bubblewrap cannot be found (as on a machine without the package)."""
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv(SANDBOX_ENV, raising=False)
    monkeypatch.delenv("MLCOACH_AUTH", raising=False)
    return str(empty)


def test_without_bubblewrap_the_judge_refuses_and_says_how_to_install_it(
    no_bwrap_on_path: str,
) -> None:
    with pytest.raises(SandboxRefused) as refused:
        JudgePool(size=1)
    message = str(refused.value)
    assert "apt-get install bubblewrap" in message
    assert f"{SANDBOX_ENV}=none" in message and "single-user" in message


def test_a_bubblewrap_that_cannot_start_a_sandbox_is_refused_not_bypassed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "bin"
    broken.mkdir()
    script = broken / "bwrap"
    script.write_text(
        "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{broken}:/usr/bin:/bin")
    monkeypatch.delenv(SANDBOX_ENV, raising=False)
    with JudgePool(size=1) as pool, pytest.raises(SandboxRefused) as refused:
        judge_submission(TEST_PROBLEMS["judge-probe"], "def probe():\n    return 'ok'\n", pool=pool)
    assert "No permissions to creating new namespace" in str(refused.value)
    assert "apt-get install bubblewrap" in str(refused.value)


def test_team_mode_refuses_the_unsandboxed_opt_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SANDBOX_ENV, "none")
    monkeypatch.setenv("MLCOACH_AUTH", "on")
    with pytest.raises(SandboxRefused, match="team mode"):
        JudgePool(size=1)


def test_the_cli_refuses_with_one_clear_line_and_exit_2(
    mlcoach: Run, tmp_path: Path, isolated_data_dir: Path
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    solution = tmp_path / "s.py"
    solution.write_text(TEST_PROBLEMS["judge-pair-sums"].reference_solution)
    assert mlcoach("problems", "import", str(PROBLEMS_DIR)).returncode == 0
    env = {"PATH": str(empty), SANDBOX_ENV: "", "MLCOACH_AUTH": "off"}
    result = mlcoach("solve", "judge-pair-sums", "--file", str(solution), env=env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert "apt-get install bubblewrap" in result.stderr


def test_the_setting_shows_in_mlcoach_config(mlcoach: Run) -> None:
    shown = mlcoach("config", env={SANDBOX_ENV: "none"})
    assert shown.returncode == 0
    assert "MLCOACH_JUDGE_SANDBOX" in shown.stdout and "none" in shown.stdout
    wrong = mlcoach("config", env={SANDBOX_ENV: "off"})
    assert wrong.returncode == 2 and "bubblewrap or none" in wrong.stderr


@pytest.fixture(scope="module")
def unsandboxed() -> Iterator[JudgePool]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SANDBOX_ENV, "none")
        patch.delenv("MLCOACH_AUTH", raising=False)
        pool = JudgePool(size=1)
    with pool:
        yield pool


@pytest.mark.parametrize("problem_id", sorted(TEST_PROBLEMS))
def test_with_the_opt_out_every_verdict_says_so(unsandboxed: JudgePool, problem_id: str) -> None:
    problem: Problem = TEST_PROBLEMS[problem_id]
    result = judge_submission(problem, problem.reference_solution, pool=unsandboxed)
    assert result.verdict is Verdict.ACCEPTED
    assert result.sandbox.startswith(NO_SANDBOX_NOTE)
    assert result.notes and result.notes[0].startswith(f"sandbox: {NO_SANDBOX_NOTE}")
    assert f"{SANDBOX_ENV}=none" in result.to_dict()["sandbox"]


def test_with_the_opt_out_limits_still_hold(unsandboxed: JudgePool) -> None:
    probe = TEST_PROBLEMS["judge-probe"]
    assert (
        judge_submission(probe, "def probe():\n    while True: pass\n", pool=unsandboxed).verdict
        is Verdict.TIME_LIMIT
    )
    memory = "def probe():\n    x = []\n    while True: x.append(bytearray(2**23))\n"
    assert judge_submission(probe, memory, pool=unsandboxed).verdict is Verdict.MEMORY_LIMIT
    fork = "import os\ndef probe():\n    os.fork()\n    return 'ok'\n"
    assert judge_submission(probe, fork, pool=unsandboxed).verdict is Verdict.RUNTIME_ERROR
    deep = "import os\ndef probe():\n    p = '.'\n    for _ in range(1500):\n        p += '/d'\n        os.mkdir(p)\n    return 'ok'\n"
    assert judge_submission(probe, deep, pool=unsandboxed).verdict is Verdict.ACCEPTED
    after = "import os\ndef probe():\n    return 'ok' if not os.listdir('.') else 'left over'\n"
    assert judge_submission(probe, after, pool=unsandboxed).verdict is Verdict.ACCEPTED


@needs_bwrap
def test_with_bubblewrap_the_note_names_it() -> None:
    with JudgePool(size=1, sandbox="bubblewrap") as pool:
        assert pool.sandboxed and "bubblewrap" in pool.sandbox_note
