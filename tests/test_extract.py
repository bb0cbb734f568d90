"""End-to-end behaviour of incidex.extract on short fictional reports.

Every report here is invented for the tests (real place names, events that never happened).
Unless a test says otherwise the reports are published on Wednesday 8 May 2024.
"""

from __future__ import annotations

import datetime as dt

import pytest

import incidex
from incidex.records import Count, Incident

PUBLISHED = "2024-05-08"  # a Wednesday


def extract(text: str, published: str | None = PUBLISHED) -> list[Incident]:
    return incidex.extract(text, published=published)


def single(text: str, published: str | None = PUBLISHED) -> Incident:
    found = extract(text, published)
    assert len(found) == 1, [i.to_dict() for i in found]
    return found[0]


def by_place(incidents: list[Incident]) -> dict[str | None, Incident]:
    out = {i.place: i for i in incidents}
    assert len(out) == len(incidents), "one incident per place expected"
    return out


# ---------------------------------------------------------------------------------------------
# Several incidents, repeats, dates


def test_a_report_printed_twice_gives_each_incident_once() -> None:
    body = (
        "Gunmen shot dead six farmers at a market in the town of Gusau in Zamfara state on Tuesday, police "
        "said.\n"
        "The attackers fled on motorcycles towards the forest reserve.\n"
        "A separate grenade attack on a bar in Kano late on Monday wounded nine drinkers."
    )
    found = extract(body + "\n\n" + body + "\n")
    places = by_place(found)
    assert set(places) == {"Gusau", "Kano"}
    assert places["Gusau"].date == dt.date(2024, 5, 7)
    assert places["Gusau"].killed is not None and places["Gusau"].killed.low == 6
    assert places["Kano"].date == dt.date(2024, 5, 6)
    assert places["Kano"].wounded is not None and places["Kano"].wounded.low == 9


THREE_DAYS = (
    "Gunmen shot dead four traders at a cattle market in Baidoa on Wednesday, police said. "
    "The attack came a day after a car bomb killed nine people at a checkpoint in Mogadishu. "
    "Last Sunday, a grenade attack on a tea shop in Kismayo wounded seven people."
)


def test_three_incidents_on_three_days() -> None:
    found = extract(THREE_DAYS, published="2024-05-10")  # a Friday
    places = by_place(found)
    assert set(places) == {"Baidoa", "Mogadishu", "Kismayo"}
    assert places["Baidoa"].date == dt.date(2024, 5, 8)
    assert places["Mogadishu"].date == dt.date(2024, 5, 7), "a day before the Baidoa attack"
    assert places["Kismayo"].date == dt.date(2024, 5, 5), "the Sunday strictly before publication"
    assert {i.country for i in found} == {"SO"}
    assert places["Mogadishu"].killed is not None and places["Mogadishu"].killed.low == 9
    assert places["Kismayo"].sub_event_type == "Grenade"


def test_an_undated_act_is_dated_from_the_act_it_came_a_day_after() -> None:
    text = (
        "Gunmen shot dead four traders at a cattle market in Baidoa, police said. "
        "The shooting came a day after a car bomb killed nine people at a checkpoint on Tuesday in "
        "Mogadishu. "
        "Last Sunday, a grenade attack on a tea shop in Kismayo wounded seven people."
    )
    places = by_place(extract(text, published="2024-05-10"))
    assert set(places) == {"Baidoa", "Mogadishu", "Kismayo"}
    assert places["Mogadishu"].date == dt.date(2024, 5, 7)
    assert places["Baidoa"].date == dt.date(2024, 5, 8), "a day after the Tuesday bombing"
    assert places["Kismayo"].date == dt.date(2024, 5, 5)


def test_date_text_is_the_phrase_that_gives_the_day() -> None:
    text = (
        "Gunmen shot dead four traders at a cattle market in Baidoa, police said. "
        "The shooting came a day after a car bomb killed nine people at a checkpoint on Tuesday in Mogadishu."
    )
    places = by_place(extract(text, published="2024-05-10"))
    assert places["Mogadishu"].date_text == "on Tuesday"


