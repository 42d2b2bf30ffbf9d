"""Reviewing a folder of submissions at once (`mlcoach review --batch DIR --out REPORT_DIR`).

Each entry of the folder (a sub-folder, a notebook, a script or a zip) is one submission. They are
reviewed in parallel worker processes; each gets a report file, and the run writes a summary table
as Markdown (summary.md) and JSON (summary.json). A submission that cannot be reviewed gets its
error in the summary instead of stopping the others.
"""

from __future__ import annotations

import json
import multiprocessing
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlcoach.errors import MlcoachError
from mlcoach.review.engine import review_path
from mlcoach.review.errors import SubmissionNotFoundError, UnsupportedSubmissionError
from mlcoach.review.intake import SKIPPED_DIRS
from mlcoach.review.models import Report
from mlcoach.review.options import ReviewOptions
from mlcoach.review.render import SUFFIXES, render
from mlcoach.review.rules import OBJECTIVES

SUBMISSION_SUFFIXES = (".ipynb", ".py", ".zip")


@dataclass
class BatchItem:
    name: str
    path: Path
    report: Report | None = None
    error: str | None = None
    report_file: Path | None = None


def find_submissions(folder: Path) -> list[Path]:
    if not folder.exists():
        raise SubmissionNotFoundError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise UnsupportedSubmissionError(f"{folder}: --batch needs a folder of submissions")
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name in SKIPPED_DIRS or entry.is_symlink():
            continue
        if entry.is_dir() or entry.suffix.lower() in SUBMISSION_SUFFIXES:
            found.append(entry)
    if not found:
        raise UnsupportedSubmissionError(
            f"{folder}: no submissions in it (sub-folders, notebooks, scripts or .zip files)"
        )
    return found


def _review_one(path: str, execute: bool, options: dict[str, Any]) -> tuple[str | None, str | None]:
    """In a worker process: the report as JSON, or the error message."""
    try:
        report = review_path(Path(path), execute=execute, options=ReviewOptions(**options))
    except MlcoachError as exc:
        return None, str(exc)
    except Exception as exc:  # one broken submission must not stop the batch
        return None, f"internal error while reviewing: {type(exc).__name__}: {exc}"
    return report.model_dump_json(), None


def _file_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "submission"
    candidate = base
    number = 2
    while candidate.lower() in taken:
        candidate = f"{base}-{number}"
        number += 1
    taken.add(candidate.lower())
    return candidate


def review_batch(
    folder: Path,
    out: Path,
    *,
    format: str = "markdown",
    execute: bool = False,
    options: ReviewOptions | None = None,
    workers: int = 2,
    progress: Callable[[BatchItem], None] | None = None,
) -> list[BatchItem]:
    submissions = find_submissions(folder)
    options = options or ReviewOptions()
    out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = {"summary"}
    names = {
        path: _file_name(path.stem if path.is_file() else path.name, taken) for path in submissions
    }
    items: dict[Path, BatchItem] = {
        path: BatchItem(name=path.name, path=path) for path in submissions
    }
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context) as pool:
        futures = {
            pool.submit(_review_one, str(path), execute, options.model_dump()): path
            for path in submissions
        }
        for future in as_completed(futures):
            path = futures[future]
            item = items[path]
            try:
                report_json, error = future.result()
            except Exception as exc:  # a worker that died (out of memory, killed)
                report_json, error = None, f"the review process failed: {exc}"
            if report_json is not None:
                item.report = Report.model_validate_json(report_json)
                item.report_file = out / (names[path] + SUFFIXES[format])
                item.report_file.write_text(render(item.report, format), encoding="utf-8")
            item.error = error
            if progress is not None:
                progress(item)
    ordered = [items[path] for path in submissions]
    write_summary(ordered, out)
    return ordered


def summary_rows(items: list[BatchItem], out: Path) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        row: dict[str, Any] = {"submission": item.name, "error": item.error}
        if item.report is not None:
            row["findings"] = item.report.count_by_severity()
            row["scores"] = {o.key: o.score for o in item.report.objectives}
            row["report"] = (
                item.report_file.relative_to(out).as_posix() if item.report_file else None
            )
        rows.append(row)
    return rows


def write_summary(items: list[BatchItem], out: Path) -> None:
    rows = summary_rows(items, out)
    (out / "summary.json").write_text(
        json.dumps({"submissions": rows}, indent=2) + "\n", encoding="utf-8"
    )
    keys = list(OBJECTIVES)
    lines = [
        "# Review summary",
        "",
        "| Submission | High | Medium | Low | Info | "
        + " | ".join(OBJECTIVES[k] for k in keys)
        + " | Report |",
        "| --- | ---: | ---: | ---: | ---: | " + " | ".join("---:" for _ in keys) + " | --- |",
    ]
    for row in rows:
        name = row["submission"].replace("|", "\\|")
        if row.get("error"):
            error = str(row["error"]).replace("|", "\\|")
            lines.append(
                f"| {name} | | | | | " + " | ".join("" for _ in keys) + f" | error: {error} |"
            )
            continue
        counts = row["findings"]
        scores = " | ".join(f"{row['scores'][k]:g}" for k in keys)
        link = f"[{row['report']}]({row['report']})" if row.get("report") else ""
        lines.append(
            f"| {name} | {counts['high']} | {counts['medium']} | {counts['low']} | {counts['info']} | "
            f"{scores} | {link} |"
        )
    (out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
