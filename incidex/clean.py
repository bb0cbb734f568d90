"""Cleaning stage: split a document into paragraphs and sentences, drop what is not the report.

Needs: :class:`~incidex.records.Document` (its ``text`` exactly as read).
Sets: :class:`~incidex.records.CleanDocument` with the kept ``sentences`` (offsets into the
original ``Document.text``, so ``doc.text[s.start:s.end] == s.text``) and the ``dropped``
ranges, each ``(start, end, reason)``.

What is dropped, and the reason recorded for it:

* page furniture matched by the rules in ``incidex/data/boilerplate.txt`` (bylines, date lines,
  share buttons, "Read more" links, link lists, copyright and cookie notices, ...); the reason is
  the rule's reason word (``"byline"``, ``"date-line"``, ``"share"``, ...). A section header such
  as "Popular posts" after the article body also drops the short, link-like lines under it
  (``"related-links"``).
* repeated passages, keeping the first occurrence: ``"repeated-paragraph"`` (a whole paragraph,
  which covers a body printed twice) and ``"repeated-sentence"``; texts are compared by a
  normalised key (lowercase, whitespace collapsed, punctuation at the ends stripped).
* sentences with no letter or digit in them (a lone "-" or bullet): ``"no-text"``.

Every non-whitespace character of the text ends up either in a kept sentence or in a dropped
range. Headlines are kept: they often carry the incident's facts.

Paragraphs are blocks separated by blank lines or single newlines (news text is often one
paragraph per line). Hard-wrapped text ("... shot dead a\\npro-government elder ...") is joined
back into one paragraph: a line that does not end a sentence continues on the next line when
that line starts in lowercase, when it ends in a hyphenated word break, or when the whole text
is wrapped at a fixed width. Sentences are split with regular expressions tuned for news
(abbreviations, initials, decimals, datelines, quotes, ALL-CAPS wire copy, "Tuesday.A").
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

from incidex.budget import UNLIMITED, Budget
from incidex.errors import ResourceError
from incidex.records import CleanDocument, Document, Sentence
from incidex.settings import DEFAULT_LIMITS

__all__ = [
    "MAX_SENTENCE_CHARS",
    "BoilerplateRules",
    "boilerplate_rules",
    "clean",
    "parse_boilerplate",
    "split_sentences",
]

#: A sentence longer than this is split again at semicolons.
MAX_SENTENCE_CHARS = 600
#: Boilerplate rules are tried only on lines up to this long: prose paragraphs are never dropped.
MAX_BOILERPLATE_LINE = 400

_BOILERPLATE_FILE = "boilerplate.txt"


# --------------------------------------------------------------------------------------------
# Boilerplate rules (data: incidex/data/boilerplate.txt)


@dataclass(frozen=True)
class BoilerplateRules:
    """Compiled boilerplate rules; each kind is one alternation of named groups ``r0``, ``r1``..."""

    line: re.Pattern[str] | None
    prefix: re.Pattern[str] | None
    section: re.Pattern[str] | None
    reasons: tuple[str, ...]  # reason word of group ``r{i}``

    def reason(self, match: re.Match[str]) -> str:
        for name, value in match.groupdict().items():
            if value is not None:
                return self.reasons[int(name[1:])]
        return "boilerplate"  # pragma: no cover - a match always has one group set


_KINDS = ("line", "prefix", "section")


def parse_boilerplate(text: str, *, source: str = _BOILERPLATE_FILE) -> BoilerplateRules:
    """Compile boilerplate rules from the text of a rules file (see its header for the format)."""
    defines: dict[str, str] = {}
    rules: dict[str, list[tuple[int, str]]] = {kind: [] for kind in _KINDS}
    reasons: list[str] = []
    kind: str | None = None

    def expand(regex: str) -> str:
        return re.sub(
            r"\{([A-Z][A-Z0-9_]*)\}", lambda m: f"(?:{defines[m[1]]})" if m[1] in defines else m[0], regex
        )

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            kind = line[1:-1].strip()
            if kind not in _KINDS:
                raise ResourceError(
                    f"{source}:{lineno}: unknown section [{kind}]; use one of {', '.join(_KINDS)}"
                )
            continue
        if line.startswith("@define"):
            parts = line.split(None, 2)
            if len(parts) != 3:
                raise ResourceError(f"{source}:{lineno}: write '@define NAME regex'")
            defines[parts[1]] = expand(parts[2])
            continue
        parts = line.split(None, 1)
        if kind is None or len(parts) != 2:
            raise ResourceError(
                f"{source}:{lineno}: write 'reason regex' under a [line], [prefix] or [section] header"
            )
        reason, regex = parts[0], expand(parts[1])
        try:
            re.compile(regex, re.IGNORECASE)
        except re.error as exc:
            raise ResourceError(f"{source}:{lineno}: bad regex for {reason!r}: {exc}") from exc
        rules[kind].append((len(reasons), regex))
        reasons.append(reason)

    def combine(items: list[tuple[int, str]]) -> re.Pattern[str] | None:
        if not items:
            return None
        return re.compile("|".join(f"(?P<r{i}>{regex})" for i, regex in items), re.IGNORECASE)

    return BoilerplateRules(
        line=combine(rules["line"]),
        prefix=combine(rules["prefix"]),
        section=combine(rules["section"]),
        reasons=tuple(reasons),
    )


@functools.cache
def boilerplate_rules() -> BoilerplateRules:
    """The package's boilerplate rules, loaded on first use."""
    path = resources.files("incidex") / "data" / _BOILERPLATE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ResourceError(f"{path}: cannot read the boilerplate rules ({exc}); reinstall incidex") from exc
    return parse_boilerplate(text, source=str(path))


