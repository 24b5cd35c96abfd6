"""From raw extracted lines to clean pages of blocks. Pure functions: no files, no I/O.

Cleaning, in order: character repair (ligatures, Symbol and Wingdings bullets, U+FFFE / NUL glyph holes, words the
reader split at a space of its own, soft hyphens, control characters),
running headers/footers and bare page numbers removed, headings detected (font size and weight when the
extractor knows them, else numbering and the usual JSNA heading words; a bold label standing alone between
paragraphs), body lines joined into paragraphs (a paragraph ends where a wholly bold line meets a plain one) with
words hyphenated across line ends rejoined.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from string import ascii_lowercase

from assistant.model import Block, Page
from assistant.text import BULLET, BULLET_GLYPHS


@dataclass(frozen=True)
class RawLine:
    """One extracted line. ``heading`` is a level the format states (HTML h2, Word "Heading 2"), else 0.
    ``size``/``weight`` are font size and weight of the line's first and last characters where known; ``left`` and
    ``right`` the left edge of its first character and the right edge of its last, and ``first_word`` the width of
    its first word, in points (0 where the format gives no positions)."""

    text: str
    heading: int = 0
    size: float = 0.0
    weight: int = 0
    last_size: float = 0.0
    last_weight: int = 0
    left: float = 0.0
    right: float = 0.0
    first_word: float = 0.0


LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "ft", "ﬆ": "st"}
# Symbol and Wingdings glyphs, which PDF readers give as private-use characters (U+F000 plus the font's own code):
# as they are used in reports, mostly bullets and ticks. Without this they show as empty boxes, are pasted as
# such, and a list's items run together (a line starting with one is not seen as an item).
SYMBOL_GLYPHS = str.maketrans(
    {
        "\uf0b7": "•",  # Symbol's bullet
        "\uf06c": "●",  # Wingdings: black circle
        "\uf06e": "■",  # black square
        "\uf0a7": "▪",  # small black square
        "\uf0a8": "◻",  # white square (a box to tick)
        "\uf0a1": "○",  # white circle
        "\uf076": "❖",  # diamond of four
        "\uf0d8": "➢",  # arrowhead
        "\uf0e0": "→",  # arrow
        "\uf0e8": "➔",  # heavy arrow
        "\uf0f3": "↔",  # left and right arrow
        "\uf0fc": "✓",  # tick
        "\uf0fb": "✗",  # cross
        "\uf028": "☎",  # telephone
        "\uf02a": "✉",  # envelope
        "\uf03a": "🖳",  # computer
    }
)
# Glyphs some extractors cannot map: pdfium writes U+FFFE, pypdf NUL, for an "ff" ligature or a hyphen.
GLYPH_HOLES = "\ufffe\x00"
HOLE_CANDIDATES = ("ff", "fi", "fl", "ffi", "ffl")
# A space the PDF reader made up between two letters standing close (:func:`assistant.parse._soften_spaces`): a
# space, or a font's wide "f" read as one ("f rom", "dif ferent"), as the dictionary decides (:func:`_soft_run`);
# before a hyphen ("self -harm"), none. Letters standing very close (TIGHT_SPACE) are one word wherever they make one
# ("of ten" there is "often"); a little further apart (SOFT_SPACE), only where a piece is no word by itself. A run
# does not start after an apostrophe or a figure: "people’s age" and "18s in" are two words, though "s" is none.
SOFT_SPACE = "\uffff"
TIGHT_SPACE = "\ufdd0"
SOFT_RUNS = {mark: re.compile(f"(?<![\\w’'])[A-Za-z]+(?:{mark}[A-Za-z]+)+") for mark in (TIGHT_SPACE, SOFT_SPACE)}
CAMEL = re.compile(r"[a-z][A-Z]")  # a lower-case letter then a capital: no word's spelling ("a C-card")
ONE_LETTER_WORDS = frozenset({"a", "i"})
# A character the PDF reader could not map to Unicode (:func:`assistant.parse._mark_unmapped`): its font's own code,
# carried as UNMAPPED_BASE plus that code (Supplementary Private Use Area A, which no text uses). In reports such
# fonts map their letters but not their curly quotes, and now and then a letter or ligature; read by its place:
# inside a word, the one letter or ligature that makes it a known word; at a word's start or end, a quotation mark
# (double when its partner is); a run of them, the one set of letters that makes a word; glyph 3, a TrueType font's
# space, a space. Anything else stays as it came.
UNMAPPED_BASE = 0xF0000
UNMAPPED = re.compile("([A-Za-z]*)([\U000f0000-\U000ffffd]+)([A-Za-z]*)")
UNMAPPED_FILLS = (*HOLE_CANDIDATES, *ascii_lowercase)
OPENS_AFTER = " ([{/-\u2013\u2014\"'\u2018\u201c"
CLOSES_AFTER = ".,;:!?)]"
CONTRACTIONS = frozenset({"s", "t", "ll", "re", "ve", "d", "m"})  # "people's", "don't", "we'll"
# Letters of Latin Extended-A and -B: in an English report, how a character left unread here comes out ("Ţell").
UNREAD_LETTERS = re.compile("[\u0100-\u024f]")
# "Page 13" alone on a line is the page's own label wherever the layout puts it (a designed report sets it inside).
PAGE_LABEL = re.compile(r"^page\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)
PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–(]?\s*\d{1,4}\s*[-–)]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)
NUMBERED_HEADING = re.compile(r"^(?:section\s+|chapter\s+)?(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?=[A-Z])", re.I)
HEADING_WORDS = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2})*\.?\s+)?(?:(?:key|main|summary\s+of|our|priority)\s+)?"
    r"(?:recommendations?(?:\s+\d{1,2}[a-z]?)?|recommended\s+actions|executive\s+summary|introduction|summary|"
    r"background|conclusions?(?:\s+and\s+recommendations)?|key\s+findings|findings|methods?|methodology|"
    r"references|glossary|appendix(?:\s+[a-z0-9]{1,3})?|acknowledgements|contents|table\s+of\s+contents|"
    r"foreword|next\s+steps|key\s+messages|what\s+we\s+know|priorities)\s*:?$",
    re.IGNORECASE,
)
RUN_ON_WORDS = frozenset(
    "a an and as at by for from in into of on or than that the to with per is are was were".split()
)
# A contents page's dot leader ("Background ........ 12"): layout, not text. Left in, a contents page's leaders were
# half the text of one chunk in ten, and each line's dots filled the model's window.
LEADER = re.compile(r"\s*(?:(?:\.\s?){4,}|(?:…\s?){2,})\s*")
CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200c\u200d\u2060\ufeff]")
WORD = re.compile(r"[A-Za-z]+")
WORD_OF_THREE = re.compile(r"[a-z]{3}")
# A label's own number: "Area 2:", "3.2", "Section 4", "Theme 1 -"
LABEL_NUMBER = re.compile(r"^(?:[A-Za-z]+\s+)?\d{1,2}(?:\.\d{1,2})*[a-z]?\s*[:.)–-]?\s")


def clean_pages(raw_pages: Sequence[Sequence[RawLine]], vocabulary: Iterable[str] = ()) -> list[Page]:
    """Clean every page of one document. ``raw_pages[i]`` holds the lines of physical page ``i + 1``;
    ``vocabulary`` is a dictionary of known words (beside the document's own) for mending broken words."""
    # Not the pieces of a word around a character the reader could not map ("Ţell": "ell").
    doc_words = {w.lower() for lines in raw_pages for line in lines for w in WORD.findall(UNMAPPED.sub(" ", line.text))}
    known = frozenset(vocabulary)
    words = doc_words | known
    repaired = [[_repair_line(line, words, known) for line in lines] for lines in raw_pages]
    repaired = [[line for line in lines if line.text] for lines in repaired]
    kept = _drop_running_lines(repaired)
    levels = _heading_levels([line for lines in kept for line in lines])
    return [Page(number=i + 1, blocks=tuple(_blocks(lines, levels, words))) for i, lines in enumerate(kept)]


def repair_text(
    text: str, words: set[str] | frozenset[str] = frozenset(), vocabulary: frozenset[str] = frozenset()
) -> str:
    """Character-level repair of one line of text. ``words``: the document's words and the ``vocabulary`` (a
    dictionary of known words), to mend broken words by."""
    for glyph, letters in LIGATURES.items():
        text = text.replace(glyph, letters)
    text = text.translate(SYMBOL_GLYPHS)
    text = text.replace("\xad", "").replace("\u00a0", " ").replace("\u2009", " ")
    if any(hole in text for hole in GLYPH_HOLES):
        text = re.sub(r"([A-Za-z]*)[\ufffe\x00]([A-Za-z]*)", lambda m: _fill_hole(m, words), text)
    if UNMAPPED.search(text):
        text = UNMAPPED.sub(lambda m: _read_unmapped(m, words), text)
    for mark in SOFT_RUNS:
        if mark in text:
            text = _mend_spaces(text, mark, words, vocabulary)
    text = CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"\s+", " ", text).strip()


