"""Table relevance: a table is shown only when it measures what is asked; the place alone never makes it so."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import FakeEmbedder, indicator_rows

import assistant.indicators.relevance as relevance
from assistant.calibrated import LogisticModel
from assistant.indicators import IndicatorMatcher, _own_first, catalogue_texts
from assistant.indicators.relevance import FEATURES, MODEL_PATH, shipped_model
from assistant.text import years_in

FALLS = "Emergency admissions for falls in people aged 65 and over"
POPULATION = "Resident population"


def _rows() -> list[dict]:  # type: ignore[type-arg]
    falls = indicator_rows(
        "1",
        FALLS,
        "low_is_good",
        {("Crawley", "2017/18"): (2400, 2200, 2600), ("England", "2017/18"): (2170, 2160, 2180)},
    )
    population = indicator_rows("2", POPULATION, "", {("Crawley", "2017/18"): (112000, 111000, 113000)})
    smoking = indicator_rows("3", "Smoking prevalence in adults", "low_is_good", {("Crawley", "2017/18"): (18, 14, 22)})
    return falls + population + smoking


def _matcher(embed=None) -> IndicatorMatcher:  # type: ignore[no-untyped-def]
    table = pd.DataFrame(_rows())
    return IndicatorMatcher(table, (embed or FakeEmbedder().embed)(catalogue_texts(table)))


def _shown(matcher: IndicatorMatcher, question: str, embed=None) -> list[str]:  # type: ignore[no-untyped-def]
    vector = (embed or FakeEmbedder().embed)([question])[0]
    return [t.indicator_name for t in matcher.tables(question, vector)]


def test_the_shipped_model_loads_with_the_documented_features() -> None:
    model = shipped_model()
    assert model.features == FEATURES
    doc = relevance.__doc__ or ""
    assert all(f"``{name}``" in doc for name in relevance.ALL_FEATURES)  # each feature is documented
    assert 0.0 < model.threshold < 1.0 and "cross-validated" in model.note
    assert len(model.coef) == len(model.mean) == len(model.scale) == len(FEATURES)
    assert json.loads(MODEL_PATH.read_text(encoding="utf-8"))["features"] == list(FEATURES)
    weight = dict(zip(model.features, model.coef, strict=True))
    assert weight["similarity"] > 0 and weight["question_cover"] > 0 and weight["asks_other"] < 0


def test_a_table_for_the_place_but_not_the_measure_is_not_shown() -> None:
    matcher = _matcher()
    vector = FakeEmbedder().embed(["hip fractures in Crawley"])[0]
    (falls, *_) = [
        c for c in matcher.candidates("hip fractures in Crawley", vector) if c.table.indicator_id == "1"
    ] or [None]
    if falls is not None:  # the matcher may offer it for the place: its features say the measure is not asked
        assert falls.features["area_named"] == 1.0 and falls.features["question_cover"] == 0.0
    assert _shown(matcher, "hip fractures in Crawley") == []
    assert _shown(matcher, "how many weight loss operations were done in Crawley") == []
    assert _shown(matcher, "which bus goes to Gatwick") == []


def test_the_right_measure_is_shown_first() -> None:
    matcher = _matcher()
    assert _shown(matcher, "emergency admissions for falls in people aged 65 and over in Crawley")[0] == FALLS
    assert _shown(matcher, "resident population of Crawley")[0] == POPULATION


@pytest.mark.parametrize(
    "question",
    [
        "what support services are there for people who have had falls in Crawley",
        "what do emergency admissions for falls cost the NHS in Crawley",  # a cost is not the admissions' rate
    ],
)
def test_no_table_when_the_question_asks_for_something_other_than_a_figure(question: str) -> None:
    matcher = _matcher()
    (candidate, *_) = matcher.candidates(question, FakeEmbedder().embed([question])[0])
    assert candidate.features["asks_other"] == 1.0
    assert _shown(matcher, question) == []


def test_question_cover_weighs_the_topic_not_places_years_or_question_words() -> None:
    matcher = _matcher()
    question = "how many people in Crawley had emergency admissions for falls in 2017"
    (falls,) = [
        c for c in matcher.candidates(question, FakeEmbedder().embed([question])[0]) if c.table.indicator_id == "1"
    ]
    assert falls.features["question_cover"] == pytest.approx(1.0)  # "how many", "people", Crawley, 2017 left out
    question = "falls among Crawley's Tokyo commuters"
    (falls,) = [
        c for c in matcher.candidates(question, FakeEmbedder().embed([question])[0]) if c.table.indicator_id == "1"
    ]
    assert 0.0 < falls.features["question_cover"] < 0.5  # words in no indicator weigh most


def test_a_table_without_the_asked_year_is_marked_and_less_probable() -> None:
    matcher = _matcher()

    def falls(question: str) -> relevance.Candidate:
        vector = FakeEmbedder().embed([question])[0]
        return next(c for c in matcher.candidates(question, vector) if c.table.indicator_id == "1")

    held, missing, none = (falls(f"emergency admissions for falls in Crawley{y}") for y in (" 2017/18", " 2008", ""))
    assert (held.features["year_missing"], missing.features["year_missing"], none.features["year_missing"]) == (0, 1, 0)
    assert matcher.model.probability({**held.features, "year_missing": 1.0}) < held.probability
    # 2016/17 touches 2017 but is another financial year; 2017 alone lies within 2017/18.
    other, year = (falls(f"emergency admissions for falls in Crawley {y}") for y in ("2016/17", "2017"))
    assert (other.features["year_missing"], year.features["year_missing"]) == (1, 0)


@pytest.mark.parametrize(
    ("asked", "periods", "held"),
    [
        ("2017/18", ["2018/19", "2016/17"], False),  # each touches a year of 2017/18, neither is it
        ("2017/18", ["2016/17", "2017/18"], True),
        ("2017", ["2016 - 18"], True),
        ("2016/17", ["2014 - 16"], False),
        ("since 2010", ["2008", "2012"], False),  # one year named: held in none
        ("between 2012 and 2018", ["2015/16"], True),  # a span: one of its years will do
    ],
)
def test_a_period_is_held_only_within_one_of_the_tables_periods(asked: str, periods: list[str], held: bool) -> None:
    assert relevance.period_held(years_in(asked), periods) is held


def test_ages_are_read_as_ranges_and_school_years_as_ages() -> None:
    assert relevance.ages("life expectancy at 65 women") == [(65, 65)]
    assert relevance.ages("Life expectancy at birth") == [(0, 0)]
    assert relevance.ages("falls in the over-65s") == relevance.ages("falls in people 65+") == [(65, 120)]
    assert relevance.ages("under 18s conceptions") == [(0, 17)]
    assert relevance.ages("year 6 obesity") == [(10, 11)] and relevance.ages("Reception: overweight") == [(4, 5)]
    assert relevance.ages("Chlamydia detection rate aged 15-24") == [(15, 24)]  # not also "aged 15"
    assert relevance.ages("adults aged 18 and over") == relevance.ages("aged 18 or older") == [(18, 120)]
    assert relevance.ages("15-24 year olds") == relevance.ages("15 to 24 year olds") == [(15, 24)]
    assert relevance.ages("5 year olds") == [(5, 5)]
    # Years, periods and percentages are not ages.
    assert relevance.ages("smoking deaths 2012-14 in the 10% most deprived, 2018 - 2043, year 2019") == []


def test_a_table_for_another_group_of_people_is_marked_and_less_probable() -> None:
    matcher = _matcher()
    question = "emergency admissions for falls in people aged 65 and over in Crawley"
    falls = next(
        c for c in matcher.candidates(question, FakeEmbedder().embed([question])[0]) if c.table.indicator_id == "1"
    )
    assert falls.features["other_group"] == 0.0
    group = relevance.other_group
    assert group("falls admissions in the under 18s", falls.table)  # ages that do not overlap 65 and over
    assert not group("falls admissions among over-80s", falls.table)  # within 65 and over
    assert not group("falls admissions", falls.table)  # no age asked: no conflict
    men = replace(falls.table, sex="Male")
    assert group("falls in women aged 65 and over", men) and not group("falls in men and women over 65", men)
    assert matcher.model.probability({**falls.features, "other_group": 1.0}) < falls.probability


def test_a_table_for_some_ages_is_marked_when_the_question_names_none() -> None:
    matcher = _matcher()
    question = "emergency admissions for falls in Crawley"
    falls = next(  # "... in people aged 65 and over"
        c for c in matcher.candidates(question, FakeEmbedder().embed([question])[0]) if c.table.indicator_id == "1"
    )
    assert falls.features["age_unasked"] == 1.0
    narrower = relevance.age_unasked
    assert not narrower("falls admissions in the over-80s", falls.table)  # ages asked: other_group decides
    at = replace(falls.table, indicator_name="Life expectancy at age 65")
    assert narrower("female life expectancy in Worthing", at)
    for name in ("Life expectancy at birth", "Smoking prevalence in adults aged 18 and over", "Obesity (16+)"):
        assert not narrower("life expectancy and smoking", replace(falls.table, indicator_name=name))
    assert matcher.model.probability({**falls.features, "age_unasked": 0.0}) > falls.probability


def test_a_wider_areas_table_gives_way_to_the_areas_own_and_takes_no_place() -> None:
    matcher = _matcher()
    question = "emergency admissions for falls in people aged 65 and over in Crawley"
    own = matcher.candidates(question, FakeEmbedder().embed([question])[0])[0]
    wider = replace(own, table=replace(own.table, area="West Sussex", note="No figure for Crawley."))
    assert _own_first([wider, own]) == [own] and _own_first([own, wider]) == [own]
    assert _own_first([wider]) == [wider]  # shown when the area has no table of its own


def test_the_gate_follows_the_model_it_is_given() -> None:
    table = pd.DataFrame(_rows())
    vectors = FakeEmbedder().embed(catalogue_texts(table))
    question = "smoking in Crawley"
    vector = FakeEmbedder().embed([question])[0]
    never = LogisticModel(("similarity",), (0.0,), (1.0,), (0.0,), -30.0, threshold=0.5)
    always = LogisticModel(("similarity",), (0.0,), (1.0,), (0.0,), 30.0, threshold=0.5)
    assert IndicatorMatcher(table, vectors, never).tables(question, vector) == []
    shown = IndicatorMatcher(table, vectors, always).tables(question, vector, k=2)
    assert 1 <= len(shown) <= 2


@pytest.fixture(scope="module")
def real_embed() -> Iterator[object]:
    from assistant.config import Settings
    from assistant.embed import load_embedder

    embedder = load_embedder(Settings())
    yield lambda texts: np.asarray(embedder.embed(list(texts)))


@pytest.mark.real
def test_with_the_real_model_the_measure_decides(real_embed) -> None:  # type: ignore[no-untyped-def]
    matcher = _matcher(real_embed)
    assert _shown(matcher, "hip fractures in Crawley", real_embed) == []
    assert POPULATION not in _shown(matcher, "how many weight loss operations were done in Crawley", real_embed)
    assert _shown(matcher, "which bus goes to Gatwick", real_embed) == []
    assert _shown(matcher, "the population of Tokyo", real_embed) == []
    assert _shown(matcher, "falls admissions for over 65s in Crawley", real_embed)[0] == FALLS
    assert _shown(matcher, "what is the population of Crawley", real_embed)[0] == POPULATION
    assert re.match("Smoking", _shown(matcher, "adult smoking rate in Crawley", real_embed)[0])


def test_an_indicator_named_by_its_code_is_shown_first_whatever_the_model_says() -> None:
    rows = _rows()
    for row in rows:  # Fingertips IDs, as the files name their indicators
        row["indicator_id"] = {"1": "22401", "2": "92708", "3": "92443"}[row["indicator_id"]]
    table = pd.DataFrame(rows)
    vectors = FakeEmbedder().embed(catalogue_texts(table))
    never = LogisticModel(("similarity",), (0.0,), (1.0,), (0.0,), -30.0, threshold=0.5)
    matcher = IndicatorMatcher(table, vectors, never)
    for question in ("Fingertips 22401 in Crawley", "PHOF C29 in Crawley", "what is PHOF 2.24i for Crawley"):
        vector = FakeEmbedder().embed([question])[0]
        [shown] = matcher.tables(question, vector)
        assert (shown.indicator_name, shown.area) == (FALLS, "Crawley"), question
    # A code the data has no indicator for, or a code that names none, forces nothing.
    for question in ("Fingertips 90366 in Crawley", "NI 56 in Crawley"):
        assert matcher.tables(question, FakeEmbedder().embed([question])[0]) == []
