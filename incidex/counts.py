"""Casualty figures: who was killed or wounded, as low/high ranges.

Reads one clause at a time with patterns over the text (no parse needed): "killed 12",
"at least 13 villagers were killed", "wounded more than 30 others", "leaving four dead",
"raising the death toll to nine", "nobody was hurt". Figures for people who are not
victims (attackers who died, "a dozen armed men circled the farmhouse") are not reported,
nor are breakdowns ("including two women") or figures for things ("500 homes").
``tests/cases/counts.jsonl`` holds every example quoted here, as a case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from incidex.lexicon import lexicon
from incidex.numbers import NUMBER, parse_number
from incidex.records import Count

KILL_VERB = (
    r"(?:killed|dead|died|slain|murdered|executed|massacred|beheaded|slaughtered|lynched|"
    r"shot\s+dead|shot\s+and\s+killed|gunned\s+down|burn(?:ed|t)\s+(?:alive|to\s+death)|"
    r"hacked\s+to\s+death|stabbed\s+to\s+death|lost\s+their\s+lives|perished)"
)
WOUND_VERB = r"(?:wounded|injured|hurt|maimed|hospitali[sz]ed)"
KILL_ACTIVE = (
    r"(?:kill(?:ed|ing|s)?|massacr(?:ed|ing|es)|slaughter(?:ed|ing|s)?|execut(?:ed|ing|es)|"
    r"behead(?:ed|ing|s)?|murder(?:ed|ing|s)?|shot\s+dead|shooting\s+dead|shot\s+and\s+killed|"
    r"fatally\s+(?:shot|stabbed|wounded|injured)|fatally\s+shooting|"
    r"claim(?:ed|ing|s)\s+the\s+lives\s+of)"
)
WOUND_ACTIVE = (
    r"(?:wound(?:ed|ing|s)?|injur(?:ed|ing|es)|hurt(?:ing|s)?|maim(?:ed|ing|s)?|"
    r"stabb(?:ed|ing)(?!(?:\s+[\w-]+){0,4}\s+to\s+death))"
)
QUAL = (
    r"at\s+least|no\s+(?:fewer|less)\s+than|a\s+minimum\s+of|more\s+than|over|upwards\s+of|"
    r"in\s+excess\s+of|up\s+to|as\s+many\s+as|at\s+most|fewer\s+than|less\s+than|about|around|"
    r"nearly|almost|approximately|roughly|some|an\s+estimated|close\s+to|estimated|only"
)
# A figure: "at least 13", "more than a dozen", "between 14 and 16", "all eight".
FIGURE = (
    rf"(?:between\s+(?P<lo>{NUMBER})\s+and\s+(?P<hi>{NUMBER})"
    rf"|(?P<lo2>\d+)\s*(?:-|–|to)\s*(?P<hi2>\d+)"
    rf"|(?:(?P<qual>{QUAL})\s+)?(?:all\s+)?(?:(?:another|a\s+further|an\s+additional|further)\s+)?"
    rf"(?P<num>{NUMBER}))"
)
# Up to six words of a noun phrase ("border policemen", "people, including two women,").
_NP_WORD = (
    r"(?!(?:and|were|was|have|has|had|are|is|killed|wounded|injured|died|dead|after|before|in|on|at|by|"
    r"when|while|as|from|during|with|that|who|which|but|than|to|for|said|says|\d+)\b)\(?[\w'’.-]+\)?,?"
)
NP = (
    rf"(?P<np>(?:{_NP_WORD}\s+){{0,6}}?(?:(?:in|from|at)\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?\s+)?"
    # a breakdown between commas may hold figures ("70 people, including more than 40
    # pupils, died"); without commas it may not, or it would swallow the next figure
    rf"(?:,?\s*(?:including|among\s+them|mostly|most\s+of\s+them)\s+[^.;:,]{{1,60}}?,\s+|"
    rf"\s*(?:including|among\s+them|mostly|most\s+of\s+them)\s+[^.;:\d]{{1,60}}?\s+)?)"
)
AUX = (
    r"(?:(?:were|was|have\s+been|has\s+been|had\s+been|(?:have|has|had)(?=\s+(?:\w+\s+){0,2}(?:died|perished|been|lost))|are|is|being|got|been|reportedly|also|later|all|"
    r"reported|confirmed|believed|said|to\s+be|to\s+have\s+been|now|so\s+far|critically|severely|"
    r"seriously|slightly|badly|fatally|allegedly|either|each|lightly|moderately|gravely|mortally|"
    r"grievously|critically)\s+){0,4}"
)


@dataclass(frozen=True)
class CountMention:
    """One figure found in a clause; offsets are into the document."""

    kind: str  # "killed" or "wounded"
    count: Count
    start: int
    end: int
    text: str
    update: bool = False  # "raising the death toll to nine": replaces earlier figures
    vague: bool = False  # "dozens", "several"


def _figure(m: re.Match[str]) -> tuple[Count, bool] | None:
    g = m.groupdict()
    lo, hi = g.get("lo") or g.get("lo2"), g.get("hi") or g.get("hi2")
    if lo and hi:
        a, b = parse_number(lo), parse_number(hi)
        if a is None or b is None or a.value > b.value:
            return None
        return Count(a.value, b.value), False
    num = parse_number(g["num"] or "")
    if num is None:
        return None
    n = num.value
    qual = " ".join((g.get("qual") or "").lower().split())
    if num.vague:
        if qual in ("more than", "over", "upwards of", "in excess of"):
            return Count(n + 1, None), True
        return Count(n, None), True
    if qual in ("at least", "no fewer than", "no less than", "a minimum of"):
        return Count(n, None), False
    if qual in ("more than", "over", "upwards of", "in excess of"):
        return Count(n + 1, None), False
    if qual in ("up to", "as many as", "at most"):
        return Count(None, n), False
    if qual in ("fewer than", "less than"):
        return Count(None, max(n - 1, 0)), False
    return Count(n, n), False


@cache
def _patterns() -> list[tuple[str, re.Pattern[str], bool]]:
    """(kind, pattern, update) in priority order."""
    flags = re.IGNORECASE
    pats: list[tuple[str, str, bool]] = [
        # two groups of victims: "wounding three police and two guards", "Four herders and three rangers died"
        (
            "killed+",
            rf"\b{KILL_ACTIVE}\s+{FIGURE}\s+(?P<n1>(?:[\w'’-]+\s+){{0,2}}[\w'’-]+)\s+and\s+(?P<num2>{NUMBER})\s+(?P<n2>(?:[\w'’-]+\s+){{0,2}}?[\w'’-]+)\b",
            False,
        ),
        (
            "wounded+",
            rf"\b{WOUND_ACTIVE}\s+{FIGURE}\s+(?P<n1>(?:[\w'’-]+\s+){{0,2}}[\w'’-]+)\s+and\s+(?P<num2>{NUMBER})\s+(?P<n2>(?:[\w'’-]+\s+){{0,2}}?[\w'’-]+)\b",
            False,
        ),
        (
            "killed+",
            rf"\b{FIGURE}\s+(?P<n1>(?:[\w'’-]+\s+){{0,2}}?[\w'’-]+)\s+and\s+(?P<num2>{NUMBER})\s+(?P<n2>(?:[\w'’-]+\s+){{0,2}}?[\w'’-]+)\s+{AUX}{KILL_VERB}\b",
            False,
        ),
        (
            "wounded+",
            rf"\b{FIGURE}\s+(?P<n1>(?:[\w'’-]+\s+){{0,2}}?[\w'’-]+)\s+and\s+(?P<num2>{NUMBER})\s+(?P<n2>(?:[\w'’-]+\s+){{0,2}}?[\w'’-]+)\s+{AUX}{WOUND_VERB}\b",
            False,
        ),
        # "raising the death toll to nine", "the death toll rose to 120"
        (
            "killed",
            rf"(?:death|casualty)\s+toll\s+(?:[\w'’-]+\s+){{0,14}}?(?:to|at|of|reached|hit|hits|reaches|is|was|stands\s+at)\s+{FIGURE}",
            True,
        ),
        ("killed", rf"\btoll\s+(?:hits|reaches|rises\s+to|climbs\s+to|tops|passes)\s+{FIGURE}", True),
        # "stabbed three people to death", "hacked two farmers to death"
        (
            "killed",
            rf"\b(?:stabb(?:ed|ing)|hack(?:ed|ing)|beat(?:en|ing)?|burn(?:ed|t|ing)|club(?:bed|bing)|ston(?:ed|ing))\s+{FIGURE}\s+{NP}to\s+death\b",
            False,
        ),
        # "causing 63 deaths", "results in six deaths", "claimed seven civilians' lives"
        (
            "killed",
            rf"\b(?:caus(?:ing|ed|es)|result(?:ing|ed|s)?\s+in|left|leaving|leaves)\s+{FIGURE}\s+(?:deaths|fatalities|dead)\b",
            False,
        ),
        ("killed", rf"\bclaim(?:ed|ing|s)\s+{FIGURE}\s+(?:[\w'’-]+\s+)?lives\b", False),
        (
            "killed",
            rf"number\s+of\s+(?:[\w-]+\s+)?(?:killed|dead|deaths|casualties|fatalities|victims)\s+(?:[\w'’,-]+\s+){{0,14}}?(?:risen|rose|raised|climbed|reached|increased|jumped|surged)\s+to\s+{FIGURE}",
            True,
        ),
        # shared subject: "At least 8 guards were killed and 21 others wounded"
        (
            "both",
            rf"\b{FIGURE}\s+{NP}{AUX}{KILL_VERB}\s*,?\s+and\s+(?P<num_b>{NUMBER})\s+(?:others?\s+|more\s+)?{AUX}{WOUND_VERB}\b",
            False,
        ),
        # passive / predicate: "nine people were killed", "19 dead", "Over 15 people were wounded"
        ("killed", rf"\b{FIGURE}\s+{NP}{AUX}(?<! and ){KILL_VERB}\b", False),
        ("wounded", rf"\b{FIGURE}\s+{NP}{AUX}(?<! and ){WOUND_VERB}\b", False),
        (
            "wounded",
            rf"\b{FIGURE}\s+{NP}{AUX}(?:suffered|sustained|received)\s+(?:\w+\s+){{0,2}}injuries\b",
            False,
        ),
        # active: "killed 12", "killing at least six people", "wounding another three"
        ("killed", rf"\b{KILL_ACTIVE}\s+(?:the\s+)?{FIGURE}(?=(?P<after>(?:\s+[\w'’-]+){{0,3}}))", False),
        ("wounded", rf"\b{WOUND_ACTIVE}\s+(?:the\s+)?{FIGURE}(?=(?P<after>(?:\s+[\w'’-]+){{0,3}}))", False),
        # "leaving four dead", "left 20 people injured"
        ("killed", rf"\b(?:left|leaving|leaves)\s+{FIGURE}\s+{NP}(?:dead|killed)\b", False),
        ("wounded", rf"\b(?:left|leaving|leaves)\s+{FIGURE}\s+{NP}(?:wounded|injured|hurt)\b", False),
    ]
    return [(k, re.compile(p, flags), u) for k, p, u in pats]


_NOBODY = re.compile(
    r"\b(?:no\s+(?:one|body|deaths?|casualties|fatalities|injuries|injured|lives)|nobody|none)\b"
    r"(?:\s+\w+){0,4}?\s+(?:was|were|had\s+been|has\s+been|have\s+been|been)?\s*"
    r"(?P<what>killed|hurt|injured|wounded|reported|caused|lost)",
    re.IGNORECASE,
)
# One victim: "a forest ranger was killed", "shot dead a village elder", "another wounded".
_ONE_PASSIVE = re.compile(
    rf"\b(?:a|an|one|the)\s+(?P<np>(?:[\w'’-]+\s+){{1,5}}?)(?:was|(?:has|had)(?:\s+\w+ly)?\s+been|is)\s+"
    rf"(?:\w+\s+){{0,2}}?(?P<verb>{KILL_VERB}|{WOUND_VERB})\b",
    re.IGNORECASE,
)
_ONE_ACTIVE = re.compile(
    rf"\b(?P<verb>{KILL_ACTIVE}|{WOUND_ACTIVE})\s+(?:a|an|one|another)\s+(?P<np>(?:[\w'’-]+\s+){{0,4}}[\w'’-]+)",
    re.IGNORECASE,
)
# A victim named: "shot and killed local trader Tomas Brenn", "killed Mara Velkin, a schoolteacher"
_NAMED = re.compile(
    rf"\b(?P<verb>{KILL_ACTIVE}|{WOUND_ACTIVE})\s+(?:(?:[a-z][\w-]*\s+){{1,3}})?(?P<np>[A-Z][a-z]+(?:\s+[A-Z][a-z]+){{1,3}})"
    rf"(?=\s*,\s*(?:a|an|the)\s|\s+(?:in|at|on|near|outside)\s|\s*[.;])"
)
_ANOTHER = re.compile(
    rf"\b(?:and|while)\s+another\s+(?:\w+\s+)?(?:(?:was|is|has\s+been|had\s+been)\s+)?(?:\w+ly\s+)?(?P<verb>{WOUND_VERB}|{KILL_VERB})\b",
    re.I,
)
_ESCAPED = re.compile(
    r"\bescap(?:ed|ing)\s+(?:\w+\s+)?(?:injury|unhurt|unharmed)|\bwere\s+(?:not\s+hurt|unhurt|unharmed)\b",
    re.I,
)


def _person(word: str, lex: object) -> bool:
    nouns = lex.person_nouns  # type: ignore[attr-defined]
    w = word.strip(",.").lower()
    return (
        w in nouns
        or w.rstrip("s") in nouns
        or (w.endswith("men") and w[:-3] + "man" in nouns)
        or w
        in ("people", "persons", "civilians", "children", "women", "men", "police", "personnel", "troops")
    )


_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b"
_MONTH_AFTER = re.compile(rf"\s+(?:of\s+)?{_MONTHS}")
_MONTH_BEFORE = re.compile(rf"\b{_MONTHS}\.?\s+$")


def _overlapping(pat: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Matches starting at every word, so a greedy phrase cannot hide the next figure."""
    out = []
    pos = 0
    while (m := pat.search(text, pos)) is not None:
        out.append(m)
        pos = m.start() + 1
    return out


