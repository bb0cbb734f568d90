"""The REST API: incidents, their reports and history, and documents, over one store.

Reads are open; writes need a token from ``incidex token create NAME``,
sent as ``Authorization: Bearer TOKEN``: submitting reports, and review (field corrections,
split and merge, "not an incident"; see :mod:`incidex.review`). ``create_app(url)`` builds a
FastAPI app over :func:`incidex.store.open_store`; ``incidex serve`` runs it with uvicorn.

Every error, ours or the framework's (unknown route, bad query parameter), has one JSON
shape so that clients parse one thing::

    {"error": {"status": 404, "code": "not_found", "message": "no incident 'inc_…'"}}

No error names the database or repeats a driver's message: those go to the server's log.
Before an endpoint runs, :mod:`incidex.api_guards` checks the Host header, the body's size
and, for writes, the token (before the body is read).
"""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import json
import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict
from itertools import islice
from typing import Annotated, Any, Literal

import httpx
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from incidex import review, web
from incidex.api_guards import (
    TOKEN_NAME,
    BodyLimit,
    HostCheck,
    Unauthorized,
    WriteAuth,
    authenticate,
    unauthorized_response,
)
from incidex.api_guards import error_response as _error
from incidex.dedup import digest
from incidex.errors import IncidexError
from incidex.export import Exported, clean, write_geojson
from incidex.ingest import StoryIndex, ingest
from incidex.reader import ReadFailure
from incidex.records import Document
from incidex.settings import DEFAULT_LIMITS, Limits
from incidex.sources import iter_sources
from incidex.store import IncidentQuery, Store, StoredIncident, open_store
from incidex.store.errors import NotFoundError

log = logging.getLogger(__name__)

MAX_PAGE = 1000
#: The largest casualty figure a query may name (the bound corrections have too).
MAX_COUNT = review.MAX_COUNT
#: What ``serve`` answers to when bound to a loopback address and given no --allowed-hosts.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
#: A feed item's ``doc_id`` prefix in what :func:`incidex.sources.iter_sources` yields (a
#: page's is ``web:``): how a feed of one item is told from a page.
_FEED_ITEM = "feed:"


class ErrorDetail(BaseModel):
    status: int
    code: str = Field(description="not_found, bad_request, unauthorized, duplicate, too_large, ...")
    message: str = Field(description="what went wrong and what to do; never server internals")


class ErrorBody(BaseModel):
    """The one shape of every error answer."""

    error: ErrorDetail


_WHEN = {
    400: "a request the server cannot act on (e.g. date_from after date_to), or a Host it does not serve",
    401: "no token, or one that is unknown, revoked or expired",
    404: "no such incident or document",
    409: "the report is stored already",
    413: "the request body is over the server's limit",
    422: "a malformed parameter or body; the message names the field",
}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error statuses an operation can answer, besides the
    400 (Host) and 413 (body) every operation can."""
    return {s: {"model": ErrorBody, "description": _WHEN[s]} for s in sorted({400, 413, *statuses})}


def _jsonable(value: Any) -> Any:
    """``value`` as strict JSON carries it, dates as strings. A non-finite number or a lone
    surrogate that an older version or direct SQL left in the database becomes null or U+FFFD
    (logged, as exports do) rather than a 500 for every reader."""
    return clean(json.loads(json.dumps(value, ensure_ascii=False, default=str)), "reply")


def _summary(inc: StoredIncident) -> dict[str, Any]:
    return {"incident_id": inc.incident_uid, **inc.fields, "n_reports": inc.n_reports}


class Submission(BaseModel):
    """A report to extract and merge: its text, or only its URL (the page is then fetched and
    its article text taken, as ``incidex ingest URL`` does), and what is known about it."""

    text: str | None = Field(default=None, min_length=1, max_length=2_000_000)
    url: str | None = Field(default=None, max_length=2000)
    title: str | None = Field(default=None, max_length=1000)
    source: str | None = Field(default=None, max_length=200)
    published: dt.date | None = Field(default=None, description="publication date; dates resolve against it")
    doc_id: str | None = Field(
        default=None, max_length=200, description="your id for it (default: one is made)"
    )

    @model_validator(mode="after")
    def _text_or_url(self) -> Submission:
        if self.text is None and self.url is None:
            raise ValueError("give the report's text, or the url of its page")
        return self


class Correction(BaseModel):
    """Fields a reviewer sets on an incident, e.g. ``{"fields": {"killed": {"low": 4}}}`` or
    ``{"fields": {"not_incident": true}}``; each is checked (see :class:`review.Corrections`)."""

    model_config = ConfigDict(extra="forbid")

    fields: review.Corrections


class Split(BaseModel):
    """The reports (their ``report_id``) that leave an incident for a new one."""

    reports: list[Annotated[int, Field(ge=1, lt=2**62)]] = Field(min_length=1, max_length=1000)


class Merge(BaseModel):
    """Incidents (uids or row ids) to fold into this one."""

    incidents: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=100)


_bearer = HTTPBearer(auto_error=False, description="a token from `incidex token create NAME`")


def _find_incident(store: Store, incident_id: str) -> StoredIncident:
    """An incident by its ``inc_…`` uid or its numeric row id (too large a number is no row)."""
    if not (incident_id.isascii() and incident_id.isdigit()):  # "²" is a digit to str.isdigit
        return store.get_incident(incident_id)
    if int(incident_id) > 2**62:
        raise NotFoundError(f"no incident {incident_id!r}")
    return store.get_incident(int(incident_id))


def _public(request: Request, message: str) -> str:
    """``message`` without the database's URL (on PostgreSQL it names the user and host)."""
    url = the_store(request).url
    return message.replace(f" in {url}", "").replace(f"{url}: ", "").replace(url, "the database")


