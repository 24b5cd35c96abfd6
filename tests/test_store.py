"""The index folder: self-describing, checksummed, refusing what it cannot trust with advice."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from conftest import FakeEmbedder

from assistant import store
from assistant.config import Settings
from assistant.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, JsnaError
from assistant.ingest import ingest


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
