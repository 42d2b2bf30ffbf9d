"""What a submission is made of: a folder, a notebook, a script or a zip, checked before it is read.

A zip is unpacked into a temporary folder only after every member has been vetted: no absolute
paths or `..`, no links, no encrypted members, a bounded number of files and unpacked size, and no
member that decompresses far more than zip's deflate could honestly achieve (a zip bomb). Sizes are
checked again while writing, since a zip's headers can lie.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mlcoach.review.errors import (
    SubmissionNotFoundError,
    SubmissionTooLargeError,
    UnsafeArchiveError,
    UnsupportedSubmissionError,
)
from mlcoach.review.options import MIB, ReviewOptions

NOTEBOOK_SUFFIX = ".ipynb"
SCRIPT_SUFFIX = ".py"
DATA_SUFFIXES = frozenset({".csv", ".tsv"})
ENVIRONMENT_FILES = frozenset(
    {
        "requirements.txt",
        "requirements.in",
        "environment.yml",
        "environment.yaml",
        "conda.yml",
        "conda.yaml",
        "pyproject.toml",
        "pipfile",
        "setup.py",
        "setup.cfg",
    }
)
LOCK_FILES = frozenset(
    {"pipfile.lock", "poetry.lock", "uv.lock", "conda-lock.yml", "pdm.lock", "requirements.lock"}
)
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".ipynb_checkpoints",
        "node_modules",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        "site-packages",
        "__MACOSX",
        ".idea",
        ".vscode",
    }
)


@dataclass
class Submission:
    """The files of one submission, as paths under ``root``."""

    root: Path
    name: str
    notebooks: list[Path] = field(default_factory=list)
    scripts: list[Path] = field(default_factory=list)
    environment_files: list[Path] = field(default_factory=list)
    lock_files: list[Path] = field(default_factory=list)
    readmes: list[Path] = field(default_factory=list)
    data_files: list[Path] = field(default_factory=list)
    local_modules: set[str] = field(default_factory=set)

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.name


def _size_text(size: int) -> str:
    if size >= MIB:
        return f"{size / MIB:,.0f} MB"
    return f"{size / 1024:,.0f} KB"


def check_file_size(path: Path, limit: int, what: str = "file") -> int:
    size = path.stat().st_size
    if size > limit:
        raise SubmissionTooLargeError(
            f"{path.name}: the {what} is {_size_text(size)}, over the {_size_text(limit)} limit"
        )
    return size


@contextmanager
def open_submission(path: Path, options: ReviewOptions) -> Iterator[Submission]:
    """The submission at ``path``; a zip is unpacked into a folder that is removed afterwards."""
    path = Path(path).expanduser()
    if not path.exists() and not path.is_symlink():
        raise SubmissionNotFoundError(f"{path}: no such file or folder")
    if path.is_symlink() and not path.exists():
        raise SubmissionNotFoundError(f"{path}: a link to nothing")
    name = path.resolve().name
    if path.is_dir():
        archive = _lone_archive(path)
        if archive is None:
            yield _from_folder(path.resolve(), name, options, only=None)
            return
        path = archive  # a folder holding nothing but the submission's zip: review the zip
    else:
        name = path.stem
    suffix = path.suffix.lower()
    if suffix == ".zip":
        with tempfile.TemporaryDirectory(prefix="mlcoach-review-") as tmp:
            root = extract_zip(path, Path(tmp), options)
            yield _from_folder(root, name, options, only=None)
        return
    if suffix in (NOTEBOOK_SUFFIX, SCRIPT_SUFFIX):
        check_file_size(
            path, options.max_file_bytes, "notebook" if suffix == ".ipynb" else "script"
        )
        resolved = path.resolve()
        yield _from_folder(resolved.parent, resolved.stem, options, only=resolved)
        return
    if zipfile.is_zipfile(path):
        raise UnsupportedSubmissionError(f"{path.name}: a zip archive must end in .zip")
    raise UnsupportedSubmissionError(
        f"{path.name}: not something mlcoach can review; give a notebook (.ipynb), a Python script "
        "(.py), a .zip or a folder"
    )


def _lone_archive(folder: Path) -> Path | None:
    """The zip in ``folder`` when it is the only thing there to review."""
    zips: list[Path] = []
    for entry in folder.iterdir():
        suffix = entry.suffix.lower()
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in SKIPPED_DIRS:
            return None
        if suffix in (NOTEBOOK_SUFFIX, SCRIPT_SUFFIX):
            return None
        if suffix == ".zip" and entry.is_file():
            zips.append(entry)
    return zips[0] if len(zips) == 1 else None


def _walk(root: Path, options: ReviewOptions) -> Iterator[Path]:
    count = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIPPED_DIRS
            and not d.startswith(".")
            and not (Path(folder, d) / "pyvenv.cfg").exists()
        )
        for name in sorted(files):
            count += 1
            if count > options.max_files:
                raise SubmissionTooLargeError(
                    f"{root.name}: more than {options.max_files} files; point mlcoach at the "
                    "project folder itself"
                )
            yield Path(folder, name)


def _from_folder(root: Path, name: str, options: ReviewOptions, only: Path | None) -> Submission:
    submission = Submission(root=root, name=name)
    candidates: Iterator[Path] = iter(sorted(root.iterdir())) if only else _walk(root, options)
    for file in candidates:
        if file.is_symlink() or not file.is_file():
            continue
        lower = file.name.lower()
        suffix = file.suffix.lower()
        if lower in ENVIRONMENT_FILES or (lower.startswith("requirements") and suffix == ".txt"):
            submission.environment_files.append(file)
        elif lower in LOCK_FILES:
            submission.lock_files.append(file)
        elif lower.startswith("readme"):
            submission.readmes.append(file)
        elif suffix in DATA_SUFFIXES:
            submission.data_files.append(file)
        if suffix == SCRIPT_SUFFIX:
            submission.local_modules.add(file.stem)
            if file.parent != root and (file.parent / "__init__.py").exists():
                submission.local_modules.add(file.relative_to(root).parts[0])
            if only is None and lower != "setup.py":
                submission.scripts.append(file)
        elif suffix == NOTEBOOK_SUFFIX and only is None:
            submission.notebooks.append(file)
    if only is not None:
        (
            submission.notebooks if only.suffix.lower() == NOTEBOOK_SUFFIX else submission.scripts
        ).append(only)
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if only is None else []:
        if (folder / "__init__.py").exists():
            submission.local_modules.add(folder.name)
    if not submission.notebooks and not submission.scripts:
        raise UnsupportedSubmissionError(
            f"{root.name}: no notebooks (.ipynb) or Python scripts (.py) to review"
        )
    for file in [*submission.notebooks, *submission.scripts]:
        check_file_size(
            file, options.max_file_bytes, "notebook" if file.suffix == NOTEBOOK_SUFFIX else "script"
        )
    return submission


def _member_path(info: zipfile.ZipInfo, archive: str) -> PurePosixPath | None:
    raw = info.filename.replace("\\", "/")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise UnsafeArchiveError(f"{archive}: member {info.filename!r} has an absolute path")
    parts = PurePosixPath(raw).parts
    if ".." in parts:
        raise UnsafeArchiveError(f"{archive}: member {info.filename!r} points outside the archive")
    if not parts or parts[0] == "__MACOSX":
        return None
    return PurePosixPath(*parts)


def extract_zip(archive: Path, target: Path, options: ReviewOptions) -> Path:
    """Vet every member of ``archive`` and unpack it into ``target``, which becomes the submission
    root: paths in findings are relative to the archive's own root."""
    name = archive.name
    check_file_size(archive, options.max_archive_bytes, "archive")
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsupportedSubmissionError(f"{name}: not a valid zip archive ({exc})") from None
    with bundle:
        infos = bundle.infolist()
        if len(infos) > options.max_files:
            raise SubmissionTooLargeError(
                f"{name}: {len(infos)} files, over the limit of {options.max_files}"
            )
        planned: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        total = 0
        for info in infos:
            member = _member_path(info, name)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UnsafeArchiveError(f"{name}: member {info.filename!r} is a symbolic link")
            if member is None:
                continue
            if info.flag_bits & 0x1:
                raise UnsafeArchiveError(f"{name}: member {info.filename!r} is encrypted")
            if info.is_dir():
                continue
            total += info.file_size
            if total > options.max_unpacked_bytes:
                raise SubmissionTooLargeError(
                    f"{name}: unpacks to more than {_size_text(options.max_unpacked_bytes)}"
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MIB and ratio > options.max_compression_ratio:
                raise UnsafeArchiveError(
                    f"{name}: member {info.filename!r} expands {ratio:,.0f} times "
                    f"({_size_text(info.compress_size)} to {_size_text(info.file_size)}): a zip bomb"
                )
            planned.append((info, member))
        target = target.resolve()
        written = 0
        for info, member in planned:
            destination = (target / member).resolve()
            if target not in destination.parents:
                raise UnsafeArchiveError(
                    f"{name}: member {info.filename!r} points outside the archive"
                )
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                with bundle.open(info) as source, open(destination, "wb") as sink:
                    remaining = info.file_size
                    while chunk := source.read(MIB):
                        written += len(chunk)
                        remaining -= len(chunk)
                        if remaining < 0 or written > options.max_unpacked_bytes:
                            raise UnsafeArchiveError(
                                f"{name}: member {info.filename!r} is larger than its header says"
                            )
                        sink.write(chunk)
            except (zipfile.BadZipFile, EOFError, NotImplementedError, ValueError) as exc:
                shutil.rmtree(target, ignore_errors=True)
                raise UnsupportedSubmissionError(
                    f"{name}: cannot unpack {info.filename!r} ({exc})"
                ) from None
    return target
