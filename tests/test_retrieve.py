"""Hybrid retrieval: fusion, glossary, filters, result hygiene, follow-ups; answers and abstention."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder, make_pdf

from assistant.answer import answer
from assistant.config import Settings
from assistant.glossary import expansions, places_in
from assistant.ingest import ingest
from assistant.lexical import Coverage
from assistant.model import Hit
from assistant.recommendations import register
from assistant.retrieve import Filters, Retriever, contextualize


class BlindEmbedder(FakeEmbedder):
    """Every text gets the same vector: dense search knows nothing, so only BM25 can find anything."""

    def embed(self, texts, progress=None):  # type: ignore[no-untyped-def]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        out[:, 0] = 1.0
        return out


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "pdf").mkdir(parents=True)
    make_pdf(
        root / "pdf" / "ncmp-2018.pdf",
        [
            [
                ("h1", "Child weight briefing"),
                (
                    "body",
                    "The National Child Measurement Programme weighs children in "
                    "Reception and Year 6. In Crawley 24 per cent of Year 6 children were obese.",
                ),
            ],
            [("h1", "Recommendations"), ("body", "Schools should offer daily physical activity for every pupil.")],
        ],
    )
    make_pdf(
        root / "pdf" / "oral-health-2018.pdf",
        [
            [("h1", "Oral health"), ("body", "Dental caries affects one in four five-year-olds in Arun.")],
            [("h1", "Recommendations"), ("body", "Supervised toothbrushing should be offered in nurseries.")],
        ],
    )
    summary = "Deaths from drug misuse rose to 84 in the three years to 2017 across the county. " * 3
    make_pdf(
        root / "pdf" / "drugs-summary-2019.pdf",
        [
            [("h1", "Executive summary"), ("body", summary)],
            [("h1", "Findings"), ("body", summary)],
            [("h1", "More findings"), ("body", "Most deaths were of men aged 30 to 49 living alone.")],
            [("h1", "Methods"), ("body", "Coroner records from 2015 to 2017 were reviewed for drug deaths.")],
            [("h1", "Data"), ("body", "Drug deaths by district are shown in the table below for each year.")],
        ],
    )
    (root / "MANIFEST.csv").write_text(
        "file,kind,title,publisher,year\n"
        "pdf/ncmp-2018.pdf,briefing,Child weight briefing,West Sussex County Council,2018\n"
        "pdf/oral-health-2018.pdf,chapter,Oral health needs assessment,West Sussex County Council,2018\n"
        "pdf/drugs-summary-2019.pdf,briefing,Drug deaths audit,Trafford Council,2019\n"
    )
    return root


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    settings = Settings(corpus=corpus, index=tmp_path / "index", model="fake")
    ingest(settings, FakeEmbedder())
    return settings


def test_lexical_half_finds_acronyms_the_dense_half_cannot(settings: Settings) -> None:
    blind = Retriever(settings, BlindEmbedder())
    assert blind.search("NCMP results", mode="bm25")[0].chunk.doc == "pdf/ncmp-2018.pdf"
    assert blind.search("NCMP results", mode="hybrid")[0].chunk.doc == "pdf/ncmp-2018.pdf"
    assert blind.search("tooth decay", mode="hybrid")[0].chunk.doc == "pdf/oral-health-2018.pdf"
    # Dense alone, blind, ranks by row order only: the fused ranking differs from it.
    dense = [h.chunk.id for h in blind.search("tooth decay", mode="dense")]
    hybrid = [h.chunk.id for h in blind.search("tooth decay", mode="hybrid")]
    assert dense != hybrid


def test_glossary_and_places() -> None:
    assert "national child measurement programme" in expansions("NCMP in Crawley")
    assert "dental caries" in expansions("tooth decay in children")
    assert places_in("obesity in mid sussex and Crawley") == ["Mid Sussex", "Crawley"]
    assert places_in("obesity in England") == []


def test_filters(settings: Settings) -> None:
    retriever = Retriever(settings, FakeEmbedder())
    assert {h.chunk.kind for h in retriever.search("children", filters=Filters(kinds=("chapter",)))} == {"chapter"}
    assert {h.chunk.doc for h in retriever.search("deaths", filters=Filters(year_from=2019))} == {
        "pdf/drugs-summary-2019.pdf"
    }
    assert not retriever.search("deaths", filters=Filters(year_to=2010))
    recs = retriever.search("children school nurseries", filters=Filters(recommendations=True))
    assert recs and all(h.chunk.recommendation for h in recs)
    trafford = retriever.search("children", filters=Filters(publisher="trafford"))
    assert {h.chunk.doc for h in trafford} == {"pdf/drugs-summary-2019.pdf"}
    one = retriever.search("obese", filters=Filters(docs=("pdf/ncmp-2018.pdf",)))
    assert {h.chunk.doc for h in one} == {"pdf/ncmp-2018.pdf"}


def test_near_duplicates_collapse_and_documents_are_capped(settings: Settings) -> None:
    retriever = Retriever(settings, FakeEmbedder())
    hits = retriever.search("drug misuse deaths", k=8)
    texts = [h.chunk.text for h in hits]
    assert sum("rose to 84" in t for t in texts) == 1  # summary and body say the same: shown once
    assert sum(h.chunk.doc == "pdf/drugs-summary-2019.pdf" for h in hits) == 4  # under the default cap of 5
    capped = retriever.search("drug misuse deaths", k=8, per_doc=2)
    assert sum(h.chunk.doc == "pdf/drugs-summary-2019.pdf" for h in capped) == 2
    one_doc = retriever.search("drug deaths", k=8, filters=Filters(docs=("pdf/drugs-summary-2019.pdf",)))
    assert len(one_doc) == 4  # no cap inside one document; the duplicate still collapses


def test_follow_up_questions_take_the_previous_question() -> None:
    history = ["how common is self-harm in West Sussex"]
    assert contextualize("what about for children?", history) == (
        "how common is self-harm in West Sussex what about for children?"
    )
    assert contextualize("and in Crawley", history).startswith("how common is self-harm")
    assert contextualize("how many pharmacies are open on Sundays", history) == (
        "how many pharmacies are open on Sundays"
    )
    chained = contextualize("for boys?", ["self-harm admissions", "what about children"])
    assert chained == "self-harm admissions what about children for boys?"


def test_follow_up_search_uses_the_conversation(settings: Settings) -> None:
    retriever = Retriever(settings, FakeEmbedder())
    alone = retriever.search("what about in Arun?", k=1)
    followed = retriever.search("what about in Arun?", k=1, history=["dental caries in five-year-olds"])
    assert followed[0].chunk.doc == "pdf/oral-health-2018.pdf"
    assert followed[0].similarity > alone[0].similarity  # the conversation's topic brought it closer


def test_answers_are_grounded_and_weak_evidence_abstains(settings: Settings) -> None:
    retriever = Retriever(settings, FakeEmbedder())
    question = "how many Year 6 children in Crawley were obese"
    hits = retriever.search(question)
    result = answer(question, hits)
    assert not result.abstained and "24 per cent" in result.text
    for citation in result.citations:
        cited = hits[citation.number - 1].chunk
        assert (citation.doc, citation.page_start) == (cited.doc, cited.page_start)
    sentences = [part.rsplit(" [", 1)[0] for part in result.text.split("] ") if part]
    assert all(any(s.strip() in h.chunk.text for h in hits) for s in sentences)
    unrelated = retriever.search("bus timetable for Horsham railway station parking permits")
    assert answer("bus timetable for Horsham railway station parking permits", unrelated).abstained


def test_recommendations_register(settings: Settings) -> None:
    retriever = Retriever(settings, FakeEmbedder())
    everything = register(retriever)
    assert [h.chunk.doc for h in everything] == ["pdf/ncmp-2018.pdf", "pdf/oral-health-2018.pdf"]
    assert all(h.chunk.recommendation and h.chunk.page_start == 2 for h in everything)
    on_teeth = register(retriever, "supervised toothbrushing in nurseries")
    assert on_teeth[0].chunk.doc == "pdf/oral-health-2018.pdf"


def test_a_distinctive_word_missing_from_the_evidence_means_abstain(settings: Settings) -> None:
    retriever = Retriever(settings, FakeEmbedder())
    lexical = retriever.snapshot.lexical
    assert lexical.document_frequency("child") >= 1 and lexical.document_frequency("mpox") == 0
    hits = retriever.search("mpox vaccination clinics in Crawley")
    texts = [h.chunk.text for h in hits[:3]]
    assert lexical.coverage("mpox vaccination clinics in Crawley", texts, rare_df=5).unmatched[0] == "mpox"
    assert lexical.coverage("how many obese children in Crawley", texts, rare_df=5) == Coverage()
    close = [Hit(hits[0].chunk, 1.0, 0.5)]
    assert answer("mpox clinics", close, Coverage(unmatched=("mpox",))).abstained
    assert not answer("obese children in Crawley", close).abstained
    assert not answer("mpox clinics", [Hit(hits[0].chunk, 1.0, 0.8)], Coverage(unmatched=("mpox",))).abstained
    # Passages that share only the place with the question do not answer it.
    assert answer("drug deaths in Crawley", close, Coverage(share=0.34)).abstained
    assert not answer("drug deaths in Crawley", [Hit(hits[0].chunk, 1.0, 0.75)], Coverage(share=0.34)).abstained


def test_a_question_no_single_passage_is_about_means_abstain(settings: Settings) -> None:
    retriever = Retriever(settings, FakeEmbedder())
    lexical = retriever.snapshot.lexical
    texts = [h.chunk.text for h in retriever.search("obese children fees tariffs in Crawley")[:3]]
    # "obese" and "children" are in one passage; "fees" and "tariffs" (in no chunk: the heaviest words) in none.
    fees = lexical.coverage("obese children fees tariffs in Crawley", texts, rare_df=0, places=["Crawley"])
    whole = lexical.coverage("obese children in Crawley", texts, rare_df=0, places=["Crawley"])
    assert whole.focus == 1.0 and 0.0 < fees.focus < 0.5 and fees.share > 0.5
    # The place is not the topic: a passage naming only Crawley holds none of "fees in Crawley".
    assert lexical.coverage("fees in Crawley", texts, rare_df=0, places=["Crawley"]).focus == 0.0
    assert lexical.coverage("Crawley", texts, rare_df=0, places=["Crawley"]).focus == 1.0  # no topic to judge
    weak = [Hit(retriever.search("obese children")[0].chunk, 1.0, 0.55)]
    assert answer("obese children fees tariffs in Crawley", weak, fees).abstained
    assert not answer("obese children in Crawley", weak, whole).abstained
    assert not answer("obese children fees tariffs in Crawley", [Hit(weak[0].chunk, 1.0, 0.65)], fees).abstained


def test_respond_reads_follow_ups_in_context(settings: Settings) -> None:
    from assistant.answer import respond

    retriever = Retriever(settings, FakeEmbedder())
    history = ["dental caries affects one in four five-year-olds"]
    response = respond(retriever, "and in Arun?", history=history)
    hits, reply = response.hits, response.answer
    assert hits == retriever.search("and in Arun?", history=history)
    assert hits[0].chunk.doc == "pdf/oral-health-2018.pdf"
    assert not reply.abstained and reply.citations[0].doc == "pdf/oral-health-2018.pdf"


def test_questions_with_there_are_not_follow_ups() -> None:
    assert contextualize("how many pharmacies are there", ["obesity in reception year"]) == (
        "how many pharmacies are there"
    )


def test_a_place_answered_only_from_documents_about_other_places_abstains(settings: Settings) -> None:
    from dataclasses import replace

    retriever = Retriever(settings, FakeEmbedder())
    (hit,) = retriever.search("obese children", k=1)
    west_sussex = Hit(replace(hit.chunk, publisher="West Sussex County Council"), 1.0, 0.7)
    question = "how many pharmacies are there in {}"
    assert answer(question.format("Surrey"), [west_sussex]).abstained  # Surrey's question, West Sussex's papers
    assert not answer(question.format("Crawley"), [west_sussex]).abstained  # Crawley is in West Sussex
    assert not answer(question.format("Surrey"), [replace(west_sussex, similarity=0.85)]).abstained  # very close
    assert not answer("how many pharmacies are there", [west_sussex]).abstained  # no place named
