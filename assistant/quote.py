"""Which sentences an answer quotes: every quotable sentence of the returned pages (embedded at ingest with the
passages' model) is scored by a pairwise logistic model fitted on dev fact questions (``sentences.json``, by
``bench/calibrate_sentences.py``: which of a question's sentences gives the asked figure) over its similarity to the
question, whether it gives a figure when one is asked for, the year the question names and the unit it asks for (a
percentage for "what proportion"), the IDF-weighted share of the question's words it holds, and its page's
place in the results. A sentence saying what a chosen one already says is passed over, at most ``PER_PAGE`` come
from one page, and a sentence with a figure leads when one is asked for.

The answer (:mod:`assistant.answer`) quotes them; the decision to decline (:mod:`assistant.evidence`) weighs where
they say they are about.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.calibrated import LogisticModel
from assistant.places import mentions
from assistant.text import PERIODS, SOURCE_MARK

FIGURE_QUESTION = re.compile(r"\b(how many|how much|number|rate|percentage|proportion|per cent|%|figure)\b", re.I)
# A figure: not the digits of a name or code ("COVID-19", "PM2.5", "Core20", "E01031429") nor a footnote mark
# run into its word ("months prior31").
NUMBER = re.compile(r"(?<![A-Za-z0-9.])(?<![A-Za-z]-)\d[\d,]*(?:\.\d+)?")
YEARS = re.compile(r"\b(?:19|20)\d\d(?:/\d\d)?\b")
UNITS = re.compile(r"%|per cent|percent|per [\d,]+|\brate\b|\bratio\b", re.I)
PERCENT_QUESTION = re.compile(r"\b(percentage|proportion|per ?cent|share|what fraction)\b|%", re.I)
PERCENT = re.compile(r"%|\bper ?cent\b", re.I)
SENTENCE_FEATURES = ("similarity", "figure", "year", "unit", "overlap", "rank")
SENTENCE_MODEL = Path(__file__).with_name("sentences.json")
SAME_THING = 0.9  # sentences this similar, with the same figures, say the same thing: only one is quoted
PER_PAGE = 2
# Numbers that label rather than measure (besides a footnote marker, "[17]": assistant.text.SOURCE_MARK): a table,
# figure, section, page or reference number ("Figure 8.3", "Sections 8, 9 and 11", "reference 2.02ii"), and a
# reference list's note number before its source ("11 National Osteoporosis Society (2015).").
LABEL_NUMBER = re.compile(
    r"\b(?:tables?|figures?|figs?\.|charts?|maps?|appendix|appendices|annex(?:es)?|sections?|chapters?|pages?|pp?\.|"
    r"paragraphs?|paras?\.|box|recommendations?|priorit(?:y|ies)|references?|refs?\.)\s+"
    r"\d[\d.]*[a-z]{0,3}(?:(?:\s*,\s*|\s+and\s+|\s*(?:-|–|to)\s*)\d[\d.]*[a-z]{0,3}\b)*",
    re.I,
)
NOTE_NUMBER = re.compile(r"^\s*\d{1,3}\s+(?=.*(?:\((?:19|20)\d\d\)|https?:|www\.|\bet al\b))")
# A rate's denominator, a unit and not a figure: "per 100,000", "per 1,000 population".
PER = re.compile(r"\bper\s+\d[\d,]*\b", re.I)
# Who and when a figure is about, not a figure: ages ("aged 16+", "(age 0-18 years)", "16-34s", "over-65s", "5 year
# olds"), school years ("Year 6") and spans of time ("in the last 12 months"). A caption such as "Rate of children
# (age 0-18 years) who had seen a dentist in the last 12 months by CCG" gives no figure. Not the age patterns of
# ``indicators.relevance.ages``: they read indicator names and questions, where "over 50" and "10-20" are ages; in a
# sentence they are often the figure ("over 50 deaths"), so only ages marked as ages count here.
AGE_OR_SPAN = re.compile(
    r"\b(?:aged?|ages)\s+\d{1,2}(?:\s*(?:-|–|to)\s*\d{1,2})?\s*\+?(?:\s*(?:years?|yrs))?"
    r"(?:\s+(?:and|or)\s+(?:over|older|above|under|younger))?|"
    r"\b\d{1,2}\s*(?:-|–|to)\s*\d{1,2}[- ]?(?:year[- ]olds?|years?|yrs?|s)\b|"
    r"\b\d{1,2}[- ](?:year|yr)[- ]olds?\b|\b(?:over|under)[- ]\d{1,2}s\b|\b\d{1,2}\s*\+(?!\s*%)|"
    r"\b(?:school\s+)?years?\s+\d{1,2}\b(?!\s*%)|"
    r"\b(?:last|past|previous|preceding|within|over)\s+(?:the\s+)?\d{1,2}\s+(?:months?|years?|weeks?|days?)\b",
    re.IGNORECASE,
)


# A table's cell, read after its row's label: a figure ("1,375", "16.9%", "(9.8)", "<5", "7.3*") or a mark for none
# ("-", "*", "n/a", "x", ":").
CELL = r"(?:[-–]|\(?[<>]?\d[\d,]*(?:\.\d+)?%?\)?\*?|\*|n/?a|x|:)"
# A row's cells run to the line's end or to the next label; a lower-case word after them is prose ("highest in Arun
# (18.5%) and lowest in ...": a sentence, quoted as one).
CELLS = re.compile(rf"(?:\s+{CELL})++(?=\s*$|\s+(?![a-z]))")
# A table's caption: "Table 5 People in receipt ...", "Table 1.2, Annual rates ...", "Figure 7.11: Number of ..."; not a
# sentence's pointer to one ("(Table 3).").
CAPTION = re.compile(r"\b(?:Table|Figure|Chart|Fig\.)\s*\d+(?:\.\d+)*[a-z]?\s*[:.,–-]?\s+(?=[A-Z])")
CAPTION_LINES = 8  # a table's caption is at most this many lines above its row
CAPTION_CHARS = 160  # a longer caption line (a table run into it) is cut at a word
CONTEXT_LINES = 3  # the lines above a row that say what its table measures, with its caption
ROW_CELLS = 12  # a longer row is cut after this many cells
ROW_RANK = 0.1  # a row's words' share (of 1) is worth this much less on each page further down the results


@dataclass(frozen=True)
class Row:
    """A table's row for an asked place as the page's text reads it ("Chichester 1,375"), on the page ``number``
    of the results, under the table's ``caption`` when the page gives one ("Table 5 People in receipt of an Armed
    Forces Pension"). ``overlap``: the IDF-weighted share of the question's words held by its caption, its line and
    the lines above (what the table measures)."""

    number: int
    text: str
    caption: str = ""
    context: str = field(default="", repr=False, compare=False)
    overlap: float = 0.0
    place: str = ""  # the asked place it is for, as the gazetteer names it

    @property
    def quoted(self) -> str:
        """The row as an answer quotes it: "Table 5 People in receipt of an Armed Forces Pension: Chichester 1,375"
        ("In a table: ..." when the page gives no caption)."""
        return f"{self.caption}: {self.text}" if self.caption else f"In a table: {self.text}"


@dataclass(frozen=True)
class Sentence:
    """A quotable sentence of a top page: ``number`` is the page's place in the results (1-based);
    ``similarity`` its cosine to the question, ``overlap`` the IDF-weighted share of the question's words it holds."""

    number: int
    text: str
    similarity: float
    vector: np.ndarray = field(repr=False, compare=False)
    overlap: float = 0.0


