"""The web page and the docs page in-process: what is served, with which headers, and that
nothing they load comes from outside the server (tests/test_browser.py drives them for real)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from incidex.api import create_app
from incidex.errors import IncidexError
from incidex.web import STATIC, tile_origin

VENDOR = STATIC / "vendor"
#: What web/vendor.sh copies: the files the pages load, each package with its licence.
VENDORED = {
    "leaflet": ["leaflet.js", "leaflet.css", "images/layers.png"],
    "world-atlas": ["countries-110m.json"],
    "topojson-client": ["topojson-client.min.js"],
    "swagger-ui-dist": ["swagger-ui-bundle.js", "swagger-ui.css"],
}
#: Our own page files (vendor excluded): none may name an outside URL to load.
OWN = sorted(p for p in STATIC.rglob("*") if p.is_file() and VENDOR not in p.parents)


def _app(db: Path, tile_url: str | None = None) -> FastAPI:
    return create_app(str(db), tile_url=tile_url)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with TestClient(_app(tmp_path_factory.mktemp("web") / "web.db")) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/", "text/html"),
        ("/docs", "text/html"),
        ("/static/app.css", "text/css"),
        ("/static/js/app.js", "javascript"),
        ("/static/docs.js", "javascript"),
        ("/static/vendor/leaflet/leaflet.js", "javascript"),
        ("/static/vendor/swagger-ui-dist/swagger-ui.css", "text/css"),
        ("/static/vendor/world-atlas/countries-110m.json", "application/json"),
        ("/web/config.json", "application/json"),
    ],
)
def test_served_with_content_type(client: TestClient, path: str, kind: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 200, resp.text
    assert kind in resp.headers["content-type"]
    assert resp.headers.get("x-content-type-options") == "nosniff" or path == "/web/config.json"


def test_pages_answer_head(client: TestClient) -> None:
    for page in ("/", "/docs"):
        resp = client.head(page)
        assert resp.status_code == 200 and "content-security-policy" in resp.headers


def test_every_module_the_page_imports_is_served(client: TestClient) -> None:
    for js in (STATIC / "js").glob("*.js"):
        for name in re.findall(r'from "\./([\w.-]+\.js)"', js.read_text(encoding="utf-8")):
            assert client.get(f"/static/js/{name}").status_code == 200, f"{js.name} imports {name}"


def test_page_links_resolve(client: TestClient) -> None:
    for page in ("/", "/docs"):
        html = client.get(page).text
        for ref in re.findall(r'(?:src|href)="(static/[^"]+)"', html):
            assert client.get("/" + ref).status_code == 200, f"{page} links {ref}"


def _csp(client: TestClient, page: str) -> dict[str, str]:
    csp = client.get(page).headers["content-security-policy"]
    return dict(d.strip().split(" ", 1) for d in csp.split(";"))


def test_csp_is_strict(client: TestClient) -> None:
    page = _csp(client, "/")
    assert page["default-src"] == "'self'"
    assert page["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert page["style-src"] == "'self'"
    assert page["img-src"] == "'self' data:"
    assert page["frame-ancestors"] == "'none'"
    docs = _csp(client, "/docs")
    assert docs["script-src"] == docs["style-src"] == "'self'"


def test_no_inline_script_in_pages(client: TestClient) -> None:
    for page in ("/", "/docs"):
        html = client.get(page).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, f"{page}: inline script {tag}; the CSP would block it"
        assert not re.search(r"\son[a-z]+=", html), f"{page}: inline event handler"


@pytest.mark.parametrize("path", OWN, ids=lambda p: str(p.relative_to(STATIC)))
def test_own_files_load_nothing_from_outside(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    # The SVG namespace is a name, not something fetched.
    outside = [u for u in re.findall(r"https?://[^\s\"'`)]+", text) if not u.startswith("http://www.w3.org/")]
    assert not outside, f"{path.name} names {outside}; serve it from static/vendor instead"


def test_no_innerhtml_in_own_scripts() -> None:
    for js in OWN:
        if js.suffix == ".js":
            assert not re.search(
                r"\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write", js.read_text()
            ), js.name


def test_docs_page_uses_the_local_swagger(client: TestClient) -> None:
    html = client.get("/docs").text
    assert 'src="static/vendor/swagger-ui-dist/swagger-ui-bundle.js"' in html
    assert 'href="static/vendor/swagger-ui-dist/swagger-ui.css"' in html
    assert "openapi.json" in client.get("/static/docs.js").text
    assert client.get("/openapi.json").status_code == 200


def test_web_routes_stay_out_of_the_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/", "/docs", "/web/config.json"} & set(paths)
    assert not any(p.startswith("/static") for p in paths)
    assert "/incidents" in paths


def test_missing_static_file_is_a_json_404(client: TestClient) -> None:
    resp = client.get("/static/nope.js")
    assert resp.status_code == 404
    assert resp.json()["error"]["status"] == 404


@pytest.mark.parametrize(("package", "files"), sorted(VENDORED.items()))
def test_vendored_with_licence(package: str, files: list[str]) -> None:
    for name in [*files, "LICENSE"]:
        path = VENDOR / package / name
        assert path.is_file() and path.stat().st_size > 0, f"{path} missing: run make assets"
    assert f"{package} " in (VENDOR / "VERSIONS.txt").read_text()


def test_config_without_tiles(client: TestClient) -> None:
    assert client.get("/web/config.json").json() == {"tile_url": None}


def test_tile_url_reaches_config_and_csp(tmp_path: Path) -> None:
    url = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    with TestClient(_app(tmp_path / "t.db", tile_url=url)) as c:
        assert c.get("/web/config.json").json() == {"tile_url": url}
        csp = c.get("/").headers["content-security-policy"]
        assert "img-src 'self' data: https://*.tile.example.org" in csp
        assert "connect-src 'self';" in csp  # tiles are images; nothing else may reach the host


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        (None, None),
        ("/tiles/{z}/{x}/{y}.png", None),
        ("http://localhost:8080/{z}/{x}/{y}.png", "http://localhost:8080"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
    ],
)
def test_tile_origin(url: str | None, origin: str | None) -> None:
    assert tile_origin(url) == origin


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "tiles/{z}.png", "https://tile.{z}.example.org/{x}.png", "https://a;b/{z}"]
)
def test_bad_tile_url_says_what_to_give(url: str) -> None:
    with pytest.raises(IncidexError, match="--tiles"):
        tile_origin(url)
