"""FSRS scheduling: from a grade to a rating, and between database rows and fsrs cards.

The grade proposes the rating; the user may change it before it is recorded:

    score (0-5)     rating
    below 1.5       Again   the answer missed most of what matters
    1.5 to <3       Hard    recalled, with serious gaps
    3 to <4.5       Good    the main points were made
    4.5 and above   Easy    (nearly) everything was made

Fuzzing is off: a card's due date is then a pure function of its review history, so replaying the
review log (after re-fitting the parameters, or to check a schedule) gives the same dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler, State

from mlcoach.errors import MlcoachError
from mlcoach.store.models import DrillCard

AGAIN_BELOW = 1.5
HARD_BELOW = 3.0
GOOD_BELOW = 4.5

RATING_NAMES: dict[Rating, str] = {
    Rating.Again: "again",
    Rating.Hard: "hard",
    Rating.Good: "good",
    Rating.Easy: "easy",
}


def suggest_rating(score: float) -> Rating:
    """The rating a grade proposes (see the table in this module's docstring)."""
    if score < AGAIN_BELOW:
        return Rating.Again
    if score < HARD_BELOW:
        return Rating.Hard
    if score < GOOD_BELOW:
        return Rating.Good
    return Rating.Easy


def parse_rating(text: str) -> Rating:
    """A rating typed by a user: 1-4, or a name or its first letter (again, hard, good, easy)."""
    value = text.strip().casefold()
    for rating, name in RATING_NAMES.items():
        if value in (str(int(rating)), name, name[0]):
            return rating
    raise MlcoachError(f"unknown rating {text.strip()!r}; use 1 again, 2 hard, 3 good or 4 easy")


def make_scheduler(
    parameters: Sequence[float] | None = None, desired_retention: float = 0.9
) -> Scheduler:
    if parameters is None:
        return Scheduler(desired_retention=desired_retention, enable_fuzzing=False)
    return Scheduler(
        parameters=tuple(parameters), desired_retention=desired_retention, enable_fuzzing=False
    )


def as_utc(moment: datetime) -> datetime:
    """fsrs insists on `timezone.utc` itself, not merely an offset of zero."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not scheduled: give a time zone")
    return moment.astimezone(UTC)


def to_fsrs(row: DrillCard) -> Card:
    return Card(
        card_id=row.id,
        state=State(row.state),
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=as_utc(row.due),
        last_review=as_utc(row.last_review) if row.last_review else None,
    )


def new_fsrs_card(card_id: int, now: datetime) -> Card:
    return Card(card_id=card_id, due=as_utc(now))


def new_card_row(user_id: int, question_id: str, now: datetime) -> DrillCard:
    """A card never reviewed, due at ``now`` (its id, once flushed, is the FSRS card id)."""
    row = DrillCard(user_id=user_id, question_id=question_id, created_at=as_utc(now))
    copy_into(row, new_fsrs_card(0, now))
    return row


def copy_into(row: DrillCard, card: Card) -> None:
    row.state = int(card.state)
    row.step = card.step
    row.stability = card.stability
    row.difficulty = card.difficulty
    row.due = card.due
    row.last_review = card.last_review


def retrievability(scheduler: Scheduler, row: DrillCard, now: datetime) -> float:
    """Predicted probability, 0-1, that the user recalls the card's answer at ``now``."""
    return float(scheduler.get_card_retrievability(to_fsrs(row), as_utc(now)))
