"""How much a drill step costs beyond grading, and how fast a backup round trip is.

Runs on a temporary SQLite database with the lexical grader, so it needs no model. Prints:
- per card: grading alone (the baseline), and next_card + submit + record, with the ratio;
- a backup and a restore of the resulting history, per review log row.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mlcoach.catalog import load_catalog
from mlcoach.grading import load_grader
from mlcoach.practice import DrillOptions, DrillSession
from mlcoach.practice.backup import backup_user, restore_user
from mlcoach.store import Database

CARDS = 150


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def main() -> None:
    catalog = load_catalog()
    grader = load_grader("lexical")
    questions = list(catalog.questions.values())[:CARDS]
    answers = [" ".join(k.text for k in q.key_points[:2]) for q in questions]

    started = time.perf_counter()
    for q, a in zip(questions, answers, strict=True):
        grader.grade(q, a)
    grading = (time.perf_counter() - started) / len(questions)

    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        user = database.default_user()
        clock = Clock()
        session = DrillSession(
            database,
            user,
            catalog,
            options=DrillOptions(new_per_day=CARDS),
            grader=grader.grade,
            clock=clock,
        )
        steps = []
        for _ in range(CARDS):
            t0 = time.perf_counter()
            item = session.next_card()
            assert item is not None
            session.submit(" ".join(k.text for k in item.question.key_points[:2]))
            session.record()
            steps.append(time.perf_counter() - t0)
            clock.now += timedelta(seconds=5)
        step = statistics.median(steps)

        t0 = time.perf_counter()
        with database.session() as s:
            data = backup_user(s, user)
        backup_s = time.perf_counter() - t0
        rows = sum(len(r) for r in data["tables"].values())
        size = len(json.dumps(data))

        target = Database(f"sqlite:///{Path(tmp) / 'restore.db'}")
        t0 = time.perf_counter()
        with target.session() as s:
            restore_user(s, target.default_user(), data)
        restore_s = time.perf_counter() - t0
        database.dispose()
        target.dispose()

    print(f"grading alone (baseline):       {grading * 1000:7.2f} ms per answer")
    print(f"drill step (next+submit+record): {step * 1000:7.2f} ms per card (median of {CARDS})")
    print(f"ratio drill step / grading:      {step / grading:7.2f}x")
    print(f"backup:  {rows} rows ({size / 1024:.0f} KiB JSON) in {backup_s * 1000:.0f} ms")
    print(f"restore: {rows} rows in {restore_s * 1000:.0f} ms")
    print(f"ratio restore / backup:          {restore_s / backup_s:7.2f}x")


if __name__ == "__main__":
    main()
