"""A conversation -> an evidence pack: each question with its answer, the passages it quotes with Harvard
references, the indicator tables, and one alphabetical reference list, as Markdown or as a Word document. And the
recommendations register as a spreadsheet (CSV, Excel) or a Word document, each item with its reference.

Both formats are built from the same :class:`PackTurn` list, so they carry the same content. Nothing here reads or
writes files: the Markdown comes back as ``str`` and the Word document as ``bytes`` for the caller to save or serve.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from io import BytesIO
from typing import TYPE_CHECKING

from docx import Document
from docx.shared import Cm

from assistant.indicators import IndicatorTable
from assistant.model import Chunk, Recommendation, dated
from assistant.present import escape_inline, escape_markdown, figures, newer_text
from assistant.text import list_items

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

    from assistant.answer import Response
    from assistant.profile import AreaProfile

Turn = tuple[str, "Response"]

DEFAULT_TITLE = "JSNA evidence pack"
NEAREST = 3  # passages listed when the answer abstained
TABLE_HEADER = ("Indicator", "Area", "Period", "Value", "95% CI", "England", "Comparison", "Source")
ABSTAINED_NOTE = "No answer found."
NO_PASSAGES = "No passages were found."
NOTHING_CITED = "No passages or indicator tables were quoted."

_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Quote:
    """A page's passages shown in the pack, with the number the answer cites them by; ``chunk`` (the best of
    them) gives the reference."""

    number: int
    chunk: Chunk
    text: str
    newer: tuple[str, ...] = ()  # "Newer data: ..." for a figure it quotes that the indicator data has overtaken


@dataclass(frozen=True)
class PackTurn:
    """One question of the conversation, reduced to what the pack shows."""

    question: str
    answer: str
    abstained: bool
    cited: tuple[int, ...]
    quotes: tuple[Quote, ...]
    tables: tuple[IndicatorTable, ...]
    caution: str = ""  # the answer's sentences are about other places than the one asked


# --- references -------------------------------------------------------------------------------------------------


def _reference_parts(chunk: Chunk | Recommendation) -> tuple[str, str, str]:
    """(before the title, the title, after the title) of a Harvard reference, as plain text."""
    publisher = chunk.publisher.strip() or "Unknown publisher"
    year = str(chunk.year) if chunk.year else "n.d."
    title = " ".join((chunk.title or chunk.doc).split())
    stop = "" if title.endswith((".", "?", "!")) else "."
    label = chunk.pages_label
    location = "" if label == "whole document" else f" {label}."
    ocr = " Text read by OCR." if chunk.ocr else ""
    return f"{publisher} ({year}) ", title, f"{stop}{location}{ocr}"


def harvard_reference(chunk: Chunk | Recommendation) -> str:
    """Harvard reference in Markdown, title in italics: ``Publisher (2019) *Title*. pp. 3-4.``"""
    return _markdown_reference(_reference_parts(chunk))


def table_reference_parts(table: IndicatorTable) -> tuple[str, str, str]:
    """(before the title, the title, after the title) of a dataset's Harvard reference: ``Publisher (2020)
    *Title of the dataset* [Data set]. Sheet: Data. Indicator name, period.``; the file's name where the index
    holds no reference for it."""
    path, _, sheet = table.source.partition("#")
    publisher = table.publisher.strip() or "Unknown publisher"
    year = str(table.published) if table.published else "n.d."
    title = " ".join((table.dataset or path.rsplit("/", 1)[-1]).split())
    where = f" Sheet: {sheet}." if sheet else ""
    named = f"{table.indicator_name}, {table.period}" if table.period else table.indicator_name
    return f"{publisher} ({year}) ", title, f" [Data set].{where} {named}."


def _markdown_reference(parts: tuple[str, str, str]) -> str:
    before, title, after = parts
    return f"{escape_markdown(before.rstrip())} *{escape_inline(title)}*{escape_inline(after)}"


def references(turns: Sequence[PackTurn]) -> list[tuple[str, str, str]]:
    """Every passage the pack quotes (one per document and page(s)) and every indicator table it shows, as
    reference parts (before the title, the title, after it), in alphabetical order of reference."""
    unique: dict[tuple[str, ...], tuple[tuple[str, int, int, str], tuple[str, str, str]]] = {}
    for turn in turns:
        for quote in turn.quotes:
            c, parts = quote.chunk, _reference_parts(quote.chunk)
            order = ((parts[0] + parts[1]).casefold(), c.page_start, c.page_end, c.section.casefold())
            unique.setdefault((c.doc, c.pages_label), (order, parts))
        for table in turn.tables:
            parts = table_reference_parts(table)
            order = ((parts[0] + parts[1]).casefold(), 0, 0, parts[2].casefold())
            unique.setdefault((table.source, table.indicator_id, table.period), (order, parts))
    return [parts for _, parts in sorted(unique.values())]


# --- content shared by both formats -----------------------------------------------------------------------------


def _fallback(number: int, place: tuple[str, str, int, int, str]) -> Quote:
    """A citable stand-in when a citation's passage is not among the hits (only its reference can be shown)."""
    doc, title, page_start, page_end, section = place
    return Quote(number, Chunk("", doc, title, "", None, "", page_start, page_end, section, ""), "")


