"""Retrieval quality and latency over the shared corpus: BM25 alone, dense alone, and the hybrid.

For every question of ``bench/questions.jsonl`` (gold document and pages; ``out_of_scope`` ones have none) it
searches in each mode and reports page-level hit@1/3/5/10 (a hit names a gold document and overlaps its gold
pages), MRR@10, out-of-scope questions abstained, in-scope questions wrongly abstained, and p50/p95 search
latency (query embedding included). The index is built (incrementally) with the real model first.

    python bench/retrieval.py [--corpus DIR] [--index DIR] [--questions FILE]

Prints a markdown table and writes it to ``bench/results/retrieval.md`` (``retrieval_heldout.md`` for the held-out
set ``questions_heldout.jsonl``, written apart from the dev set; the README says how far it was looked at).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import p50_p95, setup, write_results

from assistant.answer import respond
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
        if q["type"] == "indicator_only":  # answered by indicator tables, not passages: neither kind
            continue
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
    row["p50 ms"], row["p95 ms"] = p50_p95(latencies)
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
    run = setup(__doc__.split("\n\n")[0], "questions.jsonl")
    retriever, questions, args, report = run.retriever, run.questions, run.args, run.report
    retriever.search("warm up the model and caches")
    rows = {mode: evaluate(retriever, questions, mode) for mode in MODES}
    kinds = Counter(q["type"] for q in questions)
    in_scope = len(questions) - kinds["out_of_scope"] - kinds["indicator_only"]
    header = (
        f"# Retrieval benchmark, {time.strftime('%Y-%m-%d')}\n\n"
        f"Corpus `{args.corpus}` ({report.chunks} chunks); {in_scope} in-scope and {kinds['out_of_scope']} "
        f"out-of-scope questions from `{args.questions.name}` ({kinds['indicator_only']} answered only by indicator "
        f"data left out); {os.cpu_count()} cores. Page-level hits: a passage counts when it is from a gold document "
        f"and its pages overlap the gold pages.\n\n"
    )
    write_results(
        args.questions.stem.replace("questions", "retrieval") + ".md", header + table(rows, len(questions)) + "\n"
    )


if __name__ == "__main__":
    main()
