from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from conftest import make_pdf

from assistant.corpus import scan
from assistant.publish import Published, UploadError, check_content, publish, safe_name

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
CSV = b"area,indicator,year,value\nAdur,Smoking prevalence,2019,14.2\n"


def pdf_bytes(tmp_path: Path, text: str = "Smoking prevalence in Adur") -> bytes:
    path = make_pdf(tmp_path / f"made-{abs(hash(text))}.pdf", [[("h1", "Tobacco"), ("body", text)]])
    data = path.read_bytes()
    path.unlink()
    return data


def docx_bytes(text: str = "Briefing text") -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["area", "value"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def outside(tmp_path: Path, corpus: Path) -> dict[str, bytes]:
    return {rel: data for rel, data in files_under(tmp_path).items() if not (tmp_path / rel).is_relative_to(corpus)}


# --- safe_name ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../x.pdf", "x.pdf"),
        ("C:\\evil\\a.pdf", "a.pdf"),
        ("C:a.pdf", "a.pdf"),
        ("/etc/passwd.txt", "passwd.txt"),
        ("\uff0fetc\uff0fpasswd.txt", "passwd.txt"),  # fullwidth slashes become real ones under NFKC
        ("Annual Report 2023.PDF", "Annual-Report-2023.pdf"),
        ("  spaced \t out .md ", "spaced-out.md"),
        ("re\x00po\x1frt\u202e.pdf", "report.pdf"),  # NUL, unit separator, right-to-left override
        ("line\nbreak.txt", "line-break.txt"),
        (".hidden.md", "hidden.md"),
        ("...dots.csv", "dots.csv"),
        ("report (final).pdf", "report-final.pdf"),
        ("Café résumé.docx", "Cafe-resume.docx"),
        ("ﬁnal.pdf", "final.pdf"),  # ligature unfolded by NFKC
        ("a;rm -rf $HOME.txt", "a-rm-rf-HOME.txt"),
        ("README", "README"),
        (".pdf", "pdf"),  # no leading dot; check_content then refuses the missing extension
        ("data.tar.GZ", "data.tar.gz"),
    ],
)
def test_safe_name(raw: str, expected: str) -> None:
    assert safe_name(raw) == expected
    assert safe_name(expected) == expected


@pytest.mark.parametrize("raw", ["", "   ", ".", "..", "../", "C:\\", "\x00\x01", "报告.pdf", "---.pdf"])
def test_safe_name_refuses_names_with_nothing_left(raw: str) -> None:
    with pytest.raises(UploadError) as error:
        safe_name(raw)
    assert error.value.advice


def test_safe_name_keeps_the_extension_within_120_characters() -> None:
    name = safe_name("a" * 300 + ".PDF")
    assert len(name) == 120
    assert name.endswith(".pdf")
    assert len(safe_name("b" * 300)) == 120


# --- check_content -----------------------------------------------------------------------------------------


def test_check_content_accepts_real_files(tmp_path: Path) -> None:
    assert check_content("a.pdf", pdf_bytes(tmp_path), 10) == "document"
    assert check_content("a.docx", docx_bytes(), 10) == "document"
    assert check_content("a.md", b"# Title\n\nText.\n", 10) == "document"
    assert check_content("a.html", "<h1>Caf\u00e9</h1>".encode(), 10) == "document"
    assert check_content("a.txt", b"caf\xe9 in Windows-1252", 10) == "document"
    assert check_content("a.csv", CSV, 10) == "indicators"
    assert check_content("a.csv", b"\xef\xbb\xbf" + CSV, 10) == "indicators"  # UTF-8 with a BOM, as Excel saves
    assert check_content("a.json", b'{"indicators": []}', 10) == "indicators"
    assert check_content("a.xlsx", xlsx_bytes(), 10) == "indicators"


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("image.pdf", PNG, "PNG"),
        ("notes.pdf", b"just some text\n" * 10, "PDF"),
        ("notes.docx", b"plain text, not a Word file", "Word"),
        ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old Office"),
        ("table.xlsx", PNG, "Excel"),
        ("data.csv", b"area,value\nAdur,1\x00\n", ".csv"),
        ("data.csv", "area,value\n".encode("utf-16"), ".csv"),
        ("data.csv", b"area,value\n\x81\x8d\x8f\n", "not readable text"),
        ("image.txt", PNG, "PNG"),
        ("paper.md", b"%PDF-1.7\n...", "PDF"),
        ("data.json", b'{"a": 1,}', "not valid JSON"),
        ("data.json", b"", "empty"),
        ("tool.exe", b"MZ\x90\x00", ".exe"),
        ("noextension", b"text", "without an extension"),
    ],
)
def test_check_content_refuses_mismatches(name: str, data: bytes, says: str) -> None:
    with pytest.raises(UploadError) as error:
        check_content(name, data, 10)
    assert says in error.value.message
    assert error.value.advice


