"""The app in a real browser: Playwright driving Debian's Chromium against `mlcoach serve` in a
subprocess. Screenshots of each page go to test-output/web/ (desktop and phone width)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlcoach.catalog import Catalog

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("MLCOACH_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "web"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "correct horse battery"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not shutil.which(CHROMIUM), reason=f"{CHROMIUM} is not installed (apt install chromium)"
    ),
]


class Server:
    def __init__(self, data_dir: Path, *, auth: bool) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("MLCOACH_") or k.startswith("MLCOACH_TEST_")
        }
        env.update(
            MLCOACH_DATA_DIR=str(data_dir),
            MLCOACH_AUTH="on" if auth else "off",
            MLCOACH_GRADER="lexical",
            NO_COLOR="1",
            COLUMNS="200",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mlcoach", "serve", "--port", "0"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.url = self._read_url()

    def _read_url(self) -> str:
        assert self.process.stdout is not None
        seen = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
            seen.append(line)
            match = re.search(r"running at (http://\S+?)/?\s", line)
            if match:
                return match.group(1)
        raise AssertionError("mlcoach serve did not start:\n" + "".join(seen))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("web-single"), auth=False)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def team_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("web-team"), auth=True)
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
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def shoot(page: Any, name: str, *, phone: bool = True) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if phone:
        size = page.viewport_size
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
        page.set_viewport_size(size)


def test_answer_a_question_and_see_the_grade(server: Server, page: Any, catalog: Catalog) -> None:
    question = next(iter(catalog.questions.values()))
    page.goto(f"{server.url}/questions/{question.id}")
    shoot(page, "question")
    page.fill("textarea#answer", question.answer)
    page.get_by_role("button", name="Grade my answer").click()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    score = float(page.get_by_test_id("score").inner_text().split("/")[0])
    assert score > 2.0
    assert page.locator("ul.points li").count() == len(question.key_points)
    assert page.get_by_role("heading", name="Model answer").is_visible()
    shoot(page, "grade")
    page.goto(f"{server.url}/")
    assert page.get_by_test_id("streak").inner_text() == "1"
    shoot(page, "dashboard")


def test_keyboard_only_drill(server: Server, page: Any) -> None:
    page.goto(f"{server.url}/practice")
    shoot(page, "practice")
    page.locator("textarea#answer").focus()
    page.keyboard.type("Regularisation penalises large weights to reduce overfitting.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the focused "Grade my answer" button
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    # The suggested rating button has the focus: Enter records it.
    assert page.evaluate("document.activeElement.name") == "rating"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/practice$"))
    assert "Recorded" in page.locator(".flash").inner_text()


def test_write_code_in_the_editor_and_get_a_verdict(
    server: Server, page: Any, catalog: Catalog
) -> None:
    # Its first wrong solution fails a visible test, which the run-visible-tests step shows.
    problem = catalog.problem("algo-longest-distinct-run")
    page.goto(f"{server.url}/problems")
    shoot(page, "problems")
    page.goto(f"{server.url}/problems/{problem.id}")
    editor = page.locator(".cm-editor .cm-content")
    editor.wait_for()
    assert page.locator("textarea#code").is_hidden()  # CodeMirror replaced the textarea
    assert (
        page.locator(".cm-editor .tok-keyword, .cm-editor span[class^='ͼ']").count() > 0
    )  # highlighting
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(problem.wrong_solutions[0])
    page.keyboard.press("Control+Enter")  # run the visible tests
    verdict = page.locator("#result [data-testid=verdict]")
    verdict.wait_for()
    assert verdict.inner_text() != "Accepted"
    assert "(visible only)" in page.locator("#result").inner_text()

    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(problem.reference_solution)
    page.get_by_role("button", name="Submit", exact=True).click()
    # (Locators, not wait_for_function: the page's CSP forbids evaluating strings.)
    page.locator("#result [data-testid=verdict]").filter(
        has_text=re.compile("^Accepted$")
    ).wait_for()
    rows = page.locator("#result table.verdicts tbody tr")
    assert rows.count() == len(problem.tests)
    shoot(page, "problem-accepted")
    page.goto(f"{server.url}/problems")
    assert page.locator("td .solved").count() >= 1


def test_without_javascript_the_editor_is_a_textarea(
    server: Server, browser: Any, catalog: Catalog
) -> None:
    problem = next(p for p in catalog.problems.values() if p.kind == "algorithm")
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server.url}/problems/{problem.id}")
    assert page.locator("textarea#code").is_visible()
    page.fill("textarea#code", problem.reference_solution)
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(re.compile(r"/submissions/[0-9a-f]+$"))
    for _ in range(20):
        if page.locator("[data-testid=verdict]").count():
            break
        time.sleep(0.5)
        page.reload()
    assert page.get_by_test_id("verdict").inner_text() == "Accepted"
    shoot(page, "submission-nojs")
    context.close()


def test_upload_a_notebook_and_see_its_findings(server: Server, page: Any, tmp_path: Path) -> None:
    from tests.web.notebooks import leaky_notebook

    notebook = tmp_path / "take-home.ipynb"
    notebook.write_text(leaky_notebook(), encoding="utf-8")
    page.goto(f"{server.url}/review")
    shoot(page, "review-upload")
    page.set_input_files("input#file", str(notebook))
    page.get_by_role("button", name="Review it").click()
    page.wait_for_url(re.compile(r"/reviews/[0-9a-f]+$"))
    page.locator(".report[data-state=done], .report[data-state=failed]").wait_for(timeout=60_000)
    assert page.locator(".report").get_attribute("data-state") == "done", page.locator(
        ".report"
    ).inner_text()
    assert page.locator(".finding").count() >= 1
    assert "leak" in page.locator(".report").inner_text().lower()
    shoot(page, "review-report")


def _sign_up(page: Any, url: str, name: str) -> None:
    page.goto(f"{url}/signup")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{url}/")


def test_two_users_see_separate_data(team_server: Server, browser: Any, catalog: Catalog) -> None:
    url = team_server.url
    question = next(iter(catalog.questions.values()))
    ada = browser.new_context(viewport=DESKTOP).new_page()
    bob = browser.new_context(viewport=PHONE).new_page()

    ada.goto(f"{url}/")
    assert "/signin" in ada.url
    shoot(ada, "signin")
    _sign_up(ada, url, "ada")
    ada.goto(f"{url}/questions/{question.id}")
    ada.fill("textarea#answer", question.answer)
    ada.get_by_role("button", name="Grade my answer").click()
    ada.wait_for_url(re.compile(r"/attempts/\d+$"))
    adas_attempt = ada.url

    _sign_up(bob, url, "bob")
    bob.goto(f"{url}/history")
    assert "No answers yet." in bob.locator("main").inner_text()
    response = bob.goto(adas_attempt)
    assert response.status == 404
    shoot(bob, "isolation-404", phone=False)

    ada.goto(f"{url}/history")
    assert ada.locator("table tbody tr").count() == 1
    assert "ada" in ada.locator(".who").inner_text()
    ada.context.close()
    bob.context.close()
