"""The foundation's commands, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CliRunner


def test_home_screen_creates_the_database_and_points_the_way(
    run_cli: CliRunner, isolated_data_dir: Path
) -> None:
    result = run_cli()
    assert result.returncode == 0, result.stderr
    assert "concept questions" in result.stdout
    assert "mlcoach questions list" in result.stdout
    assert (isolated_data_dir / "mlcoach.db").is_file()


def test_config_says_where_each_value_came_from(
    run_cli: CliRunner, isolated_data_dir: Path
) -> None:
    result = run_cli("config", "--json", env={"MLCOACH_BROKER_URL": "redis://127.0.0.1:6379/0"})
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["data_dir"] == {
        "value": str(isolated_data_dir),
        "source": "environment (MLCOACH_DATA_DIR)",
        "description": data["data_dir"]["description"],
    }
    assert data["database_url"]["source"] == "default"
    assert data["broker_url"]["value"] == "redis://127.0.0.1:6379/0"
    table = run_cli("config").stdout
    assert "MLCOACH_DATABASE_URL" in table and "default" in table


def test_config_lists_the_grader_and_refuses_an_unknown_one(run_cli: CliRunner) -> None:
    shown = json.loads(run_cli("config", "--json").stdout)
    assert shown["grader"]["value"] == "auto" and shown["grader"]["source"] == "default"
    refused = run_cli("answer", "gen-l1-sparsity", "--text", "x", env={"MLCOACH_GRADER": "bert"})
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "grader is 'bert'" in refused.stderr and "auto, semantic, lexical" in refused.stderr


def test_db_upgrade_migrates_once(run_cli: CliRunner) -> None:
    first = run_cli("db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert "migrated from empty" in first.stdout
    again = run_cli("db", "upgrade")
    assert "up to date" in again.stdout


def test_topics_lists_every_topic_with_counts(run_cli: CliRunner) -> None:
    result = run_cli("topics", "--json")
    assert result.returncode == 0, result.stderr
    topics = {t["slug"]: t for t in json.loads(result.stdout)}
    assert "metrics" in topics
    assert topics["metrics"]["questions"] == sum(topics["metrics"]["by_difficulty"].values())


def test_questions_list_filters(run_cli: CliRunner) -> None:
    everything = json.loads(run_cli("questions", "list", "--json").stdout)
    metrics_hard = json.loads(
        run_cli("questions", "list", "--topic", "metrics", "--difficulty", "hard", "--json").stdout
    )
    assert metrics_hard and len(metrics_hard) < len(everything)
    assert all(q["topic"] == "metrics" and q["difficulty"] == "hard" for q in metrics_hard)
    research = json.loads(run_cli("questions", "list", "--role", "research", "--json").stdout)
    assert research and all("research" in q["roles"] for q in research)
    found = json.loads(run_cli("questions", "list", "--search", "ROC", "--json").stdout)
    assert found and len(found) < len(everything)
    assert "answer" not in found[0]


def test_questions_show_hides_the_answer_unless_asked(run_cli: CliRunner) -> None:
    qid = json.loads(run_cli("questions", "list", "--topic", "metrics", "--json").stdout)[0]["id"]
    hidden = run_cli("questions", "show", qid)
    assert hidden.returncode == 0, hidden.stderr
    assert "Model answer" not in hidden.stdout and "--answer" in hidden.stdout
    shown = run_cli("questions", "show", qid, "--answer")
    assert "Model answer" in shown.stdout and "Key points" in shown.stdout
    data = json.loads(run_cli("questions", "show", qid, "--answer", "--json").stdout)
    assert 3 <= len(data["key_points"]) <= 7 and data["answer"]


def test_an_unknown_id_is_one_line_with_a_suggestion(run_cli: CliRunner) -> None:
    qid = json.loads(run_cli("questions", "list", "--json").stdout)[0]["id"]
    result = run_cli("questions", "show", qid[:-1] + "x")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert f"did you mean {qid!r}" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_filters_are_one_line_errors(run_cli: CliRunner) -> None:
    for args, message in [
        (("--role", "astronaut"), "unknown role 'astronaut'"),
        (("--difficulty", "brutal"), "unknown difficulty 'brutal'"),
        (("--topic", "astrology"), "no topic with id 'astrology'"),
    ]:
        result = run_cli("questions", "list", *args)
        assert result.returncode == 2, args
        assert message in result.stderr and "Traceback" not in result.stderr


def test_content_check_passes_on_the_shipped_curriculum(run_cli: CliRunner) -> None:
    result = run_cli("content", "check", "--json")
    assert result.returncode == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["ok"] and data["counts"]["questions"] >= 150


def test_content_check_rejects_a_bad_deck_with_file_and_line(
    run_cli: CliRunner, tmp_path: Path
) -> None:
    deck = tmp_path / "bad.yaml"
    deck.write_text("questions:\n  - id: Bad Id\n    topic: metrics\n")
    result = run_cli("content", "check", str(deck))
    assert result.returncode == 1
    assert f"{deck}:2: questions[Bad Id].id:" in result.stdout
    assert "required field is missing" in result.stdout


def test_an_invalid_deck_in_the_deck_folder_is_a_clear_error(
    run_cli: CliRunner, isolated_data_dir: Path
) -> None:
    decks = isolated_data_dir / "decks"
    decks.mkdir(parents=True)
    (decks / "mine.yaml").write_text("questions: [unclosed\n")
    result = run_cli("questions", "list")
    assert result.returncode == 2
    assert "invalid content" in result.stderr and "mine.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_database_url_is_a_clear_error(run_cli: CliRunner) -> None:
    result = run_cli(env={"MLCOACH_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    assert result.returncode == 2
    assert "cannot open the database" in result.stderr and "Traceback" not in result.stderr
