"""Tests for incidex.fetch: what a fetch may reach, its one deadline, its size limit, and
failures that do not map the network.

Servers are real, on loopback addresses (127.0.0.1, and 127.0.0.2 for "the internal host"),
speaking raw HTTP over sockets so that they can trickle headers; each runs in daemon threads
and stops trickling by itself (after ``TRICKLE_CAP`` seconds or when the client hangs up).
Public addresses are simulated offline with a resolver stub and a guard that treats 127.0.0.1
as allowed: nothing here reaches the internet or a real DNS server.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from incidex.fetch import (
    ANY_ADDRESS,
    PUBLIC_ONLY,
    AddressGuard,
    AddressRefused,
    Fetcher,
    GuardedTransport,
    Response,
    internal_kind,
    literal_address,
)
from incidex.reader import ReadFailure
from incidex.records import Document
from incidex.settings import Limits
from incidex.sources import iter_sources

#: Seconds a trickling server goes on before it gives up by itself.
TRICKLE_CAP = 15.0
#: A deadline short enough for fast tests, long enough for a slow, shared machine to fetch
#: a small page well within it.
DEADLINE = Limits(fetch_seconds=1.5)
#: Tests that time a cut-off fetch allow this much: far above DEADLINE (so that a loaded
#: machine passes), far below what the trickling servers would take without the deadline.
GENEROUS = 8.0

SUFFIX = "incidex fetches public addresses only (to allow internal ones: incidex ingest --allow-private-urls)"


# ---------------------------------------------------------------------------------------------
# A raw local HTTP server


@dataclass
class Reply:
    """What the server sends for one path."""

    status: str = "200 OK"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/plain"})
    body: bytes = b"Gunmen attacked a market in Fictionville on Tuesday."
    raw: bytes | None = None  # sent as is instead of an HTTP response (a service that is not HTTP)
    trickle: str = ""  # "head" or "body": send that part one byte every ``every`` seconds
    every: float = 0.25
    length: bool = True  # send Content-Length (else the body ends when the connection closes)


class Server:
    """A threaded server on ``host`` that answers GETs from ``replies`` and counts connections."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.replies: dict[str, Reply] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.connections = 0
        site = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                site.connections += 1
                sock: socket.socket = self.request
                sock.settimeout(5)
                head = b""
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    data = sock.recv(4096)
                    if not data:
                        return
                    head += data
                lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
                site.requests.append((path, headers))
                site.answer(sock, site.replies.get(path, Reply("404 Not Found", body=b"no such page")))

        class TCPServer(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that gave up (deadline, size limit) is expected here

        self.server = TCPServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    @staticmethod
    def answer(sock: socket.socket, reply: Reply) -> None:
        if reply.raw is not None:
            sock.sendall(reply.raw)
            return
        headers = dict(reply.headers)
        if reply.length:
            headers["Content-Length"] = str(len(reply.body))
        head = f"HTTP/1.1 {reply.status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head_bytes = (head + "Connection: close\r\n\r\n").encode("latin-1")
        for part, name in ((head_bytes, "head"), (reply.body, "body")):
            if reply.trickle == name:
                Server.trickle(sock, part, reply.every)
            else:
                sock.sendall(part)

    @staticmethod
    def trickle(sock: socket.socket, data: bytes, every: float) -> None:
        stop = time.monotonic() + TRICKLE_CAP
        for i in range(len(data)):
            if time.monotonic() > stop:
                return
            sock.sendall(data[i : i + 1])  # raises once the client has hung up: the thread ends
            time.sleep(every)


@pytest.fixture
def servers() -> Iterator[Callable[[str], Server]]:
    """Starts servers on the given loopback addresses; stops them all after the test."""
    started: list[Server] = []

    def start(host: str = "127.0.0.1") -> Server:
        server = Server(host)
        server.thread.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.server.shutdown()
        server.server.server_close()
        server.thread.join(5)


@pytest.fixture
def server(servers: Callable[[str], Server]) -> Server:
    return servers("127.0.0.1")


def stub(
    names: dict[str, Sequence[str]], calls: list[str] | None = None
) -> Callable[[str, int], Sequence[str]]:
    """A resolver that knows only ``names`` (and records each lookup in ``calls``)."""

    def resolve(host: str, port: int) -> Sequence[str]:
        if calls is not None:
            calls.append(host)
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return names[host]

    return resolve


#: "Public" for these tests: 127.0.0.1 stands in for a host on the internet.
LOOPBACK_1 = (ipaddress.ip_network("127.0.0.1/32"),)


def guard(names: dict[str, Sequence[str]], calls: list[str] | None = None) -> AddressGuard:
    return AddressGuard(allow=LOOPBACK_1, resolver=stub(names, calls))


def get(url: str, *, guard: AddressGuard = PUBLIC_ONLY, limits: Limits = DEADLINE) -> Response | ReadFailure:
    with Fetcher(limits=limits, guard=guard) as fetcher:
        return fetcher.get(url)


def reason(result: Response | ReadFailure) -> str:
    assert isinstance(result, ReadFailure), result
    return result.error.reason


# ---------------------------------------------------------------------------------------------
# Internal addresses, in every form a URL can write them


def loopback_forms(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/",
        f"http://2130706433:{port}/",  # decimal
        f"http://0177.1:{port}/",  # octal, short form
        f"http://0x7f.1:{port}/",  # hex, short form
        f"http://0x7F.0.0.1:{port}/",
        f"http://127.1:{port}/",
        f"http://127.0.0.1.:{port}/",  # trailing dot
        f"http://example.org@127.0.0.1:{port}/",  # userinfo: the host is 127.0.0.1
        f"http://localhost:{port}/",
        f"http://LOCALHOST.:{port}/",
        f"http://news.localhost:{port}/",
        f"https://127.0.0.1:{port}/",
    ]


def test_loopback_in_every_form_is_refused_and_never_connected(server: Server) -> None:
    for url in loopback_forms(server.port):
        results = list(iter_sources([url]))
        assert len(results) == 1 and isinstance(results[0], ReadFailure), (url, results)
        error = results[0].error
        assert error.source == url
        assert error.reason.startswith("refused: ") and "a loopback address" in error.reason, url
        assert error.reason.endswith(SUFFIX)
    assert server.connections == 0, "a refused address is never connected to"


def test_the_refusal_names_the_host_and_the_address(server: Server) -> None:
    port = server.port
    assert reason(get(f"http://2130706433:{port}/")) == (
        f"refused: 2130706433 is a loopback address (127.0.0.1); {SUFFIX}"
    )
    assert reason(get(f"http://127.0.0.1:{port}/")) == f"refused: 127.0.0.1 is a loopback address; {SUFFIX}"
    assert reason(get(f"http://localhost:{port}/")) == (
        f"refused: localhost resolves to a loopback address (127.0.0.1); {SUFFIX}"
    )


def test_the_loopback_forms_do_reach_the_server_when_allowed(server: Server) -> None:
    """The forms above are refused for what they are: allowed, each one fetches the page
    (``localhost`` and ``https`` aside: the system's resolver, and no TLS on the server)."""
    server.replies["/"] = Reply()
    for url in loopback_forms(server.port):
        if "localhost" in url.lower() or url.startswith("https"):
            continue
        result = get(url, guard=ANY_ADDRESS)
        assert isinstance(result, Response) and result.content.startswith(b"Gunmen"), (url, result)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),  # IPv4-mapped
        ("http://[::ffff:7f00:1]/", "loopback"),
        ("http://[::127.0.0.1]/", "loopback"),  # IPv4-compatible
        ("http://[64:ff9b::a00:5]/", "private"),  # NAT64 of 10.0.0.5
        ("http://[2002:a00:5::]/", "private"),  # 6to4 of 10.0.0.5
        ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "loopback"),  # Teredo, client 127.0.0.1
        ("http://[fe80::1%25eth0]/", "link-local"),
        ("http://[fd00::5]/", "private"),
        ("http://[ff02::1]/", "multicast"),
        ("http://[::]/", "unspecified"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://0/", "unspecified"),
        ("http://10.0.0.5/", "private"),
        ("http://0xa000005/", "private"),
        ("http://172.16.3.4/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),  # cloud metadata
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://255.255.255.255/", "reserved"),
        ("http://192.0.2.10/", "reserved"),
        ("http://%31%30.0.0.5/", "private"),  # percent-escaped digits
    ],
)
def test_internal_address_forms_are_refused(url: str, kind: str) -> None:
    """Refused before anything is resolved or connected: no stub knows a name here."""
    text = reason(get(url, guard=AddressGuard(resolver=stub({}))))
    assert text.startswith("refused: ") and f" {kind} address" in text, text


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.0.0.5", "private"),
        ("172.31.255.255", "private"),
        ("192.168.0.1", "private"),
        ("127.0.0.53", "loopback"),
        ("169.254.0.1", "link-local"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("0.1.2.3", "unspecified"),
        ("198.18.0.1", "reserved"),
        ("203.0.113.9", "reserved"),
        ("239.255.255.250", "multicast"),
        ("fc00::1", "private"),
        ("fec0::1", "private"),
        ("64:ff9b:1::1", "private"),
        ("fe80::abcd", "link-local"),
        ("ff05::2", "multicast"),
        ("2001:db8::1", "reserved"),
        ("::ffff:192.168.0.1", "private"),
        ("::ffff:0:a00:1", "private"),  # IPv4-translated
        ("8.8.8.8", None),
        ("1.1.1.1", None),
        ("2606:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("2002:808:808::", None),  # 6to4 of a public address
        ("64:ff9b::808:808", None),  # NAT64 of a public address
    ],
)
def test_internal_kind(address: str, kind: str | None) -> None:
    assert internal_kind(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("10.0.0.5", "10.0.0.5"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("example.org", None),
        ("256.1.1.1", None),
        ("1.2.3.4.5", None),
        ("08.1", None),  # not octal: a name
        ("0x7g.1", None),
        ("1e3", None),
        ("news.example.", None),
    ],
)
def test_literal_address(host: str, address: str | None) -> None:
    found = literal_address(host)
    assert (str(found) if found is not None else None) == address


