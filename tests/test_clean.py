"""Cleaning extracted lines: character repair, glyph holes, hyphenation across line ends."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.clean import SOFT_SPACE, TIGHT_SPACE, UNMAPPED_BASE, RawLine, clean_pages, repair_text

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


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("died f_rom taking", "died from taking"),  # "f" is no word: one word split at the wide letter
        ("Fif_ty four per cent, dif_ferent", "Fifty four per cent, different"),
        ("s_ys_tematic review", "systematic review"),  # three pieces, none a word, that make one
        ("the end of_the year", "the end of the year"),  # two words that make none
        ("one of_ten people", "one of ten people"),  # each piece a word: a space, though "often" is one too
        ("a Lond_on map", "a Lond on map"),  # the pieces make no word the dictionary or the document knows
        ("by self_-poisoning, of_f_-label", "by self-poisoning, off-label"),  # none before a hyphen
        ("The C_hildren’s Society, E_ngland", "The Children’s Society, England"),  # a capital set apart
        ("people’s_age, under 18s_in care", "people’s age, under 18s in care"),  # "s" after an apostrophe, a figure
        ("a_C-card", "a C-card"),  # no word is spelled with a lower-case letter then a capital
    ],
)
def test_a_made_up_space_between_close_letters_joins_a_word_the_pieces_are_not(raw: str, clean: str) -> None:
    vocabulary = frozenset(
        "from fifty four per cent different systematic review the end of year one ten often people map on by self "
        "off children society england age sage in sin under care ac card".split()
    )
    assert repair_text(raw.replace("_", SOFT_SPACE), vocabulary | {"dif", "ferent"}, vocabulary) == clean


def test_symbol_and_wingdings_bullets_are_bullets_and_start_list_items() -> None:
    assert repair_text("Any Agency \uf0fc \uf0fc Self Referral") == "Any Agency ✓ ✓ Self Referral"
    pages = clean_pages(
        [
            [
                RawLine("Key sources included:"),
                RawLine("\uf0b7 Academic library holdings"),
                RawLine("\uf0a7 Policy and guidance documents"),
                RawLine("\uf0d8 Local data sets"),
            ]
        ]
    )
    assert [block.text for block in pages[0].blocks] == [
        "Key sources included:",
        "• Academic library holdings",
        "▪ Policy and guidance documents",
        "➢ Local data sets",
    ]


def test_letters_standing_very_close_make_any_word_they_can() -> None:
    vocabulary = frozenset({"of", "ten", "often", "after", "af", "ter", "out", "were", "not"})
    text = f"were of{TIGHT_SPACE}ten not, af{TIGHT_SPACE}ter, out of{SOFT_SPACE}ten, out{TIGHT_SPACE}of"
    assert repair_text(text, vocabulary, vocabulary) == "were often not, after, out of ten, out of"


@given(
    st.lists(st.sampled_from(["f", "rom", "of", "ten", "dif", "ferent", "B", "and", "-", ".", "x"]), max_size=12),
    st.data(),
)
def test_made_up_spaces_never_lose_or_move_a_letter(pieces: list[str], data: st.DataObject) -> None:
    """Whatever the dictionary decides, a made-up space becomes a space or nothing: the text keeps every other
    character, in order (a citation's words stay on its page)."""
    marks = [data.draw(st.sampled_from([" ", SOFT_SPACE, TIGHT_SPACE])) for _ in pieces]
    text = "".join(piece + mark for piece, mark in zip(pieces, marks, strict=True))
    vocabulary = frozenset({"from", "of", "ten", "often", "different", "and", "band"})
    repaired = repair_text(text, vocabulary, vocabulary)
    assert SOFT_SPACE not in repaired and TIGHT_SPACE not in repaired
    assert repaired.replace(" ", "") == "".join(pieces)


def _unmapped(code: str) -> str:
    """A character the reader could not map, as parsing marks it (:func:`assistant.parse._mark_unmapped`)."""
    return chr(UNMAPPED_BASE + ord(code))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a set of smaller {q}bite-sized{p} products", "a set of smaller \u2018bite-sized\u2019 products"),
        ("A summary of {q}voice{p}. This", "A summary of \u2018voice\u2019. This"),
        ("three groups: {q}suffering\u2019 (0 to 4)", "three groups: \u2018suffering\u2019 (0 to 4)"),
        ("the {q}causes of the causes\u201d.", "the \u201ccauses of the causes\u201d."),
        ("\u201cGenerational{p} behaviours", "\u201cGenerational\u201d behaviours"),
        ("local ser{v}ices including", "local services including"),  # the one letter that makes a word
        ("areas that are {w}ell located", "areas that are {w}ell located"),  # bell, cell, well: left as it came
        ("Source:{sp}{sp}Chartered", "Source: Chartered"),  # glyph 3 is a TrueType font's space
        ("the people{q}s views", "the people\u2019s views"),
        ("an {x} alone", "an {x} alone"),
        ("Greetin{g}{s} from", "Greetings from"),  # a run: the one set of letters that makes a word (or a plural)
        ("fro{m}, by the sea", "fro{m}, by the sea"),  # from, frog: left as it came
    ],
)
def test_a_character_the_reader_could_not_map_is_read_by_its_place(raw: str, clean: str) -> None:
    words = frozenset(
        "a set of smaller bite sized products summary voice this three groups suffering the causes behaviours local "
        "services including areas that are bell cell well located source chartered people views an alone greeting "
        "from frog by sea".split()
    )
    codes = {"q": "\u014e", "p": "\u014f", "v": "\u0161", "w": "\u0162", "sp": "\x03", "x": "\u0372", "g": "\u0170"}
    codes |= {"s": "\u01b9", "m": "\u0194"}
    marks = {name: _unmapped(code) for name, code in codes.items()}
    assert repair_text(raw.format(**marks), words, words) == clean.format(w="\u0162", x="\u0372", m="\u0194")


