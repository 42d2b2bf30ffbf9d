"""Bad inputs: each gets a clear one-line error and a non-zero exit from the CLI, never a traceback."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from mlcoach.review import (
    InvalidNotebookError,
    SubmissionTooLargeError,
    UnsafeArchiveError,
    review_path,
)
from tests.conftest import CliRunner
from tests.review.conftest import notebook_json


def assert_clean_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:")
    for word in words:
        assert word in lines[0], lines[0]


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return path


NOTEBOOK = json.dumps(notebook_json([("code", "x = 1")])).encode()


def test_invalid_json_notebook(run_cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [', encoding="utf-8")
    assert_clean_error(run_cli("review", str(path)), "broken.ipynb", "invalid JSON", "line 1")


def test_wrong_nbformat_version(run_cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "future.ipynb"
    path.write_text(json.dumps({"nbformat": 99, "nbformat_minor": 0, "cells": [], "metadata": {}}))
    assert_clean_error(run_cli("review", str(path)), "future.ipynb", "nbformat version 99")


def test_binary_junk(run_cli: CliRunner, tmp_path: Path) -> None:
    junk = bytes(range(256)) * 64
    notebook = tmp_path / "junk.ipynb"
    notebook.write_bytes(junk)
    assert_clean_error(run_cli("review", str(notebook)), "junk.ipynb", "not UTF-8")
    other = tmp_path / "junk.bin"
    other.write_bytes(junk)
    assert_clean_error(
        run_cli("review", str(other)), "junk.bin", "not something mlcoach can review"
    )
    fake_zip = tmp_path / "junk.zip"
    fake_zip.write_bytes(junk)
    assert_clean_error(run_cli("review", str(fake_zip)), "junk.zip", "not a valid zip")


def test_zip_with_parent_paths_absolute_paths_and_links(run_cli: CliRunner, tmp_path: Path) -> None:
    escaping = _zip(tmp_path / "escape.zip", {"ok.ipynb": NOTEBOOK, "../../evil.py": b"x = 1"})
    assert_clean_error(run_cli("review", str(escaping)), "escape.zip", "outside the archive")
    assert not (tmp_path.parent / "evil.py").exists()
    absolute = _zip(tmp_path / "absolute.zip", {"/etc/cron.d/evil": b"x", "ok.ipynb": NOTEBOOK})
    assert_clean_error(run_cli("review", str(absolute)), "absolute.zip", "absolute path")
    linked = tmp_path / "linked.zip"
    with zipfile.ZipFile(linked, "w") as bundle:
        bundle.writestr("ok.ipynb", NOTEBOOK)
        info = zipfile.ZipInfo("data.csv")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        bundle.writestr(info, "/etc/passwd")
    assert_clean_error(run_cli("review", str(linked)), "linked.zip", "symbolic link")


def test_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        bundle.writestr("ok.ipynb", NOTEBOOK)
        bundle.writestr("data.csv", b"0" * (50 * 1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(UnsafeArchiveError, match="zip bomb"):
        review_path(bomb)


def test_zip_over_the_file_count_limit(tmp_path: Path) -> None:
    from mlcoach.review import ReviewOptions

    crowded = _zip(tmp_path / "crowded.zip", {f"f{i}.py": b"x = 1" for i in range(30)})
    with pytest.raises(SubmissionTooLargeError, match="30 files"):
        review_path(crowded, options=ReviewOptions(max_files=20))


def test_a_500_mb_notebook_is_not_read(run_cli: CliRunner, tmp_path: Path) -> None:
    huge = tmp_path / "huge.ipynb"
    subprocess.run(["truncate", "-s", "500M", str(huge)], check=True)
    assert huge.stat().st_size == 500 * 1024 * 1024
    assert os.stat(huge).st_blocks == 0  # sparse: nothing was written, and nothing must be read
    assert_clean_error(run_cli("review", str(huge)), "huge.ipynb", "500 MB", "limit")


def test_empty_folder_and_missing_path(run_cli: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_clean_error(run_cli("review", str(empty)), "empty", "no notebooks")
    assert_clean_error(
        run_cli("review", str(tmp_path / "nope.ipynb")), "nope.ipynb", "no such file"
    )


def test_a_safe_zip_is_reviewed_with_paths_from_its_root(tmp_path: Path) -> None:
    bundle = _zip(
        tmp_path / "alex.zip",
        {"alex/analysis.ipynb": NOTEBOOK, "alex/requirements.txt": b"pandas==2.2.2\n"},
    )
    report = review_path(bundle)
    assert report.submission == "alex"
    assert any(f.path == "alex/analysis.ipynb" for f in report.files)


def test_notebook_missing_optional_fields_is_repaired(tmp_path: Path) -> None:
    path = tmp_path / "minimal.ipynb"
    path.write_text(
        json.dumps(
            {
                "nbformat": 4,
                "nbformat_minor": 2,
                "cells": [{"cell_type": "code", "source": "import os"}],
            }
        )
    )
    report = review_path(path)
    assert any(f.id == "hygiene/unused-import" for f in report.findings)
    with pytest.raises(InvalidNotebookError, match="no list of cells"):
        bad = tmp_path / "nocells.ipynb"
        bad.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 2, "metadata": {}}))
        review_path(bad)