# --------------------------------------------------------------------------------------------
# Lines and paragraphs

_CONTENT_LINE = re.compile(r"\S(?:[^\n]*\S)?")  # a line's text without surrounding whitespace
_ENDS_SENTENCE = re.compile(r"[.!?…:;][\"'”’)\]»]*\Z")
_ENDS_PROSE = re.compile(r"[.!][\"'”’)\]»]*\Z")
# A dateline alone on its line, "PESHAWAR, Pakistan, Dec. 16 (UPI) —": it opens the next line's paragraph.
_DATELINE_LINE = re.compile(r"[A-Z][A-Z'’.-]+(?:\s+[A-Z][A-Z'’.-]+)*(?:,[^\n]{0,60}?)?\s*[—–-]")
_HYPHEN_BREAK = re.compile(r"[^\W\d_]-\Z")  # "Ex-" at the end of a line, not " -"
_WORD = re.compile(r"\S+")
_HAS_TEXT = re.compile(r"[^\W_]")

_PROSE_MIN_WORDS = 8  # a line this long ending in "." is article prose
_LINK_MAX_WORDS = 20  # a line under a "Popular posts" header this short, not ending in ".", is a link


def _lines(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _CONTENT_LINE.finditer(text)]


def _is_wrapped(text: str, lines: list[tuple[int, int]]) -> tuple[bool, int]:
    """Whether the text is hard-wrapped at a fixed width (and that width)."""
    if len(lines) < 4:
        return False, 0
    width = max(e - s for s, e in lines)
    if width > 100:
        return False, width
    full = sum(1 for s, e in lines if e - s >= 0.6 * width and not _ENDS_SENTENCE.search(text, s, e))
    return full >= max(3, 0.4 * len(lines)), width


def _continues(text: str, prev: tuple[int, int], line: tuple[int, int], wrapped: bool, width: int) -> bool:
    """Whether ``line`` continues the paragraph of ``prev`` (the line just before it)."""
    ps, pe = prev
    if _DATELINE_LINE.fullmatch(text, ps, pe):
        return True
    if _ENDS_SENTENCE.search(text, ps, pe):
        return False
    if text[line[0]].islower() or _HYPHEN_BREAK.search(text, ps, pe):
        return True
    return wrapped and pe - ps >= 0.6 * width