_STOP_NP = frozenset(
    {"in", "at", "on", "near", "and", "when", "after", "as", "during", "while", "by", "with", "from", "to"}
)


def _noun_phrase_ok(np: str) -> bool:
    """Whether the words after a figure name victims (people), not attackers or things."""
    lex = lexicon()
    words = []
    for w in np.split():
        w = w.strip(",.").lower()
        if w in _STOP_NP:
            break
        words.append(w)
    if not words:
        return True
    return not any(w in lex.not_victims or w in lex.non_person_nouns for w in words)


def _is_breakdown(text: str, start: int) -> bool:
    """A figure after "including", "among them", "of them": a breakdown, not a toll."""
    before = text[max(0, start - 40) : start].lower()
    return bool(
        re.search(
            r"\b(?:including|among\s+them|among\s+whom|of\s+whom|of\s+them|such\s+as|included)\s+(?:\w+\s+){0,3}$",
            before,
        )
    )


# "at least 25 people — 18 pupils, four teachers and three guards — were killed": an aside
# between dashes breaks the figure down; the figure reads past it.
_ASIDE = re.compile(r"\s[—–]\s[^—–.;]{1,120}?\s[—–]\s")


def _mask_asides(text: str) -> str:
    """``text`` with dash-delimited asides blanked (same length: offsets stay true)."""
    return _ASIDE.sub(lambda m: " " * len(m.group(0)), text)


