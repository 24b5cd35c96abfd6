"""The recommendations register: are the items whole recommendations of their page, and does a topic bring back
the items on it (recall) and only those (precision)?

Gold, written from the PDFs alone (never from this system's output): for each topic, every recommendation item on
it (document, page, the item's first words); items marked borderline count neither way. Dev:
``bench/recommendation_topics.jsonl`` (15 topics, 3 with no item in the corpus), and
``bench/recommendation_topics_dev2.jsonl`` (16 more, 2 with none, written on 2026-12-07: two helpers who never saw
the system's output judged every item the register holds against each topic, so its labels are complete), and
``bench/recommendation_topics_dev3.jsonl`` (12 more, written later that day after both held-out sets were scored,
judged the same way: an item both judges call "yes" is on the topic, one either calls "yes" or "partly" otherwise
is borderline); the topic model is fitted on all three.
Held-out: ``bench/recommendation_topics_heldout.jsonl`` (8 topics, 2 with none), written and committed before the
model was chosen, scored only. Judgments: ``bench/recommendation_judgments.jsonl``, items the gold writers had not
listed that the register ranked near a topic, judged blind to score and rank ("yes", "partly", "no"); scored
"gold or judged", a judged "yes" counts as right and "partly" as borderline. A second held-out set,
``bench/recommendation_topics_heldout2.jsonl`` (8 topics written on 2026-12-07 by a helper who never saw the system,
after the model with the items' standing was chosen), has every item of the register judged against each topic by two
more such helpers, apart: an item both call "yes" is on the topic, one that either calls "yes" or "partly" otherwise
is borderline; it is scored only, by the shipped model.

Extraction on layouts it was not written against: ``bench/recommendation_items_library.jsonl``, every item of 14
PDFs of ``../shared/library`` (2 with none), written from the PDFs' text by a helper who never saw the extractor;
dev data (the extractor was revised on it); ``recommendation_items_library_dev2.jsonl``, 10 more labelled the same
way on 2026-12-06 (dev: two documents hold nearly all its items); ``recommendation_items_library_dev3.jsonl``, 12
more on 2026-12-07 (dev: ten with no clear items, to check the extractor stays silent on them). Held-out:
``recommendation_items_library_heldout.jsonl``, 10 more PDFs (2 with none) labelled the same way and committed
before they were scored.

Reported, over the shared corpus index (built as ``bench/retrieval.py`` builds it):
- item faithfulness: the share of extracted items whose text is the text of their page(s), starting a sentence;
- extraction recall: the share of gold items that the register holds at all (in any place);
- on the library documents: the share of their items extracted (at all, and as one item of their own), and of the
  items extracted, those that are one of them;
- per topic, recall and precision of the items listed: dev by leave-one-topic-out (the model fitted, and its
  threshold chosen, on the other topics), held-out by the shipped model.

Usage: python bench/recommendations.py [--corpus ../shared/corpus] [--index /tmp/jsna-bench-index]
"""

from __future__ import annotations

import argparse
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import REPO, index_arguments, open_index, read_questions, results_suffix, write_results

from assistant.calibrated import LogisticModel, fit
from assistant.model import DocumentInfo, Recommendation
from assistant.parse import read_document
from assistant.recommendations.extract import extract
from assistant.recommendations.register import TOPIC_FEATURES, register, scored, topic_model
from assistant.retrieve import Retriever

LIBRARY_ITEMS = REPO / "bench" / "recommendation_items_library.jsonl"
LIBRARY_ITEMS_HELDOUT = REPO / "bench" / "recommendation_items_library_heldout.jsonl"
LIBRARY_ITEMS_DEV2 = REPO / "bench" / "recommendation_items_library_dev2.jsonl"
LIBRARY_ITEMS_DEV3 = REPO / "bench" / "recommendation_items_library_dev3.jsonl"
DEV = REPO / "bench" / "recommendation_topics.jsonl"
DEV2 = REPO / "bench" / "recommendation_topics_dev2.jsonl"
DEV3 = REPO / "bench" / "recommendation_topics_dev3.jsonl"
HELDOUT = REPO / "bench" / "recommendation_topics_heldout.jsonl"
HELDOUT2 = REPO / "bench" / "recommendation_topics_heldout2.jsonl"
JUDGMENTS = REPO / "bench" / "recommendation_judgments.jsonl"
THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 20)]
C = 1.0


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


