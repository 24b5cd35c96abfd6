"""Read one document into pages. The only module that opens documents.

PDF text comes from pypdfium2 (about 20x faster than pypdf here, resolves ligatures, and reports font size
and weight, which find headings); pypdf is the fallback for files pdfium cannot open. Word, HTML, Markdown
and plain text are read with python-docx, BeautifulSoup and markdown-it; those formats have no pages unless
Word recorded page breaks, and are cited by section.

Every failure is a :class:`DocumentError` naming the file and the cause, including exceptions no reader
anticipated (a damaged file can trip a parser anywhere). Time and memory are bounded one level up: ingest
reads each file in a worker process with limits (:mod:`assistant.parse_pool`).
"""

from __future__ import annotations

import ctypes
import re
import shutil
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.clean import SOFT_SPACE, TIGHT_SPACE, UNMAPPED_BASE, RawLine, clean_pages
from assistant.errors import DocumentError
from assistant.model import Page

SUFFIXES = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
}
MIN_TEXT_CHARS = 40  # less than this over a whole document means there is no usable text layer
# A PDF page with an image and less text than this has no text layer. In a scanned document (at least half of its
# pages so) Tesseract reads those pages, rendered at 300 dpi, each within OCR_PAGE_TIMEOUT_S (a page it has not read
# by then stays empty); a full-page chart in a typed report is left alone. The document as a whole is still bounded
# by the reader's time limit (``parse_timeout_s``).
MIN_PAGE_CHARS = 20
OCR_DPI = 300
OCR_PAGE_TIMEOUT_S = 30
INSTALL_TESSERACT = (
    "Install Tesseract OCR (`sudo apt-get install tesseract-ocr`, or `make ocr`) and run `jsna ingest` again; "
    "or add a copy with a text layer (for example from `ocrmypdf in.pdf out.pdf`)."
)
UNREADABLE = "could not be read"  # the reason for an error no reader anticipated
SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive or Office file",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"{\\rtf": "an RTF document",
    b"\xd0\xcf\x11\xe0": "an old Office (.doc/.xls) file",
}


@dataclass(frozen=True)
class ParsedDocument:
    pages: tuple[Page, ...]
    paged: bool
    title: str = ""  # from the file's own metadata, when it has a plausible one
    created: str = ""  # creation date as the file states it (PDF "D:2019...", ISO for Word)


