"""Stale evidence: a figure a passage quotes for a period, when the indicator data holds the same measure for the
same area with a newer period.

The passage's own figure is what proves the measure: a sentence that names a period and quotes a figure is matched
to the rows of the long table whose value, written to the sentence's precision, is that figure, for that period
(the same span of years), for an area the sentence names (else one its passage or document names, else the data's
home area). Only a row on the indicator's headline series for that area counts (the series its table quotes, so a
breakdown or another sex is never taken for the total), and only when the sentence holds most of the indicator
name's words (:data:`MIN_NAME_SHARE`). Then the newest figure for that indicator and area, from any file that
carries the indicator, is the note when its period ends after the quoted one. A figure that the data does not hold,
for an area and period that it does not hold, gets no note: the note is never about a different measure or area.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assistant.indicators.gazetteer import NATIONAL, Gazetteer
from assistant.indicators.tables import IndicatorTable, TableBuilder
from assistant.text import PERIODS, split_sentences, years_in

FIGURE = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])|(?<![\d.,])\d+(?:\.\d+)?(?![\d])")
WORD = re.compile(r"[a-z]{4,}")
STEM = 4  # words compared by their first letters: "smoking" and "smokers", "obesity" and "obese"
MIN_NAME_SHARE = 0.6  # of the indicator name's words that the sentence must hold
MAX_FIGURES = 4  # a "sentence" quoting more is a table or chart read as text: which figure is whose is unclear
# Words of indicator names that say nothing of the measure: they must not be what a passage shares with it.
GENERIC = frozenset(
    "rate rates number percentage proportion people persons population aged years year total area areas "
    "with from those under over per cent all ages crude directly standardised".split()
)


@dataclass(frozen=True)
class NewerData:
    """A figure a passage quotes (``quoted`` for ``quoted_period``) and the data's newer figure for the same measure
    and area: ``table`` (its headline is the newest period)."""

    quoted: str
    quoted_period: str
    sentence: str
    table: IndicatorTable

    def to_dict(self) -> dict[str, Any]:
        t = self.table
        return {
            "quoted": self.quoted,
            "quoted_period": self.quoted_period,
            "indicator_id": t.indicator_id,
            "indicator_name": t.indicator_name,
            "area": t.area,
            "period": t.period,
            "value": t.value,
            "lower_ci": t.lower_ci,
            "upper_ci": t.upper_ci,
            "unit": t.unit,
            "source": t.source,
        }


def span(period: str) -> tuple[int, int] | None:
    """The first and last year a period covers ("2016/17" -> (2016, 2017), "2014 - 16" -> (2014, 2016))."""
    years = years_in(period, period=True)
    return (min(years), max(years)) if years else None


class StaleCheck:
    """The long table indexed by period span, to find the rows a quoted figure could be."""

    def __init__(self, table: pd.DataFrame, gazetteer: Gazetteer, builder: TableBuilder) -> None:
        self.table = table
        self.gazetteer = gazetteer
        self.builder = builder
        self.values = table["value"].to_numpy(dtype=float)
        self.areas = table["area_name"].to_numpy(dtype=object)
        self.names = table["indicator_name"].astype(str).to_numpy(dtype=object)
        self.by_span: dict[tuple[int, int], np.ndarray] = {}
        for period, rows in table.groupby("period", sort=False).indices.items():
            key = span(str(period))
            if key is not None:
                self.by_span[key] = np.concatenate([self.by_span.get(key, np.zeros(0, int)), rows])
        self.by_id = {key: rows for key, rows in table.groupby("indicator_id", sort=False)}

    def newer(self, text: str, about: str = "") -> list[NewerData]:
        """Newer data for the figures ``text`` (a passage) quotes; ``about`` names its document (its title), for the
        area when neither the sentence nor the passage names one."""
        notes: dict[tuple[str, str], NewerData] = {}
        fallback: list[str] | None = None
        for sentence in split_sentences(text):
            periods = [(m.group(), years) for m in PERIODS.finditer(sentence) if (years := span(m.group()))]
            figures = _figures(sentence) if periods else []
            if not figures or len(figures) > MAX_FIGURES:
                continue  # no figure for a period; or a table or chart read as text, whose figure is whose unclear
            words = _stems(sentence)
            held = [(f, p, rows) for f in figures for p in periods if len(rows := self._holding(f, p[1], words))]
            if not held:
                continue  # no indicator whose name the sentence holds has any of its figures for that period
            found, _ = self.gazetteer.find(sentence)
            if len(figures) > 1 and sum(not all(n.lower() in NATIONAL for n in meanings) for _, meanings in found) > 1:
                continue  # several places' figures: no telling which is whose
            areas = self.gazetteer.areas_in(sentence)
            if not areas:
                if fallback is None:
                    fallback = self.gazetteer.areas_in(text) or self.gazetteer.areas_in(about)
                    fallback = fallback or ([self.gazetteer.home_area] if self.gazetteer.home_area else [])
                areas = fallback
            latest = max(end for _, (_, end) in periods)
            for (quoted, _, _), (label, years), rows in held:
                for table in self._newer(rows, set(areas), years):
                    if (span(table.period) or (0, 0))[1] > latest:  # not when the sentence goes on to a newer one
                        notes.setdefault((table.indicator_id, table.area), NewerData(quoted, label, sentence, table))
        return list(notes.values())

    def _holding(self, figure: tuple[str, float, int], years: tuple[int, int], words: set[str]) -> np.ndarray:
        """Rows for the period ``years`` whose value, written to the figure's decimal places, is the figure, of
        indicators whose names the sentence's ``words`` hold (most of their words)."""
        rows = self.by_span.get(years)
        if rows is None:
            return np.zeros(0, int)
        _, value, decimals = figure
        rows = rows[np.abs(np.round(self.values[rows], decimals) - value) < 1e-9]
        return np.array([row for row in rows if _named(self.names[row], words)], dtype=int)

    def _newer(self, rows: np.ndarray, areas: set[str], years: tuple[int, int]) -> list[IndicatorTable]:
        """The newest tables of the indicators of ``rows`` (rows holding a quoted figure) for one of ``areas``,
        when a period newer than ``years`` is in the data."""
        found = []
        for row in rows[np.isin(self.areas[rows], list(areas))]:
            table = self._latest(self.table.iloc[int(row)], years)
            if table is not None:
                found.append(table)
        return found

    def _latest(self, record: pd.Series, years: tuple[int, int]) -> IndicatorTable | None:
        """The newest table for the record's indicator and area, when the record is on its own file's headline
        series and some file carries a period ending after ``years``."""
        area, sex = str(record["area_name"]), str(record["sex"]) or "Persons"
        series = self.by_id[record["indicator_id"]]
        own = self.builder.table(series[series["source"] == record["source"]], area, sex)
        if own is None or not any(
            period == record["period"] and value is not None and abs(value - float(record["value"])) < 1e-9
            for period, value in own.trend
        ):
            return None  # a breakdown or another series: not the figure the indicator's table quotes
        tables = [own]
        for source, rows in series.groupby("source", sort=False):
            if source != record["source"]:
                other = self.builder.table(rows, area, sex)
                if other is not None and other.unit == own.unit:
                    tables.append(other)
        newest = max(tables, key=lambda t: (span(t.period) or (0, 0))[1])
        end = (span(newest.period) or (0, 0))[1]
        return newest if end > years[1] and newest.value is not None else None


