"""Places named in a clause, ranked by how specific they are, resolved to the gazetteer.

Candidates come from patterns news uses for locations ("the northwestern town of
Gusau", "Kandahar province", "Baghdad's neighbourhood of Karrada", "in Huyum") and from
the entity recogniser. Each is resolved against the offline gazetteer with the
document's countries as context, and ranked: a neighbourhood or village is more specific
than a town, a town than a district, a district than a province, a province than a country.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from incidex.dates import MONTHS, WEEKDAYS
from incidex.gazetteer import Gazetteer, get_gazetteer
from incidex.geo import place_km
from incidex.lexicon import alias_key, lexicon
from incidex.nlp import Entity
from incidex.records import Place

# Upper-case Latin letters, accented ones included ("Çukurca"): re has no \p{Lu}.
_UP = "[" + "".join(chr(c) for c in range(0x41, 0x250) if chr(c).isupper() and chr(c).isalpha()) + "]"
# A capitalised word: hyphens, full stops and apostrophes inside ("Dera-Ismail", "U.S.", "N'Djamena",
# not a possessive s). Apostrophes split it into runs of [\w.-] so that each character has one
# way to be read: a pattern that can cut a long hyphenated run of one word into words in many ways backtracks
# exponentially on a long run of them (issue 9).
_CAPWORD = rf"(?:{_UP}[\w.-]*(?:['’](?!s\b)[\w.-]*)*\w|{_UP})"
# What joins the words of a name: spaces, or a linking word ("Ras al-Ain", "Dera Ismail Khan").
# Two words are never joined by nothing or by a hyphen: that is one word (see _CAPWORD).
_LINK = r"(?:\s+(?:al|el|ad|as|ash|an|ar|at|az|de|del|la|le|du|des|do|da|di|of|e|i|bin|ibn|bani|beni|wa)(?:-\s*|\s+)|\s+)"
CAP = rf"(?:(?:al|el|ad|an|as|ar|at|az|ash)-)?{_CAPWORD}(?:{_LINK}{_CAPWORD}){{0,4}}"
ADMIN_KINDS = {
    "district": 2.0,
    "circle": 2.0,
    "cercle": 2.0,
    "department": 2.0,
    "county": 2.0,
    "municipality": 2.0,
    "sub-district": 2.0,
    "township": 2.0,
    "local government": 2.0,
    "division": 2.0,
    "tehsil": 2.0,
    "commune": 2.0,
    "subdistrict": 2.0,
    "province": 3.0,
    "state": 3.0,
    "region": 3.0,
    "governorate": 3.0,
    "oblast": 3.0,
    "prefecture": 3.0,
    "territory": 3.0,
}
KINDS = r"(?:refugee\s+camp|local\s+government|settlement|island|agency|tribal\s+area|sub-district|neighbou?rhood|area|suburb|locality|quarter|village|camp|junction|road|street|town|city|district|circle|cercle|department|county|municipality|township|division|tehsil|commune|province|state|region|governorate|oblast|prefecture|territory)"
# Words before a place's name. Each reads one way only ("northern" is north + ern, "rebel-held" is
# a word + -held): two ways to read a word double the work of each failed match (issue 9).
_DIRECTION = r"(?:(?:north|south|east|west|central|north-?east|north-?west|south-?east|south-?west)(?:ern)?|restive|remote|provincial|troubled|volatile|main|capital|coastal|border|desert|mountainous|tribal|nearby|neighbouring|neighboring|adjoining|port|rural|key|strategic|besieged|largest|second-largest|commercial|\w+-(?:held|controlled|dominated|run))"
_OF_KIND = re.compile(
    rf"\b(?:(?i:the)\s+)?(?:(?i:{_DIRECTION})[\s,]+)*(?:(?P<demonym>{_CAPWORD})\s+)?(?P<kind>(?i:{KINDS}))\s+of\s+(?P<name>{CAP})"
)
_NAME_KIND = re.compile(rf"(?P<name>{CAP})\s+(?P<kind>(?i:{KINDS}))\b")
_POSSESSIVE = re.compile(rf"(?P<outer>{CAP})['’]s\s+(?:{_DIRECTION}\s+)*(?P<name>{CAP})")
_BEARING_WORD = r"(?:north|south|east|west)(?:-?(?:east|west))?"
_PREP = re.compile(
    rf"\b(?P<prep>(?i:in|at|near|outside|around|across|on\s+the\s+outskirts\s+of|in\s+and\s+around|inside|close\s+to|in\s+front\s+of|off|{_BEARING_WORD}\s+of|"
    rf"of|on|into|hit|struck|stormed|attacked|raided|shelled))\s+"
    rf"(?:the\s+(?:main\s+)?(?:entrance|gates?)\s+(?:to|of)\s+)?"  # "near the entrance to the Kabul airport"
    rf"(?:the\s+)?(?:(?:{_DIRECTION}|town|city|village)[\s,]+)*(?P<name>{CAP})"
)
# "The Karachi attack", "Würzburg train attack:": a place named by the act's name.
_EVENT_NAME = re.compile(
    rf"(?P<name>{CAP}?)\s+(?:[a-z]+\s+){{0,2}}(?i:attacks?|bombings?|blasts?|massacre|shootings?|siege|explosions?|ambush|"
    rf"raid|offensive|hostage\s+crisis|car\s+bombing)\b"
)
_APPOSITION = re.compile(rf",\s+(?P<name>{CAP})(?=\s*(?:[,.;)]|$|\s+(?:province|state|region|district)\b))")
# After these, a capitalised name is only a place if the gazetteer knows it.
_WEAK_PREPS = frozenset({"of", "on", "into", "hit", "struck", "stormed", "attacked", "raided", "shelled"})
_NOT_HERE = re.compile(
    r"(?:-based|based\s+in|border\s+with|from|to|told|for|(?<!\bfront\s)(?<!\bgate\s)(?<!\bgates\s)(?<!\bentrance\s)of\s+the|"
    r"(?:official|officials|spokesman|spokesperson|source|sources|correspondent|residents)\s+(?:in|at))\s*$",
    re.IGNORECASE,
)
# "Baiji Cement Factory", "Timbuktu Airport": a facility named after its town.
_FACILITY = re.compile(
    r"\b(?:factory|airport|airfield|air\s+base|base|fair|university|hospital|school|college|mosque|church|market|"
    r"stadium|hotel|camp|station|checkpoint|prison|jail|bridge|port|refinery|plant|mall|bazaar|compound|arena|"
    r"concert\s+hall|theatre|theater|club|museum|embassy|consulate|cathedral|temple|shrine|square|park|court|dam)$",
    re.I,
)
# A country named after these is not where the act happened ("near the border with Niger").
_ELSEWHERE = re.compile(
    r"(?:-based|based\s+in|border\s+with|borders\s+with|from|for|to|fled\s+to|flee\s+to)\s+(?:the\s+)?$", re.I
)
# Broad natural regions: a place, but no more specific than a province.
_BROAD = re.compile(
    r"\b(?:peninsula|valley|desert|mountains|region|coast|strip|bank|delta|basin|highlands|plateau|sahel|belt|corridor)$",
    re.I,
)
# "10 km south of", "east of": the place after it is a bearing, not the scene.
_BEARING = re.compile(rf"(?<!\bthe\s)\b{_BEARING_WORD}\s+of\s*$", re.I)
# A site that bears its town's name and says so in a capitalised word ("Manchester Arena",
# "Kabul Airport"); read wherever it stands, since such names open sentences.
_TOWN_SITE = re.compile(
    rf"(?P<name>{_CAPWORD}(?:\s+{_CAPWORD})?\s+(?:Arena|Airport|Stadium|Airbase|Air\s+Base))\b"
)
# Adjectives that look like names: "Shiite-dominated", "rebel-held".
_ADJECTIVE = re.compile(
    r"-(?:dominated|held|controlled|run|based|led|backed|majority|populated|speaking)$|^(?:north|south|east|west)(?:ern)?$|"
    r"^(?:shiite|shia|shi'ite|sunni|alawite|christian|kurdish|hindu|muslim|jewish|druze|yazidi|catholic|coptic|"
    r"buddhist|sikh|ismaili|arab|tribal|government|rebel|opposition|insurgent|militant)$",
    re.I,
)
_CALENDAR = re.compile(
    r"\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|"
    r"August|September|October|November|December)\b.*$"
)
_STOP_NAMES = {
    *WEEKDAYS,
    *MONTHS,
    "police",
    "army",
    "government",
    "military",
    "the",
    "a",
    "an",
    "officials",
    "security",
    "president",
    "ramadan",
    "eid",
    "twitter",
    "facebook",
    "reuters",
    "afp",
    "ap",
    "bbc",
    "cnn",
    "un",
    "u.n",
    "islamic",
    "west",
    "east",
    "north",
    "south",
    "gulf",
    "centre",
    "center",
    "capital",
    "city",
    "town",
    "village",
    "district",
    "province",
    "region",
    "state",
    "county",
    "area",
    "interior",
    "defence",
    "defense",
    "ministry",
    "parliament",
    "islamic maghreb",
    "maghreb",
    "levant",
    "arabian peninsula",
    # parts of any town, which GeoNames also lists as places of their own somewhere
    "old city",
    "old town",
    "city centre",
    "city center",
    "downtown",
}
_PREP_KINDS = ("prep", "kind", "possessive")


@dataclass(frozen=True)
class PlaceMention:
    text: str  # as written, with its kind word when that is part of the name ("Sadr City")
    start: int
    end: int
    rank: float  # 0 most specific ... 4 a country
    place: Place | None
    country: str | None
    inside: str | None = None  # an enclosing place named with it ("Karachi" for Lyari)
    kind: str | None = None  # the kind word the text gives it (town, district, neighbourhood)


_LEADING_CALENDAR = re.compile(
    r"^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|"
    r"August|September|October|November|December)\s+"
)


def _strip_name(name: str) -> str:
    name = _CALENDAR.sub("", name)  # "Baghdad Friday": the place ends where the date starts
    name = _LEADING_CALENDAR.sub("", name)  # and starts after a leading date
    name = re.sub(r"^(?:the|an|a)\s+", "", name, flags=re.I)
    name = re.sub(r"\s+(?:The|A|An)$", "", name)  # "a market in Gwoza The explosions": a lost full stop
    name = name.strip(" ,.'’\"")
    name = re.sub(r"['’]s$", "", name)
    return name


def place_rank(place: Place | None, kind: str | None) -> float:
    if kind:
        k = kind.lower()
        if k in ADMIN_KINDS:
            return ADMIN_KINDS[k]
        if k in ("town", "city"):
            return 1.0 if not place or place.population < 1_000_000 else 1.5
        return 0.0
    if place is None:
        return 0.5
    if place.kind == "country":
        return 4.0
    if place.kind == "admin1":
        return 3.0
    if place.kind == "region":  # North Waziristan, Sinai, Ghouta: wider than a town
        return 2.5
    return 1.0 if place.population < 1_000_000 else 1.5


def _skeleton(name: str) -> str:
    return re.sub(r"^(?:al|el|an|ad|as|ar|ash|the)\s+", "", alias_key(name)).replace(" ", "")


def without_article(name: str, place: Place | None) -> str:
    """The name as written, less an Arabic article the place's own name does not carry:
    "al-Arish" is filed as "Arish" (GeoNames: Arīsh), while "Al Bab" (Al Bāb) stays as
    written."""
    bare = re.sub(r"^(?:al|el)[-\s]+(?=\w)", "", name, flags=re.I)
    if place is None or bare == name or place.kind != "city":
        return name
    own = alias_key(place.name)
    return bare if own == alias_key(bare) and not re.match(r"(?:al|el)\s", own) else name


def plausible(name: str, place: Place) -> bool:
    """Whether a place's own name looks like the name written: GeoNames alternate names include
    other languages' names ("Bassa" is Italian for Passau), which only context may justify."""
    from rapidfuzz import fuzz

    a, b = _skeleton(name), _skeleton(place.name)
    return a == b or fuzz.ratio(a, b) >= 80 or (len(a) >= 5 and (a in b or b in a))


