"""The corpus folder: which files are documents, content hashes, indicator files, citation metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus import (
    SourceFile,
    dataset_info,
    document_info,
    document_paths,
    file_sha256,
    guess_kind,
    indicator_files,
    read_catalogue,
    scan,
)
from assistant.model import Block, Page
from assistant.parse import ParsedDocument


def _corpus(root: Path) -> Path:
    for rel, text in {
        "pdf/a.md": "# Falls\nFalls rose.",
        "notes/b.txt": "Smoking fell.",
        "README.md": "credits",
        ".hidden/c.md": "# Hidden",
        "indicators/campy.csv": "area,value\nAdur,1",
        "indicators/campy.meta.json": "{}",
        "slides.pptx": "not a document kind",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_documents_are_the_supported_files_outside_indicators_readmes_and_hidden_folders(tmp_path: Path) -> None:
    root = _corpus(tmp_path)
    assert [rel for _, rel in document_paths(root)] == ["notes/b.txt", "pdf/a.md"]
    sources = scan(root)
    assert [s.rel for s in sources] == ["notes/b.txt", "pdf/a.md"]
    assert sources[1].sha256 == file_sha256(root / "pdf" / "a.md") and len(sources[1].sha256) == 64


def test_indicator_files_with_their_sidecars_are_hashed(tmp_path: Path) -> None:
    files = indicator_files(_corpus(tmp_path))
    assert set(files) == {"indicators/campy.csv", "indicators/campy.meta.json"}
    assert indicator_files(tmp_path / "nowhere") == {}


def test_an_unreadable_file_has_no_hash(tmp_path: Path) -> None:
    (tmp_path / "gone.pdf").symlink_to(tmp_path / "missing.pdf")
    assert file_sha256(tmp_path / "gone.pdf") == ""


def test_the_manifest_row_wins_over_what_the_document_says(tmp_path: Path) -> None:
    (tmp_path / "MANIFEST.csv").write_text(
        "file,kind,title,publisher,year\npdf/a.pdf,briefing,Falls among older adults,West Sussex County Council,2017\n",
        encoding="utf-8",
    )
    rows = read_catalogue(tmp_path)
    parsed = ParsedDocument((Page(1, (Block("Draft", 1),)),), paged=True, title="Untitled draft")
    info = document_info(SourceFile(tmp_path / "pdf/a.pdf", "pdf/a.pdf", "abc"), parsed, rows["pdf/a.pdf"])
    assert (info.title, info.kind, info.year, info.publisher) == (
        "Falls among older adults",
        "briefing",
        2017,
        "West Sussex County Council",
    )


def test_without_a_manifest_row_metadata_comes_from_the_document_and_its_name(tmp_path: Path) -> None:
    parsed = ParsedDocument((Page(1, (Block("Oral Health Needs Assessment 2018", 1),)),), paged=True)
    source = SourceFile(tmp_path / "pdf/ohna.pdf", "pdf/ohna.pdf", "abc")
    info = document_info(source, parsed, None)
    assert (info.title, info.kind, info.year, info.pages) == ("Oral Health Needs Assessment 2018", "chapter", 2018, 1)
    nameless = ParsedDocument((Page(1, ()),), paged=True, created="D:20190304")
    info = document_info(SourceFile(tmp_path / "x", "pdf/drug-deaths_audit.pdf", "abc"), nameless, None)
    assert (info.title, info.kind, info.year) == ("Drug deaths audit", "briefing", 2019)
    word = ParsedDocument((Page(1, ()),), paged=False, created="2021-06-30T10:00:00")
    assert document_info(SourceFile(tmp_path / "y", "notes.docx", "abc"), word, None).year == 2021
    # A top heading whose font left letters unread is no title: the file's name is.
    unread = ParsedDocument((Page(1, (Block("Greetings fro\u0194\u2026", 1), Block("Residents", 2))),), paged=True)
    info = document_info(SourceFile(tmp_path / "z", "pdf/Arun-People-and-Challenges-2019.pdf", "abc"), unread, None)
    assert info.title == "Arun People and Challenges 2019"


def test_a_section_s_name_a_label_a_date_or_a_byline_does_not_title_a_document(tmp_path: Path) -> None:
    """Library PDFs without a manifest row were cited as "Background (2025), p. 3", "Data Briefing:" and "Dr ...,
    Principal Public Health Analyst": the next heading that can title the document does, else the file's name."""
    source = SourceFile(tmp_path / "x", "pdf/2025_Housing_Tenure_Briefing.pdf", "abc")
    for heading in ("Background", "Key messages", "Data Briefing:", "September 2010", "Chapter 2: Who self-harms?"):
        untitled = ParsedDocument((Page(1, (Block(heading, 1), Block("Housing Tenure in West Sussex", 2))),), True)
        assert document_info(source, untitled, None).title == "Housing Tenure in West Sussex", heading
    byline = ParsedDocument((Page(1, (Block("Dr A Smith, Principal Public Health Analyst", 1),)),), paged=True)
    assert document_info(source, byline, None).title == "2025 Housing Tenure Briefing"


