"""Presentation shared by the edges (the CLI, the app and the evidence pack): Markdown escaping, numbers, indicator
headlines and rankings, progress labels, the ingest summary, passage HTML with the answering sentences marked,
indicator tables as data frames, trend charts. Pure functions, no Streamlit, so tests call them directly."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from assistant.codes import resolve
from assistant.gaps import Gap
from assistant.indicators import IndicatorTable, NewerData, ProfileRow
from assistant.model import DocumentInfo, Hit, IngestReport, Recommendation, dated
from assistant.text import SOURCE_MARK

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
MAX_WRITTEN_DECIMALS = 3  # more places than this: a figure carried at full precision, not as published
# Streamlit's captions are faded grey (#828180 on white: contrast 3.9, under WCAG's 4.5 for text of their size): solid
# #595959 here, 7.0 on white and 6.7 on the sidebar's grey. Keyboard focus is drawn plainly on every control.
ACCESSIBLE_CSS = """<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * {
  color: #595959 !important; opacity: 1 !important;
}
:focus-visible { outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
</style>"""
ACCESSIBILITY_STATEMENT = """# Accessibility statement

This service is meant to be usable by as many people as possible: with a keyboard alone (tested), and nothing is
shown by colour alone (comparisons with England say "Better", "Similar" or "Worse" in words as well as in colour).
Use with a screen reader, and with text enlarged to 200%, has not yet been tested.

**How it is checked.** Every change is tested in a real browser: the Ask page after an answer, the Area profile,
Recommendations, Staff (signed in) pages and this page are checked by axe-core 4.14.1 against the WCAG 2.2 level A
and AA rules it tests, with no failure allowed; and a keyboard-only test asks a question, opens a cited page and
downloads the evidence pack with the keyboard alone, focus visible at each step. Automated checks find only part of
what WCAG asks; the service has not yet had a manual audit.

**Known limits.**
- Data tables (indicator figures, the gaps report) are drawn on a canvas: a screen reader reads them poorly. Each
  has a download (CSV, Word or Markdown) with the same figures, and the indicator's headline figure is also given as
  text above its table.
- Trend charts are pictures of the figures in the table beside them.
- Pages of PDFs are shown as images; the text of the cited passage is shown as text beside them, and the PDF can be
  downloaded.

**Compliance status.** Public sector bodies must meet WCAG 2.2 AA (the Public Sector Bodies (Websites and Mobile
Applications) (No. 2) Accessibility Regulations 2018). This service is partially compliant: the limits above are
the known exceptions.

**Feedback.** If you find something you cannot use, tell the council's JSNA or public health intelligence team; the
staff who run this service can see and fix it.
"""

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


def format_number(value: float | None, decimals: int | None = None) -> str:
    """A figure as people quote it: at ``decimals`` places when the source's precision is known
    (:func:`source_decimals`), else four significant figures below 1,000 (9.1, 115.8); whole numbers with thousands
    separators from 1,000 up (1,234); empty for no value."""
    if value is None:
        return ""
    if abs(value) >= 1000 and (decimals is None or decimals <= 1):
        return f"{value:,.0f}"
    if decimals is not None:
        return f"{value:,.{decimals}f}"
    return f"{value:,.4g}"


def source_decimals(values: Sequence[float | None]) -> int | None:
    """The decimal places the source gives its figures to: the most any of ``values`` is written with, up to
    :data:`MAX_WRITTEN_DECIMALS`. Figures carried at full precision (17.9003, a computed rate) are shown as
    Fingertips publishes them: one decimal place, or three significant figures when every figure is below 1."""
    written = [v for v in values if v is not None and math.isfinite(v)]
    if not written:
        return None
    places = max(_places(v) for v in written)
    if places <= MAX_WRITTEN_DECIMALS:
        return places
    largest = max(abs(v) for v in written)
    return 1 if largest >= 1 or largest == 0 else max(1, 2 - math.floor(math.log10(largest)))


def _places(value: float) -> int:
    """Decimal places of the shortest text that reads back as ``value`` (9.1 -> 1, 17.9003 -> 4, 12.0 -> 0)."""
    text = repr(float(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        return max(0, len(mantissa.partition(".")[2].rstrip("0")) - int(exponent))
    return len(text.partition(".")[2].rstrip("0"))


def passage_html(text: str, marked: Sequence[str] = ()) -> str:
    """The passage as inert HTML (every character escaped), with the given sentences wrapped in <mark>: as the answer
    quotes them, that is without the source's own footnote marks, which the passage keeps ("inactive [33] with")."""
    escaped = html.escape(text)
    for sentence in sorted({s for s in marked if s}, key=len, reverse=True):
        escaped = _quoted(html.escape(sentence)).sub(lambda m: f"<mark>{m.group()}</mark>", escaped)
    return f'<div style="white-space: pre-wrap; line-height: 1.5">{escaped}</div>'


def _quoted(sentence: str) -> re.Pattern[str]:
    """The sentence as it stands in its passage: a source mark (:data:`assistant.text.SOURCE_MARK`) may stand before
    any space or punctuation."""
    mark = f"(?:{SOURCE_MARK.pattern})?"
    parts = (
        mark + r"\s+" if ch.isspace() else mark + re.escape(ch) if ch in ".,;:!?)" else re.escape(ch) for ch in sentence
    )
    return re.compile("".join(parts))


# --- indicator tables -------------------------------------------------------------------------------------------


def comparison_colour(comparison: str) -> str:
    return COLOURS.get(comparison.split()[0].lower() if comparison else "", "#4d4d4d")


def table_decimals(table: IndicatorTable) -> int | None:
    """The decimal places of the table's figures: the source's own (:func:`source_decimals`) over its series,
    interval and benchmarks."""
    values = [table.value, table.lower_ci, table.upper_ci, table.england_value, table.region_value]
    return source_decimals([*values, *(v for _, v in table.trend), *(v for _, v in table.ranking)])


def figures(table: IndicatorTable) -> dict[str, str]:
    """The table's figures as quoted text at the source's precision: value, lower, upper, england, region (each
    empty when the table has none), and count and denominator as whole numbers."""
    places = table_decimals(table)
    quoted = {
        name: format_number(getattr(table, attribute), places)
        for name, attribute in (
            ("value", "value"),
            ("lower", "lower_ci"),
            ("upper", "upper_ci"),
            ("england", "england_value"),
            ("region", "region_value"),
        )
    }
    quoted["count"] = format_number(table.count, 0)
    quoted["denominator"] = format_number(table.denominator, 0)
    return quoted


def unit_suffix(table: IndicatorTable) -> str:
    """ "%" for a percentage, else the unit after a space (" per 100,000"), else nothing."""
    return "%" if table.unit.strip() in {"%", "percent", "per cent"} else f" {table.unit}" if table.unit else ""


def interval_text(table: IndicatorTable) -> str:
    """ "95% CI 8.5 to 9.7" at the source's precision; empty without an interval."""
    quoted = figures(table)
    return f"95% CI {quoted['lower']} to {quoted['upper']}" if quoted["lower"] and quoted["upper"] else ""


def headline(table: IndicatorTable) -> str:
    """ "West Sussex 9.1% (95% CI 8.5 to 9.7), England 10.6%: Similar (2019)" - what a bid quotes."""
    quoted, unit, ci = figures(table), unit_suffix(table), interval_text(table)
    england = f", England {quoted['england']}{unit}" if quoted["england"] else ""
    ci = f" ({ci})" if ci else ""
    return f"{table.area} {quoted['value'] or 'n/a'}{unit}{ci}{england}: {table.comparison} ({table.period})"


def ranking_text(table: IndicatorTable, shown: int = RANKING_SHOWN) -> str:
    """ "Crawley 24.1, Adur 22.0, ..." - the areas of a ranking with their values, a value of 0 included."""
    places = table_decimals(table)
    return ", ".join(
        f"{area} {format_number(value, places)}" for area, value in table.ranking[:shown] if value is not None
    )


def table_frame(table: IndicatorTable) -> pd.DataFrame:
    """The area, its region and England for the table's period, one row each, the figures as quoted text at the
    source's precision (blank where there is none)."""
    quoted = figures(table)
    columns = ["area", "value", "lower 95% CI", "upper 95% CI", "count", "denominator", "compared with England"]
    rows = [[table.area, *(quoted[k] for k in ("value", "lower", "upper", "count", "denominator")), table.comparison]]
    if table.region and quoted["region"]:
        rows.append([table.region, quoted["region"], "", "", "", "", ""])
    if quoted["england"]:
        rows.append(["England", quoted["england"], "", "", "", "", ""])
    return pd.DataFrame(rows, columns=columns)


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


def job_progress(stage: str, done: int, total: int) -> str:
    """Where a rebuild job has got to: "Embedding: 120/5962", or "Starting" before its first stage."""
    return f"{stage_label(stage)}: {done}/{total}" if stage else "Starting"


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
        if info is None:
            return path
        titled = dated(info.title, info.year) if info.year else f"{info.title} (n.d.)"
        return f"{titled} [{path}]"

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


def codes_text(hit: Hit) -> str:
    """The indicator codes a hit's passages cite, for a line under it: "Indicator codes: NI 56 (Obesity among
    primary school age children in Year 6); ..." (empty when it cites none)."""
    labels = [(known.code, known.name) for known in (resolve(code, {}) for code in hit.codes)]
    return "Indicator codes: " + "; ".join(f"{c} ({n})" if n else c for c, n in labels) if labels else ""


def newer_text(note: NewerData) -> str:
    """ "Newer data: West Sussex 2017/18: 1,743 (Number of admissions for self-harm; the passage quotes 1,714 for
    2016/17)" - said under a passage whose figure the indicator data has overtaken."""
    table = note.table
    quoted, ci = figures(table), interval_text(table)
    unit = "" if table.unit == "count" else unit_suffix(table)
    sex = f" ({table.sex.lower()})" if table.sex and table.sex != "Persons" else ""
    ci = f" ({ci})" if ci else ""
    return (
        f"Newer data: {table.area}{sex} {table.period}: {quoted['value']}{unit}{ci} - {table.indicator_name}"
        f"{f' ({table.dataset})' if table.dataset else ''}; the passage quotes {note.quoted} for {note.quoted_period}."
    )


# --- area profiles ----------------------------------------------------------------------------------------------

SPINE_WIDTH = 160
PROFILE_HEADER = ("Indicator", "Period", "Value (95% CI)", "England", "Compared with England", "Trend", "Spread")


def spine_html(row: ProfileRow) -> str:
    """A spine like Fingertips': the spread of the areas of the row's kind (light: lowest to highest, dark: the
    middle half), England's value as a black line, the area's value as a dot in the colour of its comparison.
    Drawn with positioned boxes (the app's HTML allows no SVG), with a text alternative; an empty string when there
    is nothing to draw."""
    table, spine = row.table, row.spine
    if spine is None or table.value is None:
        return ""
    points = [spine.lowest, spine.highest, table.value] + ([table.england_value] if table.england_value else [])
    low, high = min(points), max(points)
    span = (high - low) or 1.0

    def at(value: float) -> float:
        return round(4 + (value - low) / span * (SPINE_WIDTH - 8), 1)

    def box(left: float, width: float, top: int, height: int, style: str) -> str:
        place = f"left: {left}px; width: {max(width, 1)}px; top: {top}px; height: {height}px"
        return f'<div style="position: absolute; {place}; {style}"></div>'

    places = table_decimals(table)
    label = (
        f"{table.area} {format_number(table.value, places)}; areas of its kind range from "
        f"{format_number(spine.lowest, places)} to {format_number(spine.highest, places)} ({spine.areas} areas)"
    )
    parts = [
        box(at(spine.lowest), at(spine.highest) - at(spine.lowest), 5, 8, "background: #d9d9d9"),
        box(at(spine.lower_quartile), at(spine.upper_quartile) - at(spine.lower_quartile), 5, 8, "background: #969696"),
    ]
    if table.england_value is not None:
        label += f"; England {format_number(table.england_value, places)}"
        parts.append(box(at(table.england_value) - 1, 2, 1, 16, "background: #000"))
    colour = comparison_colour(table.comparison)
    parts.append(
        box(at(table.value) - 5, 10, 4, 10, f"background: {colour}; border-radius: 50%; outline: 1px solid #000")
    )
    return (
        f'<div role="img" aria-label="{html.escape(label)}" title="{html.escape(label)}" '
        f'style="position: relative; width: {SPINE_WIDTH}px; height: 18px">{"".join(parts)}</div>'
    )


def profile_groups(rows: Sequence[ProfileRow]) -> list[tuple[str, list[ProfileRow]]]:
    """The rows under their headings: "Worse than England" first (any theme), then each theme in order."""
    groups: dict[str, list[ProfileRow]] = {}
    for row in rows:
        groups.setdefault("Worse than England" if row.worse else row.theme, []).append(row)
    return list(groups.items())


def profile_cells(row: ProfileRow) -> tuple[str, ...]:
    """The text cells of a profile row, in the order of :data:`PROFILE_HEADER` (without the spine)."""
    table, quoted = row.table, figures(row.table)
    unit = unit_suffix(table)
    ci = interval_text(table)
    value = f"{quoted['value']}{unit}" + (f" ({ci})" if ci else "")
    qualifier = f" - {table.sex}" if table.sex not in {"", "Persons"} else ""
    name = f"{table.indicator_name}{qualifier}"
    england = f"{quoted['england']}{unit}" if quoted["england"] else ""
    return name, table.period, value, england, table.comparison, row.trend


def profile_html(rows: Sequence[ProfileRow]) -> str:
    """The profile as one HTML table per group (:func:`profile_groups`): every cell escaped, the comparison in
    words beside its colour, the spine with a text alternative."""
    out = []
    for heading, group in profile_groups(rows):
        out.append(f"<h3>{html.escape(heading)}</h3>")
        out.append('<table style="border-collapse: collapse; width: 100%">')
        out.append(
            "<thead><tr>"
            + "".join(f'<th scope="col" style="text-align: left">{html.escape(h)}</th>' for h in PROFILE_HEADER)
            + "</tr></thead><tbody>"
        )
        for row in group:
            cells = [html.escape(cell) for cell in profile_cells(row)]
            colour = comparison_colour(row.table.comparison)
            cells[4] = f'<span style="border-left: 6px solid {colour}; padding-left: 4px">{cells[4]}</span>'
            tds = "".join(
                f'<td style="padding: 2px 6px; border-top: 1px solid #ddd">{c}</td>' for c in [*cells, spine_html(row)]
            )
            out.append(f"<tr>{tds}</tr>")
        out.append("</tbody></table>")
    return "\n".join(out)


# --- the gaps report --------------------------------------------------------------------------------------------


def gaps_frame(found: Sequence[Gap]) -> pd.DataFrame:
    """The gaps report as a table: one row per group of questions worded alike."""
    return pd.DataFrame(
        [
            {
                "asked": gap.count,
                "declined": gap.declined,
                "weakly answered": gap.weak,
                "question (latest wording)": gap.question,
                "other wordings": "; ".join(gap.wordings[1:]),
                "last asked": gap.last,
            }
            for gap in found
        ],
        columns=["asked", "declined", "weakly answered", "question (latest wording)", "other wordings", "last asked"],
    )
