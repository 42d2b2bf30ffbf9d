"""The review report: findings, objective scores and (with --execute) what running it showed.

JSON schema (``render(report, "json")``; ``schema_version`` changes only when a field is removed or
changes meaning, new fields may be added):

    {
      "schema_version": 1,
      "tool": "mlcoach review", "tool_version": "0.1.0",
      "submission": "churn",                 # the name of what was reviewed
      "reviewed_at": "2025-01-01T12:00:00+00:00",
      "files": [{"path": "analysis.ipynb", "kind": "notebook" | "script" | "environment" | "data"
                 | "readme", "cells": 12 | null, "lines": 140 | null}],
      "findings": [{
        "id": "leakage/preprocessing-before-split",       # see mlcoach.review.rules
        "severity": "high" | "medium" | "low" | "info",
        "objective": "model" | "results" | "detail" | "code",
        "title": "...",
        "location": {"file": "analysis.ipynb" | null, "cell": 5 | null, "line": 3 | null,
                     "file_line": 88 | null},            # the line in the .ipynb JSON itself
        "related": [<location>, ...],                    # other places involved (e.g. the line
                                                         # inside a helper function)
        "seen": "what was found, in this submission's words",
        "why": "why it matters", "fix": "how to fix it",
        "code": "the source line, when there is one" | null
      }],
      "objectives": [{"key": "model", "title": "...", "score": 3.5, "max_score": 5,
                      "findings": [0, 2]}],              # indexes into "findings"
      "execution": [{"notebook": "analysis.ipynb", "ran": true,   # empty without --execute
                     "sandbox": "bubblewrap: ..." | "resource limits only ...", "seconds": 4.2,
                     "failed_cell": 7 | null, "error": "KeyError: 'x'" | null,
                     "claims": [{"metric": "accuracy", "claimed": "0.91",
                                 "location": <location>, "printed": [0.874],
                                 "status": "reproduced" | "not-reproduced" | "not-printed"}]}],
      "notes": ["checks that were skipped, and why"]
    }

Cells are numbered from 1 among all cells of a notebook (Markdown included); lines from 1 within
the cell (or the file, for a script).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from mlcoach.review.rules import SEVERITY_RANK, Objective, Severity

SCHEMA_VERSION = 1
MAX_SCORE = 5.0


class Location(BaseModel):
    file: str | None = None
    cell: int | None = None
    line: int | None = None
    # the line in the file as stored: for a notebook, the line of the .ipynb JSON that holds this
    # source line (what code-scanning tools and editors show); for a script, the same as ``line``
    file_line: int | None = None

    def __str__(self) -> str:
        parts = [self.file or "(submission)"]
        if self.cell is not None:
            parts.append(f"cell {self.cell}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        return ":".join(parts)


class Finding(BaseModel):
    id: str
    severity: Severity
    objective: Objective
    title: str
    location: Location
    related: list[Location] = Field(default_factory=list)
    seen: str
    why: str
    fix: str
    code: str | None = None

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.severity]


class ReviewedFile(BaseModel):
    path: str
    kind: Literal["notebook", "script", "environment", "data", "readme"]
    cells: int | None = None
    lines: int | None = None


class ObjectiveScore(BaseModel):
    key: Objective
    title: str
    score: float
    max_score: float = MAX_SCORE
    findings: list[int] = Field(default_factory=list)


class ClaimCheck(BaseModel):
    metric: str
    claimed: str
    location: Location
    printed: list[float] = Field(default_factory=list)
    status: Literal["reproduced", "not-reproduced", "not-printed"]


class ExecutionResult(BaseModel):
    ran: bool
    sandbox: str
    seconds: float
    notebook: str | None = None
    failed_cell: int | None = None
    error: str | None = None
    claims: list[ClaimCheck] = Field(default_factory=list)


class Report(BaseModel):
    schema_version: int = SCHEMA_VERSION
    tool: str = "mlcoach review"
    tool_version: str
    submission: str
    reviewed_at: str
    files: list[ReviewedFile] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    objectives: list[ObjectiveScore] = Field(default_factory=list)
    execution: list[ExecutionResult] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    def worst_severity(self) -> Severity | None:
        if not self.findings:
            return None
        return max(self.findings, key=lambda f: f.rank).severity

    def has_finding_at_or_above(self, severity: Severity) -> bool:
        threshold = SEVERITY_RANK[severity]
        return any(f.rank >= threshold for f in self.findings)

    def count_by_severity(self) -> dict[str, int]:
        counts = {s: 0 for s in SEVERITY_RANK}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts
