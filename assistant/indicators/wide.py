"""Wide data sheets -> rows of the long table.

A wide data sheet has one row per area and one column per measure, statistic and period, as in "Rate of under 18
conceptions (2016)", "LCI under 18 conceptions (2016)". It is melted: each statistic joins the nearby value column
of its period.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import pandas as pd

from assistant.errors import DocumentError
from assistant.indicators.schema import NUMBER_COLUMNS, cell_number, cell_text, normalise_unit, number_text

# A wide sheet's column heading: "<statistic> of <measure> (<period>)", "<measure> - LCI (<period>)", ...
HEADING_PERIOD = re.compile(r"^(.*?\S)\s*\(([^()]*\d\d[^()]*)\)\s*(?:-\s*historic)?$", re.I)
STATISTICS = (  # a statistic's words in a heading -> its column of the table
    (re.compile(r"\b(lower ci|lci|lcl)\b|(?<=[a-z])lcl\b", re.I), "lower_ci"),
    (re.compile(r"\b(upper ci|uci|ucl)\b|(?<=[a-z])ucl\b", re.I), "upper_ci"),
    (re.compile(r"^denominator\b|\bdenominator$|\bdenom$|\bmye\b", re.I), "denominator"),  # MYE: mid-year estimate
    (re.compile(r"\bsig(nificance)?\b(\s+vs\.?\s+eng(land)?\b)?", re.I), "compared_to_england"),
    (re.compile(r"^(number|count|n)\b", re.I), "count"),
)
NOT_MEASURES = re.compile(r"^(easting|northing|postcode|.*\burn|reference|.*geography|.*\*pop)\b", re.I)
GEOGRAPHY_HEADING = re.compile(r"^(lower geography|geography|area type|geography type|type)$", re.I)
AREA_HEADING = re.compile(r"^(reference|area|area name|name|geography name)$", re.I)
NEARBY = 8  # a statistic's value column is at most this many columns away
FILLER_WORDS = {"of", "the", "for", "at", "in", "to", "a", "and", "value", "vs", "eng"}


@dataclass(frozen=True)
class _Column:
    number: int
    name: str  # the heading without its period
    period: str
    role: str
    words: frozenset[str]


def wide_records(grid: pd.DataFrame, sheet: str, numeric_columns: int) -> pd.DataFrame:
    """A data sheet with one row per area and one column per measure, statistic and period ("Rate of under 18
    conceptions (2012)", "LCI under 18 conceptions (2012)", "Percentage of current smokers - UCI"): melted into
    one row per measure, area and period. Headings are too irregular to match exactly, so each statistic joins
    the nearby value column of the same period whose heading shares most of its words; counts that join none
    are measures of their own."""
    header = max(
        range(min(len(grid), 20)), key=lambda r: sum(bool(HEADING_PERIOD.match(cell_text(c))) for c in grid.iloc[r])
    )
    headings = {c: cell_text(grid.iat[header, c]) for c in grid.columns}
    area_column = next((c for c, h in headings.items() if AREA_HEADING.match(h)), None)
    if area_column is None or not any(HEADING_PERIOD.match(h) for h in headings.values()):
        raise DocumentError(
            sheet,
            f"wide data sheet: {numeric_columns} numeric columns, but no area column and no headings with a period "
            "in brackets to read measures from (export the indicators needed as a tidy CSV)",
        )
    body = grid.iloc[header + 1 :]
    type_column = next((c for c, h in headings.items() if GEOGRAPHY_HEADING.match(h)), None)
    kinds = body[type_column].map(cell_text) if type_column is not None else pd.Series("", index=body.index)
    places = [_wide_area(name, kind) for name, kind in zip(body[area_column].map(cell_text), kinds, strict=True)]
    has_county = any(kind == "County" for _, kind in places)
    areas = pd.Series([name for name, _ in places], index=body.index)
    types = pd.Series(["District" if k == "LA" and has_county else k for _, k in places], index=body.index)
    keep = (areas != "") & (types.str.lower() != "check")

    columns = [
        _wide_column(number, heading)
        for number, heading in headings.items()
        if number > area_column and heading and not NOT_MEASURES.match(heading)
    ]
    measures = {c.number: {"value": c} for c in columns if c.role == "value"}
    for column in columns:
        if column.role == "value":
            continue
        near = [
            measures[n]["value"] for n in range(column.number - NEARBY, column.number + NEARBY + 1) if n in measures
        ]
        scored = [(_overlap(column, v), v) for v in near if v.period == column.period]
        score, best = max(scored, key=lambda pair: pair[0], default=(0.0, None))
        held = measures[best.number].get(column.role) if best else None
        if best and score >= 0.5 and (held is None or _overlap(held, best) < score):
            measures[best.number][column.role] = column
    used = {c.number for roles in measures.values() for c in roles.values()}
    measures |= {c.number: {"count": c} for c in columns if c.role == "count" and c.number not in used}

    frames = []
    for roles in measures.values():
        main = roles.get("value") or roles["count"]
        values = body[main.number].map(cell_number)
        rows = keep & values.notna()
        if not rows.any():
            continue
        frame = pd.DataFrame({"area_name": areas[rows], "area_type": types[rows], "value": values[rows]})
        for role, column in roles.items():
            if column is not main:
                cells = body.loc[rows, column.number]
                frame[role] = cells.map(cell_text) if role == "compared_to_england" else cells.map(cell_number)
        name = re.sub(r"\s*-\s*value$", "", main.name, flags=re.I)
        unit = "count" if main.role == "count" else normalise_unit("", name)
        if unit == "%" and frame["value"].abs().max() <= 1:  # proportions as fractions: show them as percentages
            for role in ("value", "lower_ci", "upper_ci"):
                if role in frame:
                    frame[role] = frame[role] * 100
        frame["indicator_name"] = name[:1].upper() + name[1:]
        frame["unit"] = unit
        frame["period"] = main.period
        frames.append(frame)
    if not frames:
        raise DocumentError(sheet, f"wide data sheet: {numeric_columns} numeric columns, none with a value per area")
    # Pandas warns that all-empty columns (no confidence interval in a frame) will count towards the dtypes; every
    # number column is text just below, so the dtypes do not matter.
    with warnings.catch_warnings(action="ignore", category=FutureWarning):
        table = pd.concat(frames, ignore_index=True)
    for role in NUMBER_COLUMNS:
        if role in table:
            table[role] = table[role].map(number_text)
    return table


def _wide_column(number: int, heading: str) -> _Column:
    match = HEADING_PERIOD.match(heading)
    name, period = (match.group(1), match.group(2).strip()) if match else (heading, "")
    name = " ".join(name.split())
    role, measure = "value", name
    for pattern, statistic in STATISTICS:
        if pattern.search(name):
            role, measure = statistic, pattern.sub(" ", name, count=1)
            break
    words = {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in re.findall(r"[a-z0-9]+", measure.lower())}
    return _Column(number, name, period, role, frozenset(words - FILLER_WORDS))


def _overlap(statistic: _Column, value: _Column) -> float:
    """The share of a statistic heading's words that the value heading has too."""
    return len(statistic.words & value.words) / len(statistic.words) if statistic.words else 1.0


def _wide_area(name: str, kind: str) -> tuple[str, str]:
    """(area name, area type) of a wide sheet's row: "LA - Adur" -> ("Adur", "LA"); "County - West Sussex" ->
    ("West Sussex", "County"); local geographies keep their prefix so "IPEH - Arun" is not taken for Arun."""
    prefix, _, rest = kind.partition(" - ")
    if not rest:
        return (name.title() if name.isupper() else name), ("England" if kind.lower() == "england" else kind)
    if prefix.lower() == "ccg":
        return f"{rest} CCG", prefix
    if prefix.lower() in {"la", "county", "region", "district"}:
        return rest, prefix
    return kind, prefix
