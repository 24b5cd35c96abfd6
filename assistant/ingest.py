"""corpus/ -> documents changed since the last build -> pages -> chunks -> vectors -> index/.

Incremental by content hash: a document whose bytes (and corpus-manifest row) are unchanged keeps its chunks
and vectors, even when its file was renamed; only new or changed documents are parsed and embedded; removed
ones are dropped. When nothing changed nothing is written. A change of model or chunk settings, or an index
that cannot be read, rebuilds everything. Vectors are kept as each batch is embedded
(:mod:`assistant.embed_cache`) and documents as each is read (:mod:`assistant.parse_cache`), so an ingest run
again after a crash reads and embeds only what was not done. Documents are read in worker processes, each bounded
in time and memory (:mod:`assistant.parse_pool`); one that cannot be read is reported and skipped.

:func:`ingest` runs five named steps: plan (what is reused, what must be read), read and chunk, indicators,
embed, write (which also groups the documents that are versions of one another, :mod:`assistant.versions`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np

from assistant import corpus, store
from assistant.chunk import READING_VERSION, chunk_pages, embedding_text, sentences
from assistant.config import Settings, comparable
from assistant.embed import Embedder, model_words
from assistant.embed_cache import VectorCache, discard_cache, embed_cached, embed_parts_cached
from assistant.errors import ConfigError, JsnaError
from assistant.indicators import LOADER_VERSION, catalogue_texts, load_folder
from assistant.indicators.load import read_file
from assistant.lexical import Lexical
from assistant.model import Chunk, DocumentInfo, IngestReport, Recommendation, SkippedFile
from assistant.parse import ocr_available
from assistant.parse_cache import ParsedCache, discard_parsed
from assistant.parse_pool import read_documents, read_files
from assistant.recommendations.extract import VIEWS, extract, views
from assistant.versions import GROUPING_VERSION, find_groups


@dataclass(frozen=True)
class ProgressEvent:
    stage: str  # "parse", "indicators", "embed", "write"
    done: int
    total: int
    item: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


def _quiet(_: ProgressEvent) -> None:
    pass


@dataclass
class _Plan:
    """What the corpus holds against the live index: documents reused as they are, and those to read."""

    catalogue: dict[str, dict[str, str]]  # corpus-manifest rows by path
    row_hash: dict[str, str]  # path -> hash of its manifest row (a changed row re-reads the document)
    keep: dict[str, DocumentInfo]  # new path -> previous info, for documents reused as they are
    todo: list[corpus.SourceFile]
    skipped: list[SkippedFile] = field(default_factory=list)


@dataclass(frozen=True)
class _Indicators:
    """The indicator table to write (None when the corpus has none), its vectors, and whether it changed."""

    table: Any
    vectors: np.ndarray | None
    changed: bool
    files: dict[str, str]  # indicator file -> content hash
    datasets: dict[str, DocumentInfo]  # indicator data file -> its reference (title, publisher, year)


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
    timings = {"scan": 0.0, "parse": 0.0, "chunk": 0.0, "embed": 0.0, "index": 0.0}
    with store.lock(settings.index):
        store.clean_partial_builds(settings.index)
        previous, old, reason = _previous(settings, embedder, full)
        plan = _plan(settings, old, timings)
        read_before = _parsed_cache(settings)
        with ThreadPoolExecutor(1) as side:  # it waits while a worker process reads the indicator files
            read = side.submit(_read_indicators, settings, old, read_before)
            new_docs, new_chunks, new_items = _read_and_chunk(settings, embedder, plan, read_before, progress, timings)
            t = time.perf_counter()
            indicators = _indicators(old, plan, read.result(), progress)
            timings["parse"] += time.perf_counter() - t  # what reading them took beyond the documents
        report = _report(plan, new_docs, previous, reason)
        unchanged = not report.changed and not indicators.changed
        if old and unchanged and report.skipped == old.manifest.skipped and old.manifest.grouping == GROUPING_VERSION:
            discard_cache(settings.index)
            discard_parsed(settings.index)
            rows = 0 if old.indicators is None else len(old.indicators)
            seconds = time.perf_counter() - started
            return replace(report, chunks=len(old.chunks), indicator_rows=rows, seconds=seconds, timings=timings)
        cache = VectorCache(settings.index, {"model": embedder.name, "backend": settings.backend}, embedder.dimension)
        in_passage = settings.sentence_vectors == "in_passage"
        embedded, indicators = _embed(embedder, cache, in_passage, new_chunks, new_items, indicators, progress, timings)
        chunks = _write(
            settings, embedder, old, plan, new_docs, new_chunks, new_items, embedded, indicators, report, progress
        )
        cache.clear()
        discard_parsed(settings.index)
        timings["index"] = time.perf_counter() - started - sum(v for k, v in timings.items() if k != "index")
    return replace(
        report,
        indicator_rows=0 if indicators.table is None else len(indicators.table),
        chunks=len(chunks),
        chunks_embedded=len(new_chunks),
        sentences_embedded=embedded.distinct,
        seconds=time.perf_counter() - started,
        timings=timings,
    )


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
    built = comparable({"model": manifest.model, **manifest.chunking, "window": manifest.window})
    wanted = comparable({**_built_with(settings), "window": embedder.window})
    if built != wanted:
        if {k: v for k, v in built.items() if k != "reading"} == {k: v for k, v in wanted.items() if k != "reading"}:
            return manifest, None, "this version of the assistant reads documents better (recommendations)"
        return manifest, None, "the model or chunk settings changed"
    try:
        return manifest, store.load(settings.index), ""
    except JsnaError as exc:
        return manifest, None, f"the previous index could not be used ({exc.message})"


# --- 1. plan ------------------------------------------------------------------------------------------------


def _plan(settings: Settings, old: store.Snapshot | None, timings: dict[str, float]) -> _Plan:
    """Which documents are reused as they are (same content and manifest row, wherever the file now is), which
    must be read, and which are skipped as copies of another file's content."""
    t = time.perf_counter()
    sources = corpus.scan(settings.corpus)
    catalogue = corpus.read_catalogue(settings.corpus)
    timings["scan"] = time.perf_counter() - t
    old_rows = (old.manifest.catalogue or {}) if old else {}
    by_hash = {info.sha256: info for info in old.manifest.documents.values()} if old else {}
    plan = _Plan(catalogue, {src.rel: _row_hash(catalogue.get(src.rel)) for src in sources}, {}, [])
    seen: dict[str, str] = {}  # sha256 -> first path with that content
    for src in sources:
        if src.sha256 and src.sha256 in seen:
            plan.skipped.append(SkippedFile(src.rel, f"same content as {seen[src.sha256]}"))
            continue
        if src.sha256:
            seen[src.sha256] = src.rel
        known = by_hash.get(src.sha256)
        if known and old_rows.get(known.path) == plan.row_hash[src.rel]:
            plan.keep[src.rel] = known
        else:
            plan.todo.append(src)
    return plan


