"""Problems through the pages: the editor, running the visible tests, submitting for a verdict."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient

from mlcoach.catalog import Catalog, Problem
from tests.web.conftest import form_token


def _problem(catalog: Catalog) -> Problem:
    # An algorithm problem whose first wrong solution already fails a visible test.
    return catalog.problem("algo-longest-distinct-run")


def _submit(
    client: TestClient, problem: Problem, code: str, action: str, **kwargs: object
) -> object:
    token = form_token(client, f"/problems/{problem.id}")
    return client.post(
        f"/problems/{problem.id}/submit",
        data={"csrf_token": token, "code": code, "action": action},
        **kwargs,  # type: ignore[arg-type]
    )


def test_problem_page_has_an_editor_that_degrades_to_a_textarea(
    client: TestClient, catalog: Catalog
) -> None:
    problem = _problem(catalog)
    page = client.get(f"/problems/{problem.id}")
    assert page.status_code == 200
    assert 'data-editor="python"' in page.text and "/static/editor.js" in page.text
    assert html.escape(problem.starter_code.strip().splitlines()[0], quote=False) in page.text
    assert 'value="run"' in page.text and 'value="submit"' in page.text


def test_submitting_the_reference_solution_is_accepted_and_marked_solved(
    client: TestClient, catalog: Catalog
) -> None:
    problem = _problem(catalog)
    response = _submit(
        client, problem, problem.reference_solution, "submit", follow_redirects=False
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert 'data-testid="verdict">Accepted<' in page.text
    total = len(problem.tests)
    assert f"{total}/{total} tests" in page.text
    listing = client.get("/problems").text
    assert f"1 of {len(catalog.problems)} solved" in listing
    # The editor reopens with the code last submitted.
    assert (
        html.escape(problem.reference_solution.splitlines()[0], quote=False)
        in client.get(f"/problems/{problem.id}").text
    )


def test_running_a_wrong_solution_shows_the_failing_visible_test(
    client: TestClient, catalog: Catalog
) -> None:
    problem = _problem(catalog)
    page = _submit(client, problem, problem.wrong_solutions[0], "run")
    assert page.status_code == 200
    assert "(visible only)" in page.text
    visible = sum(1 for t in problem.tests if not t.hidden)
    assert page.text.count("<tr><td>") == visible
    assert 'data-testid="verdict">Accepted<' not in page.text
    assert "0 of" in client.get("/problems").text  # a run never marks a problem solved


def test_htmx_submissions_get_the_verdict_panel_only(client: TestClient, catalog: Catalog) -> None:
    problem = _problem(catalog)
    panel = _submit(client, problem, "def broken(:\n", "submit", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert "<html" not in panel.text
    assert "Compile Error" in panel.text


def test_oversized_and_empty_code_is_refused(client: TestClient, catalog: Catalog) -> None:
    problem = _problem(catalog)
    big = _submit(client, problem, "#" * 70_000, "submit")
    assert big.status_code == 413
    empty = _submit(client, problem, "   ", "submit")
    assert empty.status_code == 400 and "the code is empty" in empty.text


def test_web_and_terminal_share_the_history_of_submissions(
    client: TestClient, catalog: Catalog
) -> None:
    from mlcoach.store.submissions import list_submissions, record_submission

    web = client.app.state.web  # type: ignore[attr-defined]
    user = web.local_user()
    problem = _problem(catalog)
    other = next(p for p in catalog.problems.values() if p.id != problem.id)
    # A web submission is recorded where `mlcoach solve` records its own...
    _submit(client, problem, problem.reference_solution, "submit")
    with web.database.session() as session:
        recorded = list_submissions(session, user, problem_id=problem.id)
        assert [(s.verdict, s.source) for s in recorded] == [("Accepted", "web")]
        # ...and a problem solved in the terminal is marked solved on the web.
        record_submission(
            session, user, other.id, "...", verdict="Accepted", passed=1, total=1, results={}
        )
    assert f"2 of {len(catalog.problems)} solved" in client.get("/problems").text
