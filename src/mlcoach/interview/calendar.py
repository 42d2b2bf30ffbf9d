"""A study plan as an iCalendar file: one all-day event per study day.

Each event's UID is made of the plan's id and the day, so exporting the same plan again (or after
re-planning) updates the events already imported instead of duplicating them; SEQUENCE is the
plan's revision, which tells calendar programs which version is newer.
"""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar, Event

from mlcoach import __version__
from mlcoach.interview.data import roles_table
from mlcoach.interview.stored_plans import StoredPlan

PRODID = f"-//mlcoach//study plan {__version__}//EN"
UID_DOMAIN = "mlcoach.study-plan"


def event_uid(plan_id: int, day_iso: str) -> str:
    return f"plan-{plan_id}-{day_iso.replace('-', '')}@{UID_DOMAIN}"


def plan_to_ics(plan: StoredPlan) -> bytes:
    role = roles_table().roles[plan.role].title  # type: ignore[index]
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"mlcoach: {role} interview on {plan.interview_date.isoformat()}")
    for day in plan.days:
        event = Event()
        event.add("uid", event_uid(plan.id, day.day.isoformat()))
        event.add("dtstamp", plan.updated_at)
        event.add("sequence", plan.revision - 1)
        event.add("dtstart", day.day)
        event.add("dtend", day.day + timedelta(days=1))
        titles = ", ".join(a.title for a in day.activities[:3])
        event.add("summary", f"Study ({day.minutes} min): {titles}")
        lines = []
        for a in day.activities:
            line = f"- {a.title}: {a.minutes} min"
            if a.items:
                line += f" ({', '.join(a.items)})"
            lines.append(line)
        if day.status != "planned":
            lines.append(f"Status: {day.status}")
        lines.append(f"Interview: {plan.interview_date.isoformat()} ({role})")
        event.add("description", "\n".join(lines))
        event.add("transp", "TRANSPARENT")  # a study day does not mark the user as busy
        cal.add_component(event)
    return bytes(cal.to_ical())
