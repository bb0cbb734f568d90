"""What every request to the API passes before an endpoint sees it, as plain ASGI middleware.

In order, outermost first:

1. :class:`HostCheck`: the ``Host`` header must name this server (an allow-list), so that a
   web page whose name an attacker re-points at 127.0.0.1 (DNS rebinding) cannot read a
   local server through a visitor's browser.
2. :class:`BodyLimit`: a request body over ``Limits.request_bytes`` is refused (413) as soon
   as its ``Content-Length`` says so, or while it streams in (chunked), before anything
   parses it or checks its token.
3. :class:`WriteAuth`: a write (``POST``, ``PUT``, ``PATCH``, ``DELETE``) must carry a valid
   token, checked before the body is read: an anonymous client cannot make the server read,
   buffer or parse a byte of what it sends.

Their answers have the API's one error shape (:func:`error_response`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from incidex.errors import IncidexError
from incidex.store import ApiToken, Store, StoreError

log = logging.getLogger(__name__)

#: The error codes of the one error shape, by HTTP status.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    409: "duplicate",
    413: "too_large",
    422: "invalid_parameter",
    500: "server_error",
    503: "unavailable",
}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Where :class:`WriteAuth` leaves the name of a write's token (``request.state``).
TOKEN_NAME = "incidex_token_name"


def error_response(status: int, message: str, code: str | None = None) -> JSONResponse:
    """``{"error": {"status", "code", "message"}}``: every error the API answers."""
    code = code or CODES.get(status, "error")
    return JSONResponse({"error": {"status": status, "code": code, "message": message}}, status_code=status)


class Unauthorized(IncidexError):
    """A request without a valid token: none, unknown, revoked or expired."""


def unauthorized_response(exc: Unauthorized) -> JSONResponse:
    resp = error_response(401, str(exc))
    resp.headers["WWW-Authenticate"] = "Bearer"
    return resp


def authenticate(store: Store, authorization: str | None, why: str) -> ApiToken:
    """The token in an ``Authorization: Bearer TOKEN`` header; :class:`Unauthorized` saying
    what is wrong (none given, not this database's, revoked, expired) otherwise."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(f"{why}: send 'Authorization: Bearer TOKEN' (incidex token create NAME)")
    found = store.find_token(token.strip())
    if found is None:
        raise Unauthorized(
            "the token is not one of this database's; create one with: incidex token create NAME"
        )
    now = dt.datetime.now(dt.UTC)
    state = found.state(now)
    if state == "revoked":
        assert found.revoked_at is not None
        raise Unauthorized(
            f"the token {found.name!r} was revoked on {found.revoked_at:%Y-%m-%d %H:%M} UTC; "
            "ask for a new one (incidex token create NAME)"
        )
    if state == "expired":
        assert found.expires_at is not None
        raise Unauthorized(
            f"the token {found.name!r} expired on {found.expires_at:%Y-%m-%d %H:%M} UTC; "
            "ask for a new one (incidex token create NAME --expires-in DAYS)"
        )
    return found


def authenticate_write(store: Store, authorization: str | None) -> str:
    """:func:`authenticate` for a write, recording the token's use; returns its name."""
    token = authenticate(store, authorization, "this endpoint writes")
    try:
        store.touch_token(token.id, at=dt.datetime.now(dt.UTC))
    except StoreError as e:  # a read-only database: the write itself will say so
        log.warning("could not record the use of token %r: %s", token.name, e)
    return token.name


def _app_store(scope: Scope) -> Store:
    return scope["app"].state.store  # type: ignore[no-any-return]


class WriteAuth:
    """Refuse a write without a valid token (401) before its body is read; leave the token's
    name in ``request.state`` for the endpoint."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("authorization")
        try:
            # the store is synchronous: its query runs off the event loop, as endpoints do
            name = await run_in_threadpool(authenticate_write, _app_store(scope), header)
        except Unauthorized as e:
            await unauthorized_response(e)(scope, receive, send)
            return
        scope.setdefault("state", {})[TOKEN_NAME] = name
        await self.app(scope, receive, send)


class BodyTooLarge(HTTPException):
    """A request body over the limit, found while it streamed in. An HTTPException, so that
    FastAPI's body reading passes it on to the error handlers as it is (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


def too_large_message(limit: int) -> str:
    return (
        f"the request body is over this server's limit of {limit:,} bytes; "
        "send a shorter report, or ingest large inputs with: incidex ingest"
    )


class BodyLimit:
    """Refuse a request body over ``limit`` bytes (413): at once when ``Content-Length`` says
    so, else as soon as the bytes received pass it (a chunked body); what was read stays under
    the limit plus one chunk."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await error_response(413, too_large_message(self.limit))(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length", "")
    return int(value) if value.isascii() and value.isdigit() else None


class HostCheck:
    """Answer only requests whose ``Host`` header is one of ``allowed`` (400 otherwise).

    An entry is a host name or address (any port), ``*.example.org`` for its subdomains, or
    ``*`` for any host."""

    def __init__(self, app: ASGIApp, *, allowed: Sequence[str]) -> None:
        self.app = app
        self.allowed = tuple(h.strip().lower() for h in allowed if h.strip())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and "*" not in self.allowed:
            host = host_name(Headers(scope=scope).get("host", ""))
            if not self._allows(host):
                message = (
                    f"this server does not answer to the host {host[:100]!r}; "
                    "its operator names the hosts it answers to with: incidex serve --allowed-hosts"
                )
                await error_response(400, message)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _allows(self, host: str) -> bool:
        return any(
            host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))
            for pattern in self.allowed
        )


def host_name(header: str) -> str:
    """The host of a ``Host`` header, lower case, without its port: ``[::1]:8000`` -> ``::1``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    name, colon, port = header.rpartition(":")
    return name if colon and port.isdigit() and ":" not in name else header
