"""The shipped curriculum is parsed once and read back from the data folder on later runs."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import yaml

from mlcoach.catalog import load_catalog, shipped_content_dir
from mlcoach.catalog.cache import CACHE_NAME, shipped_catalog
from mlcoach.errors import ContentError

from .test_decks import GOOD_QUESTION


def _copy_of_curriculum(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(shipped_content_dir(), content)
    return content


def test_a_second_run_reads_the_saved_copy_and_gets_the_same_curriculum(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    parsed = load_catalog()
    first = load_catalog(cache_dir=cache)
    assert (cache / CACHE_NAME).is_file()
    second = load_catalog(cache_dir=cache)
    for catalog in (first, second):
        assert catalog.questions == parsed.questions
        assert catalog.problems == parsed.problems
        assert catalog.scenarios == parsed.scenarios
        assert catalog.origins == parsed.origins
    some = next(iter(parsed.questions.values()))
    words = some.prompt.split()[2]
    assert [q.id for q in second.find_questions(text=words)] == [
        q.id for q in parsed.find_questions(text=words)
    ]


def test_an_edited_content_file_is_read_again(tmp_path: Path) -> None:
    content = _copy_of_curriculum(tmp_path)
    cache = tmp_path / "cache"
    before = shipped_catalog(cache, content)
    assert before is not None
    question = next(iter(before.questions.values()))
    path = before.origins[("questions", question.id)].path
    data = yaml.safe_load(path.read_text())
    entry = next(q for q in data["questions"] if q["id"] == question.id)
    entry["prompt"] = "Edited after the first run: " + entry["prompt"]
    time.sleep(0.01)  # a distinct time of change even on coarse file systems
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    after = shipped_catalog(cache, content)
    assert after is not None
    assert after.questions[question.id].prompt.startswith("Edited after the first run: ")
    assert shipped_catalog(cache, content).questions[question.id].prompt == (  # type: ignore[union-attr]
        after.questions[question.id].prompt
    )


def test_a_damaged_copy_is_ignored_and_replaced(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / CACHE_NAME).write_bytes(b"not a saved catalog")
    catalog = load_catalog(cache_dir=cache)
    assert len(catalog.questions) == len(load_catalog().questions)
    assert (cache / CACHE_NAME).read_bytes() != b"not a saved catalog"


def test_content_with_issues_is_never_saved(tmp_path: Path) -> None:
    content = _copy_of_curriculum(tmp_path)
    (content / "broken.yaml").write_text("questions:\n  - id: only-an-id\n")
    cache = tmp_path / "cache"
    assert shipped_catalog(cache, content) is None
    assert not (cache / CACHE_NAME).exists()


def test_a_deck_is_still_checked_against_the_saved_curriculum(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_catalog(cache_dir=cache)
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "mine.yaml").write_text(GOOD_QUESTION)
    assert "deck-why-log-loss" in load_catalog([decks], cache_dir=cache).questions
    shipped_id = next(iter(load_catalog().questions))
    (decks / "mine.yaml").write_text(GOOD_QUESTION.replace("deck-why-log-loss", shipped_id))
    with pytest.raises(ContentError, match="duplicate id"):
        load_catalog([decks], cache_dir=cache)


def test_a_folder_that_cannot_be_written_only_costs_the_parse(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    catalog = load_catalog(cache_dir=blocked / "cache")
    assert len(catalog.questions) == len(load_catalog().questions)
