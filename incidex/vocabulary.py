"""The coded values an incident's fields may take, read from the package's data files.

ACLED event and sub-event types come from ``data/acled_types.tsv``; target types and weapons
are the categories of ``data/lexicon.toml`` (its ``[targets]`` and ``[weapons]`` tables, the
annotation guide's lists) plus the guide's catch-alls. Each list is read once, on first use,
so importing this module costs nothing.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from incidex.errors import ResourceError

#: The guide's values for "the text does not say" (target, weapon) and "another means" (weapon).
UNKNOWN = "unknown"
OTHER_WEAPON = "other"


def _data(name: str) -> str:
    try:
        return resources.files("incidex").joinpath("data", name).read_text(encoding="utf-8")
    except OSError as exc:  # pragma: no cover - a broken install
        raise ResourceError(f"incidex data file {name!r} is missing; reinstall incidex") from exc


@cache
def acled_types() -> dict[str, tuple[str, ...]]:
    """ACLED's event types, each with its sub-event types, in the codebook's order."""
    out: dict[str, list[str]] = {}
    for lineno, line in enumerate(_data("acled_types.tsv").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 2 or not all(c.strip() for c in cols):
            raise ResourceError(
                f"incidex/data/acled_types.tsv:{lineno}: expected event_type<TAB>sub_event_type"
            )
        out.setdefault(cols[0], []).append(cols[1])
    return {k: tuple(v) for k, v in out.items()}


def sub_event_types() -> tuple[str, ...]:
    """Every ACLED sub-event type."""
    return tuple(s for subs in acled_types().values() for s in subs)


@cache
def _lexicon_tables() -> dict[str, list[str]]:
    data = tomllib.loads(_data("lexicon.toml"))
    return {table: list(data[table]) for table in ("targets", "weapons")}


def target_types() -> tuple[str, ...]:
    """The guide's target types: the lexicon's target categories, then ``unknown``."""
    return (*_lexicon_tables()["targets"], UNKNOWN)


def weapons() -> tuple[str, ...]:
    """The guide's (GTD) weapon types: the lexicon's weapon categories, ``other``, ``unknown``."""
    return (*_lexicon_tables()["weapons"], OTHER_WEAPON, UNKNOWN)


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, and ``XK`` (Kosovo: not assigned by ISO, but used by
    GeoNames, ACLED and so by the gazetteer)."""
    import pycountry

    return frozenset({c.alpha_2 for c in pycountry.countries} | {"XK"})
