"""The frozen dataclasses every stage passes on: parse -> chunk -> store -> retrieve -> answer."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from assistant.codes import codes_in
from assistant.text import split_sentences


def dated(title: str, year: int | None) -> str:
    """``title (year)``, or the title alone when there is no year or the title already names it ("Local Health
    Profile (2020)", "Dementia Strategy 2020 - 2023"): a reader is never shown the year twice."""
    if not year or re.search(rf"(?<!\d){year}(?!\d)", title):
        return title
    return f"{title} ({year})"


@dataclass(frozen=True)
class Block:
    """A paragraph, list item, table row or heading on one page. ``heading`` is 0 for body text, else 1-6."""

    text: str
    heading: int = 0


@dataclass(frozen=True)
class Page:
    """One physical page (1-based). Formats without pages (HTML, Markdown, text) have a single page 1."""

    number: int
    blocks: tuple[Block, ...]
    ocr: bool = False  # its text was read from the page's image by Tesseract (it had no text layer)

    @property
    def text(self) -> str:
        return "\n".join(block.text for block in self.blocks)


@dataclass(frozen=True)
class DocumentInfo:
    """What a citation needs to know about a document. ``path`` is relative to the corpus root."""

    path: str
    title: str
    kind: str
    year: int | None
    publisher: str
    sha256: str
    paged: bool = True
    pages: int = 0


@dataclass(frozen=True)
class Chunk:
    """A passage that fits the embedding model's window, with everything needed to cite it."""

    id: str
    doc: str
    title: str
    kind: str
    year: int | None
    publisher: str
    page_start: int
    page_end: int
    section: str
    text: str
    recommendation: bool = False
    paged: bool = True
    ocr: bool = False  # read by OCR from a page without a text layer: the words may hold recognition errors

    @property
    def pages_label(self) -> str:
        if not self.paged:
            return f"section “{self.section}”" if self.section else "whole document"
        if self.page_start == self.page_end:
            return f"p. {self.page_start}"
        return f"pp. {self.page_start}-{self.page_end}"

    @property
    def citation(self) -> str:
        """Short reference: title (year), page(s)."""
        ocr = " (text read by OCR)" if self.ocr else ""
        return f"{dated(self.title, self.year)}, {self.pages_label}{ocr}"


def chunk_id(doc_sha256: str, ordinal: int, text: str) -> str:
    """Content-derived id: the same document content always yields the same ids, whatever its file name."""
    return hashlib.sha1(f"{doc_sha256}:{ordinal}:{text}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Hit:
    """A page found for a question: ``chunk`` is its best passage, ``passages`` every passage of that page that
    matched, in reading order (the best among them). ``score`` orders the results (the best passage's fused rank
    score); ``similarity`` is the cosine similarity of question and the page's closest passage."""

    chunk: Chunk
    score: float
    similarity: float = 0.0
    passages: tuple[Chunk, ...] = ()
    also_in: tuple[Chunk, ...] = ()  # the same passage in other documents (versions, copies), not shown again

    @property
    def page_passages(self) -> tuple[Chunk, ...]:
        return self.passages or (self.chunk,)

    @property
    def text(self) -> str:
        """The page's matching passages as one text, in reading order, the sentences two passages share (their
        overlap) once."""
        if len(self.page_passages) == 1:
            return self.chunk.text
        seen: set[str] = set()
        sentences = []
        for passage in self.page_passages:
            for sentence in split_sentences(passage.text):
                if sentence not in seen:
                    seen.add(sentence)
                    sentences.append(sentence)
        return " ".join(sentences)

    @property
    def codes(self) -> tuple[str, ...]:
        """The indicator codes its passages cite ("NI 56", "PHOF C09a"), canonical, in reading order."""
        return tuple(dict.fromkeys(code for passage in self.page_passages for code in codes_in(passage.text)))

    @property
    def page_start(self) -> int:
        return min(c.page_start for c in self.page_passages)

    @property
    def page_end(self) -> int:
        return max(c.page_end for c in self.page_passages)

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of a search hit (see README, "JSON interface")."""
        c = self.chunk
        return {
            "doc": c.doc,
            "title": c.title,
            "kind": c.kind,
            "year": c.year,
            "page_start": c.page_start,
            "page_end": c.page_end,
            "section": c.section,
            "text": c.text,
            "score": round(self.score, 5),
            "similarity": round(self.similarity, 4),
            "recommendation": c.recommendation,
            "ocr": c.ocr,
            "codes": list(self.codes),
            "page_passages": [
                {"text": p.text, "page_start": p.page_start, "page_end": p.page_end, "section": p.section}
                for p in self.page_passages
            ],
            "also_in": [
                {"doc": a.doc, "title": a.title, "year": a.year, "page_start": a.page_start, "page_end": a.page_end}
                for a in self.also_in
            ],
        }


@dataclass(frozen=True)
class Recommendation:
    """One recommendation, whole sentences as the document words it, with everything needed to cite it.
    ``also_in`` holds the other places that restate it (an executive summary, another version), never shown twice."""

    id: str
    doc: str
    title: str
    kind: str
    year: int | None
    publisher: str
    page_start: int
    page_end: int
    section: str
    text: str
    paged: bool = True
    ocr: bool = False  # read by OCR from a page without a text layer
    also_in: tuple[Recommendation, ...] = ()

    recommendation = True  # what the search filters ask of a passage: an item always is one

    @property
    def pages_label(self) -> str:
        if not self.paged:
            return f"section “{self.section}”" if self.section else "whole document"
        if self.page_start == self.page_end:
            return f"p. {self.page_start}"
        return f"pp. {self.page_start}-{self.page_end}"

    @property
    def citation(self) -> str:
        return f"{dated(self.title, self.year)}, {self.pages_label}"

    def with_places(self, others: tuple[Recommendation, ...]) -> Recommendation:
        return replace(self, also_in=self.also_in + others)

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of an item (see README, "Recommendations"); fields are only ever added."""
        return {
            "doc": self.doc,
            "title": self.title,
            "year": self.year,
            "page": self.page_start,
            "page_end": self.page_end,
            "section": self.section,
            "text": self.text,
            "kind": self.kind,
            "ocr": self.ocr,
            "also_in": [
                {"doc": o.doc, "title": o.title, "year": o.year, "page": o.page_start, "section": o.section}
                for o in self.also_in
            ],
        }


@dataclass(frozen=True)
class Citation:
    number: int
    doc: str
    title: str
    page_start: int
    page_end: int
    section: str


@dataclass(frozen=True)
class Answer:
    """A grounded extractive answer: sentences copied from the passages, each with a numbered citation."""

    text: str
    citations: tuple[Citation, ...] = ()
    abstained: bool = False
    doubt: float | None = None  # the calibrated chance that the documents do not answer the question
    caution: str = ""  # what to know before quoting it: its sentences are about other places than the one asked
    quoted: tuple[str, ...] = ()  # what it copies from the pages, to mark there: sentences as quoted, a table's row

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "citations": [asdict(c) for c in self.citations],
            "abstained": self.abstained,
            "doubt": None if self.doubt is None else round(self.doubt, 4),
            "caution": self.caution,
        }


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str

    @property
    def label(self) -> str:
        """What to show: the file and why ("indicators/x.xlsx#Births: dashboard sheet: ...")."""
        return self.reason if self.reason.startswith(self.path) else f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class IngestReport:
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    moved: tuple[str, ...] = ()  # renamed or moved files: same content, so nothing re-embedded
    skipped: tuple[SkippedFile, ...] = ()
    chunks: int = 0
    chunks_embedded: int = 0
    sentences_embedded: int = 0  # distinct quotable sentences of the new chunks
    indicator_rows: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    rebuilt_because: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.moved)
