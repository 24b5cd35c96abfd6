"""The index folder. The only module that reads or writes ``index/``, but for the vector cache of an unfinished
ingest (:mod:`assistant.embed_cache`).

Layout::

    index/CURRENT           name of the live version (replaced atomically)
    index/v-<stamp>/        one complete, immutable version
        manifest.json       format version, model, dimension, chunk settings, documents, file checksums
        chunks.parquet      one row per chunk (the passage text and its citation fields)
        vectors.faiss       FAISS inner-product index over the normalised chunk vectors (see below)
        bm25/               BM25 index over the same chunks (bm25s), rebuilt with every version
        sentences.parquet   the quotable sentences of every chunk (its row and the text), in chunk order
        sentences.faiss     FAISS index over their vectors: the sentence search, and answers chosen without embedding
        indicators.parquet  the indicator files as one long table (when the corpus has indicators/)
        indicator_vectors.npy  one vector per indicator (name and definition), for matching questions
        recommendations.parquet  one row per recommendation item (:mod:`assistant.recommendations.extract`)
        recommendation_vectors.npy  three vectors per item (in its document and section; alone; its document and
                            section alone: ``recommendations.extract.views``), for topics
    index/.build-*/         a version being written; never read; removed when a later ingest starts
    index/.vectors/         vectors of an ingest that has not finished (:mod:`assistant.embed_cache`); never read
                            by a search, removed once an ingest has written its version
    index/.parsed/          documents and the indicator table read by an ingest that has not finished
                            (:mod:`assistant.parse_cache`); never read by a search, removed with ``.vectors/``
    index/.lock             held while an ingest writes

A new version is written and fsynced in full beside the live one, then ``CURRENT`` is swapped with
``os.replace``: a reader sees the old index or the new one, never half of one, and a crash or Ctrl-C at any
point leaves the previous version loadable.

The vector index is chosen by size in :func:`build_vector_index`: exact search (``IndexFlatIP``) below
``EXACT_BELOW`` vectors, where it takes milliseconds and needs no training; above it an inverted-file index
(``IndexIVFFlat``, about sqrt(n) lists, ``NPROBE`` of them searched per query). At 1M vectors on 2 cores that
builds in 7-20 s and answers in ~2 ms with recall@10 0.99 against exact search, where exact search takes
over 100 ms (``bench/results/scale.md``). Both kinds give rows back by number (``reconstruct_n``), keep
their settings in ``vectors.faiss``, and are searched, filtered or not, by :func:`search_vectors`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from assistant.config import comparable
from assistant.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, JsnaError
from assistant.lexical import Lexical
from assistant.model import Chunk, DocumentInfo, Recommendation, SkippedFile

T = TypeVar("T")

FORMAT_VERSION = 3  # 2: sentences and their vector index; 3: recommendation items
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
CHUNKS = "chunks.parquet"
VECTORS = "vectors.faiss"
LEXICAL = "bm25"
SENTENCES = "sentences.parquet"
SENTENCE_VECTORS = "sentences.faiss"
INDICATORS = "indicators.parquet"
INDICATOR_VECTORS = "indicator_vectors.npy"
RECOMMENDATIONS = "recommendations.parquet"
RECOMMENDATION_VECTORS = "recommendation_vectors.npy"
EXACT_BELOW = 100_000  # vectors; exact search of fewer takes under ~10 ms on 2 idle cores
NPROBE = 32  # inverted lists searched per query: recall@10 0.99 at 100k and 1M vectors
TRAIN_PER_LIST = 64  # training sample per inverted list (FAISS wants at least 39)
KEEP_VERSIONS = 2  # the live one and its predecessor (a reader may still be loading it)
REBUILD = "Run `jsna ingest --full` to rebuild the index."


@dataclass(frozen=True)
class Manifest:
    format_version: int
    model: str
    dimension: int
    window: int
    chunking: dict[str, Any]
    created: str
    documents: dict[str, DocumentInfo]
    skipped: tuple[SkippedFile, ...] = ()
    files: dict[str, str] | None = None  # file name -> sha256, filled in on write
    catalogue: dict[str, str] | None = None  # document path -> hash of its corpus-manifest row
    indicator_files: dict[str, str] | None = None  # indicator file path -> sha256
    indicator_loader: int = 0  # indicators.load.LOADER_VERSION that read them
    datasets: dict[str, DocumentInfo] | None = None  # indicator data file -> its reference
    versions: tuple[tuple[str, ...], ...] = ()  # groups of versions, lead first
    grouping: int = 0  # versions.GROUPING_VERSION that found them (0: never looked for)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [asdict(s) for s in self.skipped]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["documents"] = {path: DocumentInfo(**info) for path, info in data.get("documents", {}).items()}
        values["skipped"] = tuple(SkippedFile(**s) for s in data.get("skipped", []))
        if data.get("datasets") is not None:
            values["datasets"] = {path: DocumentInfo(**info) for path, info in data["datasets"].items()}
        # An index from before the sentence_vectors setting embedded its sentences alone.
        values["chunking"] = {"sentence_vectors": "alone", **data.get("chunking", {})}
        if data.get("versions") is not None:
            values["versions"] = tuple(tuple(group) for group in data["versions"])
        return cls(**values)


@dataclass(frozen=True)
class Sentences:
    """The quotable sentences of every chunk (:func:`assistant.chunk.sentences`), ordered by the row of the chunk
    they come from, and a FAISS index over their vectors (chosen by size, as the chunks' is)."""

    rows: np.ndarray  # int32, one per sentence, ascending
    texts: tuple[str, ...]
    index: Any  # faiss.Index

    @classmethod
    def build(cls, per_chunk: Sequence[Sequence[tuple[str, np.ndarray]]], dimension: int) -> Sentences:
        """From each chunk's (text, vector) pairs, in chunk row order."""
        rows = [row for row, pairs in enumerate(per_chunk) for _ in pairs]
        texts = tuple(text for pairs in per_chunk for text, _ in pairs)
        vectors = [vector for pairs in per_chunk for _, vector in pairs]
        matrix = np.vstack(vectors) if vectors else np.zeros((0, dimension), np.float32)
        return cls(np.asarray(rows, dtype=np.int32), texts, build_vector_index(matrix, dimension))

    def _spans(self, rows: Sequence[int]) -> list[range]:
        """The sentences of each chunk of ``rows`` (sentences are stored in chunk row order)."""
        wanted = np.asarray(rows, dtype=self.rows.dtype)  # of the same type: else numpy converts all the rows
        starts, ends = np.searchsorted(self.rows, wanted), np.searchsorted(self.rows, wanted + 1)
        return [range(start, end) for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]

    def of(self, row: int) -> list[tuple[str, np.ndarray]]:
        """The (text, vector) pairs of chunk ``row``."""
        span = self._spans([row])[0]
        if not span:
            return []
        vectors = self.index.reconstruct_batch(np.asarray(span, dtype=np.int64))
        return [(self.texts[i], vector) for i, vector in zip(span, vectors, strict=True)]

    def best(self, vector: np.ndarray, rows: Sequence[int]) -> list[float]:
        """For each chunk of ``rows``, the best cosine of one of its sentences to ``vector`` (0 without any)."""
        spans = self._spans(rows)
        ids = np.concatenate([np.arange(span.start, span.stop) for span in spans]) if spans else np.zeros(0)
        if not len(ids):
            return [0.0] * len(rows)
        # einsum, not a BLAS product: BLAS threads left spinning slow the next query's embedding threefold.
        similarity = np.einsum("ij,j->i", self.index.reconstruct_batch(ids.astype(np.int64)), vector)
        out, at = [], 0
        for span in spans:
            out.append(max(0.0, float(similarity[at : at + len(span)].max())) if span else 0.0)
            at += len(span)
        return out

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[int]:
        """The rows of the ``k`` chunks with the sentences nearest ``vector``, best first; ``allowed`` (one bool
        per chunk row) limits them."""
        permitted = None if allowed is None else allowed[self.rows]
        out: dict[int, None] = {}
        for sentence, _ in search_vectors(self.index, vector, 5 * k, permitted):
            out.setdefault(int(self.rows[sentence]))
            if len(out) == k:
                break
        return list(out)


@dataclass(frozen=True)
class Snapshot:
    """One loaded index version: chunks in row order, the FAISS index over their vectors, the BM25 index, the
    chunks' sentences, and the indicator table."""

    version: str
    manifest: Manifest
    chunks: tuple[Chunk, ...]
    index: Any  # faiss.Index
    lexical: Lexical
    sentences: Sentences
    indicators: Any = None  # pandas.DataFrame, the long indicator table, or None
    indicator_vectors: np.ndarray | None = None
    recommendations: tuple[Recommendation, ...] = ()  # every item, in document order, repeats not yet grouped
    recommendation_vectors: np.ndarray | None = None

    def vectors(self) -> np.ndarray:
        n = self.index.ntotal
        return self.index.reconstruct_n(0, n) if n else np.zeros((0, self.manifest.dimension), np.float32)

    @functools.cached_property
    def _rows(self) -> dict[str, int]:
        return {chunk.id: row for row, chunk in enumerate(self.chunks)}

    def sentences_of(self, chunk: Chunk) -> list[tuple[str, np.ndarray]]:
        """The quotable sentences of one of this version's chunks, each with its vector."""
        row = self._rows.get(chunk.id)
        return [] if row is None else self.sentences.of(row)

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Rows and inner-product scores of the ``k`` nearest chunks; ``allowed`` (one bool per row) limits
        the search to some rows."""
        return search_vectors(self.index, vector, k, allowed)


def build_vector_index(vectors: np.ndarray, dimension: int) -> Any:
    """The FAISS index for these vectors: exact below ``EXACT_BELOW``, an inverted-file index above."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dimension)
    n = len(vectors)
    if n < EXACT_BELOW:
        exact = faiss.IndexFlatIP(dimension)
        exact.add(vectors)
        return exact
    nlist = round(np.sqrt(n))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(n, min(n, TRAIN_PER_LIST * nlist), replace=False)
    index.train(vectors[np.sort(sample)])
    index.add(vectors)
    index.make_direct_map()  # rows by number (reconstruct_n, reconstruct_batch); saved with the index
    index.nprobe = NPROBE  # saved with the index too
    return index


def search_vectors(
    index: Any, vector: np.ndarray, k: int, allowed: np.ndarray | None = None
) -> list[tuple[int, float]]:
    """Rows and scores of the ``k`` nearest vectors in ``index``, among the rows ``allowed`` (one bool per row).

    With an inverted-file index and a filter, more lists are probed the fewer rows are allowed, so a filtered
    search scans about as many allowed vectors as an unfiltered one; a narrow filter (a document or two)
    probes every list, which is exact."""
    import faiss

    n = index.ntotal if allowed is None else int(np.count_nonzero(allowed))
    if n == 0 or k <= 0:
        return []
    params: faiss.SearchParameters | None = None
    if allowed is not None:
        bitmap = np.packbits(np.asarray(allowed, dtype=bool), bitorder="little")
        selector = faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap))  # both referenced until we return
        if isinstance(index, faiss.IndexIVF):
            ivf = faiss.SearchParametersIVF()
            ivf.nprobe = min(index.nlist, int(np.ceil(index.nprobe * index.ntotal / n)))
            params = ivf
        else:
            params = faiss.SearchParameters()
        params.sel = selector
    query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
    # One query on one thread: FAISS's OpenMP threads, left spinning after a search, slowed the next question's
    # embedding (torch's own threads) from 9 ms to 18 ms on 2 cores, for well under a millisecond gained here.
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        scores, rows = index.search(query, min(k, n), params=params)
    finally:
        faiss.omp_set_num_threads(threads)
    return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]


