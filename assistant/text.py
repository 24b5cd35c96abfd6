"""Text helpers several stages share: sentences, the glyphs that mark list items, and word shingles.

Pure functions and patterns, no I/O. The cleaner (:mod:`assistant.clean`) splits list items on bullets, the chunker
cuts chunks at sentence ends, and the answer quotes whole sentences without their bullet glyphs.
"""

from __future__ import annotations

import re

# A list item's start: a bullet glyph, a dash or "o" before a space, or "a)", "1.", "iv)" before a space.
BULLET = re.compile(r"^\s*(?:[•●▪■◦○∙·‣⁃►▶✓✔→]|[-–—*o](?=\s)|\(?[a-zA-Z0-9]{1,3}[.)](?=\s))\s*")
BULLET_GLYPHS = re.compile(r"^[•●▪■◦○∙·‣⁃►▶✓✔→]\s*")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9•£])")
ABBREVIATIONS = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|approx|fig|figs|no|nos|dr|mr|mrs|ms|prof|st|vol|ref|cf|al|inc|ltd|jan|feb|mar|apr|"
    r"jun|jul|aug|sep|sept|oct|nov|dec)|\b[A-Z])\.$",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, in order; a full stop after an abbreviation ("e.g.", "Dr.") ends none."""
    sentences: list[str] = []
    for piece in SENTENCE_END.split(text):
        piece = piece.strip()
        if not piece:
            continue
        if sentences and ABBREVIATIONS.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def strip_bullet(sentence: str) -> str:
    """The sentence without a leading bullet glyph ("• 1 in 5 adults smoke" -> "1 in 5 adults smoke")."""
    return BULLET_GLYPHS.sub("", sentence)


def shingles(text: str) -> set[tuple[str, ...]]:
    """The text's 4-word shingles (lowercased words and numbers): two passages sharing most of theirs say the same
    thing in the same words."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + 4]) for i in range(max(1, len(words) - 3))}
