"""Parsing: page numbers, cleaning, headings, other formats, and a named error for each kind of bad file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SHIPPED_CORPUS, bad_files, make_pdf, make_scanned_pdf

import assistant.parse
from assistant.config import BUNDLED_MODEL
from assistant.embed import model_words
from assistant.errors import DocumentError
from assistant.parse import _plausible_title, ocr_available, read_document

SCANNED = ["Smoking prevalence in Adur fell to 12 per cent.", "Hospital admissions for falls rose in Worthing."]


def test_pages_are_physical_and_one_based(small_corpus: Path) -> None:
    doc = read_document(small_corpus / "pdf" / "tobacco-2019.pdf")
    assert [page.number for page in doc.pages] == [1, 2, 3, 4]
    assert "14.2 per cent" in doc.pages[1].text
    assert "stop smoking service" in doc.pages[2].text
    assert doc.title == "Tobacco Control Needs Assessment 2019"


def test_running_headers_and_page_numbers_are_removed(small_corpus: Path) -> None:
    doc = read_document(small_corpus / "pdf" / "tobacco-2019.pdf")
    for page in doc.pages:
        assert "running header" not in page.text
        assert all(block.text.strip() != str(page.number) for block in page.blocks)


def test_headings_come_from_font_size_and_carry_levels(small_corpus: Path) -> None:
    doc = read_document(small_corpus / "pdf" / "falls-briefing-2017.pdf")
    headings = [(block.text, block.heading) for page in doc.pages for block in page.blocks if block.heading]
    assert headings == [("Falls Briefing", 1), ("Hip fractures", 2)]


def test_real_pdf_ligatures_and_recommendations_heading() -> None:
    doc = read_document(SHIPPED_CORPUS / "pdf" / "wsx-physical-activity-briefing-2026.pdf", vocabulary={"briefing"})
    text = "\n".join(page.text for page in doc.pages)
    assert "ﬁ" not in text and "\ufffe" not in text and "briefing" in text
    self_harm = read_document(SHIPPED_CORPUS / "pdf" / "wsx-self-harm-needs-assessment-2019.pdf")
    page3 = [block for block in self_harm.pages[2].blocks if block.heading]
    assert any(block.text == "Key recommendations" for block in page3)


def test_real_pdf_a_bold_caption_is_a_paragraph_of_its_own() -> None:
    """The 2017 suicide audit's captions are bold at body size between plain text: each is its own block, not run
    into the sentence before it or the table after it."""
    audit = read_document(SHIPPED_CORPUS / "pdf" / "wsx-suicide-audit-2017.pdf")
    blocks = [block.text for block in audit.pages[7].blocks]
    assert "Table 1.1, Audited West Sussex suicides, 2013-15" in blocks
    assert "Table 1.2, Annual rates per 100,000 resident population" in blocks


def test_real_pdf_symbol_font_bullets_are_bullets_and_each_item_a_block() -> None:
    """The 2017 suicide audit's bullets are Symbol-font glyphs, which pdfium gives as private-use characters: they
    read as "•", and each bulleted line is a block of its own, not one paragraph with boxes in it."""
    audit = read_document(SHIPPED_CORPUS / "pdf" / "wsx-suicide-audit-2017.pdf")
    blocks = [block.text for block in audit.pages[6].blocks]
    assert any(text.startswith("• Firstly, examining the quantitative demographic data") for text in blocks)
    assert any(text.startswith("• Secondly, further discussion around personal risk factors") for text in blocks)
    assert not re.search("[\uf000-\uf0ff]", "\n".join(page.text for page in audit.pages))


def test_real_pdf_words_split_at_a_wide_letter_are_whole() -> None:
    """The 2019 drug-related deaths audit's font makes pdfium put a space after many an "f" ("f rom", "Fif ty"):
    the space is the reader's own (not in the file) and the letters stand close, so the dictionary joins them. Real
    spaces stay."""
    audit = read_document(
        SHIPPED_CORPUS / "pdf" / "wsx-drug-related-deaths-audit-2019.pdf", vocabulary=model_words(BUNDLED_MODEL)
    )
    text = "\n".join(page.text for page in audit.pages)
    assert "Fifty four percent of individuals were known to have a prescription" in text
    assert "from their practitioner" in text
    assert not re.search(r"\bf rom\b|\bdif ferent\b|\bFif ty\b|\bself -", text)
    assert "self-administering" in text
    assert len(re.findall(r"\bof the\b", text)) > 20


def test_real_pdf_characters_the_reader_could_not_map_are_read_by_their_place() -> None:
    """The 2018 annual public health report's fonts map most letters but not their curly quotes and a few letters:
    pdfium gives the fonts' own codes ("the ōcauses of the causes”", "local seršices") and says it could not map
    them."""
    report = read_document(
        SHIPPED_CORPUS / "pdf" / "wsx-annual-public-health-report-2018.pdf", vocabulary=model_words(BUNDLED_MODEL)
    )
    text = "\n".join(page.text for page in report.pages)
    assert "the \u201ccauses of the causes\u201d" in text
    assert "range of local services including" in text
    assert "\u2018I\u2019ve always had problems" in text
    assert not re.search("[\u014b-\u014f\u0156\u0157\u0161]", text)


def test_real_pdf_list_items_without_full_stops_or_written_bullets_are_blocks_of_their_own() -> None:
    """The 2017/18 NCMP briefing's page 2 lists findings by district, its bullets drawn and no item ending in a
    full stop: each item a block, so no quoted sentence runs one into the next."""
    doc = read_document(SHIPPED_CORPUS / "pdf" / "wsx-ncmp-briefing-2017-18.pdf", vocabulary=model_words(BUNDLED_MODEL))
    blocks = [block.text for block in doc.pages[1].blocks]
    ends = [text for text in blocks if text.endswith("falling to 17.4%") or text.endswith("recorded in Worthing")]
    assert len(ends) == 2
    assert any(text.startswith("23.0% of reception children in Worthing") for text in blocks)
    assert any(text.startswith("Prevalence of overweight and obese in Crawley") for text in blocks)


def test_docx_headings_tables_and_page_breaks(tmp_path: Path) -> None:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.add_heading("Oral health briefing", level=1)
    document.add_paragraph("Tooth decay affects 23 per cent of five-year-olds in Crawley.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Area", "Decay"
    table.cell(1, 0).text, table.cell(1, 1).text = "Crawley", "23%"
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading("Recommendations", level=2)
    document.add_paragraph("Supervised toothbrushing in nurseries.")
    path = tmp_path / "oral.docx"
    document.save(str(path))
    doc = read_document(path)
    assert doc.paged and len(doc.pages) == 2
    assert "Crawley | 23%" in doc.pages[0].text
    assert [(b.text, b.heading) for b in doc.pages[1].blocks if b.heading] == [("Recommendations", 2)]


def test_html_and_markdown_keep_headings_and_drop_scripts(tmp_path: Path) -> None:
    html = tmp_path / "brief.html"
    html.write_text(
        "<html><head><title>Air quality briefing</title><script>var x=1;</script></head><body><nav>Menu</nav>"
        "<h1>Air quality</h1><p>PM2.5 causes <b>5.6%</b> of deaths.</p><h2>Actions</h2><ul><li>Plant trees</li></ul>"
        "</body></html>",
        encoding="utf-8",
    )
    doc = read_document(html)
    assert not doc.paged and doc.title == "Air quality briefing"
    assert [(b.text, b.heading) for b in doc.pages[0].blocks] == [
        ("Air quality", 1),
        ("PM2.5 causes 5.6% of deaths.", 0),
        ("Actions", 2),
        ("• Plant trees", 0),
    ]
    md = tmp_path / "note.md"
    md.write_text(
        "# Loneliness briefing\n\nOne in five older people *often* feel lonely.\n\n## Next steps\n\nMap services.\n"
    )
    blocks = read_document(md).pages[0].blocks
    assert blocks[0].text == "Loneliness briefing" and blocks[0].heading == 1
    assert blocks[1].text == "One in five older people often feel lonely."


# --- bad input: each gets a named reason --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["empty", "renamed", "corrupt", "encrypted", "scanned", "unreadable", "too big"])
def test_bad_files_raise_named_errors(kind: str, tmp_path: Path, small_corpus: Path) -> None:
    path, words = bad_files(tmp_path / "bad", small_corpus / "pdf" / "falls-briefing-2017.pdf")[kind]
    with pytest.raises(DocumentError) as error:
        read_document(path, max_mb=1, name=path.name)
    assert error.value.path == path.name
    assert words in error.value.reason
    assert error.value.advice  # every error says what to do


def test_owner_password_only_pdf_is_read(tmp_path: Path, small_corpus: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(small_corpus / "pdf" / "falls-briefing-2017.pdf")).pages:
        writer.add_page(page)
    writer.encrypt(user_password="", owner_password="owner")
    path = tmp_path / "owner-only.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    assert "Hip fractures" in read_document(path).pages[1].text


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "slides.pptx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(DocumentError, match="unsupported file type"):
        read_document(path)


def test_make_pdf_fixture_makes_text_pdfs(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "x.pdf", [[("body", "hello world")]])
    assert "hello world" in read_document(path).pages[0].text


@pytest.mark.skipif(not ocr_available(), reason="Tesseract is not installed (make ocr)")
def test_a_page_without_a_text_layer_is_read_by_ocr_and_marked(tmp_path: Path) -> None:
    document = read_document(make_scanned_pdf(tmp_path / "scan.pdf", SCANNED))
    (page,) = document.pages
    assert page.ocr and "Smoking prevalence in Adur" in page.text and "Worthing" in page.text
    text_layer = read_document(make_pdf(tmp_path / "typed.pdf", [[("body", SCANNED[0])]]))
    assert not any(p.ocr for p in text_layer.pages)  # pages with text are never OCR'd


def test_without_tesseract_an_image_only_pdf_is_skipped_with_the_command_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assistant.parse, "ocr_available", lambda: False)
    with pytest.raises(DocumentError, match="Tesseract OCR is not installed") as error:
        read_document(make_scanned_pdf(tmp_path / "scan.pdf", SCANNED))
    assert "apt-get install tesseract-ocr" in str(error.value)


@pytest.mark.parametrize(
    "placeholder", ["R Graphics Output", "Full page photo", "Client name", "Corporate Branding - Word Template 3"]
)
def test_a_tool_s_placeholder_in_the_title_field_is_no_title(placeholder: str) -> None:
    assert _plausible_title(placeholder) == ""
    assert _plausible_title("West Sussex Residents Survey 2014") == "West Sussex Residents Survey 2014"
