"""Areas: aliases, the areas a question names, the home area, counties' districts and wider areas."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import FakeEmbedder, ask, indicator_rows, matcher_of

from assistant.indicators import IndicatorMatcher, area_aliases
from assistant.indicators.gazetteer import Gazetteer


def test_area_aliases() -> None:
    assert "Brighton" in area_aliases("Brighton and Hove")
    assert {"Bournemouth", "Poole"} <= area_aliases("Bournemouth, Christchurch and Poole")
    assert "Bristol" in area_aliases("City of Bristol")
    assert "West" not in area_aliases("West Sussex")


def test_gazetteer_finds_areas_and_knows_how_they_nest() -> None:
    local = indicator_rows(
        "9",
        "Dementia diagnoses",
        "",
        {
            ("West Sussex", "2019"): (90, 80, 100),
            ("West Sussex", "2020"): (100, 90, 110),
            ("Adur", "2020"): (10, 9, 11),
            ("Arun", "2020"): (30, 28, 32),
        },
    )
    for row in local:
        row["source"], row["parent_name"] = "indicators/local.xlsx", ""
        row["area_type"] = "County & UA" if row["area_name"] == "West Sussex" else "District & UA"
    national = indicator_rows(
        "7",
        "Deaths from air pollution",
        "",
        {("Brighton and Hove", "2020"): (5.1, 5.0, 5.2), ("England", "2020"): (5.5, 5.4, 5.6)},
    )
    national[0]["area_type"], national[0]["parent_name"] = "County & UA", "South East"
    gazetteer = Gazetteer(pd.DataFrame(local + national))
    assert gazetteer.areas_in("dementia in Arun and Brighton compared with England") == ["Arun", "Brighton and Hove"]
    assert gazetteer.areas_in("dementia in England") == ["England"]
    found, rest = gazetteer.find("Dementia in Brighton")
    assert found == [(12, ["Brighton and Hove"])] and rest.split() == ["dementia", "in"]
    assert gazetteer.without_areas("Adur air pollution") == "     air pollution"
    assert gazetteer.home_area == "West Sussex"  # the county with most rows
    assert gazetteer.county_parts == {"West Sussex": {"Adur", "Arun"}}  # a local file's one county and its districts
    assert gazetteer.parents == {"Adur": "West Sussex", "Arun": "West Sussex", "Brighton and Hove": "South East"}


def test_area_in_question_and_home_area(index: IndicatorMatcher) -> None:
    assert index.areas_in("smoking in worthing and adur") == ["Worthing", "Adur"]
    assert index.home_area == "Crawley"  # the area with most rows answers when none is named
    question = "smoking prevalence"
    (table, *_) = index.tables(question, FakeEmbedder().embed([question])[0], k=1)
    assert table.area == "Crawley" and table.comparison == "Similar"
    assert np.isclose(table.value or 0, 18.0)


def test_an_alias_keeps_every_area_it_may_mean() -> None:
    rows = indicator_rows(
        "1", "Child mortality", "low_is_good", {("NHS Coastal West Sussex CCG", "2014"): (8.9, 5.7, 13.4)}
    )
    rows += indicator_rows(
        "2", "Children in poverty", "low_is_good", {("Coastal West Sussex CCG", "2016"): (12.0, 11.0, 13.0)}
    )
    index = matcher_of(rows)
    assert index.areas_in("child deaths Coastal West Sussex") == [
        "Coastal West Sussex CCG",
        "NHS Coastal West Sussex CCG",
    ]
    (table, *_) = ask(index, "child mortality Coastal West Sussex", k=1)
    assert table.area == "NHS Coastal West Sussex CCG"
