"""Fork servers kept warm, shared by every thread of the process.

A worker is one fork server (see ``_forkserver.py``) behind a Unix socket. Per test the judge makes
a memfd holding the request and three pipes (stdout, stderr, report), hands them to the server with
SCM_RIGHTS and reads the test's output straight from the pipes: the server never sees a byte of
them. The judge talks to the server in small JSON packets, never unpickles anything, and throws a
worker away after ``recycle_after`` submissions, when its cleanup fails, or when a canary test shows
it no longer runs a trivial submission correctly.

Workers come in two profiles: "base" preloads NumPy, "data" also pandas, SciPy and scikit-learn
(forking a bigger server costs more per test, so only submissions that import them use it).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from mlcoach.judge.sandbox import (
    BUBBLEWRAP_NOTE,
    NO_SANDBOX_NOTE,
    SERVER_FD_TOKEN,
    SOCKET_FD_TOKEN,
    JudgeUnavailable,
    Launch,
    SandboxRefused,
    bubblewrap_launch,
    find_bubblewrap,
    no_bubblewrap_message,
    rlimits_launch,
    sandbox_choice,
)

STARTUP_SECONDS = 90.0
MAX_PACKET = 1 << 16
MAX_STDERR_BYTES = 8 * 1024
RECYCLE_AFTER = 200
DRAIN_SECONDS = 2.0
PROFILES = ("base", "data")


class WorkerFailed(Exception):
    """The fork server died, hung or answered nonsense; it is not used again."""


class Worker:
    """One running fork server."""

    def __init__(self, launch: Launch, profile: str = "base") -> None:
        self.launch = launch
        self.profile = profile
        self.submissions = 0
        self.broken = False
        self.info: dict[str, Any] | None = None
        self._next_id = 0
        # Closed in close(): it lives as long as the worker, to explain a failed start.
        self._stderr: IO[bytes] = tempfile.TemporaryFile(prefix="mlcoach-judge-")  # noqa: SIM115
        self._sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv = list(launch.argv)
        pass_fds: list[int] = [theirs.fileno()]
        argv = [str(theirs.fileno()) if arg == SOCKET_FD_TOKEN else arg for arg in argv]
        source_fd = None
        if launch.server_source is not None:
            source_fd = os.memfd_create("mlcoach-forkserver")
            os.write(source_fd, launch.server_source)
            os.lseek(source_fd, 0, os.SEEK_SET)
            argv = [str(source_fd) if arg == SERVER_FD_TOKEN else arg for arg in argv]
            pass_fds.append(source_fd)
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                env=launch.env or None,
                pass_fds=pass_fds,
                cwd=str(launch.workdir) if launch.workdir else "/",
                start_new_session=True,
            )
        except OSError as exc:
            self._stderr.close()
            self._sock.close()
            raise WorkerFailed(f"cannot start {argv[0]}: {exc.strerror}") from None
        finally:
            theirs.close()
            if source_fd is not None:
                os.close(source_fd)

    @property
    def baseline_rss_kb(self) -> int:
        return int((self.info or {}).get("rss_kb", 0))

    @property
    def baseline_vm_kb(self) -> int:
        return int((self.info or {}).get("vm_kb", 0))

    def wait_ready(self, timeout: float = STARTUP_SECONDS) -> dict[str, Any]:
        if self.info is None:
            frame = self._receive(time.monotonic() + timeout)
            if not frame.get("ready"):
                raise WorkerFailed(f"the fork server did not start properly: {frame!r}")
            self.info = frame
        return self.info

    def _send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        payload = json.dumps(message, allow_nan=True).encode("utf-8")
        if fds:
            socket.send_fds(self._sock, [payload], fds)
        else:
            self._sock.sendall(payload)

    def _receive(self, deadline: float) -> dict[str, Any]:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerFailed("the fork server did not answer in time")
            ready, _, _ = select.select([self._sock], [], [], remaining)
            if ready:
                break
        data = self._sock.recv(MAX_PACKET)
        if not data:
            detail = self.stderr_tail()
            raise WorkerFailed("the fork server exited" + (f": {detail}" if detail else ""))
        try:
            frame = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise WorkerFailed(f"the fork server sent malformed JSON: {exc}") from None
        if not isinstance(frame, dict):
            raise WorkerFailed("the fork server sent a packet that is not an object")
        return frame

    def run(
        self, control: dict[str, Any], payload: bytes, caps: dict[str, int], timeout: float
    ) -> dict[str, Any]:
        """Run one test: ``control`` (limits, wall clock) goes to the server, ``payload`` (code
        and inputs) only to the test, through a memfd; output comes back on the test's own pipes.
        Any failure breaks the worker."""
        try:
            return self._run(control, payload, caps, timeout)
        except (OSError, ValueError) as exc:
            self.broken = True
            raise WorkerFailed(f"lost contact with the fork server: {exc}") from None
        except WorkerFailed:
            self.broken = True
            raise

    def _run(
        self, control: dict[str, Any], payload: bytes, caps: dict[str, int], timeout: float
    ) -> dict[str, Any]:
        self._next_id += 1
        run_id = self._next_id
        request_fd = os.memfd_create("mlcoach-test", os.MFD_CLOEXEC)
        pipes = {name: os.pipe() for name in ("stdout", "stderr", "report")}
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(request_fd, view) :]
            theirs = [request_fd] + [w for _r, w in pipes.values()]
            self._send({**control, "op": "run", "id": run_id}, theirs)
        finally:
            os.close(request_fd)
            for _r, w in pipes.values():
                os.close(w)
        readers = {r: name for name, (r, _w) in pipes.items()}
        data: dict[str, bytearray] = {name: bytearray() for name in pipes}
        exceeded = {"stdout": False, "report": False}
        reply: dict[str, Any] | None = None
        deadline = time.monotonic() + timeout
        try:
            while readers or reply is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    if reply is None:
                        raise WorkerFailed("the fork server did not answer in time")
                    break  # the test is over; something kept a pipe open: stop reading
                watch: list[Any] = list(readers)
                if reply is None:
                    watch.append(self._sock)
                ready, _, _ = select.select(watch, [], [], remaining)
                for item in ready:
                    if item is self._sock:
                        reply = self._receive(deadline)
                        if reply.get("id") != run_id:
                            raise WorkerFailed(f"the fork server answered out of turn: {reply!r}")
                        deadline = min(deadline, time.monotonic() + DRAIN_SECONDS)
                        continue
                    name = readers[item]
                    chunk = os.read(item, 1 << 16)
                    if not chunk:
                        del readers[item]
                        os.close(item)
                        continue
                    buffer = data[name]
                    room = caps[name] - len(buffer)
                    buffer += chunk[: max(room, 0)]
                    if len(chunk) >= room and name in exceeded and not exceeded[name]:
                        exceeded[name] = True
                        if reply is None:  # the test is still running: stop it now
                            self._send({"op": "kill", "id": run_id})
        finally:
            for fd in readers:
                os.close(fd)
        assert reply is not None
        reply["stdout_bytes"] = len(data["stdout"])
        reply["stdout"] = bytes(data["stdout"][: caps["stdout"] - 1]).decode("utf-8", "replace")
        reply["stderr"] = bytes(data["stderr"]).decode("utf-8", "replace")
        reply["report"] = (
            None if exceeded["report"] else bytes(data["report"]).decode("utf-8", "replace")
        )
        reply["output_exceeded"] = exceeded["stdout"]
        reply["result_exceeded"] = exceeded["report"]
        return reply

    def stderr_tail(self, limit: int = 2000) -> str:
        with suppress(OSError, ValueError):
            self._stderr.seek(0)
            return self._stderr.read()[-limit:].decode("utf-8", "replace").strip()
        return ""

    def close(self) -> None:
        """Ask the server to stop, then make sure it has: its whole sandbox goes with it."""
        with suppress(OSError):
            self._sock.sendall(json.dumps({"op": "exit"}).encode())
        with suppress(OSError):
            self._sock.close()
        try:
            self.proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            with suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with suppress(OSError):
                self.proc.kill()
            with suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        with suppress(OSError):
            self._stderr.close()
        if self.launch.workdir is not None:
            shutil.rmtree(self.launch.workdir, ignore_errors=True)


class JudgePool:
    """Up to ``size`` warm workers; thread-safe. Use as a context manager or call :meth:`close`.

    ``sandbox`` is "bubblewrap" or "none"; by default the setting in force (MLCOACH_JUDGE_SANDBOX),
    and "none" is refused in team mode. Without a working bubblewrap the pool refuses to start
    (:class:`SandboxRefused`): it never falls back to a weaker sandbox by itself."""

    def __init__(
        self,
        size: int | None = None,
        *,
        recycle_after: int = RECYCLE_AFTER,
        sandbox: str | None = None,
    ) -> None:
        self.size = size or max(1, min(2, os.cpu_count() or 1))
        self.recycle_after = recycle_after
        self._cond = threading.Condition()
        self._idle: list[Worker] = []
        self._count = 0
        self._closed = False
        self.sandbox = sandbox or sandbox_choice()
        if self.sandbox not in ("bubblewrap", "none"):
            raise ValueError(f"unknown sandbox {self.sandbox!r}")
        self._bwrap = find_bubblewrap() if self.sandbox == "bubblewrap" else None

    # --- what isolation the workers get -------------------------------------------------------

    @property
    def sandboxed(self) -> bool:
        return self.sandbox == "bubblewrap"

    @property
    def sandbox_note(self) -> str:
        if self.sandboxed:
            return BUBBLEWRAP_NOTE
        return f"{NO_SANDBOX_NOTE} (MLCOACH_JUDGE_SANDBOX=none)"

    def _launch(self, profile: str) -> Launch:
        if self._bwrap is not None:
            return bubblewrap_launch(self._bwrap, profile)
        workdir = Path(tempfile.mkdtemp(prefix="mlcoach-judge-"))
        return rlimits_launch(workdir, "MLCOACH_JUDGE_SANDBOX=none", profile)

    def _start(self, profile: str = "base") -> Worker:
        """A new worker, ready to take requests, or an error that says why there is none."""
        launch = self._launch(profile)
        worker = Worker(launch, profile)
        try:
            info = worker.wait_ready()
        except WorkerFailed as exc:
            detail = worker.stderr_tail() or str(exc)
            worker.close()
            if launch.kind == "bubblewrap":
                first = detail.splitlines()[0] if detail else "unknown error"
                raise SandboxRefused(
                    no_bubblewrap_message(f"bubblewrap could not start a sandbox here ({first})")
                ) from None
            raise JudgeUnavailable(f"the code judge could not start: {detail}") from None
        if launch.kind == "bubblewrap" and not (
            info.get("fresh_mounts") and info.get("namespaces")
        ):
            worker.close()
            raise SandboxRefused(
                no_bubblewrap_message(
                    "bubblewrap started, but could not give each test its own namespaces"
                )
            )
        return worker

    # --- leasing workers ---------------------------------------------------------------------

    @contextmanager
    def lease(self, profile: str = "base") -> Iterator[Lease]:
        """A worker for one submission, returned to the pool (or recycled) afterwards."""
        lease = Lease(self, self._acquire(profile))
        try:
            yield lease
        except BaseException:
            lease.worker.broken = True
            raise
        finally:
            self._release(lease.worker)

    def _acquire(self, profile: str) -> Worker:
        spare: Worker | None = None
        with self._cond:
            while True:
                if self._closed:
                    raise JudgeUnavailable("the judge has been shut down")
                for index, worker in enumerate(self._idle):
                    if worker.profile == profile:
                        return self._idle.pop(index)
                if profile == "base" and self._idle and self._count >= self.size:
                    return self._idle.pop(0)  # a "data" worker runs anything: no restart needed
                if self._count < self.size:
                    self._count += 1
                    break
                if self._idle:  # full, but with an idle worker of the other profile: swap it
                    spare = self._idle.pop(0)
                    break
                self._cond.wait()
        if spare is not None:
            spare.close()
        try:
            return self._start(profile)
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _release(self, worker: Worker) -> None:
        worker.submissions += 1
        retire = worker.broken or worker.submissions >= self.recycle_after
        with self._cond:
            if not retire and not self._closed:
                self._idle.append(worker)
                self._cond.notify()
                return
            self._count -= 1
            self._cond.notify()
        worker.close()

    def replace(self, worker: Worker) -> Worker:
        """Close a worker that misbehaved and start a fresh one in its place."""
        worker.broken = True
        worker.close()
        return self._start(worker.profile)

    def start(self, profile: str = "base") -> None:
        """Start every worker now, so the first submissions do not wait for one."""
        started = []
        with self._cond:
            missing = self.size - self._count
            self._count += missing
        try:
            for _ in range(missing):
                started.append(self._start(profile))
        finally:
            with self._cond:
                self._count -= missing - len(started)
                self._idle.extend(started)
                self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for worker in idle:
            worker.close()

    def __enter__(self) -> JudgePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# A trivial test a healthy worker always passes; run after a test fails in a way a broken worker
# could explain (a crash, a time-out, a missing report).
CANARY_PAYLOAD = json.dumps(
    {
        "code": "def canary():\n    return 42\n",
        "function": "canary",
        "numpy_inputs": False,
        "test": {"kind": "call", "args": [], "kwargs": {"$dict": []}, "code": None},
    }
).encode()
CANARY_CONTROL = {
    "limits": {
        "cpu_seconds": 5,
        "address_space_bytes": 0,  # filled in from the worker's own size
        "file_bytes": 1 << 20,
        "open_files": 64,
        "processes": 64,
    },
    "wall_seconds": 10.0,
}
CANARY_CAPS = {"stdout": 1024, "stderr": MAX_STDERR_BYTES, "report": 1024}


class Lease:
    """The worker one submission runs on; replaced transparently if it breaks."""

    def __init__(self, pool: JudgePool, worker: Worker) -> None:
        self.pool = pool
        self.worker = worker
        self.replaced = 0

    def _replace(self) -> None:
        self.worker = self.pool.replace(self.worker)
        self.replaced += 1

    def run(
        self, control: dict[str, Any], payload: bytes, caps: dict[str, int], timeout: float
    ) -> dict[str, Any]:
        """Run one test; if the worker fails, retry once on a fresh one, then give up."""
        for attempt in (1, 2):
            try:
                reply = self.worker.run(control, payload, caps, timeout)
            except WorkerFailed:
                self._replace()
                if attempt == 2:
                    raise
                continue
            if not reply.get("ok"):
                self._replace()
                if attempt == 2:
                    raise WorkerFailed(
                        str(reply.get("error", "the fork server reported a failure"))
                    )
                continue
            if not reply.get("cleanup_ok", True):
                # Something the test left could not be removed: the next test starts afresh.
                self._replace()
            return reply
        raise AssertionError("unreachable")  # pragma: no cover

    def healthy(self) -> bool:
        """Run the canary on this worker; replace the worker (and say False) if it fails."""
        limits = {
            **CANARY_CONTROL["limits"],  # type: ignore[dict-item]
            "address_space_bytes": self.worker.baseline_vm_kb * 1024 + (256 << 20),
        }
        try:
            reply = self.worker.run(
                {**CANARY_CONTROL, "limits": limits}, CANARY_PAYLOAD, CANARY_CAPS, 30.0
            )
            report = json.loads(reply.get("report") or "null")
            ok = (
                reply.get("ok") is True
                and reply.get("exit_code") == 0
                and reply.get("cleanup_ok") is True
                and isinstance(report, dict)
                and report.get("value") == 42
            )
        except (WorkerFailed, ValueError):
            ok = False
        if not ok:
            self._replace()
        return ok
