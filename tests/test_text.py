"""Sentences and bullet glyphs, shared by the cleaner, the chunker and the answer."""

from __future__ import annotations

import pytest

from assistant.text import BULLET, split_sentences, strip_bullet


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


@pytest.mark.parametrize("item", ["• Offer support", "- Offer support", "1. Offer support", "a) Offer support"])
def test_list_items_start_with_a_bullet(item: str) -> None:
    assert BULLET.match(item)


def test_plain_text_is_no_list_item() -> None:
    assert not BULLET.match("Offer support to carers")
    assert not BULLET.match("2019 was a hard year")


def test_strip_bullet_drops_only_a_leading_glyph() -> None:
    assert strip_bullet("• 1 in 5 adults smoke") == "1 in 5 adults smoke"
    assert strip_bullet("1 in 5 adults • smoke") == "1 in 5 adults • smoke"
