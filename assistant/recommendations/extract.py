"""Pages -> recommendation items: one item per recommendation, whole sentences, with its page and section.

What is an item, in the forms JSNA chapters use:
- a numbered or bulleted list item under a recommendations heading ("Recommendations", "Key recommendations",
  "Recommended actions", "Recommendation 4: Mental health", "1.9 Recommendations", "Areas for focus", "Opportunity
  areas", "Actions partners can take"), a short numbered label among them ("Area 5: Housing and accommodation")
  being the section of the items after it;
- a paragraph under such a heading that recommends something (it says "should", "must", "we recommend", or it
  starts with a verb: "Establish a multi-agency group ..."); an introduction ("The following recommendations
  are made ...") is not an item;
- a paragraph that opens "Recommendation 3: ..." wherever it stands, or a "Recommendation 3: ..." that the
  text extractor ran on into the paragraph before it;
- a row of a recommendations table, which reaches here as a paragraph under the table's heading (a table's title,
  "Recommendations - Peer support", is the section of its rows, not an item);
- a heading under recommendations that is itself one ("3.5 Develop housing options", "Remote support should be
  evaluated"), or a numbered sub-heading there that names one ("3.1 Earlier identification and planning for move
  into adulthood"), with what it heads: one item (a sub-heading over a list names none); a numbered instruction
  ("3. Expand home care services") is one even when what it heads only gives the reasons ("Why: most people want
  to die at home ..."), and the next number, a heading or a paragraph without a full stop ("5. Use the guidance and
  tailor services"), starts the next.
A list's lead-in ("Commissioners and providers should:", "... of practice. RECOMMENDATIONS:") is not an item: it
labels the items after it, and a short one that names recommendations opens them; a short label after some of
their items ("0-5 years:" after "High level areas for focus:", plain or set as a heading) keeps them open and is the
section of the rest. An item of one sentence ending with a colon ("... addressing challenges including:") holds the
points after it that are marked otherwise than it ("o Gaps to join up ..." after "• ..."). A
list whose items start in lower case ends the sentence before it ("... new opportunities for:" then "- data
collection on ..."): one item. Numbered
items run together ("... over time. 10. Consideration should ...") or without their space ("28.The ...") are each
an item, and a recommendations heading that the text layer gives after its page's items (a heading in the margin)
heads them. An item is whole sentences: a piece that starts mid-sentence starts at its first whole one.
Under a heading that mixes findings and recommendations ("Summary and recommendations", "Conclusions and
recommendations"), only the items that recommend are kept, not the findings beside them. An item cut by a page
break continues on the next page and is one item. Contents pages are not read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from assistant.chunk import RECOMMENDATION_HEADING as HEADING
from assistant.chunk import RECOMMENDATION_LEAD as LEAD
from assistant.chunk import embedding_text, heading
from assistant.model import Block, DocumentInfo, Page, Recommendation
from assistant.text import BULLET, LEADER_PAGE, MIN_REPEAT_SHINGLES, repeats, shingles, split_sentences

# A heading that also holds findings ("Summary and recommendations", "Key findings"; not a topic's own "and": "Area 3:
# Whole pathways and all people"): only the items that recommend are kept under it.
MIXED = re.compile(
    r"\b(?:summary|conclusions?|challenges|findings|gaps|continued)\b|\band\s+recommend|\brecommend\w*\s+and\b",
    re.IGNORECASE,
)
SECTION_NUMBER = r"^\s*\d{1,2}(?:\.\d{1,2}){%d,3}\.?\s+(?=[A-Z])"
NUMBER = re.compile(SECTION_NUMBER % 0)  # "5. Use ...", "3.5 Develop ...": numbered
NUMBERED = re.compile(SECTION_NUMBER % 1)  # "6.2.1 Establish ...": a list marker ("5." alone is BULLET's)
TIGHT_NUMBER = r"^\s*\d{1,2}\.(?=[A-Z][a-z])"  # "28.The Structured Day Service ...": a number without its space
MARKER = re.compile(BULLET.pattern + r"|" + NUMBERED.pattern + r"|" + TIGHT_NUMBER)
RECOMMENDS = re.compile(
    r"\b(?:should|must|ought to|needs? to|need(?:s|ed)? (?:for|to be)|is (?:needed|required)|are (?:needed|required)|"
    r"(?:we |it is |is |are )?recommend(?:s|ed)?\b|it is suggested|suggest(?:s|ed)? that|may wish to|"
    r"(?:we|partners|commissioners|services|the council) will\b|will need to|consider(?:ation)?\b|"
    r"it is (?:important|essential|vital) (?:that|to))",
    re.IGNORECASE,
)
# Verbs a recommendation starts with ("Establish ...", "Engaging with ...", "Better identification of ...").
VERBS = frozenset(
    """act address adopt advocate agree align allocate assess audit build carry champion clarify collect commission
    communicate complete conduct consider consult continue coordinate co-design create deliver design develop embed
    enable encourage engage enhance ensure establish evaluate expand explore extend facilitate focus follow foster fund
    gather help identify implement improve include increase introduce invest involve launch lead maintain make map
    maximise measure monitor offer pilot place plan prioritise produce promote protect provide publish pursue raise
    record reduce refresh reinforce review scope secure seek set share strengthen support sustain target train
    undertake update use utilise work better analyse analyze appoint capture collaborate commit educate examine
    incorporate inform integrate invite investigate listen obtain prevent recognise recruit redesign refer
    reinstate reintroduce respond restore retain revise signpost simplify standardise streamline tackle
    upskill""".split()
)
NOUN_LEADS = re.compile(
    r"^(?:(?:more|further|greater|better|effective|successful|improved|increased|continued|ongoing|regular|"
    r"clear|closer|stronger)\s+)?(?:development|investment|extension|identification|review|expansion|provision|"
    r"promotion|monitoring|support|engagement|work|consideration|use|improvement|commissioning|training)\b",
    re.IGNORECASE,
)
INTRODUCTION = re.compile(
    r"\b(?:following|these|the) recommendations\b|recommendations (?:are|were|have been) (?:made|set out|listed|"
    r"developed|grouped)|this (?:chapter|section|report) (?:sets out|contains|makes)|set out below",
    re.IGNORECASE,
)
CONTENTS = re.compile(r"(?:\.\s?){4,}|" + LEADER_PAGE + r"|\s\d{1,3}\s*$|^contents\b|\bp\.\s?\d{1,3}\b", re.IGNORECASE)
# Bullet glyphs inside a paragraph: symbol-font bullets (private-use code points that cleaning did not name) and
# "•" (or what cleaning read a Symbol or Wingdings bullet as) the extractor ran on into one line with the text
# before them. Each starts an item.
INLINE_BULLET = re.compile(r"\s*(?:[\uf000-\uf0ff]|(?<=\S)\s[•●▪■○❖➢✓])\s*")
# A numbered label the extractor ran on into the paragraph before it ("... mortgages. Recommendation 6: ...",
# "... published. Area 2: Preventing ill-health"): each starts a piece of its own.
INLINE_LABEL = re.compile(
    r"\s+(?=(?:Recommendation|Area|Theme|Priority)\s+\d{1,2}[a-z]?\s*:)"
    r"|(?<=[.!?])\s+(?=\d{1,2}\.\s?[A-Z][a-z])"  # "... over time. 10. Consideration should ...": a numbered item
)
# A short numbered label over the items that follow ("Area 5: Housing and accommodation"): their section.
LABEL = re.compile(r"^(?:Recommendation|Area|Theme|Priority)\s+\d{1,2}[a-z]?\s*:", re.IGNORECASE)
LEAD_IN = re.compile(r"(?::\s*-?|\b(?:should|must|will)\s*;)\s*$", re.IGNORECASE)  # "... should:", "should;"
LABEL_LEVEL = 99  # below every heading: the next heading or label closes it
LEAD_IN_WORDS = 6  # a lead-in this short that names recommendations opens a list of them
LEAD_LEVEL = 100  # a list's lead-in, below a label: it scopes the items after it but is never their section
SUBLIST_LEVEL = 101  # a short label over part of a list: the section of the items after it
LABEL_MAX_WORDS = 20  # a numbered label's title may be long ("Area 6: Complexity: multiple physical and ...")
LABEL_WORDS = 10  # a list item this short without a full stop is a label ("3. Recommendations for young people")
MIN_ITEM_CHARS = 20
TITLE_WORDS = 3  # a numbered sub-heading under recommendations this long is its item's title ("3.1 Background" is not)
ASKING_WORDS = frozenset("what why how where who when which".split())  # "5.2 What does this tell us?" names no item


def extract(info: DocumentInfo, pages: Sequence[Page]) -> list[Recommendation]:
    """The recommendation items of one document, in reading order."""
    items: list[Recommendation] = []
    read_by_ocr = {page.number for page in pages if page.ocr}
    for page, section, text, continues in _parts(pages):
        if continues and items:
            last = items[-1]
            items[-1] = _item(info, len(items) - 1, last.page_start, page, last.section, f"{last.text} {text}")
        else:
            items.append(_item(info, len(items), page, page, section, text))
    return [replace(item, ocr=bool(read_by_ocr & {item.page_start, item.page_end})) for item in items]


def views(item: Recommendation) -> tuple[str, str, str]:
    """What is embedded of an item, in the order of ``VIEWS``: the item in its document and section, the item's
    text alone, and its document and section alone. A topic may be in any of them: the whole document, the section
    of a document on something else ("Area 5: Housing and accommodation"), or one item among others."""
    return embedding_text(item.title, item.section, item.text), item.text, heading(item.title, item.section)


VIEWS = ("similarity", "alone", "section")  # a topic's cosine similarity to each of an item's views


def _item(info: DocumentInfo, ordinal: int, page: int, page_end: int, section: str, text: str) -> Recommendation:
    return Recommendation(
        id=hashlib.sha1(f"{info.sha256}:r{ordinal}:{text}".encode()).hexdigest()[:16],
        doc=info.path,
        title=info.title,
        kind=info.kind,
        year=info.year,
        publisher=info.publisher,
        page_start=page,
        page_end=page_end,
        section=section,
        text=text,
        paged=info.paged,
    )


def _parts(pages: Sequence[Page]) -> Iterator[tuple[int, str, str, bool]]:
    """(page, section, text, continues the previous item) for each item or item continued over a page break."""
    stack: list[tuple[int, str]] = []  # open headings: (level, text)
    last_open = False  # the previous item ran to the end of its page without ending its sentence
    last_item = False  # the block before this one was an item
    title = ""  # the open heading, when it is itself a recommendation ("3.5 Develop housing options")
    title_first = False  # no item under that heading yet
    title_at = (0, "")  # that heading's page and section
    numbered = False  # that heading is a numbered instruction ("3. Expand home care services"): an item in itself
    sub_of = ""  # the marker kind of the item before, when it opens points of its own: other markers are its points
    for page in pages:
        if _contents_page(page):
            continue
        first = True
        colon = ""  # the piece before, when it ends with a colon: a list may end its sentence
        for block, text in _heading_first(list(_pieces(page))):
            level = block.heading or (LABEL_LEVEL if _label(text) else 0)
            sibling = bool(title and numbered and not level and NUMBER.match(text))  # "5. Use ..." after "4. ..."
            if (level or sibling) and title and title_first and numbered:
                yield title_at[0], title_at[1], title, False  # nothing under it recommends: it is the item
            if sibling:
                title = _instruction(text)  # the next numbered instruction, unless it is a sentence of its own
                title_first, title_at, numbered = True, (page.number, _section(stack)), bool(title)
                if title:
                    continue
            opener = _list_opener(stack) if level and block.heading and last_item and text.endswith(":") else None
            if opener and _sublist_label(text):
                # a bold label over part of the list its lead-in opened ("65+ years including dementia:" after
                # "High level areas for focus:" and its items): the section of the items after it, as a plain one
                _open_label(stack, text, opener)
                last_open = last_item = False
                colon = ""
                continue
            if level:
                opened = any(_opens(*entry) for entry in stack if entry[0] < level)
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, text))
                last_open = last_item = False
                title = _title(text) if block.heading and opened else ""
                title_first, title_at, colon = True, (page.number, _section(stack)), ""
                numbered = bool(title) and bool(NUMBER.match(text)) and _first_word(title) in VERBS
                continue
            if first and last_open and not MARKER.match(text) and (text[:1].islower() or not text[:1].isalpha()):
                yield page.number, "", text, True
                last_open, last_item = not _ends(text), True
                first = False
                continue
            first = False
            kind, opened_by = _marker_kind(text), sub_of
            sub_of = ""
            before, colon = colon, text if text.endswith(":") and not MARKER.match(text) else ""
            lead_in = _lead_in(text)
            if lead_in:  # the paragraph before its lead-in is read as any other, then the lead-in labels the list
                text = text[: -len(lead_in)].strip()
            item = _as_item(text, stack) if text else None
            if item is None and title and numbered and text:  # what a numbered instruction heads says why or how
                item = MARKER.sub("", text, count=1).strip() or None
            if lead_in:
                _open_label(stack, lead_in, _list_opener(stack))
            if item is None:
                last_open = last_item = False
                continue
            # A list item starting in lower case carries on the one before ("... by:" then "- ensuring ..."), and so
            # do the points of an item that ends with a colon, marked otherwise than it ("• ... including:" then
            # "o Gaps to join up ...").
            carries_on = last_item and (item[:1].islower() or bool(opened_by and kind and kind != opened_by))
            if item[:1].islower() and not carries_on:  # the end of a sentence that is not an item: whole sentences
                # "... new opportunities for:" then "- data collection on ...": the sentence the list ends
                item = f"{split_sentences(before)[-1]} {item}" if before else _from_whole_sentence(item)
                if not item:
                    last_open = last_item = False
                    continue
            section = _section(stack)
            if title and kind and not _recommends(title):  # a numbered sub-heading's name over a list, not an item
                title = ""
            if title:  # the heading is the recommendation; what it heads says how: one item
                item, carries_on = (f"{title} {item}", False) if title_first else (item, True)
                title_first = False
            yield page.number, section, item, carries_on
            last_open, last_item = not _ends(item), True
            sub_of = opened_by if carries_on and opened_by else (kind if _opens_points(item) else "")
    if title and title_first and numbered:
        yield title_at[0], title_at[1], title, False


def _pieces(page: Page) -> Iterator[tuple[Block, str]]:
    """The page's blocks, a paragraph cut before each numbered label run into it and, with bullets inside it,
    into its lead-in and one piece per bullet."""
    for block in page.blocks:
        if block.heading:
            yield block, block.text.strip()
            continue
        for text in INLINE_LABEL.split(block.text.strip()):
            if not INLINE_BULLET.search(text):
                yield block, text
                continue
            lead, *items = INLINE_BULLET.split(text)
            if lead.strip():
                yield block, lead.strip()
            for item in items:
                if item.strip():
                    yield block, f"• {item.strip()}"


def _as_item(text: str, stack: Sequence[tuple[int, str]]) -> str | None:
    """The block's text as a recommendation item (without its bullet glyph or number), or None when it is not one;
    ``stack``: the open headings and labels, (level, text)."""
    if LEAD.match(text):
        return text if len(text) >= MIN_ITEM_CHARS else None
    under = [h for level, h in stack if _opens(level, h)]
    if not under:
        return None
    marked = MARKER.match(text)
    body = text[marked.end() :].strip() if marked else text
    if len(body) < MIN_ITEM_CHARS or CONTENTS.search(body[-12:] if marked else body[:40]):
        return None
    sentences = split_sentences(body)
    if INTRODUCTION.search(sentences[0]) or (len(sentences) == 1 and body.endswith("?")):  # a question alone
        return None
    recommends = _recommends(body)
    inner = next((h for level, h in reversed(stack) if level < LABEL_LEVEL), under[-1])  # a label names a topic
    if marked and not MIXED.search(under[-1]) and not MIXED.search(inner):
        words = body.split()
        if len(words) <= LABEL_WORDS and not _ends(body) and not recommends and not body[:1].islower():
            return None  # a label over the items that follow
        return body
    return body if recommends else None


def _lead_in(text: str) -> str:
    """The words a list's items follow when a piece ends with them ("Commissioners and providers should:", "Local
    partners should:-", "... of practice. RECOMMENDATIONS:"): a label over those items, not an item; "" when there
    are none. A lead-in that is itself a recommendation ("Improve access to services by:") is not one: its list
    carries it on."""
    if MARKER.match(text) or not LEAD_IN.search(text):
        return ""
    last = split_sentences(text)[-1]
    if len(last.split()) > LABEL_MAX_WORDS or _first_word(last) in VERBS or NOUN_LEADS.match(last):
        return ""
    return last


def _heading_first(pieces: list[tuple[Block, str]]) -> list[tuple[Block, str]]:
    """The page's pieces, a recommendations heading read last (a heading in the margin, which the text layer gives
    after the page's body) moved first when the page's items recommend: it heads them."""
    if len(pieces) < 3 or not pieces[-1][0].heading or not HEADING.search(pieces[-1][1]):
        return pieces
    items = [text for block, text in pieces[:-1] if not block.heading and MARKER.match(text)]
    if sum(_recommends(MARKER.sub("", text, count=1)) for text in items) < 2:
        return pieces
    return [pieces[-1], *pieces[:-1]]


def _title(heading: str) -> str:
    """A heading under recommendations that is itself one ("3.5 Develop housing options and support", "Remote support
    should be evaluated"), without its number; "" for any other heading."""
    text = re.sub(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+", "", heading).strip()
    if HEADING.search(text) or len(text.split()) > LABEL_MAX_WORDS or not text[:1].isupper():
        return ""
    if NUMBERED.match(heading) and len(text.split()) >= TITLE_WORDS and _first_word(text) not in ASKING_WORDS:
        return text  # "3.1 Earlier identification and planning for move into adulthood", over its paragraph
    return text if _recommends(text) else ""


def _section(stack: Sequence[tuple[int, str]]) -> str:
    """The section of an item under the open headings and labels: the innermost, but not a lead-in that does not
    open recommendations."""
    return next((h for level, h in reversed(stack) if level != LEAD_LEVEL or _opens(level, h)), "")


def _instruction(text: str) -> str:
    """A numbered paragraph that reads as a heading over its explanation ("5. Use the guidance and tailor services
    to local needs", no full stop, starting with a verb), without its number; "" for any other."""
    body = NUMBER.sub("", text, count=1).strip()
    if _ends(body) or len(body.split()) > LABEL_MAX_WORDS or _first_word(body) not in VERBS:
        return ""
    return body


def _from_whole_sentence(text: str) -> str:
    """A piece that starts mid-sentence (a paragraph carried over a page break, a list whose lead-in was not an item)
    from its first whole sentence on, when what follows recommends; else ""."""
    sentences = split_sentences(text)
    start = next((n for n, sentence in enumerate(sentences) if sentence[:1].isupper()), len(sentences))
    rest = " ".join(sentences[start:])
    return rest if rest and _recommends(rest) else ""


def _opens_points(item: str) -> bool:
    """An item of one sentence ending with a colon ("Development of a strategic plan ..., addressing challenges
    including:") opens points of its own; a longer one ending so ("... They are as follows:") ends in a lead-in to
    the list after it, which is no part of it."""
    return item.endswith(":") and len(split_sentences(item)) == 1


def _marker_kind(text: str) -> str:
    """The kind of a list item's marker: its glyph, "1." for any number so marked, "a)" for any letter so marked;
    "" for none."""
    marked = MARKER.match(text)
    if not marked:
        return ""
    return re.sub(r"[A-Za-z]{1,3}(?=[.)])", "a", re.sub(r"\d+(?:\.\d+)*", "1", marked.group().strip()))


def _list_opener(stack: Sequence[tuple[int, str]]) -> tuple[int, str] | None:
    """The open lead-in that names recommendations ("High level areas for focus:"), if any."""
    return next((entry for entry in stack if entry[0] == LEAD_LEVEL and _opens(*entry)), None)


def _open_label(stack: list[tuple[int, str]], label: str, opener: tuple[int, str] | None) -> None:
    """Close the lead-in open on ``stack`` and open ``label`` in its place: under ``opener`` (a lead-in that names
    recommendations, "High level areas for focus:"), a short label ("0-5 years:") is the section of the rest of its
    list, still under the opener; any other is a lead-in of its own."""
    while stack and stack[-1][0] >= LEAD_LEVEL:
        stack.pop()
    if opener and _sublist_label(label):
        stack += [opener, (SUBLIST_LEVEL, label)]
    else:
        stack.append((LEAD_LEVEL, label))


def _sublist_label(text: str) -> bool:
    """A short label that does not name recommendations ("0-5 years:"): under a lead-in that does, a label over part
    of its list, not a section that ends it."""
    return len(text.split()) <= LEAD_IN_WORDS and not HEADING.search(text)


def _opens(level: int, heading: str) -> bool:
    """A heading, label or short lead-in that names recommendations ("Recommendations", "Areas for focus", "The five
    key recommendations are:") opens a list of them. A long lead-in that names them may be about others' ("The Chief
    Medical Officers' recommendations for adults are:")."""
    return bool(HEADING.search(heading)) and (level != LEAD_LEVEL or len(heading.split()) <= LEAD_IN_WORDS)


def _first_word(text: str) -> str:
    first = re.match(r"[A-Za-z-]+", text)
    return first.group(0).lower() if first else ""


def _recommends(text: str) -> bool:
    word = _first_word(text)
    if word in VERBS or (word.endswith("ing") and {word[:-3], word[:-3] + "e", word[:-4]} & VERBS):
        return True
    return bool(NOUN_LEADS.match(text) or RECOMMENDS.search(text))


def _label(text: str) -> bool:
    """A short label that is not a sentence: "Area 5: Housing and accommodation", "Recommendation 1: Data
    collection", a table's title "Recommendations - Peer support"; not "Recommendation 2: Improve access for carers",
    an item."""
    label = LABEL.match(text) or LEAD.match(text)
    if not label or len(text.split()) > LABEL_MAX_WORDS or _ends(text):
        return False
    return not (LEAD.match(text) and _recommends(text[label.end() :].strip()))


def _ends(text: str) -> bool:
    return text.rstrip()[-1:] in '.!?:;)”’"' if text.strip() else True


def _contents_page(page: Page) -> bool:
    """A table of contents: many lines ending in page numbers or dot leaders."""
    lines = [block.text for block in page.blocks]
    if any(re.match(r"^(?:table of )?contents\b", line, re.IGNORECASE) for line in lines[:3]):
        return True
    leaders = sum(bool(re.search(LEADER_PAGE + r"|\s\d{1,3}$", line)) for line in lines)
    return len(lines) >= 4 and leaders >= 0.5 * len(lines)


def group_repeats(items: Sequence[Recommendation]) -> list[Recommendation]:
    """Items that restate an earlier one (an executive summary repeating the body, a second version of a
    chapter) folded into the first, which lists them in ``also_in``. Order is kept."""
    grams = [shingles(item.text) for item in items]
    postings: dict[tuple[str, ...], list[int]] = {}
    lead_of: list[int] = []
    members: dict[int, list[int]] = {}
    for i, item_grams in enumerate(grams):
        candidates: dict[int, int] = {}
        for gram in item_grams:
            for j in postings.get(gram, ()):
                candidates[j] = candidates.get(j, 0) + 1
        lead = next(
            (j for j, _ in sorted(candidates.items(), key=lambda kv: -kv[1]) if repeats(grams[j], item_grams)), None
        )
        if lead is not None and len(item_grams) >= MIN_REPEAT_SHINGLES:
            lead = lead_of[lead]
            lead_of.append(lead)
            members.setdefault(lead, []).append(i)
            continue
        lead_of.append(i)
        for gram in item_grams:
            postings.setdefault(gram, []).append(i)
    out = []
    for i, item in enumerate(items):
        if lead_of[i] == i:
            others = tuple(items[j] for j in members.get(i, ()))
            out.append(item if not others else item.with_places(others))
    return out
