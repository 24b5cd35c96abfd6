"""Indicators: the indicator files as one long table, and indicator tables for a question.

The modules, bottom up: :mod:`.schema` (the long table's columns and vocabularies); :mod:`.tidy` (CSV and JSON,
sidecars), :mod:`.wide` and :mod:`.workbook` (XLSX), read by :mod:`.load`; :mod:`.gazetteer` (the areas a question
names), :mod:`.match` (the indicators it is about) and :mod:`.tables` (the figures for an area), which
:class:`IndicatorMatcher` puts together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from assistant.indicators.gazetteer import Gazetteer, area_aliases
from assistant.indicators.load import LOADER_VERSION, load_file, load_folder
from assistant.indicators.match import IndicatorCatalogue, catalogue_texts
from assistant.indicators.schema import NUMBER_COLUMNS
from assistant.indicators.tables import IndicatorTable, TableBuilder, compare

__all__ = [
    "LOADER_VERSION",
    "IndicatorMatcher",
    "IndicatorTable",
    "area_aliases",
    "catalogue_texts",
    "compare",
    "indicator_matcher",
    "load_file",
    "load_folder",
]


class IndicatorMatcher:
    """The long table with what matching needs: its areas, its indicator catalogue (with the catalogue's vectors
    and BM25) and the tables built from it."""

    def __init__(self, table: pd.DataFrame, vectors: np.ndarray) -> None:
        # Plain Python strings: Parquet's Arrow-backed string columns are several times slower to filter row by row.
        texts = [c for c in table.columns if c not in NUMBER_COLUMNS]
        self.table = table = table.astype({c: object for c in texts})
        self.gazetteer = Gazetteer(table)
        self.catalogue = IndicatorCatalogue(table, vectors)
        self.builder = TableBuilder(table, self.gazetteer)
        self.home_area = self.gazetteer.home_area
        self.county_parts = self.gazetteer.county_parts

    def areas_in(self, question: str) -> list[str]:
        """The areas the question names (see :meth:`Gazetteer.areas_in`)."""
        return self.gazetteer.areas_in(question)

    def tables(
        self, question: str, vector: np.ndarray, k: int = 3, areas: Sequence[str] | None = None
    ) -> list[IndicatorTable]:
        """The best ``k`` indicator tables; ``areas`` overrides the areas read from the question."""
        areas = list(areas) if areas is not None else self.areas_in(question)
        topic = self.gazetteer.without_areas(question)  # "Sussex" in a question should not match "... in West Sussex"
        entries = self.catalogue.entries.iloc[self.catalogue.match(topic, vector, k * 3)]
        return self.builder.tables(question, areas, entries, k)


class _Snapshot(Protocol):
    @property
    def indicators(self) -> Any: ...  # the long table (a DataFrame) or None

    @property
    def indicator_vectors(self) -> np.ndarray | None: ...


def indicator_matcher(snapshot: _Snapshot) -> IndicatorMatcher | None:
    """Indicator matching over an index snapshot's table; None when it has no table, an empty one or no vectors."""
    table, vectors = snapshot.indicators, snapshot.indicator_vectors
    return None if table is None or table.empty or vectors is None else IndicatorMatcher(table, vectors)
