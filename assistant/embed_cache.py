"""Vectors kept while an ingest embeds, so that a re-run after a crash, Ctrl-C or power cut embeds only what was not
done.

An ingest writes its index only at the end (:mod:`assistant.store`), so without this a build killed at minute 14 of
15 would start again from nothing. Vectors are kept by the text embedded and the model that embedded it, in
``index/.vectors/<model key>/``: one small file per run of at most ``BATCH`` texts and ``FILE_CHARS`` characters,
written whole (a temporary file, fsynced, then renamed) as the run finishes. The folder is hidden and never read by
a search. It is bounded: the folders of other models are removed when it opens, and its oldest files beyond
``MAX_BYTES`` (ingests that kept failing on a changing corpus); the whole cache is removed when an ingest has
written its index (the index then holds the vectors). A file torn by a power cut or unreadable is dropped and its
texts embedded again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from assistant.embed import Embedder

FOLDER = ".vectors"
BATCH = 256  # texts per file at most: short sentences, about 0.5 s of work on 2 cores
FILE_CHARS = 64_000  # characters per file at most: about 50 long passages, 0.5 s of work, the most a crash can lose
SUFFIX = ".npz"
MAX_BYTES = 2 * 1024**3  # about 1.3 million vectors: several libraries' worth


def _digest(text: str, part: str | None = None) -> bytes:
    """The key of a text's vector, or of a part's vector read in that text."""
    key = text if part is None else f"{part}\x00{text}"
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).digest()


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
            kept = 0
            for path in sorted(self.folder.iterdir(), key=lambda p: p.stat().st_mtime_ns, reverse=True):
                kept += path.stat().st_size
                if kept > MAX_BYTES:
                    path.unlink(missing_ok=True)  # the oldest beyond the bound
                else:
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

    def get(self, text: str, part: str | None = None) -> np.ndarray | None:
        return self._vectors.get(_digest(text, part))

    def add(self, texts: Sequence[str], vectors: np.ndarray, parts: Sequence[Sequence[str]] = ()) -> None:
        """Keep one finished batch (with ``parts``, the vectors of each text's parts follow the texts' own, in
        order): its file is fsynced before this returns."""
        digests = [_digest(text) for text in texts]
        digests += [_digest(text, part) for text, text_parts in zip(texts, parts, strict=False) for part in text_parts]
        keys = np.asarray(digests, dtype="S20")
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
    """``embedder.embed(texts)``, taking what ``cache`` holds and keeping each batch there as it finishes; a text
    given twice is embedded once. ``progress`` is told of cached texts first, then of each embedded batch (counting
    each distinct text once)."""
    distinct = list(dict.fromkeys(texts))
    vectors = embed_parts_cached(embedder, distinct, [()] * len(distinct), cache, progress, alone=True)[0]
    if len(distinct) == len(texts):
        return vectors
    row = {text: i for i, text in enumerate(distinct)}
    return vectors[[row[text] for text in texts]]


def _files(rows: list[int], texts: Sequence[str]) -> Iterator[list[int]]:
    """``rows`` in runs of at most :data:`BATCH` texts and :data:`FILE_CHARS` characters (at least one text): each run
    is embedded, then kept in a file of its own."""
    run: list[int] = []
    chars = 0
    for row in rows:
        if run and (len(run) == BATCH or chars + len(texts[row]) > FILE_CHARS):
            yield run
            run, chars = [], 0
        run.append(row)
        chars += len(texts[row])
    if run:
        yield run


def embed_parts_cached(
    embedder: Embedder,
    texts: Sequence[str],
    parts: Sequence[Sequence[str]],
    cache: VectorCache,
    progress: Callable[[int], None] | None = None,
    alone: bool = False,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """``embedder.embed_parts(texts, parts)`` (``alone``: ``embed(texts)``, no parts) through ``cache``, as
    :func:`embed_cached`."""
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    out_parts: list[np.ndarray] = [np.zeros((len(p), embedder.dimension), np.float32) for p in parts]
    todo = []
    for row, text in enumerate(texts):
        kept = [cache.get(text), *(cache.get(text, part) for part in parts[row])]
        if any(vector is None for vector in kept):
            todo.append(row)
            continue
        out[row] = kept[0]
        for i, vector in enumerate(kept[1:]):
            out_parts[row][i] = vector
    if progress and len(todo) < len(texts):
        progress(len(texts) - len(todo))
    todo.sort(key=lambda row: len(texts[row]))  # batches of similar lengths pad little
    for rows in _files(todo, texts):
        batch, batch_parts = [texts[row] for row in rows], [parts[row] for row in rows]
        part_vectors: list[np.ndarray] = []
        if alone:
            vectors = embedder.embed(batch, progress)
        else:
            vectors, part_vectors = embedder.embed_parts(batch, batch_parts, progress)
        cache.add(batch, np.vstack([vectors, *part_vectors]), batch_parts)
        out[rows] = vectors
        for row, row_parts in zip(rows, part_vectors, strict=False):
            out_parts[row] = row_parts
    return out, out_parts
