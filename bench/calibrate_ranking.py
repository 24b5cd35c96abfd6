"""Fit the hybrid search's ranking model on the dev questions, and report page hits it gives.

Every in-scope dev question gives rows: each candidate passage of its three searches (dense, BM25, sentence; see
``assistant.retrieve``) with the features of ``RANK_FEATURES`` and the label "on a gold page". A logistic
regression over them (classes balanced) is the ranking model; fitted on all dev it is shipped as
``assistant/ranking.json``. The report gives page hit@1/3/5/10 and MRR@10 on dev, each of 5 folds ranked by a model
fitted on the other four, and on held-out by the model fitted on all dev.

    python bench/calibrate_ranking.py [--corpus DIR] [--index DIR] [--no-write]

Prints a markdown table and writes it to ``bench/results/ranking.md``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

from calibrate_answers import DEV, HELDOUT, load_questions
from common import coefficients, fold_of, index_arguments, is_gold, open_index, ship, write_results

from assistant.calibrated import LogisticModel, fit
from assistant.model import Hit
from assistant.retrieve import RANK_FEATURES, RANKING_MODEL, Retriever

FOLDS = 5
KS = (1, 3, 5, 10)


def in_scope(questions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [q for q in questions if q["type"] not in ("out_of_scope", "indicator_only")]


def fit_ranking(retriever: Retriever, questions: Sequence[dict[str, Any]]) -> LogisticModel:
    """The ranking model fitted on ``questions``' candidates."""
    snap = retriever.snapshot
    features: list[dict[str, float]] = []
    labels: list[bool] = []
    for q in in_scope(questions):
        for candidate in retriever.candidates(retriever.query(q["question"])):
            features.append(candidate.features)
            labels.append(is_gold(Hit(snap.chunks[candidate.row], 0.0, 0.0), q["gold"]))
    note = f"fitted on {len(features)} candidate passages of {len(in_scope(questions))} dev questions"
    return fit(features, labels, RANK_FEATURES).with_threshold(0.5, f"{note} ({sum(labels)} on a gold page)")


def fold_rankers(retriever: Retriever, questions: Sequence[dict[str, Any]]) -> dict[int, LogisticModel]:
    """For each fold, the ranking model fitted on the other folds' questions."""
    return {f: fit_ranking(retriever, [q for q in questions if fold_of(q["id"], FOLDS) != f]) for f in range(FOLDS)}


def rank_of_gold(hits: Sequence[Hit], gold: list[dict[str, Any]]) -> int | None:
    return next((i + 1 for i, h in enumerate(hits) if is_gold(h, gold)), None)


def row(name: str, ranks: Sequence[int | None]) -> str:
    hits = [sum(r is not None and r <= k for r in ranks) / len(ranks) for k in KS]
    mrr = sum(1 / r for r in ranks if r) / len(ranks)
    return f"| {name} | " + " | ".join(f"{h:.3f}" for h in hits) + f" | {mrr:.3f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    index_arguments(parser)
    parser.add_argument("--no-write", action="store_true", help="report only; leave assistant/ranking.json")
    args = parser.parse_args()
    retriever, _ = open_index(args.corpus, args.index, args.backend, args.sentence_vectors)
    dev, heldout = load_questions(DEV, retriever), load_questions(HELDOUT, retriever)
    folds = fold_rankers(retriever, dev)
    shipped = fit_ranking(retriever, dev)
    dev_ranks = [
        rank_of_gold(retriever.search(q["question"], k=10, ranker=folds[fold_of(q["id"], FOLDS)]), q["gold"])
        for q in in_scope(dev)
    ]
    heldout_ranks = [
        rank_of_gold(retriever.search(q["question"], k=10, ranker=shipped), q["gold"]) for q in in_scope(heldout)
    ]
    lines = [
        f"# Ranking model, {time.strftime('%Y-%m-%d')}",
        "",
        "Page hits of the hybrid search ranked by the fitted model (dev: 5-fold cross-validated; held-out: the model "
        "fitted on all dev).",
        "",
        "| questions | hit@1 | hit@3 | hit@5 | hit@10 | MRR@10 |",
        "|---|---:|---:|---:|---:|---:|",
        row(f"dev ({len(dev_ranks)})", dev_ranks),
        row(f"held-out ({len(heldout_ranks)})", heldout_ranks),
        "",
        f"Fitted on all dev: {coefficients(shipped)}. {shipped.note}.",
        "",
    ]
    write_results("ranking.md", "\n".join(lines))
    if not args.no_write:
        ship(shipped, RANKING_MODEL)


if __name__ == "__main__":
    main()
