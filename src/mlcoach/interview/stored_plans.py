"""Stored study plans: create one, mark its days done or missed from what the user recorded, and
re-plan the days that are left when some were missed.

A past study day is *done* when the user recorded any practice that local day (an answer, a drill
review, a code submission, a mock-interview answer) and *missed* otherwise. Re-planning keeps the
days already behind, rebuilds the rest from today with the current mastery, and gives the topics of
missed days their lost minutes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcoach.catalog import Catalog
from mlcoach.errors import MlcoachError
from mlcoach.interview.plan_builder import Activity, PlanDay, PlanRequest, build_plan
from mlcoach.practice.mastery import user_topic_mastery
from mlcoach.store import Database
from mlcoach.store import models as m


class NoPlanError(MlcoachError):
    """The user has no study plan yet."""


@dataclass
class StoredPlan:
    id: int
    role: str
    interview_date: date
    start_date: date
    hours_per_week: float
    revision: int
    focus: dict[str, float]
    created_at: datetime
    updated_at: datetime
    days: list[PlanDay] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = {"planned": 0, "done": 0, "missed": 0}
        for d in self.days:
            out[d.status] = out.get(d.status, 0) + 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "interview_date": self.interview_date.isoformat(),
            "start_date": self.start_date.isoformat(),
            "hours_per_week": self.hours_per_week,
            "revision": self.revision,
            "focus": self.focus,
            "counts": self.counts,
            "days": [
                {
                    "day": d.day.isoformat(),
                    "minutes": d.minutes,
                    "status": d.status,
                    "activities": [a.as_dict() for a in d.activities],
                }
                for d in self.days
            ],
        }


def _stored(row: m.StudyPlan) -> StoredPlan:
    return StoredPlan(
        id=row.id,
        role=row.role,
        interview_date=row.interview_date,
        start_date=row.start_date,
        hours_per_week=row.hours_per_week,
        revision=row.revision,
        focus=dict(row.focus or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
        days=[
            PlanDay(
                d.day,
                d.minutes,
                tuple(Activity.from_dict(a) for a in d.activities),
                d.status,
            )
            for d in row.days
        ],
    )


def _request(
    s: Session,
    catalog: Catalog,
    user_id: int,
    *,
    role: str,
    start: date,
    interview_date: date,
    hours_per_week: float,
    focus: Mapping[str, float],
    now: datetime,
    carry: Mapping[str, float] | None = None,
) -> PlanRequest:
    standings, known = user_topic_mastery(s, user_id, catalog, now)
    history = dict(known.scores)
    return PlanRequest(
        role=role,
        start=start,
        interview_date=interview_date,
        hours_per_week=hours_per_week,
        mastery={t: st.mastery for t, st in standings.items()},
        focus=dict(focus),
        carry=dict(carry or {}),
        history=history,
    )


def create_plan(
    db: Database,
    catalog: Catalog,
    user_id: int,
    *,
    role: str,
    interview_date: date,
    hours_per_week: float,
    today: date,
    focus: Mapping[str, float] | None = None,
    now: datetime | None = None,
) -> StoredPlan:
    """Build and store a plan from ``today``; it replaces the user's active plan, if any."""
    now = now or datetime.now(UTC)
    with db.session() as s:
        request = _request(
            s,
            catalog,
            user_id,
            role=role,
            start=today,
            interview_date=interview_date,
            hours_per_week=hours_per_week,
            focus=focus or {},
            now=now,
        )
    days = build_plan(catalog, request)
    with db.session() as s:
        for old in s.scalars(
            select(m.StudyPlan).where(m.StudyPlan.user_id == user_id, m.StudyPlan.active)
        ):
            old.active = False
        row = m.StudyPlan(
            user_id=user_id,
            role=role,
            interview_date=interview_date,
            start_date=today,
            hours_per_week=hours_per_week,
            focus=dict(focus or {}) or None,
            revision=1,
            active=True,
            created_at=now,
            updated_at=now,
        )
        row.days = [_day_row(d) for d in days]
        s.add(row)
        s.flush()
        return _stored(row)


def _day_row(d: PlanDay) -> m.StudyDay:
    return m.StudyDay(
        day=d.day,
        minutes=d.minutes,
        activities=[a.as_dict() for a in d.activities],
        status=d.status,
    )


def active_plan(db: Database, user_id: int) -> StoredPlan | None:
    with db.session() as s:
        row = _active_row(s, user_id)
        return _stored(row) if row else None


