"""The recommendations register: are the items whole recommendations of their page, and does a topic bring back
the items on it (recall) and only those (precision)?

Gold: ``bench/recommendation_topics.jsonl``, written from the PDFs alone (never from this system's output): for each
topic, every recommendation item on it (document, page, the first words of the item); items marked borderline count
neither way. Three topics have no item in the corpus: the register should list nothing for them.

Reported, over the shared corpus index (built as ``bench/retrieval.py`` builds it):
- item faithfulness: the share of extracted items whose text is the text of their page(s), starting a sentence;
- extraction recall: the share of gold items that the register holds at all (in any place);
- per topic, recall and precision of the items listed at the shipped threshold, and over a sweep of thresholds; the
  threshold chosen by leave-one-topic-out cross-validation (best mean F1 on the other topics) and its scores.

Usage: python bench/recommendations.py [--corpus ../shared/corpus] [--index /tmp/jsna-bench-index]
"""

from __future__ import annotations

import argparse
import re
import statistics
from pathlib import Path
from typing import Any

from common import REPO, index_arguments, open_index, read_questions, results_suffix, write_results

from assistant.model import Recommendation
from assistant.parse import read_document
from assistant.recommendations.register import TOPIC_MIN_SIMILARITY, register, scored

GOLD = REPO / "bench" / "recommendation_topics.jsonl"
SWEEP = [round(0.20 + 0.025 * i, 3) for i in range(15)]


def normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def plain(text: str) -> str:
    """Text without bullet glyphs, single-spaced: an item is its page's text less the list marks."""
    return " ".join(re.sub(r"[\uf000-\uf0ff•●▪■]", " ", text).split())


def places(item: Recommendation) -> list[Recommendation]:
    return [item, *item.also_in]


def covers(item: Recommendation, gold: dict[str, Any]) -> bool:
    """The item (or a place that restates it) is the gold item: same document and page, and it holds the gold
    item's first words."""
    start = normal(gold["start"])[:50]
    return any(
        p.doc == gold["doc"] and p.page_start <= gold["page"] <= p.page_end and start in normal(p.text)
        for p in places(item)
    )


