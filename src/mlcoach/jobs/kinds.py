"""The handlers of the judge and review jobs, apart from the registry so their imports stay lazy."""

from __future__ import annotations

from typing import Any

from mlcoach.errors import MlcoachError
from mlcoach.jobs.model import JobEnv, JobInput


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str):
        raise MlcoachError(f"the job's payload needs {key!r} as text")
    return value


def run_judge(job: JobInput, env: JobEnv) -> dict[str, Any]:
    """Judge ``code`` against ``problem_id``: every test for "submit", the visible ones for "run"
    (all of them reported, so the user sees each example's outcome)."""
    from mlcoach.judge import judge_submission

    problem = env.catalog.problem(_text(job.payload, "problem_id"))
    code = _text(job.payload, "code")
    mode = job.payload.get("mode", "submit")
    if mode not in ("run", "submit"):
        raise MlcoachError(f"unknown judge mode {mode!r}; use run or submit")
    if mode == "run":
        result = judge_submission(problem, code, run_hidden=False, stop_at_first_failure=False)
    else:
        result = judge_submission(problem, code)
    data = result.to_dict()
    data["mode"] = mode
    if mode == "submit":
        data["submission_id"] = _record(env, job, problem.id, code, data)
    return data


def _record(env: JobEnv, job: JobInput, problem_id: str, code: str, data: dict[str, Any]) -> int:
    """Keep a submission (not a run) in the user's history of submissions, as `mlcoach solve`
    does, so the terminal and the web app show the same solved problems."""
    from mlcoach.store.models import User
    from mlcoach.store.submissions import record_submission

    with env.database.session() as session:
        user = session.get(User, job.user_id)
        if user is None:
            raise MlcoachError("the user who sent this submission no longer exists")
        row = record_submission(
            session,
            user,
            problem_id,
            code,
            verdict=str(data["verdict"]),
            passed=int(data["passed"]),
            total=int(data["total"]),
            results={k: v for k, v in data.items() if k != "mode"},
            source="web",
        )
        return row.id


# What a report page shows of the cells its findings point at: enough to see the problem.
MAX_EXCERPT_CHARS = 4000
MAX_EXCERPTS = 60
SCRIPT_CONTEXT_LINES = 4


def run_review(job: JobInput, env: JobEnv) -> dict[str, Any]:
    """Review the uploaded notebook, script or zip; the result holds the report (the reviewer's
    JSON schema), counts, and the source of each cell a finding points at (the upload itself is
    not kept)."""
    import tempfile
    from pathlib import Path, PurePath

    from mlcoach.review import review_path

    if job.attachment is None:
        raise MlcoachError("the review job has no file to review")
    name = PurePath(_text(job.payload, "filename")).name or "submission"
    execute = bool(job.payload.get("execute", False))
    with tempfile.TemporaryDirectory(prefix="mlcoach-review-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(job.attachment)
        report = review_path(path, execute=execute)
        excerpts = _excerpts(path, report)
    return {
        "report": report.model_dump(mode="json"),
        "summary": {
            "findings": len(report.findings),
            "by_severity": report.count_by_severity(),
            "worst": report.worst_severity(),
        },
        "excerpts": excerpts,
        "executed": execute,
    }


def _excerpts(path: Any, report: Any) -> list[dict[str, Any]]:
    """The cells (or script lines) the findings point at, keyed by file and cell."""
    wanted: set[tuple[str, int | None, int | None]] = set()
    for finding in report.findings:
        for where in (finding.location, *finding.related):
            if where.file is not None and (where.cell is not None or where.line is not None):
                wanted.add((where.file, where.cell, where.line if where.cell is None else None))
    if not wanted:
        return []
    try:
        from mlcoach.review.engine import load_units
        from mlcoach.review.intake import open_submission
        from mlcoach.review.options import ReviewOptions

        found: list[dict[str, Any]] = []
        with open_submission(path, ReviewOptions()) as submission:
            for unit in load_units(submission):
                cells = {c.cell: ("code", c.source) for c in unit.chunks if c.cell is not None}
                cells.update({m.cell: ("markdown", m.text) for m in unit.markdown})
                script = "\n".join(c.source for c in unit.chunks) if unit.kind == "script" else ""
                for file, cell, line in sorted(wanted, key=lambda w: (w[0], w[1] or 0, w[2] or 0)):
                    if file != unit.rel:
                        continue
                    if cell is not None and cell in cells:
                        kind, source = cells[cell]
                        found.append(_excerpt(file, cell, None, kind, source, 1))
                    elif cell is None and line is not None and script:
                        lines = script.splitlines()
                        first = max(1, line - SCRIPT_CONTEXT_LINES)
                        chunk = "\n".join(lines[first - 1 : line + SCRIPT_CONTEXT_LINES])
                        found.append(_excerpt(file, None, line, "code", chunk, first))
        return found[:MAX_EXCERPTS]
    except Exception:  # excerpts are a convenience: the report stands without them
        return []


def _excerpt(
    file: str, cell: int | None, line: int | None, kind: str, source: str, first_line: int
) -> dict[str, Any]:
    clipped = source if len(source) <= MAX_EXCERPT_CHARS else source[:MAX_EXCERPT_CHARS] + "\n…"
    return {
        "file": file,
        "cell": cell,
        "line": line,
        "kind": kind,
        "source": clipped,
        "first_line": first_line,
        "anchor": anchor(file, cell, line),
    }


def anchor(file: str | None, cell: int | None, line: int | None) -> str:
    """The id of a cell's excerpt on the report page (also used by its links)."""
    import re

    slug = re.sub(r"[^a-zA-Z0-9]+", "-", file or "submission").strip("-").lower()
    return f"{slug}-cell-{cell}" if cell is not None else f"{slug}-line-{line}"
