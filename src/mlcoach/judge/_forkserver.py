"""The fork server: runs INSIDE the sandbox, never imported by the judge itself.

It starts once, imports NumPy (and, for the "data" profile, pandas, SciPy and scikit-learn), then
forks one fresh process per test. The server is a zygote: it never runs user code and never reads a
byte of a submission, its inputs or its outputs. The judge hands those over as file descriptors
(a memfd holding the request, pipes for stdout, stderr and the report), which the server passes on
unread; the test reads its request itself and writes straight to the judge. So every test starts
from a state that never held another submission's code, input or output.

Per test the server clones the test into new PID and IPC namespaces (PID 1 of its namespace: it
cannot name the server or any earlier test; its SysV shared memory and message queues die with
it), enforces the wall clock and reports the test's exit status and resource use. The test drops
every capability, sets its limits and installs the seccomp filter before it reads the submission.

This file uses only the standard library (and the preloaded packages) because the sandbox shows it
nothing else. The judge sends its source into the sandbox and runs it with ``python -I -S``.

Protocol on a Unix SOCK_SEQPACKET socket (fd given on the command line): one UTF-8 JSON object per
packet, file descriptors attached with SCM_RIGHTS. Requests: ``{"op": "run", "id": n, ...}`` with
four descriptors, ``{"op": "kill", "id": n}`` and ``{"op": "exit"}``; replies: ``{"ready": ...}``
once, then one ``{"ok": ..., "id": n, ...}`` per run.
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
import fcntl
import functools
import gc
import io
import json
import linecache
import os
import platform
import resource
import select
import signal
import socket
import sys
import time
import traceback
from typing import Any

SUBMISSION_FILE = "solution.py"
TEST_FILE = "test.py"
RESULT_FD = 3
MAX_DEPTH = 100
MAX_RESULT_BYTES = 16 * 1024 * 1024
MAX_STDERR_BYTES = 8 * 1024
MAX_MESSAGE_CHARS = 2000
BIG_INT_BITS = 2048

# --- Framing --------------------------------------------------------------------------------------


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


# --- Plain data: what a child may hand back -------------------------------------------------------


class NotPlainData(Exception):
    """The submission returned something that is not plain data."""


def to_plain(value: Any, depth: int = 0) -> Any:
    """Turn a returned value into JSON-able data; dicts, sets, complex and bytes carry a tag.

    Only exact built-in types are taken as they are; anything else (a class with its own __eq__,
    say) cannot pass, because the comparison outside the sandbox sees only this data.
    """
    if depth > MAX_DEPTH:
        raise NotPlainData(f"the result is nested more than {MAX_DEPTH} levels deep")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return {"$int": hex(value)} if value.bit_length() > BIG_INT_BITS else value
    if kind is float:
        return value
    if kind is list or kind is tuple:
        return [to_plain(item, depth + 1) for item in value]
    if kind is dict:
        return {
            "$dict": [[to_plain(k, depth + 1), to_plain(v, depth + 1)] for k, v in value.items()]
        }
    if kind is set or kind is frozenset:
        return {"$set": [to_plain(item, depth + 1) for item in value]}
    if kind is complex:
        return {"$complex": [value.real, value.imag]}
    if kind is bytes:
        return {"$bytes": value.hex()}
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, numpy.ndarray):
            if value.dtype.kind not in "biufcUSV" and value.dtype != object:
                raise NotPlainData(f"the result is a NumPy array of dtype {value.dtype}")
            return to_plain(value.tolist(), depth)
        if isinstance(value, numpy.generic):
            item = value.item()
            if isinstance(item, numpy.generic) or type(item) not in (
                bool,
                int,
                float,
                complex,
                str,
                bytes,
            ):
                raise NotPlainData(f"the result is a NumPy {type(value).__name__} value")
            return to_plain(item, depth)
    # Subclasses of the containers and numbers (namedtuple, IntEnum, Counter...) are read through
    # the built-in type's own methods, so an overridden method of the subclass is never called.
    if isinstance(value, bool):
        return bool(int.__index__(value))
    if isinstance(value, int):
        return to_plain(int.__index__(value), depth)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, tuple):
        return [to_plain(item, depth + 1) for item in tuple.__iter__(value)]
    if isinstance(value, list):
        return [to_plain(item, depth + 1) for item in list.__iter__(value)]
    if isinstance(value, dict):
        return {
            "$dict": [
                [to_plain(k, depth + 1), to_plain(v, depth + 1)] for k, v in dict.items(value)
            ]
        }
    name = getattr(kind, "__qualname__", "unknown")
    raise NotPlainData(
        f"the result is a {name} object, which is not plain data; return numbers, strings, "
        "lists, tuples, dicts or NumPy arrays"
    )


def _hashable(value: Any) -> Any:
    if type(value) is list:
        return tuple(_hashable(v) for v in value)
    if type(value) is set:
        return frozenset(value)
    if type(value) is dict:
        raise ValueError("a dict cannot be a dict key or a set item")
    return value


def from_plain(data: Any, depth: int = 0) -> Any:
    """The inverse of :func:`to_plain`, strict: anything it did not produce is refused."""
    if depth > MAX_DEPTH + 2:
        raise ValueError("data nested too deeply")
    kind = type(data)
    if data is None or kind is bool or kind is int or kind is float or kind is str:
        return data
    if kind is list:
        return [from_plain(item, depth + 1) for item in data]
    if kind is not dict or len(data) != 1:
        raise ValueError(f"unexpected {kind.__name__} in the data")
    ((tag, body),) = data.items()
    if tag == "$dict" and type(body) is list:
        out = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                raise ValueError("a dict entry is not a key-value pair")
            out[_hashable(from_plain(pair[0], depth + 1))] = from_plain(pair[1], depth + 1)
        return out
    if tag == "$set" and type(body) is list:
        return {_hashable(from_plain(item, depth + 1)) for item in body}
    if tag == "$complex" and type(body) is list and len(body) == 2:
        real, imag = body
        if type(real) is not float or type(imag) is not float:
            raise ValueError("a complex number needs two floats")
        return complex(real, imag)
    if tag == "$bytes" and type(body) is str:
        return bytes.fromhex(body)
    if tag == "$int" and type(body) is str:
        return int(body, 16)
    raise ValueError(f"unknown tag {tag!r} in the data")


# --- Seccomp: a filter each child installs on itself before it runs user code ---------------------

# Syscall numbers: x86_64 and the generic table aarch64 uses (checked against the kernel headers).
_SYSCALLS: dict[str, tuple[int, int | None]] = {
    "ptrace": (101, 117),
    "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271),
    "mount": (165, 40),
    "umount2": (166, 39),
    "pivot_root": (155, 41),
    "chroot": (161, 51),
    "unshare": (272, 97),
    "setns": (308, 268),
    "kexec_load": (246, 104),
    "kexec_file_load": (320, 294),
    "init_module": (175, 105),
    "finit_module": (313, 273),
    "delete_module": (176, 106),
    "bpf": (321, 280),
    "perf_event_open": (298, 241),
    "userfaultfd": (323, 282),
    "keyctl": (250, 219),
    "add_key": (248, 217),
    "request_key": (249, 218),
    "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
    "pidfd_open": (434, 434),
    "pidfd_getfd": (438, 438),
    "pidfd_send_signal": (424, 424),
    "kcmp": (312, 272),
    "open_by_handle_at": (304, 265),
    "name_to_handle_at": (303, 264),
    "reboot": (169, 142),
    "swapon": (167, 224),
    "swapoff": (168, 225),
    "syslog": (103, 116),
    "acct": (163, 89),
    "settimeofday": (164, 170),
    "clock_settime": (227, 112),
    "adjtimex": (159, 171),
    "clock_adjtime": (305, 266),
    "personality": (135, 92),
    "move_mount": (429, 429),
    "open_tree": (428, 428),
    "fsopen": (430, 430),
    "fsconfig": (431, 431),
    "fsmount": (432, 432),
    "fspick": (433, 433),
    "mount_setattr": (442, 442),
    "quotactl": (179, 60),
    "tkill": (200, 130),
    "fork": (57, None),
    "vfork": (58, None),
    # Checked by argument below.
    "clone": (56, 220),
    "clone3": (435, 435),
    "kill": (62, 129),
    "tgkill": (234, 131),
    "rt_sigqueueinfo": (129, 138),
    "rt_tgsigqueueinfo": (297, 240),
    "socket": (41, 198),
    # Calls that name another process: a test may aim them only at itself (pid or who 0).
    "prlimit64": (302, 261),
    "sched_setaffinity": (203, 122),
    "sched_setscheduler": (144, 119),
    "sched_setparam": (142, 118),
    "sched_setattr": (314, 274),
    "setpriority": (141, 140),
    "ioprio_set": (251, 30),
    # ...and calls that reach into another process's memory or scheduling, with no use here.
    "migrate_pages": (256, 238),
    "move_pages": (279, 239),
    "process_madvise": (440, 440),
    "process_mrelease": (448, 448),
}
_ARCHES = {"x86_64": (0xC000003E, 0), "aarch64": (0xC00000B7, 1)}
_BY_ARGUMENT = {
    "clone",
    "clone3",
    "kill",
    "tgkill",
    "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    "socket",
    "prlimit64",
    "sched_setaffinity",
    "sched_setscheduler",
    "sched_setparam",
    "sched_setattr",
    "setpriority",
    "ioprio_set",
}

_LD_W_ABS = 0x20
_JEQ = 0x15
_JGE = 0x35
_JSET = 0x45
_RET = 0x06
_ALLOW = 0x7FFF0000
_KILL_PROCESS = 0x80000000
_EPERM = 0x00050000 | 1
_ENOSYS = 0x00050000 | 38
_EACCES = 0x00050000 | 13
_CLONE_THREAD = 0x00010000
_AF_UNIX = 1


def seccomp_supported() -> bool:
    return sys.platform == "linux" and platform.machine() in _ARCHES


def seccomp_program(own_pid: int) -> list[tuple[int, int, int, int]]:
    """The BPF filter: no new processes (threads are fine), no signals to other processes, no
    sockets but Unix ones, no limits, priorities or CPU affinity set on another process, and none
    of the syscalls that reach outside a process (ptrace, mount, namespaces, kernel modules,
    keyrings, io_uring...)."""
    arch, column = _ARCHES[platform.machine()]
    numbers: dict[str, int] = {}
    for name, pair in _SYSCALLS.items():
        number = pair[column]
        if number is not None:
            numbers[name] = number
    code: list[tuple[int, Any, Any, int]] = []  # jump targets are label names until resolved

    def ld(offset: int) -> None:
        code.append((_LD_W_ABS, 0, 0, offset))

    def jump(op: int, k: int, true: str | int, false: str | int) -> None:
        code.append((op, true, false, k))

    def ret(k: int) -> None:
        code.append((_RET, 0, 0, k))

    labels: dict[str, int] = {}

    def label(name: str) -> None:
        labels[name] = len(code)

    ld(4)  # seccomp_data.arch
    jump(_JEQ, arch, 0, "kill")
    ld(0)  # seccomp_data.nr
    if column == 0:  # x32 syscalls alias the x86_64 ones under another number
        jump(_JGE, 0x40000000, "enosys", 0)
    for name, number in numbers.items():
        if name not in _BY_ARGUMENT:
            jump(_JEQ, number, "eperm", 0)
    jump(_JEQ, numbers["clone3"], "enosys", 0)  # glibc falls back to clone(), checked below
    jump(_JEQ, numbers["clone"], "clone", 0)
    for name in ("kill", "rt_sigqueueinfo"):
        jump(_JEQ, numbers[name], "pid", 0)
    for name in ("tgkill", "rt_tgsigqueueinfo"):
        jump(_JEQ, numbers[name], "tgid", 0)
    jump(_JEQ, numbers["socket"], "socket", 0)
    for name in ("prlimit64", "sched_setaffinity", "sched_setscheduler", "sched_setparam"):
        jump(_JEQ, numbers[name], "self_first", 0)
    jump(_JEQ, numbers["sched_setattr"], "self_first", 0)
    for name in ("setpriority", "ioprio_set"):  # (which, who): who 0 is the caller itself
        jump(_JEQ, numbers[name], "self_second", 0)
    ret(_ALLOW)
    label("self_first")  # the pid is args[0]: only 0, "this process"
    ld(16)
    jump(_JEQ, 0, "allow", "eperm")
    label("self_second")
    ld(24)  # args[1], low word
    jump(_JEQ, 0, "allow", "eperm")
    label("clone")
    ld(16)  # args[0], low word: the clone flags
    jump(_JSET, _CLONE_THREAD, "allow", "eperm")
    label("pid")  # kill(pid): itself, its own process group, or -itself
    ld(16)
    jump(_JEQ, 0, "allow", 0)
    jump(_JEQ, own_pid, "allow", 0)
    jump(_JEQ, (-own_pid) & 0xFFFFFFFF, "allow", "eperm")
    label("tgid")  # tgkill(tgid, tid): a thread of its own process
    ld(16)
    jump(_JEQ, own_pid, "allow", "eperm")
    label("socket")
    ld(16)
    jump(_JEQ, _AF_UNIX, "allow", "eacces")
    label("allow")
    ret(_ALLOW)
    label("eperm")
    ret(_EPERM)
    label("enosys")
    ret(_ENOSYS)
    label("eacces")
    ret(_EACCES)
    label("kill")
    ret(_KILL_PROCESS)

    resolved = []
    for index, (op, true, false, k) in enumerate(code):
        jt = labels[true] - index - 1 if isinstance(true, str) else true
        jf = labels[false] - index - 1 if isinstance(false, str) else false
        if not (0 <= jt < 256 and 0 <= jf < 256):  # pragma: no cover - the program is fixed
            raise ValueError("seccomp jump out of range")
        resolved.append((op, jt, jf, k))
    return resolved


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


_PR_SET_DUMPABLE = 4
_PR_SET_SECCOMP = 22
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_MODE_FILTER = 2


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


# Stands for the child's PID while the filter is built; no real PID is this large.
_PID_PLACEHOLDER = 0x7FFF_FFF0


class _PreparedFilter:
    """The filter, built once in the server before any fork.

    Building it in each child cost most of a test's time: every Python object it touches is a
    copy-on-write page fault after fork(). A child only writes its own PID into the few
    instructions that name it.
    """

    def __init__(self) -> None:
        program = seccomp_program(_PID_PLACEHOLDER)
        self.filters = (_SockFilter * len(program))(*(_SockFilter(*ins) for ins in program))
        self.fprog = _SockFprog(len(program), self.filters)
        negated = (-_PID_PLACEHOLDER) & 0xFFFFFFFF
        self.own = [i for i, ins in enumerate(program) if ins[3] == _PID_PLACEHOLDER]
        self.negated = [i for i, ins in enumerate(program) if ins[3] == negated]

    def for_pid(self, own_pid: int) -> Any:
        for index in self.own:
            self.filters[index].k = own_pid
        for index in self.negated:
            self.filters[index].k = (-own_pid) & 0xFFFFFFFF
        return self.fprog


@functools.cache
def prepared_filter() -> _PreparedFilter:
    return _PreparedFilter()


def install_seccomp(libc: Any, own_pid: int) -> None:
    fprog = prepared_filter().for_pid(own_pid)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


# --- The child: runs one test of one submission, then exits ---------------------------------------


def _trimmed_traceback(exc: BaseException) -> tuple[str, int | None]:
    """The traceback limited to the submission's own frames, and the line the error came from."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename in (SUBMISSION_FILE, TEST_FILE)
    ]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    try:
        lines += traceback.format_exception_only(type(exc), exc)
    except BaseException:  # a user exception whose __str__ itself fails
        lines.append(f"{type(exc).__name__}: <the error message could not be shown>\n")
    text = "".join(lines)
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS // 2] + "\n...\n" + text[-MAX_MESSAGE_CHARS // 2 :]
    own = [f.lineno for f in frames if f.filename == SUBMISSION_FILE]
    return text, (own[-1] if own else None)


