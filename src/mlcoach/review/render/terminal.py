"""The report for a terminal, with Rich."""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mlcoach.review.models import Finding, Report
from mlcoach.review.render.common import SEVERITY_LABEL, score_text, sections, summary_line

STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def _finding(finding: Finding) -> RenderableType:
    head = Text.assemble(
        (f"[{SEVERITY_LABEL[finding.severity]}]", STYLE[finding.severity]),
        " ",
        (finding.title, "bold"),
        "  ",
        (str(finding.location), "underline"),
        "  ",
        (finding.id, "dim"),
    )
    body = Table.grid(padding=(0, 1))
    body.add_column(style="bold", no_wrap=True)
    body.add_column()
    if finding.code:
        body.add_row("code", Text(finding.code, style="italic"))
    body.add_row("seen", escape(finding.seen))
    body.add_row("why", escape(finding.why))
    body.add_row("fix", escape(finding.fix))
    if finding.related:
        body.add_row("also", escape(", ".join(str(r) for r in finding.related)))
    return Group(head, Panel(body, border_style=STYLE[finding.severity], padding=(0, 1)))


def renderables(report: Report) -> list[RenderableType]:
    out: list[RenderableType] = []
    files = ", ".join(f.path for f in report.files if f.kind in ("notebook", "script"))
    scores = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    scores.add_column("objective")
    scores.add_column("score", justify="right")
    scores.add_column("findings", justify="right")
    for objective in report.objectives:
        scores.add_row(objective.title, score_text(objective), str(len(objective.findings)))
    out.append(
        Panel(
            Group(Text(f"Reviewed: {files}"), Text(summary_line(report)), Text(""), scores),
            title=f"mlcoach review: {escape(report.submission)}",
            border_style="cyan",
        )
    )
    for section in sections(report):
        if not section.findings:
            continue
        out.append(
            Text(
                f"\n{section.objective.title} — {score_text(section.objective)}",
                style="bold underline",
            )
        )
        out.extend(_finding(f) for f in section.findings)
    for run in report.execution:
        state = (
            f"failed at cell {run.failed_cell}: {run.error}"
            if run.failed_cell
            else "ran to the end"
        )
        out.append(
            Text(f"\nExecution of {run.notebook}: {state} in {run.seconds:g} s ({run.sandbox})")
        )
        for claim in run.claims:
            printed = ", ".join(f"{v:g}" for v in claim.printed) or "nothing"
            out.append(
                Text(
                    f"  {claim.status}: {claim.metric} {claim.claimed} at {claim.location} (printed {printed})"
                )
            )
    if report.notes:
        out.append(Text("\nNotes", style="bold"))
        out.extend(Text(f"  - {note}") for note in report.notes)
    return out


def render_text(report: Report, width: int = 100) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, color_system=None, highlight=False, force_terminal=False
    )
    for item in renderables(report):
        console.print(item)
    return buffer.getvalue()
