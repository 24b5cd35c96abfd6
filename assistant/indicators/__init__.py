"""Indicators: the indicator files as one long table, and indicator tables for a question.

The modules, bottom up: :mod:`.schema` (the long table's columns and vocabularies); :mod:`.tidy` (CSV and JSON,
sidecars), :mod:`.wide` and :mod:`.workbook` (XLSX), read by :mod:`.load`; :mod:`.gazetteer` (the areas a question
names), :mod:`.match` (the indicators it is about), :mod:`.tables` (the figures for an area) and :mod:`.relevance`
(whether a table answers the question), which :class:`IndicatorMatcher` puts together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from assistant.calibrated import LogisticModel
from assistant.indicators.gazetteer import Gazetteer, area_aliases
from assistant.indicators.load import LOADER_VERSION, load_file, load_folder
from assistant.indicators.match import IndicatorCatalogue, catalogue_texts
from assistant.indicators.relevance import CANDIDATES, Candidate, Relevance, could_pass, shipped_model, with_table
from assistant.indicators.schema import NUMBER_COLUMNS
from assistant.indicators.tables import IndicatorTable, TableBuilder, compare

__all__ = [
    "LOADER_VERSION",
    "Candidate",
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
    and BM25), the tables built from it and the relevance model that decides which of them to show (the shipped
    one unless ``model`` is given)."""

    def __init__(self, table: pd.DataFrame, vectors: np.ndarray, model: LogisticModel | None = None) -> None:
        # Plain Python strings: Parquet's Arrow-backed string columns are several times slower to filter row by row.
        texts = [c for c in table.columns if c not in NUMBER_COLUMNS]
        self.table = table = table.astype({c: object for c in texts})
        self.gazetteer = Gazetteer(table)
        self.catalogue = IndicatorCatalogue(table, vectors)
        self.builder = TableBuilder(table, self.gazetteer)
        self.relevance = Relevance(self.catalogue)
        self.model = model or shipped_model()
        self.home_area = self.gazetteer.home_area
        self.county_parts = self.gazetteer.county_parts

    def areas_in(self, question: str) -> list[str]:
        """The areas the question names (see :meth:`Gazetteer.areas_in`)."""
        return self.gazetteer.areas_in(question)

    def tables(
        self, question: str, vector: np.ndarray, k: int = 3, areas: Sequence[str] | None = None
    ) -> list[IndicatorTable]:
        """At most ``k`` indicator tables that answer the question, most probable first: of the tables for the
        matcher's best :data:`CANDIDATES` indicators, those the relevance model says yes to (often none). A table
        is built only for an indicator that could pass. ``areas`` overrides the areas read from the question."""
        chosen = self._candidates(question, vector, areas, gate=True)
        passed = [c for c in chosen if c.probability >= self.model.threshold]
        return [c.table for c in sorted(passed, key=lambda c: -c.probability)[:k]]

    def candidates(self, question: str, vector: np.ndarray, areas: Sequence[str] | None = None) -> list[Candidate]:
        """The tables for the matcher's best :data:`CANDIDATES` indicators, in the matcher's order, before
        relevance is decided, each with its relevance features and probability."""
        return self._candidates(question, vector, areas, gate=False)

    def _candidates(
        self, question: str, vector: np.ndarray, areas: Sequence[str] | None, gate: bool
    ) -> list[Candidate]:
        areas = list(areas) if areas is not None else self.areas_in(question)
        topic = self.gazetteer.without_areas(question)  # "Sussex" in a question should not match "... in West Sussex"
        rows = self.catalogue.match(topic, vector, CANDIDATES)
        features = self.relevance.features(question, topic, vector, rows)
        keep = [n for n, f in enumerate(features) if not gate or could_pass(self.model, f)]
        place = {rows[n]: n for n in keep}
        entries = self.catalogue.entries.iloc[[rows[n] for n in keep]]
        out = []
        for table in self.builder.tables(question, areas, entries, len(keep)):
            values = with_table(features[place[self.relevance.rows[(table.indicator_id, table.source)]]], table, areas)
            out.append(Candidate(table, values, self.model.probability(values)))
        return out


class _Snapshot(Protocol):
    @property
    def indicators(self) -> Any: ...  # the long table (a DataFrame) or None

    @property
    def indicator_vectors(self) -> np.ndarray | None: ...


def indicator_matcher(snapshot: _Snapshot) -> IndicatorMatcher | None:
    """Indicator matching over an index snapshot's table; None when it has no table, an empty one or no vectors."""
    table, vectors = snapshot.indicators, snapshot.indicator_vectors
    return None if table is None or table.empty or vectors is None else IndicatorMatcher(table, vectors)
