"""Indicator tables: what the data says about an indicator for an area.

For the best indicators the answer is the area's latest value with its 95% CI, count and denominator, England's
and the region's values for the same period, Better / Similar / Worse (from the file, or computed from the
confidence interval and polarity), the trend and comparable areas. "Which district has the highest ..." is
answered by sorting the table, not by retrieval. Where a file has no figure for the area asked about, its wider
area's figure is shown with a note.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import pandas as pd

from assistant.indicators.gazetteer import ENGLAND, LOCAL_FILE_DISTRICTS, NATIONAL, Gazetteer
from assistant.indicators.schema import slugify
from assistant.model import DocumentInfo

RANKING = re.compile(
    r"\b(which|what|where)\b.*\b(highest|lowest|worst|best|most|least|top|bottom|longest|shortest|largest|biggest|"
    r"greatest|smallest|fewest)\b|\brank",
    re.I,
)
LOWEST_FIRST = re.compile(r"\b(lowest|least|bottom|shortest|smallest|fewest)\b", re.I)
BENCHMARK_ONLY = re.compile(r"\b(compared?|than|vs\.?|versus|against|nationally|national average)\b", re.I)
AREA_WORDS = {"ward": "Ward", "district": "District", "county": "County", "region": "Region", "ccg": "CCG"}
FEMALE = re.compile(r"\b(women|woman|female|females|girls?|mothers?)\b", re.I)
MALE = re.compile(r"\b(men|man|male|males|boys?|fathers?)\b", re.I)
TOTAL_CATEGORY = re.compile(r"^(all\b|total\b|persons\b)", re.I)


@dataclass(frozen=True)
class IndicatorTable:
    """One indicator for one area: the figures a funding bid quotes, and the rows behind them."""

    indicator_id: str
    indicator_name: str
    definition: str
    unit: str
    area: str
    sex: str
    category: str
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
    note: str = ""  # said when the table is not about the area asked for (its wider area)
    recent_trend: str = ""  # the file's own trend statement ("Increasing and getting worse"), if it has one
    dataset: str = ""  # the title of the dataset or profile the figures come from (its reference)
    publisher: str = ""
    published: int | None = None  # the dataset's year
    rows: tuple[dict[str, Any], ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("trend", "comparable", "ranking"):
            data[key] = [{"label": label, "value": value} for label, value in data[key]]
        data["rows"] = list(self.rows)
        return data


def as_float(value: Any) -> float | None:
    """A cell of the long table as a float; None for missing (NaN) and for what is not a number."""
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


class TableBuilder:
    """Indicator tables from the long table: an indicator's rows for the areas asked about, ranked when asked."""

    def __init__(
        self, table: pd.DataFrame, gazetteer: Gazetteer, datasets: Mapping[str, DocumentInfo] | None = None
    ) -> None:
        self.gazetteer = gazetteer
        self.datasets = datasets or {}
        self.groups = {key: rows for key, rows in table.groupby(["indicator_id", "source"], sort=False)}
        self.england = table[table["area_name"].str.lower() == ENGLAND]

    def tables(self, question: str, areas: Sequence[str], entries: pd.DataFrame, k: int = 3) -> list[IndicatorTable]:
        """The best ``k`` tables about ``areas`` for the question, from ``entries``: catalogue rows (indicator and
        source file) that match it, best first."""
        home_area = self.gazetteer.home_area
        if not areas or (all(a.lower() in NATIONAL for a in areas) and BENCHMARK_ONLY.search(question)):
            areas = [home_area] if home_area else areas  # "compared with England": ours against it
        wanted_type = next(
            (kind for word, kind in AREA_WORDS.items() if re.search(rf"\b{word}s?\b", question, re.I)), ""
        )
        ranking = RANKING.search(question)
        lowest = bool(ranking and LOWEST_FIRST.search(question))
        sex = "Female" if FEMALE.search(question) else "Male" if MALE.search(question) else "Persons"
        exact: list[tuple[int, IndicatorTable]] = []
        wider: list[tuple[int, IndicatorTable]] = []  # the wider area's figure where the file has none for ours
        parents = [self.gazetteer.parents[a] for a in areas if a in self.gazetteer.parents]
        for rank, key in enumerate(zip(entries["indicator_id"], entries["source"], strict=True)):
            rows = self.groups[key]
            table = self._table(rows, areas, sex, bool(ranking), lowest, wanted_type)
            if table is not None:
                exact.append((rank, table))
                if len(exact) == k:
                    break
            elif parents and not ranking:
                table = self._table(rows, parents, sex, False, lowest)
                if table is not None:
                    note = f"No figure for {areas[0]} in {table.source}; {table.area}, the wider area, is shown."
                    wider.append((rank, replace(table, note=note)))
        names = {table.indicator_name.lower() for _, table in exact}
        wider = [(rank, table) for rank, table in wider if table.indicator_name.lower() not in names]
        return [table for _, table in sorted(exact + wider, key=lambda pair: pair[0])[:k]]

    def table(self, rows: pd.DataFrame, area: str, sex: str = "Persons") -> IndicatorTable | None:
        """One indicator's table (``rows``: its rows from one file) for one area and sex, without a ranking."""
        return self._table(rows, [area], sex, False, False)

    def _table(
        self, rows: pd.DataFrame, areas: Sequence[str], sex: str, ranking: bool, lowest: bool, wanted_type: str = ""
    ) -> IndicatorTable | None:
        area = next((a for a in areas if (rows["area_name"] == a).any()), None)
        if area is None:
            return self._rank_parts(rows, areas, sex, lowest, wanted_type) if ranking else None
        mine = _headline(rows[rows["area_name"] == area], sex)
        if mine.empty:  # only breakdowns (ethnic groups, deciles) without a total: no headline figure to quote
            return None
        latest = mine.iloc[-1].to_dict()  # a dict: read a field at a time, a Series is slow
        period = latest["period"]
        same = _like(rows, latest)
        order: tuple[tuple[str, float | None], ...] = ()
        if ranking:
            # "Which district in West Sussex has the highest ...": rank the named area's parts when the data has
            # them, else the areas of its kind; the table is then about the area at the top.
            parts = self.gazetteer.county_parts.get(area, set())
            ranked = _parts(same, area, str(latest["area_type"]), parts, wanted_type)
            if wanted_type and not ranked["area_type"].str.contains(wanted_type, na=False).any():
                return None  # "which district ...": this file has no districts; another file may
            order = _order(ranked, lowest)
            if order and order[0][0] != area:
                table = self._table(rows, [order[0][0]], sex, False, lowest)
                if table is not None:
                    return replace(table, ranking=order)
        england = same[same["area_name"].str.lower() == ENGLAND]
        if england.empty:  # another file of the same indicator may carry England's figure for that period
            e = self.england
            england = e[
                (e["indicator_id"] == latest["indicator_id"]) & (e["period"] == period) & (e["sex"] == latest["sex"])
            ]
        england_value = as_float(england["value"].iloc[0]) if len(england) else None
        region = str(latest["parent_name"]) if latest["parent_name"] and latest["parent_name"] != area else ""
        region_rows = same[same["area_name"] == region] if region else same.iloc[0:0]
        polarity = str(latest["polarity"])
        value, lower, upper = (as_float(latest[c]) for c in ("value", "lower_ci", "upper_ci"))
        given = str(latest["compared_to_england"])
        comparison = given or compare(value, lower, upper, england_value, polarity)
        peers = same[(same["area_type"] == latest["area_type"]) & (same["area_name"] != area)]
        source = str(latest["source"])
        dataset = self.datasets.get(source.split("#")[0])
        return IndicatorTable(
            indicator_id=str(latest["indicator_id"]),
            indicator_name=str(latest["indicator_name"]),
            definition=str(latest["definition"]),
            unit=str(latest["unit"]),
            area=area,
            sex=str(latest["sex"]),
            category=str(latest["category"]),
            source=source,
            period=str(period),
            value=value,
            lower_ci=lower,
            upper_ci=upper,
            count=as_float(latest["count"]),
            denominator=as_float(latest["denominator"]),
            england_value=england_value,
            region=region,
            region_value=as_float(region_rows["value"].iloc[0]) if len(region_rows) else None,
            comparison=comparison,
            polarity=polarity,
            trend=tuple((str(p), as_float(v)) for p, v in zip(mine["period"], mine["value"], strict=True)),
            comparable=tuple(
                (str(a), as_float(v)) for a, v in zip(peers["area_name"][:10], peers["value"][:10], strict=True)
            ),
            ranking=order,
            recent_trend=str(latest["trend"]),
            dataset=dataset.title if dataset else "",
            publisher=dataset.publisher if dataset else "",
            published=dataset.year if dataset else None,
            rows=tuple(mine.drop(columns=["source"]).to_dict("records")),
        )

    def _rank_parts(
        self, rows: pd.DataFrame, areas: Sequence[str], sex: str, lowest: bool, wanted_type: str
    ) -> IndicatorTable | None:
        """A ranking over a file that has the named area's parts but not the area itself: a district file for
        "which West Sussex district ...", a ward file named after its borough for "which Trafford ward ..."."""
        for area in areas:
            known = self.gazetteer.county_parts.get(area, set())
            parts = rows[rows["area_name"].isin(known) | (rows["parent_name"] == area)]
            if parts.empty and wanted_type and slugify(area) in slugify(str(rows["source"].iloc[0])):
                parts = rows
            if wanted_type:
                parts = parts[parts["area_type"].str.contains(wanted_type, na=False)]
            if parts.empty:
                continue
            headline = _headline(parts, sex)
            if headline.empty:
                continue
            order = _order(_like(parts, headline.iloc[-1].to_dict()), lowest)
            if not order:
                continue
            table = self._table(rows, [order[0][0]], sex, False, lowest)
            return replace(table, ranking=order) if table is not None else None
        return None


