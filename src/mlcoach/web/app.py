"""The FastAPI application: pages for people, `/api/v1` for scripts, one core underneath.

app = create_app()            # settings, catalog, database and jobs from the environment
uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from mlcoach import __version__
from mlcoach.catalog import Catalog, catalog_cache_dir, load_catalog
from mlcoach.config import Settings, load_settings
from mlcoach.errors import MlcoachError, NotFoundError
from mlcoach.grading import GradingBusyError, GradingQueue, grader_for
from mlcoach.jobs import JobEnv, Jobs, open_jobs
from mlcoach.store import Database
from mlcoach.web.deps import CsrfRejected, SignInRequired
from mlcoach.web.middleware import BodyLimitMiddleware, HeadAsGetMiddleware, SessionMiddleware
from mlcoach.web.pages import templates
from mlcoach.web.security import (
    DEFAULT_RATES,
    AccountError,
    MemoryRateLimiter,
    NoRateLimiter,
    Rate,
    RateLimited,
    RedisRateLimiter,
    SessionCodec,
    load_secret_key,
)
from mlcoach.web.state import Web

log = logging.getLogger("mlcoach.web")
STATIC_DIR = Path(__file__).parent / "static"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


def create_app(
    settings: Settings | None = None,
    *,
    catalog: Catalog | None = None,
    database: Database | None = None,
    jobs: Jobs | None = None,
    rates: dict[str, Rate] | None = None,
    job_threads: int | None = None,
    allowed_hosts: list[str] | None = None,
) -> FastAPI:
    """Build the app. Everything not given is made from ``settings`` (default: the environment).

    Rate limits apply in team mode (``auth``) only; ``rates`` replaces the defaults it names.
    """
    settings = settings or load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    catalog = catalog or load_catalog(
        [settings.deck_dir], cache_dir=catalog_cache_dir(settings.data_dir)
    )
    owns_database = database is None
    database = database or Database(settings.database_url)
    if jobs is None:
        jobs = open_jobs(JobEnv(settings, database, lambda: catalog), threads=job_threads)
    default_user_id = None if settings.auth else database.default_user().id
    limiter: Any
    budgets = {**DEFAULT_RATES, **(rates or {})}
    if not settings.auth:
        limiter = NoRateLimiter()
    elif settings.broker_url:
        limiter = RedisRateLimiter(settings.broker_url, budgets)
    else:
        limiter = MemoryRateLimiter(budgets)
    web = Web(
        settings=settings,
        catalog=catalog,
        database=database,
        jobs=jobs,
        codec=SessionCodec(load_secret_key(settings.data_dir)),
        limiter=limiter,
        auth=settings.auth,
        default_user_id=default_user_id,
        grading=GradingQueue(lambda: grader_for(settings)),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Answers are graded in batches by one worker (web.grading) with one BLAS/OpenMP thread:
        # the other core stays free for page views, and no answer starts as many threads as cores
        # to fight the rest.
        _single_threaded_numerics()
        # The grader's model takes a moment to load: do it now, not on the first answer.
        threading.Thread(
            target=_warm_grader, args=(settings,), name="mlcoach-warm-grader", daemon=True
        ).start()
        yield
        web.grading.close()
        web.jobs.close()
        if owns_database:
            web.database.dispose()

    app = FastAPI(
        title="mlcoach",
        version=__version__,
        description=(
            "Practise ML interview questions, run code against judged problems and review "
            "take-home assignments. Long work (judging, reviewing) returns a job to poll at "
            "`/api/v1/jobs/{id}` or stream from `/api/v1/jobs/{id}/events`."
        ),
        lifespan=lifespan,
        # FastAPI's own docs pages load Swagger UI from a CDN; /api is a page of ours instead.
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.web = web

    from mlcoach.web import api, pages, pages_interview, pages_practice

    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(pages_interview.router)
    app.include_router(pages_practice.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        # Browsers and bookmark tools ask for /favicon.ico whatever the page's <link rel=icon>.
        return FileResponse(
            STATIC_DIR / "favicon.ico",
            media_type="image/x-icon",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    _install_error_handlers(app)

    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(SessionMiddleware, codec=web.codec)
    hosts = allowed_hosts
    if hosts is None and not settings.auth:
        # Single-user mode answers only to loopback names: a web page elsewhere cannot reach it by
        # pointing its own domain at 127.0.0.1 (DNS rebinding).
        hosts = LOOPBACK_HOSTS
    if hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    app.add_middleware(HeadAsGetMiddleware)
    return app


def _single_threaded_numerics() -> None:
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        threadpool_limits(limits=1)
    except Exception:  # an optimisation only: without it grading is slower under load, not wrong
        log.debug("could not limit numeric libraries to one thread", exc_info=True)


def _warm_grader(settings: Settings) -> None:
    try:
        grader_for(settings)
    except Exception:  # grading will report the same problem with a clear message when asked
        log.debug("could not load the grader ahead of time", exc_info=True)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(request: Request, status: int, message: str, title: str | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    context = {"title": title or _TITLES.get(status, "Something went wrong"), "message": message}
    if "session" in request.scope.get("state", {}):
        from mlcoach.web.pages import render

        try:
            return render(request, "error.html", status=status, **context)
        except Exception:  # the error page must not fail: fall back to the bare template
            log.debug("could not render the full error page", exc_info=True)
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


_TITLES = {
    400: "That did not work",
    401: "Sign in first",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    413: "Too large",
    422: "Check the form",
    429: "Slow down",
    503: "Busy",
}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/signin?next={quote(exc.next_path, safe='/')}", status_code=303)

    @app.exception_handler(CsrfRejected)
    async def csrf(request: Request, exc: CsrfRejected) -> Response:
        return _error_page(
            request,
            403,
            "This form had expired or did not come from this site. Reload the page and try again.",
        )

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited) -> Response:
        response = _error_page(request, 429, str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    # Also GradingQueueClosed: a server stopping asks for the answer again, like a full queue.
    @app.exception_handler(GradingBusyError)
    async def grading_busy(request: Request, exc: GradingBusyError) -> Response:
        response = _error_page(request, 503, str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return _error_page(request, 404, str(exc))

    @app.exception_handler(AccountError)
    async def account(request: Request, exc: AccountError) -> Response:
        return _error_page(request, 400, str(exc))

    @app.exception_handler(MlcoachError)
    async def user_error(request: Request, exc: MlcoachError) -> Response:
        return _error_page(request, 400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "the request was refused"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"there is no page at {request.url.path}"
        response = _error_page(request, exc.status_code, detail)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": _plain_errors(exc)}, status_code=422)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
            for e in exc.errors()
        )
        return _error_page(request, 422, problems)


def _plain_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # The default handler echoes the input back, which can be bytes that JSON cannot carry.
    return [
        {
            "loc": list(e.get("loc", ())),
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]
