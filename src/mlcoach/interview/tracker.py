"""Real interviews the user is preparing for: their stage, their checklists, and a thank-you note.

Every interview gets the shipped checklists (research, preparation, the day itself, afterwards);
the user ticks items as they do them. An item is stored by "<checklist>/<item id>", so its tick
survives a rewording of the item's text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcoach.catalog import Catalog, Checklist
from mlcoach.catalog.models import ChecklistItem
from mlcoach.errors import MlcoachError, NotFoundError
from mlcoach.store import Database
from mlcoach.store.models import ChecklistTick, Interview

STAGES = (
    "applied",
    "screening",
    "technical",
    "onsite",
    "final",
    "offer",
    "accepted",
    "rejected",
    "withdrawn",
)
STAGE_ORDER = ("research", "preparation", "interview-day", "after")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_NAME = 200


@dataclass(frozen=True)
class ChecklistEntry:
    number: int  # 1-based position in the combined list, as `interviews show` prints it
    key: str  # "<checklist id>/<item id>"
    checklist: Checklist
    item: ChecklistItem


@dataclass(frozen=True)
class InterviewInfo:
    id: int
    company: str
    role: str
    interview_date: date | None
    interview_time: str | None
    location: str | None
    stage: str
    interviewers: tuple[str, ...]
    topics: tuple[str, ...]
    notes: str
    created_at: datetime
    updated_at: datetime
    ticked: frozenset[str]

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "company": self.company,
            "role": self.role,
            "date": self.interview_date.isoformat() if self.interview_date else None,
            "time": self.interview_time,
            "location": self.location,
            "stage": self.stage,
            "interviewers": list(self.interviewers),
            "topics": list(self.topics),
            "notes": self.notes,
            "ticked": sorted(self.ticked),
        }


def _info(row: Interview) -> InterviewInfo:
    return InterviewInfo(
        id=row.id,
        company=row.company,
        role=row.role,
        interview_date=row.interview_date,
        interview_time=row.interview_time,
        location=row.location,
        stage=row.stage,
        interviewers=tuple(row.interviewers or ()),
        topics=tuple(row.topics or ()),
        notes=row.notes,
        created_at=row.created_at,
        updated_at=row.updated_at,
        ticked=frozenset(t.item_key for t in row.ticks),
    )


def _text(value: str, what: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise MlcoachError(f"the {what} cannot be empty")
    if len(value) > MAX_NAME:
        raise MlcoachError(f"the {what} is longer than {MAX_NAME} characters")
    return value


def check_stage(stage: str) -> str:
    stage = stage.strip().lower()
    if stage not in STAGES:
        raise MlcoachError(f"unknown stage {stage!r}; choose one of: {', '.join(STAGES)}")
    return stage


def check_time(value: str | None) -> str | None:
    if value is None:
        return None
    if not _TIME.match(value.strip()):
        raise MlcoachError(f"the time {value!r} is not HH:MM (24-hour clock), e.g. 14:30")
    return value.strip()


def _names(values: Sequence[str], what: str) -> list[str]:
    return [_text(v, what) for v in values if v.strip()]


def add_interview(
    db: Database,
    user_id: int,
    *,
    company: str,
    role: str,
    interview_date: date | None = None,
    interview_time: str | None = None,
    location: str | None = None,
    stage: str = "applied",
    interviewers: Sequence[str] = (),
    topics: Sequence[str] = (),
    notes: str = "",
    now: datetime | None = None,
) -> InterviewInfo:
    now = now or datetime.now(UTC)
    with db.session() as s:
        row = Interview(
            user_id=user_id,
            company=_text(company, "company"),
            role=_text(role, "role"),
            interview_date=interview_date,
            interview_time=check_time(interview_time),
            location=_text(location, "location") if location else None,
            stage=check_stage(stage),
            interviewers=_names(interviewers, "interviewer's name"),
            topics=_names(topics, "topic"),
            notes=notes.strip(),
            created_at=now,
            updated_at=now,
        )
        s.add(row)
        s.flush()
        return _info(row)


def list_interviews(db: Database, user_id: int) -> list[InterviewInfo]:
    """Upcoming interviews first (soonest first), then those without a date, newest first."""
    with db.session() as s:
        rows = list(s.scalars(select(Interview).where(Interview.user_id == user_id)))
        infos = [_info(r) for r in rows]
    dated = sorted((i for i in infos if i.interview_date), key=lambda i: (i.interview_date, i.id))
    undated = sorted((i for i in infos if not i.interview_date), key=lambda i: -i.id)
    return dated + undated


def _row(s: Session, user_id: int, interview_id: int) -> Interview:
    row = s.get(Interview, interview_id)
    if row is None or row.user_id != user_id:
        raise NotFoundError(f"no interview with id {interview_id}; see `mlcoach interviews list`")
    return row


def get_interview(db: Database, user_id: int, interview_id: int) -> InterviewInfo:
    with db.session() as s:
        return _info(_row(s, user_id, interview_id))


def set_stage(
    db: Database, user_id: int, interview_id: int, stage: str, now: datetime | None = None
) -> InterviewInfo:
    with db.session() as s:
        row = _row(s, user_id, interview_id)
        row.stage = check_stage(stage)
        row.updated_at = now or datetime.now(UTC)
        s.flush()
        return _info(row)


def update_interview(
    db: Database,
    user_id: int,
    interview_id: int,
    *,
    interviewers: Sequence[str] = (),
    topics: Sequence[str] = (),
    interview_date: date | None = None,
    interview_time: str | None = None,
    location: str | None = None,
    notes: str | None = None,
    now: datetime | None = None,
) -> InterviewInfo:
    """Add interviewers and topics discussed (kept in order, without repeats); set the others."""
    with db.session() as s:
        row = _row(s, user_id, interview_id)
        if interviewers:
            row.interviewers = list(
                dict.fromkeys([*row.interviewers, *_names(interviewers, "interviewer's name")])
            )
        if topics:
            row.topics = list(dict.fromkeys([*row.topics, *_names(topics, "topic")]))
        if interview_date is not None:
            row.interview_date = interview_date
        if interview_time is not None:
            row.interview_time = check_time(interview_time)
        if location is not None:
            row.location = _text(location, "location")
        if notes is not None:
            row.notes = notes.strip()
        row.updated_at = now or datetime.now(UTC)
        s.flush()
        return _info(row)


def remove_interview(db: Database, user_id: int, interview_id: int) -> InterviewInfo:
    with db.session() as s:
        row = _row(s, user_id, interview_id)
        info = _info(row)
        s.delete(row)
        return info


# --- Checklists -------------------------------------------------------------------------------------


def item_key(checklist: Checklist, index: int, item: ChecklistItem) -> str:
    return f"{checklist.id}/{item.id or index + 1}"


def checklist_entries(catalog: Catalog) -> list[ChecklistEntry]:
    """Every checklist item, numbered, in the order of an interview's stages."""
    lists = sorted(
        catalog.checklists.values(),
        key=lambda c: (STAGE_ORDER.index(c.stage), c.id),
    )
    entries: list[ChecklistEntry] = []
    for checklist in lists:
        for index, item in enumerate(checklist.items):
            entries.append(
                ChecklistEntry(len(entries) + 1, item_key(checklist, index, item), checklist, item)
            )
    return entries


