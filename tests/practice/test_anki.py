"""Anki export: a real .apkg (a zip holding Anki's SQLite collection) with stable ids and tags."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from mlcoach.catalog import Catalog
from mlcoach.errors import MlcoachError
from mlcoach.practice.anki import NOTE_TYPE_ID, deck_id, export_anki, markdown_html


def open_collection(apkg: Path, tmp_path: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(apkg) as archive:
        assert archive.testzip() is None
        assert "collection.anki2" in archive.namelist()
        archive.extract("collection.anki2", tmp_path)
    return sqlite3.connect(tmp_path / "collection.anki2")


def notes(conn: sqlite3.Connection) -> list[tuple[str, str, str, int]]:
    return conn.execute("SELECT guid, flds, tags, mid FROM notes ORDER BY sfld").fetchall()


def test_an_anki_export_opens_as_a_collection_with_one_note_per_question(
    run_cli,
    tmp_path: Path,
    catalog: Catalog,  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path / "export" / "metrics.apkg"
    result = run_cli("deck", "export", "--anki", str(out), "--topic", "metrics", "-d", "easy")
    assert result.returncode == 0, result.stderr
    wanted = catalog.find_questions(topic="metrics", difficulty="easy")
    assert f"{len(wanted)} note(s) in deck 'mlcoach'" in result.stdout

    conn = open_collection(out, tmp_path)
    found = notes(conn)
    assert len(found) == len(wanted)
    by_id = {q.id: q for q in wanted}
    for _guid, fields, tags, model in found:
        prompt, answer, key_points, _meta, question_id = fields.split("\x1f")
        question = by_id[question_id]
        assert prompt.startswith(question.prompt[:20])
        assert key_points.count("<li>") == len(question.key_points)
        assert answer.startswith("<p>")
        assert {"topic::metrics", "difficulty::easy"} <= set(tags.split())
        assert any(t.startswith("role::") for t in tags.split())
        assert model == NOTE_TYPE_ID
    decks = json.loads(conn.execute("SELECT decks FROM col").fetchone()[0])
    assert str(deck_id("mlcoach")) in decks
    assert conn.execute("SELECT count(*) FROM cards").fetchone()[0] == len(wanted)
    conn.close()


def test_exporting_again_keeps_the_ids_so_anki_updates_instead_of_duplicating(
    tmp_path: Path, catalog: Catalog
) -> None:
    questions = catalog.find_questions(topic="ensembles")
    export_anki(questions, tmp_path / "a.apkg", deck_name="Interview prep")
    export_anki(questions[:3], tmp_path / "b.apkg", deck_name="Interview prep")
    first = {n[0] for n in notes(open_collection(tmp_path / "a.apkg", tmp_path / "a"))}
    second = {n[0] for n in notes(open_collection(tmp_path / "b.apkg", tmp_path / "b"))}
    assert len(first) == len(questions) and second < first
    assert deck_id("Interview prep") == deck_id("Interview prep") != deck_id("mlcoach")


def test_markdown_answers_become_html() -> None:
    html = markdown_html(
        "Use **log loss** and `predict_proba`.\n\n- one <b>\n- two\n\n```\nx < 1\n```"
    )
    assert html == (
        "<p>Use <b>log loss</b> and <code>predict_proba</code>.</p>"
        "<ul><li>one &lt;b&gt;</li><li>two</li></ul><pre><code>x &lt; 1</code></pre>"
    )


def test_an_empty_selection_or_a_wrong_name_is_refused(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(MlcoachError, match="no questions match"):
        export_anki([], tmp_path / "x.apkg")
    with pytest.raises(MlcoachError, match=r"ending in \.apkg"):
        export_anki(catalog.find_questions(topic="metrics"), tmp_path / "x.zip")
