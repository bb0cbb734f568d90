"""Tests for incidex.sources: folders, feeds (files and HTTP), web pages, and every failure.

No test reaches the internet: pages and feeds are served by a local HTTP server on 127.0.0.1,
or by an ``httpx.MockTransport``. Every place, person and outlet in the fixtures is invented.
What a fetch may reach, its deadline and its size limit are tested in test_fetch.py.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidex.errors import InputError
from incidex.reader import ReadFailure
from incidex.records import Document
from incidex.settings import Limits
from incidex.sources import USER_AGENT, iter_sources

FIXTURES = Path(__file__).parent / "fixtures"
FEEDS = FIXTURES / "feeds"

Result = Document | ReadFailure


def read(*sources: str | Path, **kwargs: object) -> list[Result]:
    # The local server is on 127.0.0.1, which fetches refuse by default (test_fetch.py).
    kwargs.setdefault("allow_private_urls", True)
    return list(iter_sources([str(s) for s in sources], **kwargs))  # type: ignore[arg-type]


def docs(results: list[Result]) -> list[Document]:
    return [r for r in results if isinstance(r, Document)]


def failures(results: list[Result]) -> list[InputError]:
    return [r.error for r in results if isinstance(r, ReadFailure)]


def only_failure(*sources: str | Path, **kwargs: object) -> InputError:
    results = read(*sources, **kwargs)
    assert len(results) == 1 and isinstance(results[0], ReadFailure), results
    return results[0].error


# ---------------------------------------------------------------------------------------------
# A local web server


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class Site:
    """A threaded HTTP server on 127.0.0.1 serving :class:`Route` s; records each request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                site.requests.append((self.path, dict(self.headers.items())))
                route = site.routes.get(self.path, Route(b"no such page", status=404))
                self.send_response(route.status)
                if route.content_type:
                    self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base's name
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that stopped reading (a failed page it gives up on) is expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    s.thread.start()
    yield s
    s.server.shutdown()
    s.server.server_close()
    s.thread.join(5)


# ---------------------------------------------------------------------------------------------
# Folders


