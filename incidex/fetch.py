"""Fetching: GET a web page or feed from a public address, within a deadline and a size limit.

Needs: an http(s) URL. Sets: a :class:`Response` (the final URL, the body, its media type and
charset), or a :class:`~incidex.reader.ReadFailure` naming the URL and saying what to do.

A URL comes from whoever wrote a feed or called ``POST /documents``, so a fetch must neither
reach the network it runs in (server-side request forgery) nor hold a run or a server thread
for longer than its deadline. With incidex's own client (the default) the :class:`Fetcher`
guarantees:

* **Public addresses only.** A host name is resolved once; every address it resolves to must be
  public (:func:`internal_kind` lists what is not: loopback, private, carrier-grade NAT,
  link-local, multicast, unspecified, reserved and documentation ranges, and IPv6 forms that
  embed such an IPv4 address: IPv4-mapped and -compatible, 6to4, Teredo, NAT64), else nothing is
  connected at all. The connection goes to an address that was checked while the Host header,
  TLS SNI and the certificate check keep the name, so a DNS answer that changes after the check
  (DNS rebinding) changes nothing. A host written as a number is read as the address it is
  (``2130706433``, ``0177.1``, ``0x7f.1``, ``127.1``, ``[::ffff:127.0.0.1]``). Redirects are
  followed here, at most ``Limits.fetch_redirects``, and each hop is checked the same way.
  :data:`ANY_ADDRESS` (``incidex ingest --allow-private-urls``) lifts the address check.
* **One deadline**, ``Limits.fetch_seconds``, from the first DNS lookup to the last byte of the
  body, redirects included: every socket operation waits at most for the time left, so a
  server that trickles its headers or body a byte at a time cannot stretch a fetch.
* **A size limit**, ``Limits.fetch_bytes``, checked against Content-Length and while streaming.
* **Failures that map nothing.** Refused, reset and unreachable connections, failed TLS
  handshakes and answers that are not HTTP all give one message, so whoever submits URLs
  cannot tell an open port from a closed one; the network's own error is logged
  (``incidex -v``). Only time still tells: a dropped connection waits out the deadline.

A caller may hand in its own ``httpx.Client`` (the tests give one with ``httpx.MockTransport``).
Its transport then decides where requests go: the fetcher still refuses URLs whose host is
*written* as an internal address or ``localhost``, checks each redirect hop that way, and
bounds each read and the time between body chunks, but it cannot check what a name resolves
to, nor stop a server that trickles its headers. Give ``httpx.Client(transport=GuardedTransport())`` to keep every
guarantee with a client of your own.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpcore
import httpx

from incidex import __version__
from incidex.errors import IncidexError
from incidex.reader import ReadFailure, failure
from incidex.settings import DEFAULT_LIMITS, Limits

__all__ = [
    "ANY_ADDRESS",
    "PUBLIC_ONLY",
    "USER_AGENT",
    "AddressGuard",
    "AddressRefused",
    "Fetcher",
    "GuardedTransport",
    "HostNotFound",
    "Response",
    "internal_kind",
    "literal_address",
    "megabytes",
    "system_resolver",
]

log = logging.getLogger(__name__)

#: Sent with every request.
USER_AGENT = f"incidex/{__version__} (+https://example.invalid/incidex)"
_ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.1"
)
#: Media types of XML that may be a feed.
XML_MEDIA = frozenset({"application/xml", "text/xml"})
#: Media types that say nothing about the content (sniffed instead).
UNTYPED_MEDIA = frozenset({"", "application/octet-stream", "binary/octet-stream"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: Resolves a host name and port to IP address strings (``socket.getaddrinfo`` by default);
#: raises ``OSError`` when the name does not resolve.
Resolver = Callable[[str, int], Sequence[str]]

_SUFFIX = (
    "incidex fetches public addresses only (to allow internal ones: incidex ingest --allow-private-urls)"
)


# --------------------------------------------------------------------------------------------
# Which addresses are internal


def _networks(*pairs: tuple[str, str]) -> tuple[tuple[IPNetwork, str], ...]:
    return tuple((ipaddress.ip_network(net), kind) for net, kind in pairs)


# The IANA special-purpose registries (RFC 6890 and successors), as data: Python's
# ``is_global`` differs between versions and calls multicast, 6to4 and NAT64 global.
_INTERNAL = _networks(
    ("0.0.0.0/8", "unspecified"),  # "this network"; 0.0.0.0 reaches the local host on Linux
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "carrier-grade NAT"),  # shared address space behind a provider's NAT
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),  # cloud metadata services live here
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),  # IETF protocol assignments
    ("192.0.2.0/24", "reserved"),  # documentation
    ("192.88.99.0/24", "reserved"),  # the retired 6to4 relay anycast
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "reserved"),  # benchmarking
    ("198.51.100.0/24", "reserved"),  # documentation
    ("203.0.113.0/24", "reserved"),  # documentation
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),  # class E and the broadcast address
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "private"),  # NAT64 for local use (RFC 8215)
    ("100::/64", "reserved"),  # discard-only
    ("2001:db8::/32", "reserved"),  # documentation
    ("fc00::/7", "private"),  # unique local addresses
    ("fe80::/10", "link-local"),
    ("fec0::/10", "private"),  # the deprecated site-local addresses, still routed in places
    ("ff00::/8", "multicast"),
)
# IPv6 ranges that carry an IPv4 address in their last 32 bits: a connection to one reaches
# that IPv4 address (through the kernel, a translator or a relay).
_EMBEDDING = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b::/96",  # NAT64, the well-known prefix
        "::/96",  # IPv4-compatible (deprecated); :: and ::1 are in _INTERNAL first
    )
)


def _embedded(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (mapped, NAT64, 6to4, Teredo), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return []
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)  # the relay server and the client behind it
    if any(address in net for net in _EMBEDDING) and int(address) > 1:
        return [ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)]
    return []


def internal_kind(address: IPAddress) -> str | None:
    """What makes ``address`` internal ("loopback", "private", "link-local", "multicast",
    "carrier-grade NAT", "unspecified", "reserved"), or ``None`` for a public address."""
    for network, kind in _INTERNAL:
        if address.version == network.version and address in network:
            return kind
    embedded = _embedded(address)
    if embedded:  # the IPv6 range only carries the IPv4 address: that address decides
        return next((k for k in map(internal_kind, embedded) if k is not None), None)
    return None if address.is_global else "reserved"


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as a number stands for, else ``None`` (a name).

    Reads what ``inet_aton`` and browsers read (WHATWG URL): IPv6 with or without brackets
    and a zone, dotted IPv4 with one to four parts, each decimal, octal (``0177``) or hex
    (``0x7f``), a trailing dot, and percent-escapes."""
    host = unquote(host).strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass  # not in a standard form: try the numeric shorthands below
    parts = host.removesuffix(".").split(".")
    numbers = [_ipv4_part(part) for part in parts]
    if not 1 <= len(parts) <= 4 or any(n is None for n in numbers):
        return None
    *head, last = [n for n in numbers if n is not None]
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(parts)):
        return None
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def _ipv4_part(part: str) -> int | None:
    text = part.lower()
    if text.startswith("0x"):
        digits, base = text[2:] or "0", 16
    elif len(text) > 1 and text.startswith("0"):
        digits, base = text[1:], 8
    else:
        digits, base = text, 10
    if not digits.isascii() or not digits.isalnum():
        return None
    try:
        return int(digits, base)
    except ValueError:
        return None  # "08", "0xg": a name, not a number


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the order the system gives them."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# --------------------------------------------------------------------------------------------
# The guard