def current_version(root: Path) -> str | None:
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return name or None


def read_manifest(root: Path, expect: dict[str, Any] | None = None) -> tuple[str, Manifest]:
    """The live version's name and manifest. ``expect`` holds settings the index must have been built with
    (model, chunking); a difference raises :class:`IndexMismatchError` saying what to run."""
    version = current_version(root)
    if version is None:
        raise IndexMissingError(f"No index in {root}/.", "Run `jsna ingest` to build it from the corpus.")
    folder = root / version
    try:
        manifest = Manifest.from_json(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise IndexCorruptError(
            f"The index in {root}/ is incomplete: {version}/{MANIFEST} is missing.", REBUILD
        ) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise IndexCorruptError(f"The index manifest in {root}/{version} is unreadable ({exc}).", REBUILD) from None
    if manifest.format_version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"The index in {root}/ has format {manifest.format_version}; this version of the assistant reads "
            f"format {FORMAT_VERSION}.",
            REBUILD,
        )
    if expect:
        built = {"model": manifest.model, **manifest.chunking}
        same, wanted = comparable(built), comparable(expect)
        diffs = [
            f"{key}: index {built.get(key)!r}, settings {value!r}"
            for key, value in expect.items()
            if same.get(key) != wanted[key]
        ]
        if diffs:
            raise IndexMismatchError(
                f"The index in {root}/ was built with other settings ({'; '.join(diffs)}).", REBUILD
            )
    return version, manifest


