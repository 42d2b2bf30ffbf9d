"""The report as Markdown (for a pull request, an issue or a hiring team's notes)."""

from __future__ import annotations

import re

from mlcoach.review.models import Finding, Report
from mlcoach.review.render.common import SEVERITY_LABEL, score_text, sections, summary_line


def _escape(text: str) -> str:
    """Text from the submission must not turn into Markdown structure or HTML."""
    out = text.replace("\\", "\\\\")
    for char in "`*_[]<>|#":
        out = out.replace(char, "\\" + char)
    return out.replace("\n", " ")


def _code(text: str) -> str:
    """An inline code span that no backtick in ``text`` can close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""
    return f"{fence}{pad}{text.replace(chr(10), ' ')}{pad}{fence}"


def _finding(finding: Finding) -> list[str]:
    lines = [
        f"#### {SEVERITY_LABEL[finding.severity]}: {_escape(finding.title)}",
        "",
        f"- **Where:** {_code(str(finding.location))} (`{finding.id}`)",
    ]
    if finding.code:
        lines.append(f"- **Code:** {_code(finding.code)}")
    lines += [
        f"- **Seen:** {_escape(finding.seen)}",
        f"- **Why it matters:** {_escape(finding.why)}",
        f"- **Fix:** {_escape(finding.fix)}",
    ]
    if finding.related:
        lines.append("- **Also involved:** " + ", ".join(_code(str(r)) for r in finding.related))
    return [*lines, ""]


def render_markdown(report: Report) -> str:
    files = ", ".join(_code(f.path) for f in report.files if f.kind in ("notebook", "script"))
    lines = [
        f"# Review of {_escape(report.submission)}",
        "",
        f"Reviewed {files} with {report.tool} {report.tool_version} on {report.reviewed_at}. "
        + summary_line(report),
        "",
        "| Objective | Score | Findings |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {o.title} | {score_text(o)} | {len(o.findings)} |" for o in report.objectives]
    lines.append("")
    for section in sections(report):
        if not section.findings:
            continue
        lines += [f"## {section.objective.title} ({score_text(section.objective)})", ""]
        for finding in section.findings:
            lines += _finding(finding)
    for run in report.execution:
        lines += [f"## Execution of {_code(run.notebook or '')}", ""]
        state = (
            f"stopped at cell {run.failed_cell}: {_escape(run.error or '')}"
            if run.failed_cell
            else "ran to the end"
        )
        lines += [f"The notebook {state} in {run.seconds:g} s (sandbox: {run.sandbox}).", ""]
        if run.claims:
            lines += ["| Claim | Where | Printed now | Status |", "| --- | --- | --- | --- |"]
            for claim in run.claims:
                printed = ", ".join(f"{v:g}" for v in claim.printed) or "—"
                lines.append(
                    f"| {claim.metric} {_escape(claim.claimed)} | `{claim.location}` | {printed} | {claim.status} |"
                )
            lines.append("")
    if report.notes:
        lines += ["## Notes", ""] + [f"- {_escape(n)}" for n in report.notes] + [""]
    return "\n".join(lines).rstrip() + "\n"
