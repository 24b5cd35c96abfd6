"""Indicator answers: the comparison with England, area aliases, matching and ranking over a small table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import FakeEmbedder

from assistant.indicators import IndicatorMatcher, area_aliases, catalogue_texts, compare

NAN = float("nan")


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


def test_area_aliases() -> None:
    assert "Brighton" in area_aliases("Brighton and Hove")
    assert {"Bournemouth", "Poole"} <= area_aliases("Bournemouth, Christchurch and Poole")
    assert "Bristol" in area_aliases("City of Bristol")
    assert "West" not in area_aliases("West Sussex")


def _rows(indicator: str, name: str, polarity: str, values: dict[tuple[str, str], tuple[float, float, float]]):  # type: ignore[no-untyped-def]
    out = []
    for (area, period), (value, lower, upper) in values.items():
        area_type = "England" if area == "England" else "District"
        out.append(
            dict(
                indicator_id=indicator,
                indicator_name=name,
                definition="",
                unit="per 100,000",
                area_code="",
                area_name=area,
                area_type=area_type,
                parent_code="",
                parent_name="West Sussex" if area != "England" else "",
                sex="Persons",
                age="All ages",
                category="",
                period=period,
                value=value,
                lower_ci=lower,
                upper_ci=upper,
                count=NAN,
                denominator=NAN,
                compared_to_england="",
                compared_to_region="",
                trend="",
                polarity=polarity,
                source="indicators/test.csv",
            )
        )
    return out


@pytest.fixture
def index() -> IndicatorMatcher:
    rows = _rows(
        "1",
        "Emergency admissions for falls in people aged 65 and over",
        "low_is_good",
        {
            ("Crawley", "2016/17"): (2100, 1900, 2300),
            ("Crawley", "2017/18"): (2400, 2200, 2600),
            ("Worthing", "2017/18"): (2900, 2700, 3100),
            ("Adur", "2017/18"): (1800, 1600, 2000),
            ("England", "2017/18"): (2170, 2160, 2180),
        },
    ) + _rows(
        "2",
        "Smoking prevalence in adults",
        "low_is_good",
        {
            ("Crawley", "2017/18"): (18.0, 14.0, 22.0),
            ("Worthing", "2017/18"): (12.0, 10.0, 14.0),
            ("England", "2017/18"): (14.4, 14.2, 14.6),
        },
    )
    table = pd.DataFrame(rows)
    embedder = FakeEmbedder()
    return IndicatorMatcher(table, embedder.embed(catalogue_texts(table)))


def test_value_ci_england_comparison_and_trend(index: IndicatorMatcher) -> None:
    question = "falls admissions older people in Crawley"
    (table, *_) = index.tables(question, FakeEmbedder().embed([question])[0], k=1)
    assert (table.indicator_id, table.area, table.period) == ("1", "Crawley", "2017/18")
    assert (table.value, table.lower_ci, table.upper_ci, table.england_value) == (2400, 2200, 2600, 2170)
    assert table.comparison == "Worse"  # England lies below the interval and low is good
    assert [period for period, _ in table.trend] == ["2016/17", "2017/18"]
    assert dict(table.comparable) == {"Worthing": 2900, "Adur": 1800}


def test_ranking_question_sorts_the_areas(index: IndicatorMatcher) -> None:
    question = "which district has the highest smoking rate"
    (table, *_) = index.tables(question, FakeEmbedder().embed([question])[0], k=1)
    assert table.indicator_id == "2"
    assert [area for area, _ in table.ranking] == ["Crawley", "Worthing"]


def test_area_in_question_and_home_area(index: IndicatorMatcher) -> None:
    assert index.areas_in("smoking in worthing and adur") == ["Worthing", "Adur"]
    assert index.home_area == "Crawley"  # the area with most rows answers when none is named
    question = "smoking prevalence"
    (table, *_) = index.tables(question, FakeEmbedder().embed([question])[0], k=1)
    assert table.area == "Crawley" and table.comparison == "Similar"
    assert np.isclose(table.value or 0, 18.0)


def test_england_named_as_benchmark_means_the_home_area(index: IndicatorMatcher) -> None:
    question = "falls admissions compared with England"
    (table, *_) = index.tables(question, FakeEmbedder().embed([question])[0], k=1)
    assert table.area == "Crawley" and table.england_value == 2170
    assert index.areas_in("falls in England") == ["England"]


def test_rankings_learn_a_countys_districts_and_respect_the_area_kind() -> None:
    local = _rows(
        "9",
        "Dementia diagnoses",
        "",
        {
            ("West Sussex", "2020"): (100, 90, 110),
            ("Adur", "2020"): (10, 9, 11),
            ("Arun", "2020"): (30, 28, 32),
        },
    )
    national = _rows(
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
    (top, *_) = index.tables(question, FakeEmbedder().embed([question])[0], k=1)
    assert top.area == "Arun"  # Newham has more, but is not in West Sussex
    assert [area for area, _ in top.ranking] == ["Arun", "Adur"]


def _index_of(rows: list[dict]) -> IndicatorMatcher:  # type: ignore[type-arg]
    table = pd.DataFrame(rows)
    return IndicatorMatcher(table, FakeEmbedder().embed(catalogue_texts(table)))


def _ask(index: IndicatorMatcher, question: str, k: int = 3) -> list:  # type: ignore[type-arg]
    return index.tables(question, FakeEmbedder().embed([question])[0], k=k)


def _county_file() -> list[dict]:  # type: ignore[type-arg]
    """A local file that shows West Sussex is made of Adur and Arun."""
    rows = _rows(
        "9", "Dementia diagnoses", "", {("West Sussex", "2020"): (100, 90, 110), ("Adur", "2020"): (10, 9, 11)}
    )
    rows += _rows("9", "Dementia diagnoses", "", {("Arun", "2020"): (30, 28, 32)})
    for row in rows:
        row["source"] = "indicators/local.xlsx"
        row["parent_name"] = ""
        row["area_type"] = "County & UA" if row["area_name"] == "West Sussex" else "District & UA"
    return rows


def test_ranking_over_a_district_file_that_lacks_the_county_itself() -> None:
    districts = _rows(
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
    index = _index_of(_county_file() + districts)
    (top, *_) = _ask(index, "which West Sussex district has the highest smoking rate", k=1)
    assert (top.indicator_id, top.area) == ("5", "Adur")  # Newham is higher, but not in West Sussex
    assert [area for area, _ in top.ranking] == ["Adur", "Arun"]
    (longest, *_) = _ask(index, "in which West Sussex district do people live with dementia longest", k=1)
    assert longest.ranking  # "longest" asks for a ranking too


def test_ranking_of_wards_in_a_file_named_after_its_borough() -> None:
    wards = _rows(
        "4",
        "Life expectancy at birth",
        "high_is_good",
        {("Hale Barns", ""): (86.9, 86, 88), ("Stretford", ""): (80.1, 79, 81)},
    )
    for row in wards:
        row["source"], row["parent_name"], row["area_type"] = "indicators/trafford-ward-le.csv", "", "Ward"
    others = _rows("4", "Life expectancy at birth", "high_is_good", {("Trafford", "2020"): (82.0, 81, 83)})
    for row in others:
        row["source"], row["parent_name"] = "indicators/boroughs.csv", ""
    index = _index_of(wards + others)
    (top, *_) = _ask(index, "which Trafford ward has the highest life expectancy", k=1)
    assert top.area == "Hale Barns" and [a for a, _ in top.ranking] == ["Hale Barns", "Stretford"]


def test_the_wider_area_answers_with_a_note_when_a_file_lacks_the_district() -> None:
    county_only = _rows(
        "6",
        "HPV vaccination coverage",
        "high_is_good",
        {("West Sussex", "2018"): (84.0, 83.0, 85.0), ("England", "2018"): (83.8, 83.7, 83.9)},
    )
    for row in county_only:
        row["source"], row["parent_name"] = "indicators/upper-tier.csv", ""
    index = _index_of(_county_file() + county_only)
    tables = _ask(index, "HPV vaccination coverage Adur")
    hpv = next(t for t in tables if t.indicator_id == "6")
    assert hpv.area == "West Sussex" and "No figure for Adur" in hpv.note
    (dementia, *_) = _ask(index, "dementia diagnoses Adur", k=1)
    assert (dementia.area, dementia.note) == ("Adur", "")  # Adur's own figure needs no note


def test_an_alias_keeps_every_area_it_may_mean() -> None:
    rows = _rows("1", "Child mortality", "low_is_good", {("NHS Coastal West Sussex CCG", "2014"): (8.9, 5.7, 13.4)})
    rows += _rows("2", "Children in poverty", "low_is_good", {("Coastal West Sussex CCG", "2016"): (12.0, 11.0, 13.0)})
    index = _index_of(rows)
    assert index.areas_in("child deaths Coastal West Sussex") == [
        "Coastal West Sussex CCG",
        "NHS Coastal West Sussex CCG",
    ]
    (table, *_) = _ask(index, "child mortality Coastal West Sussex", k=1)
    assert table.area == "NHS Coastal West Sussex CCG"
