"""The corpus folder: which files are documents, their content hashes, and their citation metadata.

Metadata (title, publisher, year, kind) comes from ``MANIFEST.csv`` at the corpus root when it lists the file
(columns ``file,kind,title,publisher,year``; others are ignored), else from the document itself: its metadata
title, its first heading, its file name; the year from the title or file name, else the creation date.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.clean import HEADING_WORDS, UNREAD_LETTERS
from assistant.indicators.load import INDICATOR_SUFFIXES, file_citation
from assistant.indicators.tidy import SIDECAR
from assistant.model import DocumentInfo
from assistant.parse import ParsedDocument, is_supported

MANIFEST_NAMES = ("MANIFEST.csv", "manifest.csv")
INDICATOR_FOLDER = "indicators"
IGNORED_NAMES = {"readme.md", "readme.txt", "licence.txt", "license.txt", "licence.md", "license.md"}
KINDS = ("chapter", "briefing", "overview", "pna", "dphar", "other")
YEAR = re.compile(r"(?<!\d)((?:19[89]|20[0-4])\d)(?!\d)")
MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
SEASONS = "spring|summer|autumn|winter"
DATE = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?(?:{MONTHS}|{SEASONS})?\s*(?:19|20)\d\d"
# A date alone, or a label's date ("Next release: Winter 2017", "Date: June 2017").
DATE_ONLY = re.compile(rf"^(?:(?:\w+\s+)?\w+:\s*)?{DATE}$", re.IGNORECASE)
# Who wrote it: a person ("Dr ...", "..., Principal Public Health Analyst") or a unit ("Public Health and Social
# Research Unit").
BYLINE = re.compile(
    r"^(?:dr|prof(?:essor)?|mr|mrs|ms|miss)\.?\s|\b(?:analyst|officer|consultant)\b|\b(?:unit|department|directorate)$",
    re.IGNORECASE,
)
# Cover lines that are no title: a section's name beyond the headings cleaning knows ("Purpose of Briefing",
# "APPENDICES"), a document's status or handling mark ("CONTAINS PROVISIONAL DATA", "Official - Sensitive"), an
# instruction to the reader ("To download the profile please visit ...") or an address.
NOT_TITLE = re.compile(
    r"^(?:purpose(?:\s+of\s+(?:the\s+|this\s+)?\w+)?|appendices)$"
    r"|^(?:contains\s+)?(?:provisional|draft|confidential|restricted|embargoed|official(?:[\s-]+sensitive)?"
    r"|not\s+for\s+(?:publication|circulation))(?:\s+(?:data|version|report|document))?$"
    r"|\bplease\b|\bclick\b|www\.|https?:|\S@\S",
    re.IGNORECASE,
)
TITLE_WORD = re.compile(r"[a-z]{4,}")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    rel: str  # POSIX path relative to the corpus root: the document's id in the index and in citations
    sha256: str


def scan(corpus: Path) -> list[SourceFile]:
    """Every document file under ``corpus``, sorted, with content hashes."""
    return [SourceFile(path, rel, file_sha256(path)) for path, rel in document_paths(corpus)]


def document_paths(corpus: Path) -> list[tuple[Path, str]]:
    """The document files (path, path relative to the corpus) without reading them. Indicator data
    (``indicators/``), hidden files and the corpus's own README/licence files are not documents."""
    found = []
    for path in sorted(corpus.rglob("*")):
        rel = path.relative_to(corpus)
        if any(part.startswith(".") for part in rel.parts) or rel.parts[0] == INDICATOR_FOLDER:
            continue
        if path.name.lower() in IGNORED_NAMES or not is_supported(path) or path.is_dir():
            continue
        found.append((path, rel.as_posix()))
    return found


def indicator_files(corpus: Path) -> dict[str, str]:
    """Content hashes of the indicator data files (and their sidecar metadata) under ``indicators/``."""
    folder = corpus / INDICATOR_FOLDER
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(corpus).as_posix(): file_sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in INDICATOR_SUFFIXES
    }


def dataset_info(corpus: Path, files: dict[str, str]) -> dict[str, DocumentInfo]:
    """The reference of each indicator data file in ``files`` (path -> sha256, as :func:`indicator_files` gives;
    sidecars are skipped): its corpus-manifest row, else what the file says (:func:`file_citation`: its sidecar,
    a workbook's properties), else its file name; the year from the manifest, the sidecar, the title, the file
    name or the workbook's creation date."""
    catalogue = read_catalogue(corpus)
    out = {}
    for rel, sha256 in files.items():
        if rel.lower().endswith(SIDECAR):
            continue
        row, own = catalogue.get(rel, {}), file_citation(corpus / rel, rel)
        title = row.get("title", "").strip() or own.get("title", "") or _title_from_name(rel)
        year = (
            _int(row.get("year"))
            or _int(own.get("year"))
            or _year(title)
            or _year(Path(rel).stem)
            or _int(own.get("created"))
        )
        publisher = row.get("publisher", "").strip() or own.get("publisher", "")
        out[rel] = DocumentInfo(rel, title, "indicators", year, publisher, sha256, paged=False)
    return out


