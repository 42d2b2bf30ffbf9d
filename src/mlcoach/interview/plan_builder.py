"""Day-by-day study plans towards an interview date (pure: no database, no clock).

Time is shared between the role's topics by weight: how much the role needs the topic, times how
weak the user is at it (1 - mastery, plus a floor so that known topics are still revised), times
any focus from a job description's gaps. Coding problems and design scenarios get the role's share
of the time. Study days follow a weekly pattern set by the hours per week; time is handed out in
half-hour chunks by smooth weighted round-robin, so heavy topics recur through the weeks rather
than being crammed at the start. The last study day is a review, and the one before it (then every
sixth study day going back) a full mock interview.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from mlcoach.catalog import ROLES, Catalog
from mlcoach.errors import MlcoachError
from mlcoach.interview.data import roles_table

ActivityKind = Literal["concepts", "coding", "design", "mock", "review"]

CHUNK_MINUTES = 30
MOCK_MINUTES = 45
MOCK_EVERY = 6  # study days between mock interviews, counted back from the day before the last
MASTERY_FLOOR = 0.25  # a mastered topic keeps this much weight, so it is still revised
QUESTIONS_PER_CHUNK = 3
MAX_PLAN_DAYS = 366
MIN_HOURS, MAX_HOURS = 0.5, 60.0
# Which weekdays (Monday = 0) to study, by how many days a week: spread out, Sunday off below 7.
WEEKDAYS: dict[int, tuple[int, ...]] = {
    1: (5,),
    2: (1, 5),
    3: (0, 2, 5),
    4: (0, 1, 3, 5),
    5: (0, 1, 2, 3, 5),
    6: (0, 1, 2, 3, 4, 5),
    7: (0, 1, 2, 3, 4, 5, 6),
}


class PlanError(MlcoachError):
    """A study plan cannot be made from these settings."""


@dataclass(frozen=True)
class Activity:
    kind: ActivityKind
    title: str
    minutes: int
    topic: str | None = None
    items: tuple[str, ...] = ()  # question, problem or scenario ids to work on

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "minutes": self.minutes,
            "topic": self.topic,
            "items": list(self.items),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Activity:
        return cls(
            kind=data["kind"],
            title=data["title"],
            minutes=int(data["minutes"]),
            topic=data.get("topic"),
            items=tuple(data.get("items", ())),
        )


@dataclass(frozen=True)
class PlanDay:
    day: date
    minutes: int
    activities: tuple[Activity, ...]
    status: str = "planned"  # planned | done | missed

    @property
    def summary(self) -> str:
        return ", ".join(f"{a.title} ({a.minutes} min)" for a in self.activities)


@dataclass(frozen=True)
class PlanRequest:
    role: str
    start: date
    interview_date: date
    hours_per_week: float
    # 0-1 per topic; a topic not listed counts as not known at all.
    mastery: Mapping[str, float] = field(default_factory=dict)
    # Extra weight per topic, e.g. {"ml-engineering": 1.0} doubles it (from a job description).
    focus: Mapping[str, float] = field(default_factory=dict)
    # Minutes per topic owed from missed days, added to that topic's share when re-planning.
    carry: Mapping[str, float] = field(default_factory=dict)
    # Latest score per question (0-5), to put the least-known questions first in each topic.
    history: Mapping[str, float] = field(default_factory=dict)


def check_request(request: PlanRequest) -> None:
    if request.role not in ROLES:
        raise PlanError(f"unknown role {request.role!r}; choose one of: {', '.join(ROLES)}")
    if not MIN_HOURS <= request.hours_per_week <= MAX_HOURS:
        raise PlanError(
            f"hours per week must be between {MIN_HOURS:g} and {MAX_HOURS:g}, "
            f"not {request.hours_per_week:g}"
        )
    if request.interview_date <= request.start:
        raise PlanError(
            f"the interview date {request.interview_date} must be after the plan's first day "
            f"{request.start}"
        )
    if (request.interview_date - request.start).days > MAX_PLAN_DAYS:
        raise PlanError(f"a plan covers at most {MAX_PLAN_DAYS} days; choose a nearer date")


def study_days(start: date, interview: date, hours_per_week: float) -> tuple[list[date], int]:
    """The study dates (before the interview day) and the minutes for each."""
    per_week = min(7, max(1, round(hours_per_week / 1.5)))
    minutes = hours_per_week * 60 / per_week
    span = [start + timedelta(days=i) for i in range((interview - start).days)]
    days = [d for d in span if d.weekday() in WEEKDAYS[per_week]]
    if not days:
        # Too close for the weekly pattern: study every day that is left.
        days = span
    return days, max(15, int(round(minutes / 5) * 5))


def topic_weights(catalog: Catalog, request: PlanRequest) -> dict[str, float]:
    roles = roles_table()
    covered = {q.topic for q in catalog.questions.values() if request.role in q.roles}
    weights = {}
    for topic in catalog.topics:
        if topic not in covered:
            continue
        weakness = MASTERY_FLOOR + (1.0 - min(1.0, max(0.0, request.mastery.get(topic, 0.0))))
        weights[topic] = (
            roles.weight(request.role, topic) * weakness * (1.0 + request.focus.get(topic, 0.0))
        )
    return weights


def build_plan(catalog: Catalog, request: PlanRequest) -> list[PlanDay]:
    check_request(request)
    days, day_minutes = study_days(request.start, request.interview_date, request.hours_per_week)
    profile = roles_table().roles[request.role]  # type: ignore[index]

    # Special days: the last one is a review, and mock interviews before it.
    special: dict[date, str] = {days[-1]: "review"} if len(days) >= 2 else {}
    if len(days) >= 4:
        for i in range(len(days) - 2, 2, -MOCK_EVERY):
            special[days[i]] = "mock"

    free: dict[date, int] = {}
    for d in days:
        kind = special.get(d)
        if kind == "review":
            free[d] = 0
        elif kind == "mock":
            free[d] = max(0, day_minutes - MOCK_MINUTES)
        else:
            free[d] = day_minutes
    chunks_per_day = {d: _chunks(m) for d, m in free.items()}
    total_chunks = sum(len(c) for c in chunks_per_day.values())

    topics = topic_weights(catalog, request)
    concept_share = max(0.0, 1.0 - profile.coding_share - profile.design_share)
    weight_sum = sum(topics.values()) or 1.0
    total_minutes = sum(free.values()) or 1
    shares: dict[str, float] = {
        f"topic:{t}": concept_share * w / weight_sum for t, w in topics.items()
    }
    for topic, minutes in request.carry.items():
        if f"topic:{topic}" in shares:
            shares[f"topic:{topic}"] += minutes / total_minutes
    if profile.coding_share and catalog.problems:
        shares["coding"] = profile.coding_share
    if profile.design_share and catalog.scenarios:
        shares["design"] = profile.design_share
    order = _round_robin(shares, total_chunks)

    pickers = _Pickers(catalog, request)
    plan: list[PlanDay] = []
    it = iter(order)
    for d in days:
        activities: list[Activity] = []
        if special.get(d) == "mock":
            activities.append(
                Activity("mock", "Mock interview", min(MOCK_MINUTES, day_minutes), None, ())
            )
        merged: dict[str, int] = {}
        for minutes in chunks_per_day[d]:
            key = next(it)
            merged[key] = merged.get(key, 0) + minutes
        activities.extend(pickers.activity(key, minutes) for key, minutes in merged.items())
        if special.get(d) == "review":
            activities.extend(_review(topics, request, day_minutes, catalog))
        plan.append(PlanDay(d, sum(a.minutes for a in activities), tuple(activities)))
    return plan


def _chunks(minutes: int) -> list[int]:
    if minutes <= 0:
        return []
    n = max(1, minutes // CHUNK_MINUTES)
    sizes = [CHUNK_MINUTES] * n
    sizes[-1] += minutes - CHUNK_MINUTES * n
    return [s for s in sizes if s > 0]


def _round_robin(shares: Mapping[str, float], slots: int) -> list[str]:
    """Smooth weighted round-robin: each key gets slots in proportion to its share, spread out."""
    keys = sorted(shares, key=lambda k: (-shares[k], k))
    total = sum(shares[k] for k in keys)
    if not keys or total <= 0:
        return ["topic:review"] * slots
    current = dict.fromkeys(keys, 0.0)
    out = []
    for _ in range(slots):
        for k in keys:
            current[k] += shares[k]
        best = max(keys, key=lambda k: current[k])
        current[best] -= total
        out.append(best)
    return out


def _review(
    topics: Mapping[str, float], request: PlanRequest, minutes: int, catalog: Catalog
) -> list[Activity]:
    weakest = sorted(topics, key=lambda t: (request.mastery.get(t, 0.0), -topics[t]))[:2]
    review_minutes = max(10, int(minutes * 2 / 3))
    titles = " and ".join(catalog.topics[t].title for t in weakest) or "your topics"
    return [
        Activity(
            "review",
            f"Light review: key points of {titles}",
            review_minutes,
            weakest[0] if weakest else None,
            (),
        ),
        Activity(
            "review",
            "Interview-day checklist and your questions for the interviewers",
            max(5, minutes - review_minutes),
            None,
            (),
        ),
    ]


class _Pickers:
    """Hands out the next questions, problems and scenarios to practise, cycling through them."""

    def __init__(self, catalog: Catalog, request: PlanRequest) -> None:
        self.catalog = catalog
        level = {"easy": 0, "medium": 1, "hard": 2}
        role = request.role
        self.questions: dict[str, list[str]] = {}
        for q in catalog.questions.values():
            if role in q.roles:
                self.questions.setdefault(q.topic, []).append(q.id)
        for ids in self.questions.values():
            ids.sort(
                key=lambda i: (
                    request.history.get(i, -1.0),
                    level[catalog.questions[i].difficulty],
                    i,
                )
            )
        self.problems = sorted(
            (p for p in catalog.problems.values() if role in p.roles),
            key=lambda p: (level[p.difficulty], p.id),
        )
        focus = set(request.focus)
        self.scenarios = sorted(
            (s for s in catalog.scenarios.values() if role in s.roles),
            key=lambda s: (-len(focus & set(s.topics)), level[s.difficulty], s.id),
        )
        self.cursor: dict[str, int] = {}

    def _take(self, key: str, pool: Sequence[str], n: int) -> tuple[str, ...]:
        if not pool:
            return ()
        start = self.cursor.get(key, 0)
        self.cursor[key] = start + n
        return tuple(pool[(start + i) % len(pool)] for i in range(min(n, len(pool))))

    def activity(self, key: str, minutes: int) -> Activity:
        if key == "coding":
            n = max(1, minutes // 30)
            ids = self._take(key, [p.id for p in self.problems], n)
            return Activity("coding", "Coding problems", minutes, None, ids)
        if key == "design":
            ids = self._take(key, [s.id for s in self.scenarios], 1)
            title = self.catalog.scenarios[ids[0]].title if ids else "a design scenario"
            return Activity("design", f"Design: {title}", minutes, None, ids)
        topic = key.removeprefix("topic:")
        n = max(QUESTIONS_PER_CHUNK, math.ceil(minutes / CHUNK_MINUTES) * QUESTIONS_PER_CHUNK)
        ids = self._take(key, self.questions.get(topic, []), n)
        title = self.catalog.topics[topic].title if topic in self.catalog.topics else topic
        return Activity("concepts", title, minutes, topic, ids)


def minutes_by_topic(days: Sequence[PlanDay]) -> dict[str, int]:
    """Planned minutes per topic (coding, design and mock interviews under their own names)."""
    out: dict[str, int] = {}
    for d in days:
        for a in d.activities:
            key = a.topic if a.kind == "concepts" and a.topic else a.kind
            out[key] = out.get(key, 0) + a.minutes
    return out
