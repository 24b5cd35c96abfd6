"""What ``calibrate_tables.py`` and ``indicators.py`` share: labelled questions, their candidate tables with the
relevance features, folds, cross-validated probabilities, and the figures the targets are set on.

A table is relevant to a question of ``questions*.jsonl`` when its (source, indicator_id) is among the question's
``indicators``; to a question of ``indicator_questions*.jsonl`` when it is the indicator asked for, for the area
asked about (:func:`correct`). Those labels were written from the indicator names, and miss the same measure under
another name or in another file: with ``judged``, a table is relevant too when a judge blind to the system found that
it answers (``table_judgments.jsonl``: every candidate the matcher offered with a probability of 0.2 or more under the
relevance model of 2026-12-06, cross-validated on dev, that the labels did not already count; see
:func:`judgments`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from common import DEV_QUESTIONS, HELDOUT3_QUESTIONS, HELDOUT_QUESTIONS, fold_of, read_questions

from assistant.calibrated import LogisticModel, fit
from assistant.indicators import Candidate, IndicatorMatcher, IndicatorTable, indicator_matcher
from assistant.retrieve import Retriever

BENCH = Path(__file__).resolve().parent
DEV = (*DEV_QUESTIONS, "indicator_questions.jsonl")  # fitted and tuned on
HELDOUT = (*HELDOUT_QUESTIONS, "indicator_questions_heldout.jsonl")  # scored only
HELDOUT3 = HELDOUT3_QUESTIONS  # scored only, apart
FOLDS = 5
SHOWN = 3  # tables shown at most
JUDGMENTS = BENCH / "table_judgments.jsonl"


def correct(table: IndicatorTable, q: dict[str, Any]) -> bool:
    """The indicator asked for (by name or id), for the area asked about."""
    named = f"{table.sex} {table.indicator_name} {table.category}".lower()
    same_id = bool(q.get("indicator_id")) and str(q["indicator_id"]) == table.indicator_id
    return (any(name.lower() in named for name in _listed(q["indicator"])) or same_id) and table.area in _listed(
        q["area"]
    )


def _listed(gold: str | list[str]) -> list[str]:
    """A gold field: one answer, or the answers that are equally right (the same indicator in two files)."""
    return [gold] if isinstance(gold, str) else gold


def relevant(table: IndicatorTable, q: dict[str, Any], judged: bool = False) -> bool:
    """Labelled relevant, or, with ``judged``, judged to answer."""
    if "indicators" in q:
        gold = (table.source, table.indicator_id) in {(i["source"], str(i["indicator_id"])) for i in q["indicators"]}
    else:
        gold = correct(table, q)
    return gold or (judged and judgments().get(_key(q["id"], table), False))


KEY = ("source", "indicator_id", "area", "sex", "category")  # a table, within a question's candidates


@cache
def judgments() -> dict[tuple[str, ...], bool]:
    """Blind judgments of (question, table) pairs: does the table give the figure asked for?"""
    return {(j["question_id"], *(j[field] for field in KEY)): j["answers"] for j in read_questions(JUDGMENTS)}


def _key(question_id: str, table: IndicatorTable) -> tuple[str, ...]:
    return (question_id, *(getattr(table, field) for field in KEY))


def unjudged(table: IndicatorTable, q: dict[str, Any]) -> bool:
    """Neither labelled relevant nor judged: counted as not relevant."""
    return not relevant(table, q) and _key(q["id"], table) not in judgments()


@dataclass
class Item:
    """A labelled question with its candidate tables (the matcher's best, in its order) and their labels."""

    id: str
    question: str
    asks_indicator: bool  # an indicator question: indicator recall is counted on these
    has_relevant: bool  # labelled with an indicator that measures what it asks (or, if judged, a candidate judged so)
    candidates: list[Candidate]
    labels: list[bool]
    q: dict[str, Any]
    judged: bool = False  # labels include the judgments

    @property
    def fold(self) -> int:
        return fold_of(self.id, FOLDS)


def load(names: Sequence[str]) -> list[dict[str, Any]]:
    questions = [q for name in names for q in read_questions(BENCH / name)]
    ids = [q["id"] for q in questions]
    assert len(ids) == len(set(ids)), "question ids must be unique within a set"
    return questions


def collect(retriever: Retriever, questions: Sequence[dict[str, Any]]) -> list[Item]:
    """Each question's candidates, as ``answer.indicator_tables`` looks them up (no history), labelled by the
    question's labels (:func:`with_judgments` adds the judgments)."""
    matcher = retriever.derived(indicator_matcher)
    assert matcher is not None, "the index has no indicators"
    items = []
    for q in questions:
        query = retriever.query(q["question"])
        candidates = matcher.candidates(query, retriever.embed_query(query), matcher.areas_in(query))
        asks = "indicators" not in q
        items.append(
            Item(
                id=q["id"],
                question=q["question"],
                asks_indicator=asks,
                has_relevant=asks or bool(q["indicators"]),
                candidates=candidates,
                labels=[relevant(c.table, q) for c in candidates],
                q=q,
            )
        )
    return items


def with_judgments(items: Sequence[Item]) -> list[Item]:
    """The same items labelled by their labels and the judgments: a candidate judged to answer is relevant, and a
    question with one has a relevant indicator."""
    out = []
    for item in items:
        labels = [relevant(c.table, item.q, judged=True) for c in item.candidates]
        out.append(replace(item, labels=labels, has_relevant=item.has_relevant or any(labels), judged=True))
    return out


def rows(items: Sequence[Item]) -> tuple[list[dict[str, float]], list[bool]]:
    return [c.features for i in items for c in i.candidates], [label for i in items for label in i.labels]


def fit_on(items: Sequence[Item], features: Sequence[str], c: float = 1.0) -> LogisticModel:
    x, y = rows(items)
    return fit(x, y, features, c)


def cross_validated(items: Sequence[Item], features: Sequence[str], c: float = 1.0) -> list[list[float]]:
    """Each item's candidates' probabilities from a model fitted on the other folds."""
    out: list[list[float]] = [[] for _ in items]
    for fold in range(FOLDS):
        model = fit_on([i for i in items if i.fold != fold], features, c)
        for n, item in enumerate(items):
            if item.fold == fold:
                out[n] = [model.probability(cand.features) for cand in item.candidates]
    return out


def shown(probabilities: Sequence[float], threshold: float, k: int = SHOWN) -> list[int]:
    """The candidates shown: those at or above the threshold, most probable first, at most ``k``."""
    passed = [n for n, p in enumerate(probabilities) if p >= threshold]
    return sorted(passed, key=lambda n: -probabilities[n])[:k]


def ungated(matcher: IndicatorMatcher, query: str, vector: np.ndarray, k: int = SHOWN) -> list[IndicatorTable]:
    """The tables shown before relevance was decided: the matcher's best ``k``, built from its best ``3 k``
    indicators (as IndicatorMatcher.tables did)."""
    areas = matcher.areas_in(query)
    topic = matcher.gazetteer.without_areas(query)
    entries = matcher.catalogue.entries.iloc[matcher.catalogue.match(topic, vector, k * 3)]
    return matcher.builder.tables(query, areas, entries, k)


def chosen(item: Item, probabilities: Sequence[float], threshold: float) -> list[IndicatorTable]:
    return [item.candidates[n].table for n in shown(probabilities, threshold)]


def figures(items: Sequence[Item], tables: Sequence[Sequence[IndicatorTable]]) -> dict[str, float]:
    """The table figures the targets are set on, for the tables shown to each item."""
    pairs = list(zip(items, tables, strict=True))
    recall = [any(correct(t, i.q) for t in s) for i, s in pairs if i.asks_indicator]
    silent = [not s for i, s in pairs if not i.has_relevant]
    first = [bool(s) and relevant(s[0], i.q, i.judged) for i, s in pairs if i.has_relevant]
    n_shown = sum(len(s) for _, s in pairs)
    n_relevant = sum(relevant(t, i.q, i.judged) for i, s in pairs for t in s)
    return {
        "recall": sum(recall) / len(recall) if recall else float("nan"),
        "recall_n": len(recall),
        "silence": sum(silent) / len(silent) if silent else float("nan"),
        "silence_n": len(silent),
        "precision": n_relevant / n_shown if n_shown else float("nan"),
        "shown": n_shown,
        "relevant_shown": n_relevant,
        "unjudged": sum(unjudged(t, i.q) for i, s in pairs for t in s) if all(i.judged for i in items) else 0,
        "first": sum(first) / len(first) if first else float("nan"),
        "first_n": len(first),
    }