# --- 2. read and chunk --------------------------------------------------------------------------------------


def _read_and_chunk(
    settings: Settings,
    embedder: Embedder,
    plan: _Plan,
    read_before: ParsedCache,
    progress: ProgressCallback,
    timings: dict[str, float],
) -> tuple[dict[str, DocumentInfo], list[Chunk], list[Recommendation]]:
    """Read the documents to do in worker processes and chunk each as it arrives (chunking needs the embedder's
    tokenizer, so it happens here, in order, while later files are still being read); find each one's
    recommendation items."""
    todo = plan.todo
    new_docs: dict[str, DocumentInfo] = {}
    new_chunks: list[Chunk] = []
    new_items: list[Recommendation] = []
    kept = {src.rel: read_before.get(src.sha256) for src in todo if src.sha256}  # by an ingest that did not finish
    to_read = [src for src in todo if kept.get(src.rel) is None]

    def parsed_one(done: int, name: str) -> None:
        progress(ProgressEvent("parse", len(todo) - len(to_read) + done, len(todo), name))

    progress(ProgressEvent("parse", len(todo) - len(to_read), len(todo)))
    started = time.perf_counter()
    files = [(src.path, src.rel) for src in to_read]
    vocabulary = model_words(settings.model) if to_read else frozenset()
    with closing(read_documents(files, settings, parsed_one, vocabulary=vocabulary)) as outcomes:
        for src in todo:
            parsed = kept.get(src.rel)
            if parsed is None:
                outcome = next(outcomes)
                if outcome.document is None:
                    plan.skipped.append(SkippedFile(src.rel, str(outcome.error)))
                    continue
                parsed = outcome.document
                if src.sha256:
                    read_before.add(src.sha256, parsed)
            info = corpus.document_info(src, parsed, plan.catalogue.get(src.rel))
            t = time.perf_counter()
            chunks = chunk_pages(
                info,
                parsed.pages,
                embedder.count_tokens,
                settings.chunk_tokens,
                settings.overlap_tokens,
                embedder.window,
            )
            new_items.extend(extract(info, parsed.pages))
            timings["chunk"] += time.perf_counter() - t
            new_docs[src.rel] = info
            new_chunks.extend(chunks)
    timings["parse"] = time.perf_counter() - started - timings["chunk"]
    progress(ProgressEvent("parse", len(todo), len(todo)))
    return new_docs, new_chunks, new_items


