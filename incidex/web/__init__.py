"""The analyst's web page and the API docs page, served by the API app itself.

``mount(app)`` adds ``GET /`` (the page: map, timeline, table, incident review), ``GET /docs``
(Swagger UI), ``GET /web/config.json`` (what the page needs to know about this server) and
``/static/…`` (the page's scripts and the vendored browser libraries). Nothing loads from the
internet: Leaflet, the Natural Earth outlines and Swagger UI are copied into ``static/vendor``
from npm by ``make assets`` (see web/vendor.sh) and tracked in git. The only outside host the
page may talk to is the tile server an operator names with ``tile_url``, which the
Content-Security-Policy then allows for images and nothing else.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from incidex.errors import IncidexError

STATIC = Path(__file__).parent / "static"

# Shared by both pages: scripts, styles, fonts and fetches come from this server only; no
# plugins, no <base> rewriting, no framing (clickjacking of the review buttons).
_CSP_BASE = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def tile_origin(tile_url: str | None) -> str | None:
    """The CSP source for a Leaflet tile URL template, e.g.
    ``https://{s}.tile.example.org/{z}/{x}/{y}.png`` -> ``https://*.tile.example.org``; ``None``
    for no URL or one on this server (a path)."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if not parts.scheme and not parts.netloc and tile_url.startswith("/"):
        return None  # tiles served by this server (or its proxy): 'self' covers them
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise IncidexError(
            f"--tiles {tile_url!r}: give an http(s) URL template such as "
            "https://tile.example.org/{z}/{x}/{y}.png, or a path on this server"
        )
    # Leaflet's {s} subdomain placeholder becomes CSP's leftmost-label wildcard.
    host = re.sub(r"^\{s\}\.", "*.", parts.netloc)
    if "{" in host or "}" in host or any(c in host for c in " ;,'\""):
        raise IncidexError(
            f"--tiles {tile_url!r}: only {{s}} may stand in the host, as its first label "
            "({s}.tile.example.org); {z}, {x}, {y} belong in the path"
        )
    return f"{parts.scheme}://{host}"


def _csp(extra_img: str | None = None) -> str:
    # data: images: Leaflet's and Swagger UI's stylesheets draw icons as data: URIs.
    return f"{_CSP_BASE}; img-src 'self' data:" + (f" {extra_img}" if extra_img else "")


@cache
def _page(name: str) -> str:
    """A page's HTML, read once (not at import: importing incidex stays cheap)."""
    return (STATIC / name).read_text(encoding="utf-8")


class _Static(StaticFiles):
    """StaticFiles that also tells browsers not to guess content types."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        resp = await super().get_response(path, scope)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp


def mount(app: FastAPI, *, tile_url: str | None = None) -> None:
    """Serve the web page at ``/``, Swagger UI at ``/docs`` and their files at ``/static``.

    ``tile_url`` is an optional Leaflet tile URL template (``https://{s}.host/{z}/{x}/{y}.png``)
    for a base map under the built-in country outlines; without it the page stays offline.
    Raises :class:`IncidexError` for a template the page could not use. None of these routes
    appear in the OpenAPI schema."""
    origin = tile_origin(tile_url)
    page_headers = {
        "Content-Security-Policy": _csp(origin),
        "X-Content-Type-Options": "nosniff",
        # Origin only, and only over https: tile servers (OpenStreetMap's among them) refuse
        # requests that name no referring site.
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cache-Control": "no-cache",
    }
    # Swagger UI runs under the same policy, less the tile host (React styles through the
    # DOM, which 'unsafe-inline' does not govern).
    docs_headers = {**page_headers, "Content-Security-Policy": _csp()}

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def web_page() -> HTMLResponse:
        return HTMLResponse(_page("index.html"), headers=page_headers)

    @app.api_route("/docs", methods=["GET", "HEAD"], include_in_schema=False)
    def docs_page() -> HTMLResponse:
        return HTMLResponse(_page("docs.html"), headers=docs_headers)

    @app.get("/web/config.json", include_in_schema=False)
    def web_config() -> JSONResponse:
        return JSONResponse({"tile_url": tile_url or None})

    app.mount("/static", _Static(directory=STATIC), name="static")
