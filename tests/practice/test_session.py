"""A drill driven through the session API: grades become ratings, and FSRS decides the due dates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fsrs import Card, Rating, Scheduler
from sqlalchemy import select

from mlcoach.catalog import Catalog, Question
from mlcoach.errors import MlcoachError
from mlcoach.practice import DrillOptions, DrillSession, suggest_rating
from mlcoach.practice.optimise import OptimiserUnavailable, optimiser_missing, refit_parameters
from mlcoach.store import Database, list_attempts
from mlcoach.store.models import DrillCard, ReviewLogEntry, SchedulerParameters, User
from tests.practice.conftest import FakeClock


def full_answer(q: Question) -> str:
    return " ".join(k.text for k in q.key_points)


def partial_answer(q: Question) -> str:
    return q.key_points[0].text


def fsrs_reference() -> Scheduler:
    return Scheduler(enable_fuzzing=False)


def make_session(
    database: Database,
    user: User,
    catalog: Catalog,
    grader,  # type: ignore[no-untyped-def]
    clock: FakeClock,
    **options: object,
) -> DrillSession:
    return DrillSession(
        database,
        user,
        catalog,
        options=DrillOptions(**options),
        grader=grader,
        clock=clock,  # type: ignore[arg-type]
    )


def test_the_grade_suggests_a_rating_by_documented_thresholds() -> None:
    assert suggest_rating(0.0) is Rating.Again
    assert suggest_rating(1.49) is Rating.Again
    assert suggest_rating(1.5) is Rating.Hard
    assert suggest_rating(2.99) is Rating.Hard
    assert suggest_rating(3.0) is Rating.Good
    assert suggest_rating(4.49) is Rating.Good
    assert suggest_rating(4.5) is Rating.Easy
    assert suggest_rating(5.0) is Rating.Easy


def test_answered_cards_are_scheduled_exactly_as_fsrs_computes(
    database: Database, user: User, catalog: Catalog, lexical_grader, clock: FakeClock
) -> None:
    session = make_session(database, user, catalog, lexical_grader, clock, topic="metrics")
    reference = fsrs_reference()
    expected: dict[str, Card] = {}
    ratings: list[Rating] = []

    answers = [full_answer, partial_answer, lambda q: "no idea, sorry"]
    for make_answer in answers:
        item = session.next_card()
        assert item is not None and item.is_new and item.question.topic == "metrics"
        grade = session.submit(make_answer(item.question))
        recorded = session.record()
        assert recorded.rating is suggest_rating(grade.score)
        card, _ = reference.review_card(Card(card_id=1, due=clock.now), recorded.rating, clock.now)
        assert recorded.due == card.due
        expected[item.question.id] = card
        ratings.append(recorded.rating)
        clock.advance(seconds=30)

    assert Rating.Again in ratings and ratings[0] > Rating.Again  # the answers really differ

    with database.session() as s:
        rows = {r.question_id: r for r in s.scalars(select(DrillCard))}
    assert set(rows) == set(expected)
    for qid, card in expected.items():
        assert rows[qid].due == card.due
        assert rows[qid].stability == pytest.approx(card.stability)
        assert rows[qid].difficulty == pytest.approx(card.difficulty)


def test_a_failed_card_comes_back_when_due_and_is_rescheduled_by_its_history(
    database: Database, user: User, catalog: Catalog, lexical_grader, clock: FakeClock
) -> None:
    session = make_session(
        database, user, catalog, lexical_grader, clock, topic="data-splits", new_per_day=1
    )
    first = session.next_card()
    assert first is not None
    session.submit("I am not sure")
    failed = session.record(Rating.Again)  # the user's choice is what is recorded
    start = clock.now
    assert session.next_card() is None  # the daily limit of one new card is used up

    clock.now = failed.due + timedelta(seconds=1)
    again = session.next_card()
    assert again is not None and again.question.id == first.question.id and not again.is_new
    session.submit(full_answer(again.question))
    second = session.record(Rating.Good)
    second_at = clock.now

    reference = fsrs_reference()
    card, _ = reference.review_card(Card(card_id=1, due=start), Rating.Again, start)
    card, _ = reference.review_card(card, Rating.Good, second_at)
    assert second.due == card.due

    clock.now = second.due + timedelta(minutes=1)
    session.next_card()
    session.skip()
    summary = session.summary()
    assert summary.done == 2 and summary.skipped == 1
    assert summary.ratings == {"again": 1, "hard": 0, "good": 1, "easy": 0}

    with database.session() as s:
        logs = list(s.scalars(select(ReviewLogEntry).order_by(ReviewLogEntry.id)))
        attempts = list_attempts(s, user)
    assert [log.rating for log in logs] == [1, 3]
    assert [log.reviewed_at for log in logs] == [start, second_at]
    assert all(a.source == "drill" for a in attempts) and len(attempts) == 2
    assert {log.attempt_id for log in logs} == {a.id for a in attempts}


def test_due_cards_come_before_new_ones_and_the_daily_limit_counts_todays_new_cards(
    database: Database, user: User, catalog: Catalog, lexical_grader, clock: FakeClock
) -> None:
    session = make_session(database, user, catalog, lexical_grader, clock, new_per_day=2)
    introduced = []
    for _ in range(2):
        item = session.next_card()
        assert item is not None and item.is_new
        introduced.append(item.question.id)
        session.submit(partial_answer(item.question))
        session.record(Rating.Hard)
    assert session.next_card() is None

    # A second drill the same day may not introduce more new cards, but shows due ones.
    clock.advance(hours=1)
    later = make_session(database, user, catalog, lexical_grader, clock, new_per_day=2)
    shown = []
    while (item := later.next_card()) is not None:
        assert not item.is_new
        shown.append(item.question.id)
        later.submit(full_answer(item.question))
        later.record(Rating.Good)
    assert sorted(shown) == sorted(introduced)

    clock.advance(days=1)
    tomorrow = make_session(database, user, catalog, lexical_grader, clock, new_per_day=2)
    item = tomorrow.next_card()
    assert item is not None and item.is_new is False  # due reviews first
    ids = set()
    while item is not None:
        ids.add((item.question.id, item.is_new))
        tomorrow.skip()
        item = tomorrow.next_card()
    assert sum(1 for _, new in ids if new) == 2


def test_filters_choose_the_questions(
    database: Database, user: User, catalog: Catalog, lexical_grader, clock: FakeClock
) -> None:
    session = make_session(
        database, user, catalog, lexical_grader, clock, role="research", difficulty="hard"
    )
    seen = []
    while (item := session.next_card()) is not None:
        seen.append(item.question)
        session.skip()
    assert len(seen) == 10
    assert all(q.difficulty == "hard" and "research" in q.roles for q in seen)
    assert len({q.topic for q in seen}) > 3  # topics take turns


def test_a_drill_of_chosen_questions_shows_only_those(
    database: Database, user: User, catalog: Catalog, lexical_grader, clock: FakeClock
) -> None:
    # One deck's cards: a hard one and an easy one, from two topics.
    hard = next(q for q in catalog.questions.values() if q.difficulty == "hard")
    easy = next(q for q in catalog.questions.values() if q.difficulty == "easy")
    deck = frozenset({hard.id, easy.id})
    session = make_session(database, user, catalog, lexical_grader, clock, questions=deck)
    seen = []
    while (item := session.next_card()) is not None:
        seen.append(item.question.id)
        session.skip()
    assert seen == [easy.id, hard.id]  # easiest first, as in any drill


def test_unknown_filters_are_user_errors(
    database: Database, user: User, catalog: Catalog, lexical_grader, clock: FakeClock
) -> None:
    with pytest.raises(MlcoachError, match="no topic with id 'metric'; did you mean 'metrics'"):
        make_session(database, user, catalog, lexical_grader, clock, topic="metric")
    with pytest.raises(MlcoachError, match="unknown role 'manager'"):
        make_session(database, user, catalog, lexical_grader, clock, role="manager")
    with pytest.raises(MlcoachError, match="--weak needs some history"):
        make_session(database, user, catalog, lexical_grader, clock, weak=True)


def test_weak_mode_drills_the_topics_with_the_lowest_recall(
    database: Database, user: User, catalog: Catalog, lexical_grader, clock: FakeClock
) -> None:
    topics = ["metrics", "ensembles", "data-splits", "optimisation"]
    for topic in topics:
        session = make_session(database, user, catalog, lexical_grader, clock, topic=topic)
        for _ in range(2):
            item = session.next_card()
            assert item is not None
            weak = topic in ("ensembles", "optimisation")
            session.submit("no idea" if weak else full_answer(item.question))
            session.record(Rating.Again if weak else Rating.Easy)
    clock.advance(days=3)
    session = make_session(
        database, user, catalog, lexical_grader, clock, weak=True, weak_topics=2, new_per_day=50
    )
    assert set(session.weak_topics) == {"ensembles", "optimisation"}
    seen = set()
    while (item := session.next_card()) is not None:
        seen.add(item.question.topic)
        session.skip()
    assert seen == {"ensembles", "optimisation"}


def test_re_fitting_without_the_optimiser_says_what_is_missing_and_changes_nothing(
    database: Database, user: User, clock: FakeClock
) -> None:
    if not optimiser_missing():
        pytest.skip("fsrs's optimiser can run here")
    with (
        pytest.raises(OptimiserUnavailable, match=r"needs torch.*fsrs\[optimizer\]"),
        database.session() as s,
    ):
        refit_parameters(s, user, clock.now)
    with database.session() as s:
        assert s.get(SchedulerParameters, user.id) is None
