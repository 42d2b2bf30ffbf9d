"""What the checks share: the submission's units and their dataflow, and how findings are made."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mlcoach.review.data import DataFiles
from mlcoach.review.flow import Flow, Where
from mlcoach.review.intake import Submission
from mlcoach.review.models import Finding, Location
from mlcoach.review.options import ReviewOptions
from mlcoach.review.rules import Severity, rule
from mlcoach.review.sources import Chunk, Unit
from mlcoach.review.values import Site


@dataclass
class ReviewContext:
    submission: Submission
    options: ReviewOptions
    units: list[Unit]
    flows: dict[str, Flow]
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _seen: set[tuple[str, str]] = field(default_factory=set)
    _data: DataFiles | None = None

    @property
    def data(self) -> DataFiles:
        """The submission's data files, each read once and shared by the checks."""
        if self._data is None:
            self._data = DataFiles(
                self.submission, self.options.max_data_bytes, self.options.max_data_rows
            )
        return self._data

    def unit(self, rel: str) -> Unit | None:
        for unit in self.units:
            if unit.rel == rel:
                return unit
        return None

    @property
    def main_unit(self) -> Unit:
        """The unit a whole-submission finding is reported against: the one that fits the most
        models (a notebook before a script), else the largest."""

        def weight(unit: Unit) -> tuple[int, int, int]:
            flow = self.flows.get(unit.rel)
            fits = len(flow.fits) if flow else 0
            return (fits, 1 if unit.is_notebook else 0, unit.line_count())

        return max(self.units, key=weight)

    def location(self, site: Site | None) -> Location:
        if site is None:
            return Location()
        file, cell, line = site
        return Location(file=file, cell=cell, line=line or None)

    def code_at(self, site: Site | None) -> str | None:
        if site is None:
            return None
        unit = self.unit(site[0])
        if unit is None:
            return None
        chunk = unit.chunk_for_cell(site[1])
        return chunk.line_text(site[2]) if chunk else None

    def add(
        self,
        finding_id: str,
        where: Site | Where | Location | None,
        seen: str,
        *,
        related: Iterable[Site | Location] = (),
        severity: Severity | None = None,
        why: str | None = None,
        fix: str | None = None,
    ) -> None:
        code = None
        if isinstance(where, Where):
            related = [*[where.site, *where.inner[:-1]][::-1], *related]
            site: Site | None = where.deepest
            location = self.location(site)
            code = self.code_at(site)
        elif isinstance(where, Location):
            location = where
        else:
            location = self.location(where)
            code = self.code_at(where)
        key = (finding_id, str(location))
        if key in self._seen:
            return
        self._seen.add(key)
        others = [item if isinstance(item, Location) else self.location(item) for item in related]
        self.findings.append(
            make_finding(
                finding_id,
                location,
                seen,
                related=others,
                severity=severity,
                why=why,
                fix=fix,
                code=code,
            )
        )

    def whole(self, unit: Unit | None = None) -> Location:
        """The location of a finding about the whole submission (or one unit)."""
        return Location(file=(unit or self.main_unit).rel)

    def narrative(self) -> str:
        parts = [md.text for unit in self.units for md in unit.markdown]
        for readme in self.submission.readmes:
            text = read_text(readme, self.options.max_file_bytes)
            if text:
                parts.append(text)
        return "\n\n".join(parts)


def make_finding(
    finding_id: str,
    location: Location,
    seen: str,
    *,
    related: Iterable[Location] = (),
    severity: Severity | None = None,
    why: str | None = None,
    fix: str | None = None,
    code: str | None = None,
) -> Finding:
    """A finding of ``finding_id`` (a contract id) with the rule's defaults filled in."""
    spec = rule(finding_id)
    others: list[Location] = []
    for other in related:
        if str(other) != str(location) and all(str(other) != str(o) for o in others):
            others.append(other)
    return Finding(
        id=finding_id,
        severity=severity or spec.severity,
        objective=spec.objective,
        title=spec.title,
        location=location,
        related=others,
        seen=seen,
        why=why or spec.why,
        fix=fix or spec.fix,
        code=code,
    )


def describe(site: Site) -> str:
    file, cell, line = site
    if cell is not None:
        return f"cell {cell}, line {line}"
    return f"{file} line {line}"


def read_text(path: Path, limit: int) -> str:
    try:
        if path.stat().st_size > limit:
            return ""
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def nodes_in_order(unit: Unit) -> Iterator[tuple[Chunk, ast.AST]]:
    """Every AST node of the unit, chunk by chunk."""
    for chunk in unit.chunks:
        for node in chunk.nodes:
            yield chunk, node


def import_aliases(unit: Unit) -> dict[str, str]:
    """Local name -> dotted name it refers to, from the unit's imports."""
    if "aliases" in unit.cache:
        return unit.cache["aliases"]  # type: ignore[no-any-return]
    aliases: dict[str, str] = {}
    for _chunk, node in nodes_in_order(unit):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    unit.cache["aliases"] = aliases
    return aliases


def dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def call_name(call: ast.Call, aliases: dict[str, str]) -> str | None:
    """The dotted name a call refers to, with import aliases resolved (``np.random.seed``)."""
    name = dotted(call.func)
    if name is None:
        if isinstance(call.func, ast.Attribute):
            return "." + call.func.attr  # a method on an expression: df.dropna().sample(...)
        return None
    head, _, rest = name.partition(".")
    if head in aliases:
        return aliases[head] + ("." + rest if rest else "")
    return name
