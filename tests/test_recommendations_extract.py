"""Recommendation items found on pages: one per recommendation, whole sentences, with page and section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.model import Block, DocumentInfo, Page
from assistant.parse import read_document
from assistant.recommendations.extract import extract, group_repeats

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _info(path: str = "pdf/a.pdf", year: int | None = 2019) -> DocumentInfo:
    return DocumentInfo(path=path, title="A chapter", kind="chapter", year=year, publisher="Council", sha256=path)


def _texts(pages: list[Page]) -> list[str]:
    return [item.text for item in extract(_info(), pages)]


def test_list_items_under_a_recommendations_heading_are_items_and_the_introduction_is_not() -> None:
    page = Page(
        3,
        (
            Block("Key recommendations", heading=1),
            Block("The following recommendations are made to the board."),
            Block("• Establish a multi-agency self-harm oversight group."),
            Block("• Deliver a campaign on men’s mental health"),
            Block("Findings", heading=1),
            Block("• Admissions for self-harm rose by a third."),
        ),
    )
    items = extract(_info(), [page])
    assert [i.text for i in items] == [
        "Establish a multi-agency self-harm oversight group.",
        "Deliver a campaign on men’s mental health",
    ]
    assert {(i.page_start, i.section, i.doc, i.year) for i in items} == {(3, "Key recommendations", "pdf/a.pdf", 2019)}


def test_under_a_mixed_heading_only_what_recommends_is_kept() -> None:
    page = Page(
        5,
        (
            Block("Summary and recommendations", heading=1),
            Block("• Younger veterans are more likely to report long term health problems."),
            Block("ii) The Armed Forces Network should consider how to promote the health of younger veterans."),
            Block("iii) Consider local prosthetic limb services."),
        ),
    )
    assert _texts([page]) == [
        "The Armed Forces Network should consider how to promote the health of younger veterans.",
        "Consider local prosthetic limb services.",
    ]


def test_a_recommendation_paragraph_counts_wherever_it_stands_and_a_label_does_not() -> None:
    page = Page(
        14,
        (
            Block("Pharmacy services", heading=2),
            Block("Recommendation: Commissioners should monitor coverage at locality level."),
            Block("Most pharmacies open on Saturdays."),
            Block("Recommendations", heading=2),
            Block("3. Recommendations relating to young people"),
            Block("• Increase detection for chlamydia"),
        ),
    )
    assert _texts([page]) == [
        "Recommendation: Commissioners should monitor coverage at locality level.",
        "Increase detection for chlamydia",
    ]


def test_a_recommendations_table_title_is_the_section_of_its_rows_not_an_item() -> None:
    """The 2016 tobacco needs assessment titles each table of recommendations "Recommendations - Peer support"."""
    page = Page(
        24,
        (
            Block("1.9 Recommendations", heading=2),
            Block("Recommendations - Peer support"),
            Block("Commission a peer support programme for pregnant smokers and their partners."),
        ),
    )
    items = extract(_info(), [page])
    assert [(i.section, i.text) for i in items] == [
        (
            "Recommendations - Peer support",
            "Commission a peer support programme for pregnant smokers and their partners.",
        ),
    ]


def test_areas_for_focus_are_recommendations_and_a_numbered_label_is_their_section() -> None:
    page = Page(
        10,
        (
            Block("AREAS FOR FOCUS", heading=3),
            Block("Below are the areas for focus developed from the evidence. Area 4: Accessible support"),
            Block("1. Simplify access to mental health support for everyone."),
            Block("2. Maintain access to immediate support during crises. Area 5: Housing and accommodation"),
            Block("1. Workforce training and awareness raising with housing staff regarding mental health."),
        ),
    )
    items = extract(_info(), [page])
    assert [(i.section, i.text) for i in items] == [
        ("Area 4: Accessible support", "Simplify access to mental health support for everyone."),
        ("Area 4: Accessible support", "Maintain access to immediate support during crises."),
        (
            "Area 5: Housing and accommodation",
            "Workforce training and awareness raising with housing staff regarding mental health.",
        ),
    ]


@pytest.mark.parametrize("heading", ["Opportunity areas", "Opportunities for improvement", "Actions partners can take"])
def test_other_headings_jsnas_give_recommendations_open_them_and_a_findings_heading_does_not(heading: str) -> None:
    items = ["Increase Advance Care Planning discussions in Chichester.", "Strengthen data integration and use."]
    page = Page(9, (Block(heading, heading=1), *(Block(f"{n}. {text}") for n, text in enumerate(items, 1))))
    assert [(i.section, i.text) for i in extract(_info(), [page])] == [(heading, text) for text in items]
    findings = Page(9, (Block("Opportunities and challenges for young people", heading=1), page.blocks[1]))
    assert extract(_info(), [findings]) == []


def test_a_label_naming_two_things_is_a_topic_and_its_numbered_items_all_count() -> None:
    """A heading "Area 3: Whole pathways and all people" is not "Summary and recommendations": its numbered items are
    items whether or not they start with a verb."""
    page = Page(
        5,
        (
            Block("Area 3: Whole pathways and all people", heading=3),
            Block("High level areas for focus:"),
            Block("1. Foster diversity and inclusion, welcoming and representative spaces."),
            Block("2. Outreach to support people where they are, working in neighbourhoods."),
        ),
    )
    assert _texts([page]) == [
        "Foster diversity and inclusion, welcoming and representative spaces.",
        "Outreach to support people where they are, working in neighbourhoods.",
    ]


def test_a_short_label_over_part_of_a_list_keeps_it_open_and_is_the_section_of_its_items() -> None:
    """The 2024 mental health needs assessment follows each area's "High level areas for focus:" with items for one
    life stage under "0-5 years:"."""
    page = Page(
        8,
        (
            Block("Area 2: Preventing mental ill-health", heading=3),
            Block("High level areas for focus:"),
            Block("1. Increase focus on preventative and early intervention initiatives."),
            Block("0-5 years:"),
            Block("• Reduce stigma to increase parents accessing support earlier."),
        ),
    )
    items = extract(_info(), [page])
    assert [(i.section, i.text) for i in items] == [
        ("High level areas for focus:", "Increase focus on preventative and early intervention initiatives."),
        ("0-5 years:", "Reduce stigma to increase parents accessing support earlier."),
    ]


def test_a_bold_label_over_part_of_a_list_keeps_it_open_and_an_item_ending_with_a_colon_holds_its_points() -> None:
    """The 2024 mental health needs assessment's cohort summary sets "65+ years including dementia:" in bold (a
    heading to the PDF reader) after an area's "High level areas for focus:" and its items; an item there ends
    "... addressing challenges including:" and its points, marked "o", are part of it. A heading without a colon
    still ends the list, and an item's closing lead-in to the list after it ("They are as follows:") does not."""
    page = Page(
        29,
        (
            Block("Area 4: Accessible, flexible and personalised support", heading=3),
            Block("High level areas for focus:"),
            Block("1. Simplify access to mental health support for everyone."),
            Block("65+ years including dementia:", heading=3),
            Block("• Development of a strategic plan for commissioning, addressing challenges including:"),
            Block("o Gaps to join up in specialist services for complex dementia."),
            Block("o Respite provision of 72 hours being too short."),
            Block("• Workforce training on mental health first aid."),
            Block("Data sources", heading=3),
            Block("• Hospital episode statistics for mental health admissions."),
        ),
    )
    items = extract(_info(), [page])
    assert [(i.section, i.text) for i in items] == [
        ("High level areas for focus:", "Simplify access to mental health support for everyone."),
        (
            "65+ years including dementia:",
            "Development of a strategic plan for commissioning, addressing challenges including: Gaps to join up in "
            "specialist services for complex dementia. Respite provision of 72 hours being too short.",
        ),
        ("65+ years including dementia:", "Workforce training on mental health first aid."),
    ]
    closing = Page(
        63,
        (
            Block("8 Recommendations", heading=3),
            Block("- Barriers to accessing dental services. They are as follows:"),
            Block("• A focus on improving oral health in the deprived areas of West Sussex."),
        ),
    )
    assert _texts([closing]) == [
        "Barriers to accessing dental services. They are as follows:",
        "A focus on improving oral health in the deprived areas of West Sussex.",
    ]


