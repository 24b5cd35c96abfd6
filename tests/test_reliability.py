"""Crash safety and concurrent use: an ingest killed with SIGKILL at several points leaves the previous index
(or, past the final swap, the complete new one) and nothing half-written; searches keep working while the index
is rebuilt and pick up the new version when it is live."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import FakeEmbedder, make_pdf

from assistant import store
from assistant.config import Settings
from assistant.ingest import ingest
from assistant.retrieve import Retriever

DRIVER = Path(__file__).resolve().parent / "ingest_driver.py"
QUESTION = "smoking prevalence Adur"


def _ingest_killed_at(settings: Settings, stage: str, delay: float) -> bool:
    """Run an ingest in its own process and SIGKILL it ``delay`` seconds after it reports ``stage``. True when it
    was killed before finishing."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(DRIVER.parent), str(DRIVER.parent.parent)])}
    command = [sys.executable, str(DRIVER), str(settings.corpus), str(settings.index)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.split()[0] in (stage, "finished"):
                break
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        return process.returncode == -signal.SIGKILL and line.split()[0] != "finished"


@pytest.mark.parametrize(
    ("stage", "delay"), [("parse", 0.0), ("embed", 0.05), ("write", 0.0), ("write", 0.01), ("write", 0.05)]
)
def test_sigkill_at_any_point_leaves_a_complete_index(
    settings: Settings, small_corpus: Path, stage: str, delay: float
) -> None:
    ingest(settings, FakeEmbedder())
    before = store.load(settings.index)
    results = Retriever(settings, FakeEmbedder()).search(QUESTION)
    make_pdf(small_corpus / "pdf" / "extra.pdf", [[("body", "Loneliness in older people in Adur and Worthing.")]])
    killed = _ingest_killed_at(settings, stage, delay)
    assert killed, f"the ingest finished before the kill at {stage} + {delay} s"

    after = store.load(settings.index)  # checksums verified: nothing half-written is live
    if after.version == before.version:
        assert after.chunks == before.chunks
        assert Retriever(settings, FakeEmbedder()).search(QUESTION) == results
    else:  # killed after the swap: the new version is whole
        assert "pdf/extra.pdf" in after.manifest.documents
    for version in (p for p in settings.index.iterdir() if p.name.startswith("v-")):
        assert (version / store.MANIFEST).is_file(), f"{version.name} is visible but incomplete"

    report = ingest(settings, FakeEmbedder())  # the next ingest cleans up and finishes the job
    assert "pdf/extra.pdf" in store.load(settings.index).manifest.documents
    assert report.added in ((), ("pdf/extra.pdf",))
    assert not [p for p in settings.index.iterdir() if p.name.startswith((".build-", f".{store.CURRENT}."))]


def test_searches_during_rebuilds_never_fail_and_see_the_new_index(settings: Settings, small_corpus: Path) -> None:
    ingest(settings, FakeEmbedder())
    retriever = Retriever(settings, FakeEmbedder())
    errors: list[BaseException] = []
    versions: set[str] = set()
    done = threading.Event()

    def search() -> None:
        while not done.is_set():
            try:
                assert retriever.search(QUESTION)
                versions.add(retriever.snapshot.version)
            except BaseException as exc:  # noqa: BLE001 - every failure counts
                errors.append(exc)

    readers = [threading.Thread(target=search) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for number in range(4):  # four rebuilds, each pruning old versions while searches run
            word = ("alpha", "bravo", "charlie", "delta")[number]
            make_pdf(small_corpus / "pdf" / f"new-{number}.pdf", [[("body", f"Adur smoking note {word}.")]])
            ingest(settings, FakeEmbedder())
            time.sleep(0.05)
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert errors == []
    live = store.current_version(settings.index)
    assert live in versions and len(versions) >= 2  # rebuilt versions were picked up while searching
    assert "pdf/new-3.pdf" in {hit.chunk.doc for hit in retriever.search("Adur smoking note delta", k=20)}