def test_check_content_refuses_a_zip_that_is_not_a_word_document() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.jpg", b"not really")
    with pytest.raises(UploadError, match="not a Word document"):
        check_content("report.docx", out.getvalue(), 10)
    with pytest.raises(UploadError, match="damaged"):
        check_content("report.docx", b"PK\x03\x04" + b"garbage" * 20, 10)


def test_check_content_size_limit() -> None:
    limit = 1024 * 1024
    assert check_content("a.txt", b"x" * limit, 1) == "document"
    with pytest.raises(UploadError, match="the limit is 1 MB") as error:
        check_content("a.txt", b"x" * (limit + 1), 1)
    assert "max_file_mb" in error.value.advice
    with pytest.raises(UploadError, match="the limit is 0.5 MB"):
        check_content("a.txt", b"x" * limit, 0.5)


# --- publish -----------------------------------------------------------------------------------------------


def test_publish_puts_each_kind_in_its_folder(tmp_path: Path, corpus: Path) -> None:
    pdf, docx, md = pdf_bytes(tmp_path), docx_bytes(), b"# Briefing\n\nText.\n"
    assert publish(corpus, "Tobacco 2019.pdf", pdf, 10) == Published(
        "pdf/Tobacco-2019.pdf", "added", "Added pdf/Tobacco-2019.pdf as document. Run `jsna ingest` to index it."
    )
    assert publish(corpus, "note.docx", docx, 10).path == "briefings/note.docx"
    assert publish(corpus, "note.md", md, 10).path == "briefings/note.md"
    assert publish(corpus, "smoking.csv", CSV, 10).path == "indicators/smoking.csv"
    assert files_under(corpus) == {
        "pdf/Tobacco-2019.pdf": pdf,
        "briefings/note.docx": docx,
        "briefings/note.md": md,
        "indicators/smoking.csv": CSV,
    }
    assert [s.rel for s in scan(corpus)] == ["briefings/note.docx", "briefings/note.md", "pdf/Tobacco-2019.pdf"]


@pytest.mark.parametrize("name", ["../../x.pdf", "C:\\evil\\x.pdf", "/tmp/x.pdf", "..\\..\\x.pdf", "pdf/../../x.pdf"])
def test_publish_never_writes_outside_the_corpus(tmp_path: Path, corpus: Path, name: str) -> None:
    pdf = pdf_bytes(tmp_path)
    before = outside(tmp_path, corpus)
    assert publish(corpus, name, pdf, 10).path == "pdf/x.pdf"
    assert outside(tmp_path, corpus) == before
    assert files_under(corpus) == {"pdf/x.pdf": pdf}


def test_publish_refuses_a_corpus_folder_that_links_outside(tmp_path: Path, corpus: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (corpus / "pdf").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UploadError, match="outside the corpus"):
        publish(corpus, "x.pdf", pdf_bytes(tmp_path), 10)
    assert list(elsewhere.iterdir()) == []


def test_publish_detects_the_same_content_under_another_name(tmp_path: Path, corpus: Path) -> None:
    pdf = pdf_bytes(tmp_path)
    (corpus / "chapters" / "2019").mkdir(parents=True)
    (corpus / "chapters" / "2019" / "tobacco.pdf").write_bytes(pdf)
    (corpus / "indicators").mkdir()
    (corpus / "indicators" / "smoking.csv").write_bytes(CSV)
    before = files_under(corpus)

    result = publish(corpus, "copy of tobacco.pdf", pdf, 10)
    assert (result.action, result.path) == ("duplicate", "chapters/2019/tobacco.pdf")
    assert "nothing was written" in result.detail
    assert publish(corpus, "other.csv", CSV, 10) == Published(
        "indicators/smoking.csv",
        "duplicate",
        "The same content is already in the corpus as indicators/smoking.csv; nothing was written.",
    )
    assert files_under(corpus) == before


def test_publish_adds_a_numeric_suffix_rather_than_overwrite(tmp_path: Path, corpus: Path) -> None:
    first, second, third = (pdf_bytes(tmp_path, text) for text in ("first", "second", "third"))
    assert publish(corpus, "report.pdf", first, 10).path == "pdf/report.pdf"
    result = publish(corpus, "report.pdf", second, 10)
    assert (result.action, result.path) == ("added", "pdf/report-2.pdf")
    assert "renamed" in result.detail
    assert publish(corpus, "Report.PDF", third, 10).path == "pdf/Report.pdf"  # names are case-sensitive here
    assert publish(corpus, "report.pdf", third + b"\n", 10).path == "pdf/report-3.pdf"
    assert (corpus / "pdf" / "report.pdf").read_bytes() == first
    assert (corpus / "pdf" / "report-2.pdf").read_bytes() == second