def test_a_numbered_sub_heading_under_recommendations_titles_the_paragraph_it_heads() -> None:
    """The 2016 needs assessment of young people with disabilities names each recommendation in a numbered
    sub-heading ("3.1 Earlier identification and planning for move into adulthood") over one paragraph saying what to
    do: one item. A sub-heading over a list, a question or a single word names no item."""
    page = Page(
        5,
        (
            Block("3 Recommendations", heading=2),
            Block("3.1 Earlier identification and planning for move into adulthood", heading=3),
            Block("Develop arrangements to facilitate earlier identification of young people approaching transition."),
            Block("3.2 Services for young carers", heading=3),
            Block("• Review the young carers assessment."),
            Block("• Extend the young carers service to sixth forms."),
            Block("3.3 What does this tell us?", heading=3),
            Block("Priority should be given to the five high risk groups."),
            Block("3.4 Background", heading=3),
            Block("Commissioners should review short breaks."),
        ),
    )
    assert _texts([page]) == [
        "Earlier identification and planning for move into adulthood Develop arrangements to facilitate earlier "
        "identification of young people approaching transition.",
        "Review the young carers assessment.",
        "Extend the young carers service to sixth forms.",
        "Priority should be given to the five high risk groups.",
        "Commissioners should review short breaks.",
    ]