def _resolve(gaz: Gazetteer, name: str, context: tuple[str, ...]) -> Place | None:
    """The gazetteer's reading of ``name`` in the document's countries, unless that reading
    only matches another place's foreign-language alias (a big city's name that a small town
    abroad lists among its names) while the name itself is a well-known place elsewhere."""
    place = gaz.resolve(name, context)
    if place is not None and context and not plausible(name, place):
        anywhere = gaz.resolve(name)
        if anywhere is not None and plausible(name, anywhere):
            return anywhere
    return place


def _near(gaz: Gazetteer, place: Place, country: str, km: float = 1000.0) -> bool:
    """Whether ``place`` lies within ``km`` of the main town of ``country`` (neighbours, disputed
    borders: a town in the West Bank in a report that names only Israel)."""
    home = gaz.country(country)
    return home is not None and place_km(home, place) <= km


def _unique(gaz: Gazetteer, name: str) -> Place | None:
    """A name that only one country's gazetteer entries bear, spelled the same: that place,
    however small ("Tal Afar", "Panjgur"). Ordinary resolution wants more people to trust a
    name without the document's country."""
    if len(name) < 5:
        return None
    cands = gaz.candidates(name)
    if not cands or len({c.country for c in cands}) != 1:
        return None
    from rapidfuzz import fuzz

    key = re.sub(r"^(?:al|el|an|ad|as|ar|ash)\s+", "", alias_key(name)).replace(" ", "")
    best = max(cands, key=lambda c: c.population)
    other = re.sub(r"^(?:al|el|an|ad|as|ar|ash)\s+", "", alias_key(best.name)).replace(" ", "")
    return best if fuzz.ratio(key, other) >= 85 else None


