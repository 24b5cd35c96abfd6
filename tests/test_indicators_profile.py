"""Area profiles from the long table: every indicator with a value for the area, worse than England first, the
spread of areas of its kind, trends, themes, and an unknown area named with the closest the data has."""

from __future__ import annotations

import pytest
from conftest import FakeEmbedder, indicator_rows, indicator_table, matcher_of

from assistant.errors import JsnaError
from assistant.indicators import IndicatorMatcher
from assistant.indicators.profile import THEMES, trend_label
from assistant.present import profile_cells, profile_groups, profile_html, spine_html


def _matcher() -> IndicatorMatcher:
    falls = indicator_rows(
        "1",
        "Emergency admissions for falls in people aged 65 and over",
        "low_is_good",
        {
            ("Crawley", "2016/17"): (2100.0, 1900.0, 2300.0),
            ("Crawley", "2017/18"): (2400.0, 2200.0, 2600.0),
            ("Worthing", "2017/18"): (2900.0, 2700.0, 3100.0),
            ("Adur", "2017/18"): (1800.0, 1600.0, 2000.0),
            ("England", "2017/18"): (2170.0, 2160.0, 2180.0),
        },
    )
    smoking = indicator_rows(
        "2",
        "Smoking prevalence in adults",
        "low_is_good",
        {
            ("Crawley", "2017/18"): (12.0, 11.0, 13.0),
            ("Worthing", "2017/18"): (12.5, 10.0, 15.0),
            ("England", "2017/18"): (14.4, 14.2, 14.6),
        },
    )
    # Worthing only: not in Crawley's profile.
    only_worthing = indicator_rows("3", "Dental decay", "low_is_good", {("Worthing", "2017/18"): (30.0, 25.0, 35.0)})
    return matcher_of(falls + smoking + only_worthing)


def test_a_profile_holds_every_indicator_with_a_value_for_the_area_worse_than_england_first() -> None:
    profile = _matcher().profile("crawley", FakeEmbedder().embed)
    assert profile.area == "Crawley"
    names = [row.table.indicator_name for row in profile.rows]
    assert names == ["Emergency admissions for falls in people aged 65 and over", "Smoking prevalence in adults"]
    falls, smoking = profile.rows
    assert falls.worse and falls.table.comparison == "Worse" and falls.table.period == "2017/18"  # latest period
    assert smoking.table.comparison == "Better" and not smoking.worse
    assert falls.trend == "↑ up since the previous period" and smoking.trend == ""
    assert falls.spine is not None and (falls.spine.lowest, falls.spine.highest, falls.spine.areas) == (
        1800.0,
        2900.0,
        3,
    )
    assert smoking.spine is None  # two areas of its kind: too few for a spread
    assert {row.theme for row in profile.rows} <= {name for name, _ in THEMES}
    assert [heading for heading, _ in profile_groups(profile.rows)][0] == "Worse than England"


def test_an_unknown_area_is_an_error_naming_the_closest_areas() -> None:
    with pytest.raises(JsnaError) as raised:
        _matcher().profile("Crawly", FakeEmbedder().embed)
    assert "Crawly" in raised.value.message and "Crawley" in raised.value.advice


def test_areas_with_a_value_are_listed_england_last() -> None:
    assert _matcher().areas() == ["Adur", "Crawley", "Worthing", "England"]


def test_a_files_trend_statement_is_read_in_words_and_arrows() -> None:
    def said(statement: str) -> str:
        return trend_label(indicator_table(recent_trend=statement, trend=()))

    assert said("Since 2016, the rate in West Sussex has significantly improved.") == "↗ improving"
    assert said("Since 2016, the rate has not significantly changed.") == "→ no significant change"
    assert said("Increasing and getting worse") == "↘ getting worse"
    assert said("There are less than three data points available to explore trends") == ""


def test_the_profile_shows_comparisons_in_words_and_the_spine_has_a_text_alternative() -> None:
    profile = _matcher().profile("Crawley", FakeEmbedder().embed)
    falls = profile.rows[0]
    name, period, value, england, comparison, trend = profile_cells(falls)
    assert (period, value, england, comparison) == (
        "2017/18",
        "2,400 per 100,000 (95% CI 2,200 to 2,600)",
        "2,170 per 100,000",
        "Worse",
    )
    spine = spine_html(falls)
    assert 'role="img"' in spine and "range from 1,800 to 2,900 (3 areas); England 2,170" in spine
    page = profile_html(profile.rows)
    assert "<h3>Worse than England</h3>" in page and ">Worse</span>" in page and "<script" not in page
    escaped = profile_html([falls.__class__(indicator_table(indicator_name="<b>x</b>"), "Population")])
    assert "&lt;b&gt;x&lt;/b&gt;" in escaped


def test_a_profile_of_an_area_without_persons_figures_shows_each_sex() -> None:
    rows = indicator_rows("9", "Life expectancy at birth", "high_is_good", {("Crawley", "2019"): (80.0, 79.0, 81.0)})
    both = [dict(r, sex=sex) for r in rows for sex in ("Male", "Female")]
    profile = matcher_of(both).profile("Crawley", FakeEmbedder().embed)
    assert sorted(row.table.sex for row in profile.rows) == ["Female", "Male"]
