"""Incident mentions: the clauses of a cleaned document that speak of an act of violence.

A sentence is cut into clauses where news packs two acts into one ("a car bomb killed
three people in Quetta on Monday, while another blast left one dead in Peshawar"; "the blast
comes a day after an ambush killed nine soldiers in Peshawar"). Each clause with a trigger
becomes a :class:`Mention` carrying everything later stages need: figures, date phrases,
places, actors, claim cues, weapon and target words, and flags for what disqualifies it
(aggregate tolls, threats, trials, fiction, negation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from incidex.actors import ActorMention, ClaimCue, find_actors, find_claims
from incidex.budget import UNLIMITED, Budget
from incidex.classify import target_of, trigger_classes, weapon_of
from incidex.clean import date_abbreviation_before
from incidex.counts import CountMention, find_counts
from incidex.dates import DAY_COUNTS, DateMention, find_dates
from incidex.lexicon import lexicon
from incidex.nlp import Entity
from incidex.places import PlaceMention, find_places
from incidex.records import CleanDocument, Sentence
from incidex.truecase import is_shouting, truecase

# Where one sentence holds two acts. The "comes a day after" form also links their dates.
_SPLIT = re.compile(
    r";\s+|,?\s+while\s+(?=another\b|an?\s|\d|the\s|[A-Z])|,\s+(?:and|but)\s+(?=another\b|an?\s+(?:second|third|fourth|separate)\b)"
    r"|\.\s+|,\s+(?=another\s+(?:bomb|blast|attack|explosion))",
)
_AFTER = re.compile(
    r"(?:\b(?:comes?|came|coming|follow(?:s|ed|ing)?|occurred|took\s+place|happened)\s+|,\s+)"
    r"(?=(?:just\s+|only\s+)?(?:a|an|one|two|three|four|five|six|seven|several|few|days|weeks)\s+(?:days?\s+|weeks?\s+)?after\b"
    # "hours after a bomb tore through a market": only before a new act, not "hours after the
    # group claimed the blast"
    r"|(?:just\s+|only\s+)?(?:a\s+few\s+|several\s+)?hours\s+after\s+(?:a|an|another|at\s+least|\d+|two|three|four|five|six|seven|eight|nine|ten)\s"
    r"(?![^,.;]{0,60}\b(?:claim|said|announc)))",
    re.IGNORECASE,
)
_NEW = re.compile(
    r"\b(?:another|a\s+(?:second|third|fourth|fifth|separate|further|similar|new|previous)|an\s+(?:earlier|other|additional))"
    r"\s+(?:[\w-]+\s+){0,2}?(?:attacks?|bomb(?:ing)?s?|blasts?|explosions?|strikes?|airstrikes?|incidents?|raids?|ambush|"
    r"shootings?|assaults?|suicide|car\s+bomb|grenade|clash(?:es)?|kidnapping|abduction)\b|\b(?:separately|elsewhere|"
    r"in\s+(?:a\s+)?(?:separate|another)\s+(?:\w+\s+)?(?:attack|incident|bombing))\b",
    re.IGNORECASE,
)
_ANAPHOR = re.compile(
    r"\b(?:the|this|that|today['’]s|yesterday['’]s|saturday['’]s|sunday['’]s|monday['’]s|tuesday['’]s|wednesday['’]s|"
    r"thursday['’]s|friday['’]s)\s+(?:\w+\s+){0,2}?(?:attack|attacks|bombing|blast|explosion|assault|strike|raid|"
    r"ambush|shooting|incident|violence|killings?|massacre|siege|carnage|bloodshed|explosions|blasts|bombings|clash|"
    r"kidnapping|abduction)\b|\b(?:it|they)\s+(?:exploded|detonated|went\s+off)\b",
    re.IGNORECASE,
)


# Cues that make a clause no report of an act (see data/lexicon.toml [cues]).
DISQUALIFYING = frozenset(
    {"aggregate", "hypothetical", "legal", "fiction", "negation", "caption", "police_work", "commemoration"}
)


@dataclass(frozen=True)
class Mention:
    index: int
    sentence: int  # index of its sentence in the cleaned document
    start: int
    end: int
    text: str
    title: bool  # a headline or caption, not body copy
    triggers: frozenset[str]
    counts: tuple[CountMention, ...]
    dates: tuple[DateMention, ...]
    places: tuple[PlaceMention, ...]
    actors: tuple[ActorMention, ...]
    claims: tuple[ClaimCue, ...]
    target: tuple[str, bool] | None
    weapon: str
    new: bool  # "another blast", "a third bombing": a different act from the last one
    anaphoric: bool  # "the attack", "the blast": an act already told
    flags: frozenset[str]
    before_anchor: int | None = None  # "X comes N days after <this>": this act is N days before X
    anchor: int | None = None  # index of the mention this one is dated from
    section_country: str | None = None  # the country heading the section it is in ("Burkina Faso")
    story: int = 0  # which teaser of a listing page it is in (a cut-off paragraph ends one)

    @property
    def disqualified(self) -> bool:
        return bool(self.flags & DISQUALIFYING)

    @property
    def event_dates(self) -> tuple[DateMention, ...]:
        return tuple(d for d in self.dates if not d.reporting)


_FRONTED_AFTER = re.compile(
    r"^\W*(?P<n>a|an|one|two|three|four|five|six|seven|several|few|\d+)\s+days?\s+(?:after|since)\b[^,]{3,80},\s*",
    re.IGNORECASE,
)


def _fronted_after(text: str) -> tuple[int, int | None] | None:
    """ "A day after the Mogadishu bombing, gunmen killed ...": (where the new act starts, days after)."""
    m = _FRONTED_AFTER.match(text)
    if not m:
        return None
    n = m.group("n").lower()
    return m.end(), DAY_COUNTS.get(n, int(n) if n.isdigit() else None)


def _clauses(sentence: Sentence) -> list[tuple[int, int]]:
    """(start, end) spans of a sentence's clauses, offsets into the sentence text."""
    text = sentence.text
    cuts = [0]
    fronted = _fronted_after(text)
    if fronted:
        cuts.append(fronted[0])
    for m in _SPLIT.finditer(text):
        if text[m.start()] == "." and date_abbreviation_before(text, m.start()):
            continue  # "on Oct. 10", "at 10 p.m. Monday": the date phrase goes on
        cuts.append(m.end())
    for m in _AFTER.finditer(text):
        cuts.append(m.end())
    cuts = sorted(set(cuts))
    return [(a, b) for a, b in zip(cuts, [*cuts[1:], len(text)], strict=True) if text[a:b].strip()]