def _is_actor(name: str) -> bool:
    return re.sub(r"^the\s+", "", alias_key(name)) in lexicon().actor_by_alias


def find_places(text: str, offset: int, ents: list[Entity], countries: tuple[str, ...]) -> list[PlaceMention]:
    """Place mentions in ``text`` (a clause starting at ``offset`` in the document)."""
    gaz = get_gazetteer()
    out: dict[tuple[int, int], PlaceMention] = {}
    abroad: set[tuple[int, int]] = set()  # names a demonym or possessive puts in no place abroad
    kinds: dict[tuple[int, int], str] = {}

    def add(
        name: str,
        start: int,
        kind: str | None,
        how: str,
        inside: str | None = None,
        label: str | None = None,
        written_end: int | None = None,
        home: str | None = None,
    ) -> None:
        if any(a <= start < b for a, b in actor_spans):
            return
        raw, name = name, _strip_name(name)
        if name and name in raw:
            start += raw.index(name)
        if not name or name.lower() in _STOP_NAMES or _is_actor(name) or _ADJECTIVE.search(name):
            return
        if _NOT_HERE.search(text[max(0, start - offset - 30) : start - offset]):
            return
        # "Jammu and Kashmir", "Bosnia and Herzegovina": one name with the word and in it
        joined = re.match(rf"\s+and\s+({_CAPWORD}(?:\s+{_CAPWORD})?)", text[start - offset + len(name) :])
        if joined:
            both = f"{name} and {joined.group(1)}"
            whole = gaz.resolve(both)
            if whole is not None and whole.kind in ("admin1", "country") and plausible(both, whole):
                name = both
        words = name.split()
        while len(words) > 1 and gaz.country_code(words[-1]) and not gaz.resolve(words[-1]):
            words.pop()  # "the West Bank Israeli settlement": the demonym is not part of the name
        name = " ".join(words)
        if re.match(r"(?:-based|\s+border\b|\s+frontier\b)", text[start - offset + len(name) :]):
            return  # "West Bank-based fighters", "near the Mali border"
        end = start + len(name)
        code = gaz.country_code(name)
        if code:
            place = gaz.resolve(name, (code,))
            if place is None or place.kind != "country":
                return  # a demonym ("Yemeni") places nothing
            if how not in _PREP_KINDS:
                return  # "U.S. officials said": a country named, not where it happened
        else:
            context = (home, *countries) if home else countries
            place = _resolve(gaz, f"{name} {kind}" if kind and kind.lower() in ADMIN_KINDS else name, context)
            if home and place is not None and place.country != home:
                # "the Cameroonian town of Bodo" is in Cameroon or unknown, and "Aleppo's
                # Salahuddin district" is no Iraqi province, however else the name is read
                place = None
                abroad.add((start, start + len(name)))
                out.pop((start, start + len(name)), None)  # an earlier reading of the same words
            if place is None and how in _PREP_KINDS and (start, start + len(name)) not in abroad:
                place = _unique(gaz, name)
            words = name.split()
            if place is None and len(words) > 1 and not kind and how in (*_PREP_KINDS, "weak"):
                # "Battle of Mosul": the place after the last of; "Baiji Cement Factory": the leading words
                tail = re.split(r"\s+of\s+", name)[-1]
                if tail != name:
                    place = gaz.resolve(tail, countries)
                    if place is not None and plausible(tail, place) and place.kind != "country":
                        start, name = start + name.rindex(tail), tail
                        words = []
                    else:
                        place = None
                if not _FACILITY.search(name):
                    words = []  # a name of several words that names no facility is a name of its own
                for n in range(len(words) - 1, 0, -1):
                    head = " ".join(words[:n])
                    place = _resolve(gaz, head, countries) if head.lower() not in _STOP_NAMES else None
                    if place is not None and place.kind != "country" and plausible(head, place):
                        name = head
                        end = start + len(name)
                        break
                    place = None
        if (
            place is not None
            and place.kind != "country"
            and (how in ("entity", "weak") or len(name) <= 4)
            and not plausible(name, place)
        ):
            place = None
        namesake = False
        if (
            place is not None
            and countries
            and place.kind == "city"
            and place.country not in countries
            and place.population < 500_000
            and not _near(gaz, place, countries[0])
            and not (place.population >= 50_000 and gaz.resolve(name) == place)
        ):
            place, namesake = None, True  # a namesake town far abroad; the name is still a place here
        if (
            place is None
            and not kind
            and not ((label in ("GPE", "LOC", "FAC") or namesake) and how == "prep")
        ):
            return
        written = name
        kind_l = kind.lower() if kind else None
        # The kind word stays with an administrative area ("Kandahar province", "Lamu County")
        # and where it is part of the name ("Sadr City", "Jenin refugee camp"); a town or
        # neighbourhood goes by its name ("the city of Peshawar" is Peshawar).
        if (
            written_end is not None
            and kind
            and (kind_l in (*ADMIN_KINDS, "refugee camp", "junction", "road", "street") or kind[0].isupper())
        ):
            end = written_end
            written = re.sub(r"^the\s+", "", text[start - offset : end - offset], flags=re.I)
        # "the Paktia district of Afghanistan": a country is a country, whatever kind word is near
        rank = place_rank(place, None if place is not None and place.kind == "country" else kind_l)
        if label == "LOC" and place is None or _BROAD.search(written):
            rank = max(rank, 3.5)
        elif _BEARING.search(text[max(0, start - offset - 40) : start - offset]):
            rank = max(rank, 3.2)  # "south of Jerusalem": a landmark, not where it happened
        key = (start, start + len(name))
        if key in abroad and place is not None and not home:
            return
        country = place.country if place else None
        # a capitalised kind word is part of a name ("Sadr City"), not a description of the place
        described = kind_l if kind and not kind[0].isupper() else None
        mention = PlaceMention(written, start, end, rank, place, country, inside, described)
        old = out.get(key)
        if (
            old is None
            or how == "kind"
            or (mention.rank, mention.place is None) < (old.rank, old.place is None)
            and kinds.get(key) != "kind"
        ):
            out[key] = mention
            kinds[key] = how

    labels = {e.start: e.label for e in ents}
    # "Islamic State of Iraq and the Levant": a place inside a group's name is no place of the act
    actor_spans = [(offset + m.start(), offset + m.end()) for m in lexicon().actor_pattern.finditer(text)]
    for m in _EVENT_NAME.finditer(text):
        add(m.group("name"), offset + m.start("name"), None, "weak")
    for m in _OF_KIND.finditer(text):
        home = gaz.country_code(m.group("demonym")) if m.group("demonym") else None
        add(m.group("name"), offset + m.start("name"), m.group("kind"), "kind", home=home)
    for m in _NAME_KIND.finditer(text):
        kind = m.group("kind")
        name = m.group("name")
        if re.match(r"\s+of\s", text[m.end() :]):
            continue  # "the Sindh city of Sukkur": the kind word belongs to the name after it
        if kind[0].isupper() and _is_actor(f"{name} {kind}"):
            continue
        add(name, offset + m.start("name"), kind, "kind", written_end=offset + m.end())
    for m in _POSSESSIVE.finditer(text):
        outer = gaz.country_code(m.group("outer"))
        if outer is None:
            big = gaz.resolve(m.group("outer"), countries)
            if big is None or not plausible(m.group("outer"), big):
                continue  # "Allah's Grace": not a place's part
            outer = big.country
        add(
            m.group("name"), offset + m.start("name"), None, "possessive", inside=m.group("outer"), home=outer
        )
        add(m.group("outer"), offset + m.start("outer"), None, "weak")  # "Mosul's Old City" names Mosul too
    for m in _TOWN_SITE.finditer(text):
        # "Manchester Arena was bombed": a site named after its town, with no preposition
        add(m.group("name"), offset + m.start("name"), None, "weak")
    for m in _PREP.finditer(text):
        weak = m.group("prep").lower() in _WEAK_PREPS
        label = labels.get(offset + m.start("name"))
        if not weak and label is None:
            label = "GPE"  # "in Çukurca": a name after a location word is a place unless known otherwise
        elif label in ("PERSON", "ORG", "NORP", "DATE"):
            label = None
        add(m.group("name"), offset + m.start("name"), None, "weak" if weak else "prep", label=label)
        # "in Maiduguri, Borno state": the name after the comma is the enclosing place
        extra = _APPOSITION.match(text, m.end())
        if extra:
            add(extra.group("name"), offset + extra.start("name"), None, "weak")
    for e in ents:
        # buildings (FAC: "the Pakistani Consulate") name no place of their own; a dateline
        # ("Paris: Nine people were killed in a shooting in Lyon") names where it was written
        dateline = e.start - offset < 3 and _DATELINE_TAIL.match(text[e.end - offset :])
        if e.label in ("GPE", "LOC") and offset <= e.start < offset + len(text) and not dateline:
            add(e.text, e.start, None, "entity", label=e.label)
    return sorted(out.values(), key=lambda p: p.start)


