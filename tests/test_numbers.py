"""Tests for incidex.numbers.parse_number: figures as news writes them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidex.counts import find_counts
from incidex.numbers import Number, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7", 7),
        ("42", 42),
        ("1,200", 1200),
        ("3,450,000", 3_450_000),
        ("seven", 7),
        ("Eleven", 11),
        ("nineteen", 19),
        ("twenty-one", 21),
        ("twenty one", 21),
        ("forty-six", 46),
        ("two hundred", 200),
        ("a dozen", 12),
        ("half a dozen", 6),
        ("a couple of", 2),
    ],
)
def test_exact_figures(text: str, value: int) -> None:
    assert parse_number(text) == Number(value, False)


@pytest.mark.parametrize(
    ("text", "value"),
    [("dozens", 24), ("scores", 40), ("hundreds", 200), ("several", 3), ("Dozens", 24)],
)
def test_vague_quantities_are_lower_bounds(text: str, value: int) -> None:
    assert parse_number(text) == Number(value, True)


def test_a_dozen_is_exact_but_dozens_is_vague() -> None:
    dozen, dozens = parse_number("a dozen"), parse_number("dozens")
    assert dozen is not None and dozens is not None
    assert (dozen.value, dozen.vague) == (12, False)
    assert (dozens.value, dozens.vague) == (24, True)


@pytest.mark.parametrize("text", ["second", "a second", "third", "first", "blast", "", "   ", "twelfth"])
def test_ordinals_and_other_words_are_not_numbers(text: str) -> None:
    assert parse_number(text) is None


def test_a_second_blast_is_not_a_casualty_count() -> None:
    assert find_counts("A second blast tore through the crowded bazaar minutes later.") == []


@given(st.integers(min_value=0, max_value=10_000_000))
def test_digits_round_trip(n: int) -> None:
    assert parse_number(str(n)) == Number(n, False)
    assert parse_number(f"{n:,}") == Number(n, False)
