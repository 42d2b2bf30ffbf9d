"""The JSON API under /api/v1, described by the OpenAPI schema at /api/v1/openapi.json.

It authenticates with the same session cookie as the pages (POST /api/v1/session to sign in, in
team mode). Long work returns 202 with a job to poll (GET /api/v1/jobs/{id}) or to stream as
Server-Sent Events (GET /api/v1/jobs/{id}/events).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    Header,
    HTTPException,
    Path,
    Query,
    Request,
    UploadFile,
)
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from mlcoach.catalog import Problem, ProblemKind, Question
from mlcoach.errors import EmptyAnswerError, MlcoachError, NotFoundError, refuse_empty_answer
from mlcoach.grading import GradingBusyError
from mlcoach.jobs import JobStatus
from mlcoach.store.models import User
from mlcoach.web import actions
from mlcoach.web.deps import api_user, check_api_csrf, session_of, web_of
from mlcoach.web.security import AccountError, RateLimited

router = APIRouter(prefix="/api/v1", dependencies=[Depends(check_api_csrf)], tags=["api"])

Difficulty = Literal["easy", "medium", "hard"]
Role = Literal["research", "engineering", "data-science"]
# Ids are slugs in the catalog and hex in the jobs table; bounding them keeps look-ups cheap.
Slug = Annotated[str, Field(min_length=1, max_length=120)]
SlugPath = Annotated[str, Path(min_length=1, max_length=120)]
JobIdPath = Annotated[str, Path(min_length=1, max_length=64)]
AttemptIdPath = Annotated[int, Path(ge=1, le=2**62)]

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The input cannot be used; `detail` says why."},
    401: {"description": "Sign in first (team mode)."},
    403: {"description": "Missing CSRF token on a non-JSON request."},
    404: {"description": "No such thing, or it belongs to another user."},
    413: {"description": "The body or a text field is over its size limit."},
    429: {"description": "Rate limit reached; see Retry-After."},
}
# Routes that grade an answer: the grading queue may be full.
GRADING_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    503: {"description": "Too many answers are waiting to be graded; see Retry-After."},
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- models --------------------------------------------------------------------------------------


class QuestionOut(BaseModel):
    id: str
    topic: str
    subtopic: str
    difficulty: str
    roles: list[str]
    prompt: str
    answer: str | None = None
    key_points: list[str] | None = None


class TopicOut(BaseModel):
    slug: str
    title: str
    summary: str
    questions: int


class GradeIn(Strict):
    question_id: Slug
    answer: str = Field(max_length=70_000, description="Free text, at most 64 KB of UTF-8.")


class GradeOut(BaseModel):
    attempt_id: int
    grade: dict[str, Any]


class AttemptOut(BaseModel):
    id: int
    question_id: str
    answer: str
    score: float | None
    grade: dict[str, Any] | None
    source: str
    created_at: str


class DrillCardOut(BaseModel):
    done: bool = Field(description="True when nothing is due and no new card is left for today.")
    question: QuestionOut | None = None
    is_new: bool | None = None
    awaiting_rating: bool = False
    attempt_id: int | None = None


class DrillAnswerIn(Strict):
    question_id: Slug
    answer: str = Field(max_length=70_000)


class DrillAnswerOut(BaseModel):
    attempt_id: int
    grade: dict[str, Any]
    suggested_rating: int = Field(ge=1, le=4)


class DrillRateIn(Strict):
    rating: int = Field(ge=1, le=4, description="1 again, 2 hard, 3 good, 4 easy")
    attempt_id: int | None = Field(
        None,
        ge=1,
        le=2**62,  # database integers are 64-bit: a larger id cannot exist
        description="The answer to rate, from POST /drills/answer; needed when the server has "
        "restarted since (the card on screen is then forgotten, the answer is not).",
    )


class DrillRateOut(BaseModel):
    question_id: str
    rating: int
    suggested_rating: int
    due: str


class ProgressOut(BaseModel):
    due_today: int
    cards: int
    streak_days: int
    attempts: int
    mastery: list[dict[str, Any]]


class ProblemOut(BaseModel):
    id: str
    title: str
    kind: str
    topic: str
    difficulty: str
    solved: bool
    statement: str | None = None
    starter_code: str | None = None
    examples: list[dict[str, str]] | None = None


class SubmissionIn(Strict):
    problem_id: Slug
    code: str = Field(max_length=70_000, description="Python source, at most 64 KB.")
    mode: Literal["run", "submit"] = "submit"


class JobOut(BaseModel):
    id: str
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    result: dict[str, Any] | None
    error: str | None
    worker: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None


class SubmissionOut(BaseModel):
    id: str
    problem_id: str
    mode: str
    code: str
    job: JobOut


class ReviewOut(BaseModel):
    id: str
    filename: str | None
    job: JobOut


class SessionOut(BaseModel):
    signed_in: bool
    user: str | None
    auth: bool
    csrf_token: str


class SignInIn(Strict):
    name: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=1, max_length=200)


class SignUpIn(SignInIn):
    invite: str | None = Field(
        default=None, max_length=64, description="Invite code, when MLCOACH_SIGNUP=invite."
    )


# --- helpers -------------------------------------------------------------------------------------


def _question(q: Question, full: bool = False) -> QuestionOut:
    return QuestionOut(
        id=q.id,
        topic=q.topic,
        subtopic=q.subtopic,
        difficulty=q.difficulty,
        roles=list(q.roles),
        prompt=q.prompt,
        answer=q.answer if full else None,
        key_points=[k.text for k in q.key_points] if full else None,
    )


def _job(status: JobStatus) -> JobOut:
    return JobOut(**status.as_dict())


def _user_error(exc: MlcoachError) -> HTTPException:
    code = 413 if isinstance(exc, actions.TooLargeError) else 400
    if isinstance(exc, EmptyAnswerError):
        code = 422  # the body is well formed, but there is nothing in it to grade
    return HTTPException(code, str(exc))


# --- questions, grades, attempts -----------------------------------------------------------------


@router.get("/topics", response_model=list[TopicOut])
def list_topics(request: Request, user: User = Depends(api_user)) -> list[TopicOut]:
    return [
        TopicOut(
            slug=s.topic.slug, title=s.topic.title, summary=s.topic.summary, questions=s.questions
        )
        for s in web_of(request).catalog_for(user).topic_summaries()
    ]


@router.get("/questions", response_model=list[QuestionOut], responses=ERRORS)
def list_questions(
    request: Request,
    topic: Annotated[str | None, Query(max_length=80)] = None,
    difficulty: Difficulty | None = None,
    role: Role | None = None,
    q: Annotated[
        str | None, Query(max_length=200, description="words in prompts and key points")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    user: User = Depends(api_user),
) -> list[QuestionOut]:
    found = (
        web_of(request)
        .catalog_for(user)
        .find_questions(topic=topic, role=role, difficulty=difficulty, text=q)
    )
    return [_question(x) for x in found[offset : offset + limit]]


@router.get("/questions/{question_id}", response_model=QuestionOut, responses=ERRORS)
def get_question(
    request: Request,
    question_id: SlugPath,
    include_answer: bool = False,
    user: User = Depends(api_user),
) -> QuestionOut:
    return _question(web_of(request).catalog_for(user).question(question_id), include_answer)


@router.post("/grades", response_model=GradeOut, status_code=201, responses=GRADING_ERRORS)
async def create_grade(
    body: GradeIn,
    request: Request,
    response: Response,
    user: User = Depends(api_user),
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=80,
            description="Any unique string (a UUID): a retry with the same key is stored once "
            "and answered with the first grade (header Idempotent-Replayed: true).",
        ),
    ] = None,
) -> GradeOut:
    """Grade an answer to a question and keep it as an attempt: the score with the key points made
    and missed, misconceptions found, advice and the model answer."""
    web = web_of(request)
    # Off the event loop: a user's catalog is rebuilt from their files after they change them.
    catalog = await run_in_threadpool(web.catalog_for, user)
    question = catalog.question(body.question_id)
    try:
        refuse_empty_answer(body.answer)
        grade, attempt_id, replayed = await actions.grade_and_record_async(
            web, user, question, body.answer, idempotency_key
        )
    except actions.IdempotencyConflict as exc:
        raise HTTPException(422, str(exc)) from None
    except MlcoachError as exc:
        if isinstance(exc, NotFoundError | RateLimited | GradingBusyError):
            raise
        raise _user_error(exc) from None
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return GradeOut(attempt_id=attempt_id, grade=grade)


@router.get("/attempts", response_model=list[AttemptOut], responses=ERRORS)
def list_attempts(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    user: User = Depends(api_user),
) -> list[AttemptOut]:
    return [
        AttemptOut(**actions.attempt_json(a))
        for a in actions.attempts_of(web_of(request), user, limit=limit, offset=offset)
    ]


@router.get("/attempts/{attempt_id}", response_model=AttemptOut, responses=ERRORS)
def get_attempt(
    request: Request, attempt_id: AttemptIdPath, user: User = Depends(api_user)
) -> AttemptOut:
    return AttemptOut(**actions.attempt_json(actions.attempt_of(web_of(request), user, attempt_id)))


@router.delete("/attempts/{attempt_id}", status_code=204, responses=ERRORS)
def delete_attempt(
    request: Request, attempt_id: AttemptIdPath, user: User = Depends(api_user)
) -> Response:
    actions.delete_attempt(web_of(request), user, attempt_id)
    return Response(status_code=204)


# --- drills --------------------------------------------------------------------------------------


def _drill_entry(
    request: Request, user: User, topic: str | None = None, deck: str | None = None
) -> dict[str, Any]:
    web = web_of(request)
    return actions.drill_on_screen(web, user, web.catalog_for(user), topic=topic, deck=deck)


@router.get("/drills/next", response_model=DrillCardOut, responses=ERRORS)
def drill_next(
    request: Request,
    topic: str | None = Query(None, description="Drill only this topic (as `mlcoach drill -t`)."),
    deck: str | None = Query(None, description="Drill only this deck of yours (as `--deck`)."),
    user: User = Depends(api_user),
) -> DrillCardOut:
    """The card on screen in the user's drill: due cards first, then new ones up to today's limit.
    A ``topic`` or ``deck`` other than the drill's starts a drill of it."""
    web = web_of(request)
    with web.drills.lock_for(user.id):
        entry = _drill_entry(request, user, topic or None, deck or None)
        drill = entry["drill"]
        if entry["attempt_id"] is not None and drill.current is not None:
            return DrillCardOut(
                done=False,
                question=_question(drill.current.question),
                is_new=drill.current.is_new,
                awaiting_rating=True,
                attempt_id=entry["attempt_id"],
            )
        item = drill.current or drill.next_card()
        if item is None:
            web.drills.drop(user.id)
            return DrillCardOut(done=True)
        return DrillCardOut(done=False, question=_question(item.question), is_new=item.is_new)