# What follows a dateline's place: "(Reuters)", a date ("Sokoto, Sept. 4, 2024:"), then a
# colon or dash.
# Three ways, each with one reading per character (a leading run of brackets or spaces read
# in many ways made this quadratic per entity, issue 9): a colon or dash among the
# punctuation right after the place; a date after it; or a bracket, closed after the
# punctuation (the last bracket opened there: an earlier one closing inside it leaves a colon or
# date for the first two ways), then perhaps a date.
_DATELINE_DATE = r"(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?|\d{1,2}\s+[A-Z][a-z]{2,8}\.?(?:,?\s*\d{4})?)"
_DATELINE_TAIL = re.compile(
    r"[^\w:—–-]*[:—–-]"
    rf"|[^\w]*+{_DATELINE_DATE}\s*[:—–-]"
    rf"|(?>[^\w]*\()[^)]*\)(?:\s*(?:,\s*)?{_DATELINE_DATE})?\s*[:—–-]"
)
_WORD = re.compile(r"[A-Z][\w'’.-]*\w|[A-Z]\.[A-Z]\.?")


def countries_named(text: str, ents: list[Entity], gaz: Gazetteer | None = None) -> list[tuple[str, bool]]:
    """Countries named in a text, in order of mention: (ISO code, whether by a demonym).

    Tries runs of up to four capitalised words, longest first, so "Burkina Faso" and
    "Democratic Republic of Congo" are one country and "Three Yemeni soldiers" finds Yemen.
    A demonym ("Yemeni") is weaker evidence of where an act
    happened than the country's name.
    """
    gaz = gaz or get_gazetteer()
    words = list(_WORD.finditer(text))
    out: list[tuple[int, str, bool]] = []
    i = 0
    while i < len(words):
        for n in (4, 3, 2, 1):
            run = words[i : i + n]
            if len(run) < n:
                continue
            # the words must be adjacent (only spaces or of/the/and between them)
            gaps = [text[a.end() : b.start()] for a, b in zip(run, run[1:], strict=False)]
            if any(not re.fullmatch(r"\s+(?:(?:of|the|and)\s+)*", g) for g in gaps):
                continue
            written = text[run[0].start() : run[-1].end()]
            code = gaz.country_code(written)
            elsewhere = _ELSEWHERE.search(text[max(0, run[0].start() - 30) : run[0].start()]) or re.match(
                r"\s*(?:-\s*)?(?:border|frontier|embassy|consulate|nationals?|citizens?|refugees?|asylum|presse|press|24)\b",
                text[run[-1].end() :],
                re.I,
            )
            if code and elsewhere:
                i += n
                break
            if code:
                place = gaz.resolve(written, (code,))
                out.append((run[0].start(), code, place is None or place.kind != "country"))
                i += n
                break
        else:
            i += 1
    return [(code, demonym) for _, code, demonym in sorted(out)]


