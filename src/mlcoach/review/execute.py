"""Running a submission's notebooks (`mlcoach review --execute`).

Each notebook runs on a copy of the submission, in a fresh IPython kernel driven by nbclient, with a
time limit per cell and for the whole notebook. Where bubblewrap is installed the kernel runs in its
sandbox: no network, its own PID/IPC/UTS/user namespaces, a read-only view of the system and of the
Python installation only (home folders, /tmp, /run and the rest of the machine are not visible),
an empty environment, and write access to the copy alone. Either way the kernel gets resource
limits (address space, CPU time, file size). Kernel and client talk over Unix sockets (ZeroMQ's ipc
transport), which is why the sandbox can do without a network.

Findings: the first cell that fails, and metric values claimed in Markdown or the README that the
new outputs do not reproduce.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import site
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import mlcoach
from mlcoach.review import claims as claim_parsing
from mlcoach.review.context import make_finding, read_text
from mlcoach.review.errors import ExecutionSetupError
from mlcoach.review.intake import SKIPPED_DIRS, Submission
from mlcoach.review.models import ClaimCheck, ExecutionResult, Finding, Location, Report
from mlcoach.review.options import ReviewOptions
from mlcoach.review.sources import read_notebook

SANDBOX_ENV = "MLCOACH_REVIEW_SANDBOX"  # "none" runs kernels with resource limits only
KERNEL_NAME = "mlcoach-review"
STARTUP_TIMEOUT = 60
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_LINE = re.compile(
    r"Cell In\s*\[\d*\],\s*line (\d+)|<ipython-input-\d+-\w+> in <\w+>\(\)\s*\n-*>\s*(\d+)"
)
BUBBLEWRAP_NOTE = (
    "bubblewrap: no network, read-only system, only the submission copy writable, own namespaces"
)
LIMITS_NOTE = "resource limits only (memory, CPU time, file size)"


@dataclass
class Run:
    notebook: Any  # the executed NotebookNode
    sandbox: str
    seconds: float
    failed_cell: int | None = None  # 1-based among all cells
    failed_line: int | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)


# ----- the kernel command -----


def _kernel_source() -> str:
    return Path(__file__).with_name("kernel.py").read_text(encoding="utf-8")


@lru_cache(maxsize=4)
def _interpreter_paths(python: str) -> tuple[str, ...]:
    """Folders the interpreter needs to run: its installation, its site-packages, mlcoach."""
    if Path(python).resolve() == Path(sys.executable).resolve():
        paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages()}
    else:
        script = "import sys, site; print('\\n'.join([sys.prefix, sys.base_prefix, *site.getsitepackages()]))"
        try:
            out = subprocess.run(
                [python, "-c", script], capture_output=True, text=True, timeout=30, check=True
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise ExecutionSetupError(
                f"cannot run the kernel interpreter {python}: {exc}"
            ) from None
        paths = set(out.stdout.split())
    paths.add(str(Path(mlcoach.__file__).resolve().parents[1]))
    paths.add(os.path.dirname(os.path.realpath(python)))
    resolved = {os.path.realpath(p) for p in paths if p and os.path.exists(p)} | {
        p for p in paths if p and os.path.exists(p)
    }
    return tuple(sorted(resolved))


def find_bubblewrap(options: ReviewOptions) -> tuple[str | None, str]:
    """The bwrap binary to sandbox with, or None and why not."""
    if options.sandbox == "none" or os.environ.get(SANDBOX_ENV, "").lower() == "none":
        return None, "sandboxing turned off"
    if not sys.platform.startswith("linux"):
        return None, "bubblewrap needs Linux"
    found = shutil.which("bwrap")
    if found is None:
        return None, "bubblewrap (bwrap) is not installed"
    return found, ""


@lru_cache(maxsize=4)
def _bwrap_supports(bwrap: str, option: str) -> bool:
    try:
        text = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return option in text


def _kernel_env(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "IPYTHONDIR": str(home / ".ipython"),
        "MPLCONFIGDIR": str(home / ".matplotlib"),
        "MPLBACKEND": "agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "2",
        "OPENBLAS_NUM_THREADS": "2",
        "MKL_NUM_THREADS": "2",
    }


def _limits(options: ReviewOptions) -> list[str]:
    cpu = int(options.total_timeout) + 30
    return ["--memory-mb", str(options.memory_mb), "--cpu-seconds", str(cpu)]


def bubblewrap_argv(
    bwrap: str, python: str, workdir: Path, cwd: Path, options: ReviewOptions
) -> list[str]:
    argv = [bwrap, "--unshare-all", "--die-with-parent", "--new-session"]
    argv += ["--unshare-user", "--uid", "65534", "--gid", "65534"]
    if _bwrap_supports(bwrap, "--disable-userns"):
        argv.append("--disable-userns")
    for name in ("/usr", "/etc"):
        argv += ["--ro-bind", name, name]
    for name in ("/lib", "/lib64", "/lib32", "/bin", "/sbin"):
        system = Path(name)
        if system.is_symlink():
            argv += ["--symlink", os.readlink(system), name]
        elif system.is_dir():
            argv += ["--ro-bind", name, name]
    # The private /tmp goes first: the interpreter (a virtual environment, say) may live under
    # /tmp, and a later bind shows through the tmpfs where an earlier one would be hidden by it.
    argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for folder in _interpreter_paths(python):
        argv += ["--ro-bind", folder, folder]
    argv += ["--bind", str(workdir), str(workdir)]
    argv += ["--clearenv"]
    for key, value in _kernel_env(workdir / "home").items():
        argv += ["--setenv", key, value]
    argv += ["--chdir", str(cwd), "--", python, "-c", _kernel_source(), *_limits(options)]
    return [*argv, "-f", "{connection_file}"]


def plain_argv(python: str, options: ReviewOptions) -> list[str]:
    return [python, "-c", _kernel_source(), *_limits(options), "-f", "{connection_file}"]


# ----- running -----


def _copy_submission(root: Path, target: Path, limit: int) -> None:
    total = 0

    def ignore(folder: str, names: list[str]) -> set[str]:
        nonlocal total
        skipped = set()
        for name in names:
            path = Path(folder, name)
            if name in SKIPPED_DIRS or path.is_symlink():
                skipped.add(name)
            elif path.is_file():
                total += path.stat().st_size
                if total > limit:
                    raise ExecutionSetupError(
                        f"{root.name}: too large to copy for execution (over {limit // (1024 * 1024)} MB)"
                    )
        return skipped

    shutil.copytree(root, target, ignore=ignore, symlinks=False)


def run_notebook(path: Path, root: Path, options: ReviewOptions, rel: str) -> Run:
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    python = options.kernel_python or sys.executable
    bwrap, reason = find_bubblewrap(options)
    with tempfile.TemporaryDirectory(prefix="mlcoach-exec-") as tmp:
        workdir = Path(tmp)
        copy = workdir / "submission"
        _copy_submission(root, copy, options.max_unpacked_bytes)
        (workdir / "home").mkdir()
        (workdir / "runtime").mkdir()
        notebook_path = copy / path.relative_to(root)
        notes: list[str] = []
        attempts: list[tuple[str, list[str]]] = []
        if bwrap:
            attempts.append(
                (
                    BUBBLEWRAP_NOTE,
                    bubblewrap_argv(bwrap, python, workdir, notebook_path.parent, options),
                )
            )
        else:
            notes.append(f"no sandbox: {reason}; the kernel ran with {LIMITS_NOTE}")
        attempts.append((LIMITS_NOTE, plain_argv(python, options)))
        last_error = ""
        for sandbox, argv in attempts:
            spec_dir = workdir / "kernels" / KERNEL_NAME
            spec_dir.mkdir(parents=True, exist_ok=True)
            (spec_dir / "kernel.json").write_text(
                json.dumps({"argv": argv, "display_name": "mlcoach review", "language": "python"})
            )
            manager = AsyncKernelManager(
                kernel_name=KERNEL_NAME,
                kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(workdir / "kernels")]),
                transport="ipc",
                ip=str(workdir / "runtime" / "ipc"),
                connection_file=str(workdir / "runtime" / "connection.json"),
            )
            notebook = read_notebook(notebook_path, rel)
            outcome = _execute(notebook, manager, notebook_path.parent, workdir, options, sandbox)
            if outcome is not None:
                outcome.notes = [*notes, *outcome.notes]
                return outcome
            last_error = _startup_log(workdir)
            if sandbox == BUBBLEWRAP_NOTE:
                notes.append(
                    "bubblewrap could not start the kernel"
                    + (f" ({last_error})" if last_error else "")
                    + f"; it ran with {LIMITS_NOTE} instead"
                )
        raise ExecutionSetupError(
            f"{rel}: the notebook kernel did not start"
            + (f" ({last_error})" if last_error else "")
            + "; --execute needs ipykernel in the kernel's Python"
        )


def _startup_log(workdir: Path) -> str:
    log = workdir / "kernel.log"
    if not log.exists():
        return ""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def _execute(
    notebook: Any,
    manager: Any,
    cwd: Path,
    workdir: Path,
    options: ReviewOptions,
    sandbox: str,
) -> Run | None:
    """Run ``notebook``; None when the kernel could not even start."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    started = time.monotonic()
    deadline = started + options.total_timeout
    current: dict[str, int] = {"index": -1}

    def timeout_for(_cell: Any) -> int:
        remaining = deadline - time.monotonic()
        return max(1, int(min(options.cell_timeout, remaining)))

    def on_start(cell: Any = None, cell_index: int = -1, **_: Any) -> None:
        current["index"] = cell_index

    client = NotebookClient(
        notebook,
        km=manager,
        kernel_name=KERNEL_NAME,
        timeout=int(options.cell_timeout),
        timeout_func=timeout_for,
        startup_timeout=STARTUP_TIMEOUT,
        allow_errors=False,
        record_timing=False,
        coalesce_streams=True,
        shutdown_kernel="immediate",
        on_cell_start=on_start,
        resources={"metadata": {"path": str(cwd)}},
    )
    env = _kernel_env(workdir / "home")
    run = Run(notebook=notebook, sandbox=sandbox, seconds=0.0)
    with open(workdir / "kernel.log", "wb") as log:
        try:
            client.execute(env=env, stdout=log, stderr=log)
        except CellTimeoutError:
            run.failed_cell = current["index"] + 1
            spent = time.monotonic() - started
            if spent >= options.total_timeout - 1:
                run.error = (
                    f"the notebook ran out of its total time limit ({options.total_timeout:g} s)"
                )
            else:
                run.error = f"the cell ran longer than the limit of {options.cell_timeout:g} s"
        except DeadKernelError:
            run.failed_cell = current["index"] + 1
            run.error = (
                f"the kernel died (killed for using more than {options.memory_mb} MB of memory, "
                "or crashed)"
            )
        except CellExecutionError as exc:
            run.failed_cell = current["index"] + 1
            run.error = f"{exc.ename}: {_ANSI.sub('', str(exc.evalue)).strip()}".strip(": ")
            run.failed_line = _error_line(notebook, run.failed_cell, str(exc))
        except (RuntimeError, TimeoutError) as exc:
            if current["index"] < 0:
                _cleanup(client)
                return None
            run.failed_cell = current["index"] + 1
            run.error = f"the kernel stopped responding ({exc})"
        finally:
            _cleanup(client)
    run.seconds = round(time.monotonic() - started, 2)
    return run


