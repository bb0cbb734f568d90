"""ACLED event and sub-event types, GTD weapon types and target types from an incident's words.

Explosive means decide first, whatever the target (ACLED codes a bomb attack on police as
Explosions/Remote violence); armed attacks on police, soldiers or armed groups are
Battles/Armed clash, on anyone else Violence against civilians/Attack; kidnappings are
abductions; violent crowds are riots.
"""

from __future__ import annotations

import re

from incidex.lexicon import lexicon

SUB_EVENT = {
    "suicide": ("Explosions/Remote violence", "Suicide bomb"),
    "air": ("Explosions/Remote violence", "Air/drone strike"),
    "shelling": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    "grenade": ("Explosions/Remote violence", "Grenade"),
    "explosive": ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    "abduction": ("Violence against civilians", "Abduction/forced disappearance"),
    "riot": ("Riots", "Mob violence"),
    "protest": ("Riots", "Violent demonstration"),
}
# Trigger classes in the order that decides the sub-event type.
PRIORITY = (
    "suicide",
    "air",
    "shelling",
    "grenade",
    "explosive",
    "abduction",
    "riot",
    "protest",
    "arson",
    "melee",
    "armed",
)
EXPLOSIVE_CLASSES = frozenset({"suicide", "air", "shelling", "grenade", "explosive"})
ARMED_TARGETS = frozenset({"police", "military", "armed group"})


# Infantry weapons whose names hold an explosive word: used in shootings, not shelling.
_SMALL_ARMS = re.compile(r"\brocket[\s-]+propelled\s+grenades?\b|\bRPGs?\b", re.IGNORECASE)


def trigger_classes(text: str) -> set[str]:
    lex = lexicon()
    text = _SMALL_ARMS.sub(lambda m: "gunfire".ljust(len(m.group(0))), text)
    return {name for name, pat in lex.triggers.items() if pat.search(text)}


def weapon_of(text: str, classes: set[str]) -> str:
    lex = lexicon()
    if classes & {"suicide", "air", "shelling", "grenade", "explosive"}:
        return "explosives"
    for weapon in ("firearms", "melee", "incendiary", "vehicle", "chemical"):
        if lex.weapons[weapon].search(text):
            return weapon
    return "unknown"


_AIMED = re.compile(
    r"\b(?:target(?:ing|ed|s)?|attack(?:ed|s)?(?!\s+by\b)(?:\s+(?:on|against))?|assault(?:ed)?(?:\s+on)?|storm(?:ed|ing)|"
    r"ambush(?:ed)?|raid(?:ed)?(?:\s+on)?|struck|hit|strikes?\s+on|home\s+of|bomb(?:ing|ed)(?:\s+of)?|"
    r"shell(?:ing|ed)(?:\s+of)?|(?:opened\s+)?fire[ds]?\s+(?:on|at)|shot\s+at|shot\s+dead|gunned\s+down|into|outside|"
    r"at(?!\s+(?:least|most|around|about)\b)|near|kill(?:ed|ing)(?!\s+(?:in|by|when|after|as|during|on|at)\b)|"
    r"kidnapp?(?:ed|ing)|abduct(?:ed|ing)|set\s+fire\s+to|torched|burn(?:ed|t)|vandali[sz]ed|ransacked)\s+",
    re.IGNORECASE,
)


_NEGATED = re.compile(r"\b(?:no|not|without|never|nor)\s+(?:\w+\s+){0,2}$", re.I)


def _first_target(text: str) -> tuple[int, str] | None:
    """The earliest target word that is not negated ("there were no soldiers near the village")."""
    best: tuple[int, str] | None = None
    for name, pat in lexicon().targets:
        for m in pat.finditer(text):
            if _NEGATED.search(text[max(0, m.start() - 30) : m.start()]):
                continue
            if best is None or m.start() < best[0]:
                best = (m.start(), name)
            break
    return best


def victims_of(text: str) -> str | None:
    """The target type of the victims a figure counts, preferring a specific group named in
    it ("seven people, including two district officials" -> government)."""
    found = []
    for name, pat in lexicon().targets:
        m = pat.search(text)
        if m and not _NEGATED.search(text[max(0, m.start() - 30) : m.start()]):
            found.append((m.start(), name))
    if not found:
        return None
    specific = [x for x in found if x[1] != "civilians"]
    return min(specific or found)[1]


def target_of(text: str) -> tuple[str, bool] | None:
    """The target type ``text`` names, and whether it is the object of an act ("outside a police station").

    A word right after an attack verb or preposition ("attacked a checkpoint", "into a
    bar") says more than a word elsewhere in the clause.
    """
    # what was hit ("outside a police station") before whom the figures count ("killed nine people")
    for kill_verbs in (False, True):
        for m in _AIMED.finditer(text):
            if m.group(0).lower().startswith("kill") != kill_verbs:
                continue
            # the object, up to a comma or a relative pronoun ("at the Arena, which police are ...")
            rest = re.split(r"[,;(]|\b(?:which|who|where|that|while|as)\b", text[m.end() :], maxsplit=1)[0]
            window = " ".join(rest.split()[:6])
            hit = _first_target(window)
            if hit and hit[0] < 40:
                return hit[1], True
    hit = _first_target(text)
    return (hit[1], False) if hit else None


def event_types(classes: set[str], target: str, weapon: str) -> tuple[str, str]:
    for cls in PRIORITY:
        if cls in classes and cls in SUB_EVENT:
            return SUB_EVENT[cls]
    if "arson" in classes and weapon in ("incendiary", "unknown") and "armed" not in classes:
        return (
            ("Violence against civilians", "Attack")
            if target in ("civilians", "religious")
            else ("Strategic developments", "Looting/property destruction")
        )
    if target in ARMED_TARGETS:
        return ("Battles", "Armed clash")
    return ("Violence against civilians", "Attack")