def test_a_relatively_dated_act_has_date_evidence() -> None:
    text = (
        "Gunmen shot dead four traders at a cattle market in Baidoa, police said. "
        "The shooting came a day after a car bomb killed nine people at a checkpoint on Tuesday in Mogadishu."
    )
    baidoa = by_place(extract(text, published="2024-05-10"))["Baidoa"]
    assert baidoa.date == dt.date(2024, 5, 8)
    assert baidoa.date_text is not None
    assert any(ev.field == "date" for ev in baidoa.evidence)


def test_a_day_after_at_the_start_of_a_sentence_is_a_new_incident() -> None:
    text = (
        "A car bomb killed nine people at a checkpoint on Tuesday in Mogadishu, police said.\n\n"
        "A day after the Mogadishu bombing, gunmen shot dead four traders at a cattle market in Baidoa.\n\n"
        "Last Sunday, a grenade attack on a tea shop in Kismayo wounded seven people."
    )
    places = by_place(extract(text, published="2024-05-10"))
    assert set(places) == {"Baidoa", "Mogadishu", "Kismayo"}
    assert places["Mogadishu"].date == dt.date(2024, 5, 7)
    assert places["Baidoa"].date == dt.date(2024, 5, 8)
    assert places["Mogadishu"].killed is not None and places["Mogadishu"].killed.low == 9
    assert places["Baidoa"].killed is not None and places["Baidoa"].killed.low == 4


def test_relative_days_resolve_against_publication() -> None:
    assert single(
        "A bomb hidden in a cart exploded near a bus stop in Jalalabad yesterday, killing four passengers."
    ).date == dt.date(2024, 5, 7)
    assert single(
        "A bomb hidden in a cart exploded near a bus stop in Jalalabad today, killing four passengers."
    ).date == dt.date(2024, 5, 8)
    assert single(
        "Militants shelled the town of Dera Bugti overnight, wounding six residents."
    ).date == dt.date(2024, 5, 7)


def test_an_unknown_day_stays_unknown() -> None:
    inc = single(
        "Gunmen killed five villagers in a raid in Zamfara state, officials said. "
        "The attackers escaped into the bush."
    )
    assert inc.date is None, "never the publication date by default"
    assert inc.date_text is None
    assert inc.time_precision == 3
    assert inc.to_dict()["date"] is None


def test_last_month_gives_no_day() -> None:
    inc = single("Gunmen killed five villagers in a raid in Zamfara state last month, officials said.")
    assert inc.date is None
    assert inc.date_text == "last month"
    assert inc.time_precision == 3


def test_without_a_publication_date_a_weekday_is_not_guessed() -> None:
    inc = single(
        "A bomb hidden in a cart exploded near a bus stop in Jalalabad on Monday, killing four passengers.",
        published=None,
    )
    assert inc.date is None
    assert inc.date_text == "on Monday"
    assert inc.place == "Jalalabad"


def test_a_later_toll_replaces_the_first() -> None:
    inc = single(
        "A bomb hidden in a cart exploded near a bus stop in Jalalabad on Monday, killing four "
        "passengers. Two more victims died in hospital on Tuesday, raising the death toll to six."
    )
    assert inc.killed is not None
    assert (inc.killed.low, inc.killed.high) == (6, 6)
    assert inc.date == dt.date(2024, 5, 6)


def test_attackers_who_die_are_not_counted() -> None:
    inc = single(
        "Gunmen ambushed a police patrol in Karachi on Saturday, wounding two officers. "
        "Two gunmen were killed when officers returned fire."
    )
    assert inc.killed is None
    assert inc.wounded is not None and (inc.wounded.low, inc.wounded.high) == (2, 2)


# ---------------------------------------------------------------------------------------------
# Perpetrators and claims

CLAIMED_BOMBING = (
    "A suicide bomber set off his explosive vest at a livestock market in Mogadishu on Monday, "
    "killing 14 people and wounding 30 others. "
    "Al-Shabaab claimed responsibility for the bombing in a statement."
)
BLAMED = (
    "A bomb killed five people at a bus station in Kano on Friday. "
    "Officials blamed Boko Haram for the attack."
)


def test_a_claimed_bombing_names_the_group() -> None:
    inc = single(CLAIMED_BOMBING)
    assert inc.perpetrator is not None and inc.perpetrator.lower() == "al-shabaab"
    assert inc.claimed is True
    assert inc.claim_status == "claimed"
    assert inc.sub_event_type == "Suicide bomb"
    assert inc.killed is not None and inc.killed.low == 14
    assert inc.wounded is not None and inc.wounded.low == 30