def _error_line(notebook: Any, cell_number: int, fallback: str) -> int | None:
    """The line of the failing cell that raised, from IPython's traceback ("Cell In[6], line 2")."""
    texts: list[str] = []
    cells = notebook.get("cells", [])
    if 0 < cell_number <= len(cells):
        for output in cells[cell_number - 1].get("outputs", []):
            if output.get("output_type") == "error":
                texts.append("\n".join(output.get("traceback", [])))
    texts.append(fallback)
    for text in texts:
        found = _CELL_LINE.search(_ANSI.sub("", text))
        if found:
            return int(found.group(1) or found.group(2))
    return None


def _cleanup(client: Any) -> None:
    """Stop the kernel now; nbclient only does it itself for kernels it started."""
    try:
        if client.km is not None:
            client._cleanup_kernel()
    except Exception:  # the kernel may already be gone; there is nothing left to stop
        pass
    finally:
        atexit.unregister(client._cleanup_kernel)  # it would run again, on nothing, at exit


# ----- findings -----


def _claims(
    submission: Submission, unit_rel: str, notebook: Any, options: ReviewOptions
) -> list[tuple[Location, claim_parsing.Claim]]:
    found: list[tuple[Location, claim_parsing.Claim]] = []
    for index, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        for claim in claim_parsing.claims_in(text):
            found.append((Location(file=unit_rel, cell=index, line=claim.line), claim))
    for readme in submission.readmes:
        if readme.suffix.lower() not in ("", ".md", ".txt", ".rst", ".markdown"):
            continue
        for claim in claim_parsing.claims_in(read_text(readme, options.max_file_bytes)):
            found.append((Location(file=submission.relative(readme), line=claim.line), claim))
    return found


