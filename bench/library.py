"""A council's whole library: the shared corpus's 40 PDFs plus ``../shared/library``'s 103, in one index.

Builds (incrementally; ``--full`` from scratch) an index of both folders: a mirror corpus of symlinks whose
``pdf/`` holds every PDF of both and whose ``indicators/`` and ``MANIFEST.csv`` are the shared corpus's (library
files have no manifest row: their titles and years come from their metadata and first page). It reports the
ingest (time by stage, chunks and sentences, chunks/s, index size on disk), the memory of a fresh process that
loads the index and the model and answers a question, p50/p95 search time over the dev questions, and the
retrieval benchmark's dev and held-out questions over this index beside the same questions over the 40-PDF index
(page hit@1/5/10, MRR@10, out of scope declined, false abstentions), both ranked and decided by the shipped models
(and the second held-out set, ``questions_heldout3.jsonl``, in rows of its own);
and, over the library index, questions on the library's own documents: ``questions_library_heldout.jsonl`` (no
question was written for them while the system was built; these were written blind to its results and choose
nothing) and ``questions_dev_library.jsonl`` (on 44 other library documents, for tuning).
A hit counts when the gold page is among its passages or among the same passage's other places that the result lists
under it ("also in": another version or copy of the document, shown once). The groups of versions found at ingest
(:mod:`assistant.versions`) are listed.

Gold pages were written for the 40 PDFs, so a page of the library (or another page of the 40) that answers as well
counts as a miss. ``library_judgments.jsonl`` holds pooled judgments (as TREC pools them): every page in the top 5
of a held-out in-scope question over either index, with the shipped settings, that was not already a hit, judged
"does this page answer the question?" by judges who saw the question, its gold answer and the page, never which
index or rank it came from (for the second held-out set, pooled and judged the same way on the night of 2026-12-06
with the code of that night: 370 pages, 31 judged to answer; and on 2026-12-07, with reading version 18, the pages of
both held-out sets not yet judged: 124 pages, 9 judged to answer; and again at reading version 24, ranked above
any gold page: 8 pages, 3 judged to answer). The held-out rows are also scored with those: a
hit is then a gold page or a page judged to answer ("yes"; "unsure" is not). Pages outside that pool (other
settings, later code) count as misses.

Debris from reading: the share of chunks holding a word split by a space ("f rom", "dif ferent", "C hildren"): two
neighbouring pieces of letters, not after an apostrophe or a hyphen, that make a word of the model's vocabulary
of four letters or more while one of them is not a word ("a" and "I" are); and the share holding a character of
Latin Extended-A or -B, as characters the PDF reader could not map to Unicode come out ("Ŏvoiceŏ", "seršices").

    python bench/library.py [--corpus DIR] [--library DIR] [--index DIR] [--small-index DIR] [--full]
        [--backend openvino|onnx-int8|onnx|torch] [--sentence-vectors alone|in_passage]

Prints markdown tables and writes them to ``bench/results/library.md`` (for other settings, with the suffix
``bench/retrieval.py`` uses; give them their own ``--index`` and ``--small-index``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from calibrate_answers import DEV, HELDOUT, HELDOUT3, load_questions
from calibrate_ranking import KS
from common import (
    REPO,
    is_gold,
    machine,
    model_arguments,
    open_index,
    p50_p95,
    read_questions,
    results_suffix,
    write_results,
)

from assistant.answer import respond
from assistant.clean import ONE_LETTER_WORDS, UNREAD_LETTERS
from assistant.config import Settings
from assistant.embed import load_embedder, model_words
from assistant.ingest import ingest
from assistant.model import Hit, IngestReport
from assistant.present import version_lines
from assistant.retrieve import Retriever

JUDGMENTS = REPO / "bench" / "library_judgments.jsonl"
# Questions on the library's own documents, written blind to the system's results and never used to tune anything:
# how it does on documents nobody wrote questions for while building it (over the library index only).
LIBRARY_HELDOUT = REPO / "bench" / "questions_library_heldout.jsonl"
# Dev questions on other documents of the library (none the held-out ones use), for tuning; no shipped model is
# fitted on them (fitting the ranking and the decision on them as well did not help on the dev folds).
LIBRARY_DEV = REPO / "bench" / "questions_dev_library.jsonl"
MEMORY_PROBE = """
import sys
from pathlib import Path
from assistant.answer import respond
from assistant.config import Settings
from assistant.embed import load_embedder
from assistant.retrieve import Retriever
corpus, index, backend, sentence_vectors = sys.argv[1:5]
settings = Settings(corpus=Path(corpus), index=Path(index), backend=backend, sentence_vectors=sentence_vectors)
respond(Retriever(settings, load_embedder(settings)), "how many children in Crawley are obese")
# The peak of this process's own memory (VmHWM, kB): ru_maxrss would report the benchmark's own peak, inherited
# across the fork that started this process.
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def mirror(corpus: Path, library: Path, target: Path) -> Path:
    """A corpus folder of symlinks: every PDF of both folders in ``pdf/``, the shared corpus's indicators and
    manifest."""
    (target / "pdf").mkdir(parents=True, exist_ok=True)
    for source in [*sorted((corpus / "pdf").glob("*.pdf")), *sorted((library / "pdf").glob("*.pdf"))]:
        link = target / "pdf" / source.name
        if not link.exists():
            link.symlink_to(source.resolve())
    for name in ("indicators", "MANIFEST.csv"):
        if (corpus / name).exists() and not (target / name).exists():
            (target / name).symlink_to((corpus / name).resolve())
    return target


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def also_in_gold(hit: Hit, gold: list[dict[str, Any]]) -> bool:
    """The gold page is one the hit's passage is repeated on (another version of the document)."""
    return any(is_gold(Hit(other, 0.0), gold) for other in hit.also_in)