@router.post(
    "/drills/answer", response_model=DrillAnswerOut, status_code=201, responses=GRADING_ERRORS
)
async def drill_answer(
    body: DrillAnswerIn, request: Request, user: User = Depends(api_user)
) -> DrillAnswerOut:
    """Answer the card on screen; it is graded (a second answer to it is refused with 409)."""
    return await actions.in_grading_pool(web_of(request), _drill_answer, body, request, user)


def _drill_answer(body: DrillAnswerIn, request: Request, user: User) -> DrillAnswerOut:
    from mlcoach.store.models import Attempt

    web = web_of(request)
    with web.drills.lock_for(user.id):
        entry = web.drills.get(user.id)
        drill = entry["drill"] if entry else None
        if drill is None or drill.current is None or drill.current.question.id != body.question_id:
            raise HTTPException(409, "that card is not the one on screen: GET /api/v1/drills/next")
        if entry["attempt_id"] is not None:
            raise HTTPException(409, "this card is answered: rate it with POST /api/v1/drills/rate")
        try:
            actions.check_text(body.answer, "answer")
            refuse_empty_answer(body.answer)
        except MlcoachError as exc:
            raise _user_error(exc) from None
        web.limiter.hit("grade", user.id)
        grade = drill.submit(body.answer)
        with web.database.session() as session:
            attempt_id = session.scalar(
                select(Attempt.id)
                .where(Attempt.user_id == user.id, Attempt.question_id == body.question_id)
                .order_by(Attempt.id.desc())
                .limit(1)
            )
        entry["attempt_id"] = attempt_id
        return DrillAnswerOut(
            attempt_id=int(attempt_id or 0),
            grade=grade.as_dict(),
            suggested_rating=int(drill.suggested_rating),
        )


