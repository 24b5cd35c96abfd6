"""Benchmark PDF text extraction: pypdf versus pypdfium2.

What it measures
----------------
For every PDF in a corpus folder, each library extracts text page by page:

* pypdf:     ``PdfReader(path).pages[i].extract_text()``
* pypdfium2: ``PdfDocument(path)[i].get_textpage().get_text_range()``

The whole corpus pass is timed ``--repeat`` times with ``time.perf_counter``
and the MEDIAN is reported. A file that raises is counted as failed (its pages
are discarded) and the run carries on.

Per library the report gives: files read, files failed, pages, pages with no
text (after ``strip``), median seconds, pages/s, and quality counters over all
extracted text: NUL characters, ligature glyphs (ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ), U+FFFE
characters, line-end hyphenations (``[a-z]-\\s*\\n\\s*[a-z]``) and total
characters. It also prints the speed ratio (pdfium pages/s over pypdf pages/s).

The table goes to stdout and to ``bench/results/parsers.md``.

How to run
----------
    python bench/parsers.py [--corpus DIR] [--repeat N]

The default corpus is ``../shared/corpus/pdf`` relative to the repository
root, resolved from this file's location so it works from any cwd.
Dependencies: the standard library, pypdf and pypdfium2 only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
from common import machine, write_results

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "pdf"

LIGATURES = frozenset("\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06")
HYPHENATION = re.compile(r"[a-z]-\s*\n\s*[a-z]")

Extractor = Callable[[Path], list[str]]


def extract_pypdf(path: Path) -> list[str]:
    """Return the text of every page of ``path`` using pypdf."""
    reader = pypdf.PdfReader(path)
    return [page.extract_text() for page in reader.pages]


def extract_pdfium(path: Path) -> list[str]:
    """Return the text of every page of ``path`` using pypdfium2."""
    doc = pdfium.PdfDocument(path)
    try:
        return [_pdfium_page_text(doc, i) for i in range(len(doc))]
    finally:
        doc.close()


def _pdfium_page_text(doc: pdfium.PdfDocument, index: int) -> str:
    page = doc[index]
    textpage = page.get_textpage()
    try:
        return textpage.get_text_range()
    finally:
        textpage.close()
        page.close()


EXTRACTORS: dict[str, Extractor] = {
    "pypdf": extract_pypdf,
    "pypdfium2": extract_pdfium,
}


@dataclass
class PassResult:
    """Outcome of one pass of one library over the corpus."""

    seconds: float
    pages: list[str] = field(default_factory=list)
    files_read: int = 0
    failures: dict[str, str] = field(default_factory=dict)


@dataclass
class LibraryReport:
    """Aggregated numbers for one library."""

    name: str
    files_read: int
    files_failed: int
    pages: int
    empty_pages: int
    median_s: float
    nul: int
    ligatures: int
    fffe: int
    hyphenations: int
    chars: int
    failures: dict[str, str]

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.median_s if self.median_s else 0.0


def run_pass(extract: Extractor, pdfs: list[Path]) -> PassResult:
    """Extract every PDF once, timing the whole pass."""
    result = PassResult(seconds=0.0)
    start = time.perf_counter()
    for path in pdfs:
        try:
            texts = extract(path)
        except Exception as exc:  # noqa: BLE001 - count any failure, keep going
            result.failures[path.name] = f"{type(exc).__name__}: {exc}"[:120]
            continue
        result.pages.extend(texts)
        result.files_read += 1
    result.seconds = time.perf_counter() - start
    return result


def summarise(name: str, passes: list[PassResult]) -> LibraryReport:
    """Combine the timed passes into one report; text stats use the last pass."""
    last = passes[-1]
    text = "".join(last.pages)
    return LibraryReport(
        name=name,
        files_read=last.files_read,
        files_failed=len(last.failures),
        pages=len(last.pages),
        empty_pages=sum(1 for page in last.pages if not page.strip()),
        median_s=statistics.median(p.seconds for p in passes),
        nul=text.count("\x00"),
        ligatures=sum(1 for ch in text if ch in LIGATURES),
        fffe=text.count("\ufffe"),
        hyphenations=sum(len(HYPHENATION.findall(page)) for page in last.pages),
        chars=len(text),
        failures=last.failures,
    )


def benchmark(name: str, pdfs: list[Path], repeat: int) -> LibraryReport:
    """Run ``repeat`` timed passes of one library and summarise them."""
    passes = []
    for i in range(repeat):
        passes.append(run_pass(EXTRACTORS[name], pdfs))
        print(f"  {name} pass {i + 1}/{repeat}: {passes[-1].seconds:.2f} s", flush=True)
    return summarise(name, passes)


COLUMNS = (
    "library",
    "files read",
    "files failed",
    "pages",
    "empty pages",
    "median s",
    "pages/s",
    "NUL",
    "ligatures",
    "U+FFFE",
    "hyphenations",
    "chars",
)


def table_rows(reports: list[LibraryReport]) -> Iterator[str]:
    """Yield the markdown table, one line at a time."""
    yield "| " + " | ".join(COLUMNS) + " |"
    yield "|" + "|".join("---" if c == "library" else "---:" for c in COLUMNS) + "|"
    for r in reports:
        cells = (
            r.name,
            r.files_read,
            r.files_failed,
            r.pages,
            r.empty_pages,
            f"{r.median_s:.2f}",
            f"{r.pages_per_s:.1f}",
            r.nul,
            r.ligatures,
            r.fffe,
            r.hyphenations,
            r.chars,
        )
        yield "| " + " | ".join(str(c) for c in cells) + " |"


def render(reports: list[LibraryReport], corpus: Path, repeat: int) -> str:
    """Render the full markdown report (header, table, ratio, failures)."""
    by_name = {r.name: r for r in reports}
    base = by_name["pypdf"].pages_per_s
    ratio = by_name["pypdfium2"].pages_per_s / base if base else float("nan")
    lines = [
        f"# Parser benchmark, {dt.date.today().isoformat()}",
        "",
        f"Corpus: `{corpus}`; {machine()}; "
        f"pypdf {version('pypdf')}, pypdfium2 {version('pypdfium2')} "
        f"(pdfium {pdfium.version.PDFIUM_INFO}); median of {repeat} passes.",
        "",
        *table_rows(reports),
        "",
        f"Speed ratio (pypdfium2 pages/s / pypdf pages/s): {ratio:.1f}x",
    ]
    for r in reports:
        for fname, err in sorted(r.failures.items()):
            lines.append(f"- {r.name} failed on `{fname}`: {err}")
    return "\n".join(lines) + "\n"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help=f"folder of PDFs (default: {DEFAULT_CORPUS})"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per library; the median is reported")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main() -> None:
    args = parse_args()
    corpus = args.corpus.resolve()
    pdfs = sorted(p for p in corpus.iterdir() if p.suffix.lower() == ".pdf")
    if not pdfs:
        raise SystemExit(f"no PDFs found in {corpus}")
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # keep stdout readable
    print(f"{len(pdfs)} PDFs in {corpus}", flush=True)
    reports = [benchmark(name, pdfs, args.repeat) for name in EXTRACTORS]
    report = render(reports, corpus, args.repeat)
    write_results("parsers.md", report)


if __name__ == "__main__":
    main()
