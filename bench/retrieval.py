"""Retrieval quality and latency over the shared corpus: BM25 alone, dense alone, and the hybrid.

For every question of ``bench/questions.jsonl`` (gold document and pages; ``out_of_scope`` ones have none) it
searches in each mode and reports page-level hit@1/3/5/10 (a hit names a gold document and overlaps its gold
pages), MRR@10, out-of-scope questions abstained, in-scope questions wrongly abstained, and p50/p95 search
latency (query embedding included). The index is built (incrementally) with the real model first.

    python bench/retrieval.py [--corpus DIR] [--index DIR] [--questions FILE]

Prints a markdown table and writes it to ``bench/results/retrieval.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from assistant.answer import respond
from assistant.config import Settings
from assistant.embed import SentenceTransformerEmbedder
from assistant.ingest import ingest
from assistant.model import Hit
from assistant.retrieve import MODES, Retriever

REPO = Path(__file__).resolve().parent.parent
KS = (1, 3, 5, 10)


def is_gold(hit: Hit, gold: list[dict[str, Any]]) -> bool:
    chunk = hit.chunk
    return any(chunk.doc == g["doc"] and any(chunk.page_start <= p <= chunk.page_end for p in g["pages"]) for g in gold)


def evaluate(retriever: Retriever, questions: list[dict[str, Any]], mode: str) -> dict[str, float]:
    ranks: list[int | None] = []
    latencies: list[float] = []
    oos_abstained = oos = false_abstained = 0
    for q in questions:
        start = time.perf_counter()
        hits = retriever.search(q["question"], k=10, mode=mode)
        latencies.append((time.perf_counter() - start) * 1000)
        abstained = respond(retriever, q["question"], k=10, mode=mode).answer.abstained
        if q["type"] == "out_of_scope":
            oos += 1
            oos_abstained += abstained
            continue
        false_abstained += abstained
        ranks.append(next((i + 1 for i, h in enumerate(hits) if is_gold(h, q["gold"])), None))
    n = len(ranks)
    row = {f"hit@{k}": sum(r is not None and r <= k for r in ranks) / n for k in KS}
    row["MRR@10"] = sum(1 / r for r in ranks if r is not None) / n
    row["OOS abstained"] = oos_abstained
    row["OOS"] = oos
    row["false abstentions"] = false_abstained / n
    row["p50 ms"] = statistics.median(latencies)
    row["p95 ms"] = sorted(latencies)[int(0.95 * (len(latencies) - 1))]
    return row


def table(rows: dict[str, dict[str, float]], n_questions: int) -> str:
    lines = [
        "| mode | hit@1 | hit@3 | hit@5 | hit@10 | MRR@10 | OOS abstained | false abstentions | p50 ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, r in rows.items():
        lines.append(
            f"| {mode} | {r['hit@1']:.3f} | {r['hit@3']:.3f} | {r['hit@5']:.3f} | {r['hit@10']:.3f} | "
            f"{r['MRR@10']:.3f} | {int(r['OOS abstained'])}/{int(r['OOS'])} | {r['false abstentions']:.3f} | "
            f"{r['p50 ms']:.1f} | {r['p95 ms']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--index", type=Path, default=Path("/tmp/jsna-bench-index"))
    parser.add_argument("--questions", type=Path, default=REPO / "bench" / "questions.jsonl")
    args = parser.parse_args()
    questions = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    settings = Settings(corpus=args.corpus, index=args.index, threads=os.cpu_count() or 2)
    embedder = SentenceTransformerEmbedder.from_settings(settings)
    report = ingest(settings, embedder)
    retriever = Retriever(settings, embedder)
    retriever.search("warm up the model and caches")
    rows = {mode: evaluate(retriever, questions, mode) for mode in ("bm25", "dense", "hybrid")}
    assert set(rows) == set(MODES)
    in_scope = sum(q["type"] != "out_of_scope" for q in questions)
    header = (
        f"# Retrieval benchmark, {time.strftime('%Y-%m-%d')}\n\n"
        f"Corpus `{args.corpus}` ({report.chunks} chunks); {in_scope} in-scope and {len(questions) - in_scope} "
        f"out-of-scope questions from `{args.questions.name}`; {os.cpu_count()} cores. Page-level hits: a passage "
        f"counts when it is from a gold document and its pages overlap the gold pages.\n\n"
    )
    text = header + table(rows, len(questions)) + "\n"
    print(text)
    out = REPO / "bench" / "results" / "retrieval.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
