"""Notebooks and scripts as code the analysis can walk, with every line traceable to its cell.

A notebook becomes a list of chunks, one per code cell, each parsed on its own so that one broken
cell does not hide the others. IPython syntax (`%magic`, `!shell`, `x = !cmd`, `obj?`) is replaced by
`pass` (or `x = None`) on the same line, so line numbers stay those the author sees.
"""

from __future__ import annotations

import ast
import functools
import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import nbformat

from mlcoach.review.errors import InvalidNotebookError, UnsupportedSubmissionError

# Cell magics whose body is still Python.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "skip"})
_MAGIC_ASSIGN = re.compile(r"^(\s*)([\w.,\s\[\]()]+?)\s*=\s*[!%]")
_HELP = re.compile(r"^\s*(\?\??[\w.]+|[\w.]+\?\??)\s*$")


@dataclass
class Chunk:
    """One code cell (or a whole script) and its parse."""

    unit: Unit
    cell: int | None  # 1-based among all cells of the notebook; None for a script
    source: str
    code: str  # the source with IPython syntax blanked out
    tree: ast.Module | None
    syntax_error: str | None = None
    magics: list[str] = field(default_factory=list)  # the IPython lines that were blanked
    execution_count: int | None = None
    outputs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return self.source.splitlines()

    @functools.cached_property
    def nodes(self) -> list[ast.AST]:
        """Every node of the parse, walked once and shared by the checks."""
        return list(ast.walk(self.tree)) if self.tree is not None else []

    def line_text(self, line: int | None) -> str | None:
        if line is None:
            return None
        lines = self.lines
        if 1 <= line <= len(lines):
            return lines[line - 1].strip() or None
        return None


@dataclass
class MarkdownCell:
    cell: int
    text: str


@dataclass
class Unit:
    """A notebook or a script: one program for the analysis."""

    path: Path
    rel: str  # path relative to the submission root, as shown in findings
    kind: Literal["notebook", "script"]
    chunks: list[Chunk] = field(default_factory=list)
    markdown: list[MarkdownCell] = field(default_factory=list)
    cell_count: int = 0
    notebook: Any = None  # the nbformat NotebookNode
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_notebook(self) -> bool:
        return self.kind == "notebook"

    def chunk_for_cell(self, cell: int | None) -> Chunk | None:
        for chunk in self.chunks:
            if chunk.cell == cell:
                return chunk
        return None

    def line_count(self) -> int:
        return sum(len(c.lines) for c in self.chunks)


def blank_ipython(source: str) -> tuple[str, list[str]]:
    """``source`` with IPython-only lines replaced by Python of the same line count."""
    lines = source.split("\n")
    magics: list[str] = []
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        name = first[2:].split(maxsplit=1)[0] if len(first) > 2 else ""
        magics.append(first)
        if name not in PYTHON_CELL_MAGICS:
            magics.extend(lines[1:])
            return "\n".join("" for _ in lines), magics
        lines[0] = ""
    out: list[str] = []
    continuing = False
    for line in lines:
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if continuing:
            magics.append(line)
            out.append("")
            continuing = line.rstrip().endswith("\\")
            continue
        assign = _MAGIC_ASSIGN.match(line)
        if stripped.startswith(("%", "!")) and not stripped.startswith(("!=", "%=")):
            magics.append(stripped)
            out.append(indent + "pass")
            continuing = line.rstrip().endswith("\\")
        elif assign and not re.match(r"^\s*[\w.]+\s*=\s*!=", line):
            magics.append(stripped)
            out.append(f"{assign.group(1)}{assign.group(2)} = None")
            continuing = line.rstrip().endswith("\\")
        elif _HELP.match(line):
            magics.append(stripped)
            out.append(indent + "pass")
        else:
            out.append(line)
    return "\n".join(out), magics


def _parse(code: str) -> tuple[ast.Module | None, str | None]:
    try:
        return ast.parse(code), None
    except SyntaxError as exc:
        return None, f"line {exc.lineno}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, str(exc)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return "" if value is None else str(value)


def _repair(data: dict[str, Any]) -> dict[str, Any]:
    """Fill in the fields nbformat requires but some tools leave out."""
    data.setdefault("metadata", {})
    data.setdefault("nbformat_minor", 0)
    for cell in data.get("cells", []):
        if not isinstance(cell, dict):
            continue
        cell.setdefault("metadata", {})
        cell.setdefault("source", "")
        if cell.get("cell_type") == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
    return data


