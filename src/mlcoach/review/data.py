"""The submission's own data: CSV files read (bounded) for class balance and value ranges, and
class counts printed by `value_counts()` in a notebook's saved outputs."""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from mlcoach.review.flow import Flow
from mlcoach.review.intake import Submission
from mlcoach.review.sources import Unit

MISSING = frozenset({"", "na", "nan", "null", "none", "?", "n/a", "#n/a", "-"})
MISSING_CODES = frozenset({0.0, -1.0, -9.0, -99.0, -999.0, 999.0, 9999.0, 99999.0})
MAX_DISTINCT = 50


@dataclass
class ColumnProfile:
    name: str
    present: int = 0
    missing: int = 0
    minimum: float | None = None
    maximum: float | None = None
    numeric: bool = True
    counts: Counter[str] | None = field(default_factory=Counter)
    # codes that often stand for "missing": how often each appears, and the range of the rest
    codes: Counter[float] = field(default_factory=Counter)
    rest_minimum: float | None = None
    rest_maximum: float | None = None

    def add(self, raw: str) -> None:
        value = raw.strip()
        if value.lower() in MISSING:
            self.missing += 1
            return
        self.present += 1
        if self.counts is not None:
            self.counts[value] += 1
            if len(self.counts) > MAX_DISTINCT:
                self.counts = None
        if self.numeric:
            try:
                number = float(value)
            except ValueError:
                self.numeric = False
                return
            if math.isnan(number):
                return
            self.minimum = number if self.minimum is None else min(self.minimum, number)
            self.maximum = number if self.maximum is None else max(self.maximum, number)
            if number in MISSING_CODES:
                self.codes[number] += 1
            else:
                low, high = self.rest_minimum, self.rest_maximum
                self.rest_minimum = number if low is None else min(low, number)
                self.rest_maximum = number if high is None else max(high, number)

    def disguised(self) -> list[tuple[float, int]]:
        """(code, count) for values that look like missing-value codes here: -1/-9/-99/-999 in a
        column that is otherwise never negative, 999/9999/99999 far above every other value."""
        found: list[tuple[float, int]] = []
        low, high = self.rest_minimum, self.rest_maximum
        if low is None or high is None:
            return found
        for code, count in sorted(self.codes.items()):
            if code == 0:
                continue
            if (code < 0 and low >= 0) or (code >= 999 and high * 5 < code):
                found.append((code, count))
        return found


@dataclass
class DataProfile:
    path: Path
    rows: int
    columns: dict[str, ColumnProfile]
    duplicates: int = 0  # rows identical to an earlier row


def profile_csv(path: Path, max_bytes: int, max_rows: int) -> DataProfile | None:
    """Column ranges and small value counts of a CSV, or None when it cannot be read as one."""
    try:
        if path.stat().st_size > max_bytes:
            return None
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            sample = handle.read(64 * 1024)
            handle.seek(0)
            delimiter = "\t" if path.suffix.lower() == ".tsv" else _delimiter(sample)
            reader = csv.reader(handle, delimiter=delimiter)
            header = next(reader, None)
            if not header:
                return None
            columns = [ColumnProfile(name.strip()) for name in header]
            rows = 0
            seen: set[int] = set()
            duplicates = 0
            for row in reader:
                rows += 1
                if rows > max_rows:
                    break
                key = hash(tuple(value.strip() for value in row))
                if key in seen:
                    duplicates += 1
                else:
                    seen.add(key)
                for column, raw in zip(columns, row, strict=False):
                    column.add(raw)
    except (OSError, csv.Error, UnicodeError):
        return None
    return DataProfile(path, min(rows, max_rows), {c.name: c for c in columns}, duplicates)


def _delimiter(sample: str) -> str:
    first = sample.splitlines()[0] if sample else ""
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