@given(
    st.lists(st.sampled_from(["voice", "ser", "ices", "ell", "s", " ", ".", "\u2019", "\u014e", "\x03"]), max_size=10)
)
def test_an_unmapped_character_is_always_read_and_nothing_else_is_lost(pieces: list[str]) -> None:
    """Whatever its place, each character the reader could not map becomes something readable or itself, never the
    private mark parsing gave it, and every other character stays, in order."""
    marked = "".join(_unmapped(p) if p in ("\u014e", "\x03") else p for p in pieces)
    words = frozenset({"voice", "services", "well", "bell"})
    repaired = repair_text(marked, words, words)
    assert not any(ord(ch) >= UNMAPPED_BASE for ch in repaired)
    kept = iter(repaired)
    others = "".join(p for p in pieces if p not in ("\u014e", "\x03"))
    assert all(ch in kept for ch in " ".join(others.split()).replace(" ", ""))  # a subsequence, spaces aside


def test_without_a_vocabulary_a_made_up_space_stays_a_space() -> None:
    assert repair_text(f"f{SOFT_SPACE}rom", {"from"}) == "f rom"


def test_running_headers_repeated_on_many_pages_are_dropped() -> None:
    topics = ["Smoking fell", "Falls rose", "Obesity held", "Drug deaths rose", "Carers grew"]
    body = [[RawLine(f"{topic} in {place}.") for place in ("Adur", "Arun", "Crawley", "Horsham")] for topic in topics]
    pages = [[RawLine("Test Council JSNA"), *lines, RawLine(str(n))] for n, lines in enumerate(body, 1)]
    cleaned = clean_pages(pages)
    assert [page.text for page in cleaned] == [" ".join(line.text for line in lines) for lines in body]


def _lines(*rows: tuple[str, int]) -> list[RawLine]:
    return [RawLine(text, size=12.0, weight=weight, last_size=12.0, last_weight=weight) for text, weight in rows]


