"""Fit the decision to answer or decline (``assistant/evidence.json``) on the dev questions.

Features of every dev question's evidence (see :mod:`assistant.evidence`) with the real model over the shared
corpus; label: out of scope. A class-balanced logistic regression over all dev questions; its threshold is the
lowest at which at most 3% of the in-scope dev questions are declined, on probabilities from 5-fold
cross-validation (each fold scored by a model fitted on the other four). The held-out set is never read.

    python bench/calibrate_answers.py [--corpus DIR] [--index DIR]
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from common import (
    DEV_QUESTIONS,
    HELDOUT3_QUESTIONS,
    HELDOUT4_QUESTIONS,
    HELDOUT_QUESTIONS,
    REPO,
    index_arguments,
    open_index,
    read_questions,
    ship,
)

from assistant.calibrated import LogisticModel, fit, threshold_for
from assistant.retrieve import Retriever

DEV = tuple(REPO / "bench" / name for name in DEV_QUESTIONS)
HELDOUT = tuple(REPO / "bench" / name for name in HELDOUT_QUESTIONS)
HELDOUT3 = tuple(REPO / "bench" / name for name in HELDOUT3_QUESTIONS)
HELDOUT4 = tuple(REPO / "bench" / name for name in HELDOUT4_QUESTIONS)
MAX_FALSE_ABSTENTIONS = 0.03
FOLDS = 5


def load_questions(files: Sequence[Path], within: Retriever | None = None) -> list[dict[str, Any]]:
    """The questions of ``files``; ``within`` an index, those it can answer: an in-scope question none of whose
    gold documents it holds is left out (the library's questions over the 40 PDFs)."""
    questions = [question for path in files for question in read_questions(path)]
    if within is None:
        return questions
    held = set(within.snapshot.manifest.documents)
    return [q for q in questions if not q["gold"] or any(g["doc"] in held for g in q["gold"])]


def calibrated(
    rows: Sequence[Mapping[str, float]], declines: Sequence[bool], features: Sequence[str], folds: int = FOLDS
) -> LogisticModel:
    """Fitted on all ``rows``; threshold for at most MAX_FALSE_ABSTENTIONS of the rows not to decline, on
    cross-validated probabilities (rows split into ``folds`` by position)."""
    probabilities = [0.0] * len(rows)
    for fold in range(folds):
        train = [i for i in range(len(rows)) if i % folds != fold]
        model = fit([rows[i] for i in train], [declines[i] for i in train], features)
        for i in range(fold, len(rows), folds):
            probabilities[i] = model.probability(rows[i])
    answerable = [p for p, decline in zip(probabilities, declines, strict=True) if not decline]
    threshold = threshold_for(answerable, MAX_FALSE_ABSTENTIONS)
    note = (
        f"fitted on {len(rows)} dev questions ({sum(declines)} out of scope); threshold: at most "
        f"{MAX_FALSE_ABSTENTIONS:.0%} of in-scope questions declined on {folds}-fold cross-validated probabilities"
    )
    return fit(rows, declines, features).with_threshold(threshold, note)


def main() -> None:
    from assistant.evidence import FEATURES, MODEL_FILE, gather

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    index_arguments(parser)
    args = parser.parse_args()
    retriever, _ = open_index(args.corpus, args.index, args.backend, args.sentence_vectors)
    questions = [q for q in load_questions(DEV, retriever) if q["type"] != "indicator_only"]
    rows = [
        gather(retriever, retriever.query(q["question"]), retriever.search(q["question"], k=10)).features()
        for q in questions
    ]
    model = calibrated(rows, [q["type"] == "out_of_scope" for q in questions], FEATURES)
    ship(model, MODEL_FILE)


if __name__ == "__main__":
    main()
