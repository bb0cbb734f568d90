"""Tests for incidex.dedup: stable digests and MinHash near-duplicates.

The stories are invented: every place, person and group in them is fictional.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidex.dedup import NUM_PERM, NearDuplicates, digest, normalise, sketch

WIRE = """FICTIONVILLE, March 5 (Example Wire) - Gunmen on motorcycles opened fire on a crowded
vegetable market in the northern town of Fictionville on Tuesday, killing at least seven people
and wounding twelve others, police and hospital officials said.

The attack began shortly after noon, when traders were packing up their stalls before the
afternoon heat. Witnesses said about a dozen men arrived from the direction of the Sampleton road,
fired into the crowd for several minutes and then set fire to a row of shops before fleeing
towards the hills east of the town.

"They did not say anything, they just started shooting," said a fruit seller who gave his name
as Omar. He said he hid behind a water tank with his two sons until the shooting stopped. Smoke
from the burning shops could be seen from the neighbouring village of Mockford, residents said.

The provincial police chief, Hamid Placeholder, told reporters that five of the wounded were in a
serious condition and had been taken to the regional hospital in Exampletown. He said security
forces had sealed the roads out of Fictionville and were searching nearby villages.

No group has claimed responsibility for the attack, the third in the province this month. Two
weeks ago, gunmen killed four people at a checkpoint outside Testburg, and last Friday a roadside
bomb wounded three soldiers near the provincial capital. Officials have blamed earlier attacks on
the Imaginary Liberation Front, an armed group that has fought the government for more than a
decade and has recently expanded its operations into the farming districts of the north.

The governor of the province condemned the killings and announced three days of mourning. He
promised compensation for the families of the dead and said the market would reopen next week
under police guard. Aid workers said many traders had lost all their stock in the fire and
called for emergency help for the families affected.

(Reporting by Ana Example; Editing by John Sample)
"""

# A wire copy as another outlet ran it: one sentence reworded, a different credit line.
WIRE_EDITED = WIRE.replace(
    '"They did not say anything, they just started shooting," said a fruit seller',
    '"Nobody said a word, they simply began shooting," said a fruit seller',
).replace("(Reporting by Ana Example; Editing by John Sample)", "(Reporting by Ana Example)")

OTHER = """MOCKFORD, March 6 (Example Wire) - Thousands of farmers marched through the centre of Mockford
on Wednesday to protest against a new tax on fertiliser, blocking the main square for several
hours and forcing shops to close early, organisers and local officials said.

The march was peaceful, according to the police, who said about four thousand people took part.
Organisers put the number at more than ten thousand. Farmers carried banners reading "No bread
without fertiliser" and drove tractors slowly along the riverside avenue towards the town hall.

The finance ministry introduced the tax last month to help close a budget gap. Farmers' unions
say it will double the cost of planting wheat and maize this spring and will push small growers
out of business. The ministry has said the tax will be reviewed after the harvest.

"We are not against paying taxes, but this one will ruin us," said Lena Sample, who grows barley
on a small plot near the village of Testburg. She said her family had already sold two cows to
pay for seed this year.

The mayor of Mockford met a delegation of union leaders in the afternoon and promised to pass
their demands to the government. Union leaders said they would hold a larger march in the
provincial capital next month if the tax was not suspended. Talks between the unions and the
finance ministry are due to resume on Monday, a ministry spokesman said.

Market traders in Mockford said business had been slow all week because of the planned march,
and several cafes on the square stayed shut. Bus services from outlying villages ran to a
reduced timetable, the regional transport company said.