def load(root: Path, expect: dict[str, Any] | None = None, verify: bool = True) -> Snapshot:
    """Load the live version; ``verify`` checks every file against the manifest's checksums."""
    version, manifest = read_manifest(root, expect)
    folder = root / version
    if verify:
        _verify(folder, manifest)
    try:
        import faiss

        index = faiss.read_index(str(folder / VECTORS))
        chunks = _read_chunks(folder / CHUNKS)
        lexical = Lexical.load(folder / LEXICAL)
        sentences = _read_sentences(folder)
        indicators, indicator_vectors = _read_indicators(folder)
        items = _read_rows(folder / RECOMMENDATIONS, Recommendation)
        item_vectors = np.load(folder / RECOMMENDATION_VECTORS)
    except Exception as exc:
        raise IndexCorruptError(f"The index in {root}/{version} cannot be read ({exc}).", REBUILD) from None
    if index.ntotal != len(chunks) or (chunks and index.d != manifest.dimension):
        raise IndexCorruptError(
            f"The index in {root}/{version} is inconsistent ({index.ntotal} vectors for {len(chunks)} chunks).",
            REBUILD,
        )
    if len(sentences.texts) != sentences.index.ntotal or (len(sentences.rows) and sentences.rows[-1] >= len(chunks)):
        raise IndexCorruptError(f"The index in {root}/{version} has sentences that fit no chunk.", REBUILD)
    if len(item_vectors) != len(items):
        raise IndexCorruptError(f"The index in {root}/{version} has recommendations without vectors.", REBUILD)
    return Snapshot(
        version, manifest, chunks, index, lexical, sentences, indicators, indicator_vectors, items, item_vectors
    )