def _stems(text: str) -> set[str]:
    return {word[:STEM] for word in WORD.findall(text.lower()) if word not in GENERIC}


@functools.lru_cache(maxsize=4096)
def _name_stems(name: str) -> frozenset[str]:
    return frozenset(_stems(name))


def _named(name: str, words: set[str]) -> bool:
    """The sentence's ``words`` hold most of the indicator name's (:data:`MIN_NAME_SHARE`)."""
    stems = _name_stems(name)
    return bool(stems) and len(stems & words) >= MIN_NAME_SHARE * len(stems)


def _figures(sentence: str) -> list[tuple[str, float, int]]:
    """The figures a sentence quotes (not its years or periods), as written, their value and decimal places. Only
    figures precise enough to identify a row: with decimals (9.1, 17.9) or whole numbers from 100 (a count of 724);
    "15" or "23%" is held by too many rows by chance."""
    text = PERIODS.sub(lambda m: " " * len(m.group()), sentence)
    out = []
    for match in FIGURE.finditer(text):
        written = match.group()
        number = float(written.replace(",", ""))
        decimals = len(written.partition(".")[2])
        if (decimals == 0 and number < 100) or (decimals and number < 1):
            continue
        end = match.end()
        unit = "%" if text[end : end + 1] == "%" or text[end : end + 9].lower().startswith(" per cent") else ""
        out.append((written + unit, number, decimals))
    return out
