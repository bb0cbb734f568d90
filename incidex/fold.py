"""Folds mentions into incidents: the many mentions of one act become one group.

A mention joins the compatible incident it shares most with (the specific kind of act, a
place, a named actor), the latest one on a tie; compatible means not a different specific
place, not a different day, not marked as another act ("another blast", "a third bombing").
A mention that names no place and no day ("the attack", "the blast") joins the latest
incident, unless it shares more with an older one. Summaries of several acts ("three bombings killed 21") never absorb the
specific acts they sum up that name a place or day of their own, and are dropped when those
acts are told one by one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from incidex.budget import UNLIMITED, Budget
from incidex.dates import DateMention, months_before, resolve, weekday_in
from incidex.lexicon import alias_key
from incidex.mentions import Mention
from incidex.places import PlaceMention
from incidex.records import Place

_SUMMARY = re.compile(
    r"\b(?:three|four|five|six|seven|eight|nine|ten|[3-9]|\d\d+|several|multiple|series\s+of|wave\s+of|"
    r"spate\s+of|string\s+of)\s+(?:\w+\s+){0,2}?(?:bombings|blasts|attacks|explosions|bombs|strikes|airstrikes|"
    r"raids|assaults|shootings)\b|^\W*(?:bombings|blasts|attacks|explosions)\b",
    re.IGNORECASE,
)
EXPLOSIVE = frozenset({"suicide", "air", "shelling", "grenade", "explosive"})


@dataclass
class Group:
    """Mentions of one act, as the fold builds it.

    ``mentions`` only ever grows (append or extend); what the fold asks of a group (its best
    place, place names, triggers, actors, tolls) is kept up to date from the mentions added
    since the last question, so that a long document of many mentions costs time in
    proportion to its length, not its square (issue 9)."""

    mentions: list[Mention] = field(default_factory=list)
    summary: bool = False
    date: dt.date | None = None
    date_kind: str | None = None
    date_text: str | None = None
    date_mention: DateMention | None = None  # the phrase that gave the day
    context_date: dt.date | None = None  # the day the narrative was at when this act was first told
    _seen: int = field(default=0, repr=False, compare=False)
    _best_body: PlaceMention | None = field(default=None, repr=False, compare=False)
    _best_any: PlaceMention | None = field(default=None, repr=False, compare=False)
    _place_keys: set[str] = field(default_factory=set, repr=False, compare=False)
    _triggers: set[str] = field(default_factory=set, repr=False, compare=False)
    _actors: set[str] = field(default_factory=set, repr=False, compare=False)
    _killed: set[int | None] = field(default_factory=set, repr=False, compare=False)

    def _update(self) -> None:
        for m in self.mentions[self._seen :]:
            for p in m.places:
                key = (p.rank, p.start)
                # strictly smaller only: the first of equal places wins, as min() picks
                if not m.title and (
                    self._best_body is None or key < (self._best_body.rank, self._best_body.start)
                ):
                    self._best_body = p
                if self._best_any is None or key < (self._best_any.rank, self._best_any.start):
                    self._best_any = p
                self._place_keys.add(alias_key(p.text))
                if p.place:
                    self._place_keys.add(alias_key(p.place.name))
            self._triggers.update(m.triggers)
            self._actors.update(a.canonical for a in m.actors if not a.as_target)
            if not m.title:
                self._killed.update(c.count.low for c in m.counts if c.kind == "killed")
        self._seen = len(self.mentions)

    @property
    def best_place(self) -> PlaceMention | None:
        """The most specific place its body names (its headlines' when the body names none)."""
        self._update()
        return self._best_body if self._best_body is not None else self._best_any

    @property
    def place_keys(self) -> AbstractSet[str]:
        self._update()
        return self._place_keys

    @property
    def triggers(self) -> AbstractSet[str]:
        self._update()
        return self._triggers

    @property
    def actors(self) -> AbstractSet[str]:
        self._update()
        return self._actors

    @property
    def killed(self) -> AbstractSet[int | None]:
        self._update()
        return self._killed


def is_summary(m: Mention) -> bool:
    return bool(_SUMMARY.search(m.text)) and not m.anaphoric


def _best(m: Mention) -> PlaceMention | None:
    return min(m.places, key=lambda p: (p.rank, p.start)) if m.places else None


def _places_compatible(m: Mention, g: Group) -> bool:
    pm, pg = _best(m), g.best_place
    if pm is None or pg is None:
        return True
    km, kg = alias_key(pm.text), alias_key(pg.text)
    if km == kg or (
        pm.place and pg.place and pm.place.geonames_id and pm.place.geonames_id == pg.place.geonames_id
    ):
        return True
    if pm.country and pg.country and pm.country != pg.country:
        return False
    m_keys = {alias_key(p.text) for p in m.places} | {alias_key(p.place.name) for p in m.places if p.place}
    if m.anaphoric:  # "the attack on Palm Street": a definite description points back
        return True
    if pm.rank >= 2 and pg.rank <= 1.5 and pg.place is not None and km not in g.place_keys:
        # "shells landed in Afgooye district" after a car bomb in Baidoa: a district not known
        # to hold the incident's town is somewhere else
        # a district the gazetteer does not know may hold the town (the best-fitting group wins)
        return pm.place is None or _contains(pm.place, pg.place)
    if (
        pg.rank >= 2
        and pm.rank <= 1.5
        and pm.place is not None
        and pg.place is not None
        and kg not in m_keys
        and not _contains(pg.place, pm.place)
    ):
        return False
    # a neighbourhood the gazetteer does not know may lie in the town the incident is filed under
    other_towns = {alias_key(p.text) for p in m.places if p.place is not None and p.rank <= 1.5}
    if (
        pm.place is None
        and pm.rank <= 0.5
        and pg.place is not None
        and pg.rank >= 1
        and not other_towns - {kg}
    ):
        return True
    if pm.rank < pg.rank:  # the mention refines the incident's place if it names it too
        return kg in m_keys or pg.rank >= 2 or (pm.inside is not None and alias_key(pm.inside) == kg)
    if pg.rank < pm.rank:
        return km in g.place_keys or pm.rank >= 2
    return False


def _contains(big: Place, small: Place) -> bool:
    if big.country != small.country:
        return False
    if big.kind == "country":
        return True
    return small.admin1 is not None and alias_key(small.admin1) == alias_key(big.admin1 or big.name)


def _dates_compatible(
    m: Mention, day: dt.date | None, kind: str | None, g: Group, published: dt.date | None
) -> bool:
    if day is not None and g.date is not None:
        return day == g.date
    own = _own_date(m)
    if (
        own is not None
        and not m.anaphoric
        and (months_before(own, published) or 0) >= PAST_MONTHS
        and alias_key(own.text) != alias_key(g.date_text or "")
    ):
        # "the attack in May 2016, when a car bomb killed ..." in a 2019 report: an older act
        # of its own, whatever undated mentions came before
        return False
    if (
        kind == "explicit"
        and g.date_text
        and day is None
        and alias_key(_date_text(m)) != alias_key(g.date_text)
    ):
        return False  # "4 April" and "23 April" without a year: still two days
    if day is None or g.date is None:
        # "on Friday evening" and "Saturday's blasts" in a report with no date: two days still
        mine, theirs = weekday_in(_date_text(m)), weekday_in(g.date_text or "")
        if kind and mine is not None and theirs is not None and mine != theirs:
            return False
    if kind and g.date_kind and (kind in ("vague", "month")) != (g.date_kind in ("vague", "month")):
        return False
    if kind in ("vague", "month") and g.date is not None:
        return False
    if g.date_kind in ("vague", "month") and day is not None:
        return False
    if day is not None and g.date is None and g.context_date is not None and day != g.context_date:
        # the act was told while the narrative was on another day: only its own place brings it back
        pm, pg = _best(m), g.best_place
        return pm is not None and pg is not None and alias_key(pm.text) == alias_key(pg.text)
    return True


#: A mention dated this many months or more before publication tells an older act.
PAST_MONTHS = 2

_SPECIFIC = ("air", "shelling", "grenade", "suicide", "abduction", "riot")


def _kidnapping_and_bombing(kidnap: AbstractSet[str], bomb: AbstractSet[str]) -> bool:
    """``kidnap`` tells an abduction and ``bomb`` a bombing that took nobody."""
    return "abduction" in kidnap and bool(bomb & EXPLOSIVE) and "abduction" not in bomb


def _kinds_compatible(m: Mention, g: Group) -> bool:
    if m.anaphoric:
        # "the bombing" points back at a bombing, never at a kidnapping that had none
        return not (_kidnapping_and_bombing(g.triggers, m.triggers) and not g.triggers & EXPLOSIVE)
    mine = {t for t in m.triggers if t in _SPECIFIC}
    theirs = {t for t in g.triggers if t in _SPECIFIC}
    if mine and theirs and not mine & theirs:
        return False
    # a kidnapping is not a bombing told before or after it
    if _kidnapping_and_bombing(m.triggers, g.triggers) or _kidnapping_and_bombing(g.triggers, m.triggers):
        return False
    # an air strike is not the ground attack told before it
    return not (
        "air" in mine
        and not g.triggers & EXPLOSIVE
        and any(x.triggers & {"armed", "melee"} and not x.anaphoric for x in g.mentions)
    )


def _sections_compatible(m: Mention, g: Group) -> bool:
    """A bulletin's sections ("Burkina Faso", "Niger") and a listing page's teasers hold
    different acts."""
    if any(x.story != m.story for x in g.mentions):
        return False
    theirs = {x.section_country for x in g.mentions if x.section_country}
    return not (m.section_country and theirs and m.section_country not in theirs)


def _actors_compatible(m: Mention, g: Group) -> bool:
    if m.anaphoric:  # "the strike", whoever the clause also names
        return True
    mine = {a.canonical for a in m.actors if not a.as_target}
    theirs = g.actors
    return not (mine and theirs and not mine & theirs)


def _date_text(m: Mention) -> str:
    return next((d.text for d in m.event_dates if d.kind != "days_after"), "")


def _affinity(m: Mention, g: Group) -> float:
    """What a mention shares with a group: the specific kind of act, a place, a named actor."""
    mine = {t for t in m.triggers if t in _SPECIFIC}
    keys = {alias_key(p.text) for p in m.places} | {alias_key(p.place.name) for p in m.places if p.place}
    actors = {a.canonical for a in m.actors if not a.as_target}
    return 2.0 * bool(mine & g.triggers) + 2.0 * bool(keys & g.place_keys) + 2.0 * bool(actors & g.actors)


def _counts_only(m: Mention) -> bool:
    """A clause with figures but no act ("two more victims died in hospital on Tuesday",
    "by noon the hospital had counted 12 bodies"): its day is when people died or were counted."""
    return not (m.triggers - {"casualty", "claim"}) and not any(not a.as_target for a in m.actors)


def _mention_date(
    m: Mention, published: dt.date | None, reference: dt.date | None
) -> tuple[dt.date | None, str | None]:
    d = _own_date(m)
    if d is None:
        return None, None
    return resolve(d, published, reference).date, d.kind


def _own_date(m: Mention) -> DateMention | None:
    """The phrase that dates this mention's own act ("a day after" dates another act's)."""
    return next((d for d in m.event_dates if d.kind != "days_after"), None)


def _relation_phrase(m: Mention) -> DateMention | None:
    return next((d for d in m.dates if d.kind == "days_after"), None)


def fold(mentions: list[Mention], published: dt.date | None, *, budget: Budget = UNLIMITED) -> list[Group]:
    """Groups of mentions, one per act; ``budget`` is checked once per mention."""
    groups: list[Group] = []
    owner: dict[int, Group] = {}
    last_date: dt.date | None = None
    titles = [m for m in mentions if m.title]
    for m in (m for m in mentions if not m.title):
        budget.check("folding mentions")
        day, kind = _mention_date(m, published, last_date)
        related: DateMention | None = None
        if day is None and m.anchor is not None and m.before_anchor is not None and m.anchor in owner:
            anchor_date = owner[m.anchor].date
            if anchor_date is not None:
                day, kind = anchor_date - dt.timedelta(days=m.before_anchor), "days_after"
                related = _relation_phrase(m)
        if m.disqualified:
            # a background clause can still say who claimed "the attack"
            if m.anaphoric and m.claims and groups and not m.flags & {"fiction", "legal", "hypothetical"}:
                groups[-1].mentions.append(_support_only(m))
            continue
        summary = is_summary(m)
        target: Group | None = None
        has_anchor = bool(m.places or day or kind)
        if _counts_only(m) and groups and not m.new and m.anchor is None and kind not in ("vague", "month"):
            # figures without an act belong to an act already told; their day is not its day
            day, kind, has_anchor = None, None, bool(m.places)
        if not m.new and m.anchor is None:
            best = 0.0
            for age, g in enumerate(reversed(groups)):
                if g.summary != summary and (has_anchor or summary):
                    continue
                if not (
                    _places_compatible(m, g)
                    and _dates_compatible(m, day, kind, g, published)
                    and _kinds_compatible(m, g)
                    and _actors_compatible(m, g)
                    and _sections_compatible(m, g)
                ):
                    continue
                score = _affinity(m, g) + 1.0 / (1 + age)  # what they share, and how recently it was told
                if not has_anchor and age > 0 and _affinity(m, g) == 0:
                    continue  # a bare "the attack" points at the latest act unless it shares more with another
                if score > best:
                    target, best = g, score
        if target is None:
            target = Group(summary=summary, context_date=last_date)
            groups.append(target)
        target.mentions.append(m)
        owner[m.index] = target
        if day is not None and target.date is None:
            target.date = day
            target.date_mention = related or _own_date(m)
        if kind and target.date_kind is None:
            target.date_kind = kind
            target.date_text = _date_text(m)
        if day is not None:
            last_date = day
    _resolve_relations(mentions, owner)
    _datelines(groups, published)
    groups = _drop_summaries(groups)
    for m in titles:
        _add_title(m, groups, published)
    return groups


def _add_title(m: Mention, groups: list[Group], published: dt.date | None) -> None:
    """A headline retells the body's act: join the group it names, else stand alone if nothing does."""
    if m.disqualified:
        return
    keys = {alias_key(p.text) for p in m.places} | {alias_key(p.place.name) for p in m.places if p.place}
    killed = {c.count.low for c in m.counts if c.kind == "killed"}
    for g in groups:
        if keys & g.place_keys or killed & g.killed:
            g.mentions.append(m)
            return
    if groups:
        if not keys and not killed:
            groups[0].mentions.append(m)
        return
    day, kind = _mention_date(m, published, None)
    g = Group(date=day, date_kind=kind)
    g.mentions.append(m)
    groups.append(g)


def _support_only(m: Mention) -> Mention:
    from dataclasses import replace

    return replace(m, counts=(), dates=(), places=(), triggers=frozenset(), target=None, weapon="unknown")


def _datelines(groups: list[Group], published: dt.date | None) -> None:
    """A lead that no phrase dates takes its dateline's date ("QUETTA, Feb 14: nearly 40
    soldiers were killed ...")."""
    for g in groups:
        if g.date is not None:
            continue
        line = next((d for m in g.mentions for d in m.dates if d.dateline), None)
        if line is not None:
            day = resolve(line, published).date
            if day is not None:
                g.date, g.date_kind, g.date_mention = day, line.kind, line


def _resolve_relations(mentions: list[Mention], owner: dict[int, Group]) -> None:
    """ "X comes N days after Y": date whichever of the two the text left undated."""
    for m in mentions:
        if m.anchor is None or m.before_anchor is None or m.index not in owner or m.anchor not in owner:
            continue
        later, earlier = owner[m.anchor], owner[m.index]
        if later is earlier:
            continue
        delta = dt.timedelta(days=m.before_anchor)
        phrase = _relation_phrase(m)
        if earlier.date is None and later.date is not None:
            earlier.date, earlier.date_kind, earlier.date_mention = later.date - delta, "days_after", phrase
        elif later.date is None and earlier.date is not None:
            later.date, later.date_kind, later.date_mention = earlier.date + delta, "days_after", phrase


def _drop_summaries(groups: list[Group]) -> list[Group]:
    """Drop a summary told act by act; the acts it sums up take its day if they have none."""
    out = []
    for g in groups:
        if g.summary:
            parts = [
                h
                for h in groups
                if not h.summary
                and h is not g
                and (g.date is None or h.date in (None, g.date))
                and _same_area(g, h)
            ]
            if len(parts) >= 2:
                first = g.mentions[0].index
                for h in parts:
                    # only acts told after the summary are its parts ("three bombings ... on Tuesday. A roadside bomb ...")
                    if (
                        h.date is None
                        and g.date is not None
                        and h.context_date in (None, g.date)
                        and h.mentions[0].index > first
                    ):
                        h.date, h.date_kind, h.date_mention = g.date, g.date_kind, g.date_mention
                        h.mentions.extend(_date_only(x) for x in g.mentions if x.event_dates)
                continue
        out.append(g)
    return out


def _date_only(m: Mention) -> Mention:
    from dataclasses import replace

    return replace(
        m,
        counts=(),
        places=(),
        actors=(),
        claims=(),
        triggers=frozenset(),
        target=None,
        weapon="unknown",
        title=True,
    )


def _same_area(g: Group, h: Group) -> bool:
    """Whether act ``h`` may be one of those summary ``g`` sums up: not somewhere else it names."""
    pg, ph = g.best_place, h.best_place
    if pg is None or ph is None:
        return True
    if pg.country and ph.country and pg.country != ph.country:
        return False
    if alias_key(pg.text) in h.place_keys or pg.rank >= 2:
        return True
    # both name towns: h is part of g only if it names no other town than g's
    other_towns = {alias_key(p.text) for m in h.mentions for p in m.places if p.place and p.rank <= 1.5}
    return not other_towns
