"""`mlcoach answer` and `mlcoach grade --batch`, run as a user runs them."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from mlcoach.store import Database, list_attempts
from tests.conftest import CliRunner

QUESTION = "splits-why-three-sets"
GOOD = (
    "The training set is what the model's parameters are fitted on. The validation set is used "
    "to pick hyperparameters and compare models. The test set is used once at the very end to "
    "estimate how the model does on unseen data."
)


def _attempts(data_dir: Path) -> list[tuple[str, str, float | None, dict[str, object] | None]]:
    database = Database(f"sqlite:///{data_dir / 'mlcoach.db'}")
    try:
        with database.session() as session:
            user = database.default_user()
            return [
                (a.question_id, a.answer, a.score, a.grade) for a in list_attempts(session, user)
            ]
    finally:
        database.dispose()


def test_answer_prints_made_points_in_green_and_missed_in_red(
    run_cli: CliRunner, isolated_data_dir: Path
) -> None:
    result = run_cli("answer", QUESTION, "--text", GOOD, env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    green, red = "\x1b[32m✓ ", "\x1b[31m✗ "
    assert green + "The training set is used to fit the model's parameters." in out
    assert red in out  # this answer says nothing about optimistic bias
    assert "you wrote:" in out and "The validation set is used to pick hyperparameters" in out
    assert "Advice:" in out and "Model answer" in out
    assert "graded by the semantic grader" in out
    ((question_id, answer, score, grade),) = _attempts(isolated_data_dir)
    assert (question_id, answer) == (QUESTION, GOOD)
    assert grade is not None and score == grade["score"]


def test_answer_json_for_scripts(run_cli: CliRunner, isolated_data_dir: Path) -> None:
    result = run_cli("answer", QUESTION, "--text", GOOD, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["question_id"] == QUESTION and data["answer_source"] == "text"
    assert data["backend"] == "semantic"
    assert 2.0 <= data["score"] <= 5.0
    assert [p["made"] for p in data["points"]][:3] == [True, True, True]
    assert data["attempt_id"] == 1
    assert _attempts(isolated_data_dir)[0][3] == {
        k: v for k, v in data.items() if k not in ("attempt_id", "answer_source")
    }


def test_answer_reads_a_pipe_and_a_file(run_cli: CliRunner, tmp_path: Path) -> None:
    piped = run_cli("answer", QUESTION, "--json", input=GOOD)
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["answer_source"] == "stdin"
    path = tmp_path / "answer.md"
    path.write_text(GOOD, encoding="utf-8")
    from_file = run_cli("answer", QUESTION, "--file", str(path), "--json")
    assert from_file.returncode == 0, from_file.stderr
    assert json.loads(from_file.stdout)["score"] == json.loads(piped.stdout)["score"]


def test_answer_opens_the_editor_when_nothing_is_piped(
    isolated_data_dir: Path, tmp_path: Path
) -> None:
    editor = tmp_path / "fake-editor"
    editor.write_text(
        "#!/bin/sh\n"
        '{ printf \'The test set is used once at the very end.\\n\'; cat "$1"; } > "$1.new"\n'
        'mv "$1.new" "$1"\n'
    )
    editor.chmod(0o755)
    env = {**os.environ, "EDITOR": str(editor), "VISUAL": str(editor), "COLUMNS": "200"}
    # A terminal on stdin, as when a person types the command.
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "mlcoach", "answer", QUESTION, "--json"],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        out, err = process.communicate(timeout=120)
        while select.select([leader], [], [], 0)[0]:
            if not os.read(leader, 1024):
                break
    finally:
        os.close(leader)
        os.close(follower)
    assert process.returncode == 0, err.decode()
    data = json.loads(out)
    assert data["answer_source"] == "editor"
    ((_, answer, _, _),) = _attempts(isolated_data_dir)
    assert answer.strip() == "The test set is used once at the very end."


def test_answer_errors_are_one_line(run_cli: CliRunner, tmp_path: Path) -> None:
    unknown = run_cli("answer", "splits-why-three-set", "--text", GOOD)
    assert unknown.returncode == 2
    assert "no question with id 'splits-why-three-set'" in unknown.stderr
    assert "did you mean 'splits-why-three-sets'" in unknown.stderr
    both = run_cli("answer", QUESTION, "--text", GOOD, "--file", str(tmp_path / "x"))
    assert both.returncode == 2 and "not both" in both.stderr
    missing = run_cli("answer", QUESTION, "--file", str(tmp_path / "nope.md"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    forced = run_cli("answer", QUESTION, "--text", GOOD, "--grader", "gpt")
    assert forced.returncode == 2 and "unknown grader 'gpt'" in forced.stderr
    assert "Traceback" not in unknown.stderr + both.stderr + missing.stderr + forced.stderr


def test_an_empty_answer_is_refused_and_not_kept(
    run_cli: CliRunner, isolated_data_dir: Path
) -> None:
    typed = run_cli("answer", QUESTION, "--text", "   ")
    piped = run_cli("answer", QUESTION, input=" \n\t\n")
    for result in (typed, piped):
        assert result.returncode == 2
        assert "an empty answer is not graded; type your answer or skip" in result.stderr
        assert "Score" not in result.stdout and "Traceback" not in result.stderr
    assert run_cli("answer", QUESTION, "--text", GOOD).returncode == 0
    assert [answer for _q, answer, _s, _g in _attempts(isolated_data_dir)] == [GOOD]


def test_the_lexical_grader_can_be_forced_and_says_so(run_cli: CliRunner) -> None:
    result = run_cli("answer", QUESTION, "--text", GOOD, env={"MLCOACH_GRADER": "lexical"})
    assert result.returncode == 0, result.stderr
    assert "graded by the lexical grader" in result.stdout
    assert "the lexical grader was chosen" in result.stdout


def test_the_grader_setting_in_the_config_file_chooses_the_grader(
    run_cli: CliRunner, isolated_data_dir: Path
) -> None:
    isolated_data_dir.mkdir(parents=True, exist_ok=True)
    (isolated_data_dir / "config.toml").write_text('grader = "lexical"\n', encoding="utf-8")
    result = run_cli("answer", QUESTION, "--text", GOOD)
    assert result.returncode == 0, result.stderr
    assert "graded by the lexical grader" in result.stdout
    shown = run_cli("config")
    assert "grader" in shown.stdout and "lexical" in shown.stdout and "config file" in shown.stdout


def test_batch_grades_good_lines_and_reports_bad_ones(run_cli: CliRunner, tmp_path: Path) -> None:
    batch = tmp_path / "answers.jsonl"
    lines = [
        json.dumps({"question_id": QUESTION, "answer": GOOD, "id": "alice"}),
        "{not json",
        json.dumps({"question_id": "no-such-question", "answer": "x"}),
        "",
        json.dumps({"question_id": QUESTION}),
        json.dumps({"question_id": "gen-l1-sparsity", "answer": "L1, L2, sparsity, zeros"}),
    ]
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = tmp_path / "out" / "grades.jsonl"
    result = run_cli("grade", "--batch", str(batch), "--output", str(output))
    assert result.returncode == 1, result.stderr
    assert f"{batch}:line 2: not valid JSON" in result.stderr
    assert "line 3: no question with id 'no-such-question'" in result.stderr
    assert "line 5: missing answer (a string)" in result.stderr
    assert "graded 2 answer(s)" in result.stderr and "skipped 3 bad line(s)" in result.stderr
    grades = [json.loads(line) for line in output.read_text().splitlines()]
    assert [(g["line"], g["question_id"]) for g in grades] == [
        (1, QUESTION),
        (6, "gen-l1-sparsity"),
    ]
    assert grades[0]["id"] == "alice" and grades[0]["score"] >= 2.0
    assert grades[1]["score"] <= 1.0


def test_batch_writes_to_stdout_and_fails_only_when_nothing_can_be_graded(
    run_cli: CliRunner, tmp_path: Path
) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"question_id": QUESTION, "answer": GOOD}) + "\n")
    result = run_cli("grade", "--batch", str(good))
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["question_id"] == QUESTION

    bad = tmp_path / "bad.jsonl"
    bad.write_text("[1, 2]\nnull\n")
    failed = run_cli("grade", "--batch", str(bad))
    assert failed.returncode == 2
    assert "none of the 2 line(s)" in failed.stderr and failed.stdout == ""
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    assert "has no answers to grade" in run_cli("grade", "--batch", str(empty)).stderr
    assert "no such file" in run_cli("grade", "--batch", str(tmp_path / "nope.jsonl")).stderr


def test_answer_without_any_input_is_a_usage_error(
    run_cli: CliRunner, isolated_data_dir: Path
) -> None:
    result = run_cli("answer", QUESTION, input="")
    assert result.returncode == 2
    assert "no answer given" in result.stderr
    assert _attempts(isolated_data_dir) == []