def _as_inputs(values: list[Any], numpy_inputs: bool) -> list[Any]:
    if not numpy_inputs:
        return values
    import numpy

    return [numpy.asarray(v) if isinstance(v, list) else v for v in values]


# Taken before any submission can replace the builtins (module globals are looked up first).
_callable = callable
_SystemExit = SystemExit
_MemoryError = MemoryError
_BaseException = BaseException
_PRISTINE_BUILTINS: dict[str, Any] = {}


def _restore_builtins() -> None:
    """Undo what the submission did to builtins, before the judge's own code runs again."""
    live = vars(builtins)
    if _PRISTINE_BUILTINS and live != _PRISTINE_BUILTINS:
        live.clear()
        live.update(_PRISTINE_BUILTINS)


def _run_user_code(request: dict[str, Any]) -> dict[str, Any]:
    source = request["code"]
    test = request["test"]
    script = test["kind"] == "script"
    linecache.cache[SUBMISSION_FILE] = (len(source), None, source.splitlines(True), SUBMISSION_FILE)
    try:
        compiled = compile(source, SUBMISSION_FILE, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return {"status": "compile_error", "message": f"{type(exc).__name__}: {exc}", "line": line}
    if script:
        test_code = test["code"]
        linecache.cache[TEST_FILE] = (len(test_code), None, test_code.splitlines(True), TEST_FILE)
        test_compiled = compile(test_code, TEST_FILE, "exec", dont_inherit=True)
    else:
        # Inputs are built before any user code runs, so nothing it patches can alter them.
        numpy_inputs = bool(request.get("numpy_inputs"))
        args = _as_inputs(from_plain(test["args"]), numpy_inputs)
        raw_kwargs = from_plain(test["kwargs"])
        kwargs = dict(
            zip(raw_kwargs, _as_inputs(list(raw_kwargs.values()), numpy_inputs), strict=True)
        )
    namespace: dict[str, Any] = {
        "__name__": "__main__" if script else "solution",
        "__builtins__": builtins,
    }
    _PRISTINE_BUILTINS.update(vars(builtins))
    try:
        exec(compiled, namespace)
        if script:
            exec(test_compiled, namespace)
            _restore_builtins()
            return {"status": "ok"}
        function = namespace.get(request["function"])
        if not _callable(function):
            _restore_builtins()
            return {
                "status": "error",
                "type": "NameError",
                "message": f"solution.py does not define a function named {request['function']!r}",
                "line": None,
            }
        result = function(*args, **kwargs)
    except _SystemExit as exc:
        _restore_builtins()
        if script and exc.code in (None, 0):
            return {"status": "ok"}
        where = "the script" if script else "the function returned"
        return {
            "status": "error",
            "type": "SystemExit",
            "message": f"SystemExit: the program exited with code {exc.code!r} before {where} finished",
            "line": _trimmed_traceback(exc)[1],
        }
    except _MemoryError as exc:
        _restore_builtins()
        namespace.clear()
        text, line = _trimmed_traceback(exc)
        return {"status": "error", "type": "MemoryError", "message": text, "line": line}
    except _BaseException as exc:
        _restore_builtins()
        text, line = _trimmed_traceback(exc)
        return {"status": "error", "type": type(exc).__name__, "message": text, "line": line}
    _restore_builtins()
    try:
        return {"status": "ok", "value": to_plain(result)}
    except NotPlainData as exc:
        return {"status": "not_plain", "message": str(exc)}
    except RecursionError:
        return {
            "status": "not_plain",
            "message": f"the result is nested more than {MAX_DEPTH} levels deep",
        }


def _set_limits(limits: dict[str, Any]) -> None:
    def both(which: int, value: int) -> None:
        resource.setrlimit(which, (value, value))

    cpu_seconds = int(limits["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    both(resource.RLIMIT_AS, int(limits["address_space_bytes"]))
    both(resource.RLIMIT_FSIZE, int(limits["file_bytes"]))
    both(resource.RLIMIT_NOFILE, int(limits["open_files"]))
    both(resource.RLIMIT_NPROC, int(limits["processes"]))
    both(resource.RLIMIT_CORE, 0)


def _read_request(fd: int) -> dict[str, Any]:
    size = os.fstat(fd).st_size
    chunks = []
    offset = 0
    while offset < size:
        chunk = os.pread(fd, min(size - offset, 1 << 20), offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    request: dict[str, Any] = json.loads(b"".join(chunks))
    return request


_CAP_VERSION_3 = 0x20080522
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4


def drop_capabilities(libc: Any) -> None:
    """No capability left, even inside the sandbox's own user namespace (the server keeps
    CAP_SYS_ADMIN there to make namespaces and fresh /tmp mounts; a test must not)."""
    header = (ctypes.c_uint32 * 2)(_CAP_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if libc.capset(ctypes.byref(header), ctypes.byref(data)) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def test_main(meta: dict[str, Any], fds: list[int], libc: Any) -> None:
    """Everything in the test process (PID 1 of its own namespace). Never returns."""
    status = 71
    try:
        # Out of the way first, so no dup2() below lands on a descriptor still to be moved.
        request_fd, stdout_fd, stderr_fd, result_fd = (
            fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for fd in fds
        )
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(stdout_fd, 1)
        os.dup2(stderr_fd, 2)
        os.dup2(result_fd, RESULT_FD)
        request_copy = RESULT_FD + 1
        os.dup2(request_fd, request_copy)
        os.closerange(request_copy + 1, 1 << 16)  # the server's socket and every other descriptor
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(number, signal.SIG_DFL)
        if meta.get("sandboxed"):
            drop_capabilities(libc)
        os.chdir(meta["workdir"])
        request = _read_request(request_copy)
        os.close(request_copy)
        request["limits"] = meta["limits"]
        _set_limits(meta["limits"])
        if meta.get("seccomp"):
            install_seccomp(libc, os.getpid())
        out = io.TextIOWrapper(
            io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="backslashreplace"
        )
        err = io.TextIOWrapper(
            io.FileIO(2, "w", closefd=False),
            encoding="utf-8",
            errors="backslashreplace",
            line_buffering=True,
        )
        stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
        for name, stream in (("stdout", out), ("stderr", err), ("stdin", stdin)):
            setattr(sys, name, stream)
            setattr(sys, f"__{name}__", stream)  # setattr: typeshed marks these final
        report = _run_checker(request) if request.get("kind") == "check" else None
        if report is None:
            report = _run_user_code(request)
        for stream in (out, err):
            with contextlib.suppress(BaseException):
                stream.flush()
        try:
            payload = json.dumps(report, allow_nan=True).encode("utf-8")
        except (ValueError, TypeError, RecursionError) as exc:
            payload = json.dumps(
                {"status": "not_plain", "message": f"the result cannot be sent: {exc}"}
            ).encode()
        if len(payload) > MAX_RESULT_BYTES:
            payload = json.dumps({"status": "too_large", "bytes": len(payload)}).encode()
        write_all(RESULT_FD, payload)
        status = 0
    except MemoryError:
        with contextlib.suppress(BaseException):
            write_all(
                RESULT_FD, b'{"status": "error", "type": "MemoryError", "message": "MemoryError"}'
            )
        status = 0
    except BaseException:
        status = 70
    finally:
        os._exit(status)


def _run_checker(request: dict[str, Any]) -> dict[str, Any]:
    """A problem's custom checker, run here like a submission: check(expected, actual)."""
    namespace: dict[str, Any] = {"__name__": "mlcoach_checker", "__builtins__": builtins}
    try:
        exec(compile(request["code"], "checker.py", "exec", dont_inherit=True), namespace)
        check = namespace.get("check")
        if not _callable(check):
            return {"status": "checker_error", "message": "the checker defines no check()"}
        verdict = check(from_plain(request["expected"]), from_plain(request["actual"]))
    except _BaseException as exc:
        return {"status": "ok", "value": [False, f"{type(exc).__name__}: {exc}"[:500]]}
    if type(verdict) is tuple and len(verdict) == 2:
        return {"status": "ok", "value": [bool(verdict[0]), str(verdict[1])[:500]]}
    return {"status": "ok", "value": [bool(verdict), ""]}


_CLONE_NEWIPC = 0x08000000
_CLONE_NEWPID = 0x20000000
_SIGCHLD = 17
_SYS_CLONE = {"x86_64": 56, "aarch64": 220}


def clone_into_namespaces(pylibc: Any) -> int:
    """fork(), but the child is PID 1 of a new PID namespace and alone in a new IPC namespace.

    os.fork() takes no flags, so this is the raw clone syscall wrapped in CPython's own fork hooks
    (what os.fork does around fork()). glibc caches the thread id; the server is PID 1 of the
    sandbox, and the child PID 1 of its namespace, so the cached value stays true in the child.
    ``pylibc`` is libc loaded as a PyDLL: the GIL stays held across the call, as os.fork holds it."""
    api = ctypes.pythonapi
    api.PyOS_BeforeFork()
    flags = _CLONE_NEWPID | _CLONE_NEWIPC | _SIGCHLD
    pid = int(pylibc.syscall(_SYS_CLONE[platform.machine()], flags, 0, 0, 0, 0))
    if pid == 0:
        api.PyOS_AfterFork_Child()
        return 0
    error = ctypes.get_errno()
    api.PyOS_AfterFork_Parent()
    if pid < 0:
        raise OSError(error, f"clone(CLONE_NEWPID | CLONE_NEWIPC) failed: {os.strerror(error)}")
    return pid


# --- The server -----------------------------------------------------------------------------------


def _memory_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


MAX_PACKET = 1 << 16
FDS_PER_RUN = 4
_CLONE_NEWNS = 0x00020000
_MS_NOSUID = 2
_MS_NODEV = 4
_MNT_DETACH = 2


def receive(sock: socket.socket) -> tuple[dict[str, Any] | None, list[int]]:
    data, fds, _flags, _addr = socket.recv_fds(sock, MAX_PACKET, FDS_PER_RUN)
    if not data:
        for fd in fds:
            os.close(fd)
        return None, []
    return json.loads(data), fds


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(json.dumps(message).encode("utf-8"))


class Server:
    def __init__(self, mode: str, workdir: str, sock: socket.socket) -> None:
        self.mode = mode
        self.workdir = workdir
        self.sock = sock
        self.libc = _libc()
        self.seccomp = seccomp_supported()
        if self.seccomp:
            prepared_filter()
        # Fresh mounts for /tmp and /dev/shm after each test need CAP_SYS_ADMIN in the sandbox's
        # user namespace; proven once here, else emptied file by file.
        self._mounted = False
        self.remount = mode == "bwrap" and self._fresh_mounts()
        # Each test in its own PID and IPC namespaces: under bubblewrap, where the server is PID 1.
        self.pylibc = ctypes.PyDLL(None, use_errno=True)
        self.namespaces = mode == "bwrap" and os.getpid() == 1 and platform.machine() in _SYS_CLONE

    def run_test(self, message: dict[str, Any], fds: list[int]) -> dict[str, Any]:
        meta = {
            "limits": message["limits"],
            "wall_seconds": float(message["wall_seconds"]),
            "seccomp": self.seccomp,
            "sandboxed": self.mode == "bwrap",
            "workdir": self.workdir,
        }
        try:
            pid = clone_into_namespaces(self.pylibc) if self.namespaces else os.fork()
            if pid == 0:  # pragma: no cover - the test, measured through its report
                self.sock.close()
                test_main(meta, fds, self.libc)
        finally:
            for fd in fds:
                os.close(fd)
        started = time.monotonic()
        pidfd = os.pidfd_open(pid)
        try:
            timed_out = self._wait(pid, pidfd, message["id"], started + meta["wall_seconds"])
        finally:
            os.close(pidfd)
        if timed_out:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _pid, status, usage = os.wait4(pid, 0)
        wall = time.monotonic() - started
        cleanup_ok = self._sweep()
        return {
            "ok": True,
            "exit_code": os.waitstatus_to_exitcode(status),
            "cpu_ms": round((usage.ru_utime + usage.ru_stime) * 1000, 3),
            "wall_ms": round(wall * 1000, 3),
            "maxrss_kb": int(usage.ru_maxrss),
            "timed_out": timed_out,
            "cleanup_ok": cleanup_ok,
        }

    def _wait(self, pid: int, pidfd: int, run_id: int, deadline: float) -> bool:
        """Until the test ends (False) or its wall clock runs out (True); meanwhile the judge may
        ask for it to be stopped (it printed or returned more than allowed)."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            watched: list[Any] = [pidfd, self.sock]
            ready, _, _ = select.select(watched, [], [], remaining)
            if pidfd in ready:
                return False
            if self.sock in ready:
                request, extra = receive(self.sock)
                for fd in extra:
                    os.close(fd)
                if request is None:
                    raise EOFError
                if request.get("op") == "kill" and request.get("id") == run_id:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)

    def _fresh_mounts(self) -> bool:
        """A new, empty tmpfs on /tmp and /dev/shm, the previous one (whatever it holds, however
        deep) detached in O(1). The first call moves the server into a mount namespace of its own
        user namespace, where it may mount: bubblewrap's own mounts there are locked, so ours go
        on top of them."""
        os.chdir("/")
        try:
            if not self._mounted and self.libc.unshare(_CLONE_NEWNS) != 0:
                return False
            for folder, size in (("/tmp", TMP_BYTES), ("/dev/shm", SHM_BYTES)):
                path = folder.encode()
                if self._mounted and self.libc.umount2(path, _MNT_DETACH) != 0:
                    return False
                options = f"size={size},mode=1777".encode()
                flags = _MS_NOSUID | _MS_NODEV
                if self.libc.mount(b"tmpfs", path, b"tmpfs", flags, options) != 0:
                    return False
            self._mounted = True
            return True
        finally:
            os.chdir(self.workdir)

    def _sweep(self) -> bool:
        """Leave nothing behind for the next test: no process, no file, whatever the tree."""
        if self.mode == "bwrap":
            # The test's PID namespace died with it; this only guards against a stray process.
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGKILL)
            try:
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            except ChildProcessError:
                pass
            if self.remount:
                return self._fresh_mounts()
        ok = True
        for folder in (self.workdir, "/dev/shm") if self.mode == "bwrap" else (self.workdir,):
            ok = empty_folder(folder) and ok
        return ok


SWEEP_SECONDS = 2.0
SWEEP_ENTRIES = 200_000
TMP_BYTES = 64 * 1024 * 1024
SHM_BYTES = 8 * 1024 * 1024


def empty_folder(folder: str, budget_seconds: float = SWEEP_SECONDS) -> bool:
    """Remove everything under ``folder``, without recursion (no tree is too deep) and within a
    time and entry budget; False if anything is left, and the judge then replaces the worker."""
    deadline = time.monotonic() + budget_seconds
    seen = 0
    stack = [folder]
    ok = True
    while stack:
        path = stack[-1]
        try:
            entries = list(os.scandir(path))
        except FileNotFoundError:
            stack.pop()
            continue
        except OSError:
            return False
        subfolders = []
        for entry in entries:
            seen += 1
            if seen > SWEEP_ENTRIES or time.monotonic() > deadline:
                return False
            try:
                if entry.is_dir(follow_symlinks=False):
                    os.chmod(entry.path, 0o700)
                    subfolders.append(entry.path)
                else:
                    os.unlink(entry.path)
            except OSError:
                ok = False
        if subfolders:
            stack.extend(subfolders)
            continue
        stack.pop()
        if path != folder:
            try:
                os.rmdir(path)
            except OSError:
                return False
    return ok


PRELOAD = {
    "base": (
        "array", "bisect", "collections", "copy", "dataclasses", "decimal", "fractions",
        "functools", "heapq", "itertools", "math", "operator", "random", "re", "sqlite3",
        "statistics", "string", "typing",
    ),
    "data": ("pandas", "scipy", "scipy.stats", "scipy.optimize", "scipy.sparse", "sklearn"),
}  # fmt: skip


def _preload(profile: str) -> None:
    """Import what submissions commonly use, once, so each fork finds it ready."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import numpy  # noqa: F401  - the reason this server exists

    for name in PRELOAD["base"]:
        __import__(name)
    if profile == "data":
        for name in PRELOAD["data"]:
            __import__(name)


def main(argv: list[str]) -> int:
    mode, workdir, sock_fd, profile, *sites = argv
    for site in reversed(sites):
        sys.path.insert(0, site)
    sock = socket.socket(fileno=int(sock_fd))
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.chdir(workdir)
    _preload(profile)
    server = Server(mode, workdir, sock)
    # Non-dumpable: a test (same uid) can neither ptrace the server nor open its /proc/PID/fd or mem.
    if hasattr(server.libc, "prctl"):
        server.libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    import numpy

    # Everything loaded so far lives as long as the server: frozen, a child's garbage collections
    # leave it alone instead of touching (and so copying) every page of it after fork().
    gc.freeze()
    # What a child that does nothing already counts as its own (pages shared with the server):
    # taken off each test's peak so the memory shown is what the submission used.
    pid = os.fork()
    if pid == 0:  # pragma: no cover - exits at once
        os._exit(0)
    child_rss_kb = int(os.wait4(pid, 0)[2].ru_maxrss)
    send(
        sock,
        {
            "ready": True,
            "python": platform.python_version(),
            "numpy": numpy.__version__,
            "seccomp": server.seccomp,
            "fresh_mounts": server.remount,
            "namespaces": server.namespaces,
            "profile": profile,
            "vm_kb": _memory_kb("VmSize"),
            "rss_kb": child_rss_kb,
        },
    )
    while True:
        try:
            request, fds = receive(sock)
        except (EOFError, OSError):
            return 0
        if request is None or request.get("op") == "exit":
            return 0
        if request.get("op") != "run" or len(fds) != FDS_PER_RUN:
            for fd in fds:
                os.close(fd)
            continue  # a late kill for a test already over
        try:
            reply: dict[str, Any] = {"id": request["id"], **server.run_test(request, fds)}
        except EOFError:
            return 0
        except Exception as exc:  # report, do not die: the judge decides whether to recycle us
            reply = {"id": request.get("id"), "ok": False, "error": f"{type(exc).__name__}: {exc}"}
        send(sock, reply)
        del reply, request  # nothing of this test stays in the server's frame


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
