"""Fit the recommendations register's topic model (``assistant/recommendations/topic.json``) on the dev topics.

Dev data only: ``bench/recommendation_topics.jsonl`` with the blind judgments of ``recommendation_judgments.jsonl``
(an item judged on the topic counts as gold, one judged partly as borderline), and
``recommendation_topics_dev2.jsonl`` and ``recommendation_topics_dev3.jsonl`` (every item judged). Every item the
register holds is a candidate for every topic, labelled on or off it; borderline ones are left out. Prints, for a few
feature sets, the leave-one-topic-out figures (each topic listed by a model fitted, and its threshold chosen, on the
others), then fits the shipped set on all dev topics, its threshold the one with the best mean F1 over them.
Deterministic.

    python bench/calibrate_recommendations.py [--corpus DIR] [--index DIR]
"""

from __future__ import annotations

import argparse

from common import coefficients, index_arguments, open_index, read_questions, ship
from recommendations import JUDGMENTS, dev_topics, fit_topics, leave_one_out, scored_topics, summary

from assistant.recommendations.register import TOPIC_FEATURES, TOPIC_MODEL

COMPARED = {
    "shipped (similarity, alone, section, words, similarity_standing, alone_standing)": TOPIC_FEATURES,
    "without the standing (similarity, alone, section, words)": ("similarity", "alone", "section", "words"),
    "the views alone (similarity, alone, section)": ("similarity", "alone", "section"),
    "similarity only": ("similarity",),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    index_arguments(parser)
    args = parser.parse_args()
    retriever, _ = open_index(args.corpus, args.index, args.backend, args.sentence_vectors)
    dev = dev_topics(read_questions(JUDGMENTS) if JUDGMENTS.is_file() else [])
    scored_items = scored_topics(retriever, dev)
    for name, features in COMPARED.items():
        crossed = leave_one_out(scored_items, dev, features)
        print(f"{name}: {summary([(t, crossed[t.name]) for t in dev], lambda t: t)}")
    model = fit_topics(scored_items, dev)
    print(coefficients(model))
    note = (
        f"fitted on {len(dev)} dev topics (gold or judged); threshold {model.threshold}: the best mean F1 over "
        "them (bench/calibrate_recommendations.py)"
    )
    ship(model.with_threshold(model.threshold, note), TOPIC_MODEL)


if __name__ == "__main__":
    main()