def _fill_hole(match: re.Match[str], words: set[str] | frozenset[str]) -> str:
    """pdfium writes U+FFFE both for a word hyphenated across a line ("neigh|bours") and for an "ff"
    ligature it cannot map ("Di|erent"); the dictionary decides which reading makes a word."""
    return _mend(match.group(1), match.group(2), words, ("", *HOLE_CANDIDATES))


def _read_unmapped(match: re.Match[str], words: set[str] | frozenset[str]) -> str:
    """What a character the reader could not map stands for, by its place (see :data:`UNMAPPED`)."""
    before, marks, after = match.group(1), match.group(2), match.group(3)
    if len(marks) > 1:  # a run ("Greetin" and two: "Greetings"): letters, if only one set of them makes a word
        runs = itertools.product(ascii_lowercase, repeat=len(marks)) if len(marks) <= 3 else ()
        found = [fill for fill in map("".join, runs) if _known(before + fill + after, words)]
        if len(found) == 1:
            return before + found[0] + after
        return before + _as_came(marks) + after
    code = ord(marks) - UNMAPPED_BASE
    if code == 3:
        return f"{before} {after}"
    fills = [f for f in UNMAPPED_FILLS if _known(before + f + after, words)]
    if before and after:  # inside a word: the one letter or ligature that makes it a word, or an apostrophe
        if len(fills) == 1:
            return before + fills[0] + after
        if not fills and after.lower() in CONTRACTIONS:
            return f"{before}\u2019{after}"
        return before + chr(code) + after
    piece = (before or after).lower()
    # At a word's edge a letter only where the rest is no word: "Ţervices"; not "Ţell" ("bell", "cell", "well"...).
    if piece and piece not in words and piece not in ONE_LETTER_WORDS and fills:
        single = len(fills) == 1 and (before or after.islower())
        return before + fills[0] + after if single else before + chr(code) + after
    text, start, end = match.string, match.start(2), match.end(2)
    prev, nxt = text[start - 1] if start else " ", text[end] if end < len(text) else " "
    if after and (prev in OPENS_AFTER or not start):
        double = _partner(text[end:], "\u2019\u201d") == "\u201d"
        return ("\u201c" if double else "\u2018") + after
    if (before or prev.isalnum() or prev in CLOSES_AFTER) and (
        nxt.isspace() or nxt in CLOSES_AFTER or end == len(text)
    ):
        double = _partner(text[:start][::-1], "\u2018\u201c") == "\u201c"
        return before + ("\u201d" if double else "\u2019")
    return before + chr(code) + after


