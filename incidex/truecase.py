"""Ordinary capitalisation for ALL-CAPS wire copy, so the name finders can work on it.

Every word is lower-cased except the first and those the gazetteer, the country table or
the actor lexicon knows ("KILLED SIX IN KIRKUK" -> "Killed six in Kirkuk"). Only letter
case changes, character for character, so offsets into the original text stay valid.
"""

from __future__ import annotations

import re

from incidex.gazetteer import get_gazetteer
from incidex.lexicon import alias_key, lexicon

_WORD = re.compile(r"[^\W\d_][\w'’.-]*")


def is_shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 12 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def _known(phrase: str) -> bool:
    gaz = get_gazetteer()
    return (
        gaz.is_known(phrase)
        or gaz.country_code(phrase) is not None
        or alias_key(phrase) in lexicon().actor_by_alias
    )


def truecase(text: str) -> str:
    low = text.lower()
    if len(low) != len(text):  # a letter whose lower case is longer ("İ"): leave the text as it is
        return text
    chars = list(low)
    words = list(_WORD.finditer(low))
    i = 0
    while i < len(words):
        for n in (3, 2, 1):
            run = words[i : i + n]
            if len(run) < n:
                continue
            phrase = low[run[0].start() : run[-1].end()]
            if len(phrase) > 2 and _known(phrase):
                for w in run:
                    chars[w.start()] = chars[w.start()].upper()
                i += n
                break
        else:
            i += 1
    first = next((k for k, c in enumerate(chars) if c.isalpha()), None)
    if first is not None:
        chars[first] = chars[first].upper()
    return "".join(chars)