def pack_turn(question: str, response: Response) -> PackTurn:
    """What the pack shows for one turn: the passages the answer cites (by their [n]), or the nearest few when
    it abstained."""
    answer, hits = response.answer, response.hits

    def quote(number: int, hit: int) -> Quote:  # hit: its index in the hits
        notes = tuple(newer_text(note) for note in response.newer_for(hit + 1))
        return Quote(number, hits[hit].chunk, hits[hit].text, notes)

    if answer.abstained:
        quotes = tuple(quote(number, number - 1) for number in range(1, min(NEAREST, len(hits)) + 1))
    else:
        found = []
        for citation in answer.citations:
            index = citation.number - 1
            if 0 <= index < len(hits) and hits[index].chunk.doc == citation.doc:
                found.append(quote(citation.number, index))
                continue
            same = [n for n, h in enumerate(hits) if _same_place(h.chunk, citation.doc, citation.page_start)]
            place = (citation.doc, citation.title, citation.page_start, citation.page_end, citation.section)
            found.append(quote(citation.number, same[0]) if same else _fallback(citation.number, place))
        quotes = tuple(sorted(found, key=lambda quote: quote.number))
    cited = tuple(c.number for c in answer.citations)
    return PackTurn(question, answer.text, answer.abstained, cited, quotes, tuple(response.tables), answer.caution)


def profile_turn(profile: AreaProfile) -> PackTurn:
    """An area profile as a section of the pack: where the area is worse than England in words, its indicator
    tables (each with its reference) and the passages most about it."""
    worse = [row.table.indicator_name for row in profile.indicators.rows if row.worse]
    count = len(profile.indicators.rows)
    summary = f"{count} indicators with a value for {profile.area}. " + (
        f"Significantly worse than England on: {'; '.join(worse)}."
        if worse
        else "None is significantly worse than England."
    )
    quotes = tuple(Quote(n, hit.chunk, hit.text) for n, hit in enumerate(profile.hits, 1))
    tables = tuple(row.table for row in profile.indicators.rows)
    return PackTurn(f"Area profile: {profile.area}", summary, False, (), quotes, tables)


def _packed(turns: Sequence[Turn], profiles: Sequence[AreaProfile]) -> list[PackTurn]:
    return [pack_turn(question, response) for question, response in turns] + [profile_turn(p) for p in profiles]


def _same_place(chunk: Chunk, doc: str, page_start: int) -> bool:
    return chunk.doc == doc and chunk.page_start == page_start


def table_row(table: IndicatorTable) -> tuple[str, ...]:
    """The cells of one indicator table, in the order of :data:`TABLE_HEADER`, as plain text: figures at the
    source's precision, blank where there is none."""
    qualifiers = [q for q in (table.sex, table.category) if q and q.casefold() not in {"persons", "all"}]
    name = table.indicator_name + (f" ({table.unit})" if table.unit else "")
    if qualifiers:
        name += " - " + "; ".join(qualifiers)
    quoted = figures(table)
    ci = f"{quoted['lower']} to {quoted['upper']}" if quoted["lower"] and quoted["upper"] else ""
    before, title, _ = table_reference_parts(table)
    cells = (name, table.area, table.period, quoted["value"], ci, quoted["england"], table.comparison)
    return (*cells, f"{before}{title}")


def _today(generated: date | None) -> str:
    day = generated or date.today()
    return f"Generated {day.day} {day:%B %Y}."


# --- Markdown ---------------------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return escape_markdown(" ".join(text.split()))


