"""End to end: a real Streamlit server over a real-model index of the shipped corpus, driven by a browser.

Uses Debian's Chromium (``apt-get install chromium``); Playwright's own browser download is never used.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings

pytestmark = pytest.mark.real

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT = 60.0
ANSWER_TIMEOUT_MS = 120_000  # the server loads the real model on the first question

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError as exc:  # pragma: no cover - depends on the environment
    pytest.skip(f"the playwright Python package cannot be imported ({exc})", allow_module_level=True)

if not CHROMIUM.exists():  # pragma: no cover - depends on the environment
    pytest.skip(f"no Chromium at {CHROMIUM} (install it with `apt-get install chromium`)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _health(url: str) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        with opener.open(url, timeout=2) as response:
            return response.read().decode("utf-8", "replace").strip()
    except (urllib.error.URLError, OSError):
        return ""


@pytest.fixture
def server(real_index: Settings, tmp_path: Path) -> Iterator[str]:
    """``streamlit run app.py`` on a free loopback port, pointed at the real index; yields its URL."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("JSNA_")}
    env.update(JSNA_INDEX=str(real_index.index), JSNA_CORPUS=str(real_index.corpus), JSNA_THREADS="2")
    log = (tmp_path / "streamlit.log").open("w+", encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def output() -> str:
        log.flush()
        log.seek(0)
        return log.read()

    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while _health(f"{url}/_stcore/health") != "ok":
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with status {process.returncode}:\n{output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer /_stcore/health within {STARTUP_TIMEOUT:.0f} s:\n{output()}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_question_in_browser_shows_cited_answer(server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.goto(server, wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="JSNA Evidence Assistant")).to_be_visible(timeout=30_000)

            box = page.get_by_test_id("stChatInputTextArea")
            box.fill("how many people died of drug misuse in West Sussex")
            box.press("Enter")

            citation = page.get_by_test_id("stMarkdown").filter(
                has_text=re.compile(r"Drug Related Deaths.*\bpp?\. \d+")
            )
            expect(citation.first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
            # The script run has finished (no "Running..." widget) and did not fail.
            expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)
            assert not page.get_by_test_id("stException").count()
            # The app scrolls inside its own container: bring the question and the answer's start into view.
            page.get_by_test_id("stChatMessage").first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "browser-answer.png"))
            text = citation.first.inner_text()
            assert "West Sussex Drug Related Deaths 2015-2017 audit" in text
            assert re.search(r"\bpp?\. \d+", text), text
        finally:
            browser.close()


def test_indicator_table_follow_up_and_docx_download(server: str) -> None:
    """An indicator question shows a table; a follow-up gets its own answer; the evidence pack downloads as .docx."""
    from docx import Document

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600}, accept_downloads=True)
            page.goto(server, wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="JSNA Evidence Assistant")).to_be_visible(timeout=30_000)
            messages = page.get_by_test_id("stChatMessage")
            box = page.get_by_test_id("stChatInputTextArea")

            box.fill("campylobacter food poisoning rate in Brighton")
            box.press("Enter")
            first = messages.nth(1)  # the assistant's reply to the first question
            indicators = first.get_by_role("heading", name="Indicators")
            expect(indicators).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
            expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)
            assert not page.get_by_test_id("stException").count()
            expect(first.get_by_test_id("stDataFrame").first).to_be_visible()
            expect(first).to_contain_text("Campylobacter")
            expect(first).to_contain_text("Brighton and Hove")
            indicators.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "browser-indicators.png"))

            box.fill("what about in West Sussex?")
            box.press("Enter")
            expect(messages).to_have_count(4, timeout=ANSWER_TIMEOUT_MS)
            expect(messages.nth(2)).to_contain_text("what about in West Sussex?")
            second = messages.nth(3)
            expect(second.get_by_test_id("stAlert").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
            expect(second.get_by_test_id("stMarkdown").filter(has_text=re.compile(r"^\s*\[1\]")).first).to_be_visible()
            expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)
            assert not page.get_by_test_id("stException").count()

            button = page.get_by_test_id("stSidebar").get_by_role("button", name="(.docx)")
            expect(button).to_be_visible(timeout=30_000)
            with page.expect_download(timeout=30_000) as info:
                button.click()
            download = info.value
            assert download.failure() is None
            assert download.suggested_filename == "jsna-evidence-pack.docx"
            saved = ARTIFACTS / download.suggested_filename
            download.save_as(saved)
        finally:
            browser.close()

    assert saved.stat().st_size > 0
    document = Document(str(saved))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    cells = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "campylobacter" in f"{text}\n{cells}".lower()
