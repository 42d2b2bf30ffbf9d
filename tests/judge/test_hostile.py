"""Hostile submissions: each gets the right verdict, and neither the host nor the next submission
(run on the very same worker) can tell it happened."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import mlcoach
from mlcoach.catalog import Problem, shipped_content_dir
from mlcoach.catalog.models import ProblemTest
from mlcoach.judge import JudgePool, JudgeResult, Verdict, judge_submission
from tests.judge.conftest import PROBLEMS_DIR, needs_bwrap

pytestmark = needs_bwrap

JUDGE_SOURCE = Path(mlcoach.__file__).parent / "judge" / "engine.py"

# The five correct submissions that follow each attack on the same worker, batched as the five
# tests of one submission (each test is a fresh process, as a new submission's would be). Each
# looks for anything the attack left: files, shared memory, processes, patched state, changed limits,
# priority or CPU affinity, and the attack's own marker (its source code carries one) anywhere in
# its memory. The marker is searched for with a regex of one-character classes, so the pattern
# itself never holds the marker's bytes in a row.
FOLLOW_UP = """
import builtins, ctypes, os, re, resource, sys, threading
import numpy as np

def _marker_in_memory(codes):
    pattern = re.compile(b"".join(b"[" + re.escape(bytes([c])) + b"]" for c in codes))
    hits = 0
    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps]
    for fields in regions:
        start, end = (int(x, 16) for x in fields[0].split("-"))
        name = fields[5] if len(fields) > 5 else ""
        if not fields[1].startswith("rw") or name not in ("", "[heap]", "[stack]"):
            continue
        step = 1 << 20
        for offset in range(start, end, step):
            chunk = ctypes.string_at(offset, min(step + 64, end - offset))
            if pattern.search(chunk):
                hits += 1
    return hits

def probe(marker, cpu_seconds, cpus):
    found = []
    for folder in ("/tmp", "/dev/shm"):
        if os.listdir(folder):
            found.append(f"{folder} holds {sorted(os.listdir(folder))[:5]}")
    with open("/proc/sysvipc/shm") as shm:
        if len(shm.readlines()) > 1:
            found.append("SysV shared memory left")
    pids = [p for p in os.listdir("/proc") if p.isdigit()]
    if os.getpid() != 1 or len(pids) != 2:
        found.append(f"processes {pids} (own pid {os.getpid()})")
    if threading.active_count() != 1:
        found.append(f"{threading.active_count()} threads")
    if type(len).__name__ != "builtin_function_or_method" or len([1, 2]) != 2 or hasattr(builtins, "pwned"):
        found.append("builtins patched")
    if np.sum([1, 2]) != 3 or np.pi != 3.141592653589793 or np.get_printoptions()["precision"] != 8:
        found.append("numpy patched")
    if np.geterr() != {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}:
        found.append(f"numpy error state {np.geterr()}")
    if "pwned" in sys.modules or os.environ.get("PWNED"):
        found.append("module or environment left behind")
    if not os.access("/tmp", os.W_OK):
        found.append("/tmp not writable")
    limits = {
        "cpu": (resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1)),
        "files": (resource.RLIMIT_NOFILE, (64, 64)),
        "processes": (resource.RLIMIT_NPROC, (64, 64)),
        "file size": (resource.RLIMIT_FSIZE, (16 << 20, 16 << 20)),
        "core": (resource.RLIMIT_CORE, (0, 0)),
    }
    for name, (which, want) in limits.items():
        if resource.getrlimit(which) != want:
            found.append(f"{name} limit {resource.getrlimit(which)}")
    if os.getpriority(os.PRIO_PROCESS, 0) != 0:
        found.append(f"nice {os.getpriority(os.PRIO_PROCESS, 0)}")
    if os.sched_getscheduler(0) != os.SCHED_OTHER:
        found.append("scheduler policy changed")
    if len(os.sched_getaffinity(0)) != cpus:
        found.append(f"CPU affinity {sorted(os.sched_getaffinity(0))}")
    if _marker_in_memory(marker):
        found.append("the attack's code is still in memory")
    return "ok" if not found else "; ".join(found)
