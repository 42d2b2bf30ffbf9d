"""Tracked interviews: stages, checklist ticks that are stored, and the thank-you draft."""

from __future__ import annotations

import json
from datetime import date

import pytest

from mlcoach.catalog import Catalog
from mlcoach.errors import MlcoachError, NotFoundError
from mlcoach.interview import (
    add_interview,
    checklist_entries,
    get_interview,
    list_interviews,
    set_stage,
    thank_you_note,
    tick_items,
    update_interview,
)
from mlcoach.interview.tracker import progress
from mlcoach.store import Database

from ..conftest import CliRunner


def test_an_interview_moves_through_stages_and_its_checklist_is_stored(
    db: Database, catalog: Catalog, user_id: int
) -> None:
    info = add_interview(
        db, user_id, company="Northwind Labs", role="Research Scientist",
        interview_date=date(2026, 12, 15), interview_time="14:30",
    )  # fmt: skip
    assert info.stage == "applied" and not info.ticked
    assert set_stage(db, user_id, info.id, "Technical").stage == "technical"

    entries = checklist_entries(catalog)
    by_key = {e.key: e for e in entries}
    assert "research/company-products" in by_key and "after/thank-you-note" in by_key
    # By number as printed, by key, or by the item's own id.
    ticked, resolved = tick_items(
        db, catalog, user_id, info.id, ["1", "interview-day/plan-route", "thank-you-note"]
    )
    assert [e.key for e in resolved] == [
        entries[0].key,
        "interview-day/plan-route",
        "after/thank-you-note",
    ]
    assert progress(ticked, catalog) == (3, len(entries))
    # Stored: a fresh read sees the ticks; ticking again changes nothing.
    again = get_interview(db, user_id, info.id)
    assert again.ticked == ticked.ticked
    tick_items(db, catalog, user_id, info.id, ["1"])
    assert progress(get_interview(db, user_id, info.id), catalog)[0] == 3
    undone, _ = tick_items(db, catalog, user_id, info.id, ["after/thank-you-note"], undo=True)
    assert "after/thank-you-note" not in undone.ticked


def test_interviews_are_listed_soonest_first(db: Database, user_id: int) -> None:
    later = add_interview(
        db, user_id, company="B", role="ML Engineer", interview_date=date(2026, 12, 20)
    )
    sooner = add_interview(
        db, user_id, company="A", role="ML Engineer", interview_date=date(2026, 12, 2)
    )
    undated = add_interview(db, user_id, company="C", role="Data Scientist")
    assert [i.id for i in list_interviews(db, user_id)] == [sooner.id, later.id, undated.id]


def test_wrong_input_is_refused_clearly(db: Database, catalog: Catalog, user_id: int) -> None:
    info = add_interview(db, user_id, company="Fieldhand", role="CV Engineer")
    with pytest.raises(MlcoachError, match="unknown stage"):
        set_stage(db, user_id, info.id, "hired-on-the-spot")
    with pytest.raises(MlcoachError, match="HH:MM"):
        add_interview(db, user_id, company="X", role="Y", interview_time="2pm")
    with pytest.raises(MlcoachError, match="cannot be empty"):
        add_interview(db, user_id, company="  ", role="Y")
    with pytest.raises(MlcoachError, match="no checklist item 99"):
        tick_items(db, catalog, user_id, info.id, ["99"])
    with pytest.raises(MlcoachError, match="no checklist item 'polish-shoes'"):
        tick_items(db, catalog, user_id, info.id, ["polish-shoes"])
    with pytest.raises(NotFoundError, match="no interview with id 404"):
        get_interview(db, user_id, 404)


def test_the_thank_you_note_uses_what_was_recorded(db: Database, user_id: int) -> None:
    info = add_interview(
        db, user_id, company="Brightcart", role="Data Scientist, Growth",
        interview_date=date(2026, 12, 15),
    )  # fmt: skip
    plain = thank_you_note(info)
    assert "Dear Brightcart team," in plain
    assert "Data Scientist, Growth role at Brightcart" in plain
    assert "on Tuesday 15 December" in plain
    assert "[Your name]" in plain

    info = update_interview(
        db, user_id, info.id,
        interviewers=["Ana Silva", "Ben Okafor", "Ana Silva"],
        topics=["retention uplift models", "A/B test power"],
    )  # fmt: skip
    assert info.interviewers == ("Ana Silva", "Ben Okafor")  # no repeats
    note = thank_you_note(info, sender="Alex Moreno")
    assert note.startswith("Subject: Thank you for the Data Scientist, Growth interview")
    assert "Dear Ana Silva and Ben Okafor," in note
    assert "retention uplift models and A/B test power" in note
    assert note.rstrip().endswith("Alex Moreno")
    assert "next steps" in note


def test_interviews_commands(run_cli: CliRunner) -> None:
    added = run_cli(
        "interviews", "add", "--company", "Tessellate", "--role", "MLOps Engineer",
        "--date", "2026-12-10", "--time", "10:00", "--interviewer", "Priya", "--json",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    interview_id = str(json.loads(added.stdout)["id"])

    assert run_cli("interviews", "stage", interview_id, "onsite").returncode == 0
    done = run_cli("interviews", "done", interview_id, "1", "2", "after/tell-references")
    assert done.returncode == 0, done.stderr
    assert "3/" in done.stdout
    updated = run_cli("interviews", "update", interview_id, "--topic", "feature stores")
    assert updated.returncode == 0, updated.stderr

    shown = json.loads(run_cli("interviews", "show", interview_id, "--json").stdout)
    assert shown["stage"] == "onsite"
    assert sum(item["done"] for item in shown["checklist"]) == 3
    assert shown["topics"] == ["feature stores"]

    printed = run_cli("interviews", "show", interview_id)
    assert "Research the company and the role" in printed.stdout and "✓" in printed.stdout

    listed = json.loads(run_cli("interviews", "list", "--json").stdout)
    assert [i["company"] for i in listed] == ["Tessellate"]

    note = run_cli("interviews", "thank-you", interview_id, "--name", "Sam")
    assert "Dear Priya," in note.stdout and "feature stores" in note.stdout

    questions = run_cli("interviews", "questions", "--role", "research")
    assert questions.stdout.splitlines()[0].startswith("★ What are the next steps")
    assert "research directions" in questions.stdout

    bad = run_cli("interviews", "stage", interview_id, "hired")
    assert bad.returncode == 2 and "unknown stage" in bad.stderr