def _md_answer(turn: PackTurn) -> str:
    text = escape_markdown(turn.answer.strip())
    for number in turn.cited:  # keep the [n] markers as written, so they match the numbered references
        text = text.replace(f"\\[{number}\\]", f"[{number}]")
    return text


def _md_quote(quote: Quote) -> list[str]:
    lines = [f"- {escape_markdown(text)}" if item else escape_markdown(text) for text, item in list_items(quote.text)]
    out = [f"> {line}  " for line in lines[:-1]] + [f"> {line}" for line in lines[-1:]]  # hard line breaks
    if out:
        out.append("")  # a blank line ends the quote, or the reference would continue it
    notes = [line for note in quote.newer for line in (f"*{escape_markdown(note)}*", "")]
    return [*out, f"[{quote.number}] {harvard_reference(quote.chunk)}", "", *notes]


def _md_table(tables: Sequence[IndicatorTable]) -> list[str]:
    rows = [TABLE_HEADER, *(table_row(t) for t in tables)]
    out = ["| " + " | ".join(_one_line(cell) for cell in row) + " |" for row in rows]
    out.insert(1, "|" + "---|" * len(TABLE_HEADER))
    return [*out, ""]


def _md_turn(turn: PackTurn) -> list[str]:
    out = [f"## {_one_line(turn.question)}", ""]
    if turn.abstained:
        out += [f"**{ABSTAINED_NOTE}** {_md_answer(turn)}".rstrip(), "", "### Nearest passages (not an answer)", ""]
    else:
        out += [_md_answer(turn) or "No answer.", ""]
        if turn.caution:
            out += [f"*{escape_markdown(turn.caution)}*", ""]
        if turn.quotes:
            out += ["### Cited passages", ""]
    if turn.abstained and not turn.quotes:
        out += [NO_PASSAGES, ""]
    for quote in turn.quotes:
        out += _md_quote(quote)
    if turn.tables:
        out += ["### Indicators", "", *_md_table(turn.tables)]
    return out


def to_markdown(
    turns: Sequence[Turn],
    title: str = DEFAULT_TITLE,
    generated: date | None = None,
    profiles: Sequence[AreaProfile] = (),
) -> str:
    """The evidence pack as Markdown, the area ``profiles`` after the questions. ``generated`` is the date shown
    (default: today)."""
    packed = _packed(turns, profiles)
    out = [f"# {_one_line(title)}", "", _today(generated), ""]
    for turn in packed:
        out += _md_turn(turn)
    out += ["## References", ""]
    out += [f"- {_markdown_reference(parts)}" for parts in references(packed)] or [NOTHING_CITED]
    return "\n".join(out).rstrip("\n") + "\n"


# --- Word -------------------------------------------------------------------------------------------------------


def _xml_safe(text: str) -> str:
    """Word rejects control characters that PDFs sometimes leave in extracted text."""
    return _XML_UNSAFE.sub("", text)


def _docx_reference(
    document: DocxDocument, chunk: Chunk | Recommendation | tuple[str, str, str], prefix: str, style: str | None = None
) -> None:
    before, title, after = chunk if isinstance(chunk, tuple) else _reference_parts(chunk)
    paragraph = document.add_paragraph(style=style)
    paragraph.add_run(_xml_safe(prefix + before))
    paragraph.add_run(_xml_safe(title)).italic = True
    paragraph.add_run(_xml_safe(after))


def _docx_quote(document: DocxDocument, quote: Quote) -> None:
    for text, item in list_items(quote.text):  # a list item stays an item
        paragraph = document.add_paragraph(style="List Bullet" if item else "Quote")
        paragraph.paragraph_format.left_indent = Cm(1.6 if item else 1)
        paragraph.paragraph_format.right_indent = Cm(1)
        paragraph.add_run(_xml_safe(text)).italic = True
    _docx_reference(document, quote.chunk, f"[{quote.number}] ")
    for note in quote.newer:
        document.add_paragraph().add_run(_xml_safe(note)).bold = True


