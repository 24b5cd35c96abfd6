"""The app as a person meets it: a fresh Streamlit server, a real browser, the real model. How long from launching
the server to the first cited answer (cold start), and how long each later answer takes.

The index is built (incrementally) with the real model before any timing. Then, for each run, a fresh
``streamlit run app.py`` server is launched (headless, loopback, a free port) and timed from that moment; Debian's
Chromium opens the app, asks a first question and waits until its first citation (``[1] ...``) is visible: that
is the cold start. Five more questions follow one by one, each timed from pressing Enter until its own first
citation is visible: the later answers. The server is stopped after each run.

    python bench/app.py [--corpus DIR] [--index DIR] [--runs N]

Prints a markdown table (medians over the runs) and writes it to ``bench/results/app.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from common import machine, write_results
from playwright.sync_api import Page

from assistant.config import Settings
from assistant.embed import load_embedder
from assistant.ingest import ingest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the app launcher the browser tests use
from serve import CHROMIUM, chromium, serve_app  # noqa: E402

ANSWER_TIMEOUT_MS = 180_000
COLD_GOAL_S = 10.0  # issue 15: cold start to the first answer shown
LATER_GOAL_S = 1.0
FIRST_QUESTION = "how many people died of drug misuse in West Sussex"
LATER_QUESTIONS = [
    "what are the main findings of the suicide audit",
    "how many children in reception year are obese",
    "how many community pharmacies does West Sussex have",
    "how physically active are adults",
    "alcohol related hospital admissions",
]

# True once the assistant message of turn ``n`` (0-based) shows a visible "[1] ..." citation line.
CITATION_VISIBLE = """(n) => {
    const messages = document.querySelectorAll('[data-testid="stChatMessage"]');
    const message = messages[2 * n + 1];
    if (!message) return false;
    for (const block of message.querySelectorAll('[data-testid="stMarkdown"]')) {
        if (/^\\s*\\[1\\]/.test(block.innerText) && block.getClientRects().length > 0) return true;
    }
    return false;
}"""


@dataclass(frozen=True)
class Run:
    """One run's timings in seconds."""

    cold: float
    later: list[float]


def _ask(page: Page, turn: int, question: str) -> float:
    """Type ``question``, press Enter and wait for turn ``turn``'s first citation; seconds from Enter."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    start = time.perf_counter()
    box.press("Enter")
    # polling="raf" checks on every animation frame, so the wait adds no polling delay to the measurement.
    page.wait_for_function(CITATION_VISIBLE, arg=turn, polling="raf", timeout=ANSWER_TIMEOUT_MS)
    return time.perf_counter() - start


def one_run(settings: Settings, log_dir: Path, number: int) -> Run:
    """Launch a fresh server, ask the questions in a fresh browser, stop the server."""
    env = {"JSNA_INDEX": str(settings.index), "JSNA_CORPUS": str(settings.corpus)}
    start = time.perf_counter()
    with serve_app(log_dir / f"streamlit-{number}.log", env) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_test_id("stChatInputTextArea").wait_for(timeout=30_000)
        _ask(page, 0, FIRST_QUESTION)
        cold = time.perf_counter() - start
        later = [_ask(page, turn, question) for turn, question in enumerate(LATER_QUESTIONS, 1)]
    print(f"run {number}: cold start {cold:.2f} s; later answers " + ", ".join(f"{s:.2f}" for s in later))
    return Run(cold, later)


def report(runs: list[Run], corpus: Path) -> str:
    """The results as markdown: medians over runs of the cold start and of each run's median and max later answer."""
    cold = statistics.median(run.cold for run in runs)
    later_median = statistics.median(statistics.median(run.later) for run in runs)
    later_max = statistics.median(max(run.later) for run in runs)

    def verdict(seconds: float, goal: float) -> str:
        return "yes" if seconds <= goal else "**no**"

    rows = [
        "| measure | seconds | goal | met |",
        "|---|---:|---:|---|",
        f"| cold start to first answer | {cold:.2f} | <= {COLD_GOAL_S:g} | {verdict(cold, COLD_GOAL_S)} |",
        f"| later answers, median | {later_median:.2f} | <= {LATER_GOAL_S:g} | {verdict(later_median, LATER_GOAL_S)} |",
        f"| later answers, max | {later_max:.2f} | <= {LATER_GOAL_S:g} | {verdict(later_max, LATER_GOAL_S)} |",
    ]
    per_run = [
        f"- run {n}: cold {run.cold:.2f} s; later " + ", ".join(f"{s:.2f}" for s in run.later)
        for n, run in enumerate(runs, 1)
    ]
    return (
        f"# App benchmark, {time.strftime('%Y-%m-%d')}\n\n"
        f"A fresh `streamlit run app.py` per run, driven by headless Chromium; corpus `{corpus}`; {len(runs)} runs; "
        f"{machine()}. Cold start: from launching the server to the first question's first citation "
        f"being visible (server start, browser start, page load, model load, answer). Later answers: "
        f"{len(LATER_QUESTIONS)} further questions in the same session, each from pressing Enter to its first "
        f"citation being visible. Medians over the runs (max: the median of each run's slowest answer).\n\n"
        + "\n".join(rows)
        + "\n\nPer run:\n\n"
        + "\n".join(per_run)
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--index", type=Path, default=Path("/tmp/jsna-app-bench-index"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not CHROMIUM.exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (install it with `apt-get install chromium`)")
    settings = Settings(corpus=args.corpus.resolve(), index=args.index.resolve())
    ingest(settings, load_embedder(settings))
    with tempfile.TemporaryDirectory(prefix="jsna-app-bench-") as logs:
        runs = [one_run(settings, Path(logs), number) for number in range(1, args.runs + 1)]
    text = report(runs, args.corpus)
    write_results("app.md", text)


if __name__ == "__main__":
    main()