class DataFiles:
    """The data files a program reads, resolved inside the submission and profiled once."""

    def __init__(self, submission: Submission, max_bytes: int, max_rows: int) -> None:
        self.submission = submission
        self.max_bytes = max_bytes
        self.max_rows = max_rows
        self._profiles: dict[Path, DataProfile | None] = {}

    def resolve(self, unit: Unit, written: str) -> Path | None:
        """The file a path written in the code refers to, if it is part of the submission."""
        root = self.submission.root.resolve()
        cleaned = written.strip().replace("\\", "/")
        candidates = []
        if not cleaned.startswith(("/", "~")) and not re.match(r"^[A-Za-z]:", cleaned):
            candidates += [unit.path.parent / cleaned, root / cleaned]
        name = cleaned.rsplit("/", 1)[-1]
        candidates += [f for f in self.submission.data_files if f.name == name]
        for candidate in candidates:
            try:
                resolved = candidate.resolve()
            except OSError:
                continue
            if (resolved == root or root in resolved.parents) and resolved.is_file():
                return resolved
        return None

    def profile(self, path: Path) -> DataProfile | None:
        if path not in self._profiles:
            if path.suffix.lower() not in (".csv", ".tsv", ".txt", ".data"):
                self._profiles[path] = None
            else:
                self._profiles[path] = profile_csv(path, self.max_bytes, self.max_rows)
        return self._profiles[path]

    def for_origins(self, unit: Unit, flow: Flow, origins: frozenset[int]) -> list[DataProfile]:
        profiles = []
        for origin_id in sorted(origins):
            origin = flow.origins.get(origin_id)
            if origin is None or not origin.file:
                continue
            path = self.resolve(unit, origin.file)
            profile = self.profile(path) if path else None
            if profile is not None:
                profiles.append(profile)
        return profiles


def column_pairs(
    path: Path, a: str, b: str, max_bytes: int, max_rows: int
) -> list[tuple[str, str]]:
    """The values of columns ``a`` and ``b`` row by row (bounded), or [] when unreadable."""
    try:
        if path.stat().st_size > max_bytes:
            return []
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            sample = handle.read(64 * 1024)
            handle.seek(0)
            delimiter = "\t" if path.suffix.lower() == ".tsv" else _delimiter(sample)
            reader = csv.reader(handle, delimiter=delimiter)
            header = [name.strip() for name in next(reader, [])]
            if a not in header or b not in header:
                return []
            i, j = header.index(a), header.index(b)
            pairs = []
            for number, row in enumerate(reader):
                if number >= max_rows:
                    break
                if len(row) > max(i, j):
                    pairs.append((row[i].strip(), row[j].strip()))
            return pairs
    except (OSError, csv.Error, UnicodeError):
        return []


def bins(pairs: list[tuple[str, str]]) -> bool:
    """Whether the categories (first value) cut the numbers (second value) into disjoint ranges:
    the category was computed from the number (a letter grade from the score)."""
    ranges: dict[str, tuple[float, float]] = {}
    for category, raw in pairs:
        try:
            number = float(raw)
        except ValueError:
            continue
        if math.isnan(number) or not category:
            continue
        low, high = ranges.get(category, (number, number))
        ranges[category] = (min(low, number), max(high, number))
    if not 2 <= len(ranges) <= MAX_BINS:
        return False
    ordered = sorted(ranges.values())
    return all(before[1] < after[0] for before, after in itertools.pairwise(ordered))


MAX_BINS = 20
_COUNT_LINE = re.compile(r"^\s*(\S(?:.*?\S)?)\s{2,}(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$")
_COLUMN_IN_SOURCE = re.compile(
    r"""\[\s*(['"])([^'"]+)\1\s*\]\s*\.value_counts|\.(\w+)\.value_counts"""
)


def printed_value_counts(unit: Unit) -> list[tuple[str | None, dict[str, float]]]:
    """(column, counts) for each saved `value_counts()` output of a notebook."""
    found: list[tuple[str | None, dict[str, float]]] = []
    for chunk in unit.chunks:
        if "value_counts" not in chunk.source:
            continue
        match = _COLUMN_IN_SOURCE.search(chunk.source)
        column = (match.group(2) or match.group(3)) if match else None
        for output in chunk.outputs:
            text = output.get("text")
            if text is None:
                text = (output.get("data") or {}).get("text/plain")
            if isinstance(text, list):
                text = "".join(text)
            if not isinstance(text, str):
                continue
            counts = parse_counts(text)
            if len(counts) >= 2:
                found.append((column, counts))
    return found


def parse_counts(text: str) -> dict[str, float]:
    counts: dict[str, float] = {}
    for line in io.StringIO(text):
        if line.startswith(("Name:", "dtype", "Length:")):
            continue
        match = _COUNT_LINE.match(line.rstrip("\n"))
        if match:
            counts[match.group(1)] = float(match.group(2))
    return counts


def imbalance_ratio(counts: dict[str, float] | Counter[str]) -> float | None:
    values = [float(v) for v in counts.values() if float(v) > 0]
    if len(values) < 2 or len(values) > MAX_DISTINCT:
        return None
    return max(values) / min(values)