# ---------------------------------------------------------------------------------------------
# Names are checked on what they resolve to, once, and the connection goes there


def test_a_name_resolving_to_a_private_address_is_refused() -> None:
    result = get(
        "http://intranet.test/wiki", guard=AddressGuard(resolver=stub({"intranet.test": ["10.0.0.5"]}))
    )
    assert reason(result) == f"refused: intranet.test resolves to a private address (10.0.0.5); {SUFFIX}"


def test_every_address_of_a_name_is_checked(server: Server) -> None:
    """One internal address among public ones refuses the name: which one a connection would
    use is the resolver's choice, not the fetcher's."""
    names = {"mixed.test": ["127.0.0.1", "192.168.7.7"]}
    assert "192.168.7.7" in reason(get(f"http://mixed.test:{server.port}/", guard=guard(names)))
    assert server.connections == 0


def test_the_connection_goes_to_the_checked_address_and_keeps_the_name(server: Server) -> None:
    """DNS rebinding: a second lookup could answer with an internal address; there is none.
    The host name still goes in the Host header (and would go in TLS SNI)."""
    server.replies["/story"] = Reply()
    calls: list[str] = []
    answers = iter([["127.0.0.1"], ["127.0.0.2"]])

    def rebinding(host: str, port: int) -> Sequence[str]:
        calls.append(host)
        return next(answers)

    result = get(
        f"http://news.test:{server.port}/story", guard=AddressGuard(allow=LOOPBACK_1, resolver=rebinding)
    )
    assert isinstance(result, Response) and result.url == f"http://news.test:{server.port}/story"
    assert calls == ["news.test"], "resolved once, for the connection it checked"
    assert server.requests[0][1]["Host"] == f"news.test:{server.port}"


