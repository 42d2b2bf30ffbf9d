"""Importing a user's own deck from YAML, CSV or Markdown into the deck folder as checked YAML.

Every problem is reported at the line of the SOURCE file it comes from, whatever the format, and
the deck is checked together with the shipped curriculum and the user's other decks (unknown
topics, dangling follow-ups, duplicate ids, near-duplicate questions) before anything is written.

CSV: a header row, then one question per row. Columns (any order, names case-insensitive):
``id, topic, subtopic, difficulty, roles, prompt, answer, key_points`` and optionally
``misconceptions, follow_ups``. ``roles`` and ``follow_ups`` are separated by ``;``;
``key_points`` and ``misconceptions`` by `` | `` or by new lines inside the quoted cell.

Markdown (see docs/practice.md for an example):

    ## question-id
    Topic: metrics
    Subtopic: thresholds
    Difficulty: medium
    Roles: data-science, engineering
    Follow-ups: another-question-id        (optional)

    The prompt: the question as an interviewer would ask it.

    ### Answer
    The model answer, in Markdown.

    ### Key points
    - One claim a good answer makes.
    - ...

    ### Misconceptions                    (optional)
    - A wrong belief a weak answer states.

YAML: the deck format of docs/content.md (a ``questions`` list).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from mlcoach.catalog import Catalog, CatalogReport, Question, build_catalog, shipped_content_dir
from mlcoach.catalog.loader import (
    MAX_FILE_BYTES,
    ContentIssue,
    content_files,
    describe_error,
    field_path,
    parse_yaml,
    read_file,
)
from mlcoach.catalog.models import CONTENT_KINDS
from mlcoach.errors import ContentError, MlcoachError, NotFoundError

SOURCE_FORMATS = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".csv": "csv",
    ".tsv": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
}
REQUIRED_COLUMNS = (
    "id",
    "topic",
    "subtopic",
    "difficulty",
    "roles",
    "prompt",
    "answer",
    "key_points",
)
OPTIONAL_COLUMNS = ("misconceptions", "follow_ups")
FIELD_ORDER = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)


@dataclass
class SourceEntry:
    """One question as read from the source, with the source line of each of its fields."""

    data: dict[str, Any]
    line: int
    lines: dict[str, int] = field(default_factory=dict)  # "prompt", "key_points[2]", ...

    @property
    def label(self) -> str:
        ident = self.data.get("id")
        return f"questions[{ident}]" if isinstance(ident, str) and ident else "questions"

    def line_for(self, loc: tuple[int | str, ...]) -> int:
        if not loc:
            return self.line
        if len(loc) > 1 and isinstance(loc[1], int):
            indexed = self.lines.get(f"{loc[0]}[{loc[1]}]")
            if indexed is not None:
                return indexed
        return self.lines.get(str(loc[0]), self.line)


class DeckImportError(ContentError):
    """A deck that cannot be imported; ``issues`` has every problem, by source line."""

    def __init__(self, issues: list[ContentIssue]) -> None:
        self.issues = issues
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        super().__init__(f"{issues[0]}{more}")


@dataclass(frozen=True)
class ImportResult:
    source: Path
    written: Path
    questions: list[Question]
    replaced: bool


# --- reading the source ----------------------------------------------------------------------


def _split_list(value: str, separators: str) -> list[str]:
    items = [p.strip() for p in re.split(separators, value)]
    return [re.sub(r"^[-*•]\s+", "", p) for p in items if p]


def read_csv(text: str, path: Path) -> tuple[list[SourceEntry], list[ContentIssue]]:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    issues: list[ContentIssue] = []
    try:
        header = next(reader)
    except StopIteration:
        return [], [ContentIssue(path, 1, "", "file is empty")]
    except csv.Error as exc:
        return [], [ContentIssue(path, 1, "", f"invalid CSV: {exc}")]
    columns = [h.strip().lower().replace(" ", "_").replace("-", "_") for h in header]
    if columns and columns[0].startswith("\ufeff"):
        columns[0] = columns[0][1:]
    for name in columns:
        if name not in FIELD_ORDER:
            issues.append(
                ContentIssue(path, 1, name, f"unknown column (expected: {', '.join(FIELD_ORDER)})")
            )
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            issues.append(ContentIssue(path, 1, name, "required column is missing"))
    if issues:
        return [], issues

    entries: list[SourceEntry] = []
    start = reader.line_num + 1
    try:
        for cells in reader:
            row_line, start = start, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(columns):
                issues.append(
                    ContentIssue(
                        path,
                        row_line,
                        "",
                        f"row has {len(cells)} cells but the header names {len(columns)} columns",
                    )
                )
                continue
            data: dict[str, Any] = {}
            lines: dict[str, int] = {}
            offset = 0
            for name, cell in zip(columns, cells, strict=False):
                lines[name] = row_line + offset
                offset += cell.count("\n")
                value = cell.strip()
                if not value:
                    continue
                if name in ("roles", "follow_ups"):
                    data[name] = _split_list(value, r"[;,]")
                elif name in ("key_points", "misconceptions"):
                    data[name] = _split_list(value, r"\s\|\s|\n")
                else:
                    data[name] = value
            entries.append(SourceEntry(data, row_line, lines))
    except csv.Error as exc:
        issues.append(ContentIssue(path, reader.line_num, "", f"invalid CSV: {exc}"))
    return entries, issues


_HEADING = re.compile(r"^(#{1,3})\s+(.*?)\s*#*\s*$")
_META = re.compile(r"^([A-Za-z][A-Za-z _-]*?)\s*:\s*(.*)$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_MD_FIELDS = {
    "topic": "topic",
    "subtopic": "subtopic",
    "difficulty": "difficulty",
    "roles": "roles",
    "role": "roles",
    "follow-ups": "follow_ups",
    "follow ups": "follow_ups",
    "follow_ups": "follow_ups",
    "followups": "follow_ups",
}
_MD_SECTIONS = {
    "answer": "answer",
    "model answer": "answer",
    "key points": "key_points",
    "misconceptions": "misconceptions",
}


def _markdown_lines(text: str) -> Iterator[tuple[int, str, bool]]:
    """(line number, line, inside a code fence) for each line."""
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        marker = stripped[:3]
        if marker in ("```", "~~~"):
            if fence is None:
                fence = marker
                yield number, line, True
                continue
            if marker == fence:
                fence = None
                yield number, line, True
                continue
        yield number, line, fence is not None


def _bullets(
    lines: list[tuple[int, str]], name: str, path: Path, issues: list[ContentIssue]
) -> tuple[list[str], dict[str, int]]:
    items: list[str] = []
    where: dict[str, int] = {}
    for number, line in lines:
        if not line.strip():
            continue
        match = _BULLET.match(line)
        if match:
            where[f"{name}[{len(items)}]"] = number
            items.append(match.group(1).strip())
        elif items:
            items[-1] = f"{items[-1]} {line.strip()}"  # a wrapped bullet continues
        else:
            issues.append(
                ContentIssue(path, number, name, "expected a list item starting with '- '")
            )
    return items, where


def read_markdown(text: str, path: Path) -> tuple[list[SourceEntry], list[ContentIssue]]:
    issues: list[ContentIssue] = []
    blocks: list[tuple[int, str, list[tuple[int, str, bool]]]] = []
    for number, line, fenced in _markdown_lines(text):
        heading = None if fenced else _HEADING.match(line)
        if heading and len(heading.group(1)) == 2:
            blocks.append((number, heading.group(2), []))
        elif blocks:
            blocks[-1][2].append((number, line, fenced))
    if not blocks:
        return [], [ContentIssue(path, 1, "", "no questions: each starts with a '## id' heading")]

    entries = []
    for start, ident, body in blocks:
        data: dict[str, Any] = {"id": ident}
        lines: dict[str, int] = {"id": start}
        sections: dict[str, list[tuple[int, str]]] = {"prompt": []}
        current = "prompt"
        in_meta = True
        for number, line, fenced in body:
            heading = None if fenced else _HEADING.match(line)
            if heading and len(heading.group(1)) == 3:
                title = heading.group(2).strip().lower()
                section = _MD_SECTIONS.get(title)
                if section is None:
                    known = ", ".join(
                        f"### {t.capitalize()}" for t in ("answer", "key points", "misconceptions")
                    )
                    issues.append(
                        ContentIssue(
                            path,
                            number,
                            f"questions[{ident}]",
                            f"unknown section {heading.group(2)!r} (expected {known})",
                        )
                    )
                    current = "_ignored"
                else:
                    current = section
                    lines[section] = number
                sections.setdefault(current, [])
                in_meta = False
                continue
            if in_meta and current == "prompt":
                if not line.strip():
                    if len(lines) > 1:
                        in_meta = False
                    continue
                meta = _META.match(line)
                if meta and not fenced:
                    key = meta.group(1).strip().lower()
                    name = _MD_FIELDS.get(key)
                    if name is None and " " in key:
                        in_meta = False  # a prompt that happens to contain a colon
                        sections["prompt"].append((number, line))
                        continue
                    if name is None:
                        known = "Topic, Subtopic, Difficulty, Roles, Follow-ups"
                        issues.append(
                            ContentIssue(
                                path,
                                number,
                                f"questions[{ident}].{key}",
                                f"unknown field (expected one of: {known})",
                            )
                        )
                        continue
                    value = meta.group(2).strip()
                    lines[name] = number
                    data[name] = (
                        _split_list(value, r"[;,]\s*|\s+")
                        if name in ("roles", "follow_ups")
                        else value
                    )
                    continue
                in_meta = False
            sections.setdefault(current, []).append((number, line))

        for name in ("prompt", "answer"):
            content = [(n, ln) for n, ln in sections.get(name, [])]
            while content and not content[0][1].strip():
                content.pop(0)
            if content:
                lines[name] = content[0][0]
                joined = "\n".join(ln for _, ln in content).strip()
                data[name] = " ".join(joined.split()) if name == "prompt" else joined
        for name in ("key_points", "misconceptions"):
            if name in sections:
                items, where = _bullets(sections[name], name, path, issues)
                data[name] = items
                lines.update(where)
        entries.append(SourceEntry(data, start, lines))
    return entries, issues


def read_yaml(text: str, path: Path) -> tuple[list[SourceEntry], list[ContentIssue]]:
    parsed = parse_yaml(text, path)
    if isinstance(parsed, ContentIssue):
        return [], [parsed]
    root, data = parsed
    if root is None or not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        return [], [ContentIssue(path, 1, "", "expected a mapping with a 'questions' list")]

    issues = []
    entries = []
    for key_node, value_node in root.value:
        if key_node.value != "questions":
            issues.append(
                ContentIssue(
                    path,
                    key_node.start_mark.line + 1,
                    str(key_node.value),
                    "a deck to import holds 'questions' only",
                )
            )
            continue
        if not isinstance(value_node, yaml.SequenceNode):
            issues.append(
                ContentIssue(path, value_node.start_mark.line + 1, "questions", "expected a list")
            )
            continue
        for index, item_node in enumerate(value_node.value):
            raw = data["questions"][index]
            start = item_node.start_mark.line + 1
            if not isinstance(raw, dict) or not isinstance(item_node, yaml.MappingNode):
                issues.append(
                    ContentIssue(path, start, f"questions[{index}]", "expected a mapping")
                )
                continue
            lines: dict[str, int] = {}
            for field_key, field_value in item_node.value:
                name = str(field_key.value)
                lines[name] = field_value.start_mark.line + 1
                if isinstance(field_value, yaml.SequenceNode):
                    for i, element in enumerate(field_value.value):
                        lines[f"{name}[{i}]"] = element.start_mark.line + 1
            entries.append(SourceEntry(dict(raw), start, lines))
    return entries, issues


def read_source(path: Path) -> tuple[list[SourceEntry], list[ContentIssue]]:
    kind = SOURCE_FORMATS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(SOURCE_FORMATS))
        raise ContentError(f"{path}: cannot tell the deck's format from its name (use {known})")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ContentError(f"{path}: file is {size} bytes; the limit is {MAX_FILE_BYTES}")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise NotFoundError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ContentError(f"{path}: is a folder; give one deck file") from None
    except UnicodeDecodeError:
        raise ContentError(f"{path}: file is not UTF-8 text") from None
    except OSError as exc:
        raise ContentError(f"{path}: cannot read file: {exc.strerror}") from None
    if kind == "csv":
        return read_csv(text, path)
    if kind == "markdown":
        return read_markdown(text, path)
    return read_yaml(text, path)


# --- checking and writing --------------------------------------------------------------------


def validate_entries(
    entries: list[SourceEntry], path: Path
) -> tuple[list[tuple[Question, SourceEntry]], list[ContentIssue]]:
    """Each entry against the question schema; duplicate ids inside the deck are caught here."""
    valid: list[tuple[Question, SourceEntry]] = []
    issues: list[ContentIssue] = []
    first_seen: dict[str, int] = {}
    for entry in entries:
        try:
            question = Question.model_validate(entry.data)
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(error["loc"])
                issues.append(
                    ContentIssue(
                        path,
                        entry.line_for(loc),
                        f"{entry.label}.{field_path(loc)}".rstrip("."),
                        describe_error(error),
                    )
                )
            continue
        if question.id in first_seen:
            issues.append(
                ContentIssue(
                    path,
                    entry.lines.get("id", entry.line),
                    f"questions[{question.id}].id",
                    f"duplicate id; first defined at {path}:{first_seen[question.id]}",
                )
            )
            continue
        first_seen[question.id] = entry.line
        valid.append((question, entry))
    return valid, issues


class _BlockDumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _represent_str)


def question_record(question: Question) -> dict[str, Any]:
    """A question as it is written in a deck file, fields in the documented order."""
    dumped = question.model_dump(mode="json")
    dumped["key_points"] = [k.text for k in question.key_points]
    record = {name: dumped[name] for name in FIELD_ORDER if dumped.get(name) not in (None, [], ())}
    return record


def deck_yaml(questions: list[Question], source: Path) -> str:
    stamp = datetime.now(UTC).date().isoformat()
    header = (
        f"# Imported by `mlcoach deck import` from {source.name} on {stamp}.\n"
        "# The format is described in docs/content.md; check edits with `mlcoach content check`.\n"
    )
    body = yaml.dump(
        {"questions": [question_record(q) for q in questions]},
        Dumper=_BlockDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        indent=2,
    )
    return header + body


_ISSUE_FIELD = re.compile(r"^questions\[(?P<id>[^\]]+)\]\.?(?P<field>[a-z_]*)")


@dataclass(frozen=True)
class _StandIn:
    """The checked YAML written for a deck read from another format (or for a deck being
    imported), so the catalog can check it with the rest; what it finds is moved back to the
    source file's lines."""

    path: Path
    source: Path
    valid: list[tuple[Question, SourceEntry]]

    def rewrite(self, message: str, report: CatalogReport) -> str:
        """``message`` with each ``stand-in:line`` in it replaced by the source file and line."""
        lines: dict[int, int] = {}
        for question, entry in self.valid:
            origin = report.catalog.origins.get(("questions", question.id))
            if origin is not None and origin.path == self.path:
                lines[origin.line] = entry.line

        def swap(match: re.Match[str]) -> str:
            found = lines.get(int(match.group(1)))
            return f"{self.source}:{found}" if found else str(self.source)

        return re.sub(re.escape(str(self.path)) + r":(\d+)", swap, message)

    def source_line(self, issue: ContentIssue) -> int | None:
        """The source line of an issue found in the stand-in: its question's field, if named."""
        match = _ISSUE_FIELD.match(issue.field)
        entry = {q.id: e for q, e in self.valid}.get(match.group("id")) if match else None
        if entry is None or match is None:
            return issue.line
        name = match.group("field")
        return entry.lines.get(name, entry.line) if name else entry.line


