"""The vector cache: an interrupted ingest's finished batches are not embedded again; the cache is bounded and
cleaned."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from conftest import FakeEmbedder

from assistant import embed_cache, store
from assistant.config import Settings
from assistant.embed_cache import FOLDER, VectorCache, embed_cached
from assistant.ingest import ingest


class Killed(Exception):
    pass


class DiesAfter(FakeEmbedder):
    """Embeds ``texts`` texts, then dies as a killed process would, mid-ingest."""

    def __init__(self, texts: int) -> None:
        super().__init__()
        self.texts = texts

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        if len(self.embedded) >= self.texts:
            raise Killed
        return super().embed(texts, progress)


@pytest.mark.parametrize("sentence_vectors", ["alone", "in_passage"])
def test_a_rerun_after_a_crash_embeds_only_what_was_not_done(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, sentence_vectors: str
) -> None:
    monkeypatch.setattr(embed_cache, "BATCH", 4)
    settings = settings.replace(sentence_vectors=sentence_vectors)
    dying = DiesAfter(texts=4)  # one batch
    with pytest.raises(Killed):
        ingest(settings, dying)
    assert len(dying.embedded) == 4
    with pytest.raises(store.IndexMissingError):
        store.load(settings.index)  # nothing half-built is visible

    again = FakeEmbedder()
    ingest(settings, again)
    clean, uninterrupted = settings.replace(index=settings.index.with_name("clean")), FakeEmbedder()
    ingest(clean, uninterrupted)
    total = len(uninterrupted.embedded)
    assert total > 4 and len(again.embedded) == total - 4  # the 4 kept are not embedded again
    assert not set(again.embedded) & set(dying.embedded)
    assert not (settings.index / FOLDER).exists()  # the index holds the vectors now

    resumed, fresh = store.load(settings.index), store.load(clean.index)
    assert resumed.chunks == fresh.chunks
    np.testing.assert_array_equal(resumed.vectors(), fresh.vectors())
    for row in range(len(fresh.chunks)):
        assert [t for t, _ in resumed.sentences.of(row)] == [t for t, _ in fresh.sentences.of(row)]
        np.testing.assert_array_equal(
            [v for _, v in resumed.sentences.of(row)], [v for _, v in fresh.sentences.of(row)]
        )


def test_a_torn_batch_is_dropped_and_another_models_cache_removed(settings: Settings) -> None:
    embedder = FakeEmbedder()
    model = {"model": "fake", "backend": "onnx"}
    cache = VectorCache(settings.index, model, embedder.dimension)
    embed_cached(embedder, ["falls in older people", "smoking in pregnancy"], cache)
    (cache.folder / "torn.npz").write_bytes(b"PK\x03\x04 cut off by a power cut")
    (cache.folder / ".unfinished.partial").write_bytes(b"half a batch")
    VectorCache(settings.index, {"model": "other", "backend": "onnx"}, embedder.dimension)

    reopened = VectorCache(settings.index, model, embedder.dimension)
    assert len(reopened) == 0  # the other model's cache replaced ours
    embed_cached(embedder, ["falls in older people"], reopened)
    (reopened.folder / "torn.npz").write_bytes(b"PK\x03\x04 cut off by a power cut")
    last = VectorCache(settings.index, model, embedder.dimension)
    assert len(last) == 1 and [p.suffix for p in last.folder.iterdir()] == [".npz"]
    counting = FakeEmbedder()
    vectors = embed_cached(counting, ["smoking in pregnancy", "falls in older people"], last)
    assert counting.embedded == ["smoking in pregnancy"]
    np.testing.assert_array_equal(vectors, embedder.embed(["smoking in pregnancy", "falls in older people"]))


def test_progress_counts_cached_texts_then_each_batch(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embed_cache, "BATCH", 2)
    embedder = FakeEmbedder()
    cache = VectorCache(settings.index, {"model": "fake"}, embedder.dimension)
    embed_cached(embedder, ["a b", "c d"], cache)
    told: list[int] = []
    embed_cached(embedder, ["a b", "c d", "e f", "g h", "i j"], cache, told.append)
    assert told == [2, 2, 1]


def test_a_file_holds_few_long_texts_so_a_crash_loses_little(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embed_cache, "BATCH", 4)
    monkeypatch.setattr(embed_cache, "FILE_CHARS", 50)
    embedder = FakeEmbedder()
    cache = VectorCache(settings.index, {"model": "fake"}, embedder.dimension)
    short, long = [f"short {n}" for n in range(6)], [f"a long passage {n} " + "word " * 12 for n in range(3)]
    told: list[int] = []
    embed_cached(embedder, long + short, cache, told.append)
    assert told == [4, 2, 1, 1, 1]  # shortest first: 4 short (the count bound), 2 short, then one long each
    assert len(list(cache.folder.glob("*.npz"))) == 5


def test_a_text_given_twice_is_embedded_once_and_returned_in_both_rows(settings: Settings) -> None:
    embedder = FakeEmbedder()
    cache = VectorCache(settings.index, {"model": "fake"}, embedder.dimension)
    texts = ["a section heading", "an item", "a section heading", "another item"]
    vectors = embed_cached(embedder, texts, cache)
    assert sorted(embedder.embedded) == sorted(set(texts))
    np.testing.assert_array_equal(vectors, FakeEmbedder().embed(texts))


def test_the_cache_keeps_its_newest_files_within_its_bound(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = FakeEmbedder()
    cache = VectorCache(settings.index, {"model": "fake"}, embedder.dimension)
    embed_cached(embedder, ["an old batch"], cache)
    (old,) = cache.folder.iterdir()
    os.utime(old, ns=(1, 1))
    embed_cached(embedder, ["a newer batch"], cache)
    monkeypatch.setattr(embed_cache, "MAX_BYTES", old.stat().st_size + 10)
    bounded = VectorCache(settings.index, {"model": "fake"}, embedder.dimension)
    assert len(bounded) == 1 and bounded.get("a newer batch") is not None and not old.exists()
