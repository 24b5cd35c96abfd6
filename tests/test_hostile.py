"""Hostile input, the short run (bench/fuzz.py is the long one): mutated PDFs, a decompression bomb, thousands
of pages, readers that hang, crash or hog memory, a named pipe, hostile questions, and markup in documents.
Every file is read through the real worker pool with its real limits; nothing may crash the caller or lose
another document."""

from __future__ import annotations

import html
import json
import os
import random
import re
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SHIPPED_CORPUS, FakeEmbedder
from hostile import HOSTILE_QUERIES, MUTATIONS, bomb_pdf, many_pages_pdf, mutate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assistant.cli
import assistant.embed
from assistant import store
from assistant.answer import indicator_tables, respond
from assistant.config import Settings
from assistant.embed import SentenceTransformerEmbedder, load_embedder
from assistant.errors import DocumentError
from assistant.ingest import ingest
from assistant.parse import read_document
from assistant.parse_pool import read_documents
from assistant.present import ACCESSIBLE_CSS
from assistant.question import MAX_QUESTION_CHARS
from assistant.retrieve import Retriever

SOURCES = [
    path
    for path in sorted((SHIPPED_CORPUS / "pdf").glob("*.pdf"), key=lambda p: p.stat().st_size)[:3]
    if path.stat().st_size < 1_000_000
]
FUZZ_LIMITS = Settings(parse_timeout_s=30, parse_memory_mb=1024)


