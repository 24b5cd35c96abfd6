"""Shared fixtures: a deterministic fake embedder, PDF makers, the shipped corpus, a real-model index.

Unit tests never touch the network (a socket guard fails any attempt) and never load the real model; the
``real`` tier (``-m real``) uses the real model, real PDFs, a real server and a real browser.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assistant.config import Settings
from assistant.indicators import IndicatorMatcher, IndicatorTable, catalogue_texts, load_file
from assistant.indicators.schema import COLUMNS, NUMBER_COLUMNS
from assistant.ingest import ingest
from assistant.quote import Sentence

REPO = Path(__file__).resolve().parent.parent
SHIPPED_CORPUS = REPO / "corpus"
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
SHIPPED_INDICATORS = SHIPPED_CORPUS / "indicators"
SHARED_INDICATORS = SHARED_CORPUS / "indicators"
# Shipped indicator files that tests of more than one indicator module read.
CAMPYLOBACTER = "fingertips-export-campylobacter-incidence-countyua-2015-2017.csv"
UPPER_TIER = "wsx-phsru-walkthrough-upper-tier-fingertips-extract-2020"
INDICATOR_KEY = ["indicator_id", "area_code", "area_name", "sex", "age", "category", "period", "source"]
NAN = float("nan")


class FakeEmbedder:
    """Hash-seeded bag-of-words vectors: texts sharing words are similar, and the same text always gets the
    same vector. Counts calls so tests can see what was (re-)embedded."""

    name = "fake"
    dimension = 64
    window = 256

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(re.findall(r"\w+|[^\w\s]", text)) for text in texts]

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        self.embedded.extend(texts)
        if progress:
            progress(len(texts))
        return self._vectors(texts)

    def embed_parts(
        self, texts: Sequence[str], parts: Sequence[Sequence[str]], progress: Callable[[int], None] | None = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """The texts embedded (and counted); each part's vector is its words' with its text's first word, as if
        read in the text. Parts are not counted: they come from the texts' pass."""
        vectors = self.embed(texts, progress)
        read = [
            self._vectors([f"{text.split()[0]} {part}" for part in text_parts])
            for text, text_parts in zip(texts, parts, strict=True)
        ]
        return vectors, read

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                seed = int.from_bytes(hashlib.sha1(word.encode()).digest()[:4], "little")
                out[row] += np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)
            out[row] /= np.linalg.norm(out[row]) or 1.0
        return out


def sentence(number: int, text: str, similarity: float, direction: int, overlap: float = 0.5) -> Sentence:
    """A candidate sentence of page ``number`` whose vector points along axis ``direction`` (8 dimensions)."""
    vector = np.zeros(8, dtype=np.float32)
    vector[direction] = 1.0
    return Sentence(number, text, similarity, vector, overlap)