def test_a_status_mark_a_unit_an_instruction_or_a_dated_label_does_not_title_a_document(tmp_path: Path) -> None:
    """Library covers: "CONTAINS PROVISIONAL DATA" over "Public Health and Social Research Unit", "Purpose of
    Briefing", "Next release: Winter 2017", "To download the profile please visit ..."."""
    source = SourceFile(tmp_path / "x", "pdf/Briefing-Self-Harm-May-2017.pdf", "abc")
    for heading in (
        "CONTAINS PROVISIONAL DATA",
        "Public Health and Social Research Unit",
        "Purpose of Briefing",
        "APPENDICES",
        "Next release: Winter 2017",
        "To download the profile please visit the JSNA website",
        "A Analyst, a.analyst@westsussex.gov.uk",
    ):
        cover = ParsedDocument((Page(1, (Block(heading, 1),)),), paged=True)
        assert document_info(source, cover, None).title == "Briefing Self Harm May 2017", heading
    # A dated title is still a title.
    dated = ParsedDocument((Page(1, (Block("Public Health Briefing: March 2026", 1),)),), paged=True)
    assert document_info(source, dated, None).title == "Public Health Briefing: March 2026"


def test_a_title_field_naming_nothing_the_document_says_gives_way(tmp_path: Path) -> None:
    """Three community team data packs carried "Diagnostics Weekly Summary Report" in their Title field, left by
    the file they were made from."""
    source = SourceFile(tmp_path / "x", "pdf/Horsham_ICT_DataPack_2023.pdf", "abc")
    cover = (Page(1, (Block("Horsham Integrated Community Team Population Profile Pack", 1),)),)
    stale = ParsedDocument(cover, paged=True, title="Diagnostics Weekly Summary Report")
    assert document_info(source, stale, None).title == "Horsham Integrated Community Team Population Profile Pack"
    own = ParsedDocument(cover, paged=True, title="Horsham Population Profile")
    assert document_info(source, own, None).title == "Horsham Population Profile"
    acronym = ParsedDocument(cover, paged=True, title="PNA 2018")  # no word long enough to check it by
    assert document_info(source, acronym, None).title == "PNA 2018"


def test_a_file_name_s_flattened_folders_and_leading_date_are_not_its_title(tmp_path: Path) -> None:
    """A website export names files by their paths ("assets_core__..."), and councils start names with dates."""
    nameless = ParsedDocument((Page(1, ()),), paged=True)
    source = SourceFile(tmp_path / "x", "pdf/assets_core__2025_01_22_Housing_Tenure_Briefing.pdf", "abc")
    info = document_info(source, nameless, None)
    assert (info.title, info.year) == ("Housing Tenure Briefing", 2025)
    source = SourceFile(tmp_path / "y", "pdf/assets_core__Arun-People-and-Challenges-JSNA-April-2019.pdf", "abc")
    assert document_info(source, nameless, None).title == "Arun People and Challenges JSNA April 2019"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("West Sussex Pharmaceutical Needs Assessment 2025-2028", "pna"),
        ("Director of Public Health Annual Report 2021", "dphar"),
        ("Substance Misuse Health Needs Assessment", "chapter"),
        ("Drug related deaths audit", "briefing"),
        ("Crawley JSNA profile", "overview"),
        ("Cabinet report", "other"),
    ],
)
def test_kind_is_guessed_from_the_title(title: str, kind: str) -> None:
    assert guess_kind(title) == kind


def test_each_indicator_file_gets_a_reference_from_the_manifest_its_sidecar_or_its_name(tmp_path: Path) -> None:
    import json

    from openpyxl import Workbook

    from assistant.indicators.load import load_file

    folder = tmp_path / "indicators"
    folder.mkdir()
    for name in ("listed.csv", "sidecar.csv", "bare-2017.csv"):
        (folder / name).write_text("area,value\nAdur,1.5\n", encoding="utf-8")
    citation = {"title": "Falls dashboard", "publisher": "Adur District Council", "year": "2021"}
    (folder / "sidecar.meta.json").write_text(json.dumps({"indicator_name": "Falls", **citation}), encoding="utf-8")
    book = Workbook()
    book.properties.title = "Smoking workbook"
    book.active.append(["area", "value"])
    book.save(folder / "book.xlsx")
    (tmp_path / "MANIFEST.csv").write_text(
        "file,kind,title,publisher,year\nindicators/listed.csv,indicators,Listed data,OHID,2020\n", encoding="utf-8"
    )
    found = dataset_info(tmp_path, indicator_files(tmp_path))
    assert set(found) == {f"indicators/{n}" for n in ("listed.csv", "sidecar.csv", "bare-2017.csv", "book.xlsx")}
    listed, sidecar = found["indicators/listed.csv"], found["indicators/sidecar.csv"]
    assert (listed.title, listed.publisher, listed.year) == ("Listed data", "OHID", 2020)
    assert (sidecar.title, sidecar.publisher, sidecar.year) == ("Falls dashboard", "Adur District Council", 2021)
    bare = found["indicators/bare-2017.csv"]
    assert (bare.title, bare.publisher, bare.year) == ("Bare 2017", "", 2017)
    assert found["indicators/book.xlsx"].title == "Smoking workbook"
    # The reference keys describe the file; they are not columns set on its rows.
    rows = load_file(folder / "sidecar.csv", "indicators/sidecar.csv")[0]
    assert list(rows["indicator_name"]) == ["Falls"] and "title" not in rows.columns
