"""Reading stage: turn files and stdin into :class:`~incidex.records.Document` records.

Needs: source names (paths, or ``"-"`` for stdin).
Sets: :class:`~incidex.records.Document` (``doc_id``, ``text``, ``published``, ``url``, ``title``,
``source``), or a :class:`ReadFailure` naming the source, line and reason for each document that
could not be read. The reader never raises for a bad document: it reports it and goes on.

Formats, chosen by extension and otherwise sniffed from the first non-blank line (``{``: JSON
Lines, ``<``: HTML, else plain text):

* ``.txt``: one document; ``doc_id`` is the file's stem; the text is kept as is, except that
  newlines become ``\\n`` and a UTF-8 byte-order mark is dropped, so character offsets into
  ``Document.text`` stay meaningful.
* ``.html``/``.htm``: one document; the article text, title, date and canonical URL are taken
  out with trafilatura (offline).
* ``.jsonl``/``.ndjson``: one document a line, ``{"doc_id", "text", "url"?, "published"?,
  "title"?}``; other keys (such as a gold file's ``incidents``) are ignored. Read as a stream.
  A line is refused, with its number and a reason, when it is not strict JSON (``NaN`` and
  ``Infinity`` included), nests deeper than ``Limits.json_depth``, holds an integer of more
  than ``Limits.json_digits`` digits, or when a field has the wrong type or shape: ``doc_id``
  a non-empty string or integer without control characters of at most ``Limits.id_bytes``,
  ``text`` a non-empty string, ``published`` a ``YYYY-MM-DD`` (or ISO timestamp) string,
  ``url`` an absolute http(s) URL of at most ``Limits.url_bytes``, ``title`` a string. A
  byte-order mark at the start of any line is dropped (files joined with ``cat``).

Every title, whatever its source, is made one line without control characters and cut to
``Limits.title_chars`` (:func:`clean_title`); NULs and lone surrogates in any string become
U+FFFD (:class:`~incidex.records.Document` does that).

The ``published`` argument is the publication date of text, HTML and stdin documents (it wins
over an HTML page's own date); for JSON Lines it only fills in lines without a ``published`` of
their own.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO
from urllib.parse import urlsplit

from incidex.errors import InputError
from incidex.records import Document
from incidex.settings import DEFAULT_LIMITS, Limits

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "STDIN",
    "ReadFailure",
    "clean_title",
    "read_sources",
    "url_problem",
    "usable_url",
]

log = logging.getLogger(__name__)

#: The largest document (file, or JSON line) the reader accepts, in bytes.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
#: How stdin is named in ``Document.source`` and in error messages.
STDIN = "<stdin>"

_TEXT_EXTENSIONS = frozenset({".txt", ".text"})
_HTML_EXTENSIONS = frozenset({".html", ".htm", ".xhtml"})
_JSONL_EXTENSIONS = frozenset({".jsonl", ".ndjson"})
_SNIFF_BYTES = 8192  # looked at for NUL bytes and for the format
_SKIP_CHUNK = 1 << 20  # bytes read at a time while skipping the rest of an over-long line
_MAX_NUL_SHARE = 0.1  # of a JSON Lines head: more is UTF-16 or binary (UTF-16 text is half NULs)
_MAX_CONTROL_SHARE = 0.05  # more control characters than this: binary data, not text
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # control characters, not \t \n \v \f \r
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
_BOM = b"\xef\xbb\xbf"
_SHOWN_CHARS = 40  # of a bad value quoted in a message: enough to find it, never megabytes
# Control characters and the Unicode line and paragraph separators: none belongs in an id, a
# URL or a one-line title (they break lines, or drive terminals when printed).
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class ReadFailure:
    """A document that could not be read; ``error`` names the source, line and reason."""

    error: InputError

    def __str__(self) -> str:
        return str(self.error)


def read_sources(
    sources: Sequence[str],
    *,
    published: dt.date | None = None,
    stdin: TextIO | BinaryIO | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[Document | ReadFailure]:
    """Documents read from each source in turn, or a :class:`ReadFailure` for each that failed.

    ``sources`` are paths, or ``"-"`` for ``stdin`` (default: the process's standard input).
    ``published`` is the publication date given to text, HTML and stdin documents, and to JSON
    lines that have none of their own. ``limits`` bounds ids, URLs, titles and JSON lines.
    Never raises for bad input: each problem is a :class:`ReadFailure` and reading goes on.
    """
    for source in sources:
        if source == "-":
            stream: Any = stdin if stdin is not None else sys.stdin
            yield from _read_stream(_ByteStream(stream), STDIN, "stdin", published, limits)
        else:
            yield from _read_path(source, published, limits)


def clean_title(title: str | None, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """``title`` as one line: control characters and runs of whitespace made one space, cut to
    ``limits.title_chars`` (with an ellipsis); ``None`` when nothing is left."""
    if title is None:
        return None
    line = " ".join(_UNPRINTABLE.sub(" ", title[: 4 * limits.title_chars]).split())
    if len(line) > limits.title_chars:
        line = line[: limits.title_chars - 1].rstrip() + "\u2026"
    return line or None


def url_problem(url: str, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """Why ``url`` cannot be stored as a document's URL, or ``None`` when it can: it must be an
    absolute http(s) URL of at most ``limits.url_bytes`` bytes, without spaces or control
    characters (percent-encoded, as browsers send them)."""
    size = len(url.encode("utf-8", "surrogatepass"))
    if size > limits.url_bytes:
        return f"longer than {limits.url_bytes:,} bytes ({size:,})"
    if _NOT_IN_URL.search(url):
        return "it has spaces or control characters (percent-encode them)"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parses the port, which raises ValueError when it is not a number
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "not an absolute http:// or https:// URL"
    return None


def _show(value: object) -> str:
    """``value`` quoted for a message, cut short: a bad field may be megabytes long."""
    shown = repr(value)
    return shown if len(shown) <= _SHOWN_CHARS else shown[: _SHOWN_CHARS - 3] + "..."


# --------------------------------------------------------------------------------------------
# Streams


class _ByteStream:
    """A binary or text stream read as bytes, with bytes that were looked at put back first."""

    def __init__(self, stream: IO[Any]):
        self._text: IO[str] | None = None
        self._binary: IO[bytes] | None = None
        if isinstance(stream, io.TextIOBase):
            buffer = getattr(stream, "buffer", None)
            if buffer is not None:
                self._binary = buffer
            else:
                self._text = stream
        else:
            self._binary = stream
        self._pending = b""

    def unread(self, data: bytes) -> None:
        self._pending = data + self._pending

    def _raw_read(self, size: int) -> bytes:
        if self._text is not None:
            return self._text.read(size).encode("utf-8", "surrogatepass")
        assert self._binary is not None
        return self._binary.read(size)

    def _raw_readline(self, limit: int) -> bytes:
        if self._text is not None:
            return self._text.readline(limit).encode("utf-8", "surrogatepass")
        assert self._binary is not None
        return self._binary.readline(limit)

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes (fewer only at the end of the stream)."""
        head, self._pending = self._pending[:size], self._pending[size:]
        parts = [head]
        size -= len(head)
        while size > 0:
            chunk = self._raw_read(size)
            if not chunk:
                break
            parts.append(chunk)
            size -= len(chunk)
        return b"".join(parts)

    def readline(self, limit: int) -> bytes:
        """The next line with its newline, or its first ``limit`` bytes if it is longer."""
        if self._pending:
            cut = self._pending.find(b"\n", 0, limit)
            if cut >= 0 or len(self._pending) >= limit:
                end = cut + 1 if cut >= 0 else limit
                line, self._pending = self._pending[:end], self._pending[end:]
                return line
            head, self._pending = self._pending, b""
            return head + self._raw_readline(limit - len(head))
        return self._raw_readline(limit)


def open_failure(source: str, exc: OSError | ValueError) -> ReadFailure:
    if isinstance(exc, ValueError):  # a text stream that failed to decode its own bytes
        reason = f"cannot read it ({exc}); give UTF-8 text"
    elif isinstance(exc, FileNotFoundError):
        reason = "no such file; check the path"
    elif isinstance(exc, PermissionError):
        reason = "permission denied; check the file's permissions"
    elif isinstance(exc, IsADirectoryError):
        reason = "is a directory; give the files in it instead (folders are not read)"
    else:
        reason = f"cannot read it ({exc.strerror or exc}); check the path"
    return failure(source, reason, cause=exc)


def failure(
    source: str,
    reason: str,
    *,
    line: int | None = None,
    doc_id: str | None = None,
    cause: BaseException | None = None,
) -> ReadFailure:
    error = InputError(source, reason, line=line, doc_id=doc_id)
    error.__cause__ = cause
    return ReadFailure(error)


def _too_large(size: int | None) -> str:
    limit = f"{MAX_DOCUMENT_BYTES / (1024 * 1024):g}"
    got = f"{size / (1024 * 1024):.1f} MB" if size is not None else "more than that"
    return f"larger than the {limit} MB limit per document ({got}); split it into smaller documents"


def _read_path(source: str, published: dt.date | None, limits: Limits) -> Iterator[Document | ReadFailure]:
    path = Path(source)
    try:
        info = path.stat()
    except OSError as exc:
        yield open_failure(source, exc)
        return
    if stat.S_ISDIR(info.st_mode):
        yield failure(source, "is a directory; give the files in it instead (folders are not read)")
        return
    if not stat.S_ISREG(info.st_mode):
        yield failure(source, "is not a regular file; give a .txt, .html or .jsonl file")
        return
    suffix = path.suffix.lower()
    kind = "text" if suffix in _TEXT_EXTENSIONS else "html" if suffix in _HTML_EXTENSIONS else None
    if suffix in _JSONL_EXTENSIONS:
        kind = "jsonl"
    if kind in ("text", "html") and info.st_size > MAX_DOCUMENT_BYTES:
        yield failure(source, _too_large(info.st_size))
        return
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield open_failure(source, exc)
        return
    with handle:
        yield from _read_stream(
            _ByteStream(handle), source, path.stem, published, limits, kind=kind, size=info.st_size
        )


def _read_stream(
    stream: _ByteStream,
    source: str,
    stem: str,
    published: dt.date | None,
    limits: Limits,
    *,
    kind: str | None = None,
    size: int | None = None,
) -> Iterator[Document | ReadFailure]:
    try:
        head = stream.read(_SNIFF_BYTES)
        stream.unread(head)
        rest = b"" if head.strip() or len(head) < _SNIFF_BYTES else stream.read(MAX_DOCUMENT_BYTES)
    except (OSError, ValueError) as exc:
        yield open_failure(source, exc)
        return
    if not head.strip():
        if not rest.strip():
            what = "empty" if not head and not rest else "only whitespace"
            yield failure(source, f"is {what}; give a file with text in it")
            return
        stream.unread(rest)
        head = rest.lstrip()[:_SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        yield failure(source, "is UTF-16 text; re-encode it as UTF-8")
        return
    if kind is None:
        kind = _sniff(head)
    # A NUL in one JSON line fails that line (JSON forbids it); a file of NULs is not text.
    if b"\x00" in head and (kind != "jsonl" or head.count(b"\x00") > len(head) * _MAX_NUL_SHARE):
        yield failure(
            source,
            "contains NUL bytes: binary data or UTF-16, not UTF-8 text; give a UTF-8 text file",
        )
        return
    if kind == "jsonl":
        yield from _read_jsonl(stream, source, stem, published, limits)
        return
    if size is not None and size > MAX_DOCUMENT_BYTES:
        yield failure(source, _too_large(size))
        return
    try:
        data = stream.read(MAX_DOCUMENT_BYTES + 1)
    except (OSError, ValueError) as exc:
        yield open_failure(source, exc)
        return
    if len(data) > MAX_DOCUMENT_BYTES:
        yield failure(source, _too_large(None))
        return
    if kind == "html":
        yield _html_document(data, source, stem, published, limits)
    else:
        yield _text_document(data, source, stem, published)


def _sniff(head: bytes) -> str:
    for line in head.splitlines():
        stripped = line.lstrip(b"\xef\xbb\xbf").strip()
        if stripped:
            if stripped.startswith(b"{"):
                return "jsonl"
            if stripped.startswith(b"<"):
                return "html"
            return "text"
    return "text"


# --------------------------------------------------------------------------------------------
# Decoding


def _decode(data: bytes, *, fallback: str | None = None) -> str:
    """UTF-8 text (a BOM dropped, newlines made ``\\n``); raises ``ValueError`` with a reason."""
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        if fallback is None:
            at = bom + exc.start
            raise ValueError(
                f"not UTF-8 text (byte 0x{data[at]:02x} at offset {at}); re-encode it as UTF-8"
            ) from exc
        try:
            text = data.decode(fallback)
        except (UnicodeDecodeError, LookupError) as exc2:
            raise ValueError(
                f"neither UTF-8 text nor the {fallback!r} it declares; re-encode it as UTF-8"
            ) from exc2
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _looks_binary(text):
        raise ValueError(
            "is binary data (mostly control characters), not text; give a .txt, .html or .jsonl file"
        )
    return text


def _looks_binary(text: str) -> bool:
    sample = text[:_SNIFF_BYTES]
    return len(_CONTROL.findall(sample)) > _MAX_CONTROL_SHARE * len(sample)


def _declared_charset(data: bytes) -> str | None:
    m = _CHARSET.search(data[:4096])
    if not m:
        return None
    charset = m.group(1).decode("ascii").lower()
    return None if charset.replace("-", "").replace("_", "") == "utf8" else charset


# --------------------------------------------------------------------------------------------
# Formats


def _text_document(data: bytes, source: str, stem: str, published: dt.date | None) -> Document | ReadFailure:
    try:
        text = _decode(data)
    except ValueError as exc:
        return failure(source, str(exc), cause=exc.__cause__)
    if not text.strip():
        return failure(source, "is only whitespace; give a file with text in it")
    return Document(doc_id=stem, text=text, published=published, source=source)


def _html_document(
    data: bytes, source: str, stem: str, published: dt.date | None, limits: Limits
) -> Document | ReadFailure:
    try:
        html = _decode(data, fallback=_declared_charset(data))
    except ValueError as exc:
        return failure(source, str(exc), cause=exc.__cause__)
    import trafilatura  # heavy: imported on first HTML document

    try:
        extracted = trafilatura.bare_extraction(
            html, include_comments=False, include_tables=False, favor_precision=True, with_metadata=True
        )
    except Exception as exc:  # noqa: BLE001 - lxml/trafilatura raise many types on odd markup
        return failure(
            source, f"cannot parse the HTML ({exc}); give the article's text as a .txt file", cause=exc
        )
    text = getattr(extracted, "text", None) or ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return failure(source, "no article text found in the HTML; give the article's text as a .txt file")
    page_date = _parse_date(getattr(extracted, "date", None))
    return Document(
        doc_id=stem,
        text=text,
        published=published if published is not None else page_date,
        url=usable_url(getattr(extracted, "url", None), source, limits),
        title=clean_title(getattr(extracted, "title", None), limits),
        source=source,
    )


def usable_url(url: object, source: str, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """A URL a page or feed gives for itself, or ``None`` when it gives none that can be stored
    (see :func:`url_problem`): that metadata is the publisher's, so a bad URL is dropped (and
    logged), not the document."""
    if not isinstance(url, str) or not url:
        return None
    problem = url_problem(url, limits)
    if problem is not None:
        log.warning("%s: ignoring the page's URL %s: %s", source, _show(url), problem)
        return None
    return url


def _parse_date(value: object) -> dt.date | None:
    """A date from ``YYYY-MM-DD`` or a full ISO timestamp; ``None`` if it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(value).date()
    except ValueError:
        return None


def _read_jsonl(
    stream: _ByteStream, source: str, stem: str, published: dt.date | None, limits: Limits
) -> Iterator[Document | ReadFailure]:
    lineno = 0
    offset = 0  # byte offset of the line's start in the stream
    seen_any = False
    while True:
        try:
            raw = stream.readline(MAX_DOCUMENT_BYTES + 1)
        except (OSError, ValueError) as exc:
            yield open_failure(source, exc)
            return
        if not raw:
            break
        lineno += 1
        start = offset
        offset += len(raw)
        if len(raw) > MAX_DOCUMENT_BYTES and not raw.endswith(b"\n"):
            size = len(raw)
            while True:  # skip the rest of the line without holding it
                try:
                    chunk = stream.readline(_SKIP_CHUNK)
                except (OSError, ValueError) as exc:
                    yield open_failure(source, exc)
                    return
                size += len(chunk)
                offset += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
            seen_any = True
            yield failure(source, _too_large(size), line=lineno)
            continue
        if not raw.removeprefix(_BOM).strip():
            continue
        seen_any = True
        yield _jsonl_document(raw, _Line(source, stem, lineno, start), published, limits)
    if not seen_any:
        yield failure(source, "is empty; give a file with text in it")


@dataclass(frozen=True)
class _Line:
    """Where a JSON line comes from, for its default ``doc_id`` and its failures."""

    source: str
    stem: str
    number: int
    offset: int  # of its first byte in the stream

    def failure(
        self, reason: str, *, doc_id: str | None = None, cause: BaseException | None = None
    ) -> ReadFailure:
        return failure(self.source, reason, line=self.number, doc_id=doc_id, cause=cause)


class _BadLine(Exception):
    """A JSON line refused while it was parsed; the message is the reason."""


def _jsonl_document(
    raw: bytes, where: _Line, default_date: dt.date | None, limits: Limits
) -> Document | ReadFailure:
    offset = where.offset
    if raw.startswith(_BOM):  # at any line: files joined with cat keep each one's BOM
        raw = raw[len(_BOM) :]
        offset += len(_BOM)
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = offset + exc.start
        return where.failure(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {at}); re-encode it as UTF-8",
            cause=exc,
        )
    try:
        record = _parse_line(line.rstrip("\r\n"), limits)
    except _BadLine as exc:
        return where.failure(str(exc), cause=exc.__cause__)
    if not isinstance(record, dict):
        return where.failure(f"expected a JSON object, got {_json_type(record)}; write one object a line")
    return _record_document(record, where, default_date, limits)


def _parse_line(line: str, limits: Limits) -> object:
    """The JSON value of one line; raises :class:`_BadLine` with the reason it is refused."""

    def parse_int(digits: str) -> int:
        count = len(digits.lstrip("-"))
        if count > limits.json_digits:
            raise _BadLine(
                f"a number of {count:,} digits (at most {limits.json_digits}); "
                "write long ids and figures as strings"
            )
        return int(digits)

    def parse_constant(name: str) -> float:
        raise _BadLine(f"{name} is not JSON; write null or a string instead")

    too_deep = (
        f"nested more than {limits.json_depth} levels deep; a report is an object of strings, "
        "remove the nested data"
    )
    try:
        value = json.loads(line, parse_int=parse_int, parse_constant=parse_constant)
    except json.JSONDecodeError as exc:
        where = f"{exc.msg.removesuffix(' at')} at column {exc.colno}"  # "... starting at at"
        raise _BadLine(f"malformed JSON ({where}); fix the line or remove it") from exc
    except RecursionError as exc:  # deeper than the interpreter's stack allows, wherever that is
        raise _BadLine(too_deep) from exc
    # Counting brackets is cheap and bounds the depth: most lines need no walk at all.
    if line.count("[") + line.count("{") > limits.json_depth and _depth(value) > limits.json_depth:
        raise _BadLine(too_deep)
    return value


def _depth(value: object) -> int:
    """How deeply ``value`` nests lists and objects (a scalar is 0), walked without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        children: Iterable[object]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _record_document(
    record: dict[str, Any], where: _Line, default_date: dt.date | None, limits: Limits
) -> Document | ReadFailure:
    """The document a parsed line describes, or the first field that is wrong."""
    doc_id = _doc_id(record.get("doc_id"), where, limits)
    if isinstance(doc_id, ReadFailure):
        return doc_id

    def bad(reason: str) -> ReadFailure:
        return where.failure(reason, doc_id=doc_id)

    text = record.get("text")
    if text is None:
        return bad('missing "text"; each line needs the document text')
    if not isinstance(text, str):
        return bad(f'"text" must be a string, got {_json_type(text)}')
    if not text.strip():
        return bad('"text" is empty; give the document text')
    value = record.get("published")
    published = _parse_date(value)
    if isinstance(value, str) and value.strip() and published is None:
        return bad(f'invalid "published" date {_show(value)}; use YYYY-MM-DD')
    if value is not None and not isinstance(value, str):
        return bad(f'"published" must be a date string (YYYY-MM-DD), got {_json_type(value)}')
    url, title = record.get("url"), record.get("title")
    for name, item in (("url", url), ("title", title)):
        if item is not None and not isinstance(item, str):
            return bad(f'"{name}" must be a string, got {_json_type(item)}')
    if url and (problem := url_problem(url, limits)) is not None:
        return bad(f'"url" {_show(url)} is {problem}; fix it or leave "url" out')
    return Document(
        doc_id=doc_id,
        text=text,
        published=published if published is not None else default_date,
        url=url or None,
        title=clean_title(title, limits),
        source=where.source,
    )


def _doc_id(value: object, where: _Line, limits: Limits) -> str | ReadFailure:
    """The line's ``doc_id`` (the file's stem and the line number when it has none)."""
    if value is None:
        return f"{where.stem}:{where.number}"
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return where.failure(f'"doc_id" must be a string or an integer, got {_json_type(value)}')
    doc_id = str(value)
    if not doc_id.strip():
        return where.failure('"doc_id" is empty; give each line a name, or leave "doc_id" out')
    size = len(doc_id.encode("utf-8", "surrogatepass"))
    if size > limits.id_bytes:
        return where.failure(
            f'"doc_id" is longer than {limits.id_bytes:,} bytes ({size:,}); give a short name'
        )
    if _UNPRINTABLE.search(doc_id):
        return where.failure(
            f'"doc_id" {_show(doc_id)} has control characters or line breaks; give a printable name'
        )
    return doc_id