# --- 3. indicators ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _IndicatorRead:
    """The corpus's indicator files, their references, whether they changed, and, when they did, the table read
    from them and the files or sheets it skipped."""

    files: dict[str, str]  # indicator file -> content hash
    datasets: dict[str, DocumentInfo]
    changed: bool
    read: tuple[Any, list[SkippedFile]] | None = None


def _read_indicators(settings: Settings, old: store.Snapshot | None, read_before: ParsedCache) -> _IndicatorRead:
    """The indicator table, read again when its files (or the way they are read) changed; nothing else is done
    here, so it can run beside the documents' reading."""
    files = corpus.indicator_files(settings.corpus)
    datasets = corpus.dataset_info(settings.corpus, files)
    changed = files != (old.manifest.indicator_files or {} if old else {}) or (
        bool(files) and old is not None and old.manifest.indicator_loader != LOADER_VERSION
    )
    if (old is not None and not changed) or not files:
        return _IndicatorRead(files, datasets, changed)
    kept = read_before.get_table(files)  # by an ingest that did not finish
    if kept is None:
        # In a worker process: here it would hold the GIL that chunking, in the caller's thread, needs.
        load = partial(read_files, settings=settings, reader=read_file)
        kept = load_folder(settings.corpus / corpus.INDICATOR_FOLDER, settings.corpus, load)
        read_before.add_table(files, *kept)
    return _IndicatorRead(files, datasets, changed, kept)


def _indicators(
    old: store.Snapshot | None, plan: _Plan, read: _IndicatorRead, progress: ProgressCallback
) -> _Indicators:
    """The indicator table to write: the one read again, else the live one."""
    if read.read is None:
        if old is not None and not read.changed:
            plan.skipped.extend(s for s in old.manifest.skipped if s.path.split("#")[0] in read.files)
            cited = read.datasets != (old.manifest.datasets or {})  # a reference changed in MANIFEST.csv: write it
            return _Indicators(old.indicators, old.indicator_vectors, cited, read.files, read.datasets)
        return _Indicators(None, None, read.changed, read.files, read.datasets)
    table, skipped = read.read
    progress(ProgressEvent("indicators", len(read.files), len(read.files)))
    plan.skipped.extend(skipped)
    return _Indicators(table, None, read.changed, read.files, read.datasets)


def _built_with(settings: Settings) -> dict[str, Any]:
    """What an index's chunks depend on: the chunk settings and the way pages are read (``READING_VERSION``)."""
    return {**settings.chunking(), "reading": READING_VERSION}


def _parsed_cache(settings: Settings) -> ParsedCache:
    """What ingests that did not finish read, under the key of what reading depends on."""
    key = {"reading": READING_VERSION, "loader": LOADER_VERSION, "model": settings.model, "ocr": ocr_available()}
    return ParsedCache(settings.index, key)


