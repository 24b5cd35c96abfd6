"""The gazetteer: which places a text names, and which belong together, for any English council."""

from __future__ import annotations

import csv

from assistant.places import GAZETTEER, as_named, place_group, places_in, renamed, within

TYPES = {"county", "ceremonial county", "metropolitan county", "london", "unitary", "district", "area", "health area"}


def test_places_are_found_in_any_case_longest_first_and_each_once() -> None:
    assert places_in("obesity in mid sussex and Crawley") == ["Mid Sussex", "Crawley"]
    assert places_in("obesity in England and the South East") == []  # comparators, not places asked about
    assert places_in("smoking in Charnwood compared with Leicestershire") == ["Leicestershire", "Charnwood"]
    assert places_in("West Sussex, and West Sussex again") == ["West Sussex"]  # not also "Sussex"
    assert places_in("Newcastle upon Tyne and newcastle-under-lyme") == ["Newcastle-under-Lyme", "Newcastle upon Tyne"]


def test_a_place_that_is_also_an_everyday_word_counts_only_capitalised() -> None:
    assert places_in("reading age of children in bury") == []
    assert places_in("children's reading in Reading and Bury") == ["Reading", "Bury"]


def test_places_as_people_type_them_are_written_as_the_gazetteer_names_them() -> None:
    assert as_named("smoking in W Sussex and e. sussex") == "smoking in West Sussex and East Sussex"
    assert as_named("carers in Mid-Sussex, Bognor and Brighton & Hove") == (
        "carers in Mid Sussex, Bognor Regis and Brighton and Hove"
    )
    assert as_named("Stoke on Trent and Southend") == "Stoke-on-Trent and Southend-on-Sea"
    assert as_named("Crawleys figures") == "Crawley figures"  # a possessive typed without its apostrophe
    for kept in (
        "falls in Bognor Regis and mid sussex",  # a name as the gazetteer writes it, in any case, stays as typed
        "Kingston",  # two places' short form (upon Hull, upon Thames)
        "it's Norfolk",  # not "it'South Norfolk"
        "reading in Reading",
        "he burys it",  # an everyday word's forms are not a place's
    ):
        assert as_named(kept) == kept


def test_the_places_written_otherwise_are_listed_for_the_reader() -> None:
    assert renamed("smoking in W Sussex, Bognor and west sussex, Crawley") == (
        ("W Sussex", "West Sussex"),
        ("Bognor", "Bognor Regis"),
    )  # not a name as the gazetteer writes it, in whatever case


def test_a_place_belongs_with_its_county_and_the_county_s_other_places() -> None:
    crawley = place_group("Crawley")
    assert {"West Sussex", "Horsham", "Bognor Regis", "Sussex"} <= crawley
    assert not {"Kent", "Brighton and Hove", "Charnwood"} & crawley
    assert {"Leicestershire", "Charnwood", "Melton"} <= place_group("Leicester")  # a city within its county
    assert {"Greater Manchester", "Manchester", "Stretford"} <= place_group("Trafford")
    assert {"West Sussex", "East Sussex", "Brighton and Hove"} <= place_group("Sussex")
    assert place_group("Atlantis") == {"Atlantis"}


def test_a_place_lies_within_its_ancestors_not_its_descendants_or_neighbours() -> None:
    assert within("Worthing", ["West Sussex"]) and within("Bognor Regis", ["Arun"]) and within("Adur", ["Adur"])
    assert not within("West Sussex", ["Worthing"])  # a county's figure is not a district's
    assert not within("Crawley", ["Horsham"]) and not within("England", ["Crawley"]) and not within("Crawley", [])


def test_the_gazetteer_is_whole() -> None:
    with GAZETTEER.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    names = [row["name"] for row in rows]
    assert len(names) == len(set(names))
    assert {row["type"] for row in rows} <= TYPES | {"town", "prison"}
    for row in rows:
        assert all(parent in names for parent in row["within"].split("|") if parent), row
    districts = [row for row in rows if row["type"] == "district"]
    assert len(districts) >= 190 and all(row["within"] for row in districts)
    counties = {row["name"] for row in rows if row["type"] == "county"}
    assert {row["within"] for row in districts} == counties  # every county has its districts