def _printed(notebook: Any) -> list[claim_parsing.Printed]:
    printed: list[claim_parsing.Printed] = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else str(source)
            printed.extend(
                claim_parsing.printed_in_cell(text, [dict(o) for o in cell.get("outputs", [])])
            )
    return printed


def execute_submission(submission: Submission, report: Report, options: ReviewOptions) -> None:
    if not submission.notebooks:
        report.notes.append(
            "--execute runs notebooks; this submission has only scripts, which were not run"
        )
        return
    findings: list[Finding] = []
    for path in submission.notebooks:
        rel = submission.relative(path)
        original = read_notebook(path, rel)
        run = run_notebook(path, submission.root, options, rel)
        report.notes.extend(run.notes)
        result = ExecutionResult(
            ran=True,
            sandbox=run.sandbox,
            seconds=run.seconds,
            notebook=rel,
            failed_cell=run.failed_cell,
            error=run.error,
        )
        if run.failed_cell is not None:
            cell = (
                run.notebook.cells[run.failed_cell - 1]
                if 0 < run.failed_cell <= len(run.notebook.cells)
                else None
            )
            code = None
            if cell is not None and run.failed_line:
                lines = "".join(cell.get("source", "")).splitlines()
                if 0 < run.failed_line <= len(lines):
                    code = lines[run.failed_line - 1].strip()
            hint = ""
            if run.error and run.error.startswith("ModuleNotFoundError"):
                hint = (
                    " (the kernel uses the Python that runs mlcoach; install the submission's "
                    "requirements there or pass --kernel-python)"
                )
            findings.append(
                make_finding(
                    "execution/cell-failed",
                    Location(file=rel, cell=run.failed_cell, line=run.failed_line),
                    f"Running the notebook from the top stops at cell {run.failed_cell}: "
                    f"{run.error}{hint}.",
                    code=code,
                )
            )
        printed = _printed(run.notebook)
        for location, claim in _claims(submission, rel, original, options):
            values = [p.value for p in printed if p.metric == claim.metric]
            if not values:
                status = "not-printed"
            elif any(claim_parsing.agrees(claim, p) for p in printed if p.metric == claim.metric):
                status = "reproduced"
            else:
                status = "not-reproduced"
            result.claims.append(
                ClaimCheck(
                    metric=claim.metric,
                    claimed=claim.text,
                    location=location,
                    printed=values[:10],
                    status=status,
                )
            )
            if status == "not-reproduced":
                shown = ", ".join(f"{v:g}" for v in values[:5])
                findings.append(
                    make_finding(
                        "execution/claim-not-reproduced",
                        location,
                        f"The text claims {claim.metric.replace('_', ' ')} {claim.text}; running the "
                        f"notebook printed {claim.metric.replace('_', ' ')} {shown}.",
                    )
                )
        report.execution.append(result)
    report.findings.extend(findings)
    report.findings.sort(
        key=lambda f: (
            -f.rank,
            f.location.file or "",
            f.location.cell or 0,
            f.location.line or 0,
            f.id,
        )
    )