_DEMONYM_PLACE = re.compile(
    rf"\b(?:a|an|the)\s+(?:(?i:{_DIRECTION})[\s,]+)*(?P<dem>{_CAPWORD})\s+(?:border\s+)?"
    r"(?:town|city|village|province|region|district|capital|port|base|outpost|army\s+base|military\s+base)\b"
)


def demonym_locations(text: str, gaz: Gazetteer | None = None) -> list[str]:
    """Countries a place is described by, without its name ("a small Kenyan town")."""
    gaz = gaz or get_gazetteer()
    out = []
    for m in _DEMONYM_PLACE.finditer(text):
        code = gaz.country_code(m.group("dem"))
        if code:
            out.append(code)
    return out


def notable_places(text: str, gaz: Gazetteer | None = None) -> list[Place]:
    """Well-known places (cities of 100,000 or more, provinces) a text names anywhere,
    even outside a location phrase ("Würzburg train attack: ..."): a last clue to
    the country of an incident that names no place in the usual way."""
    gaz = gaz or get_gazetteer()
    out = []
    for m in re.finditer(CAP, text):
        name = _strip_name(m.group(0))
        if name.lower() in _STOP_NAMES or _is_actor(name) or gaz.country_code(name):
            continue
        place = gaz.resolve(name)
        if (
            place is not None
            and (place.kind == "admin1" or place.population >= 100_000)
            and plausible(name, place)
        ):
            out.append(place)
    return out