def test_a_recommendation_run_into_the_paragraph_before_it_is_an_item_and_a_short_one_a_label() -> None:
    page = Page(
        6,
        (
            Block("Wider community needs", heading=2),
            Block(
                "Homeless veterans are more likely to be young leavers at greater risk Recommendation 7: At risk "
                "leavers are identified with signposting in place to specialist support."
            ),
            Block("Recommendation 8: Data collection"),
            Block("Veterans should be asked if they served when they register with a GP."),
            Block("Recommendation 9: Improve access to health checks for veterans"),
        ),
    )
    assert [(i.section, i.text) for i in extract(_info(), [page])] == [
        (
            "Wider community needs",
            "Recommendation 7: At risk leavers are identified with signposting in place to specialist support.",
        ),
        ("Recommendation 8: Data collection", "Veterans should be asked if they served when they register with a GP."),
        ("Recommendation 8: Data collection", "Recommendation 9: Improve access to health checks for veterans"),
    ]


def test_an_item_cut_by_a_page_break_is_one_item_over_both_pages() -> None:
    pages = [
        Page(8, (Block("Recommendations", heading=1), Block("1. Commissioners should review the dental pathway for"))),
        Page(9, (Block("children in care and report to the board."), Block("2. Promote supervised toothbrushing."))),
    ]
    items = extract(_info(), pages)
    assert [(i.text, i.page_start, i.page_end) for i in items] == [
        ("Commissioners should review the dental pathway for children in care and report to the board.", 8, 9),
        ("Promote supervised toothbrushing.", 9, 9),
    ]


def test_bullets_run_into_a_paragraph_are_items_and_a_lower_case_one_carries_on_the_item_before() -> None:
    page = Page(
        8,
        (
            Block("Recommendations", heading=1),
            Block(
                "Priority areas for oral health: \uf0b7 A focus on deprived areas. \uf0b7 A focus on children with SEN."
            ),
            Block("• Ensure stop smoking services address barriers to quitting, including:"),
            Block("• time to attend appointments at several places"),
            Block("• Review the referral pathway."),
        ),
    )
    assert _texts([page]) == [
        "A focus on deprived areas.",
        "A focus on children with SEN.",
        "Ensure stop smoking services address barriers to quitting, including: time to attend appointments at "
        "several places",
        "Review the referral pathway.",
    ]


