"""The worker pool that reads documents: results in order, progress as files finish, and a file that hangs,
crashes its worker or hogs memory costs only itself. Ingest stops, keeping the index, when no worker can start."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import SHIPPED_CORPUS, FakeEmbedder
from hostile import misbehaving_reader

from assistant import parse_pool, store
from assistant.config import Settings
from assistant.errors import DocumentError, JsnaError
from assistant.indicators.load import load_folder, read_file
from assistant.ingest import ProgressEvent, ingest
from assistant.parse import ParsedDocument
from assistant.parse_pool import read_documents, read_files, worker_count


def test_ingest_reports_progress_as_files_are_read(settings: Settings) -> None:
    events: list[ProgressEvent] = []
    ingest(settings.replace(parse_workers=2), FakeEmbedder(), progress=events.append)
    parse = [(e.done, e.total, e.item) for e in events if e.stage == "parse"]
    assert [(done, total) for done, total, _ in parse] == [(0, 2), (1, 2), (2, 2), (2, 2)]
    assert {item for _, _, item in parse[1:3]} == {"pdf/falls-briefing-2017.pdf", "pdf/tobacco-2019.pdf"}


def test_worker_count_is_one_per_core_at_most_one_per_file() -> None:
    assert worker_count(Settings(parse_workers=3), 10) == 3
    assert worker_count(Settings(parse_workers=8), 2) == 2
    assert worker_count(Settings(), 100) == len(os.sched_getaffinity(0))  # 0 workers: one per core
    assert worker_count(Settings(), 1) == 1


def test_a_file_that_hangs_crashes_or_hogs_memory_costs_only_itself(small_corpus: Path, tmp_path: Path) -> None:
    good = small_corpus / "pdf" / "falls-briefing-2017.pdf"
    names = ["first.pdf", "hang.pdf", "crash.pdf", "hog.pdf", "last.pdf"]
    files = [(shutil.copy(good, tmp_path / name), name) for name in names]
    finished: list[tuple[int, str]] = []
    limits = Settings(parse_workers=2, parse_timeout_s=1.5, parse_memory_mb=512)
    outcomes = list(
        read_documents(files, limits, lambda count, name: finished.append((count, name)), misbehaving_reader)
    )
    assert [(o.name, o.status) for o in outcomes] == list(
        zip(names, ["read", "timeout", "died", "memory", "read"], strict=True)
    )
    reasons = {o.name: o.error.reason for o in outcomes if o.error}
    assert "took longer than 1.5 s" in reasons["hang.pdf"]
    assert "crashed (stopped by SIGABRT)" in reasons["crash.pdf"]
    assert "needed more than 512 MB" in reasons["hog.pdf"]
    assert [count for count, _ in finished] == [1, 2, 3, 4, 5] and {n for _, n in finished} == set(names)


def test_indicator_files_read_in_a_worker_come_back_as_read_in_the_caller(tmp_path: Path) -> None:
    """An ingest reads them in a worker process, beside the documents' (:func:`read_files`)."""
    shutil.copytree(SHIPPED_CORPUS / "indicators", tmp_path / "indicators")
    (tmp_path / "indicators" / "broken.xlsx").write_bytes(b"this is not a zip file")
    here = load_folder(tmp_path / "indicators", tmp_path)
    files = [(tmp_path / "indicators" / "broken.xlsx", "indicators/broken.xlsx")]
    (error,) = read_files(files, Settings(), read_file)
    assert isinstance(error, DocumentError) and error.reason.startswith("not a readable .xlsx workbook")
    there = load_folder(tmp_path / "indicators", tmp_path, lambda files: read_files(files, Settings(), read_file))
    pd.testing.assert_frame_equal(here[0], there[0])
    assert here[1] == there[1] and [s.path for s in there[1]] == ["indicators/broken.xlsx"]


def test_read_files_bounds_each_file_as_documents_are(small_corpus: Path, tmp_path: Path) -> None:
    good = small_corpus / "pdf" / "falls-briefing-2017.pdf"
    files = [(shutil.copy(good, tmp_path / name), name) for name in ("hang.pdf", "last.pdf")]
    hung, read = read_files(files, Settings(parse_timeout_s=1.5), misbehaving_reader)
    assert isinstance(hung, DocumentError) and "took longer than 1.5 s" in hung.reason
    assert isinstance(read, ParsedDocument) and read.pages


def test_readers_that_cannot_start_stop_the_ingest_and_keep_the_index(
    settings: Settings, small_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(settings, FakeEmbedder())
    version = store.current_version(settings.index)
    (small_corpus / "pdf" / "new.pdf").write_bytes((small_corpus / "pdf" / "tobacco-2019.pdf").read_bytes() + b"\n")
    monkeypatch.setattr(parse_pool, "WORKER", "import sys; sys.exit(3)")
    with pytest.raises(JsnaError, match=r"could not start \(exit code 3\)") as error:
        ingest(settings, FakeEmbedder())
    assert "The index was not changed" in error.value.advice
    assert store.current_version(settings.index) == version


def test_document_errors_keep_their_fields_across_processes() -> None:

    error = pickle.loads(pickle.dumps(DocumentError("a.pdf", "encrypted", "Ask for a copy.")))
    assert (error.path, error.reason, error.advice) == ("a.pdf", "encrypted", "Ask for a copy.")
    plain = pickle.loads(pickle.dumps(JsnaError("No index.", "Run `jsna ingest`.")))
    assert (plain.message, plain.advice) == ("No index.", "Run `jsna ingest`.")
