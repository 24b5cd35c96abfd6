"""Fuzz the reading path and the question path with hostile input: the long run of tests/test_hostile.py.

What it does
------------
1. Baseline: every PDF of the corpus, unmutated, through the real worker pool (``read_documents``) with the
   product's limits; each one that is not read counts as wrongly rejected.
2. Synthetic: a decompression bomb (17 KB inflating to 1.5 GB) must be skipped with a named reason, and a
   PDF of 3,000 pages must be read in full.
3. Mutations, until ``--seconds`` or ``--inputs`` runs out: batches of corpus PDFs with bytes flipped, cut
   short, a chunk deleted or duplicated, or a number (length, count, offset) made hostile, seeded, through
   the pool. Each must be read, or refused by name; a worker that dies or overruns must come back as a
   named skip. Inputs that hung, crashed a worker or tripped a parser unexpectedly are kept in ``--cases``.
4. Ingest: the corpus plus the bomb, the long PDF and a batch of mutants through the real ``ingest`` (hash
   embedder): every unmutated document must be indexed and every file accounted for (documents lost).
5. Questions: the hostile questions of tests/hostile.py plus random ones (control characters, lone
   surrogates, markup, up to 100,000 characters) through ``respond`` with the real model, on a small real
   index of the shipped corpus (three PDFs and the indicators).

A crash is an exception that escapes ``read_documents``/``ingest``/``respond``, or a file that comes back
with neither a document nor a named error. The report goes to stdout and ``bench/results/fuzz.md``;
``run(...)`` returns the counts as a dict for other scripts.

How to run
----------
    python bench/fuzz.py [--seconds N | --inputs N] [--corpus DIR] [--seed N] [--cases DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the same hostile inputs as the fast tests

from common import machine, write_results  # noqa: E402
from conftest import FakeEmbedder  # noqa: E402
from hostile import HOSTILE_QUERIES, MUTATIONS, bomb_pdf, many_pages_pdf, mutate  # noqa: E402

from assistant.answer import respond  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.embed import load_embedder  # noqa: E402
from assistant.ingest import ingest  # noqa: E402
from assistant.parse import UNREADABLE  # noqa: E402
from assistant.parse_pool import Outcome, read_documents  # noqa: E402
from assistant.retrieve import Retriever  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
BATCH = 16
TIMEOUT_S = 30.0  # a file still being read after this is a hang (the real files take under 1.5 s)
LONG_PAGES = 3000
RANDOM_QUESTIONS = 60


def run(
    corpus: Path = DEFAULT_CORPUS,
    seconds: float | None = 120.0,
    inputs: int | None = None,
    seed: int = 0,
    cases: Path | None = None,
    questions: bool = True,
) -> dict[str, Any]:
    """Fuzz for ``seconds`` (or ``inputs`` mutated files); the counts, as the report shows them."""
    pdfs = sorted((corpus / "pdf").glob("*.pdf")) or sorted(corpus.rglob("*.pdf"))
    if not pdfs:
        raise SystemExit(f"No PDFs under {corpus}.")
    limits = Settings(parse_timeout_s=TIMEOUT_S)
    counts: Counter[str] = Counter()
    kinds: dict[str, Counter[str]] = {kind: Counter() for kind in MUTATIONS}
    worst = {"seconds": (0.0, ""), "peak_mb": (0.0, "")}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="jsna-fuzz-") as scratch:
        work = Path(scratch)

        # 1. Baseline
        for outcome in _read(counts, [(path, path.name) for path in pdfs], limits):
            counts["baseline"] += 1
            _note(counts, worst, outcome)
            if outcome.status != "read":
                counts["wrongly rejected"] += 1
                print(f"wrongly rejected: {outcome.name}: {outcome.error}", file=sys.stderr)

        # 2. Synthetic
        bomb, long = work / "bomb.pdf", work / "long.pdf"
        bomb.write_bytes(bomb_pdf(1536))
        long.write_bytes(many_pages_pdf(LONG_PAGES))
        bomb_outcome, long_outcome = _read(counts, [(bomb, "bomb.pdf"), (long, "long.pdf")], limits)
        counts["synthetic"] += 2
        _note(counts, worst, bomb_outcome)
        _note(counts, worst, long_outcome)
        bomb_reason = bomb_outcome.error.reason if bomb_outcome.error else "read (!)"
        if bomb_outcome.document is not None:
            counts["bomb read"] += 1
        long_pages = len(long_outcome.document.pages) if long_outcome.document else 0
        if long_pages != LONG_PAGES:
            counts["wrongly rejected"] += 1
        long_seconds = long_outcome.seconds

        # 3. Mutations
        rng = random.Random(seed)
        sources = {path.name: path.read_bytes() for path in pdfs}
        names = sorted(sources)
        mutated = 0
        while (inputs is None or mutated < inputs) and (seconds is None or time.perf_counter() - started < seconds):
            batch = []
            for _ in range(BATCH if inputs is None else min(BATCH, inputs - mutated)):
                source, kind, case_seed = rng.choice(names), rng.choice(MUTATIONS), rng.randrange(2**32)
                path = work / f"{mutated:05d}-{kind}-{case_seed}-{source}"
                path.write_bytes(mutate(sources[source], kind, random.Random(case_seed)))
                batch.append((path, path.name))
                mutated += 1
            for outcome in _read(counts, batch, limits):
                kind = outcome.name.split("-")[1]
                kinds[kind]["tried"] += 1
                kinds[kind][outcome.status] += 1
                _note(counts, worst, outcome)
                if outcome.status in ("timeout", "died", "memory") or _unanticipated(outcome):
                    _keep(cases, work / outcome.name, outcome)
            for path, _ in batch:
                path.unlink()
        counts["mutated"] = mutated
        fuzz_seconds = time.perf_counter() - started

        # 4. Ingest
        lost = _ingest_check(counts, pdfs, bomb, long, sources, rng, work)

    result: dict[str, Any] = {
        "corpus": str(corpus),
        "seed": seed,
        "seconds": round(fuzz_seconds, 1),
        "inputs": counts["baseline"] + counts["synthetic"] + counts["mutated"],
        "baseline": counts["baseline"],
        "synthetic": counts["synthetic"],
        "mutated": counts["mutated"],
        "read": counts["read"],
        "refused": counts["refused"],
        "unanticipated": counts["unanticipated"],
        "died": counts["died"],
        "memory": counts["memory"],
        "hangs": counts["timeout"],
        "crashes": counts["crash"],
        "wrongly_rejected": counts["wrongly rejected"],
        "documents_lost": lost,
        "bomb": bomb_reason,
        "bomb_read": counts["bomb read"],
        "long_pages": long_pages,
        "long_seconds": round(long_seconds, 2),
        "max_seconds": round(worst["seconds"][0], 2),
        "max_seconds_file": worst["seconds"][1],
        "max_peak_mb": round(worst["peak_mb"][0]),
        "max_peak_mb_file": worst["peak_mb"][1],
        "kinds": {kind: dict(counter) for kind, counter in kinds.items()},
        "ingest_files": counts["ingest files"],
        "ingest_crashes": counts["ingest crash"],
    }
    if questions:
        result |= _questions(rng)
    return result


def _read(counts: Counter[str], files: list[tuple[Path, str]], limits: Settings) -> list[Outcome]:
    """The pool's outcomes; an exception out of it is a crash, and its files are reported as such."""
    try:
        return list(read_documents(files, limits))
    except Exception as exc:  # counted per file, as status "crash"
        print(f"CRASH reading {[name for _, name in files]}: {exc!r}", file=sys.stderr)
        return [Outcome(name, "crash") for _, name in files]