def _write_stand_in(
    path: Path, source: Path, valid: list[tuple[Question, SourceEntry]]
) -> _StandIn:
    path.write_text(deck_yaml([q for q, _ in valid], source), encoding="utf-8")
    return _StandIn(path, source, valid)


def _at_source(
    issue: ContentIssue, report: CatalogReport, stand_ins: list[_StandIn]
) -> ContentIssue:
    """``issue`` with every stand-in file and line in it replaced by the source file and line."""
    path, line, message = issue.path, issue.line, issue.message
    for stand in stand_ins:
        message = stand.rewrite(message, report)
        if issue.path == stand.path:
            path, line = stand.source, stand.source_line(issue)
    return ContentIssue(path, line, issue.field, message)


def _cross_check(
    valid: list[tuple[Question, SourceEntry]],
    source: Path,
    deck_dir: Path,
    target: Path,
    shared: Sequence[Path] = (),
) -> list[ContentIssue]:
    """Check the deck with the shipped curriculum, the ``shared`` folders and the other decks;
    issues by source line."""
    others = [
        p
        for folder in (*shared, deck_dir)
        for p in (content_files(folder) if folder.is_dir() else [])
        if p.resolve() != target.resolve()
    ]
    with tempfile.TemporaryDirectory(prefix="mlcoach-import-") as tmp:
        stand = _write_stand_in(Path(tmp) / target.name, source, valid)
        shipped = shipped_content_dir()
        # The new deck goes last, so every duplicate found is reported on its side.
        report = build_catalog([shipped, *others, stand.path], trusted=[shipped])
        return [_at_source(i, report, [stand]) for i in report.issues if i.path == stand.path]


