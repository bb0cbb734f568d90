"""Limits and thresholds as one typed object, each field with the reason for its value.

A stage takes the settings it needs as an argument (with these defaults), never a module
global, so that a test or a caller can change one without patching code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What one document, one request or one fetch may cost before it is refused.

    Hostile or broken input must fail alone: past a limit the document is recorded as failed
    with its reason and the run goes on."""

    #: Characters of text one document may have. A long news feature is 30,000; a 10 MB file
    #: of text is data, not a report, and would hold the extraction worker for minutes.
    doc_chars: int = 2_000_000
    #: Seconds of extraction one document may take. A news text takes well under a second;
    #: 20 s means something in it makes the rules grow faster than its length.
    doc_seconds: float = 20.0
    #: Characters of one sentence the rules and the model see. Sentences of news run to a few
    #: hundred characters; a longer run (a table, a list with no full stops) is cut into
    #: pieces of this size so that no pattern or parse sees more at once.
    sentence_chars: int = 2_000
    #: Bytes of a request body the API reads before it refuses the request (413): a report
    #: is tens of kilobytes, a correction a few hundred bytes.
    request_bytes: int = 4_000_000
    #: Bytes of a fetched page or feed (also enforced while streaming).
    fetch_bytes: int = 10_000_000
    #: Seconds one fetch may take from connecting to the last byte of the body, redirects
    #: included: a server that trickles headers or body cannot hold a run longer.
    fetch_seconds: float = 20.0
    #: Redirects one fetch follows (each hop's address checked): browsers stop near 20, and a
    #: news page that needs more than a few is a loop.
    fetch_redirects: int = 10
    #: Bytes of a document's ``doc_id``. It is a unique key: PostgreSQL's index refuses a key
    #: over 2,704 bytes, and ids are names (a file's stem, a gold file's "EN-0042").
    id_bytes: int = 1_000
    #: Bytes of a document's URL, also a unique key; 2,048 is the sitemap protocol's bound,
    #: which crawlers and browsers treat as the longest sane address.
    url_bytes: int = 2_048
    #: Characters of a title kept (longer ones are cut): a headline is under 200, and a title
    #: of megabytes is a page's text in the wrong field.
    title_chars: int = 1_000
    #: Levels of nesting in a JSON line. A report is 2-5 deep; Python's parser gives up
    #: somewhere near 1,000 depending on the stack in use, so a fixed bound answers the same
    #: wherever the reader runs.
    json_depth: int = 64
    #: Digits of an integer in a JSON line. Python refuses more than 4,300 (and, where that
    #: check is lifted, takes time quadratic in the digits); no id or figure needs 100.
    json_digits: int = 100


DEFAULT_LIMITS = Limits()
