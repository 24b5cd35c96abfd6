"""Indicator matching over the shared corpus's indicator files: is the right indicator for the right area among
the top 3 tables, and how fast.

For each question of ``bench/indicator_questions.jsonl`` ({"question", "indicator": a lowercase part of the
indicator's name, "indicator_id" when the file has one, "area", "kind"; "indicator" and "area" may list answers
that are equally right, such as the same indicator in two files) it asks for 3 tables and counts a
success when one is that indicator (by name or id) for that area. Latency includes embedding the question. The
index is built (incrementally) with the real model.

    python bench/indicators.py [--corpus DIR] [--index DIR] [--questions FILE]

Prints a markdown table and writes it to ``bench/results/indicators.md`` (``indicators_heldout.md`` for the held-out
set ``indicator_questions_heldout.jsonl``, written after tuning on the dev set; see its ``note`` fields).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import p50_p95, setup, write_results

from assistant.answer import indicator_tables
from assistant.indicators import IndicatorTable

REPO = Path(__file__).resolve().parent.parent


def correct(table: IndicatorTable, q: dict[str, Any]) -> bool:
    named = f"{table.sex} {table.indicator_name} {table.category}".lower()
    same_id = bool(q.get("indicator_id")) and str(q["indicator_id"]) == table.indicator_id
    return (any(name.lower() in named for name in _listed(q["indicator"])) or same_id) and table.area in _listed(
        q["area"]
    )


def _listed(gold: str | list[str]) -> list[str]:
    """A gold field: one answer, or the answers that are equally right (the same indicator in two files)."""
    return [gold] if isinstance(gold, str) else gold


def main() -> None:
    run = setup(__doc__.split("\n\n")[0], "indicator_questions.jsonl")
    retriever, questions, args, report = run.retriever, run.questions, run.args, run.report
    indicator_tables(retriever, "warm up")
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    latencies = []
    misses = []
    for q in questions:
        start = time.perf_counter()
        tables = indicator_tables(retriever, q["question"], k=3)
        latencies.append((time.perf_counter() - start) * 1000)
        totals[q["kind"]] += 1
        if any(correct(t, q) for t in tables):
            hits[q["kind"]] += 1
        else:
            misses.append(
                f"- {q['question']!r}: wanted {q['indicator']!r} for {q['area']}; got "
                + "; ".join(f"{t.indicator_name[:50]} / {t.area}" for t in tables)
            )
    lines = ["| questions | correct in top 3 | share | p50 ms | p95 ms |", "|---|---:|---:|---:|---:|"]
    for kind in sorted(totals):
        lines.append(f"| {kind} | {hits[kind]}/{totals[kind]} | {hits[kind] / totals[kind]:.2f} | | |")
    n, ok = sum(totals.values()), sum(hits.values())
    p50, p95 = p50_p95(latencies)
    lines.append(f"| **all** | **{ok}/{n}** | **{ok / n:.2f}** | {p50:.1f} | {p95:.1f} |")
    text = (
        f"# Indicator benchmark, {time.strftime('%Y-%m-%d')}\n\n"
        f"Corpus `{args.corpus}` ({report.indicator_rows or 'unchanged'} indicator rows); {n} questions from "
        f"`{args.questions.name}`; {os.cpu_count()} cores. Goal: >= 0.90 correct indicator and area in the top 3, "
        f"p95 <= 50 ms.\n\n" + "\n".join(lines) + "\n\nMisses:\n\n" + ("\n".join(misses) or "none") + "\n"
    )
    write_results(args.questions.stem.replace("indicator_questions", "indicators") + ".md", text)


if __name__ == "__main__":
    main()
