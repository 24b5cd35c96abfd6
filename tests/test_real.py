"""Real tier: the real model, the real PDFs, the real `jsna` process. Slower; run in CI all the same."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from conftest import SHARED_CORPUS, SHIPPED_CORPUS

from assistant.answer import respond
from assistant.chunk import chunk_pages
from assistant.config import BUNDLED_MODEL, Settings
from assistant.corpus import document_info, scan
from assistant.embed import SentenceTransformerEmbedder, model_words
from assistant.indicators.profile import theme_of
from assistant.model import Chunk
from assistant.parse import read_document
from assistant.retrieve import Retriever

pytestmark = pytest.mark.real


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _raw_pages(path: Path) -> list[str]:
    """Each page's text straight from pdfium, before any of our cleaning: an independent witness."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [" ".join(_words(pdf[i].get_textpage().get_text_range())) for i in range(len(pdf))]
    finally:
        pdf.close()


def unfaithful(chunks: list[Chunk], corpus: Path) -> list[str]:
    """Chunks whose words are not on the pages they cite."""
    bad = []
    raw: dict[str, list[str]] = {}
    for chunk in chunks:
        if chunk.doc not in raw:
            raw[chunk.doc] = _raw_pages(corpus / chunk.doc)
        pages = raw[chunk.doc]
        cited = " ".join(pages[chunk.page_start - 1 : chunk.page_end]).split()
        # A word pdfium split at spaces of its own making ("f rom", a title set "S e p t e m b e r") is read whole:
        # up to 12 pieces in a row.
        vocabulary = {"".join(cited[i : i + n]) for n in range(1, 13) for i in range(len(cited) - n + 1)}
        words = [w for w in _words(chunk.text) if len(w) >= 4 and w.isalpha()]
        found = sum(w in vocabulary for w in words)
        if words and found < 0.9 * len(words):
            bad.append(f"{chunk.doc} pp.{chunk.page_start}-{chunk.page_end}: {found}/{len(words)} words")
    return bad


@pytest.fixture(scope="module")
def retriever(real_index: Settings) -> Retriever:
    return Retriever(real_index, SentenceTransformerEmbedder.from_settings(real_index))


def test_every_shipped_chunk_is_on_the_page_it_cites(retriever: Retriever, real_index: Settings) -> None:
    chunks = list(retriever.snapshot.chunks)
    assert len(chunks) > 300
    assert unfaithful(chunks, real_index.corpus) == []
    assert not any(c.ocr for c in chunks)  # typed reports: a page that is a chart is not read by OCR


def test_real_questions_find_the_right_document_and_page(retriever: Retriever) -> None:
    hits = retriever.search("how many people died of drug misuse in West Sussex", k=5)
    assert hits[0].chunk.doc == "pdf/wsx-drug-related-deaths-audit-2019.pdf"
    assert any("drug misuse deaths" in h.chunk.text for h in hits)
    rec = retriever.search("key recommendations on self-harm", k=5)
    assert any(h.chunk.recommendation and "self-harm" in h.chunk.doc for h in rec)
    assert all(h.chunk.page_start >= 1 and h.chunk.page_end >= h.chunk.page_start for h in hits + rec)


def test_a_misspelt_question_is_answered_as_if_spelt_right(retriever: Retriever) -> None:
    right = respond(retriever, "how many people died of drug misuse in West Sussex", k=5)
    slipped = respond(retriever, "how many people died of drug missuse in West Sussex", k=5)
    assert not slipped.answer.abstained and slipped.answer.text == right.answer.text
    assert [h.chunk.id for h in slipped.hits] == [h.chunk.id for h in right.hits]


def test_a_district_answered_from_county_sentences_is_told_so(retriever: Retriever) -> None:
    """The shipped pharmaceutical needs assessment counts West Sussex's pharmacies, not Crawley's: the answer says so
    before it is quoted, or, declined, says what the nearest sentences are about."""
    answer = respond(retriever, "How many pharmacies are there in Crawley?").answer
    said = answer.text if answer.abstained else answer.caution
    assert "about West Sussex" in said and "not Crawley." in said
    assert respond(retriever, "How many pharmacies are there in West Sussex?").answer.caution == ""


def test_a_districts_figure_given_only_in_a_table_is_quoted_from_its_row(retriever: Retriever) -> None:
    """The 2019 IMD briefing ranks the districts only in its Table 2, read as one line of text; asked for Arun's
    rank, the answer leads with Arun's row under the table's caption and column headings, cited to its page."""
    answer = respond(
        retriever, "Where does Arun rank on the 2019 Index of Multiple Deprivation among lower-tier councils?"
    ).answer
    row = re.match(
        r"(Table 2 Overall Deprivation Ranking Lower Tier Authorities .*?Rank 2019): Arun ([\d ]+) \[(\d)\]",
        answer.text,
    )
    assert not answer.abstained and row, answer.text
    assert row.group(2) == "154 173 149"  # 2010, 2015 and 2019, as the page gives them
    cited = next(c for c in answer.citations if c.number == int(row.group(3)))
    assert (cited.doc, cited.page_start) == ("pdf/wsx-imd-2019-briefing.pdf", 3)
    # Answered, it leads with Worthing's row; declined, it says which page's table has a row for Worthing.
    worthing = respond(retriever, "What was Worthing's rank on the 2019 IMD among lower tier local authorities?").answer
    assert "Table 2 Overall Deprivation Ranking" in worthing.text and "Worthing" in worthing.text, worthing.text


