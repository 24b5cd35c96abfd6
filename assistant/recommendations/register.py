"""The recommendations register: every recommendation item in the live index, or those on a topic.

Items restating one another (an executive summary repeating its report's recommendations, the draft and the
final of a chapter) are listed once, under the first, with the other places in ``also_in``. The whole register
is listed by document, newest first, in reading order within each; a topic lists the items the model finds on
it, best first: cosine similarity of topic and item (embedded in its document and section at ingest) of at least
``TOPIC_MIN_SIMILARITY``, chosen on the recommendations benchmark (``bench/recommendations.py``).
"""

from __future__ import annotations

from assistant.model import Recommendation
from assistant.recommendations.extract import group_repeats
from assistant.retrieve import NO_FILTERS, Filters, Retriever
from assistant.store import Snapshot

TOPIC_MIN_SIMILARITY = 0.35


def register(retriever: Retriever, topic: str | None = None, filters: Filters = NO_FILTERS) -> list[Recommendation]:
    """Recommendation items that pass ``filters``: all of them, newest document first, or those on ``topic``."""
    if topic and topic.strip():
        return [item for item, score in scored(retriever, topic, filters) if score >= TOPIC_MIN_SIMILARITY]
    leads, _ = retriever.derived(_grouped)
    allowed = [item for item in leads if filters.allows(item)]
    order = {doc: i for i, doc in enumerate(dict.fromkeys(item.doc for item in allowed))}
    return sorted(allowed, key=lambda item: (-(item.year or 0), order[item.doc]))


def scored(retriever: Retriever, topic: str, filters: Filters = NO_FILTERS) -> list[tuple[Recommendation, float]]:
    """Every item that passes ``filters`` with its similarity to ``topic``, best first."""
    leads, rows = retriever.derived(_grouped)
    vectors = retriever.snapshot.recommendation_vectors
    allowed = [(item, row) for item, row in zip(leads, rows, strict=True) if filters.allows(item)]
    if vectors is None or not allowed:
        return []
    similarity = vectors[[row for _, row in allowed]] @ retriever.embed_query(topic)
    pairs = zip([item for item, _ in allowed], similarity.tolist(), strict=True)
    return sorted(pairs, key=lambda pair: -pair[1])


def _grouped(snapshot: Snapshot) -> tuple[list[Recommendation], list[int]]:
    """The items with repeats folded in, and each one's row in the snapshot (for its vector)."""
    leads = group_repeats(snapshot.recommendations)
    row_of = {item.id: row for row, item in enumerate(snapshot.recommendations)}
    return leads, [row_of[item.id] for item in leads]
