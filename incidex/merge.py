"""Merging: one real-world incident told by many documents.

Each document's extractor output is a list of incidents; a :class:`Report` is one of them,
with the document's id, publication date and outlet. This module decides which reports tell
the same real event (:func:`same_incident`, :func:`assign`, :func:`merge_all`) and what the
merged record says (:func:`reconcile`, :func:`diff`). Pure functions over typed records: no
database, no model, no gazetteer lookups.

Same incident or not
--------------------
:func:`same_incident` scores two incident dicts (``Incident.to_dict()`` shape) as a
probability in 0..1. **Blocking rules** come first; any one of them makes the score 0:

* *Dates*: both days known and more than 1 day apart (days resolved from "Monday" or "last
  night" against a publication date are often a day off). An unknown day does not block,
  but it is bounded: by the month or year its date words name ("in October 2017", "in July"
  meaning the latest July before publication, "In 2014"), and by publication, since a
  report cannot tell of an act more than a day after it was published.
* *Countries*: both known and different. An unknown country blocks nothing here; but when
  ingesting, the store's candidate query matches the country exactly, so a report of unknown
  country meets only incidents of unknown country (see :class:`Blocking`).
* *Event types* incompatible: an abduction is never a bombing, an air strike or a clash; a
  riot is never a bombing, an air strike or an abduction; a protest matches only a protest
  or a riot, a strategic development only its own kind. Kinds one act is often told as are
  compatible at a cost (below). An unknown type does not block.
* *Places* far apart: both located, not the same gazetteer entry, and more than 50 km apart
  (100 km when one is a district); or one is a province and the other lies in a different
  province.

These rules and their parameters are declared once, in :data:`BLOCKING`, which the store's
candidate query and ingest's distance pre-filter read too.

Otherwise the evidence is added up as match weights (log2 likelihood ratios, as in
Fellegi-Sunter record linkage) on a prior of -4 and turned into a probability
``1 / (1 + 2 ** -weight)``. The weights are declared in :data:`COMPARISONS`; this table is
:func:`weights_table`'s output:

| comparison | levels and match weights |
|---|---|
| prior | -4 |
| date | same day +3.5; one day apart +1; published 0-2 days after the other's day +1; published later than that -2; both unknown, published within a day +0.5; a named month +0.5; a named year 0; no bound -1 |
| place | same town +3; same town, different spots +1; same district or unlocated name +2; within 25 km +2.5; within 50 km +0.5; 50-100 km apart (a district) 0; same province named +1; inside the other's province +0.5; same name, province or country +0.5; province or country, nothing shared 0; two names, one not located -1; no place on a side 0 |
| country | same +0.5; unknown 0 |
| type | same sub-event type +1.5; same event type +0.5; unknown 0; bomb vs strike -0.5; bomb vs clash -1; strike vs clash -1; bomb vs attack -1; strike vs attack -1.5; clash vs attack -1; attack vs abduction 0; riot vs attack -1.5; riot vs clash -1.5; riot vs protest -0.5 |
| killed | equal, 5 or more +1.5; equal, under 5 +0.5; within a factor 2 +0.5; a factor 2-5 apart 0; apart, later report higher -0.5; apart, later report lower -1.5; apart, order unknown -1; unknown 0 |
| wounded | equal, 5 or more +0.75; equal, under 5 +0.25; within a factor 2 +0.25; a factor 2-5 apart 0; apart, later report higher -0.25; apart, later report lower -0.75; apart, order unknown -0.5; unknown 0 |
| perpetrator | same group +1.5; one name inside the other +0.5; near spellings 0; different -1.5; unknown 0 |

Notes on the levels: a *town* agrees by name, alias, detail such as "X of Y", geonames id, or
a spelling within 85% similarity; *different spots* are two details in one town. An unknown
day is bounded by its named month or year, else only by publication. Killed figures compare
the best figures (tolls rise as reports come in, so a later higher figure is weak evidence
against); "one name inside the other" is "Taliban" and "Pakistani Taliban".

Two reports are one incident when the probability is above :data:`THRESHOLD` (0.5, a
weight above 0): an even balance of evidence keeps them apart.

Documents and incidents
-----------------------
A document can tell several incidents. Two reports of one document are never merged (the
extractor has already folded what it judged to be one act), and one incident takes at most
one report per document: when several reports of a document fit one incident, the best fit
joins it and the others look for another incident or start their own.

:func:`fit` scores a report against an incident as its best probability against the
incident's reports, provided at least half of those reports do not block it (so one badly
extracted member can neither veto nor drag in a report). :func:`assign` picks the best
incident above the threshold. :func:`merge_all` reads reports in arrival order, the reports
of one document as a batch placed best pair first, and opens ``inc-1``, ``inc-2``, ... for
the reports that fit nothing.

Reconciling the figures
-----------------------
:func:`reconcile` keeps every report's killed and wounded figures (``Merged.figures``) and
derives the merged ranges from them:

* Reports are grouped by **outlet** (``Report.source``, the URL host; a report without one
  is its own outlet). Within an outlet the **latest** report that gives a figure supersedes
  the earlier ones (by publication date; unknown dates count as oldest; ties go to the later
  report in the given order). A later report silent on a figure does not erase it.
* Outlets that disagree widen the range: ``low`` is the lowest of the outlets' current
  lows; ``high`` the highest of their closed highs, or ``None`` (open) when some outlet's
  open-ended figure ("at least 40": 40/None) starts above every closed high.
* ``best`` follows ACLED's conservative rule: the lowest of the outlets' current best
  figures (a figure's best is its low, or its high when only an upper bound is given).

Other fields:

* ``date``: the most common known day; ties go to the earliest.
* ``place`` (with its admin1, coordinates, geonames id and precision): the place most
  reports agree with, where a report agrees with its own place, with places of the same
  name or within 25 km, and, when its own place is a province or country, with every place
  inside it; ties go to the most specific place, then the most often named, then the
  earliest. ``place_aliases`` lists the other names reports used.
* ``country`` and ``event_type``/``sub_event_type``: the most common; ties go to the latest
  report.
* ``perpetrator``: reports naming one group (any shared alias) are counted together; a
  group some report says *claimed* the act beats one only suspected or named, then the most
  often named group wins, written as most reports wrote it. ``claimed`` is true when a report
  says that group claimed it.
* ``target_type`` and ``weapon``: the most common value other than ``unknown``.

:func:`diff` gives ``{field: [before, after]}`` for the fields that changed, for history.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from incidex.geo import haversine_km
from incidex.lexicon import alias_key

#: Reports whose :func:`same_incident` probability reaches this are one incident.
THRESHOLD = 0.5


# ---------------------------------------------------------------------------------------
# The merge rules, declared as data (as splink declares comparisons and ``block_on`` rules):
# the scoring functions below read their weights here, the store's candidate query and
# ingest's pre-filter read :data:`BLOCKING`, and tests/test_merge_rules.py checks the README
# table against :data:`COMPARISONS`.


@dataclass(frozen=True)
class Level:
    """One labelled outcome of a comparison and its match weight (log2 likelihood ratio)."""

    label: str
    weight: float


@dataclass(frozen=True)
class Comparison:
    """One piece of evidence compared between two reports, with its labelled levels."""

    name: str
    levels: tuple[Level, ...]

    def __getitem__(self, label: str) -> float:
        for level in self.levels:
            if level.label == label:
                return level.weight
        raise KeyError(f"comparison {self.name!r} has no level {label!r}")

    def scaled(self, name: str, factor: float) -> Comparison:
        """The same levels under another name, every weight times ``factor``."""
        return Comparison(name, tuple(Level(lv.label, lv.weight * factor) for lv in self.levels))


@dataclass(frozen=True)
class BlockingRule:
    """A rule that makes two reports two incidents whatever the rest of the evidence."""

    name: str
    rule: str


@dataclass(frozen=True)
class Blocking:
    """The blocking rules and their parameters, read by the pairwise decision
    (:func:`match_weight`), the store's candidate query (``Store.candidate_incidents``) and
    ingest's distance pre-filter (``ingest._within_reach``).

    **Unknown country.** In the pairwise decision an unknown country blocks nothing: only two
    known, different countries do. The store's candidate query, however, matches the country
    exactly, so when ingesting, a report of unknown country is only compared with incidents of
    unknown country, and a report of known country never with them (``Store.candidate_incidents``
    with ``country=None``). Both behaviours are kept as they are.
    """

    rules: tuple[BlockingRule, ...]
    #: Days two known dates (or date spans) may differ by.
    day_window: int = 1
    #: Km beyond which two located towns are different places.
    far_km: float = 50.0
    #: far_km is multiplied by this when either place is a district (or named, not located).
    district_factor: float = 2.0
    #: Days around a report's date in which the store looks for candidate incidents: wider than
    #: day_window because a stored incident's date is its merged date; the members decide.
    candidate_days: int = 3
    #: At most this many candidate incidents are read from the store per report.
    candidate_limit: int = 200

    @property
    def reach_km(self) -> float:
        """The farthest two located places of one incident can be (a district's reach)."""
        return self.far_km * self.district_factor

    def far(self, coarse: int) -> float:
        """Km beyond which two places block, for the coarser ACLED precision (1 town)."""
        return self.far_km * (1 if coarse == 1 else self.district_factor)

    @staticmethod
    def countries_block(a: str | None, b: str | None) -> bool:
        """Two known, different countries; an unknown one blocks nothing here."""
        return bool(a and b and a != b)


BLOCKING = Blocking(
    rules=(
        BlockingRule("dates", "days more than one apart"),
        BlockingRule("countries", "different countries"),
        BlockingRule("kinds", "incompatible kinds of act"),
        BlockingRule(
            "places",
            "located places more than 50 km apart (100 km for a district), or a province and a"
            " place in a different province",
        ),
    )
)

#: Log2 prior odds that two reports of one country and time window are the same incident.
PRIOR = -4.0
#: Km within which two located places count as the same place.
NEAR_KM = 25.0
#: Days two known dates may differ by (:data:`BLOCKING`).
DATE_WINDOW = BLOCKING.day_window
#: Km beyond which two towns are different places (districts get twice this; :data:`BLOCKING`).
FAR_KM = BLOCKING.far_km

DATE = Comparison(
    "date",
    (
        Level("same day", 3.5),
        Level("one day apart", 1.0),
        Level("published 0-2 days after the other's day", 1.0),
        Level("published later than that", -2.0),
        Level("both unknown, published within a day", 0.5),
        Level("a named month", 0.5),
        Level("a named year", 0.0),
        Level("no bound", -1.0),
    ),
)
PLACE = Comparison(
    "place",
    (
        Level("same town", 3.0),
        Level("same town, different spots", 1.0),
        Level("same district or unlocated name", 2.0),
        Level("within 25 km", 2.5),
        Level("within 50 km", 0.5),
        Level("50-100 km apart (a district)", 0.0),
        Level("same province named", 1.0),
        Level("inside the other's province", 0.5),
        Level("same name, province or country", 0.5),
        Level("province or country, nothing shared", 0.0),
        Level("two names, one not located", -1.0),
        Level("no place on a side", 0.0),
    ),
)
COUNTRY = Comparison("country", (Level("same", 0.5), Level("unknown", 0.0)))
TYPE = Comparison(
    "type",
    (
        Level("same sub-event type", 1.5),
        Level("same event type", 0.5),
        Level("unknown", 0.0),
        # two different kinds of act; a pair not listed is incompatible (blocks)
        Level("bomb vs strike", -0.5),
        Level("bomb vs clash", -1.0),
        Level("strike vs clash", -1.0),
        Level("bomb vs attack", -1.0),
        Level("strike vs attack", -1.5),
        Level("clash vs attack", -1.0),
        Level("attack vs abduction", 0.0),
        Level("riot vs attack", -1.5),
        Level("riot vs clash", -1.5),
        Level("riot vs protest", -0.5),
    ),
)
KILLED = Comparison(
    "killed",
    (
        Level("equal, 5 or more", 1.5),
        Level("equal, under 5", 0.5),
        Level("within a factor 2", 0.5),
        Level("a factor 2-5 apart", 0.0),
        Level("apart, later report higher", -0.5),
        Level("apart, later report lower", -1.5),
        Level("apart, order unknown", -1.0),
        Level("unknown", 0.0),
    ),
)
#: Wounded figures weigh half as much as killed ones.
WOUNDED = KILLED.scaled("wounded", 0.5)
PERPETRATOR = Comparison(
    "perpetrator",
    (
        Level("same group", 1.5),
        Level("one name inside the other", 0.5),
        Level("near spellings", 0.0),
        Level("different", -1.5),
        Level("unknown", 0.0),
    ),
)
#: Every comparison :func:`match_weight` adds up, in order.
COMPARISONS = (DATE, PLACE, COUNTRY, TYPE, KILLED, WOUNDED, PERPETRATOR)


def _signed(weight: float) -> str:
    return "0" if weight == 0 else f"{weight:+g}"


def weights_table() -> str:
    """The merge weights as a Markdown table, generated from :data:`PRIOR` and
    :data:`COMPARISONS`; the README and this module's docstring carry it verbatim (a test
    checks)."""
    rows = [("prior", _signed(PRIOR))]
    rows += [(c.name, "; ".join(f"{lv.label} {_signed(lv.weight)}" for lv in c.levels)) for c in COMPARISONS]
    return "\n".join(
        ["| comparison | levels and match weights |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    )


MERGED_FIELDS = (
    "event_type",
    "sub_event_type",
    "date",
    "place",
    "place_aliases",
    "admin1",
    "country",
    "latitude",
    "longitude",
    "geonames_id",
    "geo_precision",
    "killed",
    "wounded",
    "perpetrator",
    "perpetrator_aliases",
    "claimed",
    "target_type",
    "weapon",
)


@dataclass(frozen=True)
class Report:
    """One incident as one document told it."""

    doc_id: str
    published: dt.date | None
    source: str | None  # outlet (URL host); later reports of one outlet supersede earlier ones
    fields: Mapping[str, Any]  # Incident.to_dict() of that document's incident


@dataclass(frozen=True)
class Merged:
    """The merged view of several reports of one incident."""

    fields: dict[str, Any]  # GUIDE field names (see MERGED_FIELDS)
    sources: tuple[str, ...]  # doc_ids, in the order given
    #: doc_id -> {"source", "published", "killed", "wounded", "superseded"}: each report's
    #: own figures; ``superseded`` names those a later report of the same outlet replaced.
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------
# Comparing two incidents


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


# Kinds of act, from (event_type, sub_event_type); the compatibility table works on these.
_KIND_OF_SUB = {
    "Suicide bomb": "bomb",
    "Remote explosive/landmine/IED": "bomb",
    "Grenade": "bomb",
    "Air/drone strike": "strike",
    "Shelling/artillery/missile attack": "strike",
    "Abduction/forced disappearance": "abduction",
    "Sexual violence": "attack",
    "Attack": "attack",
}
_KIND_OF_TYPE = {
    "Explosions/Remote violence": "bomb",
    "Battles": "clash",
    "Violence against civilians": "attack",
    "Riots": "riot",
    "Protests": "protest",
    "Strategic developments": "strategic",
}
# Weight for two different kinds (from TYPE's "x vs y" levels); a pair absent is incompatible.
_CROSS_KIND = {frozenset(lv.label.split(" vs ")): lv.weight for lv in TYPE.levels if " vs " in lv.label}


def _kind(inc: Mapping[str, Any]) -> str | None:
    sub, typ = inc.get("sub_event_type"), inc.get("event_type")
    if typ == "Battles":
        return "clash"
    if sub in _KIND_OF_SUB and typ in (None, "Explosions/Remote violence", "Violence against civilians"):
        return _KIND_OF_SUB[sub]
    return _KIND_OF_TYPE.get(typ) if typ else None


def _type_weight(a: Mapping[str, Any], b: Mapping[str, Any]) -> float | None:
    """Weight of the event types; ``None`` when they cannot be one act."""
    ka, kb = _kind(a), _kind(b)
    if ka is None or kb is None:
        return TYPE["unknown"]
    if ka != kb:
        return _CROSS_KIND.get(frozenset({ka, kb}))
    if a.get("sub_event_type") and a.get("sub_event_type") == b.get("sub_event_type"):
        return TYPE["same sub-event type"]
    return TYPE["same event type"]


_GENERIC_PLACE = re.compile(
    r"\s+(?:state|province|region|district|governorate|county|city|town|village|municipality|"
    r"local government(?: area)?|lga)$"
)
_PLACE_PARTS = re.compile(r",\s*|\s+(?:of|in|near)\s+")


@lru_cache(maxsize=65536)
def _place_key(name: str) -> str:
    return _GENERIC_PLACE.sub("", alias_key(name))


def _place_names(inc: Mapping[str, Any]) -> set[str]:
    """Normalised names the incident's place goes by: place, aliases, detail and their parts
    ("Latoomdode of Awantipara" -> also "latoomdode", "awantipara")."""
    raw = [inc.get("place"), inc.get("place_detail"), *(inc.get("place_aliases") or [])]
    out: set[str] = set()
    for name in raw:
        if not name:
            continue
        out.add(_place_key(name))
        out.update(_place_key(p) for p in _PLACE_PARTS.split(name) if p.strip())
    out.discard("")
    return out


def _names_agree(a: set[str], b: set[str]) -> bool:
    if a & b:
        return True
    return any(min(len(x), len(y)) >= 5 and fuzz.ratio(x, y) >= 85 for x in a for y in b)


def _coords(inc: Mapping[str, Any]) -> tuple[float, float] | None:
    lat, lon = inc.get("latitude"), inc.get("longitude")
    if lat is None or lon is None:
        return None
    return float(lat), float(lon)


def km(p: tuple[float, float], q: tuple[float, float]) -> float:
    """Great-circle distance in kilometres between two (latitude, longitude) points."""
    return haversine_km(*p, *q)


def _precision(inc: Mapping[str, Any]) -> int | None:
    """ACLED geo_precision of the place: 1 town, 2 district, 3 province or country."""
    p = inc.get("geo_precision")
    if p is None and inc.get("place"):
        return 2  # named but not located: treat as a district-sized area
    return int(p) if p is not None else None


def _place_weight(a: Mapping[str, Any], b: Mapping[str, Any]) -> float | None:
    """Weight of the places; ``None`` when they are too far apart to be one act."""
    if not a.get("place") or not b.get("place"):
        return PLACE["no place on a side"]
    pa, pb = _precision(a) or 2, _precision(b) or 2
    coarse = max(pa, pb)
    if coarse >= 3:
        # A province or a country: it contains the other place or it does not.
        big, small = (a, b) if pa >= pb else (b, a)
        big_admin, small_admin = big.get("admin1"), small.get("admin1")
        same_name = _names_agree(_place_names(a), _place_names(b))
        if big_admin and small_admin:
            if alias_key(big_admin) != alias_key(small_admin):
                return None
            if same_name and min(pa, pb) >= 3:
                return PLACE["same province named"]
            return PLACE["inside the other's province"]
        if same_name:
            return PLACE["same name, province or country"]
        return PLACE["province or country, nothing shared"]
    ca, cb = _coords(a), _coords(b)
    same_id = a.get("geonames_id") is not None and a.get("geonames_id") == b.get("geonames_id")
    d = km(ca, cb) if ca is not None and cb is not None else None
    if not same_id and d is not None and d > BLOCKING.far(coarse):
        return None  # also two towns of one name far apart
    if same_id or _names_agree(_place_names(a), _place_names(b)):
        da, db = a.get("place_detail"), b.get("place_detail")
        if da and db and not _names_agree(_place_names({"place": da}), _place_names({"place": db})):
            return PLACE["same town, different spots"]
        return PLACE["same town"] if coarse == 1 else PLACE["same district or unlocated name"]
    if d is None:
        return PLACE["two names, one not located"]
    if d <= NEAR_KM:
        return PLACE["within 25 km"]
    return PLACE["within 50 km"] if d <= FAR_KM else PLACE["50-100 km apart (a district)"]


_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sept sep",
            "october oct",
            "november nov",
            "december dec",
        )
    )
    for name in names.split()
}
_VAGUE_DATE = re.compile(
    r"\b(?:(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?\s*)?"
    r"(?P<year>(?:19|20)\d\d)?\b",
    re.IGNORECASE,
)
_UNBOUNDED = 10**9  # spans are in date ordinals; an open end is this far out


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _span(inc: Mapping[str, Any], published: dt.date | None) -> tuple[int, int]:
    """The days the incident can have happened on: its day when known; else the month or
    year its date words name ("in October 2017", "in July", "in 2014"; a month without a
    year is the latest one on or before publication), ending no later than the day after
    publication. Days are ordinals (``date.toordinal()``)."""
    day = _date(inc.get("date"))
    if day:
        return day.toordinal(), day.toordinal()
    lo, hi = -_UNBOUNDED, _UNBOUNDED
    text = inc.get("date_text") or ""
    for m in _VAGUE_DATE.finditer(text):
        if not (m.group("month") or m.group("year")):
            continue
        month = _MONTHS[m.group("month").lower()] if m.group("month") else None
        year = int(m.group("year")) if m.group("year") else None
        if year is None and published is not None and month is not None:
            year = published.year if month <= published.month else published.year - 1
        if year is None:
            continue
        first, last = (
            (dt.date(year, month, 1), _month_end(year, month))
            if month
            else (dt.date(year, 1, 1), dt.date(year, 12, 31))
        )
        lo, hi = first.toordinal(), last.toordinal()
        break
    if published is not None:
        hi = min(hi, published.toordinal() + DATE_WINDOW)
        if lo > hi:  # date words naming a time after publication: trust the publication
            lo = -_UNBOUNDED
    return lo, hi


