"""Evidence-pack export: Harvard references, Markdown (escaped, inert) and Word, from hand-built responses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from io import BytesIO

import docx
from conftest import indicator_table
from markdown_it import MarkdownIt

from assistant.answer import ABSTAIN_TEXT, Response
from assistant.export import (
    ABSTAINED_NOTE,
    harvard_reference,
    table_reference_parts,
    to_docx,
    to_markdown,
)
from assistant.indicators import IndicatorTable
from assistant.model import Answer, Chunk, Citation, Hit

SELF_HARM = "Self-harm in West Sussex - a rapid needs analysis"
DAY = date(2025, 3, 4)


def chunk(
    text: str = "Hospital admissions for self-harm rose by 12% between 2015 and 2018.",
    *,
    doc: str = "self-harm.pdf",
    title: str = SELF_HARM,
    year: int | None = 2019,
    publisher: str = "West Sussex County Council",
    pages: tuple[int, int] = (3, 3),
    section: str = "Key findings",
    paged: bool = True,
) -> Chunk:
    return Chunk(
        id=f"{doc}:{pages[0]}",
        doc=doc,
        title=title,
        kind="needs assessment",
        year=year,
        publisher=publisher,
        page_start=pages[0],
        page_end=pages[1],
        section=section,
        text=text,
        paged=paged,
    )


def cite(number: int, c: Chunk) -> Citation:
    return Citation(number, c.doc, c.title, c.page_start, c.page_end, c.section)


def answered(
    question: str, hits: list[Chunk], cited: list[int], tables: Sequence[IndicatorTable] = ()
) -> tuple[str, Response]:
    """A turn whose answer quotes the whole of each cited passage, as answer.py writes it."""
    text = " ".join(f"{hits[n - 1].text} [{n}]" for n in cited)
    answer = Answer(text, tuple(cite(n, hits[n - 1]) for n in cited))
    return question, Response([Hit(c, 1.0 / i, 0.8) for i, c in enumerate(hits, 1)], answer, list(tables))


def test_harvard_reference_single_page() -> None:
    assert harvard_reference(chunk()) == f"West Sussex County Council (2019) *{SELF_HARM}*. p. 3."


def test_harvard_reference_of_a_passage_read_by_ocr_says_so() -> None:
    assert harvard_reference(replace(chunk(), ocr=True)).endswith("p. 3. Text read by OCR.")


def test_harvard_reference_page_range() -> None:
    assert harvard_reference(chunk(pages=(3, 4))).endswith(f"*{SELF_HARM}*. pp. 3-4.")


def test_harvard_reference_without_year_or_publisher() -> None:
    assert harvard_reference(chunk(year=None)) == f"West Sussex County Council (n.d.) *{SELF_HARM}*. p. 3."
    assert harvard_reference(chunk(publisher="")) == f"Unknown publisher (2019) *{SELF_HARM}*. p. 3."


def test_harvard_reference_pageless_document_cites_the_section() -> None:
    c = chunk(doc="jsna.html", title="Healthy weight", pages=(1, 1), section="Children", paged=False)
    assert harvard_reference(c) == "West Sussex County Council (2019) *Healthy weight*. section “Children”."


def test_harvard_reference_escapes_the_title() -> None:
    assert harvard_reference(chunk(title="Drugs *and* alcohol")) == (
        "West Sussex County Council (2019) *Drugs \\*and\\* alcohol*. p. 3."
    )


def test_markdown_has_question_answer_cited_passages_and_table() -> None:
    cited = chunk("Admissions for self-harm were **higher** than <England> [see 2].")
    uncited = chunk("Unrelated passage about smoking.", doc="smoking.pdf", title="Tobacco control", pages=(9, 9))
    turn = answered("How common is self-harm?", [cited, uncited], [1], [indicator_table()])
    md = to_markdown([turn], generated=DAY)

    assert md.startswith("# JSNA evidence pack\n")
    assert "Generated 4 March 2025." in md
    assert "## How common is self-harm?" in md
    escaped = "Admissions for self-harm were \\*\\*higher\\*\\* than \\<England\\> \\[see 2\\]."
    assert f"{escaped} [1]" in md  # the answer keeps its [1] marker
    assert f"> {escaped}\n\n[1] West Sussex County Council (2019) *{SELF_HARM}*. p. 3." in md
    assert "Unrelated passage" not in md and "Tobacco control" not in md  # only cited passages are quoted
    assert "| Indicator | Area | Period | Value | 95% CI | England | Comparison | Source |" in md
    row = (
        "| Emergency hospital admissions for intentional self-harm (per 100,000) | West Sussex | 2022/23 | 215.4 "
        "| 208.1 to 222.9 | 126.3 | Worse | Office for Health Improvement and Disparities (2024) Public Health "
        "Outcomes Framework: self-harm admissions |"
    )
    assert row in md
    assert (  # the table's dataset is in the reference list, as a Harvard reference
        "- Office for Health Improvement and Disparities (2024) *Public Health Outcomes Framework: self-harm "
        "admissions* \\[Data set\\]. Emergency hospital admissions for intentional self-harm, 2022/23."
    ) in md.split("## References", 1)[1]
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<strong>higher" not in html and "<td>208.1 to 222.9</td>" in html


def test_a_dataset_reference_without_a_period_ends_with_the_indicator_s_name() -> None:
    _, _, after = table_reference_parts(indicator_table(indicator_name="% lone parent households", period=""))
    assert after == " [Data set]. % lone parent households."


def test_markdown_multi_line_passage_stays_in_one_quote() -> None:
    turn = answered("Q?", [chunk("First line of the passage.\n  - second line\n\nThird line.")], [1])
    md = to_markdown([turn], generated=DAY)
    assert "> First line of the passage.  \n> \\- second line  \n> Third line.\n\n[1] " in md


def test_references_are_deduplicated_and_sorted() -> None:
    a3 = chunk("Alpha text on page three.", doc="a.pdf", title="Alcohol harm", publisher="Brighton Council")
    a10 = chunk(
        "Alpha text on page ten.", doc="a.pdf", title="Alcohol harm", publisher="Brighton Council", pages=(10, 10)
    )
    z = chunk("Zeta text.", doc="z.pdf", title="Zoonoses", publisher="Adur District Council", pages=(5, 6))
    turns = [
        answered("First?", [a10, a3, z], [1, 2, 3]),
        answered("Second?", [a3, z], [1, 2]),  # the same passages again
    ]
    md = to_markdown(turns, generated=DAY)
    refs = md.split("## References\n\n", 1)[1].strip().split("\n")
    assert refs == [
        "- Adur District Council (2019) *Zoonoses*. pp. 5-6.",
        "- Brighton Council (2019) *Alcohol harm*. p. 3.",
        "- Brighton Council (2019) *Alcohol harm*. p. 10.",
    ]


def test_abstained_answer_says_so_and_lists_nearest_passages() -> None:
    hits = [chunk(f"Nearest passage {i}.", doc=f"d{i}.pdf", title=f"Doc {i}") for i in range(1, 6)]
    response = Response([Hit(c, 0.1, 0.2) for c in hits], Answer(ABSTAIN_TEXT, abstained=True), [])
    md = to_markdown([("How many people have mpox?", response)], generated=DAY)
    assert f"**{ABSTAINED_NOTE}** {ABSTAIN_TEXT}" in md
    assert "### Nearest passages (not an answer)" in md
    assert "Nearest passage 3." in md and "Nearest passage 4." not in md
    assert "[3] West Sussex County Council (2019) *Doc 3*. p. 3." in md

    document = docx.Document(BytesIO(to_docx([("How many people have mpox?", response)], generated=DAY)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert (
        f"{ABSTAINED_NOTE} {ABSTAIN_TEXT}" in text and "Nearest passage 3." in text and "Nearest passage 4." not in text
    )


def test_docx_reopens_with_question_reference_and_table() -> None:
    cited = chunk("Admissions for self-harm were **higher** than England.\x0c")
    turn = answered("How common is self-harm?", [cited], [1], [indicator_table(value=1234567.0, lower_ci=None)])
    data = to_docx([turn], title="Self-harm pack", generated=DAY)
    document = docx.Document(BytesIO(data))

    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "Self-harm pack"
    assert "How common is self-harm?" in paragraphs
    [quote] = [p for p in document.paragraphs if p.style is not None and p.style.name == "Quote"]
    assert quote.text == "Admissions for self-harm were **higher** than England."  # literal, control char gone
    assert all(run.italic for run in quote.runs)
    reference = next(p for p in document.paragraphs if p.text.startswith("[1] "))
    assert reference.text == f"[1] West Sussex County Council (2019) {SELF_HARM}. p. 3."
    assert [run.text for run in reference.runs if run.italic] == [SELF_HARM]
    listed = [p for p in document.paragraphs if p.style is not None and p.style.name == "List Bullet"]
    assert [p.text for p in listed] == [
        "Office for Health Improvement and Disparities (2024) Public Health Outcomes Framework: self-harm admissions "
        "[Data set]. Emergency hospital admissions for intentional self-harm, 2022/23.",
        f"West Sussex County Council (2019) {SELF_HARM}. p. 3.",
    ]

    [grid] = document.tables
    assert [cell.text for cell in grid.rows[0].cells][:4] == ["Indicator", "Area", "Period", "Value"]
    cells = [cell.text for cell in grid.rows[1].cells]
    assert cells[1:5] == ["West Sussex", "2022/23", "1,234,567", ""]
    dataset = "Office for Health Improvement and Disparities (2024) Public Health Outcomes Framework: self-harm "
    dataset += "admissions"
    assert cells[5:] == ["126.3", "Worse", dataset]


def test_docx_pack_fit_for_a_bid_figures_at_source_precision_blank_cells_items_and_references() -> None:
    """The pack a bid writer pastes from: a Fingertips export's full-precision figures as Fingertips publishes
    them, no "None" for a missing figure, bullet points kept as list items, and a Harvard reference for every
    passage and table (sheet and period included)."""
    listed = chunk("Causes of admission include: • poisoning by drugs • injury with a sharp object")
    table = indicator_table(
        value=17.9003, lower_ci=15.9291, upper_ci=20.0572, england_value=None, source="indicators/profile.xlsx#Data"
    )
    data = to_docx([answered("Why are young people admitted?", [listed], [1], [table])], generated=DAY)
    document = docx.Document(BytesIO(data))
    [grid] = document.tables
    cells = [cell.text for cell in grid.rows[1].cells]
    assert cells[3:6] == ["17.9", "15.9 to 20.1", ""]  # the England cell is blank, never "None"
    everything = "\n".join([p.text for p in document.paragraphs] + [c.text for r in grid.rows for c in r.cells])
    assert "None" not in everything and "17.9003" not in everything and "nan" not in everything
    items = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "List Bullet"]
    assert items[:2] == ["poisoning by drugs", "injury with a sharp object"]
    assert "Causes of admission include:" in [p.text for p in document.paragraphs]
    references = items[2:]
    assert references == [
        "Office for Health Improvement and Disparities (2024) Public Health Outcomes Framework: self-harm admissions "
        "[Data set]. Sheet: Data. Emergency hospital admissions for intentional self-harm, 2022/23.",
        f"West Sussex County Council (2019) {SELF_HARM}. p. 3.",
    ]


def test_sex_and_category_qualify_the_indicator() -> None:
    turn = answered("Q?", [chunk()], [1], [indicator_table(sex="Female", category="Most deprived decile", unit="")])
    md = to_markdown([turn], generated=DAY)
    assert "| Emergency hospital admissions for intentional self-harm - Female; Most deprived decile |" in md


def test_cited_passages_follow_their_numbers_and_missing_hits_still_get_a_reference() -> None:
    first, second = chunk("First passage.", doc="a.pdf"), chunk("Second passage.", doc="b.pdf", title="Other")
    gone = chunk("Not among the hits.", doc="c.pdf", title="Missing report", publisher="", year=None, pages=(7, 8))
    answer = Answer("Second. [2] First. [1] Gone. [3]", (cite(2, second), cite(1, first), cite(3, gone)))
    md = to_markdown([("Q?", Response([Hit(first, 0.9, 0.8), Hit(second, 0.8, 0.7)], answer, []))], generated=DAY)
    assert md.index("> First passage.") < md.index("> Second passage.")
    assert "[3] Unknown publisher (n.d.) *Missing report*. pp. 7-8." in md and "Not among the hits" not in md


def test_an_area_profile_goes_into_the_pack_with_its_tables_passages_and_references() -> None:
    from assistant.indicators import IndicatorProfile, ProfileRow
    from assistant.profile import AreaProfile

    rows = (ProfileRow(indicator_table(), "Health improvement"),)
    passage = chunk("West Sussex has higher self-harm admissions than England.")
    profile = AreaProfile(IndicatorProfile("West Sussex", "County & UA", rows), (Hit(passage, 0.9, 0.8),))
    md = to_markdown([], generated=DAY, profiles=[profile])
    assert "## Area profile: West Sussex" in md
    assert "Significantly worse than England on: Emergency hospital admissions for intentional self-harm." in md
    assert (
        "| Emergency hospital admissions for intentional self-harm (per 100,000) | West Sussex | 2022/23 | 215.4" in md
    )
    assert "> West Sussex has higher self-harm admissions than England." in md
    references = md.split("## References", 1)[1]
    assert "*Public Health Outcomes Framework: self-harm admissions*" in references and SELF_HARM in references
    document = docx.Document(BytesIO(to_docx([], generated=DAY, profiles=[profile])))
    assert "Area profile: West Sussex" in [p.text for p in document.paragraphs]


def test_a_quoted_figure_the_data_has_overtaken_carries_the_newer_one_in_both_formats() -> None:
    from assistant.indicators import NewerData

    said = "In 2016/17 there were 1,714 emergency admissions for self-harm in West Sussex."
    newer = indicator_table(period="2022/23", value=215.4)
    question, response = answered("Self-harm admissions?", [chunk(said), chunk("Other.", pages=(4, 4))], [1])
    response = replace(response, newer=((NewerData("1,714", "2016/17", said, newer),), ()))
    note = (
        "Newer data: West Sussex 2022/23: 215.4 per 100,000 (95% CI 208.1 to 222.9) - Emergency hospital admissions "
        "for intentional self-harm (Public Health Outcomes Framework: self-harm admissions); the passage quotes "
        "1,714 for 2016/17."
    )
    document = docx.Document(BytesIO(to_docx([(question, response)], generated=DAY)))
    paragraphs = [p.text for p in document.paragraphs]
    reference = next(n for n, text in enumerate(paragraphs) if text.startswith("[1] "))
    assert paragraphs[reference + 1] == note  # right under the quote's reference
    assert sum(text.startswith("Newer data") for text in paragraphs) == 1
    markdown = to_markdown([(question, response)], generated=DAY)
    assert f"*{note}*" in markdown.replace("\\", "")  # escaped Markdown, read without its backslashes
    assert markdown.count("Newer data") == 1


def test_a_caution_on_the_answer_goes_into_the_pack() -> None:
    question, response = answered("How many Year 6 children in Worthing are obese?", [chunk("Obesity text.")], [1])
    said = "These sentences are about West Sussex, not Worthing."
    response = replace(response, answer=replace(response.answer, caution=said))
    assert f"*{said}*" in to_markdown([(question, response)], generated=DAY)
    document = docx.Document(BytesIO(to_docx([(question, response)], generated=DAY)))
    (paragraph,) = [p for p in document.paragraphs if p.text == said]
    assert all(run.italic for run in paragraph.runs)
