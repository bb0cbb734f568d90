"""The lexicon data files load, and their entries behave as the extractor expects."""

from __future__ import annotations

import re

from incidex.lexicon import alias_key, lexicon


def test_every_trigger_class_has_a_sub_event_or_is_generic() -> None:
    from incidex.classify import PRIORITY

    lex = lexicon()
    assert set(PRIORITY) <= set(lex.triggers), "classify.PRIORITY names a class the lexicon lacks"
    assert {"casualty", "claim"} <= set(lex.triggers)


def test_actor_names_are_unique_and_findable() -> None:
    lex = lexicon()
    canon = [a.canonical for a in lex.actors]
    assert len(canon) == len(set(canon)), "an actor is listed twice"
    for actor in lex.actors:
        for name in (actor.canonical, *actor.aliases):
            assert lex.actor_by_alias.get(alias_key(name)) is not None
            assert all(re.fullmatch(r"[A-Z]{2}", c) for c in actor.countries), actor


def test_short_acronyms_only_match_in_upper_case() -> None:
    pat = lexicon().actor_pattern
    assert pat.search("claimed by IS on Monday")
    assert not pat.search("the attack is over")


def test_cues_compile_and_fire() -> None:
    cues = lexicon().cues
    assert cues["aggregate"].search("the conflict has killed thousands since 2015")
    assert cues["hypothetical"].search("the group threatened to attack the city")
    assert cues["legal"].search("the court adjourned the trial")
    assert not cues["aggregate"].search("a bomb killed five people in Kano on Monday")
