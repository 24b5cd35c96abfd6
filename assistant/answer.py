"""A question -> its response: the pages (:mod:`assistant.retrieve`), a grounded extractive answer (sentences
copied verbatim from the pages, less a list item's dash and the source's footnote marks ("[33]": in an answer "[n]"
cites a page), each followed by the number of the page it came from, or an honest abstention when the evidence is
weak, as the calibrated decision of :mod:`assistant.evidence` says; no text is generated), and the matching
indicator tables.

The answer's sentences are chosen by meaning (:mod:`assistant.quote`); an asked place's row of a table may lead
them, quoted as the page reads it under the table's caption, or after "In a table:", the answer's only words of its
own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from assistant.calibrated import LogisticModel
from assistant.codes import with_names
from assistant.evidence import Evidence, decision, doubt, gather, quoted_elsewhere
from assistant.indicators import IndicatorTable, NewerData, indicator_matcher
from assistant.indicators.relevance import asks_other
from assistant.lexical import stem
from assistant.model import Answer, Citation, Hit
from assistant.places import places_in, within
from assistant.question import asked_places
from assistant.quote import Asked, Row, Sentence, best_row, choose
from assistant.retrieve import NO_FILTERS, Filters, Retriever
from assistant.text import PERIODS, as_quoted

ABSTAIN_TEXT = "The documents do not clearly answer this question. The nearest passages are shown below."
ABSTAIN_WITH_TABLES = (
    "The documents do not clearly answer this question, but the indicator tables below may. "
    "The nearest passages are shown too."
)
NAMED = 3  # places, words or periods named in a reason to decline or a caution, at most
WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]")


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
    evidence = gather(retriever, query, hits)
    reply = answer(query, hits, evidence)
    if reply.abstained and tables:
        reply = replace(reply, text=abstention(why_declined(query, hits, evidence), tables=True))
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
        return Answer(abstention(why_declined(question, hits, evidence)), abstained=True, doubt=chance)
    return replace(compose(question, hits, evidence, sentences), doubt=chance)


def abstention(reason: str = "", tables: bool = False) -> str:
    """The text of a declined answer (``tables``: beside indicator tables that may answer), with ``reason`` after
    its first sentence."""
    text = ABSTAIN_WITH_TABLES if tables else ABSTAIN_TEXT
    if not reason:
        return text
    first, _, rest = text.partition(". ")
    return f"{first}. {reason} {rest}"


def why_declined(question: str, hits: Sequence[Hit], evidence: Evidence) -> str:
    """What the evidence lacks that the question asks for, said to the reader ("" when nothing the decision weighs
    can be put in words): the places the sentences an answer would quote are about instead of the one asked
    ("The nearest sentences are about West Sussex, not Worthing."), documents about other places, the question's
    rare words ("mpox") and a period that no near page names. Where the sentences are about other places and a near
    page's table has a row for the asked one, it says which page ("Page [2] has a table (Table 3: ...) with a row for
    Worthing."): a district's figure often stands only there."""
    reasons = []
    if evidence.quoted_elsewhere and (named := places_instead(question, choose(question, evidence.sentences), hits)):
        reasons.append(f"The nearest sentences are {_instead(named, question)}")
        if row := best_row(evidence.rows):  # where the asked place's figure may stand: a pointer, not an answer
            table = f" ({row.caption})" if row.caption else ""
            reasons.append(f"Page [{row.number}] has a table{table} with a row for {row.place}.")
    elif evidence.elsewhere:
        reasons.append(f"The nearest documents are about places other than {_listed(asked_places(question))}.")
    unmatched = set(evidence.coverage.unmatched)  # stems, as the index has them; said as the question wrote them
    if missing := [word for word in dict.fromkeys(WORD.findall(question)) if stem([word.lower()])[0] in unmatched]:
        reasons.append(f"None of the nearest pages mentions {_listed(missing)}.")
    if evidence.period_missing and (periods := PERIODS.findall(question)):
        reasons.append(f"None of the nearest pages names {_listed(periods)}.")
    return " ".join(reasons)


def _instead(named: Sequence[str], question: str) -> str:
    """The places quoted sentences are about, against those asked: "about West Sussex, not Worthing."."""
    return f"about {_listed(named)}, not {_listed(asked_places(question))}."


