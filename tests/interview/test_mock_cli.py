"""`mlcoach mock` as a user runs it, with the answers from a file."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from mlcoach.catalog import Catalog
from mlcoach.config import load_settings
from mlcoach.interview import MockInterview, MockServices
from mlcoach.store import Database, list_attempts

from ..conftest import CliRunner


def write_answers(tmp_path: Path, catalog: Catalog) -> Path:
    (tmp_path / "design.md").write_text(
        "I would frame it as ranking and start from a popularity baseline. Offline I would use "
        "NDCG; online an A/B test on conversion. I would monitor drift and retrain weekly.",
        encoding="utf-8",
    )
    answers = {
        "project": (
            "I trained an XGBoost model on tabular customer records to predict churn. "
            "The baseline was logistic regression and we reported ROC AUC."
        ),
        "fact-finding": [
            "I use your product every week and read your engineering blog about fraud models.",
            "I want more ownership of models in production.",
            "What are the next steps, and how is success measured in the first months?",
        ],
        "deep-dive": [
            "A linear model came first as a baseline; XGBoost beat it on the same validation split.",
            ":skip",
        ],
        "concepts": ["The validation set is used to tune hyperparameters."],
        # Every engineering problem's reference solution, by id: whichever is drawn is solved.
        "coding": {
            p.id: {"code": p.reference_solution}
            for p in catalog.problems.values()
            if "engineering" in p.roles and p.kind != "output"
        },
        "design": {"file": "design.md"},
    }
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers, sort_keys=False), encoding="utf-8")
    return path


def test_mock_runs_non_interactively_from_an_answers_file(
    run_cli: CliRunner, tmp_path: Path, catalog: Catalog
) -> None:
    answers = write_answers(tmp_path, catalog)
    out = tmp_path / "transcript.md"
    result = run_cli(
        "mock", "--role", "engineering", "--minutes", "45", "--answers", str(answers),
        "--seed", "4", "--transcript", str(out), "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)
    rounds = {r["kind"]: r for r in card["rounds"]}
    assert list(rounds) == ["fact-finding", "deep-dive", "concepts", "coding", "design"]
    assert rounds["fact-finding"]["answered"] == 3
    assert rounds["deep-dive"]["answered"] == 1  # one answered, one skipped, the rest not reached
    assert rounds["coding"]["score"] == 5.0  # the real judge accepted the reference solution
    assert rounds["design"]["answered"] == 1
    assert len(card["areas"]) == 3
    assert card["transcript"] == str(out)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Mock interview")
    assert "You used XGBoost on tabular data" in text
    assert "Accepted" in text and "## Scorecard" in text

    listed = run_cli("mock", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (session,) = json.loads(listed.stdout)
    assert session["status"] == "finished" and session["overall"] == card["overall"]

    shown = run_cli("mock", "show", str(session["id"]), "--json")
    assert json.loads(shown.stdout)["overall"] == card["overall"]
    printed = run_cli("mock", "show", str(session["id"]))
    assert "Three areas to improve" in printed.stdout


def test_an_interrupted_session_is_finished_with_resume(
    run_cli: CliRunner, tmp_path: Path, catalog: Catalog
) -> None:
    db = Database(load_settings().database_url)
    user = db.default_user()
    interview = MockInterview.start(
        db, catalog, user.id, role="data-science", minutes=20, rounds=["fact-finding", "concepts"],
        seed=2, services=MockServices(use_embedder=False),
    )  # fmt: skip
    interview.begin_round()
    first = interview.current_prompt()
    assert first is not None
    interview.answer("I want to work here because I use your product and read your blog.")
    db.dispose()

    answers = tmp_path / "rest.yaml"
    answers.write_text(
        yaml.safe_dump({"fact-finding": ["My next role should give me more ownership."]}),
        encoding="utf-8",
    )
    result = run_cli("mock", "--resume", "--answers", str(answers), "--json")
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)
    assert card["session_id"] == interview.id
    ff = card["rounds"][0]
    assert ff["answered"] == 2  # the answer before the interruption was kept

    again = run_cli("mock", "--resume")
    assert again.returncode == 2
    assert "no unfinished mock interview" in again.stderr


def test_mistakes_on_the_command_line_are_one_line_errors(
    run_cli: CliRunner, tmp_path: Path
) -> None:
    no_role = run_cli("mock", "--answers", str(tmp_path / "missing.yaml"))
    assert no_role.returncode == 2 and "no such file" in no_role.stderr

    bad = tmp_path / "bad.yaml"
    bad.write_text("lunch: [sandwich]\n", encoding="utf-8")
    result = run_cli("mock", "--role", "engineering", "--answers", str(bad))
    assert result.returncode == 2
    assert "unknown key 'lunch'" in result.stderr
    assert "Traceback" not in result.stderr

    result = run_cli("mock", "--role", "chef", "--answers", str(bad))
    assert result.returncode == 2


def test_an_empty_scripted_answer_is_refused_before_the_interview_starts(
    run_cli: CliRunner, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        yaml.safe_dump({"concepts": ["The validation set tunes hyperparameters.", "  "]}),
        encoding="utf-8",
    )
    result = run_cli(
        "mock", "--role", "engineering", "--minutes", "20", "--rounds", "concepts",
        "--answers", str(answers), "--seed", "1",
    )  # fmt: skip
    assert result.returncode == 2
    assert "concepts answer #2" in result.stderr
    assert "an empty answer is not graded; type your answer or skip" in result.stderr
    assert "Traceback" not in result.stderr
    # Nothing was graded or stored: no session was started, no attempt kept.
    assert json.loads(run_cli("mock", "list", "--json").stdout) == []
    db = Database(load_settings().database_url)
    with db.session() as session:
        assert list_attempts(session, db.default_user()) == []
    db.dispose()


def test_the_concepts_round_asks_no_behavioural_question(
    run_cli: CliRunner, tmp_path: Path, catalog: Catalog
) -> None:
    # Four hours of concepts is room for one question from every topic of the role.
    answers = tmp_path / "skips.yaml"
    answers.write_text(yaml.safe_dump({"concepts": [":skip"] * 40}), encoding="utf-8")
    behavioural = [
        q.prompt for q in catalog.questions.values() if catalog.topics[q.topic].kind != "technical"
    ]
    assert behavioural  # the shipped curriculum has a behavioural topic
    technical = {
        q.topic
        for q in catalog.questions.values()
        if "engineering" in q.roles and catalog.topics[q.topic].kind == "technical"
    }
    for seed in ("1", "2"):
        out = tmp_path / f"transcript-{seed}.md"
        result = run_cli(
            "mock", "--role", "engineering", "--minutes", "240", "--rounds", "concepts",
            "--answers", str(answers), "--seed", seed, "--transcript", str(out), "--json",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        text = out.read_text(encoding="utf-8")
        assert f"0 of {len(technical)} answered" in text
        assert not [prompt for prompt in behavioural if prompt in text]