def _note(counts: Counter[str], worst: dict[str, tuple[float, str]], outcome: Outcome) -> None:
    counts[outcome.status] += 1
    if outcome.document is None and outcome.error is None and outcome.status != "crash":
        counts["crash"] += 1  # neither read nor refused by name
    if _unanticipated(outcome):
        counts["unanticipated"] += 1
    if outcome.status != "timeout" and outcome.seconds > worst["seconds"][0]:
        worst["seconds"] = (outcome.seconds, outcome.name)
    if outcome.peak_mb > worst["peak_mb"][0]:
        worst["peak_mb"] = (outcome.peak_mb, outcome.name)


def _unanticipated(outcome: Outcome) -> bool:
    """Refused through parse.read_document's catch-all: a library raised something no reader expected."""
    return outcome.error is not None and outcome.error.reason.startswith(UNREADABLE + " (")


def _keep(cases: Path | None, path: Path, outcome: Outcome) -> None:
    if cases is None:
        return
    cases.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, cases / path.name)
    (cases / f"{path.name}.txt").write_text(f"{outcome.status}: {outcome.error}\n", encoding="utf-8")


def _ingest_check(
    counts: Counter[str],
    pdfs: list[Path],
    bomb: Path,
    long: Path,
    sources: dict[str, bytes],
    rng: random.Random,
    work: Path,
) -> int:
    """Ingest the corpus with the bomb, the long PDF and mutants; the documents neither indexed nor reported."""
    folder = work / "ingest-corpus"
    (folder / "pdf").mkdir(parents=True)
    (folder / "hostile").mkdir()
    for path in pdfs:
        (folder / "pdf" / path.name).symlink_to(path)
    shutil.copy(bomb, folder / "hostile" / "bomb.pdf")
    shutil.copy(long, folder / "hostile" / "long.pdf")
    names = sorted(sources)
    for number in range(BATCH):
        kind, source = rng.choice(MUTATIONS), rng.choice(names)
        mutant = mutate(sources[source], kind, random.Random(rng.randrange(2**32)))
        (folder / "hostile" / f"{number:02d}-{kind}-{source}").write_bytes(mutant)
    expected = {p.relative_to(folder).as_posix() for p in folder.rglob("*.pdf")}
    counts["ingest files"] = len(expected)
    settings = Settings(corpus=folder, index=work / "ingest-index", model="fake", parse_timeout_s=TIMEOUT_S)
    try:
        report = ingest(settings, FakeEmbedder())
    except Exception as exc:
        counts["ingest crash"] += 1
        print(f"CRASH in ingest: {exc!r}", file=sys.stderr)
        return len(expected)
    skipped = {s.path for s in report.skipped}
    must_index = {f"pdf/{p.name}" for p in pdfs} | {"hostile/long.pdf"}
    missing = (must_index - set(report.added)) | (expected - set(report.added) - skipped)
    for lost in sorted(missing):
        print(f"LOST in ingest: {lost}", file=sys.stderr)
    return len(missing)