@dataclass(frozen=True)
class Topic:
    """A topic with its gold items, and (scoring "gold or judged") the judged items added: "yes" as gold,
    "partly" as borderline."""

    name: str
    items: tuple[dict[str, Any], ...]

    @property
    def counted(self) -> list[dict[str, Any]]:
        return [g for g in self.items if not g.get("borderline")]

    def label(self, item: Recommendation) -> bool | None:
        """True on the topic, False not, None borderline (counted neither way). An item that is a gold item is on
        the topic though it also holds a borderline one ("Improve LAC data quality: Improve collection of ..." is
        gold, its second sentence borderline)."""
        if any(covers(item, g) for g in self.counted):
            return True
        return None if any(covers(item, g) for g in self.items if g.get("borderline")) else False


def topics(path: Path, judgments: list[dict[str, Any]] | None = None) -> list[Topic]:
    out = []
    for row in read_questions(path):
        judged = [
            {"doc": j["doc"], "page": j["page"], "start": j["start"], "borderline": j["judgment"] == "partly"}
            for j in judgments or ()
            if j["topic"] == row["topic"] and j["judgment"] in ("yes", "partly")
        ]
        out.append(Topic(row["topic"], tuple(row["items"]) + tuple(judged)))
    return out


def dev_topics(judgments: list[dict[str, Any]]) -> list[Topic]:
    """The topics the model is fitted on: the first dev set with its judgments, and the second and third (every item
    judged)."""
    return topics(DEV, judgments) + topics(DEV2) + topics(DEV3)


def score(listed: Sequence[Recommendation], topic: Topic) -> tuple[float | None, float | None]:
    """(recall, precision) of a topic's listed items; None where undefined (no gold items; nothing listed)."""
    counted = topic.counted
    found = sum(any(covers(item, g) for item in listed) for g in counted)
    judged = [label for label in map(topic.label, listed) if label is not None]
    recall = found / len(counted) if counted else None
    precision = sum(judged) / len(judged) if judged else None
    return recall, precision


def f1(recall: float | None, precision: float | None) -> float:
    r, p = recall or 0.0, precision or 0.0
    return 0.0 if r + p == 0 else 2 * r * p / (r + p)


Scored = dict[str, list[tuple[Recommendation, dict[str, float]]]]


def listed(scored_items: Scored, topic: Topic, model: LogisticModel) -> list[Recommendation]:
    return [item for item, values in scored_items[topic.name] if model.decide(values)]


def fit_topics(
    scored_items: Scored, chosen: Sequence[Topic], features: Sequence[str] = TOPIC_FEATURES
) -> LogisticModel:
    """The topic model fitted on ``chosen`` (items labelled on or off each topic; borderline ones left out), its
    threshold the one of :data:`THRESHOLDS` with the best mean F1 over them (:func:`topic_f1`)."""
    rows, labels = [], []
    for topic in chosen:
        for item, values in scored_items[topic.name]:
            label = topic.label(item)
            if label is not None:
                rows.append(values)
                labels.append(label)
    model = fit(rows, labels, features, C)

    def mean_f1(threshold: float) -> float:
        return statistics.mean(topic_f1(listed(scored_items, t, model.with_threshold(threshold)), t) for t in chosen)

    return model.with_threshold(max(THRESHOLDS, key=mean_f1))


def topic_f1(found: Sequence[Recommendation], topic: Topic) -> float:
    """F1 of a topic's list; for a topic the corpus has no item on, 1 when nothing is listed, else 0."""
    return f1(*score(found, topic)) if topic.counted else float(not found)