def _date_weight(
    a: Mapping[str, Any], b: Mapping[str, Any], pub_a: dt.date | None, pub_b: dt.date | None
) -> float | None:
    """Weight of the dates; ``None`` when they cannot be the same day."""
    (lo_a, hi_a), (lo_b, hi_b) = _span(a, pub_a), _span(b, pub_b)
    if lo_a > hi_b + DATE_WINDOW or lo_b > hi_a + DATE_WINDOW:
        return None
    if _date(a.get("date")) and _date(b.get("date")):
        return DATE["same day"] if lo_a == lo_b else DATE["one day apart"]
    # The less precise side: how narrowly does it pin the day down?
    (lo, hi, pub), (lo_o, hi_o, pub_o) = sorted(
        ((lo_a, hi_a, pub_a), (lo_b, hi_b, pub_b)), key=lambda s: s[1] - s[0], reverse=True
    )
    if lo > -_UNBOUNDED:  # a month or a year named
        width = hi - lo + 1
        if width <= 45:
            return DATE["a named month"]
        return DATE["a named year"] if width <= 400 else DATE["no bound"]
    # Only a publication date: a report published right after the other's day (or the same
    # day as the other undated report) is likely fresh news of the same act.
    if pub is not None and hi_o - lo_o <= 2:
        # the other's day is (nearly) known
        if 0 <= pub.toordinal() - hi_o <= 2:
            return DATE["published 0-2 days after the other's day"]
        return DATE["published later than that"]
    if (
        lo_o == -_UNBOUNDED
        and pub is not None
        and pub_o is not None
        and abs((pub - pub_o).days) <= DATE_WINDOW
    ):
        return DATE["both unknown, published within a day"]
    return DATE["no bound"]


