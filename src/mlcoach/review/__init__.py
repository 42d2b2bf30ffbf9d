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
from mlcoach.review.options import ReviewOptions
from mlcoach.review.render import FORMATS, render

if TYPE_CHECKING:
    from mlcoach.review.engine import review_path
    from mlcoach.review.models import Finding, Location, ObjectiveScore, Report

_MODELS = frozenset({"Finding", "Location", "ObjectiveScore", "Report"})


def __getattr__(name: str) -> Any:
    # The engine pulls in nbformat and the analysis (a fifth of a second), the report models
    # pydantic (a tenth); every `mlcoach` command imports this package for its options, so they
    # load only when a review runs or a report is read.
    if name == "review_path":
        from mlcoach.review.engine import review_path

        return review_path
    if name in _MODELS:
        from mlcoach.review import models

        return getattr(models, name)
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
