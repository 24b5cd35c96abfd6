"""Presentation shared by the edges (the CLI, the app and the evidence pack): Markdown escaping, numbers, indicator
headlines and rankings, progress labels, the ingest summary, passage HTML with the answering sentences marked,
indicator tables as data frames, trend charts. Pure functions, no Streamlit, so tests call them directly."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from assistant.indicators import IndicatorTable
from assistant.model import DocumentInfo, Hit, IngestReport, Recommendation

COLOURS = {"better": "#1b7837", "similar": "#b8860b", "worse": "#c51b7d", "higher": "#4d4d4d", "lower": "#4d4d4d"}
# What each ingest stage is called on a progress bar, and what it counts.
STAGE_LABELS = {
    "parse": "Reading documents",
    "indicators": "Reading indicator files",
    "embed": "Embedding passages",
    "write": "Writing the index",
}
STAGE_UNITS = {"parse": "doc", "indicators": "file", "embed": "chunk", "write": "step"}
RANKING_SHOWN = 10

# Backslash escapes work for every ASCII punctuation character in CommonMark; these are the ones that start
# emphasis, code, links, raw HTML, tables, strikethrough or (in Streamlit) maths.
_INLINE = re.compile(r"([\\`*_\[\]<>|~$])")
_ENTITY = re.compile(r"&(?=#?\w+;)")  # "&amp;" would otherwise show as "&"
_LINE_START = re.compile(r"^([#>+=-])|^(\d{1,9})([.)])(?=\s|$)")  # headings, quotes, lists, setext underlines


# --- text -------------------------------------------------------------------------------------------------------


def escape_inline(text: str) -> str:
    """``text`` inside a line of Markdown, shown literally: emphasis, code, links, HTML and entities are inert."""
    return _ENTITY.sub(r"\\&", _INLINE.sub(r"\\\1", text))


def escape_markdown(text: str) -> str:
    """``text`` shown literally by a Markdown renderer: emphasis, code, links, HTML, headings, quotes and lists
    are escaped. Indentation at the start of a line is dropped (Markdown would read it as a code block)."""
    lines = []
    for line in text.split("\n"):
        line = escape_inline(line.strip())
        lines.append(_LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", line))
    return "\n".join(lines)


def format_number(value: float | None) -> str:
    """A figure as people quote it: four significant figures below 1,000 (9.1, 115.8), whole numbers with
    thousands separators above (1,234); empty for no value."""
    if value is None:
        return ""
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"


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


# --- indicator tables -------------------------------------------------------------------------------------------


def comparison_colour(comparison: str) -> str:
    return COLOURS.get(comparison.split()[0].lower() if comparison else "", "#4d4d4d")


def headline(table: IndicatorTable) -> str:
    """ "West Sussex 9.1% (95% CI 8.5 to 9.7), England 10.6%: Similar (2019)" - what a bid quotes."""
    unit = "%" if table.unit.strip() in {"%", "percent", "per cent"} else f" {table.unit}" if table.unit else ""
    has_ci = table.lower_ci is not None and table.upper_ci is not None
    ci = f" (95% CI {format_number(table.lower_ci)} to {format_number(table.upper_ci)})" if has_ci else ""
    england = f", England {format_number(table.england_value)}{unit}" if table.england_value is not None else ""
    value = format_number(table.value) or "n/a"
    return f"{table.area} {value}{unit}{ci}{england}: {table.comparison} ({table.period})"


def ranking_text(table: IndicatorTable, shown: int = RANKING_SHOWN) -> str:
    """ "Crawley 24.1, Adur 22.0, ..." - the areas of a ranking with their values, a value of 0 included."""
    return ", ".join(f"{area} {format_number(value)}" for area, value in table.ranking[:shown] if value is not None)


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


# --- ingest -----------------------------------------------------------------------------------------------------


def stage_label(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage)


def format_report(report: IngestReport) -> str:
    """The summary an ingest ends with: what was added, updated, moved, removed, unchanged and skipped (why)."""
    lines = []
    if report.rebuilt_because:
        lines.append(f"Rebuilt every document: {report.rebuilt_because}.")
    counts = [
        ("added", report.added),
        ("updated", report.updated),
        ("moved", report.moved),
        ("removed", report.removed),
        ("unchanged", report.unchanged),
        ("skipped", report.skipped),
    ]
    lines.append("Documents: " + ", ".join(f"{len(items)} {label}" for label, items in counts))
    for label, items in counts[:4]:
        lines.extend(f"  {label}: {item}" for item in items)
    lines.extend(f"  skipped: {s.label}" for s in report.skipped)
    if not report.changed and not report.rebuilt_because:
        lines.append("The index was already up to date; nothing was written.")
    lines.append(
        f"Chunks: {report.chunks} in the index, {report.chunks_embedded} embedded now "
        f"(with {report.sentences_embedded} of their sentences). Took {report.seconds:.1f} s."
    )
    if report.indicator_rows:
        lines.append(f"Indicators: {report.indicator_rows} rows loaded from indicators/.")
    return "\n".join(lines)


def groups_label(count: int) -> str:
    """ "1 group of versions", "3 groups of versions"."""
    return f"{count} group{'' if count == 1 else 's'} of versions"


def version_lines(groups: Sequence[Sequence[str]], documents: dict[str, DocumentInfo]) -> list[str]:
    """One line per group of versions (:mod:`assistant.versions`), its lead first: "Title (2019) [path] leads;
    also: Other title (2018) [path]; ..."."""

    def name(path: str) -> str:
        info = documents.get(path)
        return f"{info.title} ({info.year or 'n.d.'}) [{path}]" if info else path

    return [f"{name(group[0])} leads; also: " + "; ".join(name(p) for p in group[1:]) for group in groups]


def recommendation_place(item: Recommendation, with_title: bool = False) -> str:
    """Where a recommendation is, for a line under it: "p. 3 · Recommended actions · Also in: Title (2019), p. 9";
    ``with_title`` starts with its document's citation instead of the page alone."""
    parts = [item.citation if with_title else item.pages_label, item.section]
    if item.also_in:
        parts.append("Also in: " + "; ".join(other.citation for other in item.also_in))
    return " · ".join(part for part in parts if part)


def also_in_text(hit: Hit) -> str:
    """Where else a hit's passage is, for a line under it: "Also in: Title (2019), p. 4; ..." (empty when nowhere)."""
    return "Also in: " + "; ".join(c.citation for c in hit.also_in) if hit.also_in else ""
