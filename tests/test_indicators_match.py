"""Which indicator: the catalogue, its vectors and BM25, the fused match; the matcher an index snapshot gives."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from conftest import FakeEmbedder, indicator_rows

from assistant.indicators import IndicatorMatcher, catalogue_texts, indicator_matcher
from assistant.indicators.match import IndicatorCatalogue


def _table() -> pd.DataFrame:
    smoking = indicator_rows("1", "Smoking prevalence in adults", "low_is_good", {("Adur", "2019"): (14.0, 12.0, 16.0)})
    again = indicator_rows("1", "Smoking prevalence in adults", "low_is_good", {("Arun", "2020"): (15.0, 13.0, 17.0)})
    for row in again:
        row["source"] = "indicators/other.csv"
    fractures = indicator_rows(
        "2", "Hip fractures in people aged 65 and over", "low_is_good", {("Adur", "2019"): (5, 4, 6)}
    )
    fractures[0]["definition"] = "Emergency admissions for a fractured neck of femur"
    sussex = indicator_rows("3", "Children in care in West Sussex", "", {("West Sussex", "2019"): (50, 45, 55)})
    return pd.DataFrame(smoking + again + fractures + sussex)


def test_catalogue_texts_name_each_indicator_once_per_file() -> None:
    assert catalogue_texts(_table()) == [
        "Smoking prevalence in adults.",
        "Smoking prevalence in adults.",
        "Hip fractures in people aged 65 and over. Emergency admissions for a fractured neck of femur",
        "Children in care in West Sussex.",
    ]


def test_match_fuses_meaning_and_words() -> None:
    table = _table()
    embedder = FakeEmbedder()
    catalogue = IndicatorCatalogue(table, embedder.embed(catalogue_texts(table)))
    question = "hip fractures in older people"
    assert catalogue.match(question, embedder.embed([question])[0], k=1) == [2]
    assert sorted(catalogue.match("smoking", embedder.embed(["smoking"])[0])) == [0, 1]  # the same in two files
    nowhere = np.zeros(embedder.dimension, dtype=np.float32)  # close to nothing: words alone decide
    assert catalogue.match("femur", nowhere) == [2]  # its definition's word
    assert catalogue.match("broadband speeds", nowhere) == []


def test_matching_leaves_the_areas_words_out() -> None:
    table = _table()
    embedder = FakeEmbedder()
    matcher = IndicatorMatcher(table, embedder.embed(catalogue_texts(table)))
    nowhere = np.zeros(embedder.dimension, dtype=np.float32)
    assert 3 in matcher.catalogue.match("smoking west sussex", nowhere)
    assert matcher.catalogue.match(matcher.gazetteer.without_areas("smoking West Sussex"), nowhere) == [0, 1]
    (table_of, *_) = matcher.tables("smoking in Adur", embedder.embed(["smoking in Adur"])[0], k=1)
    assert (table_of.indicator_id, table_of.area) == ("1", "Adur")


def test_indicator_matcher_needs_a_table_and_its_vectors() -> None:
    table = _table()
    vectors = FakeEmbedder().embed(catalogue_texts(table))
    assert indicator_matcher(SimpleNamespace(indicators=None, indicator_vectors=vectors)) is None
    assert indicator_matcher(SimpleNamespace(indicators=table.iloc[0:0], indicator_vectors=vectors)) is None
    assert indicator_matcher(SimpleNamespace(indicators=table, indicator_vectors=None)) is None
    matcher = indicator_matcher(
        SimpleNamespace(
            indicators=table.astype({"area_name": "string"}),
            indicator_vectors=vectors,
            manifest=SimpleNamespace(datasets=None),  # an index from before datasets had references
        )
    )
    assert isinstance(matcher, IndicatorMatcher)
    assert matcher.table["area_name"].dtype == object  # plain strings: faster to filter row by row
    assert matcher.areas_in("smoking in Arun") == ["Arun"]
