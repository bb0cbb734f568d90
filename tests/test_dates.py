"""Tests for incidex.dates: date phrases found in a clause and resolved against publication.

Publication day in most tests: Wednesday 8 May 2024.
"""

from __future__ import annotations

import datetime as dt

import pytest

from incidex.dates import DateMention, find_dates, months_before, resolve

PUBLISHED = dt.date(2024, 5, 8)
assert PUBLISHED.strftime("%A") == "Wednesday"


def one(text: str) -> DateMention:
    found = find_dates(text)
    assert len(found) == 1, found
    return found[0]


def day(text: str, published: dt.date | None = PUBLISHED) -> dt.date | None:
    return resolve(one(text), published).date


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a weekday is the latest such day on or before publication, the same day included
        ("Gunmen raided the depot on Wednesday.", dt.date(2024, 5, 8)),
        ("Gunmen raided the depot on Monday.", dt.date(2024, 5, 6)),
        ("Gunmen raided the depot on Thursday.", dt.date(2024, 5, 2)),
        ("Gunmen raided the depot on Tuesday night.", dt.date(2024, 5, 7)),
        ("The convoy was ambushed late Friday.", dt.date(2024, 5, 3)),
        # "last <weekday>" is strictly before publication
        ("The convoy was ambushed last Sunday.", dt.date(2024, 5, 5)),
        ("The convoy was ambushed last Wednesday.", dt.date(2024, 5, 1)),
        ("A mortar round landed yesterday.", dt.date(2024, 5, 7)),
        ("A mortar round landed today.", dt.date(2024, 5, 8)),
        ("Rebels shelled the hills overnight.", dt.date(2024, 5, 7)),
        # a day and month without a year take the year that keeps them on or before publication
        ("Gunmen struck the camp on 12 May.", dt.date(2023, 5, 12)),
        ("Gunmen struck the camp on 2 May.", dt.date(2024, 5, 2)),
        ("Gunmen struck the camp on March 30.", dt.date(2024, 3, 30)),
        ("Gunmen struck the camp on 24 November 2017.", dt.date(2017, 11, 24)),
    ],
)
def test_resolved_day(sentence: str, expected: dt.date) -> None:
    r = resolve(one(sentence), PUBLISHED)
    assert r.date == expected
    assert r.precision == 1


def test_a_full_date_needs_no_publication_date() -> None:
    assert day("The police station was attacked on 24 November 2017.", None) == dt.date(2017, 11, 24)


@pytest.mark.parametrize(
    "sentence",
    [
        "Gunmen raided the depot on Monday.",
        "The convoy was ambushed last Sunday.",
        "A mortar round landed yesterday.",
        "Gunmen struck the camp on 12 May.",
    ],
)
def test_without_a_publication_date_relative_days_are_never_guessed(sentence: str) -> None:
    assert day(sentence, None) is None


def test_said_on_monday_dates_the_report_not_the_act() -> None:
    m = one("The governor said on Monday that nine people had died.")
    assert m.reporting is True


def test_an_act_on_monday_is_not_reporting() -> None:
    m = one("Militants attacked the garrison on Monday.")
    assert m.reporting is False


def test_may_the_verb_is_not_a_month() -> None:
    assert find_dates("As many as 20 may have died in the fire at the camp.") == []


def test_last_month_has_no_day_and_month_precision() -> None:
    r = resolve(one("The village was attacked last month."), PUBLISHED)
    assert r.date is None
    assert r.precision == 3


def test_earlier_this_week_has_no_day_and_week_precision() -> None:
    r = resolve(one("The village was attacked earlier this week."), PUBLISHED)
    assert r.date is None
    assert r.precision == 2


def test_the_previous_day_is_relative_to_the_reference_event() -> None:
    m = one("Troops clashed with rebels the previous day.")
    assert resolve(m, PUBLISHED, reference=dt.date(2024, 5, 3)).date == dt.date(2024, 5, 2)
    assert resolve(m, PUBLISHED).date is None


def test_days_after_carries_the_gap() -> None:
    m = one("The raid came two days after the bombing.")
    assert m.kind == "days_after"
    assert m.days_before == 2


def test_offsets_point_into_the_text() -> None:
    prefix = "HEADLINE. "
    sentence = "The governor said on Monday that the convoy was ambushed last Sunday."
    found = find_dates(sentence, offset=len(prefix))
    assert [d.text for d in found] == ["on Monday", "last Sunday"]
    for d in found:
        assert (prefix + sentence)[d.start : d.end] == d.text


@pytest.mark.parametrize(
    "text",
    [
        "The bombing came two weeks before the general election on 8 June.",
        "The bomber was a local man who joined the group in 2018.",
        "It was the deadliest attack since the war began in March 2011.",
    ],
)
def test_the_day_of_something_else_is_not_the_day_of_the_act(text: str) -> None:
    assert [d.reporting for d in find_dates(text) if d.kind != "days_after"] == [True]


@pytest.mark.parametrize(
    ("sentence", "months"),
    [
        ("as in October 2017, when a market was shelled", 26),
        ("the worst since the bombing in 2005", 168),  # counted from December 2005
        ("a raid in March 2019", 9),
        ("the attack in October", None),  # no year: no count
        ("the attack last month", None),
    ],
)
def test_months_before_publication(sentence: str, months: int | None) -> None:
    [d] = find_dates(sentence, 0)
    assert months_before(d, dt.date(2019, 12, 28)) == months


def test_months_before_needs_a_publication_date() -> None:
    [d] = find_dates("in October 2017", 0)
    assert months_before(d, None) is None