def test_no_claim_is_unclaimed() -> None:
    inc = single(
        "A roadside bomb killed three soldiers near Maiduguri on Saturday. "
        "No group has claimed responsibility for the blast so far."
    )
    assert inc.perpetrator is None
    assert inc.claimed is False
    assert inc.claim_status == "unclaimed"
    assert inc.sub_event_type == "Remote explosive/landmine/IED"
    assert inc.weapon == "explosives"


def test_blaming_a_group_names_it_without_a_claim() -> None:
    inc = single(BLAMED)
    assert inc.perpetrator == "Boko Haram"
    assert inc.claimed is False
    assert inc.claim_status == "suspected"


@pytest.mark.parametrize(
    "text",
    [
        "A bomb killed five people at a bus station in Kano on Friday. The attack was blamed on Boko Haram.",
        "A bomb killed five people at a bus station in Kano on Friday, in an attack blamed on Boko Haram.",
    ],
)
def test_blamed_on_a_group_names_it(text: str) -> None:
    inc = single(text)
    assert inc.perpetrator == "Boko Haram"
    assert inc.claimed is False


def test_generic_gunmen_are_no_perpetrator() -> None:
    inc = single(
        "Gunmen on motorcycles killed eleven villagers in an attack on the village of Bakura "
        "in Zamfara state on Tuesday."
    )
    assert inc.perpetrator is None
    assert inc.perpetrator_aliases == ()
    assert inc.weapon == "firearms"
    assert inc.claimed is False


# ---------------------------------------------------------------------------------------------
# Event types


@pytest.mark.parametrize(
    ("text", "event_type", "sub_event_type", "weapon"),
    [
        (
            "A man threw a grenade into a crowded cafe in Quetta on Monday, wounding eight customers.",
            "Explosions/Remote violence",
            "Grenade",
            "explosives",
        ),
        (
            "An air strike hit a house in the northwestern city of Peshawar on Sunday, killing five people.",
            "Explosions/Remote violence",
            "Air/drone strike",
            "explosives",
        ),
        (
            "A suicide bomber detonated his vest at a mosque in Kabul on Friday, killing 21 worshippers.",
            "Explosions/Remote violence",
            "Suicide bomb",
            "explosives",
        ),
        (
            "Gunmen attacked an army patrol near Gao on Tuesday, killing four soldiers, the army said.",
            "Battles",
            "Armed clash",
            "firearms",
        ),
        (
            "Gunmen opened fire on a police checkpoint in Kandahar province on Thursday, killing three "
            "officers.",
            "Battles",
            "Armed clash",
            "firearms",
        ),
        (
            "Gunmen stormed a village near Gusau on Tuesday and shot dead eleven villagers, residents said.",
            "Violence against civilians",
            "Attack",
            "firearms",
        ),
        (
            "Armed men kidnapped 14 students from a school in Kaduna state on Monday, police said.",
            "Violence against civilians",
            "Abduction/forced disappearance",
            None,
        ),
    ],
    ids=[
        "grenade",
        "air-strike",
        "suicide-bomb",
        "soldiers-attacked",
        "police-attacked",
        "villagers-killed",
        "kidnapping",
    ],
)
def test_event_types(text: str, event_type: str, sub_event_type: str, weapon: str | None) -> None:
    inc = single(text)
    assert inc.event_type == event_type
    assert inc.sub_event_type == sub_event_type
    if weapon is not None:
        assert inc.weapon == weapon


# ---------------------------------------------------------------------------------------------
# Places


def test_a_city_resolves_to_a_town_with_coordinates() -> None:
    inc = single(
        "An air strike hit a house in the northwestern city of Peshawar on Sunday, killing five people."
    )
    d = inc.to_dict()
    assert d["place"] == "Peshawar"
    assert d["country"] == "PK"
    assert d["latitude"] is not None and d["longitude"] is not None
    assert 33 < d["latitude"] < 35 and 71 < d["longitude"] < 72.5
    assert d["geo_precision"] == 1


def test_a_province_resolves_to_its_country() -> None:
    inc = single(
        "Gunmen opened fire on a police checkpoint in Kandahar province on Thursday, killing three officers."
    )
    assert inc.place == "Kandahar province"
    assert inc.country == "AF"
    assert inc.to_dict()["geo_precision"] == 3


