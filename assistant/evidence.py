"""How strong the evidence is: what the top pages hold for a question, and the calibrated decision to answer or
decline (instead of a stack of hand-set similarity and coverage thresholds).

The features, all from the pages the search returned:

- ``ranking``: the best ranking-model probability of the top 3 pages (:mod:`assistant.retrieve`: how likely the
  page is to answer, from its three searches, similarity, words and place);
- ``sentence``: the best similarity of the question to one sentence of those pages (the answer's candidates, each
  embedded at ingest with the same model): a passage can be close as a whole while no sentence says what was asked;
- ``lift``: how far the closest passage of the whole corpus stands out from its next 40 (best similarity minus the
  mean of the 11th to 50th): a question the corpus answers finds a peak, one it does not finds a plain;
- ``focus``: of its topic (its words other than place names, each weighted by IDF), the most one page holds:
  "weekly care home fees" finds care homes on one page and nothing on fees. When the question names places, only
  the pages that name one of them count (their text, section or document title): "Kent dementia diagnosis rate"
  finds dementia diagnosis on West Sussex's pages and Kent on a page about life expectancy, and "drug related deaths
  in Trafford" drug deaths in West Sussex and Trafford's life expectancy. A place named only where the writer
  introduces themselves ("I run a youth club in Bognor - what do teenagers say ...") is not asked about
  (:func:`assistant.question.asked_places`): on the dev folds, out of scope declined 59% -> 66% at 3.6% -> 3.3%
  false abstentions (9 of 450 questions so introduced); held-out, scored after, 54% -> 58% at 1.1% -> 3.3%;
- ``unmatched``: how many of its distinctive words (in at most ``RARE_DF`` chunks of the corpus, or none: "mpox",
  "melanoma") none of the top pages holds;
- ``elsewhere``: 1 when the question names a place and every top page's document is about another one ("Surrey"
  answered from West Sussex's papers; a district counts as its county);
- ``period_missing``: 1 when the question names a year or period and none of the top pages (their text, section,
  document title or document year) names any year of it: "teenage pregnancy rate in Adur in 2021" finds pages on
  Adur's teenage pregnancies, of 2016. The document's year (from the manifest, metadata or first page) counts, for
  a title need not name it: "the 2014 needs assessment" is answered by a document of 2014 titled "Evidence into
  practice";
- ``quoted_elsewhere``: 1 when the question asks about places and the sentences the answer would quote
  (:func:`assistant.quote.choose`, by the shipped sentence model) name places, none of them an asked place or one
  within it: "emergency admissions for self-harm among Worthing residents in 2017/18" is answered "in 2017/18 there
  were 1,743 emergency admissions for self-harm in West Sussex", from a page that names Worthing elsewhere.
  Sentences naming no place say nothing either way. (Counting a sentence whose document's title or section names
  the asked place as about it, as the answer's caution does, flagged 7 answerable dev questions against 13 but
  declined 101 of 158 at 13 false abstentions against 102 at 11 on the dev folds.) On
  the dev folds (nine sets): out of scope declined 62% -> 65% at 3.5% -> 2.9% false abstentions (it holds for 36
  of the 158 out-of-scope questions, 13 of the 373 answerable ones); held-out, scored after, 62% -> 75% at 1.1% ->
  3.3%; held-out 3 the same. Refitted with a tenth dev set of district questions, most answered in a table (where
  the quoted sentences give the county's figure), held-out 71% at 2.2%.

The decision is a logistic regression over them (:mod:`assistant.calibrated`), fitted on the dev questions by
``bench/calibrate_answers.py`` and shipped as ``evidence.json``; its coefficients and threshold are documented in
the README. It declines when the probability that the corpus does not answer reaches the threshold, which was set
for at most 3% of answerable dev questions declined, by cross-validation.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assistant import store
from assistant.calibrated import LogisticModel
from assistant.lexical import Coverage
from assistant.model import Hit
from assistant.places import place_group, places_in, within
from assistant.question import asked_places
from assistant.quote import Asked, Row, Sentence, choose, table_rows
from assistant.retrieve import Retriever
from assistant.text import years_in, years_named

FEATURES = ("ranking", "sentence", "lift", "focus", "unmatched", "elsewhere", "period_missing", "quoted_elsewhere")
MODEL_FILE = Path(__file__).with_name("evidence.json")
RARE_DF = 5  # a word in at most this many chunks is distinctive
TOP = 3  # pages whose evidence is weighed
ROW_PAGES = 5  # pages whose tables' rows for an asked place an answer may quote
LIFT_FROM, LIFT_TO = 10, 50


@dataclass(frozen=True)
class Evidence:
    ranking: float
    coverage: Coverage
    elsewhere: bool
    sentences: tuple[Sentence, ...] = ()
    lift: float = 0.0
    period_missing: bool = False
    quoted_elsewhere: tuple[str, ...] = ()  # the places the quoted sentences are about instead of the asked ones
    rows: tuple[Row, ...] = ()  # the rows for an asked place of the top pages' tables (assistant.quote.Row)

    def features(self) -> dict[str, float]:
        return {
            "ranking": self.ranking,
            "sentence": max((s.similarity for s in self.sentences if s.number <= TOP), default=0.0),
            "lift": self.lift,
            "focus": self.coverage.focus,
            "unmatched": float(len(self.coverage.unmatched)),
            "elsewhere": float(self.elsewhere),
            "period_missing": float(self.period_missing),
            "quoted_elsewhere": float(bool(self.quoted_elsewhere)),
        }


@functools.cache
def decision() -> LogisticModel:
    """The shipped model: P(the corpus does not answer the question | features)."""
    return LogisticModel.load(MODEL_FILE)


def doubt(evidence: Evidence) -> float:
    """The decision's chance that the documents do not answer the question; it declines from the threshold up."""
    return decision().probability(evidence.features())


