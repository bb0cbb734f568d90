"""Tests for incidex.counts.find_counts: casualty figures of one sentence, as low/high ranges.

The figures follow the evaluation guide: "12" is 12/12, "at least 11" 11/open, "more than
50" 51/open, "up to 19" open/19, a qualifier applies across one subject but not across
separate verbs, attackers and things are not victims.
"""

from __future__ import annotations

import pytest

from incidex.counts import CountMention, find_counts


def figures(text: str) -> dict[str, tuple[int | None, int | None]]:
    """kind -> (low, high) of the figures found; a kind found twice fails the test."""
    found = find_counts(text)
    kinds = [c.kind for c in found]
    assert len(kinds) == len(set(kinds)), f"one figure per kind expected, got {found}"
    return {c.kind: (c.count.low, c.count.high) for c in found}


def only(text: str, kind: str) -> CountMention:
    found = [c for c in find_counts(text) if c.kind == kind]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Gunmen killed 12 and wounded more than 50 others at the wedding party.",
            {"killed": (12, 12), "wounded": (51, None)},
        ),
        ("At least 11 people were killed when the truck bomb went off.", {"killed": (11, None)}),
        ("Between 14 and 16 people were killed in the ambush on the convoy.", {"killed": (14, 16)}),
        ("Up to 19 people were killed in the raid, a local official said.", {"killed": (None, 19)}),
        ("As many as 23 villagers were killed overnight.", {"killed": (None, 23)}),
        ("About 30 people were killed in the fighting near the bridge.", {"killed": (30, 30)}),
        ("Nearly 40 people were wounded by shrapnel.", {"wounded": (40, 40)}),
        ("More than a dozen soldiers died in the attack on the outpost.", {"killed": (13, None)}),
        ("A dozen people were killed in the blast.", {"killed": (12, 12)}),
        ("Dozens of people were wounded in the stampede that followed.", {"wounded": (24, None)}),
        ("Scores of herders were killed in the raids.", {"killed": (40, None)}),
        ("Hundreds of people were injured in the clashes.", {"wounded": (200, None)}),
        ("Several policemen were killed in the assault.", {"killed": (3, None)}),
        ("Twenty-one pilgrims were killed when the bus was hit.", {"killed": (21, 21)}),
        ("At least 1,200 people were injured when the dam was bombed.", {"wounded": (1200, None)}),
        (
            "At least 40 people — 31 pupils, six teachers and three guards — were killed in the raid.",
            {"killed": (40, None)},
        ),
        ("Over 29 people have so far been confirmed dead.", {"killed": (30, None)}),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_figures(sentence: str, expected: dict[str, tuple[int | None, int | None]]) -> None:
    assert figures(sentence) == expected


def test_a_qualifier_on_a_shared_subject_applies_to_both_figures() -> None:
    assert figures("At least 17 people were killed and 9 others wounded at the fuel depot.") == {
        "killed": (17, None),
        "wounded": (9, None),
    }


def test_a_qualifier_does_not_cross_to_a_separate_verb() -> None:
    assert figures("The bomber killed at least 38 and injured 64 at the rally.") == {
        "killed": (38, None),
        "wounded": (64, 64),
    }


def test_a_raised_death_toll_is_an_update() -> None:
    c = only("One of the injured died overnight, raising the death toll to eight.", "killed")
    assert c.update is True
    assert (c.count.low, c.count.high) == (8, 8)


def test_a_first_figure_is_not_an_update() -> None:
    c = only("Gunmen killed nine passengers on the highway.", "killed")
    assert c.update is False


def test_a_breakdown_is_not_a_separate_count() -> None:
    found = find_counts("Seven people, including two women, were killed in the shelling.")
    assert [(c.kind, c.count.low, c.count.high) for c in found] == [("killed", 7, 7)]


@pytest.mark.parametrize(
    "sentence",
    [
        "At least a dozen men surrounded the home before dawn.",  # attackers, not victims
        "Two gunmen were killed in the exchange of fire.",  # attackers who died
        "The attackers burned 500 homes and looted the granary.",  # things, not people
        "A second blast tore through the market minutes later.",  # an ordinal
    ],
)
def test_no_victim_figure(sentence: str) -> None:
    assert find_counts(sentence) == []


def test_nobody_hurt_is_zero_wounded() -> None:
    assert figures("Nobody was hurt when the device went off near the gate.") == {"wounded": (0, 0)}


def test_no_one_hurt_is_zero_wounded() -> None:
    assert figures("The grenade landed in an empty courtyard and no one was hurt.") == {"wounded": (0, 0)}


def test_no_one_killed_is_zero_killed() -> None:
    assert figures("Police said no one was killed in the attack on the toll booth.") == {"killed": (0, 0)}


def test_no_casualties_reported_is_zero_of_both() -> None:
    assert figures("No casualties were reported after the rocket landed.") == {
        "killed": (0, 0),
        "wounded": (0, 0),
    }


def test_a_single_named_victim_counts_one() -> None:
    assert figures("A policeman was killed in the shooting at the checkpoint.") == {"killed": (1, 1)}
    assert figures("The roadside device killed a farmer.") == {"killed": (1, 1)}


def test_two_groups_of_victims_are_summed() -> None:
    assert figures("The mine went off under the convoy, wounding three police and two guards.") == {
        "wounded": (5, 5)
    }


def test_offsets_point_into_the_text() -> None:
    prefix = "PREAMBLE. "
    sentence = "Gunmen killed 12 and wounded more than 50 others at the wedding party."
    for c in find_counts(sentence, offset=len(prefix)):
        assert (prefix + sentence)[c.start : c.end] == c.text


@pytest.mark.parametrize(
    ("text", "low"),
    [
        ("Attackers fatally shot two rangers at close range on Tuesday.", 2),
        ("A blast in the market caused 63 deaths, officials said.", 63),
        ("The raid on the village resulted in six deaths.", 6),
        ("The bombing claimed seven civilians' lives.", 7),
        ("At least six guards have lost their lives in the attack.", 6),
        ("A teacher has reportedly been beheaded by the gunmen.", 1),
    ],
)
def test_other_ways_of_telling_deaths(text: str, low: int) -> None:
    killed = [c for c in find_counts(text) if c.kind == "killed"]
    assert [c.count.low for c in killed] == [low]


@pytest.mark.parametrize(
    ("text", "kind", "low"),
    [
        ("A man stabbed three people in the market before police shot him.", "wounded", 3),
        ("A man stabbed three people to death in the market.", "killed", 3),
        ("One soldier died and another has been wounded.", "wounded", 1),
        ("The shelling killed a father and wounded a teenage neighbour.", "wounded", 1),
    ],
)
def test_stabbings_and_single_victims(text: str, kind: str, low: int) -> None:
    assert [c.count.low for c in find_counts(text) if c.kind == kind] == [low]


def test_a_breakdown_between_commas_may_hold_figures() -> None:
    [c] = find_counts("At least 70 people, including more than 40 pupils, died in the attack.")
    assert (c.kind, c.count.low, c.count.high) == ("killed", 70, None)