def test_all_caps_wire_copy_still_yields_the_incident() -> None:
    inc = single("GUNMEN KILLED FIVE POLICEMEN IN LAHORE ON MONDAY. THE ATTACKERS FLED ON MOTORCYCLES.")
    assert inc.killed is not None
    assert (inc.killed.low, inc.killed.high) == (5, 5)
    assert inc.country == "PK"
    assert inc.date == dt.date(2024, 5, 6)


# ---------------------------------------------------------------------------------------------
# Texts that report no incident

NOT_INCIDENTS = {
    "film-review": (
        "The film, which opens in cinemas on Friday, follows a detective in Lagos who is chasing the men "
        "behind "
        "a bombing that killed 30 people. The director cast unknown actors and the movie runs for two hours. "
        "Our verdict: tense, if overlong."
    ),
    "trial": (
        "A court in Nairobi on Tuesday adjourned the trial of three men accused of planning a bomb attack "
        "on a "
        "shopping centre. The defendants deny the charges."
    ),
    "threat": (
        "The group threatened to attack government offices in Maiduguri unless its jailed fighters were "
        "freed, "
        "in a video posted online on Monday."
    ),
    "foiled-plot": (
        "Police foiled a plot to bomb a church in Kano on Sunday and arrested four suspects, a spokesman "
        "said."
    ),
    "cumulative-toll": (
        "The conflict has killed thousands of people since 2015, according to United Nations figures "
        "released "
        "in Sanaa on Monday."
    ),
    "negation": (
        "Police in Quetta said no attack took place on Monday, dismissing social media reports of a blast "
        "near "
        "the railway station."
    ),
}


@pytest.mark.parametrize("text", NOT_INCIDENTS.values(), ids=NOT_INCIDENTS.keys())
def test_no_incident(text: str) -> None:
    assert [i.to_dict() for i in extract(text)] == []


def test_an_anniversary_is_no_incident() -> None:
    text = (
        "Schools in Peshawar closed on Monday as the city marked the tenth anniversary of the bombing. "
        "Families laid flowers at the gates."
    )
    assert [i.to_dict() for i in extract(text)] == []


# ---------------------------------------------------------------------------------------------
# Evidence

EVIDENCE_REPORTS = [
    "Gunmen shot dead six farmers at a market in the town of Gusau in Zamfara state on Tuesday, police said.",
    THREE_DAYS,
    CLAIMED_BOMBING,
    BLAMED,
    "GUNMEN KILLED FIVE POLICEMEN IN LAHORE ON MONDAY. THE ATTACKERS FLED ON MOTORCYCLES.",
    "Police said the attack happened late on Friday.\n\nA roadside bomb killed three soldiers near Maiduguri "
    "on Saturday. No group has claimed responsibility for the blast so far.",
]


@pytest.mark.parametrize("text", EVIDENCE_REPORTS)
def test_evidence_spans_are_the_text_they_point_to(text: str) -> None:
    found = extract(text, published="2024-05-10")
    assert found
    for inc in found:
        fields = [ev.field for ev in inc.evidence]
        assert fields.count("incident") == 1
        assert inc.evidence_sentence is not None
        for ev in inc.evidence:
            assert 0 <= ev.start < ev.end <= len(text)
            assert text[ev.start : ev.end] == ev.text
        d = inc.to_dict()
        assert d["evidence_text"] == inc.evidence_sentence
        for name, value in (
            ("killed", inc.killed),
            ("wounded", inc.wounded),
            ("place", inc.place),
            ("date", inc.date),
            ("perpetrator", inc.perpetrator),
        ):
            if value is not None:
                assert name in fields, f"{name} has a value but no evidence: {d}"


def test_evidence_offsets_survive_a_repeated_body() -> None:
    body = "A grenade attack on a tea shop in Kismayo on Sunday wounded seven people."
    text = "Somalia: blast in Kismayo\n\n" + body + "\n\n" + body
    for inc in extract(text):
        for ev in inc.evidence:
            assert text[ev.start : ev.end] == ev.text


