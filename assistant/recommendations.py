"""The recommendations register: every recommendation passage in the corpus, or those on a topic."""

from __future__ import annotations

from dataclasses import replace

from assistant.model import Hit
from assistant.retrieve import NO_FILTERS, Filters, Retriever

TOPIC_MIN_SIMILARITY = 0.25  # a recommendation this far from the topic is about something else
TOPIC_LIMIT = 50


def register(retriever: Retriever, topic: str | None = None, filters: Filters = NO_FILTERS) -> list[Hit]:
    """Recommendation passages, in document and page order; with a topic, only those on it, best first."""
    filters = replace(filters, recommendations=True)
    if topic and topic.strip():
        hits = retriever.search(topic, k=TOPIC_LIMIT, filters=filters, per_doc=None)
        return [hit for hit in hits if hit.similarity >= TOPIC_MIN_SIMILARITY]
    snapshot = retriever.snapshot
    return [Hit(chunk, 0.0, 0.0) for chunk in snapshot.chunks if filters.allows(chunk)]