def test_a_lead_in_labels_the_list_after_it_and_is_not_an_item() -> None:
    page = Page(
        7,
        (
            Block("Recommendations", heading=2),
            Block("Commissioners, providers and frontline staff should:"),
            Block("• Work together to create local awareness campaigns."),
            Block("Local partners should:-"),
            Block("• Increase support to community groups."),
        ),
    )
    items = extract(_info(), [page])
    assert [i.text for i in items] == [
        "Work together to create local awareness campaigns.",
        "Increase support to community groups.",
    ]
    assert {i.section for i in items} == {"Recommendations"}  # a lead-in is never the section


def test_a_short_lead_in_naming_recommendations_opens_them_and_a_long_one_does_not() -> None:
    page = Page(
        15,
        (
            Block("1.7 Gaps in knowledge", heading=1),
            Block("• Little is known about who uses services."),
            Block("Pilot projects exist, but engagement is not embedded into practice. RECOMMENDATIONS:"),
            Block("5) Improve and sustain engagement with children and families."),
            Block("The Chief Medical Officers' physical activity recommendations for adults are:"),
            Block("• Be active every day, in any way."),
        ),
    )
    assert _texts([page]) == ["Improve and sustain engagement with children and families."]


def test_a_recommendations_heading_read_after_its_page_heads_the_page() -> None:
    margin = Page(
        31,
        (
            Block("Life and wellbeing. People told us they value their community life."),
            Block("• Increase access to affordable English language courses."),
            Block("• Work with community groups to share information about services."),
            Block("RECOMMENDATIONS", heading=2),
        ),
    )
    findings = Page(9, (Block("• Fewer people use services."), Block("• Many report prejudice."), margin.blocks[-1]))
    assert _texts([margin]) == [
        "Increase access to affordable English language courses.",
        "Work with community groups to share information about services.",
    ]
    assert _texts([findings]) == []  # its items do not recommend: the heading stays where it was read


def test_a_heading_that_is_a_recommendation_makes_one_item_with_what_it_heads() -> None:
    page = Page(
        5,
        (
            Block("3 Recommendations", heading=1),
            Block("3.5 Develop housing options and support", heading=2),
            Block("Work with planners to widen housing options for young people."),
            Block("Revise the feedback form", heading=3),
            Block("• The service should ask clients for feedback."),
            Block("• Reword the questions of the form."),
            Block("3.6 Workforce", heading=2),
            Block("Train staff in autism awareness."),
        ),
    )
    assert _texts([page]) == [
        "Develop housing options and support Work with planners to widen housing options for young people.",
        "Revise the feedback form The service should ask clients for feedback. Reword the questions of the form.",
        "Train staff in autism awareness.",
    ]


def test_a_numbered_instruction_is_an_item_with_its_reasons_and_the_next_number_starts_another() -> None:
    page = Page(
        9,
        (
            Block("Opportunity areas", heading=1),
            Block("3. Expand community-based and home care services", heading=6),
            Block("Why: most people want to die at home, yet 38% die in hospital."),
            Block("4. Identify, involve and support families and carers", heading=6),
            Block("Why: families and carers play a vital role."),
            Block("5. Use the guidance and tailor services to local needs"),
            Block("Why: services must reflect the area's population."),
            Block("Support for families and carers", heading=6),
            Block("Palliative care provides practical and emotional support for families."),
        ),
    )
    assert _texts([page]) == [
        "Expand community-based and home care services Why: most people want to die at home, yet 38% die in hospital.",
        "Identify, involve and support families and carers Why: families and carers play a vital role.",
        "Use the guidance and tailor services to local needs Why: services must reflect the area's population.",
    ]  # a heading that only names a topic, over what is not a recommendation, is no item


def test_numbered_items_run_together_or_without_spaces_are_items_each() -> None:
    pages = [
        Page(8, (Block("Recommendations", heading=1), Block("9. Services should be built around service users."))),
        Page(9, (Block("10.Consideration should be given to mutual aid. 11. Staff should be trained in recovery."),)),
    ]
    items = extract(_info(), pages)
    assert [(i.page_start, i.text) for i in items] == [
        (8, "Services should be built around service users."),
        (9, "Consideration should be given to mutual aid."),
        (9, "Staff should be trained in recovery."),
    ]


