"""Rebuilds as jobs: a process of their own, progress and outcome beside the index, one at a time, cancellable."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

from assistant import jobs, store
from assistant.config import Settings

DRIVER = Path(__file__).resolve().parent / "job_driver.py"
SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def wait_for_end(index: Path, timeout: float = 60.0) -> jobs.Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = jobs.read(index)
        if job is not None and not job.running:
            return job
        time.sleep(0.1)
    raise AssertionError(f"the job did not end: {jobs.read(index)}")


def test_a_rebuild_runs_apart_and_reports_progress_and_its_outcome(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    monkeypatch.setenv("JSNA_CORPUS", str(settings.corpus))
    monkeypatch.setenv("JSNA_INDEX", str(settings.index))
    monkeypatch.setenv("JSNA_MODEL", "fake")
    started = jobs.start(settings.index, "ann@council.gov.uk", [sys.executable, str(DRIVER), "ann@council.gov.uk"])
    assert started.running and started.who == "ann@council.gov.uk"
    ended = wait_for_end(settings.index)
    assert ended.state == jobs.DONE and ended.pid == started.pid and ended.finished
    assert "Documents: 2 added" in ended.summary
    assert ended.stage == "write" and ended.done == ended.total  # the last progress written
    assert store.current_version(settings.index) is not None  # the index it built is live


def test_one_rebuild_at_a_time_and_a_running_one_can_be_cancelled(tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = jobs.start(index, "ann", SLEEPER)
    with pytest.raises(jobs.RebuildRunning, match=re.escape(f"started by ann at {first.started}")):
        jobs.start(index, "bo", SLEEPER)
    cancelled = jobs.cancel(index, "bo")
    assert cancelled is not None and cancelled.state == jobs.CANCELLED and "Cancelled by bo" in cancelled.summary
    deadline = time.monotonic() + 10
    while jobs._alive(first.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not jobs._alive(first.pid)  # the process is gone
    assert jobs.read(index).state == jobs.CANCELLED  # type: ignore[union-attr]
    second = jobs.start(index, "bo", SLEEPER)  # and another may start
    jobs.cancel(index, "bo")
    assert second.pid != first.pid


def test_a_job_whose_process_ended_without_a_word_reads_as_stopped(tmp_path: Path) -> None:
    index = tmp_path / "index"
    job = jobs.start(index, "ann", [sys.executable, "-c", "pass"])
    ended = wait_for_end(index)
    assert (ended.state, ended.pid) == (jobs.STOPPED, job.pid) and "without a word" in ended.summary


def test_a_failed_ingest_says_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JSNA_CORPUS", str(tmp_path / "no-such-corpus"))
    monkeypatch.setenv("JSNA_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("JSNA_MODEL", "fake")
    jobs.start(tmp_path / "index", "ann", [sys.executable, str(DRIVER), "ann"])
    ended = wait_for_end(tmp_path / "index")
    assert ended.state == jobs.FAILED and "no-such-corpus" in ended.summary