def test_folder_with_mixed_files_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "feeds").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b.txt").write_text("Gunmen killed 3 people.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("A bomb exploded.", encoding="utf-8")
    (tmp_path / "sub" / "batch.jsonl").write_text(
        '{"doc_id": "j1", "text": "First line."}\n{"doc_id": "j2", "text": "Second line."}\n',
        encoding="utf-8",
    )
    shutil.copy(FIXTURES / "article.html", tmp_path / "sub" / "page.HTM")
    shutil.copy(FEEDS / "wire.atom", tmp_path / "feeds" / "wire.atom")
    shutil.copy(FEEDS / "broken.rss", tmp_path / "z-broken.rss")
    (tmp_path / "notes.md").write_text("not read", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("not read", encoding="utf-8")
    (tmp_path / ".git" / "HEAD.txt").write_text("not read", encoding="utf-8")

    results = read(tmp_path, published=dt.date(2024, 5, 8))

    assert [(r.doc_id if isinstance(r, Document) else "FAIL") for r in results] == [
        "a",
        "b",
        "feed:926b1ed1e8339233",
        "feed:f8ed209f513bf951",
        "feed:5c36e823c7c3b7a1",
        "j1",
        "j2",
        "page",
        "FAIL",
    ]
    a, b = docs(results)[:2]
    assert a.source == str(tmp_path / "a.txt") and a.published == dt.date(2024, 5, 8)
    assert docs(results)[-1].title == "Gunmen attack market in Fictionville"
    (error,) = failures(results)
    assert error.source == str(tmp_path / "z-broken.rss") and "malformed feed XML" in error.reason


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("not read", encoding="utf-8")
    error = only_failure(tmp_path)
    assert error.reason.startswith("the folder has no files to read (.atom .htm .html .jsonl")


def test_files_and_folders_mix_with_stdin(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("From a file.", encoding="utf-8")
    results = read(tmp_path / "a.txt", "-", stdin=io.BytesIO(b"From stdin."))
    assert [(d.doc_id, d.text) for d in docs(results)] == [("a", "From a file."), ("stdin", "From stdin.")]


# ---------------------------------------------------------------------------------------------
# Feed files


def test_rss_feed_file() -> None:
    path = FEEDS / "wire.rss"
    results = read(path, published=dt.date(2000, 1, 1))
    first, second = docs(results)
    assert first == Document(
        doc_id="feed:767860eb028a6583",
        text=(
            "Gunmen opened fire at a crowded market in the fictional town of Fictionville on Tuesday, "
            "killing seven people, police said.\n"
            "No group has claimed responsibility & the market was closed."
        ),
        published=dt.date(2019, 3, 5),  # the date where it was published (+0500), not UTC's
        url="https://news.example.org/world/fictionville-market-attack",
        title="Gunmen attack market in Fictionville",
        source=str(path),
    )
    # Escaped HTML in <description>, a Dublin Core date, a link relative to the channel's.
    assert second.text == (
        "A roadside bomb wounded three soldiers near Exampletown.\nThe army blamed the Imaginary Front."
    )
    assert second.title == "Bomb & blast in Exampletown"
    assert second.published == dt.date(2019, 3, 6)
    assert second.url == "https://news.example.org/world/exampletown-blast"
    (error,) = failures(results)
    assert str(error) == (
        f"{path} (doc_id 'feed:f3fda1aca6ca8f34'): a feed item with no text (no content or "
        "description); use follow_links to fetch the linked article"
    )


def test_atom_feed_file() -> None:
    path = FEEDS / "wire.atom"
    results = read(path)
    assert not failures(results)
    clashes, ambush, curfew = docs(results)
    assert clashes == Document(
        doc_id="feed:926b1ed1e8339233",
        text="Police and protesters clashed in Mockford on Wednesday.\nTwo officers were hurt.",
        published=dt.date(2019, 3, 6),  # <published> wins over <updated>
        url="https://wire.example.net/stories/101",  # resolved against xml:base
        title="Clashes in Mockford",
        source=str(path),
    )
    assert ambush.text == "Armed men ambushed a convoy on the Sampleton road.\nFour drivers were killed."
    assert ambush.published == dt.date(2019, 3, 7)
    assert ambush.url == "https://wire.example.net/stories/102"
    assert curfew.text == "Authorities lifted the curfew\nin Testburg."
    assert curfew.published == dt.date(2019, 3, 7)


def test_feed_ids_are_stable() -> None:
    assert [d.doc_id for d in docs(read(FEEDS / "wire.rss"))] == [
        d.doc_id for d in docs(read(FEEDS / "wire.rss"))
    ]


def test_a_feed_is_sniffed_whatever_its_name(tmp_path: Path) -> None:
    path = tmp_path / "latest"
    path.write_bytes(b"\xef\xbb\xbf" + (FEEDS / "wire.atom").read_bytes())
    assert len(docs(read(path))) == 3
    bare = tmp_path / "feed.php"
    bare.write_bytes(
        b"\n<!-- saved -->\n<rss><channel><item><description>Hi.</description></item></channel></rss>"
    )
    assert [d.text for d in docs(read(bare))] == ["Hi."]


def test_a_permalink_guid_is_the_link(tmp_path: Path) -> None:
    path = tmp_path / "guid.rss"
    path.write_text(
        "<rss><channel>"
        "<item><guid>https://a.example/1</guid><description>One.</description></item>"
        '<item><guid isPermaLink="false">https://a.example/2</guid><description>Two.</description></item>'
        "</channel></rss>",
        encoding="utf-8",
    )
    assert [d.url for d in docs(read(path))] == ["https://a.example/1", None]


def test_rss_1_0_feed(tmp_path: Path) -> None:
    path = tmp_path / "rdf.rdf"
    path.write_text(
        """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://old.example.com/"><title>Old</title></channel>
  <item rdf:about="https://old.example.com/1">
    <title>Raid in Placeholder</title><link>https://old.example.com/1</link>
    <description>Troops raided a village.</description><dc:date>2019-03-08</dc:date>
  </item>
</rdf:RDF>""",
        encoding="utf-8",
    )
    (doc,) = read(path)
    assert isinstance(doc, Document)
    assert (doc.title, doc.url, doc.text, doc.published) == (
        "Raid in Placeholder",
        "https://old.example.com/1",
        "Troops raided a village.",
        dt.date(2019, 3, 8),
    )


def test_malformed_feed_xml() -> None:
    error = only_failure(FEEDS / "broken.rss")
    assert error.reason == (
        "malformed feed XML (mismatched tag at line 8, column 5); "
        "the feed is broken: tell its publisher, or save it and fix the XML"
    )


def test_xml_that_is_not_a_feed(tmp_path: Path) -> None:
    path = tmp_path / "sitemap.xml"
    path.write_text('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url/></urlset>')
    error = only_failure(path)
    assert "XML but not an RSS or Atom feed (its root element is <urlset>)" in error.reason


def test_feed_file_over_the_size_limit() -> None:
    error = only_failure(FEEDS / "wire.rss", limits=Limits(fetch_bytes=1000))
    assert error.reason == "larger than the 1 kB limit for a feed; split it or raise Limits.fetch_bytes"


def test_missing_feed_file(tmp_path: Path) -> None:
    assert only_failure(tmp_path / "gone.rss").reason == "no such file; check the path"


def test_feed_with_external_entity_reads_no_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    path = tmp_path / "evil.rss"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<rss><channel><item><title>t</title><description>&x;</description></item></channel></rss>",
        encoding="utf-8",
    )
    error = only_failure(path)
    assert error.reason.startswith("malformed feed XML (undefined entity &x; at line 1")


def test_feed_with_an_entity_bomb(tmp_path: Path) -> None:
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    path = tmp_path / "bomb.rss"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]>'
        "<rss><channel><item><description>&a9;</description></item></channel></rss>",
        encoding="utf-8",
    )
    assert "limit on input amplification factor" in only_failure(path).reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.binary(max_size=400),
        st.text(max_size=400).map(lambda t: ("<rss><channel><item>" + t).encode("utf-8", "surrogatepass")),
        st.text(max_size=400).map(
            lambda t: ('<feed xmlns="http://www.w3.org/2005/Atom"><entry>' + t).encode(
                "utf-8", "surrogatepass"
            )
        ),
    )
)
def test_any_bytes_give_documents_or_failures_never_an_exception(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.rss"
    path.write_bytes(data)
    for result in read(path):
        assert isinstance(result, (Document, ReadFailure))


# ---------------------------------------------------------------------------------------------
# Feeds and pages over HTTP


def test_feed_over_http(site: Site) -> None:
    site.routes["/world.rss"] = Route((FEEDS / "wire.rss").read_bytes(), content_type="text/xml")
    site.routes["/wire"] = Route((FEEDS / "wire.atom").read_bytes(), content_type="application/atom+xml")
    url = site.url("/world.rss")
    results = read(url, site.url("/wire"))
    assert [d.source for d in docs(results)] == [url] * 2 + [site.url("/wire")] * 3
    # The same items have the same ids wherever the feed was read from.
    assert [d.doc_id for d in docs(results)] == [
        d.doc_id for d in docs(read(FEEDS / "wire.rss", FEEDS / "wire.atom"))
    ]
    assert len(failures(results)) == 1  # the headline-only item
    assert site.paths() == ["/world.rss", "/wire"], "linked articles are not fetched by default"
    assert {headers["User-Agent"] for _, headers in site.requests} == {USER_AGENT}
    assert USER_AGENT.startswith("incidex/") and USER_AGENT.endswith("(+https://example.invalid/incidex)")


def test_web_page(site: Site) -> None:
    site.routes["/old"] = Route(status=301, headers={"Location": "/news/story"})
    site.routes["/news/story"] = Route((FIXTURES / "article.html").read_bytes())
    url = site.url("/old")
    (doc,) = read(url)
    assert isinstance(doc, Document)
    assert doc.source == url
    assert doc.url == site.url("/news/story")
    assert doc.doc_id.startswith("web:") and len(doc.doc_id) == 20
    assert doc.title == "Gunmen attack market in Fictionville"
    assert doc.published == dt.date(2019, 3, 4)
    assert "killing seven people and wounding twelve others" in doc.text
    for furniture in ("Weather", "Copyright", "Related stories", "cookies"):
        assert furniture not in doc.text
    (again,) = read(site.url("/news/story"), published=dt.date(2020, 1, 2))
    assert isinstance(again, Document)
    assert again.doc_id == doc.doc_id, "the id comes from the final URL"
    assert again.published == dt.date(2020, 1, 2), "the argument wins, as for HTML files"


def test_web_page_in_a_declared_charset(site: Site) -> None:
    page = (
        (FIXTURES / "article.html").read_text(encoding="utf-8").replace("Fictionville on", "Fictionvillé on")
    )
    site.routes["/latin"] = Route(page.encode("cp1252"), content_type="text/html; charset=windows-1252")
    (doc,) = read(site.url("/latin"))
    assert isinstance(doc, Document) and "Fictionvillé on Tuesday" in doc.text


def test_plain_text_url(site: Site) -> None:
    site.routes["/wire.txt"] = Route(b"Gunmen killed 3 people.\r\nPolice said.", content_type="text/plain")
    (doc,) = read(site.url("/wire.txt"))
    assert isinstance(doc, Document) and doc.text == "Gunmen killed 3 people.\nPolice said."


def test_page_without_article_text(site: Site) -> None:
    site.routes["/nav"] = Route((FIXTURES / "nav_only.html").read_bytes())
    error = only_failure(site.url("/nav"))
    assert error.reason.startswith("no article text found on the page")


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (404, "HTTP 404 Not Found: the page does not exist; check the URL"),
        (403, "HTTP 403 Forbidden: the server refused access"),
        (429, "HTTP 429 Too Many Requests: rate limited by the server; wait and try again later"),
        (503, "HTTP 503 Service Unavailable: the server failed; try again later"),
    ],
)
def test_http_errors(site: Site, status: int, reason: str) -> None:
    site.routes["/x"] = Route(b"error page", status=status)
    url = site.url("/x")
    error = only_failure(url)
    assert error.source == url and error.reason.startswith(reason)


