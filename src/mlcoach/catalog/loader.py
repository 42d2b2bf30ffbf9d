"""Reading content files: YAML with every value traced back to its file and line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from mlcoach.catalog.models import CONTENT_KINDS

# libyaml's loader is several times faster and keeps the same line marks.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FILE_BYTES = 5 * 1024 * 1024
CONTENT_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ContentIssue:
    """One problem in a content file, pointing at the file, line and field."""

    path: Path
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass(frozen=True)
class Origin:
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class LoadedItem:
    kind: str
    item: BaseModel
    origin: Origin
    node: yaml.Node


def content_files(root: Path) -> list[Path]:
    """The content files below a folder (or the file itself), in a stable order."""
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.suffix in CONTENT_SUFFIXES and p.is_file())


def line_of(node: yaml.Node, loc: Iterable[int | str]) -> int:
    """The 1-based line of the value at ``loc`` inside ``node``, or of its nearest existing parent."""
    current = node
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if key_node.value == part:
                    child = value_node
                    break
        elif (
            isinstance(current, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(current.value)
        ):
            child = current.value[part]
        if child is None:
            break
        current = child
    return int(current.start_mark.line) + 1


def field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def describe_error(error: ErrorDetails) -> str:
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        return "unknown field (check its spelling against docs/content.md)"
    if error["type"] == "missing":
        return "required field is missing"
    return message.removeprefix("Value error, ")


def parse_yaml(text: str, path: Path) -> tuple[yaml.Node | None, Any] | ContentIssue:
    """The YAML document as a node tree (for line numbers) and as data, or why it is not YAML."""
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return ContentIssue(path, line, "", f"invalid YAML: {exc.problem or exc.context}")
    except yaml.YAMLError as exc:
        return ContentIssue(path, None, "", f"invalid YAML: {exc}")
    return root, data


def read_file(path: Path) -> tuple[list[LoadedItem], list[ContentIssue]]:
    """Parse and validate one content file; every problem found is returned, not raised."""
    issues: list[ContentIssue] = []
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return [], [
                ContentIssue(path, None, "", f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")
            ]
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [], [ContentIssue(path, None, "", "file is not UTF-8 text")]
    except OSError as exc:
        return [], [ContentIssue(path, None, "", f"cannot read file: {exc.strerror}")]

    parsed = parse_yaml(text, path)
    if isinstance(parsed, ContentIssue):
        return [], [parsed]
    root, data = parsed
    if root is None or data is None:
        return [], [ContentIssue(path, 1, "", "file is empty")]
    if not isinstance(data, dict):
        kinds = ", ".join(CONTENT_KINDS)
        return [], [ContentIssue(path, 1, "", f"expected a mapping with one of the keys: {kinds}")]

    items: list[LoadedItem] = []
    for key, value in data.items():
        model = CONTENT_KINDS.get(str(key))
        if model is None:
            kinds = ", ".join(CONTENT_KINDS)
            issues.append(
                ContentIssue(
                    path,
                    line_of(root, [key]),
                    str(key),
                    f"unknown section (expected one of: {kinds})",
                )
            )
            continue
        if not isinstance(value, list):
            issues.append(ContentIssue(path, line_of(root, [key]), str(key), "expected a list"))
            continue
        for index, raw in enumerate(value):
            item_node = _child(root, key, index)
            try:
                item = model.model_validate(raw)
            except ValidationError as exc:
                for error in exc.errors():
                    loc = (key, index, *error["loc"])
                    label = _item_label(raw, key, index)
                    issues.append(
                        ContentIssue(
                            path,
                            line_of(root, loc),
                            f"{label}.{field_path(tuple(error['loc']))}".rstrip("."),
                            describe_error(error),
                        )
                    )
                continue
            items.append(
                LoadedItem(str(key), item, Origin(path, item_node.start_mark.line + 1), item_node)
            )
    return items, issues


def _child(root: yaml.Node, key: str, index: int) -> yaml.Node:
    for key_node, value_node in root.value:
        if key_node.value == key:
            return value_node.value[index]  # type: ignore[no-any-return]
    raise KeyError(key)  # pragma: no cover - the key came from this node


def _item_label(raw: Any, key: str, index: int) -> str:
    if isinstance(raw, dict):
        ident = raw.get("id") or raw.get("slug")
        if isinstance(ident, str) and ident:
            return f"{key}[{ident}]"
    return f"{key}[{index}]"


def read_all(roots: Iterable[Path]) -> Iterator[tuple[Path, list[LoadedItem], list[ContentIssue]]]:
    for root in roots:
        if not root.exists():
            yield root, [], [ContentIssue(root, None, "", "no such file or folder")]
            continue
        for path in content_files(root):
            items, issues = read_file(path)
            yield path, items, issues
