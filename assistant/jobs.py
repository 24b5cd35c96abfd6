"""Rebuilds as jobs: ``jsna ingest`` in a process of its own, its progress and outcome in ``rebuild.json`` beside
the index, so that a rebuild outlives the page that started it and any browser can see it.

- :func:`start` refuses while a rebuild runs (saying who started it and when), else starts ``jsna ingest --job WHO``
  in a new session (so that cancelling reaches its reader processes too) with the app's settings, its output in
  ``rebuild.log``.
- The ingest reports through a :class:`JobReporter`: the stage and count as it goes (at most a few writes a second),
  then "done" with the ingest's summary, or "failed" with the error.
- :func:`cancel` ends it (SIGTERM to its process group). An ingest is written atomically, so the previous index
  goes on answering, and the vectors of finished batches are kept: the next rebuild carries on.
- :func:`read` tells a job whose process has gone without a word ("stopped": killed, or the server restarted).

Every write replaces the file whole (temporary file, rename), under a file lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock

from assistant.errors import JsnaError
from assistant.ingest import ProgressEvent

JOB_FILE = "rebuild.json"
LOG_FILE = "rebuild.log"
RUNNING, DONE, FAILED, CANCELLED, STOPPED = "running", "done", "failed", "cancelled", "stopped"
WRITE_EVERY_S = 0.5  # progress is written at most this often


@dataclass(frozen=True)
class Job:
    """A rebuild: who started it and when, its process, where it has got to, and how it ended."""

    state: str
    who: str
    started: str  # ISO time, UTC
    pid: int
    stage: str = ""
    done: int = 0
    total: int = 0
    finished: str = ""
    summary: str = ""  # the ingest's report when done; the error when failed

    @property
    def running(self) -> bool:
        return self.state == RUNNING


class RebuildRunning(JsnaError):
    """A rebuild was asked for while one runs."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _lock(index: Path) -> FileLock:
    index.mkdir(parents=True, exist_ok=True)
    return FileLock(str(index / (JOB_FILE + ".lock")), timeout=10)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a child of this process that has ended but not been waited for is not running either
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


def read(index: Path) -> Job | None:
    """The last rebuild (None if there was none); a running one whose process is gone reads as stopped."""
    path = index / JOB_FILE
    try:
        job = Job(**json.loads(path.read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError, TypeError):
        return None
    if job.running and not _alive(job.pid):
        return replace(job, state=STOPPED, summary=job.summary or "The rebuild's process ended without a word.")
    return job


def _write(index: Path, job: Job) -> None:
    path = index / JOB_FILE
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(asdict(job), ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)


def ingest_command(who: str) -> list[str]:
    """What a rebuild runs: ``jsna ingest --job WHO`` with this Python (so the same installation and settings)."""
    return [sys.executable, "-m", "assistant", "ingest", "--job", who]


def start(index: Path, who: str, command: list[str] | None = None) -> Job:
    """Start a rebuild of ``index`` on behalf of ``who`` (``command``: what runs it, ``jsna ingest`` by default,
    which reads the same settings as this process); :class:`RebuildRunning` when one runs."""
    with _lock(index):
        current = read(index)
        if current is not None and current.running:
            raise RebuildRunning(
                f"A rebuild is already running: started by {current.who} at {current.started}.",
                "Wait for it to finish, or cancel it.",
            )
        command = command or ingest_command(who)
        with (index / LOG_FILE).open("w", encoding="utf-8") as log:
            process = subprocess.Popen(  # our own command, no shell
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        job = Job(RUNNING, who, _now(), process.pid)
        _write(index, job)
    return job


def cancel(index: Path, who: str) -> Job | None:
    """End the running rebuild (its whole process group); the previous index goes on answering."""
    with _lock(index):
        job = read(index)
        if job is None or not job.running:
            return job
        with contextlib.suppress(ProcessLookupError):
            os.killpg(job.pid, signal.SIGTERM)
        ended = replace(job, state=CANCELLED, finished=_now(), summary=f"Cancelled by {who}.")
        _write(index, ended)
    return ended


class JobReporter:
    """What ``jsna ingest --job WHO`` writes as it goes: progress, then the outcome. Used in the ingest's process."""

    def __init__(self, index: Path, who: str) -> None:
        self.index = index
        self.last = 0.0
        with _lock(index):
            job = read(index)
            mine = job is not None and job.pid == os.getpid()
            self.job = job if mine and job is not None else Job(RUNNING, who, _now(), os.getpid())
            _write(index, self.job)

    def progress(self, event: ProgressEvent) -> None:
        now = time.monotonic()
        if now - self.last < WRITE_EVERY_S and event.done < event.total:
            return
        self.last = now
        self._update(stage=event.stage, done=event.done, total=event.total)

    def finish(self, summary: str, failed: bool = False) -> None:
        self._update(state=FAILED if failed else DONE, finished=_now(), summary=summary)

    def _update(self, **changes: Any) -> None:
        with _lock(self.index):
            current = read(self.index)
            if current is not None and current.pid == os.getpid() and current.state == CANCELLED:
                return  # cancelled meanwhile: that is the outcome
            self.job = replace(self.job, **changes)
            _write(self.index, self.job)