def _as_came(marks: str) -> str:
    """Unmapped characters as the reader gave them, glyph 3 (a TrueType font's space) as a space."""
    return "".join(" " if ord(m) == UNMAPPED_BASE + 3 else chr(ord(m) - UNMAPPED_BASE) for m in marks)


def _known(word: str, words: set[str] | frozenset[str]) -> bool:
    """A known word, or the plural of one (the model's word list has "greeting", not "greetings")."""
    low = word.lower()
    return low in words or (len(low) > 3 and low.endswith("s") and low[:-1] in words)


def _partner(text: str, marks: str) -> str:
    """The first of ``marks`` in ``text`` ("" if none)."""
    return next((ch for ch in text if ch in marks), "")


def _mend(before: str, after: str, words: set[str] | frozenset[str], fillers: Sequence[str] = ("",)) -> str:
    """Join two word fragments: the first filler that makes a known word wins; two known words stay a
    hyphenated compound ("self-harm", "age-standardised"); anything else is one word split by a line end."""
    for letters in fillers:
        if (before + letters + after).lower() in words:
            return before + letters + after
    if before and before.lower() in words and _starts_with_word(after.lower(), words):
        return f"{before}-{after}"
    return before + after


def _mend_spaces(text: str, mark: str, words: set[str] | frozenset[str], vocabulary: frozenset[str]) -> str:
    """The made-up spaces ``mark`` of ``text`` read as spaces or as nothing (:func:`_soft_run`); none before a
    hyphen ("self -harm" is "self-harm")."""
    tight = mark == TIGHT_SPACE
    text = SOFT_RUNS[mark].sub(lambda m: _soft_run(m.group().split(mark), words, vocabulary, tight), text)
    return text.replace(mark + "-", "-").replace(mark, " ")


