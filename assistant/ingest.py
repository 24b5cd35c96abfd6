"""corpus/ -> documents changed since the last build -> pages -> chunks -> vectors -> index/.

Incremental by content hash: a document whose bytes (and corpus-manifest row) are unchanged keeps its chunks
and vectors, even when its file was renamed; only new or changed documents are parsed and embedded; removed
ones are dropped. When nothing changed nothing is written. A change of model or chunk settings, or an index
that cannot be read, rebuilds everything. Documents are read in worker processes, each bounded in time and
memory (:mod:`assistant.parse_pool`); one that cannot be read is reported and skipped.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from assistant import corpus, store
from assistant.chunk import chunk_pages, embedding_text
from assistant.config import Settings
from assistant.embed import Embedder
from assistant.errors import ConfigError, JsnaError
from assistant.indicators import LOADER_VERSION, catalogue_texts, load_folder
from assistant.model import Chunk, DocumentInfo, IngestReport, SkippedFile
from assistant.parse_pool import read_documents


@dataclass(frozen=True)
class ProgressEvent:
    stage: str  # "parse", "indicators", "embed", "write"
    done: int
    total: int
    item: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


def _quiet(_: ProgressEvent) -> None:
    pass


def ingest(
    settings: Settings, embedder: Embedder, full: bool = False, progress: ProgressCallback = _quiet
) -> IngestReport:
    """Bring the index in ``settings.index`` up to date with ``settings.corpus``."""
    started = time.perf_counter()
    if not settings.corpus.is_dir():
        raise ConfigError(
            f"Corpus folder {settings.corpus}/ does not exist.",
            "Create it and add documents, or point --corpus (JSNA_CORPUS) at the right folder.",
        )
    with store.lock(settings.index):
        store.clean_partial_builds(settings.index)
        previous, reusable, reason = _previous(settings, embedder, full)
        return _ingest(settings, embedder, previous, reusable, reason, progress, started)


def _previous(
    settings: Settings, embedder: Embedder, full: bool
) -> tuple[store.Manifest | None, store.Snapshot | None, str]:
    """The live index's manifest (None when there is none or it is unreadable), the live index itself when
    its chunks and vectors can be reused (checksums verified), and why not."""
    try:
        _, manifest = store.read_manifest(settings.index)
    except store.IndexMissingError:
        return None, None, ""
    except JsnaError as exc:
        return None, None, f"the previous index could not be used ({exc.message})"
    if full:
        return manifest, None, "--full was asked for"
    built = {"model": manifest.model, **manifest.chunking, "window": manifest.window}
    if built != {**settings.chunking(), "window": embedder.window}:
        return manifest, None, "the model or chunk settings changed"
    try:
        return manifest, store.load(settings.index), ""
    except JsnaError as exc:
        return manifest, None, f"the previous index could not be used ({exc.message})"


def _ingest(
    settings: Settings,
    embedder: Embedder,
    previous: store.Manifest | None,
    old: store.Snapshot | None,
    reason: str,
    progress: ProgressCallback,
    started: float,
) -> IngestReport:
    timings = {"scan": 0.0, "parse": 0.0, "chunk": 0.0, "embed": 0.0, "index": 0.0}
    t = time.perf_counter()
    sources = corpus.scan(settings.corpus)
    catalogue = corpus.read_catalogue(settings.corpus)
    timings["scan"] = time.perf_counter() - t

    old_docs = previous.documents if previous else {}
    old_rows = (old.manifest.catalogue or {}) if old else {}
    by_hash = {info.sha256: info for info in old_docs.values()} if old else {}
    row_hash = {src.rel: _row_hash(catalogue.get(src.rel)) for src in sources}

    skipped: list[SkippedFile] = []
    seen: dict[str, str] = {}  # sha256 -> first path with that content
    keep: dict[str, DocumentInfo] = {}  # new path -> previous info, for documents reused as they are
    todo = []
    for src in sources:
        if src.sha256 and src.sha256 in seen:
            skipped.append(SkippedFile(src.rel, f"same content as {seen[src.sha256]}"))
            continue
        if src.sha256:
            seen[src.sha256] = src.rel
        known = by_hash.get(src.sha256)
        if known and old_rows.get(known.path) == row_hash[src.rel]:
            keep[src.rel] = known
        else:
            todo.append(src)

    new_docs: dict[str, DocumentInfo] = {}
    new_chunks: list[Chunk] = []

    def parsed_one(done: int, name: str) -> None:
        progress(ProgressEvent("parse", done, len(todo), name))

    progress(ProgressEvent("parse", 0, len(todo)))
    t_parse = time.perf_counter()
    # Chunking (it needs the embedder's tokenizer) happens here, in order, while later files are still read.
    with closing(read_documents([(src.path, src.rel) for src in todo], settings, parsed_one)) as outcomes:
        for src, outcome in zip(todo, outcomes, strict=True):
            parsed = outcome.document
            if parsed is None:
                skipped.append(SkippedFile(src.rel, str(outcome.error)))
                continue
            info = corpus.document_info(src, parsed, catalogue.get(src.rel))
            t = time.perf_counter()
            chunks = chunk_pages(
                info,
                parsed.pages,
                embedder.count_tokens,
                settings.chunk_tokens,
                settings.overlap_tokens,
                embedder.window,
            )
            timings["chunk"] += time.perf_counter() - t
            new_docs[src.rel] = info
            new_chunks.extend(chunks)
    timings["parse"] = time.perf_counter() - t_parse - timings["chunk"]
    progress(ProgressEvent("parse", len(todo), len(todo)))

    indicator_files = corpus.indicator_files(settings.corpus)
    old_indicators = old.manifest.indicator_files if old else None
    indicators_changed = indicator_files != (old_indicators or {}) or (
        bool(indicator_files) and old is not None and old.manifest.indicator_loader != LOADER_VERSION
    )
    indicators, indicator_vectors = (old.indicators, old.indicator_vectors) if old else (None, None)
    if indicators_changed or old is None:
        t = time.perf_counter()
        progress(ProgressEvent("indicators", 0, len(indicator_files)))
        indicators, indicator_skipped = _load_indicators(settings, indicator_files)
        progress(ProgressEvent("indicators", len(indicator_files), len(indicator_files)))
        skipped.extend(indicator_skipped)
        timings["parse"] += time.perf_counter() - t
    elif old:
        skipped.extend(s for s in old.manifest.skipped if s.path.split("#")[0] in indicator_files)

    current = set(keep) | set(new_docs)
    moved = {path for path, info in keep.items() if info.path != path}
    report = IngestReport(
        added=tuple(sorted(p for p in new_docs if p not in old_docs)),
        updated=tuple(sorted(p for p in new_docs if p in old_docs)),
        removed=tuple(sorted(p for p in old_docs if p not in current)),
        unchanged=tuple(sorted(p for p in keep if p not in moved)),
        moved=tuple(sorted(moved)),
        skipped=tuple(sorted(skipped, key=lambda s: s.path)),
        rebuilt_because=reason,
    )
    if old and not report.changed and not indicators_changed and report.skipped == old.manifest.skipped:
        rows = 0 if old.indicators is None else len(old.indicators)
        return replace(
            report, chunks=len(old.chunks), indicator_rows=rows, seconds=time.perf_counter() - started, timings=timings
        )

    t = time.perf_counter()
    texts = [embedding_text(c.title, c.section, c.text) for c in new_chunks]
    embedded = [0]

    def on_batch(n: int) -> None:
        embedded[0] += n
        progress(ProgressEvent("embed", embedded[0], len(texts)))

    progress(ProgressEvent("embed", 0, len(texts)))
    new_vectors = embedder.embed(texts, on_batch) if texts else np.zeros((0, embedder.dimension), np.float32)
    if indicators is not None and (indicators_changed or old is None):
        indicator_vectors = embedder.embed(catalogue_texts(indicators))
    timings["embed"] = time.perf_counter() - t

    t = time.perf_counter()
    progress(ProgressEvent("write", 0, 1))
    chunks, vectors = _assemble(old, keep, new_docs, new_chunks, new_vectors)
    documents = {path: replace(info, path=path) for path, info in keep.items()} | new_docs
    manifest = store.Manifest(
        format_version=store.FORMAT_VERSION,
        model=settings.model,
        dimension=embedder.dimension,
        window=embedder.window,
        chunking={k: v for k, v in settings.chunking().items() if k != "model"},
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        documents=dict(sorted(documents.items())),
        skipped=report.skipped,
        catalogue={path: row_hash[path] for path in documents},
        indicator_files=indicator_files,
        indicator_loader=LOADER_VERSION,
    )
    store.write(settings.index, manifest, chunks, vectors, indicators, indicator_vectors)
    progress(ProgressEvent("write", 1, 1))
    timings["index"] = time.perf_counter() - t
    return replace(
        report,
        indicator_rows=0 if indicators is None else len(indicators),
        chunks=len(chunks),
        chunks_embedded=len(new_chunks),
        seconds=time.perf_counter() - started,
        timings=timings,
    )


def _load_indicators(settings: Settings, files: dict[str, str]) -> tuple[Any, list[SkippedFile]]:
    """The long indicator table of the corpus's indicators/ folder (None when it has none)."""
    if not files:
        return None, []
    table, skipped = load_folder(settings.corpus / corpus.INDICATOR_FOLDER, settings.corpus)
    return table, list(skipped)


