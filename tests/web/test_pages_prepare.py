"""The preparation pages through HTTP, as a browser without JavaScript drives them: mock interviews,
study plans, progress, decks, the interviews tracker, job posting vs résumé, design scenarios,
deep-dives, question pages and problem search; bad input; and per-user isolation in team mode."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from datetime import date, timedelta

from fastapi.testclient import TestClient

from mlcoach.catalog import Catalog
from tests.web.conftest import AppFactory, csrf_of, form_token, sign_up

PAGES = (
    "/mock",
    "/plan",
    "/progress",
    "/decks",
    "/interviews",
    "/scenarios",
    "/jobspec",
    "/deepdive",
)


def _post(
    client: TestClient, path: str, data: dict[str, object], page: str | None = None
) -> object:
    token = form_token(client, page or path)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def _text(response: object) -> str:
    return html.unescape(response.text)  # type: ignore[attr-defined]


def test_every_new_page_is_in_the_navigation_and_answers(client: TestClient) -> None:
    nav = client.get("/").text
    for path in PAGES[:-1]:
        assert f'href="{path}"' in nav, path
        assert client.get(path).status_code == 200, path
    assert client.get("/deepdive").status_code == 200


# --- mock interviews -----------------------------------------------------------------------------


def _drive_mock(client: TestClient, session: str, catalog: Catalog) -> str:
    """Answer every prompt until the scorecard: concept questions with their model answer."""
    for _ in range(40):
        page = client.get(session)
        assert page.status_code == 200
        text = page.text
        if 'data-testid="overall"' in text:
            return text
        if f'action="{session}/begin"' in text:
            _post(client, f"{session}/begin", {}, session)
        elif "See the scorecard" in text:
            _post(client, f"{session}/finish", {}, session)
        elif 'name="prompt_id"' in text:
            prompt_id = re.search(r'name="prompt_id" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]
            if prompt_id in catalog.problems:
                answer = catalog.problems[prompt_id].reference_solution
            elif prompt_id in catalog.questions:
                answer = catalog.questions[prompt_id].answer
            else:
                answer = "I trained a gradient boosting model on customer events and tuned it."
            response = _post(
                client, f"{session}/answer", {"answer": answer, "prompt_id": prompt_id}, session
            )
            assert response.status_code == 303  # type: ignore[attr-defined]
        else:
            raise AssertionError(f"no way forward on the mock page:\n{text[:3000]}")
    raise AssertionError("the mock interview did not end")


def test_mock_interview_from_start_to_scorecard_and_transcript(
    client: TestClient, catalog: Catalog
) -> None:
    response = _post(
        client, "/mock", {"role": "data-science", "minutes": "10", "rounds": ["concepts", "design"]}
    )
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    session = response.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(r"/mock/\d+", session)
    first = client.get(session).text
    assert "ML concepts" in first and "System design" in first
    assert 'data-testid="timer"' in first and 'data-running="no"' in first
    # The clock starts with the round, and the page shows a countdown from the round's budget.
    _post(client, f"{session}/begin", {}, session)
    running = client.get(session).text
    assert 'data-running="yes"' in running
    seconds = int(re.search(r'data-seconds="(\d+)"', running).group(1))  # type: ignore[union-attr]
    assert 0 < seconds <= 10 * 60
    # An empty answer is refused with a message, and nothing is recorded.
    prompt_id = re.search(r'name="prompt_id" value="([^"]+)"', running).group(1)  # type: ignore[union-attr]
    _post(client, f"{session}/answer", {"answer": "  ", "prompt_id": prompt_id}, session)
    assert "an empty answer is not graded; type your answer or skip" in client.get(session).text
    card = _drive_mock(client, session, catalog)
    assert "Three areas to improve" in card
    areas = re.search(r'data-testid="areas">(.*?)</section>', card, re.S).group(1)  # type: ignore[union-attr]
    assert 1 <= areas.count("<li><strong>") <= 3
    assert re.search(r'data-testid="overall">\d\.\d', card)
    transcript = client.get(f"{session}/transcript.md")
    assert transcript.status_code == 200
    assert transcript.headers["content-type"].startswith("text/markdown")
    assert "attachment" in transcript.headers["content-disposition"]
    assert "ML concepts" in transcript.text and "System design" in transcript.text
    listing = client.get("/mock").text
    assert f'href="{session}"' in listing and "finished" not in listing.split(session)[1][:10]


def test_mock_with_every_round_including_judged_code(client: TestClient, catalog: Catalog) -> None:
    project = "We trained an XGBoost model on customer events and report ROC AUC on a time split."
    response = _post(
        client,
        "/mock",
        {
            "role": "engineering",
            "minutes": "12",
            "rounds": ["fact-finding", "deep-dive", "concepts", "coding", "design"],
            "project": project,
        },
    )
    session = response.headers["location"]  # type: ignore[attr-defined]
    card = html.unescape(_drive_mock(client, session, catalog))
    for title in ("Fact finding", "Project deep-dive", "ML concepts", "Coding", "System design"):
        assert title in card
    # The coding round was judged by the real judge and accepted.
    coding = re.search(r"<td>Coding</td><td>([\d.]+)</td><td>(\d+)/(\d+)</td>", card)
    assert coding and float(coding.group(1)) == 5.0 and coding.group(2) == coding.group(3)
    transcript = client.get(f"{session}/transcript.md").text
    assert "Accepted" in transcript and "XGBoost" in transcript


def test_a_round_whose_time_ran_out_is_closed_on_the_next_page(
    client: TestClient, catalog: Catalog
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from mlcoach.store.models import MockRound

    response = _post(
        client, "/mock", {"role": "research", "minutes": "10", "rounds": ["concepts", "design"]}
    )
    session = response.headers["location"]  # type: ignore[attr-defined]
    _post(client, f"{session}/begin", {}, session)
    database = client.app.state.web.database  # type: ignore[attr-defined]
    with database.session() as s:
        row = s.scalars(
            select(MockRound).where(
                MockRound.session_id == int(session.rsplit("/", 1)[1]), MockRound.position == 1
            )
        ).one()
        row.clock_started_at = datetime.now(UTC) - timedelta(seconds=row.budget_seconds + 5)
    expired = client.get(session, follow_redirects=False)
    assert expired.status_code == 303  # the round is closed, and the page reloads
    page = client.get(session).text
    assert "Time is up for that round" in page
    assert "Round 2: System design" in page
    assert re.search(r'class="step-timed-out"[^>]*>ML concepts', page)


def test_mock_pause_and_resume_keep_the_session(client: TestClient) -> None:
    response = _post(
        client, "/mock", {"role": "engineering", "minutes": "10", "rounds": ["concepts"]}
    )
    session = response.headers["location"]  # type: ignore[attr-defined]
    _post(client, f"{session}/begin", {}, session)
    paused = _post(client, f"{session}/pause", {}, session)
    assert paused.headers["location"] == "/mock"  # type: ignore[attr-defined]
    listing = client.get("/mock").text
    assert f'action="{session}/resume"' in listing
    _post(client, f"{session}/resume", {}, "/mock")
    page = client.get(session).text
    assert 'data-running="no"' in page  # the clock waits for the candidate again
    _post(client, f"{session}/next", {}, session)  # end the only round
    assert "See the scorecard" in client.get(session).text


def test_mock_start_refuses_bad_input_with_the_reason(client: TestClient) -> None:
    for data, message in (
        ({"role": "astronaut", "minutes": "30", "rounds": ["concepts"]}, "choose a role"),
        ({"role": "engineering", "minutes": "5", "rounds": ["concepts"]}, "10 to 240 minutes"),
        ({"role": "engineering", "minutes": "ten", "rounds": ["concepts"]}, "whole number"),
        ({"role": "engineering", "minutes": "30"}, "at least one round"),
    ):
        response = _post(client, "/mock", data)
        assert response.status_code == 400, data  # type: ignore[attr-defined]
        assert message in _text(response), (data, message)
    assert client.get("/mock/999999").status_code == 404
    assert client.get("/mock/999999/transcript.md").status_code == 404


# --- study plan ----------------------------------------------------------------------------------


def test_plan_create_view_replan_and_calendar(client: TestClient) -> None:
    assert client.get("/plan.ics").status_code == 404  # no plan yet
    when = (date.today() + timedelta(days=10)).isoformat()
    response = _post(
        client, "/plan", {"role": "engineering", "interview_date": when, "hours_per_week": "5"}
    )
    assert response.status_code == 303
    page = _text(client.get("/plan"))
    assert "study days until" in page and "ML engineer interview on" in page
    assert page.count('<tr class="day-') >= 3
    assert "Add to calendar (.ics)" in page
    ics = client.get("/plan.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    # One calendar event per study day on the page.
    assert ics.text.startswith("BEGIN:VCALENDAR")
    assert ics.text.count("BEGIN:VEVENT") == page.count('<tr class="day-')
    replanned = _post(client, "/plan/replan", {}, "/plan")
    assert replanned.status_code == 303
    assert "revision 2" in _text(client.get("/plan"))


def test_plan_refuses_bad_dates_and_hours(client: TestClient) -> None:
    past = (date.today() - timedelta(days=3)).isoformat()
    for data, fragment in (
        (
            {"role": "engineering", "interview_date": "next week", "hours_per_week": "5"},
            "YYYY-MM-DD",
        ),
        ({"role": "engineering", "interview_date": past, "hours_per_week": "5"}, past),
        ({"role": "", "interview_date": "2030-01-01", "hours_per_week": "5"}, "choose a role"),
        (
            {"role": "engineering", "interview_date": "2030-01-01", "hours_per_week": "lots"},
            "number",
        ),
    ):
        response = _post(client, "/plan", data)
        assert response.status_code == 400, data  # type: ignore[attr-defined]
        assert fragment in _text(response), (data, fragment)
    assert _post(client, "/plan/replan", {}, "/plan").status_code == 400  # type: ignore[attr-defined]


# --- progress ------------------------------------------------------------------------------------


def test_progress_draws_the_four_charts_from_practice(client: TestClient, catalog: Catalog) -> None:
    empty = client.get("/progress").text
    assert "No graded answers" in empty
    # One drill card answered and rated: a review with a score today.
    card = client.get("/practice").text
    question_id = re.search(r'name="question_id" value="([^"]+)"', card).group(1)  # type: ignore[union-attr]
    token = csrf_of(card)
    answer = catalog.questions[question_id].answer
    done = client.post(
        "/practice/answer",
        data={"csrf_token": token, "question_id": question_id, "answer": answer},
        follow_redirects=False,
    )
    attempt_id = done.headers["location"].rsplit("/", 1)[1]
    client.post(
        "/practice/rate", data={"csrf_token": token, "rating": "3", "attempt_id": attempt_id}
    )
    page = client.get("/progress?days=14").text
    assert 'data-testid="streak">1<' in page
    for testid in ("score-trend", "reviews-per-day", "retention", "mastery"):
        assert f'data-testid="{testid}"' in page
    assert 'aria-label="Mean score per day"' in page and "<circle" in page
    assert 'aria-label="Reviews per day"' in page
    assert 'aria-label="Mastery per topic"' in page
    assert client.get("/progress?days=7").status_code == 200  # an unknown window falls back


# --- decks ---------------------------------------------------------------------------------------

ANSWER = (
    "A feature store keeps one definition of each feature for training and serving, so the value a "
    "model sees online is computed by the same code that produced its training rows. It also keeps "
    "the history of each value, which lets a training set be rebuilt as of any past moment."
)
POINTS = [
    "One feature definition serves both training and online prediction.",
    "Point-in-time history lets training rows be rebuilt without leakage.",
    "Sharing features between teams avoids recomputing the same values.",
]


def _csv_deck(**changes: str) -> str:
    row = {
        "id": "team-feature-store-purpose",
        "topic": "ml-engineering",
        "subtopic": "feature-stores",
        "difficulty": "medium",
        "roles": "engineering",
        "prompt": "Our team is adding a feature store next quarter: what problem does it solve?",
        "answer": ANSWER,
        "key_points": " | ".join(POINTS),
    }
    row.update(changes)
    out = io.StringIO()
    writer = csv.DictWriter(out, list(row), lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue()


def _upload(client: TestClient, name: str, text: str, **extra: str) -> object:
    token = form_token(client, "/decks")
    return client.post(
        "/decks",
        data={"csrf_token": token, **extra},
        files={"file": (name, text.encode("utf-8"), "text/csv")},
        follow_redirects=False,
    )


def test_deck_upload_errors_name_file_line_and_field(client: TestClient) -> None:
    bad = _upload(client, "team.csv", _csv_deck(difficulty="impossible", key_points="only one"))
    assert bad.status_code == 400  # type: ignore[attr-defined]
    page = _text(bad)
    assert "nothing imported" in page
    assert re.search(r"team\.csv:2: questions\[team-feature-store-purpose\]\.difficulty", page)
    assert re.search(r"team\.csv:2: questions\[team-feature-store-purpose\]\.key_points", page)
    assert "mlcoach-upload-" not in page  # the user's file name, never our temporary path
    assert "No deck of your own yet" in page
    assert _upload(client, "deck.exe", "x").status_code == 400  # type: ignore[attr-defined]
    assert "cannot tell the deck" in _text(_upload(client, "deck.exe", "x"))


def test_an_accented_deck_file_keeps_its_letters_and_its_name_in_errors(
    client: TestClient,
) -> None:
    bad = _upload(client, "équipe-été.csv", _csv_deck(difficulty="impossible"))
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert "équipe-été.csv:2: questions[team-feature-store-purpose].difficulty" in _text(bad)
    good = _upload(client, "équipe-été.csv", _csv_deck())
    assert good.status_code == 303, _text(good)  # type: ignore[attr-defined]
    assert good.headers["location"] == "/decks/equipe-ete"  # type: ignore[attr-defined]
    typed = client.post(
        "/decks",
        data={"csrf_token": form_token(client, "/decks"), "name": "déck"},
        files={"file": ("team.csv", _csv_deck().encode("utf-8"), "text/csv")},
    )
    assert typed.status_code == 400 and "(for example 'deck')" in _text(typed)


def test_deck_upload_browse_edit_and_export(client: TestClient) -> None:
    good = _upload(client, "team.csv", _csv_deck())
    assert good.status_code == 303, _text(good)  # type: ignore[attr-defined]
    assert good.headers["location"] == "/decks/team"  # type: ignore[attr-defined]
    deck = _text(client.get("/decks/team"))
    assert "Our team is adding a feature store" in deck and "1 card" in deck
    # Single-user mode: the new card is practised like the shipped ones, or drilled on its own.
    assert client.get("/questions/team-feature-store-purpose").status_code == 200
    drill = _text(client.get("/practice?deck=team"))
    assert "deck team" in drill and 'value="team-feature-store-purpose"' in drill
    # Edit: a bad edit keeps what was typed and says which field is wrong; a good one is saved.
    edit = "/decks/team/cards/team-feature-store-purpose"
    form = client.get(edit).text
    assert "feature store" in form
    token = csrf_of(form)
    values = {
        "prompt": "Why would our team add a feature store next quarter, and what does it fix?",
        "answer": ANSWER,
        "key_points": "\n".join(POINTS),
        "misconceptions": "",
        "difficulty": "medium",
        "topic": "ml-engineering",
        "subtopic": "feature-stores",
        "roles": "engineering",
    }
    bad = client.post(edit, data={"csrf_token": token, **values, "key_points": "just one"})
    assert bad.status_code == 400
    assert "key_points" in _text(bad) and "Why would our team add" in _text(bad)
    saved = client.post(edit, data={"csrf_token": token, **values}, follow_redirects=False)
    assert saved.status_code == 303
    assert "Why would our team add a feature store" in _text(client.get("/decks/team"))
    # A second deck with the same name is refused unless it replaces the first.
    again = _upload(client, "team.csv", _csv_deck())
    assert again.status_code == 400 and "already exists" in _text(again)  # type: ignore[attr-defined]
    # Anki: the whole curriculum, or only this deck.
    mine = client.get("/decks-export/anki.apkg?source=team")
    assert mine.status_code == 200 and "attachment" in mine.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(mine.content)) as archive:
        assert "collection.anki2" in archive.namelist()
    everything = client.get("/decks-export/anki.apkg?source=all&topic=metrics")
    assert everything.status_code == 200 and len(everything.content) > len(mine.content)
    nothing = client.get("/decks-export/anki.apkg?source=all&q=zzzzqqq")
    assert nothing.status_code == 400 and "nothing to export" in _text(nothing)
    assert client.get("/decks/nope").status_code == 404
    assert client.get("/decks/team/cards/nope").status_code == 404


def test_deck_paste_in_markdown(client: TestClient) -> None:
    text = "\n".join(
        [
            "## team-feature-store-purpose",
            "Topic: ml-engineering",
            "Subtopic: feature-stores",
            "Difficulty: medium",
            "Roles: engineering",
            "",
            "Our team is adding a feature store next quarter: what problem does it solve?",
            "",
            "### Answer",
            ANSWER,
            "",
            "### Key points",
            *[f"- {p}" for p in POINTS],
        ]
    )
    response = _post(client, "/decks", {"format": "markdown", "text": text, "name": "pasted"})
    assert response.status_code == 303, _text(response)  # type: ignore[attr-defined]
    assert "1 card" in _text(client.get("/decks/pasted"))


# --- interviews tracker --------------------------------------------------------------------------


def test_interviews_add_tick_update_and_thank_you(client: TestClient) -> None:
    bad = _post(client, "/interviews", {"company": "", "role": "ML engineer"})
    assert bad.status_code == 400  # type: ignore[attr-defined]
    bad_time = _post(
        client, "/interviews", {"company": "Acme", "role": "ML engineer", "time": "25:99"}
    )
    assert bad_time.status_code == 400 and "25:99" in _text(bad_time)  # type: ignore[attr-defined]
    response = _post(
        client,
        "/interviews",
        {"company": "Acme", "role": "ML engineer", "date": "2030-03-04", "stage": "technical"},
    )
    assert response.status_code == 303
    page_url = response.headers["location"]  # type: ignore[attr-defined]
    page = client.get(page_url).text
    keys = re.findall(r'name="done" value="([^"]+)"', page)
    assert len(keys) >= 3
    token = csrf_of(page)
    client.post(
        f"{page_url}/checklist",
        data={"csrf_token": token, "done": keys[:2], "shown": keys},
    )
    page = client.get(page_url).text
    assert page.count(" checked>") == 2 and "2/" in page
    client.post(
        f"{page_url}/checklist", data={"csrf_token": token, "done": keys[1:2], "shown": keys}
    )
    assert client.get(page_url).text.count(" checked>") == 1
    client.post(
        f"{page_url}/update",
        data={
            "csrf_token": token,
            "stage": "onsite",
            "interviewers": "Dana Smith, Lee Wong",
            "topics": "feature stores",
            "notes": "",
            "date": "2030-03-04",
        },
    )
    page = _text(client.get(page_url))
    assert "onsite" in page and "Dana Smith, Lee Wong" in page
    note = _text(client.get(f"{page_url}/thank-you?name=Sam"))
    assert "Dear Dana Smith and Lee Wong," in note and "feature stores" in note and "Sam" in note
    assert "Acme" in _text(client.get("/interviews"))
    bad_stage = client.post(f"{page_url}/update", data={"csrf_token": token, "stage": "hired!"})
    assert bad_stage.status_code == 400
    removed = client.post(f"{page_url}/remove", data={"csrf_token": token}, follow_redirects=False)
    assert removed.status_code == 303 and client.get(page_url).status_code == 404


# --- job posting, scenarios, deep-dive -----------------------------------------------------------

POSTING = """Senior Machine Learning Engineer

