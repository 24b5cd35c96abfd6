"""Indicators: the indicator files as one long table, and indicator tables for a question.

The modules, bottom up: :mod:`.schema` (the long table's columns and vocabularies); :mod:`.tidy` (CSV and JSON,
sidecars), :mod:`.wide` and :mod:`.workbook` (XLSX), read by :mod:`.load`; :mod:`.gazetteer` (the areas a question
names), :mod:`.match` (the indicators it is about), :mod:`.tables` (the figures for an area) and :mod:`.relevance`
(whether a table answers the question), which :class:`IndicatorMatcher` puts together; :mod:`.stale` finds newer
data for the figures a passage quotes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from assistant.calibrated import LogisticModel
from assistant.codes import fingertips_ids
from assistant.indicators.gazetteer import Gazetteer, area_aliases
from assistant.indicators.load import LOADER_VERSION, load_file, load_folder
from assistant.indicators.match import IndicatorCatalogue, catalogue_texts
from assistant.indicators.profile import (
    IndicatorProfile,
    ProfileRow,
    Spine,
    area_profile,
    profile_areas,
    resolve_area,
    theme_of,
)
from assistant.indicators.relevance import (
    CANDIDATES,
    Candidate,
    Relevance,
    best_probability,
    shipped_model,
    with_table,
)
from assistant.indicators.schema import NUMBER_COLUMNS
from assistant.indicators.stale import NewerData, StaleCheck
from assistant.indicators.tables import IndicatorTable, TableBuilder, compare
from assistant.model import DocumentInfo
from assistant.text import years_in

__all__ = [
    "LOADER_VERSION",
    "Candidate",
    "IndicatorMatcher",
    "IndicatorProfile",
    "IndicatorTable",
    "NewerData",
    "ProfileRow",
    "Spine",
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

    def __init__(
        self,
        table: pd.DataFrame,
        vectors: np.ndarray,
        model: LogisticModel | None = None,
        datasets: Mapping[str, DocumentInfo] | None = None,
    ) -> None:
        # Plain Python strings: Parquet's Arrow-backed string columns are several times slower to filter row by row.
        texts = [c for c in table.columns if c not in NUMBER_COLUMNS]
        self.table = table = table.astype({c: object for c in texts})
        self.gazetteer = Gazetteer(table)
        self.catalogue = IndicatorCatalogue(table, vectors)
        self.builder = TableBuilder(table, self.gazetteer, datasets)
        self.relevance = Relevance(self.catalogue, table)
        self.model = model or shipped_model()
        self.home_area = self.gazetteer.home_area
        self.county_parts = self.gazetteer.county_parts
        self._themes: dict[tuple[str, str], str] | None = None
        self._stale: StaleCheck | None = None

    def newer(self, text: str, about: str = "") -> list[NewerData]:
        """Newer data for the figures a passage quotes (:mod:`.stale`); ``about`` is its document's title."""
        if self._stale is None:
            self._stale = StaleCheck(self.table, self.gazetteer, self.builder)
        return self._stale.newer(text, about)

    def profile(self, area: str, embed: Callable[[list[str]], np.ndarray]) -> IndicatorProfile:
        """The area's profile (:mod:`.profile`): every indicator with a value for it, worse than England first.
        ``embed`` embeds the themes' descriptions (once per matcher). Raises :class:`JsnaError` for an area the
        data does not have, naming the closest it has."""
        if self._themes is None:
            self._themes = theme_of(self.catalogue, embed)
        return area_profile(self.builder, self._themes, resolve_area(self.table, area, self.areas_in))

    def areas(self) -> list[str]:
        """Every area with a value in the data, England last."""
        return profile_areas(self.table)

    def areas_in(self, question: str) -> list[str]:
        """The areas the question names (see :meth:`Gazetteer.areas_in`)."""
        return self.gazetteer.areas_in(question)

    def tables(
        self, question: str, vector: np.ndarray, k: int = 3, areas: Sequence[str] | None = None
    ) -> list[IndicatorTable]:
        """At most ``k`` indicator tables that answer the question, most probable first: of the tables for the
        matcher's best :data:`CANDIDATES` indicators, those the relevance model says yes to (often none). ``areas``
        overrides the areas read from the question.

        Every feature but the table's own is known before a table is built (building one takes milliseconds), so
        candidates are taken by the best probability they could have, and a table is built only while it could
        pass and beat the ``k``-th best so far: the same tables as deciding over all the candidates.

        An indicator the question names by code ("Fingertips 93014", "PHOF C09a": :mod:`assistant.codes`) is shown
        first whatever the model says: the question asks for that indicator and no other."""
        areas = list(areas) if areas is not None else self.areas_in(question)
        named = self.catalogue.with_ids(fingertips_ids(question))
        shown = self.builder.tables(question, areas, self.catalogue.entries.iloc[named], k) if named else []
        if len(shown) >= k:
            return shown[:k]
        rows, features = self._features(question, vector, areas)
        asked = years_in(question)
        bounds = [
            best_probability(self.model, f, bool(areas), self.relevance.year_missing_values(row, asked))
            for row, f in zip(rows, features, strict=True)
        ]
        passed: list[Candidate] = []
        for n in sorted(range(len(rows)), key=lambda n: -bounds[n]):
            if bounds[n] < self.model.threshold or (len(passed) >= k and passed[k - 1].probability >= bounds[n]):
                break
            for table in self.builder.tables(question, areas, self.catalogue.entries.iloc[[rows[n]]], 1):
                values = with_table(features[n], table, areas, question)
                candidate = Candidate(table, values, self.model.probability(values))
                if candidate.probability >= self.model.threshold:
                    passed = _own_first(sorted([*passed, candidate], key=lambda c: -c.probability))
        found = [c.table for c in passed]
        ids = {table.indicator_id for table in shown}
        return [*shown, *(table for table in found if table.indicator_id not in ids)][:k]

    def candidates(self, question: str, vector: np.ndarray, areas: Sequence[str] | None = None) -> list[Candidate]:
        """The tables for the matcher's best :data:`CANDIDATES` indicators, in the matcher's order, before
        relevance is decided, each with its relevance features and probability."""
        areas = list(areas) if areas is not None else self.areas_in(question)
        rows, features = self._features(question, vector, areas)
        place = {row: n for n, row in enumerate(rows)}
        out = []
        for table in self.builder.tables(question, areas, self.catalogue.entries.iloc[rows], len(rows)):
            row = self.relevance.rows[(table.indicator_id, table.source)]
            values = with_table(features[place[row]], table, areas, question)
            out.append(Candidate(table, values, self.model.probability(values)))
        return out

    def _features(
        self, question: str, vector: np.ndarray, areas: Sequence[str]
    ) -> tuple[list[int], list[dict[str, float]]]:
        """The catalogue rows of the matcher's best indicators and their features (all but the table's own)."""
        topic = self.gazetteer.without_areas(question)  # "Sussex" in a question should not match "... in West Sussex"
        rows = self.catalogue.match(topic, vector, CANDIDATES)
        return rows, self.relevance.features(question, topic, vector, rows)


def _own_first(passed: list[Candidate]) -> list[Candidate]:
    """As TableBuilder.tables does: a wider area's table gives way to the area's own table of the same name (and
    takes no place among the ``k`` shown)."""
    own = {c.table.indicator_name.lower() for c in passed if not c.table.note}
    return [c for c in passed if not (c.table.note and c.table.indicator_name.lower() in own)]


class _Snapshot(Protocol):
    @property
    def indicators(self) -> Any: ...  # the long table (a DataFrame) or None

    @property
    def indicator_vectors(self) -> np.ndarray | None: ...

    @property
    def manifest(self) -> Any: ...  # its ``datasets`` (indicator file -> reference), None in an older index


def indicator_matcher(snapshot: _Snapshot) -> IndicatorMatcher | None:
    """Indicator matching over an index snapshot's table; None when it has no table, an empty one or no vectors."""
    table, vectors = snapshot.indicators, snapshot.indicator_vectors
    if table is None or table.empty or vectors is None:
        return None
    return IndicatorMatcher(table, vectors, datasets=snapshot.manifest.datasets)
