"""Date phrases of incidents, resolved against the publication date.

Finds the words that date an act ("Thursday", "last Sunday", "late Friday", "on 12 May",
"yesterday", "overnight", "a day after ...") and resolves them to a day, or to nothing
with a coarser ACLED time precision when the text does not fix the day ("last month").
A weekday is the latest such day on or before publication ("last Sunday": strictly
before); without a publication date a weekday stays unresolved, never guessed.
Explicit dates go through dateparser with the publication date as its base.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from incidex.numbers import UNITS

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MON = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_WD = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_PART = r"(?:\s+(?:morning|afternoon|evening|night|midnight|noon|dawn))"
_NUMWORD = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+)"
DAY_COUNTS = {"a": 1, "an": 1, **UNITS}  # "a day after", "two days after"

# Order matters: longer, more specific phrases first.
_PHRASES: list[tuple[str, str]] = [
    (
        "explicit",
        rf"(?:(?:on|early\s+on|late\s+on)\s+)?(?:{_WD},?\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON},?(?:\s+\d{{4}})?|{_MON}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)(?!\d)",
    ),
    (
        "weekday_explicit",
        rf"(?:(?:on|early\s+on|late\s+on)\s+)?{_WD},?\s+(?:\d{{1,2}}\s+{_MON}|{_MON}\s+\d{{1,2}})(?:,?\s+\d{{4}})?",
    ),
    ("overnight_span", rf"overnight\s+(?:on\s+|from\s+)?{_WD}(?:\s+(?:to|into|and)\s+{_WD})?"),
    ("last_week_weekday", rf"(?:on\s+)?{_WD}\s+(?:of\s+)?last\s+week"),
    ("last_weekday", rf"last\s+{_WD}{_PART}?"),
    (
        "weekday",
        rf"(?:(?:on|early|late|earlier|later|by|since|from|until|before|in\s+the\s+early\s+hours\s+of|in\s+the\s+(?:early\s+)?(?:morning|evening|afternoon)\s+of|early\s+on|late\s+on)\s+)?{_WD}{_PART}?",
    ),
    (
        "today",
        r"(?:earlier\s+|early\s+|late\s+)?(?:today|this\s+morning|this\s+afternoon|this\s+evening|tonight)",
    ),
    ("yesterday", r"(?:late\s+|early\s+)?(?:yesterday(?:\s+(?:morning|afternoon|evening))?|last\s+night)"),
    (
        "days_after",
        rf"(?P<n>{_NUMWORD}|several|few|days|weeks|hours)\s+(?P<unit>days?\s+|weeks?\s+|hours?\s+)?after",
    ),
    (
        "previous_day",
        r"(?:the\s+previous\s+day(?:'s|’s)?|the\s+day\s+before|a\s+day\s+earlier|the\s+night\s+before)",
    ),
    (
        "same_day",
        r"(?:(?:on|later)\s+)?(?:the\s+same\s+day|later\s+that\s+day|later\s+in\s+the\s+day|that\s+day)",
    ),
    ("overnight", r"overnight"),
    (
        "week",
        r"(?:earlier\s+this\s+week|last\s+week|over\s+the\s+weekend|last\s+weekend|this\s+week|at\s+the\s+weekend)",
    ),
    (
        "month",
        rf"(?:earlier\s+this\s+month|last\s+month|this\s+month|in\s+{_MON}(?:\s+\d{{4}})?|last\s+{_MON}|in\s+(?:early|late|mid)[\s-]+{_MON}(?:\s+\d{{4}})?)",
    ),
    ("vague", r"(?:last\s+year|earlier\s+this\s+year|in\s+\d{4}|recently|in\s+recent\s+(?:days|weeks))"),
]
_PATTERN = re.compile("|".join(f"(?P<{k}>\\b{p}\\b)" for k, p in _PHRASES), re.IGNORECASE)
# "said on Monday", "told reporters late Tuesday": the day of the report, not of the act.
_REPORTING = re.compile(
    r"\b(?:said|says|say|told|reported|announced|confirmed|added|stated|claimed\s+responsibility|statement|"
    r"reporting|released|posted|tweeted|quoted|identified|named|arrested|detained|condemns?|condemned|"
    r"denounced|mourned|buried|visited|vowed)\b(?P<between>(?:\s+[\w()'’.,-]+){0,5}?)\s*,?\s*$",
    re.IGNORECASE,
)
_EVENT_WORD = re.compile(
    r"\b(?:killed|attack|happened|occurred|took|exploded|struck|was|were|that|the\s+attack)\b", re.I
)


def _is_reporting(before: str) -> bool:
    m = _REPORTING.search(before)
    return m is not None and not _EVENT_WORD.search(m.group("between") or "")


@dataclass(frozen=True)
class DateMention:
    """A date phrase in a clause; offsets are into the document."""

    kind: str
    start: int
    end: int
    text: str
    days_before: int | None = None  # for "N days after": the other event is N days earlier
    reporting: bool = False  # "said on Monday": dates the report, not the act
    dateline: bool = False  # "KORVALA, Feb 14: ...": the report's date, the lead's when nothing else dates it


@dataclass(frozen=True)
class ResolvedDate:
    date: dt.date | None
    precision: int  # ACLED time_precision: 1 day, 2 week, 3 month or vaguer


_OTHER_EVENT = re.compile(
    r"(?:\b(?:before|ahead\s+of|until)\b|\b(?:who|whom|whose)\b|\bsince\b)[^.;:!?]{0,80}$", re.IGNORECASE
)


def find_dates(text: str, offset: int = 0) -> list[DateMention]:
    out = []
    for m in _PATTERN.finditer(text):
        kind = m.lastgroup or ""
        if kind == "explicit" and re.search(r"(?<![A-Za-z])may(?![A-Za-z])", m.group(0)):
            continue  # "as many as 20 may have died": the verb, not the month
        if kind in ("n", "unit"):  # inner groups of days_after
            kind = "days_after"
        phrase = m.group(0)
        days = None
        if kind == "days_after":
            n = (m.group("n") or "").lower()
            days = DAY_COUNTS.get(n, int(n) if n.isdigit() else None)
            unit = (m.group("unit") or "").lower()
            if n == "hours" or unit.startswith("hour"):
                days = 0  # "just hours after": the same day
            elif days is not None and unit.startswith("week"):
                days *= 7
        before = text[max(0, m.start() - 40) : m.start()]
        # "DUNMORE, Norland, Nov 17 - ...": a dateline dates the report
        dateline = (
            m.start() < 40
            and bool(re.match(r"\s*(?:\([^)]*\)\s*)?[-–—:]", text[m.end() :]))
            and (m.start() == 0 or "," in before)
        )
        # "two weeks before the election on 8 June", "a militant who joined the group in 2018",
        # "the worst attack since the war began in 2003": the day of something else
        elsewhere = kind != "days_after" and bool(_OTHER_EVENT.search(text[: m.start()]))
        out.append(
            DateMention(
                kind,
                offset + m.start(),
                offset + m.end(),
                phrase,
                days,
                _is_reporting(before) or dateline or elsewhere,
                dateline,
            )
        )
    return out


def weekday_in(phrase: str) -> int | None:
    """The day of the week a phrase names (0 Monday), or None."""
    for i, name in enumerate(WEEKDAYS):
        if name in phrase.lower():
            return i
    return None


def _latest_weekday(published: dt.date, weekday: int, strictly_before: bool = False) -> dt.date:
    delta = (published.weekday() - weekday) % 7
    if strictly_before and delta == 0:
        delta = 7
    return published - dt.timedelta(days=delta)


@lru_cache(maxsize=4096)
def _parse_explicit(phrase: str, published: dt.date | None) -> dt.date | None:
    import dateparser  # heavy import: only when an explicit date is seen

    clean = re.sub(r"^(?:on|early\s+on|late\s+on)\s+", "", phrase.strip(), flags=re.I)
    clean = re.sub(rf"^{_WD},?\s+", "", clean, flags=re.I)
    clean = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", clean)
    has_year = bool(re.search(r"\d{4}", clean))
    if not has_year and published is None:
        return None
    base = dt.datetime.combine(published, dt.time(12)) if published else dt.datetime(2000, 1, 1)
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "past",
        "REQUIRE_PARTS": ["day", "month"],
        "PREFER_DAY_OF_MONTH": "first",
        "DATE_ORDER": "DMY",
    }
    parsed = dateparser.parse(clean, languages=["en"], settings=settings)  # type: ignore[arg-type]
    if parsed is None:
        return None
    day = parsed.date()
    if not has_year and published and day > published:
        day = day.replace(year=day.year - 1)
    return day


def months_before(mention: DateMention, published: dt.date | None) -> int | None:
    """How many months before publication a phrase with its own year puts the act: "in
    October 2017" in a December 2019 report is 26, "in 2005" counts from that December.
    None for phrases without a year, or without a publication date to count from."""
    if published is None or mention.kind not in ("month", "vague"):
        return None
    year = re.search(r"\b(?:19|20)\d\d\b", mention.text)
    if year is None:
        return None
    text = mention.text.lower()
    month = next((i for i, name in enumerate(MONTHS, 1) if re.search(rf"\b{name[:3]}", text)), 12)
    return (published.year - int(year.group(0))) * 12 + published.month - month


def resolve(
    mention: DateMention, published: dt.date | None, reference: dt.date | None = None
) -> ResolvedDate:
    """The day a phrase names. ``reference`` is the date of the event it is relative to."""
    kind, phrase = mention.kind, mention.text.lower()
    if kind in ("explicit", "weekday_explicit"):
        day = _parse_explicit(mention.text, published)
        return ResolvedDate(day, 1 if day else 3)
    if kind in ("weekday", "last_weekday", "overnight_span", "last_week_weekday"):
        wd = weekday_in(phrase)
        if wd is None:
            return ResolvedDate(None, 3)
        if reference is not None and kind == "weekday" and published is None:
            return ResolvedDate(None, 2)
        if published is None:
            return ResolvedDate(None, 2)
        if kind == "last_week_weekday":
            monday = published - dt.timedelta(days=published.weekday())
            return ResolvedDate(monday - dt.timedelta(days=7 - wd), 1)
        return ResolvedDate(_latest_weekday(published, wd, strictly_before=kind == "last_weekday"), 1)
    if kind == "today":
        return ResolvedDate(published, 1 if published else 3)
    if kind in ("yesterday", "overnight"):
        return ResolvedDate(published - dt.timedelta(days=1) if published else None, 1 if published else 3)
    if kind == "previous_day":
        return ResolvedDate(reference - dt.timedelta(days=1) if reference else None, 1 if reference else 3)
    if kind == "same_day":
        return ResolvedDate(reference, 1 if reference else 3)
    if kind == "week":
        return ResolvedDate(None, 2)
    return ResolvedDate(None, 3)