"""
FOLLOW_UPS = 5
FOLLOW_UP_MS = 3000


def _follow_up_problem(probe: Problem, marker: str) -> Problem:
    cpu_seconds = -(-FOLLOW_UP_MS // 1000) + 1
    cpus = len(os.sched_getaffinity(0))
    test = {"args": [list(marker.encode()), cpu_seconds, cpus], "expected": "ok"}
    return probe.model_copy(
        update={
            "id": "judge-follow-up",
            "tests": tuple(
                ProblemTest.model_validate({**test, "name": f"follow-up {i + 1}"})
                for i in range(FOLLOW_UPS)
            ),
            "limits": probe.limits.model_copy(update={"time_ms": FOLLOW_UP_MS, "memory_mb": 256}),
        }
    )


@pytest.fixture(scope="module")
def probe_problem() -> Problem:
    from tests.judge.conftest import TEST_PROBLEMS

    return TEST_PROBLEMS["judge-probe"]


@pytest.fixture
def attack(single_pool: JudgePool, probe_problem: Problem) -> Iterator[object]:
    """Submit hostile code (a marker is added to it); afterwards five correct submissions on the
    same worker must be Accepted and find nothing of it."""
    marker = f"ATTACK-{secrets.token_hex(12)}"

    def submit(code: str, problem: Problem | None = None) -> JudgeResult:
        marked = f"{code}\n_MARKER = {marker!r}\n"  # at the end: line numbers stay the same
        return judge_submission(problem or probe_problem, marked, pool=single_pool)

    yield submit
    check_follow_ups(single_pool, probe_problem, marker)


def check_follow_ups(pool: JudgePool, probe: Problem, marker: str) -> None:
    after = judge_submission(
        _follow_up_problem(probe, marker), FOLLOW_UP, pool=pool, stop_at_first_failure=False
    )
    problems = [
        f"follow-up {t.index}: {t.verdict.value} {t.message or ''}"
        for t in after.tests
        if t.verdict is not Verdict.ACCEPTED
    ]
    detail = after.first_failure.actual if after.first_failure else ""
    assert not problems, f"the next submissions saw traces of the attack: {problems} {detail}"
    assert after.notes == ()


def _message(result: JudgeResult) -> str:
    return result.message or ""


# --- Network ---------------------------------------------------------------------------------------


def test_no_connection_to_a_local_database_port(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack(
        "import socket\ndef probe():\n    socket.create_connection(('127.0.0.1', 5432), timeout=2)\n    return 'connected'\n"
    )
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "PermissionError" in _message(result) or "ConnectionRefused" in _message(result)


def test_no_connection_to_a_server_listening_on_the_host(attack) -> None:  # type: ignore[no-untyped-def]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    code = (
        "import socket\ndef probe():\n"
        f"    s = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
        "    s.sendall(b'stolen')\n    return 'connected'\n"
    )
    try:
        result = attack(code)
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    assert result.verdict is Verdict.RUNTIME_ERROR


def test_no_name_resolution(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack(
        "import socket\ndef probe():\n    return str(socket.getaddrinfo('pypi.org', 443))\n"
    )
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "gaierror" in _message(result)


def test_no_network_interfaces_but_loopback_and_no_raw_sockets(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import socket\ndef probe():\n"
        "    names = [line.split(':')[0].strip() for line in open('/proc/net/dev').readlines()[2:]]\n"
        "    try:\n        socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n        return 'raw socket'\n"
        "    except OSError:\n        pass\n"
        "    return 'ok' if names in ([], ['lo']) else str(names)\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


# --- Files -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/etc/shadow",
        "/etc/passwd",
        str(JUDGE_SOURCE),
        str(PROBLEMS_DIR / "basics.yaml"),
        str(shipped_content_dir() / "topics.yaml"),
        str(Path.home() / ".bash_history"),
    ],
    ids=["shadow", "passwd", "judge-source", "test-problem-yaml", "shipped-content", "home"],
)
def test_host_files_cannot_be_read(attack, path: str) -> None:  # type: ignore[no-untyped-def]
    result = attack(f"def probe():\n    return open({path!r}).read()\n")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "FileNotFoundError" in _message(result) or "PermissionError" in _message(result)


def test_judge_internals_cannot_be_imported(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack("import mlcoach.judge\ndef probe():\n    return 'imported'\n")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "ModuleNotFoundError" in _message(result)


def test_only_numpy_is_importable_from_site_packages(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "def probe():\n    found = []\n"
        "    for name in ('sqlalchemy', 'pydantic', 'yaml', 'rich', 'pytest'):\n"
        "        try:\n            __import__(name)\n            found.append(name)\n"
        "        except ImportError:\n            pass\n"
        "    return 'ok' if not found else str(found)\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_other_processes_proc_entries_are_closed(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os\ndef probe():\n    opened = []\n"
        "    me = os.readlink('/proc/self')\n"
        "    others = [p for p in os.listdir('/proc') if p.isdigit() and p != me]\n"
        "    for pid in others:\n"
        "        for name in ('environ', 'mem', 'maps', 'fd/0', 'fd/3', 'root/tmp', 'stack', 'syscall'):\n"
        "            path = f'/proc/{pid}/{name}'\n"
        "            try:\n                open(path, 'rb').read(1)\n                opened.append(path)\n"
        "            except OSError:\n                pass\n"
        "    if len(others) != 1 or os.getppid() != 0 or os.getpid() != 1:\n"
        "        opened.append(f'processes {others}, parent {os.getppid()}')\n"
        "    return 'ok' if not opened else str(opened)\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_nothing_outside_tmp_can_be_written(attack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    host_file = tmp_path / "written-by-submission"
    code = (
        "def probe():\n    written = []\n"
        f"    for path in ('/x', '/usr/lib/x', '/opt/mlcoach/forkserver.py', '/dev/x', '/proc/x', {str(host_file)!r}):\n"
        "        try:\n            open(path, 'w').write('x')\n            written.append(path)\n"
        "        except OSError:\n            pass\n"
        "    open('/tmp/allowed', 'w').write('fine')\n"
        "    return 'ok' if not written else str(written)\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED
    assert not host_file.exists()


def test_huge_files_in_tmp_are_refused_and_removed(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "def probe():\n"
        "    with open('/tmp/big', 'wb') as fh:\n"
        "        for _ in range(200):\n            fh.write(b'x' * 2**20)\n"
        "    return 'ok'\n"
    )
    result = attack(code)
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "File too large" in _message(result)


def test_filling_tmp_with_many_files_is_cleaned_up(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os\ndef probe():\n"
        "    os.makedirs('/tmp/a/b', exist_ok=True)\n"
        "    for i in range(10):\n"
        "        with open(f'/tmp/a/b/f{i}', 'wb') as fh:\n            fh.write(b'x' * 15 * 2**20)\n"
        "    return 'ok'\n"
    )
    result = attack(code)
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "No space left" in _message(result)


def test_a_read_only_folder_left_in_tmp_does_not_survive(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os\ndef probe():\n"
        "    os.makedirs('/tmp/locked/inner')\n    open('/tmp/locked/inner/f', 'w').write('x')\n"
        "    os.chmod('/tmp/locked/inner', 0o500)\n    os.chmod('/tmp/locked', 0o500)\n"
        "    return 'ok'\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


# --- Processes and resources --------------------------------------------------------------------


def test_fork_bomb(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack("import os\ndef probe():\n    while True:\n        os.fork()\n")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "Operation not permitted" in _message(result)
    assert subprocess.run(["true"]).returncode == 0  # the host can still start processes


def test_fork_bomb_that_ignores_failures_runs_out_of_time(attack) -> None:  # type: ignore[no-untyped-def]
    code = "import os\ndef probe():\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n"
    assert attack(code).verdict is Verdict.TIME_LIMIT


def test_no_subprocesses(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack(
        "import subprocess\ndef probe():\n    return subprocess.run(['/bin/sh', '-c', 'echo hi']).returncode\n"
    )
    assert result.verdict is Verdict.RUNTIME_ERROR


def test_memory_bomb(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack(
        "def probe():\n    hoard = []\n    while True:\n        hoard.append(bytearray(8 * 2**20))\n"
    )
    assert result.verdict is Verdict.MEMORY_LIMIT


def test_numpy_memory_bomb(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack(
        "import numpy as np\ndef probe():\n    return np.ones((100_000, 100_000)).sum()\n"
    )
    assert result.verdict is Verdict.MEMORY_LIMIT


def test_infinite_loop(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack("def probe():\n    while True:\n        pass\n")
    assert result.verdict is Verdict.TIME_LIMIT


def test_sleeping_past_the_wall_clock_limit(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack("import time\ndef probe():\n    time.sleep(60)\n    return 'ok'\n")
    assert result.verdict is Verdict.TIME_LIMIT
    assert "wall-clock" in _message(result)
    assert result.tests[0].wall_ms is not None and result.tests[0].wall_ms < 5000


def test_ignoring_sigterm_does_not_help(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import signal\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGXCPU, signal.SIGHUP):\n"
        "    signal.signal(s, signal.SIG_IGN)\n"
        "def probe():\n    while True:\n        pass\n"
    )
    assert attack(code).verdict is Verdict.TIME_LIMIT


def test_giant_output(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack("def probe():\n    while True:\n        print('x' * 10_000)\n")
    assert result.verdict is Verdict.OUTPUT_LIMIT


def test_thread_bomb_left_running(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import threading, time\ndef probe():\n"
        "    while True:\n        threading.Thread(target=time.sleep, args=(60,)).start()\n"
    )
    result = attack(code)
    assert result.verdict in (Verdict.RUNTIME_ERROR, Verdict.MEMORY_LIMIT)


def test_background_thread_outliving_the_test(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import threading, time\n"
        "def linger():\n    while True:\n        open('/tmp/still-here', 'w').write('x')\n        time.sleep(0.01)\n"
        "def probe():\n    threading.Thread(target=linger).start()\n    return 'ok'\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_deep_recursion_is_a_runtime_error_with_the_line(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack("def probe():\n    return again(0)\n\ndef again(n):\n    return again(n + 1)\n")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "RecursionError" in _message(result)
    assert result.line == 5


def test_c_stack_overflow_is_a_runtime_error_not_a_judge_crash(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys\nsys.setrecursionlimit(10**7)\n"
        "def deep(n):\n    return list(map(deep, [n + 1]))\n"  # through C, so the C stack grows
        "def probe():\n    return deep(0)\n"
    )
    result = attack(code)
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "SIGSEGV" in _message(result)


def test_waiting_on_stdin(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack("def probe():\n    return input()\n")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "EOFError" in _message(result)


# --- The judge's own process and channels ---------------------------------------------------------


def test_signalling_the_fork_server_is_impossible(attack, single_pool: JudgePool) -> None:  # type: ignore[no-untyped-def]
    # The test is PID 1 of its own namespace: the server and its supervisor are not in it. Every
    # PID the sandbox's /proc shows is tried, and the signal reaches no one.
    result = attack(
        "import os, signal\ndef probe():\n    reached = []\n"
        "    for pid in [int(p) for p in os.listdir('/proc') if p.isdigit()] + [2, 3]:\n"
        "        try:\n            os.kill(pid, signal.SIGKILL if pid != 1 else 0)\n"
        "            reached.append(pid) if pid != 1 else None\n"
        "        except (ProcessLookupError, PermissionError):\n            pass\n"
        "    return 'ok' if not reached else str(reached)\n"
    )
    assert result.verdict is Verdict.ACCEPTED


@pytest.mark.parametrize(
    "call", ["os.kill(-1, signal.SIGKILL)", "os.killpg(1, signal.SIGKILL)", "os.kill(2, 9)"]
)
def test_signalling_other_processes_is_refused(attack, call: str) -> None:  # type: ignore[no-untyped-def]
    result = attack(f"import os, signal\ndef probe():\n    {call}\n    return 'ok'\n")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "PermissionError" in _message(result) or "ProcessLookupError" in _message(result)


def test_killing_its_own_process_group_harms_no_one(attack) -> None:  # type: ignore[no-untyped-def]
    # PID 1 of its namespace ignores its own SIGKILL: the test simply goes on, and returns None.
    result = attack("import os, signal\ndef probe():\n    os.killpg(0, signal.SIGKILL)\n")
    assert result.verdict is Verdict.WRONG_ANSWER
    assert result.first_failure is not None and result.first_failure.actual == "None"


def test_ptrace_of_the_parent_via_ctypes(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import ctypes, os\ndef probe():\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        "    attach = libc.ptrace(16, os.getppid(), 0, 0)\n"
        "    traceme = libc.ptrace(0, 0, 0, 0)\n"
        "    return 'ok' if attach == -1 and traceme == -1 else f'ptrace worked: {attach} {traceme}'\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_raw_syscalls_via_ctypes(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import ctypes, os, platform\ndef probe():\n"
        "    if platform.machine() != 'x86_64':\n        return 'ok'\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        "    calls = {'kill another': (62, 2, 9), 'unshare user ns': (272, 0x10000000),\n"
        "             'mount': (165, b'none', b'/tmp', b'tmpfs', 0, 0), 'fork': (57,), 'clone': (56, 17, 0, 0, 0, 0),\n"
        "             'process_vm_readv': (310, 1, 0, 0, 0, 0, 0), 'bpf': (321, 0, 0, 0),\n"
        "             'x32 kill': (0x40000000 | 62, 2, 9),\n"
        "             'prlimit another': (302, 2, 7, 0, 0)}\n"
        "    worked = [name for name, args in calls.items() if libc.syscall(*args) != -1]\n"
        "    return 'ok' if not worked else str(worked)\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_patching_builtins_and_modules(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import builtins, sys, os, types\n"
        "builtins.len = lambda x: 42\nbuiltins.pwned = True\n"
        "sys.modules['pwned'] = types.ModuleType('pwned')\nos.environ['PWNED'] = '1'\n"
        "def probe():\n    return 'ok'\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_patching_numpy_state(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import numpy as np\n"
        "np.sum = lambda *a, **k: 42\nnp.pi = 3\nnp.set_printoptions(precision=2)\nnp.seterr(all='raise')\n"
        "np.random.seed(7)\n"
        "def probe():\n    return 'ok'\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_an_object_that_equals_everything_is_a_wrong_answer(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "class Liar:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
        "def probe():\n    return Liar()\n"
    )
    result = attack(code)
    assert result.verdict is Verdict.WRONG_ANSWER
    assert "Liar object, which is not plain data" in _message(result)


def test_a_str_subclass_that_equals_everything_is_judged_by_its_content(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "class Sly(str):\n    def __eq__(self, other):\n        return True\n    __hash__ = str.__hash__\n"
        "def probe():\n    return Sly('nope')\n"
    )
    result = attack(code)
    assert result.verdict is Verdict.WRONG_ANSWER
    assert result.first_failure is not None and result.first_failure.actual == "'nope'"


def test_sys_exit_mid_test(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack("import sys\ndef probe():\n    sys.exit(0)\n")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "SystemExit" in _message(result)


def test_os_exit_mid_test(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack("import os\ndef probe():\n    os._exit(0)\n")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "os._exit" in _message(result)


def test_closing_every_descriptor(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack("import os\ndef probe():\n    os.closerange(0, 4096)\n    return 'ok'\n")
    assert result.verdict is Verdict.RUNTIME_ERROR


def test_writing_garbage_to_the_result_channel(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack("import os\ndef probe():\n    os.write(3, b'\\x00garbage{')\n    return 'ok'\n")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "could not be read" in _message(result)


def test_fake_protocol_messages_on_stdout_are_just_output(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import json, struct, sys\n"
        "def probe():\n"
        "    fake = json.dumps({'ok': True, 'exit_code': 0, 'report': json.dumps({'status': 'ok', 'value': 'ok'})}).encode()\n"
        "    sys.stdout.buffer.write(struct.pack('>I', len(fake)) + fake)\n"
        '    print(\'{"status": "ok", "value": "ok"}\')\n'
        "    return 'nope'\n"
    )
    result = attack(code)
    assert result.verdict is Verdict.WRONG_ANSWER
    assert result.first_failure is not None and result.first_failure.actual == "'nope'"


def test_hidden_test_data_does_not_leak_through_errors(attack, probe_problem: Problem) -> None:  # type: ignore[no-untyped-def]
    # Passes the visible test, then fails the hidden one with an error that would show its input.
    # Each test starts from a clean fork and an empty /tmp: the second test cannot see the first.
    code = (
        "import os\n"
        "def probe():\n"
        "    if os.path.exists('/tmp/seen'):\n        raise ValueError('the previous test left a file')\n"
        "    open('/tmp/seen', 'w').write('x')\n"
        "    return 'ok'\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED
    leaky = (
        "import os\ndef probe():\n    raise ValueError('the hidden input is ' + str(os.getpid()))\n"
    )
    hidden_only = probe_problem.model_copy(
        update={"tests": tuple(t for t in probe_problem.tests if t.hidden)}
    )
    failed = attack(leaky, hidden_only)
    assert failed.verdict is Verdict.RUNTIME_ERROR
    assert failed.first_failure is None
    assert all(t.message is None for t in failed.tests)
    assert "hidden input" not in str(failed.to_dict())


def test_many_attacks_in_parallel_leave_the_pool_healthy(
    pool: JudgePool, probe_problem: Problem
) -> None:
    codes = [
        "def probe():\n    while True:\n        pass\n",
        "def probe():\n    return [0] * 10**9\n",
        "import os\ndef probe():\n    os._exit(3)\n",
        "def probe():\n    return 'ok'\n",
    ]
    verdicts: list[Verdict] = []
    lock = threading.Lock()

    def run(code: str) -> None:
        verdict = judge_submission(probe_problem, code, pool=pool).verdict
        with lock:
            verdicts.append(verdict)

    threads = [threading.Thread(target=run, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(v.value for v in verdicts) == sorted(
        [
            Verdict.TIME_LIMIT.value,
            Verdict.MEMORY_LIMIT.value,
            Verdict.RUNTIME_ERROR.value,
            Verdict.ACCEPTED.value,
        ]
    )
    check_follow_ups(pool, probe_problem, "no-marker-in-these-attacks")


def test_the_interpreters_own_site_packages_are_hidden(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os, sys, sysconfig\ndef probe():\n"
        "    folder = sysconfig.get_paths()['purelib']\n"
        "    found = os.listdir(folder) if os.path.isdir(folder) else []\n"
        "    return 'ok' if not found else str(found[:5])\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


# --- One submission against the next (issue 14) ---------------------------------------------------

OTHER_PIDS = "[int(p) for p in os.listdir('/proc') if p.isdigit() and p != os.readlink('/proc/self')] + [2, 3]"


def _secret_pattern(secret: str) -> str:
    """Source for a regex that finds ``secret`` without the attack's code holding it in a row."""
    return repr(b"".join(b"[" + re.escape(bytes([c])) + b"]" for c in secret.encode()))


