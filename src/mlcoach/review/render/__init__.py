"""Reports in the formats `mlcoach review --format` offers: terminal text, Markdown, a
self-contained HTML page, JSON (schema in `mlcoach.review.models`) and SARIF 2.1.0."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the models import pydantic; `mlcoach review --help` does not need them
    from mlcoach.review.models import Report

FORMATS = ("terminal", "markdown", "html", "json", "sarif")
SUFFIXES = {
    "terminal": ".txt",
    "markdown": ".md",
    "html": ".html",
    "json": ".json",
    "sarif": ".sarif",
}


def render(report: Report, format: str) -> str:
    """The report as text in ``format`` (one of FORMATS)."""
    if format == "json":
        return report.model_dump_json(indent=2) + "\n"
    if format == "markdown":
        from mlcoach.review.render.markdown import render_markdown

        return render_markdown(report)
    if format == "html":
        from mlcoach.review.render.html import render_html

        return render_html(report)
    if format == "sarif":
        from mlcoach.review.render.sarif import render_sarif

        return render_sarif(report)
    if format == "terminal":
        from mlcoach.review.render.terminal import render_text

        return render_text(report)
    raise ValueError(f"unknown report format {format!r}; choose one of {', '.join(FORMATS)}")
