"""The parse cache: documents an interrupted ingest read are not read again; kept whole or not at all; cleaned."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import SHIPPED_INDICATORS, FakeEmbedder

from assistant import ingest as ingest_module
from assistant import store
from assistant.config import Settings
from assistant.ingest import ingest
from assistant.model import Block, Page
from assistant.parse import ParsedDocument
from assistant.parse_cache import FOLDER, ParsedCache

INDICATOR_FILE = "fingertips-export-campylobacter-incidence-countyua-2015-2017.csv"


class Killed(Exception):
    pass


class DiesEmbedding(FakeEmbedder):
    """Dies as a killed process would, at the first text it is asked to embed: after every document was read."""

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        raise Killed


def test_a_rerun_after_a_crash_reads_no_document_or_indicator_file_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    (settings.corpus / "indicators").mkdir()
    shutil.copy(SHIPPED_INDICATORS / INDICATOR_FILE, settings.corpus / "indicators")
    read: list[str] = []
    real_read, real_load = ingest_module.read_documents, ingest_module.load_folder

    def read_spy(files: Sequence[tuple[Path, str]], *args: Any, **kwargs: Any) -> Any:
        read.extend(name for _, name in files)
        return real_read(files, *args, **kwargs)

    def load_spy(folder: Path, corpus: Path, *args: Any) -> Any:
        read.append("indicators")
        return real_load(folder, corpus, *args)

    monkeypatch.setattr(ingest_module, "read_documents", read_spy)
    monkeypatch.setattr(ingest_module, "load_folder", load_spy)
    with pytest.raises(Killed):
        ingest(settings, DiesEmbedding())
    assert sorted(read) == ["indicators", "pdf/falls-briefing-2017.pdf", "pdf/tobacco-2019.pdf"]
    assert len(list((settings.index / FOLDER).rglob("*.json"))) == 3  # two documents, the table's skipped files

    read.clear()
    report = ingest(settings, FakeEmbedder())
    assert read == [] and report.added == ("pdf/falls-briefing-2017.pdf", "pdf/tobacco-2019.pdf")
    assert not (settings.index / FOLDER).exists()  # the index holds the documents now
    clean = settings.replace(index=settings.index.with_name("clean"))
    ingest(clean, FakeEmbedder())
    resumed, fresh = store.load(settings.index), store.load(clean.index)
    assert resumed.chunks == fresh.chunks and resumed.recommendations == fresh.recommendations
    assert resumed.manifest.documents == fresh.manifest.documents and resumed.manifest.skipped == fresh.manifest.skipped
    pd.testing.assert_frame_equal(resumed.indicators, fresh.indicators)


def test_a_document_is_kept_whole_and_a_torn_or_foreign_file_is_read_again(tmp_path: Path) -> None:
    parsed = ParsedDocument(
        (
            Page(1, (Block("Falls in Worthing", 1), Block("Admissions rose to 2,310 — per 100,000."))),
            Page(2, (Block("Text read from the page’s image."),), ocr=True),
        ),
        paged=True,
        title="Falls",
        created="D:20190401",
    )
    cache = ParsedCache(tmp_path, {"reading": 1})
    assert cache.get("abc") is None
    cache.add("abc", parsed)
    assert ParsedCache(tmp_path, {"reading": 1}).get("abc") == parsed
    torn = cache.folder / "def.json"
    torn.write_text('{"pages": [[1, false, [["half', encoding="utf-8")
    assert cache.get("def") is None and not torn.exists()
    ParsedCache(tmp_path, {"reading": 2})  # read another way: what was kept the old way goes
    assert not cache.folder.exists()
