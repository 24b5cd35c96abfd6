"""Cleaning extracted lines: character repair, glyph holes, hyphenation across line ends."""

from __future__ import annotations

import pytest

from assistant.clean import RawLine, clean_pages, repair_text

WORDS = {"different", "offences", "neighbours", "commissioning", "self", "harm", "low", "income", "standard"}


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("brieﬁng on ﬂu", "briefing on flu"),
        ("Di\ufffeerent rates", "Different rates"),
        ("o\ufffeences", "offences"),
        ("neigh\ufffebours", "neighbours"),
        ("self\ufffeharm", "self-harm"),
        ("low\ufffeincome", "low-income"),
        ("Di\x00erent", "Different"),
        ("soft\xadhyphen  and\u00a0space", "softhyphen and space"),
    ],
)
def test_character_repair(raw: str, clean: str) -> None:
    assert repair_text(raw, WORDS) == clean


def test_line_end_hyphenation_is_rejoined_but_compounds_kept() -> None:
    pages = clean_pages(
        [
            [
                RawLine("Plans for the commis-"),
                RawLine("sioning of services to reduce self-"),
                RawLine("harm in adults."),
            ]
        ],
        WORDS,
    )
    assert pages[0].text == "Plans for the commissioning of services to reduce self-harm in adults."


def test_without_a_dictionary_a_glyph_hole_joins_the_word() -> None:
    assert repair_text("neigh\ufffebours") == "neighbours"
    assert repair_text("self\ufffeharm") == "selfharm"


def test_running_headers_repeated_on_many_pages_are_dropped() -> None:
    topics = ["Smoking fell", "Falls rose", "Obesity held", "Drug deaths rose", "Carers grew"]
    body = [[RawLine(f"{topic} in {place}.") for place in ("Adur", "Arun", "Crawley", "Horsham")] for topic in topics]
    pages = [[RawLine("Test Council JSNA"), *lines, RawLine(str(n))] for n, lines in enumerate(body, 1)]
    cleaned = clean_pages(pages)
    assert [page.text for page in cleaned] == [" ".join(line.text for line in lines) for lines in body]
