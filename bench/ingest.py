"""Benchmark ingest: a full build, a no-op re-ingest, a one-document change, and a killed build run again.

What it measures
----------------
All parts call ``assistant.ingest.ingest`` with the real
sentence-transformers model (``Settings(threads=os.cpu_count())``), timed with
``time.perf_counter`` (the report's own ``seconds`` and per-stage ``timings``).

1. Full ingest of the corpus into a fresh temporary index folder. Reports
   documents, pages (sum of ``DocumentInfo.pages`` in the built manifest),
   chunks, total seconds, pages/s, chunks/s (chunks / embed seconds), the split
   scan / parse / chunk / embed / index(write) with each stage's share, and the
   key ratio "(everything but embedding) / embedding" against the goal <= 0.20.
   Embed time includes importing torch/sentence-transformers and loading the
   model, which happen lazily on first use (part 3 loads the model again but
   the libraries are already imported).
2. No-op re-ingest of the same corpus into the same index, 3 times, each with a
   NEW embedder so nothing is cached. Reports the median seconds (goal <= 5 s)
   and chunks embedded (must be 0).
3. One changed document: a temporary mirror of the corpus (real folders, every
   file a symlink to the original, same relative paths so ``MANIFEST.csv`` still
   matches) except one mid-size PDF (the first with 10-40 pages), which is
   copied with ``b"\\n% changed by bench\\n"`` appended. Ingested into a copy of
   the part-1 index. Reports seconds, documents updated (should be 1) and
   chunks embedded (should equal that document's chunk count) vs total chunks.
4. A full ingest killed at 90%: ``jsna ingest``'s work in a child process (the real model, a fresh index
   folder) is killed with SIGKILL at 90% of part 1's time ("at minute 14 of 15"), as a crash or power cut would;
   the ingest is then run again. Reports where it was killed, the second run's seconds and what it embedded, and
   its time as a share of part 1's full ingest (goal <= 0.15).

The report goes to stdout and to ``bench/results/ingest.md``.

``--peer`` runs only a full ingest with the defaults and one with the fastest settings (``onnx-int8``, sentence
vectors read in their passage) beside a default LlamaIndex pipeline over the same model, in one run (needs
``pip install -e ".[peer]"``), and writes ``bench/results/ingest-peer.md``.

How to run
----------
    python bench/ingest.py [--corpus DIR] [--keep DIR] [--peer]

The default corpus is ``../shared/corpus`` relative to the repository root,
resolved from this file's location so it works from any cwd. ``--keep DIR``
copies the index built in part 1 to DIR (which must not exist).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from common import machine, write_results

from assistant import store
from assistant.config import Settings
from assistant.embed import load_embedder
from assistant.ingest import ingest
from assistant.model import IngestReport

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"

STAGES = ("parse", "chunk", "embed", "index", "scan")
NOOP_RUNS = 3
NOOP_GOAL_S = 5.0
RATIO_GOAL = 0.20
CHANGE_MARK = b"\n% changed by bench\n"
MID_PAGES = (10, 40)
KILL_AT = 0.9
PEER_GOAL = 0.40
RESUME_GOAL = 0.15
KILLED_INGEST = """
import os, sys
from pathlib import Path
from assistant.config import Settings
from assistant.embed import load_embedder
from assistant.ingest import ingest
settings = Settings(corpus=Path(sys.argv[1]), index=Path(sys.argv[2]), threads=os.cpu_count() or 1)
def told(event):
    if event.stage == "embed":
        print(event.done, event.total, flush=True)
