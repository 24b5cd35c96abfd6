"""Vector search at scale: the index ``store.build_vector_index`` picks for the real corpus, 100k and 1M chunks.

What it measures
----------------
The vectors are the shared corpus's real chunk vectors (all-MiniLM-L6-v2, 384-d, normalised), read from the
bench index (built with the real model first if it is missing). Larger sets are grown from them
synthetically, every vector new: pick a real chunk (its "seed") and one of its 10 nearest real chunks, take
a random point on the segment between the two, add Gaussian noise of total norm about ``NOISE`` (0.5: the
result has cosine ~0.9 with the point it came from), and renormalise. The grown set fills the space between
real passages instead of stacking near-copies of them, so a question's ten nearest vectors come from several
seeds, not from clones of one real chunk (the "seeds in top 10" note of the results shows this). A grown
vector keeps its seed's document and year, for the filtered searches.

The queries are the real questions of ``bench/questions.jsonl``, embedded with the real model. For each
size the index is built by ``store.build_vector_index`` (the choice the live index would make) and, for
comparison at 100k and above, the other kind is built too (marked "forced"). Reported per index:

* build seconds (training included), index bytes (``faiss.serialize_index``), and the process's resident
  memory growth over the build (RSS delta, which also counts what training leaves allocated);
* p50/p95 milliseconds of a single-query search through ``store.search_vectors`` (what the app calls), each
  question searched 3 times after a warm-up, FAISS on all cores;
* recall@10 against exact search (share of the exact ten nearest that the index returns, averaged);
* the same for a search filtered to the question's gold document (recall and p95), and to documents
  published 2021 or later (about a third of the chunks), as the app's filters do.

    python bench/scale.py [--index DIR] [--corpus DIR] [--questions FILE] [--sizes real,100k,1M]

Prints a markdown table and writes it to ``bench/results/scale.md``. Takes about 3 minutes on 2 cores and
~8 GB of memory at 1M; ``--sizes real,100k`` is a quick run.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from common import REPO, p50_p95, write_results

from assistant import store
from assistant.config import Settings
from assistant.embed import load_embedder
from assistant.errors import IndexMissingError
from assistant.ingest import ingest

NOISE = 0.5  # norm of the Gaussian noise added to each grown vector (the vectors have norm 1)
NEIGHBOURS = 10  # a grown vector lies between a real chunk and one of this many nearest real chunks
K = 10
REPEATS = 3
CORES = os.cpu_count() or 2


@dataclass(frozen=True)
class Corpus:
    vectors: np.ndarray  # the real chunk vectors
    docs: np.ndarray  # document of each chunk
    years: np.ndarray  # year of each chunk (0 when unknown)


@dataclass(frozen=True)
class Queries:
    vectors: np.ndarray
    gold_docs: list[set[str]]  # empty for out-of-scope questions


def load_corpus(args: argparse.Namespace) -> Corpus:
    settings = Settings(corpus=args.corpus, index=args.index, threads=CORES)
    try:
        snap = store.load(args.index, verify=False)
    except IndexMissingError:
        ingest(settings, load_embedder(settings))
        snap = store.load(args.index, verify=False)
    docs = np.array([c.doc for c in snap.chunks])
    years = np.array([c.year or 0 for c in snap.chunks])
    return Corpus(snap.vectors(), docs, years)


def load_queries(path: Path) -> Queries:
    questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    embedder = load_embedder(Settings(threads=CORES))
    vectors = embedder.embed([q["question"] for q in questions])
    return Queries(vectors, [{g["doc"] for g in q.get("gold", [])} for q in questions])


def grow(real: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` synthetic vectors grown from the real ones (see the module docstring) and each one's seed row."""
    similarity = real @ real.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = np.argsort(-similarity, axis=1)[:, :NEIGHBOURS]
    del similarity
    dimension = real.shape[1]
    out = np.empty((n, dimension), dtype=np.float32)
    seeds = rng.integers(0, len(real), n)
    for start in range(0, n, 100_000):
        seed = seeds[start : start + 100_000]
        other = nearest[seed, rng.integers(0, NEIGHBOURS, len(seed))]
        along = rng.random((len(seed), 1), dtype=np.float32)
        noise = rng.standard_normal((len(seed), dimension), dtype=np.float32) * (NOISE / np.sqrt(dimension))
        block = real[seed] + along * (real[other] - real[seed]) + noise
        out[start : start + len(seed)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out, seeds


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def exact_below(threshold: int) -> Iterator[None]:
    """Force the other kind of index, for comparison."""
    saved = store.EXACT_BELOW
    store.EXACT_BELOW = threshold
    try:
        yield
    finally:
        store.EXACT_BELOW = saved


def top(scores: np.ndarray, rows: np.ndarray) -> set[int]:
    """The ``K`` best of ``rows`` by ``scores`` (one score per vector)."""
    if len(rows) <= K:
        return set(rows.tolist())
    return {int(r) for r in rows[np.argpartition(-scores[rows], K - 1)[:K]]}


def timed_recall(
    index: Any, queries: np.ndarray, truth: list[set[int]], allowed: list[np.ndarray | None]
) -> tuple[float, float, float]:
    """Mean recall@10 against ``truth``, and p50/p95 search milliseconds."""
    for query, rows in zip(queries[:5], allowed[:5], strict=False):
        store.search_vectors(index, query, K, rows)  # warm-up
    latencies, recalls = [], []
    for _ in range(REPEATS):
        for query, exact, rows in zip(queries, truth, allowed, strict=True):
            start = time.perf_counter()
            found = store.search_vectors(index, query, K, rows)
            latencies.append((time.perf_counter() - start) * 1000)
            recalls.append(len({r for r, _ in found} & exact) / max(1, len(exact)))
    p50, p95 = p50_p95(latencies)
    return float(np.mean(recalls)), p50, p95


def describe(index: Any) -> str:
    if isinstance(index, faiss.IndexIVF):
        return f"IVFFlat, {index.nlist} lists, nprobe {index.nprobe}"
    return type(index).__name__.removeprefix("Index")


def measure(label: str, vectors: np.ndarray, queries: np.ndarray, cases: dict[str, Any]) -> dict[str, Any]:
    before = rss()
    start = time.perf_counter()
    index = store.build_vector_index(vectors, vectors.shape[1])
    build = time.perf_counter() - start
    grown = rss() - before
    row: dict[str, Any] = {
        "vectors": len(vectors),
        "index": describe(index) + label,
        "build s": build,
        "index MB": faiss.serialize_index(index).nbytes / 1e6,
        "RSS delta MB": grown / 1e6,
    }
    row["recall@10"], row["p50 ms"], row["p95 ms"] = timed_recall(index, queries, *cases["all"])
    row["doc recall@10"], _, row["doc p95 ms"] = timed_recall(index, queries[cases["doc_q"]], *cases["doc"])
    row["2021+ recall@10"], _, row["2021+ p95 ms"] = timed_recall(index, queries, *cases["recent"])
    del index
    return row


def cases(vectors: np.ndarray, docs: np.ndarray, years: np.ndarray, queries: Queries) -> dict[str, Any]:
    """Exact top tens: unfiltered, filtered to the gold document (in-scope questions), and to 2021 or later.
    Filters are one bool per row, as the app's are."""
    recent = years >= 2021
    in_scope = [i for i, gold in enumerate(queries.gold_docs) if gold]
    one_doc = {i: np.isin(docs, sorted(queries.gold_docs[i])) for i in in_scope}
    everything, recent_rows = np.arange(len(vectors)), np.flatnonzero(recent)
    exact: dict[str, list[set[int]]] = {"all": [], "doc": [], "recent": []}
    for i, query in enumerate(queries.vectors):
        scores = vectors @ query
        exact["all"].append(top(scores, everything))
        exact["recent"].append(top(scores, recent_rows))
        if i in one_doc:
            exact["doc"].append(top(scores, np.flatnonzero(one_doc[i])))
    n = len(queries.vectors)
    return {
        "all": (exact["all"], [None] * n),
        "doc_q": in_scope,
        "doc": (exact["doc"], list(one_doc.values())),
        "recent": (exact["recent"], [recent] * n),
    }


def parse_size(text: str) -> int | None:
    text = text.strip().lower()
    if text == "real":
        return None
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| vectors | index | build s | index MB | RSS delta MB | p50 ms | p95 ms | recall@10 "
        "| one-doc filter recall@10 | one-doc p95 ms | 2021+ filter recall@10 | 2021+ p95 ms |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['vectors']:,} | {r['index']} | {r['build s']:.1f} | {r['index MB']:.0f} | {r['RSS delta MB']:.0f} "
            f"| {r['p50 ms']:.2f} | {r['p95 ms']:.2f} | {r['recall@10']:.3f} | {r['doc recall@10']:.3f} "
            f"| {r['doc p95 ms']:.2f} | {r['2021+ recall@10']:.3f} | {r['2021+ p95 ms']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--index", type=Path, default=Path("/tmp/jsna-bench-index"))
    parser.add_argument("--questions", type=Path, default=REPO / "bench" / "questions.jsonl")
    parser.add_argument("--sizes", default="real,100k,1M", help="comma-separated: real, 100k, 1M, 250000, ...")
    args = parser.parse_args()
    faiss.omp_set_num_threads(CORES)
    corpus = load_corpus(args)
    queries = load_queries(args.questions)
    rng = np.random.default_rng(0)
    rows, notes = [], []
    for size in map(parse_size, args.sizes.split(",")):
        if size is None:
            vectors, seeds = corpus.vectors, np.arange(len(corpus.vectors))
        else:
            start = time.perf_counter()
            vectors, seeds = grow(corpus.vectors, size, rng)
            print(f"grew {size:,} vectors in {time.perf_counter() - start:.0f} s", flush=True)
        truth = cases(vectors, corpus.docs[seeds], corpus.years[seeds], queries)
        rows.append(measure("", vectors, queries.vectors, truth))
        print(table(rows[-1:]), flush=True)
        if len(vectors) >= 100_000:
            other = 0 if len(vectors) < store.EXACT_BELOW else len(vectors) + 1
            with exact_below(other):
                rows.append(measure(" (forced)", vectors, queries.vectors, truth))
            print(table(rows[-1:]), flush=True)
        top = [np.fromiter(t, int) for t in truth["all"][0]]
        spread = np.mean([len(set(seeds[t].tolist())) for t in top])
        first = np.mean([np.max(vectors[t] @ q) for t, q in zip(top, queries.vectors, strict=True)])
        notes.append(f"{len(vectors):,}: nearest vector cosine {first:.3f}, distinct seeds in top 10 {spread:.1f}")
        del vectors, truth
    in_scope = sum(bool(g) for g in queries.gold_docs)
    header = (
        f"# Vector search at scale, {time.strftime('%Y-%m-%d')}\n\n"
        f"{len(corpus.vectors):,} real chunk vectors from `{args.index}` (corpus `{args.corpus}`), grown "
        f"synthetically: each grown vector is a random point between a real chunk and one of its {NEIGHBOURS} "
        f"nearest real chunks, plus Gaussian noise of norm {NOISE}, renormalised (see `bench/scale.py`). "
        f"Queries: the {len(queries.vectors)} questions of `{args.questions.name}` embedded with the real model "
        f"({in_scope} with a gold document for the one-doc filter). FAISS on {CORES} threads, single-query "
        f"searches through `store.search_vectors`, each question {REPEATS} times (load average at the end "
        f"{os.getloadavg()[0]:.1f}: other work on the machine shows in the latencies). Recall@10 is against exact "
        f'search. The index kind without "(forced)" is the one `store.build_vector_index` picks '
        f"(exact below {store.EXACT_BELOW:,} vectors; IVF with round(sqrt(n)) lists and nprobe {store.NPROBE} "
        f"above).\n\n"
    )
    footer = (
        "\n\nWhat the questions' exact ten nearest look like (mean over questions):\n\n"
        + "\n".join(f"- {note}" for note in notes)
        + "\n\nHNSW is not built here: `../shared/MEASUREMENTS.md` has HNSW M=32 taking 230 s to build at 1M on "
        "2 cores, and every ingest rebuilds the index, where the inverted-file index takes seconds."
    )
    write_results("scale.md", header + table(rows) + footer + "\n")


if __name__ == "__main__":
    main()
