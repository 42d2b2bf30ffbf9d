"""Team mode: the cards a member uploads on /decks are theirs to practise like the shipped ones
(question list and search, the question page, grading, drills, progress), and nobody else's."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mlcoach.catalog import Catalog
from mlcoach.config import load_settings
from mlcoach.web import create_app
from mlcoach.web.state import UserCatalogs
from tests.web.conftest import BASE_URL, AppFactory, csrf_of, form_token, sign_up

CARD = "own-bagging-fraud-model"
PROMPT = "Our fraud model is one deep decision tree: why would bagging a hundred of them help?"
DECK = f"""\
questions:
  - id: {CARD}
    topic: ensembles
    subtopic: bagging
    difficulty: easy
    roles: [engineering]
    prompt: "{PROMPT}"
    answer: >-
      A single deep tree has low bias but high variance: a few different training rows change
      its splits a lot. Bagging trains each tree on a bootstrap sample and averages their votes,
      which cancels much of that variance while keeping the low bias, so the fraud scores are
      steadier from one retraining to the next.
    key_points:
      - A single deep decision tree has high variance and low bias.
      - Each bagged tree is trained on a bootstrap sample of the rows.
      - Averaging the trees' votes reduces variance without adding much bias.
"""
ANSWER = (
    "One deep tree has high variance: small changes in the rows change its splits. Bagging trains "
    "each tree on a bootstrap sample and averages their votes, which reduces the variance while "
    "the bias stays low."
)


def _text(response: object) -> str:
    return html.unescape(response.text)  # type: ignore[attr-defined]


def _upload(client: TestClient, text: str, **extra: str) -> object:
    token = form_token(client, "/decks")
    return client.post(
        "/decks",
        data={"csrf_token": token, **extra},
        files={"file": ("fraud.yaml", text.encode("utf-8"), "application/yaml")},
        follow_redirects=False,
    )


def _card_on_screen(page: str) -> str:
    match = re.search(r'name="question_id" value="([^"]+)"', page)
    assert match, "the drill shows no card"
    return match.group(1)


def _ensembles(client: TestClient, catalog: Catalog) -> tuple[int, str]:
    """(questions in the ensembles topic, its mastery detail) as the API tells this user."""
    topics = {t["slug"]: t["questions"] for t in client.get("/api/v1/topics").json()}
    title = catalog.topic("ensembles").title
    mastery = client.get("/api/v1/progress").json()["mastery"]
    detail = next(m["detail"] for m in mastery if m["topic"] == title)
    return topics["ensembles"], detail


def test_a_members_uploaded_card_is_searched_answered_graded_and_drilled(
    make_client: AppFactory, catalog: Catalog
) -> None:
    alice = sign_up(make_client(auth=True), "alice")
    bob = sign_up(make_client(auth=True), "bob")
    shipped = sum(q.topic == "ensembles" for q in catalog.questions.values())
    assert _ensembles(alice, catalog)[0] == shipped

    upload = _upload(alice, DECK)
    assert upload.status_code == 303, _text(upload)  # type: ignore[attr-defined]

    # Found in the question list and its search, on the page and through the API.
    listed = _text(alice.get("/questions", params={"q": "bagging fraud deep tree"}))
    assert f'href="/questions/{CARD}"' in listed and PROMPT in listed
    assert CARD in [q["id"] for q in alice.get("/api/v1/questions?q=bagging+fraud").json()]
    assert CARD in [q["id"] for q in alice.get("/api/v1/questions?topic=ensembles").json()]
    assert alice.get(f"/api/v1/questions/{CARD}").json()["prompt"] == PROMPT

    # Answered on its page and graded against its own key points.
    page = alice.get(f"/questions/{CARD}")
    assert page.status_code == 200 and PROMPT in _text(page)
    answered = alice.post(
        f"/questions/{CARD}/answer",
        data={"csrf_token": csrf_of(page.text), "answer": ANSWER},
        follow_redirects=False,
    )
    assert answered.status_code == 303, _text(answered)
    graded = _text(alice.get(answered.headers["location"]))
    assert PROMPT in graded
    score = re.search(r'data-testid="score">([0-9.]+)<', graded)
    assert score and float(score.group(1)) > 0, "the answer got no grade"
    assert "bootstrap sample" in graded  # its key points are what the answer was checked against
    api_grade = alice.post("/api/v1/grades", json={"question_id": CARD, "answer": ANSWER})
    assert api_grade.status_code == 201 and api_grade.json()["grade"]["score"] > 0

    # In her drills: among the topic's new cards (easiest first, after the shipped ones) ...
    drill = _text(alice.get("/practice?topic=ensembles"))
    for _ in range(shipped + 1):
        if _card_on_screen(drill) == CARD:
            break
        skipped = alice.post(
            "/practice/skip",
            data={"csrf_token": csrf_of(drill), "question_id": _card_on_screen(drill)},
        )
        drill = _text(skipped)
    assert _card_on_screen(drill) == CARD and PROMPT in drill
    # ... and first in a drill of her deck, from its page: answered, rated, scheduled.
    assert 'href="/practice?deck=fraud"' in _text(alice.get("/decks/fraud"))
    drill = _text(alice.get("/practice?deck=fraud"))
    assert _card_on_screen(drill) == CARD and "deck fraud" in drill
    drilled = alice.post(
        "/practice/answer",
        data={"csrf_token": csrf_of(drill), "question_id": CARD, "answer": ANSWER},
        follow_redirects=False,
    )
    assert drilled.status_code == 303, _text(drilled)
    attempt_id = drilled.headers["location"].rsplit("/", 1)[1]
    assert "How well did you recall it?" in _text(alice.get(drilled.headers["location"]))
    rated = alice.post(
        "/practice/rate",
        data={"csrf_token": csrf_of(drill), "rating": "3", "attempt_id": attempt_id},
    )
    assert "Recorded “Good”" in _text(rated)
    assert "No card is due in deck fraud" in _text(rated)
    assert alice.get("/practice?deck=nope").status_code == 404
    # The API drills the same deck, and refuses one that names nothing as the page does.
    api_card = alice.get("/api/v1/drills/next", params={"deck": "fraud"}).json()
    assert api_card["done"] is True or api_card["question"]["id"] == CARD
    assert alice.get("/api/v1/drills/next", params={"deck": "nope"}).status_code == 404
    assert bob.get("/api/v1/drills/next", params={"deck": "fraud"}).status_code == 404
    unknown_topic = alice.get("/practice?topic=nope")
    assert unknown_topic.status_code == 404 and "no topic named" in _text(unknown_topic)

    # Counted in her progress: the topic has one more question, and it is practised.
    count, detail = _ensembles(alice, catalog)
    assert count == shipped + 1 and detail == f"1 of {shipped + 1} questions practised"
    assert f"1/{shipped + 1} questions practised" in _text(alice.get("/progress"))

    # Bob never sees it: not listed, not found by search, not opened, not gradable.
    assert _ensembles(bob, catalog)[0] == shipped
    assert CARD not in _text(bob.get("/questions", params={"q": "bagging fraud deep tree"}))
    assert CARD not in _text(bob.get("/questions", params={"topic": "ensembles"}))
    assert CARD not in [q["id"] for q in bob.get("/api/v1/questions?q=bagging+fraud").json()]
    assert bob.get(f"/questions/{CARD}").status_code == 404
    assert bob.get(f"/api/v1/questions/{CARD}").status_code == 404
    token = form_token(bob, "/questions")
    refused = bob.post(f"/questions/{CARD}/answer", data={"csrf_token": token, "answer": ANSWER})
    assert refused.status_code == 404
    assert (
        bob.post("/api/v1/grades", json={"question_id": CARD, "answer": ANSWER}).status_code == 404
    )
    assert bob.get(answered.headers["location"]).status_code == 404
    assert bob.get("/practice?deck=fraud").status_code == 404
    bob_drill = _text(bob.get("/practice?topic=ensembles"))
    for _ in range(shipped + 1):
        assert _card_on_screen(bob_drill) != CARD
        bob_drill = _text(
            bob.post(
                "/practice/skip",
                data={"csrf_token": csrf_of(bob_drill), "question_id": _card_on_screen(bob_drill)},
            )
        )
        if 'name="question_id"' not in bob_drill:
            break


def test_an_edited_or_replaced_card_is_what_the_member_practises_next(
    make_client: AppFactory,
) -> None:
    alice = sign_up(make_client(auth=True), "alice")
    assert _upload(alice, DECK).status_code == 303  # type: ignore[attr-defined]
    assert PROMPT in _text(alice.get(f"/questions/{CARD}"))
    # A drill of the deck, begun before the edit, shows the card as it was.
    assert PROMPT in _text(alice.get("/practice?deck=fraud"))

    edit = f"/decks/fraud/cards/{CARD}"
    form = alice.get(edit)
    assert form.status_code == 200
    reworded = "Why would bagging many deep trees steady our fraud model's scores between runs?"
    values = {
        "prompt": reworded,
        "answer": ANSWER,
        "key_points": "A single deep decision tree has high variance.\n"
        "Bagging averages trees trained on bootstrap samples.",
        "misconceptions": "",
        "difficulty": "easy",
        "topic": "ensembles",
        "subtopic": "bagging",
        "roles": "engineering",
    }
    saved = alice.post(
        edit, data={"csrf_token": csrf_of(form.text), **values}, follow_redirects=False
    )
    assert saved.status_code == 303, _text(saved)

    page = _text(alice.get(f"/questions/{CARD}"))
    assert reworded in page and PROMPT not in page
    assert alice.get(f"/api/v1/questions/{CARD}").json()["prompt"] == reworded
    found = _text(alice.get("/questions", params={"q": "steady scores between runs"}))
    assert f'href="/questions/{CARD}"' in found
    graded = alice.post("/api/v1/grades", json={"question_id": CARD, "answer": ANSWER}).json()
    assert [p["key_point"] for p in graded["grade"]["points"]] == values["key_points"].split("\n")
    # The drill goes on with the card as it is now.
    drill = _text(alice.get("/practice"))
    assert reworded in drill and PROMPT not in drill and "deck fraud" in drill

    # Replacing the deck with another card: the old one is gone from her catalog.
    other = DECK.replace(CARD, "own-boosting-fraud-model").replace(
        PROMPT, "Our fraud model underfits with shallow trees: how would boosting them help?"
    )
    replaced = _upload(alice, other, name="fraud", replace="on")
    assert replaced.status_code == 303, _text(replaced)  # type: ignore[attr-defined]
    assert alice.get(f"/questions/{CARD}").status_code == 404
    assert alice.get("/questions/own-boosting-fraud-model").status_code == 200


def test_each_members_catalog_is_kept_until_their_decks_change_and_the_cache_is_bounded(
    catalog: Catalog, tmp_path: Path
) -> None:
    catalogs = UserCatalogs(capacity=2)
    folders = {uid: tmp_path / str(uid) for uid in (1, 2, 3)}
    # No deck of one's own: the shared catalog itself, nothing kept.
    assert catalogs.get(catalog, 1, folders[1]) is catalog and len(catalogs) == 0
    for uid, folder in folders.items():
        folder.mkdir()
        (folder / "fraud.yaml").write_text(DECK.replace(CARD, f"{CARD}-{uid}"), "utf-8")
    first = catalogs.get(catalog, 1, folders[1])
    assert f"{CARD}-1" in first.questions and f"{CARD}-2" not in first.questions
    assert catalogs.get(catalog, 1, folders[1]) is first  # unchanged folder: not built again
    (folders[1] / "more.yaml").write_text(DECK.replace(CARD, "own-second-card"), "utf-8")
    second = catalogs.get(catalog, 1, folders[1])
    assert second is not first and "own-second-card" in second.questions
    catalogs.get(catalog, 2, folders[2])
    catalogs.get(catalog, 3, folders[3])
    assert len(catalogs) == 2  # the account used longest ago made room
    assert catalogs.get(catalog, 1, folders[1]) is not second


def test_a_member_cannot_import_a_card_with_the_id_of_one_the_server_shares(
    isolated_data_dir: Path, lexical_grader: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server's own deck folder is part of everyone's catalog.
    shared = isolated_data_dir / "decks"
    shared.mkdir(parents=True)
    (shared / "house.yaml").write_text(DECK, "utf-8")
    monkeypatch.setenv("MLCOACH_AUTH", "on")
    with TestClient(create_app(load_settings()), base_url=BASE_URL) as client:
        sign_up(client, "alice")
        assert PROMPT in _text(client.get(f"/questions/{CARD}"))
        mine = DECK.replace(PROMPT, "When would you bag a hundred shallow trees for fraud scores?")
        clash = _upload(client, mine)
        assert clash.status_code == 400  # type: ignore[attr-defined]
        assert f"fraud.yaml:2: questions[{CARD}].id: duplicate id" in _text(clash)
        assert PROMPT in _text(client.get(f"/questions/{CARD}"))