def _like(rows: pd.DataFrame, row: Mapping[str, Any]) -> pd.DataFrame:
    """The rows with the same period, sex, age and category as ``row``: the figures comparable with it."""
    return rows[
        (rows["period"] == row["period"])
        & (rows["sex"] == row["sex"])
        & (rows["age"] == row["age"])
        & (rows["category"] == row["category"])
    ]


def _order(rows: pd.DataFrame, lowest: bool) -> tuple[tuple[str, float | None], ...]:
    """(area, value) of the rows with a value, highest first (lowest first when asked)."""
    ranked = rows.dropna(subset=["value"]).sort_values("value", ascending=lowest)
    return tuple((str(a), as_float(v)) for a, v in zip(ranked["area_name"], ranked["value"], strict=True))


def _parts(same: pd.DataFrame, area: str, area_type: str, known_parts: set[str], wanted_type: str) -> pd.DataFrame:
    """The areas to rank for a question about ``area``: its parts by the data's parent links, or by the parts
    other files show it has; else, for a county in a local file (few districts), that file's districts; else the
    areas of the kind the question names, or of the area's own kind."""
    for parts in (same[same["parent_name"] == area], same[same["area_name"].isin(known_parts)]):
        if wanted_type:
            parts = parts[parts["area_type"].str.contains(wanted_type, na=False)]
        if len(parts):
            return parts
    districts = same[same["area_type"].str.contains("District", na=False)]
    if "County" in area_type and 0 < districts["area_name"].nunique() <= LOCAL_FILE_DISTRICTS:
        return districts
    if wanted_type and same["area_type"].str.contains(wanted_type, na=False).any():
        return same[same["area_type"].str.contains(wanted_type, na=False)]
    return same[same["area_type"] == area_type]


def _headline(rows: pd.DataFrame, sex: str = "Persons") -> pd.DataFrame:
    """One series to quote: the total over breakdowns, the asked-for sex (else persons, else any), the most
    common age band, in period order."""
    total = rows[rows["category"] == ""]
    if total.empty:
        total = rows[rows["category"].str.match(TOTAL_CATEGORY, na=False)]
    rows = total
    for wanted in (sex, "Persons", ""):
        if (rows["sex"] == wanted).any():
            rows = rows[rows["sex"] == wanted]
            break
    if len(rows) and rows["age"].nunique() > 1:
        rows = rows[rows["age"] == rows["age"].mode().iloc[0]]
    return rows.sort_values("period", kind="stable").drop_duplicates("period", keep="last")
