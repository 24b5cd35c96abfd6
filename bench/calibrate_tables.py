"""Fit the indicator-table relevance model (``assistant/indicators/relevance.json``) on the dev questions.

Dev data only: the dev question sets (``common.DEV_QUESTIONS``) and ``indicator_questions.jsonl``. For each question
the matcher's best candidate tables are built with the real model over the shared corpus's index, each labelled
relevant or not by the question's labels (see ``table_relevance.py``); fitted on the blind judgments too, the
model did no better on the dev folds (a row shows it), so it is fitted on the labels alone. Folds are 5, by a hash
of the question id. Prints, for a few feature sets, the cross-validated table figures at the threshold the rule
below gives (how the shipped set was chosen); then
fits the shipped set on all dev questions, and sets its threshold on the cross-validated probabilities: the lowest
at which at most ``SILENCE_RATE`` of the dev questions with no relevant indicator are shown a table (the target is
15% on held-out; 10% leaves a margin). Deterministic.

    python bench/calibrate_tables.py [--corpus DIR] [--index DIR]
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

import table_relevance as tr
from common import index_arguments, open_index

from assistant.calibrated import LogisticModel, threshold_for
from assistant.indicators.relevance import ALL_FEATURES, FEATURES, MODEL_PATH

C = 1.0  # inverse L2 penalty; 0.3 and 3 gave the same figures on dev
SILENCE_RATE = 0.10
COMPARED = {
    "shipped": FEATURES,
    "all": ALL_FEATURES,
    "shipped + similarity_gap": (*FEATURES, "similarity_gap"),
    "shipped + bm25": (*FEATURES, "bm25"),
    "shipped + name_cover": (*FEATURES, "name_cover"),
    "shipped - year_missing": tuple(f for f in FEATURES if f != "year_missing"),
    "shipped - asks_figure": tuple(f for f in FEATURES if f != "asks_figure"),
    "shipped - asks_other": tuple(f for f in FEATURES if f != "asks_other"),
    "shipped - rank": tuple(f for f in FEATURES if f != "rank"),
    "shipped - other_group": tuple(f for f in FEATURES if f != "other_group"),
    "shipped - age_unasked": tuple(f for f in FEATURES if f != "age_unasked"),
    "similarity only": ("similarity",),
}


def threshold(items: Sequence[tr.Item], probabilities: Sequence[Sequence[float]]) -> float:
    """The lowest threshold at which at most SILENCE_RATE of the questions without a relevant indicator are
    shown a table (one is shown when its best candidate reaches the threshold)."""
    best = [max(p, default=0.0) for i, p in zip(items, probabilities, strict=True) if not i.has_relevant]
    return threshold_for(best, SILENCE_RATE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    index_arguments(parser)
    args = parser.parse_args()
    retriever, _ = open_index(args.corpus, args.index, args.backend, args.sentence_vectors)
    items = tr.collect(retriever, tr.load(tr.DEV))
    judged = tr.with_judgments(items)
    positives = sum(sum(i.labels) for i in items)
    print(f"{len(items)} dev questions, {sum(len(i.labels) for i in items)} candidates, {positives} relevant")
    print("| features | threshold | recall | no table | precision | relevant first |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = [(name, items, features) for name, features in COMPARED.items()]
    rows.append(("shipped, fitted on the labels with the judgments", judged, FEATURES))
    for name, fitted_on, features in rows:
        t, f = cross_validated_figures(fitted_on, features, items)
        print(
            f"| {name} | {t:.3f} | {f['recall']:.3f} | {f['silence']:.3f} | {f['precision']:.3f} | {f['first']:.3f} |"
        )
    t, f = cross_validated_figures(items, FEATURES, items)
    note = (
        f"Fitted by bench/calibrate_tables.py on {len(items)} dev questions ({', '.join(tr.DEV)}), "
        f"{sum(len(i.labels) for i in items)} candidate tables ({positives} relevant), "
        f"L2 C={C}, classes balanced. Threshold: the lowest at which at most {SILENCE_RATE:.0%} of the dev questions "
        f"without a relevant indicator get a table, on 5-fold cross-validated probabilities (folds by SHA-1 of the "
        f"question id). Dev CV at it: recall {f['recall']:.3f}, no table {f['silence']:.3f}, precision "
        f"{f['precision']:.3f}, relevant first {f['first']:.3f}."
    )
    # Up to 6 decimals: rounding down would let through the question the threshold was set to keep out.
    model: LogisticModel = tr.fit_on(items, FEATURES, C).with_threshold(math.ceil(t * 1e6) / 1e6, note)
    model = LogisticModel.from_json({**model.to_json(), **_rounded(model)})
    model.save(MODEL_PATH)
    print(
        f"\n{note}\ncoefficients: "
        + ", ".join(f"{n} {c:+.3f}" for n, c in zip(model.features, model.coef, strict=True))
    )
    print(f"intercept {model.intercept:+.3f}, threshold {model.threshold:.4f}; written to {MODEL_PATH}")


def cross_validated_figures(
    fitted_on: Sequence[tr.Item], features: Sequence[str], scored: Sequence[tr.Item]
) -> tuple[float, dict[str, float]]:
    """The threshold set on cross-validated probabilities of a model fitted on ``fitted_on`` (labels, or labels and
    judgments), and the figures at it of the same candidates scored by ``scored``'s labels."""
    probabilities = tr.cross_validated(fitted_on, features, C)
    t = threshold(fitted_on, probabilities)
    return t, tr.figures(scored, [tr.chosen(i, p, t) for i, p in zip(scored, probabilities, strict=True)])


def _rounded(model: LogisticModel) -> dict[str, object]:
    """Numbers to 6 decimals: the same file from the same data on any machine."""
    return {
        key: [round(v, 6) for v in getattr(model, key)] if key != "intercept" else round(model.intercept, 6)
        for key in ("mean", "scale", "coef", "intercept")
    }


if __name__ == "__main__":
    main()