def _country_heading(text: str) -> str | None:
    """The country a heading line names, when the line is nothing but a country's name."""
    t = text.strip()
    if len(t) > 40 or re.search(r"[.!?,:;]$", t) or not t[:1].isupper():
        return None
    from incidex.gazetteer import get_gazetteer

    gaz = get_gazetteer()
    code = gaz.country_code(t)
    place = gaz.resolve(t, (code,)) if code else None
    return code if place is not None and place.kind == "country" else None


def _is_title(sentence: Sentence, text: str) -> bool:
    t = sentence.text.rstrip()
    return sentence.paragraph <= 2 and not re.search(r"[.!?\"”’']$", t) and len(t.split()) <= 20


# A relative clause tells background ("said a cleric who was charged in the U.S. over a plot
# to bomb a subway"): the cues that disqualify a clause are read in its main part only.
_PERSON_BACKGROUND = re.compile(
    r"\b(?:who|whom)\s+(?:was|were|is|are|had\s+been|has\s+been|had)\s+(?:\w+\s+)?(?:indicted|charged|born|arrested|wanted|"
    r"convicted|jailed|sentenced|trained|educated|living|based|raised|deported|expelled|released)\b",
    re.I,
)
_RELATIVE = re.compile(r"\b(?:who|whom|whose)\b|,\s*which\b|\bwhich\s+(?:was|were|had|has|have|is|are)\b")


_SUPERLATIVE = re.compile(
    r"\b(?:worst|deadliest|bloodiest|biggest|largest|heaviest|most\s+\w+|first|single)\b[^.;]{0,80}?"
    r"\b(?:in\s+recent\s+(?:years|months|weeks)|in\s+(?:years|decades|a\s+decade)|since\b[^.;,]{0,40}|so\s+far\b[^.;,]{0,20}|"
    r"this\s+year|to\s+date|ever)",
    re.IGNORECASE,
)


def _dates_of_updates(dates: list[DateMention], counts: tuple[CountMention, ...]) -> list[DateMention]:
    """ "The death toll rose to 12 on Thursday": the day of an updated toll dates the update, not the act."""
    updates = [c for c in counts if c.update]
    return [_replace_date(d) if any(c.start <= d.start <= c.end + 30 for c in updates) else d for d in dates]


def _replace_date(d: DateMention) -> DateMention:
    from dataclasses import replace

    return replace(d, reporting=True)


_RANK = re.compile(r"\bthe\s+\d+(?:st|nd|rd|th)\b[^.;]{0,60}?(?:\bthis\s+year|\bsince\b[^.;,]{0,40}|$)", re.I)


