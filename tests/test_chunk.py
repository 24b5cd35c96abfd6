"""Chunking: whole sentences, inside the model window (its own tokenizer), exact pages, sections, flags."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHIPPED_CORPUS, FakeEmbedder

from assistant.chunk import chunk_pages, embedding_text, sentences
from assistant.corpus import SourceFile, document_info, file_sha256
from assistant.embed import SentenceTransformerEmbedder
from assistant.model import Block, DocumentInfo, Page
from assistant.parse import read_document

INFO = DocumentInfo(path="pdf/x.pdf", title="Test document", kind="chapter", year=2020, publisher="", sha256="abc")


@pytest.fixture(scope="module")
def tokenizer() -> SentenceTransformerEmbedder:
    """The real model's tokenizer (no model weights are loaded for counting)."""
    return SentenceTransformerEmbedder()


def test_real_document_chunks_fit_the_window_measured_by_the_model_tokenizer(
    tokenizer: SentenceTransformerEmbedder,
) -> None:
    path = SHIPPED_CORPUS / "pdf" / "wsx-drug-related-deaths-audit-2019.pdf"
    parsed = read_document(path)
    info = document_info(SourceFile(path, "pdf/x.pdf", file_sha256(path)), parsed, None)
    chunks = chunk_pages(
        info,
        parsed.pages,
        tokenizer.count_tokens,
        chunk_tokens=200,
        overlap_tokens=40,
        window=tokenizer.window,
    )
    assert len(chunks) > 20
    texts = [embedding_text(c.title, c.section, c.text) for c in chunks]
    encoded = tokenizer._tokenizer.encode_batch(texts, add_special_tokens=True)
    assert max(len(e.ids) for e in encoded) <= tokenizer.window == 256
    # Nothing lost: every page's words appear in some chunk that cites that page.
    for page in parsed.pages:
        for block in page.blocks:
            if block.heading:
                continue
            for word in block.text.split()[:3]:
                assert any(word in c.text and c.page_start <= page.number <= c.page_end for c in chunks), (
                    page.number,
                    word,
                )


def test_long_text_is_cut_at_sentences_with_overlap() -> None:
    sentences = [f"Sentence number {i} talks about hospital admissions for falls in older people." for i in range(40)]
    pages = [Page(1, (Block(" ".join(sentences[:20])),)), Page(2, (Block(" ".join(sentences[20:])),))]
    fake = FakeEmbedder()
    chunks = chunk_pages(INFO, pages, fake.count_tokens, chunk_tokens=60, overlap_tokens=15)
    assert len(chunks) > 5
    for chunk in chunks:
        assert chunk.text.endswith(".") and chunk.text.startswith("Sentence number")
        assert sum(fake.count_tokens([chunk.text])) <= 60 + 2
    # Neighbours share their boundary sentence; nothing is dropped.
    assert chunks[1].text.split(". ")[0] in chunks[0].text
    joined = " ".join(c.text for c in chunks)
    assert all(s in joined for s in sentences)
    spanning = [c for c in chunks if c.page_start == 1 and c.page_end == 2]
    assert len(spanning) == 1
    assert "number 19" in spanning[0].text and "number 20" in spanning[0].text


def test_a_paragraph_that_ends_without_a_full_stop_is_not_one_sentence_with_the_next() -> None:
    pages = [
        Page(
            1,
            (
                Block("Whilst lower than in 2016/17, this is still the second highest prevalence recorded in Worthing"),
                Block("Prevalence of overweight in Crawley was significantly below England for the first time."),
            ),
        )
    ]
    (chunk,) = chunk_pages(INFO, pages, FakeEmbedder().count_tokens)
    assert chunk.text.count("\n") == 1 and " ".join(chunk.text.split()) == " ".join(b.text for b in pages[0].blocks)
    assert sentences(chunk.text) == [block.text for block in pages[0].blocks]


def test_sections_and_recommendation_flags() -> None:
    pages = [
        Page(1, (Block("Introduction", 1), Block("The population of Arun is ageing quickly."))),
        Page(
            2,
            (
                Block("5 Recommendations", 1),
                Block("Recommended actions", 2),
                Block("Commission a falls service."),
            ),
        ),
        Page(
            3,
            (
                Block("6 Appendix", 1),
                Block("Data sources are listed here."),
                Block("Recommendation 4: publish the data every year."),
                Block("More appendix text follows."),
            ),
        ),
    ]
    chunks = chunk_pages(INFO, pages, FakeEmbedder().count_tokens)
    found = [(c.section, c.recommendation, c.page_start, c.text) for c in chunks]
    assert found == [
        ("Introduction", False, 1, "The population of Arun is ageing quickly."),
        ("Recommended actions", True, 2, "Commission a falls service."),
        ("6 Appendix", False, 3, "Data sources are listed here."),
        ("6 Appendix", True, 3, "Recommendation 4: publish the data every year."),
        ("6 Appendix", False, 3, "More appendix text follows."),
    ]


