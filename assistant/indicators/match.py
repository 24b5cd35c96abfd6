"""Which indicator a question is about: the catalogue of indicators, matched dense and lexical.

The catalogue has one row per indicator and source file. Its name and definition are embedded with the passages'
model (at ingest time, :func:`catalogue_texts`) and scored by BM25 with the glossary's expansions; the two
rankings are fused by reciprocal rank.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assistant.glossary import expansions
from assistant.lexical import Lexical

MATCH_RRF_K = 60
MIN_INDICATOR_SIMILARITY = 0.45


def catalogue(table: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator and source file."""
    return (
        table[["indicator_id", "indicator_name", "definition", "unit", "source"]]
        .drop_duplicates(["indicator_id", "source"])
        .reset_index(drop=True)
    )


def catalogue_texts(table: pd.DataFrame) -> list[str]:
    """What is embedded for each catalogue row (at ingest time)."""
    return [f"{r.indicator_name}. {r.definition}".strip() for r in catalogue(table).itertuples()]


class IndicatorCatalogue:
    """The catalogue of the long table with its vectors (one per row, from :func:`catalogue_texts`) and BM25."""

    def __init__(self, table: pd.DataFrame, vectors: np.ndarray) -> None:
        self.entries = catalogue(table)
        self.vectors = vectors
        texts = [f"{r.indicator_name} {r.definition}" for r in self.entries.itertuples()]
        self.lexical = Lexical.build_texts(texts)

    def with_ids(self, ids: Sequence[str]) -> list[int]:
        """Rows of the catalogue for the indicators with these IDs (Fingertips IDs, as the files name them), in the
        order given."""
        names = self.entries["indicator_id"].astype(str).to_numpy()
        return [int(row) for wanted in ids for row in np.flatnonzero(names == wanted)]

    def match(self, topic: str, vector: np.ndarray, k: int = 3) -> list[int]:
        """Rows of the catalogue for the indicators that best match the question: each shares a word with
        ``topic`` (the question without its area names, after glossary expansion) or is close in meaning to the
        question's ``vector`` (similarity >= MIN_INDICATOR_SIMILARITY)."""
        fused: dict[int, float] = {}
        similarity = self.vectors @ vector if len(self.vectors) else np.zeros(0)
        for rank, row in enumerate(np.argsort(-similarity)[:20]):
            if similarity[row] >= MIN_INDICATOR_SIMILARITY:
                fused[int(row)] = fused.get(int(row), 0.0) + 1.0 / (MATCH_RRF_K + rank + 1)
        query = " ".join([topic, *expansions(topic)])
        scores = self.lexical.scores(query, len(self.entries))
        for rank, row in enumerate(np.argsort(-scores)[:20]):
            if scores[row] > 0:
                fused[int(row)] = fused.get(int(row), 0.0) + 1.0 / (MATCH_RRF_K + rank + 1)
        return sorted(fused, key=lambda row: -fused[row])[:k]
