"""From a group of mentions to one :class:`Incident`, every field with its evidence.

Rules a careful coder follows: the first figure in the body is the toll unless the text
updates it ("raising the death toll to seven") or widens it ("up to 14"); headlines only
fill what the body leaves empty. The place is the most specific one the mentions name.
The perpetrator is the group that claimed the act, else the first named actor that acted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import replace

from incidex.actors import ActorMention
from incidex.classify import EXPLOSIVE_CLASSES, SUB_EVENT, event_types, victims_of
from incidex.counts import CountMention
from incidex.fold import Group
from incidex.gazetteer import get_gazetteer
from incidex.geo import place_km
from incidex.lexicon import lexicon
from incidex.mentions import Mention
from incidex.places import PlaceMention, demonym_locations, notable_places, place_rank, without_article
from incidex.records import Count, Document, Evidence, Incident, Place

_PRECISION = {
    "explicit": 1,
    "weekday_explicit": 1,
    "weekday": 1,
    "last_weekday": 1,
    "overnight_span": 1,
    "last_week_weekday": 1,
    "today": 1,
    "yesterday": 1,
    "overnight": 1,
    "previous_day": 1,
    "same_day": 1,
    "days_after": 1,
    "week": 2,
    "month": 3,
    "vague": 3,
}


def _evidence(doc: Document, name: str, start: int, end: int) -> Evidence:
    return Evidence(name, start, end, doc.text[start:end])


def _count(mentions: list[CountMention]) -> CountMention | None:
    """The toll the text finally states, from figures in text order (body before headline)."""
    current: CountMention | None = None
    for c in mentions:
        if (
            current is None
            or c.update
            or current.vague
            and not c.vague
            and c.count.low is not None
            or current.count.high == 0
            and (c.count.low or 0) > 0
        ):
            current = c  # an update, an exact figure after "several", a toll after "no casualties"
        elif c.count.low is None and c.count.high is not None:
            # "five were killed, but a resident said up to 14 were killed": the range widens
            low, high = current.count.low, current.count.high
            if c.count.high > max(x for x in (low, high, 0) if x is not None):
                current = CountMention(
                    c.kind, Count(low, c.count.high), current.start, current.end, current.text
                )
    return current


def assemble(
    group: Group,
    doc: Document,
    named: tuple[str, ...],
    mentioned: tuple[str, ...],
    focus: frozenset[str] = frozenset(),
    lead: PlaceMention | None = None,
) -> Incident:
    """One incident from one group. ``named``: countries the document names by name, most
    named first; ``mentioned``: those and the ones it names only by demonym; ``focus``: the
    countries it names more than once; ``lead``: the place the report leads with, for an
    incident that names none (the report's only incident)."""
    body = [m for m in group.mentions if not m.title]
    ordered = body + [m for m in group.mentions if m.title]
    first = ordered[0]
    ev: list[Evidence] = [_evidence(doc, "incident", first.start, first.end)]

    # place and country
    place_m, frame = reported_place(group, mentioned)
    place_m = place_m or lead
    detail = group.best_place
    place = without_article(place_m.text, place_m.place) if place_m else None
    resolved = place_m.place if place_m else None
    if place_m:
        ev.append(_evidence(doc, "place", place_m.start, place_m.end))
    # an unlocated place takes the country the incident's located places agree on
    country = (place_m.country if place_m else None) or frame
    if country is None:
        for m in ordered:
            codes = [p.country for p in m.places if p.country]
            if codes:
                country = codes[0]
                break
    if country is None:
        country = next((m.section_country for m in ordered if m.section_country), None)
    if country is None:  # "an ambush near a small Kenyan town"
        country = next((c for m in ordered for c in demonym_locations(m.text)), None)
    # where the act happened, by strength of evidence: a town or province the incident names,
    # a well-known place named anywhere in it, a country the report names, the home of the
    # group that did it, and last a nationality ("Yemeni soldiers")
    if country is None:
        for m in ordered:
            notable = notable_places(m.text)
            if notable:
                country = notable[0].country
                break
    if country is None and mentioned and mentioned[0] in focus:
        country = mentioned[0]  # a report that keeps saying "Egyptian" is about Egypt
    if country is None and named:
        country = named[0]
    if country is None:
        for m in ordered:
            for a in m.actors:
                if a.countries and not a.as_target:
                    country = a.countries[0]
                    break
            if country:
                break
    if country is None and mentioned:
        country = mentioned[0]
    if country and place_m is not None and place_m.country == country:
        ev.append(_evidence(doc, "country", place_m.start, place_m.end))
    elif country:
        ev.append(_evidence(doc, "country", first.start, first.end))
    admin1 = resolved.admin1 if resolved and resolved.kind != "country" else None
    if resolved and resolved.kind == "admin1":
        admin1 = resolved.name

    # date: the phrase that gave the day, else the first one the mentions have
    date = group.date
    source = group.date_mention or next((d for m in ordered for d in m.event_dates), None)
    date_text = source.text if source else None
    if source is not None:
        ev.append(_evidence(doc, "date", source.start, source.end))
    if date is not None:
        precision = 1
    else:
        precision = (
            _PRECISION.get(source.kind, 3) if source and source.kind in ("week", "month", "vague") else 3
        )

    # casualties
    killed = _count([c for m in ordered for c in m.counts if c.kind == "killed"])
    wounded = _count([c for m in ordered for c in m.counts if c.kind == "wounded"])
    for name, c in (("killed", killed), ("wounded", wounded)):
        if c is not None:
            ev.append(_evidence(doc, name, c.start, c.end))

    # perpetrator and claim
    perp = None
    status = "unknown"
    for m in ordered:
        statuses = {c.status for c in m.claims}
        actors = [a for a in m.actors if not a.as_target]
        if "claimed" in statuses and actors:
            perp, status = actors[0], "claimed"
            break
    if perp is None:
        for m in ordered:
            actors = [a for a in m.actors if not a.as_target]
            if actors:
                perp = actors[0]
                statuses = {c.status for c in m.claims}
                status = "suspected" if "suspected" in statuses else status
                break
        # "We carried out the attack, a spokesman said": a claim in a mention that names nobody else
        if perp is not None and any(
            c.status == "claimed" and not [a for a in m.actors if not a.as_target]
            for m in ordered
            for c in m.claims
        ):
            status = "claimed"
    if status == "unknown":
        statuses = {c.status for m in ordered for c in m.claims}
        for s in ("denied", "unclaimed", "suspected"):
            if s in statuses:
                status = s
                break
        if status == "suspected" and perp is None:
            status = "unknown"
    if perp is not None:
        ev.append(_evidence(doc, "perpetrator", perp.start, perp.end))
    for m in ordered:
        for cue in m.claims:
            if cue.status == status:
                ev.append(_evidence(doc, "claimed", cue.start, cue.end))
                break
        else:
            continue
        break

    # kind, weapon, target
    classes = group.triggers
    target = "unknown"
    victims = [
        (v, False)
        for c in (killed, wounded)
        if c is not None and c.count.low != 0
        if (v := victims_of(c.text))
    ]
    aimed = [m.target for m in ordered if m.target and m.target[1]]
    anyt = [m.target for m in ordered if m.target]
    for hit in (
        *(v for v in victims if v and v[0] != "civilians"),
        *aimed,
        *(v for v in victims if v),
        *anyt,
    ):
        if hit:
            target = hit[0]
            break
    if classes & EXPLOSIVE_CLASSES:
        weapon = "explosives"
    else:
        weapon = next((m.weapon for m in ordered if m.weapon != "unknown"), "unknown")
    event_type, sub_event = event_types(set(classes), target, weapon)
    ev += _word_evidence(doc, ordered, sub_event, weapon, target)

    filled = sum(x is not None for x in (place, date, killed or wounded, perp))
    confidence = min(0.95, 0.45 + 0.1 * filled + 0.05 * (len(group.mentions) > 1))
    return Incident(
        event_type=event_type,
        sub_event_type=sub_event,
        date=date,
        date_text=date_text,
        time_precision=precision,
        place=place,
        place_detail=detail.text
        if detail is not None and (place_m is None or detail.start != place_m.start)
        else None,
        country=country,
        admin1=admin1,
        resolved_place=resolved,
        killed=killed.count if killed else None,
        wounded=wounded.count if wounded else None,
        perpetrator=_perpetrator_name(perp, doc.text) if perp else None,
        perpetrator_aliases=tuple(dict.fromkeys((perp.canonical, *perp.aliases))) if perp else (),
        claimed=status == "claimed",
        claim_status=status,
        target_type=target,
        weapon=weapon,
        confidence=confidence,
        evidence=tuple(sorted(ev, key=lambda e: (e.field != "incident", e.start))),
    )


_TOWN_OR_ADMIN = frozenset(
    {
        "town",
        "city",
        "village",
        "district",
        "province",
        "state",
        "region",
        "county",
        "governorate",
        "department",
        "municipality",
        "circle",
        "cercle",
        "commune",
        "tehsil",
        "township",
        "division",
        "local government",
        "oblast",
        "prefecture",
        "territory",
        "settlement",
        "island",
        "junction",
        "refugee camp",
    }
)


def _first_span(
    doc: Document, mentions: list[Mention], pattern: re.Pattern[str], name: str
) -> list[Evidence]:
    for m in mentions:
        hit = pattern.search(doc.text, m.start, m.end)
        if hit:
            return [_evidence(doc, name, hit.start(), hit.end())]
    return []


def _word_evidence(
    doc: Document, mentions: list[Mention], sub_event: str, weapon: str, target: str
) -> list[Evidence]:
    """The words that decided the kind of act, the weapon and the target."""
    lex = lexicon()
    out: list[Evidence] = []
    cls = next((c for c, types in SUB_EVENT.items() if types[1] == sub_event), None)
    kind = lex.triggers.get(cls) if cls else lex.triggers["armed"]
    if kind is not None:
        for name in ("event_type", "sub_event_type"):
            out += _first_span(doc, mentions, kind, name)
    if weapon in lex.weapons:
        out += _first_span(doc, mentions, lex.weapons[weapon], "weapon")
    targets = dict(lex.targets)
    if target in targets:
        out += _first_span(doc, mentions, targets[target], "target_type")
    return out


def reported_place(group: Group, context: tuple[str, ...] = ()) -> tuple[PlaceMention | None, str | None]:
    """The place an incident is filed under: the most specific one the gazetteer can put on
    a map. A neighbourhood or village it does not know is kept as ``place_detail``, and the
    town, district or province that the report names with it is the place ("Shaab ... in
    northeastern Baghdad" is filed under Baghdad). Places that the gazetteer puts in another
    country than the broadest place named with them are namesakes and are not used. Returns
    the place and the country its located places agree on (``None`` when none is located);
    ``context``: the countries the document names, which win a tie."""
    places = [p for m in group.mentions if not m.title for p in m.places] or [
        p for m in group.mentions for p in m.places
    ]
    lead = {id(p) for p in next((m.places for m in group.mentions if m.places and not m.title), ())}
    if not places:
        return None, None
    frame_country = None
    # located, or named with a word that says what it is ("the city of Gardez", "Bagram
    # district"): a neighbourhood or a bare unknown name defers to the place named with it
    located = [p for p in places if p.rank < 4 and (p.place is not None or _site(p))]
    resolved = [p for p in located if p.place is not None]
    if resolved:
        # the country most of the located places agree on; on a tie, the broadest place's, by
        # what the gazetteer says it is (a place called a district that only matched a town
        # abroad is a town), then one the document names, one the first telling names, the biggest
        votes = Counter(p.country for p in resolved)
        frame = max(
            resolved,
            key=lambda p: (
                votes[p.country],
                place_rank(p.place, None),
                p.country in context,
                id(p) in lead,
                p.place.population if p.place else 0,
            ),
        )
        frame_country = frame.country
        located = [q for q in (_within(p, frame) for p in located) if q is not None]
        # a town the gazetteer puts in another province than the one the report names is a
        # namesake (a town named in a report about Sindh is not its Punjabi namesake): the province stands
        provinces = [p.place for p in located if p.place and p.place.kind == "admin1"]
        if provinces:
            located = [q for q in (_in_provinces(p, provinces) for p in located) if q is not None]
    pool = located or [p for p in places if p.rank < 4] or places
    return min(pool, key=lambda p: (p.rank, p.start)), frame_country


def _site(p: PlaceMention) -> bool:
    """Named with a word that says it is a town, an area or a site: "the city of Gardez",
    "Bagram district", "Gush Junction"."""
    return p.kind in _TOWN_OR_ADMIN or p.text.rsplit(None, 1)[-1].lower() in _SITE_NAME


# The last word of a name that makes it a small place of its own (an unlocated name ending in
# another word, "Taji District", defers to the city it is part of).
_SITE_NAME = frozenset({"junction", "island", "settlement", "village", "camp"})


def _within(p: PlaceMention, frame: PlaceMention) -> PlaceMention | None:
    """``p`` as a place in the frame's country: a name the gazetteer first put elsewhere is
    looked up there ("Hyderabad in Sindh province" is Pakistan's, not India's bigger one);
    ``None`` when it has no place of that name. A place right beside the frame is no namesake;
    beside a frame province it is in the province's country whatever country the gazetteer
    files it under (a settlement "in the West Bank")."""
    country = frame.country
    if p.country in (country, None) or country is None:
        return p
    if p.place is not None and frame.place is not None and place_km(p.place, frame.place) <= BESIDE_KM:
        return replace(p, country=country) if frame.place.kind in ("admin1", "region") else p
    other = get_gazetteer().resolve(p.text, (country,))
    if other is None or other.country != country:
        return None
    return replace(p, place=other, country=other.country, rank=place_rank(other, p.kind))


#: Two places this close are one area, not namesakes in two countries.
BESIDE_KM = 150.0


def _in_provinces(p: PlaceMention, provinces: list[Place]) -> PlaceMention | None:
    """``p`` as a town in one of the named ``provinces`` of its country: its namesake there
    ("Barbosa, Santander" is Santander's Barbosa, not Antioquia's), else the town itself when
    it lies just over the province's line (reports name the neighbouring province loosely),
    else ``None``. Provinces, countries and towns of a country none of the provinces is in
    pass as they are."""
    named = {(q.country, q.admin1) for q in provinces}
    if p.place is None or p.place.kind in ("admin1", "country") or (p.place.country, p.place.admin1) in named:
        return p
    if all(q.country != p.place.country for q in provinces):
        return p
    there = next(
        (
            c
            for c in get_gazetteer().candidates(p.text)
            if c.kind == "city" and (c.country, c.admin1) in named
        ),
        None,
    )
    if there is not None:
        return replace(p, place=there, rank=place_rank(there, p.kind))
    if any(place_km(p.place, q) <= PROVINCE_REACH_KM for q in provinces):
        return p
    return None


#: How far from a province's representative point a town named with it may lie and still be
#: the town meant: the half-width of a large province (about 200 km) and a margin over its line.
PROVINCE_REACH_KM = 250.0


def _perpetrator_name(actor: ActorMention, text: str) -> str:
    """The name as the report writes it: the form of this actor's names it uses most, the
    one first written here on a tie ("PKK" in a report that spells the name out once and
    says PKK after). A two-letter form gives way to the canonical name."""
    forms = [f for f in dict.fromkeys((actor.name, actor.canonical, *actor.aliases)) if len(f) > 2]
    counts = {f: len(re.findall(rf"(?<!\w){re.escape(f)}(?!\w)", text, flags=re.I)) for f in forms}
    used = {f: n for f, n in counts.items() if n}
    if not used:
        return actor.canonical if len(actor.name) <= 2 else actor.name
    best = max(used.values())
    if used.get(actor.name) == best:
        return actor.name
    return next(f for f in forms if used.get(f) == best)


def anchored(group: Group) -> bool:
    """The guide's bar for an incident: a kind and a place, a day or a figure (a year or a
    month alone is no day)."""
    return group.date is not None or any(
        m.places or m.counts or any(d.kind not in _NO_DAY for d in m.event_dates) for m in group.mentions
    )


_NO_DAY = frozenset({"week", "month", "vague"})


__all__ = ["anchored", "assemble", "dt"]