@dataclass(frozen=True)
class _Extracted:
    """What a reader takes from a file, before cleaning: the raw lines of each page."""

    pages: list[list[RawLine]]
    paged: bool
    title: str = ""
    created: str = ""


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def read_document(
    path: Path, max_mb: float = 100.0, name: str | None = None, vocabulary: Iterable[str] = ()
) -> ParsedDocument:
    """Parse ``path``; raise :class:`DocumentError` naming ``name`` (default: the path) and the cause.
    ``vocabulary``: known words, beside the document's own, for mending words broken by glyph holes and line-end
    hyphens (ingest passes :func:`assistant.embed.model_words`)."""
    name = name or str(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise DocumentError(name, f"unsupported file type {path.suffix!r}", f"Use one of {', '.join(SUFFIXES)}.")
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # opening a named pipe would wait for a writer forever
            raise DocumentError(name, "not a regular file (a pipe, socket or device)", "Remove it from the corpus.")
        size = status.st_size
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise DocumentError(name, f"cannot be read ({exc.strerror or exc})", "Check the file's permissions.") from None
    if size == 0:
        raise DocumentError(name, "empty file (0 bytes)", "Copy the document again; the upload may have failed.")
    if size > max_mb * 1024 * 1024:
        raise DocumentError(
            name,
            f"file is {size / 1024 / 1024:.1f} MB, over the {max_mb:g} MB limit",
            "Raise max_file_mb (JSNA_MAX_FILE_MB) if this document is genuine.",
        )
    readers: dict[str, Callable[[Path, bytes, str], _Extracted]] = {
        "pdf": _read_pdf,
        "docx": _read_docx,
        "html": _read_html,
        "markdown": _read_markdown,
        "text": _read_text,
    }
    try:
        extracted = readers[fmt](path, head, name)
        read = _ocr_pages(path, extracted.pages) if fmt == "pdf" else {}
        raw_pages = [read.get(number, lines) for number, lines in enumerate(extracted.pages, 1)]
        pages = tuple(
            replace(page, ocr=True) if page.number in read else page for page in clean_pages(raw_pages, vocabulary)
        )
    except (DocumentError, MemoryError):
        raise
    except Exception as exc:  # a damaged file can trip any parser anywhere: it costs that file, not the ingest
        raise DocumentError(
            name,
            f"{UNREADABLE} ({type(exc).__name__}: {_short(exc)})",
            "Download or export the document again; if it opens elsewhere, report the error.",
        ) from exc
    if sum(len(page.text) for page in pages) < MIN_TEXT_CHARS:
        if fmt == "pdf" and not ocr_available():
            raise DocumentError(
                name,
                "no text layer (a scanned or image-only document), and Tesseract OCR is not installed",
                INSTALL_TESSERACT,
            )
        raise DocumentError(
            name,
            "no text layer (a scanned or image-only document), and OCR found no text in it",
            "Add a copy with a text layer (for example from `ocrmypdf in.pdf out.pdf`).",
        )
    return ParsedDocument(pages, extracted.paged, _plausible_title(extracted.title), extracted.created)


# --- PDF -----------------------------------------------------------------------------------------------


def ocr_available() -> bool:
    """Tesseract and its Python driver are installed."""
    try:
        import pytesseract  # noqa: F401
    except ImportError:
        return False
    return shutil.which("tesseract") is not None


def _ocr_pages(path: Path, raw_pages: list[list[RawLine]]) -> dict[int, list[RawLine]]:
    """In a scanned PDF, the pages that have an image but no text layer, read by Tesseract: their lines by page
    number (1-based)."""
    empty = [i for i, lines in enumerate(raw_pages) if sum(len(x.text.strip()) for x in lines) < MIN_PAGE_CHARS]
    if not empty or 2 * len(empty) < len(raw_pages) or not ocr_available():
        return {}
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c
    import pytesseract

    done: dict[int, list[RawLine]] = {}
    pdf = pdfium.PdfDocument(str(path))
    try:
        for i in empty:
            page = pdf[i]
            try:
                if not any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3)):
                    continue  # a blank page, not a picture of one
                image = page.render(scale=OCR_DPI / 72, grayscale=True).to_pil()
            finally:
                page.close()
            try:
                text = pytesseract.image_to_string(image, lang="eng", timeout=OCR_PAGE_TIMEOUT_S)
            except RuntimeError:  # over its time: the page stays empty
                continue
            lines = [RawLine(line) for line in text.splitlines() if line.strip()]
            if lines:
                done[i + 1] = lines
    finally:
        pdf.close()
    return done


def render_page(path: Path, page: int, scale: float = 1.5) -> bytes:
    """One page of a PDF (1-based) as PNG bytes, for showing a cited page."""
    import io

    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        if not 1 <= page <= len(pdf):
            raise DocumentError(str(path), f"has no page {page} (it has {len(pdf)})", "Run `jsna ingest` again.")
        image = pdf[page - 1].render(scale=scale).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    finally:
        pdf.close()


def _read_pdf(path: Path, head: bytes, name: str) -> _Extracted:
    if b"%PDF-" not in head:
        what = next((label for sig, label in SIGNATURES.items() if head.startswith(sig)), None)
        if what is None and head.lstrip()[:1] == b"<":
            what = "an HTML or XML page"
        raise DocumentError(
            name,
            f"not a PDF (the file looks like {what or 'something else'})",
            "Save or export it as PDF, or give it its proper extension.",
        )
    try:
        raw_pages, meta = _pdfium_lines(path)
    except _EncryptedError:
        raise DocumentError(
            name, "encrypted (password-protected) PDF", "Ask the publisher for an unprotected copy."
        ) from None
    except Exception as pdfium_error:  # pdfium could not open or read it: give pypdf a chance
        try:
            raw_pages, meta = _pypdf_lines(path)
        except _EncryptedError:
            raise DocumentError(name, "encrypted (password-protected) PDF", "Ask for an unprotected copy.") from None
        except Exception as pypdf_error:
            raise DocumentError(
                name,
                f"corrupt or damaged PDF ({_short(pdfium_error)}; pypdf: {_short(pypdf_error)})",
                "Download or export the document again.",
            ) from None
    return _Extracted(raw_pages, paged=True, title=meta.get("Title", ""), created=meta.get("CreationDate", ""))