def _listed(names: Sequence[str]) -> str:
    """The first ``NAMED`` of ``names``, each once, in words: "A", "A and B", "A, B and C"."""
    kept = list(dict.fromkeys(names))[:NAMED]
    return kept[0] if len(kept) == 1 else f"{', '.join(kept[:-1])} and {kept[-1]}"


def compose(
    question: str, hits: Sequence[Hit], evidence: Evidence, sentences: int = 3, model: LogisticModel | None = None
) -> Answer:
    """The answer the top pages give, whether or not the decision would decline (``model``: the sentence model,
    the shipped one by default): the best sentences, led by an asked place's row of a table when none of them is
    about that place (:func:`table_row`)."""
    chosen = choose(question, evidence.sentences, sentences, model)
    row = table_row(question, chosen, evidence.rows, hits)
    if row:
        chosen = chosen[: sentences - 1]
    # (as the answer says it, as the page has it, the page's number): "[n]" cites our pages only
    quotes = [(row.quoted, row.text.removesuffix(" …"), row.number)] if row else []
    quotes += [(as_quoted(s.text), as_quoted(s.text), s.number) for s in chosen]
    citations = tuple(
        Citation(n, c.doc, c.title, c.page_start, c.page_end, c.section)
        for n in sorted({n for _, _, n in quotes})
        for c in [hits[n - 1].chunk]
    )
    return Answer(
        " ".join(f"{said} [{n}]" for said, _, n in quotes),
        citations,
        caution=caution(question, chosen, hits, after_row=row is not None),
        quoted=tuple(copied for _, copied, _ in quotes),
    )


def table_row(question: str, chosen: Sequence[Sentence], rows: Sequence[Row], hits: Sequence[Hit]) -> Row | None:
    """The row of a table to quote first (:func:`assistant.quote.best_row`), when the question asks about places
    and no ``chosen`` sentence gives a figure about one of them: naming it, or naming no place where its document's
    title or section does. "How many people in Chichester receive an Armed Forces Pension?" is answered "Table 5
    People in receipt of an Armed Forces Pension (Source : MOD): Chichester 1,375", not only with West Sussex's
    4,895; "where does Arun rank on the 2019 IMD" with Arun's row, not only "Crawley ranks as the most deprived,
    followed by Arun". Not when it asks for something other than a figure: priorities, services, reasons
    (:func:`assistant.indicators.relevance.asks_other`)."""
    asked = set(asked_places(question))
    if not rows or not asked or asks_other(question):
        return None
    figures = Asked.of(question)
    for sentence in (s for s in chosen if figures.gives_figure(s.text)):
        named = set(places_in(sentence.text))
        if named & asked or not named and asked & set(_headed(sentence, hits)):
            return None
    return best_row(rows)


def caution(question: str, quoted: Sequence[Sentence], hits: Sequence[Hit], after_row: bool = False) -> str:
    """A word before quoting: the question asks about places and the ``quoted`` sentences are about others ("These
    sentences are about West Sussex, not Worthing."; "The sentences after the table's row ..." when one leads), so
    that a county's figure is not taken for a district's; "" otherwise (:func:`places_instead`)."""
    named = places_instead(question, quoted, hits)
    which = "The sentences after the table's row are" if after_row else "These sentences are"
    return f"{which} {_instead(named, question)}" if named else ""


def places_instead(question: str, quoted: Sequence[Sentence], hits: Sequence[Hit]) -> tuple[str, ...]:
    """The places the ``quoted`` sentences (of ``hits``' pages) are about instead of the asked ones: they name only
    other places (:func:`assistant.evidence.quoted_elsewhere`), and no sentence's document title or section names an
    asked place either (a sentence of Adur's profile comparing Adur with West Sussex is about Adur); () otherwise."""
    named = quoted_elsewhere(question, quoted)
    asked = asked_places(question)
    for sentence in quoted if named else ():
        if any(within(place, asked) for place in _headed(sentence, hits)):
            return ()
    return named


def _headed(sentence: Sentence, hits: Sequence[Hit]) -> list[str]:
    """The places the sentence's document title and section name (a district's profile is about that district)."""
    chunk = hits[sentence.number - 1].chunk
    return places_in(f"{chunk.title}\n{chunk.section}")