def _victim(pool: JudgePool, probe: Problem, secret: str) -> None:
    """Another user's correct submission, whose code, output and result carry ``secret``."""
    code = (
        f"SECRET = {secret!r}\n"
        "def probe():\n    print('my answer is', SECRET)\n    kept = SECRET * 3\n    return 'ok'\n"
    )
    assert judge_submission(probe, code, pool=pool).verdict is Verdict.ACCEPTED


def test_prlimit_on_the_fork_server_is_refused(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os, resource\ndef probe():\n    changed = []\n"
        f"    for pid in {OTHER_PIDS}:\n"
        "        for which in (resource.RLIMIT_NOFILE, resource.RLIMIT_AS, resource.RLIMIT_CPU):\n"
        "            try:\n                resource.prlimit(pid, which, (1, 1))\n"
        "                changed.append(pid)\n"
        "            except (PermissionError, ProcessLookupError):\n                pass\n"
        "    return 'ok' if not changed else str(changed)\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_prlimit_on_itself_only_changes_itself(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import resource\ndef probe():\n"
        "    resource.prlimit(0, resource.RLIMIT_NOFILE, (3, 3))\n"
        "    resource.setrlimit(resource.RLIMIT_CPU, (1, 1))\n    return 'ok'\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


@pytest.mark.parametrize(
    "call",
    [
        "os.setpriority(os.PRIO_PROCESS, pid, 19)",
        "os.sched_setaffinity(pid, {0})",
        "os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))",
        "os.sched_setparam(pid, os.sched_param(0))",
    ],
    ids=["renice", "affinity", "sched-idle", "sched-param"],
)
def test_priority_and_cpu_pinning_of_other_processes_are_refused(attack, call: str) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os\ndef probe():\n    changed = []\n"
        f"    for pid in {OTHER_PIDS}:\n"
        f"        try:\n            {call}\n            changed.append(pid)\n"
        "        except (PermissionError, ProcessLookupError):\n            pass\n"
        "    return 'ok' if not changed else str(changed)\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_renice_and_pinning_itself_do_not_outlive_the_test(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os\ndef probe():\n"
        "    os.nice(19)\n    os.setpriority(os.PRIO_USER, 0, 19)\n    os.setpriority(os.PRIO_PGRP, 0, 19)\n"
        "    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})\n"
        "    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))\n    return 'ok'\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_walking_frames_up_finds_nothing_of_the_previous_submission(
    attack, single_pool: JudgePool, probe_problem: Problem
) -> None:  # type: ignore[no-untyped-def]
    secret = f"VICTIM-{secrets.token_hex(8)}"
    _victim(single_pool, probe_problem, secret)
    code = (
        "import gc, re, sys\ndef probe():\n"
        f"    pattern = re.compile({_secret_pattern(secret)}.decode())\n"
        "    seen = []\n    frame = sys._getframe()\n"
        "    while frame is not None:\n"
        "        for space in (frame.f_locals, frame.f_globals):\n"
        "            for value in list(space.values()):\n"
        "                try:\n                    text = repr(value)\n"
        "                except Exception:\n                    continue\n"
        "                if pattern.search(text):\n                    seen.append(frame.f_code.co_name)\n"
        "        frame = frame.f_back\n"
        "    for obj in gc.get_objects():\n"
        "        if isinstance(obj, (dict, list)) and pattern.search(repr(obj)[:100000]):\n"
        "            seen.append('gc')\n"
        "    return 'ok' if not seen else str(seen)\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_scanning_its_own_memory_finds_no_earlier_submission(
    attack, single_pool: JudgePool, probe_problem: Problem
) -> None:  # type: ignore[no-untyped-def]
    secrets_seen = [f"VICTIM-{secrets.token_hex(8)}" for _ in range(3)]
    for secret in secrets_seen:
        _victim(single_pool, probe_problem, secret)
    patterns = ", ".join(_secret_pattern(s) for s in secrets_seen)
    code = (
        "import ctypes, re\ndef probe():\n"
        f"    patterns = [re.compile(p) for p in ({patterns})]\n"
        "    hits = 0\n"
        "    for line in open('/proc/self/maps').read().splitlines():\n"
        "        fields = line.split()\n"
        "        start, end = (int(x, 16) for x in fields[0].split('-'))\n"
        "        if not fields[1].startswith('rw') or (len(fields) > 5 and fields[5] not in ('[heap]', '[stack]')):\n"
        "            continue\n"
        "        for offset in range(start, end, 1 << 20):\n"
        "            chunk = ctypes.string_at(offset, min((1 << 20) + 64, end - offset))\n"
        "            hits += sum(1 for p in patterns if p.search(chunk))\n"
        "    return 'ok' if hits == 0 else f'{hits} hits'\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_sysv_shared_memory_dies_with_the_test(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import ctypes\ndef probe():\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        "    made = [libc.shmget(0, 1 << 30, 0o1666) for _ in range(4)]\n"
        "    made.append(libc.shmget(0x4D4C43, 1 << 20, 0o1666))\n"
        "    return 'ok' if all(m >= 0 for m in made) else f'shmget failed: {made}'\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_posix_shared_memory_and_fifos_do_not_survive(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os\ndef probe():\n"
        "    with open('/dev/shm/psm_leak', 'wb') as fh:\n        fh.write(b'x' * (4 << 20))\n"
        "    os.mkfifo('/tmp/fifo')\n    os.symlink('/etc/passwd', '/tmp/link')\n"
        "    os.chmod('/tmp', 0o1777)\n    return 'ok'\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_a_deep_directory_tree_is_cleaned_up(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os\ndef probe():\n    os.chdir('/tmp')\n"
        "    for level in range(1500):\n        os.mkdir('d')\n        os.chdir('d')\n"
        "        open('f', 'w').close()\n"
        "    os.chmod('.', 0o500)\n    return 'ok'\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_a_wide_directory_tree_is_cleaned_up(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os\ndef probe():\n"
        "    for i in range(200):\n        os.makedirs(f'/tmp/w/{i}/a/b', exist_ok=True)\n"
        "        for j in range(20):\n            open(f'/tmp/w/{i}/a/b/{j}', 'w').close()\n"
        "    return 'ok'\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED


def test_a_huge_int_is_judged_and_shown_without_a_traceback(attack, probe_problem: Problem) -> None:  # type: ignore[no-untyped-def]
    wrong = attack("def probe():\n    return 7 ** 20000\n")
    assert wrong.verdict is Verdict.WRONG_ANSWER
    assert wrong.first_failure is not None and "16902 digits" in (wrong.first_failure.actual or "")
    expects_big = probe_problem.model_copy(
        update={"tests": (ProblemTest(args=(), expected=7**20000),)}
    )
    assert attack("def probe():\n    return 7 ** 20000\n", expects_big).verdict is Verdict.ACCEPTED
    off_by_one = attack("def probe():\n    return 7 ** 20000 + 1\n", expects_big)
    assert off_by_one.verdict is Verdict.WRONG_ANSWER
    assert "digits" in (off_by_one.message or "")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("x = []\n    for _ in range(5000):\n        x = [x]\n    return x", "nested"),
        ("x = []\n    x.append(x)\n    return x", "nested"),
        ("d = {}\n    d['self'] = d\n    return d", "nested"),
        ("return 'y' * (8 << 20)", "expected 'ok'"),
    ],
    ids=["deep", "cyclic-list", "cyclic-dict", "huge-string"],
)
def test_awkward_results_get_a_clear_verdict(attack, body: str, words: str) -> None:  # type: ignore[no-untyped-def]
    result = attack(f"def probe():\n    {body}\n")
    assert result.verdict is Verdict.WRONG_ANSWER
    assert words in (result.message or "")
    assert len(result.message or "") < 5000


