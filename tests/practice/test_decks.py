"""Importing a user's deck from CSV, Markdown or YAML: checked, written as YAML, errors by source line."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from pathlib import Path

import pytest

from mlcoach.catalog import Catalog, load_catalog
from mlcoach.errors import ContentError, MlcoachError
from mlcoach.practice.decks import DeckImportError, import_deck

ANSWER = (
    "Our churn model feeds a pricing engine that turns each probability into a discount, so the "
    "probabilities themselves must be trustworthy. Log loss scores those probabilities directly "
    "and punishes a confident wrong prediction far more than a hesitant one, which accuracy at a "
    "fixed threshold never notices."
)
POINTS = [
    "Log loss scores the predicted probabilities, not only the hard labels.",
    "Confident wrong predictions are punished heavily by log loss.",
    "Discounts are priced from the churn probability, so calibration matters.",
]


def csv_deck(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    columns = [
        "id",
        "topic",
        "subtopic",
        "difficulty",
        "roles",
        "prompt",
        "answer",
        "key_points",
        "misconceptions",
    ]
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


OTHER_POINTS = [
    "The dashboard opens with the monthly churn rate of each customer cohort.",
    "Cohorts are grouped by the month in which the customers signed up.",
    "A sudden drop in one cohort points at a product change shipped that month.",
]


def csv_row(ident: str, **changes: str) -> dict[str, str]:
    row = {
        "id": ident,
        "topic": "metrics",
        "subtopic": "churn",
        "difficulty": "medium",
        "roles": "data-science; engineering",
        "prompt": f"For the churn model ({ident}), why do we watch log loss as well as accuracy?",
        "answer": ANSWER,
        "key_points": " | ".join(POINTS),
        "misconceptions": "",
    }
    row.update(changes)
    return row


MARKDOWN = """\
# My team's deck

Anything before the first question is ignored.

## team-churn-log-loss
Topic: metrics
Subtopic: churn
Difficulty: medium
Roles: data-science, engineering

For the churn model, why do we watch log loss as well as accuracy?

### Answer
Our churn model feeds a pricing engine that turns each probability into a discount, so the
probabilities themselves must be trustworthy. Log loss scores them directly:

```python
## this is code, not a new question
loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
```

It punishes a confident wrong prediction far more than a hesitant one.

### Key points
- Log loss scores the predicted probabilities, not only the hard labels.
- Confident wrong predictions are punished heavily
  by log loss.
- Discounts are priced from the churn probability, so calibration matters.

### Misconceptions
- A model with high accuracy always has well calibrated probabilities.

## team-feature-store-why
Topic: ml-engineering
Subtopic: feature-store
Difficulty: hard
Roles: engineering

Why did our team put a feature store between the event pipeline and the models?

### Answer
Before the feature store, the training job and the online service each computed features with
their own code, and the two drifted apart: the service rounded timestamps differently and the
model quietly lost accuracy in production. One definition, computed once and served both offline
and online, removes that training-serving skew and lets teams reuse features.

