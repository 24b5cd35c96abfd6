"""The index folder: self-describing, checksummed, refusing what it cannot trust with advice."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import faiss
import numpy as np
import pytest
from conftest import FakeEmbedder

from assistant import store
from assistant.config import Settings
from assistant.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, JsnaError
from assistant.ingest import ingest
from assistant.lexical import Lexical
from assistant.model import Chunk
from assistant.retrieve import Filters, Retriever


def test_missing_index_says_to_run_ingest(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError) as error:
        store.load(tmp_path / "index")
    assert "jsna ingest" in error.value.advice


@pytest.mark.parametrize("name", [store.VECTORS, store.CHUNKS])
def test_damaged_or_truncated_files_are_detected(settings: Settings, name: str) -> None:
    ingest(settings, FakeEmbedder())
    version = store.current_version(settings.index)
    path = settings.index / version / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(IndexCorruptError) as error:
        store.load(settings.index)
    assert "jsna ingest --full" in str(error.value)
    # A full ingest repairs it.
    ingest(settings, FakeEmbedder(), full=True)
    assert store.load(settings.index).chunks


def test_missing_manifest_and_other_format(settings: Settings) -> None:
    ingest(settings, FakeEmbedder())
    folder = settings.index / store.current_version(settings.index)
    data = json.loads((folder / store.MANIFEST).read_text())
    (folder / store.MANIFEST).write_text(json.dumps({**data, "format_version": 99}))
    with pytest.raises(IndexMismatchError, match="format 99"):
        store.load(settings.index)
    (folder / store.MANIFEST).unlink()
    with pytest.raises(IndexCorruptError, match="incomplete"):
        store.load(settings.index)


def test_other_model_is_refused(settings: Settings) -> None:
    ingest(settings, FakeEmbedder())
    with pytest.raises(IndexMismatchError) as error:
        store.load(settings.index, expect=settings.replace(model="all-MiniLM-L6-v2").chunking())
    assert "model" in error.value.message and "jsna ingest --full" in error.value.advice


def test_versions_are_swapped_and_old_ones_pruned(settings: Settings, small_corpus: Path) -> None:
    for _ in range(4):
        ingest(settings, FakeEmbedder(), full=True)
    versions = [p.name for p in settings.index.iterdir() if p.name.startswith("v-")]
    assert len(versions) == store.KEEP_VERSIONS
    assert store.current_version(settings.index) in versions


def test_a_second_writer_is_told_to_wait(settings: Settings) -> None:
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with store.lock(settings.index):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    try:
        with pytest.raises(JsnaError, match="Another ingest"), store.lock(settings.index, timeout=0.2):
            pass
    finally:
        release.set()
        thread.join()


def test_ingest_rebuilds_by_itself_when_the_live_index_is_damaged(settings: Settings) -> None:
    ingest(settings, FakeEmbedder())
    path = settings.index / store.current_version(settings.index) / store.CHUNKS
    path.write_bytes(b"garbage")
    embedder = FakeEmbedder()
    report = ingest(settings, embedder)
    assert "could not be used" in report.rebuilt_because and "damaged" in report.rebuilt_because
    assert len(report.updated) == 2 and embedder.embedded
    assert store.load(settings.index).chunks


def _clustered(n: int, dimension: int = 32, seed: int = 0) -> np.ndarray:
    """Normalised vectors around 40 centres, so an inverted-file index has lists worth probing."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, dimension))
    vectors = centres[rng.integers(0, 40, n)] + 0.4 * rng.standard_normal((n, dimension))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _write(root: Path, vectors: np.ndarray) -> store.Snapshot:
    chunks = [
        Chunk(f"c{i}", f"doc{i % 50}.pdf", f"Doc {i % 50}", "chapter", 2020, "", 1, 1, "", f"passage {i}")
        for i in range(len(vectors))
    ]
    manifest = store.Manifest(store.FORMAT_VERSION, "fake", vectors.shape[1], 256, {}, "now", {})
    sentences = store.Sentences.build([[] for _ in chunks], vectors.shape[1])
    store.write(root, manifest, chunks, vectors, Lexical.build(chunks), sentences)
    return store.load(root)


def _rows(n: int, rows: np.ndarray) -> np.ndarray:
    allowed = np.zeros(n, dtype=bool)
    allowed[rows] = True
    return allowed


