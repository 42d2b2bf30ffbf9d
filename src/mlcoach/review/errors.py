"""What can be wrong with what the user asked to review; each message is one line for the CLI."""

from __future__ import annotations

from mlcoach.errors import MlcoachError, NotFoundError


class ReviewError(MlcoachError):
    """The submission cannot be reviewed."""


class SubmissionNotFoundError(ReviewError, NotFoundError):
    """The path does not exist."""


class UnsupportedSubmissionError(ReviewError):
    """Not a notebook, a script, a zip or a folder, or a folder with nothing to review in it."""


class SubmissionTooLargeError(ReviewError):
    """A file or an archive is over a size or file-count limit."""


class UnsafeArchiveError(ReviewError):
    """A zip that would write outside its folder, holds links, or decompresses suspiciously."""


class InvalidNotebookError(ReviewError):
    """A .ipynb file that is not a notebook nbformat can read."""


class ExecutionSetupError(ReviewError):
    """--execute was asked for but the notebook kernel cannot be started."""
