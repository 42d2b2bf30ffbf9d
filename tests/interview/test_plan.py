"""Study plans: built by role and mastery, stored, re-planned after missed days, exported."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from mlcoach.catalog import Catalog
from mlcoach.interview import PlanRequest, build_plan, create_plan, plan_to_ics, replan
from mlcoach.interview.plan_builder import PlanError, minutes_by_topic, study_days
from mlcoach.interview.stored_plans import NoPlanError, refresh_statuses
from mlcoach.store import Database, record_attempt
from mlcoach.store.models import User

from ..conftest import CliRunner

START = date(2026, 11, 26)  # a Thursday
INTERVIEW = date(2026, 12, 15)


def request(**changes: object) -> PlanRequest:
    base: dict[str, object] = {
        "role": "research",
        "start": START,
        "interview_date": INTERVIEW,
        "hours_per_week": 8.0,
    }
    base.update(changes)
    return PlanRequest(**base)  # type: ignore[arg-type]


def concept_minutes(days: list, topic: str) -> int:  # type: ignore[type-arg]
    return minutes_by_topic(days).get(topic, 0)


def test_a_plan_fills_the_study_days_before_the_interview(catalog: Catalog) -> None:
    days = build_plan(catalog, request())
    assert days[0].day >= START and days[-1].day < INTERVIEW
    assert len({d.day for d in days}) == len(days)
    # 8 hours a week: five study days a week of about 95 minutes, Sundays off.
    assert all(d.day.weekday() != 6 for d in days)
    weekly = sum(d.minutes for d in days if date(2026, 11, 30) <= d.day <= date(2026, 12, 6))
    assert 7 * 60 <= weekly <= 9 * 60
    # The day before the interview is a light review; a full mock interview comes before it.
    assert {a.kind for a in days[-1].activities} == {"review"}
    assert days[-2].activities[0].kind == "mock"
    # Concept activities name the questions to practise, from the topic and for the role.
    for d in days:
        for a in d.activities:
            if a.kind == "concepts":
                assert a.items
                assert all(catalog.questions[i].topic == a.topic for i in a.items)
                assert all("research" in catalog.questions[i].roles for i in a.items)


def test_weak_topics_get_more_time_than_mastered_ones(catalog: Catalog) -> None:
    even = build_plan(catalog, request())
    skewed = build_plan(
        catalog, request(mastery={"optimisation": 0.95, "probability-statistics": 0.0})
    )
    assert concept_minutes(skewed, "optimisation") < concept_minutes(even, "optimisation")
    assert concept_minutes(skewed, "probability-statistics") > concept_minutes(
        skewed, "optimisation"
    )


def test_the_role_decides_which_topics_dominate(catalog: Catalog) -> None:
    research = minutes_by_topic(build_plan(catalog, request(role="research")))
    engineering = minutes_by_topic(build_plan(catalog, request(role="engineering")))
    assert research["optimisation"] > research.get("ml-engineering", 0)
    assert engineering["ml-engineering"] > engineering.get("optimisation", 0)
    assert engineering["coding"] > research["coding"]


def test_focus_from_a_job_description_shifts_time(catalog: Catalog) -> None:
    plain = build_plan(catalog, request(role="engineering"))
    focused = build_plan(catalog, request(role="engineering", focus={"metrics": 2.0}))
    assert concept_minutes(focused, "metrics") > concept_minutes(plain, "metrics")


def test_impossible_plans_are_refused_with_the_reason(catalog: Catalog) -> None:
    with pytest.raises(PlanError, match="must be after"):
        build_plan(catalog, request(interview_date=START))
    with pytest.raises(PlanError, match="hours per week"):
        build_plan(catalog, request(hours_per_week=0))
    with pytest.raises(PlanError, match="unknown role"):
        build_plan(catalog, request(role="astronaut"))
    # Two days before: too short for the weekly pattern, so every day left is used.
    days, _ = study_days(date(2026, 11, 29), date(2026, 12, 1), 2)
    assert days == [date(2026, 11, 29), date(2026, 11, 30)]


def _practise_on(db: Database, user_id: int, day: date) -> None:
    with db.session() as s:
        user = s.get(User, user_id)
        assert user is not None
        attempt = record_attempt(s, user, "splits-why-three-sets", "an answer", score=2.0)
        attempt.created_at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def test_replanning_marks_done_and_missed_days_and_makes_up_the_missed_topics(
    db: Database, catalog: Catalog, user_id: int
) -> None:
    plan = create_plan(
        db, catalog, user_id, role="research", interview_date=INTERVIEW, hours_per_week=8,
        today=START,
    )  # fmt: skip
    first, second, third = plan.days[:3]
    _practise_on(db, user_id, second.day)
    today = date(2026, 12, 1)
    shown = refresh_statuses(db, user_id, today)
    assert shown is not None
    statuses = {d.day: d.status for d in shown.days}
    assert statuses[first.day] == "missed"
    assert statuses[second.day] == "done"
    assert statuses[third.day] == "missed"

    missed_topics = {a.topic for d in (first, third) for a in d.activities if a.kind == "concepts"}
    before = minutes_by_topic([d for d in plan.days if d.day >= today])
    again = replan(db, catalog, user_id, today=today)
    assert again.id == plan.id and again.revision == 2
    # History stays; the days from today are new, and the missed topics got time back.
    assert [d.day for d in again.days if d.day < today] == [
        d.day for d in plan.days if d.day < today
    ]
    after = minutes_by_topic([d for d in again.days if d.day >= today])
    assert sum(after.get(t, 0) for t in missed_topics) > sum(
        before.get(t, 0) for t in missed_topics
    )
    assert all(d.status == "planned" for d in again.days if d.day >= today)


def test_replanning_needs_a_plan_with_an_interview_still_ahead(
    db: Database, catalog: Catalog, user_id: int
) -> None:
    with pytest.raises(NoPlanError, match="no study plan"):
        replan(db, catalog, user_id, today=START)
    create_plan(
        db, catalog, user_id, role="engineering", interview_date=INTERVIEW, hours_per_week=5,
        today=START,
    )  # fmt: skip
    with pytest.raises(NoPlanError, match="has passed"):
        replan(db, catalog, user_id, today=date(2026, 12, 20))


def test_the_calendar_has_one_event_per_study_day_with_stable_uids(
    db: Database, catalog: Catalog, user_id: int
) -> None:
    plan = create_plan(
        db, catalog, user_id, role="data-science", interview_date=INTERVIEW, hours_per_week=6,
        today=START,
    )  # fmt: skip
    calendar = Calendar.from_ical(plan_to_ics(plan))
    assert calendar.name == "VCALENDAR"
    assert str(calendar["VERSION"]) == "2.0" and "mlcoach" in str(calendar["PRODID"])
    events = calendar.walk("VEVENT")
    assert len(events) == len(plan.days)
    assert [e.decoded("DTSTART") for e in events] == [d.day for d in plan.days]
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    assert all(str(e["SUMMARY"]).startswith("Study (") for e in events)
    first = events[0]
    assert first.decoded("DTEND") == plan.days[0].day + timedelta(days=1)
    assert plan.days[0].activities[0].title in str(first["DESCRIPTION"])

    # Exporting again gives the same UIDs; after re-planning, days that remain keep theirs.
    assert [str(e["UID"]) for e in Calendar.from_ical(plan_to_ics(plan)).walk("VEVENT")] == uids
    again = replan(db, catalog, user_id, today=date(2026, 12, 1))
    new_events = Calendar.from_ical(plan_to_ics(again)).walk("VEVENT")
    by_day = {e.decoded("DTSTART"): str(e["UID"]) for e in new_events}
    old_by_day = dict(zip([d.day for d in plan.days], uids, strict=True))
    for day, uid in by_day.items():
        if day in old_by_day:
            assert uid == old_by_day[day]
    assert {int(e["SEQUENCE"]) for e in new_events} == {1}


def test_plan_command_creates_shows_replans_and_exports(run_cli: CliRunner, tmp_path: Path) -> None:
    ics = tmp_path / "plan.ics"
    made = run_cli(
        "plan", "--role", "research", "--interview-date", "2026-12-15", "--hours-per-week", "8",
        "--start", "2026-11-26", "--ics", str(ics),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "study days until 2026-12-15" in made.stdout
    events = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert len(events) >= 10

    shown = run_cli("plan", "--start", "2026-12-02", "--json")
    data = json.loads(shown.stdout)
    assert data["counts"]["missed"] >= 3  # nothing was practised on the first days
    replanned = run_cli("plan", "--replan", "--start", "2026-12-02")
    assert replanned.returncode == 0, replanned.stderr
    assert "revision 2" in replanned.stdout

    bad = run_cli("plan", "--role", "research", "--interview-date", "15/12/2026")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_each_role_studies_its_own_newer_topics(catalog: Catalog) -> None:
    longer = {"interview_date": START + timedelta(days=60)}
    research = minutes_by_topic(build_plan(catalog, request(role="research", **longer)))
    engineering = minutes_by_topic(build_plan(catalog, request(role="engineering", **longer)))
    science = minutes_by_topic(build_plan(catalog, request(role="data-science", **longer)))
    # Research interviews ask for derivations: maths is among the research plan's largest topics.
    concepts = {t: m for t, m in research.items() if t in catalog.topics}
    assert research["maths"] >= 0.8 * max(concepts.values())
    assert research["maths"] > engineering.get("maths", 0)
    # Engineering interviews ask about serving and operating models.
    assert engineering["mlops"] > research.get("mlops", 0)
    assert engineering["mlops"] > engineering.get("maths", 0)
    # Data-science interviews ask for SQL and pandas, experiments and forecasting.
    for topic in ("data-manipulation", "experimentation", "time-series"):
        assert science[topic] > research.get(topic, 0), topic