def _docx_table(document: DocxDocument, tables: Sequence[IndicatorTable]) -> None:
    grid = document.add_table(rows=1, cols=len(TABLE_HEADER))
    grid.style = "Table Grid"
    for cell, label in zip(grid.rows[0].cells, TABLE_HEADER, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(label).bold = True
    for table in tables:
        for cell, text in zip(grid.add_row().cells, table_row(table), strict=True):
            cell.text = _xml_safe(" ".join(text.split()))


def _docx_turn(document: DocxDocument, turn: PackTurn) -> None:
    document.add_heading(_xml_safe(" ".join(turn.question.split())), level=1)
    if turn.abstained:
        paragraph = document.add_paragraph()
        paragraph.add_run(ABSTAINED_NOTE).bold = True
        if turn.answer.strip():
            paragraph.add_run(" " + _xml_safe(turn.answer.strip()))
        document.add_heading("Nearest passages (not an answer)", level=2)
        if not turn.quotes:
            document.add_paragraph(NO_PASSAGES)
    else:
        document.add_paragraph(_xml_safe(turn.answer.strip()) or "No answer.")
        if turn.caution:
            document.add_paragraph().add_run(_xml_safe(turn.caution)).italic = True
        if turn.quotes:
            document.add_heading("Cited passages", level=2)
    for quote in turn.quotes:
        _docx_quote(document, quote)
    if turn.tables:
        document.add_heading("Indicators", level=2)
        _docx_table(document, turn.tables)


def to_docx(
    turns: Sequence[Turn],
    title: str = DEFAULT_TITLE,
    generated: date | None = None,
    profiles: Sequence[AreaProfile] = (),
) -> bytes:
    """The evidence pack as a Word document (.docx bytes), with the same content as :func:`to_markdown`."""
    packed = _packed(turns, profiles)
    document = Document()
    document.core_properties.title = title
    document.add_heading(_xml_safe(title), level=0)
    document.add_paragraph(_today(generated))
    for turn in packed:
        _docx_turn(document, turn)
    document.add_heading("References", level=1)
    cited = references(packed)
    for parts in cited:
        _docx_reference(document, parts, "", style="List Bullet")
    if not cited:
        document.add_paragraph(NOTHING_CITED)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- the recommendations register -------------------------------------------------------------------------------

REGISTER_COLUMNS = ("Recommendation", "Document", "Year", "Page", "Section", "Also in", "Reference")


def register_rows(items: Sequence[Recommendation]) -> list[dict[str, str]]:
    """One row per item, for a spreadsheet: its text, where it is, where else it is said, and its reference."""
    rows = []
    for item in items:
        before, title, after = _reference_parts(item)
        also = "; ".join(f"{other.title}, {other.pages_label}" for other in item.also_in)
        page = item.pages_label if item.paged else ""
        values = (item.text, item.title, str(item.year or ""), page, item.section, also, before + title + after)
        rows.append(dict(zip(REGISTER_COLUMNS, values, strict=True)))
    return rows


def register_csv(items: Sequence[Recommendation]) -> bytes:
    """The register as CSV (UTF-8 with a byte-order mark, so Excel reads its quotes and dashes right)."""
    import csv
    from io import StringIO

    out = StringIO()
    writer = csv.DictWriter(out, fieldnames=REGISTER_COLUMNS)
    writer.writeheader()
    writer.writerows(register_rows(items))
    return out.getvalue().encode("utf-8-sig")


def register_xlsx(items: Sequence[Recommendation]) -> bytes:
    """The register as an Excel workbook, one sheet, one row per item."""
    import pandas as pd

    buffer = BytesIO()
    frame = pd.DataFrame(register_rows(items), columns=list(REGISTER_COLUMNS))
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="Recommendations", index=False)
    return buffer.getvalue()


def register_docx(items: Sequence[Recommendation], title: str = "JSNA recommendations") -> bytes:
    """The register as a Word document: items grouped by document in the order given, each a list item with its
    page and the other places it is said; the document's reference under its heading."""
    document = Document()
    document.core_properties.title = title
    document.add_heading(_xml_safe(title), level=0)
    if not items:
        document.add_paragraph("No recommendations found.")
    current = None
    for item in items:
        if item.doc != current:
            current = item.doc
            document.add_heading(_xml_safe(dated(item.title, item.year)), level=1)
            _docx_reference(document, replace(item, paged=False, section=""), "")
        paragraph = document.add_paragraph(style="List Bullet")
        paragraph.add_run(_xml_safe(item.text))
        where = ", ".join(part for part in (item.pages_label if item.paged else "", item.section) if part)
        if where:
            paragraph.add_run(_xml_safe(f" ({where})")).italic = True
        if item.also_in:
            places = "; ".join(f"{other.title}, {other.pages_label}" for other in item.also_in)
            paragraph.add_run(_xml_safe(f" Also in: {places}.")).italic = True
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