class AddressRefused(IncidexError):
    """A host that is, or resolves to, an address the guard refuses; nothing was connected."""

    def __init__(self, host: str, address: IPAddress, kind: str, *, resolved: bool) -> None:
        self.host = host
        self.address = address
        self.kind = kind
        verb = "resolves to" if resolved else "is"
        shown = f" ({address})" if resolved or str(address) != host else ""
        article = "an" if kind[0] in "aeiou" else "a"
        super().__init__(f"{host} {verb} {article} {kind} address{shown}")


class HostNotFound(IncidexError):
    """A host name that does not resolve."""

    def __init__(self, host: str, detail: str) -> None:
        self.host = host
        super().__init__(f"the host name {host} does not resolve ({detail})")


@dataclass(frozen=True)
class AddressGuard:
    """Which addresses a fetch may connect to: public ones, and internal ones in ``allow``.

    ``resolver`` turns names into addresses (tests give a stub, so that "public" can be
    simulated offline)."""

    allow: tuple[IPNetwork, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    def refusal(self, address: IPAddress) -> str | None:
        """What makes ``address`` refused (see :func:`internal_kind`), or ``None``."""
        kind = internal_kind(address)
        if kind is None or self._allowed(address):
            return None
        return kind

    def _allowed(self, address: IPAddress) -> bool:
        candidates = [address, *_embedded(address)]
        return any(a.version == net.version and a in net for a in candidates for net in self.allow)

    def check_host(self, host: str) -> None:
        """Raise :class:`AddressRefused` if ``host`` is written as a refused address, or is
        ``localhost`` (always the loopback, RFC 6761). Other names are not resolved here."""
        name = host.lower().removesuffix(".")
        address = literal_address(host)
        if address is None and (name == "localhost" or name.endswith(".localhost")):
            address = ipaddress.IPv4Address("127.0.0.1")
            self._check(host, address, resolved=True)
        elif address is not None:
            self._check(host, address, resolved=False)

    def addresses(self, host: str, port: int, timeout: float | None) -> list[IPAddress]:
        """Every address ``host`` stands for, each checked; raises :class:`AddressRefused` if
        any is refused (a name with one internal address is refused whole), or
        :class:`HostNotFound`, or ``httpcore.ConnectTimeout`` past ``timeout`` seconds."""
        literal = literal_address(host)
        if literal is not None:
            self._check(host, literal, resolved=False)
            return [literal]
        self.check_host(host)
        found = [ipaddress.ip_address(a) for a in _resolve_within(self.resolver, host, port, timeout)]
        if not found:
            raise HostNotFound(host, "no address")
        for address in found:
            self._check(host, address, resolved=True)
        return found

    def _check(self, host: str, address: IPAddress, *, resolved: bool) -> None:
        kind = self.refusal(address)
        if kind is not None:
            raise AddressRefused(host, address, kind, resolved=resolved)


#: Public addresses only: the default everywhere.
PUBLIC_ONLY = AddressGuard()
#: Any address, internal ones included (``incidex ingest --allow-private-urls``).
ANY_ADDRESS = AddressGuard(allow=(ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")))


def _resolve_within(resolver: Resolver, host: str, port: int, timeout: float | None) -> Sequence[str]:
    """``resolver(host, port)`` within ``timeout`` seconds: getaddrinfo has no timeout of its
    own, so it runs in a daemon thread that is left behind (it ends with the system's own
    resolver timeout) if it takes longer."""
    outcome: list[Sequence[str] | BaseException] = []

    def run() -> None:
        try:
            outcome.append(resolver(host, port))
        except (OSError, UnicodeError) as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, name="incidex-resolve", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise httpcore.ConnectTimeout(f"resolving {host} took longer than the time left")
    result = outcome[0]
    if isinstance(result, BaseException):
        detail = getattr(result, "strerror", None) or str(result) or type(result).__name__
        raise HostNotFound(host, detail) from result
    return result


# --------------------------------------------------------------------------------------------
# A transport that connects only to checked addresses, within the fetch's deadline

# The monotonic time by which the fetch running in this thread (or task) must end; ``None``
# outside a fetch. A context variable, not an attribute, because one transport may serve
# several threads (the API's request handlers).
_DEADLINE: ContextVar[float | None] = ContextVar("incidex_fetch_deadline", default=None)


def _time_left(timeout: float | None, expired: type[Exception]) -> float | None:
    """``timeout`` shortened to the time left before the deadline; raises ``expired`` after it."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the fetch took longer than its deadline")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read, write and TLS handshake waits at most for the time
    left: one ``recv`` returns on the first byte, so per-read timeouts alone never stop a
    server that sends one byte every few seconds."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        # CPython bounds a whole handshake by the socket's timeout, so the time left bounds it.
        left = _time_left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves once, checks every address, and connects to a checked one."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        addresses = self._guard.addresses(host, port, _time_left(timeout, httpcore.ConnectTimeout))
        error: Exception | None = None
        for address in addresses:  # in the resolver's order, as socket.create_connection does
            try:
                stream = self._inner.connect_tcp(
                    str(address),
                    port,
                    _time_left(timeout, httpcore.ConnectTimeout),
                    local_address,
                    socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream)
        assert error is not None  # addresses() never returns an empty list
        raise error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        raise httpcore.UnsupportedProtocol("incidex fetches over TCP only")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


# httpcore's exceptions as httpx's (the same names), the most specific first.
_HTTPX_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = tuple(
    (getattr(httpcore, name), getattr(httpx, name))
    for name in (
        "ConnectTimeout",
        "ReadTimeout",
        "WriteTimeout",
        "PoolTimeout",
        "ConnectError",
        "ReadError",
        "WriteError",
        "RemoteProtocolError",
        "LocalProtocolError",
        "ProxyError",
        "UnsupportedProtocol",
        "TimeoutException",
        "NetworkError",
        "ProtocolError",
    )
)


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core, mapped in _HTTPX_ERRORS:
            if isinstance(exc, core):
                raise mapped(str(exc)) from exc
        raise


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._stream

    def close(self) -> None:
        with _as_httpx_errors():
            self._stream.close()


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport (HTTP/1.1, httpx's TLS defaults) that connects only to addresses
    ``guard`` allows, and within the deadline of the :class:`Fetcher` that uses it.

    httpx has no public way to give its own transport a network backend, so this is httpx's
    ``HTTPTransport`` reduced to what incidex uses, over ``httpcore.ConnectionPool``. A refused
    host raises :class:`AddressRefused` from ``send``, before any connection."""

    def __init__(self, guard: AddressGuard = PUBLIC_ONLY, *, verify: ssl.SSLContext | bool = True) -> None:
        context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)
        self._pool = httpcore.ConnectionPool(ssl_context=context, network_backend=_GuardedBackend(guard))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = self._pool.handle_request(core)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


# --------------------------------------------------------------------------------------------
# The fetcher


@dataclass(frozen=True)
class Response:
    """A fetched page or feed."""

    url: str  # after redirects
    content: bytes
    media: str  # the Content-Type's media type, lower case; "" if none
    charset: str | None


class _SchemeRefused(Exception):
    """A URL, or a redirect to one, that is not http(s)."""


class Fetcher:
    """GETs URLs within ``limits`` from addresses ``guard`` allows; makes (and closes) its own
    client unless it was given one (see the module's notes on a given client)."""

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        limits: Limits = DEFAULT_LIMITS,
        guard: AddressGuard = PUBLIC_ONLY,
    ) -> None:
        self._client = client
        self._owned = False
        self.limits = limits
        self.guard = guard

    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                transport=GuardedTransport(self.guard), headers={"User-Agent": USER_AGENT}
            )
            self._owned = True
        return self._client

    def close(self) -> None:
        if self._owned and self._client is not None:
            self._client.close()
            self._client = None
            self._owned = False

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str) -> Response | ReadFailure:
        """The response to a GET of ``url``, or a failure (source ``url``) saying what to do."""
        deadline = time.monotonic() + self.limits.fetch_seconds
        token = _DEADLINE.set(deadline)
        hop = [url]  # the URL being fetched now: ``url``, or where its redirects led
        try:
            with self._open(url, hop) as response:
                return self._read(response, url, deadline)
        except AddressRefused as exc:
            where = "" if hop[-1] == url else f"it redirects to {hop[-1]}, and "
            return failure(url, f"refused: {where}{exc}; {_SUFFIX}")
        except _SchemeRefused:
            if hop[-1] == url:
                return failure(url, "unsupported URL scheme; give an http:// or https:// URL")
            return failure(
                url, f"refused: it redirects to {hop[-1]}, not an http(s) URL; give the page's own URL"
            )
        except HostNotFound as exc:
            return failure(url, f"{exc}; check the URL", cause=exc)
        except httpx.TimeoutException as exc:
            log.info("%s: %s: %s", hop[-1], type(exc).__name__, exc)
            return failure(url, self._timed_out(), cause=exc)
        except httpx.TooManyRedirects as exc:
            return failure(
                url,
                f"more than {self.limits.fetch_redirects} redirects (a redirect loop?); "
                "open it in a browser to check",
                cause=exc,
            )
        except httpx.DecodingError as exc:
            return failure(
                url, f"cannot decode the response ({exc}); the server sent corrupt compressed data", cause=exc
            )
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            return failure(url, f"not a valid http(s) URL ({exc}); check the URL", cause=exc)
        except httpx.HTTPError as exc:
            # Refused, reset, unreachable, a TLS failure, or a port that answers but not in
            # HTTP: one message for all, so that it cannot tell open ports from closed ones.
            log.info("%s: %s: %s", hop[-1], type(exc).__name__, exc)
            return failure(
                url,
                "could not connect, or no HTTP answer; check the host and port in the URL and the "
                "network connection, or try again later (incidex -v logs the network's error)",
                cause=exc,
            )
        finally:
            _DEADLINE.reset(token)

    @contextmanager
    def _open(self, url: str, hop: list[str]) -> Iterator[httpx.Response]:
        """The streamed response at the end of ``url``'s redirects, each hop checked first;
        ``hop`` ends with the URL being fetched."""
        client = self.client()
        headers = {"Accept": _ACCEPT}
        if client.headers.get("User-Agent", "").startswith("python-httpx/"):
            headers["User-Agent"] = USER_AGENT
        request = client.build_request("GET", url, headers=headers, timeout=self.limits.fetch_seconds)
        for _ in range(self.limits.fetch_redirects + 1):
            if request.url.scheme not in ("http", "https"):
                raise _SchemeRefused(str(request.url))
            # A given client's transport resolves names itself; a host written as an address
            # is refused here whatever the client. (Incidex's own transport checks again,
            # after resolving, right before it connects.)
            self.guard.check_host(request.url.host)
            response = client.send(request, stream=True, follow_redirects=False)
            if response.next_request is None:
                try:
                    yield response
                finally:
                    response.close()
                return
            response.close()
            request = response.next_request
            hop.append(str(request.url))
        raise httpx.TooManyRedirects(f"more than {self.limits.fetch_redirects} redirects", request=request)

    def _read(self, response: httpx.Response, url: str, deadline: float) -> Response | ReadFailure:
        if not response.is_success:
            return failure(url, _status_reason(response.status_code, response.reason_phrase))
        media, charset = _content_type(response.headers.get("Content-Type", ""))
        if not _textual(media):
            return failure(
                url,
                f"not a web page or feed (Content-Type {media}); give the URL of an HTML page, "
                "an RSS or Atom feed, or plain text",
            )
        limit = self.limits.fetch_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            return failure(url, self._too_large(int(declared)))
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                return failure(url, self._too_large(None))
            # Incidex's transport stops a stalled read at the deadline; this also bounds a
            # given client's transport, between chunks.
            if time.monotonic() > deadline:
                return failure(url, self._timed_out())
            chunks.append(chunk)
        return Response(url=str(response.url), content=b"".join(chunks), media=media, charset=charset)

    def _too_large(self, size: int | None) -> str:
        got = f" ({megabytes(size)})" if size is not None else ""
        return (
            f"larger than the {megabytes(self.limits.fetch_bytes)} download limit{got}; "
            "save the article's text to a file, or raise Limits.fetch_bytes"
        )

    def _timed_out(self) -> str:
        return (
            f"timed out: not complete after {self.limits.fetch_seconds:g} s, the limit for one "
            "fetch (connecting, redirects, headers and body); try again later"
        )


def megabytes(size: int) -> str:
    """``size`` bytes for people: "12.5 MB", "20 kB", "512 bytes"."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1000:
        return f"{size / 1000:.0f} kB"
    return f"{size} bytes"


def _status_reason(status: int, phrase: str) -> str:
    http = f"HTTP {status} {phrase}".rstrip()
    if status in (404, 410):
        return f"{http}: the page does not exist; check the URL"
    if status in (401, 403):
        return f"{http}: the server refused access (login needed, or crawlers blocked); save the page from a browser and give the file"
    if status == 429:
        return f"{http}: rate limited by the server; wait and try again later"
    if status >= 500:
        return f"{http}: the server failed; try again later"
    if 300 <= status < 400:
        return f"{http}: a redirect without a usable Location; open the URL in a browser to find the page"
    return f"{http}: the server did not return the page; check the URL"


def _content_type(value: str) -> tuple[str, str | None]:
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'")
    return media.strip().lower(), charset


def _textual(media: str) -> bool:
    return media in UNTYPED_MEDIA or media.startswith("text/") or media in XML_MEDIA or media.endswith("+xml")
