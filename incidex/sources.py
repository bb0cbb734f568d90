"""Sources stage: everything ``incidex ingest SOURCE...`` accepts, turned into documents.

Needs: source names: paths (files or folders), ``"-"`` for stdin, or http(s) URLs.
Sets: :class:`~incidex.records.Document` (``doc_id``, ``text``, ``published``, ``url``,
``title``, ``source``), or a :class:`~incidex.reader.ReadFailure` naming the source and a reason
that says what to do. Like the reader, it never raises for a bad source: it reports it and goes on.

What each kind of source gives:

* **A folder**: every ``.txt .html .htm .jsonl .ndjson .xml .rss .atom`` file inside it, at any
  depth, in sorted path order; hidden files and folders (``.git``) are skipped and symbolic links
  to folders are not followed. Each file is read as if it were named on its own.
* **A feed** (RSS 2.0, RSS 1.0 or Atom): a ``.xml``/``.rss``/``.atom`` file, a file of another
  name that starts with ``<rss``, ``<feed`` or ``<rdf:RDF``, or a URL whose response does. Each
  item is a document: ``doc_id`` is ``"feed:"`` and 16 hex digits of a blake2b hash of the item's
  identity (its guid or Atom id when that is a URI, else its link, else the guid, title or text
  within the feed); ``url`` its link; ``title``; ``published`` its date (``pubDate``,
  ``dc:date``, Atom ``published`` or else ``updated``, as the calendar date where it was
  published); ``text`` its ``content:encoded``, Atom ``content``, or else its
  ``description``/``summary``, with the HTML taken out; ``source`` the feed's path or URL.
  Linked articles are not fetched unless ``follow_links=True``.
* **A web page URL**: fetched (redirects followed, size and time limited, a polite
  User-Agent), the article's text, title and date taken out with trafilatura;
  ``doc_id`` is ``"web:"`` and 16 hex digits of a blake2b hash of the final URL, ``url`` the
  final URL, ``source`` the URL as given. A ``text/plain`` response is kept as it is.
* **Anything else** (``.txt``, ``.html``, ``.jsonl`` files, stdin): :func:`incidex.reader.read_sources`.

``published`` means what it means to the reader: the date of text, HTML, stdin and web-page
documents (it wins over a page's own date); for feed items and JSON lines it only fills in
those without a date of their own.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import logging
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO
from urllib.parse import urldefrag, urljoin

from incidex.fetch import (
    ANY_ADDRESS,
    PUBLIC_ONLY,
    UNTYPED_MEDIA,
    USER_AGENT,
    XML_MEDIA,
    Fetcher,
    Response,
    megabytes,
)
from incidex.reader import ReadFailure, clean_title, failure, open_failure, read_sources, usable_url
from incidex.records import Document
from incidex.settings import DEFAULT_LIMITS, Limits
from incidex.text import safe_text

if TYPE_CHECKING:
    import httpx

__all__ = ["FEED_EXTENSIONS", "FOLDER_EXTENSIONS", "USER_AGENT", "iter_sources"]

log = logging.getLogger(__name__)

#: Files a folder source contributes.
FOLDER_EXTENSIONS = frozenset({".txt", ".html", ".htm", ".jsonl", ".ndjson", ".xml", ".rss", ".atom"})
#: Files read as feeds whatever their first bytes.
FEED_EXTENSIONS = frozenset({".xml", ".rss", ".atom"})
#: Files the reader reads without sniffing for a feed.
_READER_EXTENSIONS = frozenset({".txt", ".text", ".html", ".htm", ".xhtml", ".jsonl", ".ndjson"})

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_SNIFF_BYTES = 4096
# What may stand before a feed's root element: BOM, whitespace, XML declaration, processing
# instructions, comments and a DOCTYPE.
_PROLOG = re.compile(rb"(?:\xef\xbb\xbf|\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*", re.DOTALL)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|(?:[A-Za-z_][\w.-]*:)?RDF)[\s>/]")
_HTML_ROOT = re.compile(rb"<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)

# Namespaces of the feed formats.
_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_RSS1 = ("{http://purl.org/rss/1.0/}", "{http://my.netscape.com/rdf/simple/0.9/}")
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

_FEED_MEDIA = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
_HTML_MEDIA = frozenset({"text/html", "application/xhtml+xml"})


def iter_sources(
    sources: Sequence[str],
    *,
    published: dt.date | None = None,
    client: httpx.Client | None = None,
    limits: Limits = DEFAULT_LIMITS,
    allow_private_urls: bool = False,
    follow_links: bool = False,
    stdin: TextIO | BinaryIO | None = None,
) -> Iterator[Document | ReadFailure]:
    """Documents from each source in turn, or a :class:`ReadFailure` for each that failed.

    URLs are fetched by :class:`incidex.fetch.Fetcher`: public addresses only (after DNS, on
    every redirect hop) unless ``allow_private_urls``, within ``limits.fetch_seconds`` from
    connecting to the last byte and ``limits.fetch_bytes`` (which also bounds each local feed
    file). ``client`` is an httpx client to fetch with instead of incidex's own guarded one
    (made on the first URL and closed at the end); its transport decides where requests go,
    so only hosts written as addresses are checked (see :mod:`incidex.fetch`).
    ``follow_links`` fetches each feed item's page and takes the article's text from it (the
    item's own text is kept if the page fails).
    """
    guard = ANY_ADDRESS if allow_private_urls else PUBLIC_ONLY
    fetcher = Fetcher(client, limits=limits, guard=guard)
    options = _Options(published=published, follow_links=follow_links, limits=limits)
    try:
        for source in sources:
            if source == "-":
                yield from read_sources([source], published=published, stdin=stdin, limits=limits)
            elif _URL.match(source):
                yield from _read_url(source, fetcher, options)
            else:
                yield from _read_local(source, fetcher, options)
    finally:
        fetcher.close()


@dataclass(frozen=True)
class _Options:
    published: dt.date | None
    follow_links: bool
    limits: Limits


def _short_id(prefix: str, key: str) -> str:
    return prefix + hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


# --------------------------------------------------------------------------------------------
# Local files and folders


def _read_local(source: str, fetcher: Fetcher, options: _Options) -> Iterator[Document | ReadFailure]:
    path = Path(source)
    if path.is_dir():
        yield from _read_folder(source, fetcher, options)
    else:
        yield from _read_file(source, fetcher, options)


def _read_folder(source: str, fetcher: Fetcher, options: _Options) -> Iterator[Document | ReadFailure]:
    found: list[tuple[tuple[str, ...], str]] = []
    errors: list[OSError] = []
    for folder, subfolders, files in os.walk(source, onerror=errors.append):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        rel = Path(folder).relative_to(source).parts
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in FOLDER_EXTENSIONS:
                found.append(((*rel, name), os.path.join(folder, name)))
    for exc in errors:
        yield failure(
            exc.filename or source,
            f"cannot list the folder ({exc.strerror or exc}); check its permissions",
            cause=exc,
        )
    if not found and not errors:
        kinds = " ".join(sorted(FOLDER_EXTENSIONS))
        yield failure(source, f"the folder has no files to read ({kinds}); check the path")
    for _, file in sorted(found):
        yield from _read_file(file, fetcher, options)


def _read_file(source: str, fetcher: Fetcher, options: _Options) -> Iterator[Document | ReadFailure]:
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix in FEED_EXTENSIONS or (
        suffix not in _READER_EXTENSIONS and path.is_file() and _file_is_feed(path)
    ):
        yield from _read_feed_file(source, fetcher, options)
    else:
        yield from read_sources([source], published=options.published, limits=options.limits)


def _file_is_feed(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return _sniff_feed(handle.read(_SNIFF_BYTES))
    except OSError:
        return False  # the reader names the problem


def _read_feed_file(source: str, fetcher: Fetcher, options: _Options) -> Iterator[Document | ReadFailure]:
    path = Path(source)
    if path.exists() and not path.is_file():
        yield failure(source, "is not a regular file; give a feed file, a folder, or a URL")
        return
    try:
        with path.open("rb") as handle:
            data = handle.read(options.limits.fetch_bytes + 1)
    except OSError as exc:
        yield open_failure(source, exc)
        return
    if len(data) > options.limits.fetch_bytes:
        yield failure(
            source,
            f"larger than the {megabytes(options.limits.fetch_bytes)} limit for a feed; split it or raise Limits.fetch_bytes",
        )
        return
    yield from _feed_documents(data, source, None, fetcher, options)


# --------------------------------------------------------------------------------------------
# HTTP


def _read_url(source: str, fetcher: Fetcher, options: _Options) -> Iterator[Document | ReadFailure]:
    if not source.lower().startswith(("http://", "https://")):
        yield failure(source, "unsupported URL scheme; give an http:// or https:// URL, or a local path")
        return
    response = fetcher.get(source)
    if isinstance(response, ReadFailure):
        yield response
        return
    head = response.content[:_SNIFF_BYTES]
    media = response.media
    markup = head.startswith(b"<", _prolog_end(head))
    if b"\x00" in head:
        yield failure(source, "the response is binary data, not text; give the URL of a web page or feed")
    elif _sniff_feed(head) or media in _FEED_MEDIA:
        yield from _feed_documents(response.content, source, response.url, fetcher, options)
    elif (media.startswith("text/") and media not in _HTML_MEDIA | XML_MEDIA) or (
        media in UNTYPED_MEDIA and not markup
    ):
        yield _text_document(response, source, options.published)
    elif (
        (media in XML_MEDIA or media.endswith("+xml"))
        and media not in _HTML_MEDIA
        and not _HTML_ROOT.search(head)
    ):
        yield failure(
            source, "the response is XML but not an RSS or Atom feed; give the URL of a feed or a web page"
        )
    else:
        yield _page_document(response, source, options.published)


def _decode(response: Response) -> str:
    for encoding in (response.charset, "utf-8"):
        if encoding:
            try:
                text = response.content.decode(encoding)
                break
            except (LookupError, UnicodeDecodeError):
                continue
    else:
        text = response.content.decode("utf-8", errors="replace")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _text_document(response: Response, source: str, published: dt.date | None) -> Document | ReadFailure:
    text = _decode(response)
    if not text.strip():
        return failure(source, "the page is empty; check the URL")
    return Document(
        doc_id=_short_id("web:", urldefrag(response.url).url),
        text=text,
        published=published,
        url=usable_url(response.url, source),
        source=source,
    )


@dataclass(frozen=True)
class _Article:
    text: str
    title: str | None
    date: dt.date | None


def _extract_article(response: Response, source: str) -> _Article | ReadFailure:
    """The article in an HTML response, taken out with trafilatura as the reader does."""
    import trafilatura  # heavy: imported on first web page

    html: str | bytes = _decode(response) if response.charset else response.content
    try:
        extracted = trafilatura.bare_extraction(
            html,
            url=response.url,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
            with_metadata=True,
        )
    except Exception as exc:  # noqa: BLE001 - lxml/trafilatura raise many types on odd markup
        return failure(
            source, f"cannot parse the HTML ({exc}); save the article's text to a .txt file", cause=exc
        )
    text = (getattr(extracted, "text", None) or "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return failure(
            source,
            "no article text found on the page (a front page, a login wall, or text drawn by "
            "JavaScript?); give the article's own URL, or save its text to a .txt file",
        )
    return _Article(
        text=text,
        title=clean_title(getattr(extracted, "title", None)),
        date=_parse_date(getattr(extracted, "date", None)),
    )


def _page_document(response: Response, source: str, published: dt.date | None) -> Document | ReadFailure:
    article = _extract_article(response, source)
    if isinstance(article, ReadFailure):
        return article
    return Document(
        doc_id=_short_id("web:", urldefrag(response.url).url),
        text=article.text,
        published=published if published is not None else article.date,
        url=usable_url(response.url, source),
        title=article.title,
        source=source,
    )


# --------------------------------------------------------------------------------------------
# Feeds


def _sniff_feed(head: bytes) -> bool:
    """Whether ``head`` starts (after the XML prolog) with an RSS, RSS 1.0 or Atom root."""
    return _FEED_ROOT.match(head, _prolog_end(head)) is not None


def _prolog_end(head: bytes) -> int:
    prolog = _PROLOG.match(head)
    return prolog.end() if prolog else 0


@dataclass(frozen=True)
class _Item:
    identity: str
    link: str | None
    title: str | None
    date: dt.date | None
    text: str


def _feed_documents(
    data: bytes, source: str, base: str | None, fetcher: Fetcher, options: _Options
) -> Iterator[Document | ReadFailure]:
    items = _parse_feed(data, source, base)
    if isinstance(items, ReadFailure):
        yield items
        return
    log.info("%s: %d feed items", source, len(items))
    for item in items:
        yield _item_document(item, source, fetcher, options)


def _parse_feed(data: bytes, source: str, base: str | None) -> list[_Item] | ReadFailure:
    # The standard library's expat refuses external entities and (since expat 2.4.1) caps
    # entity expansion, so a hostile feed cannot read files or blow up memory.
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        message = str(exc).split(":")[0]
        return failure(
            source,
            f"malformed feed XML ({message} at line {line}, column {column + 1}); "
            "the feed is broken: tell its publisher, or save it and fix the XML",
            cause=exc,
        )
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            return failure(source, "an RSS feed without a <channel>; check that this is the feed's URL")
        # Relative item links are resolved against xml:base if the feed sets one, else against
        # the channel's <link> (the site; the feed itself may be hosted elsewhere).
        site = (channel.findtext("link") or "").strip()
        if site and root.get(_XML_BASE) is None and channel.get(_XML_BASE) is None:
            base = urljoin(base, site) if base else site
        else:
            base = _xml_base(channel, _xml_base(root, base))
        return [_rss_item(item, _xml_base(item, base), source) for item in channel.findall("item")]
    if root.tag == _ATOM + "feed":
        # Atom resolves against xml:base and the feed's own URL; a saved file has no URL, so
        # its site's address stands in.
        base = _xml_base(root, base) or _atom_link(root, None)
        return [_atom_item(entry, _xml_base(entry, base), source) for entry in root.findall(_ATOM + "entry")]
    if root.tag == _RDF + "RDF":
        base = _xml_base(root, base)
        items = [el for ns in _RSS1 for el in root.findall(ns + "item")]
        return [_rss_item(item, base, source, ns=_namespace(item.tag)) for item in items]
    tag = root.tag.rpartition("}")[2]
    return failure(
        source,
        f"XML but not an RSS or Atom feed (its root element is <{tag}>); give a feed, "
        "or a .txt, .html or .jsonl file",
    )


def _namespace(tag: str) -> str:
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


def _xml_base(element: ET.Element, base: str | None) -> str | None:
    value = element.get(_XML_BASE)
    if not value:
        return base
    return urljoin(base, value) if base else value


def _text_of(element: ET.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _rss_item(item: ET.Element, base: str | None, source: str, *, ns: str = "") -> _Item:
    link = _text_of(item.find(ns + "link")) or None
    if link is None:
        link = _atom_link(item, base)
    elif base:
        link = urljoin(base, link)
    if link is None and (rdf_about := item.get(_RDF + "about")):
        link = rdf_about
    guid_element = item.find("guid")
    guid = _text_of(guid_element)
    if (
        link is None
        and guid.lower().startswith(("http://", "https://"))
        and guid_element is not None
        and guid_element.get("isPermaLink", "true").lower() != "false"
    ):
        link = guid  # RSS 2.0: a permalink guid is the item's URL
    date = None
    for tag in ("pubDate", _DC + "date", _ATOM + "published", _ATOM + "updated"):
        date = _parse_date(_text_of(item.find(tag)))
        if date is not None:
            break
    html = ""
    for tag in (_CONTENT + "encoded", ns + "description", _DC + "description", _ATOM + "summary"):
        html = _text_of(item.find(tag))
        if html:
            break
    text = _html_to_text(html)
    title = clean_title(_html_to_text(_text_of(item.find(ns + "title"))))
    identity = _identity(guid, link, title, date, text, source)
    return _Item(identity, usable_url(link, source), title, date, text)


def _atom_link(element: ET.Element, base: str | None) -> str | None:
    """The ``alternate`` link of an Atom feed or entry (or of an RSS item using atom:link)."""
    fallback = None
    for link in element.findall(_ATOM + "link"):
        href = (link.get("href") or "").strip()
        if not href:
            continue
        href = urljoin(base, href) if base else href
        rel = link.get("rel", "alternate")
        if rel == "alternate" and link.get("type", "text/html") in ("text/html", "application/xhtml+xml"):
            return href
        if rel == "alternate" and fallback is None:
            fallback = href
    return fallback


def _atom_item(entry: ET.Element, base: str | None, source: str) -> _Item:
    link = _atom_link(entry, base)
    guid = _text_of(entry.find(_ATOM + "id"))
    date = _parse_date(_text_of(entry.find(_ATOM + "published"))) or _parse_date(
        _text_of(entry.find(_ATOM + "updated"))
    )
    text = ""
    content = entry.find(_ATOM + "content")
    if content is not None and not content.get("src"):
        text = _atom_text(content)
    if not text:
        text = _atom_text(entry.find(_ATOM + "summary"))
    title = clean_title(_atom_text(entry.find(_ATOM + "title")))
    identity = _identity(guid, link, title, date, text, source)
    return _Item(identity, usable_url(link, source), title, date, text)


def _atom_text(element: ET.Element | None) -> str:
    """The text of an Atom text construct (``type`` text, html or xhtml)."""
    if element is None:
        return ""
    kind = element.get("type", "text").lower()
    if kind == "xhtml":
        inner = "".join(ET.tostring(child, encoding="unicode") for child in element)
        return _html_to_text((element.text or "") + inner)
    if kind in ("html", "text/html"):
        return _html_to_text(element.text or "")
    if kind == "text" or kind.startswith("text/") or kind.endswith("+xml") or kind.endswith("/xml"):
        text = "".join(element.itertext()) if kind != "text" else element.text or ""
        return "\n".join(line for line in (" ".join(ln.split()) for ln in text.splitlines()) if line)
    return ""  # base64-encoded media: no text


def _identity(
    guid: str, link: str | None, title: str | None, date: dt.date | None, text: str, source: str
) -> str:
    """What makes an item the same item across fetches of its feed (hashed into ``doc_id``)."""
    if guid and _URL_OR_URN.match(guid):
        return guid  # a URI is unique by itself: the same item in two feeds gets one id
    if link:
        return link
    if guid:
        return f"{source}#{guid}"
    if title:
        return f"{source}#{title}|{date.isoformat() if date else ''}"
    return f"{source}#{hashlib.blake2b(text.encode('utf-8'), digest_size=16).hexdigest()}"


_URL_OR_URN = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://|urn:|tag:)\S", re.IGNORECASE)


def _item_document(item: _Item, source: str, fetcher: Fetcher, options: _Options) -> Document | ReadFailure:
    doc_id = _short_id("feed:", item.identity)
    text, title, date, url = item.text, item.title, item.date, item.link
    if options.follow_links and item.link and item.link.lower().startswith(("http://", "https://")):
        article = _follow(item.link, fetcher)
        if isinstance(article, ReadFailure):
            if not text.strip():
                return failure(article.error.source, article.error.reason, doc_id=doc_id, cause=article.error)
            log.warning("%s; keeping the feed item's own text", article)
        else:
            text, url = article[0].text, article[1]
            title = title or article[0].title
            date = date or article[0].date
    if not text.strip():
        hint = "" if options.follow_links else "; use follow_links to fetch the linked article"
        what = "no link to fetch" if options.follow_links else "no content or description"
        return failure(source, f"a feed item with no text ({what}){hint}", doc_id=doc_id)
    return Document(
        doc_id=doc_id,
        text=text,
        published=date if date is not None else options.published,
        url=url,
        title=title,
        source=source,
    )


def _follow(link: str, fetcher: Fetcher) -> tuple[_Article, str] | ReadFailure:
    response = fetcher.get(link)
    if isinstance(response, ReadFailure):
        return response
    if response.media == "text/plain":
        text = _decode(response)
        if text.strip():
            return _Article(text=text, title=None, date=None), response.url
        return failure(link, "the linked page is empty")
    article = _extract_article(response, link)
    if isinstance(article, ReadFailure):
        return article
    return article, response.url


# --------------------------------------------------------------------------------------------
# Dates and HTML


def _parse_date(value: object) -> dt.date | None:
    """The calendar date of an RFC 822 (RSS) or ISO 8601 (Atom, Dublin Core) timestamp, as
    written (in the publisher's time zone); ``None`` if it is neither."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    try:
        return dt.datetime.fromisoformat(value).date()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return None


# Word lists read better than one string a line. noqa SIM905: split() of a literal is deliberate.
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "  # noqa: SIM905
    "header hr li main nav ol p pre section table td th tr ul".split()
)
_SKIP_TAGS = frozenset("script style noscript template iframe object svg math head select".split())  # noqa: SIM905


def _html_to_text(html: str) -> str:
    """The text of an HTML fragment: one line a block (paragraph, heading, list item, ``<br>``),
    spaces collapsed, scripts and styles dropped, entities decoded; NULs and lone surrogates
    made U+FFFD (:func:`incidex.text.safe_text`)."""
    html = safe_text(html)
    if "<" not in html and "&" not in html:
        return "\n".join(line for line in (" ".join(ln.split()) for ln in html.splitlines()) if line)
    from lxml import etree  # trafilatura's parser, already installed; imported on first use

    # libxml2's HTML parser, not html.parser: that one rescans to the end of the input at every
    # unclosed tag or comment ("<a <a <a ...": 17 s for 24 kB), libxml2 reads any input in
    # linear time and stops at 256 levels of nesting. Bytes, so that an encoding declaration
    # in the fragment is harmless.
    parser = etree.HTMLParser(encoding="utf-8", no_network=True)
    root = etree.fromstring(html.encode("utf-8"), parser)
    if root is None:  # nothing but whitespace or comments
        return ""
    lines: list[list[str]] = [[]]
    walk = etree.iterwalk(root, events=("start", "end"))
    for event, element in walk:
        tag = element.tag
        name = tag.rpartition(":")[2].lower() if isinstance(tag, str) else ""  # "html:p" is "p"
        if event == "start":
            if not isinstance(tag, str) or name in _SKIP_TAGS:  # comments, scripts, styles
                walk.skip_subtree()
                continue
            if name in _BLOCK_TAGS:
                lines.append([])
            elif name == "img":
                lines[-1].append(" ")
            lines[-1].append(element.text or "")
        else:
            if name in _BLOCK_TAGS:
                lines.append([])
            if element is not root:
                lines[-1].append(element.tail or "")
    text = (" ".join("".join(parts).split()) for parts in lines)
    return "\n".join(line for line in text if line)