ingest(settings, load_embedder(settings), progress=told)
"""


@dataclass(frozen=True)
class FullResult:
    report: IngestReport
    documents: int
    pages: int


@dataclass(frozen=True)
class NoopResult:
    seconds: list[float]
    embedded: list[int]
    unchanged: int


@dataclass(frozen=True)
class ChangeResult:
    report: IngestReport
    path: str
    pages: int
    doc_chunks: int


def run_ingest(corpus: Path, index: Path, **options: str) -> IngestReport:
    """One ingest with a freshly constructed embedder (no model or tokenizer cached); ``options`` are settings
    other than the defaults (``backend``, ``sentence_vectors``)."""
    settings = Settings(corpus=corpus, index=index, threads=os.cpu_count() or 1, **options)  # type: ignore[arg-type]
    return ingest(settings, load_embedder(settings))


def full_ingest(corpus: Path, index: Path) -> FullResult:
    report = run_ingest(corpus, index)
    documents = store.load(index).manifest.documents
    return FullResult(report, len(documents), sum(info.pages for info in documents.values()))


def noop_ingest(corpus: Path, index: Path) -> NoopResult:
    reports = []
    for i in range(NOOP_RUNS):
        reports.append(run_ingest(corpus, index))
        print(f"  no-op run {i + 1}/{NOOP_RUNS}: {reports[-1].seconds:.2f} s", flush=True)
    return NoopResult(
        seconds=[r.seconds for r in reports],
        embedded=[r.chunks_embedded for r in reports],
        unchanged=len(reports[-1].unchanged),
    )


def pick_document(index: Path) -> tuple[str, int, int]:
    """The first PDF with a mid-size page count: (relative path, pages, chunks in the index)."""
    snap = store.load(index)
    low, high = MID_PAGES
    for path, info in snap.manifest.documents.items():
        if path.lower().endswith(".pdf") and low <= info.pages <= high:
            return path, info.pages, sum(1 for c in snap.chunks if c.doc == path)
    raise SystemExit(f"no PDF with {low}-{high} pages in the index")


def mirror_corpus(corpus: Path, target: Path, changed: str) -> None:
    """Recreate ``corpus`` under ``target``: folders for real, files as symlinks, except ``changed``,
    which is copied with a few bytes appended (still a valid PDF, but a new content hash)."""
    for path in sorted(corpus.rglob("*")):
        rel = path.relative_to(corpus)
        dest = target / rel
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        elif rel.as_posix() == changed:
            dest.write_bytes(path.read_bytes() + CHANGE_MARK)
        else:
            dest.symlink_to(path.resolve())


def changed_ingest(corpus: Path, index: Path, work: Path) -> ChangeResult:
    path, pages, doc_chunks = pick_document(index)
    mirror = work / "corpus"
    mirror.mkdir()
    mirror_corpus(corpus, mirror, path)
    index_copy = work / "index"
    shutil.copytree(index, index_copy, symlinks=False)
    return ChangeResult(run_ingest(mirror, index_copy), path, pages, doc_chunks)


@dataclass(frozen=True)
class ResumeResult:
    killed_at: tuple[int, int]  # texts embedded, of all
    report: IngestReport


def resumed_ingest(corpus: Path, index: Path, full_seconds: float) -> ResumeResult:
    """Kill a full ingest with SIGKILL at ``KILL_AT`` of the full ingest's time ("at minute 14 of 15"); run it
    again."""
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_INGEST, str(corpus), str(index)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    timer = threading.Timer(KILL_AT * full_seconds, child.send_signal, (signal.SIGKILL,))
    timer.start()
    done, total = 0, 1
    assert child.stdout is not None
    for line in child.stdout:
        done, total = map(int, line.split())
    child.wait()
    timer.cancel()
    if child.returncode != -signal.SIGKILL:
        raise SystemExit(f"the ingest to kill ended by itself (exit {child.returncode})")
    return ResumeResult((done, total), run_ingest(corpus, index))


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def _table(header: tuple[str, ...], rows: Sequence[tuple[object, ...]]) -> Iterator[str]:
    yield "| " + " | ".join(header) + " |"
    yield "|---|" + "---:|" * (len(header) - 1)
    for row in rows:
        yield "| " + " | ".join(str(cell) for cell in row) + " |"


def _goal(ok: bool) -> str:
    return "met" if ok else "**not met**"


def full_table(result: FullResult) -> Iterator[str]:
    r, t = result.report, result.report.timings
    embed = t["embed"]
    rest = r.seconds - embed
    ratio = rest / embed if embed else float("inf")
    verdict = _goal(ratio <= RATIO_GOAL)
    yield from _table(
        ("metric", "value"),
        [
            ("documents", result.documents),
            ("skipped", len(r.skipped)),
            ("pages", result.pages),
            ("chunks", r.chunks),
            ("total s", f"{r.seconds:.1f}"),
            ("pages/s (total)", f"{result.pages / r.seconds:.1f}"),
            ("chunks/s (embed)", f"{r.chunks / embed:.1f}" if embed else "-"),
            (f"(all but embed) / embed, goal <= {RATIO_GOAL:.2f}", f"{ratio:.3f} ({verdict})"),
        ],
    )
    yield ""
    other = r.seconds - sum(t.values())
    shares = [(stage, f"{t[stage]:.2f}", f"{100 * t[stage] / r.seconds:.1f}%") for stage in STAGES]
    shares.append(("other (unaccounted)", f"{other:.2f}", f"{100 * other / r.seconds:.1f}%"))
    yield from _table(("stage", "seconds", "share"), shares)


def noop_table(result: NoopResult) -> Iterator[str]:
    median = statistics.median(result.seconds)
    verdict = _goal(median <= NOOP_GOAL_S)
    runs = ", ".join(f"{s:.2f}" for s in result.seconds)
    embedded = max(result.embedded)
    yield from _table(
        ("metric", "value"),
        [
            (f"median s (of {NOOP_RUNS}), goal <= {NOOP_GOAL_S:.0f} s", f"{median:.2f} ({verdict})"),
            ("runs s", runs),
            ("chunks embedded, must be 0", f"{embedded} ({_goal(embedded == 0)})"),
            ("documents unchanged", result.unchanged),
        ],
    )


def change_table(result: ChangeResult) -> Iterator[str]:
    r = result.report
    embedded_ok = r.chunks_embedded == result.doc_chunks
    yield from _table(
        ("metric", "value"),
        [
            ("changed document", f"`{result.path}` ({result.pages} pages)"),
            ("total s", f"{r.seconds:.2f}"),
            ("embed s (incl. model load; libraries already imported)", f"{r.timings['embed']:.2f}"),
            ("documents updated, should be 1", f"{len(r.updated)} ({_goal(len(r.updated) == 1)})"),
            ("documents unchanged", len(r.unchanged)),
            (
                "chunks embedded / document's chunks",
                f"{r.chunks_embedded} / {result.doc_chunks} ({_goal(embedded_ok)})",
            ),
            ("total chunks", r.chunks),
        ],
    )


def resume_table(result: ResumeResult, full: FullResult) -> Iterator[str]:
    r, (done, total) = result.report, result.killed_at
    share = r.seconds / full.report.seconds
    yield from _table(
        ("metric", "value"),
        [
            (
                f"killed with SIGKILL at {KILL_AT:.0%} of the full ingest's time, after embedding",
                f"{done} of {total} texts ({done / total:.0%})",
            ),
            ("run again: total s", f"{r.seconds:.1f}"),
            (
                "run again: texts of the index / not done before",
                f"{r.chunks_embedded} chunks and {r.sentences_embedded} sentences / {total - done} texts "
                "(the longest: batches go shortest first)",
            ),
            (f"run again / full ingest, goal <= {RESUME_GOAL:.2f}", f"{share:.3f} ({_goal(share <= RESUME_GOAL)})"),
            ("stages of the run again", ", ".join(f"{k} {v:.1f} s" for k, v in r.timings.items())),
        ],
    )


def render(corpus: Path, full: FullResult, noop: NoopResult, change: ChangeResult, resume: ResumeResult) -> str:
    lines = [
        f"# Ingest benchmark, {dt.date.today().isoformat()}",
        "",
        f"Corpus: `{corpus}`; {machine()}; torch threads: {torch_threads()}; "
        "real model, in-process calls to `assistant.ingest.ingest`.",
        "",
        "## 1. Full ingest into a fresh index",
        "",
        *full_table(full),
        "",
        f"## 2. No-op re-ingest (new embedder each run, median of {NOOP_RUNS})",
        "",
        *noop_table(noop),
        "",
        "## 3. One changed document (symlinked corpus copy, copy of the index)",
        "",
        *change_table(change),
        "",
        f"## 4. A full ingest killed at {KILL_AT:.0%} of the full ingest's time, then run again",
        "",
        *resume_table(resume, full),
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class PeerResult:
    read_s: float
    index_s: float  # split and embed
    nodes: int


def peer_ingest(corpus: Path) -> PeerResult:
    """A default LlamaIndex pipeline over the same model: ``SimpleDirectoryReader`` over the PDFs (pypdf, a document
    per page), ``VectorStoreIndex.from_documents`` (its default sentence splitter, 1,024-token nodes that MiniLM
    truncates to 256 word pieces, and its in-memory vector store), the model through ``HuggingFaceEmbedding``. Needs
    ``pip install -e ".[peer]"``."""
    try:
        from llama_index.core import Settings as LlamaSettings
        from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    except ImportError:
        raise SystemExit('--peer needs LlamaIndex: run `.venv/bin/pip install -e ".[peer]"`.') from None
    from assistant.embed import model_path

    LlamaSettings.llm = None
    LlamaSettings.embed_model = HuggingFaceEmbedding(model_name=str(model_path(Settings.model)), device="cpu")
    start = time.perf_counter()
    documents = SimpleDirectoryReader(str(corpus / "pdf"), required_exts=[".pdf"]).load_data()
    read = time.perf_counter()
    index = VectorStoreIndex.from_documents(documents)
    return PeerResult(read - start, time.perf_counter() - read, len(index.docstore.docs))


def peer_report(corpus: Path, work: Path) -> str:
    """Part 1's full ingest (the defaults, and the fastest settings) beside the LlamaIndex pipeline, in one run."""
    print("1/3 full ingest, default settings", flush=True)
    ours = run_ingest(corpus, work / "default")
    print(f"  {ours.seconds:.1f} s", flush=True)
    print("2/3 full ingest, onnx-int8 and in-passage sentence vectors", flush=True)
    fast = run_ingest(corpus, work / "fast", backend="onnx-int8", sentence_vectors="in_passage")
    print(f"  {fast.seconds:.1f} s", flush=True)
    print("3/3 a default LlamaIndex pipeline", flush=True)
    peer = peer_ingest(corpus)
    total = peer.read_s + peer.index_s
    print(f"  {total:.1f} s", flush=True)
    rows = [
        (
            "LlamaIndex (SimpleDirectoryReader + VectorStoreIndex)",
            f"{total:.1f}",
            f"read {peer.read_s:.1f} s, split and embed {peer.index_s:.1f} s; {peer.nodes} nodes",
            "1.00",
        ),
        (
            f"ours, defaults ({Settings.backend}, sentence vectors {Settings.sentence_vectors})",
            f"{ours.seconds:.1f}",
            f"{ours.chunks} chunks and {ours.sentences_embedded} sentences",
            f"{ours.seconds / total:.2f}",
        ),
        (
            "ours, onnx-int8 and in-passage sentence vectors",
            f"{fast.seconds:.1f}",
            f"{fast.chunks} chunks, sentences read in their passage",
            f"{fast.seconds / total:.2f}",
        ),
    ]
    best = min(ours.seconds, fast.seconds) / total
    return "\n".join(
        [
            f"# Ingest against a default LlamaIndex pipeline, {dt.date.today().isoformat()}",
            "",
            f"Corpus: `{corpus}`; {machine()}; the same model (all-MiniLM-L6-v2 from the wheel), "
            "in one run. Goal: ours <= 0.40 of LlamaIndex's time.",
            "",
            *_table(("pipeline", "total s", "what", "share of LlamaIndex"), rows),
            "",
            f"Best of ours / LlamaIndex: {best:.2f} ({_goal(best <= PEER_GOAL)}). LlamaIndex embeds each page's text "
            "once, in nodes MiniLM truncates (most of a 1,024-token node is never read), and keeps no sentence "
            "vectors, no BM25 and no page map; ours embeds every passage within the model's window and, by "
            "default, every quotable sentence.",
            "",
        ]
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help=f"corpus folder (default: {DEFAULT_CORPUS})"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="copy the index built in part 1 to this folder (must not exist)",
    )
    parser.add_argument(
        "--peer", action="store_true", help="only the full ingest beside a default LlamaIndex pipeline (ingest-peer.md)"
    )
    args = parser.parse_args()
    if not args.corpus.is_dir():
        parser.error(f"corpus folder {args.corpus} does not exist")
    if args.keep is not None and args.keep.exists():
        parser.error(f"--keep folder {args.keep} already exists")
    return args


