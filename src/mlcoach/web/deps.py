"""Request dependencies: who is asking, and whether a form or API call may change anything."""

from __future__ import annotations

from fastapi import HTTPException, Request
from starlette.datastructures import FormData

from mlcoach.store.models import User
from mlcoach.web.middleware import Session
from mlcoach.web.security import tokens_match
from mlcoach.web.state import Web

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class SignInRequired(Exception):
    """A page needs a signed-in user; the handler redirects to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class CsrfRejected(Exception):
    """A change was asked for without this session's CSRF token."""


def web_of(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def session_of(request: Request) -> Session:
    session: Session = request.state.session
    return session


def optional_user(request: Request) -> User | None:
    """The user making the request: the local user in single-user mode, else the signed-in one."""
    cached = getattr(request.state, "user", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    web = web_of(request)
    user: User | None
    if not web.auth:
        user = web.local_user()
    else:
        uid = session_of(request).user_id
        user = None
        if uid is not None:
            with web.database.session() as db:
                user = db.get(User, uid)
            if user is not None and user.password_hash is None:
                user = None  # only accounts with a password can sign in
            elif user is not None and user.session_generation != session_of(request).generation:
                user = None  # signed out since this cookie was issued (on any device)
    request.state.user = user
    return user


def page_user(request: Request) -> User:
    user = optional_user(request)
    if user is None:
        path = request.url.path
        if request.url.query:
            path += "?" + request.url.query
        raise SignInRequired(path)
    return user


def api_user(request: Request) -> User:
    user = optional_user(request)
    if user is None:
        raise HTTPException(401, "sign in first: POST /api/v1/session with name and password")
    return user


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token has been checked against the session's."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not tokens_match(session_of(request).csrf_token, token if isinstance(token, str) else None):
        raise CsrfRejected()
    return form


def check_api_csrf(request: Request) -> None:
    """API calls that change things must be JSON (which a cross-site form cannot send) or carry the
    session's token in the X-CSRF-Token header (uploads)."""
    if request.method != "POST":
        # Browsers preflight cross-site DELETE, PUT and PATCH, which we never allow; only a POST
        # can arrive from another site's form without asking.
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        return
    if tokens_match(session_of(request).csrf_token, request.headers.get(CSRF_HEADER)):
        return
    raise HTTPException(
        403,
        "send JSON (Content-Type: application/json), or the X-CSRF-Token header with the "
        "csrf_token from GET /api/v1/session",
    )
