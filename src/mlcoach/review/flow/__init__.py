"""Dataflow over a submission's programs.

- `interpreter`: the core that walks the code (statements, expressions, names, the submission's own
  functions and modules);
- `library_models/`: what pandas/NumPy, scikit-learn-like and PyTorch calls do to the rows;
- `recording`: how those calls become events; `events`: the event records and `Flow`, which is all
  the checks read.
"""

from mlcoach.review.flow.events import (
    CrossValidation,
    EvalSet,
    Evaluation,
    Flow,
    Imputation,
    Leak,
    ModelFit,
    Origin,
    Oversample,
    Selection,
    Split,
    TransformFit,
    Where,
)
from mlcoach.review.flow.interpreter import STRICT_ENV, Interpreter, ModuleResolver, analyse

__all__ = [
    "STRICT_ENV",
    "CrossValidation",
    "EvalSet",
    "Evaluation",
    "Flow",
    "Imputation",
    "Interpreter",
    "Leak",
    "ModelFit",
    "ModuleResolver",
    "Origin",
    "Oversample",
    "Selection",
    "Split",
    "TransformFit",
    "Where",
    "analyse",
]
