"""Fit the answer's sentence model on the dev fact questions, and report how often answers quote the asked figure.

Every dev question of type ``figure`` whose gold answer has a figure (its first number that is not a year) gives
rows: each candidate sentence of its top 10 pages, with the features of ``assistant.quote.SENTENCE_FEATURES`` and
the label "gives the asked figure, on a gold page". The sentence model is a pairwise logistic regression over them
(``assistant.calibrated.fit_pairwise``: each right sentence against each wrong one of the same question), since
the answer only orders a question's sentences; fitted on all dev it is shipped as ``assistant/sentences.json``. The
report also shows a yes/no regression over all sentences at once (classes balanced), the model shipped before.

The report compares the hand-set weights it replaced (similarity + 0.1 for a figure + 0.05 for the year + 0.05 for
the unit - 0.02 a place down the results) with the fitted model: fact answers quoting the asked figure on dev, each
of 5 folds answered by a model fitted on the other four, and on held-out by the model fitted on all dev.

    python bench/calibrate_sentences.py [--corpus DIR] [--index DIR] [--no-write]

Prints a markdown table and writes it to ``bench/results/sentences.md``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from calibrate_answers import DEV, HELDOUT, load_questions
from common import (
    asked_figure,
    coefficients,
    fold_of,
    index_arguments,
    is_gold,
    open_index,
    quotes,
    ship,
    write_results,
)

from assistant.answer import compose
from assistant.calibrated import LogisticModel, fit, fit_pairwise
from assistant.evidence import Evidence, gather
from assistant.model import Hit
from assistant.quote import SENTENCE_FEATURES, SENTENCE_MODEL, Asked
from assistant.retrieve import Retriever

FOLDS = 5
HAND = LogisticModel(
    SENTENCE_FEATURES, (0.0,) * 6, (1.0,) * 6, (1.0, 0.1, 0.05, 0.05, 0.0, -0.02), 0.0, note="hand-set weights"
)


@dataclass(frozen=True)
class Case:
    """A fact question with its pages, their evidence and the figure it asks for."""

    question: dict[str, Any]
    query: str  # the question as it is searched and answered (``Retriever.query``)
    hits: list[Hit]
    evidence: Evidence
    figure: str

    def rows(self) -> tuple[list[dict[str, float]], list[bool]]:
        asked = Asked.of(self.query)
        features = [asked.features(s) for s in self.evidence.sentences]
        labels = [
            quotes(s.text, self.figure) and is_gold(self.hits[s.number - 1], self.question["gold"])
            for s in self.evidence.sentences
        ]
        return features, labels

    def quoted(self, model: LogisticModel) -> bool:
        return quotes(compose(self.query, self.hits, self.evidence, model=model).text, self.figure)


def cases(retriever: Retriever, questions: Sequence[dict[str, Any]]) -> list[Case]:
    out = []
    for q in questions:
        figure = asked_figure(q["answer"]) if q["type"] == "figure" else None
        if figure:
            hits, query = retriever.search(q["question"], k=10), retriever.query(q["question"])
            out.append(Case(q, query, hits, gather(retriever, query, hits), figure))
    return out


def fit_sentences(train: Sequence[Case], pairwise: bool = True) -> LogisticModel:
    groups = [case.rows() for case in train]
    sentences = sum(len(labels) for _, labels in groups)
    positives = sum(sum(labels) for _, labels in groups)
    note = (
        f"{'pairwise, ' if pairwise else ''}fitted on {sentences} candidate sentences of {len(train)} dev fact "
        f"questions ({positives} give the asked figure on a gold page)"
    )
    if pairwise:
        return fit_pairwise(groups, SENTENCE_FEATURES).with_threshold(0.5, note)
    rows = [row for features, _ in groups for row in features]
    labels = [label for _, y in groups for label in y]
    return fit(rows, labels, SENTENCE_FEATURES).with_threshold(0.5, note)


def fold_models(dev: Sequence[Case], pairwise: bool = True) -> dict[int, LogisticModel]:
    """For each fold, the sentence model fitted on the other folds' cases."""
    return {f: fit_sentences([c for c in dev if fold_of(c.question["id"], FOLDS) != f], pairwise) for f in range(FOLDS)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    index_arguments(parser)
    parser.add_argument("--no-write", action="store_true", help="report only; leave assistant/sentences.json")
    args = parser.parse_args()
    retriever, _ = open_index(args.corpus, args.index, args.backend, args.sentence_vectors)
    dev = cases(retriever, load_questions(DEV, retriever))
    heldout = cases(retriever, load_questions(HELDOUT, retriever))
    folds, yes_no_folds = fold_models(dev), fold_models(dev, pairwise=False)
    shipped, yes_no = fit_sentences(dev), fit_sentences(dev, pairwise=False)

    def rate(quoted: int, total: int) -> str:
        return f"{quoted}/{total} ({quoted / max(1, total):.0%})"

    def row(name: str, model: LogisticModel, by_fold: dict[int, LogisticModel]) -> str:
        cv = sum(c.quoted(by_fold[fold_of(c.question["id"], FOLDS)]) for c in dev)
        return f"| {name} | {rate(cv, len(dev))} | {rate(sum(c.quoted(model) for c in heldout), len(heldout))} |"

    lines = [
        f"# Answer sentences, {time.strftime('%Y-%m-%d')}",
        "",
        "Fact answers quoting the asked figure: the hand-set weights against the fitted sentence model "
        "(dev: 5-fold cross-validated; held-out: the model fitted on all dev).",
        "",
        "| weights | dev | held-out |",
        "|---|---:|---:|",
        f"| hand-set | {rate(sum(c.quoted(HAND) for c in dev), len(dev))} | "
        f"{rate(sum(c.quoted(HAND) for c in heldout), len(heldout))} |",
        row("fitted yes/no", yes_no, yes_no_folds),
        row("**fitted pairwise (shipped)**", shipped, folds),
        "",
        f"Fitted on all dev: {coefficients(shipped)}. {shipped.note}.",
        "",
    ]
    write_results("sentences.md", "\n".join(lines))
    if not args.no_write:
        ship(shipped, SENTENCE_MODEL)


if __name__ == "__main__":
    main()