def gather(retriever: Retriever, query: str, hits: Sequence[Hit]) -> Evidence:
    """The evidence the top pages hold for ``query`` (a contextualised question)."""
    top = hits[:TOP]
    snapshot = retriever.snapshot
    texts = [f"{h.chunk.title}\n{h.chunk.section}\n{h.text}" for h in top]
    places, about = places_in(query), asked_places(query)
    coverage = snapshot.lexical.coverage(query, texts, RARE_DF, places)
    if about:  # the focus of the pages about an asked place
        local = [text for text in texts if not set(about).isdisjoint(places_in(text))]
        coverage = replace(coverage, focus=snapshot.lexical.coverage(query, local, RARE_DF, places).focus)
    query_vector = retriever.embed_query(query)
    candidates = candidate_sentences(snapshot, hits)
    overlaps = snapshot.lexical.overlap(query, [text for _, text, _ in candidates])
    sentences = tuple(
        Sentence(number, text, float(vector @ query_vector), vector, overlap)
        for (number, text, vector), overlap in zip(candidates, overlaps, strict=True)
    )
    nearest = [similarity for _, similarity in snapshot.search(query_vector, LIFT_TO)]
    lift = nearest[0] - float(np.mean(nearest[LIFT_FROM:])) if len(nearest) > LIFT_FROM else 0.0
    best = max((h.score for h in top), default=0.0)
    asked = years_in(query)
    named = [
        years_named(text) | ({h.chunk.year} if h.chunk.year else set()) for h, text in zip(top, texts, strict=True)
    ]
    period_missing = bool(asked) and not any(asked & years for years in named)
    elsewhere = about_elsewhere(query, top)
    quoted = quoted_elsewhere(query, choose(query, sentences)) if about else ()
    rows = rows_for(snapshot, query, hits, about)
    return Evidence(best, coverage, elsewhere, sentences, lift, period_missing, quoted, rows)


def rows_for(snapshot: store.Snapshot, query: str, hits: Sequence[Hit], about: Sequence[str]) -> tuple[Row, ...]:
    """The rows of the first ``ROW_PAGES`` pages' tables for the places ``about`` which the question asks, each
    with the share of the question's words its table's caption and lines hold."""
    if not about:
        return ()
    asked = Asked.of(query)
    rows = [
        row for number, hit in enumerate(hits[:ROW_PAGES], 1) for row in table_rows(number, lines(hit), about, asked)
    ]
    overlaps = snapshot.lexical.overlap(query, [row.context for row in rows])
    return tuple(replace(row, overlap=overlap) for row, overlap in zip(rows, overlaps, strict=True))


def lines(hit: Hit) -> list[str]:
    """The lines of a hit's page as its passages read them, each once: their sections (a table's line may be read as
    one) and their texts' lines."""
    return list(dict.fromkeys(line for chunk in hit.page_passages for line in [chunk.section, *chunk.text.split("\n")]))


def quoted_elsewhere(query: str, quoted: Sequence[Sentence]) -> tuple[str, ...]:
    """The places the ``quoted`` sentences name when the question asks about places and none of those is an asked
    one or lies within one (see the module's docstring); () otherwise."""
    asked = asked_places(query)
    named = tuple(places_in(" ".join(s.text for s in quoted)))
    return named if asked and named and not any(within(place, asked) for place in named) else ()


def candidate_sentences(snapshot: store.Snapshot, hits: Sequence[Hit]) -> list[tuple[int, str, np.ndarray]]:
    """(page number, sentence, its vector) for the quotable sentences of every page of ``hits`` (embedded at
    ingest: :func:`assistant.chunk.sentences`), best page first, each sentence once."""
    seen: set[str] = set()
    out = []
    for number, hit in enumerate(hits, 1):
        for chunk in hit.page_passages:
            for text, vector in snapshot.sentences_of(chunk):
                if text not in seen:
                    seen.add(text)
                    out.append((number, text, vector))
    return out


def about_elsewhere(question: str, hits: Sequence[Hit]) -> bool:
    """True when the question asks about places (not one its writer names only to introduce themselves:
    :func:`assistant.question.asked_places`) and every page's document (its title, publisher and section) is about
    some other place, not one of the same group. A document whose metadata names no place may be about any."""
    places = asked_places(question)
    if not places or not hits:
        return False
    wanted = {name for place in places for name in place_group(place)}
    for hit in hits:
        about = set(places_in(f"{hit.chunk.title} {hit.chunk.publisher} {hit.chunk.section}"))
        if not about or about & wanted:
            return False
    return True
