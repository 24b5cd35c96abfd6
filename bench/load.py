"""Many people at once: the served app (a real Streamlit server over the real model and index, on loopback) driven
by N simultaneous sessions, each asking a question and two follow-ups.

Two kinds of client, as the 2 cores are shared by server and clients:
- protocol clients (N = 1, 10, 30): Streamlit's own WebSocket protocol, as a browser speaks it (the same messages:
  a script run, then a rerun with the chat input's value), but nothing is rendered. Time to answer is from sending
  the question until the server says the script run finished; the answer must hold a citation ("[1]"). This is the
  server's own cost.
- real browsers (N = 1, 5): Debian's Chromium, one context per session, timed from pressing Enter until the
  answer's first citation is visible. Rendering shares the cores with the server.

Errors: an exception shown, a run that did not finish successfully, no citation, or no answer within the timeout.
Server memory is its resident set before the sessions and after each N (growth per session: the increase over the
sessions of that N). Each N runs on a fresh server after one warm-up question (the model loaded).

    python bench/load.py [--corpus DIR] [--index DIR] [--protocol 1,10,30] [--browsers 1,5]

Prints a markdown table and writes it to ``bench/results/load.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import REPO, index_arguments, open_index, p50_p95, write_results

sys.path.insert(0, str(REPO / "tests"))  # the app launcher the browser tests use
from serve import Served, chromium, serve_app  # noqa: E402

TIMEOUT_S = 180.0
SESSION = [  # a question and two follow-ups, as a bid writer asks them
    "how many people died of drug misuse in West Sussex",
    "what about in Crawley?",
    "and for young people?",
]
OTHERS = [
    "how many children in reception year are obese",
    "alcohol related hospital admissions",
    "what are the main findings of the suicide audit",
    "how physically active are adults",
    "smoking prevalence in Adur",
]
SERVER_GOAL_P95_S = 3.0  # protocol clients, N = 10
BROWSER_GOAL_P95_S = 8.0  # real browsers, N = 5


@dataclass
class Run:
    sessions: int
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    memory_before_mb: float = 0.0
    memory_after_mb: float = 0.0


def questions(n: int) -> list[str]:
    """Session ``n``'s questions: its own first question (sessions differ, so no answer is a cached repeat of
    another's), then the follow-ups."""
    first = SESSION[0] if n == 0 else OTHERS[(n - 1) % len(OTHERS)]
    return [first, *SESSION[1:]]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- protocol clients -------------------------------------------------------------------------------------------


async def protocol_session(url: str, asked: list[str], run: Run) -> None:
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    async with websockets.connect(url.replace("http", "ws", 1) + "/_stcore/stream", max_size=None) as ws:
        state = {"chat": "", "page": ""}

        async def finished() -> tuple[bool, str]:
            """Until the script run ends: whether it succeeded, and the text it drew."""
            texts = []
            while True:
                message = ForwardMsg()
                message.ParseFromString(await ws.recv())
                kind = message.WhichOneof("type")
                if kind == "new_session":
                    state["page"] = message.new_session.page_script_hash
                elif kind == "delta" and message.delta.HasField("new_element"):
                    element = message.delta.new_element
                    which = element.WhichOneof("type")
                    if which == "chat_input":
                        state["chat"] = element.chat_input.id
                    elif which == "exception":
                        texts.append(f"EXCEPTION {element.exception.message}")
                    elif which == "markdown":
                        texts.append(element.markdown.body)
                elif kind == "script_finished":
                    return message.script_finished == 0, "\n".join(texts)  # 0: FINISHED_SUCCESSFULLY

        start = BackMsg()
        start.rerun_script.query_string = ""
        await ws.send(start.SerializeToString())
        await asyncio.wait_for(finished(), TIMEOUT_S)
        for question in asked:
            back = BackMsg()
            back.rerun_script.page_script_hash = state["page"]
            widget = back.rerun_script.widget_states.widgets.add()
            widget.id = state["chat"]
            widget.chat_input_value.data = question
            began = time.monotonic()
            await ws.send(back.SerializeToString())
            try:
                ok, text = await asyncio.wait_for(finished(), TIMEOUT_S)
            except TimeoutError:
                run.errors.append(f"no answer in {TIMEOUT_S:.0f} s: {question}")
                return
            run.times.append(time.monotonic() - began)
            if not ok or "EXCEPTION" in text:
                run.errors.append(f"failed: {question}")
            elif "[1]" not in text:
                run.errors.append(f"no citation: {question}")


def protocol_run(url: Served, sessions: int) -> Run:
    run = Run(sessions, memory_before_mb=rss_mb(url.pid))

    async def everyone() -> None:
        await asyncio.gather(*(protocol_session(url, questions(n), run) for n in range(sessions)))

    asyncio.run(everyone())
    run.memory_after_mb = rss_mb(url.pid)
    return run


# --- real browsers ----------------------------------------------------------------------------------------------

