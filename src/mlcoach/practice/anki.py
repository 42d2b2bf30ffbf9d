"""Exporting questions to an Anki package (.apkg) that Anki imports as a deck.

Ids are stable, so importing a newer export into Anki updates the notes instead of duplicating
them: the note type has a fixed id, the deck's id comes from its name, and each note's guid from
the question id. The front shows the prompt; the back the model answer and the key points. Tags:
``topic::SLUG``, ``difficulty::LEVEL``, ``role::ROLE``.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import os
import re
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import genanki  # type: ignore[import-untyped]

from mlcoach.catalog import Question
from mlcoach.errors import MlcoachError

# Chosen once at random in genanki's recommended range; never change it (Anki keys on it).
NOTE_TYPE_ID = 1_842_317_005
NOTE_TYPE_NAME = "mlcoach concept question"
DEFAULT_DECK_NAME = "mlcoach"

_CSS = """
.card { font-family: sans-serif; font-size: 18px; text-align: left; max-width: 46em; margin: auto; }
.meta { color: #777; font-size: 13px; }
.points li { margin-bottom: 4px; }
pre { background: #f4f4f4; padding: 6px; }
"""

NOTE_TYPE = genanki.Model(
    NOTE_TYPE_ID,
    NOTE_TYPE_NAME,
    fields=[
        {"name": "Prompt"},
        {"name": "Answer"},
        {"name": "KeyPoints"},
        {"name": "Meta"},
        {"name": "QuestionId"},
    ],
    templates=[
        {
            "name": "Answer the question",
            "qfmt": '<div class="meta">{{Meta}}</div><p>{{Prompt}}</p>',
            "afmt": (
                '{{FrontSide}}<hr id="answer">{{Answer}}'
                '<h4>Key points</h4><ul class="points">{{KeyPoints}}</ul>'
                '<div class="meta">{{QuestionId}}</div>'
            ),
        }
    ],
    css=_CSS,
)


def deck_id(name: str) -> int:
    """A stable id for a deck name, in genanki's recommended range (2^30 to 2^31)."""
    digest = int.from_bytes(hashlib.sha256(f"mlcoach-deck:{name}".encode()).digest()[:4], "big")
    return (1 << 30) + digest % (1 << 30)


_LIST_ITEM = re.compile(r"^\s*([-*]|\d+[.)])\s+")


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", escaped)


def markdown_html(text: str) -> str:
    """The small part of Markdown model answers use: paragraphs, lists, code, bold."""
    out: list[str] = []
    blocks = re.split(r"\n\s*\n", text.strip())
    for block in blocks:
        lines = block.splitlines()
        if lines and lines[0].lstrip().startswith("```"):
            code = "\n".join(line for line in lines[1:] if not line.lstrip().startswith("```"))
            out.append(f"<pre><code>{html.escape(code, quote=False)}</code></pre>")
        elif lines and all(_LIST_ITEM.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_LIST_ITEM.sub('', line))}</li>" for line in lines)
            tag = "ol" if re.match(r"\s*\d", lines[0]) else "ul"
            out.append(f"<{tag}>{items}</{tag}>")
        else:
            out.append(f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>")
    return "".join(out)


def question_note(question: Question) -> genanki.Note:
    tags = [
        f"topic::{question.topic}",
        f"difficulty::{question.difficulty}",
        *(f"role::{role}" for role in question.roles),
    ]
    meta = f"{question.topic} · {question.difficulty} · {', '.join(question.roles)}"
    return genanki.Note(
        model=NOTE_TYPE,
        fields=[
            _inline(question.prompt),
            markdown_html(question.answer),
            "".join(f"<li>{_inline(k.text)}</li>" for k in question.key_points),
            html.escape(meta),
            html.escape(question.id),
        ],
        tags=tags,
        guid=genanki.guid_for("mlcoach", question.id),
    )


def export_anki(
    questions: Sequence[Question], path: Path, *, deck_name: str = DEFAULT_DECK_NAME
) -> int:
    """Write ``questions`` as one Anki deck to ``path``; returns how many notes it holds."""
    if not questions:
        raise MlcoachError("no questions match these filters: nothing to export")
    if path.suffix.lower() != ".apkg":
        raise MlcoachError(
            f"{path}: an Anki package is written as .apkg; give a name ending in .apkg"
        )
    deck = genanki.Deck(deck_id(deck_name), deck_name, description="Exported from mlcoach")
    for question in questions:
        deck.add_note(question_note(question))
    package = genanki.Package(deck)

    # genanki's own write_to_file leaves its temporary database behind; this does not.
    timestamp = time.time()
    handle, db_path = tempfile.mkstemp(suffix=".anki2")
    os.close(handle)
    try:
        conn = sqlite3.connect(db_path)
        try:
            package.write_to_db(conn.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
            conn.commit()
        finally:
            conn.close()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(db_path, "collection.anki2")
            archive.writestr("media", "{}")
        partial.replace(path)
    except OSError as exc:
        raise MlcoachError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        Path(db_path).unlink(missing_ok=True)
    return len(questions)
