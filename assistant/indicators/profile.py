"""An area's indicators at a glance, in the manner of a Fingertips spine chart.

For one area: every indicator with a value for it (its latest period; one row per sex where the data has no
persons figure), with the range of the areas of its kind for the same period (the spine), Better / Similar /
Worse than England, the trend and its theme. Themes are the Public Health Outcomes Framework's domains, each
indicator put in the one its name and definition are closest to in meaning (the catalogue's vectors against the
domains' descriptions, embedded with the same model). The indicators where the area is worse than England come
first.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assistant.errors import JsnaError
from assistant.indicators.gazetteer import ENGLAND
from assistant.indicators.match import IndicatorCatalogue
from assistant.indicators.tables import IndicatorTable, TableBuilder

# The Public Health Outcomes Framework's domains, with what each covers, and the population, which PHOF leaves out.
THEMES = (
    ("Life expectancy", "life expectancy at birth and at 65, healthy life expectancy, the gap in life expectancy"),
    (
        "Wider determinants of health",
        "deprivation, poverty, children in low income families, employment, education, school readiness, housing, "
        "homelessness, crime, violence, road injuries, fuel poverty",
    ),
    (
        "Health improvement",
        "smoking, obesity and excess weight, physical activity, diet, alcohol, drug use, breastfeeding, teenage "
        "conceptions, oral health, tooth decay, self-harm, wellbeing, screening, falls",
    ),
    (
        "Health protection",
        "infectious disease, food poisoning, campylobacter, tuberculosis, HIV, sexually transmitted infections, "
        "chlamydia, vaccination and immunisation coverage, air pollution",
    ),
    (
        "Healthcare and premature mortality",
        "mortality rates, deaths, infant and child mortality, preventable and premature deaths, suicide, "
        "cancer, cardiovascular disease, dementia, hospital admissions",
    ),
    ("Population", "number of people, population estimates and projections, births, age structure"),
)
WORSE = "Worse"


@dataclass(frozen=True)
class Spine:
    """The spread of the areas of the same kind for the same period: lowest, 25th and 75th percentiles, highest."""

    lowest: float
    lower_quartile: float
    upper_quartile: float
    highest: float
    areas: int


@dataclass(frozen=True)
class ProfileRow:
    table: IndicatorTable
    theme: str
    spine: Spine | None = None
    trend: str = ""  # "↑ increasing", "↓ decreasing", "→ no change" (the file's own statement when it has one)

    @property
    def worse(self) -> bool:
        return self.table.comparison.split(" ")[0] == WORSE


@dataclass(frozen=True)
class IndicatorProfile:
    """An area's rows: those worse than England first, then by theme in :data:`THEMES` order."""

    area: str
    area_type: str
    rows: tuple[ProfileRow, ...]


def profile_areas(table: pd.DataFrame) -> list[str]:
    """Every area that has a value in the data, England last."""
    named = table.dropna(subset=["value"])["area_name"]
    names = sorted({str(n) for n in named if n}, key=str.casefold)
    return [n for n in names if n.lower() != ENGLAND] + [n for n in names if n.lower() == ENGLAND]


def resolve_area(table: pd.DataFrame, asked: str, areas_in: Callable[[str], list[str]]) -> str:
    """The data's name for the area asked for ("crawley", "Brighton"), else a :class:`JsnaError` naming the
    closest areas the data has."""
    known = profile_areas(table)
    exact = {name.casefold(): name for name in known}
    if asked.strip().casefold() in exact:
        return exact[asked.strip().casefold()]
    found = [name for name in areas_in(asked) if name in known]
    if found:
        return found[0]
    close = difflib.get_close_matches(asked.strip(), known, n=5, cutoff=0.6)
    advice = f"Did you mean {', '.join(close)}?" if close else f"Areas with data: {', '.join(known[:12])} ..."
    raise JsnaError(f"The indicator data has no figures for “{asked.strip()}”.", advice)


def theme_of(catalogue: IndicatorCatalogue, embed: Callable[[list[str]], np.ndarray]) -> dict[tuple[str, str], str]:
    """Each catalogue indicator (id, source) -> the theme it is closest to in meaning."""
    themes = embed([f"{name}: {covers}" for name, covers in THEMES])
    nearest = np.argmax(catalogue.vectors @ themes.T, axis=1) if len(catalogue.vectors) else []
    keys = zip(catalogue.entries["indicator_id"], catalogue.entries["source"], strict=True)
    return {key: THEMES[int(n)][0] for key, n in zip(keys, nearest, strict=True)}


def area_profile(builder: TableBuilder, themes: dict[tuple[str, str], str], area: str) -> IndicatorProfile:
    """Every indicator with a value for ``area`` (the data's own name for it, see :func:`resolve_area`)."""
    rows: list[ProfileRow] = []
    area_type = ""
    for key, group in builder.groups.items():
        mine = group[(group["area_name"] == area) & group["value"].notna()]
        if mine.empty:
            continue
        area_type = area_type or str(mine["area_type"].iloc[0])
        sexes = ["Persons"] if (mine["sex"] == "Persons").any() else sorted(set(mine["sex"]))
        for sex in sexes:
            table = builder.table(group, area, sex)
            if table is None or table.value is None:
                continue
            rows.append(ProfileRow(table, themes.get(key, THEMES[-1][0]), _spine(group, table), trend_label(table)))
    rows = _one_per_indicator(rows)
    order = {name: n for n, (name, _) in enumerate(THEMES)}
    rows.sort(key=lambda r: (not r.worse, order.get(r.theme, len(order)), r.table.indicator_name.casefold()))
    return IndicatorProfile(area, area_type, tuple(rows))


def _one_per_indicator(rows: list[ProfileRow]) -> list[ProfileRow]:
    """One row per indicator name and sex: the latest period's (two files may hold the same indicator)."""
    best: dict[tuple[str, str], ProfileRow] = {}
    for row in rows:
        key = (row.table.indicator_name.casefold(), row.table.sex)
        if key not in best or row.table.period > best[key].table.period:
            best[key] = row
    return list(best.values())


def _spine(group: pd.DataFrame, table: IndicatorTable) -> Spine | None:
    """The spread of the areas of the table's area's kind for its period, sex and category."""
    own = group[group["area_name"] == table.area]
    kind = str(own["area_type"].iloc[0]) if len(own) else ""
    peers = group[
        (group["period"] == table.period)
        & (group["sex"] == table.sex)
        & (group["category"] == table.category)
        & (group["area_type"] == kind)
    ]
    values = peers.drop_duplicates("area_name")["value"].dropna().to_numpy(dtype=float)
    if len(values) < 3:
        return None
    low, q1, q3, high = np.percentile(values, [0, 25, 75, 100])
    return Spine(float(low), float(q1), float(q3), float(high), len(values))


def trend_label(table: IndicatorTable) -> str:
    """The direction of the area's series: the file's own trend statement where it gives one, else the change
    between the last two periods with a value; empty for a single period."""
    stated = table.recent_trend.strip()
    low = stated.lower()
    if stated and not low.startswith(("could not", "cannot", "not ")):
        arrow = "↑" if "increas" in low else "↓" if "decreas" in low else "→"
        return f"{arrow} {stated}"
    points = [value for _, value in table.trend if value is not None]
    if len(points) < 2:
        return ""
    last, before = points[-1], points[-2]
    if last > before:
        return "↑ up since the previous period"
    if last < before:
        return "↓ down since the previous period"
    return "→ no change since the previous period"
