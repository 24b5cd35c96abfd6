"""A question -> its response: the pages (:mod:`assistant.retrieve`), a grounded extractive answer (sentences
copied verbatim from the pages, less a list item's dash and the source's footnote marks ("[33]": in an answer "[n]"
cites a page), each followed by the number of the page it came from, or an honest abstention when the evidence is
weak, as the calibrated decision of :mod:`assistant.evidence` says; no text is generated), and the matching
indicator tables.

The answer's sentences are chosen by meaning: every sentence of the returned pages (embedded at ingest with the
passages' model) is scored by a pairwise logistic model fitted on dev fact questions (``sentences.json``, by
``bench/calibrate_sentences.py``: which of a question's sentences gives the asked figure) over its similarity to the
question, whether it gives a figure when one is asked for, the year the question names and the unit it asks for (a
percentage for "what proportion"), the IDF-weighted share of the question's words it holds, and its page's
place in the results. A sentence saying what a chosen one already says is passed over, at most ``PER_PAGE`` come
from one page, and a sentence with a figure leads when one is asked for.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.calibrated import LogisticModel
from assistant.codes import with_names
from assistant.evidence import Evidence, Sentence, decision, doubt, gather
from assistant.indicators import IndicatorTable, NewerData, indicator_matcher
from assistant.model import Answer, Citation, Hit
from assistant.retrieve import NO_FILTERS, Filters, Retriever
from assistant.text import PERIODS, SOURCE_MARK, as_quoted

ABSTAIN_TEXT = "The documents do not clearly answer this question. The nearest passages are shown below."
ABSTAIN_WITH_TABLES = (
    "The documents do not clearly answer this question, but the indicator tables below may. "
    "The nearest passages are shown too."
)
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


@dataclass(frozen=True)
class Response:
    """Everything a question gets: the passages, the grounded answer, and the matching indicator tables."""

    hits: list[Hit]
    answer: Answer
    tables: list[IndicatorTable]
    newer: tuple[tuple[NewerData, ...], ...] = ()  # for each hit: newer data for the figures it quotes
    corrected: tuple[tuple[str, str], ...] = ()  # misspelt words and places put right: (as written, as searched)

    def newer_for(self, number: int) -> tuple[NewerData, ...]:
        """The newer data for hit ``number`` (1-based, as the answer cites it)."""
        return self.newer[number - 1] if 0 < number <= len(self.newer) else ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "hits": [
                hit.to_dict() | {"newer_data": [note.to_dict() for note in self.newer_for(n)]}
                for n, hit in enumerate(self.hits, 1)
            ],
            "answer": self.answer.to_dict(),
            "tables": [table.to_dict() for table in self.tables],
            "corrected": [{"from": wrong, "to": right} for wrong, right in self.corrected],
        }

    @property
    def put_right(self) -> str:
        """What the search put right, for the reader ("" when nothing): 'Searched for "dementia" (you wrote
        "dementai").', 'Searched for "West Sussex" (you wrote "W Sussex").' Nothing is called a mistake: an American
        spelling the documents write the British way is said the same way."""
        if not self.corrected:
            return ""
        said = ", ".join(f'"{right}" (you wrote "{wrong}")' for wrong, right in self.corrected)
        return f"Searched for {said}."


def respond(
    retriever: Retriever,
    question: str,
    k: int | None = None,
    filters: Filters = NO_FILTERS,
    history: Sequence[str] = (),
    mode: str = "hybrid",
) -> Response:
    """Search, answer and find the indicator tables in one step."""
    hits = retriever.search(question, k=k, filters=filters, history=history, mode=mode)
    query = retriever.query(question, history)
    tables = indicator_tables(retriever, question, history)
    reply = answer(query, hits, gather(retriever, query, hits))
    if reply.abstained and tables:
        reply = replace(reply, text=ABSTAIN_WITH_TABLES)
    return Response(hits, reply, tables, newer_data(retriever, hits), retriever.corrections(question))


def newer_data(retriever: Retriever, hits: Sequence[Hit]) -> tuple[tuple[NewerData, ...], ...]:
    """For each hit, the indicator data's newer figures for the same measure and area as a figure it quotes."""
    matcher = retriever.derived(indicator_matcher)
    if matcher is None:
        return tuple(() for _ in hits)
    return tuple(tuple(matcher.newer(hit.text, hit.chunk.title)) for hit in hits)


def indicator_tables(
    retriever: Retriever, question: str, history: Sequence[str] = (), k: int = 3
) -> list[IndicatorTable]:
    """The ``k`` indicator tables that best match the question (read in the context of ``history``), from the
    live index's indicator data; none when the corpus has no indicators."""
    asked = retriever.query(question, history)
    query = with_names(asked)  # "NI 56": what the code measures is what to match
    matcher = retriever.derived(indicator_matcher)
    if matcher is None or not query:
        return []
    # A follow-up's own areas come first: "what about in West Sussex?" after a question on Brighton.
    areas = matcher.areas_in(retriever.query(question)) or matcher.areas_in(asked)
    return matcher.tables(query, retriever.embed_query(query), k, areas=areas)


def answer(question: str, hits: Sequence[Hit], evidence: Evidence, sentences: int = 3) -> Answer:
    """The 2-3 sentences of the top pages that best answer ``question``, each cited, or an abstention when the
    evidence does not answer it."""
    if not hits:
        return Answer(ABSTAIN_TEXT, abstained=True, doubt=1.0)
    chance = doubt(evidence)
    if chance >= decision().threshold:
        return Answer(ABSTAIN_TEXT, abstained=True, doubt=chance)
    return replace(compose(question, hits, evidence, sentences), doubt=chance)


def compose(
    question: str, hits: Sequence[Hit], evidence: Evidence, sentences: int = 3, model: LogisticModel | None = None
) -> Answer:
    """The answer the top pages give, whether or not the decision would decline (``model``: the sentence model,
    the shipped one by default)."""
    chosen = choose(question, evidence.sentences, sentences, model)
    text = " ".join(f"{as_quoted(s.text)} [{s.number}]" for s in chosen)  # "[n]" cites our pages only
    cited = sorted({s.number for s in chosen})
    citations = tuple(
        Citation(n, c.doc, c.title, c.page_start, c.page_end, c.section) for n in cited for c in [hits[n - 1].chunk]
    )
    return Answer(text, citations)


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
        (``SOURCE_MARK``, ``LABEL_NUMBER``, ``NOTE_NUMBER``)."""
        unlabelled = AGE_OR_SPAN.sub(" ", NOTE_NUMBER.sub(" ", LABEL_NUMBER.sub(" ", SOURCE_MARK.sub(" ", text))))
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


def same_thing(a: Sentence, b: Sentence) -> bool:
    """Two sentences say the same thing: close in meaning and giving the same figures ("life expectancy was 83.7
    years" and "life expectancy in England was 83.1 years" are close but not the same)."""
    return float(np.dot(a.vector, b.vector)) >= SAME_THING and numbers(a.text) == numbers(b.text)


def numbers(text: str) -> set[str]:
    """The numbers of ``text`` other than years and periods ("2017/18", "2014-16"), without thousands separators."""
    return {match.rstrip(",").replace(",", "") for match in NUMBER.findall(PERIODS.sub(" ", text))}