### Key points
- Separate training and serving code for features causes training-serving skew.
- A feature store computes each feature from one definition for training and serving.
- Shared feature definitions let several models reuse the same features.
"""


def deck_dir(tmp_path: Path) -> Path:
    return tmp_path / "decks"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def issues_of(source: Path, tmp_path: Path) -> list[str]:
    with pytest.raises(DeckImportError) as caught:
        import_deck(source, deck_dir(tmp_path))
    assert not deck_dir(tmp_path).exists() or not list(deck_dir(tmp_path).iterdir())
    return [str(i) for i in caught.value.issues]


def test_a_csv_deck_is_imported_as_yaml_and_joins_the_curriculum(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "team.csv",
        csv_deck(
            [
                csv_row("team-a"),
                csv_row(
                    "team-b",
                    difficulty="easy",
                    prompt="A quite different question: what does our churn dashboard show first?",
                    key_points=" | ".join(OTHER_POINTS),
                ),
            ]
        ),
    )
    result = import_deck(source, deck_dir(tmp_path))
    assert result.written == deck_dir(tmp_path) / "team.yaml"
    assert [q.id for q in result.questions] == ["team-a", "team-b"]
    catalog = load_catalog([deck_dir(tmp_path)])
    question = catalog.question("team-a")
    assert question.roles == ("data-science", "engineering")
    assert [k.text for k in question.key_points] == POINTS
    assert question.misconceptions == ()
    assert result.written.read_text().startswith(
        "# Imported by `mlcoach deck import` from team.csv"
    )


def test_a_markdown_deck_is_imported_with_code_blocks_and_wrapped_bullets(tmp_path: Path) -> None:
    source = write(tmp_path, "team.md", MARKDOWN)
    result = import_deck(source, deck_dir(tmp_path))
    assert [q.id for q in result.questions] == ["team-churn-log-loss", "team-feature-store-why"]
    catalog = load_catalog([deck_dir(tmp_path)])
    churn = catalog.question("team-churn-log-loss")
    assert churn.prompt == "For the churn model, why do we watch log loss as well as accuracy?"
    assert "## this is code, not a new question" in churn.answer
    assert (
        churn.key_points[1].text == "Confident wrong predictions are punished heavily by log loss."
    )
    assert churn.misconceptions == (
        "A model with high accuracy always has well calibrated probabilities.",
    )
    assert catalog.question("team-feature-store-why").difficulty == "hard"


def test_a_yaml_deck_is_imported_and_an_existing_deck_is_not_overwritten(tmp_path: Path) -> None:
    first = import_deck(write(tmp_path, "team.md", MARKDOWN), deck_dir(tmp_path))
    yaml_source = write(tmp_path, "copy.yaml", first.written.read_text())
    with pytest.raises(ContentError, match=r"team\.yaml already exists; add --replace"):
        import_deck(write(tmp_path, "team.yaml", first.written.read_text()), deck_dir(tmp_path))
    # The same questions under another name clash with the deck already there.
    with pytest.raises(DeckImportError, match="duplicate id; first defined at"):
        import_deck(yaml_source, deck_dir(tmp_path))
    again = import_deck(yaml_source, deck_dir(tmp_path), name="team", replace=True)
    assert again.replaced and len(again.questions) == 2


def test_a_file_name_with_accents_gives_the_deck_its_letters(tmp_path: Path) -> None:
    result = import_deck(write(tmp_path, "café-déck.md", MARKDOWN), deck_dir(tmp_path))
    assert result.written.name == "cafe-deck.yaml"
    with pytest.raises(ContentError, match=r"deck name 'caf\u00e9': .* \(for example 'cafe'\)"):
        import_deck(write(tmp_path, "team.md", MARKDOWN), deck_dir(tmp_path), name="café")


def test_csv_errors_point_at_the_source_line_even_after_multi_line_cells(tmp_path: Path) -> None:
    rows = [
        csv_row("team-a", key_points="\n".join(POINTS)),  # three physical lines
        csv_row(
            "team-b",
            difficulty="brutal",
            prompt="Another question entirely: what does the churn dashboard show?",
        ),
        csv_row(
            "team-c",
            topic="astrology",
            prompt="And a third one: which retention cohorts do we compare monthly?",
        ),
    ]
    source = write(tmp_path, "team.csv", csv_deck(rows))
    issues = issues_of(source, tmp_path)
    assert any(i.startswith(f"{source}:5: questions[team-b].difficulty:") for i in issues), issues
    assert any(
        i.startswith(f"{source}:6: questions[team-c].topic: unknown topic 'astrology'")
        for i in issues
    ), issues


def test_csv_header_problems_are_named(tmp_path: Path) -> None:
    source = write(tmp_path, "bad.csv", "id,topic,prompt,colour\nx,metrics,What?,red\n")
    issues = issues_of(source, tmp_path)
    assert f"{source}:1: colour: unknown column" in issues[0] or any(
        "colour: unknown column" in i for i in issues
    )
    assert any(i == f"{source}:1: answer: required column is missing" for i in issues)


def test_markdown_errors_point_at_the_source_line(tmp_path: Path) -> None:
    text = MARKDOWN.replace("Difficulty: hard", "Difficulty: brutal").replace(
        "Subtopic: churn", "Subtopic: churn\nLevel: senior"
    )
    # A question may have one to seven key points; one with none is an error at its heading.
    text = (
        text.replace(
            "- Shared feature definitions let several models reuse the same features.\n", ""
        )
        .replace(
            "- A feature store computes each feature from one definition for training and serving.\n",
            "",
        )
        .replace(
            "- Separate training and serving code for features causes training-serving skew.\n", ""
        )
    )
    source = write(tmp_path, "team.md", text)
    issues = issues_of(source, tmp_path)
    lines = text.splitlines()
    level = lines.index("Level: senior") + 1
    brutal = lines.index("Difficulty: brutal") + 1
    points = lines.index("### Key points", brutal) + 1
    assert f"{source}:{level}: questions[team-churn-log-loss].level: unknown field" in issues[0]
    assert any(
        i.startswith(f"{source}:{brutal}: questions[team-feature-store-why].difficulty:")
        for i in issues
    )
    assert any(
        i.startswith(f"{source}:{points}: questions[team-feature-store-why].key_points:")
        and "at least 1" in i
        for i in issues
    ), issues


def test_yaml_errors_point_at_the_source_line(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        questions:
          - id: team-yaml
            topic: metrics
            subtopic: churn
            difficulty: medium
            roles: [data-science, manager]
            prompt: For the churn model, why do we watch log loss as well as accuracy?
            answer: too short
            key_points: [one, two, three]
        """
    )
    issues = issues_of(write(tmp_path, "team.yaml", text), tmp_path)
    assert any(":6: questions[team-yaml].roles[1]:" in i for i in issues), issues
    assert any(":8: questions[team-yaml].answer:" in i for i in issues), issues
    assert any(":9: questions[team-yaml].key_points[0].text:" in i for i in issues), issues