def test_to_dict_has_the_guide_shape() -> None:
    d = single("A roadside bomb killed three soldiers near Maiduguri on Saturday.").to_dict()
    for key in (
        "event_type",
        "sub_event_type",
        "date",
        "date_text",
        "place",
        "place_aliases",
        "admin1",
        "country",
        "killed",
        "wounded",
        "perpetrator",
        "perpetrator_aliases",
        "claimed",
        "target_type",
        "weapon",
        "evidence",
    ):
        assert key in d
    assert d["killed"] == {"low": 3, "high": 3, "best": 3}
    assert d["date"] == "2024-05-04"
    assert d["country"] == "NG"
    assert d["target_type"] == "military"


# ---------------------------------------------------------------------------------------------
# Rankings, bulletins, dates inside figures


def test_a_superlative_is_no_tally() -> None:
    inc = single(
        "A suicide bomber killed 31 people at a wedding in Kunduz on Tuesday, the deadliest attack "
        "in the province in recent years, officials said."
    )
    assert inc.killed is not None and inc.killed.low == 31
    assert inc.date == dt.date(2024, 5, 7)


def test_the_rank_of_an_act_with_victims_is_no_tally() -> None:
    inc = single(
        "Unknown gunmen shot dead a local reporter in the town of Celaya on Monday, the fifth "
        "killing of a journalist in the state this year."
    )
    assert inc.killed is not None and inc.killed.low == 1
    assert inc.target_type == "journalists"


def test_a_tally_is_still_no_incident() -> None:
    assert extract("More than 300 people have been killed in the region since January, the UN said.") == []


def test_country_headings_of_a_bulletin_place_their_sections() -> None:
    text = (
        "Mali\n\n"
        "4 March Gunmen kidnapped two aid workers near a well outside the town, local officials said.\n\n"
        "Niger\n\n"
        "4 March Unidentified attackers kidnapped three teachers from a school, the ministry said.\n"
    )
    incidents = extract(text, published=None)
    assert sorted(i.country for i in incidents) == ["ML", "NE"]


def test_a_day_of_the_month_is_not_a_figure() -> None:
    inc = single("23 April Gunmen killed a village chief in Mandera County, police said.", published=None)
    assert inc.killed is not None and (inc.killed.low, inc.killed.high) == (1, 1)


def test_deaths_in_hospital_later_do_not_date_the_act() -> None:
    inc = single(
        "A roadside bomb killed three soldiers near Kirkuk on Monday. Two more soldiers died in hospital "
        "on Tuesday, raising the death toll to five."
    )
    assert inc.date == dt.date(2024, 5, 6)
    assert inc.killed is not None and inc.killed.low == 5


def test_the_day_of_a_toll_update_is_not_the_day_of_the_act() -> None:
    inc = single(
        "A car bomb tore through a market in Baghdad's Karrada district late on Sunday. The number of people "
        "killed in the bombing has risen to 41 on Tuesday, the health ministry said."
    )
    assert inc.date == dt.date(2024, 5, 5)
    assert inc.killed is not None and inc.killed.low == 41


def test_a_dateline_dates_a_lead_that_nothing_else_dates() -> None:
    inc = single(
        "KANO, May 6 (Example Wire) - Gunmen killed seven worshippers at a mosque in Kano, police said."
    )
    assert inc.date == dt.date(2024, 5, 6)


def test_a_dateline_gives_way_to_the_day_the_text_names() -> None:
    inc = single(
        "KANO, May 7 (Example Wire) - Gunmen killed seven worshippers at a mosque in Kano late on Sunday, "
        "police said on Tuesday."
    )
    assert inc.date == dt.date(2024, 5, 5)


def test_an_abbreviated_month_dates_the_act() -> None:
    # "Nov." ends no clause: the day stays with the act it dates.
    text = (
        "The death toll from the market bombing in Kano rose to 18, hospital staff said.\n\n"
        "A suicide bomber set off his vest in the crowded cattle market in Kano on Nov. 1."
    )
    [inc] = incidex.extract(text, published=dt.date(2019, 11, 4))
    assert (inc.date, inc.date_text, inc.killed.low) == (dt.date(2019, 11, 1), "on Nov. 1", 18)


def test_a_dated_dateline_does_not_place_the_act() -> None:
    # Where the report was filed, not where the act happened: one incident, at Gusau.
    text = (
        "Sokoto, Sept. 4, 2021: Nine traders were killed on Friday when bandits raided a cattle "
        "market.\n\nThe bandits rode into the market near Gusau on motorcycles, witnesses said."
    )
    [inc] = incidex.extract(text, published=dt.date(2021, 9, 4))
    assert (inc.place, inc.date, inc.killed.low) == ("Gusau", dt.date(2021, 9, 3), 9)


