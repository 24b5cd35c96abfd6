"""Vectors kept while an ingest embeds, so that a re-run after a crash, Ctrl-C or power cut embeds only what was
not done.

An ingest writes its index only at the end (:mod:`assistant.store`), so without this a build killed at minute 14
of 15 would start again from nothing. Vectors are kept by the text embedded and the model that embedded it, in
``index/.vectors/<model key>/``: one small file per batch of ``BATCH`` texts, written whole (a temporary file,
fsynced, then renamed) as the batch finishes. The folder is hidden and never read by a search. It is bounded: the
folders of other models are removed when it opens, and the whole cache when an ingest has written its index
(the index then holds the vectors); a file torn by a power cut or unreadable is dropped and its texts embedded
again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.embed import Embedder

FOLDER = ".vectors"
BATCH = 512  # texts per file: about 20 s of long passages on 2 cores, the most a crash can lose
SUFFIX = ".npz"


def _digest(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).digest()


class VectorCache:
    """The vectors one model has made for texts during ingests that did not finish."""

    def __init__(self, root: Path, model: dict[str, object], dimension: int) -> None:
        key = hashlib.sha1(json.dumps(model, sort_keys=True).encode()).hexdigest()[:16]
        self.root = root / FOLDER
        self.folder = self.root / key
        self.dimension = dimension
        self._vectors: dict[bytes, np.ndarray] = {}
        if self.root.is_dir():
            for other in self.root.iterdir():
                if other.name != key:
                    shutil.rmtree(other, ignore_errors=True)
        if self.folder.is_dir():
            for path in sorted(self.folder.iterdir()):
                self._read(path)

    def __len__(self) -> int:
        return len(self._vectors)

    def _read(self, path: Path) -> None:
        try:
            if path.suffix != SUFFIX:
                raise ValueError("not a finished batch")
            with np.load(path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
            if vectors.shape != (len(keys), self.dimension):
                raise ValueError("wrong shape")
        except Exception:  # torn by a crash, or not ours: its texts are embedded again
            path.unlink(missing_ok=True)
            return
        self._vectors.update(zip(keys.tolist(), vectors, strict=True))

    def get(self, text: str) -> np.ndarray | None:
        return self._vectors.get(_digest(text))

    def add(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Keep one finished batch: on disk before this returns."""
        keys = np.asarray([_digest(text) for text in texts], dtype="S20")
        vectors = np.asarray(vectors, dtype=np.float32)
        self.folder.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex
        partial = self.folder / f".{name}.partial"
        with partial.open("wb") as file:
            np.savez(file, keys=keys, vectors=vectors)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, self.folder / f"{name}{SUFFIX}")
        self._vectors.update(zip(keys.tolist(), vectors, strict=True))

    def clear(self) -> None:
        """The index holds the vectors now."""
        discard_cache(self.root.parent)
        self._vectors.clear()


def discard_cache(index: Path) -> None:
    """Remove the cache of the index folder ``index``: an ingest finished (or found nothing to do)."""
    shutil.rmtree(index / FOLDER, ignore_errors=True)


def embed_cached(
    embedder: Embedder, texts: Sequence[str], cache: VectorCache, progress: Callable[[int], None] | None = None
) -> np.ndarray:
    """``embedder.embed(texts)``, taking what ``cache`` holds and keeping each batch there as it finishes.
    ``progress`` is told of cached texts first, then of each embedded batch."""
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    todo = []
    for row, text in enumerate(texts):
        vector = cache.get(text)
        if vector is None:
            todo.append(row)
        else:
            out[row] = vector
    if progress and len(todo) < len(texts):
        progress(len(texts) - len(todo))
    todo.sort(key=lambda row: len(texts[row]))  # batches of similar lengths pad little
    for start in range(0, len(todo), BATCH):
        rows = todo[start : start + BATCH]
        batch = [texts[row] for row in rows]
        vectors = embedder.embed(batch, progress)
        cache.add(batch, vectors)
        out[rows] = vectors
    return out
