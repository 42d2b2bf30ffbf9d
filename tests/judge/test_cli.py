"""`mlcoach problems` and `mlcoach solve`, run as a user runs them: the installed command, a fresh
process, its own data folder."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from mlcoach.store import Database
from mlcoach.store.models import Submission
from tests.judge.conftest import PROBLEMS_DIR, TEST_PROBLEMS, needs_bwrap

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def imported(mlcoach: Run, isolated_data_dir: Path) -> Run:
    """The test problems in the user's deck, as `mlcoach problems import` leaves them."""
    deck = isolated_data_dir / "decks" / "problems"
    deck.mkdir(parents=True)
    shutil.copyfile(PROBLEMS_DIR / "basics.yaml", deck / "basics.yaml")
    return mlcoach


def _write(tmp_path: Path, name: str, code: str) -> str:
    path = tmp_path / name
    path.write_text(code, encoding="utf-8")
    return str(path)


@needs_bwrap
def test_import_then_solve_records_each_submission_and_list_marks_solved(
    mlcoach: Run, tmp_path: Path, isolated_data_dir: Path
) -> None:
    imported = mlcoach
    result = mlcoach("problems", "import", str(PROBLEMS_DIR))
    assert result.returncode == 0, result.stderr
    assert "imported 4 problem(s)" in result.stdout
    assert (isolated_data_dir / "decks" / "problems" / "basics.yaml").is_file()
    problem = TEST_PROBLEMS["judge-pair-sums"]
    wrong = imported(
        "solve", problem.id, "--file", _write(tmp_path, "wrong.py", problem.wrong_solutions[0])
    )
    assert wrong.returncode == 1
    assert "Wrong Answer" in wrong.stdout and "0/4 tests passed" in wrong.stdout
    assert "expected: [3, 7]" in wrong.stdout and "actual:   [-1, -1]" in wrong.stdout

    listed = json.loads(imported("problems", "list", "--json").stdout)
    assert {p["id"]: p["status"] for p in listed}[problem.id] == "tried"

    right = imported(
        "solve", problem.id, "-f", _write(tmp_path, "right.py", problem.reference_solution)
    )
    assert right.returncode == 0, right.stdout + right.stderr
    assert "Accepted" in right.stdout and "4/4 tests passed" in right.stdout
    assert "(hidden)" in right.stdout and "sandbox: bubblewrap" in right.stdout
    assert "2 submission(s), 1 accepted" in right.stdout

    table = imported("problems", "list").stdout
    assert "✓" in table and "solved 1 of" in table
    database = Database(f"sqlite:///{isolated_data_dir / 'mlcoach.db'}")
    with database.session() as session:
        rows = session.query(Submission).order_by(Submission.id).all()
        assert [(r.problem_id, r.verdict, r.passed, r.total) for r in rows] == [
            (problem.id, "Wrong Answer", 0, 4),
            (problem.id, "Accepted", 4, 4),
        ]
        assert rows[1].code == problem.reference_solution
        assert rows[1].results["tests"][0]["verdict"] == "Accepted"
        assert rows[1].created_at.tzinfo is not None and rows[1].judged_at is not None
    database.dispose()


@needs_bwrap
def test_solve_json_hides_hidden_tests_details_and_reports_compile_errors(
    imported: Run, tmp_path: Path
) -> None:
    code = "def pair_sums(pairs):\n    if len(pairs) > 2:\n        raise KeyError('secret')\n    return [a + b for a, b in pairs]\n"
    result = imported(
        "solve", "judge-pair-sums", "--file", _write(tmp_path, "s.py", code), "--json"
    )
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["verdict"] == "Runtime Error" and data["passed"] == 2 and data["submission"] == 1
    hidden = data["tests"][2]
    assert hidden["hidden"] and hidden["verdict"] == "Runtime Error" and hidden["message"] is None
    assert data["first_failure"] is None
    assert "secret" not in result.stdout

    broken = imported(
        "solve",
        "judge-row-means",
        "--file",
        _write(tmp_path, "c.py", "import numpy\n\ndef row_means(x:\n"),
    )
    assert broken.returncode == 1
    assert "Compile Error" in broken.stdout and "line 3" in broken.stdout