def test_an_unknown_host_name() -> None:
    result = get("http://nowhere.test/", guard=AddressGuard(resolver=stub({})))
    assert (
        reason(result)
        == "the host name nowhere.test does not resolve (Name or service not known); check the URL"
    )


# ---------------------------------------------------------------------------------------------
# Redirects: every hop is checked


def test_a_redirect_to_an_internal_host_is_refused(servers: Callable[[str], Server]) -> None:
    public, internal = servers("127.0.0.1"), servers("127.0.0.2")
    internal.replies["/secret"] = Reply(body=b"internal only")
    names = {"news.test": ["127.0.0.1"], "intranet.test": ["127.0.0.2"]}
    targets = {
        "/to-ip": f"http://127.0.0.2:{internal.port}/secret",
        "/to-decimal": f"http://2130706434:{internal.port}/secret",
        "/to-name": f"http://intranet.test:{internal.port}/secret",
        "/to-metadata": "http://169.254.169.254/latest/meta-data/",
    }
    for path, target in targets.items():
        public.replies[path] = Reply("302 Found", headers={"Location": target}, body=b"")
        url = f"http://news.test:{public.port}{path}"
        text = reason(get(url, guard=guard(names)))
        assert text.startswith(f"refused: it redirects to {target}, and ") and text.endswith(SUFFIX), text
    assert public.paths() == list(targets), "each first hop was fetched"
    assert internal.connections == 0, "no redirect reached the internal host"