def leave_one_out(
    scored_items: Scored, chosen: Sequence[Topic], features: Sequence[str] = TOPIC_FEATURES
) -> dict[str, list[Recommendation]]:
    """Each topic's items as listed by a model fitted on the others."""
    return {
        t.name: listed(scored_items, t, fit_topics(scored_items, [o for o in chosen if o is not t], features))
        for t in chosen
    }


def summary(rows: Sequence[tuple[Topic, list[Recommendation]]], scoring: Callable[[Topic], Topic]) -> str:
    with_items = [(scoring(t), found) for t, found in rows if t.counted]
    scores = [score(found, t) for t, found in with_items]
    recall = statistics.mean(r or 0.0 for r, _ in scores)
    precisions = [p for _, p in scores if p is not None]
    empty = [found for t, found in rows if not t.counted]
    overall = statistics.mean(topic_f1(found, scoring(t)) for t, found in rows)
    return (
        f"mean recall {recall:.3f}, mean precision {statistics.mean(precisions) if precisions else 0.0:.3f}; "
        f"nothing listed on {sum(not found for found in empty)}/{len(empty)} topics without items; "
        f"mean F1 over all topics {overall:.3f}"
    )


def faithfulness(corpus: Path, items: list[Recommendation]) -> tuple[int, int, list[str]]:
    """Items whose text is on their page(s) and starts a sentence, of all items; and the first few that are not."""
    by_doc: dict[str, list[Recommendation]] = {}
    for item in items:
        for place in places(item):
            by_doc.setdefault(place.doc, []).append(place)
    good, total = 0, 0
    bad: list[str] = []
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


def library_extraction(library: Path, path: Path = LIBRARY_ITEMS, name: str = "dev") -> list[str]:
    """How the extractor reads the library documents labelled in ``path`` (:data:`LIBRARY_ITEMS`, the dev ones,
    :data:`LIBRARY_ITEMS_DEV2` and :data:`LIBRARY_ITEMS_DEV3`, more dev sets, or :data:`LIBRARY_ITEMS_HELDOUT`),
    reported under ``name``: the share of their items extracted (at all, and as an item of its own: not run together
    with another), and the share of the items extracted that are one of them (items that are only a borderline one
    count neither way)."""
    rows = read_questions(path)
    gold = [row for row in rows if "start" in row]
    counted = [g for g in gold if not g.get("borderline")]
    found = alone = right = judged = extracted = 0
    docs = [row["doc"] for row in rows if "pages" in row]
    for doc in docs:
        info = DocumentInfo(path=doc, title=doc, kind="chapter", year=None, publisher="", sha256=doc)
        items = extract(info, read_document(library / "pdf" / doc).pages)
        extracted += len(items)
        doc_gold = [g for g in counted if g["doc"] == doc]
        hits = {item.id: [g for g in gold if g["doc"] == doc and covers(item, g)] for item in items}
        for g in doc_gold:
            holding = [item for item in items if g in hits[item.id]]
            found += bool(holding)
            alone += any(sum(not h.get("borderline") for h in hits[item.id]) == 1 for item in holding)
        for item in items:
            if any(not h.get("borderline") for h in hits[item.id]):
                right += 1
                judged += 1
            elif not hits[item.id]:
                judged += 1
    n = max(len(counted), 1)
    return [
        f"- Library documents ({name}, {len(counted)} items of {len(docs)} PDFs, {extracted} extracted): extracted "
        f"{found}/{len(counted)} = {found / n:.3f}, as an item of its own {alone}/{len(counted)} = {alone / n:.3f}; "
        f"items extracted that are one {right}/{judged} = {right / max(judged, 1):.3f}",
    ]