def _best(count: Any) -> int | None:
    if not isinstance(count, Mapping):
        return None
    low, high = count.get("low"), count.get("high")
    return low if low is not None else high


def _count_weight(
    a: Any, b: Any, pub_a: dt.date | None, pub_b: dt.date | None, *, comparison: Comparison = KILLED
) -> float:
    """Weight of two casualty figures. Tolls rise as reports come in, so a later report
    with a much higher figure is only weak evidence against; a later one with a much lower
    figure is stronger evidence."""
    c = comparison
    x, y = _best(a), _best(b)
    if x is None or y is None:
        return c["unknown"]
    if x == y:
        return c["equal, 5 or more"] if x >= 5 else c["equal, under 5"]
    if max(x, y) <= 2 * min(x, y):
        return c["within a factor 2"]
    if max(x, y) <= 5 * max(min(x, y), 1):
        return c["a factor 2-5 apart"]
    if pub_a is None or pub_b is None or pub_a == pub_b:
        return c["apart, order unknown"]
    later_higher = (y > x) == (pub_b > pub_a)
    return c["apart, later report higher"] if later_higher else c["apart, later report lower"]


def _perpetrator_names(inc: Mapping[str, Any]) -> set[str]:
    names = [inc.get("perpetrator"), *(inc.get("perpetrator_aliases") or [])]
    return {alias_key(n) for n in names if n}


