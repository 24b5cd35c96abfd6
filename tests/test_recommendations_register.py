"""The recommendations register: every item from the live index, repeats once, or those on a topic."""

from __future__ import annotations

from pathlib import Path

from conftest import FakeEmbedder, make_pdf

from assistant.config import Settings
from assistant.ingest import ingest
from assistant.recommendations.register import register
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
