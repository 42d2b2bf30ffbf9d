"""Server-rendered pages. Every form works as a plain POST with a redirect; htmx, when present,
swaps in partial updates (job results) without leaving the page."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from starlette.datastructures import FormData, UploadFile

from mlcoach.catalog import DIFFICULTIES, ROLES, ProblemKind
from mlcoach.errors import EmptyAnswerError, MlcoachError, NotFoundError, refuse_empty_answer
from mlcoach.grading import GradingBusyError
from mlcoach.jobs.kinds import anchor as review_anchor
from mlcoach.store.models import Attempt, User
from mlcoach.web import accounts, actions
from mlcoach.web.deps import checked_form, optional_user, page_user, session_of, web_of
from mlcoach.web.downloads import download
from mlcoach.web.render import ago, bar_chart_svg, markdown, score_class, until, when
from mlcoach.web.security import (
    AccountError,
    RateLimited,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.filters.update(markdown=markdown, ago=ago, when=when, until=until)
templates.env.globals.update(score_class=score_class, anchor=review_anchor)
templates.env.add_extension("jinja2.ext.do")
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True

router = APIRouter(include_in_schema=False)

# How long a POST waits for a quick job before redirecting to its page (judging is usually fast).
QUICK_JOB_WAIT = 4.0
RATINGS = (
    (1, "Again", "forgot it"),
    (2, "Hard", "recalled with effort"),
    (3, "Good", "recalled"),
    (4, "Easy", "effortless"),
)
QUESTIONS_PER_PAGE = 40
KIND_LABELS: dict[ProblemKind, str] = {
    "algorithm": "Algorithms",
    "ml-from-scratch": "ML from scratch",
    "data": "SQL and pandas",
    "output": "What does it print",
}


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    web = web_of(request)
    session = session_of(request)
    message = session.data.pop("flash", None)
    if message is not None:
        session.dirty = True
    context.update(
        user=optional_user(request),
        auth=web.auth,
        signup=web.settings.signup,
        csrf_token=session.csrf_token,
        # A fresh key per rendered form: resending that same form is recognised and stored once.
        form_key=secrets.token_urlsafe(18),
        flash=message,
        path=request.url.path,
    )
    return templates.TemplateResponse(request, template, context, status_code=status)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def flash(request: Request, message: str) -> None:
    session = session_of(request)
    session.data["flash"] = message
    session.dirty = True


def _safe_next(target: str | None) -> str:
    """Only a path on this site: a sign-in link must not send the user elsewhere."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


# --- dashboard -----------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: User = Depends(page_user)) -> Response:
    web = web_of(request)
    catalog = web.catalog_for(user)
    dash = actions.dashboard(web, user)
    return render(
        request,
        "dashboard.html",
        dash=dash,
        chart=bar_chart_svg(dash.bars) if dash.bars else None,
        questions=len(catalog.questions),
        problems=len(catalog.problems),
        titles={q.id: q.prompt for q in catalog.questions.values()},
    )


# --- questions and answers -----------------------------------------------------------------------


