"""Pages -> chunks that fit the embedding model's window, each carrying its pages, section and citation.

Sentence-aware: a chunk is whole sentences (a sentence longer than a chunk is cut at word boundaries), with a
small overlap of trailing sentences between neighbouring chunks of the same section. A heading closes the
chunk, so a chunk belongs to one section and is a recommendation or not. Lengths are measured with the
model's own tokenizer, including the title/section prefix that is embedded with the text: nothing is ever
silently truncated by the model.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from assistant.model import Chunk, DocumentInfo, Page, chunk_id
from assistant.text import ENDS_SENTENCE, LEADER_PAGE, split_sentences, strip_bullet

TokenCounter = Callable[[Sequence[str]], list[int]]

# Headings over recommendations: "Recommendations", "Key recommendations", "Recommended actions", and the other
# names JSNAs give them ("Areas for focus", "Priorities for action", "Suggested actions", "Opportunity areas",
# "Actions partners can take").
RECOMMENDATION_HEADING = re.compile(
    r"\brecommend(?:ations?|ed\s+actions?)\b|\bareas?\s+(?:for|of)\s+(?:focus|action)\b|"
    r"\bpriorities\s+for\s+action\b|\b(?:key|suggested)\s+actions\b|"
    r"\bopportunit(?:y|ies)\s+(?:areas?|for\s+(?:action|improvement|change))\b|"
    r"\bactions?\s+(?:we|you|partners|services|commissioners)\s+(?:can|could|should|will)\b",
    re.IGNORECASE,
)
RECOMMENDATION_LEAD = re.compile(r"^(?:key\s+)?recommendations?\s*(?:\d{1,2}[a-z]?)?\s*[:.–—-]", re.IGNORECASE)
# Raise when what is read from a page changes (the recommendation flags above, the register's items): an index
# built before re-reads every document.
# 3: recommendation items after lead-ins, titles and margin headings; 4: a bold line and a plain one meet at a
# paragraph break (assistant.clean), and a recommendations table's title is a label; 5: a line that also stands
# inside pages is not a running header, and only "X and recommendations" mixes findings in; 6: a bold label line
# between paragraphs is a heading; 7: a short label over part of a list of recommendations keeps it open; 8: a
# word the PDF reader split at a space of its own making is whole again ("f rom", assistant.clean.SOFT_SPACE); 9:
# Symbol and Wingdings bullets read as bullets (assistant.clean.SYMBOL_GLYPHS), so each bulleted line is an item;
# 10: nor is a space made up before a hyphen ("self -harm"); 11: letters very close make any word ("af ter"); 12:
# characters the reader could not map to Unicode read by their place ("Ŏvoiceŏ" is "‘voice’": assistant.clean.UNMAPPED),
# and a "Page N" label dropped wherever it stands on its page; 13: a line that ends short of its column though the
# next line's first word would have fitted ends its paragraph (assistant.clean._ended_short), a passage keeps each
# paragraph's end as a line break, where sentences end too, and a piece ending with no full stop in fewer than
# FRAGMENT_WORDS words is a label, not a quotable sentence; 14: quotes and brackets after a full stop stay with their
# sentence (they had been dropped from passages: 'said "support has been crucial."'); 15: letters up to 0.35 of the
# font size apart may be one word, as the dictionary decides ("C hildren" in a report set with wide letter spacing),
# but never after an apostrophe or a figure ("people’s age") nor into a lower-case letter then a capital ("a C-card");
# 16: "Opportunity areas", "Opportunities for action" and "Actions partners can take" head recommendations too;
# 17: a numbered instruction heading is a recommendation with its reasons, and the next number starts another;
# 18: a contents page's dot leaders are one "…" (assistant.clean.LEADER); 19: a sentence that table rows run into
# (three runs of three figures, or one of six) is not quotable; 20: a document without a manifest row is not titled
# by a tool's placeholder ("R Graphics Output") nor by a heading that cannot title it ("Background", "Data
# Briefing:", a byline: assistant.corpus._titles), which its embedded passages carry; 21: nor by a status mark
# ("CONTAINS PROVISIONAL DATA"), a unit's name, an instruction, a Title field naming nothing its first pages say, or a
# file name's flattened folders and leading date ("assets_core__2025_01_22_Housing_Tenure_Briefing"); 22: a contents
# entry (a leader and its page number, "Young people's voice … 80", or two numbered headings in a row) is not quotable;
# 23: a footnote's number run into a full stop ends a sentence ("... period of training.31 Availability ...");
# 24: a Title field without a word long enough to check against the text ("PNA 2018") titles its document again;
# 25: a bold label ending with a colon keeps a list of recommendations open, an item of one sentence ending with a
# colon holds the points marked otherwise after it, and a numbered sub-heading there titles the paragraph it heads
READING_VERSION = 25
MIN_SENTENCE_CHARS = 25  # shorter is a heading, a label or a table cell, not a quotable sentence
NOT_QUOTABLE = re.compile(r"^(?:figure|fig\.|table|chart|map|source|note)s?\b[^.]{0,12}[:.\d]|https?://", re.I)
# A contents page's entry: a leader and its page number (assistant.text.LEADER_PAGE: "Young people's voice … 80"),
# or numbered headings in a row ("4.4 Young people and substance misuse 4.5 Substance misuse amongst ...").
CONTENTS_LEADER = re.compile(LEADER_PAGE)
SECTION_ENTRY = re.compile(r"(?:^|\s)\d{1,2}(?:\.\d{1,2}){1,3}\.?\s+[A-Z]")  # "4.4 Young ..."
NUMERIC = re.compile(r"^[^A-Za-z]*\d[^A-Za-z]*$")  # a word of figures and signs: "1,000", "(11.7)", "15-17"
# A table's rows or a chart's axis read out as one line: "0-9 10-19 20-29 ...", "Adur 7552 11.7 (10.9) ...".
TABLE_NUMBERS, TABLE_SHARE = 8, 0.4
FRAGMENT_WORDS = 8  # a piece of text ending with no full stop and shorter than this is a label, not a sentence
ROW_FIGURES, ROW_RUNS = 3, 3  # a table's rows inside a sentence: 3 runs of 3 figures or more ("Adur 16.8 17.6 17.1")


def sentences(text: str) -> list[str]:
    """The quotable sentences of a passage, in order and each once, without bullet glyphs: not headings or
    labels (shorter than ``MIN_SENTENCE_CHARS``, or a paragraph's end without a full stop in fewer than
    ``FRAGMENT_WORDS`` words: "Independent living scheme", "Selective serotonin re-uptake inhibitors"), captions,
    sources, links, contents entries (:data:`CONTENTS_LEADER`, two :data:`SECTION_ENTRY`), or table rows read
    out as text (at least ``TABLE_NUMBERS`` numbers making up ``TABLE_SHARE`` of the words, or rows run into a
    sentence: :func:`_table_rows`). These are embedded at ingest and are what an answer may quote."""
    out: list[str] = []
    for sentence in map(strip_bullet, split_sentences(text)):
        if len(sentence) < MIN_SENTENCE_CHARS or NOT_QUOTABLE.search(sentence) or sentence in out:
            continue
        if CONTENTS_LEADER.search(sentence) or len(SECTION_ENTRY.findall(sentence)) >= 2:
            continue
        words = sentence.split()
        if len(words) < FRAGMENT_WORDS and not ENDS_SENTENCE.search(sentence):
            continue
        figures = sum(bool(NUMERIC.match(word)) for word in words)
        if figures >= TABLE_NUMBERS and figures >= TABLE_SHARE * len(words) or _table_rows(words):
            continue
        out.append(sentence)
    return out


def _table_rows(words: Sequence[str]) -> bool:
    """Rows of a table run into a sentence: ``ROW_RUNS`` runs of at least ``ROW_FIGURES`` figures in a row, or one of
    twice that ("... (13.4%). % of Children ID2004 ID2007 ID2010 Adur 16.8 17.6 17.1 Arun 16.0 17.1 16.7 ...")."""
    figures = itertools.groupby(words, key=lambda word: bool(NUMERIC.match(word)))
    runs = [len(list(run)) for numeric, run in figures if numeric]
    return sum(run >= ROW_FIGURES for run in runs) >= ROW_RUNS or max(runs, default=0) >= 2 * ROW_FIGURES


def embedding_text(title: str, section: str, text: str) -> str:
    """What the model embeds for a chunk: the passage in the context of its document and section."""
    return f"{heading(title, section)}\n{text}"


def heading(title: str, section: str) -> str:
    """A passage's document and section, as one line."""
    return f"{title} - {section}" if section and section != title else title


