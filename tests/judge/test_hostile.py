"""Hostile submissions: each gets the right verdict, and neither the host nor the next submission
(run on the very same worker) can tell it happened."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import mlcoach
from mlcoach.catalog import Problem, shipped_content_dir
from mlcoach.judge import JudgePool, JudgeResult, Verdict, judge_submission
from tests.judge.conftest import PROBLEMS_DIR, needs_bwrap

pytestmark = needs_bwrap

JUDGE_SOURCE = Path(mlcoach.__file__).parent / "judge" / "engine.py"

# Runs right after each attack, on the same worker: it looks for anything the attack left behind.
CANARY = """
import builtins, os, sys, threading
import numpy as np

def probe():
    found = []
    for folder in ("/tmp", "/dev/shm"):
        if os.listdir(folder):
            found.append(f"{folder} holds {sorted(os.listdir(folder))}")
    pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    if pids != [1, os.getpid()]:
        found.append(f"processes {pids}")
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
    return "ok" if not found else "; ".join(found)
"""


@pytest.fixture(scope="module")
def probe_problem() -> Problem:
    from tests.judge.conftest import TEST_PROBLEMS

    return TEST_PROBLEMS["judge-probe"]


@pytest.fixture
def attack(single_pool: JudgePool, probe_problem: Problem) -> Iterator[object]:
    """Submit hostile code; afterwards the canary must pass on the same worker."""

    def submit(code: str, problem: Problem | None = None) -> JudgeResult:
        return judge_submission(problem or probe_problem, code, pool=single_pool)

    yield submit
    after = judge_submission(probe_problem, CANARY, pool=single_pool)
    detail = after.first_failure.actual if after.first_failure else after.message
    assert after.verdict is Verdict.ACCEPTED, (
        f"the next submission saw traces of the attack: {detail}"
    )
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


def test_parent_proc_entries_are_closed(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os\ndef probe():\n    opened = []\n"
        "    parent = os.getppid()\n"
        "    for name in ('environ', 'mem', 'maps', 'fd/0', 'fd/1', 'fd/3', 'root/tmp', 'stack', 'syscall'):\n"
        "        path = f'/proc/{parent}/{name}'\n"
        "        try:\n            open(path, 'rb').read(1)\n            opened.append(path)\n"
        "        except OSError:\n            pass\n"
        "    try:\n        open(f'/proc/{parent}/mem', 'wb')\n        opened.append('mem for writing')\n"
        "    except OSError:\n        pass\n"
        "    if len([p for p in os.listdir('/proc') if p.isdigit()]) != 2:\n"
        "        opened.append('processes outside the sandbox are visible')\n"
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


def test_killing_the_parent_is_refused(attack, single_pool: JudgePool) -> None:  # type: ignore[no-untyped-def]
    result = attack(
        "import os, signal\ndef probe():\n    os.kill(os.getppid(), signal.SIGKILL)\n    return 'ok'\n"
    )
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "PermissionError" in _message(result)


@pytest.mark.parametrize(
    "call",
    ["os.kill(-1, signal.SIGKILL)", "os.killpg(1, signal.SIGKILL)", "os.kill(1, signal.SIGTERM)"],
)
def test_signalling_other_processes_is_refused(attack, call: str) -> None:  # type: ignore[no-untyped-def]
    result = attack(f"import os, signal\ndef probe():\n    {call}\n    return 'ok'\n")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "PermissionError" in _message(result)


def test_killing_its_own_process_group_only_kills_itself(attack) -> None:  # type: ignore[no-untyped-def]
    result = attack("import os, signal\ndef probe():\n    os.killpg(0, signal.SIGKILL)\n")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "SIGKILL" in _message(result)


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
        "    calls = {'kill parent': (62, os.getppid(), 9), 'unshare user ns': (272, 0x10000000),\n"
        "             'mount': (165, b'none', b'/tmp', b'tmpfs', 0, 0), 'fork': (57,), 'clone': (56, 17, 0, 0, 0, 0),\n"
        "             'process_vm_readv': (310, os.getppid(), 0, 0, 0, 0, 0), 'bpf': (321, 0, 0, 0),\n"
        "             'x32 kill': (0x40000000 | 62, os.getppid(), 9)}\n"
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
    assert judge_submission(probe_problem, CANARY, pool=pool).verdict is Verdict.ACCEPTED


def test_the_interpreters_own_site_packages_are_hidden(attack) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os, sys, sysconfig\ndef probe():\n"
        "    folder = sysconfig.get_paths()['purelib']\n"
        "    found = os.listdir(folder) if os.path.isdir(folder) else []\n"
        "    return 'ok' if not found else str(found[:5])\n"
    )
    assert attack(code).verdict is Verdict.ACCEPTED