def _report(
    plan: _Plan, new_docs: dict[str, DocumentInfo], previous: store.Manifest | None, reason: str
) -> IngestReport:
    old_docs = previous.documents if previous else {}
    current = set(plan.keep) | set(new_docs)
    moved = {path for path, info in plan.keep.items() if info.path != path}
    return IngestReport(
        added=tuple(sorted(p for p in new_docs if p not in old_docs)),
        updated=tuple(sorted(p for p in new_docs if p in old_docs)),
        removed=tuple(sorted(p for p in old_docs if p not in current)),
        unchanged=tuple(sorted(p for p in plan.keep if p not in moved)),
        moved=tuple(sorted(moved)),
        skipped=tuple(sorted(plan.skipped, key=lambda s: s.path)),
        rebuilt_because=reason,
    )


# --- 4. embed -----------------------------------------------------------------------------------------------

SentencePairs = list[tuple[str, np.ndarray]]  # a chunk's quotable sentences, each with its vector


@dataclass(frozen=True)
class _Embedded:
    vectors: np.ndarray  # one per new chunk
    sentences: list[SentencePairs]  # one list per new chunk
    distinct: int  # sentence vectors made (embedded alone: a sentence in two overlapping chunks once)
    items: np.ndarray  # one per new recommendation item


def _embed(
    embedder: Embedder,
    cache: VectorCache,
    in_passage: bool,
    new_chunks: list[Chunk],
    new_items: list[Recommendation],
    indicators: _Indicators,
    progress: ProgressCallback,
    timings: dict[str, float],
) -> tuple[_Embedded, _Indicators]:
    """Vectors for the new chunks and their quotable sentences (``in_passage``: from the chunk's own pass of the
    model), for the new recommendation items (each in its document and section), and for the indicator catalogue
    when the table was read again; each batch is kept in ``cache`` as it finishes, and what an interrupted ingest
    kept there is not embedded again."""
    t = time.perf_counter()
    per_chunk = [sentences(c.text) for c in new_chunks]
    texts = [embedding_text(c.title, c.section, c.text) for c in new_chunks]
    if in_passage:  # each sentence from its passage's pass of the model
        distinct = sum(map(len, per_chunk))
        total = len(texts)
    else:  # each distinct sentence embedded once, alone: neighbouring chunks overlap
        alone = list(dict.fromkeys(text for chunk_texts in per_chunk for text in chunk_texts))
        distinct, total = len(alone), len(set(texts)) + len(alone)  # each distinct text embedded once
    item_texts = [text for item in new_items for text in views(item)]  # the items of a section share its heading
    catalogue = catalogue_texts(indicators.table) if indicators.table is not None and indicators.vectors is None else []
    total += len(set(item_texts)) + len(set(catalogue))
    embedded = [0]

    def on_batch(n: int) -> None:
        embedded[0] += n
        progress(ProgressEvent("embed", embedded[0], total))

    progress(ProgressEvent("embed", 0, total))
    if in_passage:
        vectors, part_vectors = embed_parts_cached(embedder, texts, per_chunk, cache, on_batch)
    else:
        both = embed_cached(embedder, texts + alone, cache, on_batch)
        vectors, by_text = both[: len(texts)], dict(zip(alone, both[len(texts) :], strict=True))
        part_vectors = [np.asarray([by_text[text] for text in chunk_texts]) for chunk_texts in per_chunk]
    items = embed_cached(embedder, item_texts, cache, on_batch).reshape(len(new_items), len(VIEWS), embedder.dimension)
    if catalogue:
        indicators = replace(indicators, vectors=embed_cached(embedder, catalogue, cache, on_batch))
    timings["embed"] = time.perf_counter() - t
    pairs = [
        list(zip(chunk_texts, rows, strict=True)) for chunk_texts, rows in zip(per_chunk, part_vectors, strict=True)
    ]
    return _Embedded(vectors, pairs, distinct, items), indicators


# --- 5. write -----------------------------------------------------------------------------------------------