def test_http_error_does_not_stop_the_run(site: Site) -> None:
    site.routes["/ok.txt"] = Route(b"Fine.", content_type="text/plain")
    results = read(site.url("/missing"), site.url("/ok.txt"))
    assert isinstance(results[0], ReadFailure) and isinstance(results[1], Document)


def test_not_text(site: Site) -> None:
    site.routes["/photo.png"] = Route(b"\x89PNG\r\n\x1a\n\x00\x00", content_type="image/png")
    error = only_failure(site.url("/photo.png"))
    assert error.reason.startswith("not a web page or feed (Content-Type image/png)")


def test_binary_without_a_content_type(site: Site) -> None:
    site.routes["/blob"] = Route(b"\x00\x01\x02binary", content_type=None)
    assert "binary data, not text" in only_failure(site.url("/blob")).reason


def test_malformed_feed_over_http(site: Site) -> None:
    site.routes["/broken.rss"] = Route(
        (FEEDS / "broken.rss").read_bytes(), content_type="application/rss+xml"
    )
    error = only_failure(site.url("/broken.rss"))
    assert error.reason.startswith("malformed feed XML (mismatched tag at line 8, column 5)")


def test_xml_response_that_is_not_a_feed(site: Site) -> None:
    site.routes["/sitemap.xml"] = Route(b"<urlset><url/></urlset>", content_type="application/xml")
    assert "XML but not an RSS or Atom feed" in only_failure(site.url("/sitemap.xml")).reason


