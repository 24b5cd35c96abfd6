"""Accessibility in a real browser: axe-core (pinned in tests/axe/, installed by `make axe`) finds no WCAG 2.2 A/AA
failure on any page, and a keyboard alone can ask, open a cited page and download the evidence pack, with the focus
visible at each step."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serve import CHROMIUM, chromium, open_app, serve_app, sign_in

from assistant.config import Settings

pytestmark = pytest.mark.real

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "accessible-staff-password"
ANSWER_TIMEOUT_MS = 120_000

try:
    from playwright.sync_api import Page, expect
except ImportError as exc:  # pragma: no cover - depends on the environment
    pytest.skip(f"the playwright Python package cannot be imported ({exc})", allow_module_level=True)

if not CHROMIUM.exists():  # pragma: no cover - depends on the environment
    pytest.skip(f"no Chromium at {CHROMIUM} (install it with `apt-get install chromium`)", allow_module_level=True)
if not AXE.exists():  # pragma: no cover - depends on the environment
    pytest.skip(f"axe-core is not installed at {AXE} (run `make axe`)", allow_module_level=True)


@pytest.fixture
def server(real_index: Settings, tmp_path: Path) -> Iterator[str]:
    """The app over a copy of the session's real index (staff sign in here, and the audit log is beside it)."""
    index = shutil.copytree(real_index.index, tmp_path / "index", ignore=shutil.ignore_patterns("*.jsonl"))
    settings = {
        "JSNA_INDEX": str(index),
        "JSNA_CORPUS": str(real_index.corpus),
        "JSNA_THREADS": "2",
        "JSNA_GAPS_LOG": "false",
        "JSNA_ADMIN_PASSWORD": PASSWORD,
    }
    with serve_app(tmp_path / "streamlit.log", settings) as url:
        yield url


def _settled(page: Page) -> None:
    """The script run has finished and nothing on the page is faded as stale."""
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_timeout(1000)
    # A run that began after the status widget was checked, or one too short to show it, fades what it will redraw.
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)
    assert not page.get_by_test_id("stException").count()


def _violations(page: Page) -> list[dict[str, Any]]:
    _settled(page)
    page.add_script_tag(path=str(AXE))
    script = """async (tags) => {
        const found = await axe.run(document, {runOnly: {type: "tag", values: tags}});
        return found.violations.map(v => ({rule: v.id, help: v.help, where: v.nodes.map(n => n.target.join(" "))}));
    }"""
    return list(page.evaluate(script, WCAG))


def _ask(page: Page, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    expect(page.get_by_test_id("stChatMessage").nth(1)).to_be_visible(timeout=ANSWER_TIMEOUT_MS)


def _page(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(name, exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(name.split()[0]))).to_be_visible(timeout=ANSWER_TIMEOUT_MS)


def test_no_page_fails_an_axe_core_wcag_2_2_a_or_aa_check(server: str) -> None:
    with chromium() as browser:
        page = open_app(browser, server, height=1400)
        found = {"Ask (start)": _violations(page)}
        _ask(page, "campylobacter food poisoning rate in Brighton")  # passages and an indicator table
        expect(page.get_by_role("heading", name="Indicators")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        found["Ask (an answer)"] = _violations(page)
        for name in ("Area profile", "Recommendations", "Accessibility"):
            _page(page, name)
            found[name] = _violations(page)
        sign_in(page, PASSWORD)
        expect(page.get_by_role("heading", name=re.compile("Gaps"))).to_be_visible(timeout=30_000)
        found["Staff (signed in)"] = _violations(page)
    assert {name: v for name, v in found.items() if v} == {}


def _focused(page: Page) -> dict[str, str]:
    """What has the keyboard focus: its role, label and text, and whether an outline shows it."""
    return dict(
        page.evaluate(
            """() => {
            const e = document.activeElement, style = getComputedStyle(e);
            return {tag: e.tagName, role: e.getAttribute("role") || "", label: e.getAttribute("aria-label") || "",
                    text: (e.innerText || e.value || "").slice(0, 80), testid: e.getAttribute("data-testid") || "",
                    visible: String(style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)};
        }"""
        )
    )


def _tab_to(page: Page, wanted: Any, limit: int = 120) -> dict[str, str]:
    """Press Tab until ``wanted(focused)`` holds; the focus must be visible on what it lands on."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if wanted(focused):
            assert focused["visible"] == "true", focused
            return focused
    raise AssertionError(f"Tab never reached it; last focused: {_focused(page)}")


def test_a_keyboard_alone_asks_opens_a_cited_page_and_downloads_the_pack(server: str) -> None:
    with chromium() as browser:
        page = open_app(browser, server, height=1400, downloads=True)
        _settled(page)
        _tab_to(page, lambda f: f["tag"] == "TEXTAREA")  # the question box
        page.keyboard.type("how many people died of drug misuse in West Sussex")
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("stChatMessage").nth(1)).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        _settled(page)
        _tab_to(page, lambda f: f["role"] == "switch" or "Show page" in f["label"] + f["text"])
        page.keyboard.press("Space")  # open the cited page
        expect(page.get_by_test_id("stImage").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        _settled(page)
        with page.expect_download(timeout=30_000) as info:
            _tab_to(page, lambda f: "(.docx)" in f["text"])
            page.keyboard.press("Enter")
        assert info.value.suggested_filename == "jsna-evidence-pack.docx" and info.value.failure() is None
