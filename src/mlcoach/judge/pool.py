"""Fork servers kept warm, shared by every thread of the process.

A worker is one fork server (see ``_forkserver.py``) behind two pipes. The judge talks to it in
length-prefixed JSON, never unpickles anything, and throws it away after ``recycle_after``
submissions or at the first sign of trouble.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from mlcoach.errors import MlcoachError
from mlcoach.judge.sandbox import (
    BUBBLEWRAP_NOTE,
    NO_SANDBOX_NOTE,
    SERVER_FD_TOKEN,
    Launch,
    bubblewrap_launch,
    find_bubblewrap,
    rlimits_launch,
)

STARTUP_SECONDS = 60.0
MAX_FRAME_BYTES = 64 * 1024 * 1024
RECYCLE_AFTER = 200


class WorkerFailed(Exception):
    """The fork server died, hung or answered nonsense; it is not used again."""


class JudgeUnavailable(MlcoachError):
    """No fork server could be started at all."""


class Worker:
    """One running fork server."""

    def __init__(self, launch: Launch) -> None:
        self.launch = launch
        self.submissions = 0
        self.broken = False
        self.info: dict[str, Any] | None = None
        # Closed in close(): it lives as long as the worker, to explain a failed start.
        self._stderr: IO[bytes] = tempfile.TemporaryFile(prefix="mlcoach-judge-")  # noqa: SIM115
        self._buffer = bytearray()
        argv = list(launch.argv)
        pass_fds: list[int] = []
        if launch.server_source is not None:
            fd = os.memfd_create("mlcoach-forkserver")
            os.write(fd, launch.server_source)
            os.lseek(fd, 0, os.SEEK_SET)
            argv = [str(fd) if arg == SERVER_FD_TOKEN else arg for arg in argv]
            pass_fds.append(fd)
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=launch.env or None,
                pass_fds=pass_fds,
                cwd=str(launch.workdir) if launch.workdir else "/",
                start_new_session=True,
                bufsize=0,
            )
        except OSError as exc:
            self._stderr.close()
            raise WorkerFailed(f"cannot start {argv[0]}: {exc.strerror}") from None
        finally:
            for fd in pass_fds:
                os.close(fd)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._to_server = self.proc.stdin
        self._from_server = self.proc.stdout.fileno()

    @property
    def baseline_rss_kb(self) -> int:
        return int((self.info or {}).get("rss_kb", 0))

    @property
    def baseline_vm_kb(self) -> int:
        return int((self.info or {}).get("vm_kb", 0))

    def wait_ready(self, timeout: float = STARTUP_SECONDS) -> dict[str, Any]:
        if self.info is None:
            frame = self._read_frame(time.monotonic() + timeout)
            if not frame.get("ready"):
                raise WorkerFailed(f"the fork server did not start properly: {frame!r}")
            self.info = frame
        return self.info

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and wait for its reply; any failure breaks the worker."""
        try:
            payload = json.dumps(message, allow_nan=True).encode("utf-8")
            self._to_server.write(struct.pack(">I", len(payload)) + payload)
            self._to_server.flush()
            return self._read_frame(time.monotonic() + timeout)
        except (OSError, ValueError) as exc:
            self.broken = True
            raise WorkerFailed(f"lost contact with the fork server: {exc}") from None
        except WorkerFailed:
            self.broken = True
            raise

    def _read_frame(self, deadline: float) -> dict[str, Any]:
        header = self._read_bytes(4, deadline)
        (length,) = struct.unpack(">I", header)
        if length > MAX_FRAME_BYTES:
            raise WorkerFailed(f"the fork server sent a {length}-byte frame")
        try:
            frame = json.loads(self._read_bytes(length, deadline))
        except (ValueError, RecursionError) as exc:
            raise WorkerFailed(f"the fork server sent malformed JSON: {exc}") from None
        if not isinstance(frame, dict):
            raise WorkerFailed("the fork server sent a frame that is not an object")
        return frame

    def _read_bytes(self, count: int, deadline: float) -> bytes:
        while len(self._buffer) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerFailed("the fork server did not answer in time")
            ready, _, _ = select.select([self._from_server], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._from_server, 1 << 20)
            if not chunk:
                detail = self.stderr_tail()
                raise WorkerFailed("the fork server exited" + (f": {detail}" if detail else ""))
            self._buffer += chunk
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def stderr_tail(self, limit: int = 2000) -> str:
        with suppress(OSError, ValueError):
            self._stderr.seek(0)
            return self._stderr.read()[-limit:].decode("utf-8", "replace").strip()
        return ""

    def close(self) -> None:
        """Ask the server to stop, then make sure it has: its whole sandbox goes with it."""
        with suppress(OSError, ValueError):
            payload = json.dumps({"op": "exit"}).encode()
            self._to_server.write(struct.pack(">I", len(payload)) + payload)
            self._to_server.close()
        try:
            self.proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            with suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with suppress(OSError):
                self.proc.kill()
            with suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        if self.proc.stdout is not None:
            with suppress(OSError):
                self.proc.stdout.close()
        with suppress(OSError):
            self._stderr.close()
        if self.launch.workdir is not None:
            shutil.rmtree(self.launch.workdir, ignore_errors=True)