@router.post("/drills/rate", response_model=DrillRateOut, responses=ERRORS)
def drill_rate(body: DrillRateIn, request: Request, user: User = Depends(api_user)) -> DrillRateOut:
    from fsrs import Rating

    web = web_of(request)
    with web.drills.lock_for(user.id):
        entry = web.drills.get(user.id)
        if (
            entry is not None
            and entry["attempt_id"] is not None
            and (body.attempt_id is None or entry["attempt_id"] == body.attempt_id)
        ):
            review = entry["drill"].record(Rating(body.rating))
            entry["attempt_id"] = None
        elif body.attempt_id is not None:
            from mlcoach.practice import record_review

            try:
                review = record_review(web.database, user, body.attempt_id, Rating(body.rating))
            except NotFoundError:
                raise
            except MlcoachError as exc:
                raise HTTPException(409, str(exc)) from None
        else:
            raise HTTPException(409, "no answered card to rate: POST /api/v1/drills/answer first")
    return DrillRateOut(
        question_id=review.question_id,
        rating=int(review.rating),
        suggested_rating=int(review.suggested),
        due=review.due.isoformat(),
    )


@router.get("/progress", response_model=ProgressOut, responses=ERRORS)
def progress(request: Request, user: User = Depends(api_user)) -> ProgressOut:
    """Cards due today, the practice streak, and mastery per topic (0-1, null if not practised)."""
    dash = actions.dashboard(web_of(request), user)
    return ProgressOut(
        due_today=dash.due_today,
        cards=dash.cards,
        streak_days=dash.streak,
        attempts=dash.attempts_total,
        mastery=[{"topic": b.label, "strength": b.value, "detail": b.detail} for b in dash.bars],
    )


