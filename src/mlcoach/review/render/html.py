"""The report as one self-contained HTML page: inline CSS, no scripts, no external assets, and
everything that comes from the submission escaped (Jinja2 autoescape)."""

from __future__ import annotations

from importlib.resources import files

from jinja2 import Environment, select_autoescape

from mlcoach.review.models import Report
from mlcoach.review.render.common import SEVERITY_LABEL, score_text, sections, summary_line

_ENVIRONMENT = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def render_html(report: Report) -> str:
    source = files("mlcoach.review.render").joinpath("report.html.j2").read_text(encoding="utf-8")
    template = _ENVIRONMENT.from_string(source)
    page = template.render(
        report=report,
        sections=sections(report),
        summary=summary_line(report),
        severity_label=SEVERITY_LABEL,
        score_text=score_text,
        sources=[f.path for f in report.files if f.kind in ("notebook", "script")],
    )
    return page.rstrip() + "\n"