@router.get("/questions", response_class=HTMLResponse)
def questions(
    request: Request,
    topic: str | None = None,
    difficulty: str | None = None,
    role: str | None = None,
    q: str | None = None,
    page: int = 1,
    user: User = Depends(page_user),
) -> Response:
    web = web_of(request)
    catalog = web.catalog_for(user)
    # A filter value that names nothing (an old link, a typo in the address) is dropped, and the
    # page says so rather than quietly listing everything as if it had been applied.
    ignored = []
    if topic and topic not in catalog.topics:
        ignored.append(f"no topic named {topic!r}")
    if difficulty and difficulty not in DIFFICULTIES:
        ignored.append(f"no level named {difficulty!r} (levels: {', '.join(DIFFICULTIES)})")
    if role and role not in ROLES:
        ignored.append(f"no role named {role!r} (roles: {', '.join(ROLES)})")
    topic = topic if topic in catalog.topics else None
    difficulty = difficulty if difficulty in DIFFICULTIES else None
    role = role if role in ROLES else None
    found = catalog.find_questions(topic=topic, role=role, difficulty=difficulty, text=q or None)
    with web.database.session() as session:
        best = dict(
            session.execute(
                select(Attempt.question_id, func.max(Attempt.score))
                .where(Attempt.user_id == user.id)
                .group_by(Attempt.question_id)
            ).all()
        )
    pages = max(1, -(-len(found) // QUESTIONS_PER_PAGE))
    page = min(max(1, page), pages)
    return render(
        request,
        "questions.html",
        questions=found[(page - 1) * QUESTIONS_PER_PAGE : page * QUESTIONS_PER_PAGE],
        total=len(found),
        page=page,
        pages=pages,
        best=best,
        topics=catalog.topics,
        difficulties=DIFFICULTIES,
        roles=ROLES,
        filters={"topic": topic, "difficulty": difficulty, "role": role, "q": q or ""},
        ignored=ignored,
    )


@router.get("/questions/{question_id}", response_class=HTMLResponse)
def question_page(request: Request, question_id: str, user: User = Depends(page_user)) -> Response:
    question = web_of(request).catalog_for(user).question(question_id)
    return _question_form(request, user, question)


def _question_form(
    request: Request,
    user: User,
    question: Any,
    *,
    error: str | None = None,
    answer: str = "",
    status: int = 200,
) -> Response:
    web = web_of(request)
    with web.database.session() as session:
        previous = list(
            session.scalars(
                select(Attempt)
                .where(Attempt.user_id == user.id, Attempt.question_id == question.id)
                .order_by(Attempt.created_at.desc(), Attempt.id.desc())
                .limit(5)
            )
        )
    return render(
        request,
        "question.html",
        status=status,
        question=question,
        topic=web.catalog_for(user).topics.get(question.topic),
        previous=previous,
        error=error,
        answer=answer,
        action=f"/questions/{question.id}/answer",
        drill=False,
    )


@router.post("/questions/{question_id}/answer")
async def answer_question(
    request: Request,
    question_id: str,
    user: User = Depends(page_user),
    form: FormData = Depends(checked_form),
) -> Response:
    web = web_of(request)
    return await actions.in_grading_pool(web, _answer_question, request, question_id, user, form)


def _answer_question(request: Request, question_id: str, user: User, form: FormData) -> Response:
    web = web_of(request)
    question = web.catalog_for(user).question(question_id)
    answer = _field(form, "answer")
    # The form's one-time key: a resent form (double click, reload after a lost response) is
    # stored once and shows the same attempt.
    key = _field(form, "idempotency_key") or None
    try:
        refuse_empty_answer(answer)
        _grade, attempt_id, _replayed = actions.grade_and_record(web, user, question, answer, key)
    except actions.TooLargeError as exc:
        return _question_form(request, user, question, error=str(exc), status=413)
    except MlcoachError as exc:
        if isinstance(exc, NotFoundError | GradingBusyError):
            raise
        return _question_form(
            request, user, question, error=str(exc), answer=answer, status=_status_of(exc)
        )
    return redirect(f"/attempts/{attempt_id}")


def _status_of(exc: MlcoachError) -> int:
    """An answer over the size limit is 413; an empty one 422, like the API; anything else 400."""
    if isinstance(exc, actions.TooLargeError):
        return 413
    return 422 if isinstance(exc, EmptyAnswerError) else 400


@router.get("/attempts/{attempt_id}", response_class=HTMLResponse)
def attempt_page(request: Request, attempt_id: int, user: User = Depends(page_user)) -> Response:
    web = web_of(request)
    attempt = actions.attempt_of(web, user, attempt_id)
    question = web.catalog_for(user).questions.get(attempt.question_id)
    rating = None
    if attempt.source == "drill":
        from mlcoach.practice import is_rated, suggest_rating

        with web.database.session() as session:
            if not is_rated(session, attempt.id):
                rating = {"suggested": int(suggest_rating(attempt.score or 0.0))}
    return render(
        request,
        "attempt.html",
        attempt=attempt,
        grade=attempt.grade or {},
        question=question,
        rating=rating,
        ratings=RATINGS,
    )


# --- drills --------------------------------------------------------------------------------------


@router.get("/practice", response_class=HTMLResponse)
def practice(
    request: Request,
    topic: str | None = None,
    deck: str | None = None,
    user: User = Depends(page_user),
) -> Response:
    web = web_of(request)
    catalog = web.catalog_for(user)
    with web.drills.lock_for(user.id):
        entry = actions.drill_on_screen(web, user, catalog, topic=topic or None, deck=deck or None)
        if entry["attempt_id"] is not None:
            return redirect(f"/attempts/{entry['attempt_id']}")
        drill = entry["drill"]
        item = drill.current or drill.next_card()
        if item is None:
            summary = drill.summary()
            web.drills.drop(user.id)
            return render(
                request,
                "practice_done.html",
                summary=summary,
                topic=entry["topic"],
                deck=entry["deck"],
                topics=catalog.topics,
            )
        return render(
            request,
            "question.html",
            question=item.question,
            topic=catalog.topics.get(item.question.topic),
            item=item,
            previous=[],
            error=None,
            answer="",
            action="/practice/answer",
            drill=True,
            drill_topic=entry["topic"],
            drill_deck=entry["deck"],
            topics=catalog.topics,
        )


@router.post("/practice/answer")
async def practice_answer(
    request: Request, user: User = Depends(page_user), form: FormData = Depends(checked_form)
) -> Response:
    return await actions.in_grading_pool(web_of(request), _practice_answer, request, user, form)


def _practice_answer(request: Request, user: User, form: FormData) -> Response:
    web = web_of(request)
    question_id = _field(form, "question_id")
    answer = _field(form, "answer")
    catalog = web.catalog_for(user)
    question = catalog.question(question_id)
    with web.drills.lock_for(user.id):
        entry = web.drills.get(user.id)
        drill = entry["drill"] if entry else None
        if (
            drill is None
            or drill.current is None
            or drill.current.question.id != question_id
            or entry["attempt_id"] is not None
        ):
            # The card is no longer on screen here (a restart, another tab): keep the answer anyway.
            try:
                refuse_empty_answer(answer)
                key = _field(form, "idempotency_key") or None
                _grade, attempt_id, _replayed = actions.grade_and_record(
                    web, user, question, answer, key
                )
            except GradingBusyError:
                raise
            except MlcoachError as exc:
                return _question_form(
                    request, user, question, error=str(exc), answer=answer, status=_status_of(exc)
                )
            flash(
                request,
                "This card was no longer open in the drill: the answer is saved, but not scheduled.",
            )
            return redirect(f"/attempts/{attempt_id}")
        try:
            actions.check_text(answer, "answer")
            refuse_empty_answer(answer)
            web.limiter.hit("grade", user.id)
            drill.submit(answer)
        except GradingBusyError:
            raise
        except MlcoachError as exc:
            return render(
                request,
                "question.html",
                status=_status_of(exc),
                question=question,
                topic=catalog.topics.get(question.topic),
                item=drill.current,
                previous=[],
                error=str(exc),
                answer=answer if len(answer) < actions.TEXT_LIMIT else "",
                action="/practice/answer",
                drill=True,
                drill_topic=entry["topic"],
                drill_deck=entry["deck"],
                topics=catalog.topics,
            )
        with web.database.session() as session:
            attempt_id = session.scalar(
                select(Attempt.id)
                .where(Attempt.user_id == user.id, Attempt.question_id == question_id)
                .order_by(Attempt.id.desc())
                .limit(1)
            )
        entry["attempt_id"] = attempt_id
    return redirect(f"/attempts/{attempt_id}")


@router.post("/practice/rate")
def practice_rate(
    request: Request, user: User = Depends(page_user), form: FormData = Depends(checked_form)
) -> Response:
    from fsrs import Rating

    web = web_of(request)
    try:
        rating = Rating(int(_field(form, "rating")))
    except ValueError:
        raise MlcoachError("choose a rating: 1 again, 2 hard, 3 good or 4 easy") from None
    attempt_id = _field(form, "attempt_id") or None
    with web.drills.lock_for(user.id):
        entry = web.drills.get(user.id)
        if (
            entry is not None
            and entry["attempt_id"] is not None
            and (attempt_id is None or str(entry["attempt_id"]) == attempt_id)
        ):
            review = entry["drill"].record(rating)
            entry["attempt_id"] = None
        elif attempt_id is not None and attempt_id.isdigit():
            # Answered before a restart, or in another web process: the answer is in the
            # database, which is all the rating needs.
            from mlcoach.practice import record_review

            try:
                review = record_review(web.database, user, int(attempt_id), rating)
            except MlcoachError as exc:
                flash(request, f"Not recorded: {exc}.")
                return redirect("/practice")
        else:
            flash(request, "There was no answered card to rate; here is the next one.")
            return redirect("/practice")
    flash(
        request, f"Recorded “{rating.name.title()}”: this card comes back in {until(review.due)}."
    )
    return redirect("/practice")


@router.post("/practice/skip")
def practice_skip(
    request: Request, user: User = Depends(page_user), form: FormData = Depends(checked_form)
) -> Response:
    web = web_of(request)
    with web.drills.lock_for(user.id):
        entry = web.drills.get(user.id)
        if entry is not None and entry["drill"].current is not None and entry["attempt_id"] is None:
            entry["drill"].skip()
    return redirect("/practice")


# --- problems and submissions ----------------------------------------------------------------------


@router.get("/problems", response_class=HTMLResponse)
def problems(
    request: Request,
    kind: str | None = None,
    difficulty: str | None = None,
    topic: str | None = None,
    status: str | None = None,
    q: str | None = None,
    user: User = Depends(page_user),
) -> Response:
    web = web_of(request)
    solved = actions.solved_problems(web, user)
    found = [
        p
        for p in web.catalog.find_problems(kind=kind, difficulty=difficulty, topic=topic, text=q)
        if (status != "solved" or p.id in solved) and (status != "unsolved" or p.id not in solved)
    ]
    return render(
        request,
        "problems.html",
        problems=found,
        solved=solved,
        kinds=KIND_LABELS,
        difficulties=DIFFICULTIES,
        topics=sorted({p.topic for p in web.catalog.problems.values()}),
        filters={
            "kind": kind or "",
            "difficulty": difficulty or "",
            "topic": topic or "",
            "status": status or "",
            "q": q or "",
        },
        total=len(web.catalog.problems),
    )


def _examples(problem: Any) -> list[dict[str, str]]:
    from mlcoach.judge.engine import render_input, render_value

    examples = []
    for test in problem.tests:
        if not test.hidden:
            examples.append(
                {
                    "name": test.name,
                    "input": render_input(problem, test),
                    "expected": render_value(test.expected),
                }
            )
    return examples


def _problem_page(
    request: Request,
    user: User,
    problem: Any,
    *,
    code: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    web = web_of(request)
    mine = [
        s
        for s in web.jobs.list(user_id=user.id, kind="judge", limit=200)
        if s.payload.get("problem_id") == problem.id
    ][:10]
    if code is None:
        code = mine[0].payload.get("code", problem.starter_code) if mine else problem.starter_code
    return render(
        request,
        "problem.html",
        status=status,
        problem=problem,
        examples=_examples(problem),
        hidden=sum(1 for t in problem.tests if t.hidden),
        code=code,
        error=error,
        submissions=mine,
        kinds=KIND_LABELS,
        solved=problem.id in actions.solved_problems(web, user),
    )


@router.get("/problems/{problem_id}", response_class=HTMLResponse)
def problem_page(request: Request, problem_id: str, user: User = Depends(page_user)) -> Response:
    return _problem_page(request, user, web_of(request).catalog.problem(problem_id))


@router.post("/problems/{problem_id}/submit")
def submit_problem(
    request: Request,
    problem_id: str,
    user: User = Depends(page_user),
    form: FormData = Depends(checked_form),
) -> Response:
    web = web_of(request)
    problem = web.catalog.problem(problem_id)
    code = _field(form, "code")
    mode = _field(form, "action") or "submit"
    try:
        job_id = actions.submit_code(web, user, problem, code, mode)
    except MlcoachError as exc:
        if isinstance(exc, NotFoundError):
            raise
        status = (
            413
            if isinstance(exc, actions.TooLargeError)
            else 429
            if isinstance(exc, RateLimited)
            else 400
        )
        if _is_htmx(request):
            return render(request, "_job_error.html", status=200, message=str(exc))
        return _problem_page(
            request,
            user,
            problem,
            code=code if status != 413 else "",
            error=str(exc),
            status=status,
        )
    status_now = web.jobs.wait(job_id, timeout=QUICK_JOB_WAIT, user_id=user.id)
    if _is_htmx(request):
        return render(request, "_verdict.html", job=status_now, problem=problem)
    return redirect(f"/submissions/{job_id}")


@router.get("/submissions/{job_id}", response_class=HTMLResponse)
def submission_page(request: Request, job_id: str, user: User = Depends(page_user)) -> Response:
    web = web_of(request)
    job = actions.job_of(web, user, job_id, "judge")
    problem = web.catalog.problems.get(str(job.payload.get("problem_id")))
    if _is_htmx(request):
        return render(request, "_verdict.html", job=job, problem=problem)
    return render(request, "submission.html", job=job, problem=problem)


# --- reviews -------------------------------------------------------------------------------------


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, user: User = Depends(page_user)) -> Response:
    web = web_of(request)
    return render(
        request,
        "review.html",
        reviews=web.jobs.list(user_id=user.id, kind="review", limit=20),
        error=None,
    )


@router.post("/review")
async def upload_review(request: Request, form: FormData = Depends(checked_form)) -> Response:
    from starlette.concurrency import run_in_threadpool

    user = await run_in_threadpool(page_user, request)
    web = web_of(request)
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise MlcoachError("choose a file to review: a notebook, a script or a zip")
        data = await upload.read()
        execute = form.get("execute") == "on"
        job_id = await run_in_threadpool(
            actions.submit_review, web, user, upload.filename, data, execute
        )
    except MlcoachError as exc:
        status = 413 if isinstance(exc, actions.TooLargeError) else 400
        reviews = await run_in_threadpool(web.jobs.list, user_id=user.id, kind="review", limit=20)
        return render(request, "review.html", status=status, reviews=reviews, error=str(exc))
    await run_in_threadpool(web.jobs.wait, job_id, timeout=QUICK_JOB_WAIT, user_id=user.id)
    return redirect(f"/reviews/{job_id}")


@router.get("/reviews/{job_id}", response_class=HTMLResponse)
def report_page(request: Request, job_id: str, user: User = Depends(page_user)) -> Response:
    web = web_of(request)
    job = actions.job_of(web, user, job_id, "review")
    if _is_htmx(request):
        return render(request, "_report.html", job=job)
    return render(request, "report.html", job=job)


REPORT_FORMATS = {
    "md": ("markdown", "text/markdown; charset=utf-8"),
    "html": ("html", "text/html; charset=utf-8"),
    "json": ("json", "application/json"),
    "sarif": ("sarif", "application/sarif+json"),
}


@router.get("/reviews/{job_id}/report.{ext}")
def report_download(
    request: Request, job_id: str, ext: str, user: User = Depends(page_user)
) -> Response:
    from mlcoach.review import Report
    from mlcoach.review import render as render_report

    if ext not in REPORT_FORMATS:
        raise NotFoundError(f"no report format {ext!r}; choose md, html, json or sarif")
    job = actions.job_of(web_of(request), user, job_id, "review")
    if job.state != "done" or not job.result or "report" not in job.result:
        raise NotFoundError("this review has no report (yet)")
    fmt, media = REPORT_FORMATS[ext]
    text = render_report(Report.model_validate(job.result["report"]), fmt)
    stem = (job.attachment_name or "review").rsplit(".", 1)[0] or "review"
    filename = f"{stem}-review.{ext}"
    headers = {}
    if ext == "html":
        # The reviewer's HTML page is self-contained with its own inline styles.
        headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        )
    return download(text, filename, media, headers)


# --- history -------------------------------------------------------------------------------------


@router.get("/history", response_class=HTMLResponse)
def history(
    request: Request, tab: str = "attempts", page: int = 1, user: User = Depends(page_user)
) -> Response:
    web = web_of(request)
    page = max(1, min(page, 10_000))
    per_page = 30
    offset = (page - 1) * per_page
    attempts: list[Attempt] = []
    jobs: list[Any] = []
    if tab == "submissions":
        jobs = web.jobs.list(user_id=user.id, kind="judge", limit=per_page + 1, offset=offset)
        more = len(jobs) > per_page
        jobs = jobs[:per_page]
    elif tab == "reviews":
        jobs = web.jobs.list(user_id=user.id, kind="review", limit=per_page + 1, offset=offset)
        more = len(jobs) > per_page
        jobs = jobs[:per_page]
    else:
        tab = "attempts"
        attempts = actions.attempts_of(web, user, limit=per_page + 1, offset=offset)
        more = len(attempts) > per_page
        attempts = attempts[:per_page]
    return render(
        request,
        "history.html",
        tab=tab,
        page=page,
        more=more,
        attempts=attempts,
        jobs=jobs,
        questions=web.catalog_for(user).questions,
        problems=web.catalog.problems,
    )


# --- API reference ------------------------------------------------------------------------------


@router.get("/api", response_class=HTMLResponse)
def api_reference(request: Request) -> Response:
    """The API's operations, read from its OpenAPI schema (served without any CDN)."""
    schema = request.app.openapi()
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, spec in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": spec.get("summary", ""),
                    "description": spec.get("description", ""),
                }
            )
    return render(request, "api.html", operations=operations, version=schema["info"]["version"])


