"""The mock interview session API, driven as the terminal or the web app would drive it."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from mlcoach.catalog import Catalog, Problem
from mlcoach.interview import MockError, MockInterview, MockServices, Prompt
from mlcoach.interview.data import fact_finding_table
from mlcoach.interview.mock import plan_concepts
from mlcoach.interview.services import CodeVerdict, JudgeUnavailableError
from mlcoach.store import Database
from mlcoach.store.models import Attempt, MockAnswer, MockSession

from .conftest import Clock, RecordingQueue

PROJECT = """
Late payments: I trained a LightGBM model on tabular invoice records to predict which invoices
would be paid late. The baseline was logistic regression; we reported PR AUC because late
payments were a minority class. It runs as a nightly batch job in Airflow.
"""

WRONG_CODE = "def nothing():\n    return None\n"


def good_answer(catalog: Catalog, prompt: Prompt) -> str:
    """An answer that states every key point, as a well-prepared candidate would."""
    if prompt.kind == "coding":
        assert prompt.ref is not None
        return catalog.problem(prompt.ref).reference_solution
    if prompt.kind == "design":
        assert prompt.ref is not None
        scenario = catalog.scenario(prompt.ref)
        return "\n\n".join(" ".join(p.text for p in d.key_points) for d in scenario.rubric)
    if prompt.kind == "concept":
        assert prompt.ref is not None
        return " ".join(k.text for k in catalog.question(prompt.ref).key_points)
    if prompt.kind in ("fact-finding", "your-questions"):
        table = fact_finding_table()
        q = next(q for q in (*table.questions, table.your_questions) if q.id == prompt.ref)
        return " ".join(k.text for k in q.key_points)
    return " ".join(prompt.detail["key_points"])


def start(
    db: Database,
    catalog: Catalog,
    user_id: int,
    clock: Clock,
    queue: RecordingQueue | None = None,
    **kwargs: object,
) -> MockInterview:
    services = MockServices(drills=queue, use_embedder=False)
    options: dict[str, object] = {"role": "engineering", "minutes": 45, "seed": 11}
    options.update(kwargs)
    return MockInterview.start(db, catalog, user_id, services=services, clock=clock, **options)  # type: ignore[arg-type]


def test_a_scripted_interview_runs_end_to_end_with_the_real_judge(
    db: Database, catalog: Catalog, user_id: int, clock: Clock, queue: RecordingQueue
) -> None:
    interview = start(db, catalog, user_id, clock, queue, project=PROJECT)
    kinds = [r.kind for r in interview.rounds()]
    assert kinds == ["fact-finding", "deep-dive", "concepts", "coding", "design"]
    assert sum(r.budget_seconds for r in interview.rounds()) == 45 * 60
    # The deep-dive was planned from the project: its first question names what was used.
    deep = interview.rounds()[1]
    assert deep.prompts[0].text.startswith("You used LightGBM on tabular data")

    verdicts = []
    while (prompt := interview.current_prompt()) is not None:
        interview.begin_round()
        clock.advance(40)
        outcome = interview.answer(good_answer(catalog, prompt))
        assert outcome.recorded
        if prompt.kind == "coding":
            verdicts.append(outcome.result)
    assert verdicts and verdicts[0]["verdict"] == "Accepted"  # judged in the sandbox

    card = interview.finish()
    assert [r.status for r in card.rounds] == ["done"] * 5
    assert all(r.answered == r.planned for r in card.rounds)
    by_kind = {r.kind: r.score for r in card.rounds}
    assert by_kind["coding"] == 5.0
    assert by_kind["concepts"] >= 4.0
    assert by_kind["design"] >= 4.0
    assert card.overall is not None and card.overall >= 4.0
    assert any("round" in s for s in card.strengths)
    assert len(card.areas) == 3
    assert all(area.drills for area in card.areas)
    assert queue.calls == [(user_id, card.drills)]  # the drills went to the user's queue
    assert all(area.queued == area.drills for area in card.areas)

    # Scorecard and transcript are stored with the session.
    with db.session() as s:
        row = s.get(MockSession, interview.id)
        assert row is not None
        assert row.status == "finished"
        assert row.scorecard is not None and row.scorecard["overall"] == card.overall
        transcript = row.transcript
        # Each concept answer is also an attempt, so it counts towards mastery and plans.
        sources = s.scalars(select(Attempt.source).where(Attempt.user_id == user_id)).all()
        assert sources and set(sources) == {"mock"}
    assert transcript is not None
    for r in interview.rounds():
        for p in r.prompts:
            assert p.text.strip().splitlines()[0] in transcript
    assert "```python" in transcript and "Accepted" in transcript
    assert "## Scorecard" in transcript and "Three areas to improve" in transcript
    # Finishing again returns the stored scorecard.
    assert interview.finish().as_dict() == card.as_dict()
    with pytest.raises(MockError):
        interview.answer("too late")


def test_time_running_out_closes_the_round_and_keeps_what_was_answered(
    db: Database, catalog: Catalog, user_id: int, clock: Clock
) -> None:
    interview = start(db, catalog, user_id, clock, rounds=["concepts"], minutes=10)
    state = interview.current_round()
    assert state is not None and state.budget_seconds == 600 and state.planned == 3
    assert interview.time_left() == 600  # no clock runs before the round begins
    interview.begin_round()
    clock.advance(100)
    first = interview.current_prompt()
    assert first is not None
    outcome = interview.answer(good_answer(catalog, first))
    assert outcome.recorded and not outcome.round_closed
    assert interview.time_left() == pytest.approx(500)
    clock.advance(501)
    assert interview.expire_if_due()
    assert interview.current_round() is None
    card = interview.finish()
    (concepts,) = card.rounds
    assert concepts.status == "timed-out"
    assert concepts.answered == 1 and concepts.planned == 3
    # The unanswered questions count zero: a third of the first answer's score.
    assert concepts.score == pytest.approx(round((outcome.score or 0) / 3, 1))
    assert concepts.used_seconds == 600


def test_an_answer_arriving_long_after_the_time_ran_out_is_not_recorded(
    db: Database, catalog: Catalog, user_id: int, clock: Clock
) -> None:
    interview = start(db, catalog, user_id, clock, rounds=["concepts"], minutes=10)
    interview.begin_round()
    clock.advance(600 + 5)
    prompt = interview.current_prompt()
    assert prompt is not None
    just_late = interview.answer(good_answer(catalog, prompt))
    assert just_late.recorded and just_late.timed_out and just_late.round_closed

    other = start(db, catalog, user_id, clock, rounds=["concepts"], minutes=10)
    other.begin_round()
    clock.advance(600 + 120)
    stale = other.answer("an answer from a tab left open")
    assert not stale.recorded and stale.timed_out
    assert other.current_round() is None
    with db.session() as s:
        texts = s.scalars(select(MockAnswer.text)).all()
    assert "an answer from a tab left open" not in texts


def test_an_interrupted_session_resumes_without_charging_the_time_away(
    db: Database, catalog: Catalog, user_id: int, clock: Clock
) -> None:
    interview = start(db, catalog, user_id, clock, rounds=["fact-finding", "concepts"], minutes=20)
    interview.begin_round()
    for _ in range(2):
        clock.advance(30)
        prompt = interview.current_prompt()
        assert prompt is not None
        interview.answer(good_answer(catalog, prompt))
    budget = interview.rounds()[0].budget_seconds
    # The process dies here; the candidate comes back two hours later.
    clock.advance(2 * 3600)
    assert MockInterview.latest_unfinished(db, user_id) == interview.id
    again = MockInterview.resume(
        db, catalog, user_id, services=MockServices(use_embedder=False), clock=clock
    )
    assert again.id == interview.id
    state = again.current_round()
    assert state is not None and state.kind == "fact-finding"
    assert len(state.answers) == 2
    assert again.time_left() == pytest.approx(budget - 60)
    again.begin_round()
    clock.advance(10)
    assert again.time_left() == pytest.approx(budget - 70)
    # A pause charges the time up to the pause, then the clock stands still.
    again.pause()
    clock.advance(600)
    assert again.time_left() == pytest.approx(budget - 70)


def test_a_failed_submission_can_be_fixed_and_resubmitted(
    db: Database, catalog: Catalog, user_id: int, clock: Clock
) -> None:
    interview = start(db, catalog, user_id, clock, rounds=["coding"], minutes=20)
    prompt = interview.current_prompt()
    assert prompt is not None and prompt.kind == "coding"
    assert prompt.detail["statement"]
    interview.begin_round()
    clock.advance(120)
    wrong = interview.answer(WRONG_CODE)
    assert wrong.recorded and wrong.retry and not wrong.round_closed
    assert wrong.result is not None and wrong.result["verdict"] != "Accepted"
    assert interview.current_prompt() == prompt  # the same problem stays open
    clock.advance(120)
    right = interview.answer(good_answer(catalog, prompt))
    assert right.round_closed and not right.retry
    card = interview.finish()
    assert card.rounds[0].score == 5.0  # the best submission counts
    transcript = interview.transcript() or ""
    assert "Submission 1" in transcript and "Submission 2" in transcript


@dataclass
class BrokenJudge:
    def judge(self, problem: Problem, code: str) -> CodeVerdict:
        raise JudgeUnavailableError("no sandbox on this machine")


def test_without_a_judge_the_coding_round_is_skipped_and_not_counted(
    db: Database, catalog: Catalog, user_id: int, clock: Clock
) -> None:
    services = MockServices(judge=BrokenJudge(), use_embedder=False)
    interview = MockInterview.start(
        db, catalog, user_id, role="engineering", minutes=20, rounds=["coding", "concepts"],
        seed=1, services=services, clock=clock,
    )  # fmt: skip
    outcomes = {}
    while (prompt := interview.current_prompt()) is not None:
        outcomes[prompt.kind] = interview.answer(good_answer(catalog, prompt))
    outcome = outcomes["coding"]
    assert outcome.round_closed and outcome.score is None
    assert outcome.message and "no sandbox" in outcome.message
    card = interview.finish()
    concepts, coding = card.rounds  # rounds keep the interview's order
    assert coding.status == "skipped" and coding.score is None
    assert "no sandbox" in (coding.note or "")
    assert card.overall == concepts.score


def test_without_a_project_the_deep_dive_asks_about_the_one_described(
    db: Database, catalog: Catalog, user_id: int, clock: Clock
) -> None:
    interview = start(db, catalog, user_id, clock, rounds=["deep-dive"], minutes=12)
    intro = interview.current_prompt()
    assert intro is not None and intro.kind == "project-intro"
    planned = interview.current_round().planned  # type: ignore[union-attr]
    interview.answer(PROJECT)
    state = interview.current_round()
    assert state is not None
    assert len(state.prompts) == planned
    assert state.prompts[1].text.startswith("You used LightGBM on tabular data")
    assert state.details["profile"]["mentions"]


def test_skipping_and_ending_rounds_early_count_as_unanswered(
    db: Database, catalog: Catalog, user_id: int, clock: Clock
) -> None:
    interview = start(db, catalog, user_id, clock, rounds=["fact-finding", "design"], minutes=20)
    skipped = interview.skip()
    assert skipped.kind == "fact-finding"
    interview.advance()  # end the fact-finding round
    interview.advance()  # skip the design round without starting it
    card = interview.finish()
    ff, design = card.rounds
    assert ff.answered == 0 and ff.score == 0.0 and ff.note == "ended early by the candidate"
    assert design.score == 0.0 and design.note == "skipped by the candidate"
    # With nothing answered, the areas to improve come from the user's (empty) mastery.
    assert len(card.areas) == 3 and all(a.score is None for a in card.areas)


def test_bad_requests_get_clear_errors(
    db: Database, catalog: Catalog, user_id: int, clock: Clock
) -> None:
    with pytest.raises(MockError, match="unknown role"):
        start(db, catalog, user_id, clock, role="manager")
    with pytest.raises(MockError, match="10 to 240 minutes"):
        start(db, catalog, user_id, clock, minutes=3)
    with pytest.raises(MockError, match="unknown round"):
        start(db, catalog, user_id, clock, rounds=["lunch"])
    with pytest.raises(MockError, match="no unfinished mock interview"):
        MockInterview.resume(db, catalog, user_id)
    interview = start(db, catalog, user_id, clock, rounds=["concepts"], minutes=10)
    with pytest.raises(MockError, match="characters"):
        interview.answer("x" * 60_000)


def test_the_concepts_round_draws_on_the_topics_each_role_is_asked_about(catalog: Catalog) -> None:
    def topics_drawn(role: str) -> Counter[str]:
        drawn: Counter[str] = Counter()
        for seed in range(60):
            prompts = plan_concepts(catalog, role, 12 * 60, random.Random(seed), {}, {})
            drawn.update(catalog.question(p.ref or "").topic for p in prompts)
        return drawn

    research, engineering = topics_drawn("research"), topics_drawn("engineering")
    # Research interviews ask for derivations, engineering ones for operating models in production.
    assert research["maths"] >= 2 * engineering["maths"]
    assert engineering["mlops"] >= 1.5 * research["mlops"]


def test_a_resent_answer_with_the_same_key_is_recorded_once(
    db: Database, catalog: Catalog, user_id: int, clock: Clock
) -> None:
    interview = start(db, catalog, user_id, clock, rounds=["concepts"], minutes=10)
    interview.begin_round()
    first = interview.current_prompt()
    assert first is not None
    text = good_answer(catalog, first)
    outcome = interview.answer(text, idempotency_key="form-1")
    assert outcome.recorded and not outcome.replayed
    second = interview.current_prompt()
    assert second is not None and second.index != first.index
    # The form is sent again (a reload after a lost response): the same outcome, nothing new,
    # and the next question is still open.
    again = interview.answer(text, idempotency_key="form-1")
    assert again.replayed and again.prompt == first and again.score == outcome.score
    assert interview.current_prompt() == second
    with pytest.raises(MockError, match="different answer"):
        interview.answer("something else entirely", idempotency_key="form-1")
    # A new form (a new key) answers the open question.
    assert interview.answer(good_answer(catalog, second), idempotency_key="form-2").prompt == second
    with db.session() as s:
        keys = s.scalars(select(MockAnswer.idempotency_key)).all()
        attempts = s.scalars(select(Attempt.question_id).where(Attempt.user_id == user_id)).all()
    assert sorted(keys) == ["form-1", "form-2"]  # type: ignore[type-var]
    assert sorted(attempts) == sorted([first.ref, second.ref])  # type: ignore[type-var]