@dataclass(frozen=True)
class _Unit:
    text: str
    page: int
    tokens: int
    ends_block: bool = False  # the last sentence of its paragraph, list item or table row


@dataclass(frozen=True)
class _Span:
    """A run of body text under one heading with one recommendation state."""

    section: str
    recommendation: bool
    units: tuple[_Unit, ...]


def chunk_pages(
    info: DocumentInfo,
    pages: Sequence[Page],
    count_tokens: TokenCounter,
    chunk_tokens: int = 200,
    overlap_tokens: int = 40,
    window: int = 256,
) -> list[Chunk]:
    """Cut one document's pages into chunks. ``window`` is the model's limit in word pieces, special tokens
    included; ``chunk_tokens`` the most passage word pieces per chunk."""
    spans = list(_spans(pages, count_tokens))
    read_by_ocr = {page.number for page in pages if page.ocr}
    prefixes = {span.section for span in spans}
    prefix_cost = dict(zip(prefixes, count_tokens([embedding_text(info.title, s, "") for s in prefixes]), strict=True))
    chunks: list[Chunk] = []
    for span in spans:
        # 2 special tokens ([CLS], [SEP]) + the prefix + 1 for the line break joining prefix and text.
        budget = min(chunk_tokens, window - 3 - prefix_cost[span.section])
        budget = max(budget, 16)
        for units in _pack(span.units, budget, overlap_tokens, count_tokens):
            text = _passage_text(units)
            chunks.append(
                Chunk(
                    id=chunk_id(info.sha256, len(chunks), text),
                    doc=info.path,
                    title=info.title,
                    kind=info.kind,
                    year=info.year,
                    publisher=info.publisher,
                    page_start=units[0].page,
                    page_end=units[-1].page,
                    section=span.section,
                    text=text,
                    recommendation=span.recommendation,
                    paged=info.paged,
                    ocr=any(unit.page in read_by_ocr for unit in units),
                )
            )
    return chunks