def _active_row(s: Session, user_id: int) -> m.StudyPlan | None:
    return s.scalars(
        select(m.StudyPlan)
        .where(m.StudyPlan.user_id == user_id, m.StudyPlan.active)
        .order_by(m.StudyPlan.created_at.desc(), m.StudyPlan.id.desc())
        .limit(1)
    ).one_or_none()


def practice_days(
    s: Session, user_id: int, since: date, until: date, tz: tzinfo | None = None
) -> set[date]:
    """Local dates from ``since`` to ``until`` (inclusive) on which the user recorded practice."""
    start = _local_midnight(since, tz)
    end = _local_midnight(until + timedelta(days=1), tz)
    stamps: list[datetime] = []
    sources: list[tuple[Any, Any, Any]] = [
        (m.Attempt.created_at, m.Attempt.user_id, None),
        (m.ReviewLogEntry.reviewed_at, m.ReviewLogEntry.user_id, None),
    ]
    submission = getattr(m, "Submission", None)
    if submission is not None:
        sources.append((submission.created_at, submission.user_id, None))
    for column, owner, _ in sources:
        stamps.extend(
            s.scalars(select(column).where(owner == user_id, column >= start, column < end))
        )
    stamps.extend(
        s.scalars(
            select(m.MockAnswer.answered_at)
            .join(m.MockRound, m.MockAnswer.round_id == m.MockRound.id)
            .join(m.MockSession, m.MockRound.session_id == m.MockSession.id)
            .where(
                m.MockSession.user_id == user_id,
                m.MockAnswer.answered_at >= start,
                m.MockAnswer.answered_at < end,
            )
        )
    )
    return {
        _as_utc(t).astimezone(tz).date() if tz else _as_utc(t).astimezone().date() for t in stamps
    }


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _local_midnight(day: date, tz: tzinfo | None) -> datetime:
    if tz is None:
        return datetime.combine(day, time(0)).astimezone().astimezone(UTC)
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def refresh_statuses(
    db: Database, user_id: int, today: date, tz: tzinfo | None = None
) -> StoredPlan | None:
    """Mark the active plan's past days done or missed from the practice recorded on them."""
    with db.session() as s:
        row = _active_row(s, user_id)
        if row is None:
            return None
        _mark_past_days(s, row, user_id, today, tz)
        return _stored(row)


def _mark_past_days(
    s: Session, row: m.StudyPlan, user_id: int, today: date, tz: tzinfo | None
) -> None:
    past = [d for d in row.days if d.day < today]
    if not past:
        return
    practised = practice_days(s, user_id, past[0].day, past[-1].day, tz)
    for d in past:
        status = "done" if d.day in practised else "missed"
        if d.status != status:
            d.status = status


def replan(
    db: Database,
    catalog: Catalog,
    user_id: int,
    *,
    today: date,
    tz: tzinfo | None = None,
    now: datetime | None = None,
) -> StoredPlan:
    """Rebuild the active plan's days from ``today`` on, owing missed days' topics their time."""
    now = now or datetime.now(UTC)
    with db.session() as s:
        row = _active_row(s, user_id)
        if row is None:
            raise NoPlanError(
                "no study plan to re-plan; make one with "
                "`mlcoach plan --role ROLE --interview-date YYYY-MM-DD --hours-per-week N`"
            )
        if row.interview_date <= today:
            raise NoPlanError(
                f"the plan's interview date {row.interview_date} has passed; make a new plan"
            )
        _mark_past_days(s, row, user_id, today, tz)
        carry: dict[str, float] = {}
        for d in row.days:
            if d.status == "missed":
                for a in d.activities:
                    if a.get("kind") == "concepts" and a.get("topic"):
                        carry[a["topic"]] = carry.get(a["topic"], 0.0) + float(a["minutes"])
        request = _request(
            s,
            catalog,
            user_id,
            role=row.role,
            start=today,
            interview_date=row.interview_date,
            hours_per_week=row.hours_per_week,
            focus=row.focus or {},
            now=now,
            carry=carry,
        )
        plan_id = row.id
    days = build_plan(catalog, request)
    with db.session() as s:
        row = s.get(m.StudyPlan, plan_id)
        assert row is not None
        for d in list(row.days):
            if d.day >= today:
                row.days.remove(d)
        s.flush()
        row.days.extend(_day_row(d) for d in days)
        row.revision += 1
        row.updated_at = now
        s.flush()
        s.refresh(row)
        return _stored(row)