def _flags(text: str, counts: bool) -> frozenset[str]:
    cues = lexicon().cues
    main = text[: m.start()] if (m := _RELATIVE.search(text)) and m.start() > 20 else text
    # "Ending the bloodiest month of the year so far, officials said three car bombs killed
    # 25": an opening participle phrase sets the scene; its tally words do not make the
    # clause a tally
    opener = re.match(r"\s*[A-Z][a-z]+ing\b[^,]*,", main)
    scope = main[opener.end() :] if opener else main
    # "one of the worst attacks in recent years", "the deadliest since 2003": a comparison
    # that ranks this act, not a tally of many
    scope = _SUPERLATIVE.sub(" ", scope)
    if counts:  # "killed a journalist ..., the 9th murder of its kind this year": a rank, not a tally
        scope = _RANK.sub(" ", scope)
    flags = {name for name, pat in cues.items() if name != "reporting" and pat.search(scope)}
    if counts:
        flags.discard("police_work")  # "police arrested two after gunmen killed five": still an act
    return frozenset(flags)


def _cut_off(before: Sentence, sentence: Sentence) -> bool:
    """Whether ``before`` ends a paragraph cut off mid-sentence ("He added …"), as the teasers
    of a listing page are: what follows is another story."""
    return sentence.paragraph > before.paragraph and before.text.rstrip().endswith(("…", "..."))


def find_mentions(
    clean: CleanDocument,
    ents: dict[int, list[Entity]],
    countries: tuple[str, ...],
    *,
    budget: Budget = UNLIMITED,
) -> list[Mention]:
    """Mentions of violent acts, in document order. ``ents`` maps sentence index to its entities;
    ``budget`` is checked once per sentence."""
    lex = lexicon()
    mentions: list[Mention] = []
    section: str | None = None
    story = 0
    for si, sentence in enumerate(clean.sentences):
        budget.check("mentions")
        if si and _cut_off(clean.sentences[si - 1], sentence):
            story += 1  # a listing page: the teaser before ended "… he added …"
        heading = _country_heading(sentence.text)
        if heading:
            section = heading  # a bulletin's "Burkina Faso" heading: the country of what follows
            continue
        if not lex.trigger_any.search(sentence.text):
            continue
        sentence_ents = ents.get(si, [])
        title = _is_title(sentence, clean.document.text)
        after = _AFTER.search(sentence.text)
        clause_spans = _clauses(sentence)
        analysed = truecase(sentence.text) if is_shouting(sentence.text) else sentence.text
        for a, b in clause_spans:
            text = analysed[a:b]
            start = sentence.start + a
            triggers = trigger_classes(text)
            counts = tuple(find_counts(text, start))
            if not triggers and not counts:
                continue
            dates = tuple(_dates_of_updates(find_dates(text, start), counts))
            # places in a relative clause about a person (where someone was charged or born) are
            # that person's story, not where this act happened
            who = _PERSON_BACKGROUND.search(text)
            places = tuple(
                find_places(
                    text[: who.start()] if who and who.start() > 20 else text, start, sentence_ents, countries
                )
            )
            # a group named in a relative clause ("residents of the town, who accuse the army of
            # failing to stop attacks by M23") is background, not the perpetrator of this act
            rel = _RELATIVE.search(text)
            actors = tuple(find_actors(text[: rel.start()] if rel and rel.start() > 20 else text, start))
            claims = tuple(find_claims(text, start))
            mention = Mention(
                section_country=section,
                story=story,
                index=len(mentions),
                sentence=si,
                start=start,
                end=start + len(text),
                text=text,
                title=title,
                triggers=frozenset(triggers),
                counts=counts,
                dates=dates,
                places=places,
                actors=actors,
                claims=claims,
                target=target_of(text),
                weapon=weapon_of(text, triggers),
                new=bool(_NEW.search(text)),
                # a clause with a toll but no act ("nurses have counted 12 bodies") retells the act before it
                anaphoric=bool(_ANAPHOR.search(text)) or not (triggers - {"casualty", "claim"}),
                flags=_flags(text, bool(counts)),
            )
            mentions.append(mention)
            # "X comes a day after Y": the clause after the cut is dated from the one before it
            if after is not None and a == after.end() and len(mentions) >= 2 and mentions[-2].sentence == si:
                days = next((d.days_before for d in dates if d.kind == "days_after"), None)
                mentions[-1] = _replace(mentions[-1], before_anchor=days, anchor=mentions[-2].index)
            # "A day after the X bombing, gunmen ...": the act after the comma is N days after X
            fronted = _fronted_after(sentence.text)
            if fronted and a == fronted[0] and len(mentions) >= 2 and mentions[-2].sentence == si:
                lead = mentions[-2]
                phrase = next((d for d in lead.dates if d.kind == "days_after"), None)
                days = -fronted[1] if fronted[1] is not None else None
                extra = (phrase,) if phrase is not None else ()
                mentions[-1] = _replace(
                    mentions[-1], before_anchor=days, anchor=lead.index, dates=(*mentions[-1].dates, *extra)
                )
    return mentions


def _replace(m: Mention, **changes: object) -> Mention:
    from dataclasses import replace

    return replace(m, **changes)  # type: ignore[arg-type]