def read_notebook(path: Path, rel: str) -> Any:
    """The notebook at ``path`` as an nbformat v4 NotebookNode, or a one-line error."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidNotebookError(f"{rel}: not a notebook: the file is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidNotebookError(
            f"{rel}: not a notebook: invalid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})"
        ) from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise InvalidNotebookError(f"{rel}: not a notebook: JSON without an 'nbformat' version")
    version = data.get("nbformat")
    if not isinstance(version, int) or version not in (3, 4):
        raise InvalidNotebookError(
            f"{rel}: not a notebook mlcoach can read: nbformat version {version!r} "
            "(versions 3 and 4 are supported)"
        )
    if version == 4 and not isinstance(data.get("cells"), list):
        raise InvalidNotebookError(f"{rel}: not a notebook: it has no list of cells")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # missing cell ids and similar: not the author's problem
            return nbformat.reads(text, as_version=4)  # type: ignore[no-untyped-call]
    except nbformat.ValidationError:
        pass
    except Exception as exc:  # nbformat raises many kinds for malformed structure
        raise InvalidNotebookError(f"{rel}: not a valid notebook: {_one_line(exc)}") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return nbformat.reads(json.dumps(_repair(data)), as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:
        raise InvalidNotebookError(f"{rel}: not a valid notebook: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def load_notebook(path: Path, rel: str) -> Unit:
    notebook = read_notebook(path, rel)
    unit = Unit(path=path, rel=rel, kind="notebook", notebook=notebook)
    cells = notebook.get("cells", [])
    unit.cell_count = len(cells)
    for index, cell in enumerate(cells, start=1):
        kind = cell.get("cell_type")
        source = _text(cell.get("source"))
        if kind == "markdown":
            unit.markdown.append(MarkdownCell(cell=index, text=source))
        elif kind == "code":
            code, magics = blank_ipython(source)
            tree, error = _parse(code)
            outputs = joined_streams(
                [dict(o) for o in cell.get("outputs", []) if isinstance(o, dict)]
            )
            count = cell.get("execution_count")
            unit.chunks.append(
                Chunk(
                    unit=unit,
                    cell=index,
                    source=source,
                    code=code,
                    tree=tree,
                    syntax_error=error,
                    magics=magics,
                    execution_count=count if isinstance(count, int) else None,
                    outputs=outputs,
                )
            )
    return unit


def load_script(path: Path, rel: str) -> Unit:
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise UnsupportedSubmissionError(f"{rel}: not a Python script: the file is binary")
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnsupportedSubmissionError(f"{rel}: not a Python script: not UTF-8 text") from None
    unit = Unit(path=path, rel=rel, kind="script")
    tree, error = _parse(source)
    unit.chunks.append(
        Chunk(unit=unit, cell=None, source=source, code=source, tree=tree, syntax_error=error)
    )
    return unit


_CELL_KEY = re.compile(r'^(\s*)"cell_type"\s*:')
_SOURCE_KEY = re.compile(r'^(\s*)"source"\s*:\s*(\[?)')


def notebook_line_map(text: str) -> dict[int, list[int]]:
    """For each cell (1-based), the line of the .ipynb file that holds each of its source lines.

    Works on the layout nbformat and Jupyter write (one JSON string per source line); a cell whose
    source is one string maps every line to the line of its "source" key.
    """
    lines = text.splitlines()
    indent: str | None = None
    mapping: dict[int, list[int]] = {}
    cell = 0
    number = 0
    while number < len(lines):
        line = lines[number]
        key = _CELL_KEY.match(line)
        if key and (indent is None or key.group(1) == indent):
            indent = key.group(1)
        source = _SOURCE_KEY.match(line)
        if source and indent is not None and source.group(1) == indent:
            cell += 1
            if source.group(2) == "[" and not line.rstrip().endswith("]"):
                rows: list[int] = []
                number += 1
                while number < len(lines) and not lines[number].strip().startswith("]"):
                    rows.append(number + 1)
                    number += 1
                mapping[cell] = rows
            else:
                mapping[cell] = [number + 1]
        number += 1
    return mapping


def _stream_text(output: dict[str, Any]) -> str:
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else str(text)


def joined_streams(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Outputs with each run of same-stream pieces joined into one.

    A kernel flushes stdout on a timer, so under load one print can reach the notebook as two
    outputs ("test accuracy" and " 0.875\n"); read apart, neither holds a metric and its value.
    """
    joined: list[dict[str, Any]] = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and output.get("output_type") == "stream"
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            joined[-1] = {**previous, "text": _stream_text(previous) + _stream_text(output)}
        else:
            joined.append(output)
    return joined
