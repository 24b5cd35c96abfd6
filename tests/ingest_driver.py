"""Runs a real ingest of CORPUS into INDEX with the fake embedder, printing each progress event as it happens,
so that tests/test_reliability.py can kill it with SIGKILL at a chosen point. Embedding and every fsync of the
write are slowed down, as a real model and a real disk are, so that a kill lands inside the stage it aims at.

    python tests/ingest_driver.py CORPUS INDEX
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from conftest import FakeEmbedder

from assistant import store
from assistant.config import Settings
from assistant.ingest import ProgressEvent, ingest

FSYNC_S = 0.02  # a version has a dozen files and folders: a write of about a quarter of a second


class SlowEmbedder(FakeEmbedder):
    """Takes a little while per batch, as the real model does, so a kill can land mid-embedding."""

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        time.sleep(0.2)
        return super().embed(texts, progress)


def report(event: ProgressEvent) -> None:
    print(event.stage, event.done, event.total, flush=True)


def slow_fsync(path: Path, fsync: Callable[[Path], None] = store._fsync) -> None:
    time.sleep(FSYNC_S)
    fsync(path)


if __name__ == "__main__":
    store._fsync = slow_fsync  # type: ignore[assignment]
    settings = Settings(corpus=Path(sys.argv[1]), index=Path(sys.argv[2]), parse_workers=1)
    ingest(settings, SlowEmbedder(), progress=report)
    print("finished", flush=True)