def _read_sentences(folder: Path) -> Sentences:
    import faiss
    import pyarrow.parquet as pq

    table = pq.read_table(folder / SENTENCES)
    rows = np.asarray(table.column("row").to_numpy(), dtype=np.int32)
    return Sentences(rows, tuple(table.column("text").to_pylist()), faiss.read_index(str(folder / SENTENCE_VECTORS)))


def _write_sentences(folder: Path, sentences: Sentences) -> None:
    import faiss
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("row", pa.int32()), ("text", pa.string())])
    table = pa.table({"row": sentences.rows, "text": list(sentences.texts)}, schema=schema)
    pq.write_table(table, folder / SENTENCES)
    faiss.write_index(sentences.index, str(folder / SENTENCE_VECTORS))


def _read_indicators(folder: Path) -> tuple[Any, np.ndarray | None]:
    if not (folder / INDICATORS).is_file():
        return None, None
    import pandas as pd

    return pd.read_parquet(folder / INDICATORS), np.load(folder / INDICATOR_VECTORS)


def _verify(folder: Path, manifest: Manifest) -> None:
    for name, expected in (manifest.files or {}).items():
        path = folder / name
        if not path.is_file():
            raise IndexCorruptError(f"Index file {path} is missing.", REBUILD)
        if _sha256(path) != expected:
            raise IndexCorruptError(f"Index file {path} is damaged (its checksum does not match).", REBUILD)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_chunks(path: Path) -> tuple[Chunk, ...]:
    return _read_rows(path, Chunk)


