"""How a fork server is started: inside bubblewrap, or, only when the user opted in on a single-user
machine (``MLCOACH_JUDGE_SANDBOX=none``), with resource limits and the seccomp filter alone.

The bubblewrap sandbox shows the server nothing but the Python interpreter's own files, the system
libraries and the scientific packages (NumPy, SciPy, pandas, scikit-learn and their dependencies),
all read-only; a private tmpfs is its /tmp and working folder; it has no network, its own PID, user,
IPC and UTS namespaces, and dies with the judge. It keeps CAP_SYS_ADMIN inside its own user
namespace (nowhere else) to give each test new PID and IPC namespaces and fresh /tmp and /dev/shm
mounts; every test drops all capabilities before it reads the submission.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from mlcoach.errors import MlcoachError

SANDBOX_ENV = "MLCOACH_JUDGE_SANDBOX"  # "none": the user's explicit opt-out, single-user mode only
INSTALL_HINT = "sudo apt-get install bubblewrap"
SANDBOX_ROOT = "/opt/mlcoach"
SERVER_PATH = f"{SANDBOX_ROOT}/forkserver.py"
SITE_PATH = f"{SANDBOX_ROOT}/site"
SANDBOX_UID = 65534
TMP_BYTES = 64 * 1024 * 1024
SHM_BYTES = 8 * 1024 * 1024
SERVER_SOURCE = Path(__file__).with_name("_forkserver.py")
SERVER_FD_TOKEN = "@SERVER_FD@"  # replaced by the descriptor that carries the server's source
SOCKET_FD_TOKEN = "@SOCKET_FD@"  # replaced by the descriptor of the judge's socket
# Importable in the sandbox: the packages ML problems use, and what they import in turn.
SANDBOX_PACKAGES = (
    "numpy", "scipy", "pandas", "sklearn", "dateutil", "six", "tzdata", "joblib", "threadpoolctl",
    "cloudpickle", "narwhals",
)  # fmt: skip

BUBBLEWRAP_NOTE = (
    "bubblewrap: no network, read-only system, private /tmp, own namespaces per test, "
    "seccomp filter"
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


def _package_paths() -> list[Path]:
    """The sandbox's packages (folders or single modules) and the wheels' bundled libraries."""
    import importlib.util

    paths: list[Path] = []
    for name in SANDBOX_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue  # optional: a problem that needs it says so when its import fails
        origin = Path(spec.origin).resolve()
        path = origin.parent if spec.submodule_search_locations else origin
        paths.append(path)
    site_dir = _numpy_package().parent
    paths += sorted(site_dir.glob("*.libs"))  # numpy.libs, scipy.libs, scikit_learn.libs...
    wanted = {"numpy", "scipy", "scikit_learn", "pandas"}
    return [p for p in paths if not p.name.endswith(".libs") or p.name[:-5] in wanted]


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


def bubblewrap_launch(bwrap: str, profile: str = "base") -> Launch:
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
    for source in _package_paths():
        args += ["--ro-bind", str(source), f"{SITE_PATH}/{source.name}"]
    user = ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    if _bwrap_supports(bwrap, "--disable-userns"):
        user.append("--disable-userns")
    argv = [
        bwrap,
        "--unshare-all",
        *user,
        "--die-with-parent",
        # Inside its own user namespace only: new PID/IPC namespaces and /tmp mounts per test.
        "--cap-add", "CAP_SYS_ADMIN",
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
        str(python), "-I", "-S", "-B", SERVER_PATH, "bwrap", "/tmp", SOCKET_FD_TOKEN, profile,
        SITE_PATH,
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


def rlimits_launch(workdir: Path, reason: str, profile: str = "base") -> Launch:
    """No sandbox: the server and its children only get resource limits and the seccomp filter."""
    python = interpreter()
    site_dir = _numpy_package().parent
    argv = (
        str(python), "-I", "-S", "-B", str(SERVER_SOURCE), "none", str(workdir), SOCKET_FD_TOKEN,
        profile, str(site_dir),
    )  # fmt: skip
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


class JudgeUnavailable(MlcoachError):
    """No fork server could be started at all."""


class SandboxRefused(JudgeUnavailable):
    """The judge will not run code: no working sandbox, and no explicit opt-out allowed."""


def no_bubblewrap_message(why: str) -> str:
    return (
        f"the code judge needs bubblewrap to run submissions safely, and {why}. Install it "
        f"({INSTALL_HINT}), or, on a single-user machine only, set {SANDBOX_ENV}=none to run "
        "submissions with resource limits alone"
    )


def sandbox_choice(environ: Mapping[str, str] | None = None) -> str:
    """ "bubblewrap" or "none" (the user's explicit opt-out), from the settings in force.

    Raises :class:`SandboxRefused` when "none" is asked for in team mode (MLCOACH_AUTH=on): other
    people's code must never run unsandboxed."""
    from mlcoach.config import load_settings

    settings = load_settings(environ)
    if settings.judge_sandbox == "none":
        if settings.auth:
            raise SandboxRefused(
                f"{SANDBOX_ENV}=none is refused in team mode (MLCOACH_AUTH=on): other users' code "
                f"must run in the bubblewrap sandbox ({INSTALL_HINT})"
            )
        return "none"
    return "bubblewrap"


def find_bubblewrap() -> str:
    """The bwrap binary to use; :class:`SandboxRefused` if there is none."""
    if not sys.platform.startswith("linux"):
        raise SandboxRefused(no_bubblewrap_message("bubblewrap needs Linux"))
    found = shutil.which("bwrap")
    if found is None:
        raise SandboxRefused(no_bubblewrap_message("bubblewrap (bwrap) is not installed"))
    return found
