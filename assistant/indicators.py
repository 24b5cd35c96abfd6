"""Indicator tables for a question: which indicator, which area, and what the data says about it.

The long table (see :mod:`assistant.indicators_load`) is matched to a question in two parts. The indicator:
its name and definition, embedded with the passages' model and scored by BM25 with the glossary's expansions,
fused by reciprocal rank. The area: a gazetteer of the data's area names with common short forms ("Brighton" for
"Brighton and Hove"). For the best indicators the answer is the area's latest value with its 95% CI, count and
denominator, England's and the region's values for the same period, Better / Similar / Worse (from the file, or
computed from the confidence interval and polarity), the trend and comparable areas. "Which district has the
highest ..." is answered by sorting the table, not by retrieval.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from assistant.glossary import expansions
from assistant.lexical import Lexical

ENGLAND = "england"
RANKING = re.compile(r"\b(which|what)\b.*\b(highest|lowest|worst|best|most|least|top|bottom)\b|\brank", re.I)
LOWEST_FIRST = re.compile(r"\b(lowest|least|bottom)\b", re.I)
RRF_K = 60


@dataclass(frozen=True)
class IndicatorTable:
    """One indicator for one area: the figures a funding bid quotes, and the rows behind them."""

    indicator_id: str
    indicator_name: str
    definition: str
    unit: str
    area: str
    source: str
    period: str
    value: float | None
    lower_ci: float | None
    upper_ci: float | None
    count: float | None
    denominator: float | None
    england_value: float | None
    region: str
    region_value: float | None
    comparison: str
    polarity: str
    trend: tuple[tuple[str, float | None], ...] = ()
    comparable: tuple[tuple[str, float | None], ...] = ()
    ranking: tuple[tuple[str, float | None], ...] = ()
    rows: tuple[dict[str, Any], ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("trend", "comparable", "ranking"):
            data[key] = [{"label": label, "value": value} for label, value in data[key]]
        data["rows"] = list(self.rows)
        return data


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def compare(
    value: float | None, lower: float | None, upper: float | None, benchmark: float | None, polarity: str
) -> str:
    """Better / Similar / Worse than a benchmark, from the 95% confidence interval: similar when the benchmark
    lies inside it. Without a known polarity the answer is Higher / Lower; without an interval, Not compared."""
    if value is None or benchmark is None:
        return "Not compared"
    if lower is None or upper is None:
        return "Not compared (no confidence interval)"
    if lower <= benchmark <= upper:
        return "Similar"
    higher = value > benchmark
    if polarity == "high_is_good":
        return "Better" if higher else "Worse"
    if polarity == "low_is_good":
        return "Worse" if higher else "Better"
    return "Higher" if higher else "Lower"


def area_aliases(name: str) -> set[str]:
    """Short forms people type for an area name."""
    aliases = {name}
    base = re.sub(r"^(city of|county of|royal borough of|london borough of)\s+", "", name, flags=re.I)
    base = re.sub(r"\s+(ua|council|county council|district|borough)$", "", base, flags=re.I)
    aliases.add(base)
    for part in re.split(r",\s*|\s+and\s+|\s*&\s*", base):
        if len(part) >= 4 and part.lower() not in {"city", "county", "north", "south", "east", "west"}:
            aliases.add(part)
    return {alias.strip() for alias in aliases if alias.strip()}


class IndicatorIndex:
    """The long table with what matching needs: an indicator catalogue, its vectors and BM25, a gazetteer."""

    def __init__(self, table: pd.DataFrame, vectors: np.ndarray) -> None:
        self.table = table
        self.catalogue = catalogue(table)
        self.vectors = vectors
        texts = [f"{r.indicator_name} {r.definition}" for r in self.catalogue.itertuples()]
        self.lexical = Lexical.build_texts(texts)
        self.gazetteer = self._gazetteer()
        counts = table.loc[table["area_name"].str.lower() != ENGLAND, "area_name"].value_counts()
        self.home_area = str(counts.index[0]) if len(counts) else ""

    def _gazetteer(self) -> list[tuple[re.Pattern[str], str]]:
        names = set(self.table["area_name"].dropna().astype(str))
        entries: dict[str, str] = {}
        for name in sorted(names, key=len):
            for alias in area_aliases(name):
                entries.setdefault(alias.lower(), name)  # the shortest full name keeps an ambiguous alias
        ordered = sorted(entries.items(), key=lambda item: -len(item[0]))
        return [(re.compile(r"(?<![a-z])" + re.escape(alias) + r"(?![a-z])"), name) for alias, name in ordered]

    def areas_in(self, question: str) -> list[str]:
        lowered = question.lower()
        found: list[str] = []
        for pattern, name in self.gazetteer:
            if name not in found and pattern.search(lowered):
                lowered = pattern.sub(" ", lowered)
                found.append(name)
        return found

    def match(self, question: str, vector: np.ndarray, k: int = 3) -> list[int]:
        """Rows of the catalogue for the indicators that best match the question."""
        fused: dict[int, float] = {}
        if len(self.vectors):
            for rank, row in enumerate(np.argsort(-(self.vectors @ vector))[:20]):
                fused[int(row)] = fused.get(int(row), 0.0) + 1.0 / (RRF_K + rank + 1)
        query = " ".join([question, *expansions(question)])
        scores = self.lexical.scores(query, len(self.catalogue))
        for rank, row in enumerate(np.argsort(-scores)[:20]):
            if scores[row] > 0:
                fused[int(row)] = fused.get(int(row), 0.0) + 1.0 / (RRF_K + rank + 1)
        return sorted(fused, key=lambda row: -fused[row])[:k]

    def tables(self, question: str, vector: np.ndarray, k: int = 3) -> list[IndicatorTable]:
        areas = self.areas_in(question) or ([self.home_area] if self.home_area else [])
        wants_ranking = bool(RANKING.search(question))
        out = []
        for row in self.match(question, vector, k * 3):
            entry = self.catalogue.iloc[row]
            rows = self.table[
                (self.table["indicator_id"] == entry.indicator_id) & (self.table["source"] == entry.source)
            ]
            table = self._table(rows, areas, wants_ranking)
            if table is not None:
                out.append(table)
            if len(out) == k:
                break
        return out

    def _table(self, rows: pd.DataFrame, areas: Sequence[str], wants_ranking: bool) -> IndicatorTable | None:
        area = next((a for a in areas if (rows["area_name"] == a).any()), None)
        if area is None:
            return None
        mine = rows[(rows["area_name"] == area) & (rows["category"] == "")]
        if mine.empty:
            mine = rows[rows["area_name"] == area]
        mine = _headline(mine)
        latest = mine.iloc[-1]
        period = latest["period"]
        same = rows[(rows["period"] == period) & (rows["sex"] == latest["sex"]) & (rows["age"] == latest["age"])]
        same = same[same["category"] == ""]
        england = same[same["area_name"].str.lower() == ENGLAND]
        england_value = _number(england["value"].iloc[0]) if len(england) else None
        region = str(latest["parent_name"]) if latest["parent_name"] and latest["parent_name"] != area else ""
        region_rows = same[same["area_name"] == region] if region else same.iloc[0:0]
        polarity = str(latest["polarity"])
        value, lower, upper = (_number(latest[c]) for c in ("value", "lower_ci", "upper_ci"))
        given = str(latest["compared_to_england"])
        comparison = given or compare(value, lower, upper, england_value, polarity)
        peers = same[(same["area_type"] == latest["area_type"]) & (same["area_name"] != area)]
        ranking = same[(same["area_type"] == latest["area_type"])].dropna(subset=["value"])
        ranking = ranking.sort_values("value", ascending=False)
        return IndicatorTable(
            indicator_id=str(latest["indicator_id"]),
            indicator_name=str(latest["indicator_name"]),
            definition=str(latest["definition"]),
            unit=str(latest["unit"]),
            area=area,
            source=str(latest["source"]),
            period=str(period),
            value=value,
            lower_ci=lower,
            upper_ci=upper,
            count=_number(latest["count"]),
            denominator=_number(latest["denominator"]),
            england_value=england_value,
            region=region,
            region_value=_number(region_rows["value"].iloc[0]) if len(region_rows) else None,
            comparison=comparison,
            polarity=polarity,
            trend=tuple((str(r.period), _number(r.value)) for r in mine.itertuples()),
            comparable=tuple((str(r.area_name), _number(r.value)) for r in peers.head(10).itertuples()),
            ranking=tuple((str(r.area_name), _number(r.value)) for r in ranking.itertuples()) if wants_ranking else (),
            rows=tuple(mine.drop(columns=["source"]).to_dict("records")),
        )


def _headline(rows: pd.DataFrame) -> pd.DataFrame:
    """One series: persons over males and females, the most common age band, in period order."""
    for sex in ("Persons", ""):
        if (rows["sex"] == sex).any():
            rows = rows[rows["sex"] == sex]
            break
    if len(rows) and rows["age"].nunique() > 1:
        rows = rows[rows["age"] == rows["age"].mode().iloc[0]]
    return rows.sort_values("period", kind="stable").drop_duplicates("period", keep="last")


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