def test_publish_suffix_keeps_long_names_within_the_limit(tmp_path: Path, corpus: Path) -> None:
    name = "a" * 200 + ".md"
    assert len(publish(corpus, name, b"one", 10).path) == len("briefings/") + 120
    second = publish(corpus, name, b"two", 10).path
    assert second.endswith("-2.md")
    assert len(second) == len("briefings/") + 120


def test_publish_replaces_a_version_under_the_same_name(tmp_path: Path, corpus: Path) -> None:
    old, new = pdf_bytes(tmp_path, "2019 edition"), pdf_bytes(tmp_path, "2024 edition")
    publish(corpus, "report.pdf", old, 10)
    result = publish(corpus, "report.pdf", new, 10, replace="pdf/report.pdf")
    assert (result.action, result.path) == ("replaced", "pdf/report.pdf")
    assert files_under(corpus) == {"pdf/report.pdf": new}


def test_publish_replaces_a_version_under_a_new_name_in_the_old_folder(tmp_path: Path, corpus: Path) -> None:
    old, new = pdf_bytes(tmp_path, "2019 edition"), pdf_bytes(tmp_path, "2024 edition")
    (corpus / "chapters").mkdir()
    (corpus / "chapters" / "tobacco-2019.pdf").write_bytes(old)
    (corpus / "chapters" / "tobacco-2024.pdf").write_bytes(b"%PDF-1.4 someone else's file")
    result = publish(corpus, "Tobacco 2024.pdf", new, 10, replace="chapters/tobacco-2019.pdf")
    assert result == Published(
        "chapters/Tobacco-2024.pdf",
        "replaced",
        "Replaced chapters/tobacco-2019.pdf with chapters/Tobacco-2024.pdf. Run `jsna ingest` to index it.",
    )
    assert publish(corpus, "tobacco-2024.pdf", new + b"\n", 10, replace="chapters/Tobacco-2024.pdf").path == (
        "chapters/tobacco-2024-2.pdf"
    )
    assert files_under(corpus) == {
        "chapters/tobacco-2024.pdf": b"%PDF-1.4 someone else's file",
        "chapters/tobacco-2024-2.pdf": new + b"\n",
    }


def test_publish_replace_with_identical_content_is_a_duplicate(tmp_path: Path, corpus: Path) -> None:
    pdf = pdf_bytes(tmp_path)
    publish(corpus, "report.pdf", pdf, 10)
    result = publish(corpus, "renamed.pdf", pdf, 10, replace="pdf/report.pdf")
    assert (result.action, result.path) == ("duplicate", "pdf/report.pdf")
    assert files_under(corpus) == {"pdf/report.pdf": pdf}


@pytest.mark.parametrize("replace", ["pdf/missing.pdf", "../outside.pdf", "/etc/hostname", "pdf", ".hidden.pdf"])
def test_publish_refuses_to_replace_what_is_not_a_corpus_file(tmp_path: Path, corpus: Path, replace: str) -> None:
    (tmp_path / "outside.pdf").write_bytes(b"%PDF-1.4 outside")
    (corpus / "pdf").mkdir()
    (corpus / ".hidden.pdf").write_bytes(b"%PDF-1.4 hidden")
    before = files_under(tmp_path)
    with pytest.raises(UploadError, match="nothing to replace") as error:
        publish(corpus, "new.pdf", pdf_bytes(tmp_path), 10, replace=replace)
    assert error.value.advice
    assert files_under(tmp_path) == before


def test_publish_refuses_to_replace_indicators_with_a_document(tmp_path: Path, corpus: Path) -> None:
    publish(corpus, "smoking.csv", CSV, 10)
    with pytest.raises(UploadError, match="cannot replace"):
        publish(corpus, "report.pdf", pdf_bytes(tmp_path), 10, replace="indicators/smoking.csv")
    assert files_under(corpus) == {"indicators/smoking.csv": CSV}


def test_publish_refuses_bad_uploads_without_writing(tmp_path: Path, corpus: Path) -> None:
    for name, data in [("image.pdf", PNG), ("", b"text"), ("big.txt", b"x" * 2_000_000), ("README.md", b"# Notes")]:
        with pytest.raises(UploadError):
            publish(corpus, name, data, 1)
    assert files_under(corpus) == {}
    with pytest.raises(UploadError, match="does not exist"):
        publish(tmp_path / "missing", "a.md", b"text", 1)
    assert not (tmp_path / "missing").exists()


def test_publish_leaves_no_temp_file_when_the_write_fails(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(UploadError, match="No space left on device") as error:
        publish(corpus, "a.md", b"text", 1)
    assert "writable" in error.value.advice
    assert files_under(corpus) == {}


def test_publish_works_where_hard_links_are_unsupported(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    assert publish(corpus, "a.md", b"one", 1).path == "briefings/a.md"
    assert publish(corpus, "a.md", b"two", 1).path == "briefings/a-2.md"
    assert files_under(corpus) == {"briefings/a.md": b"one", "briefings/a-2.md": b"two"}
