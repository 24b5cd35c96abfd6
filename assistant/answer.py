"""A question -> its response: the passages (:mod:`assistant.retrieve`), a grounded extractive answer (sentences
copied verbatim from the passages, each followed by the number of the passage it came from, or an honest
abstention when the evidence is weak; no text is generated), and the matching indicator tables.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.glossary import place_group, places_in
from assistant.indicators import IndicatorTable, indicator_matcher
from assistant.lexical import FULL_COVERAGE, Coverage, lexical_text
from assistant.model import Answer, Citation, Hit
from assistant.retrieve import NO_FILTERS, Filters, Retriever, contextualize
from assistant.text import split_sentences, strip_bullet

# Calibrated on bench/questions.jsonl (see bench/results/retrieval.md). The corpus is taken not to answer when the
# best of the top passages is less similar than MIN_SIMILARITY; or less than GAP_SIMILARITY while a distinctive word
# of the question (in at most RARE_DF chunks) is in none of them ("mpox", "melanoma"); or less than COVER_SIMILARITY
# while they contain no more than half of the question's content words ("drug deaths in Trafford" finding Trafford
# passages about something else, and drug-death passages about somewhere else); or less than FOCUS_SIMILARITY while
# no one passage holds MIN_FOCUS of the question's topic ("care home fees" finding care homes, fees elsewhere).
# Also not answered: a question naming a place (see glossary.PLACE_GROUPS) whose top passages all come from documents
# about other places, unless they are closer than ELSEWHERE_SIMILARITY.
MIN_SIMILARITY = 0.35
GAP_SIMILARITY = 0.6
COVER_SIMILARITY = 0.7
FOCUS_SIMILARITY = 0.6
ELSEWHERE_SIMILARITY = 0.8
MIN_COVERAGE = 0.5
MIN_FOCUS = 0.5
RARE_DF = 5
ABSTAIN_TEXT = "The documents do not clearly answer this question. The nearest passages are shown below."
ABSTAIN_WITH_TABLES = (
    "The documents do not clearly answer this question, but the indicator tables below may. "
    "The nearest passages are shown too."
)
STOPWORDS = frozenset(
    "a an and are as at be by can do does for from has have how i in is it many me much of on or our show "
    "tell than that the their there this to was we were what when where which who why with you your about "
    "jsna".split()
)
FIGURE_QUESTION = re.compile(r"\b(how many|how much|number|rate|percentage|proportion|per cent|%|figure)\b", re.I)


def _terms(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS and len(w) > 1}


def _about_elsewhere(question: str, hits: Sequence[Hit]) -> bool:
    """True when the question names places and every passage's document (its title, publisher and section) is
    about some other place, not one of the same group. A document whose metadata names no place may be about any."""
    places = places_in(question)
    if not places or not hits:
        return False
    wanted = {name for place in places for name in place_group(place)}
    for hit in hits:
        about = set(places_in(f"{hit.chunk.title} {hit.chunk.publisher} {hit.chunk.section}"))
        if not about or about & wanted:
            return False
    return True


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
    texts = [lexical_text(h.chunk) for h in hits[:3]]
    coverage = retriever.snapshot.lexical.coverage(query, texts, RARE_DF, places_in(query))
    tables = indicator_tables(retriever, question, history)
    reply = answer(query, hits, coverage)
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


def answer(question: str, hits: Sequence[Hit], coverage: Coverage = FULL_COVERAGE, sentences: int = 3) -> Answer:
    """The 2-3 sentences of the passages that best answer ``question``, each cited, or an abstention.
    ``coverage`` says how well the top passages cover the question's words (see :func:`respond`)."""
    best = max((hit.similarity for hit in hits[:3]), default=0.0)
    if (
        best < MIN_SIMILARITY
        or (coverage.unmatched and best < GAP_SIMILARITY)
        or (coverage.share <= MIN_COVERAGE and best < COVER_SIMILARITY)
        or (coverage.focus < MIN_FOCUS and best < FOCUS_SIMILARITY)
        or (best < ELSEWHERE_SIMILARITY and _about_elsewhere(question, hits[:3]))
    ):
        return Answer(ABSTAIN_TEXT, abstained=True)
    wanted = _terms(question)
    wants_figure = bool(FIGURE_QUESTION.search(question))
    scored: list[tuple[float, int, str]] = []
    for number, hit in enumerate(hits[:5], 1):
        for sentence in map(strip_bullet, split_sentences(hit.chunk.text)):
            if len(sentence) < 25:
                continue
            overlap = len(wanted & _terms(sentence)) / max(1, len(wanted))
            figure = 0.1 if wants_figure and re.search(r"\d", sentence) else 0.0
            scored.append((hit.similarity * (0.4 + overlap) + figure - 0.02 * number, number, sentence))
    scored.sort(key=lambda s: -s[0])
    chosen: list[tuple[int, str]] = []
    per_hit: dict[int, int] = {}
    for _, number, sentence in scored:
        if per_hit.get(number, 0) >= 2:
            continue
        chosen.append((number, sentence))
        per_hit[number] = per_hit.get(number, 0) + 1
        if len(chosen) == sentences:
            break
    text = " ".join(f"{sentence} [{number}]" for number, sentence in chosen)
    cited = sorted({number for number, _ in chosen})
    citations = tuple(
        Citation(n, c.doc, c.title, c.page_start, c.page_end, c.section) for n in cited for c in [hits[n - 1].chunk]
    )
    return Answer(text, citations)