def test_a_page_label_inside_a_page_is_dropped_and_a_sentence_naming_a_page_kept() -> None:
    lines = [
        RawLine(text) for text in ("Case study", "Falls fell by a third.", "Page 13", "See page 13 for more.", "x")
    ]
    (page,) = clean_pages([lines])
    text = " ".join(block.text for block in page.blocks)
    assert "Page 13" not in text and "See page 13 for more." in text


def test_a_contents_page_s_dot_leaders_are_one_ellipsis_and_its_lines_stay_body_text() -> None:
    """Leaders were half the text of one chunk in ten over a council's library; a paragraph of dots alone goes."""
    lines = [
        RawLine(text)
        for text in (
            "Contents",
            "1. Introduction ............................................ 3",
            "2. Falls and fractures . . . . . . . . . . . . . . . . . . . 7",
            "Falls rose... and then fell.",
        )
    ]
    (page,) = clean_pages([lines])
    blocks = [(b.text, b.heading) for b in page.blocks]
    assert blocks[0] == ("Contents", 2) and not any(level for _, level in blocks[1:])
    assert " ".join(text for text, _ in blocks[1:]) == (
        "1. Introduction … 3 2. Falls and fractures … 7 Falls rose... and then fell."
    )
    assert clean_pages([[RawLine("……………………………………")]])[0].blocks == ()


def test_a_bold_label_between_plain_paragraphs_is_a_heading_of_its_own() -> None:
    """The 2024 mental health needs assessment's "Area 2: Preventing mental ill-health, supporting people earlier"
    is bold at body size with a comma (which a bold sentence would have); standing between paragraphs, it heads the
    text after it, and neither the sentence before it nor the lead-in after it runs into it."""
    page = _lines(
        ("Review consistency of offer to ensure equitable service delivery across the county.", 400),
        ("Area 2: Preventing mental ill-health, supporting people earlier", 700),
        ("High level areas for focus:", 400),
        ("Increase focus on preventative and early intervention initiatives across the system.", 400),
    )
    blocks = clean_pages([page])[0].blocks
    assert [block.heading > 0 for block in blocks] == [False, True, False]
    assert [block.text for block in blocks] == [
        "Review consistency of offer to ensure equitable service delivery across the county.",
        "Area 2: Preventing mental ill-health, supporting people earlier",
        "High level areas for focus: Increase focus on preventative and early intervention initiatives across the "
        "system.",
    ]


def test_a_bold_statement_of_a_figure_between_paragraphs_stays_quotable_text() -> None:
    page = _lines(
        ("Smoking is the leading cause of preventable death in the county.", 400),
        ("One in five adults in Adur smokes, 21 per cent", 700),
        ("The rate has fallen since the last assessment.", 400),
    )
    blocks = clean_pages([page])[0].blocks
    assert not any(block.heading for block in blocks)
    assert "One in five adults in Adur smokes, 21 per cent" in [block.text for block in blocks]


@pytest.mark.parametrize(
    "rows",
    [
        # a bold phrase running on into plain text: one sentence
        (("Smoking prevalence among adults in routine and manual occupations is", 700), ("Higher in Adur.", 400)),
        # a plain sentence not yet ended before a bold line
        (("Smoking prevalence among adults in routine and", 400), ("Manual occupations is higher.", 700)),
        # a table's bold row label and its figures
        (("England 57.0% 58.3% 59.2% 61.1%", 400), ("35-54", 700), ("West Sussex 70.5% 69.5% 71.8% 73.3%", 400)),
    ],
)
def test_a_change_of_weight_inside_a_sentence_or_a_table_does_not_break_it(rows: tuple[tuple[str, int], ...]) -> None:
    page = _lines(*rows)
    assert len(clean_pages([page])[0].blocks) == 1


def _placed(*rows: tuple[str, float]) -> list[RawLine]:
    """Lines at 10 pt from x = 50 to the given right edge, each first word 40 pt wide."""
    return [RawLine(text, size=10.0, last_size=10.0, left=50.0, right=right, first_word=40.0) for text, right in rows]