CITATIONS = """() => Array.from(document.querySelectorAll('[data-testid="stChatMessage"]')).filter(
    (m, i) => i % 2 === 1 && Array.from(m.querySelectorAll('[data-testid="stMarkdown"]')).some(
        b => /^\\s*\\[1\\]/.test(b.innerText) && b.getClientRects().length > 0)).length"""


def browser_run(url: Served, sessions: int) -> Run:
    run = Run(sessions, memory_before_mb=rss_mb(url.pid))
    with chromium() as browser:
        pages = [browser.new_context().new_page() for _ in range(sessions)]
        for page in pages:
            page.goto(url, wait_until="domcontentloaded")
            page.get_by_test_id("stChatInputTextArea").wait_for(timeout=TIMEOUT_S * 1000)
        asked = [questions(n) for n in range(sessions)]
        for turn in range(len(SESSION)):  # every session asks its next question at the same moment
            began = []
            for page, mine in zip(pages, asked, strict=True):
                box = page.get_by_test_id("stChatInputTextArea")
                box.fill(mine[turn])
                box.press("Enter")
                began.append(time.monotonic())
            waiting = dict(enumerate(pages))
            deadline = time.monotonic() + TIMEOUT_S
            while waiting and time.monotonic() < deadline:
                for n, page in list(waiting.items()):
                    if page.evaluate(CITATIONS) > turn:
                        run.times.append(time.monotonic() - began[n])
                        del waiting[n]
                time.sleep(0.05)
            run.errors += [f"no cited answer in {TIMEOUT_S:.0f} s: {asked[n][turn]}" for n in waiting]
            for page in pages:
                if page.get_by_test_id("stException").count():
                    run.errors.append("an exception was shown")
    run.memory_after_mb = rss_mb(url.pid)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    index_arguments(parser)
    parser.add_argument("--protocol", default="1,10,30", help="numbers of protocol sessions")
    parser.add_argument("--browsers", default="1,5", help="numbers of browser sessions")
    args = parser.parse_args()
    open_index(args.corpus, args.index)  # built or brought up to date before any timing
    runs: list[tuple[str, Run]] = []
    plan = [("protocol", int(n), protocol_run) for n in args.protocol.split(",") if n]
    plan += [("browsers", int(n), browser_run) for n in args.browsers.split(",") if n]
    for kind, sessions, drive in plan:
        with tempfile.TemporaryDirectory() as folder:
            settings = {"JSNA_INDEX": str(args.index), "JSNA_CORPUS": str(args.corpus), "JSNA_GAPS_LOG": "false"}
            with serve_app(Path(folder) / "streamlit.log", settings) as url:
                protocol_run(url, 1)  # warm-up: the model loaded, the indicator matcher built
                run = drive(url, sessions)
        runs.append((kind, run))
        p50, p95 = p50_p95(run.times) if run.times else (float("nan"), float("nan"))
        print(f"{kind} x{sessions}: p50 {p50:.2f} s, p95 {p95:.2f} s, {len(run.errors)} errors", flush=True)

    lines = [
        f"# Many sessions at once, {time.strftime('%Y-%m-%d')}",
        "",
        f"A fresh `streamlit run app.py` per row over `{args.corpus}` (its index built first), one warm-up question, "
        f"then N sessions at once, each asking {len(SESSION)} questions (a question and two follow-ups). 2 cores, "
        "shared by the server and its clients. Protocol clients speak Streamlit's WebSocket protocol and render "
        "nothing (the server's own cost); browsers are contexts of one headless Chromium. Time to answer: from "
        "sending the question to the run's end (protocol) or to its first citation being visible (browsers).",
        "",
        "| clients | sessions | answers | errors | p50 s | p95 s | max s | server MB before | after | per session |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, run in runs:
        p50, p95 = p50_p95(run.times) if run.times else (float("nan"), float("nan"))
        growth = (run.memory_after_mb - run.memory_before_mb) / run.sessions
        lines.append(
            f"| {kind} | {run.sessions} | {len(run.times)} | {len(run.errors)} | {p50:.2f} | {p95:.2f} | "
            f"{max(run.times, default=float('nan')):.2f} | {run.memory_before_mb:.0f} | {run.memory_after_mb:.0f} | "
            f"{growth:+.1f} |"
        )
    goals = {("protocol", 10): SERVER_GOAL_P95_S, ("browsers", 5): BROWSER_GOAL_P95_S}
    lines.append("")
    for (kind, sessions), goal in goals.items():
        found = next((run for k, run in runs if k == kind and run.sessions == sessions), None)
        if found and found.times:
            p95 = p50_p95(found.times)[1]
            lines.append(
                f"- {kind} x{sessions}: p95 {p95:.2f} s, goal <= {goal:.0f} s: {'met' if p95 <= goal else 'NOT met'}"
            )
    errors = [(kind, run.sessions, e) for kind, run in runs for e in run.errors]
    lines.append(f"- errors in all: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    write_results("load.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