def test_follow_links(site: Site, caplog: pytest.LogCaptureFixture) -> None:
    feed = (FEEDS / "follow.rss").read_text(encoding="utf-8").replace("{base}", site.base)
    site.routes["/feed.rss"] = Route(feed.encode(), content_type="application/rss+xml")
    site.routes["/articles/market"] = Route((FEEDS / "market.html").read_bytes())
    caplog.set_level(logging.WARNING, logger="incidex.sources")

    results = read(site.url("/feed.rss"), follow_links=True)

    market, gone = docs(results)
    assert "killing seven people and wounding twelve others" in market.text
    assert "Teaser" not in market.text
    assert market.title == "Attack on Fictionville market"
    assert market.published == dt.date(2019, 3, 6), "the item's date wins over the page's"
    assert market.url == site.url("/articles/market")
    assert market.source == site.url("/feed.rss")
    assert gone.text == "Teaser kept when the page cannot be fetched."
    assert "HTTP 404 Not Found" in caplog.text and "keeping the feed item's own text" in caplog.text
    (error,) = failures(results)
    assert error.source == site.url("/articles/also-gone")
    assert error.doc_id is not None and error.doc_id.startswith("feed:")
    assert error.reason.startswith("HTTP 404 Not Found")
    assert site.paths() == ["/feed.rss", "/articles/market", "/articles/gone", "/articles/also-gone"]
    # Ids do not depend on following: they come from the items.
    assert [d.doc_id for d in docs(results)] == [d.doc_id for d in docs(read(site.url("/feed.rss")))]


# ---------------------------------------------------------------------------------------------
# Clients and transport errors


def mock_client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_a_given_client_is_used_and_left_open() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="Plain report.", headers={"Content-Type": "text/plain"})

    with mock_client(handler) as client:
        (doc,) = read("https://example.com/a.txt", client=client)
        assert not client.is_closed
    assert isinstance(doc, Document) and doc.text == "Plain report."
    assert seen[0].headers["User-Agent"] == USER_AGENT


def test_unsupported_url_scheme() -> None:
    assert only_failure("ftp://example.com/feed.xml").reason.startswith("unsupported URL scheme")
