"""Passage and answer quality over the shared corpus, dev (cross-validated) and held-out in one run.

Dev: ``bench/questions.jsonl``, ``bench/questions_heldout.jsonl`` (the earlier held-out set: it was looked at while
tuning before, so it is dev data now) and ``bench/questions_dev3.jsonl`` to ``questions_dev10.jsonl`` (in users'
words; ``common.DEV_QUESTIONS``). Held-out: ``bench/questions_heldout2.jsonl``, written and committed before this
relevance work and never used to choose anything; and, scored apart, ``bench/questions_heldout3.jsonl``, written
on 2026-12-06 (night) by helpers who never saw the system's results, after all the tuning before it; and
``bench/questions_heldout4.jsonl``, written on 2026-12-08 by helpers who saw only the PDFs: one area's figure that
stands only in a table, and near misses about one area (a measure of quoting a table's row).

For every question (gold document and pages; ``out_of_scope`` ones have none) it searches in each mode (the hybrid
ranked, on dev, by the ranking model of the question's fold, fitted on the other four; on held-out, by the shipped
``assistant/ranking.json``) and reports
page-level hit@1/3/5/10 (a hit counts when one of its passages is from a gold document and overlaps its gold
pages) and MRR@10. For the hybrid it also answers: out-of-scope questions declined, in-scope questions wrongly
declined (false abstentions), and fact questions (type ``figure``) whose answer quotes the asked figure (the first
number of the gold answer that is not a year). The decision to decline is the calibrated model's, and the answer's
sentences are chosen by the sentence model: on dev, each of 5 folds is decided and answered by models fitted on the
other four (the decision's threshold chosen by cross-validation inside them); on held-out, by the shipped models
(``assistant/evidence.json`` and ``assistant/sentences.json``, fitted on all dev by ``bench/calibrate_answers.py``
and ``bench/calibrate_sentences.py``).
Latency: p50/p95 of a search, query embedding included. The index is built (incrementally) with the real model.

    python bench/retrieval.py [--corpus DIR] [--index DIR] [--backend openvino|onnx-int8|onnx|torch]
        [--sentence-vectors alone|in_passage]

Prints markdown tables and writes them to ``bench/results/retrieval.md`` (``retrieval-BACKEND.md`` for a backend
other than the default, ``-in-passage`` added for sentence vectors read in their passage; give each its own
``--index``).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calibrate_answers import DEV, HELDOUT, HELDOUT3, HELDOUT4, calibrated, load_questions
from calibrate_ranking import fold_rankers
from calibrate_sentences import Case, fold_models
from common import (
    asked_figure,
    fold_of,
    index_arguments,
    is_gold,
    machine,
    open_index,
    p50_p95,
    quotes,
    results_suffix,
    write_results,
)

from assistant.answer import compose
from assistant.calibrated import LogisticModel
from assistant.evidence import FEATURES, Evidence, decision, gather
from assistant.model import Hit
from assistant.quote import sentence_model
from assistant.retrieve import MODES, Retriever

KS = (1, 3, 5, 10)
FOLDS = 5


@dataclass
class Row:
    """One question's outcome: its rank per mode, the hybrid answer's features and text."""

    question: dict[str, Any]
    query: str  # the question as it is searched, answered and decided (``Retriever.query``)
    hits: list[Hit]
    evidence: Evidence
    ranks: dict[str, int | None] = field(default_factory=dict)
    answer: str = ""
    abstained: bool = False

    @property
    def features(self) -> dict[str, float]:
        return self.evidence.features()

    @property
    def out_of_scope(self) -> bool:
        return bool(self.question["type"] == "out_of_scope")


def run(
    retriever: Retriever,
    questions: list[dict[str, Any]],
    latencies: list[float],
    rankers: dict[int, LogisticModel] | None = None,
) -> list[Row]:
    """Each question searched in every mode; the hybrid ranked by its fold's ranker (``rankers``: dev, cross-
    validated) or by the shipped one."""
    rows = []
    for q in questions:
        if q["type"] == "indicator_only":  # answered by indicator tables, not passages: neither kind
            continue
        found = {}
        ranks = {}
        for mode in MODES:  # the hybrid first, so that its time includes embedding the question
            start = time.perf_counter()
            ranker = rankers[fold_of(q["id"], FOLDS)] if rankers else None
            found[mode] = hits = retriever.search(q["question"], k=10, mode=mode, ranker=ranker)
            if mode == "hybrid":
                latencies.append((time.perf_counter() - start) * 1000)
            ranks[mode] = next((i + 1 for i, h in enumerate(hits) if is_gold(h, q["gold"])), None)
        query = retriever.query(q["question"])  # as the app reads it: the ask, courtesies left out, spelt right
        rows.append(Row(q, query, found["hybrid"], gather(retriever, query, found["hybrid"]), ranks))
    return rows


def decide(rows: list[Row], model: LogisticModel, sentences: LogisticModel) -> None:
    for row in rows:
        row.abstained = model.decide(row.features)
        row.answer = compose(row.query, row.hits, row.evidence, model=sentences).text


def cross_validate(rows: list[Row]) -> None:
    """Each fold's questions are decided and answered by models fitted (thresholds included) on the other
    folds: the decision to decline, and the sentence model."""
    facts = [
        Case(r.question, r.query, r.hits, r.evidence, figure)
        for r in rows
        if r.question["type"] == "figure" and (figure := asked_figure(r.question["answer"]))
    ]
    sentences = fold_models(facts)
    for fold in range(FOLDS):
        train = [r for r in rows if fold_of(r.question["id"], FOLDS) != fold]
        model = calibrated([r.features for r in train], [r.out_of_scope for r in train], FEATURES)
        decide([r for r in rows if fold_of(r.question["id"], FOLDS) == fold], model, sentences[fold])


def ranking_table(rows: list[Row]) -> list[str]:
    lines = ["| mode | hit@1 | hit@3 | hit@5 | hit@10 | MRR@10 |", "|---|---:|---:|---:|---:|---:|"]
    in_scope = [r for r in rows if not r.out_of_scope]
    for mode in MODES:
        ranks = [r.ranks[mode] for r in in_scope]
        hits = [sum(x is not None and x <= k for x in ranks) / len(ranks) for k in KS]
        mrr = sum(1 / x for x in ranks if x is not None) / len(ranks)
        lines.append(f"| {mode} | " + " | ".join(f"{h:.3f}" for h in hits) + f" | {mrr:.3f} |")
    return lines


def answer_figures(rows: list[Row]) -> dict[str, str]:
    oos = [r for r in rows if r.out_of_scope]
    in_scope = [r for r in rows if not r.out_of_scope]
    facts = [
        (r, figure)
        for r in in_scope
        if r.question["type"] == "figure" and (figure := asked_figure(r.question["answer"]))
    ]
    quoted = sum(not r.abstained and quotes(r.answer, figure) for r, figure in facts)
    declined = sum(r.abstained for r in oos)
    wrongly = sum(r.abstained for r in in_scope)
    return {
        "out of scope declined": f"{declined}/{len(oos)} ({declined / max(1, len(oos)):.0%})",
        "false abstentions": f"{wrongly}/{len(in_scope)} ({wrongly / max(1, len(in_scope)):.1%})",
        "fact answers quoting the asked figure": f"{quoted}/{len(facts)} ({quoted / max(1, len(facts)):.0%})",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    index_arguments(parser)
    args = parser.parse_args()
    retriever, report = open_index(args.corpus, args.index, args.backend, args.sentence_vectors)
    retriever.search("warm up the model and caches")
    dev_questions = load_questions(DEV, retriever)
    dev_name = "dev (5-fold cross-validated)"
    latencies: dict[str, list[float]] = {dev_name: []}
    dev = run(retriever, dev_questions, latencies[dev_name], fold_rankers(retriever, dev_questions))
    cross_validate(dev)
    sets = {dev_name: dev}
    for name, files in (("held-out", HELDOUT), ("held-out 3", HELDOUT3), ("held-out 4", HELDOUT4)):
        if all(path.is_file() for path in files):
            latencies[name] = []
            sets[name] = run(retriever, load_questions(files, retriever), latencies[name])
            decide(sets[name], decision(), sentence_model())
    out = [
        f"# Retrieval benchmark, {time.strftime('%Y-%m-%d')}",
        "",
        f"Corpus `{args.corpus}` ({report.chunks} chunks); backend `{args.backend}`; sentence vectors "
        f"`{args.sentence_vectors}`; {machine()}. Dev: "
        + ", ".join(f"`{Path(p).name}`" for p in DEV)
        + f"; held-out: `{Path(HELDOUT[0]).name}`; held-out 3: `{Path(HELDOUT3[0]).name}` (written on "
        "2026-12-06, night, by helpers who never saw the system's results; scored apart); held-out 4: "
        f"`{Path(HELDOUT4[0]).name}` (one area's figure that stands only in a table, and near misses about one "
        "area; written on 2026-12-08 by helpers who saw only the PDFs, after tables' rows were first quoted). "
        "Page-level hits (a hit is a page; it counts when one of its passages is from a gold document and "
        "overlaps the gold pages). Out-of-scope declining and false "
        "abstentions from the calibrated decision (dev: each fold by a model fitted on the others; held-out: the "
        "shipped model).",
        "",
    ]
    for name, rows in sets.items():
        kinds = Counter(r.question["type"] for r in rows)
        out += [f"## {name}: {len(rows) - kinds['out_of_scope']} in scope, {kinds['out_of_scope']} out of scope", ""]
        out += ranking_table(rows) + [""]
        p50, p95 = p50_p95(latencies[name])
        figures = answer_figures(rows) | {"hybrid search p50 / p95 ms": f"{p50:.1f} / {p95:.1f}"}
        out += ["| answer | value |", "|---|---:|", *(f"| {k} | {v} |" for k, v in figures.items()), ""]
    write_results(f"retrieval{results_suffix(args)}.md", "\n".join(out))


if __name__ == "__main__":
    main()
