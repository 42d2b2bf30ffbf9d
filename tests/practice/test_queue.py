"""Queuing questions for drilling now (what a mock interview does with the areas to improve)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from mlcoach.practice import queue_now
from mlcoach.store import Database
from mlcoach.store.models import DrillCard


def test_queued_questions_are_due_now_and_earlier_dates_are_kept(database_url: str) -> None:
    db = Database(database_url)
    user = db.default_user()
    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    with db.session() as s:
        s.add(
            DrillCard(
                user_id=user.id,
                question_id="later",
                state=2,
                step=None,
                stability=10.0,
                difficulty=5.0,
                due=now + timedelta(days=9),
                last_review=now - timedelta(days=1),
            )
        )
        s.add(
            DrillCard(
                user_id=user.id,
                question_id="overdue",
                state=2,
                step=None,
                stability=3.0,
                difficulty=5.0,
                due=now - timedelta(days=2),
                last_review=now - timedelta(days=5),
            )
        )
    with db.session() as s:
        queued = queue_now(s, user.id, ["fresh", "later", "overdue", "fresh"], now)
    assert queued == ["fresh", "later", "overdue"]
    with db.session() as s:
        cards = {c.question_id: c for c in s.scalars(select(DrillCard))}
    assert cards["fresh"].due == now and cards["fresh"].state == 1
    assert cards["later"].due == now and cards["later"].stability == 10.0
    assert cards["overdue"].due == now - timedelta(days=2)
    db.dispose()
