"""What the question benchmarks share: arguments, an up-to-date index of the shared corpus, results files."""

from __future__ import annotations

import argparse
import json
import os
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.embed import SentenceTransformerEmbedder
from assistant.ingest import ingest
from assistant.model import IngestReport
from assistant.retrieve import Retriever

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


@dataclass(frozen=True)
class Setup:
    args: argparse.Namespace
    questions: list[dict[str, Any]]
    retriever: Retriever
    report: IngestReport


def index_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--index", type=Path, default=Path("/tmp/jsna-bench-index"))


def open_index(args: argparse.Namespace) -> tuple[Retriever, IngestReport]:
    """Bring the index up to date with the real model; a retriever over it."""
    settings = Settings(corpus=args.corpus, index=args.index, threads=os.cpu_count() or 2)
    embedder = SentenceTransformerEmbedder.from_settings(settings)
    report = ingest(settings, embedder)
    return Retriever(settings, embedder), report


def setup(description: str, questions: str) -> Setup:
    """Parse ``--corpus/--index/--questions``, bring the index up to date with the real model, load questions."""
    parser = argparse.ArgumentParser(description=description)
    index_arguments(parser)
    parser.add_argument("--questions", type=Path, default=REPO / "bench" / questions)
    args = parser.parse_args()
    lines = args.questions.read_text(encoding="utf-8").splitlines()
    retriever, report = open_index(args)
    return Setup(args, [json.loads(line) for line in lines if line.strip()], retriever, report)


def p50_p95(latencies: list[float]) -> tuple[float, float]:
    return statistics.median(latencies), sorted(latencies)[int(0.95 * (len(latencies) - 1))]


def write_results(name: str, text: str) -> None:
    """Print a results table and keep it in bench/results/NAME."""
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / name).write_text(text, encoding="utf-8")
    print(f"written to {RESULTS / name}")