@dataclass(frozen=True)
class Asked:
    """What a question asks of a sentence: a figure, years, a unit (a percentage for "what proportion"); its own
    numbers ("Year 6", "aged 65") are not the figure it asks for."""

    figure: bool
    years: frozenset[str]
    known: frozenset[str]
    unit: bool
    percent: bool = False

    @classmethod
    def of(cls, question: str) -> Asked:
        return cls(
            bool(FIGURE_QUESTION.search(question)),
            frozenset(YEARS.findall(question)),
            frozenset(numbers(question)),
            bool(UNITS.search(question)),
            bool(PERCENT_QUESTION.search(question)),
        )

    def gives_figure(self, text: str) -> bool:
        """The sentence gives a figure other than the question's own numbers; a label's number is none
        (``SOURCE_MARK``, ``LABEL_NUMBER``, ``NOTE_NUMBER``), nor an age, a span of time or a rate's denominator
        (``AGE_OR_SPAN``, ``PER``)."""
        unlabelled = AGE_OR_SPAN.sub(" ", NOTE_NUMBER.sub(" ", LABEL_NUMBER.sub(" ", SOURCE_MARK.sub(" ", text))))
        unlabelled = PER.sub(" ", unlabelled)
        return bool(numbers(unlabelled) - self.known)

    def gives_unit(self, text: str) -> bool:
        """The sentence gives the unit asked for: a percentage when one is asked ("what proportion"), else any
        unit the question names ("rate", "per 1,000")."""
        return bool(PERCENT.search(text)) if self.percent else self.unit and bool(UNITS.search(text))

    def features(self, sentence: Sentence) -> dict[str, float]:
        """The sentence model's features (``SENTENCE_FEATURES``)."""
        return {
            "similarity": sentence.similarity,
            "figure": float(self.figure and self.gives_figure(sentence.text)),
            "year": float(any(year in sentence.text for year in self.years)),
            "unit": float(self.gives_unit(sentence.text)),
            "overlap": sentence.overlap,
            "rank": float(sentence.number - 1),
        }