def indicator_table(**changes: object) -> IndicatorTable:
    """A hand-made indicator table (no data files); override any field."""
    base = IndicatorTable(
        indicator_id="22401",
        indicator_name="Emergency hospital admissions for intentional self-harm",
        definition="",
        unit="per 100,000",
        area="West Sussex",
        sex="Persons",
        category="",
        source="indicators/self-harm-admissions.csv",
        period="2022/23",
        value=215.4,
        lower_ci=208.1,
        upper_ci=222.9,
        count=1850.0,
        denominator=880000.0,
        england_value=126.3,
        region="South East",
        region_value=150.2,
        comparison="Worse",
        polarity="low_is_good",
        dataset="Public Health Outcomes Framework: self-harm admissions",
        publisher="Office for Health Improvement and Disparities",
        published=2024,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def load_indicator(name: str, folder: Path = SHIPPED_INDICATORS) -> pd.DataFrame:
    """An indicator file under ``folder`` as rows of the long table, named as under a corpus."""
    return load_file(folder / name, f"indicators/{name}")[0]


def check_indicator_schema(frame: pd.DataFrame) -> None:
    """Exactly the long table's columns, floats and strings, one row per key."""
    assert list(frame.columns) == COLUMNS
    for column in COLUMNS:
        if column in NUMBER_COLUMNS:
            assert frame[column].dtype == "float64", column
        else:
            assert frame[column].map(lambda v: isinstance(v, str)).all(), column  # "" for missing, never NaN
    assert not frame.duplicated(INDICATOR_KEY).any()


def indicator_rows(indicator: str, name: str, polarity: str, values: dict[tuple[str, str], tuple[float, float, float]]):  # type: ignore[no-untyped-def]
    """Rows of the long table for one indicator: (area, period) -> (value, lower CI, upper CI). Districts of
    West Sussex, and England."""
    out = []
    for (area, period), (value, lower, upper) in values.items():
        area_type = "England" if area == "England" else "District"
        out.append(
            dict(
                indicator_id=indicator,
                indicator_name=name,
                definition="",
                unit="per 100,000",
                area_code="",
                area_name=area,
                area_type=area_type,
                parent_code="",
                parent_name="West Sussex" if area != "England" else "",
                sex="Persons",
                age="All ages",
                category="",
                period=period,
                value=value,
                lower_ci=lower,
                upper_ci=upper,
                count=NAN,
                denominator=NAN,
                compared_to_england="",
                compared_to_region="",
                trend="",
                polarity=polarity,
                source="indicators/test.csv",
            )
        )
    return out


def matcher_of(rows: list[dict]) -> IndicatorMatcher:  # type: ignore[type-arg]
    """An indicator matcher over these rows, with the fake embedder's vectors."""
    table = pd.DataFrame(rows)
    return IndicatorMatcher(table, FakeEmbedder().embed(catalogue_texts(table)))


def ask(index: IndicatorMatcher, question: str, k: int = 3) -> list:  # type: ignore[type-arg]
    """The matcher's best ``k`` tables before relevance is decided: what tests of table building look at (the fake
    embedder's similarities are not the real model's, which the relevance model is calibrated on)."""
    return [c.table for c in index.candidates(question, FakeEmbedder().embed([question])[0])][:k]


@pytest.fixture(name="index")
def falls_and_smoking() -> IndicatorMatcher:
    """Two indicators for three West Sussex districts and England: falls (two periods for Crawley), smoking."""
    rows = indicator_rows(
        "1",
        "Emergency admissions for falls in people aged 65 and over",
        "low_is_good",
        {
            ("Crawley", "2016/17"): (2100, 1900, 2300),
            ("Crawley", "2017/18"): (2400, 2200, 2600),
            ("Worthing", "2017/18"): (2900, 2700, 3100),
            ("Adur", "2017/18"): (1800, 1600, 2000),
            ("England", "2017/18"): (2170, 2160, 2180),
        },
    ) + indicator_rows(
        "2",
        "Smoking prevalence in adults",
        "low_is_good",
        {
            ("Crawley", "2017/18"): (18.0, 14.0, 22.0),
            ("Worthing", "2017/18"): (12.0, 10.0, 14.0),
            ("England", "2017/18"): (14.4, 14.2, 14.6),
        },
    )
    table = pd.DataFrame(rows)
    embedder = FakeEmbedder()
    return IndicatorMatcher(table, embedder.embed(catalogue_texts(table)))


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Only loopback connections (the real-server tests) are allowed."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if (
            isinstance(host, str)
            and (host.startswith("127.") or host in ("localhost", "::1"))
            or self.family == socket.AF_UNIX
        ):
            return real_connect(self, address)  # type: ignore[arg-type]
        raise RuntimeError(f"Test tried to reach the network: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded)


def make_scanned_pdf(path: Path, lines: Sequence[str]) -> Path:
    """Write an image-only PDF: one page that is a picture of ``lines`` of text, as a scanner makes it."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=36)
    for i, line in enumerate(lines):
        draw.text((100, 150 + 60 * i), line, fill=0, font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "PDF", resolution=150)
    return path


def make_pdf(path: Path, pages: Sequence[Sequence[tuple[str, str]]], title: str = "") -> Path:
    """Write a real PDF with reportlab. Each page is a list of (style, text): style "h1", "h2", "bold" or
    "body". Long body text wraps like a real document."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    styles = {
        "h1": ("Helvetica-Bold", 18),
        "h2": ("Helvetica-Bold", 14),
        "bold": ("Helvetica-Bold", 11),
        "body": ("Helvetica", 11),
    }
    pdf = canvas.Canvas(str(path), pagesize=A4)
    if title:
        pdf.setTitle(title)
    width, height = A4
    for page in pages:
        y = height - 60
        pdf.setFont("Helvetica", 9)
        pdf.drawString(50, height - 30, "Test Council JSNA running header")
        for style, text in page:
            font, size = styles[style]
            pdf.setFont(font, size)
            for line in _wrap(text, 90 if size <= 11 else 60):
                pdf.drawString(50, y, line)
                y -= size + 5
            y -= 6
        pdf.setFont("Helvetica", 9)
        pdf.drawString(width / 2, 30, str(pdf.getPageNumber()))
        pdf.showPage()
    pdf.save()
    return path


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A corpus of two made-up documents with known headings, pages and a recommendations section."""
    corpus = tmp_path / "corpus"
    (corpus / "pdf").mkdir(parents=True)
    body = (
        "Smoking prevalence among adults in Adur was 14.2 per cent in 2019, "
        "above the England average of 13.9 per cent. "
    )
    make_pdf(
        corpus / "pdf" / "tobacco-2019.pdf",
        [
            [
                ("h1", "Tobacco Control Needs Assessment"),
                ("body", "Prepared by the Test Council public health team."),
            ],
            [("h1", "1 Smoking prevalence"), ("body", body * 3)],
            [
                ("h1", "2 Recommendations"),
                (
                    "body",
                    "Commission a stop smoking service for routine and manual workers. "
                    "Expand smoke-free homes support for families with young children.",
                ),
            ],
            [
                ("h1", "3 References"),
                ("body", "Office for National Statistics, Annual Population Survey, 2019."),
            ],
        ],
        title="Tobacco Control Needs Assessment 2019",
    )
    make_pdf(
        corpus / "pdf" / "falls-briefing-2017.pdf",
        [
            [
                ("h1", "Falls Briefing"),
                (
                    "body",
                    "Emergency hospital admissions for falls in people aged 65 and over rose to "
                    "2,310 per 100,000 in 2016/17 in Worthing.",
                ),
            ],
            [
                ("h2", "Hip fractures"),
                ("body", "Hip fractures in people aged 65 and over numbered 845 in 2016/17."),
            ],
        ],
    )
    return corpus


@pytest.fixture
def settings(tmp_path: Path, small_corpus: Path) -> Settings:
    return Settings(corpus=small_corpus, index=tmp_path / "index", model="fake")


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The shipped corpus indexed with the real model, once per test session (about half a minute)."""
    from assistant.embed import load_embedder
    from assistant.ingest import ingest

    root = tmp_path_factory.mktemp("real")
    corpus = root / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    settings = Settings(corpus=corpus, index=root / "index", threads=2)
    ingest(settings, load_embedder(settings))
    yield settings


