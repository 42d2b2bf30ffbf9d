"""ASGI middleware: the signed session cookie, and request body size limits.

Both are plain ASGI (not BaseHTTPMiddleware) so that streamed responses (Server-Sent Events) pass
through untouched and a request costs no extra task.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException

from mlcoach.web.security import SESSION_COOKIE, SESSION_MAX_AGE, SessionCodec, new_csrf_token

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KB = 1024
MB = 1024 * KB
# Uploads (a notebook, a script or a zip) may be 20 MB; every other body holds at most an answer
# or a piece of code (64 KB of text), which form encoding can triple.
UPLOAD_LIMIT = 20 * MB + 64 * KB
BODY_LIMIT = 256 * KB
UPLOAD_PATHS = ("/review", "/api/v1/reviews")


class Session:
    """The session's data, and whether the cookie must be sent again."""

    def __init__(self, data: dict[str, Any], *, dirty: bool) -> None:
        self.data = data
        self.dirty = dirty

    @property
    def csrf_token(self) -> str:
        return str(self.data["csrf"])

    @property
    def user_id(self) -> int | None:
        uid = self.data.get("uid")
        return uid if isinstance(uid, int) else None

    @property
    def generation(self) -> int:
        gen = self.data.get("gen", 0)
        return gen if isinstance(gen, int) else -1

    def sign_in(self, user_id: int, generation: int = 0) -> None:
        # A new token at sign-in: a token planted before it (session fixation) is worthless after.
        # The generation ties the cookie to the server's record: signing out bumps it there.
        self.data = {"uid": user_id, "gen": generation, "csrf": new_csrf_token()}
        self.dirty = True

    def sign_out(self) -> None:
        self.data = {"csrf": new_csrf_token()}
        self.dirty = True


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    # Scripts only from our own static files; CodeMirror and htmx add <style> elements at run time.
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
]


class SessionMiddleware:
    def __init__(self, app: ASGIApp, codec: SessionCodec) -> None:
        self.app = app
        self.codec = codec

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        data = None
        for name, value in scope["headers"]:
            if name == b"cookie":
                cookie: SimpleCookie = SimpleCookie()
                try:
                    cookie.load(value.decode("latin-1"))
                except Exception:  # a malformed Cookie header is treated as no cookie
                    continue
                if SESSION_COOKIE in cookie:
                    data = self.codec.loads(cookie[SESSION_COOKIE].value)
        fresh = data is None or not isinstance(data.get("csrf"), str)
        session = Session(
            data if data is not None and not fresh else {"csrf": new_csrf_token()}, dirty=fresh
        )
        scope.setdefault("state", {})["session"] = session
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *SECURITY_HEADERS]
            if message["type"] == "http.response.start" and session.dirty:
                headers = MutableHeaders(scope=message)
                flags = f"Path=/; Max-Age={SESSION_MAX_AGE}; HttpOnly; SameSite=Lax"
                if secure:
                    flags += "; Secure"
                headers.append(
                    "set-cookie", f"{SESSION_COOKIE}={self.codec.dumps(session.data)}; {flags}"
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class BodyLimitMiddleware:
    """Refuses bodies over the limit with 413, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = UPLOAD_LIMIT if path.startswith(UPLOAD_PATHS) else BODY_LIMIT
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    announced = int(value)
                except ValueError:
                    announced = -1
                if announced < 0 or announced > limit:
                    await _too_large(scope, send, limit)
                    return
        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, _limit_message(limit))
            return message

        await self.app(scope, counted_receive, send)


def _limit_message(limit: int) -> str:
    size = f"{limit // MB} MB" if limit >= MB else f"{limit // KB} KB"
    return f"the request is larger than the {size} this page accepts"


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    message = _limit_message(limit)
    if scope["path"].startswith("/api/"):
        body = json.dumps({"detail": message}).encode()
        content_type = b"application/json"
    else:
        body = (
            "<!doctype html><meta charset=utf-8><title>Too large</title>"
            f'<p>{message}. <a href="/">Back to mlcoach</a></p>'
        ).encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class HeadAsGetMiddleware:
    """HEAD is GET without the body (RFC 9110): monitors and link checkers ask `HEAD /`, which
    FastAPI's routes (GET only) would answer with 405."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        scope = {**scope, "method": "GET"}

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, receive, headers_only)
