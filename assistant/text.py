"""Text helpers several stages share: sentences, the glyphs that mark list items, word shingles, and years.

Pure functions and patterns, no I/O. The cleaner (:mod:`assistant.clean`) splits list items on bullets, the chunker
cuts chunks at sentence ends, and the answer quotes whole sentences without their bullet glyphs.
"""

from __future__ import annotations

import itertools
import re

# Glyphs that start a list item; inside a line, those but the dots and the arrow (a middle dot or "→" between words
# is not another item).
GLYPHS = "•●▪■◦○‣⁃►▶➢❖✓✔"
LEADING_GLYPHS = GLYPHS + "∙·→"
# A list item's start: a bullet glyph, a dash or "o" before a space, or "a)", "1.", "iv)" before a space.
BULLET = re.compile(rf"^\s*(?:[{LEADING_GLYPHS}]|[-–—*o](?=\s)|\(?[a-zA-Z0-9]{{1,3}}[.)](?=\s))\s*")
BULLET_GLYPHS = re.compile(rf"^[{LEADING_GLYPHS}]\s*")
LIST_BREAK = re.compile(rf"\s+(?=[{GLYPHS}][ \t])")  # a bullet glyph inside a line: another list item
CLOSING = r"[\"'”’)\]]*"  # quotes and brackets that may follow a sentence's full stop
# A footnote's number run into the full stop before it, its superscript flattened by the PDF's text ("... in
# children's homes.70 These women ...").
GLUED_NOTE = r"(?<=[a-z)’”']\.)\d{1,3}"
# Where one sentence ends and the next starts; the quotes and brackets after the full stop, or a footnote's number
# run into it, are kept (the group).
SENTENCE_END = re.compile(rf"(?<=[.!?])({CLOSING}|{GLUED_NOTE})\s+(?=[\"'“‘(\[]?[A-Z0-9•£])")
ENDS_SENTENCE = re.compile(rf"[.!?]{CLOSING}$|{GLUED_NOTE}$")
# A source's own footnote or reference mark ("[33]", "[3, 4]", "[12-14]", or a number run into a full stop:
# :data:`GLUED_NOTE`): in an answer, where "[n]" cites a page, it would read as a citation of ours.
SOURCE_MARK = re.compile(rf"\s*\[\d{{1,3}}(?:\s*[,–-]\s*\d{{1,3}})*\]|{GLUED_NOTE}(?=\s|$)")
LIST_DASH = re.compile(r"^[-–—]\s+")
# A contents line's dot leader and page number, the leader as cleaning leaves it (assistant.clean.LEADER: "… 80")
# or not ("........ 80").
LEADER_PAGE = r"(?:(?:\.\s?){4,}|…)\s*\d{1,3}\b"
# A numbered paragraph's or section's number before its text ("2.1 The Health and Social Care Act 2012 conferred
# ...", "2.7.2 Self-harm and suicide West Sussex had ..."): two or three numbers of at most 20, not a
# figure ("16.8% of ...", "46.8 Thousand" has a part over 20).
PARAGRAPH_NUMBER = re.compile(r"^(?:(?:1?\d|20)\.){1,2}(?:1?\d|20)\.?\s+(?=[A-Z][a-z])")
FULL_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
SHORT_YEAR = re.compile(r"(?<=(?:19|20)\d\d[/-])(\d\d)(?!\d)")  # "2016/17", "2014-16"
# A period as passages write it: "2019", "2017/18", "2014-16", "2011–2021", "2014 to 2016".
PERIODS = re.compile(r"\b(?:19|20)\d\d(?:\s?(?:[/–-]|to)\s?(?:19|20)?\d\d)?\b")
SHORT_YEAR_IN_PERIOD = re.compile(r"(?:(?<=[/-])|(?<=[/-] )|(?<![\d/-])(?=\d\d/))(\d\d)(?!\d)")
REPEAT_OVERLAP = 0.6  # of the shorter passage's shingles, shared with another for one to repeat the other
MIN_REPEAT_SHINGLES = 8  # a passage this long (about 11 words or more) can repeat; a header or a caption cannot
MAX_SPAN = 12  # years; a wider "range" is a list of years ("1991 and 2021"), kept as it is
ABBREVIATIONS = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|approx|fig|figs|no|nos|dr|mr|mrs|ms|prof|st|vol|ref|cf|al|inc|ltd|jan|feb|mar|apr|"
    r"jun|jul|aug|sep|sept|oct|nov|dec)|\b[A-Z])\.$",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, in order; a full stop after an abbreviation ("e.g.", "Dr.") ends none, and a line
    break (a passage's paragraph end: :mod:`assistant.chunk`) ends one."""
    sentences: list[str] = []
    for line in text.split("\n"):
        started = len(sentences)
        parts = SENTENCE_END.split(line)  # sentence, its closing quotes, sentence, ...
        for piece in map("".join, itertools.zip_longest(parts[::2], parts[1::2], fillvalue="")):
            piece = piece.strip()
            if not piece:
                continue
            if len(sentences) > started and ABBREVIATIONS.search(sentences[-1]):
                sentences[-1] = f"{sentences[-1]} {piece}"
            else:
                sentences.append(piece)
    return sentences


def as_quoted(sentence: str) -> str:
    """The sentence as an answer quotes it: without the source's own footnote marks (:data:`SOURCE_MARK`), the dash
    of a list item ("- In 2021/22, 30.1% of adults ...") and a paragraph's number (:data:`PARAGRAPH_NUMBER`)."""
    return PARAGRAPH_NUMBER.sub("", LIST_DASH.sub("", SOURCE_MARK.sub("", sentence).strip()))


def strip_bullet(sentence: str) -> str:
    """The sentence without a leading bullet glyph ("• 1 in 5 adults smoke" -> "1 in 5 adults smoke")."""
    return BULLET_GLYPHS.sub("", sentence)


def list_items(text: str) -> list[tuple[str, bool]]:
    """The text's lines, a line with bullet glyphs inside it cut before each: (text, is a list item), the item's
    glyph removed ("Causes: • falls • fires" -> [("Causes:", False), ("falls", True), ("fires", True)])."""
    out = []
    for line in text.split("\n"):
        for piece in LIST_BREAK.split(line.strip()):
            item = BULLET_GLYPHS.match(piece) is not None
            if piece.strip():
                out.append((strip_bullet(piece).strip() if item else piece.strip(), item))
    return out


def repeats(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> bool:
    """Two passages' shingles say the same thing in the same words: they share more than ``REPEAT_OVERLAP`` of
    the shorter one's."""
    return len(a & b) > REPEAT_OVERLAP * min(len(a), len(b))


def shingles(text: str) -> set[tuple[str, ...]]:
    """The text's 4-word shingles (lowercased words and numbers): two passages sharing most of theirs say the same
    thing in the same words."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + 4]) for i in range(max(1, len(words) - 3))}


def years_named(text: str) -> set[int]:
    """The years a passage names, as written: "2019", and both of "2016/17" or "2014-15"; no ranges filled in (a
    page naming 2001 and 2021 does not name 2011)."""
    return {int(y) for y in FULL_YEAR.findall(text)} | {2000 + int(y) for y in SHORT_YEAR.findall(text)}


def years_in(text: str, period: bool = False) -> set[int]:
    """The years a question names, or a ``period`` spans, ranges filled in: "2016/17" -> {2016, 2017}, "2014-16" ->
    2014..2016. In a question a two-digit year counts only after a four-digit one ("aged 16-24" names no year); a
    period's may be alone: "12/13-14/15" -> 2012..2015, "may-17" -> {2017}."""
    found = [int(y) for y in FULL_YEAR.findall(text)]
    short = SHORT_YEAR_IN_PERIOD if period else SHORT_YEAR
    found += [2000 + int(y) for y in short.findall(text)]
    if not found:
        return set()
    low, high = min(found), max(found)
    return set(range(low, high + 1)) if high - low <= MAX_SPAN else set(found)
