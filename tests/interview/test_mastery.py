"""One measure of mastery: progress, drills, study plans and job-posting gaps agree on a user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Rating

from mlcoach.catalog import Catalog
from mlcoach.interview import skills_from_mastery
from mlcoach.interview.stored_plans import _request
from mlcoach.practice import record_review
from mlcoach.practice.mastery import user_topic_mastery, weakest_topics
from mlcoach.practice.progress import build_progress
from mlcoach.store import Database, record_attempt
from mlcoach.store.models import User

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)


def test_every_screen_shows_the_same_mastery_and_it_follows_the_formula(
    db: Database, user_id: int, catalog: Catalog
) -> None:
    metrics = sorted(q.id for q in catalog.questions.values() if q.topic == "metrics")
    ensembles = sorted(q.id for q in catalog.questions.values() if q.topic == "ensembles")
    with db.session() as s:
        user = s.get(User, user_id)
        assert user is not None
        record_attempt(s, user, metrics[0], "a full answer", score=5.0, source="web")
        record_attempt(s, user, metrics[1], "half of it", score=2.5, source="cli")
        drilled = record_attempt(s, user, ensembles[0], "some", score=3.0, source="drill").id
    with db.session() as s:
        user = s.get(User, user_id)
        assert user is not None
        s.expunge(user)
    record_review(db, user, drilled, Rating.Good, now=NOW)

    with db.session() as s:
        standings, known = user_topic_mastery(s, user_id, catalog, NOW)
        progress = build_progress(s, user, catalog, NOW, tz=UTC)
        plan = _request(
            s,
            catalog,
            user_id,
            role="engineering",
            start=NOW.date(),
            interview_date=NOW.date() + timedelta(days=20),
            hours_per_week=5,
            focus={},
            now=NOW,
        )

    # Unpractised questions count 0: two of the metrics questions out of all of them.
    assert standings["metrics"].mastery == (1.0 + 0.5) / len(metrics)
    assert standings["metrics"].practised == 2 and standings["metrics"].drilled == 0
    # A drilled question: the mean of its score/5 and its recall, which is ~1 just after review.
    recall = known.recall[ensembles[0]]
    assert 0.9 < recall <= 1.0
    assert abs(standings["ensembles"].mastery - (0.6 + recall) / 2 / len(ensembles)) < 1e-9
    assert standings["deep-learning"].mastery == 0 and standings["deep-learning"].strength is None

    shown = {t.topic: t.mastery for t in progress.topics}
    for topic, st in standings.items():
        assert shown[topic] == st.mastery == plan.mastery[topic]
    skills = skills_from_mastery(standings)
    assert skills.levels  # job-posting gaps read the same numbers
    assert [t.topic for t in weakest_topics(standings.values(), 2)] == sorted(
        ["metrics", "ensembles"], key=lambda t: standings[t].mastery
    )
