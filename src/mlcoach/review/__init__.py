"""The take-home reviewer: finds leakage, evaluation, reproducibility, data-handling, presentation
and hygiene problems in an ML notebook or project, scores the four objectives a reviewer weighs,
and (with ``execute=True``) runs the notebook to check that its claimed numbers are reproduced.

    report = review_path("submission.zip")
    print(render(report, "markdown"))
"""

from typing import TYPE_CHECKING, Any

from mlcoach.review.errors import (
    ExecutionSetupError,
    InvalidNotebookError,
    ReviewError,
    SubmissionNotFoundError,
    SubmissionTooLargeError,
    UnsafeArchiveError,
    UnsupportedSubmissionError,
)
from mlcoach.review.models import Finding, Location, ObjectiveScore, Report
from mlcoach.review.options import ReviewOptions
from mlcoach.review.render import FORMATS, render

if TYPE_CHECKING:
    from mlcoach.review.engine import review_path


def __getattr__(name: str) -> Any:
    # The engine pulls in nbformat and the analysis (a fifth of a second); every `mlcoach` command
    # imports this package for its options, so the engine loads only when a review runs.
    if name == "review_path":
        from mlcoach.review.engine import review_path

        return review_path
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FORMATS",
    "ExecutionSetupError",
    "Finding",
    "InvalidNotebookError",
    "Location",
    "ObjectiveScore",
    "Report",
    "ReviewError",
    "ReviewOptions",
    "SubmissionNotFoundError",
    "SubmissionTooLargeError",
    "UnsafeArchiveError",
    "UnsupportedSubmissionError",
    "render",
    "review_path",
]
