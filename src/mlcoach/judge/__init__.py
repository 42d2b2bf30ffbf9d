"""The code judge: runs Python submissions against a problem's tests in a sandbox, like an online judge.

Use :func:`judge_submission` (thread-safe, shares one pool of warm workers per process) and
:func:`close` to stop the workers, or a :class:`JudgePool` of your own as a context manager.
"""

from mlcoach.judge.engine import close, compile_problem, default_pool, judge_submission
from mlcoach.judge.pool import JudgePool
from mlcoach.judge.sandbox import JudgeUnavailable, SandboxRefused
from mlcoach.judge.verdicts import FailureDetail, JudgeResult, TestResult, Verdict

__all__ = [
    "FailureDetail",
    "JudgePool",
    "JudgeResult",
    "JudgeUnavailable",
    "SandboxRefused",
    "TestResult",
    "Verdict",
    "close",
    "compile_problem",
    "default_pool",
    "judge_submission",
]