def _public_failure(request: Request, failed: list[str]) -> str:
    """Why a submitted report was not stored, as the submitter may read it: extraction's own
    reasons as they are, a value the database refused without the driver's words (those are
    in the server log, where ingest wrote them)."""
    lines = [
        line.split(_REFUSED, 1)[0] + "the database refused one of its values (the server log says which)"
        if _REFUSED in line
        else line
        for line in failed
    ]
    return _public(request, "; ".join(lines))


_REFUSED = "the database refused a value"


def _from_database(exc: BaseException) -> bool:
    """Whether ``exc`` comes of a database failure (a driver error in its chain)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, SQLAlchemyError):
            return True
        seen = seen.__cause__
    return False


def the_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def writer(request: Request, cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    """The name of the write's token, which :class:`~incidex.api_guards.WriteAuth` checked
    before the body was read (``cred`` is here for the schema's security entry)."""
    name = request.scope.get("state", {}).get(TOKEN_NAME)
    if name is None:  # only when the app runs without its guards
        raise Unauthorized("this endpoint writes: send 'Authorization: Bearer TOKEN'")
    return str(name)


def reader(request: Request, cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    """Reads are open unless the app was made with ``open_reads=False``."""
    if not request.app.state.open_reads:
        header = request.headers.get("authorization")
        authenticate(the_store(request), header, "reads on this server need a token")


#: The name of the token a write came with (a dependency of every write endpoint).
Writer = Annotated[str, Depends(writer)]


def create_app(
    url: str | None = None,
    *,
    store: Store | None = None,
    open_reads: bool = True,
    http_client: httpx.Client | None = None,
    tile_url: str | None = None,
    allowed_hosts: Sequence[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> FastAPI:
    """The API over the database at ``url`` (or an open ``store``, which the caller closes).

    ``open_reads=False`` makes every read need a token too (the schema stays open).
    ``http_client`` fetches the pages of reports submitted by URL alone (default: one per
    submission, with ``incidex ingest``'s timeouts, size limit and User-Agent). ``tile_url``
    is a map tile URL template for the web page (default: its offline country outlines).
    ``allowed_hosts`` are the Host header values answered (see
    :class:`~incidex.api_guards.HostCheck`; default: any). ``limits.request_bytes`` bounds
    a request body."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        app.state.store = store if store is not None else open_store(url)
        app.state.open_reads = open_reads
        app.state.http = http_client
        # near-duplicates of the stored documents, read once and then only what is new
        app.state.stories = StoryIndex(app.state.store)
        try:
            yield
        finally:
            if own:
                app.state.store.close()

    app = FastAPI(
        title="incidex",
        summary="Incidents of political violence extracted from news reports",
        version="0.1.0",
        lifespan=lifespan,
        # FastAPI's own docs pages load their scripts from a CDN: /docs is incidex.web's,
        # from assets in the package.
        docs_url=None,
        redoc_url=None,
    )

    # Outermost last: the Host first, then the body's size, then a write's token.
    app.add_middleware(WriteAuth)
    app.add_middleware(BodyLimit, limit=limits.request_bytes)
    if allowed_hosts is not None:
        app.add_middleware(HostCheck, allowed=allowed_hosts)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return _error(404, _public(request, str(exc)))

    @app.exception_handler(Unauthorized)
    async def unauthorized(request: Request, exc: Unauthorized) -> JSONResponse:
        return unauthorized_response(exc)

    @app.exception_handler(IncidexError)
    async def incidex_error(request: Request, exc: IncidexError) -> JSONResponse:
        if _from_database(exc):  # the database failed, not the request: details to the log
            log.error("%s %s: %s", request.method, request.url.path, exc, exc_info=exc)
            if "database is locked" in str(exc):
                return _error(503, "the database is busy with another writer; try again shortly")
            if "readonly database" in str(exc) or "read-only transaction" in str(exc):
                return _error(503, "this server's database is read-only: it serves reads, not writes")
            return _error(500, "the database failed on this request; the server's log says why")
        return _error(400, _public(request, str(exc)))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            loc = [p for p in e.get("loc", ()) if p not in ("query", "path", "body")]
            if e.get("type") == "json_invalid":  # loc is the character where parsing stopped
                why = e.get("ctx", {}).get("error", "malformed")
                e, loc = {**e, "msg": f"not JSON ({why}, at character {loc[0] if loc else 0})"}, []
            errors.append({**e, "loc": loc})
        return _error(422, review.describe(errors, "body") or "invalid request")

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        # The shape holds for our own bugs too; the traceback goes to the server's log
        # (Starlette raises the exception on to the server after this answer).
        return _error(500, "the server failed on this request; its log says why", "server_error")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.get(
        "/incidents",
        summary="Incidents matching every filter given, newest first",
        dependencies=[Depends(reader)],
        responses=_errors(401, 422),
    )
    def list_incidents(
        request: Request,
        country: str | None = None,
        admin1: str | None = None,
        event_type: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        min_killed: Annotated[int | None, Query(ge=0, le=MAX_COUNT)] = None,
        text: Annotated[str | None, Query(max_length=500)] = None,
        lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
        lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
        km: Annotated[float | None, Query(ge=0, le=20_000)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        include_not_incident: bool = False,
        format: Literal["json", "geojson"] = "json",
    ) -> Response:
        given = [v is not None for v in (lat, lon, km)]
        if any(given) and not all(given):
            return _error(422, "near: give lat, lon and km together")
        near = (lat, lon, km) if all(given) else None
        query = IncidentQuery(
            country=country,
            admin1=admin1,
            near=near,  # type: ignore[arg-type]
            date_from=date_from,
            date_to=date_to,
            event_type=event_type,
            min_killed=min_killed,
            text=text,
            include_not_incident=include_not_incident,
            limit=limit + 1,  # one more tells whether a next page exists
            offset=offset,
        )
        store = the_store(request)
        found = list(store.incidents(query))
        more = len(found) > limit
        found = found[:limit]
        if format == "geojson":
            out = io.StringIO()
            write_geojson((Exported(i, store.reports_of(i.id)) for i in found), out)
            return Response(out.getvalue(), media_type="application/geo+json")
        body = {
            "items": [_summary(i) for i in found],
            "limit": limit,
            "offset": offset,
            "next_offset": offset + limit if more else None,
        }
        return JSONResponse(_jsonable(body))

    @app.get(
        "/incidents/{incident_id}",
        summary="One incident: merged fields, every report, history",
        dependencies=[Depends(reader)],
        responses=_errors(401, 404, 422),
    )
    def get_incident(request: Request, incident_id: Annotated[str, Path(max_length=64)]) -> JSONResponse:
        store = the_store(request)
        inc = _find_incident(store, incident_id)
        body = _summary(inc)
        body["merged_into"] = (
            store.get_incident(inc.merged_into).incident_uid if inc.merged_into is not None else None
        )
        body["reports"] = [
            {
                "report_id": r.id,
                "document_id": r.document_id,
                "doc_id": r.doc_id,
                "url": r.url,
                "title": r.title,
                **r.fields,
            }
            for r in store.reports_of(inc.id)
        ]
        body["reviews"] = store.reviews_of(inc.id)
        body["history"] = [
            {k: v for k, v in asdict(h).items() if k != "incident_id"} for h in store.history(inc.id)
        ]
        return JSONResponse(_jsonable(body))

    @app.get(
        "/documents/{document_id}",
        summary="One stored document: its text and the incidents read in it",
        dependencies=[Depends(reader)],
        responses=_errors(401, 404, 422),
    )
    def get_document(request: Request, document_id: int) -> JSONResponse:
        store = the_store(request)
        if not 0 < document_id < 2**62:
            raise NotFoundError(f"no document {document_id}")
        doc = store.get_document(document_id)
        body = asdict(doc)
        body["reports"] = [
            {"ordinal": r.ordinal, "incident_id": r.incident_id, **r.fields}
            for r in store.reports_of_document(doc.id)
        ]
        return JSONResponse(_jsonable(body))

    @app.patch(
        "/incidents/{incident_id}",
        summary="Correct an incident; later merges keep the correction",
        responses=_errors(401, 404, 422),
    )
    def correct_incident(
        request: Request, incident_id: Annotated[str, Path(max_length=64)], body: Correction, who: Writer
    ) -> JSONResponse:
        store = the_store(request)
        inc = _find_incident(store, incident_id)
        review.correct_incident(store, inc.id, body.fields, reviewer=who, at=dt.datetime.now(dt.UTC))
        return get_incident(request, inc.incident_uid)

    @app.post(
        "/incidents/{incident_id}/split",
        status_code=201,
        summary="Move some of an incident's reports into a new incident; returns the new one",
        responses=_errors(401, 404, 422),
    )
    def split(
        request: Request, incident_id: Annotated[str, Path(max_length=64)], body: Split, who: Writer
    ) -> JSONResponse:
        store = the_store(request)
        inc = _find_incident(store, incident_id)
        new = review.split_incident(store, inc.id, body.reports, reviewer=who, at=dt.datetime.now(dt.UTC))
        resp = get_incident(request, new.incident_uid)
        resp.status_code = 201
        resp.headers["Location"] = f"/incidents/{new.incident_uid}"
        return resp

    @app.post(
        "/incidents/{incident_id}/merge",
        summary="Fold other incidents into this one; they keep their ids, pointing here",
        responses=_errors(401, 404, 422),
    )
    def merge_into(
        request: Request, incident_id: Annotated[str, Path(max_length=64)], body: Merge, who: Writer
    ) -> JSONResponse:
        store = the_store(request)
        inc = _find_incident(store, incident_id)
        others = [_find_incident(store, o).id for o in body.incidents]
        review.merge_incidents(store, inc.id, others, reviewer=who, at=dt.datetime.now(dt.UTC))
        return get_incident(request, inc.incident_uid)

    @app.post(
        "/documents",
        status_code=201,
        summary="Submit a report: it is stored, extracted and merged",
        responses=_errors(401, 409, 422),
    )
    def post_document(request: Request, sub: Submission, who: Writer) -> JSONResponse:
        store = the_store(request)
        if sub.text is None:  # only a URL: fetch it, unless it is stored already
            known = store.document_exists(url=sub.url, digest=None)
            if known is not None:
                return _error(
                    409, f"this URL is stored already as documents.id {known}; GET /documents/{known}"
                )
            fetched = _fetch(request, sub)
            if isinstance(fetched, JSONResponse):
                return fetched
            sub = fetched
        assert sub.text is not None
        key = digest(sub.text)
        known = store.document_exists(url=sub.url, digest=key)
        if known is not None:
            return _error(
                409, f"this report is stored already as documents.id {known}; GET /documents/{known}"
            )
        doc = Document(
            doc_id=sub.doc_id or f"api-{key[:16]}",
            text=sub.text,
            published=sub.published,
            url=sub.url,
            title=sub.title,
            source=sub.source or who,
        )
        summary = ingest([doc], store, stories=request.app.state.stories)
        if summary.failed:
            return _error(400, _public_failure(request, summary.failed))
        stored = store.document_exists(url=sub.url, digest=key)
        assert stored is not None  # by this request, or by another writer since the check above
        if summary.duplicate:
            return _error(
                409, f"this report is stored already as documents.id {stored}; GET /documents/{stored}"
            )
        resp = get_document(request, stored)
        resp.status_code = 201
        resp.headers["Location"] = f"/documents/{stored}"
        return resp

    web.mount(app, tile_url=tile_url)
    return app


def _fetch(request: Request, sub: Submission) -> Submission | JSONResponse:
    """The submission with the text (and title, date when not given) of the page at its URL."""
    assert sub.url is not None
    read = list(islice(iter_sources([sub.url], published=sub.published, client=request.app.state.http), 2))
    if len(read) != 1 or _is_feed_item(read[0]):  # no item, several, or one: a feed all the same
        return _error(
            400, f"{sub.url} is a feed, not one report; ingest feeds with: incidex ingest {sub.url} --db DB"
        )
    page = read[0]
    if isinstance(page, ReadFailure):
        return _error(400, str(page))
    return sub.model_copy(
        update={
            "text": page.text,
            "title": sub.title or page.title,
            "published": sub.published or page.published,
        }
    )


def _is_feed_item(item: Document | ReadFailure) -> bool:
    doc_id = item.doc_id if isinstance(item, Document) else item.error.doc_id
    return (doc_id or "").startswith(_FEED_ITEM)


def default_allowed_hosts(bind: str) -> list[str] | None:
    """The Host header values ``serve`` answers when not told: on a loopback address, the
    loopback names (and the address itself), which a DNS-rebinding page cannot send; on
    any other address, any host (``None``): the operator chose to expose it, and only they
    know the names it is reached by (``--allowed-hosts`` narrows it)."""
    if bind.lower() == "localhost":
        return list(LOOPBACK_HOSTS)
    try:
        loopback = ipaddress.ip_address(bind.strip("[]")).is_loopback
    except ValueError:  # a host name: its addresses are not known here
        return None
    return list(dict.fromkeys([*LOOPBACK_HOSTS, bind.strip("[]")])) if loopback else None


def app_from_env() -> FastAPI:
    """The app over ``$INCIDEX_DB`` (reads by ``$INCIDEX_READS``, map tiles ``$INCIDEX_TILES``,
    hosts answered ``$INCIDEX_ALLOWED_HOSTS``, comma-separated): what each of ``serve``'s
    worker processes builds."""
    hosts = os.environ.get("INCIDEX_ALLOWED_HOSTS")
    return create_app(
        os.environ.get("INCIDEX_DB") or None,
        open_reads=os.environ.get("INCIDEX_READS", "open") == "open",
        tile_url=os.environ.get("INCIDEX_TILES") or None,
        allowed_hosts=hosts.split(",") if hosts else None,
    )


def serve(
    url: str | None,
    host: str,
    port: int,
    *,
    workers: int = 1,
    open_reads: bool = True,
    tile_url: str | None = None,
    allowed_hosts: Sequence[str] | None = None,
) -> None:
    """Run the web page and API with uvicorn until interrupted; ``workers`` processes share
    the port. ``allowed_hosts`` defaults to :func:`default_allowed_hosts` of ``host``."""
    import uvicorn

    if workers < 1:
        raise IncidexError(f"--workers must be at least 1, got {workers}")
    web.tile_origin(tile_url)  # a bad template fails here, before any worker starts
    hosts = list(allowed_hosts) if allowed_hosts is not None else default_allowed_hosts(host)
    if workers == 1:
        app = create_app(url, open_reads=open_reads, tile_url=tile_url, allowed_hosts=hosts)
        uvicorn.run(app, host=host, port=port, log_level="info")
        return
    # Worker processes import the app by name, so the settings travel in the environment.
    if url:
        os.environ["INCIDEX_DB"] = str(url)
    os.environ["INCIDEX_READS"] = "open" if open_reads else "token"
    if tile_url:
        os.environ["INCIDEX_TILES"] = tile_url
    if hosts is not None:
        os.environ["INCIDEX_ALLOWED_HOSTS"] = ",".join(hosts)
    uvicorn.run(
        "incidex.api:app_from_env", factory=True, host=host, port=port, workers=workers, log_level="info"
    )
