"""Stale evidence: a passage's figure for a period the data has overtaken gets the newer figure, never another
measure's or another area's."""

from __future__ import annotations

from conftest import indicator_rows, matcher_of

from assistant.indicators import IndicatorMatcher
from assistant.indicators.stale import span

FALLS = "Emergency admissions for falls in people aged 65 and over"
SAID = "In 2016/17 there were 2,100 emergency admissions for falls per 100,000 people aged 65 and over in Crawley."


def falls(**extra: tuple[float, float, float]) -> IndicatorMatcher:
    values = {
        ("Crawley", "2016/17"): (2100, 1900, 2300),
        ("Crawley", "2017/18"): (2400, 2200, 2600),
        ("Worthing", "2017/18"): (2900, 2700, 3100),
        ("England", "2016/17"): (2100, 2090, 2110),
        ("England", "2017/18"): (2170, 2160, 2180),
    }
    return matcher_of(indicator_rows("1", FALLS, "low_is_good", values) + smoking())


def smoking() -> list[dict]:  # type: ignore[type-arg]
    return indicator_rows("2", "Smoking prevalence in adults", "low_is_good", {("Crawley", "2016/17"): (14.6, 12, 17)})


def test_a_figure_the_data_holds_for_an_older_period_gets_the_newest() -> None:
    [note] = falls().newer(f"Falls are the commonest cause of injury. {SAID}")
    assert (note.quoted, note.quoted_period, note.sentence) == ("2,100", "2016/17", SAID)
    table = note.table
    assert (table.indicator_name, table.area, table.period, table.value) == (FALLS, "Crawley", "2017/18", 2400)
    assert note.to_dict()["period"] == "2017/18" and note.to_dict()["quoted"] == "2,100"


def test_never_for_another_area_another_measure_or_another_figure() -> None:
    matcher = falls()
    assert matcher.newer(SAID.replace("Crawley", "Worthing")) == []  # Worthing's 2016/17 figure is not 2,100
    assert matcher.newer(SAID.replace("emergency admissions for falls", "smoking quit attempts")) == []
    assert matcher.newer(SAID.replace("2,100", "2,150")) == []
    assert matcher.newer(SAID.replace("2016/17", "2015/16")) == []  # no row for that period holds it
    # Smoking has a 2016/17 figure for Crawley but nothing newer.
    assert matcher.newer("In 2016/17, 14.6% of adults in Crawley were smoking: smoking prevalence in adults.") == []


def test_a_sentence_that_goes_on_to_the_newer_period_needs_no_note() -> None:
    said = f"{FALLS} in Crawley rose from 2,100 in 2016/17 to 2,400 in 2017/18."
    assert falls().newer(said) == []


def test_the_area_comes_from_the_passage_or_document_when_the_sentence_names_none() -> None:
    said = SAID.replace(" in Crawley", "")
    assert falls().newer(said, about="Falls in Crawley: a briefing")[0].table.area == "Crawley"
    assert falls().newer(f"Crawley district profile. {said}")[0].table.area == "Crawley"


def test_tables_read_as_text_and_several_places_figures_are_left_alone() -> None:
    table = "Falls admissions 2016/17: Crawley 2,100 Worthing 2,700 Adur 1,800 Horsham 1,700 Arun 2,000 England 2,100"
    assert falls().newer(table) == []
    both = "In 2016/17 emergency admissions for falls were 2,100 in Crawley and 2,700 in Worthing."
    assert falls().newer(both) == []


def test_a_breakdown_is_not_taken_for_the_total() -> None:
    rows = indicator_rows(
        "1", FALLS, "low_is_good", {("Crawley", "2016/17"): (2000, 1, 2), ("Crawley", "2017/18"): (2400, 1, 2)}
    )
    breakdown = indicator_rows("1", FALLS, "low_is_good", {("Crawley", "2016/17"): (2100, 1, 2)})
    breakdown[0]["category"] = "Aged 80 and over"
    assert matcher_of(rows + breakdown).newer(SAID) == []


def test_a_newer_period_in_another_file_of_the_same_indicator_counts() -> None:
    older = indicator_rows("1", FALLS, "low_is_good", {("Crawley", "2016/17"): (2100, 1900, 2300)})
    newer = indicator_rows("1", FALLS, "low_is_good", {("Crawley", "2019/20"): (2500, 2300, 2700)})
    for row in newer:
        row["source"] = "indicators/newer.csv"
    [note] = matcher_of(older + newer).newer(SAID)
    assert (note.table.period, note.table.value, note.table.source) == ("2019/20", 2500, "indicators/newer.csv")


def test_periods_span_their_years() -> None:
    assert span("2016/17") == (2016, 2017)
    assert span("2014 - 16") == (2014, 2016)
    assert span("2012 to 2014") == (2012, 2014)
    assert span("") is None