def _spans(pages: Sequence[Page], count_tokens: TokenCounter) -> Iterator[_Span]:
    stack: list[tuple[int, str]] = []  # open headings: (level, text)
    under = ("", False)  # (section, recommendation) set by the open headings
    state = under  # the same, for the body text being collected
    sentences: list[tuple[str, int, bool]] = []  # (sentence, page, ends its block)

    def flush() -> Iterator[_Span]:
        if sentences:
            counts = count_tokens([text for text, _, _ in sentences])
            units = tuple(_Unit(text, page, n, last) for (text, page, last), n in zip(sentences, counts, strict=True))
            yield _Span(state[0], state[1], units)
            sentences.clear()

    for page in pages:
        for block in page.blocks:
            if block.heading:
                yield from flush()
                while stack and stack[-1][0] >= block.heading:
                    stack.pop()
                stack.append((block.heading, block.text))
                under = (block.text, any(RECOMMENDATION_HEADING.search(text) for _, text in stack))
                continue
            # "Recommendation 2: ..." in body text is a recommendation whatever heading it sits under.
            block_state = (under[0], under[1] or bool(RECOMMENDATION_LEAD.match(block.text)))
            if block_state != state:
                yield from flush()
                state = block_state
            pieces = split_sentences(block.text)
            sentences.extend((piece, page.number, n == len(pieces) - 1) for n, piece in enumerate(pieces))
    yield from flush()


def _passage_text(units: Sequence[_Unit]) -> str:
    """A chunk's text: its sentences, each paragraph ending a line, so that a paragraph or list item that ends with
    no full stop is not read as one sentence with the next."""
    return "".join(unit.text + ("\n" if unit.ends_block else " ") for unit in units).strip()


def _pack(units: Sequence[_Unit], budget: int, overlap: int, count_tokens: TokenCounter) -> Iterator[list[_Unit]]:
    current: list[_Unit] = []
    size = 0
    fresh = 0  # units in ``current`` not already emitted as overlap of the previous chunk
    for unit in _fit(units, budget, count_tokens):
        if current and size + unit.tokens > budget:
            yield current
            carried = _tail(current, overlap)
            if sum(u.tokens for u in carried) + unit.tokens > budget:
                carried = []
            current, size, fresh = list(carried), sum(u.tokens for u in carried), 0
        current.append(unit)
        size += unit.tokens
        fresh += 1
    if current and fresh:
        yield current


def _tail(units: Sequence[_Unit], overlap: int) -> list[_Unit]:
    tail: list[_Unit] = []
    total = 0
    for unit in reversed(units[1:]):  # never carry a whole chunk over
        if total + unit.tokens > overlap:
            break
        tail.insert(0, unit)
        total += unit.tokens
    return tail


def _fit(units: Sequence[_Unit], budget: int, count_tokens: TokenCounter) -> Iterator[_Unit]:
    """Cut a sentence longer than the budget (a table row run, a long list) at word boundaries."""
    for unit in units:
        if unit.tokens <= budget:
            yield unit
            continue
        words = [word[:100] for word in unit.text.split()]  # no single "word" may outgrow a chunk
        counts = count_tokens(words)
        piece: list[str] = []
        size = 0
        for word, n in zip(words, counts, strict=True):
            if piece and size + n > budget:
                yield _Unit(" ".join(piece), unit.page, size)
                piece, size = [], 0
            piece.append(word)
            size += n
        if piece:
            yield _Unit(" ".join(piece), unit.page, size, unit.ends_block)