def _read_rows(path: Path, cls: type[T]) -> tuple[T, ...]:
    """Rows of a parquet file written by :func:`_write_rows` as ``cls`` instances (a field added since the index
    was written takes its default)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    names = [f.name for f in fields(cls) if f.name in table.column_names]  # type: ignore[arg-type]
    columns = [table.column(name).to_pylist() for name in names]
    return tuple(cls(**dict(zip(names, row, strict=True))) for row in zip(*columns, strict=True))


def _write_chunks(path: Path, chunks: Sequence[Chunk]) -> None:
    _write_rows(path, chunks, [("recommendation", "bool_"), ("paged", "bool_"), ("ocr", "bool_")])


CITATION_COLUMNS = [
    ("id", "string"),
    ("doc", "string"),
    ("title", "string"),
    ("kind", "string"),
    ("year", "int32"),
    ("publisher", "string"),
    ("page_start", "int32"),
    ("page_end", "int32"),
    ("section", "string"),
    ("text", "string"),
]


def _write_rows(path: Path, rows: Sequence[Any], extra: Sequence[tuple[str, str]]) -> None:
    """Chunks or recommendation items as a parquet table: their citation fields and ``extra`` columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in [*CITATION_COLUMNS, *extra]])
    columns = {name: [getattr(row, name) for row in rows] for name in schema.names}
    pq.write_table(pa.table(columns, schema=schema), path)


def write(
    root: Path,
    manifest: Manifest,
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    lexical: Lexical,
    sentences: Sentences,
    indicators: Any = None,
    indicator_vectors: np.ndarray | None = None,
    recommendations: Sequence[Recommendation] = (),
    recommendation_vectors: np.ndarray | None = None,
) -> str:
    """Write a complete new version (the chunks, their vectors, BM25 index and sentences; the indicator table
    and its vectors; the recommendation items and theirs) and make it live. Returns the version name."""
    import faiss

    if len(chunks) != len(vectors):
        raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
    if recommendations and (recommendation_vectors is None or len(recommendation_vectors) != len(recommendations)):
        raise ValueError(f"{len(recommendations)} recommendations need as many vectors")
    root.mkdir(parents=True, exist_ok=True)
    version = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    build = root / f".build-{version}"
    build.mkdir()
    faiss.write_index(build_vector_index(vectors, manifest.dimension), str(build / VECTORS))
    _write_chunks(build / CHUNKS, chunks)
    lexical.save(build / LEXICAL)
    _write_sentences(build, sentences)
    _write_rows(build / RECOMMENDATIONS, recommendations, [("paged", "bool_")])
    item_vectors = np.zeros((0, manifest.dimension)) if recommendation_vectors is None else recommendation_vectors
    np.save(build / RECOMMENDATION_VECTORS, np.asarray(item_vectors, dtype=np.float32))
    if indicators is not None:
        indicators.to_parquet(build / INDICATORS, index=False)
        np.save(build / INDICATOR_VECTORS, np.asarray(indicator_vectors, dtype=np.float32))
    files = {p.relative_to(build).as_posix(): _sha256(p) for p in sorted(build.rglob("*")) if p.is_file()}
    data = replace(manifest, files=files).to_json()
    (build / MANIFEST).write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    for path in build.rglob("*"):
        _fsync(path)
    build.rename(root / version)
    _fsync(root)
    pointer = root / f".{CURRENT}.{version}"
    pointer.write_text(version + "\n", encoding="utf-8")
    _fsync(pointer)
    os.replace(pointer, root / CURRENT)
    _fsync(root)
    _prune(root, version)
    return version


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(root: Path, live: str) -> None:
    versions = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.startswith("v-"))
    old = [v for v in versions if v != live][: max(0, len(versions) - KEEP_VERSIONS)]
    for name in old:
        shutil.rmtree(root / name, ignore_errors=True)


def clean_partial_builds(root: Path) -> None:
    """Remove what an interrupted ingest left behind. Call only while holding :func:`lock`."""
    if not root.is_dir():
        return
    for path in root.iterdir():
        if path.name.startswith(".build-"):
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(f".{CURRENT}."):
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def lock(root: Path, timeout: float = 5.0) -> Iterator[None]:
    """Only one ingest writes an index folder at a time."""
    from filelock import FileLock, Timeout

    root.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(root / ".lock"), timeout=timeout):
            yield
    except Timeout:
        raise JsnaError(
            f"Another ingest is already writing {root}/.",
            "Wait for it to finish, then run the command again.",
        ) from None