def _assemble(
    old: store.Snapshot | None,
    keep: dict[str, DocumentInfo],
    new_docs: dict[str, DocumentInfo],
    new_chunks: list[Chunk],
    new_vectors: np.ndarray,
) -> tuple[list[Chunk], np.ndarray]:
    """Reused chunks (re-pointed at a renamed file) and new ones, ordered by document path."""
    rows: list[tuple[str, Chunk, np.ndarray]] = []
    if old is not None and keep:
        renamed = {info.path: path for path, info in keep.items()}
        old_vectors = old.vectors()
        for row, chunk in enumerate(old.chunks):
            if chunk.doc in renamed:
                path = renamed[chunk.doc]
                rows.append((path, replace(chunk, doc=path) if path != chunk.doc else chunk, old_vectors[row]))
    rows.extend((c.doc, c, v) for c, v in zip(new_chunks, new_vectors, strict=True))
    rows.sort(key=lambda r: r[0])  # stable: chunk order within a document is kept
    if not rows:
        dim = new_vectors.shape[1] if new_vectors.ndim == 2 else 0
        return [], np.zeros((0, dim), np.float32)
    return [r[1] for r in rows], np.vstack([r[2] for r in rows]).astype(np.float32)


def _row_hash(row: dict[str, str] | None) -> str:
    if not row:
        return ""
    return hashlib.sha1(json.dumps(row, sort_keys=True).encode()).hexdigest()[:12]
