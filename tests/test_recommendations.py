"""The recommendations register: every recommendation passage, or those on a topic."""

from __future__ import annotations

from conftest import FakeEmbedder

from assistant.config import Settings
from assistant.recommendations import register
from assistant.retrieve import Retriever


def test_recommendations_register(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    everything = register(retriever)
    assert [h.chunk.doc for h in everything] == ["pdf/ncmp-2018.pdf", "pdf/oral-health-2018.pdf"]
    assert all(h.chunk.recommendation and h.chunk.page_start == 2 for h in everything)
    on_teeth = register(retriever, "supervised toothbrushing in nurseries")
    assert on_teeth[0].chunk.doc == "pdf/oral-health-2018.pdf"
