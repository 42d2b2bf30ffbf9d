"""A user's deck is checked with the shipped curriculum; each problem names file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

from mlcoach.catalog import build_catalog, extend_catalog, load_catalog, shipped_content_dir
from mlcoach.practice.decks import question_record

GOOD_QUESTION = """\
questions:
  - id: deck-why-log-loss
    topic: metrics
    subtopic: custom
    difficulty: medium
    roles: [data-science]
    prompt: In my team's deck, why do we monitor log loss next to accuracy for the churn model?
    answer: >-
      Log loss rewards confident correct probabilities and punishes confident mistakes, so it
      notices a model whose ranking holds while its probabilities drift away from reality, which
      accuracy at a fixed threshold cannot see. Our churn offers are priced from the probability.
    key_points:
      - Log loss scores the predicted probabilities, not only the hard labels.
      - Confident wrong predictions are punished heavily by log loss.
      - Churn offers are priced from the probability, so calibration matters.
"""


def _deck(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deck.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def _issues(path: Path) -> list[str]:
    report = build_catalog([shipped_content_dir(), path])
    return [str(i) for i in report.issues]


def test_a_valid_deck_adds_its_questions(tmp_path: Path) -> None:
    deck = _deck(tmp_path, GOOD_QUESTION)
    assert _issues(deck) == []
    catalog = load_catalog([tmp_path])
    assert catalog.question("deck-why-log-loss").topic == "metrics"


def test_a_broken_field_is_reported_with_file_line_and_field(tmp_path: Path) -> None:
    deck = _deck(tmp_path, GOOD_QUESTION.replace("difficulty: medium", "difficulty: brutal"))
    issues = _issues(deck)
    assert len(issues) == 1
    assert issues[0].startswith(f"{deck}:5: questions[deck-why-log-loss].difficulty:")
    assert "'easy', 'medium' or 'hard'" in issues[0]


def test_a_question_with_one_key_point_and_a_one_line_answer_is_accepted(tmp_path: Path) -> None:
    text = GOOD_QUESTION.replace(
        "      - Confident wrong predictions are punished heavily by log loss.\n", ""
    ).replace("      - Churn offers are priced from the probability, so calibration matters.\n", "")
    start = text.index("    answer: >-")
    end = text.index("    key_points:")
    text = text[:start] + "    answer: It scores probabilities, not labels.\n" + text[end:]
    deck = _deck(tmp_path, text)
    assert _issues(deck) == []
    assert len(load_catalog([tmp_path]).question("deck-why-log-loss").key_points) == 1


def test_too_few_key_points_is_rejected(tmp_path: Path) -> None:
    start = GOOD_QUESTION.index("      - Log loss")
    text = GOOD_QUESTION[:start] + "    key_points: []\n"
    deck = _deck(tmp_path, text)
    issues = _issues(deck)
    assert len(issues) == 1
    assert f"{deck}:12: questions[deck-why-log-loss].key_points:" in issues[0]
    assert "at least 1" in issues[0]


def test_a_missing_field_and_an_unknown_field_are_named(tmp_path: Path) -> None:
    text = GOOD_QUESTION.replace("    subtopic: custom\n", "    sub_topic: custom\n")
    issues = _issues(_deck(tmp_path, text))
    assert any(
        "questions[deck-why-log-loss].subtopic: required field is missing" in i for i in issues
    )
    assert any(".sub_topic: unknown field" in i for i in issues)


def test_an_unknown_topic_and_a_dangling_follow_up_are_rejected(tmp_path: Path) -> None:
    text = (
        GOOD_QUESTION.replace("topic: metrics", "topic: astrology")
        + "    follow_ups: [no-such-question]\n"
    )
    issues = _issues(_deck(tmp_path, text))
    assert any(
        ":3: questions[deck-why-log-loss].topic: unknown topic 'astrology'" in i for i in issues
    )
    assert any("follow_ups: no question with id 'no-such-question'" in i for i in issues)


def test_a_duplicate_id_is_rejected(tmp_path: Path) -> None:
    shipped_id = next(iter(load_catalog().questions))
    deck = _deck(tmp_path, GOOD_QUESTION.replace("deck-why-log-loss", shipped_id))
    issues = _issues(deck)
    assert any(f"{deck}:2:" in i and "duplicate id; first defined at" in i for i in issues)


def test_a_reworded_copy_of_a_shipped_question_is_a_near_duplicate(tmp_path: Path) -> None:
    original = next(iter(load_catalog().questions.values()))
    points = "\n".join(f"      - {p.text}" for p in original.key_points)
    prompt = original.prompt.replace("?", "").strip() + ", please?"
    deck = _deck(
        tmp_path,
        f"""\
