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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO

from incidex.errors import InputError
from incidex.records import Document

__all__ = ["MAX_DOCUMENT_BYTES", "STDIN", "ReadFailure", "read_sources"]

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
_MAX_CONTROL_SHARE = 0.05  # more control characters than this: binary data, not text
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # control characters, not \t \n \v \f \r
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)


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
) -> Iterator[Document | ReadFailure]:
    """Documents read from each source in turn, or a :class:`ReadFailure` for each that failed.

    ``sources`` are paths, or ``"-"`` for ``stdin`` (default: the process's standard input).
    ``published`` is the publication date given to text, HTML and stdin documents, and to JSON
    lines that have none of their own.
    """
    for source in sources:
        if source == "-":
            stream: Any = stdin if stdin is not None else sys.stdin
            yield from _read_stream(_ByteStream(stream), STDIN, "stdin", published)
        else:
            yield from _read_path(source, published)


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


def open_failure(source: str, exc: OSError) -> ReadFailure:
    if isinstance(exc, FileNotFoundError):
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
    limit = MAX_DOCUMENT_BYTES // (1024 * 1024)
    got = f"{size / (1024 * 1024):.1f} MB" if size is not None else "more than that"
    return f"larger than the {limit} MB limit per document ({got}); split it into smaller documents"


def _read_path(source: str, published: dt.date | None) -> Iterator[Document | ReadFailure]:
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
            _ByteStream(handle), source, path.stem, published, kind=kind, size=info.st_size
        )


def _read_stream(
    stream: _ByteStream,
    source: str,
    stem: str,
    published: dt.date | None,
    *,
    kind: str | None = None,
    size: int | None = None,
) -> Iterator[Document | ReadFailure]:
    try:
        head = stream.read(_SNIFF_BYTES)
    except OSError as exc:
        yield open_failure(source, exc)
        return
    stream.unread(head)
    if not head.strip():
        rest = b"" if len(head) < _SNIFF_BYTES else stream.read(MAX_DOCUMENT_BYTES)
        if not rest.strip():
            what = "empty" if not head and not rest else "only whitespace"
            yield failure(source, f"is {what}; give a file with text in it")
            return
        stream.unread(rest)
        head = rest.lstrip()[:_SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        yield failure(source, "is UTF-16 text; re-encode it as UTF-8")
        return
    if b"\x00" in head:
        yield failure(
            source,
            "contains NUL bytes: binary data or UTF-16, not UTF-8 text; give a UTF-8 text file",
        )
        return
    if kind is None:
        kind = _sniff(head)
    if kind == "jsonl":
        yield from _read_jsonl(stream, source, stem, published)
        return
    if size is not None and size > MAX_DOCUMENT_BYTES:
        yield failure(source, _too_large(size))
        return
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        yield failure(source, _too_large(None))
        return
    if kind == "html":
        yield _html_document(data, source, stem, published)
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


def _html_document(data: bytes, source: str, stem: str, published: dt.date | None) -> Document | ReadFailure:
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
        url=getattr(extracted, "url", None) or None,
        title=getattr(extracted, "title", None) or None,
        source=source,
    )


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
    stream: _ByteStream, source: str, stem: str, published: dt.date | None
) -> Iterator[Document | ReadFailure]:
    lineno = 0
    offset = 0  # byte offset of the line's start in the stream
    seen_any = False
    while True:
        try:
            raw = stream.readline(MAX_DOCUMENT_BYTES + 1)
        except OSError as exc:
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
                chunk = stream.readline(_SKIP_CHUNK)
                size += len(chunk)
                offset += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
            seen_any = True
            yield failure(source, _too_large(size), line=lineno)
            continue
        if not raw.strip():
            continue
        seen_any = True
        yield _jsonl_document(raw, source, stem, lineno, start, published)
    if not seen_any:
        yield failure(source, "is empty; give a file with text in it")


def _jsonl_document(
    raw: bytes, source: str, stem: str, lineno: int, offset: int, default_date: dt.date | None
) -> Document | ReadFailure:
    if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        offset += 3
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = offset + exc.start
        return failure(
            source,
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {at}); re-encode it as UTF-8",
            line=lineno,
            cause=exc,
        )
    try:
        record = json.loads(line.rstrip("\r\n"))
    except json.JSONDecodeError as exc:
        return failure(
            source,
            f"malformed JSON ({exc.msg} at column {exc.colno}); fix the line or remove it",
            line=lineno,
            cause=exc,
        )
    if not isinstance(record, dict):
        return failure(
            source,
            f"expected a JSON object, got {type(record).__name__}; write one object a line",
            line=lineno,
        )
    raw_id = record.get("doc_id")
    if raw_id is None:
        doc_id = f"{stem}:{lineno}"
    elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) and str(raw_id).strip():
        doc_id = str(raw_id)
    else:
        return failure(source, f'"doc_id" must be a non-empty string, got {raw_id!r}', line=lineno)
    text = record.get("text")
    if text is None:
        return failure(
            source, 'missing "text"; each line needs the document text', line=lineno, doc_id=doc_id
        )
    if not isinstance(text, str):
        return failure(
            source, f'"text" must be a string, got {type(text).__name__}', line=lineno, doc_id=doc_id
        )
    if not text.strip():
        return failure(source, '"text" is empty; give the document text', line=lineno, doc_id=doc_id)
    value = record.get("published")
    published = _parse_date(value)
    if value not in (None, "") and published is None:
        return failure(
            source, f'invalid "published" date {value!r}; use YYYY-MM-DD', line=lineno, doc_id=doc_id
        )
    fields: dict[str, str | None] = {}
    for name in ("url", "title"):
        item = record.get(name)
        if item is not None and not isinstance(item, str):
            return failure(
                source, f'"{name}" must be a string, got {type(item).__name__}', line=lineno, doc_id=doc_id
            )
        fields[name] = item or None
    return Document(
        doc_id=doc_id,
        text=text,
        published=published if published is not None else default_date,
        url=fields["url"],
        title=fields["title"],
        source=source,
    )