def judged(path: Path = JUDGMENTS) -> frozenset[str]:
    """The keys ("question id|doc|page") of the pooled pages judged to answer their question."""
    if not path.is_file():
        return frozenset()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return frozenset(row["key"] for row in rows if row["answers"] == "yes")


def answers(hit: Hit, q: dict[str, Any], pooled: frozenset[str]) -> bool:
    """A gold page (or one it is repeated on), or, with ``pooled`` judgments, a page judged to answer."""
    if is_gold(hit, q["gold"]) or also_in_gold(hit, q["gold"]):
        return True
    return any(f"{q['id']}|{c.doc}|{c.page_start}" in pooled for c in (hit.chunk, *hit.page_passages, *hit.also_in))


def retrieval(
    retriever: Retriever, questions: list[dict[str, Any]], pooled: frozenset[str] = frozenset()
) -> list[dict[str, float]]:
    """The figures of the questions over one index, counted against gold pages, then (when there are ``pooled``
    judgments) against gold pages and pages judged to answer: each question is answered once."""
    in_scope = [q for q in questions if q["type"] not in ("out_of_scope", "indicator_only")]
    oos = [q for q in questions if q["type"] == "out_of_scope"]
    responses = [respond(retriever, q["question"], k=10) for q in in_scope]
    declined_in = sum(response.answer.abstained for response in responses)
    declined_out = sum(respond(retriever, q["question"], k=10).answer.abstained for q in oos)
    out = []
    for judgments in (frozenset(), pooled) if pooled else (frozenset(),):
        ranks = [
            next((i + 1 for i, h in enumerate(response.hits) if answers(h, q, judgments)), None)
            for q, response in zip(in_scope, responses, strict=True)
        ]
        figures = {f"hit@{k}": sum(r is not None and r <= k for r in ranks) / len(ranks) for k in KS if k != 3}
        figures["MRR@10"] = sum(1 / r for r in ranks if r) / len(ranks)
        figures["declined"] = declined_out / max(1, len(oos))
        figures["false abstentions"] = declined_in / len(in_scope)
        out.append(figures)
    return out


SPLIT = re.compile(r"(?<![\w’'-])([A-Za-z]+) (?=([a-z]+)\b)")  # overlapping: "died f rom" is tried at "f rom" too