def scored_topics(retriever: Retriever, chosen: Sequence[Topic]) -> Scored:
    return {t.name: scored(retriever, t.name) for t in chosen}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    index_arguments(parser)
    parser.add_argument("--library", type=Path, default=REPO.parent / "shared" / "library")
    args = parser.parse_args()
    retriever, _ = open_index(args.corpus, args.index, args.backend, args.sentence_vectors)
    judgments = read_questions(JUDGMENTS) if JUDGMENTS.is_file() else []
    first, second, third = topics(DEV), topics(DEV2), topics(DEV3)
    dev, heldout = first + second + third, topics(HELDOUT) if HELDOUT.is_file() else []
    heldout2 = topics(HELDOUT2) if HELDOUT2.is_file() else []
    judged = {t.name: t for t in dev_topics(judgments) + (topics(HELDOUT, judgments) if heldout else []) + heldout2}
    everything = register(retriever)
    good, total, bad = faithfulness(args.corpus, everything)

    def extracted(chosen: Sequence[Topic]) -> str:
        gold = [g for t in chosen for g in t.counted]
        held = sum(any(covers(item, g) for item in everything) for g in gold)
        return f"{held}/{len(gold)} = {held / max(len(gold), 1):.3f}"

    scored_items = scored_topics(retriever, dev + heldout + heldout2)
    crossed = leave_one_out(scored_items, [judged[t.name] for t in dev])  # fitted as the shipped model is
    shipped = topic_model()

    lines = [
        "# Recommendations register",
        "",
        f"Index: {args.corpus} ({len(retriever.snapshot.manifest.documents)} documents, "
        f"{len(retriever.snapshot.recommendations)} items extracted, {len(everything)} after grouping repeats).",
        "",
        f"- Items whose text is on their page(s), starting a sentence: {good}/{total} = {good / max(total, 1):.3f}",
        "- Gold items the register holds (extraction recall, the ceiling of a topic's recall): dev (first set; the "
        f"second and third were judged from the register's own items) {extracted(first)}, "
        f"held-out {extracted(heldout)}",
    ]
    lines += [f"  - not on its page: {b}" for b in bad]
    if args.library.is_dir():
        lines += library_extraction(args.library)
        lines += library_extraction(args.library, LIBRARY_ITEMS_DEV2, "dev, second set")
        lines += library_extraction(args.library, LIBRARY_ITEMS_DEV3, "dev, third set")
        lines += library_extraction(args.library, LIBRARY_ITEMS_HELDOUT, "held-out")
    lines += [
        "",
        f"Topic model: {', '.join(shipped.features)}; threshold {shipped.threshold} ({shipped.note})",
        "",
        "## Per topic",
        "",
        "Dev: leave-one-topic-out. Held-out: the shipped model. Gold: the gold items only; judged: gold or judged "
        "to be on the topic.",
        "",
        "| set | topic | gold items | listed | recall | precision | recall (judged) | precision (judged) |",
        "|---|---|---|---|---|---|---|---|",
    ]

    def fmt(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    rows = {
        "dev": [(t, crossed[t.name]) for t in dev],
        "held-out": [(t, listed(scored_items, t, shipped)) for t in heldout],
        "held-out 2": [(t, listed(scored_items, t, shipped)) for t in heldout2],
    }
    for name, found_rows in rows.items():
        for topic, found in found_rows:
            r, p = score(found, topic)
            rj, pj = score(found, judged[topic.name])
            lines.append(
                f"| {name} | {topic.name} | {len(topic.counted)} | {len(found)} | {fmt(r)} | {fmt(p)} | {fmt(rj)} | "
                f"{fmt(pj)} |"
            )
    lines.append("")
    summarised = {
        "dev": rows["dev"],
        "dev, first set": [(t, crossed[t.name]) for t in first],
        "dev, second set": [(t, crossed[t.name]) for t in second],
        "dev, third set": [(t, crossed[t.name]) for t in third],
        "held-out": rows["held-out"],
        "held-out 2": rows["held-out 2"],
    }
    for name, found_rows in summarised.items():
        if found_rows:
            lines.append(f"- {name}, gold: {summary(found_rows, lambda t: t)}")
            lines.append(f"- {name}, gold or judged: {summary(found_rows, lambda t: judged[t.name])}")
    write_results(f"recommendations{results_suffix(args)}.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
