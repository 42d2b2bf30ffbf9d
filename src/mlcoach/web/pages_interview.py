"""Pages for interview preparation: timed mock interviews, the study plan, the interviews tracker,
a job posting read against a résumé, design scenarios and project deep-dives.

Each handler reads the form, calls the same `mlcoach.interview` function the CLI calls and renders
what comes back. Everything is keyed by the signed-in user: another user's ids are 404.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from mlcoach.catalog import ROLES
from mlcoach.errors import MlcoachError, NotFoundError, refuse_empty_answer
from mlcoach.store.models import User
from mlcoach.web.actions import check_idempotency_key
from mlcoach.web.deps import checked_form, page_user, session_of, web_of
from mlcoach.web.downloads import download
from mlcoach.web.pages import flash, redirect, render
from mlcoach.web.state import Web

router = APIRouter(include_in_schema=False)

# A pasted or uploaded text (posting, résumé, project README) larger than this is refused.
TEXT_LIMIT = 200_000
ROUND_CHOICES = (
    ("fact-finding", "Fact finding"),
    ("deep-dive", "Project deep-dive"),
    ("concepts", "ML concepts"),
    ("coding", "Coding (judged)"),
    ("design", "System design"),
)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def _text_or_file(form: FormData, text_field: str, file_field: str, what: str) -> str:
    """What was pasted in ``text_field``, else the UTF-8 text of the file in ``file_field``."""
    text = _field(form, text_field)
    upload = form.get(file_field)
    if not text.strip() and isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(TEXT_LIMIT + 1)
        if len(data) > TEXT_LIMIT:
            raise MlcoachError(f"the {what} file is larger than {TEXT_LIMIT // 1000} kB")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MlcoachError(
                f"the {what} file {upload.filename!r} is not UTF-8 text; paste the text instead"
            ) from None
    if len(text) > TEXT_LIMIT:
        raise MlcoachError(f"the {what} is longer than {TEXT_LIMIT:,} characters")
    return text


def _form_error(
    exc: MlcoachError, page: Callable[..., Response], *args: Any, **form: Any
) -> Response:
    """``page(*args, **form)`` again as a 400, saying what was wrong with the form and keeping what
    was typed; a NotFoundError (a removed interview, another user's id) is raised on, to be a 404."""
    if isinstance(exc, NotFoundError):
        raise exc
    return page(*args, error=str(exc), status=400, **form)


def _parse_date(value: str, what: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise MlcoachError(f"the {what} {value!r} is not a date in the form YYYY-MM-DD") from None


def _int(value: str, what: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise MlcoachError(f"the {what} must be a whole number, not {value!r}") from None


def _float(value: str, what: str) -> float:
    try:
        return float(value.strip())
    except ValueError:
        raise MlcoachError(f"the {what} must be a number, not {value!r}") from None


# --- mock interviews -----------------------------------------------------------------------------


def _mock_services(web: Web) -> Any:
    from mlcoach.interview import MockServices

    # Answers go through the app's grading queue, batched with everyone else's.
    return MockServices(grader=web.grading, settings=web.settings)


def _interview(request: Request, user: User, session_id: int) -> Any:
    """The user's mock interview ``session_id``; another user's is "not found"."""
    from mlcoach.interview import MockInterview

    web = web_of(request)
    interview = MockInterview(
        web.database, web.catalog_for(user), session_id, services=_mock_services(web)
    )
    if interview.user_id != user.id:
        raise NotFoundError(f"no mock interview with id {session_id}")
    return interview


def _mock_list(request: Request, user: User) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from mlcoach.store.models import MockSession

    with web_of(request).database.session() as s:
        rows = s.scalars(
            select(MockSession)
            .where(MockSession.user_id == user.id)
            .order_by(MockSession.started_at.desc(), MockSession.id.desc())
            .limit(50)
        )
        return [
            {
                "id": r.id,
                "started_at": r.started_at,
                "role": r.role,
                "minutes": r.minutes,
                "status": r.status,
                "overall": (r.scorecard or {}).get("overall"),
            }
            for r in rows
        ]


def _mock_home(
    request: Request, user: User, *, error: str | None = None, status: int = 200, **form: Any
) -> Response:
    from mlcoach.interview.mock import MAX_MINUTES, MIN_MINUTES

    return render(
        request,
        "mock_list.html",
        status=status,
        sessions=_mock_list(request, user),
        roles=ROLES,
        round_choices=ROUND_CHOICES,
        min_minutes=MIN_MINUTES,
        max_minutes=MAX_MINUTES,
        error=error,
        form={"role": "", "minutes": "45", "rounds": [k for k, _ in ROUND_CHOICES], **form},
    )


@router.get("/mock", response_class=HTMLResponse)
def mock_home(request: Request, user: User = Depends(page_user)) -> Response:
    return _mock_home(request, user)


@router.post("/mock")
async def mock_start(request: Request, form: FormData = Depends(checked_form)) -> Response:
    from mlcoach.interview import MockInterview

    user = await run_in_threadpool(page_user, request)
    web = web_of(request)
    role = _field(form, "role")
    minutes = _field(form, "minutes") or "45"
    rounds = [r for r in form.getlist("rounds") if isinstance(r, str)]
    try:
        if role not in ROLES:
            raise MlcoachError(f"choose a role: {', '.join(ROLES)}")
        if not rounds:
            raise MlcoachError("choose at least one round")
        project = await _text_or_file(form, "project", "project_file", "project description")
        interview = await run_in_threadpool(
            lambda: MockInterview.start(
                web.database,
                web.catalog_for(user),
                user.id,
                role=role,
                minutes=_int(minutes, "length in minutes"),
                project=project or None,
                rounds=rounds,
                services=_mock_services(web),
            )
        )
    except MlcoachError as exc:
        return _form_error(
            exc, _mock_home, request, user, role=role, minutes=minutes, rounds=rounds
        )
    return redirect(f"/mock/{interview.id}")


@router.get("/mock/{session_id}", response_class=HTMLResponse)
def mock_page(request: Request, session_id: int, user: User = Depends(page_user)) -> Response:
    interview = _interview(request, user, session_id)
    if interview.status == "finished":
        return render(
            request,
            "mock_scorecard.html",
            interview=interview,
            card=interview.scorecard(),
            questions=web_of(request).catalog_for(user).questions,
        )
    if interview.expire_if_due():
        earlier = session_of(request).data.get("flash")
        message = "Time is up for that round: it keeps what you answered. On to the next."
        flash(request, f"{earlier} {message}" if earlier else message)
        return redirect(f"/mock/{session_id}")
    rounds = interview.rounds()
    state = interview.current_round()
    prompt = state.open_prompt() if state is not None else None
    left = interview.time_left()
    return render(
        request,
        "mock_round.html",
        interview=interview,
        rounds=rounds,
        state=state,
        prompt=prompt,
        # Rounded up, so the page's countdown reaches zero only once the server's has.
        seconds_left=None if left is None else max(0, math.ceil(left)),
        running=state is not None and state.clock_started_at is not None,
        answers=[] if state is None or prompt is None else state.answers_to(prompt.index),
    )


def _outcome_message(outcome: Any) -> str:
    if not outcome.recorded:
        return str(outcome.message or "the answer was not recorded")
    result = outcome.result or {}
    if outcome.prompt.kind == "coding":
        verdict = result.get("verdict", "not judged")
        tests = f" ({result['passed']}/{result['total']} tests)" if "passed" in result else ""
        tail = " Fix the code and submit again, or skip." if outcome.retry else ""
        return f"Coding: {verdict}{tests}.{tail}"
    points = result.get("points", [])
    made = sum(1 for p in points if p.get("made"))
    score = "n/a" if outcome.score is None else f"{outcome.score:.1f}/5"
    key = f", {made}/{len(points)} key points" if points else ""
    closed = " Time is up for this round." if outcome.timed_out else ""
    return f"Answer scored {score}{key}.{closed}"


@router.post("/mock/{session_id}/{action}")
async def mock_action(
    request: Request, session_id: int, action: str, form: FormData = Depends(checked_form)
) -> Response:
    user = await run_in_threadpool(page_user, request)
    interview = await run_in_threadpool(_interview, request, user, session_id)
    target = f"/mock/{session_id}"
    if action not in ("begin", "answer", "skip", "next", "pause", "resume", "finish"):
        raise NotFoundError(f"there is no page at {request.url.path}")
    if interview.status == "finished" and action != "finish":
        flash(request, "This mock interview is finished: here is its scorecard.")
        return redirect(target)
    try:
        if action == "begin":
            await run_in_threadpool(interview.begin_round)
        elif action == "answer":
            text = _field(form, "answer")
            prompt_id = _field(form, "prompt_id")
            # The form's one-time key: a resent form (double click, reload after a lost response)
            # is recorded once and shows the first outcome, even after the question has closed.
            key = check_idempotency_key(_field(form, "idempotency_key") or None)
            if key is not None:
                earlier = await run_in_threadpool(interview.answered_with, key, text)
                if earlier is not None:
                    flash(request, _outcome_message(earlier))
                    return redirect(target)
            current = await run_in_threadpool(interview.current_prompt)
            if current is not None and prompt_id and current.id != prompt_id:
                flash(request, "That question was already closed; here is the current one.")
                return redirect(target)
            refuse_empty_answer(text)
            web_of(request).limiter.hit("grade", user.id)
            outcome = await run_in_threadpool(interview.answer, text, key)
            flash(request, _outcome_message(outcome))
        elif action == "skip":
            await run_in_threadpool(interview.skip)
        elif action == "next":
            await run_in_threadpool(interview.advance)
        elif action == "pause":
            await run_in_threadpool(interview.pause)
            flash(request, f"Paused mock interview {session_id}: every answer is saved.")
            return redirect("/mock")
        elif action == "resume":
            from mlcoach.interview import MockInterview

            web = web_of(request)
            await run_in_threadpool(
                lambda: MockInterview.resume(
                    web.database,
                    web.catalog_for(user),
                    user.id,
                    session_id,
                    services=_mock_services(web),
                )
            )
        else:
            await run_in_threadpool(interview.finish)
    except MlcoachError as exc:
        if isinstance(exc, NotFoundError):
            raise
        flash(request, f"Not done: {exc}.")
    return redirect(target)


@router.get("/mock/{session_id}/transcript.md")
def mock_transcript(request: Request, session_id: int, user: User = Depends(page_user)) -> Response:
    interview = _interview(request, user, session_id)
    text = interview.transcript()
    if text is None:
        raise NotFoundError(
            f"mock interview {session_id} has no transcript yet: finish it to get one"
        )
    return download(text, f"mock-{session_id}.md", "text/markdown; charset=utf-8")


# --- study plan ----------------------------------------------------------------------------------


def _plan_page(
    request: Request, user: User, *, error: str | None = None, status: int = 200, **form: Any
) -> Response:
    from mlcoach.interview import active_plan, refresh_statuses
    from mlcoach.interview.data import roles_table

    web = web_of(request)
    today = date.today()
    plan = refresh_statuses(web.database, user.id, today) or active_plan(web.database, user.id)
    catalog = web.catalog_for(user)
    names: dict[str, str] = {k: q.prompt for k, q in catalog.questions.items()}
    names.update({k: p.title for k, p in catalog.problems.items()})
    names.update({k: s.title for k, s in catalog.scenarios.items()})
    return render(
        request,
        "plan.html",
        status=status,
        plan=plan,
        today=today,
        role_titles={k: r.title for k, r in roles_table().roles.items()},
        topics=catalog.topics,
        names=names,
        questions=catalog.questions,
        problems=catalog.problems,
        scenarios=catalog.scenarios,
        roles=ROLES,
        error=error,
        form={"role": "", "interview_date": "", "hours_per_week": "6", **form},
    )


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, user: User = Depends(page_user)) -> Response:
    return _plan_page(request, user)


@router.post("/plan")
def plan_create(
    request: Request, user: User = Depends(page_user), form: FormData = Depends(checked_form)
) -> Response:
    from mlcoach.interview import create_plan

    web = web_of(request)
    role = _field(form, "role")
    when = _field(form, "interview_date")
    hours = _field(form, "hours_per_week") or "6"
    try:
        if role not in ROLES:
            raise MlcoachError(f"choose a role: {', '.join(ROLES)}")
        interview_date = _parse_date(when, "interview date")
        if interview_date is None:
            raise MlcoachError("give the interview's date")
        stored = create_plan(
            web.database,
            web.catalog_for(user),
            user.id,
            role=role,
            interview_date=interview_date,
            hours_per_week=_float(hours, "hours per week"),
            today=date.today(),
        )
    except MlcoachError as exc:
        return _form_error(
            exc, _plan_page, request, user, role=role, interview_date=when, hours_per_week=hours
        )
    flash(request, f"New plan: {len(stored.days)} study days until {stored.interview_date}.")
    return redirect("/plan")


@router.post("/plan/replan")
def plan_replan(
    request: Request, user: User = Depends(page_user), form: FormData = Depends(checked_form)
) -> Response:
    from mlcoach.interview import replan

    web = web_of(request)
    try:
        stored = replan(web.database, web.catalog_for(user), user.id, today=date.today())
    except MlcoachError as exc:
        return _form_error(exc, _plan_page, request, user)
    flash(request, f"Re-planned from today (revision {stored.revision}).")
    return redirect("/plan")


@router.get("/plan.ics")
def plan_calendar(request: Request, user: User = Depends(page_user)) -> Response:
    from mlcoach.interview import active_plan, plan_to_ics

    plan = active_plan(web_of(request).database, user.id)
    if plan is None:
        raise NotFoundError("no study plan yet: make one on the Plan page first")
    return download(plan_to_ics(plan), "study-plan.ics", "text/calendar; charset=utf-8")


# --- interviews tracker --------------------------------------------------------------------------


def _interviews_page(
    request: Request, user: User, *, error: str | None = None, status: int = 200, **form: Any
) -> Response:
    from mlcoach.interview import list_interviews
    from mlcoach.interview.tracker import STAGES, progress

    web = web_of(request)
    infos = list_interviews(web.database, user.id)
    return render(
        request,
        "interviews.html",
        status=status,
        interviews=[(i, progress(i, web.catalog)) for i in infos],
        stages=STAGES,
        error=error,
        form={"stage": "applied", **form},
    )


@router.get("/interviews", response_class=HTMLResponse)
def interviews_page(request: Request, user: User = Depends(page_user)) -> Response:
    return _interviews_page(request, user)


def _names(value: str) -> list[str]:
    return [n.strip() for n in value.replace("\n", ",").split(",") if n.strip()]


@router.post("/interviews")
def interviews_add(
    request: Request, user: User = Depends(page_user), form: FormData = Depends(checked_form)
) -> Response:
    from mlcoach.interview import add_interview

    web = web_of(request)
    values = {k: _field(form, k) for k in ("company", "role", "date", "time", "location", "stage")}
    values["interviewers"] = _field(form, "interviewers")
    values["notes"] = _field(form, "notes")
    try:
        info = add_interview(
            web.database,
            user.id,
            company=values["company"],
            role=values["role"],
            interview_date=_parse_date(values["date"], "date"),
            interview_time=values["time"] or None,
            location=values["location"] or None,
            stage=values["stage"] or "applied",
            interviewers=_names(values["interviewers"]),
            notes=values["notes"],
        )
    except MlcoachError as exc:
        return _form_error(exc, _interviews_page, request, user, **values)
    flash(request, f"Tracking the {info.role} interview at {info.company}.")
    return redirect(f"/interviews/{info.id}")


def _interview_page(
    request: Request, user: User, interview_id: int, *, error: str | None = None, status: int = 200
) -> Response:
    from mlcoach.interview import checklist_entries, get_interview
    from mlcoach.interview.tracker import STAGES, progress

    web = web_of(request)
    info = get_interview(web.database, user.id, interview_id)
    groups: list[tuple[Any, list[Any]]] = []
    for entry in checklist_entries(web.catalog):
        if not groups or groups[-1][0].id != entry.checklist.id:
            groups.append((entry.checklist, []))
        groups[-1][1].append(entry)
    return render(
        request,
        "interview.html",
        status=status,
        info=info,
        groups=groups,
        done=progress(info, web.catalog),
        stages=STAGES,
        error=error,
    )


@router.get("/interviews/{interview_id}", response_class=HTMLResponse)
def interview_page(
    request: Request, interview_id: int, user: User = Depends(page_user)
) -> Response:
    return _interview_page(request, user, interview_id)


@router.post("/interviews/{interview_id}/checklist")
def interview_checklist(
    request: Request,
    interview_id: int,
    user: User = Depends(page_user),
    form: FormData = Depends(checked_form),
) -> Response:
    from mlcoach.interview import get_interview, tick_items

    web = web_of(request)
    info = get_interview(web.database, user.id, interview_id)
    wanted = {v for v in form.getlist("done") if isinstance(v, str)}
    shown = {v for v in form.getlist("shown") if isinstance(v, str)} or wanted | set(info.ticked)
    try:
        tick = sorted(wanted - info.ticked)
        untick = sorted((shown - wanted) & info.ticked)
        if tick:
            tick_items(web.database, web.catalog, user.id, interview_id, tick)
        if untick:
            tick_items(web.database, web.catalog, user.id, interview_id, untick, undo=True)
    except MlcoachError as exc:
        return _form_error(exc, _interview_page, request, user, interview_id)
    flash(request, "Checklist saved.")
    return redirect(f"/interviews/{interview_id}#checklist")


@router.post("/interviews/{interview_id}/update")
def interview_update(
    request: Request,
    interview_id: int,
    user: User = Depends(page_user),
    form: FormData = Depends(checked_form),
) -> Response:
    from mlcoach.interview import get_interview, set_stage, update_interview

    web = web_of(request)
    info = get_interview(web.database, user.id, interview_id)
    try:
        stage = _field(form, "stage")
        if stage and stage != info.stage:
            set_stage(web.database, user.id, interview_id, stage)
        notes = _field(form, "notes")
        update_interview(
            web.database,
            user.id,
            interview_id,
            interviewers=[
                n for n in _names(_field(form, "interviewers")) if n not in info.interviewers
            ],
            topics=[t for t in _names(_field(form, "topics")) if t not in info.topics],
            interview_date=_parse_date(_field(form, "date"), "date"),
            interview_time=_field(form, "time") or None,
            location=_field(form, "location") or None,
            notes=notes if notes != info.notes else None,
        )
    except MlcoachError as exc:
        return _form_error(exc, _interview_page, request, user, interview_id)
    flash(request, "Saved.")
    return redirect(f"/interviews/{interview_id}")


@router.post("/interviews/{interview_id}/remove")
def interview_remove(
    request: Request,
    interview_id: int,
    user: User = Depends(page_user),
    form: FormData = Depends(checked_form),
) -> Response:
    from mlcoach.interview.tracker import remove_interview

    info = remove_interview(web_of(request).database, user.id, interview_id)
    flash(request, f"Stopped tracking the interview at {info.company}.")
    return redirect("/interviews")


@router.get("/interviews/{interview_id}/thank-you", response_class=HTMLResponse)
def interview_thank_you(
    request: Request, interview_id: int, name: str = "", user: User = Depends(page_user)
) -> Response:
    from mlcoach.interview import get_interview, thank_you_note

    info = get_interview(web_of(request).database, user.id, interview_id)
    sender = name.strip()[:120] or None
    return render(
        request, "thank_you.html", info=info, note=thank_you_note(info, sender=sender), name=name
    )


# --- job posting vs résumé -----------------------------------------------------------------------


@router.get("/jobspec", response_class=HTMLResponse)
def jobspec_page(request: Request, user: User = Depends(page_user)) -> Response:
    return render(request, "jobspec.html", report=None, error=None, posting="", resume="")


@router.post("/jobspec")
async def jobspec_read(request: Request, form: FormData = Depends(checked_form)) -> Response:
    user = await run_in_threadpool(page_user, request)
    posting_text = resume_text = ""
    try:
        posting_text = await _text_or_file(form, "posting", "posting_file", "job posting")
        resume_text = await _text_or_file(form, "resume", "resume_file", "résumé")
        if not posting_text.strip():
            raise MlcoachError("paste the job posting, or choose its file")
        report = await run_in_threadpool(_jobspec_report, request, user, posting_text, resume_text)
    except MlcoachError as exc:
        return _form_error(
            exc,
            render,
            request,
            "jobspec.html",
            report=None,
            posting=posting_text,
            resume=resume_text,
        )
    catalog = await run_in_threadpool(web_of(request).catalog_for, user)
    return render(
        request,
        "jobspec.html",
        report=report,
        error=None,
        posting=posting_text,
        resume=resume_text,
        questions=catalog.questions,
        scenarios=catalog.scenarios,
        topics=catalog.topics,
    )


def _jobspec_report(request: Request, user: User, posting: str, resume: str) -> Any:
    """The posting compared with the résumé, or with the user's practice when none is given
    (as `mlcoach jobspec` does)."""
    from mlcoach.interview import compare, read_posting, skills_from_mastery, skills_from_resume
    from mlcoach.interview.matching import default_embedder
    from mlcoach.practice.mastery import user_topic_mastery
    from mlcoach.store.models import utcnow

    web = web_of(request)
    catalog = web.catalog_for(user)
    embedder = default_embedder(web.settings)
    profile = read_posting(posting, embedder=embedder)
    with web.database.session() as s:
        standings, known = user_topic_mastery(s, user.id, catalog, utcnow())
    history = dict(known.scores)
    candidate = (
        skills_from_resume(resume, embedder=embedder)
        if resume.strip()
        else skills_from_mastery(standings)
    )
    return compare(profile, candidate, catalog, history=history)


# --- design scenarios and project deep-dives -----------------------------------------------------


@router.get("/scenarios", response_class=HTMLResponse)
def scenarios_page(
    request: Request, role: str | None = None, user: User = Depends(page_user)
) -> Response:
    catalog = web_of(request).catalog
    role = role if role in ROLES else None
    found = [s for s in catalog.scenarios.values() if role is None or role in s.roles]
    return render(request, "scenarios.html", scenarios=found, roles=ROLES, role=role or "")


def _scenario_page(
    request: Request,
    scenario_id: str,
    *,
    answer: str = "",
    grade: Any = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    scenario = web_of(request).catalog.scenario(scenario_id)
    return render(
        request,
        "scenario.html",
        status=status,
        scenario=scenario,
        answer=answer,
        grade=grade,
        error=error,
    )


@router.get("/scenarios/{scenario_id}", response_class=HTMLResponse)
def scenario_page(request: Request, scenario_id: str, user: User = Depends(page_user)) -> Response:
    return _scenario_page(request, scenario_id)


@router.post("/scenarios/{scenario_id}/answer")
async def scenario_answer(
    request: Request, scenario_id: str, form: FormData = Depends(checked_form)
) -> Response:
    from mlcoach.interview import grade_design
    from mlcoach.interview.mock import MAX_ANSWER_CHARS

    user = await run_in_threadpool(page_user, request)
    web = web_of(request)
    scenario = web.catalog.scenario(scenario_id)
    answer = _field(form, "answer")
    try:
        if not answer.strip():
            raise MlcoachError("the design answer is empty")
        if len(answer) > MAX_ANSWER_CHARS:
            raise MlcoachError(
                f"the answer has {len(answer):,} characters; the limit is {MAX_ANSWER_CHARS:,}"
            )
        web.limiter.hit("grade", user.id)
        grade = await run_in_threadpool(lambda: grade_design(scenario, answer, web.grading))
    except MlcoachError as exc:
        return _form_error(
            exc, _scenario_page, request, scenario_id, answer=answer[:MAX_ANSWER_CHARS]
        )
    return _scenario_page(request, scenario_id, answer=answer, grade=grade)


@router.get("/deepdive", response_class=HTMLResponse)
def deepdive_page(request: Request, user: User = Depends(page_user)) -> Response:
    return render(request, "deepdive.html", profile=None, questions=[], error=None, project="")


@router.post("/deepdive")
async def deepdive_read(request: Request, form: FormData = Depends(checked_form)) -> Response:
    from mlcoach.interview import deep_dive_questions, detect_project
    from mlcoach.interview.matching import default_embedder

    await run_in_threadpool(page_user, request)
    settings = web_of(request).settings
    project = ""
    try:
        project = await _text_or_file(form, "project", "project_file", "project description")
        if not project.strip():
            raise MlcoachError("paste your project's README or description, or choose its file")
        count = _int(_field(form, "count") or "8", "number of questions")
        if not 1 <= count <= 30:
            raise MlcoachError("ask for 1 to 30 questions")
        profile = await run_in_threadpool(
            lambda: detect_project(project, embedder=default_embedder(settings))
        )
        questions = deep_dive_questions(profile, count)
    except MlcoachError as exc:
        return _form_error(
            exc, render, request, "deepdive.html", profile=None, questions=[], project=project
        )
    return render(
        request,
        "deepdive.html",
        profile=profile,
        questions=questions,
        error=None,
        project=project,
    )
