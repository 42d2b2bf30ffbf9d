"""What every report format shows, in the same order."""

from __future__ import annotations

from dataclasses import dataclass

from mlcoach.review.models import Finding, ObjectiveScore, Report

SEVERITY_LABEL = {"high": "HIGH", "medium": "MEDIUM", "low": "LOW", "info": "INFO"}


@dataclass
class Section:
    objective: ObjectiveScore
    findings: list[Finding]


def sections(report: Report) -> list[Section]:
    """Findings grouped under the objective they count against, worst first."""
    out = []
    for objective in report.objectives:
        findings = [report.findings[i] for i in objective.findings if i < len(report.findings)]
        findings.sort(key=lambda f: -f.rank)
        out.append(Section(objective, findings))
    return out


def summary_line(report: Report) -> str:
    counts = report.count_by_severity()
    parts = [
        f"{n} {severity}"
        for severity, n in sorted(counts.items(), key=lambda kv: -_rank(kv[0]))
        if n
    ]
    total = len(report.findings)
    if not total:
        return "No findings."
    return f"{total} finding{'s' if total != 1 else ''}: " + ", ".join(parts) + "."


def _rank(severity: str) -> int:
    return {"info": 0, "low": 1, "medium": 2, "high": 3}[severity]


def score_text(objective: ObjectiveScore) -> str:
    return f"{objective.score:g}/{objective.max_score:g}"
