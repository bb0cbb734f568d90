"""The REST API: incidents, their reports and history, and documents, over one store.

Reads are open; writes need a token from ``incidex token create NAME``,
sent as ``Authorization: Bearer TOKEN``: submitting reports, and review (field corrections,
split and merge, "not an incident"; see :mod:`incidex.review`). ``create_app(url)`` builds a
FastAPI app over :func:`incidex.store.open_store`; ``incidex serve`` runs it with uvicorn.

Every error, ours or the framework's (unknown route, bad query parameter), has one JSON
shape so that clients parse one thing::

    {"error": {"status": 404, "code": "not_found", "message": "no incident 'inc_…' in …"}}
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from itertools import islice
from typing import Annotated, Any, Literal

import httpx
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from incidex import review, web
from incidex.dedup import digest
from incidex.errors import IncidexError
from incidex.export import Exported, write_geojson
from incidex.ingest import ingest
from incidex.reader import ReadFailure
from incidex.records import Document
from incidex.sources import iter_sources
from incidex.store import IncidentQuery, Store, StoredIncident, open_store
from incidex.store.errors import NotFoundError

MAX_PAGE = 1000
#: The largest casualty figure a query or a correction may name (more than any act has had).
MAX_COUNT = 10_000_000

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    409: "duplicate",
    405: "method_not_allowed",
    422: "invalid_parameter",
}


def _error(status: int, message: str, code: str | None = None) -> JSONResponse:
    code = code or _CODES.get(status, "error")
    return JSONResponse({"error": {"status": status, "code": code, "message": message}}, status_code=status)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _summary(inc: StoredIncident) -> dict[str, Any]:
    return {"incident_id": inc.incident_uid, **inc.fields, "n_reports": inc.n_reports}


class Unauthorized(IncidexError):
    """A write without a valid token."""


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
    """Fields a reviewer sets on an incident (see ``REVIEWABLE``), e.g. ``{"killed": {...}}``
    or ``{"not_incident": true}``."""

    fields: dict[str, Any] = Field(min_length=1, max_length=20)


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


def the_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def _token_owner(request: Request, cred: HTTPAuthorizationCredentials | None, why: str) -> str:
    if cred is None:
        raise Unauthorized(f"{why}: send 'Authorization: Bearer TOKEN' (incidex token create NAME)")
    name = the_store(request).token_name(cred.credentials)
    if name is None:
        raise Unauthorized(
            "the token is not one of this database's; create one with: incidex token create NAME"
        )
    return name


def writer(request: Request, cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    return _token_owner(request, cred, "this endpoint writes")


def reader(request: Request, cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    """Reads are open unless the app was made with ``open_reads=False``."""
    if not request.app.state.open_reads:
        _token_owner(request, cred, "reads on this server need a token")


#: The name of the token a write came with (a dependency of every write endpoint).
Writer = Annotated[str, Depends(writer)]


def create_app(
    url: str | None = None,
    *,
    store: Store | None = None,
    open_reads: bool = True,
    http_client: httpx.Client | None = None,
    tile_url: str | None = None,
) -> FastAPI:
    """The API over the database at ``url`` (or an open ``store``, which the caller closes).

    ``open_reads=False`` makes every read need a token too (the schema stays open).
    ``http_client`` fetches the pages of reports submitted by URL alone (default: one per
    submission, with ``incidex ingest``'s timeouts, size limit and User-Agent). ``tile_url``
    is a map tile URL template for the web page (default: its offline country outlines)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        app.state.store = store if store is not None else open_store(url)
        app.state.open_reads = open_reads
        app.state.http = http_client
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

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return _error(404, str(exc))

    @app.exception_handler(Unauthorized)
    async def unauthorized(request: Request, exc: Unauthorized) -> JSONResponse:
        resp = _error(401, str(exc))
        resp.headers["WWW-Authenticate"] = "Bearer"
        return resp

    @app.exception_handler(IncidexError)
    async def incidex_error(request: Request, exc: IncidexError) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path"))
            parts.append(f"{where}: {e.get('msg', 'invalid')}")
        return _error(422, "; ".join(parts) or "invalid request")

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        # The shape holds for our own bugs too; the traceback goes to the server's log.
        return _error(500, "the server failed on this request; its log says why", "server_error")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.get(
        "/incidents",
        summary="Incidents matching every filter given, newest first",
        dependencies=[Depends(reader)],
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

    @app.patch("/incidents/{incident_id}", summary="Correct an incident; later merges keep the correction")
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
    )
    def merge_into(
        request: Request, incident_id: Annotated[str, Path(max_length=64)], body: Merge, who: Writer
    ) -> JSONResponse:
        store = the_store(request)
        inc = _find_incident(store, incident_id)
        others = [_find_incident(store, o).id for o in body.incidents]
        review.merge_incidents(store, inc.id, others, reviewer=who, at=dt.datetime.now(dt.UTC))
        return get_incident(request, inc.incident_uid)

    @app.post("/documents", status_code=201, summary="Submit a report: it is stored, extracted and merged")
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
        summary = ingest([doc], store)
        if summary.failed:
            return _error(400, "; ".join(summary.failed))
        stored = store.document_exists(url=sub.url, digest=key)
        if stored is None:  # a near-duplicate of a stored report: kept out, as ingest does
            return _error(409, "this report nearly repeats a stored one and was not added")
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
    if len(read) == 1 and isinstance(read[0], ReadFailure):
        return _error(400, str(read[0]))
    docs = [d for d in read if isinstance(d, Document)]
    if len(read) != 1 or not docs:
        return _error(
            400, f"{sub.url} is a feed, not one report; ingest feeds with: incidex ingest {sub.url} --db DB"
        )
    page = docs[0]
    return sub.model_copy(
        update={
            "text": page.text,
            "title": sub.title or page.title,
            "published": sub.published or page.published,
        }
    )


def app_from_env() -> FastAPI:
    """The app over ``$INCIDEX_DB`` (reads by ``$INCIDEX_READS``, map tiles ``$INCIDEX_TILES``):
    what each of ``serve``'s worker processes builds."""
    return create_app(
        os.environ.get("INCIDEX_DB") or None,
        open_reads=os.environ.get("INCIDEX_READS", "open") == "open",
        tile_url=os.environ.get("INCIDEX_TILES") or None,
    )


def serve(
    url: str | None,
    host: str,
    port: int,
    *,
    workers: int = 1,
    open_reads: bool = True,
    tile_url: str | None = None,
) -> None:
    """Run the web page and API with uvicorn until interrupted; ``workers`` processes share
    the port."""
    import uvicorn

    if workers < 1:
        raise IncidexError(f"--workers must be at least 1, got {workers}")
    web.tile_origin(tile_url)  # a bad template fails here, before any worker starts
    if workers == 1:
        app = create_app(url, open_reads=open_reads, tile_url=tile_url)
        uvicorn.run(app, host=host, port=port, log_level="info")
        return
    # Worker processes import the app by name, so the settings travel in the environment.
    if url:
        os.environ["INCIDEX_DB"] = str(url)
    os.environ["INCIDEX_READS"] = "open" if open_reads else "token"
    if tile_url:
        os.environ["INCIDEX_TILES"] = tile_url
    uvicorn.run(
        "incidex.api:app_from_env", factory=True, host=host, port=port, workers=workers, log_level="info"
    )
