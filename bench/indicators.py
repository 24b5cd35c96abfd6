"""Indicator tables over the shared corpus: are the tables shown the ones that answer, and how fast.

Scores, in one run, the dev questions (``common.DEV_QUESTIONS``,
``indicator_questions.jsonl``: each fold's questions by a relevance model fitted on the other folds, at the shipped
threshold) and the held-out ones (``questions_heldout2.jsonl``, ``indicator_questions_heldout.jsonl``: by the
shipped model, through ``answer.indicator_tables`` as the app and CLI call it), each beside the ungated matcher
(the matcher's first 3 tables, shown before relevance was decided). For each:

- indicator recall: on the indicator questions, the indicator asked for, for the area asked about, among the
  tables shown (3 at most);
- no table: on the questions with no relevant indicator, the share shown no table at all;
- precision: of the tables shown, the share relevant (see ``table_relevance.py``);
- relevant first: on the questions that have a relevant indicator, the first table shown is relevant;
- p50/p95 latency of the lookup, query embedding included.

Each gated row is given twice: by the questions' own labels, and counting as relevant too the tables that a judge
blind to the system found to answer (``table_judgments.jsonl``; see ``table_relevance.py``). The questions' labels
are the measure the targets were set on; the judged rows show how much of the shortfall is labels that miss the
same measure under another name. A table shown that was neither labelled nor judged counts as not relevant (how
many: "unjudged").

The index is built (incrementally) with the real model. Held-out misses are not listed.

    python bench/indicators.py [--corpus DIR] [--index DIR]

Prints markdown and writes it to ``bench/results/indicators.md``.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import table_relevance as tr
from common import index_arguments, machine, open_index, p50_p95, write_results

from assistant.answer import indicator_tables
from assistant.calibrated import LogisticModel
from assistant.indicators import IndicatorTable, indicator_matcher
from assistant.indicators.relevance import shipped_model
from assistant.retrieve import Retriever


def lookups(
    retriever: Retriever, questions: Sequence[dict[str, Any]]
) -> tuple[list[list[IndicatorTable]], list[float], list[list[IndicatorTable]], list[float]]:
    """Per question: the gated tables (as the app and CLI get them) and the ungated matcher's, each with its
    milliseconds, query embedding included."""
    matcher = retriever.derived(indicator_matcher)
    assert matcher is not None
    gated, gated_ms, ungated, ungated_ms = [], [], [], []
    for q in questions:
        start = time.perf_counter()
        gated.append(indicator_tables(retriever, q["question"]))
        gated_ms.append((time.perf_counter() - start) * 1000)
        query = retriever.query(q["question"])
        start = time.perf_counter()
        ungated.append(tr.ungated(matcher, query, retriever.embedder.embed([query])[0]))
        ungated_ms.append((time.perf_counter() - start) * 1000)
    return gated, gated_ms, ungated, ungated_ms


def row(name: str, f: dict[str, float], times: list[float]) -> str:
    p50, p95 = p50_p95(times)
    unjudged = f", {f['unjudged']} unjudged" if f["unjudged"] else ""
    return (
        f"| {name} | {_share(f['recall'])} ({f['recall_n']}) | {f['silence']:.3f} ({f['silence_n']}) | "
        f"{f['precision']:.3f} ({f['relevant_shown']}/{f['shown']}{unjudged}) | {f['first']:.3f} ({f['first_n']}) | "
        f"{p50:.1f} | {p95:.1f} |"
    )


def _share(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.3f}"  # nan: no question of that kind in the set


def per_kind(items: Sequence[tr.Item], shown: Sequence[Sequence[IndicatorTable]]) -> list[str]:
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for item, tables in zip(items, shown, strict=True):
        if item.asks_indicator:
            totals[item.q["kind"]] += 1
            hits[item.q["kind"]] += any(tr.correct(t, item.q) for t in tables)
    return [f"| {kind} | {hits[kind]}/{totals[kind]} | {hits[kind] / totals[kind]:.2f} |" for kind in sorted(totals)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    index_arguments(parser)
    args = parser.parse_args()
    retriever, report = open_index(args.corpus, args.index, args.backend, args.sentence_vectors)
    model: LogisticModel = shipped_model()
    indicator_tables(retriever, "warm up")
    dev_questions, heldout_questions = tr.load(tr.DEV), tr.load(tr.HELDOUT)
    _, dev_times, dev_ungated, dev_ungated_times = lookups(retriever, dev_questions)
    held_shown, held_times, held_ungated, held_ungated_times = lookups(retriever, heldout_questions)
    dev = tr.collect(retriever, dev_questions)
    held = tr.collect(retriever, heldout_questions)
    dev_judged, held_judged = tr.with_judgments(dev), tr.with_judgments(held)
    cv = tr.cross_validated(dev, model.features)  # fitted on the labels, as the shipped model is
    dev_shown = [tr.chosen(i, p, model.threshold) for i, p in zip(dev, cv, strict=True)]

    header = [
        "| tables | indicator recall (n) | no table (n) | precision (relevant/shown) | relevant first (n) | "
        "p50 ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines = [
        *header,
        row("dev, gated (5-fold CV)", tr.figures(dev, dev_shown), dev_times),
        row("dev, gated, judged too", tr.figures(dev_judged, dev_shown), dev_times),
        row("dev, ungated matcher", tr.figures(dev, dev_ungated), dev_ungated_times),
        row("**held-out, gated (shipped model)**", tr.figures(held, held_shown), held_times),
        row("**held-out, gated, judged too**", tr.figures(held_judged, held_shown), held_times),
        row("held-out, ungated matcher", tr.figures(held, held_ungated), held_ungated_times),
    ]
    if all((tr.BENCH / name).is_file() for name in tr.HELDOUT3):
        third = tr.load(tr.HELDOUT3)
        third_shown, third_times, third_ungated, third_ungated_times = lookups(retriever, third)
        third_items = tr.collect(retriever, third)
        lines += [
            row("**held-out 3, gated (shipped model)**", tr.figures(third_items, third_shown), third_times),
            row("held-out 3, ungated matcher", tr.figures(third_items, third_ungated), third_ungated_times),
        ]
    kinds = ["| indicator questions, gated | correct in top 3 | share |", "|---|---:|---:|"]
    kinds += [f"| dev {line[2:]}" for line in per_kind(dev, dev_shown)]
    kinds += [f"| held-out {line[2:]}" for line in per_kind(held, held_shown)]
    misses = []
    for item, tables in zip(dev, dev_shown, strict=True):
        if item.asks_indicator and not any(tr.correct(t, item.q) for t in tables):
            got = "; ".join(f"{t.indicator_name[:50]} / {t.area}" for t in tables) or "none"
            misses.append(f"- {item.question!r}: wanted {item.q['indicator']!r} for {item.q['area']}; got {got}")
    # The app builds tables only for candidates that could pass; the same choice from all candidates:
    same = sum(
        [(t.indicator_id, t.source, t.area) for t in app]
        == [
            (t.indicator_id, t.source, t.area)
            for t in tr.chosen(i, [c.probability for c in i.candidates], model.threshold)
        ]
        for i, app in zip(held, held_shown, strict=True)
    )
    coefficients = ", ".join(f"{n} {c:+.2f}" for n, c in zip(model.features, model.coef, strict=True))
    text = (
        f"# Indicator tables benchmark, {time.strftime('%Y-%m-%d')}\n\n"
        f"Corpus `{args.corpus}` ({report.indicator_rows or 'unchanged'} indicator rows); dev: {len(dev)} questions "
        f"({', '.join(tr.DEV)}), held-out: {len(held)} ({', '.join(tr.HELDOUT)}; and, scored apart, "
        f"{', '.join(tr.HELDOUT3)}, written on 2026-12-06 (night) blind to the system); {machine()}. "
        f"Relevance model: {coefficients}; intercept {model.intercept:+.2f}; threshold {model.threshold:.3f}. "
        "Targets (held-out): no table >= 0.85, precision >= 0.80, relevant first >= 0.80, indicator recall >= 0.90, "
        f"p95 <= 50 ms. Held-out tables as the app shows them (the same as choosing among all candidates for "
        f"{same}/{len(held)} questions).\n\n"
        + "\n".join(lines)
        + "\n\n"
        + "\n".join(kinds)
        + "\n\nDev indicator questions missed "
        "(cross-validated; held-out misses are not listed):\n\n" + ("\n".join(misses) or "none") + "\n"
    )
    write_results("indicators.md", text)


if __name__ == "__main__":
    main()