def random_question(rng: random.Random) -> str:
    """Up to 100,000 characters drawn from words, markup, control characters, bidi marks, lone surrogates,
    emoji and CJK."""
    pieces = [
        "smoking",
        "Adur",
        "A&E",
        "CCG",
        "65+",
        "what about children?",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "**",
        "[x](javascript:alert(1))",
        "`",
        "\\",
        "\x00",
        "\x1b[31m",
        "\u202e",
        "\u200f",
        "\ufeff",
        "\ud800",
        "\udcff",
        "😀",
        "吸烟",
        "\n",
        " ",
    ]
    length = int(10 ** rng.uniform(0, 5))
    parts: list[str] = []
    size = 0
    while size < length:
        piece = rng.choice(pieces) if rng.random() < 0.8 else chr(rng.randrange(0x110000))
        parts.append(piece)
        size += len(piece)
    return "".join(parts)[:length]


def _questions(rng: random.Random) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="jsna-fuzz-index-") as scratch:
        root = Path(scratch)
        shipped = REPO / "corpus"
        (root / "corpus" / "pdf").mkdir(parents=True)
        for path in sorted((shipped / "pdf").glob("*.pdf"), key=lambda p: p.stat().st_size)[:3]:
            shutil.copy(path, root / "corpus" / "pdf")
        shutil.copytree(shipped / "indicators", root / "corpus" / "indicators")
        settings = Settings(corpus=root / "corpus", index=root / "index", threads=os.cpu_count() or 1)
        embedder = load_embedder(settings)
        ingest(settings, embedder)
        retriever = Retriever(settings, embedder)
        asked = [*HOSTILE_QUERIES.values()] + [random_question(rng) for _ in range(RANDOM_QUESTIONS)]
        crashes, slowest, slowest_length = 0, 0.0, 0
        for question in asked:
            t = time.perf_counter()
            try:
                response = respond(retriever, question, history=[question[:200]])
                response.to_dict()
            except Exception as exc:
                crashes += 1
                print(f"CRASH on a question of {len(question)} characters: {exc!r}", file=sys.stderr)
            took = time.perf_counter() - t
            if took > slowest:
                slowest, slowest_length = took, len(question)
    return {
        "questions": len(asked),
        "question_crashes": crashes,
        "max_question_seconds": round(slowest, 2),
        "max_question_length": slowest_length,
    }