def test_a_redirect_to_another_scheme_is_refused(server: Server) -> None:
    server.replies["/file"] = Reply("302 Found", headers={"Location": "file:///etc/passwd"}, body=b"")
    text = reason(get(server.url("/file"), guard=ANY_ADDRESS))
    assert text.startswith("refused: it redirects to file:") and "not an http(s) URL" in text


def test_only_http_and_https() -> None:
    assert (
        reason(get("ftp://news.example.com/feed.xml"))
        == "unsupported URL scheme; give an http:// or https:// URL"
    )


def test_a_redirect_chain_between_public_hosts_is_followed(server: Server) -> None:
    server.replies["/a"] = Reply("301 Moved Permanently", headers={"Location": "/b"}, body=b"")
    server.replies["/b"] = Reply(
        "302 Found", headers={"Location": f"http://news.test:{server.port}/c"}, body=b""
    )
    server.replies["/c"] = Reply()
    result = get(f"http://news.test:{server.port}/a", guard=guard({"news.test": ["127.0.0.1"]}))
    assert isinstance(result, Response) and result.url == f"http://news.test:{server.port}/c"


def test_a_redirect_loop_stops_at_the_limit(server: Server) -> None:
    server.replies["/loop"] = Reply("302 Found", headers={"Location": "/loop"}, body=b"")
    text = reason(get(server.url("/loop"), guard=ANY_ADDRESS, limits=Limits(fetch_redirects=3)))
    assert text.startswith("more than 3 redirects (a redirect loop?)")
    assert server.paths() == ["/loop"] * 4


# ---------------------------------------------------------------------------------------------
# A client the caller gives