# --------------------------------------------------------------------------------------------
# Sentences

# Candidate sentence ends: terminal punctuation, closing quotes/brackets, then either whitespace
# and the next word, or no space and a capitalised word ("on Tuesday.A suicide bombing").
_CANDIDATE = re.compile(
    r"""
    (?P<term>\.{2,}|…|[.!?]+)
    (?P<close>["'”’)\]»]*)
    (?:
        (?P<ws>\s+)(?=["'“‘(\[«]*\w)
      | (?=["“‘]?[A-Z][^\s.]*(?:\s|\Z))
    )
    """,
    re.VERBOSE,
)
_OPENERS = "\"'“‘([«"
_SEMICOLON = re.compile(r";\s+")
_HAS_UPPER = re.compile(r"[A-Z]")
_LOOSE_END = re.compile(r"[.!?]+[\"'”’)\]»]*(?=\s)")


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Abbreviations that never end a sentence before a capitalised word (titles and ranks).
_TITLES = _wordset(
    """mr mrs ms mx dr prof gen lt col sgt capt cpt maj brig cmdr cdr comdr adm gov sen rep rev hon
    st mt ft pres supt insp det cpl pvt fr messrs mme mlle gens sens reps govs lieut rt spc atty
    vs v"""
)
# Abbreviations that do not end a sentence before a number ("Dec. 16", "No. 5").
_BEFORE_NUMBER = _wordset(
    "jan feb mar apr jun jul aug sep sept oct nov dec no nos art vol fig p pp para ch ref tel"
)
# Words after "a.m."/"p.m." that continue the sentence ("10 a.m. Monday", "9 p.m. local time").
_AFTER_CLOCK = _wordset(
    """monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun today
    tonight tomorrow yesterday local gmt utc bst est edt et pt pst pdt ist cet cest eat wat cat pkt
    jan january feb february mar march apr april may jun june jul july aug august sep sept september
    oct october nov november dec december"""
)
_DOTTED_LETTERS = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# A dateline ending in a period ("Kharkiv, March 3, 2016."): it stays with the sentence after it.
_DATELINE = re.compile(
    rf"[A-Z][\w'’. -]{{0,40}},(?:\s[\w'’. -]{{1,30}},)?\s+"
    rf"(?:{_MONTHS}\.?\s+\d{{1,2}}(?:,\s*\d{{4}})?|\d{{1,2}}\s+{_MONTHS}\.?(?:,?\s+\d{{4}})?)\s*\.",
    re.IGNORECASE,
)


def _token_before(text: str, end: int) -> str:
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "."):
        start -= 1
    return text[start:end]


def date_abbreviation_before(text: str, end: int) -> bool:
    """Whether the period at ``text[end]`` is inside a date or time phrase: a month before its
    day ("Oct. 10") or a clock time ("10 p.m. Monday")."""
    token = _token_before(text, end).lower()
    rest = text[end + 1 :]
    after = end + 1 + len(rest) - len(rest.lstrip())  # where the next word starts
    if token in _MONTH_ABBREVIATIONS:
        return text[after : after + 1].isdigit()
    return token in ("a.m", "p.m") and _next_word(text, after) in _AFTER_CLOCK


_MONTH_ABBREVIATIONS = _wordset("jan feb mar apr jun jul aug sep sept oct nov dec")


def _next_word(text: str, start: int) -> str:
    m = _WORD.match(text, start)
    return m.group().strip(string.punctuation + "“”‘’«»").lower() if m else ""


