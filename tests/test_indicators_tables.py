"""Indicator tables: the comparison with England, the area's figures and trend, rankings, the wider area."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import FakeEmbedder, ask, indicator_rows, matcher_of

from assistant.indicators import IndicatorMatcher, catalogue_texts, compare
from assistant.indicators.gazetteer import Gazetteer
from assistant.indicators.match import catalogue
from assistant.indicators.tables import TableBuilder, as_float


@pytest.mark.parametrize(
    ("value", "lower", "upper", "england", "polarity", "expected"),
    [
        (9.1, 8.5, 9.7, 10.6, "high_is_good", "Worse"),
        (9.1, 8.5, 9.7, 10.6, "low_is_good", "Better"),
        (9.1, 8.5, 9.7, 9.5, "low_is_good", "Similar"),
        (12.0, 11.0, 13.0, 10.6, "high_is_good", "Better"),
        (12.0, 11.0, 13.0, 10.6, "low_is_good", "Worse"),
        (12.0, 11.0, 13.0, 10.6, "", "Higher"),
        (9.1, 8.5, 9.7, 10.6, "", "Lower"),
        (9.1, None, None, 10.6, "low_is_good", "Not compared (no confidence interval)"),
        (9.1, 8.5, 9.7, None, "low_is_good", "Not compared"),
    ],
)
def test_comparison_with_england(value, lower, upper, england, polarity, expected) -> None:  # type: ignore[no-untyped-def]
    assert compare(value, lower, upper, england, polarity) == expected


def test_as_float() -> None:
    assert (as_float("2.5"), as_float(3)) == (2.5, 3.0)
    assert as_float(float("nan")) is None and as_float("") is None and as_float(None) is None


def test_table_builder_answers_for_the_areas_from_the_entries_given() -> None:
    rows = indicator_rows(
        "1",
        "Smoking prevalence in adults",
        "low_is_good",
        {
            ("Adur", "2019"): (14.0, 12.0, 16.0),
            ("Adur", "2020"): (15.0, 13.0, 17.0),
            ("Arun", "2020"): (11.0, 10.0, 12.0),
            ("England", "2020"): (12.0, 11.9, 12.1),
        },
    )
    rows += indicator_rows("2", "Hip fractures", "low_is_good", {("Arun", "2020"): (5.0, 4.0, 6.0)})
    table = pd.DataFrame(rows)
    builder = TableBuilder(table, Gazetteer(table))
    entries = catalogue(table)
    (adur,) = builder.tables("smoking", ["Adur"], entries, k=3)  # hip fractures have no figure for Adur
    assert (adur.indicator_id, adur.area, adur.period) == ("1", "Adur", "2020")
    assert (adur.value, adur.lower_ci, adur.upper_ci, adur.england_value) == (15.0, 13.0, 17.0, 12.0)
    assert adur.comparison == "Worse" and adur.trend == (("2019", 14.0), ("2020", 15.0))
    assert adur.comparable == (("Arun", 11.0),) and adur.region == "West Sussex"
    assert [t.indicator_id for t in builder.tables("smoking", ["Arun"], entries.iloc[::-1], k=3)] == ["2", "1"]
    (top,) = builder.tables("which district has the lowest smoking rate", ["Adur"], entries.iloc[:1], k=1)
    assert top.area == "Arun" and top.ranking == (("Arun", 11.0), ("Adur", 15.0))


def test_value_ci_england_comparison_and_trend(index: IndicatorMatcher) -> None:
    question = "falls admissions older people in Crawley"
    (table, *_) = ask(index, question, k=1)
    assert (table.indicator_id, table.area, table.period) == ("1", "Crawley", "2017/18")
    assert (table.value, table.lower_ci, table.upper_ci, table.england_value) == (2400, 2200, 2600, 2170)
    assert table.comparison == "Worse"  # England lies below the interval and low is good
    assert [period for period, _ in table.trend] == ["2016/17", "2017/18"]
    assert dict(table.comparable) == {"Worthing": 2900, "Adur": 1800}


def test_ranking_question_sorts_the_areas(index: IndicatorMatcher) -> None:
    question = "which district has the highest smoking rate"
    (table, *_) = ask(index, question, k=1)
    assert table.indicator_id == "2"
    assert [area for area, _ in table.ranking] == ["Crawley", "Worthing"]


def test_england_named_as_benchmark_means_the_home_area(index: IndicatorMatcher) -> None:
    question = "falls admissions compared with England"
    (table, *_) = ask(index, question, k=1)
    assert table.area == "Crawley" and table.england_value == 2170
    assert index.areas_in("falls in England") == ["England"]


def test_rankings_learn_a_countys_districts_and_respect_the_area_kind() -> None:
    local = indicator_rows(
        "9",
        "Dementia diagnoses",
        "",
        {
            ("West Sussex", "2020"): (100, 90, 110),
            ("Adur", "2020"): (10, 9, 11),
            ("Arun", "2020"): (30, 28, 32),
        },
    )
    national = indicator_rows(
        "7",
        "Deaths from air pollution",
        "low_is_good",
        {
            ("Adur", "2020"): (5.1, 5.0, 5.2),
            ("Arun", "2020"): (5.6, 5.5, 5.7),
            ("Newham", "2020"): (7.5, 7.4, 7.6),
            ("Surrey", "2020"): (5.3, 5.2, 5.4),  # a national file holds many counties
            ("West Sussex", "2020"): (5.4, 5.3, 5.5),
            ("England", "2020"): (5.5, 5.4, 5.6),
        },
    )
    for row in local:
        row["source"] = "indicators/local.xlsx"
    for row in national:
        row["parent_name"] = ""
    for row in local + national:
        if row["area_name"] in ("West Sussex", "Surrey"):
            row["area_type"] = "County & UA"
    table = pd.DataFrame(local + national)
    index = IndicatorMatcher(table, FakeEmbedder().embed(catalogue_texts(table)))
    assert index.county_parts == {"West Sussex": {"Adur", "Arun"}}
    question = "which West Sussex district has the most deaths from air pollution"
    (top, *_) = ask(index, question, k=1)
    assert top.area == "Arun"  # Newham has more, but is not in West Sussex
    assert [area for area, _ in top.ranking] == ["Arun", "Adur"]


def _county_file() -> list[dict]:  # type: ignore[type-arg]
    """A local file that shows West Sussex is made of Adur and Arun."""
    rows = indicator_rows(
        "9", "Dementia diagnoses", "", {("West Sussex", "2020"): (100, 90, 110), ("Adur", "2020"): (10, 9, 11)}
    )
    rows += indicator_rows("9", "Dementia diagnoses", "", {("Arun", "2020"): (30, 28, 32)})
    for row in rows:
        row["source"] = "indicators/local.xlsx"
        row["parent_name"] = ""
        row["area_type"] = "County & UA" if row["area_name"] == "West Sussex" else "District & UA"
    return rows


def test_ranking_over_a_district_file_that_lacks_the_county_itself() -> None:
    districts = indicator_rows(
        "5",
        "Smoking prevalence in adults",
        "low_is_good",
        {
            ("Adur", "2019"): (17.7, 7.3, 28.1),
            ("Arun", "2019"): (12.0, 9.0, 15.0),
            ("Newham", "2019"): (20.0, 18.0, 22.0),
        },
    )
    for row in districts:
        row["source"], row["parent_name"], row["area_type"] = "indicators/lower-tier.csv", "", "District & UA"
    index = matcher_of(_county_file() + districts)
    (top, *_) = ask(index, "which West Sussex district has the highest smoking rate", k=1)
    assert (top.indicator_id, top.area) == ("5", "Adur")  # Newham is higher, but not in West Sussex
    assert [area for area, _ in top.ranking] == ["Adur", "Arun"]
    (longest, *_) = ask(index, "in which West Sussex district do people live with dementia longest", k=1)
    assert longest.ranking  # "longest" asks for a ranking too


def test_ranking_of_wards_in_a_file_named_after_its_borough() -> None:
    wards = indicator_rows(
        "4",
        "Life expectancy at birth",
        "high_is_good",
        {("Hale Barns", ""): (86.9, 86, 88), ("Stretford", ""): (80.1, 79, 81)},
    )
    for row in wards:
        row["source"], row["parent_name"], row["area_type"] = "indicators/trafford-ward-le.csv", "", "Ward"
    others = indicator_rows("4", "Life expectancy at birth", "high_is_good", {("Trafford", "2020"): (82.0, 81, 83)})
    for row in others:
        row["source"], row["parent_name"] = "indicators/boroughs.csv", ""
    index = matcher_of(wards + others)
    (top, *_) = ask(index, "which Trafford ward has the highest life expectancy", k=1)
    assert top.area == "Hale Barns" and [a for a, _ in top.ranking] == ["Hale Barns", "Stretford"]


def test_the_wider_area_answers_with_a_note_when_a_file_lacks_the_district() -> None:
    county_only = indicator_rows(
        "6",
        "HPV vaccination coverage",
        "high_is_good",
        {("West Sussex", "2018"): (84.0, 83.0, 85.0), ("England", "2018"): (83.8, 83.7, 83.9)},
    )
    for row in county_only:
        row["source"], row["parent_name"] = "indicators/upper-tier.csv", ""
    index = matcher_of(_county_file() + county_only)
    tables = ask(index, "HPV vaccination coverage Adur")
    hpv = next(t for t in tables if t.indicator_id == "6")
    assert hpv.area == "West Sussex" and "No figure for Adur" in hpv.note
    (dementia, *_) = ask(index, "dementia diagnoses Adur", k=1)
    assert (dementia.area, dementia.note) == ("Adur", "")  # Adur's own figure needs no note