# --- reading hostile files ---------------------------------------------------------------------------------


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, len(SOURCES) - 1), st.sampled_from(MUTATIONS), st.integers(0, 2**32)),
        min_size=8,
        max_size=8,
    )
)
def test_mutated_pdfs_are_read_or_refused_by_name(cases: list[tuple[int, str, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for number, (source, kind, seed) in enumerate(cases):
            path = Path(folder) / f"{number}-{kind}.pdf"
            path.write_bytes(mutate(SOURCES[source].read_bytes(), kind, random.Random(seed)))
            files.append((path, path.name))
        outcomes = list(read_documents(files, FUZZ_LIMITS))
    assert [o.name for o in outcomes] == [name for _, name in files]
    for outcome in outcomes:
        assert outcome.status != "timeout", outcome
        if outcome.document is None:  # refused with a reason, or its reader crashed and that was named
            assert isinstance(outcome.error, DocumentError) and outcome.error.reason, outcome
        else:
            assert outcome.document.pages


def test_unmutated_sources_are_read() -> None:
    outcomes = list(read_documents([(path, path.name) for path in SOURCES], FUZZ_LIMITS))
    assert [o.status for o in outcomes] == ["read"] * len(SOURCES)


def test_a_decompression_bomb_is_skipped_and_the_rest_indexed(settings: Settings, small_corpus: Path) -> None:
    bomb = bomb_pdf(1536)
    assert len(bomb) < 64 * 1024  # a few KB that inflate to 1.5 GB
    (small_corpus / "pdf" / "bomb.pdf").write_bytes(bomb)
    report = ingest(settings.replace(parse_memory_mb=512, parse_timeout_s=30), FakeEmbedder())
    assert report.added == ("pdf/falls-briefing-2017.pdf", "pdf/tobacco-2019.pdf")
    [skipped] = report.skipped
    assert skipped.path == "pdf/bomb.pdf"
    assert re.search(r"crashed|memory|took longer", skipped.reason), skipped.reason
    assert {c.doc for c in store.load(settings.index).chunks} == set(report.added)


def test_thousands_of_pages_are_read_in_full(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    path.write_bytes(many_pages_pdf(3000))
    [outcome] = read_documents([(path, path.name)], Settings())
    assert outcome.document is not None, outcome.error
    pages = outcome.document.pages
    assert len(pages) == 3000 and [p.number for p in pages] == list(range(1, 3001))
    assert "On page 3000 " in pages[-1].text and "On page 1 " in pages[0].text


def test_a_named_pipe_in_the_corpus_is_skipped_not_waited_for(settings: Settings, small_corpus: Path) -> None:
    os.mkfifo(small_corpus / "pdf" / "pipe.pdf")
    report = ingest(settings, FakeEmbedder())
    assert [(s.path, "not a regular file" in s.reason) for s in report.skipped] == [("pdf/pipe.pdf", True)]
    assert len(report.added) == 2


def test_an_error_no_reader_expected_is_a_named_document_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise KeyError("/Root")

    monkeypatch.setattr("assistant.parse._read_text", broken)
    path = tmp_path / "note.txt"
    path.write_text("Some text about smoking in Adur.")
    with pytest.raises(DocumentError, match=r"could not be read \(KeyError: '/Root'\)") as error:
        read_document(path, name="note.txt")
    assert error.value.path == "note.txt" and error.value.advice


# --- hostile questions -------------------------------------------------------------------------------------


@pytest.fixture
def retriever(settings: Settings) -> Retriever:
    ingest(settings, FakeEmbedder())
    return Retriever(settings, FakeEmbedder())


@pytest.mark.parametrize("kind", HOSTILE_QUERIES)
def test_hostile_questions_get_sane_answers(kind: str, retriever: Retriever) -> None:
    question = HOSTILE_QUERIES[kind]
    indexed = set(retriever.snapshot.manifest.documents)
    hits = retriever.search(question)
    assert all(hit.chunk.doc in indexed for hit in hits)
    response = respond(retriever, question, history=[question])
    assert all(hit.chunk.doc in indexed for hit in response.hits)
    json.dumps(response.to_dict())  # the JSON interface can carry it
    for markup in ("<script", "<img", "<iframe", "javascript:", "**bold**"):  # answers quote documents only
        assert markup not in response.answer.text


def test_a_question_is_cut_to_its_first_characters(retriever: Retriever) -> None:
    long = HOSTILE_QUERIES["100,000 characters"]
    cut = " ".join(long[:MAX_QUESTION_CHARS].split())
    embedded = retriever.embedder.embedded  # every path (answer, search, indicator tables) embeds the cut question
    respond(retriever, long, history=[long])
    retriever.search(long)
    indicator_tables(retriever, long)
    assert cut in embedded and all(len(text) <= MAX_QUESTION_CHARS for text in embedded)  # and never the rest


@pytest.mark.parametrize("kind", ["100,000 characters", "control characters", "right-to-left marks", "markdown"])
def test_hostile_questions_on_the_command_line(
    kind: str, settings: Settings, retriever: Retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assistant.embed, "load_embedder", lambda settings: FakeEmbedder())
    env = {"JSNA_CORPUS": str(settings.corpus), "JSNA_INDEX": str(settings.index), "JSNA_MODEL": "fake"}
    runner = CliRunner()
    result = runner.invoke(assistant.cli.main, ["search", HOSTILE_QUERIES[kind], "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["question"] == HOSTILE_QUERIES[kind] and isinstance(data["hits"], list)
    plain = runner.invoke(assistant.cli.main, ["search", HOSTILE_QUERIES[kind]], env=env)
    assert plain.exit_code == 0 and "\x1b" not in plain.output


def test_the_tokenizer_takes_undecodable_bytes_from_a_command_line() -> None:
    embedder = SentenceTransformerEmbedder()
    question = b"smoking \xff in Adur".decode("utf-8", "surrogateescape")  # as Python hands over argv
    assert embedder.count_tokens([question, HOSTILE_QUERIES["lone surrogate"]])[0] > 0


@pytest.mark.real
def test_hostile_questions_with_the_real_model(real_index: Settings) -> None:
    retriever = Retriever(real_index, load_embedder(real_index))
    indexed = set(retriever.snapshot.manifest.documents)
    for question in [*HOSTILE_QUERIES.values(), b"smoking \xff".decode("utf-8", "surrogateescape")]:
        response = respond(retriever, question)
        assert all(hit.chunk.doc in indexed for hit in response.hits)
        assert response.answer.abstained or response.answer.citations  # an answer always says where it is from
        assert all(1 <= c.number <= len(response.hits) for c in response.answer.citations)
        json.dumps(response.to_dict())


# --- markup in documents stays inert in the app -----------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "[click here](javascript:alert(3))",
    "**bold** and _emphasis_",
    "<iframe src=javascript:alert(4)></iframe>",
]


def test_markup_in_documents_is_shown_literally_in_the_app(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    from streamlit.testing.v1 import AppTest
    from test_app import APP, TIMEOUT, _html, _markdown, _point_app_at

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentences = " ".join(
        f"The zebra crossing audit in Crawley found {payload} beside the school gates in 2021." for payload in PAYLOADS
    )
    (corpus / "zebra-audit.txt").write_text(f"Zebra crossing audit\n\n{sentences}\n", encoding="utf-8")
    (corpus / "MANIFEST.csv").write_text(
        'file,kind,title,publisher,year\nzebra-audit.txt,briefing,"Zebra <img src=x onerror=alert(5)> **audit**",'
        "<script>x()</script> Council,2021\n",
        encoding="utf-8",
    )
    settings = Settings(corpus=corpus, index=tmp_path / "index", model="fake")
    assert ingest(settings, fake_embedder).chunks >= 1
    _point_app_at(monkeypatch, settings)
    monkeypatch.setattr(assistant.embed, "load_embedder", lambda settings: FakeEmbedder())

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.chat_input[0].set_value("zebra crossing audit in Crawley found beside the school gates in 2021").run()
    assert not at.exception, [e.value for e in at.exception]

    shown = [body for body in _html(at) if body != ACCESSIBLE_CSS]  # the app's own stylesheet aside
    for payload in PAYLOADS:
        assert any(html.escape(payload) in body for body in shown), (payload, shown)
    raw_tag = re.compile(r"<(?!/?(?:div|mark)\b)[a-z]", re.IGNORECASE)  # the passage's own markup is div/mark
    assert not [body for body in shown if raw_tag.search(body)]
    # Markdown-rendered elements (citations, the answer box, captions) carry document text escaped.
    rendered = (
        _markdown(at) + [e.value for e in at.success] + [e.value for e in at.warning] + [c.value for c in at.caption]
    )
    unescaped = re.compile(r"(?<!\\)(?:<[a-z]|\*\*|\[click)", re.IGNORECASE)
    own = re.compile(r"^\*\*\[\d+\]\*\*")  # the app's own bold citation number
    assert not [text for text in rendered if unescaped.search(own.sub("", text))], rendered
    assert at.success, "the answer quotes the document"
    assert any("Zebra" in text and "\\<img" in text for text in _markdown(at))
