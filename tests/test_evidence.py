"""The evidence a question's top pages hold, and the calibrated decision to answer or decline."""

from __future__ import annotations

from dataclasses import replace

from conftest import FakeEmbedder, sentence

from assistant.config import Settings
from assistant.evidence import (
    FEATURES,
    Evidence,
    about_elsewhere,
    candidate_sentences,
    decision,
    gather,
    quoted_elsewhere,
)
from assistant.lexical import Coverage
from assistant.model import Hit
from assistant.retrieve import Retriever


def test_the_shipped_decision_has_the_documented_features_and_a_threshold() -> None:
    model = decision()
    assert model.features == FEATURES and 0.0 < model.threshold < 1.0 and "dev questions" in model.note


def test_closer_evidence_is_less_likely_unanswered() -> None:
    model = decision()
    base = Evidence(0.6, Coverage(share=0.8, focus=0.7), elsewhere=False).features() | {"sentence": 0.6}
    closer = base | {"ranking": 0.75, "sentence": 0.75}
    unfocused = base | {"focus": 0.2}
    assert model.probability(closer) < model.probability(base) < model.probability(unfocused)


def test_features_from_a_real_search(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    question = "mpox vaccination clinics in Crawley"
    evidence = gather(retriever, question, retriever.search(question))
    features = evidence.features()
    assert set(features) == set(FEATURES)
    assert features["unmatched"] >= 1  # "mpox" is in no chunk
    assert features["sentence"] == max(s.similarity for s in evidence.sentences)
    covered = gather(retriever, "obese children in Crawley", retriever.search("obese children in Crawley"))
    assert covered.coverage.share == 1.0 and covered.features()["unmatched"] == 0


def test_a_period_the_top_pages_never_name_is_missing(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())

    def missing(question: str) -> float:
        return gather(retriever, question, retriever.search(question, k=3)).features()["period_missing"]

    assert missing("drug misuse deaths in 2023") == 1.0  # the audit's pages name 2015 to 2019
    assert missing("drug misuse deaths 2016/17") == 0.0  # "2015 to 2017" names 2017
    assert missing("drug misuse deaths") == 0.0  # no period asked


def test_a_documents_year_names_its_period_though_its_pages_do_not(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    question = "drug misuse deaths in 2023"
    hits = retriever.search(question, k=3)
    assert gather(retriever, question, hits).features()["period_missing"] == 1.0
    dated = [replace(hits[0], chunk=replace(hits[0].chunk, year=2023)), *hits[1:]]
    assert gather(retriever, question, dated).features()["period_missing"] == 0.0
    undated = [replace(hits[0], chunk=replace(hits[0].chunk, year=None)), *hits[1:]]
    assert gather(retriever, question, undated).features()["period_missing"] == 1.0


def test_candidate_sentences_are_the_pages_stored_sentences_each_once(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    hits = retriever.search("drug misuse deaths", k=4)
    candidates = candidate_sentences(retriever.snapshot, hits)
    texts = [text for _, text, _ in candidates]
    assert texts and len(texts) == len(set(texts)) and all(len(t) >= 25 for t in texts)
    assert all(text in hits[number - 1].text for number, text, _ in candidates)
    assert [number for number, _, _ in candidates] == sorted(number for number, _, _ in candidates)
    first = [text for text, _ in retriever.snapshot.sentences_of(hits[0].chunk)]
    assert all(text in texts for text in first)
    evidence = gather(retriever, "drug misuse deaths", hits)
    vector = retriever.embed_query("drug misuse deaths")
    assert all(abs(s.similarity - float(s.vector @ vector)) < 1e-6 for s in evidence.sentences)


def test_a_place_answered_only_from_documents_about_other_places(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    (hit,) = retriever.search("obese children", k=1)
    west_sussex = Hit(replace(hit.chunk, publisher="West Sussex County Council"), 1.0, 0.7)
    assert about_elsewhere("how many pharmacies are there in Surrey", [west_sussex])
    assert not about_elsewhere("how many pharmacies are there in Crawley", [west_sussex])  # in West Sussex
    assert not about_elsewhere("how many pharmacies are there", [west_sussex])  # no place named
    assert about_elsewhere("how many pharmacies are there in Charnwood", [west_sussex])  # any English district
    assert not about_elsewhere("how many pharmacies are there? (Surrey)", [west_sussex])  # only the writer's place
    leicestershire = Hit(replace(hit.chunk, publisher="Leicestershire County Council"), 1.0, 0.7)
    assert not about_elsewhere("how many pharmacies are there in Charnwood", [leicestershire])
    assert not about_elsewhere("smoking in Leicester city", [leicestershire])  # a city in its county's JSNA


def test_the_focus_of_a_question_naming_a_place_counts_only_the_pages_naming_it(briefings: Settings) -> None:
    """Caries is on Arun's page and Crawley on a page about weight: nothing holds caries in Crawley."""
    retriever = Retriever(briefings, FakeEmbedder())

    def focus(question: str) -> float:
        return gather(retriever, question, retriever.search(question)).features()["focus"]

    assert focus("dental caries in Arun") == 1.0
    assert focus("dental caries in Crawley") == 0.0
    assert focus("dental caries") == 1.0  # no place asked: every page counts
    # A place kept from what the writer says of themselves steers the search but is not asked about.
    asked = "how common is dental caries among five-year-olds"
    searched = retriever.query(f"I run a playgroup in Crawley - {asked}?")
    assert searched == f"{asked}? (Crawley)"
    assert focus(f"{asked} in Crawley?") < focus(searched) == focus(f"{asked}?")


def test_an_answer_quoting_only_other_places_is_weighed_as_about_elsewhere() -> None:
    """ "Self-harm admissions in Worthing in 2017/18" answered by West Sussex's count, from a page naming Worthing
    elsewhere; a sentence naming no place, or a place within the one asked, says nothing against the answer."""
    county = sentence(1, "In 2017/18 there were 1,743 emergency admissions for self-harm in West Sussex.", 0.8, 0)
    district = sentence(1, "Worthing had 310 emergency admissions for self-harm in 2017/18.", 0.7, 1)
    unplaced = sentence(1, "There were 310 emergency admissions for self-harm in 2017/18.", 0.7, 2)
    question = "how many self-harm admissions were there in Worthing in 2017/18"
    assert quoted_elsewhere(question, [county]) == ("West Sussex",)
    assert quoted_elsewhere(question, [county, district]) == ()  # one of them names Worthing
    assert quoted_elsewhere(question, [unplaced]) == ()
    assert quoted_elsewhere("how many self-harm admissions were there in West Sussex", [district]) == ()  # within it
    assert quoted_elsewhere("how many self-harm admissions were there in 2017/18", [county]) == ()  # no place asked
    # A place the writer names only to introduce themselves is not asked about.
    assert quoted_elsewhere("how many self-harm admissions were there in 2017/18? (Worthing)", [county]) == ()
    model = decision()
    base = Evidence(0.9, Coverage(share=0.9, focus=0.9), elsewhere=False).features() | {"sentence": 0.7}
    assert model.probability(base | {"quoted_elsewhere": 1.0}) > model.probability(base)
