"""A question -> its response: the pages (:mod:`assistant.retrieve`), a grounded extractive answer (sentences
copied verbatim from the pages, each followed by the number of the page it came from, or an honest abstention when
the evidence is weak, as the calibrated decision of :mod:`assistant.evidence` says; no text is generated), and the
matching indicator tables.

The answer's sentences are chosen by meaning: each candidate sentence of the top pages is embedded with the
passages' model and scored by its similarity to the question, with a little extra for a sentence that gives a figure
when one is asked for, and for the year and unit the question names; a sentence saying what a chosen one already
says is passed over, and a sentence with the asked figure leads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.evidence import Evidence, Sentence, declines, gather
from assistant.indicators import IndicatorTable, indicator_matcher
from assistant.model import Answer, Citation, Hit
from assistant.retrieve import NO_FILTERS, Filters, Retriever, contextualize

ABSTAIN_TEXT = "The documents do not clearly answer this question. The nearest passages are shown below."
ABSTAIN_WITH_TABLES = (
    "The documents do not clearly answer this question, but the indicator tables below may. "
    "The nearest passages are shown too."
)
FIGURE_QUESTION = re.compile(r"\b(how many|how much|number|rate|percentage|proportion|per cent|%|figure)\b", re.I)
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
YEARS = re.compile(r"\b(?:19|20)\d\d(?:/\d\d)?\b")
UNITS = re.compile(r"%|per cent|percent|per [\d,]+|\brate\b|\bratio\b", re.I)
# Small preferences on top of the similarity (a cosine, mostly 0.2-0.8): enough to choose between close sentences.
FIGURE_BONUS = 0.1
YEAR_BONUS = 0.05
UNIT_BONUS = 0.05
RANK_PENALTY = 0.02  # per place down the results
SAME_THING = 0.9  # sentences this similar say the same thing: only one is quoted
PER_PAGE = 2


@dataclass(frozen=True)
class Response:
    """Everything a question gets: the passages, the grounded answer, and the matching indicator tables."""

    hits: list[Hit]
    answer: Answer
    tables: list[IndicatorTable]

    def to_dict(self) -> dict[str, Any]:
        return {
            "hits": [hit.to_dict() for hit in self.hits],
            "answer": self.answer.to_dict(),
            "tables": [table.to_dict() for table in self.tables],
        }


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
    query = contextualize(question, history)
    tables = indicator_tables(retriever, question, history)
    reply = answer(query, hits, gather(retriever, query, hits))
    if reply.abstained and tables:
        reply = Answer(ABSTAIN_WITH_TABLES, abstained=True)
    return Response(hits, reply, tables)


def indicator_tables(
    retriever: Retriever, question: str, history: Sequence[str] = (), k: int = 3
) -> list[IndicatorTable]:
    """The ``k`` indicator tables that best match the question (read in the context of ``history``), from the
    live index's indicator data; none when the corpus has no indicators."""
    query = contextualize(question, history)
    matcher = retriever.derived(indicator_matcher)
    if matcher is None or not query:
        return []
    # A follow-up's own areas come first: "what about in West Sussex?" after a question on Brighton.
    areas = matcher.areas_in(contextualize(question)) or matcher.areas_in(query)
    return matcher.tables(query, retriever.embed_query(query), k, areas=areas)


def answer(question: str, hits: Sequence[Hit], evidence: Evidence, sentences: int = 3) -> Answer:
    """The 2-3 sentences of the top pages that best answer ``question``, each cited, or an abstention when the
    evidence does not answer it."""
    if not hits or declines(evidence):
        return Answer(ABSTAIN_TEXT, abstained=True)
    return compose(question, hits, evidence, sentences)


def compose(question: str, hits: Sequence[Hit], evidence: Evidence, sentences: int = 3) -> Answer:
    """The answer the top pages give, whether or not the decision would decline."""
    chosen = choose(question, evidence.sentences, sentences)
    text = " ".join(f"{s.text} [{s.number}]" for s in chosen)
    cited = sorted({s.number for s in chosen})
    citations = tuple(
        Citation(n, c.doc, c.title, c.page_start, c.page_end, c.section) for n in cited for c in [hits[n - 1].chunk]
    )
    return Answer(text, citations)


def choose(question: str, candidates: Sequence[Sentence], n: int = 3) -> list[Sentence]:
    """Up to ``n`` sentences by meaning (see the module's docstring), the one with the asked figure first."""
    wants_figure = bool(FIGURE_QUESTION.search(question))
    years = set(YEARS.findall(question))
    known = numbers(question)  # "Year 6", "aged 65": the question's own numbers are not the figure it asks
    unit = bool(UNITS.search(question))

    def score(s: Sentence) -> float:
        figure = wants_figure and bool(numbers(s.text) - known)
        year = bool(years) and any(y in s.text for y in years)
        in_unit = unit and bool(UNITS.search(s.text))
        bonus = FIGURE_BONUS * figure + YEAR_BONUS * year + UNIT_BONUS * in_unit
        return s.similarity + bonus - RANK_PENALTY * (s.number - 1)

    chosen: list[Sentence] = []
    per_page: dict[int, int] = {}
    for sentence in sorted(candidates, key=score, reverse=True):
        if per_page.get(sentence.number, 0) >= PER_PAGE:
            continue
        if any(float(np.dot(sentence.vector, c.vector)) >= SAME_THING for c in chosen):
            continue
        chosen.append(sentence)
        per_page[sentence.number] = per_page.get(sentence.number, 0) + 1
        if len(chosen) == n:
            break
    if wants_figure:  # stable: the best sentence with a figure first, the others in their order
        chosen.sort(key=lambda s: not numbers(s.text) - known)
    return chosen


def numbers(text: str) -> set[str]:
    """The numbers of ``text`` other than years and periods ("2017/18"), without thousands separators."""
    return {match.rstrip(",").replace(",", "") for match in NUMBER.findall(YEARS.sub(" ", text))}
