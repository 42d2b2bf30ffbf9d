"""The preparation pages in a real browser (Playwright + Debian's Chromium against `mlcoach serve`):
a timed mock interview with a judged coding round to its scorecard, a study plan and its calendar,
a deck upload (an error, then a good one) and its Anki export, a team member's uploaded card
answered, graded and drilled (and hidden from a teammate), the progress charts, and no page
scrolling sideways on a 390 px phone. Screenshots go to test-output/web/."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from mlcoach.catalog import Catalog
from tests.web.test_browser import ARGS, CHROMIUM, DESKTOP, PHONE, SHOTS, Server, _sign_up, shoot

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed (apt install chromium)"
    ),
]

# Pages made by the flows below (a mock round, a scorecard, a deck...), checked at phone width last.
VISITED: list[str] = []
STATIC_PAGES = (
    "/",
    "/practice",
    "/questions",
    "/problems",
    "/mock",
    "/plan",
    "/progress",
    "/decks",
    "/interviews",
    "/scenarios",
    "/jobspec",
    "/deepdive",
    "/review",
    "/history",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("web-prepare")
    running = Server(data_dir, auth=False)
    running.data_dir = data_dir  # type: ignore[attr-defined]
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def _clock_seconds(page: Any) -> int:
    minutes, seconds = page.locator("[data-testid=timer] .clock").inner_text().split(":")
    return int(minutes) * 60 + int(seconds)


def test_mock_interview_with_judged_code_to_its_scorecard(
    server: Server, page: Any, catalog: Catalog, tmp_path: Path
) -> None:
    page.goto(f"{server.url}/mock")
    shoot(page, "mock-start")
    page.select_option("#mock-role", "engineering")
    page.fill("#mock-minutes", "10")
    for kind in ("fact-finding", "deep-dive", "design"):
        page.locator(f"input[name=rounds][value={kind}]").uncheck()
    page.get_by_role("button", name="Start", exact=True).click()
    page.wait_for_url(re.compile(r"/mock/\d+$"))
    session = page.url
    VISITED.append(session.removeprefix(server.url))
    judged = False
    for _ in range(20):
        if page.get_by_test_id("overall").count():
            break
        if page.get_by_role("button", name="Start the round").count():
            page.get_by_role("button", name="Start the round").click()
            page.wait_for_load_state()
            # The countdown is visible and ticks down.
            before = _clock_seconds(page)
            time.sleep(1.6)
            assert 0 < _clock_seconds(page) < before
            continue
        if page.get_by_role("button", name="See the scorecard", exact=True).count():
            page.get_by_role("button", name="See the scorecard", exact=True).click()
            page.wait_for_load_state()
            continue
        prompt_id = page.locator("input[name=prompt_id]").get_attribute("value")
        if prompt_id in catalog.problems:
            shoot(page, "mock-coding")
            editor = page.locator(".cm-editor .cm-content")
            editor.wait_for()
            assert page.locator("textarea#answer").is_hidden()  # CodeMirror replaced it
            editor.click()
            page.keyboard.press("Control+a")
            page.keyboard.press("Delete")
            page.keyboard.insert_text(catalog.problems[prompt_id].reference_solution)
            page.get_by_role("button", name="Submit code").click()
            page.wait_for_load_state()
            assert "Coding: Accepted" in page.locator(".flash").inner_text()
            judged = True
        else:
            shoot(page, "mock-round")
            question = catalog.questions.get(prompt_id or "")
            page.fill("textarea#answer", question.answer if question else "I would start simple.")
            page.get_by_role("button", name="Answer", exact=True).click()
            page.wait_for_load_state()
            assert "Answer scored" in page.locator(".flash").inner_text()
    assert judged, "the coding round was never reached"
    assert page.get_by_test_id("overall").is_visible()
    areas = page.get_by_test_id("areas").locator("ol.areas > li")
    assert 1 <= areas.count() <= 3
    shoot(page, "mock-scorecard")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the transcript (Markdown)").click()
    saved = tmp_path / "transcript.md"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert "Coding" in text and "Accepted" in text


def test_when_the_countdown_ends_the_typed_answer_is_sent(server: Server, page: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from mlcoach.store import Database
    from mlcoach.store.models import MockRound

    page.goto(f"{server.url}/mock")
    page.select_option("#mock-role", "research")
    page.fill("#mock-minutes", "10")
    for kind in ("fact-finding", "deep-dive", "coding", "design"):
        page.locator(f"input[name=rounds][value={kind}]").uncheck()
    page.get_by_role("button", name="Start", exact=True).click()
    page.get_by_role("button", name="Start the round").click()
    session_id = int(page.url.rsplit("/", 1)[1])
    # Wind the round's clock on, in the server's own database, to three seconds before the end.
    data_dir: Path = server.data_dir  # type: ignore[attr-defined]
    database = Database(f"sqlite:///{data_dir / 'mlcoach.db'}", migrate=False)
    with database.session() as s:
        row = s.scalars(select(MockRound).where(MockRound.session_id == session_id)).one()
        row.clock_started_at = datetime.now(UTC) - timedelta(seconds=row.budget_seconds - 3)
    database.dispose()
    page.reload()
    assert _clock_seconds(page) <= 3
    page.fill("textarea#answer", "A 95% interval comes from a procedure that covers the truth.")
    # Nobody clicks: at zero the page sends what was typed, and the round closes with it.
    page.get_by_text("All rounds are over").wait_for(timeout=15_000)
    assert "ML concepts timed-out" in page.locator(".round-steps").inner_text()
    page.get_by_role("button", name="See the scorecard", exact=True).click()
    row = page.locator("table tr", has_text="ML concepts")
    assert re.search(r"\b1/\d", row.inner_text()), row.inner_text()  # the typed answer counts


def test_make_a_study_plan_and_download_its_calendar(
    server: Server, page: Any, tmp_path: Path
) -> None:
    page.goto(f"{server.url}/plan")
    page.select_option("select[name=role]", "data-science")
    page.fill("input[name=interview_date]", (date.today() + timedelta(days=12)).isoformat())
    page.fill("input[name=hours_per_week]", "6")
    page.get_by_role("button", name="Make the plan").click()
    page.wait_for_url(re.compile(r"/plan$"))
    assert "study days until" in page.locator(".flash").inner_text()
    rows = page.locator("table.plan-days tbody tr")
    assert rows.count() >= 3
    shoot(page, "plan")
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    assert download.value.suggested_filename == "study-plan.ics"
    saved = tmp_path / "plan.ics"
    download.value.save_as(saved)
    assert saved.read_text().count("BEGIN:VEVENT") == rows.count()
    page.get_by_role("button", name="Re-plan from today").click()
    page.wait_for_url(re.compile(r"/plan$"))
    assert "revision 2" in page.locator(".flash").inner_text()


GOOD_DECK = """\
questions:
  - id: team-shadow-deployment
    topic: ml-engineering
    subtopic: rollout
    difficulty: medium
    roles: [engineering]
    prompt: Before our new ranking model takes traffic, why would we run it in shadow mode?
    answer: >-
      In shadow mode the new model receives a copy of live requests and its predictions are
      logged but never shown to users. We can compare its outputs, latency and error rate with
      the current model on real traffic, catching a broken feature join or a slow path before
      anyone is affected.
    key_points:
      - The shadow model sees a copy of real traffic but its answers are not served.
      - Its predictions and latency are compared with the live model's.
      - Problems surface before any user is affected.
