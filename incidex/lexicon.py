"""Loads the versioned lexicon data files once, on first use.

``data/lexicon.toml`` holds trigger words, weapon and target terms, counting nouns and
clause cues; ``data/actors.tsv`` holds named armed groups and their aliases. Names are
compared folded (:func:`alias_key`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from incidex.errors import ResourceError


@dataclass(frozen=True)
class Actor:
    canonical: str
    aliases: tuple[str, ...]
    countries: tuple[str, ...]
    kind: str


@dataclass(frozen=True)
class Lexicon:
    version: int
    triggers: dict[str, re.Pattern[str]]  # class -> pattern
    trigger_any: re.Pattern[str]
    weapons: dict[str, re.Pattern[str]]
    targets: list[tuple[str, re.Pattern[str]]]
    not_victims: frozenset[str]
    non_person_nouns: frozenset[str]
    person_nouns: frozenset[str]
    cues: dict[str, re.Pattern[str]]
    actors: tuple[Actor, ...]
    actor_pattern: re.Pattern[str]
    actor_by_alias: dict[str, Actor]


def terms_pattern(terms: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of ``terms`` on word boundaries."""
    alts = sorted({re.escape(t).replace(r"\ ", r"[\s-]+") for t in terms}, key=len, reverse=True)
    # a hyphen may follow ("explosives-laden") but not precede ("anti-government")
    return re.compile(r"(?<![\w-])(?:" + "|".join(alts) + r")(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=65536)
def alias_key(name: str) -> str:
    """A name folded for comparison: accents, case, apostrophes and hyphens ignored."""
    import unicodedata

    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = re.sub(r"['’`ʼ]", "", s.lower()).replace("-", " ")
    return " ".join(s.split())


def _read_text(name: str) -> str:
    try:
        return resources.files("incidex").joinpath("data", name).read_text(encoding="utf-8")
    except OSError as exc:  # pragma: no cover - a broken install
        raise ResourceError(f"incidex data file {name!r} is missing; reinstall incidex") from exc


def _load_actors() -> tuple[Actor, ...]:
    actors = []
    for line in _read_text("actors.tsv").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 4:
            raise ResourceError(f"actors.tsv: expected 4 tab-separated columns in {line!r}")
        canonical, aliases, countries, kind = cols
        actors.append(
            Actor(canonical, tuple(a for a in aliases.split("|") if a), tuple(countries.split("|")), kind)
        )
    return tuple(actors)


@cache
def lexicon() -> Lexicon:
    data = tomllib.loads(_read_text("lexicon.toml"))
    actors = _load_actors()
    by_alias: dict[str, Actor] = {}
    names: list[str] = []
    for actor in actors:
        for name in (actor.canonical, *actor.aliases):
            by_alias.setdefault(alias_key(name), actor)
            names.append(name)
    # Short upper-case acronyms ("IS", "AA", "PDF") only match in upper case: as plain words
    # they are English ("is") or too ambiguous.
    acronyms = [n for n in names if n.isupper() and len(n) <= 3]
    words = [n for n in names if n not in acronyms]
    alts = sorted(
        {re.escape(n).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]+") for n in words},
        key=len,
        reverse=True,
    )
    pattern = re.compile(
        r"(?<![\w-])(?:(?i:"
        + "|".join(alts)
        + r")|"
        + "|".join(re.escape(a) for a in sorted(acronyms, key=len, reverse=True))
        + r")(?![\w-])"
    )
    cues = {
        name: re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE)
        for name, pats in data["cues"].items()
    }
    return Lexicon(
        version=int(data["version"]),
        triggers={k: terms_pattern(v) for k, v in data["triggers"].items()},
        trigger_any=terms_pattern([t for v in data["triggers"].values() for t in v]),
        weapons={k: terms_pattern(v) for k, v in data["weapons"].items()},
        targets=[(k, terms_pattern(v)) for k, v in data["targets"].items()],
        not_victims=frozenset(data["counting"]["not_victims"]),
        non_person_nouns=frozenset(data["counting"]["non_person_nouns"]),
        person_nouns=frozenset(data["counting"]["person_nouns"]),
        cues=cues,
        actors=actors,
        actor_pattern=pattern,
        actor_by_alias=by_alias,
    )