def resolve_items(catalog: Catalog, refs: Sequence[str]) -> list[ChecklistEntry]:
    """Items named by number (as shown), by key ("after/thank-you-note") or by item id."""
    entries = checklist_entries(catalog)
    if not entries:
        raise MlcoachError("no checklists are installed")
    by_key = {e.key: e for e in entries}
    by_item: dict[str, list[ChecklistEntry]] = {}
    for e in entries:
        by_item.setdefault(e.key.split("/", 1)[1], []).append(e)
    out: list[ChecklistEntry] = []
    for ref in refs:
        ref = ref.strip()
        if ref.isdigit():
            n = int(ref)
            if not 1 <= n <= len(entries):
                raise MlcoachError(f"no checklist item {n}; items are numbered 1 to {len(entries)}")
            out.append(entries[n - 1])
        elif ref in by_key:
            out.append(by_key[ref])
        elif len(by_item.get(ref, [])) == 1:
            out.append(by_item[ref][0])
        else:
            raise MlcoachError(
                f"no checklist item {ref!r}; use the number or the key shown by "
                "`mlcoach interviews show ID`"
            )
    return list(dict.fromkeys(out))


def tick_items(
    db: Database,
    catalog: Catalog,
    user_id: int,
    interview_id: int,
    refs: Sequence[str],
    *,
    undo: bool = False,
    now: datetime | None = None,
) -> tuple[InterviewInfo, list[ChecklistEntry]]:
    """Mark checklist items done for one interview (or not done, with ``undo``)."""
    if not refs:
        raise MlcoachError("name at least one checklist item (its number or key)")
    entries = resolve_items(catalog, refs)
    now = now or datetime.now(UTC)
    with db.session() as s:
        row = _row(s, user_id, interview_id)
        existing = {t.item_key: t for t in row.ticks}
        for entry in entries:
            if undo and entry.key in existing:
                row.ticks.remove(existing[entry.key])
            elif not undo and entry.key not in existing:
                row.ticks.append(ChecklistTick(item_key=entry.key, ticked_at=now))
        row.updated_at = now
        s.flush()
        return _info(row), entries


def progress(info: InterviewInfo, catalog: Catalog) -> tuple[int, int]:
    entries = checklist_entries(catalog)
    return sum(e.key in info.ticked for e in entries), len(entries)


# --- Thank-you note ---------------------------------------------------------------------------------


def _join(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def thank_you_note(info: InterviewInfo, *, sender: str | None = None) -> str:
    """A short draft to adapt, built from what was recorded about the interview."""
    greeting = (
        f"Dear {_join(info.interviewers)}," if info.interviewers else (f"Dear {info.company} team,")
    )
    when = ""
    if info.interview_date:
        when = f" on {info.interview_date.strftime('%A')} {info.interview_date.day} " + (
            info.interview_date.strftime("%B")
        )
    lines = [
        f"Subject: Thank you for the {info.role} interview",
        "",
        greeting,
        "",
        f"Thank you for taking the time to meet me{when} to talk about the {info.role} role at "
        f"{info.company}. I enjoyed the conversation, and it left me even more keen to join "
        "your team.",
    ]
    if info.topics:
        topics = list(info.topics)
        lines += [
            "",
            f"I especially enjoyed our discussion of {_join(topics[:3])}. It was a good "
            "picture of the problems the team works on, and of where my experience could help.",
        ]
    lines += [
        "",
        "If it would be useful, I am happy to share more about my past work or to answer any "
        "further questions. I look forward to hearing about the next steps.",
        "",
        "Kind regards,",
        sender or "[Your name]",
    ]
    return "\n".join(lines) + "\n"