def _perpetrator_weight(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    na, nb = _perpetrator_names(a), _perpetrator_names(b)
    if not na or not nb:
        return PERPETRATOR["unknown"]
    if na & nb:
        return PERPETRATOR["same group"]
    wa, wb = alias_key(a["perpetrator"]), alias_key(b["perpetrator"])
    if set(wa.split()) <= set(wb.split()) or set(wb.split()) <= set(wa.split()):
        return PERPETRATOR["one name inside the other"]  # "Taliban", "Pakistani Taliban"
    if fuzz.token_set_ratio(wa, wb) >= 85:
        return PERPETRATOR["near spellings"]  # "Saudi-led coalition", "Saudi Arabian-led coalition"
    return PERPETRATOR["different"]


def match_weight(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    published: tuple[dt.date | None, dt.date | None] = (None, None),
) -> float | None:
    """Log2 odds that ``a`` and ``b`` are one incident, or ``None`` when a blocking rule
    says they cannot be (see the module docstring)."""
    ca, cb = a.get("country"), b.get("country")
    if BLOCKING.countries_block(ca, cb):
        return None
    parts = [
        _date_weight(a, b, *published),
        _type_weight(a, b),
        _place_weight(a, b),
    ]
    if any(p is None for p in parts):
        return None
    total = PRIOR + sum(p for p in parts if p is not None)
    total += COUNTRY["same"] if ca and ca == cb else COUNTRY["unknown"]
    total += _count_weight(a.get("killed"), b.get("killed"), *published)
    total += _count_weight(a.get("wounded"), b.get("wounded"), *published, comparison=WOUNDED)
    total += _perpetrator_weight(a, b)
    return total


def same_incident(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    published: tuple[dt.date | None, dt.date | None] = (None, None),
) -> float:
    """Probability (0..1) that two incident dicts are the same real event.

    ``published`` gives the publication dates of the documents that told ``a`` and ``b``,
    when known: they bound an unknown incident date (see the module docstring).
    """
    w = match_weight(a, b, published=published)
    return 0.0 if w is None else 1.0 / (1.0 + 2.0 ** (-w))


def _pair_weight(a: Report, b: Report) -> float | None:
    return match_weight(a.fields, b.fields, published=(a.published, b.published))


# ---------------------------------------------------------------------------------------
# Assigning reports to incidents


COMPARED_FIRST, COMPARED_LATEST = 4, 8


def fit(report: Report, members: Sequence[Report]) -> float:
    """How well ``report`` fits an incident made of ``members``: its best score against a
    member, or 0 when the incident already holds a report of the same document or more
    than half of its members rule the report out."""
    if not members or any(m.doc_id == report.doc_id for m in members):
        return 0.0
    # an incident told by many reports is compared through its first and latest ones: the
    # first fix the story, the latest carry its updates, and the cost stays flat
    if len(members) > COMPARED_FIRST + COMPARED_LATEST:
        members = [*members[:COMPARED_FIRST], *members[-COMPARED_LATEST:]]
    weights = [w for w in (_pair_weight(report, m) for m in members) if w is not None]
    if len(weights) * 2 < len(members):
        return 0.0
    return 1.0 / (1.0 + 2.0 ** (-max(weights)))


def assign(report: Report, candidates: Sequence[tuple[str, Sequence[Report]]]) -> str | None:
    """Key of the candidate incident ``report`` fits best, above :data:`THRESHOLD`,
    or ``None`` when it fits none (a new incident). Ties go to the earlier candidate."""
    best_key, best = None, THRESHOLD
    for key, members in candidates:
        s = fit(report, members)
        if s > best:
            best_key, best = key, s
    return best_key


def merge_all(reports_in_order: Iterable[Report]) -> list[tuple[str, list[Report]]]:
    """Group reports into incidents, reading them in arrival order.

    Consecutive reports of one document are placed as a batch, best pairs first: each
    round, every unplaced report of the batch asks :func:`assign` for its best incident
    among those no report of the batch has joined yet, and the best fitting pair is made.
    Reports that fit no incident open a new one, keyed ``inc-1``, ``inc-2``, ... in order.
    """
    incidents: list[tuple[str, list[Report]]] = []
    index: dict[str, int] = {}

    def place(batch: list[Report]) -> None:
        open_reports = list(batch)
        taken: set[str] = set()
        while open_reports:
            free = [(k, m) for k, m in incidents if k not in taken]
            best: tuple[float, int, str] | None = None
            for ri, r in enumerate(open_reports):
                key = assign(r, free)
                if key is None:
                    continue
                s = fit(r, incidents[index[key]][1])
                if best is None or s > best[0]:
                    best = (s, ri, key)
            if best is None:
                break
            _, ri, key = best
            incidents[index[key]][1].append(open_reports.pop(ri))
            taken.add(key)
        for r in open_reports:
            key = f"inc-{len(incidents) + 1}"
            index[key] = len(incidents)
            incidents.append((key, [r]))

    batch: list[Report] = []
    for r in reports_in_order:
        if batch and r.doc_id != batch[-1].doc_id:
            place(batch)
            batch = []
        batch.append(r)
    if batch:
        place(batch)
    return incidents


# ---------------------------------------------------------------------------------------
# Reconciling the merged record


def _recency(reports: Sequence[Report]) -> list[Report]:
    """Reports oldest first: unknown publication dates first, ties in the given order."""
    ranked = sorted(enumerate(reports), key=lambda ir: (ir[1].published or dt.date.min, ir[0]))
    return [r for _, r in ranked]


def _outlet(r: Report) -> str:
    return r.source or f"doc:{r.doc_id}"


def _merge_counts(reports: Sequence[Report], key: str) -> tuple[dict[str, Any] | None, set[str]]:
    """Merged {low, high, best} of ``key`` and the doc_ids whose figure is current."""
    current: dict[str, Report] = {}
    for r in _recency(reports):
        if isinstance(r.fields.get(key), Mapping):
            current[_outlet(r)] = r  # later reports of an outlet replace earlier ones
    figures = [r.fields[key] for r in current.values()]
    if not figures:
        return None, set()
    lows = [f["low"] for f in figures if f.get("low") is not None]
    closed = [f["high"] for f in figures if f.get("high") is not None]
    open_lows = [f["low"] for f in figures if f.get("high") is None and f.get("low") is not None]
    low = min(lows) if lows else None
    high = max(closed) if closed else None
    if high is not None and open_lows and max(open_lows) > high:
        high = None
    bests = [b for b in (_best(f) for f in figures) if b is not None]
    best = min(bests) if bests else None
    return {"low": low, "high": high, "best": best}, {r.doc_id for r in current.values()}


def _most_common(values: Sequence[Any]) -> Any:
    """The most common value; ties go to the one seen last (the latest report)."""
    counts = Counter(values)
    if not counts:
        return None
    top = max(counts.values())
    return next(v for v in reversed(values) if counts[v] == top)


def _place_agrees(own: Mapping[str, Any], cand: Mapping[str, Any]) -> bool:
    """Does a report whose place is ``own`` agree that the incident was at ``cand``?"""
    if not own.get("place") or not cand.get("place"):
        return False
    if own.get("country") and cand.get("country") and own["country"] != cand["country"]:
        return False
    if _names_agree(_place_names(own), _place_names(cand)):
        return True
    po, pc = _precision(own) or 2, _precision(cand) or 2
    if po >= 3:  # own is a province or country: agrees with the places inside it
        if own.get("admin1"):
            return bool(cand.get("admin1")) and alias_key(own["admin1"]) == alias_key(cand["admin1"])
        return own.get("country") is not None and own.get("country") == cand.get("country")
    co, cc = _coords(own), _coords(cand)
    return pc < 3 and co is not None and cc is not None and km(co, cc) <= NEAR_KM


def _merge_place(reports: Sequence[Report]) -> dict[str, Any]:
    located = [r.fields for r in reports if r.fields.get("place")]
    out: dict[str, Any] = dict.fromkeys(
        ("place", "place_aliases", "admin1", "latitude", "longitude", "geonames_id", "geo_precision")
    )
    out["place_aliases"] = []
    if not located:
        return out
    named = Counter(_place_key(f["place"]) for f in located)
    # rank each distinct place once (reports of one incident mostly repeat a few places)
    distinct: dict[tuple[Any, ...], int] = {}
    for i, f in enumerate(located):
        distinct.setdefault((f.get("place"), f.get("geonames_id"), f.get("admin1"), f.get("country")), i)
    weight = Counter(
        (f.get("place"), f.get("geonames_id"), f.get("admin1"), f.get("country")) for f in located
    )

    def rank(i: int) -> tuple[int, int, int, int]:
        cand = located[i]
        support = sum(
            n * _place_agrees(located[j], cand) for key, j in distinct.items() for n in (weight[key],)
        )
        return (support, -(_precision(cand) or 2), named[_place_key(cand["place"])], -i)

    chosen = located[max(distinct.values(), key=rank)]
    for k in ("place", "admin1", "latitude", "longitude", "geonames_id", "geo_precision"):
        out[k] = chosen.get(k)
    seen = {_place_key(chosen["place"])}
    for f in located:
        for name in (f["place"], *(f.get("place_aliases") or [])):
            if _place_key(name) not in seen:
                seen.add(_place_key(name))
                out["place_aliases"].append(name)
    return out


_CLAIM_RANK = {"claimed": 3, "suspected": 2, "unknown": 1, "unclaimed": 1, "denied": 0}


def _merge_perpetrator(reports: Sequence[Report]) -> dict[str, Any]:
    groups: list[tuple[set[str], list[Mapping[str, Any]]]] = []
    for r in reports:
        f = r.fields
        if not f.get("perpetrator"):
            continue
        names = _perpetrator_names(f)
        for gnames, members in groups:
            if gnames & names:
                gnames |= names
                members.append(f)
                break
        else:
            groups.append((set(names), [f]))
    if not groups:
        return {"perpetrator": None, "perpetrator_aliases": [], "claimed": False}

    def claim(f: Mapping[str, Any]) -> int:
        status = f.get("claim_status") or ("claimed" if f.get("claimed") else "unknown")
        return _CLAIM_RANK.get(status, 1)

    def rank(i: int) -> tuple[int, int, int]:
        members = groups[i][1]
        return (max(claim(f) for f in members), len(members), -i)

    members = groups[max(range(len(groups)), key=rank)][1]
    name = _most_common([f["perpetrator"] for f in members])
    aliases: list[str] = []
    for f in members:
        for a in (f["perpetrator"], *(f.get("perpetrator_aliases") or [])):
            if a != name and a not in aliases:
                aliases.append(a)
    return {
        "perpetrator": name,
        "perpetrator_aliases": aliases,
        "claimed": any(bool(f.get("claimed")) for f in members),
    }


def reconcile(reports: Sequence[Report]) -> Merged:
    """The merged record of reports of one incident (rules in the module docstring)."""
    ordered = _recency(reports)  # oldest first, so ties in _most_common go to the latest
    fs = [r.fields for r in ordered]
    out: dict[str, Any] = {}
    kinds = [(f.get("event_type"), f.get("sub_event_type")) for f in fs if f.get("event_type")]
    out["event_type"], out["sub_event_type"] = _most_common(kinds) or (None, None)
    days = Counter(d for d in (_date(f.get("date")) for f in fs) if d)
    if days:
        top = max(days.values())
        out["date"] = min(d for d, n in days.items() if n == top).isoformat()
    else:
        out["date"] = None
    out.update(_merge_place(ordered))
    out["country"] = _most_common([f["country"] for f in fs if f.get("country")])
    figures: dict[str, dict[str, Any]] = {
        r.doc_id: {
            "source": r.source,
            "published": r.published.isoformat() if r.published else None,
            "killed": r.fields.get("killed"),
            "wounded": r.fields.get("wounded"),
            "superseded": [],
        }
        for r in reports
    }
    for key in ("killed", "wounded"):
        out[key], current = _merge_counts(reports, key)
        for r in reports:
            if r.fields.get(key) is not None and r.doc_id not in current:
                figures[r.doc_id]["superseded"].append(key)
    out.update(_merge_perpetrator(ordered))
    for key in ("target_type", "weapon"):
        known = [f[key] for f in fs if f.get(key) and f[key] != "unknown"]
        out[key] = _most_common(known) or "unknown"
    return Merged(
        fields={k: out.get(k) for k in MERGED_FIELDS},
        sources=tuple(r.doc_id for r in reports),
        figures=figures,
    )


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field whose value changed (a field missing on
    one side counts as ``None``), in sorted field order."""
    out: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            out[key] = [old, new]
    return out
