"""Pure formatting for the app: escaped passage HTML with the answering sentences marked, indicator tables as
data frames, trend charts, comparison colours. No Streamlit here, so tests call these directly."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from assistant.indicators import IndicatorTable

COLOURS = {"better": "#1b7837", "similar": "#b8860b", "worse": "#c51b7d", "higher": "#4d4d4d", "lower": "#4d4d4d"}


def answer_sentences(answer_text: str) -> list[str]:
    """The sentences of an extractive answer, without their citation markers."""
    return [part.strip() for part in re.split(r"\s*\[\d+\]\s*", answer_text) if part.strip()]


def passage_html(text: str, marked: Sequence[str] = ()) -> str:
    """The passage as inert HTML (every character escaped), with the given sentences wrapped in <mark>."""
    escaped = html.escape(text)
    for sentence in sorted({s for s in marked if s}, key=len, reverse=True):
        target = html.escape(sentence)
        if target in escaped:
            escaped = escaped.replace(target, f"<mark>{target}</mark>")
    return f'<div style="white-space: pre-wrap; line-height: 1.5">{escaped}</div>'


def comparison_colour(comparison: str) -> str:
    return COLOURS.get(comparison.split()[0].lower() if comparison else "", "#4d4d4d")


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def headline(table: IndicatorTable) -> str:
    """ "West Sussex 9.1% (95% CI 8.5 to 9.7), England 10.6%: Similar" - what a bid quotes."""
    unit = "%" if table.unit.strip() in {"%", "percent", "per cent"} else f" {table.unit}" if table.unit else ""
    ci = f" (95% CI {_fmt(table.lower_ci)} to {_fmt(table.upper_ci)})" if table.lower_ci is not None else ""
    england = f", England {_fmt(table.england_value)}{unit}" if table.england_value is not None else ""
    return f"{table.area} {_fmt(table.value)}{unit}{ci}{england}: {table.comparison} ({table.period})"


def table_frame(table: IndicatorTable) -> pd.DataFrame:
    """The area, its region and England for the table's period, one row each."""
    rows: list[dict[str, Any]] = [
        {
            "area": table.area,
            "value": table.value,
            "lower 95% CI": table.lower_ci,
            "upper 95% CI": table.upper_ci,
            "count": table.count,
            "denominator": table.denominator,
            "compared with England": table.comparison,
        },
    ]
    if table.region and table.region_value is not None:
        rows.append({"area": table.region, "value": table.region_value})
    if table.england_value is not None:
        rows.append({"area": "England", "value": table.england_value})
    return pd.DataFrame(rows)


def trend_chart(table: IndicatorTable) -> Any:
    """An Altair line chart of the area's values over time, or None when there is one point or less."""
    points = [(period, value) for period, value in table.trend if value is not None]
    if len(points) < 2:
        return None
    import altair as alt

    data = pd.DataFrame(points, columns=["period", "value"])
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(x=alt.X("period:N", sort=None, title="period"), y=alt.Y("value:Q", title=table.unit or "value"))
        .properties(height=220, title=f"{table.indicator_name}: {table.area}")
    )
