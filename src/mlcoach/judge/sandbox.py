"""How a fork server is started: inside bubblewrap when it is there, with resource limits only when not.

The bubblewrap sandbox shows the server nothing but the Python interpreter's own files, the system
libraries and NumPy, all read-only; a private tmpfs is its /tmp and working folder; it has no network,
its own PID, user, IPC and UTS namespaces, and dies with the judge.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

SANDBOX_ENV = (
    "MLCOACH_JUDGE_SANDBOX"  # "none" forces the rlimits-only mode (for tests and debugging)
)
SANDBOX_ROOT = "/opt/mlcoach"
SERVER_PATH = f"{SANDBOX_ROOT}/forkserver.py"
SITE_PATH = f"{SANDBOX_ROOT}/site"
SANDBOX_UID = 65534
TMP_BYTES = 64 * 1024 * 1024
SHM_BYTES = 8 * 1024 * 1024
SERVER_SOURCE = Path(__file__).with_name("_forkserver.py")
SERVER_FD_TOKEN = "@SERVER_FD@"  # replaced by the descriptor that carries the server's source

BUBBLEWRAP_NOTE = (
    "bubblewrap: no network, read-only system, private /tmp, own namespaces, seccomp filter"
)
NO_SANDBOX_NOTE = "none — resource limits only"

THREAD_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
}


@dataclass(frozen=True)
class Launch:
    """The command that starts one fork server, and what kind of isolation it gives."""

    argv: tuple[str, ...]
    env: dict[str, str]
    kind: str  # "bubblewrap" or "none"
    note: str
    server_source: bytes | None = None  # bubblewrap copies it into the sandbox from a memfd
    workdir: Path | None = None  # the rlimits-only mode's scratch folder
    reasons: tuple[str, ...] = field(default=())


def interpreter() -> Path:
    """The real interpreter behind the venv's ``python`` (the venv itself is not shown)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return Path(os.path.realpath(base))


def _numpy_package() -> Path:
    import numpy  # here, not at the top: importing the judge must stay cheap for the CLI

    return Path(numpy.__file__).resolve().parent


def _numpy_dirs() -> list[Path]:
    package = _numpy_package()
    dirs = [package]
    libs = package.with_name("numpy.libs")  # the wheel's bundled OpenBLAS
    if libs.is_dir():
        dirs.append(libs)
    return dirs


def _within(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _hidden_dirs(bound: list[Path]) -> list[Path]:
    """Package folders inside the bound trees: covered with an empty tmpfs so the sandbox cannot
    import the judge (or read the problem files, with their expected values, shipped beside it)."""
    candidates = {*site.getsitepackages(), site.getusersitepackages()}
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    for scheme_vars in ({}, base):  # the venv's and the base interpreter's own site-packages
        paths = sysconfig.get_paths(vars=scheme_vars)
        candidates |= {paths["purelib"], paths["platlib"]}
    candidates.add(str(Path(__file__).resolve().parents[1]))  # the mlcoach package itself
    found = []
    for raw in candidates:
        path = Path(os.path.realpath(raw))
        if path.is_dir() and _within(path, bound):
            found.append(path)
    return sorted(found)


def _system_binds() -> tuple[list[str], list[Path]]:
    args: list[str] = []
    bound: list[Path] = []
    for name in ("/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32"):
        path = Path(name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            args += ["--ro-bind", name, name]
            bound.append(path)
    return args, bound


def bubblewrap_launch(bwrap: str) -> Launch:
    python = interpreter()
    prefix = Path(os.path.realpath(sys.base_prefix))
    args, bound = _system_binds()
    if prefix in (Path("/"), Path("/usr")):
        stdlib = Path(os.path.realpath(sysconfig.get_paths()["stdlib"]))
        extra = [stdlib, python]
    else:
        extra = [prefix]
    for path in extra:
        if not _within(path, bound):
            args += ["--ro-bind", str(path), str(path)]
            bound.append(path)
    if not _within(python, bound):  # pragma: no cover - an interpreter outside its prefix
        args += ["--ro-bind", str(python), str(python)]
    for hidden in _hidden_dirs(bound):
        args += ["--tmpfs", str(hidden), "--remount-ro", str(hidden)]
    for source in _numpy_dirs():
        args += ["--ro-bind", str(source), f"{SITE_PATH}/{source.name}"]
    user = ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    if _bwrap_supports(bwrap, "--disable-userns"):
        user.append("--disable-userns")
    argv = [
        bwrap,
        "--unshare-all",
        *user,
        "--die-with-parent",
        # The server itself is PID 1: no reaper process of bubblewrap's that a child could inspect,
        # and the kernel ignores signals sent to PID 1 from inside its namespace.
        "--as-pid-1",
        "--new-session",
        "--hostname",
        "judge",
        *args,
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
        "--remount-ro", "/dev",
        "--size", str(TMP_BYTES), "--tmpfs", "/tmp",
        "--chdir", "/tmp",
        "--ro-bind-data", SERVER_FD_TOKEN, SERVER_PATH,
        "--remount-ro", "/",
        "--clearenv",
        *(item for key, value in _sandbox_env("/tmp").items() for item in ("--setenv", key, value)),
        "--",
        str(python), "-I", "-S", "-B", SERVER_PATH, "bwrap", "/tmp", SITE_PATH,
    ]  # fmt: skip
    return Launch(
        argv=tuple(argv),
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},  # nothing of the judge's environment
        kind="bubblewrap",
        note=BUBBLEWRAP_NOTE,
        server_source=SERVER_SOURCE.read_bytes(),
    )


def _sandbox_env(tmp: str) -> dict[str, str]:
    return {**THREAD_ENV, "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"}


def rlimits_launch(workdir: Path, reason: str) -> Launch:
    """No sandbox: the server and its children only get resource limits and the seccomp filter."""
    python = interpreter()
    site_dir = _numpy_package().parent
    argv = (str(python), "-I", "-S", "-B", str(SERVER_SOURCE), "none", str(workdir), str(site_dir))
    return Launch(
        argv=argv,
        env=_sandbox_env(str(workdir)),
        kind="none",
        note=f"{NO_SANDBOX_NOTE} ({reason})",
        workdir=workdir,
        reasons=(reason,),
    )


@lru_cache(maxsize=8)
def _bwrap_supports(bwrap: str, option: str) -> bool:
    try:
        help_text = subprocess.run(
            [bwrap, "--help"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return option in help_text


def find_bubblewrap() -> tuple[str | None, str]:
    """The bwrap binary to use, or None and why not."""
    if os.environ.get(SANDBOX_ENV, "").lower() == "none":
        return None, f"{SANDBOX_ENV}=none"
    if not sys.platform.startswith("linux"):
        return None, "bubblewrap needs Linux"
    found = shutil.which("bwrap")
    if found is None:
        return None, "bubblewrap (bwrap) is not installed; install the 'bubblewrap' package"
    return found, ""
