"""Progress: mastery per topic, streaks in local days, reviews per day, the trend, and its plot."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from fsrs import Rating
from sqlalchemy import func, select

from mlcoach.catalog import Catalog
from mlcoach.errors import MlcoachError
from mlcoach.practice import DrillOptions, DrillSession
from mlcoach.practice.plot import plot_progress
from mlcoach.practice.progress import build_progress, slope_per_week, streak
from mlcoach.store import Database
from mlcoach.store.models import DrillCard, User, utcnow
from tests.practice.conftest import FakeClock

TREND_BLUE = np.array([0x1F, 0x4E, 0x99]) / 255


def practise_over_days(
    database: Database,
    user: User,
    catalog: Catalog,
    grader,  # type: ignore[no-untyped-def]
    days_ago: list[int],
    now: datetime,
) -> None:
    """One metrics card a day on the given days, each answer more complete than the last."""
    for n, ago in enumerate(days_ago):
        clock = FakeClock(now - timedelta(days=ago, hours=1))
        session = DrillSession(
            database,
            user,
            catalog,
            options=DrillOptions(topic="metrics", new_per_day=1),
            grader=grader,
            clock=clock,
        )
        item = session.next_card()
        assert item is not None
        points = item.question.key_points
        shown = points[: 1 + n * len(points) // max(1, len(days_ago) - 1)]
        session.submit(" ".join(k.text for k in shown))
        session.record(Rating.Good)


def test_streak_counts_consecutive_days_ending_today_or_yesterday() -> None:
    today = date(2026, 5, 10)
    days = [date(2026, 5, d) for d in (3, 4, 7, 8, 9)]
    assert streak(days, today) == 3  # nothing yet today: the streak from yesterday still stands
    assert streak([*days, today], today) == 4
    assert streak(days, today + timedelta(days=1)) == 0
    assert streak([], today) == 0


def test_score_trend_is_a_least_squares_slope_per_week() -> None:
    start = date(2026, 1, 1)
    assert slope_per_week([(start, 1.0), (start + timedelta(days=7), 3.0)]) == 2.0
    assert slope_per_week([(start, 2.0)]) is None


def test_progress_reports_mastery_streak_and_trend(
    database: Database, user: User, catalog: Catalog, lexical_grader
) -> None:  # type: ignore[no-untyped-def]
    now = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)
    practise_over_days(database, user, catalog, lexical_grader, [6, 5, 4, 2, 1, 0], now)
    with database.session() as s:
        report = build_progress(s, user, catalog, now, tz=UTC, days=14)
    assert report.streak == 3
    assert report.total_reviews == 6
    assert [d.reviews for d in report.activity][-7:] == [1, 1, 1, 0, 1, 1, 1]
    assert report.score_slope_per_week is not None and report.score_slope_per_week > 0
    metrics = next(t for t in report.topics if t.topic == "metrics")
    with database.session() as s:
        cards = s.scalar(select(func.count()).select_from(DrillCard))
    assert metrics.practised == cards  # reviews of due cards come before new ones
    assert metrics.questions == len(catalog.find_questions(topic="metrics"))
    assert 0 < (metrics.retrievability or 0) <= 1
    assert metrics.answered == cards and metrics.mean_score is not None
    # Unpractised questions count 0, so a topic is only as mastered as its coverage allows.
    assert 0 < metrics.mastery <= metrics.practised / metrics.questions
    others = [t for t in report.topics if t.topic != "metrics"]
    assert all(t.practised == 0 and t.strength is None for t in others)

    # The same reviews fall on other calendar days for someone twelve hours ahead.
    ahead = timezone(timedelta(hours=12))
    with database.session() as s:
        shifted = build_progress(s, user, catalog, now, tz=ahead, days=14)
    assert shifted.today == date(2026, 6, 21)
    assert [d.reviews for d in shifted.activity][-2:] == [1, 0]  # 11:00 UTC is 23:00 there
    assert shifted.streak == 3
    data = report.as_dict()
    assert data["streak"] == 3 and json.dumps(data)


def test_progress_plot_is_a_png_that_shows_the_trend(
    run_cli, isolated_data_dir: Path, tmp_path: Path, catalog: Catalog, lexical_grader
) -> None:  # type: ignore[no-untyped-def]
    from matplotlib.image import imread

    database = Database(f"sqlite:///{isolated_data_dir / 'mlcoach.db'}")
    practise_over_days(
        database, database.default_user(), catalog, lexical_grader, [4, 3, 2, 1, 0], utcnow()
    )
    database.dispose()
    png = tmp_path / "plots" / "progress.png"
    result = run_cli("progress", "--plot", str(png), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total_reviews"] == 5 and data["plot"] == str(png)

    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 20_000 < png.stat().st_size < 2_000_000
    image = imread(png)
    assert image.shape[:2] == (800, 1000)
    top = image[: image.shape[0] // 2, :, :3]
    line = np.all(np.abs(top - TREND_BLUE) < 0.05, axis=-1)
    assert line.sum() > 200  # the score line is drawn in the upper panel

    text = run_cli("progress")
    assert text.returncode == 0
    assert "Streak: 5 day(s)" in text.stdout and "Score trend: rising" in text.stdout


def test_a_plot_without_reviews_is_still_drawn_and_only_as_png(
    database: Database, user: User, catalog: Catalog, tmp_path: Path
) -> None:
    with database.session() as s:
        report = build_progress(s, user, catalog, utcnow())
    path = plot_progress(report, tmp_path / "empty.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(MlcoachError, match=r"ending in \.png"):
        plot_progress(report, tmp_path / "x.jpg")