def split_words(text: str, vocabulary: frozenset[str]) -> list[str]:
    """The words of ``text`` split by a space (see the module's docstring), as the text has them."""
    words = vocabulary | ONE_LETTER_WORDS
    return [
        f"{m.group(1)} {m.group(2)}"
        for m in SPLIT.finditer(text)
        if len(joined := (m.group(1) + m.group(2)).lower()) >= 4
        and joined in words
        and not (m.group(1).lower() in words and m.group(2) in words)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--library", type=Path, default=REPO.parent / "shared" / "library")
    parser.add_argument("--index", type=Path, default=Path("/tmp/jsna-library-index"))
    parser.add_argument("--small-index", type=Path, default=Path("/tmp/jsna-bench-index"))
    parser.add_argument("--full", action="store_true", help="rebuild the library index from scratch")
    model_arguments(parser)
    args = parser.parse_args()
    corpus = mirror(args.corpus, args.library, Path(f"{args.index}-corpus"))
    model = {"backend": args.backend, "sentence_vectors": args.sentence_vectors}
    settings = Settings(corpus=corpus, index=args.index, threads=os.cpu_count() or 2, **model)
    embedder = load_embedder(settings)
    report: IngestReport = ingest(settings, embedder, full=args.full)
    library = Retriever(settings, embedder)
    snap = library.snapshot
    size = folder_mb(args.index / snap.version)
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(corpus), str(args.index), args.backend, args.sentence_vectors],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    memory_mb = int(probe.stdout.split()[-1]) / 1024
    small, _ = open_index(args.corpus, args.small_index, **model)
    # The questions both indexes can answer, so that the rows compare (the library's own dev questions are not).
    dev, heldout = load_questions(DEV, small), load_questions(HELDOUT, small)
    latencies = []
    for q in dev:
        start = time.perf_counter()
        library.search(q["question"])
        latencies.append((time.perf_counter() - start) * 1000)
    p50, p95 = p50_p95(latencies)
    embedded = report.chunks_embedded + report.sentences_embedded
    vocabulary = model_words(settings.model)
    split = sum(bool(split_words(chunk.text, vocabulary)) for chunk in snap.chunks)
    unread = sum(bool(UNREAD_LETTERS.search(chunk.text)) for chunk in snap.chunks)
    stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.timings.items())
    lines = [
        f"# Library benchmark, {time.strftime('%Y-%m-%d')}",
        "",
        f"`{args.corpus}` ({len(list((args.corpus / 'pdf').glob('*.pdf')))} PDFs) and `{args.library}` "
        f"({len(list((args.library / 'pdf').glob('*.pdf')))} PDFs) in one index; backend `{settings.backend}`, "
        f"sentence vectors `{settings.sentence_vectors}`; {machine()}.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| documents indexed / skipped | {len(snap.manifest.documents)} / {len(report.skipped)} |",
        f"| chunks / sentences | {len(snap.chunks)} / {len(snap.sentences.texts)} |",
        f"| this ingest | {report.seconds:.0f} s ({stages}) |",
        f"| embedded now | {report.chunks_embedded} chunks and {report.sentences_embedded} sentences"
        + (f", {report.chunks_embedded / report.timings['embed']:.1f} chunks/s" if embedded else "")
        + " |",
        f"| index on disk | {size:.0f} MB |",
        f"| memory of a process answering a question | {memory_mb:.0f} MB |",
        f"| search p50 / p95 (dev questions) | {p50:.1f} / {p95:.1f} ms |",
        f'| chunks with a word split by a space ("f rom") | {split} ({split / len(snap.chunks):.2%}) |',
        f'| chunks with a character read as Latin Extended ("Ŏvoiceŏ") | {unread} ({unread / len(snap.chunks):.2%}) |',
        "",
        "Skipped: " + ("; ".join(f"{s.path} ({s.reason})" for s in report.skipped) or "none") + ".",
        "",
        "| questions | index | hit@1 | hit@5 | hit@10 | MRR@10 | out of scope declined | false abstentions |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    pooled = judged()
    rows: dict[str, list[str]] = {}
    third = load_questions(HELDOUT3, small) if all(path.is_file() for path in HELDOUT3) else []
    sets = [("dev", dev, frozenset()), ("held-out", heldout, pooled)] + (
        [("held-out 3", third, pooled)] if third else []
    )
    for name, questions, judgments in sets:
        for label, retriever in (("40 PDFs", small), ("library", library)):
            counted = retrieval(retriever, questions, judgments)
            names = [name, f"{name}, gold or judged to answer"] if judgments else [name]
            for row_name, r in zip(names, counted, strict=True):
                rows.setdefault(row_name, []).append(
                    f"| {row_name} | {label} | {r['hit@1']:.3f} | {r['hit@5']:.3f} | {r['hit@10']:.3f} "
                    f"| {r['MRR@10']:.3f} | {r['declined']:.0%} | {r['false abstentions']:.1%} |"
                )
    for name, path in (("dev", LIBRARY_DEV), ("held-out", LIBRARY_HELDOUT)):
        if path.is_file():
            (r,) = retrieval(library, read_questions(path))
            rows[f"{name} on the library's documents"] = [
                f"| {name} on the library's documents | library | {r['hit@1']:.3f} | {r['hit@5']:.3f} | "
                f"{r['hit@10']:.3f} | {r['MRR@10']:.3f} | {r['declined']:.0%} | {r['false abstentions']:.1%} |"
            ]
    lines += [line for block in rows.values() for line in block]
    groups = snap.manifest.versions
    lines += [
        "",
        "Dev figures here are in-sample (the shipped models were fitted on the dev questions).",
        "",
        f"Groups of versions found at ingest ({len(groups)}; the first of each leads in results):",
        "",
        *(f"- {line}" for line in version_lines(groups, snap.manifest.documents)),
        "",
    ]
    write_results(f"library{results_suffix(args)}.md", "\n".join(lines))


if __name__ == "__main__":
    main()