"""


def test_upload_a_deck_fix_it_and_export_to_anki(server: Server, page: Any, tmp_path: Path) -> None:
    bad = tmp_path / "team-rollout.yaml"
    bad.write_text(GOOD_DECK.replace("difficulty: medium", "difficulty: tricky"), "utf-8")
    page.goto(f"{server.url}/decks")
    page.set_input_files("#deck-file", str(bad))
    page.get_by_role("button", name="Import").click()
    issues = page.get_by_test_id("deck-issues")
    issues.wait_for()
    assert re.search(
        r"team-rollout\.yaml:5: questions\[team-shadow-deployment\]\.difficulty",
        issues.inner_text(),
    )
    shoot(page, "deck-error")
    good = tmp_path / "team-rollout.yaml"
    good.write_text(GOOD_DECK, "utf-8")
    page.set_input_files("#deck-file", str(good))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/decks/team-rollout$"))
    VISITED.append("/decks/team-rollout")
    assert "1 question(s) imported" in page.locator(".flash").inner_text()
    assert page.get_by_text("why would we run it in shadow mode").is_visible()
    shoot(page, "deck")
    page.get_by_role("link", name="Edit").click()
    page.wait_for_url(re.compile(r"/cards/team-shadow-deployment$"))
    VISITED.append("/decks/team-rollout/cards/team-shadow-deployment")
    page.fill("#c-prompt", "Before our new ranking model serves users, why run it in shadow mode?")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/decks/team-rollout"))
    assert page.get_by_text("why run it in shadow mode?").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export to Anki").click()
    assert download.value.suggested_filename.endswith(".apkg")
    saved = tmp_path / "deck.apkg"
    download.value.save_as(saved)
    import zipfile

    with zipfile.ZipFile(saved) as archive:
        assert "collection.anki2" in archive.namelist()


@pytest.fixture(scope="module")
def team_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("web-prepare-team"), auth=True)
    yield running
    running.stop()


def test_a_team_member_uploads_a_deck_and_practises_its_card(
    team_server: Server, browser: Any, tmp_path: Path
) -> None:
    url = team_server.url
    deck = tmp_path / "rollout.yaml"
    deck.write_text(GOOD_DECK, "utf-8")
    cleo = browser.new_context(viewport=DESKTOP).new_page()
    cleo.set_default_timeout(30_000)
    _sign_up(cleo, url, "cleo")
    cleo.goto(f"{url}/decks")
    cleo.set_input_files("#deck-file", str(deck))
    cleo.get_by_role("button", name="Import").click()
    cleo.wait_for_url(re.compile(r"/decks/rollout$"))
    answer = (
        "The shadow model gets a copy of real traffic but its answers are never served; we "
        "compare its predictions and latency with the live model's, so problems surface before "
        "any user is affected."
    )
    cleo.get_by_role("link", name="Answer").click()
    cleo.wait_for_url(re.compile(r"/questions/team-shadow-deployment$"))
    assert cleo.get_by_text("why would we run it in shadow mode").is_visible()
    cleo.fill("textarea#answer", answer)
    cleo.get_by_role("button", name="Grade my answer").click()
    cleo.wait_for_url(re.compile(r"/attempts/\d+$"))
    assert float(cleo.get_by_test_id("score").inner_text().split("/")[0]) > 0
    shoot(cleo, "team-deck-card-graded")
    # Drilled from its deck's page: answered, rated, scheduled.
    cleo.goto(f"{url}/decks/rollout")
    cleo.get_by_role("link", name="Drill these cards").click()
    cleo.wait_for_url(re.compile(r"/practice\?deck=rollout$"))
    assert "deck rollout" in cleo.locator("h1").inner_text()
    assert cleo.get_by_text("why would we run it in shadow mode").is_visible()
    cleo.fill("textarea#answer", answer)
    cleo.get_by_role("button", name="Grade my answer").click()
    cleo.wait_for_url(re.compile(r"/attempts/\d+$"))
    cleo.get_by_role("button", name=re.compile("^Good")).click()
    cleo.wait_for_url(re.compile(r"/practice$"))
    assert "No card is due in deck rollout" in cleo.locator("main").inner_text()
    # Found again by searching the question list, with the best score kept.
    cleo.goto(f"{url}/questions")
    cleo.fill("input[name=q]", "shadow mode ranking model")
    cleo.get_by_role("button", name="Filter").click()
    found = cleo.get_by_role("link", name=re.compile("why would we run it in shadow mode"))
    assert found.is_visible()
    assert "best" in cleo.locator("li", has=found).inner_text()
    # A teammate neither finds nor opens it.
    dan = browser.new_context(viewport=PHONE).new_page()
    _sign_up(dan, url, "dan")
    dan.goto(f"{url}/questions?q=shadow+mode+ranking+model")
    assert dan.get_by_text("why would we run it in shadow mode").count() == 0
    assert dan.goto(f"{url}/questions/team-shadow-deployment").status == 404
    cleo.context.close()
    dan.context.close()


def test_progress_charts_are_drawn(server: Server, page: Any, catalog: Catalog) -> None:
    page.goto(f"{server.url}/practice")
    question_id = page.locator("input[name=question_id]").get_attribute("value")
    page.fill("textarea#answer", catalog.questions[question_id].answer)
    page.get_by_role("button", name="Grade my answer").click()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    page.get_by_role("button", name=re.compile("^Good")).click()
    page.goto(f"{server.url}/progress")
    for testid in ("score-trend", "reviews-per-day", "retention", "mastery"):
        chart = page.get_by_test_id(testid).locator("svg")
        assert chart.is_visible(), testid
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 60, (testid, box)
    assert page.get_by_test_id("score-trend").locator("circle").count() >= 1
    assert page.get_by_test_id("reviews-per-day").locator("rect.col").count() == 30
    shoot(page, "progress")


def test_interviews_and_design_pages(server: Server, page: Any, catalog: Catalog) -> None:
    page.goto(f"{server.url}/interviews")
    page.fill("#i-company", "Northwind Analytics")
    page.fill("#i-role", "Machine learning engineer")
    page.fill("#i-who", "Priya Raman")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(re.compile(r"/interviews/\d+$"))
    VISITED.append(page.url.removeprefix(server.url))
    page.locator("input[name=done]").first.check()
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_url(re.compile(r"/interviews/\d+"))
    assert page.locator("input[name=done]").first.is_checked()
    shoot(page, "interview")
    page.get_by_role("link", name="Draft a thank-you note").click()
    assert "Dear Priya Raman," in page.get_by_test_id("thank-you").input_value()
    VISITED.append(page.url.removeprefix(server.url))
    scenario = next(iter(catalog.scenarios.values()))
    page.goto(f"{server.url}/scenarios/{scenario.id}")
    VISITED.append(f"/scenarios/{scenario.id}")
    page.fill("textarea#answer", " ".join(p.text for d in scenario.rubric for p in d.key_points))
    page.get_by_role("button", name="Grade my design").click()
    grade = page.get_by_test_id("design-grade")
    grade.wait_for()
    assert grade.locator("ul.dims > li").count() == len(scenario.rubric)
    shoot(page, "design-grade")


def test_no_page_scrolls_sideways_on_a_phone(server: Server, browser: Any) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    wide = []
    for path in [*STATIC_PAGES, *VISITED]:
        page.goto(f"{server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide.append((path, width))
    # Pages that only a form's answer shows: a job-posting report, deep-dive questions, and a
    # coding round with the editor.
    page.goto(f"{server.url}/jobspec")
    page.fill("#posting", "ML engineer\n\nRequirements\n- Python, Kubernetes, feature stores")
    page.fill("#resume", "Five years of Python; built feature pipelines on Kubernetes.")
    page.get_by_role("button", name="Compare").click()
    page.get_by_test_id("jobspec-report").wait_for()
    page.screenshot(path=str(SHOTS / "jobspec-report-390.png"), full_page=True)
    checked = {"/jobspec (report)": page.evaluate("document.documentElement.scrollWidth")}
    page.goto(f"{server.url}/deepdive")
    page.fill("#project", "A churn model: XGBoost on event data, served with FastAPI in Docker.")
    page.get_by_role("button", name="Read my project").click()
    page.get_by_test_id("deepdive-questions").wait_for()
    checked["/deepdive (questions)"] = page.evaluate("document.documentElement.scrollWidth")
    page.goto(f"{server.url}/mock")
    page.select_option("#mock-role", "engineering")
    for kind in ("fact-finding", "deep-dive", "concepts", "design"):
        page.locator(f"input[name=rounds][value={kind}]").uncheck()
    page.get_by_role("button", name="Start", exact=True).click()
    page.get_by_role("button", name="Start the round").click()
    page.locator(".cm-editor").wait_for()
    checked["/mock/N (coding round)"] = page.evaluate("document.documentElement.scrollWidth")
    wide += [(path, width) for path, width in checked.items() if width > PHONE["width"]]
    shoot_names = {"/mock": "mock-start", "/decks": "decks", "/plan": "plan"}
    for path, name in shoot_names.items():
        page.goto(f"{server.url}{path}")
        page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    context.close()
    assert not wide, f"pages wider than {PHONE['width']} px: {wide}"