def find_counts(text: str, offset: int = 0) -> list[CountMention]:
    """Every killed/wounded figure in ``text`` (a clause), in text order, without overlaps."""
    text = _mask_asides(text)
    found: list[CountMention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    # "no one was hurt" first, so that "one was hurt" is not read as a figure
    for m in _NOBODY.finditer(text):
        if not free(*m.span()):
            continue
        what = m.group("what").lower()
        phrase = m.group(0).lower()
        kinds = {
            "killed": ["killed"],
            "lost": ["killed"],
            "hurt": ["wounded"],
            "injured": ["wounded"],
            "wounded": ["wounded"],
        }.get(what)
        if kinds is None:  # "no casualties were reported": nobody killed or hurt
            if "injur" in phrase:
                kinds = ["wounded"]
            elif "death" in phrase or "fatalit" in phrase or "lives" in phrase:
                kinds = ["killed"]
            else:
                kinds = ["killed", "wounded"]
        for k in kinds:
            found.append(CountMention(k, Count(0, 0), offset + m.start(), offset + m.end(), m.group(0)))
        taken.append(m.span())
    for kind, pat, update in _patterns():
        for m in pat.finditer(text):
            fig = _figure(m)
            if fig is None:
                continue
            count, vague = fig
            a, b = m.span()
            if not free(m.start("num") if m.group("num") else a, b):
                continue
            np = (m.groupdict().get("np") or "") + (m.groupdict().get("after") or "")
            if not _noun_phrase_ok(np):
                continue
            num_start = m.start("num") if m.group("num") else a
            if m.group("num") and (
                _MONTH_AFTER.match(text, m.end("num")) or _MONTH_BEFORE.search(text[: m.start("num")])
            ):
                continue  # "12 March", "March 4": a date, not a figure
            if re.match(
                r"\s+of\s+(?:the\s+)?(?:wounded|injured|dead|victims|them|whom|those)\b",
                text[m.end("num") :] if m.group("num") else "",
            ):
                continue  # "two of the victims died": a part of a figure told elsewhere
            if _is_breakdown(text, num_start) and not update:
                continue
            if kind.endswith("+"):
                # a sum only when both phrases end in a person noun ("two soldiers and two policemen")
                lex = lexicon()
                names = [m.group("n1").split()[-1].lower(), m.group("n2").split()[-1].lower()]
                n2 = parse_number(m.group("num2"))
                if (
                    n2 is None
                    or not all(_person(h, lex) for h in names)
                    or count.low is None
                    or count.high != count.low
                ):
                    continue
                total = count.low + n2.value
                found.append(CountMention(kind[:-1], Count(total, total), offset + a, offset + b, m.group(0)))
                taken.append((a, b))
                continue
            if kind == "both":
                wn = parse_number(m.group("num_b"))
                found.append(CountMention("killed", count, offset + a, offset + b, m.group(0), vague=vague))
                if wn is not None:
                    qual = " ".join((m.group("qual") or "").lower().split())
                    w = (
                        Count(wn.value, None)
                        if wn.vague or (qual and count.high is None)
                        else Count(wn.value, wn.value)
                    )
                    found.append(CountMention("wounded", w, offset + a, offset + b, m.group(0)))
            else:
                # the evidence runs on to the victims named after an active verb ("injuring three investigators")
                ev_end = b
                if m.groupdict().get("after"):  # up to the victims' noun, not past "and", "in", ...
                    for word in re.finditer(r"[\w'’-]+", m.group("after")):
                        if word.group(0).lower() in _STOP_NP or re.match(
                            r"(?:kill|wound|injur|dead|died)", word.group(0), re.I
                        ):
                            break
                        ev_end = m.start("after") + word.end()
                found.append(
                    CountMention(kind, count, offset + a, offset + ev_end, text[a:ev_end], update, vague)
                )
            taken.append((a, b))
    lex = lexicon()
    for pat in (_ONE_PASSIVE, _ONE_ACTIVE, _ANOTHER, _NAMED):
        for m in _overlapping(pat, text):
            if not free(m.start(), m.start("verb") + 1 if pat is _ONE_ACTIVE else m.end()):
                continue
            words = [w.strip(",.").lower() for w in (m.groupdict().get("np") or "").split()]
            words = [w for w in words if w not in ("himself", "herself", "also", "later")]
            if pat is _ONE_ACTIVE:
                # "killed another masked assailant": an attacker, whatever the word before
                upto = next(
                    (k for k, w in enumerate(words) if w in _STOP_NP or w in ("who", "which", "that")),
                    len(words),
                )
                if any(w in lex.not_victims for w in words[:upto]):
                    continue
            if pat is _ONE_ACTIVE:  # the object ends at its first person noun, if any
                heads = [pos for pos, w in enumerate(words) if w in lex.person_nouns]
                words = words[: heads[0] + 1] if heads else []
            if pat is _NAMED:
                words = []
                if re.search(
                    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|"
                    r"May|June|July|August|September|October|November|December)\b",
                    m.group("np"),
                ):
                    continue
            elif pat is not _ANOTHER:
                if not words or words[-1] not in lex.person_nouns:
                    continue
                if any(w in lex.not_victims for w in words):
                    continue
            verb = m.group("verb").lower()
            kind = "wounded" if re.match(r"wound|injur|hurt|maim|hospital", verb) else "killed"
            end = m.end()
            if pat is _ONE_ACTIVE and words:  # the object ends at its head noun
                head = re.search(rf"\b{re.escape(words[-1])}\b", m.group("np"), re.I)
                end = m.start("np") + head.end() if head else end
            found.append(
                CountMention(kind, Count(1, 1), offset + m.start(), offset + end, text[m.start() : end])
            )
            taken.append((m.start(), end))
    for m in _ESCAPED.finditer(text):
        if free(*m.span()):
            found.append(
                CountMention("wounded", Count(0, 0), offset + m.start(), offset + m.end(), m.group(0))
            )
    found.sort(key=lambda c: c.start)
    return found
