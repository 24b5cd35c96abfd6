"""The long table's schema: its columns and vocabularies, and finish(), which every reader ends with."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import check_indicator_schema

from assistant.indicators.schema import comparison, empty_table, finish, polarity


def test_finish_turns_any_columns_into_the_long_table() -> None:
    frame = pd.DataFrame(
        {
            "area_name": ["Adur", "Arun", ""],
            "area_code": ["E07000223", "E07000224", ""],
            "value": ["1,234.5", "NA", "3"],
            "sex": ["females", "", "m"],
            "compared_to_england": ["Worse 95%", "Not compared", ""],
            "polarity": ["RAG - Low is good", "", ""],
            "period": ["2019.0", "2020", "2021"],
        }
    )
    table = finish(frame, "indicators/smoking.csv", default_name="Smoking prevalence (%)")
    check_indicator_schema(table)
    assert list(table["area_name"]) == ["Adur", "Arun"]  # a row with no area, code or category is no row
    adur, arun = table.iloc[0], table.iloc[1]
    assert adur["value"] == 1234.5 and math.isnan(arun["value"])
    assert (adur["sex"], arun["sex"]) == ("Female", "Persons")
    assert (adur["compared_to_england"], arun["compared_to_england"]) == ("Worse", "")
    assert (adur["polarity"], adur["period"]) == ("low_is_good", "2019")
    assert set(table["area_type"]) == {"District & UA"}  # from the area codes
    assert set(table["indicator_name"]) == {"Smoking prevalence (%)"} and set(table["unit"]) == {"%"}
    assert set(table["indicator_id"]) == {"smoking-prevalence-percent"}
    assert set(table["source"]) == {"indicators/smoking.csv"}


def test_a_confidence_limit_listed_as_an_indicator_of_its_own_is_no_indicator() -> None:
    """The 2018 child health profile's Data sheet lists "LCLsmoke" and "UCLsmoke" in rows of their own."""
    names = ["% smoking at time of delivery", "LCLsmoke", "UCL_book", "Lower CI 95.0 limit", "Upper limb fractures"]
    frame = pd.DataFrame({"indicator_name": names, "area_name": "West Sussex", "value": "0.1"})
    table = finish(frame, "indicators/profile.xlsx#Data", default_name="")
    assert list(table["indicator_name"]) == ["% smoking at time of delivery", "Upper limb fractures"]


def test_empty_table_has_the_columns_and_types() -> None:
    check_indicator_schema(empty_table())


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Better 95%", "Better"),
        ("Worse 95%", "Worse"),
        ("Similar", "Similar"),
        ("Not compared", ""),
        ("Significantly lower", "Lower"),
        ("Higher 99.8", "Higher 99.8"),  # another confidence level: kept in the file's words
        ("", ""),
    ],
)
def test_comparison_wording(given: str, expected: str) -> None:
    assert comparison(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("RAG - High is good", "high_is_good"),
        ("RAG - Low is good", "low_is_good"),
        ("BOB - Blue orange blue", ""),
        ("Higher is better", "high_is_good"),
        ("Not applicable", ""),
    ],
)
def test_polarity_wording(given: str, expected: str) -> None:
    assert polarity(given) == expected