def score_topic(listed: list[Recommendation], gold: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    """(recall, precision) of a topic's listed items; None where undefined (no gold items; nothing listed)."""
    counted = [g for g in gold if not g.get("borderline")]
    found = sum(any(covers(item, g) for item in listed) for g in counted)
    judged = [item for item in listed if not any(covers(item, g) for g in gold if g.get("borderline"))]
    right = sum(any(covers(item, g) for g in counted) for item in judged)
    recall = found / len(counted) if counted else None
    precision = right / len(judged) if judged else None
    return recall, precision


def f1(recall: float | None, precision: float | None) -> float:
    r, p = recall or 0.0, precision or 0.0
    return 0.0 if r + p == 0 else 2 * r * p / (r + p)


def faithfulness(corpus: Path, items: list[Recommendation]) -> tuple[int, int, list[str]]:
    """Items whose text is on their page(s) and starts a sentence, of all items; and the first few that are not."""
    by_doc: dict[str, list[Recommendation]] = {}
    for item in items:
        for place in places(item):
            by_doc.setdefault(place.doc, []).append(place)
    good, total, bad = 0, 0, []
    for doc, doc_items in sorted(by_doc.items()):
        pages = {p.number: plain(p.text) for p in read_document(corpus / doc).pages}
        for item in doc_items:
            span = " ".join(pages.get(n, "") for n in range(item.page_start, item.page_end + 1))
            ok = " ".join(item.text.split()) in span and (
                item.text[:1].isupper() or item.text[:1] in "‘“'\"(0123456789"
            )
            good += ok
            total += 1
            if not ok and len(bad) < 5:
                bad.append(f"{doc} p. {item.page_start}: {item.text[:70]}")
    return good, total, bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    index_arguments(parser)
    args = parser.parse_args()
    retriever, _ = open_index(args.corpus, args.index, args.backend, args.sentence_vectors)
    topics = read_questions(GOLD)
    everything = register(retriever)
    good, total, bad = faithfulness(args.corpus, everything)
    gold_items = [g for t in topics for g in t["items"] if not g.get("borderline")]
    held = sum(any(covers(item, g) for item in everything) for g in gold_items)

    scores = {t["topic"]: scored(retriever, t["topic"]) for t in topics}

    def at(threshold: float, topic: dict[str, Any]) -> tuple[float | None, float | None]:
        listed = [item for item, s in scores[topic["topic"]] if s >= threshold]
        return score_topic(listed, topic["items"])

    def mean_f1(threshold: float, chosen: list[dict[str, Any]]) -> float:
        with_gold = [t for t in chosen if any(not g.get("borderline") for g in t["items"])]
        return statistics.mean(f1(*at(threshold, t)) for t in with_gold)

    cv_rows = []
    for topic in topics:
        others = [t for t in topics if t is not topic]
        best = max(SWEEP, key=lambda th: mean_f1(th, others))
        cv_rows.append((topic, best, at(best, topic), len([1 for _, s in scores[topic["topic"]] if s >= best])))

    lines = [
        "# Recommendations register",
        "",
        f"Index: {args.corpus} ({len(retriever.snapshot.manifest.documents)} documents, "
        f"{len(retriever.snapshot.recommendations)} items extracted, {len(everything)} after grouping repeats).",
        "",
        f"- Items whose text is on their page(s), starting a sentence: {good}/{total} = {good / max(total, 1):.3f}",
        f"- Gold items the register holds (extraction recall): {held}/{len(gold_items)} = "
        f"{held / max(len(gold_items), 1):.3f}",
    ]
    lines += [f"  - not on its page: {b}" for b in bad]
    lines += [
        "",
        f"## Per topic, at the shipped threshold ({TOPIC_MIN_SIMILARITY}) and cross-validated",
        "",
        "| topic | gold items | listed | recall | precision | CV threshold | CV listed | CV recall | CV precision |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def fmt(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    shipped, crossed = [], []
    for topic, best, (cv_r, cv_p), cv_n in cv_rows:
        r, p = at(TOPIC_MIN_SIMILARITY, topic)
        listed = sum(s >= TOPIC_MIN_SIMILARITY for _, s in scores[topic["topic"]])
        n_gold = sum(not g.get("borderline") for g in topic["items"])
        shipped.append((n_gold, listed, r, p))
        crossed.append((n_gold, cv_n, cv_r, cv_p))
        lines.append(
            f"| {topic['topic']} | {n_gold} | {listed} | {fmt(r)} | {fmt(p)} | {best:.3f} | {cv_n} | {fmt(cv_r)} | "
            f"{fmt(cv_p)} |"
        )

    def summary(rows: list[tuple[int, int, float | None, float | None]]) -> str:
        with_gold = [row for row in rows if row[0]]
        recall = statistics.mean(row[2] or 0.0 for row in with_gold)
        precisions = [row[3] for row in with_gold if row[3] is not None]
        silent = sum(row[1] == 0 for row in rows if not row[0])
        empty = sum(not row[0] for row in rows)
        precision = statistics.mean(precisions) if precisions else 0.0
        return (
            f"mean recall {recall:.3f}, mean precision {precision:.3f}; nothing listed on {silent}/{empty} empty topics"
        )

    lines += [
        "",
        f"- Shipped threshold: {summary(shipped)}",
        f"- Leave-one-topic-out: {summary(crossed)}",
        "",
        "## Sweep (all topics; the shipped threshold is fixed in `assistant/recommendations/register.py`)",
        "",
        "| threshold | mean recall | mean precision | mean F1 |",
        "|---|---|---|---|",
    ]
    with_gold = [t for t in topics if any(not g.get("borderline") for g in t["items"])]
    for threshold in SWEEP:
        rs = [at(threshold, t) for t in with_gold]
        recall = statistics.mean(r or 0.0 for r, _ in rs)
        precision = statistics.mean(p for _, p in rs if p is not None) if any(p is not None for _, p in rs) else 0.0
        lines.append(f"| {threshold:.3f} | {recall:.3f} | {precision:.3f} | {mean_f1(threshold, topics):.3f} |")
    write_results(f"recommendations{results_suffix(args)}.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