def test_the_jsna_process_answers_in_json(real_index: Settings, tmp_path: Path) -> None:
    env = {**os.environ, "JSNA_INDEX": str(real_index.index), "JSNA_CORPUS": str(real_index.corpus)}
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": 1, "question": "childhood obesity in reception year"})
        + "\n"
        + json.dumps({"id": 2, "question": "how many suicides were there"})
        + "\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "search", "--questions", str(questions), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in results] == [1, 2]
    assert results[0]["hits"][0]["doc"] == "pdf/wsx-ncmp-briefing-2017-18.pdf"
    assert results[1]["hits"][0]["doc"] == "pdf/wsx-suicide-audit-2017.pdf"
    for r in results:
        assert not r["answer"]["abstained"] and re.search(r"\[\d+\]", r["answer"]["text"])
        citations = r["answer"]["citations"]
        assert citations and all(r["hits"][c["number"] - 1]["doc"] == c["doc"] for c in citations)


def test_jsna_ingest_process_reports_and_is_incremental(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "pdf").mkdir(parents=True)
    for name in ("trafford-population-briefing-2018.pdf", "wsx-imd-2019-briefing.pdf"):
        (corpus / "pdf" / name).write_bytes((SHIPPED_CORPUS / "pdf" / name).read_bytes())
    (corpus / "pdf" / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    env = {**os.environ, "JSNA_CORPUS": str(corpus), "JSNA_INDEX": str(tmp_path / "index")}
    command = [sys.executable, "-m", "assistant", "ingest"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "2 added" in first.stdout and "1 skipped" in first.stdout and "pdf/broken.pdf: corrupt" in first.stdout
    strict = subprocess.run(command + ["--strict"], env=env, capture_output=True, text=True, timeout=300)
    assert strict.returncode == 1 and "2 unchanged" in strict.stdout and "0 embedded now" in strict.stdout


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus is only on development machines")
def test_shared_corpus_chunks_are_on_the_pages_they_cite() -> None:
    """Every PDF of the shared corpus, parsed and chunked (not embedded): pages never drift."""
    tokenizer = SentenceTransformerEmbedder()
    chunks: list[Chunk] = []
    for source in scan(SHARED_CORPUS):
        parsed = read_document(source.path, vocabulary=model_words(BUNDLED_MODEL))  # as ingest reads it
        info = document_info(source, parsed, None)
        chunks.extend(chunk_pages(info, parsed.pages, tokenizer.count_tokens, window=tokenizer.window))
    assert len({c.doc for c in chunks}) == 40
    assert unfaithful(chunks, SHARED_CORPUS) == []


def test_jsna_profile_process_gives_an_areas_indicators_worse_first_and_passages_naming_it(
    real_index: Settings,
) -> None:
    env = {**os.environ, "JSNA_INDEX": str(real_index.index), "JSNA_CORPUS": str(real_index.corpus)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "assistant", "profile", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)

    done = run("brighton", "--json")
    assert done.returncode == 0, done.stderr
    profile = json.loads(done.stdout)
    assert profile["area"] == "Brighton and Hove"
    rows = profile["indicators"]
    assert len(rows) >= 20 and all(row["area"] == "Brighton and Hove" and row["value"] is not None for row in rows)
    worse = [row["worse_than_england"] for row in rows]
    assert worse == sorted(worse, reverse=True) and worse[0]  # campylobacter: significantly worse than England
    assert all(row["comparison"] != "Worse" or row["worse_than_england"] for row in rows)
    assert profile["passages"] and all(
        re.search(r"brighton", p["text"], re.I) for p in profile["passages"]
    )  # every passage names the area
    text = run("Brighton and Hove")
    assert text.returncode == 0 and "Worse than England" in text.stdout and "95% CI" in text.stdout
    unknown = run("Brigton")
    assert unknown.returncode != 0 and "Did you mean Brighton and Hove" in unknown.stderr


def test_indicators_go_to_the_outcomes_framework_domain_of_their_meaning(retriever: Retriever) -> None:
    """The real model puts each indicator in its PHOF domain, childhood immunisation boosters too (they went to
    life expectancy, by "5 years", before the domains named them)."""
    expected = {
        "% Hib/Men C Booster - 5 years": "Health protection",
        "% PCV Booster - 5 years": "Health protection",
        "% MMR1 - 2 years": "Health protection",
        "Life expectancy at birth": "Life expectancy",
        "Smoking prevalence in adults": "Health improvement",
        "Suicide rate": "Healthcare and premature mortality",
    }
    names = list(expected)
    entries = pd.DataFrame({"indicator_id": names, "source": "x.csv"})
    catalogue = SimpleNamespace(entries=entries, vectors=retriever.embedder.embed(names))
    themes = theme_of(catalogue, retriever.embedder.embed)  # type: ignore[arg-type]
    assert {name: themes[(name, "x.csv")] for name in names} == expected