def mock_client(seen: list[str], routes: dict[str, httpx.Response]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return routes.get(str(request.url), httpx.Response(404))

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_a_given_client_still_refuses_hosts_written_as_internal_addresses() -> None:
    seen: list[str] = []
    routes = {"https://news.example.com/a": httpx.Response(302, headers={"Location": "http://0xa9fea9fe/"})}
    with mock_client(seen, routes) as client, Fetcher(client) as fetcher:
        assert reason(fetcher.get("http://2130706433/")).startswith("refused: 2130706433 is a loopback")
        text = reason(fetcher.get("https://news.example.com/a"))
    assert text.startswith("refused: it redirects to http://0xa9fea9fe/, and 0xa9fea9fe is a link-local")
    assert seen == ["https://news.example.com/a"], "the refused hosts never reached the transport"


def test_a_given_client_with_the_guarded_transport_checks_names() -> None:
    transport = GuardedTransport(AddressGuard(resolver=stub({"intranet.test": ["fd12::3"]})))
    with httpx.Client(transport=transport) as client:
        with pytest.raises(AddressRefused, match=r"intranet.test resolves to a private address \(fd12::3\)"):
            client.get("http://intranet.test/")
        with Fetcher(client) as fetcher:
            assert reason(fetcher.get("http://intranet.test/")).startswith("refused: intranet.test resolves")


# ---------------------------------------------------------------------------------------------
# One deadline, from the first connection to the last byte


def timed(url: str, guard: AddressGuard = ANY_ADDRESS) -> tuple[str, float]:
    start = time.monotonic()
    text = reason(get(url, guard=guard))
    return text, time.monotonic() - start


TIMED_OUT = (
    "timed out: not complete after 1.5 s, the limit for one fetch (connecting, redirects, headers "
    "and body); try again later"
)


def test_a_server_trickling_its_headers_is_cut_at_the_deadline(server: Server) -> None:
    # 200 header bytes a quarter-second apart: 50 s, each read far within any read timeout.
    server.replies["/slow-head"] = Reply(
        headers={"Content-Type": "text/plain", "X-Pad": "p" * 150}, trickle="head"
    )
    text, elapsed = timed(server.url("/slow-head"))
    assert text == TIMED_OUT
    assert elapsed < GENEROUS


def test_a_server_trickling_its_body_is_cut_at_the_deadline(server: Server) -> None:
    server.replies["/slow-body"] = Reply(body=b"x" * 200, trickle="body")
    text, elapsed = timed(server.url("/slow-body"))
    assert text == TIMED_OUT
    assert elapsed < GENEROUS


def test_the_deadline_spans_redirects(server: Server) -> None:
    """Each hop is quick to start but trickles its headers for most of the deadline; the
    fetch ends when the whole has taken the deadline, not after each hop's own."""
    # About 80 header bytes 5 ms apart: some 0.4 s a hop, 4 s for the redirect limit's worth.
    server.replies["/hop"] = Reply(
        "302 Found", headers={"Location": "/hop"}, body=b"", trickle="head", every=0.005
    )
    text, elapsed = timed(server.url("/hop"))
    assert text == TIMED_OUT
    assert elapsed < GENEROUS
    assert 2 <= len(server.paths()) <= 10, "it followed some hops, not the redirect limit's worth"


def test_a_silent_server_times_out(server: Server) -> None:
    server.replies["/silent"] = Reply(trickle="head", every=TRICKLE_CAP)  # one byte, then silence
    text, elapsed = timed(server.url("/silent"))
    assert text == TIMED_OUT
    assert elapsed < GENEROUS


def test_a_slow_dns_answer_counts_against_the_deadline() -> None:
    def slow(host: str, port: int) -> Sequence[str]:
        time.sleep(TRICKLE_CAP)  # the lookup thread is left to finish by itself
        return ["127.0.0.1"]

    text, elapsed = timed("http://slow-dns.test/", guard=AddressGuard(allow=LOOPBACK_1, resolver=slow))
    assert text == TIMED_OUT
    assert elapsed < GENEROUS


def test_a_server_trickling_its_tls_handshake_is_cut_at_the_deadline() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(TRICKLE_CAP)

    def serve() -> None:
        with listener, contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:  # a TLS record header, then its 255 bytes one at a time
                Server.trickle(conn, b"\x16\x03\x03\x00\xff" + b"\x02" * 255, 0.25)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    text, elapsed = timed(f"https://127.0.0.1:{listener.getsockname()[1]}/")
    assert text == TIMED_OUT
    assert elapsed < GENEROUS
    thread.join(GENEROUS)


# ---------------------------------------------------------------------------------------------
# The size limit


def test_too_large_while_streaming(server: Server) -> None:
    server.replies["/big"] = Reply(body=b"x" * 50_000, length=False)
    result = get(server.url("/big"), guard=ANY_ADDRESS, limits=Limits(fetch_bytes=10_000))
    assert reason(result) == (
        "larger than the 10 kB download limit; save the article's text to a file, or raise Limits.fetch_bytes"
    )


def test_too_large_by_its_content_length(server: Server) -> None:
    server.replies["/big"] = Reply(body=b"x" * 20_000)
    result = get(server.url("/big"), guard=ANY_ADDRESS, limits=Limits(fetch_bytes=10_000))
    assert "larger than the 10 kB download limit (20 kB)" in reason(result)


def test_within_the_limits(server: Server) -> None:
    server.replies["/page"] = Reply(
        body=b"y" * 10_000, headers={"Content-Type": "text/html; charset=latin-1"}
    )
    result = get(server.url("/page"), guard=ANY_ADDRESS, limits=Limits(fetch_bytes=10_000))
    assert isinstance(result, Response)
    assert (len(result.content), result.media, result.charset) == (10_000, "text/html", "latin-1")


# ---------------------------------------------------------------------------------------------
# Failures that do not tell an open port from a closed one


COULD_NOT_CONNECT = (
    "could not connect, or no HTTP answer; check the host and port in the URL and the network "
    "connection, or try again later (incidex -v logs the network's error)"
)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_closed_open_and_not_http_ports_fail_alike(server: Server) -> None:
    server.replies["/ssh"] = Reply(raw=b"SSH-2.0-OpenSSH_9.6\r\n")  # a service that is not HTTP
    server.replies["/hangup"] = Reply(raw=b"")  # accepts, then closes
    urls = [f"http://127.0.0.1:{closed_port()}/", server.url("/ssh"), server.url("/hangup")]
    assert [reason(get(url, guard=ANY_ADDRESS)) for url in urls] == [COULD_NOT_CONNECT] * 3


def test_a_given_clients_connect_errors_are_not_passed_on() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(refused)) as client, Fetcher(client) as fetcher:
        assert reason(fetcher.get("https://news.example.com/")) == COULD_NOT_CONNECT