# --- accounts ------------------------------------------------------------------------------------


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: str | None = None) -> Response:
    if not web_of(request).auth:
        return redirect("/")
    return render(request, "signin.html", next=_safe_next(next), error=None, name="")


@router.post("/signin")
def signin(request: Request, form: FormData = Depends(checked_form)) -> Response:
    web = web_of(request)
    if not web.auth:
        return redirect("/")
    name = _field(form, "name").strip().lower()
    target = _safe_next(_field(form, "next"))
    try:
        user = accounts.sign_in(web, name, _field(form, "password"), _address(request))
    except AccountError as exc:
        return render(request, "signin.html", status=400, next=target, error=str(exc), name=name)
    session_of(request).sign_in(user.id, user.session_generation)
    return redirect(target)


def _address(request: Request) -> str:
    return accounts.client_address(request.scope.get("client"))


@router.get("/signup", response_class=HTMLResponse)
def signup_page(request: Request) -> Response:
    if not web_of(request).auth:
        return redirect("/")
    return render(request, "signup.html", error=None, name="")


@router.post("/signup")
def signup(request: Request, form: FormData = Depends(checked_form)) -> Response:
    web = web_of(request)
    if not web.auth:
        return redirect("/")
    name = _field(form, "name")
    try:
        user_id = accounts.sign_up(
            web,
            name,
            _field(form, "password"),
            _address(request),
            confirm=_field(form, "confirm"),
            invite=_field(form, "invite"),
        )
    except AccountError as exc:
        return render(request, "signup.html", status=400, error=str(exc), name=name.strip().lower())
    session_of(request).sign_in(user_id)
    flash(request, f"Welcome, {name.strip().lower()}! Start with a drill, or pick a question.")
    return redirect("/")


@router.post("/signout")
def signout(request: Request, form: FormData = Depends(checked_form)) -> Response:
    web = web_of(request)
    user = optional_user(request)
    if web.auth and user is not None:
        accounts.end_sessions(web, user.id)
    session_of(request).sign_out()
    return redirect("/signin" if web_of(request).auth else "/")
