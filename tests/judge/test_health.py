"""A worker whose tests start failing for reasons of its own is noticed and replaced: a canary runs
after a suspicious failure, and the test runs again on a fresh worker."""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlcoach.judge import JudgePool, Verdict, judge_submission
from mlcoach.judge.sandbox import SERVER_PATH
from tests.judge.conftest import TEST_PROBLEMS, needs_bwrap

pytestmark = needs_bwrap


def _fork_server_pid(launcher: int) -> int:
    """The host PID of the fork server under bubblewrap's process ``launcher``."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    frontier = [launcher]
    while frontier:
        pid = frontier.pop(0)
        try:
            command = (Path("/proc") / str(pid) / "cmdline").read_bytes()
        except OSError:
            command = b""
        argv = command.split(b"\0")
        if SERVER_PATH.encode() in argv and not argv[0].endswith(b"bwrap"):
            return pid
        frontier += [child for child, parent in parents.items() if parent == pid]
    raise AssertionError("no fork server found under the worker")


@pytest.fixture
def one_worker() -> Iterator[JudgePool]:
    with JudgePool(size=1) as pool:
        pool.start()
        yield pool


def test_a_worker_broken_from_outside_is_replaced_and_the_test_rerun(one_worker: JudgePool) -> None:
    probe = TEST_PROBLEMS["judge-probe"]
    good = "def probe():\n    return 'ok'\n"
    assert judge_submission(probe, good, pool=one_worker).verdict is Verdict.ACCEPTED
    worker = one_worker._idle[0]
    server = _fork_server_pid(worker.proc.pid)
    # From the host (as an administrator could, or a kernel bug): the server may no longer open
    # 64 files, so every test it forks fails to set its own limits.
    resource.prlimit(server, resource.RLIMIT_NOFILE, (16, 16))
    result = judge_submission(probe, good, pool=one_worker)
    assert result.verdict is Verdict.ACCEPTED, result.message
    assert one_worker._idle and one_worker._idle[0] is not worker
    with pytest.raises(ProcessLookupError):
        os.kill(server, 0)  # the broken server is gone


def test_a_wrong_submission_does_not_cost_a_healthy_worker(one_worker: JudgePool) -> None:
    probe = TEST_PROBLEMS["judge-probe"]
    worker = one_worker._idle[0]
    crash = "def probe():\n    raise ValueError('mine')\n"
    result = judge_submission(probe, crash, pool=one_worker)
    assert result.verdict is Verdict.RUNTIME_ERROR and "mine" in (result.message or "")
    assert one_worker._idle[0] is worker  # the canary passed: the same worker serves on