class _EncryptedError(Exception):
    pass


def _short(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__).strip().rstrip(".")[:160]


def _pdfium_lines(path: Path) -> tuple[list[list[RawLine]], dict[str, str]]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise _EncryptedError from exc
        raise
    try:
        meta = {key: str(value) for key, value in pdf.get_metadata_dict(skip_empty=True).items()}
        pages = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            try:
                pages.append(_pdfium_page_lines(textpage, pdfium_c))
            finally:
                textpage.close()
                page.close()
        return pages, meta
    finally:
        pdf.close()


def _pdfium_page_lines(textpage: object, pdfium_c: object) -> list[RawLine]:
    text: str = textpage.get_text_range()  # type: ignore[attr-defined]
    count: int = textpage.count_chars()  # type: ignore[attr-defined]
    handle = textpage.raw  # type: ignore[attr-defined]
    aligned = count == len(text)  # char indices match string offsets (always so on our corpus)
    if aligned:
        text = _mark_unmapped(_soften_spaces(text, handle, pdfium_c), handle, pdfium_c)
    lines = []
    offset = 0
    box = tuple(ctypes.c_double() for _ in range(4))  # left, right, bottom, top of one character
    for line in re.split(r"\r\n|\n|\r", text):
        size = weight = last_size = last_weight = left = right = first_word = 0.0
        stripped = line.rstrip()
        if aligned and stripped.strip():
            first = offset + len(line) - len(line.lstrip())
            last = offset + len(stripped) - 1
            size = pdfium_c.FPDFText_GetFontSize(handle, first)  # type: ignore[attr-defined]
            weight = pdfium_c.FPDFText_GetFontWeight(handle, first)  # type: ignore[attr-defined]
            last_size = pdfium_c.FPDFText_GetFontSize(handle, last)  # type: ignore[attr-defined]
            last_weight = pdfium_c.FPDFText_GetFontWeight(handle, last)  # type: ignore[attr-defined]
            space = re.search(r"\s", stripped.lstrip())
            word_end = first + (space.start() if space else len(stripped.lstrip())) - 1
            left = _char_box(handle, pdfium_c, first, box)[0]
            right = _char_box(handle, pdfium_c, last, box)[1]
            first_word = _char_box(handle, pdfium_c, word_end, box)[1] - left
        lines.append(
            RawLine(
                line, 0, float(size), int(weight), float(last_size), int(last_weight), left, right, max(first_word, 0.0)
            )
        )
        offset += len(line) + 2 if text[offset + len(line) : offset + len(line) + 2] == "\r\n" else len(line) + 1
    return lines


def _char_box(handle: object, pdfium_c: object, index: int, box: tuple[ctypes.c_double, ...]) -> tuple[float, float]:
    """The left and right edges of character ``index``, in points."""
    left, right, bottom, top = box
    pdfium_c.FPDFText_GetCharBox(handle, index, left, right, bottom, top)  # type: ignore[attr-defined]
    return left.value, right.value


# A space between two letters that pdfium made up (the file has none there) where the letters' boxes stand closer
# than this share of the font size: maybe a gap between words, maybe a font's wide "f" read as one ("f rom",
# "dif ferent": 0.08-0.2 of the size; spaces between words stand 0.25-0.6 apart, nearly all over 0.3; in a report
# set with wide letter spacing, "C hildren" and "E ngland" stand 0.2-0.34 apart). Closer than TIGHT_GAP, the 143 PDFs
# hold no two words that make a third ("of ten" there is "often").
SOFT_GAP = 0.35
TIGHT_GAP = 0.15
BETWEEN_LETTERS = re.compile(r"(?<=[A-Za-z]) (?=-?[A-Za-z])")  # or before a hyphen and a letter: "self -harm"


