"""The recommendations register: every recommendation item in the live index, or those on a topic.

Items restating one another (an executive summary repeating its report's recommendations, the draft and the
final of a chapter) are listed once, under the first, with the other places in ``also_in``. The whole register
is listed by document, newest first, in reading order within each. A topic lists the items a small logistic model
(``topic.json``, fitted by ``bench/calibrate_recommendations.py`` on the dev topics) says are on it, most similar
first, over ``TOPIC_FEATURES``: the topic's cosine similarity to each of the item's three views embedded at ingest
(:func:`assistant.recommendations.extract.views`): the item in its document and section, the item alone, and its
document and section alone; ``words``, the share of the topic's words the item holds with its title and section,
each weighted by its rarity among the items; and the *standing* of the first two similarities: how many standard
deviations each lies above its mean over all the register's items for this topic. A topic of common words
("children and young people's mental health support") is close to a great many items, and only those that stand
out from them are on it; a topic the register has nothing on is close to none, however far some stand out. How
far the item in context stands out weighs most; the topic's words add to it; a heading that alone explains the
likeness takes from it (an item of a section on the topic that is itself about something else); the item alone and
its standing together raise the bar for a topic that most items are close to. Chosen on the dev topics by
leave-one-topic-out against the views alone, the first view alone, and others (README). The items close to the
topic that the model passes over are offered apart, as possibly on it (:func:`on_topic`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.calibrated import LogisticModel, standing
from assistant.lexical import Lexical
from assistant.model import Recommendation
from assistant.recommendations.extract import VIEWS, group_repeats
from assistant.retrieve import NO_FILTERS, Filters, Retriever
from assistant.store import Snapshot

TOPIC_MODEL = Path(__file__).with_name("topic.json")
STANDING = ("similarity", "alone")  # views whose standing among all the items is a feature too
TOPIC_FEATURES = (*VIEWS, "words", *(f"{view}_standing" for view in STANDING))
# Words that ask for recommendations rather than name a topic ("recommendations on", "what does the JSNA recommend
# about", "actions to"): every item is one, so they say nothing of which, and they drew items whose section is
# "Conclusions and recommendations" to any topic so asked ("Offer value for money" for falls prevention).
ASKING = re.compile(
    r"\b(?:(?:what|which) (?:does|do|did|are) (?:the |our |its )?(?:\w+ ){0,2}?)?(?:key |main )?"
    r"(?:recommend\w*|suggest(?:s|ed|ions?)?|next steps|actions?)\b(?:\s+(?:on|about|for|to|regarding|around|in))?",
    re.IGNORECASE,
)
# Items at least this similar to a topic that the model passes over are "possibly on it": the register's earlier
# rule, which alone finds 0.86 of the dev topics' items and 0.66 of the held-out ones (precision 0.48 and 0.30).
POSSIBLE_SIMILARITY = 0.35


@functools.cache
def topic_model() -> LogisticModel:
    """The shipped model: P(an item is on the topic | its features)."""
    return LogisticModel.load(TOPIC_MODEL)


def register(
    retriever: Retriever, topic: str | None = None, filters: Filters = NO_FILTERS, model: LogisticModel | None = None
) -> list[Recommendation]:
    """Recommendation items that pass ``filters``: all of them, newest document first, or those on ``topic``
    (``model``: the topic model, the shipped one by default)."""
    if topic and topic.strip():
        return on_topic(retriever, topic, filters, model)[0]
    allowed = [item for item in retriever.derived(_grouped).leads if filters.allows(item)]
    order = {doc: i for i, doc in enumerate(dict.fromkeys(item.doc for item in allowed))}
    return sorted(allowed, key=lambda item: (-(item.year or 0), order[item.doc]))


def listing(
    retriever: Retriever, topic: str | None, filters: Filters = NO_FILTERS
) -> tuple[list[Recommendation], list[Recommendation]]:
    """What the app and ``jsna recommendations`` list: every item (newest document first) and nothing apart, or, for
    a topic, the items on it and those that may be (:func:`on_topic`)."""
    if topic and topic.strip():
        return on_topic(retriever, topic, filters)
    return register(retriever, None, filters), []


def on_topic(
    retriever: Retriever, topic: str, filters: Filters = NO_FILTERS, model: LogisticModel | None = None
) -> tuple[list[Recommendation], list[Recommendation]]:
    """The items the model (the shipped one by default) lists as on ``topic``, and those close to it that it passes
    over (offered apart, as possibly on it); each most similar first, from one scoring of the items."""
    model = model or topic_model()
    listed: list[Recommendation] = []
    possible: list[Recommendation] = []
    for item, values in scored(retriever, topic, filters):
        if model.decide(values):
            listed.append(item)
        elif values["similarity"] >= POSSIBLE_SIMILARITY:
            possible.append(item)
    return listed, possible


def scored(
    retriever: Retriever, topic: str, filters: Filters = NO_FILTERS
) -> list[tuple[Recommendation, dict[str, float]]]:
    """Every item that passes ``filters`` with the topic model's features, most similar first."""
    topic = topic_words(topic)
    held = retriever.derived(_grouped)
    vectors = retriever.snapshot.recommendation_vectors
    allowed = [i for i, item in enumerate(held.leads) if filters.allows(item)]
    if vectors is None or not allowed:
        return []
    if vectors.ndim == 2:  # an index written before items had their views: each view is the item in context
        vectors = np.repeat(vectors[:, None, :], len(VIEWS), axis=1)
    similarity = vectors[held.rows] @ retriever.embed_query(topic)  # (items, views), every item: standing is among all
    stand_out = standing(similarity)
    words = held.lexical.presence(topic, len(held.leads))
    out = [
        (
            held.leads[i],
            {
                **dict(zip(VIEWS, map(float, similarity[i]), strict=True)),
                "words": float(words[i]),
                **{f"{view}_standing": float(stand_out[i, VIEWS.index(view)]) for view in STANDING},
            },
        )
        for i in allowed
    ]
    return sorted(out, key=lambda pair: -pair[1]["similarity"])


def topic_words(topic: str) -> str:
    """The topic without the words that ask for recommendations (:data:`ASKING`); the topic as given when nothing
    else is left."""
    return " ".join(ASKING.sub(" ", topic).split()) or topic


@dataclass(frozen=True)
class _Held:
    """The register's items with repeats folded in, each one's row in the snapshot (for its vector), and a lexical
    index of them with their document titles and sections (for the share of a topic's words each holds)."""

    leads: list[Recommendation]
    rows: list[int]
    lexical: Lexical


def _grouped(snapshot: Snapshot) -> _Held:
    leads = group_repeats(snapshot.recommendations)
    row_of = {item.id: row for row, item in enumerate(snapshot.recommendations)}
    lexical = Lexical.build_texts([f"{item.title}\n{item.section}\n{item.text}" for item in leads])
    return _Held(leads, [row_of[item.id] for item in leads], lexical)
