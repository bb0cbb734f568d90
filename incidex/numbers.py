"""Numbers as news writes them: digits, number words, "a dozen", "dozens", "scores".

word2number and numerizer mishandle "a dozen" and read "a second blast" as 2, so incidex
keeps its own small layer. :func:`parse_number` reads one number expression and returns
the figure and whether it is vague ("dozens" means at least 24, not exactly 24).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
# Vague quantities: the figure is the guide's lower bound and there is no upper bound.
VAGUE = {
    "dozens": 24,
    "scores": 40,
    "hundreds": 200,
    "thousands": 2000,
    "several": 3,
    "many": 3,
    "a number of": 3,
    "a few": 2,
    "some": 2,
    "numerous": 3,
    "multiple": 2,
}
EXACT_PHRASES = {
    "a dozen": 12,
    "dozen": 12,
    "a couple of": 2,
    "a pair of": 2,
    "half a dozen": 6,
    "a score of": 20,
}

_WORD = "|".join(sorted([*UNITS, *TENS, *SCALES], key=len, reverse=True))
_VAGUE = "|".join(sorted(VAGUE, key=len, reverse=True))
_EXACT = "|".join(sorted(EXACT_PHRASES, key=len, reverse=True))
_DIGITS = r"\d{1,3}(?:,\d{3})+|\d+"

# One number expression (no qualifier): used inside larger patterns by other modules.
NUMBER = (
    rf"(?:{_DIGITS})(?:\s+(?:hundred|thousand|million))?"
    rf"|(?:{_EXACT})"
    rf"|(?:{_VAGUE})"
    # "and" joins word numbers only right after a scale word ("one hundred and twenty",
    # "two thousand and five"); the look-behind stands before the space. Read anywhere, the
    # conjunction would give a run of word numbers a reading per "and" (issue 9).
    rf"|(?:(?:{_WORD})(?:(?:(?:(?<=hundred)|(?<=thousand)|(?<=million))[\s-]+and\s+|[\s-]+)(?:{_WORD}))*)"
)
NUMBER_RE = re.compile(rf"^(?:{NUMBER})$", re.IGNORECASE)


@dataclass(frozen=True)
class Number:
    value: int
    vague: bool  # "dozens", "several": a lower bound, not a figure


def parse_number(text: str) -> Number | None:
    """Read "12", "1,200", "twelve", "twenty-one", "a dozen", "dozens", "two hundred"."""
    t = " ".join(text.lower().replace("-", " ").split())
    if not t:
        return None
    if t in EXACT_PHRASES:
        return Number(EXACT_PHRASES[t], False)
    if t in VAGUE:
        return Number(VAGUE[t], True)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", t):
        return Number(int(t.replace(",", "")), False)
    m = re.fullmatch(r"(\d+)\s+(hundred|thousand|million)", t)
    if m:
        return Number(int(m.group(1)) * SCALES[m.group(2)], False)
    total = current = 0
    seen = False
    for word in t.split():
        if word == "and":
            continue
        if word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word in SCALES:
            current = max(current, 1) * SCALES[word]
            if SCALES[word] >= 1000:
                total += current
                current = 0
        else:
            return None
        seen = True
    return Number(total + current, False) if seen else None
