"""Putting questions in a user's drill queue, due now (a mock interview's areas to improve)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcoach.practice.scheduling import as_utc, new_card_row
from mlcoach.store.models import DrillCard


def queue_now(
    session: Session, user_id: int, question_ids: Sequence[str], now: datetime
) -> list[str]:
    """Make each question's card due at ``now``; a question never drilled gets a new card.

    A card already due earlier keeps its date, so queuing never pushes a review later. Returns the
    ids queued, in the order given, without repeats.
    """
    moment = as_utc(now)
    wanted = list(dict.fromkeys(question_ids))
    existing = {
        card.question_id: card
        for card in session.scalars(
            select(DrillCard).where(DrillCard.user_id == user_id, DrillCard.question_id.in_(wanted))
        )
    }
    for question_id in wanted:
        card = existing.get(question_id)
        if card is None:
            session.add(new_card_row(user_id, question_id, moment))
        elif as_utc(card.due) > moment:
            card.due = moment
    session.flush()
    return wanted
