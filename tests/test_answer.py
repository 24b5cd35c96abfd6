"""Answers: grounded sentences with citations, abstention on weak evidence, follow-ups read in context."""

from __future__ import annotations

from dataclasses import replace

from conftest import FakeEmbedder

from assistant.answer import answer, respond
from assistant.config import Settings
from assistant.lexical import Coverage
from assistant.model import Hit
from assistant.retrieve import Retriever


def test_answers_are_grounded_and_weak_evidence_abstains(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
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


def test_a_distinctive_word_missing_from_the_evidence_means_abstain(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
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


def test_a_question_no_single_passage_is_about_means_abstain(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
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


def test_respond_reads_follow_ups_in_context(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    history = ["dental caries affects one in four five-year-olds"]
    response = respond(retriever, "and in Arun?", history=history)
    hits, reply = response.hits, response.answer
    assert hits == retriever.search("and in Arun?", history=history)
    assert hits[0].chunk.doc == "pdf/oral-health-2018.pdf"
    assert not reply.abstained and reply.citations[0].doc == "pdf/oral-health-2018.pdf"


def test_a_place_answered_only_from_documents_about_other_places_abstains(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    (hit,) = retriever.search("obese children", k=1)
    west_sussex = Hit(replace(hit.chunk, publisher="West Sussex County Council"), 1.0, 0.7)
    question = "how many pharmacies are there in {}"
    assert answer(question.format("Surrey"), [west_sussex]).abstained  # Surrey's question, West Sussex's papers
    assert not answer(question.format("Crawley"), [west_sussex]).abstained  # Crawley is in West Sussex
    assert not answer(question.format("Surrey"), [replace(west_sussex, similarity=0.85)]).abstained  # very close
    assert not answer("how many pharmacies are there", [west_sussex]).abstained  # no place named