Requirements
- Strong Python and experience deploying models to production
- Experience with model monitoring and feature stores
- Solid understanding of gradient boosting and evaluation metrics

Nice to have
- Kubernetes
"""


def test_jobspec_compares_posting_and_resume(client: TestClient) -> None:
    resume = "Built and deployed gradient boosting models in Python; wrote evaluation reports."
    response = _post(client, "/jobspec", {"posting": POSTING, "resume": resume})
    assert response.status_code == 200  # type: ignore[attr-defined]
    page = _text(response)
    assert 'data-testid="jobspec-report"' in page and "compared with your résumé" in page
    rows = dict(re.findall(r"<tr><td>([^<]+)</td><td>[^<]*</td>\s*<td class=\"(\w+)\"", page))
    assert rows["Python"] != "gap" and rows["Gradient boosting and tree ensembles"] != "gap"
    assert rows["Feature stores"] == "gap"  # asked for, and nowhere in the résumé
    # An uploaded posting works as well as a pasted one; without a résumé, practice stands in.
    token = form_token(client, "/jobspec")
    upload = client.post(
        "/jobspec",
        data={"csrf_token": token},
        files={"posting_file": ("job.md", POSTING.encode(), "text/markdown")},
    )
    assert upload.status_code == 200 and "your practice so far" in _text(upload)
    empty = _post(client, "/jobspec", {"posting": "  "})
    assert empty.status_code == 400 and "paste the job posting" in _text(empty)  # type: ignore[attr-defined]
    token = form_token(client, "/jobspec")
    binary = client.post(
        "/jobspec",
        data={"csrf_token": token},
        files={"posting_file": ("job.pdf", b"\xff\xfe\x00\x81binary", "application/pdf")},
    )
    assert binary.status_code == 400 and "not UTF-8 text" in _text(binary)


def test_design_scenario_graded_per_rubric_dimension(client: TestClient, catalog: Catalog) -> None:
    listing = client.get("/scenarios?role=engineering").text
    scenario = next(s for s in catalog.scenarios.values() if "engineering" in s.roles)
    assert f"/scenarios/{scenario.id}" in listing
    answer = " ".join(p.text for d in scenario.rubric for p in d.key_points[:2])
    response = _post(
        client, f"/scenarios/{scenario.id}/answer", {"answer": answer}, f"/scenarios/{scenario.id}"
    )
    assert response.status_code == 200  # type: ignore[attr-defined]
    page = _text(response)
    assert 'data-testid="design-grade"' in page
    for dimension in scenario.rubric:
        assert dimension.name in page
    empty = _post(
        client, f"/scenarios/{scenario.id}/answer", {"answer": ""}, f"/scenarios/{scenario.id}"
    )
    assert empty.status_code == 400 and "empty" in _text(empty)  # type: ignore[attr-defined]
    assert client.get("/scenarios/no-such-scenario").status_code == 404


def test_deepdive_tailors_questions_to_the_project(client: TestClient) -> None:
    project = (
        "# Churn prediction\nWe trained an XGBoost model on customer events, tuned it with "
        "cross-validation and report ROC AUC. The model is served with FastAPI in Docker."
    )
    response = _post(client, "/deepdive", {"project": project, "count": "5"})
    assert response.status_code == 200  # type: ignore[attr-defined]
    page = _text(response)
    assert 'data-testid="deepdive-questions"' in page
    assert page.count("<li><p>") == 5
    assert "XGBoost" in page or "xgboost" in page.lower()
    assert _post(client, "/deepdive", {"project": ""}).status_code == 400  # type: ignore[attr-defined]
    assert _post(client, "/deepdive", {"project": project, "count": "99"}).status_code == 400  # type: ignore[attr-defined]


# --- lists and search ----------------------------------------------------------------------------


def test_question_pages_and_problem_search(client: TestClient, catalog: Catalog) -> None:
    first = client.get("/questions").text
    total = len(catalog.questions)
    assert f"{total} questions" in first
    if total > 40:
        assert "page 1 of" in first and 'rel="next"' in first
        second = client.get("/questions?page=2").text
        assert 'rel="prev"' in second
        first_ids = set(re.findall(r'href="/questions/([^"?]+)"', first))
        second_ids = set(re.findall(r'href="/questions/([^"?]+)"', second))
        assert second_ids and not first_ids & second_ids
        assert client.get("/questions?page=9999").status_code == 200  # clamps to the last page
    searched = client.get("/questions?q=leakage").text
    assert "leakage" in html.unescape(searched).lower()
    problem = next(iter(catalog.problems.values()))
    word = problem.title.split()[0]
    found = client.get(f"/problems?q={word}").text
    assert f"/problems/{problem.id}" in found
    none = client.get("/problems?q=zzzqqqxx").text
    assert "No problem matches" in none
    # A filter that names nothing is dropped visibly, not applied in silence.
    unknown = html.unescape(client.get("/questions?topic=nope&difficulty=insane").text)
    assert "Filter not applied: no topic named 'nope'; no level named 'insane'" in unknown
    assert f"{total} questions" in unknown
    assert "Filter not applied" not in client.get("/questions?q=leakage").text


# --- team mode -----------------------------------------------------------------------------------


def test_team_mode_pages_are_per_user_and_forms_need_csrf(make_client: AppFactory) -> None:
    alice = sign_up(make_client(auth=True), "alice")
    bob = sign_up(make_client(auth=True), "bob")
    interview = _post(alice, "/interviews", {"company": "Acme", "role": "ML engineer"})
    interview_url = interview.headers["location"]  # type: ignore[attr-defined]
    mock = _post(alice, "/mock", {"role": "engineering", "minutes": "10", "rounds": ["concepts"]})
    mock_url = mock.headers["location"]  # type: ignore[attr-defined]
    upload = _upload(alice, "team.csv", _csv_deck())
    assert upload.status_code == 303  # type: ignore[attr-defined]
    when = (date.today() + timedelta(days=10)).isoformat()
    _post(alice, "/plan", {"role": "engineering", "interview_date": when, "hours_per_week": "5"})
    _post(alice, f"{mock_url}/finish", {}, mock_url)
    for url in (
        interview_url,
        f"{interview_url}/thank-you",
        mock_url,
        f"{mock_url}/transcript.md",
        "/decks/team",
        "/decks/team/cards/team-feature-store-purpose",
    ):
        assert alice.get(url).status_code == 200, url
        assert bob.get(url).status_code == 404, url
    token = form_token(bob, "/mock")
    assert bob.post(f"{mock_url}/begin", data={"csrf_token": token}).status_code == 404
    assert bob.post(f"{interview_url}/remove", data={"csrf_token": token}).status_code == 404
    assert bob.get("/plan.ics").status_code == 404 and alice.get("/plan.ics").status_code == 200
    assert "team" not in bob.get("/decks").text.split("Decks</h2>")[1].split("Export")[0]
    # Alice exports her own cards (found by their topic in her decks); Bob cannot reach them.
    export = alice.get("/decks-export/anki.apkg?source=mine&topic=ml-engineering")
    assert export.status_code == 200 and export.content.startswith(b"PK")
    assert bob.get("/decks-export/anki.apkg?source=team").status_code == 404
    assert bob.get("/decks-export/anki.apkg?source=mine").status_code == 400
    # A team member's imported cards stay out of everyone's question list.
    assert bob.get("/questions/team-feature-store-purpose").status_code == 404
    # Every form refuses a post without this session's token.
    for path, data in (
        ("/mock", {"role": "engineering", "minutes": "10", "rounds": "concepts"}),
        ("/plan", {"role": "engineering", "interview_date": when, "hours_per_week": "5"}),
        ("/interviews", {"company": "X", "role": "Y"}),
        ("/jobspec", {"posting": POSTING}),
        ("/deepdive", {"project": "a project"}),
        ("/decks", {"format": "csv", "text": _csv_deck()}),
        (f"{mock_url}/finish", {}),
        ("/decks/team/cards/team-feature-store-purpose", {"prompt": "x"}),
        (f"{interview_url}/checklist", {}),
    ):
        assert alice.post(path, data=data).status_code == 403, path
    # Signed out, every page asks to sign in.
    stranger = make_client(auth=True)
    for path in PAGES:
        response = stranger.get(path, follow_redirects=False)
        assert response.status_code == 303 and "/signin" in response.headers["location"], path