def _exact(vectors: np.ndarray, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[int]:
    scores = vectors @ query
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    return [int(r) for r in np.argsort(-scores)[:k]]


def test_small_indexes_are_exact(tmp_path: Path) -> None:
    vectors = _clustered(300)
    snap = _write(tmp_path / "index", vectors)
    assert isinstance(snap.index, faiss.IndexFlatIP)
    assert [row for row, _ in snap.search(vectors[7], 10)] == _exact(vectors, vectors[7], 10)
    allowed = _rows(300, np.arange(0, 300, 7))
    assert [row for row, _ in snap.search(vectors[8], 10, allowed)] == _exact(vectors, vectors[8], 10, allowed)


def test_large_indexes_are_approximate_and_still_give_rows_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "EXACT_BELOW", 1_000)
    monkeypatch.setattr(store, "NPROBE", 8)
    vectors = _clustered(3_000)
    snap = _write(tmp_path / "index", vectors)  # written, then read back from disk
    assert isinstance(snap.index, faiss.IndexIVFFlat)
    assert snap.index.nlist == round(np.sqrt(3_000)) and snap.index.nprobe == 8  # the setting survives loading
    np.testing.assert_array_equal(snap.vectors(), vectors)  # incremental ingest reuses these
    np.testing.assert_array_equal(snap.index.reconstruct_batch(np.array([5, 2_999])), vectors[[5, 2_999]])
    queries = _clustered(50, seed=1)
    recall = np.mean([len({r for r, _ in snap.search(q, 10)} & set(_exact(vectors, q, 10))) / 10 for q in queries])
    assert recall >= 0.9
    for row in (0, 1_234, 2_999):
        (top, score), *_ = snap.search(vectors[row], 5)
        assert top == row and score == pytest.approx(1.0, abs=1e-5)


def test_filtered_search_of_an_approximate_index_stays_within_the_filter_and_finds_its_best(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "EXACT_BELOW", 1_000)
    monkeypatch.setattr(store, "NPROBE", 1)  # unfiltered, one list; a filter must probe more
    vectors = _clustered(3_000)
    snap = _write(tmp_path / "index", vectors)
    query = _clustered(1, seed=2)[0]
    narrow = _rows(3_000, np.arange(3, 3_000, 50))  # one document's rows, scattered over the lists
    assert [r for r, _ in snap.search(query, 10, narrow)] == _exact(vectors, query, 10, narrow)
    broad = _rows(3_000, np.arange(0, 3_000, 2))
    found = [r for r, _ in snap.search(query, 10, broad)]
    assert len(found) == 10 and broad[found].all()


def test_retriever_filters_an_approximate_index(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "EXACT_BELOW", 1)
    ingest(settings, FakeEmbedder())
    retriever = Retriever(settings, FakeEmbedder())
    assert isinstance(retriever.snapshot.index, faiss.IndexIVF)
    one = Filters(docs=("pdf/falls-briefing-2017.pdf",))
    hits = retriever.search("smoking prevalence Adur", filters=one, mode="dense")
    assert hits and {h.chunk.doc for h in hits} == {"pdf/falls-briefing-2017.pdf"}
    assert {h.chunk.doc for h in retriever.search("smoking prevalence Adur", mode="dense")} >= {"pdf/tobacco-2019.pdf"}


def test_sentences_are_kept_with_their_chunk_and_vector(tmp_path: Path) -> None:
    vectors = _clustered(3, dimension=8)
    chunks = [Chunk(f"c{i}", "doc.pdf", "Doc", "chapter", 2020, "", 1, 1, "", f"passage {i}") for i in range(3)]
    pairs = [[("First of chunk 0.", vectors[0]), ("Second of chunk 0.", vectors[1])], [], [("Only of 2.", vectors[2])]]
    manifest = store.Manifest(store.FORMAT_VERSION, "fake", 8, 256, {}, "now", {})
    store.write(tmp_path, manifest, chunks, vectors, Lexical.build(chunks), store.Sentences.build(pairs, 8))
    snap = store.load(tmp_path)
    assert [text for text, _ in snap.sentences_of(chunks[0])] == ["First of chunk 0.", "Second of chunk 0."]
    assert snap.sentences_of(chunks[1]) == []
    ((text, vector),) = snap.sentences_of(chunks[2])
    assert text == "Only of 2." and vector.dtype == np.float32 and np.allclose(vector, vectors[2], atol=1e-3)