def deck_questions(catalog: Catalog, deck_dir: Path, name: str) -> frozenset[str]:
    """The ids of the questions of deck ``name`` (a file ``NAME.yaml`` in ``deck_dir``) that
    ``catalog`` holds: what a drill of that deck asks."""
    folder = deck_dir.resolve()
    ids = frozenset(
        key
        for (kind, key), origin in catalog.origins.items()
        if kind == "questions"
        and origin.path.stem == name
        and origin.path.resolve().is_relative_to(folder)
    )
    if not ids:
        raise NotFoundError(f"no deck named {name!r}")
    return ids


# --- checking without importing ----------------------------------------------------------------


@dataclass(frozen=True)
class DeckCheck:
    """What `check_decks` found: the files checked, their problems and what they hold."""

    files: list[Path]
    issues: list[ContentIssue]
    counts: dict[str, int]
    # Markdown files in a folder with no question heading: notes next to the decks, not checked.
    left_out: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


def deck_name(text: str) -> str:
    """A deck name (a file name on every system) made from ``text``, accents kept as their
    letters: "café-déck" becomes "cafe-deck", not "caf--d-ck"; what has no Latin spelling becomes
    "-" and an empty result "deck"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", plain).strip("-.")
    return name[:80] or "deck"


def deck_files(root: Path) -> tuple[list[Path], list[Path]]:
    """A file itself, or the files of a folder in any format `import_deck` reads, in order; and
    the folder's Markdown files that are notes rather than decks (a README beside the decks: no
    line is a '## id' question heading), which are left out. A file named on its own is always
    checked, so a deck whose headings are all wrong is still reported."""
    if root.is_file():
        return [root], []
    found = sorted(p for p in root.rglob("*") if p.suffix.lower() in SOURCE_FORMATS and p.is_file())
    notes = [p for p in found if SOURCE_FORMATS[p.suffix.lower()] == "markdown" and _is_note(p)]
    return [p for p in found if p not in notes], notes


def _is_note(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False  # checked as a deck, which reports why it cannot be read
    return not any(
        not fenced and (heading := _HEADING.match(line)) and len(heading.group(1)) == 2
        for _, line, fenced in _markdown_lines(text)
    )


def check_decks(paths: list[Path], deck_dir: Path | None = None) -> DeckCheck:
    """Check exactly the files given (a folder: its deck files), each read by its format as
    `import_deck` reads it: YAML as curriculum content of any kind, CSV and Markdown as decks of
    questions. They are checked with the shipped curriculum and the deck folder, for topics,
    follow-ups and duplicates, but only problems in the files given are reported, each at its
    file and line (a CSV row's line)."""
    files: list[Path] = []
    left_out: list[Path] = []
    issues: list[ContentIssue] = []
    for root in paths:
        if not root.exists():
            raise NotFoundError(f"{root}: no such file or folder")
        found, notes = deck_files(root)
        left_out.extend(notes)
        if not found:
            known = ", ".join(sorted(SOURCE_FORMATS))
            issues.append(ContentIssue(root, None, "", f"no deck files here ({known})"))
        files.extend(f for f in found if f.resolve() not in {g.resolve() for g in files})
    checked = {f.resolve() for f in files}
    shipped = [p for p in content_files(shipped_content_dir()) if p.resolve() not in checked]
    others = [
        p
        for p in (content_files(deck_dir) if deck_dir is not None and deck_dir.is_dir() else [])
        if p.resolve() not in checked
    ]
    with tempfile.TemporaryDirectory(prefix="mlcoach-check-") as tmp:
        loaded: list[Path] = []
        stand_ins: list[_StandIn] = []
        for number, path in enumerate(files):
            kind = SOURCE_FORMATS.get(path.suffix.lower())
            if kind is None:
                known = ", ".join(sorted(SOURCE_FORMATS))
                issues.append(
                    ContentIssue(path, None, "", f"cannot tell the format from its name ({known})")
                )
            elif kind == "yaml":
                loaded.append(path)
            else:
                entries, read_issues = _read_entries(path)
                if not entries and not read_issues:
                    read_issues.append(ContentIssue(path, 1, "", "the deck has no questions"))
                valid, schema_issues = validate_entries(entries, path)
                issues.extend([*read_issues, *schema_issues])
                if valid:
                    stand = _write_stand_in(Path(tmp) / f"{number}.yaml", path, valid)
                    stand_ins.append(stand)
                    loaded.append(stand.path)
        # The files checked go last, so a duplicate of anything else is reported on their side.
        report = build_catalog([*shipped, *others, *loaded], trusted=shipped)
        mine = {p.resolve() for p in loaded}
        in_deck_folder = {p.resolve() for p in others}
        issues.extend(
            _with_import_hint(_at_source(i, report, stand_ins), report, in_deck_folder)
            for i in report.issues
            if i.path.resolve() in mine
        )
        counts = {kind: 0 for kind in CONTENT_KINDS}
        for (kind, _key), origin in report.catalog.origins.items():
            if origin.path.resolve() in mine:
                counts[kind] += 1
    issues.sort(key=lambda i: (str(i.path), i.line or 0, i.field))
    return DeckCheck(files, issues, counts, left_out)


def _with_import_hint(
    issue: ContentIssue, report: CatalogReport, in_deck_folder: set[Path]
) -> ContentIssue:
    """A duplicate id first defined by a deck already imported: most often the file checked is
    that deck's source, checked again after an edit, so say how to update the deck with it."""
    found = re.fullmatch(r"(\w+)\[(.+)\]\.id", issue.field)
    if not found or not issue.message.startswith("duplicate id"):
        return issue
    first = report.catalog.origins.get((found.group(1), found.group(2)))
    if first is None or first.path.resolve() not in in_deck_folder:
        return issue
    hint = (
        f" (your imported deck {first.path.stem!r}; if this file is its source, "
        f"`mlcoach deck import {issue.path.name} --name {first.path.stem} --replace` updates it)"
    )
    return ContentIssue(issue.path, issue.line, issue.field, issue.message + hint)


def _read_entries(path: Path) -> tuple[list[SourceEntry], list[ContentIssue]]:
    """`read_source`, with a file that cannot be read as one problem of that file."""
    try:
        return read_source(path)
    except MlcoachError as exc:
        return [], [ContentIssue(path, None, "", str(exc).removeprefix(f"{path}: "))]


def import_deck(
    source: Path,
    deck_dir: Path,
    *,
    name: str | None = None,
    replace: bool = False,
    shared: Sequence[Path] = (),
) -> ImportResult:
    """Read, check and write ``source`` as ``deck_dir/NAME.yaml``; nothing is written on error.

    ``shared``: other content folders the deck will be practised with (a team server's own deck
    folder), checked against like the shipped curriculum."""
    stem = name or deck_name(source.stem)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", stem):
        raise ContentError(
            f"deck name {stem!r}: use letters, digits, '-', '_' and '.' only "
            f"(for example {deck_name(stem)!r})"
        )
    target = deck_dir / f"{stem.removesuffix('.yaml')}.yaml"
    existed = target.exists()
    if existed and not replace:
        raise ContentError(
            f"{target} already exists; add --replace to overwrite it or --name to import beside it"
        )
    entries, issues = read_source(source)
    if not entries and not issues:
        issues.append(ContentIssue(source, 1, "", "the deck has no questions"))
    valid, schema_issues = validate_entries(entries, source)
    issues.extend(schema_issues)
    if valid:
        issues.extend(_cross_check(valid, source, deck_dir, target, shared))
    if issues:
        issues.sort(key=lambda i: (i.line or 0, i.field))
        raise DeckImportError(issues)

    questions = [q for q, _ in valid]
    text = deck_yaml(questions, source)
    try:
        deck_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(target)
    except OSError as exc:
        raise ContentError(f"cannot write {target}: {exc.strerror}") from None
    _items, written_issues = read_file(target)
    if written_issues:  # pragma: no cover - the same text passed the check above
        raise ContentError(f"the written deck does not load: {written_issues[0]}")
    return ImportResult(source, target, questions, existed)