(Reporting by Omar Example; Editing by John Sample)
"""


def test_the_stories_are_the_size_the_brief_says() -> None:
    assert 280 <= len(WIRE.split()) <= 340
    assert 280 <= len(OTHER.split()) <= 340


# ---------------------------------------------------------------------------------------------
# normalise and digest


def test_normalise() -> None:
    assert normalise("  Gunmen KILLED\u00a0three -- police said.\n") == "gunmen killed three police said"
    assert normalise("\uff27\uff55\uff4e\uff4d\uff45\uff4e") == "gunmen"  # full-width letters (NFKC)
    assert normalise("mar\u00adket \u201cattack\u201d\u200b") == "market attack"  # soft hyphen, quotes, ZWSP
    assert normalise("STRASSE Stra\u00dfe") == "strasse strasse"  # case folding
    assert normalise("") == normalise(" ... ") == ""


def test_identical_texts_have_one_digest() -> None:
    assert digest(WIRE) == digest(str(WIRE))
    assert len(digest(WIRE)) == 32 and int(digest(WIRE), 16) >= 0


def test_whitespace_case_and_punctuation_do_not_change_the_digest() -> None:
    reflowed = " ".join(WIRE.split())
    assert digest(reflowed) == digest(WIRE)
    assert digest(WIRE.upper()) == digest(WIRE)
    assert digest(WIRE.replace("\n", "\r\n").replace(" - ", " \u2014 ")) == digest(WIRE)


def test_different_texts_have_different_digests() -> None:
    assert digest(WIRE) != digest(WIRE_EDITED) != digest(OTHER)
    assert digest("seven killed") != digest("eleven killed")


def test_digest_is_stable_across_processes_and_versions() -> None:
    # Pinned: a change here invalidates every stored digest, so it must be deliberate.
    assert digest("Gunmen killed 3 people in Kano.") == "4fbf3b1737f45c4ba492905f883b8105"


@given(st.text(max_size=200))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert digest(once) == digest(text)


# ---------------------------------------------------------------------------------------------
# NearDuplicates


def test_a_one_sentence_edit_is_a_near_duplicate() -> None:
    index = NearDuplicates()
    assert index.add("wire", WIRE) is None
    assert index.similarity("wire", WIRE_EDITED) >= 0.8
    assert index.add("copy", WIRE_EDITED) == "wire"
    assert index.query(WIRE) == ["wire", "copy"]  # most similar first
    assert len(index) == 2 and "copy" in index


def test_an_unrelated_story_is_not() -> None:
    index = NearDuplicates()
    index.add("wire", WIRE)
    assert index.similarity("wire", OTHER) < 0.1
    assert index.add("other", OTHER) is None
    assert index.query(OTHER) == ["other"]


def test_a_rewrite_is_not() -> None:
    # Half the paragraphs reworded (here: their word order reversed): no longer a copy.
    paragraphs = WIRE.split("\n\n")
    rewritten = "\n\n".join(p if i % 2 else " ".join(reversed(p.split())) for i, p in enumerate(paragraphs))
    index = NearDuplicates()
    index.add("wire", WIRE)
    assert index.add("rewrite", rewritten) is None


def test_ties_go_to_the_text_indexed_first() -> None:
    index = NearDuplicates()
    for key in ("c", "a", "b"):
        index.add(key, WIRE)
    assert index.query(WIRE) == ["c", "a", "b"]
    assert index.add("d", WIRE.upper()) == "c"


def test_determinism_across_instances() -> None:
    texts = [("wire", WIRE), ("other", OTHER), ("copy", WIRE_EDITED)]
    one, two = NearDuplicates(), NearDuplicates()
    assert [one.add(k, t) for k, t in texts] == [two.add(k, t) for k, t in texts] == [None, None, "wire"]
    assert one.to_state() == two.to_state()


def test_signatures_are_stable_across_processes_and_versions() -> None:
    import hashlib

    # Pinned: a change here (datasketch's permutations, the shingle hash) invalidates every
    # stored state, so it must be deliberate: rebuild states with NearDuplicates.from_texts.
    state = NearDuplicates.from_texts([("wire", WIRE)]).to_state()
    assert len(state["wire"]) == 4 * NUM_PERM
    assert hashlib.blake2b(state["wire"], digest_size=8).hexdigest() == "2ce6fd7cbaa71db9"


def test_state_round_trip() -> None:
    index = NearDuplicates.from_texts([("wire", WIRE), ("other", OTHER)])
    rebuilt = NearDuplicates.from_state(index.to_state())
    assert rebuilt.to_state() == index.to_state()
    assert list(rebuilt.to_state()) == ["wire", "other"]
    assert rebuilt.add("copy", WIRE_EDITED) == "wire"
    assert rebuilt.query(OTHER) == ["other"]


def test_from_texts_does_not_match_among_its_items() -> None:
    index = NearDuplicates.from_texts([("wire", WIRE), ("copy", WIRE_EDITED)])
    assert len(index) == 2 and index.query(WIRE_EDITED) == ["copy", "wire"]


def test_a_sketch_made_before_matches_and_inserts_as_the_text_does() -> None:
    # what a caller does that must decide under a lock: the costly sketch first, then the rest
    index = NearDuplicates.from_texts([("wire", WIRE), ("other", OTHER)])
    copy = sketch(WIRE_EDITED)
    assert index.match(copy) == index.query(WIRE_EDITED) == ["wire"]
    index.insert("copy", copy)  # indexed without matching
    assert index.query(WIRE) == ["wire", "copy"]
    with pytest.raises(ValueError, match="key 'copy' appears twice"):
        index.insert("copy", copy)


def test_a_text_without_words_has_no_sketch() -> None:
    index = NearDuplicates()
    assert sketch(" ... ") is None and index.match(None) == []
    index.insert("blank", None)
    assert len(index) == 0


def test_bad_state() -> None:
    with pytest.raises(ValueError, match="signature of 'x' has 3 bytes, expected 512"):
        NearDuplicates.from_state({"x": b"abc"})


def test_a_key_is_indexed_once() -> None:
    index = NearDuplicates()
    index.add("wire", WIRE)
    with pytest.raises(ValueError, match="key 'wire' is already in the index"):
        index.add("wire", OTHER)


def test_texts_without_words_are_not_indexed() -> None:
    index = NearDuplicates()
    assert index.add("blank", " ... ") is None
    assert "blank" not in index and index.query("") == [] and len(index) == 0


def test_short_texts() -> None:
    index = NearDuplicates()
    index.add("short", "Three killed in Kano.")
    assert index.query("three KILLED in kano") == ["short"]
    assert index.query("Three killed in Abuja.") == []


def test_threshold_is_checked() -> None:
    with pytest.raises(ValueError, match="threshold must be in"):
        NearDuplicates(threshold=0)


# Speed (documents a second into the index) is measured by benchmarks/bench_components.py.