# --- problems and submissions --------------------------------------------------------------------


def _problem(p: Problem, solved: set[str], full: bool = False) -> ProblemOut:
    out = ProblemOut(
        id=p.id,
        title=p.title,
        kind=p.kind,
        topic=p.topic,
        difficulty=p.difficulty,
        solved=p.id in solved,
    )
    if full:
        from mlcoach.web.pages import _examples

        out.statement = p.statement
        out.starter_code = p.starter_code
        out.examples = _examples(p)
    return out


@router.get("/problems", response_model=list[ProblemOut], responses=ERRORS)
def list_problems(
    request: Request,
    kind: ProblemKind | None = None,
    difficulty: Difficulty | None = None,
    user: User = Depends(api_user),
) -> list[ProblemOut]:
    web = web_of(request)
    solved = actions.solved_problems(web, user)
    return [
        _problem(p, solved) for p in web.catalog.find_problems(kind=kind, difficulty=difficulty)
    ]


@router.get("/problems/{problem_id}", response_model=ProblemOut, responses=ERRORS)
def get_problem(
    request: Request, problem_id: SlugPath, user: User = Depends(api_user)
) -> ProblemOut:
    web = web_of(request)
    return _problem(web.catalog.problem(problem_id), actions.solved_problems(web, user), full=True)


def _submission(status: JobStatus) -> SubmissionOut:
    return SubmissionOut(
        id=status.id,
        problem_id=str(status.payload.get("problem_id", "")),
        mode=str(status.payload.get("mode", "submit")),
        code=str(status.payload.get("code", "")),
        job=_job(status),
    )