def main() -> None:
    args = parse_args()
    corpus = args.corpus.resolve()
    if args.peer:
        with tempfile.TemporaryDirectory(prefix="jsna-bench-peer-") as tmp:
            write_results("ingest-peer.md", peer_report(corpus, Path(tmp)))
        return
    with tempfile.TemporaryDirectory(prefix="jsna-bench-ingest-") as tmp:
        work = Path(tmp)
        index = work / "index"
        print(f"1/4 full ingest of {corpus}", flush=True)
        full = full_ingest(corpus, index)
        print(f"  {full.report.seconds:.1f} s, {full.report.chunks} chunks", flush=True)
        if args.keep is not None:
            shutil.copytree(index, args.keep, symlinks=False)
        print("2/4 no-op re-ingest", flush=True)
        noop = noop_ingest(corpus, index)
        print("3/4 one changed document", flush=True)
        change_dir = work / "change"
        change_dir.mkdir()
        change = changed_ingest(corpus, index, change_dir)
        print(f"4/4 a full ingest killed at {KILL_AT:.0%}, then run again", flush=True)
        resume = resumed_ingest(corpus, work / "killed", full.report.seconds)
    report = render(corpus, full, noop, change, resume)
    write_results("ingest.md", report)


if __name__ == "__main__":
    main()
