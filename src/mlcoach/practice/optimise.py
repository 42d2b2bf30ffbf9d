"""Re-fitting the FSRS parameters to a user's own review history.

fsrs's Optimizer trains with PyTorch, which mlcoach does not install (it is large and nothing
else needs it). Without it, scheduling keeps FSRS's published default parameters, which suit
most people; the review logs are kept either way, so a later re-fit can use the whole history.
"""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from fsrs import Rating, ReviewLog
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcoach.errors import MlcoachError
from mlcoach.practice.scheduling import as_utc, copy_into, make_scheduler, to_fsrs
from mlcoach.store.models import DrillCard, ReviewLogEntry, SchedulerParameters, User

NEEDED_MODULES = ("torch", "pandas", "tqdm")


class OptimiserUnavailable(MlcoachError):
    """The FSRS optimiser's dependencies are not installed."""


@dataclass(frozen=True)
class FitResult:
    parameters: list[float]
    reviews: int
    cards_rescheduled: int


def optimiser_missing() -> list[str]:
    """The modules fsrs's Optimizer needs that are not installed (empty when it can run)."""
    return [name for name in NEEDED_MODULES if importlib.util.find_spec(name) is None]


def refit_parameters(session: Session, user: User, now: datetime) -> FitResult:
    """Fit FSRS parameters to the user's review logs, store them and reschedule every card."""
    missing = optimiser_missing()
    if missing:
        raise OptimiserUnavailable(
            f"re-fitting FSRS parameters needs {', '.join(missing)} (pip install 'fsrs[optimizer]'"
            "), which mlcoach does not install; scheduling keeps the default FSRS parameters"
        )
    from fsrs.optimizer import Optimizer

    entries = list(
        session.scalars(
            select(ReviewLogEntry)
            .where(ReviewLogEntry.user_id == user.id)
            .order_by(ReviewLogEntry.reviewed_at, ReviewLogEntry.id)
        )
    )
    if not entries:
        raise MlcoachError("no reviews yet: drill some cards before re-fitting the parameters")
    logs = [
        ReviewLog(e.card_id, Rating(e.rating), as_utc(e.reviewed_at), e.duration_ms)
        for e in entries
    ]
    parameters = [float(p) for p in Optimizer(logs).compute_optimal_parameters()]
    scheduler = make_scheduler(parameters)

    by_card: dict[int, list[ReviewLog]] = defaultdict(list)
    for log in logs:
        by_card[log.card_id].append(log)
    rows = session.scalars(select(DrillCard).where(DrillCard.user_id == user.id)).all()
    for row in rows:
        copy_into(row, scheduler.reschedule_card(to_fsrs(row), by_card.get(row.id, [])))

    fitted = session.get(SchedulerParameters, user.id) or SchedulerParameters(user_id=user.id)
    fitted.parameters = parameters
    fitted.desired_retention = scheduler.desired_retention
    fitted.review_count = len(logs)
    fitted.fitted_at = as_utc(now)
    session.add(fitted)
    return FitResult(parameters, len(logs), len(rows))
