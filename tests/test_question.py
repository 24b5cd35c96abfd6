"""Reading a question as people type it: follow-ups, courtesies, what the writer says of themselves, dashes."""

from __future__ import annotations

from assistant.question import asked_places, contextualize


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


def test_what_the_writer_says_of_themselves_first_is_not_searched() -> None:
    asked = "Is there a local figure for how many people in Crawley provide unpaid care?"
    assert contextualize(f"We're a small carers' charity in Crawley applying to a community fund. {asked}") == asked
    asked = "what's the recorded prevalence of coronary heart disease in Coastal West Sussex?"
    assert contextualize(f"GP here - {asked}") == asked
    asked = "what does it recommend about stop smoking services?"
    assert contextualize(f"As commissioner I need to know: {asked}") == asked
    too_little = "As commissioner I need to know: what does the tobacco needs assessment recommend?"
    assert contextualize(too_little) == too_little
    # Typed all in lower case, the same.
    assert contextualize(f"i'm a school nurse. {asked.lower()}") == asked.lower()
    # ... or after it.
    asked = "How many kids under 16 in Crawley are growing up in low-income households?"
    assert contextualize(f"{asked} I need a recent figure for a funding application.") == asked
    # A place named only in the opening is kept.
    asked = "what percentage of secondary school pupils currently vape?"
    assert contextualize(f"I'm a school nurse covering Horsham - {asked}") == f"{asked} (Horsham)"


def test_the_writer_s_role_or_need_before_the_ask_is_not_searched() -> None:
    asked = "how many of the people who died from drug poisoning had seen their GP shortly beforehand?"
    assert contextualize(f"As a GP I'd like to know {asked}") == asked[0].upper() + asked[1:]
    assert contextualize("As a school nurse, what percentage of pupils vape in Horsham?") == (
        "What percentage of pupils vape in Horsham?"
    )
    assert contextualize("I work for a carers' charity and I need to know how many unpaid carers live in Crawley") == (
        "How many unpaid carers live in Crawley"
    )
    assert contextualize("For our funding bid we need the number of people with dementia in West Sussex") == (
        "The number of people with dementia in West Sussex"
    )
    # A place named only in the role is kept.
    assert contextualize("Speaking as a councillor for Crawley, how many children live in poverty there?") == (
        "How many children live in poverty there? (Crawley)"
    )


def test_a_question_is_searched_whole_when_its_opening_is_not_about_the_writer_or_its_ask_says_too_little() -> None:
    for question in (
        "People answering the pharmacy consultation said 6 miles is too far - how did the steering group respond?",
        "My son has autism. What help is there in West Sussex?",  # the topic is in the opening
        "how many people in Crawley provide unpaid care?",
        "In 2019 the audit reviewed 60 deaths. How many of those who died had seen their GP in the month before?",
        "Dementia in Adur: what does the strategy say about diagnosis rates?",
        "As a dementia carer, what help is there?",  # the topic is in the role
        "We need help with our bid",  # a need with no ask after it
        "How many people smoke in Adur? I need to know for my bid",
    ):
        assert contextualize(question) == question


def test_courtesies_are_not_searched() -> None:
    asked = "how many people provide unpaid care in Crawley?"
    assert contextualize(f"Hi there, could you please tell me {asked} Thanks so much!") == asked
    assert contextualize("Hello - I'd like to know the smoking rate in Adur. Many thanks") == "the smoking rate in Adur"
    assert contextualize("Good morning team, childhood obesity in Arun 2017/18 please") == (
        "childhood obesity in Arun 2017/18"
    )
    for kept in (
        "Tell me about the dual diagnosis needs assessment",
        "thanks",
        "what does it say about thank you cards",
    ):
        assert contextualize(kept) == kept  # a question of its own words, or nothing but a courtesy


def test_a_period_pasted_with_a_dash_reads_as_the_documents_write_it() -> None:
    assert contextualize("obesity in 2017–18 – Crawley") == "obesity in 2017-18 – Crawley"


def test_shorthand_is_searched_in_the_documents_words() -> None:
    assert (
        contextualize("no. of ppl aged 65+ w/ dementia in hosp")
        == "number of people aged 65+ with dementia in hospital"
    )
    assert contextualize("approx how many 5yo kids have tooth decay, stats btwn 2015 and 2019") == (
        "approximately how many 5 year olds kids have tooth decay, statistics between 2015 and 2019"
    )
    assert contextualize("%age of adults obese each yr, avg over 3 yrs") == (
        "percentage of adults obese each year, average over 3 years"
    )
    for kept in ("Is there no change? No of course not", "info@council.gov.uk", "the NHS Information Centre"):
        assert contextualize(kept) == kept  # "no" is a word; an address and a word holding the letters are not


def test_contractions_typed_without_the_apostrophe_are_written_out() -> None:
    assert contextualize("whats the smoking rate in crawley, I dont know") == (
        "what's the smoking rate in crawley, I don't know"
    )
    assert contextualize("IM injections in Adur") == "IM injections in Adur"  # not "I am"


def test_questions_with_there_are_not_follow_ups() -> None:
    assert contextualize("how many pharmacies are there", ["obesity in reception year"]) == (
        "how many pharmacies are there"
    )


def test_a_place_named_only_where_the_writer_introduces_themselves_is_not_asked_about() -> None:
    searched = contextualize(
        "I'm a school nurse covering Horsham - what percentage of secondary school pupils currently vape?"
    )
    assert searched.endswith("(Horsham)") and asked_places(searched) == []
    assert asked_places(contextualize("what percentage of secondary school pupils in Horsham vape?")) == ["Horsham"]
    assert asked_places("smoking in Adur (Crawley)") == ["Adur"]  # the ask names Adur; Crawley came from around it
    assert asked_places("smoking in Adur (a district)") == ["Adur"]  # brackets that are not places are the ask's
