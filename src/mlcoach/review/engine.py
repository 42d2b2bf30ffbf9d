"""Reviewing a submission: read it, analyse each program, run the checks, score the objectives."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from mlcoach import __version__
from mlcoach.review.check_code import check_code
from mlcoach.review.check_data import check_data
from mlcoach.review.check_model import check_model
from mlcoach.review.check_results import check_results
from mlcoach.review.context import ReviewContext
from mlcoach.review.flow import Flow, ModuleResolver, analyse
from mlcoach.review.intake import Submission, open_submission
from mlcoach.review.models import (
    MAX_SCORE,
    Finding,
    ObjectiveScore,
    Report,
    ReviewedFile,
)
from mlcoach.review.options import ReviewOptions
from mlcoach.review.rules import OBJECTIVES, SEVERITY_RANK
from mlcoach.review.sources import Unit, load_notebook, load_script, notebook_line_map

# How much one finding of each severity takes off its objective's score of 5.
PENALTY = {"high": 2.0, "medium": 1.0, "low": 0.5, "info": 0.0}


def review_path(
    path: str | Path, *, execute: bool = False, options: ReviewOptions | None = None
) -> Report:
    """Review the notebook, script, zip or folder at ``path``.

    Raises a `ReviewError` (an `MlcoachError`) with a one-line message when the path cannot be
    reviewed: missing, too large, an unsafe zip, an invalid notebook, nothing to review.
    """
    options = options or ReviewOptions()
    with open_submission(Path(path), options) as submission:
        report = review_submission(submission, options)
        if execute:
            from mlcoach.review.execute import execute_submission

            execute_submission(submission, report, options)
            report.objectives = score(report.findings, reviewed=report_reviewed(report))
    return report


def load_units(submission: Submission) -> list[Unit]:
    units: list[Unit] = []
    for path in submission.notebooks:
        units.append(load_notebook(path, submission.relative(path)))
    for path in submission.scripts:
        units.append(load_script(path, submission.relative(path)))
    return units


def analyse_units(units: list[Unit]) -> dict[str, Flow]:
    scripts: dict[str, Unit] = {}
    for unit in units:
        if unit.is_notebook:
            continue
        # by file name ("data") and by dotted path from the submission root ("src.data")
        dotted = unit.rel.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        scripts.setdefault(unit.path.stem, unit)
        scripts[dotted] = unit
    flows: dict[str, Flow] = {}
    for unit in units:
        modules = ModuleResolver(scripts)
        flows[unit.rel] = analyse(unit, modules)
    return flows


def review_submission(submission: Submission, options: ReviewOptions) -> Report:
    units = load_units(submission)
    flows = analyse_units(units)
    ctx = ReviewContext(submission=submission, options=options, units=units, flows=flows)
    unreviewed: set[str] = set()
    for unit in units:
        reason = not_reviewed(unit)
        if reason is not None:
            ctx.add(
                "input/not-reviewed", ctx.whole(unit), f"{unit.rel} was not reviewed: {reason}."
            )
            ctx.notes.append(f"{unit.rel}: not reviewed ({reason})")
            unreviewed.add(unit.rel)
            continue
        for chunk in unit.chunks:
            if chunk.syntax_error:
                where = f"cell {chunk.cell}" if chunk.cell is not None else unit.rel
                ctx.notes.append(
                    f"{unit.rel}: {where} is not valid Python ({chunk.syntax_error}); it was skipped"
                )
        flow = flows[unit.rel]
        if flow.truncated:
            ctx.notes.append(
                f"{unit.rel}: the program is very large; the dataflow analysis stopped early"
            )
    check_model(ctx)
    check_data(ctx)
    check_results(ctx)
    check_code(ctx)
    # what the checks say about a file they could not read (no metric, no baseline...) is unknown
    kept = [
        f for f in ctx.findings if f.id == "input/not-reviewed" or f.location.file not in unreviewed
    ]
    findings = sorted(
        kept,
        key=lambda f: (
            -SEVERITY_RANK[f.severity],
            f.location.file or "",
            f.location.cell or 0,
            f.location.line or 0,
            f.id,
        ),
    )
    _add_file_lines(findings, units)
    files = [
        ReviewedFile(
            path=u.rel,
            kind="notebook" if u.is_notebook else "script",
            cells=u.cell_count if u.is_notebook else None,
            lines=u.line_count(),
        )
        for u in units
    ]
    files += [
        ReviewedFile(path=submission.relative(p), kind="environment")
        for p in submission.environment_files
    ]
    files += [ReviewedFile(path=submission.relative(p), kind="readme") for p in submission.readmes]
    files += [ReviewedFile(path=submission.relative(p), kind="data") for p in submission.data_files]
    return Report(
        tool_version=__version__,
        submission=submission.name,
        reviewed_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        files=files,
        findings=findings,
        objectives=score(findings, reviewed=len(unreviewed) < len(units)),
        notes=ctx.notes,
    )


def report_reviewed(report: Report) -> bool:
    """Whether any program of the report could be reviewed."""
    programs = [f for f in report.files if f.kind in ("notebook", "script")]
    unread = {f.location.file for f in report.findings if f.id == "input/not-reviewed"}
    return any(p.path not in unread for p in programs)


def not_reviewed(unit: Unit) -> str | None:
    """Why ``unit`` could not be analysed (so its findings are unknown), or None.

    A script that does not parse is not reviewed at all; a notebook is not reviewed when it was
    written for Python 2 or when at least a third of its code cells do not parse (one broken cell
    among many is skipped with a note instead)."""
    broken = [c for c in unit.chunks if c.syntax_error]
    if not broken:
        return None
    first = broken[0]
    where = f"cell {first.cell}, " if first.cell is not None else ""
    error = f"{where}{first.syntax_error}"
    if not unit.is_notebook:
        return f"it is not valid Python 3 ({error})"
    language = ""
    if unit.notebook is not None:
        kernel = unit.notebook.get("metadata", {}).get("kernelspec", {}) or {}
        info = unit.notebook.get("metadata", {}).get("language_info", {}) or {}
        language = f"{kernel.get('name', '')} {info.get('version', '')}"
    if re.search(r"python2|\b2\.\d", language):
        return f"it was written for Python 2 ({error})"
    code_cells = [c for c in unit.chunks if c.code.strip()]
    if len(broken) * 3 >= max(1, len(code_cells)):
        return f"{len(broken)} of {len(code_cells)} code cells are not valid Python 3 ({error})"
    return None


def score(findings: list[Finding], *, reviewed: bool = True) -> list[ObjectiveScore]:
    """Each objective starts at 5 and loses points for the findings counted against it. A file
    that could not be reviewed costs every objective its penalty (nothing in it was checked; it
    is listed under its own objective only), and when no file could be reviewed at all no
    objective has anything to its credit: each scores 0."""
    unread = [f for f in findings if f.id == "input/not-reviewed"]
    scores = []
    for key, title in OBJECTIVES.items():
        indexes = [i for i, f in enumerate(findings) if f.objective == key]
        penalty = sum(PENALTY[findings[i].severity] for i in indexes)
        penalty += sum(PENALTY[f.severity] for f in unread if f.objective != key)
        value = max(0.0, MAX_SCORE - penalty) if reviewed else 0.0
        scores.append(
            ObjectiveScore(key=key, title=title, score=round(value * 2) / 2, findings=indexes)
        )
    return scores


def _add_file_lines(findings: list[Finding], units: list[Unit]) -> None:
    """Fill in each location's line in the file as stored (the .ipynb JSON for a notebook)."""
    maps: dict[str, dict[int, list[int]]] = {}
    by_rel = {u.rel: u for u in units}
    for finding in findings:
        for location in (finding.location, *finding.related):
            unit = by_rel.get(location.file or "")
            if unit is None or location.line is None:
                continue
            if not unit.is_notebook:
                location.file_line = location.line
                continue
            if unit.rel not in maps:
                try:
                    maps[unit.rel] = notebook_line_map(unit.path.read_text(encoding="utf-8-sig"))
                except (OSError, UnicodeError):
                    maps[unit.rel] = {}
            rows = maps[unit.rel].get(location.cell or 0, [])
            if rows:
                location.file_line = rows[min(location.line, len(rows)) - 1]
