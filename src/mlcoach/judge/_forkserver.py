"""The fork server: runs INSIDE the sandbox, never imported by the judge itself.

It starts once, imports NumPy, then forks one fresh child per test. The server never runs user code:
only children do, each from the same clean state, so nothing a submission does reaches the next.

This file uses only the standard library (and NumPy, imported at start-up) because the sandbox shows
it nothing else. The judge sends its source into the sandbox and runs it with ``python -I -S``.

Protocol on the pipes it inherits as stdin/stdout: frames of a 4-byte big-endian length followed by
UTF-8 JSON. Requests: ``{"op": "run", ...}`` and ``{"op": "exit"}``. The child's own report reaches
the judge as an opaque string; the judge, outside the sandbox, parses and checks it.
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
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
import struct
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


def read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_frame(fd: int) -> Any:
    (length,) = struct.unpack(">I", read_exact(fd, 4))
    return json.loads(read_exact(fd, length))


def write_frame(fd: int, message: Any) -> None:
    payload = json.dumps(message, allow_nan=True).encode("utf-8")
    write_all(fd, struct.pack(">I", len(payload)) + payload)


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
    sockets but Unix ones, and none of the syscalls that reach outside a process (ptrace, mount,
    namespaces, kernel modules, keyrings, io_uring...)."""
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
    ret(_ALLOW)
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


def child_main(request: dict[str, Any], fds: dict[str, int], libc: Any) -> None:
    """Everything after fork() in the child. Never returns."""
    status = 71
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(fds["stdout"], 1)
        os.dup2(fds["stderr"], 2)
        os.dup2(fds["result"], RESULT_FD)
        os.closerange(RESULT_FD + 1, 1 << 16)  # the protocol pipes, and every pipe of the server
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(number, signal.SIG_DFL)
        _set_limits(request["limits"])
        if request.get("seccomp"):
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


# --- The server -----------------------------------------------------------------------------------


def _memory_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Server:
    def __init__(self, mode: str, workdir: str) -> None:
        self.mode = mode
        self.workdir = workdir
        self.libc = _libc()
        self.seccomp = seccomp_supported()
        if self.seccomp:
            prepared_filter()

    def run_test(self, request: dict[str, Any]) -> dict[str, Any]:
        out_cap = int(request["output_bytes"])
        wall_limit = float(request["wall_seconds"])
        pipes = {name: os.pipe() for name in ("stdout", "stderr", "result")}
        request["seccomp"] = self.seccomp
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child, measured through its report
            child_main(request, {name: w for name, (_r, w) in pipes.items()}, self.libc)
        for _r, w in pipes.values():
            os.close(w)
        readers = {r: name for name, (r, _w) in pipes.items()}
        caps = {"stdout": out_cap + 1, "stderr": MAX_STDERR_BYTES, "result": MAX_RESULT_BYTES + 1}
        data: dict[str, bytearray] = {name: bytearray() for name in pipes}
        flags = {"timed_out": False, "output_exceeded": False, "result_exceeded": False}
        # A pidfd makes the child's exit selectable; without one (not Linux), poll for it.
        pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
        waited: tuple[int, int, Any] | None = None
        deadline = started + wall_limit
        try:
            while waited is None or readers:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    flags["timed_out"] = True
                    break
                watch = list(readers)
                if waited is None and pidfd is not None:
                    watch.append(pidfd)
                elif waited is None:
                    remaining = min(remaining, 0.005)
                    reaped = os.wait4(pid, os.WNOHANG)
                    if reaped[0]:
                        waited = reaped
                        continue
                ready, _, _ = select.select(watch, [], [], remaining)
                for fd in ready:
                    if fd == pidfd:
                        waited = os.wait4(pid, 0)
                        continue
                    name = readers[fd]
                    chunk = os.read(fd, 1 << 16)
                    if not chunk:
                        del readers[fd]
                        os.close(fd)
                        continue
                    buffer = data[name]
                    room = caps[name] - len(buffer)
                    buffer += chunk[:room]
                    if len(chunk) >= room and name != "stderr":
                        flags["output_exceeded" if name == "stdout" else "result_exceeded"] = True
                if flags["output_exceeded"] or flags["result_exceeded"]:
                    break  # the child is killed below, whatever it was doing
            wall = time.monotonic() - started
            if waited is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                waited = os.wait4(pid, 0)
        finally:
            if pidfd is not None:
                os.close(pidfd)
            for fd in readers:
                os.close(fd)
        _pid, status, usage = waited
        cleanup_ok = self._sweep()
        return {
            "exit_code": os.waitstatus_to_exitcode(status),
            "cpu_ms": round((usage.ru_utime + usage.ru_stime) * 1000, 3),
            "wall_ms": round(wall * 1000, 3),
            "maxrss_kb": int(usage.ru_maxrss),
            "stdout": data["stdout"][:out_cap].decode("utf-8", "replace"),
            "stdout_bytes": len(data["stdout"]),
            "stderr": data["stderr"].decode("utf-8", "replace"),
            "report": data["result"].decode("utf-8", "replace")
            if not flags["result_exceeded"]
            else None,
            "cleanup_ok": cleanup_ok,
            **flags,
        }

    def _sweep(self) -> bool:
        """Leave nothing behind for the next test: no process, no file."""
        if self.mode == "bwrap":
            # The server is PID 1 of the sandbox's own PID namespace: this reaches every other
            # process, so nothing a child started can outlive its test. Orphans are ours to reap.
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGKILL)
            try:
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            except ChildProcessError:
                pass
        ok = True
        for folder in (self.workdir, "/dev/shm") if self.mode == "bwrap" else (self.workdir,):
            ok = _empty_folder(folder) and ok
        return ok


def _empty_folder(folder: str) -> bool:
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return True
    except OSError:
        return False
    ok = True
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                os.chmod(entry.path, 0o700)
                ok = _empty_folder(entry.path) and ok
                os.rmdir(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            ok = False
    return ok


def _preload() -> None:
    """Import what submissions commonly use, once, so each fork finds it ready."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import numpy  # noqa: F401  - the reason this server exists

    for name in (
        "array", "bisect", "collections", "copy", "dataclasses", "decimal", "fractions", "functools",
        "heapq", "itertools", "math", "operator", "random", "re", "statistics", "string", "typing",
    ):  # fmt: skip
        __import__(name)


def main(argv: list[str]) -> int:
    mode, workdir, *sites = argv
    for site in reversed(sites):
        sys.path.insert(0, site)
    _preload()
    proto_in, proto_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.chdir(workdir)
    server = Server(mode, workdir)
    # Non-dumpable: a child (same uid) can neither ptrace the server nor open its /proc/PID/fd or mem.
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
    write_frame(
        proto_out,
        {
            "ready": True,
            "python": platform.python_version(),
            "numpy": numpy.__version__,
            "seccomp": server.seccomp,
            "vm_kb": _memory_kb("VmSize"),
            "rss_kb": child_rss_kb,
        },
    )
    while True:
        try:
            request = read_frame(proto_in)
        except EOFError:
            return 0
        if request.get("op") == "exit":
            return 0
        try:
            reply: dict[str, Any] = {"ok": True, **server.run_test(request)}
        except Exception as exc:  # report, do not die: the judge decides whether to recycle us
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        write_frame(proto_out, reply)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