def _write(
    settings: Settings,
    embedder: Embedder,
    old: store.Snapshot | None,
    plan: _Plan,
    new_docs: dict[str, DocumentInfo],
    new_chunks: list[Chunk],
    new_items: list[Recommendation],
    embedded: _Embedded,
    indicators: _Indicators,
    report: IngestReport,
    progress: ProgressCallback,
) -> list[Chunk]:
    """Reused and new chunks with their vectors, sentences and BM25 index, recommendation items, and the
    indicators, as a new live version."""
    progress(ProgressEvent("write", 0, 1))
    chunks, vectors, chunk_sentences = _assemble(old, plan.keep, new_chunks, embedded)
    documents = {path: replace(info, path=path) for path, info in plan.keep.items()} | new_docs
    groups = find_groups(chunks, vectors, documents)
    manifest = store.Manifest(
        format_version=store.FORMAT_VERSION,
        model=settings.model,
        dimension=embedder.dimension,
        window=embedder.window,
        chunking={k: v for k, v in _built_with(settings).items() if k != "model"},
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        documents=dict(sorted(documents.items())),
        skipped=report.skipped,
        catalogue={path: plan.row_hash[path] for path in documents},
        indicator_files=indicators.files,
        indicator_loader=LOADER_VERSION,
        datasets=dict(sorted(indicators.datasets.items())),
        versions=tuple(group.docs for group in groups),
        grouping=GROUPING_VERSION,
    )
    lexical = Lexical.build(chunks)
    sentence_table = store.Sentences.build(chunk_sentences, embedder.dimension)
    items, item_vectors = _assemble_items(old, plan.keep, new_items, embedded.items)
    store.write(
        settings.index,
        manifest,
        chunks,
        vectors,
        lexical,
        sentence_table,
        indicators.table,
        indicators.vectors,
        items,
        item_vectors,
    )
    progress(ProgressEvent("write", 1, 1))
    return chunks


def _assemble(
    old: store.Snapshot | None,
    keep: dict[str, DocumentInfo],
    new_chunks: list[Chunk],
    embedded: _Embedded,
) -> tuple[list[Chunk], np.ndarray, list[SentencePairs]]:
    """Reused chunks (re-pointed at a renamed file) and new ones, with their vectors and sentences, ordered by
    document path."""
    rows: list[tuple[str, Chunk, np.ndarray, SentencePairs]] = []
    if old is not None and keep:
        renamed = {info.path: path for path, info in keep.items()}
        old_vectors = old.vectors()
        for row, chunk in enumerate(old.chunks):
            if chunk.doc in renamed:
                path = renamed[chunk.doc]
                moved = replace(chunk, doc=path) if path != chunk.doc else chunk
                rows.append((path, moved, old_vectors[row], old.sentences.of(row)))
    rows.extend((c.doc, c, v, s) for c, v, s in zip(new_chunks, embedded.vectors, embedded.sentences, strict=True))
    rows.sort(key=lambda r: r[0])  # stable: chunk order within a document is kept
    if not rows:
        dim = embedded.vectors.shape[1] if embedded.vectors.ndim == 2 else 0
        return [], np.zeros((0, dim), np.float32), []
    return [r[1] for r in rows], np.vstack([r[2] for r in rows]).astype(np.float32), [r[3] for r in rows]


def _assemble_items(
    old: store.Snapshot | None, keep: dict[str, DocumentInfo], new_items: list[Recommendation], vectors: np.ndarray
) -> tuple[list[Recommendation], np.ndarray]:
    """Reused recommendation items (re-pointed at a renamed file) and new ones, with their vectors, by document."""
    rows: list[tuple[Recommendation, np.ndarray]] = []
    if old is not None and old.recommendation_vectors is not None and keep:
        renamed = {info.path: path for path, info in keep.items()}
        for item, vector in zip(old.recommendations, old.recommendation_vectors, strict=True):
            if item.doc in renamed:
                rows.append((replace(item, doc=renamed[item.doc]), vector))
    rows.extend(zip(new_items, vectors, strict=True))
    rows.sort(key=lambda r: r[0].doc)  # stable: reading order within a document is kept
    matrix = np.stack([v for _, v in rows]) if rows else np.zeros((0, *vectors.shape[1:]))
    return [item for item, _ in rows], matrix.astype(np.float32)


def _row_hash(row: dict[str, str] | None) -> str:
    if not row:
        return ""
    return hashlib.sha1(json.dumps(row, sort_keys=True).encode()).hexdigest()[:12]
