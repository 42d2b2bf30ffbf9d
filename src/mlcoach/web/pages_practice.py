"""Pages for practice over time: progress charts, and the user's own decks (upload, browse, edit,
Anki export). They call the same `mlcoach.practice` functions as `mlcoach progress` and
`mlcoach deck import|export`.

Decks are files. In single-user mode they live in the deck folder the CLI uses, and an import joins
the practice catalog at once. In team mode each account has its own folder under the data folder:
its cards are browsed, edited, exported and practised by their owner only (`Web.catalog_for`).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from mlcoach.catalog import DIFFICULTIES, ROLES
from mlcoach.errors import MlcoachError, NotFoundError
from mlcoach.store.models import User
from mlcoach.web.charts import Point, column_chart_svg, line_chart_svg
from mlcoach.web.deps import checked_form, page_user, web_of
from mlcoach.web.downloads import download
from mlcoach.web.pages import flash, redirect, render
from mlcoach.web.render import Bar, bar_chart_svg

router = APIRouter(include_in_schema=False)

DECK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}")
PROGRESS_WINDOWS = (14, 30, 90, 365)


# --- progress ------------------------------------------------------------------------------------


@router.get("/progress", response_class=HTMLResponse)
def progress_page(request: Request, days: int = 30, user: User = Depends(page_user)) -> Response:
    from mlcoach.practice.progress import build_progress
    from mlcoach.store.models import utcnow

    web = web_of(request)
    days = days if days in PROGRESS_WINDOWS else 30
    with web.database.session() as session:
        report = build_progress(session, user, web.catalog_for(user), utcnow(), days=days)
    scores = [
        Point(
            d.day, d.mean_score, "" if d.mean_score is None else f"mean score {d.mean_score:.1f}/5"
        )
        for d in report.activity
    ]
    reviews = [Point(d.day, d.reviews, f"{d.reviews} review(s)") for d in report.activity]
    practised = [t for t in report.topics if t.practised]
    retention = [
        Bar(
            t.title,
            t.retrievability,
            "not reviewed yet"
            if t.retrievability is None
            else f"{t.retrievability:.0%} chance to recall now",
            f"/practice?topic={t.topic}",
        )
        for t in practised
    ]
    mastery = [
        Bar(
            t.title,
            t.strength,
            f"{t.practised}/{t.questions} questions practised",
            f"/questions?topic={t.topic}",
        )
        for t in report.topics
    ]
    slope = report.score_slope_per_week
    trend = (
        None
        if slope is None
        else "rising"
        if slope > 0.05
        else "falling"
        if slope < -0.05
        else "flat"
    )
    return render(
        request,
        "progress.html",
        report=report,
        days=days,
        windows=PROGRESS_WINDOWS,
        trend=trend,
        score_chart=line_chart_svg(scores, label="Mean score per day", top_value=5.0),
        reviews_chart=column_chart_svg(reviews, label="Reviews per day"),
        retention_chart=bar_chart_svg(retention) if retention else None,
        mastery_chart=bar_chart_svg(mastery) if mastery else None,
        has_scores=any(p.value is not None for p in scores),
    )


# --- decks ---------------------------------------------------------------------------------------


def _decks(folder: Path) -> list[dict[str, Any]]:
    from mlcoach.catalog.loader import content_files, read_file

    out = []
    for path in content_files(folder) if folder.is_dir() else []:
        items, issues = read_file(path)
        questions = [i.item for i in items if i.kind == "questions"]
        out.append(
            {
                "name": path.stem,
                "path": path,
                "questions": questions,
                "issues": [str(i).replace(str(path), path.name) for i in issues],
            }
        )
    return out


def _deck(folder: Path, name: str) -> dict[str, Any]:
    for deck in _decks(folder):
        if deck["name"] == name:
            return deck
    raise NotFoundError(f"no deck named {name!r}")


def _decks_page(
    request: Request,
    user: User,
    *,
    issues: list[str] | None = None,
    error: str | None = None,
    status: int = 200,
    **form: Any,
) -> Response:
    web = web_of(request)
    return render(
        request,
        "decks.html",
        status=status,
        decks=_decks(web.deck_dir(user)),
        issues=issues or [],
        error=error,
        topics=web.catalog.topics,
        roles=ROLES,
        difficulties=DIFFICULTIES,
        form={"name": "", "format": "yaml", "text": "", "replace": False, **form},
    )


@router.get("/decks", response_class=HTMLResponse)
def decks_page(request: Request, user: User = Depends(page_user)) -> Response:
    return _decks_page(request, user)


PASTE_SUFFIXES = {"yaml": ".yaml", "csv": ".csv", "markdown": ".md"}


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _import(
    web: Any,
    user: User,
    source_name: str,
    data: bytes,
    name: str | None,
    replace: bool,
    shown_as: str | None = None,
) -> Any:
    """Import ``data`` (saved as ``source_name``) with `import_deck`; problems name the user's
    file as they know it, ``shown_as`` (default: ``source_name``)."""
    shown_as = shown_as or source_name
    from mlcoach.catalog import catalog_cache_dir, load_catalog
    from mlcoach.practice.decks import DeckImportError, import_deck

    folder = web.deck_dir(user)
    with tempfile.TemporaryDirectory(prefix="mlcoach-upload-") as tmp:
        source = Path(tmp) / source_name
        source.write_bytes(data)
        try:
            # In team mode the deck joins the shared catalog, the server's deck folder included:
            # checked against it, so none of its cards is left out for a clashing id.
            shared = [Path(web.settings.deck_dir)] if web.auth else []
            result = import_deck(source, folder, name=name, replace=replace, shared=shared)
        except DeckImportError as exc:
            raise _Issues([str(i).replace(str(source), shown_as) for i in exc.issues]) from None
        except MlcoachError as exc:
            raise MlcoachError(str(exc).replace(str(source), shown_as)) from None
    # In team mode the account's own catalog sees the changed folder on its next request
    # (`Web.catalog_for`).
    if not web.auth:
        # One user: the deck joins the practice catalog now, as it would on the CLI's next start.
        web.catalog = load_catalog([folder], cache_dir=catalog_cache_dir(web.settings.data_dir))
    return result


class _Issues(MlcoachError):
    def __init__(self, issues: list[str]) -> None:
        self.issues = issues
        super().__init__(issues[0] if issues else "the deck has problems")


def _base_name(filename: str) -> str:
    return Path(filename.replace("\\", "/")).name


def _safe_upload_name(filename: str) -> str:
    from mlcoach.practice.decks import deck_name

    base = _base_name(filename)
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = deck_name(stem)
    return f"{stem}.{suffix.lower()}" if suffix else stem


@router.post("/decks")
async def decks_upload(request: Request, form: FormData = Depends(checked_form)) -> Response:
    from mlcoach.catalog.loader import MAX_FILE_BYTES

    user = await run_in_threadpool(page_user, request)
    web = web_of(request)
    name = _field(form, "name").strip()
    fmt = _field(form, "format") or "yaml"
    text = _field(form, "text")
    replace = form.get("replace") == "on"
    upload = form.get("file")
    keep: dict[str, Any] = {"name": name, "format": fmt, "text": text, "replace": replace}
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(MAX_FILE_BYTES + 1)
            source_name = _safe_upload_name(upload.filename)
            shown_as = _base_name(upload.filename)
        elif text.strip():
            if fmt not in PASTE_SUFFIXES:
                raise MlcoachError("choose the pasted deck's format: yaml, csv or markdown")
            data = text.encode("utf-8")
            source_name = f"{name or 'pasted-deck'}{PASTE_SUFFIXES[fmt]}"
            source_name = shown_as = _safe_upload_name(source_name)
        else:
            raise MlcoachError("choose a deck file (YAML, CSV or Markdown), or paste one")
        if len(data) > MAX_FILE_BYTES:
            raise MlcoachError(f"the deck is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        if name and not DECK_NAME.fullmatch(name):
            from mlcoach.practice.decks import deck_name

            raise MlcoachError(
                "a deck name uses letters, digits, '-', '_' and '.' only "
                f"(for example {deck_name(name)!r})"
            )
        result = await run_in_threadpool(
            _import, web, user, source_name, data, name or None, replace, shown_as
        )
    except _Issues as exc:
        return _decks_page(
            request,
            user,
            issues=exc.issues,
            error=f"{len(exc.issues)} problem(s); nothing imported",
            status=400,
            **keep,
        )
    except MlcoachError as exc:
        if isinstance(exc, NotFoundError):
            raise
        return _decks_page(request, user, error=str(exc), status=400, **keep)
    verb = "replaced" if result.replaced else "imported"
    flash(request, f"{len(result.questions)} question(s) {verb} into deck {result.written.stem}.")
    return redirect(f"/decks/{result.written.stem}")


@router.get("/decks/{name}", response_class=HTMLResponse)
def deck_page(request: Request, name: str, user: User = Depends(page_user)) -> Response:
    web = web_of(request)
    deck = _deck(web.deck_dir(user), name)
    return render(request, "deck.html", deck=deck, topics=web.catalog.topics)


def _card_form(
    request: Request,
    user: User,
    name: str,
    question_id: str,
    *,
    values: dict[str, str] | None = None,
    issues: list[str] | None = None,
    status: int = 200,
) -> Response:
    web = web_of(request)
    deck = _deck(web.deck_dir(user), name)
    question = next((q for q in deck["questions"] if q.id == question_id), None)
    if question is None:
        raise NotFoundError(f"no card {question_id!r} in deck {name!r}")
    if values is None:
        values = {
            "prompt": question.prompt,
            "answer": question.answer,
            "key_points": "\n".join(k.text for k in question.key_points),
            "misconceptions": "\n".join(question.misconceptions),
            "difficulty": question.difficulty,
            "topic": question.topic,
            "subtopic": question.subtopic,
            "roles": ", ".join(question.roles),
        }
    return render(
        request,
        "card_edit.html",
        status=status,
        deck=deck,
        question=question,
        values=values,
        issues=issues or [],
        difficulties=DIFFICULTIES,
    )


@router.get("/decks/{name}/cards/{question_id}", response_class=HTMLResponse)
def card_edit_page(
    request: Request, name: str, question_id: str, user: User = Depends(page_user)
) -> Response:
    return _card_form(request, user, name, question_id)


def _lines(value: str) -> list[str]:
    return [
        re.sub(r"^\s*[-*•]\s+", "", line).strip() for line in value.splitlines() if line.strip()
    ]


@router.post("/decks/{name}/cards/{question_id}")
def card_save(
    request: Request,
    name: str,
    question_id: str,
    user: User = Depends(page_user),
    form: FormData = Depends(checked_form),
) -> Response:
    import yaml

    from mlcoach.practice.decks import question_record

    web = web_of(request)
    deck = _deck(web.deck_dir(user), name)
    if not any(q.id == question_id for q in deck["questions"]):
        raise NotFoundError(f"no card {question_id!r} in deck {name!r}")
    fields = ("prompt", "answer", "key_points", "misconceptions", "difficulty", "topic")
    values = {k: _field(form, k) for k in (*fields, "subtopic", "roles")}
    records = []
    for q in deck["questions"]:
        record = question_record(q)
        if q.id == question_id:
            record.update(
                prompt=values["prompt"].strip(),
                answer=values["answer"].strip(),
                key_points=_lines(values["key_points"]),
                difficulty=values["difficulty"].strip(),
                topic=values["topic"].strip(),
                subtopic=values["subtopic"].strip(),
                roles=[r.strip() for r in values["roles"].split(",") if r.strip()],
            )
            record["misconceptions"] = _lines(values["misconceptions"])
            if not record["misconceptions"]:
                del record["misconceptions"]
        records.append(record)
    text = yaml.safe_dump({"questions": records}, sort_keys=False, allow_unicode=True)
    try:
        _import(web, user, f"{name}.yaml", text.encode("utf-8"), name, True)
    except _Issues as exc:
        return _card_form(
            request, user, name, question_id, values=values, issues=exc.issues, status=400
        )
    except MlcoachError as exc:
        return _card_form(
            request, user, name, question_id, values=values, issues=[str(exc)], status=400
        )
    flash(request, f"Saved card {question_id}.")
    return redirect(f"/decks/{name}#{question_id}")


@router.get("/decks-export/anki.apkg")
def anki_export(
    request: Request,
    source: str = "all",
    topic: str | None = None,
    role: str | None = None,
    difficulty: str | None = None,
    q: str | None = None,
    user: User = Depends(page_user),
) -> Response:
    from mlcoach.practice.anki import export_anki

    web = web_of(request)
    topic, role, difficulty = topic or None, role or None, difficulty or None
    if role is not None and role not in ROLES:
        raise MlcoachError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise MlcoachError(
            f"unknown level {difficulty!r}; choose one of: {', '.join(DIFFICULTIES)}"
        )
    catalog = web.catalog_for(user)
    deck_name = "mlcoach"
    mine: set[str] | None = None
    if source != "all":
        decks = _decks(web.deck_dir(user))
        if source != "mine" and not any(d["name"] == source for d in decks):
            raise NotFoundError(f"no deck named {source!r}")
        mine = {qu.id for d in decks if source in ("mine", d["name"]) for qu in d["questions"]}
        deck_name = "mlcoach: my cards" if source == "mine" else f"mlcoach: {source}"
    found = catalog.find_questions(topic=topic, role=role, difficulty=difficulty, text=q or None)
    if mine is not None:
        found = [question for question in found if question.id in mine]
    with tempfile.TemporaryDirectory(prefix="mlcoach-anki-") as tmp:
        path = Path(tmp) / "deck.apkg"
        export_anki(found, path, deck_name=deck_name)
        data = path.read_bytes()
    filename = "mlcoach.apkg" if source == "all" else f"mlcoach-{source}.apkg"
    return download(data, filename, "application/octet-stream")
