"""`mlcoach review`: review a take-home submission, or a folder of them with --batch."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mlcoach.cli.output import console
from mlcoach.errors import MlcoachError
from mlcoach.review import FORMATS, ReviewOptions, render
from mlcoach.review.rules import SEVERITIES, Severity


def _options(
    cell_timeout: float, timeout: float, memory_mb: int, no_sandbox: bool, kernel_python: str | None
) -> ReviewOptions:
    return ReviewOptions(
        cell_timeout=cell_timeout,
        total_timeout=timeout,
        memory_mb=memory_mb,
        sandbox="none" if no_sandbox else "auto",
        kernel_python=kernel_python,
    )


def _severity(value: str | None) -> Severity | None:
    if value is None:
        return None
    lowered = value.lower()
    for severity in SEVERITIES:
        if severity == lowered:
            return severity
    raise MlcoachError(f"--fail-on {value!r}: choose one of {', '.join(SEVERITIES)}")


def review(
    path: Path | None = typer.Argument(
        None,
        help="A notebook (.ipynb), a script (.py), a .zip or a project folder.",
        show_default=False,
    ),
    execute: bool = typer.Option(
        False, "--execute", help="Also run the notebook (sandboxed) and check its claimed numbers."
    ),
    format: str = typer.Option(
        "terminal", "--format", "-f", help=f"Report format: {'|'.join(FORMATS)}."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the report to this file."
    ),
    fail_on: str | None = typer.Option(
        None,
        "--fail-on",
        help="Exit with code 1 when a finding at or above this severity exists (high|medium|low|info).",
    ),
    batch: Path | None = typer.Option(
        None, "--batch", help="Review every submission in this folder."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="With --batch: the folder for the reports."
    ),
    jobs: int = typer.Option(
        2, "--jobs", "-j", min=1, help="With --batch: submissions reviewed in parallel."
    ),
    cell_timeout: float = typer.Option(
        120.0, "--cell-timeout", min=1, help="Seconds one cell may run."
    ),
    timeout: float = typer.Option(
        900.0, "--timeout", min=1, help="Seconds the whole notebook may run."
    ),
    memory_mb: int = typer.Option(
        4096, "--memory-mb", min=64, help="Memory limit of the notebook kernel."
    ),
    kernel_python: str | None = typer.Option(
        None,
        "--kernel-python",
        help="Python (with ipykernel) that runs the notebook; default: mlcoach's.",
    ),
    no_sandbox: bool = typer.Option(
        False, "--no-sandbox", help="Run the kernel without bubblewrap."
    ),
) -> None:
    """Review an ML take-home: leakage, evaluation, reproducibility, data handling, presentation and
    code hygiene, scored on the four objectives a reviewer weighs."""
    if format not in FORMATS:
        raise MlcoachError(f"--format {format!r}: choose one of {', '.join(FORMATS)}")
    threshold = _severity(fail_on)
    options = _options(cell_timeout, timeout, memory_mb, no_sandbox, kernel_python)
    if batch is not None:
        if path is not None:
            raise MlcoachError("give either a PATH or --batch DIR, not both")
        if out is None:
            raise MlcoachError("--batch needs --out REPORT_DIR for the reports")
        _batch(batch, out, format, execute, options, jobs, threshold)
        return
    if path is None:
        raise MlcoachError("give the notebook, script, .zip or folder to review (or --batch DIR)")
    with console.status("Reviewing…", spinner="dots") if sys.stderr.isatty() else _nothing():
        from mlcoach.review import review_path

        report = review_path(path, execute=execute, options=options)
    if format == "terminal" and output is None:
        from mlcoach.review.render.terminal import renderables

        for item in renderables(report):
            console.print(item)
    else:
        text = render(report, format)
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
            console.print(
                f"Wrote the {format} report to {output} ({len(report.findings)} findings)."
            )
        else:
            sys.stdout.write(text)
    if threshold is not None and report.has_finding_at_or_above(threshold):
        raise typer.Exit(1)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def _batch(
    folder: Path,
    out: Path,
    format: str,
    execute: bool,
    options: ReviewOptions,
    jobs: int,
    threshold: Severity | None,
) -> None:
    from mlcoach.review.batch import BatchItem, find_submissions, review_batch

    file_format = "markdown" if format == "terminal" else format
    total = len(find_submissions(folder))
    progress = Progress(
        TextColumn("[bold]Reviewing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=False,
    )
    with progress:
        task = progress.add_task("", total=total)

        def advance(item: BatchItem) -> None:
            progress.update(task, advance=1, description=item.name)

        items = review_batch(
            folder,
            out,
            format=file_format,
            execute=execute,
            options=options,
            workers=jobs,
            progress=advance,
        )
    table = Table(title=f"{len(items)} submissions", show_lines=False)
    for column in ("submission", "high", "medium", "low", "model", "results", "detail", "code"):
        table.add_column(column, justify="left" if column == "submission" else "right")
    failed = False
    for item in items:
        if item.report is None:
            table.add_row(item.name, f"[red]error: {item.error}[/]", "", "", "", "", "", "")
            continue
        counts = item.report.count_by_severity()
        scores = {o.key: f"{o.score:g}" for o in item.report.objectives}
        table.add_row(
            item.name,
            str(counts["high"]),
            str(counts["medium"]),
            str(counts["low"]),
            scores["model"],
            scores["results"],
            scores["detail"],
            scores["code"],
        )
        if threshold is not None and item.report.has_finding_at_or_above(threshold):
            failed = True
    console.print(table)
    console.print(f"Reports and summary.md / summary.json in {out}")
    if failed:
        raise typer.Exit(1)