questions:
  - id: my-copy
    topic: {original.topic}
    subtopic: copied
    difficulty: easy
    roles: [research]
    prompt: {prompt!r}
    answer: >-
      {" ".join(original.answer.split())}
    key_points:
{points}
""",
    )
    issues = _issues(deck)
    assert any(
        f"questions[my-copy].prompt: near-duplicate of {original.id!r}" in i for i in issues
    ), issues


def test_the_same_key_points_under_a_new_prompt_is_a_duplicate(tmp_path: Path) -> None:
    original = next(iter(load_catalog().questions.values()))
    points = "\n".join(f"      - {p.text}" for p in original.key_points)
    deck = _deck(
        tmp_path,
        f"""\
questions:
  - id: sneaky-copy
    topic: {original.topic}
    subtopic: copied
    difficulty: easy
    roles: [research]
    prompt: Tell me everything you know about this subject that interviewers like to ask about.
    answer: >-
      {" ".join(original.answer.split())}
    key_points:
{points}
""",
    )
    issues = _issues(deck)
    assert any("sneaky-copy" in i and "key points are the same" in i for i in issues), issues


def test_invalid_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    deck = _deck(tmp_path, "questions:\n  - id: x\n    prompt: [unclosed\n    topic: metrics\n")
    issues = _issues(deck)
    assert len(issues) == 1
    assert issues[0].startswith(f"{deck}:") and "invalid YAML" in issues[0]


def test_a_file_that_is_not_a_deck_is_rejected(tmp_path: Path) -> None:
    assert "expected a mapping" in _issues(_deck(tmp_path, "- just\n- a list\n"))[0]
    assert "unknown section" in _issues(_deck(tmp_path, "cards:\n  - a\n"))[0]
    binary = tmp_path / "junk.yaml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    assert "not UTF-8" in _issues(binary)[0]


# --- a catalog plus one user's decks (what the team web app serves each account) ---------------


def test_extending_a_catalog_adds_the_decks_and_leaves_the_base_as_it_was(tmp_path: Path) -> None:
    base = load_catalog()
    before = len(base.questions)
    _deck(tmp_path, GOOD_QUESTION)
    report = extend_catalog(base, [tmp_path])
    assert report.issues == [] and report.files == [tmp_path / "deck.yaml"]
    mine = report.catalog
    assert mine.question("deck-why-log-loss").topic == "metrics"
    assert [q.id for q in mine.find_questions(text="churn offers priced")][:1] == [
        "deck-why-log-loss"
    ]
    # The shipped items are the same objects, not parsed again; the base does not see the deck.
    shipped_id = next(iter(base.questions))
    assert mine.question(shipped_id) is base.question(shipped_id)
    assert len(base.questions) == before and "deck-why-log-loss" not in base.questions
    assert all(q.id != "deck-why-log-loss" for q in base.find_questions(text="churn offers"))
    summaries = {s.topic.slug: s.questions for s in mine.topic_summaries()}
    assert summaries["metrics"] == 1 + sum(q.topic == "metrics" for q in base.questions.values())


def test_an_extension_is_checked_like_a_deck_and_cannot_replace_a_shipped_question(
    tmp_path: Path,
) -> None:
    base = load_catalog()
    shipped = next(iter(base.questions.values()))
    deck = _deck(
        tmp_path,
        GOOD_QUESTION.replace("deck-why-log-loss", shipped.id)
        + GOOD_QUESTION.removeprefix("questions:\n")
        .replace("deck-why-log-loss", "deck-astrology")
        .replace("topic: metrics", "topic: astrology")
        .replace("log loss", "star signs")
        .replace("Log loss", "Star signs")
        .replace("churn", "horoscope"),
    )
    report = extend_catalog(base, [tmp_path])
    issues = [str(i) for i in report.issues]
    assert any(f"{deck}:2: questions[{shipped.id}].id: duplicate id" in i for i in issues), issues
    assert any("questions[deck-astrology].topic: unknown topic 'astrology'" in i for i in issues)
    assert report.catalog.question(shipped.id) is shipped
    # Only the deck is checked: the shipped questions bring no issue of their own.
    assert all(i.path == deck for i in report.issues)


def test_an_extension_may_skip_the_near_duplicate_search_but_not_the_id_check(
    tmp_path: Path,
) -> None:
    base = load_catalog()
    original = next(iter(base.questions.values()))
    # The same question twice: under its own id (a clash), and under a new one (a copy).
    copies = [{**question_record(original), "id": ident} for ident in (original.id, "my-copy")]
    (tmp_path / "deck.yaml").write_text(yaml.safe_dump({"questions": copies}), "utf-8")
    checked = [str(i) for i in extend_catalog(base, [tmp_path]).issues]
    assert any("questions[my-copy].prompt: near-duplicate" in i for i in checked), checked
    quick = extend_catalog(base, [tmp_path], near_duplicates=False)
    assert [i.field for i in quick.issues] == [f"questions[{original.id}].id"]
    assert quick.catalog.question(original.id) is original
    assert "my-copy" in quick.catalog.questions