@functools.cache
def sentence_model() -> LogisticModel:
    """The shipped model: a score ordering a question's sentences by how likely each gives what it asks."""
    return LogisticModel.load(SENTENCE_MODEL)


def choose(
    question: str, candidates: Sequence[Sentence], n: int = 3, model: LogisticModel | None = None
) -> list[Sentence]:
    """Up to ``n`` sentences, best first by the sentence model (see the module's docstring), the one with the
    asked figure first."""
    asked = Asked.of(question)
    model = model or sentence_model()
    chosen: list[Sentence] = []
    per_page: dict[int, int] = {}
    for sentence in sorted(candidates, key=lambda s: model.probability(asked.features(s)), reverse=True):
        if per_page.get(sentence.number, 0) >= PER_PAGE:
            continue
        if any(same_thing(sentence, c) for c in chosen):
            continue
        chosen.append(sentence)
        per_page[sentence.number] = per_page.get(sentence.number, 0) + 1
        if len(chosen) == n:
            break
    if asked.figure:  # stable: the best sentence with a figure first, the others in their order
        chosen.sort(key=lambda s: not asked.gives_figure(s.text))
    return chosen


def table_rows(number: int, lines: Sequence[str], places: Sequence[str], asked: Asked) -> list[Row]:
    """The rows of a page's ``lines`` (page ``number`` of the results) for one of ``places``: the place's name
    followed by cells holding a figure (not only years or the question's own numbers)."""
    rows = []
    wanted = [place.lower() for place in places]
    for i, line in enumerate(lines):
        if not any(place in line.lower() for place in wanted):  # the gazetteer's pattern only where it can match
            continue
        for name, match in mentions(line):
            cells = CELLS.match(line, match.end())
            if name not in places or cells is None or not asked.gives_figure(cells.group()):
                continue
            kept = cells.group().split()
            text = " ".join([match.group(), *kept[:ROW_CELLS]]) + (" …" if len(kept) > ROW_CELLS else "")
            caption = _caption([*lines[max(0, i - CAPTION_LINES) : i], line[: match.start()]])
            context = " ".join([caption, *lines[max(0, i - CONTEXT_LINES) : i + 1]])
            rows.append(Row(number, text, _cut(caption, CAPTION_CHARS), context, place=name))
    return rows


def _caption(above: Sequence[str]) -> str:
    """The caption of a table whose row is read after ``above`` (the lines above it, the last its own line up to
    the row), the nearest first: from "Table N" to the table's first row, its column headings kept ("Table 2
    Overall Deprivation Ranking ... Rank 2015 Rank 2019"); "" when there is none."""
    for text in reversed(above):
        if found := list(CAPTION.finditer(text)):
            caption = text[found[-1].start() :]
            first_row = next((m.start() for _, m in mentions(caption) if CELLS.match(caption, m.end())), None)
            return caption[:first_row].strip()
    return ""


def best_row(rows: Sequence[Row]) -> Row | None:
    """The row whose table most says what the question asks (``Row.overlap``), a page higher in the results
    preferred (``ROW_RANK``)."""
    return max(rows, key=lambda row: row.overlap - ROW_RANK * (row.number - 1), default=None)


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + " …"


def same_thing(a: Sentence, b: Sentence) -> bool:
    """Two sentences say the same thing: close in meaning and giving the same figures ("life expectancy was 83.7
    years" and "life expectancy in England was 83.1 years" are close but not the same)."""
    return float(np.dot(a.vector, b.vector)) >= SAME_THING and numbers(a.text) == numbers(b.text)


def numbers(text: str) -> set[str]:
    """The numbers of ``text`` other than years and periods ("2017/18", "2014-16"), without thousands separators."""
    return {match.rstrip(",").replace(",", "") for match in NUMBER.findall(PERIODS.sub(" ", text))}
