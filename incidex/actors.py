"""Who did it: named perpetrators and whether they claimed the act.

Named armed groups come from the actor lexicon (``data/actors.tsv``) and are reported as
written in the text, with the canonical name and aliases alongside. State forces are
recognised by a country word before a force word when they act ("Syrian government air
strikes", "Myanmar's military launched", "a U.S. drone strike"). Generic words (gunmen,
militants) name no perpetrator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from incidex.gazetteer import get_gazetteer
from incidex.lexicon import alias_key, lexicon

_CLAIMED = re.compile(
    r"\b(?:claim(?:ed|ing|s)?\s+(?:(?:\w+\s+){0,3}?)?(?:responsibility|credit|the\s+(?:attack|bombing|killing|assault|blast|operation)s?)|"
    r"claim\s+of\s+responsibility|took\s+responsibility|(?:attack|bombing|killing|blast|operation)s?\s+(?:was|were)\s+claimed|claimed\s+by|"
    r"said\s+(?:it|they)\s+(?:had\s+)?carried\s+out|we\s+(?:launched|carried\s+out)|claimed\s+(?:both|the)\s+\w+\s+as\s+(?:its\s+)?members|"
    r"(?:admitted|acknowledged)\s+(?:carrying\s+out|responsibility|(?:launching\s+)?the\s+(?:strike|attack|raid|air\s*strike))|"
    r"defended\s+the\s+(?:strike|attack|raid|air\s*strike)|said\s+(?:the\s+)?(?:strike|attack|raid|air\s*strike|it)\s+(?:was\s+)?(?:a\s+)?legitimate)",
    re.IGNORECASE,
)
_UNCLAIMED = re.compile(
    r"\b(?:no\s+(?:group|one|organi[sz]ation|faction)\s+(?:has\s+|had\s+)?(?:yet\s+|so\s+far\s+|immediately\s+)?(?:claimed|taken\s+responsibility)|"
    r"no\s+(?:group|one)\s+(?:has\s+)?said\s+it\s+(?:carried\s+out|fired|planted|was\s+behind)|nobody\s+(?:has\s+)?claimed|no\s+(?:immediate\s+)?claim\s+of\s+responsibility|not\s+(?:yet\s+)?been\s+claimed|"
    r"no\s+immediate\s+claim|unclaimed)",
    re.IGNORECASE,
)
_DENIED = re.compile(
    r"\b(?:den(?:ied|ies|y|ying)\s+(?:any\s+)?(?:responsibility|involvement|role|carrying\s+out|that\s+it)|"
    r"rejected\s+(?:any\s+)?(?:responsibility|involvement))",
    re.IGNORECASE,
)
_SUSPECTED = re.compile(
    r"\b(?:blam(?:ed|es|ing)|suspect(?:ed|s)?|believed\s+to\s+(?:be|have)|accus(?:ed|es|ing)|attribut(?:ed|es)|"
    r"suspicion\s+(?:will\s+|would\s+)?fall|hallmarks|affiliated|linked\s+to|allegedly)",
    re.IGNORECASE,
)
_FORCE = r"(?:government|regime|military|army|air\s+force|armed\s+forces|forces|troops|soldiers|warplanes|jets|aircraft|drones?|navy|security\s+forces|police)"
_STATE = re.compile(
    rf"(?P<who>(?:the\s+)?(?:[A-Z][\w.]*\.?(?:\s+[A-Z][\w.]*)?))(?:['’]s)?\s+(?:-led\s+)?(?P<force>{_FORCE})?\s*"
    rf"(?P<act>(?:air\s+|drone\s+|missile\s+)?(?:strikes?|raids?|attacks?|shelling|bombardment|offensive)|"
    rf"(?:launched|struck|killed|shot|shelled|bombed|raided|fired|opened\s+fire|carried\s+out|targeted|hit|pounded))\b"
)
_TARGET_BEFORE = re.compile(
    r"(?:\bon|\bagainst|\btargeting|\btargeted|\bat|\bkilled|\bkilling|\bstruck|\bhit|\bbombed|\bfighting|\bbattling|"
    r"\bbattle|\bwar\s+(?:on|with)|\bfight\s+against|\bfought)\s+(?:(?:an?|the|suspected|their|its|[\w-]+\s+(?:and|&))\s+){0,4}$",
    re.I,
)
# "Al-Shabaab, which is linked to al-Qaeda", "an al Qaeda affiliate": words naming a parent
# organisation, which is not the doer when the doer is named too.
_AFFILIATE = re.compile(
    r"(?:\b(?:linked|affiliated|allied|loyal|close|aligned|allegiance)\s+(?:to|with)|\bsworn\s+allegiance\s+to|"
    r"\b(?:an?|the)\s+(?:offshoot|branch|affiliate|faction|splinter\s+group|wing)\s+of)\s+(?:the\s+)?$",
    re.I,
)
_AFFILIATE_AFTER = re.compile(
    r"^[\s-]*(?:linked|affiliated|allied|affiliate|aligned|inspired|offshoot|branch)\b", re.I
)
# "Hamas-controlled Gaza": a group describing something else. The actor pattern already refuses a
# name a hyphen follows, so this finds nothing today.
_MODIFIER_AFTER = re.compile(r"^-(?:run|controlled|held|owned|backed|dominated|administered)\b", re.I)
_BLAMED_ON = re.compile(r"\bblam(?:ed|es|ing)\s+(?:\w+\s+)?on\s+(?:the\s+)?$", re.I)
_BY_STATE = re.compile(
    rf"\b(?:by|from)\s+(?:the\s+)?(?P<who>[A-Z][\w.]*\.?(?:\s+[A-Z][\w.]*)?)(?:['’]s)?\s+(?P<force>{_FORCE})\b"
)
# Generic words after a group's name ("Houthi gunmen"), dropped from the name as reported unless
# the whole is an alias of its own ("FARC rebels", "Islamic State group").
_GENERIC_TAIL = re.compile(
    r"\s+(?:militiamen|militia|militias|rebels?|militants?|fighters?|insurgents?|gunmen|extremists?|jihadists?|"
    r"members?|group|movement|guerrillas?|forces|terrorists?)$",
    re.I,
)


@dataclass(frozen=True)
class ActorMention:
    name: str  # as written
    canonical: str
    aliases: tuple[str, ...]
    countries: tuple[str, ...]
    start: int
    end: int
    as_target: bool = False  # "a raid on a Pakistani Taliban hideout"


@dataclass(frozen=True)
class ClaimCue:
    status: str  # claimed, denied, unclaimed or suspected
    start: int
    end: int
    text: str


def find_actors(text: str, offset: int = 0) -> list[ActorMention]:
    lex = lexicon()
    gaz = get_gazetteer()
    out: list[ActorMention] = []
    for m in lex.actor_pattern.finditer(text):
        actor = lex.actor_by_alias.get(alias_key(m.group(0)))
        if actor is None:
            continue
        name = re.sub(r"^the\s+", "", m.group(0), flags=re.I)
        short = _GENERIC_TAIL.sub("", name)
        if short and alias_key(name) not in lex.actor_by_alias:  # "Houthi gunmen" -> "Houthi"
            name = short
        before = text[max(0, m.start() - 30) : m.start()]
        target = bool(_TARGET_BEFORE.search(before)) and not _BLAMED_ON.search(before)
        # a parent organisation named after the doer is not the doer ("Al-Shabaab, which is
        # linked to al-Qaeda"); named alone ("militants affiliated to IS") it is the attribution
        affiliate = bool(_AFFILIATE.search(before) or _AFFILIATE_AFTER.match(text[m.end() : m.end() + 20]))
        target = target or (affiliate and any(not a.as_target for a in out))
        target = target or bool(_MODIFIER_AFTER.match(text[m.end() : m.end() + 16]))
        out.append(
            ActorMention(
                name,
                actor.canonical,
                actor.aliases,
                actor.countries,
                offset + m.start(),
                offset + m.end(),
                target,
            )
        )
    taken = [(a.start - offset, a.end - offset) for a in out]
    for m in _BY_STATE.finditer(text):
        who = m.group("who").strip()
        code = gaz.country_code(who)
        if not code or any(s <= m.start("who") < e for s, e in taken):
            continue
        force = m.group("force").lower()
        name = f"{who} {force}" if force in ("government", "regime") else f"{who} military"
        out.append(ActorMention(name, name, (), (code,), offset + m.start("who"), offset + m.end("force")))
        taken.append((m.start("who"), m.end("force")))
    for m in _STATE.finditer(text):
        who = re.sub(r"^the\s+", "", m.group("who"), flags=re.I).strip()
        if any(s <= m.start("who") < e for s, e in taken):
            continue
        code = gaz.country_code(who)
        if not code:
            continue
        if _TARGET_BEFORE.search(text[max(0, m.start() - 25) : m.start()]):
            continue
        force = (m.group("force") or "").lower()
        if not force:
            # "Israel's strike": the state itself
            if not re.match(
                r"(?:air\s+|drone\s+|missile\s+)?(?:strikes?|raids?|shelling|bombardment)",
                m.group("act"),
                re.I,
            ):
                continue
            place = gaz.resolve(who, (code,))
            name = place.name if place is not None and place.kind == "country" and len(who) <= 4 else who
        elif force in ("government", "regime"):
            name = f"{who} {force}"
        else:
            name = f"{who} military"
        out.append(ActorMention(name, name, (), (code,), offset + m.start("who"), offset + m.end("who")))
    return sorted(out, key=lambda a: a.start)


def find_claims(text: str, offset: int = 0) -> list[ClaimCue]:
    out: list[ClaimCue] = []
    for status, pat in (
        ("unclaimed", _UNCLAIMED),
        ("denied", _DENIED),
        ("claimed", _CLAIMED),
        ("suspected", _SUSPECTED),
    ):
        for m in pat.finditer(text):
            if any(c.start <= offset + m.start() < c.end for c in out):
                continue
            out.append(ClaimCue(status, offset + m.start(), offset + m.end(), m.group(0)))
    return sorted(out, key=lambda c: c.start)