def render(result: dict[str, Any]) -> str:
    today = dt.date.today().isoformat()
    rows = [
        ("inputs tried", result["inputs"]),
        ("- unmutated corpus PDFs", result["baseline"]),
        ("- synthetic (decompression bomb, 3,000-page PDF)", result["synthetic"]),
        ("- mutated corpus PDFs", result["mutated"]),
        ("read", result["read"]),
        ("refused with a named reason", result["refused"]),
        ("- of which a library error caught by read_document's catch-all", result["unanticipated"]),
        ("worker crashed (pdfium abort, signal): named skip", result["died"]),
        ("over the memory cap: named skip", result["memory"]),
        (f"hangs (over {TIMEOUT_S:g} s): named skip", result["hangs"]),
        ("**crashes** (escaped the pool, or no named reason)", result["crashes"]),
        ("**unmutated files wrongly rejected**", result["wrongly_rejected"]),
        (
            f"**documents lost** in one ingest of corpus, bomb, long PDF and mutants ({result['ingest_files']} files)",
            result["documents_lost"],
        ),
        ("ingest crashes", result["ingest_crashes"]),
        ("decompression bomb", result["bomb"]),
        (f"{LONG_PAGES:,}-page PDF: pages read, seconds", f"{result['long_pages']:,}, {result['long_seconds']}"),
        ("max seconds for one file (timeouts aside)", f"{result['max_seconds']} (`{result['max_seconds_file']}`)"),
        ("max worker peak memory for one file, MB", f"{result['max_peak_mb']} (`{result['max_peak_mb_file']}`)"),
    ]
    if "questions" in result:
        rows += [
            ("hostile questions (real model)", result["questions"]),
            ("**question crashes**", result["question_crashes"]),
            (
                "slowest question, s (its length)",
                f"{result['max_question_seconds']} ({result['max_question_length']:,})",
            ),
        ]
    lines = [
        f"# Fuzz benchmark, {today}",
        "",
        f"Corpus: `{result['corpus']}`; seed {result['seed']}; {result['seconds']} s of file fuzzing; "
        f"{machine()}; limits per file: {TIMEOUT_S:g} s, {Settings().parse_memory_mb} MB "
        "(RLIMIT_AS) in worker processes (`assistant.parse_pool`).",
        "",
        "| measure | value |",
        "|---|---:|",
        *(f"| {name} | {value} |" for name, value in rows),
        "",
        "Mutations by kind:",
        "",
        "| kind | tried | read | refused | died | memory | timeout | crash |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, c in result["kinds"].items():
        lines.append(
            f"| {kind} | {c.get('tried', 0)} | {c.get('read', 0)} | {c.get('refused', 0)} | {c.get('died', 0)} "
            f"| {c.get('memory', 0)} | {c.get('timeout', 0)} | {c.get('crash', 0)} |"
        )
    return "\n".join(lines) + "\n"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=float, default=None, help="Fuzz files for this long (default 120).")
    budget.add_argument("--inputs", type=int, default=None, help="Fuzz this many mutated files instead.")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="Corpus whose PDFs are mutated.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cases", type=Path, default=Path("/tmp/jsna-fuzz-cases"), help="Where inputs that misbehaved are kept."
    )
    parser.add_argument("--no-questions", action="store_true", help="Skip the question phase (no model load).")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    seconds = None if args.inputs is not None else (args.seconds if args.seconds is not None else 120.0)
    result = run(args.corpus, seconds, args.inputs, args.seed, args.cases, questions=not args.no_questions)
    write_results("fuzz.md", render(result))
    bad = result["crashes"] + result["wrongly_rejected"] + result["documents_lost"] + result.get("question_crashes", 0)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