def test_a_namesake_is_looked_up_in_the_country_of_the_place_named_with_it() -> None:
    # Bare, "Hyderabad" is India's bigger city; named with Sindh province it is Pakistan's.
    text = (
        "A bomb went off on a commuter train in the city of Hyderabad in Sindh province on Sunday, "
        "killing six passengers."
    )
    [inc] = incidex.extract(text, published=dt.date(2018, 8, 14))
    d = inc.to_dict()
    assert (d["place"], d["country"], d["admin1"], d["geo_precision"]) == ("Hyderabad", "PK", "Sindh", 1)
    assert d["place_detail"] is None


def test_a_clock_time_does_not_cut_the_day_off_its_act() -> None:
    # "p.m." ends no clause when the time goes on ("9:15 p.m. local time Tuesday").
    text = (
        "Officers identified on Wednesday the man behind the blast at a union rally in Bristol.\n\n"
        "He set off a homemade bomb at about 9:15 p.m. local time Tuesday, killing six people, "
        "officers said on Wednesday."
    )
    [inc] = incidex.extract(text, published=dt.date(2019, 3, 6))
    assert (inc.date, inc.date_text, inc.killed.low) == (dt.date(2019, 3, 5), "Tuesday", 6)


def test_a_lone_incident_that_names_no_place_takes_the_place_the_report_leads_with() -> None:
    text = (
        "Smoke rose over the old bazaar of Gwadar, Pakistan, witnesses said.\n\n"
        "By the time the gun battle ended on Wednesday evening, at least seven people were dead, "
        "a police spokesman said."
    )
    [inc] = incidex.extract(text, published=dt.date(2019, 5, 9))
    d = inc.to_dict()
    assert (d["place"], d["country"], d["killed"]["low"]) == ("Gwadar", "PK", 7)
    assert any(e["field"] == "place" and e["text"] == "Gwadar" for e in d["evidence"])


def test_a_lead_place_is_not_lent_when_the_report_tells_several_acts() -> None:
    text = (
        "Violence flared across Balochistan, Pakistan, this week.\n\n"
        "A bomb killed four soldiers near Gwadar on Monday. On Tuesday gunmen killed two guards at a checkpoint."
    )
    places = sorted(str(i.place) for i in incidex.extract(text, published=dt.date(2019, 5, 9)))
    assert places == ["Gwadar", "None"]


def test_hours_after_a_new_act_is_another_incident_the_same_day() -> None:
    text = (
        "The kidnapping of 30 farm workers by gunmen near Gusau late Sunday came only hours after a "
        "bomb exploded at a busy motor park in Zaria, killing 12 people."
    )
    by = {i.place: i for i in incidex.extract(text, published=dt.date(2020, 6, 9))}
    assert set(by) == {"Gusau", "Zaria"}
    assert by["Gusau"].date == by["Zaria"].date == dt.date(2020, 6, 7)
    assert by["Zaria"].killed.low == 12 and by["Gusau"].killed is None


def test_hours_after_a_claim_is_the_same_incident() -> None:
    text = (
        "Officers identified on Wednesday the man behind the blast at a union rally in Bristol, hours "
        "after a small cell claimed responsibility for it.\n\nHe set off a homemade bomb on Tuesday "
        "night, killing six people, officers said."
    )
    [inc] = incidex.extract(text, published=dt.date(2019, 3, 6))
    assert (inc.place, inc.killed.low) == ("Bristol", 6)


def test_the_bombing_in_a_caption_does_not_turn_a_kidnapping_into_a_bombing() -> None:
    # a photo caption of another attack, past the lead
    text = (
        "Gunmen kidnapped 25 passengers from a bus near Biu on Saturday night, police said.\n\n"
        "The gunmen shot dead the driver.\n\n"
        "Relatives waited at the motor park on Sunday.\n\n"
        "The governor visiting the scene of the bombing, blamed on the same gang\n\n"
        "The police did not answer requests for comment."
    )
    [inc] = incidex.extract(text, published=dt.date(2020, 2, 10))
    assert (inc.event_type, inc.sub_event_type, inc.place) == (
        "Violence against civilians",
        "Abduction/forced disappearance",
        "Biu",
    )


