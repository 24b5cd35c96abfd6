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
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from assistant.glossary import expansions
from assistant.indicators_load import NUMBER_COLUMNS, slugify
from assistant.lexical import Lexical

ENGLAND = "england"
NATIONAL = {ENGLAND, "england and wales"}  # benchmarks in "compared with England", not subjects
RANKING = re.compile(
    r"\b(which|what|where)\b.*\b(highest|lowest|worst|best|most|least|top|bottom|longest|shortest|largest|biggest|"
    r"greatest|smallest|fewest)\b|\brank",
    re.I,
)
LOWEST_FIRST = re.compile(r"\b(lowest|least|bottom|shortest|smallest|fewest)\b", re.I)
MATCH_RRF_K = 60
LOCAL_FILE_DISTRICTS = 30  # a file with more districts than this covers the country, not one county
BENCHMARK_ONLY = re.compile(r"\b(compared?|than|vs\.?|versus|against|nationally|national average)\b", re.I)
AREA_WORDS = {"ward": "Ward", "district": "District", "county": "County", "region": "Region", "ccg": "CCG"}
FEMALE = re.compile(r"\b(women|woman|female|females|girls?|mothers?)\b", re.I)
MALE = re.compile(r"\b(men|man|male|males|boys?|fathers?)\b", re.I)
TOTAL_CATEGORY = re.compile(r"^(all\b|total\b|persons\b)", re.I)
MIN_INDICATOR_SIMILARITY = 0.45


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
    rows: tuple[dict[str, Any], ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("trend", "comparable", "ranking"):
            data[key] = [{"label": label, "value": value} for label, value in data[key]]
        data["rows"] = list(self.rows)
        return data


def _as_float(value: Any) -> float | None:
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
    base = re.sub(r"^(nhs|city of|county of|royal borough of|london borough of)\s+", "", name, flags=re.I)
    base = re.sub(r"\s+(ua|council|county council|district|borough|ccg)$", "", base, flags=re.I)
    aliases.add(base)
    for part in re.split(r",\s*|\s+and\s+|\s*&\s*", base):
        if len(part) >= 4 and part.lower() not in {"city", "county", "north", "south", "east", "west"}:
            aliases.add(part)
    return {alias.strip() for alias in aliases if alias.strip()}


class IndicatorIndex:
    """The long table with what matching needs: an indicator catalogue, its vectors and BM25, a gazetteer."""

    def __init__(self, table: pd.DataFrame, vectors: np.ndarray) -> None:
        # Plain Python strings: Parquet's Arrow-backed string columns are several times slower to filter row by row.
        texts = [c for c in table.columns if c not in NUMBER_COLUMNS]
        self.table = table = table.astype({c: object for c in texts})
        self.catalogue = catalogue(table)
        self.vectors = vectors
        texts = [f"{r.indicator_name} {r.definition}" for r in self.catalogue.itertuples()]
        self.lexical = Lexical.build_texts(texts)
        self.gazetteer = self._gazetteer()
        self.groups = {key: rows for key, rows in table.groupby(["indicator_id", "source"], sort=False)}
        self.england = table[table["area_name"].str.lower() == ENGLAND]
        counties = table[table["area_type"].str.contains("County", na=False)]
        counts = (counties if len(counties) else table[table["area_name"].str.lower() != ENGLAND])["area_name"]
        self.home_area = str(counts.value_counts().index[0]) if len(counts) else ""
        self.county_parts = _county_parts(table)
        self.parents = _parents(table, self.county_parts)

    def _gazetteer(self) -> list[tuple[re.Pattern[str], list[str]]]:
        """Each alias with the area names it may mean, the exact name first, then shortest first: "Coastal West
        Sussex" is both a CCG's short name in one file and "NHS Coastal West Sussex CCG" in another."""
        names = set(self.table["area_name"].dropna().astype(str))
        entries: dict[str, list[str]] = {}
        for name in sorted(names, key=len):
            for alias in area_aliases(name):
                entries.setdefault(alias.lower(), []).append(name)
        for alias, meanings in entries.items():
            meanings.sort(key=lambda name: name.lower() != alias)
        ordered = sorted(entries.items(), key=lambda item: -len(item[0]))
        return [(re.compile(r"(?<![a-z])" + re.escape(alias) + r"(?![a-z])"), names) for alias, names in ordered]

    def areas_in(self, question: str) -> list[str]:
        """Areas the question names, in the order it names them (each with the other areas its words may mean
        after it); England only when it names no other area (in "worse than England" England is the benchmark,
        not the subject)."""
        found, _ = self._find_areas(question)
        names = list(dict.fromkeys(name for _, meanings in sorted(found) for name in meanings))
        others = [name for name in names if name.lower() not in NATIONAL]
        return others or names

    def _find_areas(self, question: str) -> tuple[list[tuple[int, list[str]]], str]:
        """The area names in the question (position, meanings), and the question without them."""
        lowered = question.lower()
        found: list[tuple[int, list[str]]] = []
        for pattern, meanings in self.gazetteer:
            match = pattern.search(lowered)
            if match:
                lowered = lowered[: match.start()] + " " * len(match.group()) + lowered[match.end() :]
                found.append((match.start(), meanings))
        return found, lowered

    def match(self, question: str, vector: np.ndarray, k: int = 3) -> list[int]:
        """Rows of the catalogue for the indicators that best match the question: each shares a word with it
        (after glossary expansion) or is close in meaning (similarity >= MIN_INDICATOR_SIMILARITY)."""
        fused: dict[int, float] = {}
        similarity = self.vectors @ vector if len(self.vectors) else np.zeros(0)
        for rank, row in enumerate(np.argsort(-similarity)[:20]):
            if similarity[row] >= MIN_INDICATOR_SIMILARITY:
                fused[int(row)] = fused.get(int(row), 0.0) + 1.0 / (MATCH_RRF_K + rank + 1)
        topic = self._find_areas(question)[1]  # "Sussex" in a question should not match "... in West Sussex"
        query = " ".join([topic, *expansions(topic)])
        scores = self.lexical.scores(query, len(self.catalogue))
        for rank, row in enumerate(np.argsort(-scores)[:20]):
            if scores[row] > 0:
                fused[int(row)] = fused.get(int(row), 0.0) + 1.0 / (MATCH_RRF_K + rank + 1)
        return sorted(fused, key=lambda row: -fused[row])[:k]

    def tables(
        self, question: str, vector: np.ndarray, k: int = 3, areas: Sequence[str] | None = None
    ) -> list[IndicatorTable]:
        """The best ``k`` indicator tables; ``areas`` overrides the areas read from the question."""
        areas = list(areas) if areas is not None else self.areas_in(question)
        if not areas or (all(a.lower() in NATIONAL for a in areas) and BENCHMARK_ONLY.search(question)):
            areas = [self.home_area] if self.home_area else areas  # "compared with England": ours against it
        wanted_type = next(
            (kind for word, kind in AREA_WORDS.items() if re.search(rf"\b{word}s?\b", question, re.I)), ""
        )
        ranking = RANKING.search(question)
        lowest = bool(ranking and LOWEST_FIRST.search(question))
        sex = "Female" if FEMALE.search(question) else "Male" if MALE.search(question) else "Persons"
        exact: list[tuple[int, IndicatorTable]] = []
        wider: list[tuple[int, IndicatorTable]] = []  # the wider area's figure where the file has none for ours
        parents = [self.parents[a] for a in areas if a in self.parents]
        for rank, row in enumerate(self.match(question, vector, k * 3)):
            entry = self.catalogue.iloc[row]
            rows = self.groups[(entry.indicator_id, entry.source)]
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

    def _table(
        self, rows: pd.DataFrame, areas: Sequence[str], sex: str, ranking: bool, lowest: bool, wanted_type: str = ""
    ) -> IndicatorTable | None:
        area = next((a for a in areas if (rows["area_name"] == a).any()), None)
        if area is None:
            return self._rank_parts(rows, areas, sex, lowest, wanted_type) if ranking else None
        mine = _headline(rows[rows["area_name"] == area], sex)
        if mine.empty:  # only breakdowns (ethnic groups, deciles) without a total: no headline figure to quote
            return None
        latest = mine.iloc[-1]
        period = latest["period"]
        same = _like(rows, latest)
        order: tuple[tuple[str, float | None], ...] = ()
        if ranking:
            # "Which district in West Sussex has the highest ...": rank the named area's parts when the data has
            # them, else the areas of its kind; the table is then about the area at the top.
            parts = self.county_parts.get(area, set())
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
        england_value = _as_float(england["value"].iloc[0]) if len(england) else None
        region = str(latest["parent_name"]) if latest["parent_name"] and latest["parent_name"] != area else ""
        region_rows = same[same["area_name"] == region] if region else same.iloc[0:0]
        polarity = str(latest["polarity"])
        value, lower, upper = (_as_float(latest[c]) for c in ("value", "lower_ci", "upper_ci"))
        given = str(latest["compared_to_england"])
        comparison = given or compare(value, lower, upper, england_value, polarity)
        peers = same[(same["area_type"] == latest["area_type"]) & (same["area_name"] != area)]
        return IndicatorTable(
            indicator_id=str(latest["indicator_id"]),
            indicator_name=str(latest["indicator_name"]),
            definition=str(latest["definition"]),
            unit=str(latest["unit"]),
            area=area,
            sex=str(latest["sex"]),
            category=str(latest["category"]),
            source=str(latest["source"]),
            period=str(period),
            value=value,
            lower_ci=lower,
            upper_ci=upper,
            count=_as_float(latest["count"]),
            denominator=_as_float(latest["denominator"]),
            england_value=england_value,
            region=region,
            region_value=_as_float(region_rows["value"].iloc[0]) if len(region_rows) else None,
            comparison=comparison,
            polarity=polarity,
            trend=tuple((str(r.period), _as_float(r.value)) for r in mine.itertuples()),
            comparable=tuple((str(r.area_name), _as_float(r.value)) for r in peers.head(10).itertuples()),
            ranking=order,
            rows=tuple(mine.drop(columns=["source"]).to_dict("records")),
        )

    def _rank_parts(
        self, rows: pd.DataFrame, areas: Sequence[str], sex: str, lowest: bool, wanted_type: str
    ) -> IndicatorTable | None:
        """A ranking over a file that has the named area's parts but not the area itself: a district file for
        "which West Sussex district ...", a ward file named after its borough for "which Trafford ward ..."."""
        for area in areas:
            parts = rows[rows["area_name"].isin(self.county_parts.get(area, set())) | (rows["parent_name"] == area)]
            if parts.empty and wanted_type and slugify(area) in slugify(str(rows["source"].iloc[0])):
                parts = rows
            if wanted_type:
                parts = parts[parts["area_type"].str.contains(wanted_type, na=False)]
            if parts.empty:
                continue
            headline = _headline(parts, sex)
            if headline.empty:
                continue
            order = _order(_like(parts, headline.iloc[-1]), lowest)
            if not order:
                continue
            table = self._table(rows, [order[0][0]], sex, False, lowest)
            return replace(table, ranking=order) if table is not None else None
        return None


def _parents(table: pd.DataFrame, county_parts: dict[str, set[str]]) -> dict[str, str]:
    """Each area's wider area (a district's county), from the data's parent links and learned county parts."""
    parents = {part: county for county, parts in county_parts.items() for part in parts}
    links = table[(table["parent_name"] != "") & ~table["parent_name"].str.lower().isin(NATIONAL)]
    for area, parent in links[["area_name", "parent_name"]].drop_duplicates("area_name").itertuples(index=False):
        parents.setdefault(str(area), str(parent))
    return parents


def _like(rows: pd.DataFrame, row: pd.Series) -> pd.DataFrame:
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
    return tuple((str(r.area_name), _as_float(r.value)) for r in ranked.itertuples())


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


def _county_parts(table: pd.DataFrame) -> dict[str, set[str]]:
    """Which districts make up a county, learned from local files: a file (or sheet) with one county and a few
    districts is about that county's districts."""
    parts: dict[str, set[str]] = {}
    for _, rows in table.groupby("source", sort=False):
        types = rows.drop_duplicates("area_name")
        counties = types[types["area_type"].str.contains("County", na=False)]["area_name"]
        districts = set(types[types["area_type"].str.contains("District", na=False)]["area_name"])
        if len(counties) == 1 and 0 < len(districts) <= LOCAL_FILE_DISTRICTS:
            parts.setdefault(str(counties.iloc[0]), set()).update(districts)
    return parts


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
