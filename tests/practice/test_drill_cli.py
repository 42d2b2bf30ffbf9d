"""`mlcoach drill` end to end, as a user runs it: answers piped in, Ctrl-C mid-session."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from fsrs import Card, Rating, Scheduler

from mlcoach.catalog import Catalog
from mlcoach.practice.session import order_new_questions

ENV = {"MLCOACH_GRADER": "lexical"}


def first_new_questions(catalog: Catalog, topic: str, n: int) -> list[str]:
    return [q.id for q in order_new_questions(catalog.find_questions(topic=topic))[:n]]


def rows(db: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query).fetchall()


def parse_utc(value: object) -> datetime:
    """SQLite keeps the UTC time without its zone."""
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def count(db: Path, table: str) -> int:
    try:
        return int(rows(db, f"SELECT count(*) FROM {table}")[0][0])  # type: ignore[call-overload]
    except sqlite3.OperationalError:  # the database is still being created
        return 0


def test_a_piped_drill_grades_rates_and_schedules_cards_as_fsrs_does(
    run_cli,
    isolated_data_dir: Path,
    catalog: Catalog,  # type: ignore[no-untyped-def]
) -> None:
    first, second, third = first_new_questions(catalog, "metrics", 3)
    good_answer = "\n".join(k.text for k in catalog.question(first).key_points)
    script = (
        f"{good_answer}\n.\n\n"  # the suggested rating, taken with Enter
        "no idea\n.\n4\n"  # a poor answer, which the user rates easy all the same
        "s\n"  # skip the third
        "q\n"
    )
    result = run_cli("drill", "--topic", "metrics", "--new", "3", input=script, env=ENV)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index(first) < out.index(second) < out.index(third)
    assert "✓ " + catalog.question(first).key_points[0].text in out  # made points are listed
    assert "✗ " + catalog.question(second).key_points[0].text in out  # and missed ones
    assert "Model answer" in out and "Advice:" in out
    assert "cards done    │ 2" in out and "skipped       │ 1" in out

    db = isolated_data_dir / "mlcoach.db"
    logs = rows(
        db,
        "SELECT question_id, rating, suggested_rating, score, reviewed_at FROM review_logs "
        "ORDER BY id",
    )
    assert [(q, r) for q, r, *_ in logs] == [(first, logs[0][2]), (second, 4)]
    assert logs[0][3] >= 3.0 and logs[1][3] < 1.5 and logs[1][2] == 1  # suggested again, rated easy

    cards = dict(rows(db, "SELECT question_id, due FROM cards"))
    scheduler = Scheduler(enable_fuzzing=False)
    for question_id, rating, _suggested, _score, reviewed_at in logs:
        at = parse_utc(reviewed_at)
        card, _ = scheduler.review_card(Card(card_id=1, due=at), Rating(rating), at)
        assert parse_utc(cards[question_id]) == card.due


def test_interrupting_a_drill_keeps_the_cards_already_rated(
    isolated_data_dir: Path, catalog: Catalog
) -> None:
    env = {**os.environ, **ENV, "NO_COLOR": "1", "COLUMNS": "120"}
    process = subprocess.Popen(
        [sys.executable, "-m", "mlcoach", "drill", "--topic", "ensembles"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdin is not None
    process.stdin.write("Bagging trains models on bootstrap samples.\n.\n3\n")
    process.stdin.write("Boosting fits models one after another.\n.\n\n")
    process.stdin.write("An unfinished third answer without its closing dot\n")
    process.stdin.flush()  # stdin stays open: the drill waits for the rest of the third answer

    db = isolated_data_dir / "mlcoach.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if db.exists() and count(db, "review_logs") == 2:
            break
        time.sleep(0.1)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)

    assert process.returncode == 130, err
    assert "interrupted: every rated card is saved" in out
    assert "cards done    │ 2" in out
    assert count(db, "cards") == 2
    assert count(db, "review_logs") == 2
    assert rows(db, "SELECT count(*) FROM attempts WHERE source = 'drill'")[0][0] == 2


def test_nothing_to_do_and_missing_history_are_explained(run_cli) -> None:  # type: ignore[no-untyped-def]
    none = run_cli("drill", "--new", "0", input="", env=ENV)
    assert none.returncode == 0 and "Nothing to practise now" in none.stdout
    weak = run_cli("drill", "--weak", input="", env=ENV)
    assert weak.returncode == 2 and "--weak needs some history" in weak.stderr


DECK = """\
questions:
  - id: own-shadow-rollout
    topic: ml-engineering
    subtopic: rollout
    difficulty: hard
    roles: [engineering]
    prompt: Before our new ranking model takes traffic, why would we run it in shadow mode?
    answer: >-
      In shadow mode the new model receives a copy of live requests and its predictions are
      logged but never shown to users, so problems surface before anyone is affected.
    key_points:
      - The shadow model sees a copy of real traffic but its answers are not served.
      - Problems surface before any user is affected.
