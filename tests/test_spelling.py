"""Putting a question's misspelt words right from the documents' own words."""

from __future__ import annotations

from conftest import FakeEmbedder

from assistant.config import Settings
from assistant.retrieve import Retriever
from assistant.spelling import Speller

DOCUMENTS = [
    "Dementia diagnosis rates in West Sussex. Dementia services and dementia care. Self-harm and self-harm.",
    "Unpaid carers provide care. Carers provide support; funders fund services.",
    "Admissions for self-harm; hospital admissions rose.",
]


def test_a_slip_becomes_the_documents_word_one_edit_away() -> None:
    speller = Speller.of(DOCUMENTS)
    assert speller.correct("dementai diagnosis rate") == "dementia diagnosis rate"  # two letters swapped
    assert speller.correct("how many proivde unpaid care") == "how many provide unpaid care"
    assert speller.correct("hospital admisions") == "hospital admissions"  # a letter dropped
    assert speller.correct("Dementiaa services") == "Dementia services"  # a letter doubled; the capital kept
    assert Speller.of(["Crawley and Crawley; crawling"]).correct("Crawely") == "Crawley"  # not a form of "crawl"


def test_a_word_the_documents_hyphenate_written_together_becomes_theirs() -> None:
    speller = Speller.of(DOCUMENTS)
    assert speller.correct("Selfharm and selfharm admissions") == "Self-harm and self-harm admissions"


def test_an_american_spelling_becomes_the_documents_usual_british_one() -> None:
    texts = ["Behaviour change and behaviour. Paediatric care, paediatric wards. Colour, color, colour, colour."]
    speller = Speller.of(texts)
    assert speller.correct("Behavior in pediatric care") == "Behaviour in paediatric care"
    assert speller.correct("color") == "color"  # the documents use it too, not five times less than "colour"
    assert speller.correct("theater") == "theater"  # the documents have no British form of it


def test_words_spelt_right_or_too_far_from_any_are_left_as_they_are() -> None:
    speller = Speller.of(DOCUMENTS, known=["Worthing"])
    for question in (
        "melanoma in Tokyo",  # English words the documents do not use: an out-of-scope question stays so
        "what does a funder want",  # a form of the documents' "funders"
        "falls in Worthing",  # a place name given as known
        "COVID DEMENTAI",  # capitals: an acronym or a name, never put right
        "carr",  # short: "carr" could be "care" or "car"
        "zzzzzzz diagnosis",  # no word of the documents is one edit away
    ):
        assert speller.correct(question) == question


def test_the_words_put_right_are_listed_once_each() -> None:
    speller = Speller.of(DOCUMENTS)
    assert speller.corrections("dementai care and dementai services in Crawley") == (("dementai", "dementia"),)
    assert speller.corrections("dementia care") == ()


def test_of_equally_near_words_the_most_used_is_chosen() -> None:
    speller = Speller.of(["dental dental dental", "rental rental"])
    assert speller.correct("xental") == "dental"


def test_a_misspelt_question_is_searched_as_if_spelt_right(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    assert retriever.query("Recomendations on toothbrushing") == "Recommendations on toothbrushing"
    right = retriever.search("Recommendations on toothbrushing", k=3)
    slipped = retriever.search("Recomendations on toothbrushing", k=3)
    assert [h.chunk.id for h in slipped] == [h.chunk.id for h in right]
    # A follow-up says only what it put right of its own words; the earlier question's were said with it.
    assert retriever.corrections("and in Arun?") == ()
    # A place typed otherwise is said too: the reader sees which place was searched.
    assert retriever.corrections("Recomendations in W Sussex") == (
        ("W Sussex", "West Sussex"),
        ("Recomendations", "Recommendations"),
    )
    assert retriever.query("and in Arun?", ["Recomendations on toothbrushing"]).startswith("Recommendations")