@router.post("/submissions", response_model=SubmissionOut, status_code=202, responses=ERRORS)
def create_submission(
    body: SubmissionIn, request: Request, user: User = Depends(api_user)
) -> SubmissionOut:
    """Queue code for judging: mode "run" uses the visible tests, "submit" every test. Poll the
    job (or this submission) until its state is done or failed."""
    web = web_of(request)
    problem = web.catalog.problem(body.problem_id)
    try:
        job_id = actions.submit_code(web, user, problem, body.code, body.mode)
    except MlcoachError as exc:
        if isinstance(exc, NotFoundError | RateLimited):
            raise
        raise _user_error(exc) from None
    return _submission(web.jobs.status(job_id, user_id=user.id))


@router.get("/submissions", response_model=list[SubmissionOut], responses=ERRORS)
def list_submissions(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    user: User = Depends(api_user),
) -> list[SubmissionOut]:
    jobs = web_of(request).jobs.list(user_id=user.id, kind="judge", limit=limit, offset=offset)
    return [_submission(j) for j in jobs]


@router.get("/submissions/{submission_id}", response_model=SubmissionOut, responses=ERRORS)
def get_submission(
    request: Request, submission_id: JobIdPath, user: User = Depends(api_user)
) -> SubmissionOut:
    return _submission(actions.job_of(web_of(request), user, submission_id, "judge"))


@router.delete("/submissions/{submission_id}", status_code=204, responses=ERRORS)
def delete_submission(
    request: Request, submission_id: JobIdPath, user: User = Depends(api_user)
) -> Response:
    actions.delete_submission(web_of(request), user, submission_id)
    return Response(status_code=204)


# --- reviews -------------------------------------------------------------------------------------


def _review(status: JobStatus) -> ReviewOut:
    return ReviewOut(id=status.id, filename=status.attachment_name, job=_job(status))


@router.post("/reviews", response_model=ReviewOut, status_code=202, responses=ERRORS)
async def create_review(
    request: Request,
    file: UploadFile = File(
        description="A notebook (.ipynb), a script (.py) or a zip, at most 20 MB."
    ),
    execute: bool = Form(
        False, description="Also run the notebook (sandboxed) to check its numbers."
    ),
) -> ReviewOut:
    """Queue a take-home review of the uploaded file. Send the X-CSRF-Token header (from GET
    /api/v1/session) with this multipart request."""
    user = await run_in_threadpool(api_user, request)
    web = web_of(request)
    data = await file.read()
    try:
        job_id = await run_in_threadpool(
            actions.submit_review, web, user, file.filename or "", data, execute
        )
    except MlcoachError as exc:
        if isinstance(exc, NotFoundError | RateLimited):
            raise
        raise _user_error(exc) from None
    return _review(await run_in_threadpool(web.jobs.status, job_id, user_id=user.id))


@router.get("/reviews", response_model=list[ReviewOut], responses=ERRORS)
def list_reviews(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    user: User = Depends(api_user),
) -> list[ReviewOut]:
    jobs = web_of(request).jobs.list(user_id=user.id, kind="review", limit=limit, offset=offset)
    return [_review(j) for j in jobs]


@router.get("/reviews/{review_id}", response_model=ReviewOut, responses=ERRORS)
def get_review(request: Request, review_id: JobIdPath, user: User = Depends(api_user)) -> ReviewOut:
    return _review(actions.job_of(web_of(request), user, review_id, "review"))


@router.delete("/reviews/{review_id}", status_code=204, responses=ERRORS)
def delete_review(
    request: Request, review_id: JobIdPath, user: User = Depends(api_user)
) -> Response:
    web = web_of(request)
    actions.job_of(web, user, review_id, "review")
    web.jobs.delete(review_id, user_id=user.id)
    return Response(status_code=204)


# --- jobs ----------------------------------------------------------------------------------------


