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
from assistant.indicators.gazetteer import ENGLAND, area_aliases
from assistant.indicators.match import IndicatorCatalogue
from assistant.indicators.tables import IndicatorTable, TableBuilder

# The Public Health Outcomes Framework's domains, with examples of what each covers, and the population, which PHOF
# leaves out. An indicator goes to the theme of the example closest to it in meaning.
THEMES = (
    (
        "Life expectancy",
        "life expectancy at birth; life expectancy at 65; healthy life expectancy; "
        "slope index of inequality in life expectancy",
    ),
    (
        "Wider determinants of health",
        "income deprivation; children in low income families; unemployment; young people not in education, "
        "employment or training; school attainment; school readiness; homelessness; housing; crime; "
        "first time entrants to the youth justice system; domestic abuse; road traffic casualties; fuel poverty; "
        "social isolation; use of outdoor space",
    ),
    (
        "Health improvement",
        "smoking prevalence; smoking in pregnancy; obesity and overweight in children; excess weight in adults; "
        "physically active adults; physical inactivity; healthy eating; alcohol; drug use; breastfeeding; "
        "teenage conceptions; low birth weight; tooth decay in children; self-reported wellbeing; "
        "cancer screening coverage; NHS health checks; falls and hip fractures; self-harm admissions",
    ),
    (
        "Health protection",
        "infectious disease incidence; food poisoning; campylobacter; tuberculosis; HIV late diagnosis; "
        "sexually transmitted infections; chlamydia detection; vaccination coverage; flu vaccination; "
        "childhood immunisation coverage; MMR; Hib/Men C booster; PCV booster; Dt/Pol and DTaP/IPV/Hib primary; "
        "newborn screening coverage; air pollution; particulate matter",
    ),
    (
        "Healthcare and premature mortality",
        "infant mortality; child mortality; under 75 mortality from cancer; under 75 mortality from "
        "cardiovascular disease; preventable mortality; suicide rate; drug misuse deaths; emergency hospital "
        "admissions; admissions for alcohol-related conditions; injuries; dementia; excess winter deaths; "
        "successful completion of drug treatment",
    ),
    ("Population", "population estimates; population projections; number of births; age structure"),
)
WORSE = "Worse"
TREND_WORDS = (  # a file's trend statement -> what the profile says
    (("not significantly changed", "no significant change"), "→ no significant change"),
    (("significantly improved", "getting better"), "↗ improving"),
    (("significantly worsened", "getting worse"), "↘ getting worse"),
    (("increasing",), "↑ increasing"),
    (("decreasing",), "↓ decreasing"),
)


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
    names: dict[str, list[str]] = {}
    for name in known:
        for alias in {name.casefold(), *(a.casefold() for a in area_aliases(name))}:
            names.setdefault(alias, []).append(name)
    for alias, meanings in names.items():
        meanings.sort(key=lambda name: name.casefold() != alias)  # "crawley": Crawley before NHS Crawley CCG
    matches = difflib.get_close_matches(asked.strip().casefold(), names, n=8, cutoff=0.6)
    close = list(dict.fromkeys(name for alias in matches for name in names[alias]))[:5]
    advice = f"Did you mean {', '.join(close)}?" if close else f"Areas with data: {', '.join(known[:12])} ..."
    raise JsnaError(f"The indicator data has no figures for “{asked.strip()}”.", advice)


def theme_of(catalogue: IndicatorCatalogue, embed: Callable[[list[str]], np.ndarray]) -> dict[tuple[str, str], str]:
    """Each catalogue indicator (id, source) -> the theme of the :data:`THEMES` example closest to it in meaning."""
    examples = [(n, example.strip()) for n, (_, covers) in enumerate(THEMES) for example in covers.split(";")]
    vectors = embed([example for _, example in examples])
    keys = list(zip(catalogue.entries["indicator_id"], catalogue.entries["source"], strict=True))
    if not keys:
        return {}
    nearest = np.argmax(catalogue.vectors @ vectors.T, axis=1)
    return {key: THEMES[examples[int(n)][0]][0] for key, n in zip(keys, nearest, strict=True)}


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
    """The direction of the area's series: from the file's own trend statement where it gives one ("the rate has
    significantly improved"), else the change between the last two periods with a value; empty for one period."""
    low = table.recent_trend.lower()
    for words, label in TREND_WORDS:
        if any(word in low for word in words):
            return label
    points = [value for _, value in table.trend if value is not None]
    if len(points) < 2:
        return ""
    last, before = points[-1], points[-2]
    if last > before:
        return "↑ up since the previous period"
    if last < before:
        return "↓ down since the previous period"
    return "→ no change since the previous period"
