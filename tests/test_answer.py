"""Answers: sentences chosen by meaning and quoted verbatim with citations, declined on weak evidence,
follow-ups read in context."""

from __future__ import annotations

from dataclasses import replace

from conftest import FakeEmbedder
from conftest import sentence as _sentence

from assistant.answer import ABSTAIN_TEXT, abstention, answer, compose, places_instead, respond, why_declined
from assistant.config import Settings
from assistant.evidence import Evidence, gather
from assistant.lexical import Coverage
from assistant.quote import Row
from assistant.retrieve import Retriever


def test_answers_quote_the_pages_verbatim_and_cite_them(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    question = "how many Year 6 children in Crawley were obese"
    hits = retriever.search(question)
    result = compose(question, hits, gather(retriever, question, hits))
    assert "24 per cent" in result.text
    for citation in result.citations:
        cited = hits[citation.number - 1].chunk
        assert (citation.doc, citation.page_start) == (cited.doc, cited.page_start)
    sentences = [part.rsplit(" [", 1)[0] for part in result.text.split("] ") if part]
    assert all(any(s.strip() in h.text for h in hits) for s in sentences)


def test_strong_evidence_is_answered_and_weak_evidence_declined(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    hits = retriever.search("obese children in Crawley")
    sentence = _sentence(1, "In Crawley 24 per cent of Year 6 children were obese.", 0.8, 0)
    strong = Evidence(0.8, Coverage(), elsewhere=False, sentences=(sentence,))
    weak = Evidence(0.3, Coverage(share=0.3, focus=0.2), elsewhere=False, sentences=(_sentence(1, "x" * 30, 0.25, 1),))
    assert not answer("obese children in Crawley", hits, strong).abstained
    assert answer("obese children in Crawley", hits, weak).abstained
    assert answer("obese children in Crawley", [], strong).abstained  # nothing found: nothing to quote


def test_a_declined_answer_says_what_the_evidence_lacks(briefings: Settings) -> None:
    """The places the nearest sentences are about instead of the one asked, and a period no near page names; nothing
    more when the decision weighed neither."""
    retriever = Retriever(briefings, FakeEmbedder())
    hits = retriever.search("obese children in Crawley")
    county = _sentence(1, "In 2016/17, 20% of Year 6 children in West Sussex were obese, 19% in Kent.", 0.3, 0)
    weak = Evidence(0.3, Coverage(share=0.3, focus=0.2), elsewhere=False, sentences=(county,))
    question = "how many Year 6 children in Worthing were obese in 2021"
    lacking = replace(weak, quoted_elsewhere=("West Sussex", "Kent"), period_missing=True)
    reply = answer(question, hits, lacking)
    assert reply.abstained and reply.text == (
        "The documents do not clearly answer this question. The nearest sentences are about West Sussex and Kent, "
        "not Worthing. None of the nearest pages names 2021. The nearest passages are shown below."
    )
    assert answer(question, hits, weak).text == ABSTAIN_TEXT
    # The asked place's row of a near page's table: said where it is, not quoted as an answer.
    row = Row(2, "Worthing 24.1% 1,020", caption="Table 3 Year 6 obesity by district", place="Worthing")
    pointed = answer(question, hits, replace(lacking, rows=(row,))).text
    assert "not Worthing. Page [2] has a table (Table 3 Year 6 obesity by district) with a row for Worthing." in pointed
    assert "24.1%" not in pointed
    rare = replace(weak, coverage=Coverage(share=0.3, unmatched=("mpox", "legionnair"), focus=0.2))
    said = answer("Mpox and Legionnaires' cases in Crawley", hits, rare).text
    assert "None of the nearest pages mentions Mpox and Legionnaires." in said  # as the question wrote them
    about_kent = replace(weak, elsewhere=True)
    assert "The nearest documents are about places other than Kent." in answer("obesity in Kent", hits, about_kent).text
    with_tables = abstention(why_declined(question, hits, lacking), tables=True)
    assert with_tables.startswith("The documents do not clearly answer this question, but the indicator tables below")
    assert "not Worthing." in with_tables and with_tables.endswith("The nearest passages are shown too.")


def test_the_answer_quotes_without_footnote_marks_list_dashes_or_paragraph_numbers(
    briefings: Settings,
) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    hits = retriever.search("obese children in Crawley")
    sentence = _sentence(1, "[17] In Crawley 24 per cent of Year 6 children [3, 4] were obese [12].", 0.8, 0)
    text = compose("obese children in Crawley", hits, Evidence(0.8, Coverage(), False, (sentence,))).text
    assert text == "In Crawley 24 per cent of Year 6 children were obese. [1]"
    item = _sentence(1, "- In 2021/22, 30.1% of adults were inactive in Crawley.", 0.8, 0)  # a list item's dash
    text = compose("inactive adults in Crawley", hits, Evidence(0.8, Coverage(), False, (item,))).text
    assert text == "In 2021/22, 30.1% of adults were inactive in Crawley. [1]"
    numbered = _sentence(1, "9.1 On 31 March 2008 there were 769 children looked after in Crawley.", 0.8, 0)
    text = compose("children in care in Crawley", hits, Evidence(0.8, Coverage(), False, (numbered,))).text
    assert text == "On 31 March 2008 there were 769 children looked after in Crawley. [1]"  # a paragraph's number
    figure = _sentence(1, "46.8 Thousand children lived in Crawley in 2021, 2.5 per cent more.", 0.8, 0)
    text = compose("children in Crawley", hits, Evidence(0.8, Coverage(), False, (figure,))).text
    assert text.startswith("46.8 Thousand")  # a part over 20: a figure, no paragraph number


def test_respond_reads_follow_ups_in_context(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    history = ["dental caries affects one in four five-year-olds"]
    response = respond(retriever, "and in Arun?", history=history)
    hits, reply = response.hits, response.answer
    assert hits == retriever.search("and in Arun?", history=history)
    assert hits[0].chunk.doc == "pdf/oral-health-2018.pdf"
    assert not reply.abstained and reply.citations[0].doc == "pdf/oral-health-2018.pdf"


def test_an_answer_quoting_only_other_places_says_so_before_it_is_quoted(briefings: Settings) -> None:
    """A bid writer asking about Worthing must not take West Sussex's figure for Worthing's."""
    retriever = Retriever(briefings, FakeEmbedder())
    hits = retriever.search("obese children in Crawley")
    county = _sentence(1, "In 2016/17, 20% of Year 6 children in West Sussex were obese.", 0.8, 0)
    district = _sentence(1, "In 2016/17, 24% of Year 6 children in Worthing were obese.", 0.7, 1)
    question = "how many Year 6 children in Worthing are obese"
    told = compose(question, hits, Evidence(0.9, Coverage(), elsewhere=False, sentences=(county,)))
    assert told.caution == "These sentences are about West Sussex, not Worthing." and told.to_dict()["caution"]
    both = Evidence(0.9, Coverage(), elsewhere=False, sentences=(county, district))
    assert compose(question, hits, both).caution == ""  # one names Worthing
    assert compose("how many Year 6 children are obese", hits, both).caution == ""  # no place asked
    # A sentence of Worthing's own profile comparing it with the county is about Worthing.
    profile = [replace(hits[0], chunk=replace(hits[0].chunk, title="Worthing profile 2019", section="Children"))]
    compared = _sentence(1, "Obesity in Year 6 was 24%, above West Sussex (20%).", 0.8, 0)
    assert places_instead(question, [compared], profile) == ()
    assert places_instead(question, [compared], hits) == ("West Sussex",)


def test_a_district_asked_and_the_county_quoted_the_districts_table_row_leads(briefings: Settings) -> None:
    """ "How many in Chichester?" answered with West Sussex's figure alone would be the wrong figure in a bid."""
    retriever = Retriever(briefings, FakeEmbedder())
    hits = retriever.search("obese children in Crawley")
    county = _sentence(1, "In 2016/17, 20% of Year 6 children in West Sussex were obese.", 0.8, 0)
    other = _sentence(2, "Obesity is more common in deprived areas.", 0.6, 1)
    row = Row(2, "Worthing 24.1% 1,020", caption="Table 3 Year 6 obesity by district")
    evidence = Evidence(0.9, Coverage(), elsewhere=False, sentences=(county, other), rows=(row,))
    question = "how many Year 6 children in Worthing are obese"
    told = compose(question, hits, evidence)
    assert told.text.startswith("Table 3 Year 6 obesity by district: Worthing 24.1% 1,020 [2] In 2016/17, 20%")
    assert told.text.count("[") == 3 and [c.number for c in told.citations] == [1, 2]  # the row and two sentences
    assert told.caution == "The sentences after the table's row are about West Sussex, not Worthing."
    # What the page shows marked: the row's own label and cells, and each sentence as quoted.
    assert told.quoted == ("Worthing 24.1% 1,020", county.text, other.text)
    # A sentence about Worthing answers: no row. Nor when no place is asked, nor for something other than a figure.
    district = _sentence(1, "In 2016/17, 24% of Year 6 children in Worthing were obese.", 0.9, 2)
    assert "Table 3" not in compose(question, hits, replace(evidence, sentences=(district, county))).text
    assert "Table 3" not in compose("how many Year 6 children are obese", hits, evidence).text
    assert "Table 3" not in compose("what should the priorities be for obese children in Worthing", hits, evidence).text