class JudgePool:
    """Up to ``size`` warm workers; thread-safe. Use as a context manager or call :meth:`close`."""

    def __init__(self, size: int | None = None, *, recycle_after: int = RECYCLE_AFTER) -> None:
        self.size = size or max(1, min(2, os.cpu_count() or 1))
        self.recycle_after = recycle_after
        self._cond = threading.Condition()
        self._idle: list[Worker] = []
        self._count = 0
        self._closed = False
        self._bwrap: str | None = None
        self._fallback_reason: str | None = None
        self._bwrap_proven = False
        bwrap, reason = find_bubblewrap()
        if bwrap is None:
            self._fallback_reason = reason
        else:
            self._bwrap = bwrap

    # --- what isolation the workers get -------------------------------------------------------

    @property
    def sandboxed(self) -> bool:
        return self._fallback_reason is None

    @property
    def sandbox_note(self) -> str:
        if self._fallback_reason is None:
            return BUBBLEWRAP_NOTE
        return f"{NO_SANDBOX_NOTE} ({self._fallback_reason})"

    def _launch(self) -> Launch:
        if self._fallback_reason is None and self._bwrap is not None:
            return bubblewrap_launch(self._bwrap)
        workdir = Path(tempfile.mkdtemp(prefix="mlcoach-judge-"))
        return rlimits_launch(workdir, self._fallback_reason or "no sandbox")

    def _start(self) -> Worker:
        """A new worker, ready to take requests. Falls back to rlimits only if bubblewrap cannot
        start a sandbox on this machine, and says why in every verdict from then on."""
        launch = self._launch()
        worker = Worker(launch)
        try:
            worker.wait_ready()
        except WorkerFailed as exc:
            detail = worker.stderr_tail() or str(exc)
            worker.close()
            if launch.kind == "bubblewrap" and not self._bwrap_proven:
                first = detail.splitlines()[0] if detail else "unknown error"
                self._fallback_reason = (
                    f"bubblewrap is installed but could not start a sandbox: {first}"
                )
                return self._start()
            raise JudgeUnavailable(f"the code judge could not start: {detail}") from None
        if launch.kind == "bubblewrap":
            self._bwrap_proven = True
        return worker

    # --- leasing workers ---------------------------------------------------------------------

    @contextmanager
    def lease(self) -> Iterator[Lease]:
        """A worker for one submission, returned to the pool (or recycled) afterwards."""
        lease = Lease(self, self._acquire())
        try:
            yield lease
        except BaseException:
            lease.worker.broken = True
            raise
        finally:
            self._release(lease.worker)

    def _acquire(self) -> Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise JudgeUnavailable("the judge has been shut down")
                if self._idle:
                    return self._idle.pop()
                if self._count < self.size:
                    self._count += 1
                    break
                self._cond.wait()
        try:
            return self._start()
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
        return self._start()

    def start(self) -> None:
        """Start every worker now, so the first submissions do not wait for one."""
        started = []
        with self._cond:
            missing = self.size - self._count
            self._count += missing
        try:
            for _ in range(missing):
                started.append(self._start())
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


class Lease:
    """The worker one submission runs on; replaced transparently if it breaks."""

    def __init__(self, pool: JudgePool, worker: Worker) -> None:
        self.pool = pool
        self.worker = worker

    def run(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Run one test; if the worker fails, retry once on a fresh one, then give up."""
        for attempt in (1, 2):
            try:
                reply = self.worker.request(request, timeout)
            except WorkerFailed:
                self.worker = self.pool.replace(self.worker)
                if attempt == 2:
                    raise
                continue
            if not reply.get("ok"):
                self.worker = self.pool.replace(self.worker)
                if attempt == 2:
                    raise WorkerFailed(
                        str(reply.get("error", "the fork server reported a failure"))
                    )
                continue
            if not reply.get("cleanup_ok", True):
                # Something the test left could not be removed: the next test starts afresh.
                self.worker = self.pool.replace(self.worker)
            return reply
        raise AssertionError("unreachable")  # pragma: no cover