def test_a_town_is_the_namesake_in_the_province_named_with_it() -> None:
    # Colombia has a Barbosa in Antioquia (the bigger) and one in Santander.
    [inc] = incidex.extract(
        "Gunmen shot dead a farmers' leader in Barbosa, Santander, on Monday, police said.",
        published=dt.date(2018, 8, 14),
    )
    d = inc.to_dict()
    assert (d["place"], d["admin1"], d["country"], d["geo_precision"]) == ("Barbosa", "Santander", "CO", 1)


def test_a_district_that_only_matches_a_town_abroad_gives_way_to_the_city_around_it() -> None:
    # "Husseiniya district" alone resolves to an Egyptian town; Baghdad frames it.
    inc = single(
        "A roadside bomb killed two people in the Husseiniya district in northern Baghdad on Sunday."
    )
    assert (inc.place, inc.country) == ("Baghdad", "IQ")


def test_an_unlocated_town_takes_the_country_of_the_places_named_with_it() -> None:
    # Hajin is also a Syrian town; Kashmir puts this one in India; Zirpora is not in the gazetteer.
    inc = single("A soldier was killed in a gunfight in Zirpora tehsil near Hajin, Kashmir, on Monday.")
    assert (inc.place, inc.country) == ("Zirpora tehsil", "IN")


def test_a_nationality_does_not_turn_a_known_town_into_a_namesake() -> None:
    inc = single("Three French aid workers were killed in a rocket attack near Deir ez-Zor on Monday.")
    assert (inc.place, inc.country) == ("Deir ez-Zor", "SY")


def test_a_town_beside_the_province_named_with_it_is_in_that_province_country() -> None:
    # GeoNames files the settlement under Israel; the report puts it in the West Bank.
    inc = single("Two guards were wounded by gunfire on Monday in Ariel, a settlement in the West Bank.")
    assert (inc.place, inc.country) == ("Ariel", "PS")
    assert inc.resolved_place is not None and inc.resolved_place.name == "Ariel"


def test_a_place_given_as_a_bearing_is_not_the_scene() -> None:
    inc = single(
        "Gunmen 30 km south of Kandahar city attacked a checkpoint in Panjwai district, killing two policemen."
    )
    assert (inc.place, inc.country) == ("Panjwai district", "AF")


def test_a_named_junction_is_a_place_of_its_own() -> None:
    inc = single(
        "An Israeli man was stabbed and wounded on Monday at the Tapuah Junction, south of Nablus in the West Bank."
    )
    assert (inc.place, inc.country) == ("Tapuah Junction", "PS")


def test_a_place_inside_a_possessive_town_is_not_its_namesake_abroad() -> None:
    # Salahuddin alone is an Iraqi province; Aleppo's Salahuddin is a quarter of Aleppo
    inc = single("Gunmen killed two men in Aleppo's Salahuddin district on Friday.")
    assert (inc.place, inc.country) == ("Aleppo", "SY")


def test_a_country_after_a_kind_word_is_still_only_the_country() -> None:
    # "district of Afghanistan" must not make Afghanistan as specific as a district
    inc = single("A bomb killed two men in a market in the Kunar district of Afghanistan on Friday.")
    assert (inc.place, inc.country) == ("Kunar", "AF")


def test_in_front_of_a_station_places_the_act_at_the_station_town() -> None:
    inc = single("A grenade wounded six people in front of the Yala railway station on Friday.")
    assert (inc.place, inc.country) == ("Yala", "TH")


def test_a_town_just_over_the_line_of_the_province_named_with_it_stands() -> None:
    # Ocaña lies in Norte de Santander, a short way from Santander proper
    inc = single("Rebels attacked a police post in the town of Ocaña, Santander, on Friday, killing a guard.")
    assert (inc.place, inc.country, inc.admin1) == ("Ocaña", "CO", "Norte de Santander")


def test_a_town_given_as_a_bearing_gives_way_to_the_province_named_with_it() -> None:
    inc = single("A roadside bomb killed two soldiers east of Samarra, Salahuddin province, on Monday.")
    assert (inc.place, inc.country) == ("Salahuddin province", "IQ")


def test_a_capitalised_article_after_a_lost_full_stop_is_not_part_of_the_name() -> None:
    inc = single("Two bombers blew themselves up at a market in Gwoza The explosions killed 16 people.")
    assert (inc.place, inc.country) == ("Gwoza", "NG")