def test_solve_explains_bad_input_in_one_line(imported: Run, tmp_path: Path) -> None:
    missing = imported("solve", "judge-pair-sums", "--file", str(tmp_path / "nope.py"))
    assert (
        missing.returncode == 2
        and "no such file" in missing.stderr
        and "Traceback" not in missing.stderr
    )
    unknown = imported("solve", "judge-pair-sum", "--file", _write(tmp_path, "s.py", "x = 1"))
    assert unknown.returncode == 2 and "did you mean 'judge-pair-sums'" in unknown.stderr


def test_show_and_list(imported: Run) -> None:
    text = imported("problems", "show", "judge-pair-sums").stdout
    assert "Sums of pairs" in text and "def pair_sums(pairs: list[list[int]]) -> list[int]" in text
    assert "pair_sums([[1, 2], [3, 4]])  →  [3, 7]" in text
    assert "4 tests (2 hidden)" in text
    data = json.loads(imported("problems", "show", "judge-pair-sums", "--json").stdout)
    assert [e["test"] for e in data["examples"]] == [1, 2]
    assert data["hidden_tests"] == 2
    assert "-10" not in json.dumps(data)  # a hidden test's expected value
    by_kind = json.loads(imported("problems", "list", "--kind", "output", "--json").stdout)
    assert "judge-print-squares" in {p["id"] for p in by_kind}
    assert all(p["kind"] == "output" for p in by_kind)
    by_topic = json.loads(
        imported("problems", "list", "--topic", "python", "--difficulty", "easy", "--json").stdout
    )
    assert {"judge-pair-sums", "judge-row-means"} <= {p["id"] for p in by_topic}
    bad = imported("problems", "list", "--difficulty", "trivial")
    assert bad.returncode == 2 and "choose one of: easy, medium, hard" in bad.stderr


def test_import_rejects_an_invalid_file_with_its_line(
    mlcoach: Run, tmp_path: Path, isolated_data_dir: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    text = (PROBLEMS_DIR / "basics.yaml").read_text(encoding="utf-8")
    broken.write_text(
        text.replace("    difficulty: easy\n", "    difficulty: trivial\n", 1), encoding="utf-8"
    )
    result = mlcoach("problems", "import", str(broken))
    assert result.returncode == 2
    line = broken.read_text(encoding="utf-8").splitlines().index("    difficulty: trivial") + 1
    assert f"broken.yaml:{line}: " in result.stderr and "difficulty" in result.stderr
    assert "nothing was imported" in result.stderr
    assert not (isolated_data_dir / "decks" / "problems").exists()


@needs_bwrap
def test_import_judges_the_reference_and_wrong_solutions(mlcoach: Run, tmp_path: Path) -> None:
    folder = tmp_path / "deck"
    folder.mkdir()
    text = (PROBLEMS_DIR / "basics.yaml").read_text(encoding="utf-8")
    # A wrong solution that the tests cannot tell apart from the right one.
    text = text.replace("return [a + b for a, b in pairs[:3]]", "return [b + a for a, b in pairs]")
    (folder / "p.yaml").write_text(text, encoding="utf-8")
    result = mlcoach("problems", "import", str(folder))
    assert result.returncode == 2
    assert "wrong_solutions[1]: is Accepted; the tests do not catch it" in result.stderr
    assert mlcoach("problems", "import", str(folder), "--no-verify").returncode == 0


def test_import_refuses_to_overwrite_a_different_file_without_force(
    imported: Run, tmp_path: Path, isolated_data_dir: Path
) -> None:
    changed = tmp_path / "basics.yaml"
    shutil.copyfile(PROBLEMS_DIR / "basics.yaml", changed)
    changed.write_text(changed.read_text().replace("Sums of pairs", "Sums of all pairs"))
    refused = imported("problems", "import", str(changed), "--no-verify")
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert imported("problems", "import", str(changed), "--no-verify", "--force").returncode == 0
    assert (
        "Sums of all pairs"
        in (isolated_data_dir / "decks" / "problems" / "basics.yaml").read_text()
    )


def test_without_a_sandbox_the_verdict_warns(imported: Run, tmp_path: Path) -> None:
    problem = TEST_PROBLEMS["judge-pair-sums"]
    result = imported(
        "solve",
        problem.id,
        "--file",
        _write(tmp_path, "s.py", problem.reference_solution),
        env={"MLCOACH_JUDGE_SANDBOX": "none"},
    )
    assert result.returncode == 0
    assert "warning: sandbox: none — resource limits only" in result.stdout