def test_ignoring_sigpipe_and_printing_forever_is_stopped(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import signal, sys\ndef probe():\n    signal.signal(signal.SIGPIPE, signal.SIG_IGN)\n"
        "    while True:\n        try:\n            sys.stdout.write('x' * 4096)\n            sys.stdout.flush()\n"
        "        except OSError:\n            pass\n"
    )
    result = attack(code)
    assert result.verdict is Verdict.OUTPUT_LIMIT
    assert result.tests[0].wall_ms < 1000  # stopped when the limit was hit, not at the time limit


def test_a_deck_checker_runs_in_the_sandbox(attack, probe_problem: Problem, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    host_file = tmp_path / "written-by-checker"
    checker = (
        "import os\n"
        "def check(expected, actual):\n"
        f"    try:\n        open({str(host_file)!r}, 'w').write('x')\n    except OSError:\n        pass\n"
        "    try:\n        open('/etc/shadow').read()\n        return False, 'read /etc/shadow'\n"
        "    except OSError:\n        pass\n"
        "    try:\n        import mlcoach\n        return False, 'imported the judge'\n"
        "    except ImportError:\n        pass\n"
        "    return actual == expected, f'got {actual!r}'\n"
    )
    problem = probe_problem.model_copy(
        update={
            "checker": probe_problem.checker.model_copy(update={"kind": "custom", "code": checker})
        }
    )
    assert attack("def probe():\n    return 'ok'\n", problem).verdict is Verdict.ACCEPTED
    wrong = attack("def probe():\n    return 'no'\n", problem)
    assert wrong.verdict is Verdict.WRONG_ANSWER and "got 'no'" in (wrong.message or "")
    assert not host_file.exists()
    crash = problem.model_copy(
        update={
            "checker": problem.checker.model_copy(
                update={"code": "def check(e, a):\n    while True: pass\n"}
            )
        }
    )
    assert attack("def probe():\n    return 'ok'\n", crash).verdict is Verdict.WRONG_ANSWER


def test_the_scientific_stack_and_sqlite_work_in_the_sandbox(
    attack, probe_problem: Problem
) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sqlite3\nimport numpy as np\nimport pandas as pd\nimport scipy.stats\n"
        "from sklearn.linear_model import LinearRegression\n"
        "def probe():\n"
        "    db = sqlite3.connect(':memory:')\n"
        "    db.execute('create table t (x real, y real)')\n"
        "    db.executemany('insert into t values (?, ?)', [(i, 2 * i + 1) for i in range(10)])\n"
        "    frame = pd.read_sql_query('select x, y from t', db)\n"
        "    model = LinearRegression().fit(frame[['x']], frame['y'])\n"
        "    slope = scipy.stats.linregress(frame['x'], frame['y']).slope\n"
        "    ok = abs(model.coef_[0] - 2) < 1e-9 and abs(slope - 2) < 1e-9\n"
        "    return 'ok' if ok else f'{model.coef_} {slope}'\n"
    )
    # The probe's 0.5 s limit is for attacks; importing the stack cold can take longer on a busy
    # machine, and this test is about what is importable, not how fast.
    roomy = probe_problem.model_copy(
        update={
            "limits": probe_problem.limits.model_copy(update={"time_ms": 15000, "memory_mb": 1024})
        }
    )
    result = attack(code, roomy)
    assert result.verdict is Verdict.ACCEPTED, result.message