def test_a_line_ending_short_though_the_next_word_would_fit_ends_its_paragraph() -> None:
    """As on the 2017/18 NCMP briefing's page 2, whose list items have drawn bullets and no full stops."""
    page = _placed(
        ("Prevalence of overweight and obesity in Chichester has decreased every year since", 500.0),
        ("2012/13, falling to 17.4%", 200.0),  # room for "23.0%" (40 pt) and more
        ("23.0% of reception children in Worthing were overweight or obese in 2017/18.", 480.0),
    )
    assert [block.text for block in clean_pages([page])[0].blocks] == [
        "Prevalence of overweight and obesity in Chichester has decreased every year since 2012/13, falling to 17.4%",
        "23.0% of reception children in Worthing were overweight or obese in 2017/18.",
    ]


@pytest.mark.parametrize(
    ("second", "right", "following"),
    [
        ("the rate of admissions for falls in people of", 200.0, "Working age in the county."),  # "of" runs on
        ("the rate of admissions for falls,", 200.0, "In the county."),  # a comma runs on
        ("the rate of admissions for falls in", 200.0, "the county as a whole."),  # the next starts in lower case
        ("the rate of admissions for falls", 200.0, "2017 2018 2019 2020"),  # a table's row of figures follows
        ("the rate of admissions for falls in people over 65 across the whole", 470.0, "County and its districts."),
    ],
)
def test_a_line_that_runs_on_or_was_full_does_not_end_its_paragraph(second: str, right: float, following: str) -> None:
    page = _placed(
        ("Falls are the commonest cause of injury in older people, and", 500.0), (second, right), (following, 480.0)
    )
    assert len(clean_pages([page])[0].blocks) == 1  # the last: 470 + 40 + 10 > 500, the word would not have fitted


def test_a_title_line_over_its_text_and_lines_without_positions_stay_with_their_paragraph() -> None:
    title = _placed(("Dental and oral health", 160.0), ("NHS West Sussex should review dental commissioning.", 480.0))
    assert len(clean_pages([title])[0].blocks) == 1  # a recommendation keeps its title as its start
    after_sentence = _placed(
        ("Access to dentists is poor in the county.", 300.0),
        ("Dental and oral health", 160.0),
        ("NHS West Sussex should review dental commissioning.", 480.0),
    )
    assert len(clean_pages([after_sentence])[0].blocks) == 1
    unplaced = [RawLine("Prevalence in Chichester has decreased since"), RawLine("2012/13, falling to 17.4%"),
                RawLine("23.0% of reception children in Worthing were overweight.")]  # fmt: skip
    assert len(clean_pages([unplaced])[0].blocks) == 1


def test_a_line_near_the_top_of_many_pages_that_also_stands_inside_them_is_kept() -> None:
    """The 2024 mental health needs assessment's "High level areas for focus:" opens a list under each area, near the
    top of many pages and inside others: it is the list's lead-in, not a running header."""
    lead = "High level areas for focus:"
    top = [[RawLine(f"Area {n}: Topic {n}"), RawLine(lead)] for n in range(6)]  # the lead near the top
    inside = [[RawLine(f"Finding {n} about the area."), RawLine(f"Area {n}b: More"), RawLine(lead)] for n in range(6)]
    pages = [
        [RawLine("Test Council JSNA"), *(top[n] if n % 2 else [RawLine(f"Finding {n} first.")])]
        + [RawLine(f"Finding {n}.{k} about the area.") for k in range(3)]
        + (inside[n] if not n % 2 else [])
        + [RawLine("1. Act now."), RawLine("Closing remark on the area."), RawLine("Page footer text"), RawLine(str(n))]
        for n in range(6)
    ]
    texts = [page.text for page in clean_pages(pages)]
    assert all(lead in text for text in texts)
    assert not any("Test Council JSNA" in text or "Page footer text" in text for text in texts)