def file_sha256(path: Path) -> str:
    """Content hash; empty for a file that cannot be read (the parser then reports why)."""
    digest = hashlib.sha256()
    try:
        if not path.is_file():  # a named pipe would block the scan until something writes to it
            return ""
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()


def read_catalogue(corpus: Path) -> dict[str, dict[str, str]]:
    """Rows of the corpus manifest keyed by relative file path; empty when there is none."""
    for name in MANIFEST_NAMES:
        path = corpus / name
        if path.is_file():
            with path.open(newline="", encoding="utf-8-sig") as handle:
                return {row["file"].strip(): row for row in csv.DictReader(handle) if row.get("file")}
    return {}


def document_info(source: SourceFile, parsed: ParsedDocument, row: dict[str, str] | None) -> DocumentInfo:
    row = row or {}
    title = (
        row.get("title", "").strip()
        or (parsed.title if _names_its_text(parsed) else "")
        or _first_heading(parsed)
        or _title_from_name(source.rel)
    )
    year = _int(row.get("year")) or _year(title) or _year(Path(source.rel).stem) or _created_year(parsed.created)
    kind = row.get("kind", "").strip().lower() or guess_kind(f"{title} {Path(source.rel).stem}")
    return DocumentInfo(
        path=source.rel,
        title=title,
        kind=kind,
        year=year,
        publisher=row.get("publisher", "").strip(),
        sha256=source.sha256,
        paged=parsed.paged,
        pages=len(parsed.pages),
    )


def guess_kind(text: str) -> str:
    text = text.lower().replace("-", " ").replace("_", " ")
    if "pharmaceutical needs" in text or re.search(r"\bpna\b", text):
        return "pna"
    if "annual report" in text or "annual public health report" in text or "director of public health" in text:
        return "dphar"
    if "needs assessment" in text or "needs analysis" in text or "chapter" in text or re.search(r"\bhna\b", text):
        return "chapter"
    if any(word in text for word in ("briefing", "audit", "review", "bulletin")):
        return "briefing"
    if any(word in text for word in ("jsna", "profile", "summary", "overview")):
        return "overview"
    return "other"


def _first_heading(parsed: ParsedDocument) -> str:
    """The top heading of the first page with one that can title the document; none when its font left letters
    unread ("Greetingƹ froƔ…": :data:`assistant.clean.UNMAPPED`), so that the file's name titles it instead."""
    for page in parsed.pages[:2]:
        headings = [block for block in page.blocks if block.heading and _titles(block.text)]
        if headings:
            best = min(headings, key=lambda block: block.heading)
            return "" if UNREAD_LETTERS.search(best.text) else best.text
    return ""


def _names_its_text(parsed: ParsedDocument) -> bool:
    """The file's Title field names something its first pages say. One that does not ("Diagnostics Weekly Summary
    Report" on three data packs about community teams) was left by the template or the document it was copied from."""
    words = TITLE_WORD.findall(parsed.title.lower())
    text = " ".join(block.text for page in parsed.pages[:3] for block in page.blocks).lower()
    return not words or any(word in text for word in words)  # no word to check by ("PNA 2018"): kept


def _titles(heading: str) -> bool:
    """The heading could title a document: not a section's name ("Introduction", "Background", "Key messages",
    "Purpose of Briefing", "Chapter 2: ..."), a label ("Data Briefing:"), a question, a table's header ("... Area %
    Respondents ..."), a date ("September 2010", "Next release: Winter 2017"), a byline ("Dr ..., Principal Public
    Health Analyst", "... Research Unit"), a status mark ("CONTAINS PROVISIONAL DATA") or an instruction ("To
    download the profile please visit ...")."""
    return (
        len(heading) >= 8
        and not HEADING_WORDS.match(heading)
        and not re.match(r"(?:chapter|section|part)\s+\d", heading, re.IGNORECASE)
        and heading.rstrip()[-1:] not in ":?"
        and "%" not in heading
        and not DATE_ONLY.match(heading)
        and not BYLINE.search(heading)
        and not NOT_TITLE.search(heading)
    )


def _title_from_name(rel: str) -> str:
    """The file's name as words, without the folders a website export flattens into it ("assets_core__...") and
    without a date it starts with ("2025_01_22_Housing_Tenure_Briefing": the year is read from the name apart)."""
    stem = Path(rel).stem.rsplit("__", 1)[-1]
    words = re.sub(r"[-_]+", " ", stem).strip()
    words = re.sub(r"^(?:19|20)\d\d (?:[01]\d )(?:[0-3]\d )?(?=\w)", "", words)
    return words[:1].upper() + words[1:]


def _year(text: str) -> int | None:
    match = YEAR.search(text or "")
    return int(match.group(1)) if match else None


def _created_year(created: str) -> int | None:
    """The year of a creation date as files state it: PDF "D:20190304...", ISO "2019-03-04T..."."""
    match = re.match(r"(?:D:)?((?:19|20)\d\d)", created.strip())
    return int(match.group(1)) if match else None


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip()[:4]) if value and str(value).strip() else None
    except ValueError:
        return None
