"""Serve the Streamlit app on a free loopback port, and the flags Debian's Chromium needs to open it here.

Test and benchmark plumbing, not part of the product: the real-browser tests and ``bench/app.py`` both launch
``streamlit run app.py`` with their own ``JSNA_*`` settings, wait until it answers, and stop it cleanly however
they end.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

APP = Path(__file__).resolve().parent.parent / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
# Headless, no sandbox (root), and no background traffic: this machine has no network but the registries.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Served(str):
    """The server's URL, with its process id (``bench/load.py`` reads its memory)."""

    pid: int

    def __new__(cls, url: str, pid: int) -> Served:
        served = super().__new__(cls, url)
        served.pid = pid
        return served


class ServerError(RuntimeError):
    """The server exited or did not answer in time; the message holds its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        with opener.open(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.read().decode("utf-8", "replace").strip() == "ok")
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def serve_app(log_path: Path, settings: Mapping[str, str], timeout: float = 60.0) -> Iterator[Served]:
    """``streamlit run app.py`` with only the given ``JSNA_*`` settings (the caller's are dropped); yields the
    URL (with its process id) once the server answers; stops it on exit. Output goes to ``log_path``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("JSNA_")} | dict(settings)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
    ]
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=APP.parent, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while not healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    state = f"exited with status {process.returncode}" if process.poll() is not None else "timed out"
                    log.flush()
                    raise ServerError(f"streamlit {state}:\n{log_path.read_text(encoding='utf-8')}")
                time.sleep(0.05)
            yield Served(url, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def download(page: Any, button: Any, timeout_ms: int = 30_000) -> Any:
    """Click a download ``button`` once the page's run has ended and return Playwright's Download. The file is made
    when clicked, in a run of its own; a click that lands as another run redraws the sidebar is lost, so a click
    that brings no download within a third of the time is made again (a third try waits the whole time)."""
    from playwright.sync_api import TimeoutError, expect

    for _ in range(2):
        expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=timeout_ms)
        try:
            with page.expect_download(timeout=timeout_ms // 3) as info:
                button.click()
            return info.value
        except TimeoutError:
            pass  # the click was lost: click again
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=timeout_ms)
    with page.expect_download(timeout=timeout_ms) as info:
        button.click()
    return info.value


def sign_in(page: Any, password: str, timeout_ms: int = 30_000) -> None:
    """Open the staff page of a Playwright ``page`` and sign in: wait until the page's run has ended (an Enter
    pressed while the Staff page is still drawing is lost), then fill the password and press the Sign in button.
    A run that starts just after the fill (the page checking a rebuild) draws the box again, empty: fill it again."""
    from playwright.sync_api import expect

    page.get_by_test_id("stSidebar").get_by_text("Staff", exact=True).click()
    box = page.get_by_label("Password", exact=True)
    expect(box).to_be_visible(timeout=timeout_ms)
    for attempt in range(3):
        expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=timeout_ms)
        box.fill(password)
        try:
            expect(box).to_have_value(password)
            break
        except AssertionError:
            if attempt == 2:
                raise
    page.get_by_role("button", name="Sign in").click()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (imported here: only the browser tier needs it); closed
    however the block ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_app(browser: Any, url: str, height: int = 1600, downloads: bool = False, timeout_ms: int = 30_000) -> Any:
    """A new page of ``browser`` on the app at ``url``, once its title is drawn."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": height}, accept_downloads=downloads)
    page.goto(url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="JSNA Evidence Assistant")).to_be_visible(timeout=timeout_ms)
    return page