def _is_boundary(text: str, m: re.Match[str]) -> bool:
    """Whether a candidate end ``m`` (from :data:`_CANDIDATE`) really ends a sentence."""
    term = m["term"]
    after = m.end()
    if m["ws"] is None:
        # No space: only "lowercase word.Capital" ends a sentence ("Tuesday.A suicide").
        start = m.start()
        return start >= 2 and text[start - 1].islower() and text[start - 2].isalpha() and term in ".!?"
    i = after
    while i < len(text) and text[i] in _OPENERS:
        i += 1
    first = text[i] if i < len(text) else ""
    if not (first.isupper() or first.isdigit()):
        return False
    if term != "." or m["close"]:
        return True
    token = _token_before(text, m.start())
    lower = token.lower()
    if lower in _TITLES:
        return False
    if first.isdigit() and lower in _BEFORE_NUMBER:
        return False
    if len(token) == 1 and token.isalpha() and token.isupper():
        return False  # an initial: "J. Smith"
    if _DOTTED_LETTERS.fullmatch(token):
        if lower in ("a.m", "p.m"):  # "10 a.m. Monday", "10 a.m. (9 p.m. PT)" go on
            return text[i - 1] != "(" and _next_word(text, i) not in _AFTER_CLOCK
        return False  # "U.S.", "U.N.", "e.g."
    return True