def _soften_spaces(text: str, handle: object, pdfium_c: object) -> str:
    """The text with each space pdfium made up between two close letters as :data:`SOFT_SPACE` (or, closer still,
    :data:`TIGHT_SPACE`), which cleaning reads as a space or as nothing, by the dictionary
    (:func:`assistant.clean.repair_text`). Same length: the characters keep their indices."""
    box = tuple(ctypes.c_double() for _ in range(4))
    soft = []
    for match in BETWEEN_LETTERS.finditer(text):
        at = match.start()
        if not pdfium_c.FPDFText_IsGenerated(handle, at):  # type: ignore[attr-defined]
            continue
        size = pdfium_c.FPDFText_GetFontSize(handle, at - 1)  # type: ignore[attr-defined]
        gap = _char_box(handle, pdfium_c, at + 1, box)[0] - _char_box(handle, pdfium_c, at - 1, box)[1]
        if size > 0 and 0 <= gap < SOFT_GAP * size:
            soft.append((at, TIGHT_SPACE if gap < TIGHT_GAP * size else SOFT_SPACE))
    if not soft:
        return text
    chars = list(text)
    for at, mark in soft:
        chars[at] = mark
    return "".join(chars)


NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e\r\n\t]")


def _mark_unmapped(text: str, handle: object, pdfium_c: object) -> str:
    """The text with each character that pdfium could not map to Unicode (its font has no table for it, and pdfium
    gives the font's own code: "Ŏvoiceŏ", "Ţell located", "Brook\\x1feld") as ``UNMAPPED_BASE`` plus that code, for
    cleaning to read by its place in its word (:func:`assistant.clean.repair_text`). Same length. Only characters
    outside printable ASCII are asked about: the codes that come out so are not letters a reader would take for
    text (older pdfium, without the question, leaves the text as it is)."""
    unmapped = getattr(pdfium_c, "FPDFText_HasUnicodeMapError", None)
    if unmapped is None:
        return text
    marked = [
        m.start()
        for m in NOT_PRINTABLE_ASCII.finditer(text)
        if ord(m.group()) < 0xFFFE and unmapped(handle, m.start()) == 1
    ]
    if not marked:
        return text
    chars = list(text)
    for at in marked:
        chars[at] = chr(UNMAPPED_BASE + ord(chars[at]))
    return "".join(chars)


def _pypdf_lines(path: Path) -> tuple[list[list[RawLine]], dict[str, str]]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                raise _EncryptedError
        except Exception as exc:
            raise _EncryptedError from exc
    meta = {key.lstrip("/"): str(value) for key, value in (reader.metadata or {}).items()}
    pages = [[RawLine(line) for line in (page.extract_text() or "").splitlines()] for page in reader.pages]
    return pages, meta


# What tools and templates leave in a PDF's Title field: R's graphics device, a photo frame's name, a survey
# template's "Client name", a house style's Word template.
PLACEHOLDER_TITLE = re.compile(
    r"^(?:microsoft word|microsoft powerpoint|untitled|slide 1|powerpoint|r graphics output|full page photo|"
    r"client name|document\d*$|presentation\d*$)|\btemplate\b",
    re.IGNORECASE,
)


def _plausible_title(title: str) -> str:
    """A PDF's Title field, unless it is a file name or a tool's placeholder."""
    title = re.sub(r"\s+", " ", title).strip()
    if (
        len(title) < 8
        or len(title.split()) < 2
        or re.search(r"\.(docx?|pptx?|xlsx?|pdf|indd|qxd)$", title.lower())
        or PLACEHOLDER_TITLE.search(title)
    ):
        return ""
    return title


# --- Word ----------------------------------------------------------------------------------------------


