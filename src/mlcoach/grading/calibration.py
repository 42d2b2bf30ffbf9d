"""Calibration of each backend's similarity scale (see `Calibration` for what each number does).

The similarity thresholds were fitted by `tests/grading/calibrate.py` on half of the questions of
tests/grading/devset.jsonl (our own answers: a regression check, not an accuracy claim).

The score weights (intercept, then one weight per `engine.SCORE_FEATURES`) were fitted by
`benchmarks/grading_accuracy.py --fit` on real answers graded by people, in public sets nobody here
wrote: the SemEval-2013 Task 7 training split (8,910 answers to 182 questions) and assignments 1-6
of the Mohler set (1,065 answers to 37 questions), each set weighing the same. Non-negative, so one
more point made never lowers a score, with the intercept at most 1 point, so that a score comes
from evidence rather than from those graders' leniency; the features the engine's rules handle
(contradictions, closeness to the question) and length alone are left out of the fit. Accuracy on the questions the fit never saw is
in docs/grading.md.
"""

from __future__ import annotations

from dataclasses import replace

from mlcoach.grading.engine import Calibration

SEMANTIC = Calibration(
    low=0.311,
    high=0.642,
    contradiction_at=0.65,
    misconception_at=0.806,
    misconception_margin=0.05,
    off_topic_below=0.3,
    keyword_list_factor=0.397,
    contradiction_penalty=0.705,
    misconception_penalty=1.297,
    curve=0.864,
)

LEXICAL = Calibration(
    low=0.033,
    high=0.305,
    contradiction_at=0.6,
    misconception_at=0.572,
    misconception_margin=0.1,
    off_topic_below=0.1,
    keyword_list_factor=0.475,
    contradiction_penalty=0.906,
    misconception_penalty=0.975,
    curve=0.852,
)

SEMANTIC = replace(
    SEMANTIC,
    score_weights=(1.0, 0.0, 0.0, 0.136, 3.179, 0.0, 0.0, 0.0, 0.0, 1.724, 0.0, 0.0, 0.401),
)
LEXICAL = replace(
    LEXICAL,
    score_weights=(1.0, 1.274, 1.396, 1.109, 0.237, 0.0, 0.0, 0.0, 0.274, 0.0, 0.0, 0.0, 0.0),
)
