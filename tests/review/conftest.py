"""Fixtures for the take-home reviewer's tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mlcoach.review.flow import STRICT_ENV

NotebookWriter = Callable[..., Path]


@pytest.fixture(autouse=True)
def strict_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in the dataflow interpreter fails the test instead of being counted and skipped."""
    monkeypatch.setenv(STRICT_ENV, "1")


def notebook_json(cells: list[tuple[str, str]], *, executed: bool = True) -> dict[str, object]:
    """A v4 notebook from (kind, source) pairs; code cells get increasing execution counts."""
    out = []
    count = 0
    for kind, source in cells:
        lines = source.splitlines(keepends=True)
        cell: dict[str, object] = {"cell_type": kind, "metadata": {}, "source": lines}
        if kind == "code":
            count += 1
            cell["outputs"] = []
            cell["execution_count"] = count if executed else None
        out.append(cell)
    return {
        "cells": out,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.fixture
def write_notebook(tmp_path: Path) -> NotebookWriter:
    """Write a notebook (and optional extra files) into a fresh submission folder."""

    def write(
        cells: list[tuple[str, str]],
        name: str = "analysis.ipynb",
        *,
        folder: str = "submission",
        executed: bool = True,
        files: dict[str, str] | None = None,
    ) -> Path:
        root = tmp_path / folder
        root.mkdir(parents=True, exist_ok=True)
        path = root / name
        # laid out as Jupyter saves it: indented, one JSON string per source line
        path.write_text(
            json.dumps(notebook_json(cells, executed=executed), indent=1), encoding="utf-8"
        )
        for relative, text in (files or {}).items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return path

    return write
