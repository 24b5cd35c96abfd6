"""The recommendations register: every item from the live index, repeats once, or those on a topic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder, make_pdf

from assistant.calibrated import LogisticModel
from assistant.config import Settings
from assistant.ingest import ingest
from assistant.recommendations.extract import VIEWS, views
from assistant.recommendations.register import (
    STANDING,
    TOPIC_FEATURES,
    on_topic,
    register,
    scored,
    topic_model,
    topic_words,
)
from assistant.retrieve import Filters, Retriever


def test_every_item_newest_document_first_and_a_topic_best_first(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    everything = register(retriever)
    assert [(i.doc, i.page_start, i.text) for i in everything] == [
        ("pdf/ncmp-2018.pdf", 2, "Schools should offer daily physical activity for every pupil."),
        ("pdf/oral-health-2018.pdf", 2, "Supervised toothbrushing should be offered in nurseries."),
    ]
    on_teeth = register(retriever, "supervised toothbrushing in nurseries")
    assert on_teeth[0].doc == "pdf/oral-health-2018.pdf"
    assert register(retriever, filters=Filters(kinds=("chapter",))) == [everything[1]]


def test_an_item_restated_in_a_summary_is_listed_once_with_its_other_place(
    briefings: Settings, briefings_corpus: Path
) -> None:
    item = "Commissioners should ensure every community pharmacy offers the stop smoking service to all smokers."
    make_pdf(
        briefings_corpus / "pdf" / "tobacco-2021.pdf",
        [
            [("h1", "Executive summary"), ("h2", "Key recommendations"), ("body", f"• {item}")],
            [("h1", "Services"), ("body", "Eleven pharmacies offer the service today.")],
            [("h1", "Recommendations"), ("body", f"1. {item}"), ("body", "2. Review the opening hours of clinics.")],
        ],
    )
    ingest(briefings, FakeEmbedder())
    items = register(Retriever(briefings, FakeEmbedder()), filters=Filters(docs=("pdf/tobacco-2021.pdf",)))
    assert [(i.page_start, i.text) for i in items] == [(1, item), (3, "Review the opening hours of clinics.")]
    assert [(o.doc, o.page_start) for o in items[0].also_in] == [("pdf/tobacco-2021.pdf", 3)]


def test_items_of_unchanged_documents_are_kept_by_an_incremental_ingest(
    briefings: Settings, briefings_corpus: Path
) -> None:
    before = register(Retriever(briefings, FakeEmbedder()))
    make_pdf(briefings_corpus / "pdf" / "falls-2020.pdf", [[("h1", "Falls"), ("body", "Falls rose in 2019.")]])
    report = ingest(briefings, FakeEmbedder())
    assert report.added == ("pdf/falls-2020.pdf",) and len(report.unchanged) == 3
    assert register(Retriever(briefings, FakeEmbedder())) == before


def test_a_topic_lists_what_the_model_says_is_on_it_and_offers_the_near_misses_apart(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    topic = "supervised toothbrushing in nurseries"
    [(first, best), (second, other)] = scored(retriever, topic)
    embed = FakeEmbedder().embed
    # Each feature is the topic's similarity to one view of the item: in context, alone, its heading alone.
    for item, values in ((first, best), (second, other)):
        expected = embed(list(views(item))) @ embed([topic])[0]
        assert [values[f] for f in VIEWS] == pytest.approx(expected.tolist(), abs=1e-5)
    assert first.doc == "pdf/oral-health-2018.pdf" and best["alone"] > other["alone"]
    # A model that wants the item's own words on the topic: the first is on it, the second only close.
    own_words = LogisticModel(("alone",), (0.0,), (1.0,), (50.0,), -50.0 * best["alone"] + 1, threshold=0.5)
    assert register(retriever, topic, model=own_words) == [first]
    assert on_topic(retriever, topic, model=own_words)[1] == []  # listed already; the other is not close (< 0.35)
    never = LogisticModel(("similarity",), (0.0,), (1.0,), (0.0,), -30.0, threshold=0.5)
    assert register(retriever, topic, model=never) == []
    assert best["similarity"] >= 0.35 > other["similarity"]
    assert on_topic(retriever, topic, model=never)[1] == [first]  # passed over by the model, but close


def test_words_asking_for_recommendations_are_not_the_topic(briefings: Settings) -> None:
    """Every item is a recommendation: "what does the JSNA recommend about" names no topic, and drew items under
    "Conclusions and recommendations" to any topic asked that way."""
    assert topic_words("what does the JSNA recommend about falls prevention") == "falls prevention"
    assert topic_words("Key recommendations on dementia") == "dementia"
    assert topic_words("suggested actions for obesity") == topic_words("obesity actions") == "obesity"
    assert topic_words("recommendations") == "recommendations"  # nothing else: the topic as given
    retriever = Retriever(briefings, FakeEmbedder())
    asked = scored(retriever, "recommendations for supervised toothbrushing in nurseries")
    assert asked == scored(retriever, "supervised toothbrushing in nurseries")


def test_the_words_feature_is_the_share_of_the_topics_words_an_item_holds_rarer_words_weighing_more(
    briefings: Settings,
) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    # Three content words, each in one of the two items: equally rare, a third each.
    words = {item.doc: values["words"] for item, values in scored(retriever, "supervised toothbrushing for pupils")}
    assert words == pytest.approx({"pdf/oral-health-2018.pdf": 2 / 3, "pdf/ncmp-2018.pdf": 1 / 3})
    # A word every item holds ("offer") tells them apart not at all: it weighs nothing.
    words = {item.doc: values["words"] for item, values in scored(retriever, "toothbrushing should be offered")}
    assert words == pytest.approx({"pdf/oral-health-2018.pdf": 1.0, "pdf/ncmp-2018.pdf": 0.0})


def test_the_standing_is_how_far_an_items_similarity_lies_above_all_the_items_and_filters_leave_it(
    briefings: Settings,
) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    topic = "supervised toothbrushing in nurseries"
    rows = scored(retriever, topic)
    for view in STANDING:
        similarity = np.array([values[view] for _, values in rows])
        expected = (similarity - similarity.mean()) / similarity.std()
        assert [values[f"{view}_standing"] for _, values in rows] == pytest.approx(expected.tolist())
    # Two items: one stands a deviation above the mean, the other one below; limited to the first, it still does,
    # for the standing is among all the register's items, whatever is shown.
    first, values = rows[0]
    assert values["similarity_standing"] == pytest.approx(1.0)
    [(only, alone)] = scored(retriever, topic, Filters(docs=(first.doc,)))
    assert only == first and alone == values


def test_the_shipped_topic_model_wants_items_that_stand_out_for_the_topic_in_context_and_hold_its_words() -> None:
    model = topic_model()
    assert model.features == TOPIC_FEATURES and "gold or judged" in model.note
    assert (*VIEWS, "words", "similarity_standing", "alone_standing") == TOPIC_FEATURES

    def p(similarity: float, section: float = 0.2, words: float = 0.0, mean: float = 0.2) -> float:
        """An item of a topic whose items' similarities have this mean and a spread of 0.1 (a dev topic's)."""
        alone = 0.2
        values = {"similarity": similarity, "alone": alone, "section": section, "words": words}
        return model.probability(
            values | {"similarity_standing": (similarity - mean) / 0.1, "alone_standing": (alone - mean) / 0.1}
        )

    assert p(0.5) > p(0.4)  # more similar in context: likelier
    assert p(0.5, words=0.5) > p(0.5)  # and with the topic's words in it
    # As similar in context, an item whose heading alone explains the likeness is less surely on the topic,
    assert p(0.5, section=0.5) < p(0.5)
    # and so is one of a topic close to most items: it stands out less.
    assert p(0.5, mean=0.3) < p(0.5)