def test_duplicates_of_the_shipped_curriculum_are_caught_at_the_source_line(
    tmp_path: Path, catalog: Catalog
) -> None:
    shipped = catalog.question("metrics-accuracy-imbalance")
    rows = [
        csv_row("team-a"),
        csv_row(
            "metrics-accuracy-imbalance",
            prompt="Completely new wording about churn dashboards today?",
        ),
        csv_row("team-c", prompt=shipped.prompt),
    ]
    source = write(tmp_path, "team.csv", csv_deck(rows))
    issues = issues_of(source, tmp_path)
    assert any(
        i.startswith(
            f"{source}:3: questions[metrics-accuracy-imbalance].id: duplicate id; first defined at"
        )
        and "metrics.yaml" in i
        for i in issues
    ), issues
    assert any(
        i.startswith(
            f"{source}:4: questions[team-c].prompt: near-duplicate of 'metrics-accuracy-imbalance'"
        )
        for i in issues
    ), issues


def test_unreadable_sources_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="cannot tell the deck's format"):
        import_deck(write(tmp_path, "deck.txt", "hello"), deck_dir(tmp_path))
    with pytest.raises(MlcoachError, match="no such file"):
        import_deck(tmp_path / "missing.csv", deck_dir(tmp_path))
    bad = tmp_path / "latin.csv"
    bad.write_bytes("id\n\xe9t\xe9\n".encode("latin-1"))
    with pytest.raises(ContentError, match="not UTF-8"):
        import_deck(bad, deck_dir(tmp_path))
    assert issues_of(write(tmp_path, "empty.md", "# nothing\n"), tmp_path)[0].endswith(
        "no questions: each starts with a '## id' heading"
    )


def test_the_import_command_lists_every_problem_and_writes_nothing(
    run_cli,
    tmp_path: Path,
    isolated_data_dir: Path,  # type: ignore[no-untyped-def]
) -> None:
    bad = write(
        tmp_path,
        "bad.md",
        MARKDOWN.replace("Difficulty: medium", "Difficulty: brutal").replace(
            "Topic: ml-engineering", "Topic: astrology"
        ),
    )
    failed = run_cli("deck", "import", str(bad))
    assert failed.returncode == 2
    assert failed.stderr.count("✗") == 2 and "2 problem(s); nothing imported" in failed.stderr
    assert (
        f"{bad}:" in failed.stderr and "questions[team-churn-log-loss].difficulty" in failed.stderr
    )
    good = write(tmp_path, "team.md", MARKDOWN)
    done = run_cli("deck", "import", str(good))
    assert done.returncode == 0, done.stderr
    assert "2 question(s) imported" in done.stdout
    catalog = load_catalog([isolated_data_dir / "decks"])
    assert catalog.question("team-feature-store-why").topic == "ml-engineering"