@router.get("/jobs/{job_id}", response_model=JobOut, responses=ERRORS)
def get_job(request: Request, job_id: JobIdPath, user: User = Depends(api_user)) -> JobOut:
    return _job(web_of(request).jobs.status(job_id, user_id=user.id))


EVENT_STREAM_LIMIT = 600.0  # seconds; a client that wants longer reconnects


@router.get(
    "/jobs/{job_id}/events",
    responses={
        **ERRORS,
        200: {
            "description": "Server-Sent Events: a `status` event at each change of state, the "
            "last one when the job has finished.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
    },
)
async def job_events(request: Request, job_id: JobIdPath) -> StreamingResponse:
    user = await run_in_threadpool(api_user, request)
    web = web_of(request)
    first = await run_in_threadpool(
        web.jobs.status, job_id, user_id=user.id
    )  # 404 before streaming

    async def events() -> AsyncIterator[str]:
        status = first
        last_state = None
        deadline = time.monotonic() + EVENT_STREAM_LIMIT
        delay = 0.05
        while True:
            if status.state != last_state:
                last_state = status.state
                yield f"event: status\nid: {status.state}\ndata: {json.dumps(status.as_dict())}\n\n"
            if status.finished or time.monotonic() > deadline or await request.is_disconnected():
                return
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 0.5)
            status = await run_in_threadpool(web.jobs.status, job_id, user_id=user.id)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


# --- session and accounts ------------------------------------------------------------------------


@router.get("/session", response_model=SessionOut)
def get_session(request: Request) -> SessionOut:
    """Who is signed in, and the CSRF token that non-JSON requests (uploads) must send."""
    from mlcoach.web.deps import optional_user

    user = optional_user(request)
    return SessionOut(
        signed_in=user is not None,
        user=user.name if user else None,
        auth=web_of(request).auth,
        csrf_token=session_of(request).csrf_token,
    )


@router.post("/session", response_model=SessionOut, responses=ERRORS)
def sign_in(body: SignInIn, request: Request) -> SessionOut:
    web = web_of(request)
    if not web.auth:
        raise HTTPException(400, "accounts are off (single-user mode): no sign-in is needed")
    from mlcoach.web import accounts

    address = accounts.client_address(request.scope.get("client"))
    try:
        user = accounts.sign_in(web, body.name, body.password, address)
    except AccountError as exc:
        raise HTTPException(401, str(exc)) from None
    session_of(request).sign_in(user.id, user.session_generation)
    return SessionOut(
        signed_in=True, user=user.name, auth=True, csrf_token=session_of(request).csrf_token
    )


@router.delete("/session", response_model=SessionOut)
def sign_out(request: Request) -> SessionOut:
    """Sign out: every session of this account ends on the server, a saved cookie included."""
    from mlcoach.web import accounts
    from mlcoach.web.deps import optional_user

    web = web_of(request)
    user = optional_user(request)
    if web.auth and user is not None:
        accounts.end_sessions(web, user.id)
    session_of(request).sign_out()
    return SessionOut(
        signed_in=not web.auth, user=None, auth=web.auth, csrf_token=session_of(request).csrf_token
    )


@router.post("/users", response_model=SessionOut, status_code=201, responses=ERRORS)
def sign_up(body: SignUpIn, request: Request) -> SessionOut:
    """Create an account (team mode) and sign in as it."""
    from mlcoach.web import accounts

    web = web_of(request)
    if not web.auth:
        raise HTTPException(400, "accounts are off (single-user mode): set MLCOACH_AUTH=on")
    if web.settings.signup == "closed":
        raise HTTPException(403, "sign-up is closed on this server; ask its admin for an account")
    address = accounts.client_address(request.scope.get("client"))
    try:
        user_id = accounts.sign_up(
            web, body.name, body.password, address, confirm=None, invite=body.invite
        )
    except AccountError as exc:
        raise HTTPException(400, str(exc)) from None
    session_of(request).sign_in(user_id)
    return SessionOut(
        signed_in=True,
        user=body.name.strip().lower(),
        auth=True,
        csrf_token=session_of(request).csrf_token,
    )