def test_ids_are_content_hashes() -> None:
    pages = [Page(1, (Block("Some text about smoking."),))]
    count = FakeEmbedder().count_tokens
    a = chunk_pages(INFO, pages, count)
    renamed = chunk_pages(DocumentInfo(**{**INFO.__dict__, "path": "pdf/renamed.pdf"}), pages, count)
    changed = chunk_pages(DocumentInfo(**{**INFO.__dict__, "sha256": "other"}), pages, count)
    assert a[0].id == renamed[0].id != changed[0].id


def test_an_overlong_sentence_is_split_at_words() -> None:
    row = " ".join(f"Area{i} {i}.{i}%" for i in range(300))  # a table flattened into one "sentence"
    chunks = chunk_pages(
        INFO, [Page(1, (Block(row),))], FakeEmbedder().count_tokens, chunk_tokens=100, overlap_tokens=10
    )
    assert len(chunks) > 5
    assert all(n <= 100 for n in FakeEmbedder().count_tokens([c.text for c in chunks]))
    assert " ".join(c.text for c in chunks) == row


def test_pageless_document_cites_its_section(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text("# Housing briefing\n\n## Damp and mould\n\nDamp affects 4 per cent of homes.\n")
    parsed = read_document(path)
    info = document_info(SourceFile(path, "note.md", file_sha256(path)), parsed, None)
    (chunk,) = chunk_pages(info, parsed.pages, FakeEmbedder().count_tokens)
    assert chunk.section == "Damp and mould" and not chunk.paged
    assert chunk.pages_label == "section “Damp and mould”"
    assert info.title == "Housing briefing"


def test_quotable_sentences_leave_out_captions_sources_links_labels_and_table_rows() -> None:
    text = (
        "Figure 3: Drug deaths by district, 2015 to 2017. Source: ONS deaths registrations 2018 data. "
        "See https://example.org/drug-deaths for the tables. • Drug deaths were highest in Crawley and Adur. "
        "Adur 7552 11.7 (10.9) 8000 12.1 (11.0) 9000 13.0 (12.2) in total. Short heading. "
        "Teenage pregnancy fell from 31.3 per 1,000 15-17 year olds in 2005 to 12.2 per 1,000 in 2016. "
        "Drug deaths were highest in Crawley and Adur.\nSelective serotonin re-uptake inhibitors\n"
        "Prevalence in Crawley was significantly below England for the first time since 2014/15"
    )
    assert sentences(text) == [
        "Drug deaths were highest in Crawley and Adur.",  # the bullet glyph gone, and once
        "Teenage pregnancy fell from 31.3 per 1,000 15-17 year olds in 2005 to 12.2 per 1,000 in 2016.",
        "Prevalence in Crawley was significantly below England for the first time since 2014/15",  # not a label
    ]


def test_a_contents_entry_is_not_quotable() -> None:
    """Answers had quoted "11.6 Young people's voice … 80 11.7 Young people's future … 81 ..." and "4.4 Young people
    and substance misuse 4.5 Substance misuse amongst sex workers"."""
    contents = (
        "11.6 Young people’s voice … 80 11.7 Young people’s future … 81 Appendices … 82 Appendix A. Section 507B. "
        "4.4 Young people and substance misuse 4.5 Substance misuse amongst sex workers\n"
        "2.1 The Health and Social Care Act 2012 conferred duties on Local Authorities to improve public health."
    )
    assert sentences(contents) == [
        "2.1 The Health and Social Care Act 2012 conferred duties on Local Authorities to improve public health."
    ]


def test_a_sentence_that_table_rows_run_into_is_not_quotable() -> None:
    """The 2010 indices of deprivation report runs a table into the sentence before it; it was quoted whole."""
    rows = (
        "This is broadly comparable to the 2008 child poverty figure released by HMRC (13.4%). % of Children ID2004 "
        "ID2007 ID2010 Adur 16.8 17.6 17.1 Arun 16.0 17.1 16.7 Chichester 11.9 12.4 12.5 Figure 16: Children"
    )
    assert sentences(rows) == []
    one_row = "In 2011 Worthing 9800 10100 10400 10900 11300 11800 residents were counted by the survey."
    figures = (
        "Rates were 16.8 in Adur, 17.6 in Arun and 17.1 in Chichester, against 15.0 (14.2-15.9) for England in "
        "2018/19, 2019/20 and 2020/21."
    )
    assert sentences(f"{one_row} {figures}") == [figures]  # prose that names its figures stays quotable


def test_chunks_of_pages_read_by_ocr_are_marked_and_cited_so() -> None:
    pages = [
        Page(1, (Block("Smoking", heading=1), Block("Typed text about smoking in Adur."))),
        Page(2, (Block("Falls", heading=1), Block("Scanned text on falls in Worthing.")), ocr=True),
    ]
    chunks = chunk_pages(INFO, pages, FakeEmbedder().count_tokens)
    by_page = {c.page_start: c for c in chunks}
    assert not by_page[1].ocr and by_page[2].ocr
    assert "OCR" in by_page[2].citation and "OCR" not in by_page[1].citation