def test_an_item_is_whole_sentences_a_list_ending_a_sentence_joins_it_and_a_question_alone_is_not_one() -> None:
    pages = [
        Page(
            24,
            (
                Block("Recommended actions", heading=1),
                Block("Local authorities and NHS trusts To maximise current opportunities for:"),
                Block("• data collection on tobacco control activity"),
                Block("• What can we learn from practices with high validation rates?"),
                Block("• Investigate the high lost to follow up rate. How can we better support service users?"),
                Block("Quit rates were lower in Crawley than in the county overall, which is the service"),
            ),
        ),
        Page(25, (Block("contracted to improve. The service should review its Crawley clinics."),)),
    ]
    assert _texts(pages) == [
        "Local authorities and NHS trusts To maximise current opportunities for: data collection on tobacco control "
        "activity",
        "Investigate the high lost to follow up rate. How can we better support service users?",
        "The service should review its Crawley clinics.",
    ]


def test_a_contents_page_is_not_read() -> None:
    contents = Page(
        2,
        (
            Block("Contents", heading=1),
            Block("Key recommendations", heading=2),
            Block("1. Introduction 4"),
            Block("2. Who is at risk 9"),
            Block("3. Services 17"),
        ),
    )
    assert _texts([contents]) == []


def test_a_contents_page_is_not_read_with_its_leaders_as_cleaning_leaves_them() -> None:
    """No line says "Contents": the leaders before the page numbers ("… 4") say it, and a real ellipsis does not."""
    contents = Page(
        2,
        (
            Block("Key recommendations", heading=2),
            Block("Introduction … 4"),
            Block("Who is at risk … 9"),
            Block("Services we commission … 17"),
            Block("Services we recommend … 21"),
        ),
    )
    assert _texts([contents]) == []
    recommendation = "Learn from partners in Arun … and apply it to reach routine and manual workers elsewhere."
    assert _texts([Page(3, (Block("Recommendations", 1), Block(f"• {recommendation}")))]) == [recommendation]


def test_repeats_are_grouped_under_the_first_with_the_other_places() -> None:
    text = "Commissioners should ensure that every community pharmacy offers the stop smoking service to all."
    summary = extract(_info("pdf/summary.pdf"), [Page(2, (Block("Recommendations", 1), Block(f"• {text}")))])
    body = extract(_info("pdf/full.pdf"), [Page(40, (Block("Recommendations", 1), Block(f"1. {text}")))])
    other = extract(_info("pdf/full.pdf"), [Page(41, (Block("Recommendations", 1), Block("• Review opening hours.")))])
    grouped = group_repeats([*summary, *body, *other])
    assert [(i.doc, i.page_start) for i in grouped] == [("pdf/summary.pdf", 2), ("pdf/full.pdf", 41)]
    assert [(o.doc, o.page_start) for o in grouped[0].also_in] == [("pdf/full.pdf", 40)]
    assert grouped[0].to_dict()["also_in"][0]["page"] == 40


def _normal(text: str) -> str:
    """Text without its bullet glyphs and with single spaces: an item is its page's text less the list marks."""
    return re.sub(r"\s+", " ", re.sub(r"[\uf000-\uf0ff•●▪■]", " ", text)).strip()


@pytest.mark.real
def test_items_of_the_shipped_pdfs_are_on_their_pages_as_whole_sentences() -> None:
    """Every item of the shipped chapters is text of its page(s), starts a sentence and has a recommending form."""
    checked = 0
    for path in sorted((CORPUS / "pdf").glob("*.pdf")):
        parsed = read_document(path)
        pages = {page.number: _normal(page.text) for page in parsed.pages}
        for item in extract(_info(path.name), parsed.pages):
            span = " ".join(pages[n] for n in range(item.page_start, item.page_end + 1))
            assert _normal(item.text) in span, (path.name, item.page_start, item.text[:80])
            assert item.text[:1].isupper() or item.text[:1].isdigit() or item.text[:1] in "‘“'\"(", item.text[:80]
            checked += 1
    assert checked >= 10  # the alcohol equity audit alone lists 10 recommendations