def _soft_run(pieces: Sequence[str], words: set[str] | frozenset[str], vocabulary: frozenset[str], tight: bool) -> str:
    """Letters the reader split at made-up spaces: the pieces joined where they make a word that one of them is not
    ("f rom" -> "from", "Fif ty" -> "Fifty", "s ys tematic" -> "systematic"), or, ``tight``, any word ("of ten" ->
    "often"); else a space. Whether a piece is a word is asked of the ``vocabulary`` alone, as the document's own
    words hold its broken pieces; without a vocabulary every made-up space stays a space."""

    def joins(parts: Sequence[str]) -> bool:
        whole = "".join(parts).lower()
        pieces_are_words = all(part.lower() in vocabulary or part.lower() in ONE_LETTER_WORDS for part in parts)
        return (
            bool(vocabulary) and whole in words and (tight or not pieces_are_words) and not CAMEL.search("".join(parts))
        )

    if joins(pieces):
        return "".join(pieces)
    out = [pieces[0]]
    for piece in pieces[1:]:
        if joins((out[-1], piece)):
            out[-1] += piece
        else:
            out.append(piece)
    return " ".join(out)


def _starts_with_word(text: str, words: set[str] | frozenset[str]) -> bool:
    """True when ``text`` is a word or a word plus an ending ("standardised" from "standard")."""
    return any(text[:end] in words for end in range(len(text), 3, -1))


def _repair_line(line: RawLine, words: set[str], vocabulary: frozenset[str]) -> RawLine:
    text = repair_text(line.text, words, vocabulary)
    return line if text == line.text else replace(line, text=text)


