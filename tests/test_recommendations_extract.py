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