"""


def test_a_drill_of_one_deck_asks_only_its_cards(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "rollout.yaml"
    source.write_text(DECK, "utf-8")
    assert run_cli("deck", "import", str(source), env=ENV).returncode == 0
    # A hard card of a busy topic: in a drill of everything it would come weeks later.
    result = run_cli("drill", "--deck", "rollout", input="s\n", env=ENV)
    assert result.returncode == 0, result.stderr
    assert "#1 own-shadow-rollout" in result.stdout and "#2 " not in result.stdout
    assert "why would we run it in shadow mode" in result.stdout
    unknown = run_cli("drill", "--deck", "nope", input="", env=ENV)
    assert unknown.returncode == 2 and "no deck named 'nope'" in unknown.stderr


class Terminal:
    """`mlcoach drill` on a pseudo-terminal, driven by keystrokes like a person at a keyboard."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 110, 0, 0))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mlcoach", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.pending = b""

    def wait_for(self, text: str, timeout: float = 60) -> str:
        """Read the screen until ``text`` shows; returns what was read up to it."""
        import select

        token = text.encode()
        deadline = time.monotonic() + timeout
        while token not in self.pending and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if b"\x1b[6n" in chunk:  # prompt_toolkit asks where the cursor is
                os.write(self.master, b"\x1b[1;1R")
            self.pending += chunk
        if token not in self.pending:
            raise AssertionError(
                f"{text!r} never appeared; the screen ends {self.pending[-400:]!r}"
            )
        end = self.pending.index(token) + len(token)
        shown, self.pending = self.pending[:end], self.pending[end:]
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.decode(errors="replace"))

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> int:
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("the drill did not end after Ctrl-C") from None
        finally:
            os.close(self.master)


def test_the_terminal_editor_submits_with_ctrl_d_and_ctrl_c_keeps_rated_cards(
    isolated_data_dir: Path, catalog: Catalog
) -> None:
    first, second = first_new_questions(catalog, "metrics", 2)
    env = {**os.environ, **ENV, "TERM": "xterm", "NO_COLOR": "1"}
    terminal = Terminal(["drill", "--topic", "metrics"], env)
    try:
        terminal.wait_for("Ctrl-D: submit")
        lines = [k.text for k in catalog.question(first).key_points]
        terminal.type("\r".join(lines) + "\x04")  # Enter starts a new line; Ctrl-D submits
        terminal.wait_for("Rating:")
        terminal.type("4\r")
        screen = terminal.wait_for(second)
        assert "Rated easy" in screen
        terminal.wait_for("Ctrl-D: submit")
        terminal.type("half an answer, never submitted")
        time.sleep(0.3)
        terminal.type("\x03")  # Ctrl-C
        terminal.wait_for("Drill summary")
    except BaseException:
        terminal.process.kill()
        terminal.close()
        raise
    assert terminal.close() == 130
    db = isolated_data_dir / "mlcoach.db"
    assert rows(db, "SELECT question_id, rating FROM review_logs") == [(first, 4)]
    answer = rows(db, "SELECT answer FROM attempts")[0][0]
    assert answer == "\n".join(lines)


def test_an_empty_drill_answer_is_refused_and_the_card_asked_again(
    run_cli,  # type: ignore[no-untyped-def]
    isolated_data_dir: Path,
    catalog: Catalog,
) -> None:
    (first,) = first_new_questions(catalog, "metrics", 1)
    script = "   \n\t\n.\nA confusion matrix counts true and false positives.\n.\n3\nq\n"
    result = run_cli("drill", "--topic", "metrics", "--new", "2", input=script, env=ENV)
    assert result.returncode == 0, result.stderr
    assert "an empty answer is not graded; type your answer or skip" in result.stdout
    assert result.stdout.count(f"#1 {first}") == 1  # the same card, asked again in place
    db = isolated_data_dir / "mlcoach.db"
    assert rows(db, "SELECT question_id, answer FROM attempts") == [
        (first, "A confusion matrix counts true and false positives.")
    ]
    assert rows(db, "SELECT question_id, rating FROM review_logs") == [(first, 3)]
    assert "cards done    │ 1" in result.stdout and "skipped" not in result.stdout


def test_a_piped_drill_takes_q_and_s_at_the_rating_prompt_and_stops_unrated_at_eof(
    run_cli,  # type: ignore[no-untyped-def]
    isolated_data_dir: Path,
    catalog: Catalog,
) -> None:
    first, second, third = first_new_questions(catalog, "metrics", 3)
    db = isolated_data_dir / "mlcoach.db"
    # s at the rating prompt: the answer is kept unrated and the next card comes; q there stops.
    script = "no idea\n.\ns\nstill no idea\n.\nq\n"
    result = run_cli("drill", "--topic", "metrics", "--new", "3", input=script, env=ENV)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert first in out and second in out and third not in out
    assert "unknown rating" not in out
    assert out.count("not rated: the answer is saved") == 2
    assert rows(db, "SELECT question_id FROM attempts ORDER BY id") == [(first,), (second,)]
    assert rows(db, "SELECT count(*) FROM review_logs") == [(0,)]
    assert rows(db, "SELECT count(*) FROM cards") == [(0,)]

    # The input ends at the rating prompt: the session ends there, the card is not rated "again".
    ended = run_cli("drill", "--topic", "metrics", "--new", "3", input="no idea\n.\n", env=ENV)
    assert ended.returncode == 0, ended.stderr
    assert "Drill summary" in ended.stdout and "cards done    │ 0" in ended.stdout
    assert rows(db, "SELECT count(*) FROM attempts") == [(3,)]
    assert rows(db, "SELECT count(*) FROM review_logs") == [(0,)]