def test_the_entrance_to_a_site_named_after_its_town_places_the_act_in_the_town() -> None:
    inc = single(
        "A mortar round killed two guards near the entrance to the Kirkuk General Hospital on Monday."
    )
    assert (inc.place, inc.country) == ("Kirkuk", "IQ")
    inc = single("A bomb killed two guards at the main gate of the Kabul airport on Monday.")
    assert (inc.place, inc.country) == ("Kabul", "AF")


def test_an_older_act_dated_by_month_and_year_is_its_own_incident() -> None:
    # the last sentence must not join the undated wedding-hall attack told before it
    text = (
        "Gunmen stormed a hotel in Kabul on Saturday and killed 18 guests, officials said.\n\n"
        "The raid came ten years after another attack on a wedding hall in the city. About 60 guests were "
        "killed.\n\nThe police chief said the gunmen had climbed over a back wall. Just as in May 2019 when a "
        "car bomb killed more than 30 people in Kabul, the group has kept silent."
    )
    found = extract(text, published="2023-06-10")
    assert (found[0].date, found[0].killed) == (dt.date(2023, 6, 10), Count(18, 18))
    assert sorted(i.killed.low for i in found if i.killed) == [18, 31, 60]
    older = next(i for i in found if i.killed == Count(31, None))
    assert (older.place, older.date) == ("Kabul", None)


def test_background_dated_only_by_a_year_is_no_incident() -> None:
    text = (
        "A car bomb killed seven people in Benghazi on Friday.\n\n"
        "Last month, twin bombs outside a mosque in Benghazi killed 20 people.\n\n"
        "The east has slid into war, rival militias fighting for ground after the old ruler was "
        "killed during the uprising in 2011."
    )
    found = extract(text, published="2018-05-25")
    assert sorted(i.killed.low for i in found if i.killed) == [7, 20]
    assert len(found) == 2


def test_a_site_named_after_its_town_places_an_act_told_without_a_preposition() -> None:
    inc = single("On Monday night Birmingham Arena was bombed as fans left a show, and nine people died.")
    assert (inc.place, inc.country, inc.event_type) == ("Birmingham", "GB", "Explosions/Remote violence")


def test_an_article_the_gazetteer_name_lacks_is_dropped_from_the_place() -> None:
    inc = single("Gunmen shot dead two policemen at a checkpoint in al-Arish, North Sinai, on Monday.")
    assert (inc.place, inc.country) == ("Arish", "EG")
    inc = single("A car bomb killed four soldiers in Al Bab on Monday.")
    assert inc.place == "Al Bab"  # GeoNames writes the article there too


def test_a_dam_named_after_its_town_is_located_by_the_town() -> None:
    inc = single("A roadside bomb killed three soldiers near the Mosul Dam on Monday.")
    assert (inc.place, inc.country) == ("Mosul", "IQ")


def test_the_teasers_of_a_listing_page_are_separate_stories() -> None:
    text = (
        "Bomb hits market in Kano\n\n"
        "A bomb tore through a market in Kano, killing 14 traders, police said. The governor said …\n\n"
        "Gunmen kill 3 in Kano mosque\n\n"
        "Gunmen opened fire in a mosque in Kano, killing three worshippers. Witnesses said the men …"
    )
    found = extract(text, published=None)
    assert sorted(i.killed.low for i in found if i.killed) == [3, 14]


def test_two_weekdays_are_two_days_even_without_a_publication_date() -> None:
    text = (
        "A car bomb killed 12 people at a checkpoint in Kabul on Saturday, officials said.\n\n"
        "On Friday evening a bomb hidden in a cart killed three people in Kabul."
    )
    found = extract(text, published=None)
    assert sorted(i.killed.low for i in found if i.killed) == [3, 12]


def test_the_old_city_of_a_town_is_that_town() -> None:
    # GeoNames lists an "Old City" of its own (in East Jerusalem); in a report it is part of a town
    inc = single("Three people were stabbed in the Old City of Hebron on Monday.")
    assert (inc.place, inc.country) == ("Hebron", "PS")
    inc = single("Two guards were stabbed in the Old City of Jerusalem's Christian Quarter on Monday.")
    assert (inc.place, inc.country) == ("Jerusalem", "IL")
