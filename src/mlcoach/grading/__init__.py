"""Answer feedback: a free-text answer scored 0-5 against a question's key points, with reasons.

    from mlcoach.grading import grade_answer
    grade = grade_answer(question, "L1 adds the absolute weights to the loss ...")
    grade.score, [p.made for p in grade.points], grade.advice

The model loads when the grader is first built (`load_grader`, about 0.1 s) and is kept for the
process. `grader_for(settings)` is the grader the settings choose (``grader = auto|semantic|lexical``),
with key-point vectors kept in the data folder. A server
grading many people's answers at once uses a `GradingQueue`: answers that arrive together are
graded in one model pass.
"""

from mlcoach.grading.grader import (
    CHOICES,
    GRADER_ENV,
    Grader,
    GraderUnavailableError,
    embedding_cache_dir,
    grade_answer,
    grade_answers,
    grader_for,
    load_grader,
)
from mlcoach.grading.queue import GradingBusyError, GradingQueue, GradingQueueClosed
from mlcoach.grading.result import Grade, MisconceptionFound, PointVerdict

__all__ = [
    "CHOICES",
    "GRADER_ENV",
    "Grade",
    "Grader",
    "GraderUnavailableError",
    "GradingBusyError",
    "GradingQueue",
    "GradingQueueClosed",
    "MisconceptionFound",
    "PointVerdict",
    "embedding_cache_dir",
    "grade_answer",
    "grade_answers",
    "grader_for",
    "load_grader",
]