# --- bad input: each kind made here, with the words its error must contain ---------------------------------


def _encrypted_pdf(source: Path, target: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(source)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def _scanned_pdf(target: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (600, 800), "white").save(target, "PDF")
    return target


def bad_files(folder: Path, good_pdf: Path) -> dict[str, tuple[Path, str]]:
    """Each kind of bad input, made here, with the words its error must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "empty.pdf"
    empty.write_bytes(b"")
    renamed = folder / "renamed.pdf"
    renamed.write_bytes(b"PK\x03\x04" + os.urandom(200))
    corrupt = folder / "corrupt.pdf"
    corrupt.write_bytes(good_pdf.read_bytes()[:900])
    unreadable = folder / "unreadable.pdf"
    unreadable.symlink_to(folder / "does-not-exist.pdf")
    big = folder / "big.pdf"
    big.write_bytes(good_pdf.read_bytes() + b"%" * (2 * 1024 * 1024))
    return {
        "empty": (empty, "empty file"),
        "renamed": (renamed, "not a PDF"),
        "corrupt": (corrupt, "corrupt"),
        "encrypted": (_encrypted_pdf(good_pdf, folder / "encrypted.pdf"), "encrypted"),
        "scanned": (_scanned_pdf(folder / "scanned.pdf"), "no text layer"),
        "unreadable": (unreadable, "cannot be read"),
        "too big": (big, "over the 1 MB limit"),
    }


@pytest.fixture
def briefings_corpus(tmp_path: Path) -> Path:
    """Three made-up documents with manifest metadata: a child weight briefing (Crawley, Year 6 obesity), an oral
    health chapter (Arun), and a drug deaths audit (Trafford) whose summary repeats its findings."""
    root = tmp_path / "corpus"
    (root / "pdf").mkdir(parents=True)
    make_pdf(
        root / "pdf" / "ncmp-2018.pdf",
        [
            [
                ("h1", "Child weight briefing"),
                (
                    "body",
                    "The National Child Measurement Programme weighs children in "
                    "Reception and Year 6. In Crawley 24 per cent of Year 6 children were obese.",
                ),
            ],
            [("h1", "Recommendations"), ("body", "Schools should offer daily physical activity for every pupil.")],
        ],
    )
    make_pdf(
        root / "pdf" / "oral-health-2018.pdf",
        [
            [("h1", "Oral health"), ("body", "Dental caries affects one in four five-year-olds in Arun.")],
            [("h1", "Recommendations"), ("body", "Supervised toothbrushing should be offered in nurseries.")],
        ],
    )
    summary = "Deaths from drug misuse rose to 84 in the three years to 2017 across the county. " * 3
    make_pdf(
        root / "pdf" / "drugs-summary-2019.pdf",
        [
            [("h1", "Executive summary"), ("body", summary)],
            [("h1", "Findings"), ("body", summary)],
            [("h1", "More findings"), ("body", "Most deaths were of men aged 30 to 49 living alone.")],
            [("h1", "Methods"), ("body", "Coroner records from 2015 to 2017 were reviewed for drug deaths.")],
            [("h1", "Data"), ("body", "Drug deaths by district are shown in the table below for each year.")],
        ],
    )
    (root / "MANIFEST.csv").write_text(
        "file,kind,title,publisher,year\n"
        "pdf/ncmp-2018.pdf,briefing,Child weight briefing,West Sussex County Council,2018\n"
        "pdf/oral-health-2018.pdf,chapter,Oral health needs assessment,West Sussex County Council,2018\n"
        "pdf/drugs-summary-2019.pdf,briefing,Drug deaths audit,Trafford Council,2019\n"
    )
    return root


@pytest.fixture
def briefings(tmp_path: Path, briefings_corpus: Path) -> Settings:
    """Settings of an index of :func:`briefings_corpus`, built with the fake embedder."""
    settings = Settings(corpus=briefings_corpus, index=tmp_path / "index", model="fake")
    ingest(settings, FakeEmbedder())
    return settings
