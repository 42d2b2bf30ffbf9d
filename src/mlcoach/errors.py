"""Errors a user can act on. The CLI and the web app show their message as it is, without a traceback."""


class MlcoachError(Exception):
    """Base for every error whose message is meant for the user."""


class ConfigError(MlcoachError):
    """A setting has a value mlcoach cannot use."""


class NotFoundError(MlcoachError):
    """The user named something (a question, a topic, a file) that does not exist."""


class ContentError(MlcoachError):
    """Curriculum content (a shipped or user deck) is malformed."""


class StorageError(MlcoachError):
    """The database cannot be opened, migrated or written."""


class EmptyAnswerError(MlcoachError):
    """An answer with nothing in it. It is refused before grading: a blank is not an attempt, so it
    is neither scored nor stored (nor, in a drill, rated)."""

    def __init__(self) -> None:
        super().__init__("an empty answer is not graded; type your answer or skip")


def refuse_empty_answer(text: str) -> str:
    """``text`` itself, or EmptyAnswerError when it is empty or only whitespace."""
    if not text.strip():
        raise EmptyAnswerError()
    return text
