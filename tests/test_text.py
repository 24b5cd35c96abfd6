"""Sentences, bullet glyphs, shingles and years, shared by the cleaner, the chunker, versions, tables and the answer."""

from __future__ import annotations

import pytest

from assistant.text import BULLET, as_quoted, shingles, split_sentences, strip_bullet, years_in, years_named


def test_sentence_splitting_respects_abbreviations_and_decimals() -> None:
    text = "Rates rose to 3.5 per cent, e.g. in Adur. Dr. Smith led the audit. It ended in 2019! Next steps follow."
    assert split_sentences(text) == [
        "Rates rose to 3.5 per cent, e.g. in Adur.",
        "Dr. Smith led the audit.",
        "It ended in 2019!",
        "Next steps follow.",
    ]


def test_a_sentence_may_start_with_a_figure_or_a_bullet() -> None:
    assert split_sentences("Smoking fell. 14% of adults smoke. • Quit rates rose.") == [
        "Smoking fell.",
        "14% of adults smoke.",
        "• Quit rates rose.",
    ]


def test_quotes_and_brackets_after_a_full_stop_stay_with_their_sentence() -> None:
    text = 'A resident said "support has been crucial." (Source: survey.) Staff agreed. “Yes.” Next'
    assert split_sentences(text) == [
        'A resident said "support has been crucial."',
        "(Source: survey.)",
        "Staff agreed.",
        "“Yes.”",
        "Next",
    ]
    assert " ".join(split_sentences(text)) == text  # nothing of the passage is lost


def test_a_footnote_number_run_into_a_full_stop_ends_the_sentence_and_is_not_quoted() -> None:
    """A flattened superscript ("... period of training.31 Availability ...") had joined two sentences into one,
    and its number was quoted as if it were a figure."""
    text = (
        "Veterans have been to combat zones.31 Availability of alcohol matters (NICE, 2014).13 In 2017 the rate "
        "was 9.7 per 100,000. Costs were £4.5 million.\nThey live in children’s homes.70"
    )
    found = split_sentences(text)
    assert found == [
        "Veterans have been to combat zones.31",
        "Availability of alcohol matters (NICE, 2014).13",
        "In 2017 the rate was 9.7 per 100,000.",
        "Costs were £4.5 million.",
        "They live in children’s homes.70",
    ]
    assert [as_quoted(s) for s in found][::2] == [
        "Veterans have been to combat zones.",
        "In 2017 the rate was 9.7 per 100,000.",  # a decimal is a figure, not a note
        "They live in children’s homes.",
    ]


def test_a_line_break_ends_a_sentence_and_an_abbreviation_does_not_join_across_it() -> None:
    text = "Prevalence fell in Chichester, to 17.4%\n23.0% of children in Worthing were overweight e.g.\nIn Crawley."
    assert split_sentences(text) == [
        "Prevalence fell in Chichester, to 17.4%",
        "23.0% of children in Worthing were overweight e.g.",
        "In Crawley.",
    ]


@pytest.mark.parametrize("item", ["• Offer support", "- Offer support", "1. Offer support", "a) Offer support"])
def test_list_items_start_with_a_bullet(item: str) -> None:
    assert BULLET.match(item)


def test_plain_text_is_no_list_item() -> None:
    assert not BULLET.match("Offer support to carers")
    assert not BULLET.match("2019 was a hard year")


def test_strip_bullet_drops_only_a_leading_glyph() -> None:
    assert strip_bullet("• 1 in 5 adults smoke") == "1 in 5 adults smoke"
    assert strip_bullet("1 in 5 adults • smoke") == "1 in 5 adults • smoke"


def test_years_are_read_from_questions_and_periods() -> None:
    assert years_in("violent crime Adur 2017/18") == {2017, 2018}
    assert years_in("life expectancy 2014-16") == {2014, 2015, 2016}
    assert years_in("smokers aged 16-24 in Crawley") == set()  # an age band, not a period
    assert years_in("12/13-14/15", period=True) == {2012, 2013, 2014, 2015}
    assert years_in("2021/22 Q1 - 2024/25 Q4", period=True) == set(range(2021, 2026))
    assert years_in("may-17", period=True) == {2017}
    assert years_in("in 1991 and 2021") == {1991, 2021}  # two years, not the thirty between


def test_a_passage_names_the_years_it_writes_and_no_others() -> None:
    assert years_named("Admissions in 2016/17 were higher than in 2014-15.") == {2014, 2015, 2016, 2017}
    assert years_named("Census 2001 and 2021 compared") == {2001, 2021}  # not 2011
    assert years_named("aged 16-24, 1,200 people") == set()


def test_shingles_are_four_words_and_numbers() -> None:
    assert shingles("Falls rose to 2,310 in 2017.") == {
        ("falls", "rose", "to", "2"),
        ("rose", "to", "2", "310"),
        ("to", "2", "310", "in"),
        ("2", "310", "in", "2017"),
    }
    assert shingles("Falls") == {("falls",)}