def _read_docx(path: Path, head: bytes, name: str) -> _Extracted:
    if not head.startswith(b"PK"):
        raise DocumentError(name, "not a Word .docx file (not a ZIP package)", "Save it again as .docx.")
    try:
        import docx
        from docx.oxml.ns import qn
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(str(path))
    except Exception as exc:
        raise DocumentError(
            name, f"corrupt or unreadable Word file ({_short(exc)})", "Save it again as .docx."
        ) from None
    pages: list[list[RawLine]] = [[]]
    body = document.element.body
    for element in body.iterchildren():
        if element.tag == qn("w:p"):
            paragraph = Paragraph(element, document)
            breaks = element.findall(".//" + qn("w:br"))
            page_break = any(br.get(qn("w:type")) == "page" for br in breaks)
            if (page_break or element.findall(".//" + qn("w:lastRenderedPageBreak"))) and pages[-1]:
                pages.append([])
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            level = _docx_heading_level(style)
            for line in paragraph.text.splitlines():
                if line.strip():
                    prefix = "• " if "list" in style.lower() and not level else ""
                    pages[-1].append(RawLine(prefix + line, level))
        elif element.tag == qn("w:tbl"):
            table = Table(element, document)
            for row in table.rows:
                cells = _unique(cell.text.strip() for cell in row.cells)
                if any(cells):
                    pages[-1].append(RawLine(" | ".join(cells)))
    props = document.core_properties
    created = props.created.isoformat() if props.created else ""
    return _Extracted(pages, paged=len(pages) > 1, title=props.title or "", created=created)


def _docx_heading_level(style: str) -> int:
    if style.lower() == "title":
        return 1
    match = re.match(r"heading\s*(\d)", style, re.IGNORECASE)
    return min(6, int(match.group(1))) if match else 0


def _unique(cells: object) -> list[str]:
    """Merged Word cells repeat their text in every grid cell they span: keep one copy."""
    out: list[str] = []
    for cell in cells:  # type: ignore[attr-defined]
        if not out or cell != out[-1]:
            out.append(cell)
    return out


# --- HTML, Markdown, text ------------------------------------------------------------------------------

_HEADING_MARK = "\x02H"


def _read_text_file(path: Path, name: str) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise DocumentError(name, "binary data, not text", "Check the file's type and extension.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def html_lines(html: str) -> tuple[list[RawLine], str]:
    """Lines of an HTML page's readable text, headings marked, and its <title>."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg", "template"]):
        tag.decompose()
    for level in range(1, 7):
        for tag in soup.find_all(f"h{level}"):
            tag.replace_with(f"\n{_HEADING_MARK}{level} {tag.get_text(' ', strip=True)}\n")
    for row in soup.find_all("tr"):
        cells = [cell.get_text(" ", strip=True) for cell in row.find_all(["td", "th"])]
        row.replace_with("\n" + " | ".join(cell for cell in cells if cell) + "\n")
    for item in soup.find_all("li"):
        item.insert(0, "\n• ")
    for tag in soup.find_all(["p", "div", "br", "section", "article", "blockquote", "pre", "dt", "dd", "tr"]):
        tag.insert_before("\n")
        tag.insert_after("\n")
    root = soup.body or soup
    lines = []
    for line in root.get_text().splitlines():
        line = line.strip()
        if line.startswith(_HEADING_MARK):
            lines.append(RawLine(line[len(_HEADING_MARK) + 2 :], int(line[len(_HEADING_MARK)])))
        elif line:
            lines.append(RawLine(line))
    return lines, title


def _read_html(path: Path, head: bytes, name: str) -> _Extracted:
    lines, title = html_lines(_read_text_file(path, name))
    return _Extracted([lines], paged=False, title=title)


def _read_markdown(path: Path, head: bytes, name: str) -> _Extracted:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(_read_text_file(path, name))
    lines, _ = html_lines(html)
    first_heading = next((line.text for line in lines if line.heading == 1), "")
    return _Extracted([lines], paged=False, title=first_heading)


def _read_text(path: Path, head: bytes, name: str) -> _Extracted:
    lines = [RawLine(line) for line in _read_text_file(path, name).splitlines() if line.strip()]
    return _Extracted([lines], paged=False)
