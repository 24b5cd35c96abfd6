"""Reliability report: hostile input, crashes, concurrent use and scale, in one table.

1. Hostile input: ``bench/fuzz.py``'s run (mutated corpus PDFs, a decompression bomb, a 3,000-page PDF, hostile
   questions) for ``--fuzz-seconds``.
2. Crashes: a copy of the shipped corpus is indexed with the real model by the real CLI (``python -m assistant
   ingest``); then, ``--kills`` times, a PDF of the shared corpus is added and ``jsna ingest`` is killed with
   SIGKILL at a random moment of its run. After each kill the index must load (checksums verified) as the
   previous version with identical search results, or as the complete new one; every document indexed before
   must still be there (documents lost), and no incomplete version may be visible.
3. Concurrent use: two threads search without pause while three rebuilds run (real model); every search must
   succeed and the new versions must be picked up.
4. Scale: the table of ``bench/results/scale.md`` (run ``bench/scale.py`` to refresh it).

    python bench/reliability.py [--fuzz-seconds N] [--kills N] [--corpus DIR]

Prints the report and writes it to ``bench/results/reliability.md``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import fuzz
from common import RESULTS, machine, write_results

from assistant import store
from assistant.config import Settings
from assistant.embed import load_embedder
from assistant.ingest import ingest
from assistant.retrieve import Retriever

REPO = Path(__file__).resolve().parent.parent
QUESTION = "childhood obesity in year 6"


def _cli_ingest(corpus: Path, index: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "assistant", "ingest", "--corpus", str(corpus), "--index", str(index)]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def crashes(shared: Path, kills: int, seed: int = 0) -> dict[str, Any]:
    """SIGKILL ``jsna ingest`` at random moments; what survived."""
    rng = random.Random(seed)
    shipped = {path.read_bytes() for path in (REPO / "corpus" / "pdf").glob("*.pdf")}
    extra = [path for path in sorted((shared / "pdf").glob("*.pdf")) if path.read_bytes() not in shipped]
    counts = {"kills": 0, "killed mid-run": 0, "previous version live": 0, "new version live": 0}
    counts |= {"unloadable": 0, "different results": 0, "incomplete versions visible": 0, "documents lost": 0}
    with tempfile.TemporaryDirectory(prefix="jsna-kill-") as scratch:
        corpus, index = Path(scratch) / "corpus", Path(scratch) / "index"
        shutil.copytree(REPO / "corpus", corpus)
        settings = Settings(corpus=corpus, index=index)
        if _cli_ingest(corpus, index).wait() != 0:
            raise SystemExit("The first ingest of the shipped corpus failed.")
        shutil.copy(extra[-1], corpus / "pdf" / "timed.pdf")  # how long a one-document ingest takes, unkilled
        started = time.perf_counter()
        _cli_ingest(corpus, index).wait()
        run = time.perf_counter() - started
        embedder = load_embedder(settings)
        for trial in range(kills):
            before = store.load(index)
            expected = [hit.chunk.id for hit in Retriever(settings, embedder).search(QUESTION)]
            shutil.copy(extra[trial % len(extra)], corpus / "pdf" / f"added-{trial}.pdf")
            process = _cli_ingest(corpus, index)
            time.sleep(rng.uniform(0.1, run))
            counts["kills"] += 1
            counts["killed mid-run"] += process.poll() is None
            process.send_signal(signal.SIGKILL)
            process.wait()
            try:
                after = store.load(index)
            except Exception:  # noqa: BLE001 - counted, and the next ingest rebuilds
                counts["unloadable"] += 1
                continue
            if after.version == before.version:
                counts["previous version live"] += 1
                found = [hit.chunk.id for hit in Retriever(settings, embedder).search(QUESTION)]
                counts["different results"] += found != expected
            else:
                counts["new version live"] += 1
            counts["documents lost"] += len(set(before.manifest.documents) - set(after.manifest.documents))
            counts["incomplete versions visible"] += sum(
                not (p / store.MANIFEST).is_file() for p in index.iterdir() if p.name.startswith("v-")
            )
        final = ingest(settings, embedder)
        counts["documents lost"] += sum(
            f"pdf/added-{n}.pdf" not in store.load(index).manifest.documents for n in range(kills)
        )
        counts["last ingest added"] = len(final.added)
    return counts


def concurrency(shared: Path, rebuilds: int = 3) -> dict[str, Any]:
    """Searches in two threads while the index is rebuilt ``rebuilds`` times."""
    with tempfile.TemporaryDirectory(prefix="jsna-busy-") as scratch:
        corpus, index = Path(scratch) / "corpus", Path(scratch) / "index"
        shutil.copytree(REPO / "corpus", corpus)
        settings = Settings(corpus=corpus, index=index)
        embedder = load_embedder(settings)
        ingest(settings, embedder)
        retriever = Retriever(settings, embedder)
        searches, errors, versions = [0], [], set()
        done = threading.Event()

        def search() -> None:
            while not done.is_set():
                try:
                    retriever.search(QUESTION)
                    versions.add(retriever.snapshot.version)
                    searches[0] += 1
                except Exception as exc:  # noqa: BLE001 - every failure counts
                    errors.append(repr(exc))

        threads = [threading.Thread(target=search) for _ in range(2)]
        for thread in threads:
            thread.start()
        pdfs = sorted((shared / "pdf").glob("*.pdf"))
        try:
            for number in range(rebuilds):
                shutil.copy(pdfs[number], corpus / "pdf" / f"busy-{number}.pdf")
                ingest(settings, embedder)
                time.sleep(0.5)
        finally:
            done.set()
            for thread in threads:
                thread.join()
        return {
            "rebuilds": rebuilds,
            "searches during rebuilds": searches[0],
            "search errors": len(errors),
            "versions seen": len(versions),
            "live version picked up": store.current_version(index) in versions,
        }


def render(hostile: dict[str, Any], killed: dict[str, Any], busy: dict[str, Any]) -> str:
    lines = [
        f"# Reliability report, {time.strftime('%Y-%m-%d')}",
        "",
        f"{machine()}. Goals: zero crashes, zero documents lost. Produced by `bench/reliability.py`.",
        "",
        "| check | inputs tried | crashes | hangs | files wrongly rejected | documents lost |",
        "|---|---:|---:|---:|---:|---:|",
        f"| hostile files (fuzz: mutated PDFs, bomb, 3,000 pages) | {hostile['inputs']} | {hostile['crashes']} | "
        f"{hostile['hangs']} | {hostile['wrongly_rejected']} | {hostile['documents_lost']} |",
        f"| hostile questions (100,000 characters, control characters, markup) | {hostile.get('questions', 0)} | "
        f"{hostile.get('question_crashes', 0)} | 0 | | |",
        f"| `jsna ingest` killed with SIGKILL | {killed['kills']} | {killed['unloadable']} | | | "
        f"{killed['documents lost']} |",
        f"| searches during rebuilds | {busy['searches during rebuilds']} | {busy['search errors']} | | | |",
        "",
        "Crashes after SIGKILL: "
        + ", ".join(f"{key} {value}" for key, value in killed.items())
        + ". A kill before the final swap leaves the previous version live, with identical results; one after it "
        "leaves the complete new version.",
        "",
        "Concurrent use: " + ", ".join(f"{key} {value}" for key, value in busy.items()) + ".",
        "",
        "Hostile files and questions in detail: `bench/results/fuzz.md`.",
        "",
    ]
    scale = RESULTS / "scale.md"
    if scale.is_file():
        lines += ["## Scale (from `bench/results/scale.md`)", "", scale.read_text(encoding="utf-8").split("\n", 1)[1]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--fuzz-seconds", type=float, default=120.0)
    parser.add_argument("--kills", type=int, default=8)
    args = parser.parse_args()
    hostile = fuzz.run(args.corpus, seconds=args.fuzz_seconds)
    write_results("fuzz.md", fuzz.render(hostile))
    killed = crashes(args.corpus, args.kills)
    busy = concurrency(args.corpus)
    write_results("reliability.md", render(hostile, killed, busy))
    bad = hostile["crashes"] + killed["unloadable"] + killed["documents lost"] + busy["search errors"]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