def _raw_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of one paragraph's text (not yet stripped or length-limited)."""
    spans: list[tuple[int, int]] = []
    start = 0
    if _HAS_UPPER.search(text):
        for m in _CANDIDATE.finditer(text):
            if _is_boundary(text, m):
                end = m.end("close")
                spans.append((start, end))
                start = end
    else:  # no capital letters at all: any ". " ends a sentence
        for m in _LOOSE_END.finditer(text):
            spans.append((start, m.end()))
            start = m.end()
    spans.append((start, len(text)))
    return spans


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str, max_chars: int = DEFAULT_LIMITS.sentence_chars) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of one paragraph, whitespace excluded.

    Datelines ending in a period stay with the sentence after them; a sentence longer than
    :data:`MAX_SENTENCE_CHARS` is split again after its semicolons, and a piece still longer
    than ``max_chars`` (a table, a list without full stops, hostile text) is cut at the last
    space before that length, or at that length where there is none: no pattern and no
    parse sees more than ``max_chars`` at once.
    """
    spans = [_strip(text, s, e) for s, e in _raw_sentences(text)]
    spans = [(s, e) for s, e in spans if s < e]
    if len(spans) > 1 and _DATELINE.fullmatch(text, spans[0][0], spans[0][1]):
        spans[0:2] = [(spans[0][0], spans[1][1])]
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if e - s <= MAX_SENTENCE_CHARS:
            out.extend(_cut(text, s, e, max_chars))
            continue
        piece = s
        for m in _SEMICOLON.finditer(text, s, e):
            out.extend(_cut(text, piece, m.start() + 1, max_chars))
            piece = m.end()
        out.extend(_cut(text, piece, e, max_chars))
    return out


def _cut(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """``text[start:end]`` in pieces of at most ``max_chars``, cut after a space where one is
    in the second half of the piece."""
    out = []
    while end - start > max_chars:
        cut = start + max_chars
        for i in range(cut, start + max_chars // 2, -1):
            if text[i].isspace():
                cut = i
                break
        piece = _strip(text, start, cut)
        if piece[0] < piece[1]:
            out.append(piece)
        start = _strip(text, cut, end)[0]
    out.append((start, end))
    return out


# --------------------------------------------------------------------------------------------
# The stage

_KEY_STRIP = string.punctuation + string.whitespace + "“”‘’«»‹›—–…•·"


def _key(text: str) -> str:
    """Normalised text for spotting repeats: lowercase, one space, no punctuation at the ends."""
    return " ".join(text.lower().split()).strip(_KEY_STRIP)


class _Dropped:
    def __init__(self) -> None:
        self.ranges: list[tuple[int, int, str]] = []

    def add(self, start: int, end: int, reason: str) -> None:
        if start < end:
            self.ranges.append((start, end, reason))

    def merged(self, text: str) -> tuple[tuple[int, int, str], ...]:
        """Sorted ranges; neighbours with the same reason and only whitespace between are merged."""
        out: list[tuple[int, int, str]] = []
        for start, end, reason in sorted(self.ranges):
            if out and out[-1][2] == reason and (text[out[-1][1] : start].isspace() or out[-1][1] == start):
                out[-1] = (out[-1][0], end, reason)
            else:
                out.append((start, end, reason))
        return tuple(out)


def _paragraphs(text: str, dropped: _Dropped) -> Iterator[tuple[int, int]]:
    """Paragraph spans of ``text`` after line-level boilerplate is dropped."""
    rules = boilerplate_rules()
    lines = _lines(text)
    wrapped, width = _is_wrapped(text, lines)
    prose_seen = False
    in_links = False
    para: tuple[int, int] | None = None
    prev: tuple[int, int] | None = None  # the last kept line, if it is the line just before

    for start, end in lines:
        blank_before = para is not None and text.count("\n", para[1], start) >= 2
        if blank_before:
            prev = None
        kept = True
        if rules.prefix is not None and (m := rules.prefix.match(text, start, end)) and m.end() > start:
            dropped.add(start, m.end(), rules.reason(m))
            start = m.end()
            while start < end and text[start].isspace():
                start += 1
            kept = start < end
        if kept and end - start > MAX_BOILERPLATE_LINE:
            in_links = False
        elif kept:
            if rules.section is not None and (m := rules.section.fullmatch(text, start, end)):
                dropped.add(start, end, rules.reason(m))
                in_links = prose_seen
                kept = False
            elif rules.line is not None and (m := rules.line.fullmatch(text, start, end)):
                dropped.add(start, end, rules.reason(m))
                kept = False
            elif in_links:
                words = len(_WORD.findall(text, start, end))
                if words <= _LINK_MAX_WORDS and not _ENDS_PROSE.search(text, start, end):
                    dropped.add(start, end, "related-links")
                    kept = False
                else:
                    in_links = False
        if not kept:
            if para is not None:
                yield para
                para = None
            prev = None
            continue
        if not prose_seen and _ENDS_PROSE.search(text, start, end):
            prose_seen = len(_WORD.findall(text, start, end)) >= _PROSE_MIN_WORDS
        if para is not None and prev is not None and _continues(text, prev, (start, end), wrapped, width):
            para = (para[0], end)
        else:
            if para is not None:
                yield para
            para = (start, end)
        prev = (start, end)
    if para is not None:
        yield para


def clean(
    doc: Document, *, sentence_chars: int = DEFAULT_LIMITS.sentence_chars, budget: Budget = UNLIMITED
) -> CleanDocument:
    """Split ``doc`` into sentences, dropping boilerplate and repeated passages.

    ``Sentence.paragraph`` numbers the paragraphs that keep at least one sentence, from 0; no
    sentence is longer than ``sentence_chars``. ``budget`` is checked once per paragraph.
    """
    text = doc.text
    dropped = _Dropped()
    sentences: list[Sentence] = []
    seen_paragraphs: set[str] = set()
    seen_sentences: set[str] = set()
    index = 0
    for pstart, pend in _paragraphs(text, dropped):
        budget.check("cleaning")
        ptext = text[pstart:pend]
        pkey = _key(ptext)
        if pkey and pkey in seen_paragraphs:
            dropped.add(pstart, pend, "repeated-paragraph")
            continue
        seen_paragraphs.add(pkey)
        kept_any = False
        for s, e in split_sentences(ptext, sentence_chars):
            start, end = pstart + s, pstart + e
            stext = ptext[s:e]
            if not _HAS_TEXT.search(stext):
                dropped.add(start, end, "no-text")
                continue
            skey = _key(stext)
            if skey in seen_sentences:
                dropped.add(start, end, "repeated-sentence")
                continue
            seen_sentences.add(skey)
            sentences.append(Sentence(start=start, end=end, text=stext, paragraph=index))
            kept_any = True
        if kept_any:
            index += 1
    return CleanDocument(document=doc, sentences=tuple(sentences), dropped=dropped.merged(text))