def _signature(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _drop_running_lines(pages: list[list[RawLine]], edge: int = 3) -> list[list[RawLine]]:
    """Remove running headers/footers (the same line, digits aside, near the top or bottom of many pages and seldom
    anywhere else: not a lead-in such as "High level areas for focus:" that opens a list on many pages, near their
    top or not), bare page numbers at the top or bottom of a page, and "Page N" labels anywhere on it."""
    seen: Counter[str] = Counter()
    inside: Counter[str] = Counter()  # pages where the line stands away from the top and bottom
    for lines in pages:
        at_edges = {_signature(line.text) for line in lines[:edge] + lines[-edge:] if not line.heading}
        seen.update(at_edges)
        inside.update({_signature(line.text) for line in lines[edge:-edge]} - at_edges)
    threshold = max(3, 0.3 * len(pages))
    running = {
        sig
        for sig, count in seen.items()
        if count >= threshold
        and len(pages) >= 4
        # a line of words that stands inside as many pages as half those it tops or ends is the text's own
        # (a page number "Page #" or a chart's axis "90" is not, wherever it stands)
        and not (inside[sig] >= count / 2 and WORD_OF_THREE.search(sig.replace("page", "")))
    }
    out = []
    for lines in pages:
        n = len(lines)
        keep = []
        for i, line in enumerate(lines):
            at_edge = i < edge or i >= n - edge
            if at_edge and not line.heading and _signature(line.text) in running:
                continue
            if ((i < 2 or i >= n - 2) and PAGE_NUMBER.match(line.text)) or PAGE_LABEL.match(line.text):
                continue
            keep.append(line)
        out.append(keep)
    return out


def _body_size(lines: Sequence[RawLine]) -> float:
    sizes: Counter[float] = Counter()
    for line in lines:
        if line.size:
            sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _heading_shape(text: str) -> bool:
    words = text.split()
    if not 1 <= len(words) <= 14 or len(text) > 110 or BULLET_GLYPHS.match(text):
        return False
    if text[-1] in ".,;" or not (text[0].isupper() or text[0].isdigit()):
        return False
    letters = sum(map(str.isalpha, text))
    visible = len(text) - sum(map(str.isspace, text))
    if letters < 3 or letters < 0.6 * visible:
        return False
    if re.search(r"[a-z)]\. [A-Z]", text):  # a sentence ends inside: body text, however bold
        return False
    return not text.lower().startswith(("source", "figure", "table", "chart", "note", "©"))


def _font_class(line: RawLine, body: float) -> float | None:
    """The line's heading size when its font marks it as a heading, else None."""
    if not line.size or not body:
        return None
    size = min(line.size, line.last_size or line.size)
    if size >= body * 1.15:
        return round(size * 2) / 2
    if line.weight >= 600 and (line.last_weight or line.weight) >= 600 and size >= body * 0.95:
        # Bold at body size is the weakest signal (bold sentences and lead-ins are common): ask for a title.
        words = line.text.split()
        if len(words) <= 10 and words[-1].lower() not in RUN_ON_WORDS and ", " not in line.text:
            return body
    return None


@dataclass(frozen=True)
class _Levels:
    body: float
    sizes: tuple[float, ...]  # heading font sizes, largest first

    @property
    def bold_level(self) -> int:
        """The level of a heading in bold at body size."""
        return min(6, self.sizes.index(self.body) + 1) if self.body in self.sizes else 6

    def level(self, line: RawLine) -> int:
        """0 for body text, else a heading level 1-6."""
        text = line.text
        if line.heading:
            return line.heading
        if not _heading_shape(text):
            return 0
        size = _font_class(line, self.body)
        if size is not None:
            return min(6, self.sizes.index(size) + 1) if size in self.sizes else 6
        if HEADING_WORDS.match(text) or re.match(r"^recommendation\s+\d{1,2}\b", text, re.I):
            return min(6, len(self.sizes) + 1) if self.sizes else 2
        if not self.body:  # no font information at all: fall back on numbering
            numbered = NUMBERED_HEADING.match(text)
            if numbered and len(text.split()) <= 12:
                return min(6, numbered.group(1).count(".") + 1)
        return 0


def _heading_levels(lines: Sequence[RawLine]) -> _Levels:
    body = _body_size(lines)
    sizes = {_font_class(line, body) for line in lines if _heading_shape(line.text)}
    return _Levels(body, tuple(sorted((s for s in sizes if s is not None), reverse=True)))


def _blocks(lines: Sequence[RawLine], levels: _Levels, words: set[str]) -> Iterable[Block]:
    paragraph: list[str] = []
    held: list[RawLine] = []  # the paragraph's lines as read, for where they end
    heading: list[str] = []
    heading_level = 0

    def flush_paragraph() -> Iterable[Block]:
        text = LEADER.sub(" … ", " ".join(paragraph)).strip()
        if text.strip("… "):
            yield Block(text)
        paragraph.clear()
        held.clear()

    def flush_heading() -> Iterable[Block]:
        if heading:
            yield Block(" ".join(heading), heading_level)
            heading.clear()

    for i, line in enumerate(lines):
        level = levels.level(line)
        following = lines[i + 1].text if i + 1 < len(lines) else ""
        if level and not line.heading and following[:1].islower():
            level = 0  # a bold lead-in running on into the next line is body text, not a heading
        if not level and _bold_label(lines, i, levels.body):
            level = levels.bold_level
        if level:
            yield from flush_paragraph()
            # A heading wrapped over two lines arrives as two lines of the same level: keep it whole.
            if heading and (level != heading_level or len(heading) >= 3):
                yield from flush_heading()
            heading.append(line.text)
            heading_level = level
            continue
        yield from flush_heading()
        if paragraph and (BULLET.match(line.text) or _weight_break(lines[i - 1], line) or _ended_short(held, line)):
            yield from flush_paragraph()
        if paragraph and paragraph[-1].endswith("-") and line.text[:1].islower():
            paragraph[-1] = _join_hyphenated(paragraph[-1], line.text, words)
        else:
            paragraph.append(line.text)
        held.append(line)
    yield from flush_paragraph()
    yield from flush_heading()


def _bold(line: RawLine) -> bool:
    return line.weight >= 600 and (line.last_weight or line.weight) >= 600


def _bold_label(lines: Sequence[RawLine], i: int, body: float) -> bool:
    """A wholly bold line at body size between paragraphs, shaped as a heading and giving no figures, that the font
    rules pass over for its comma or last word ("Area 2: Preventing mental ill-health, supporting people earlier"):
    a heading. Not one inside a sentence, a list or a table, nor a bold statement of a figure (that stays quotable)."""
    line = lines[i]
    if not (_bold(line) and line.size and body and line.size >= 0.95 * body and _heading_shape(line.text)):
        return False
    if re.search(r"\d", LABEL_NUMBER.sub("", line.text)):
        return False
    if i + 1 == len(lines) or not _weight_break(line, lines[i + 1]):
        return False
    return i == 0 or _weight_break(lines[i - 1], line)


def _wordy(text: str) -> bool:
    """Mostly letters: a line of prose or a label, not a table row of figures."""
    visible = len(text) - sum(map(str.isspace, text))
    return sum(map(str.isalpha, text)) >= 0.6 * visible


def _weight_break(previous: RawLine, line: RawLine) -> bool:
    """A wholly bold line and a plain one meet where one paragraph ends and another starts: a bold label after a
    finished sentence ("... across the county." then "Area 2: Preventing ill-health"), or a plain line after a
    bold label that does not run on ("Area 2: Preventing ill-health" then "High level areas for focus:")."""
    if _bold(previous) == _bold(line) or not (line.text[:1].isupper() or line.text[:1].isdigit()):
        return False
    if not (_wordy(previous.text) and _wordy(line.text)):  # a table's rows and their bold labels: one table
        return False
    if _bold(line):
        return previous.text.rstrip()[-1:] in ".!?:;"
    last = previous.text.split()[-1]
    return last[-1:] not in ",-–" and last.lower() not in RUN_ON_WORDS


def _ended_short(paragraph: Sequence[RawLine], line: RawLine) -> bool:
    """The paragraph's last line ended where it did by intent, not for want of room: the next line's first word
    would have fitted on it, with a font size to spare, within the column about it (the furthest right edge of the
    paragraph's last three lines and the next). So a paragraph or list item ends there, full stop or none: a list
    whose bullets are drawn, not written ("... every year since" / "2012/13, falling to 17.4%" then "23.0% of
    reception children in Worthing ..."). Only before a line of words (not a table's next row of figures) starting
    as a new one would (a capital or a figure), after a line that neither ends a sentence (that needs no break) nor
    runs on (a comma, a hyphen, "and"), and that ends two lines or more of its paragraph: a line standing alone (the
    first, or after a finished sentence) is a title over its text ("Dental and oral health" then "NHS West Sussex
    should review ..."), and a recommendation keeps it as its start. Only where the reader gave positions."""
    previous = paragraph[-1]
    if not (previous.right and line.right and line.first_word):
        return False
    ending = previous.text.rstrip()
    if not (line.text[:1].isupper() or line.text[:1].isdigit()) or ending[-1:] in ".!?:;,-–(/&":
        return False
    if ending.split()[-1].lower() in RUN_ON_WORDS or not _wordy(line.text):
        return False
    if len(paragraph) < 2 or paragraph[-2].text.rstrip()[-1:] in ".!?:;":
        return False  # a line standing alone
    column = max(other.right for other in (*paragraph[-3:], line))
    return previous.right + line.first_word + (previous.last_size or previous.size) <= column


def _join_hyphenated(previous: str, line: str, words: set[str]) -> str:
    """Rejoin a word broken across a line end: "commis-" + "sioning" -> "commissioning"."""
    head = re.search(r"([A-Za-z]+)-$", previous)
    tail = re.match(r"([A-Za-z]+)", line)
    if not head or not tail:
        return f"{previous}{line}"
    return previous[: head.start()] + _mend(head.group(1), tail.group(1), words) + line[tail.end() :]