# ---------------------------------------------------------------------------------------------
# The API and the CLI


def test_the_api_refuses_internal_urls(server: Server, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from incidex.api import create_app
    from incidex.store import open_store

    server.replies["/admin"] = Reply(body=b"Gunmen killed 3 people in Kano on Monday, police said.")
    db = tmp_path / "api.db"
    with open_store(db) as store:
        token = store.create_token("desk")
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(str(db))) as client:
        for url in (server.url("/admin"), f"http://2130706433:{server.port}/admin"):
            resp = client.post("/documents", json={"url": url, "published": "2024-05-08"}, headers=auth)
            assert resp.status_code == 400, resp.text
            assert "refused: " in json.dumps(resp.json())
    assert server.connections == 0


def test_the_cli_fetches_internal_urls_only_when_allowed(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    from incidex.cli import main

    server.replies["/wire.txt"] = Reply(body=b"Gunmen killed 3 people in Kano on Monday, police said.")
    db = str(tmp_path / "cli.db")
    url = server.url("/wire.txt")
    assert main(["ingest", url, "--db", db, "--no-extract"]) == 1
    assert f"{url}: refused: 127.0.0.1 is a loopback address" in capsys.readouterr().err
    assert server.connections == 0
    assert main(["ingest", url, "--db", db, "--no-extract", "--allow-private-urls"]) == 0
    assert server.paths() == ["/wire.txt"]


def test_iter_sources_fetches_with_the_guard_and_limits(server: Server) -> None:
    server.replies["/wire.txt"] = Reply()
    url = server.url("/wire.txt")
    (refused,) = iter_sources([url])
    (fetched,) = iter_sources([url], allow_private_urls=True, limits=DEADLINE)
    assert isinstance(refused, ReadFailure) and isinstance(fetched, Document)
    assert fetched.text.startswith("Gunmen") and server.paths() == ["/wire.txt"]