def test_content_check_reads_each_deck_by_its_format_and_reports_only_its_problems(
    run_cli,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    isolated_data_dir: Path,
) -> None:
    folder = tmp_path / "team"
    folder.mkdir()
    cohort = csv_row(
        "team-cohort-dashboard",
        topic="astrology",
        prompt="What does our cohort churn dashboard show first, and what is it for?",
        key_points=" | ".join(OTHER_POINTS),
    )
    deck = write(folder, "team.csv", csv_deck([csv_row("team-churn-log-loss-csv"), cohort]))
    notes = write(folder, "team.md", MARKDOWN)
    # A broken deck in the deck folder is context for the check, not what was asked about.
    (isolated_data_dir / "decks").mkdir(parents=True)
    (isolated_data_dir / "decks" / "broken.yaml").write_text("questions: [unclosed\n")

    result = run_cli("content", "check", str(deck), str(notes), "--json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["files"] == [str(deck), str(notes)]
    assert data["counts"]["questions"] == 4 and data["counts"]["problems"] == 0
    # Each problem at its own file and line (a CSV row's, a Markdown field's), the decks checked
    # with each other and the shipped curriculum.
    topic, duplicate = data["issues"]
    assert (topic["file"], topic["line"], topic["field"]) == (
        str(deck),
        3,
        "questions[team-cohort-dashboard].topic",
    )
    assert topic["message"].startswith("unknown topic 'astrology'")
    assert (duplicate["file"], duplicate["line"]) == (str(notes), 11)
    assert f"near-duplicate of 'team-churn-log-loss-csv' at {deck}:2" in duplicate["message"]

    printed = run_cli("content", "check", str(folder))  # a folder: every deck file in it
    assert printed.returncode == 1
    assert f"{deck}:3: questions[team-cohort-dashboard].topic: unknown topic" in printed.stdout
    assert "problem(s) in 2 files" in printed.stdout and "broken.yaml" not in printed.stdout

    good = run_cli("content", "check", str(notes))
    assert good.returncode == 0, good.stdout
    assert "1 file valid: 2 questions" in good.stdout
    unknown = run_cli("content", "check", str(write(folder, "deck.txt", "id,topic\n")))
    assert unknown.returncode == 1 and "cannot tell the format from its name" in unknown.stdout


def test_a_readme_beside_the_decks_is_left_out_of_a_folder_check_but_not_when_named(
    run_cli,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    isolated_data_dir: Path,
) -> None:
    folder = tmp_path / "decks-repo"
    folder.mkdir()
    deck = write(folder, "team.md", MARKDOWN)
    readme = write(folder, "README.md", "# Our team's decks\n\nRun `mlcoach deck import`.\n")

    checked = run_cli("content", "check", str(folder), "--json")
    assert checked.returncode == 0, checked.stdout
    data = json.loads(checked.stdout)
    assert data["files"] == [str(deck)] and data["left_out"] == [str(readme)]
    printed = run_cli("content", "check", str(folder))
    assert printed.returncode == 0
    assert f"left out {readme}" in printed.stdout and "1 file valid" in printed.stdout

    named = run_cli("content", "check", str(readme))
    assert named.returncode == 1
    assert f"{readme}:1: no questions: each starts with a '## id' heading" in named.stdout
    assert "( valid)" not in named.stdout

    only_notes = tmp_path / "only-notes"
    only_notes.mkdir()
    write(only_notes, "README.md", "# Nothing here yet\n")
    empty = run_cli("content", "check", str(only_notes))
    assert empty.returncode == 1 and "no deck files here" in empty.stdout


def test_checking_the_source_of_an_imported_deck_says_how_to_update_the_deck(
    run_cli,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    isolated_data_dir: Path,
) -> None:
    source = write(tmp_path, "team.md", MARKDOWN)
    assert run_cli("deck", "import", str(source)).returncode == 0
    checked = run_cli("content", "check", str(source))
    assert checked.returncode == 1
    assert "duplicate id; first defined at" in checked.stdout
    assert "mlcoach deck import team.md --name team --replace` updates it" in checked.stdout
    assert "in 1 file" in checked.stdout and "1 files" not in checked.stdout
