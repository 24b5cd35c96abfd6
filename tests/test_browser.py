"""End to end: a real Streamlit server over a real-model index of the shipped corpus, driven by a browser.

Uses Debian's Chromium (``apt-get install chromium``); Playwright's own browser download is never used.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serve import CHROMIUM, chromium, download, open_app, serve_app, sign_in

from assistant.config import Settings

pytestmark = pytest.mark.real

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ANSWER_TIMEOUT_MS = 120_000  # the server loads the real model on the first question
REBUILD_TIMEOUT_MS = 120_000
STAFF_PASSWORD = "test-staff-password"

try:
    from playwright.sync_api import expect
except ImportError as exc:  # pragma: no cover - depends on the environment
    pytest.skip(f"the playwright Python package cannot be imported ({exc})", allow_module_level=True)

if not CHROMIUM.exists():  # pragma: no cover - depends on the environment
    pytest.skip(f"no Chromium at {CHROMIUM} (install it with `apt-get install chromium`)", allow_module_level=True)


@pytest.fixture
def server(real_index: Settings, tmp_path: Path) -> Iterator[str]:
    """The app pointed at the session's real index (read only: no gaps log is written beside it); yields its URL."""
    settings = {
        "JSNA_INDEX": str(real_index.index),
        "JSNA_CORPUS": str(real_index.corpus),
        "JSNA_THREADS": "2",
        "JSNA_GAPS_LOG": "false",
    }
    with serve_app(tmp_path / "streamlit.log", settings) as url:
        yield url


@pytest.fixture
def staff_server(real_index: Settings, tmp_path: Path) -> Iterator[str]:
    """The app over private copies of the real corpus and index, with the staff page enabled; yields its URL.

    The copies keep the session's ``real_index`` untouched, and copying the index (not rebuilding it) means a
    rebuild only embeds what the test uploads."""
    corpus = shutil.copytree(real_index.corpus, tmp_path / "corpus")
    logs = shutil.ignore_patterns("gaps.jsonl", "audit.jsonl", "rebuild.*")  # this server's own, from nothing
    index = shutil.copytree(real_index.index, tmp_path / "index", ignore=logs)
    settings = {"JSNA_INDEX": str(index), "JSNA_CORPUS": str(corpus), "JSNA_THREADS": "2"}
    with serve_app(tmp_path / "streamlit.log", settings | {"JSNA_ADMIN_PASSWORD": STAFF_PASSWORD}) as url:
        yield url


@pytest.fixture
def older_figure_server(tmp_path: Path) -> Iterator[str]:
    """The app over a real-model index of the shipped indicator files and one made-up chapter that quotes an older
    life expectancy figure the files hold (80.2 years, men, West Sussex, 2009 to 2011) and cites its PHOF code."""
    from conftest import SHIPPED_CORPUS, make_pdf

    from assistant.embed import load_embedder
    from assistant.ingest import ingest

    corpus = tmp_path / "corpus"
    shutil.copytree(SHIPPED_CORPUS / "indicators", corpus / "indicators")
    (corpus / "pdf").mkdir()
    said = (
        "In 2009 to 2011, life expectancy at birth for men in West Sussex was 80.2 years. "
        "It is reported against PHOF A01b, and the gap between the most and least deprived areas has narrowed."
    )
    make_pdf(corpus / "pdf" / "life-expectancy-2012.pdf", [[("h1", "Life expectancy"), ("body", said)]])
    settings = Settings(corpus=corpus, index=tmp_path / "index", threads=2)
    ingest(settings, load_embedder(settings))
    environment = {"JSNA_INDEX": str(settings.index), "JSNA_CORPUS": str(corpus), "JSNA_THREADS": "2"}
    with serve_app(tmp_path / "streamlit.log", environment | {"JSNA_GAPS_LOG": "false"}) as url:
        yield url


def test_a_passage_s_older_figure_shows_the_newer_data_and_the_code_it_cites(older_figure_server: str) -> None:
    """Under the cited passage: the newer figure for the same measure and area, and the indicator code it cites
    with its name; the evidence pack carries the note."""
    from docx import Document

    newer = "Newer data: West Sussex (male) 2012 to 2014: 80.6 years (95% CI 80.4 to 80.9)"
    with chromium() as browser:
        page = open_app(browser, older_figure_server, downloads=True)
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill("what was life expectancy for men in West Sussex in 2009 to 2011")
        box.press("Enter")
        reply = page.get_by_test_id("stChatMessage").nth(1)
        note = reply.get_by_test_id("stAlert").filter(has_text="Newer data")
        expect(note).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)
        assert not page.get_by_test_id("stException").count()
        expect(note).to_contain_text(newer)
        expect(note).to_contain_text("the passage quotes 80.2 for 2009 to 2011")
        expect(reply).to_contain_text("Indicator codes: PHOF A01b (Life expectancy at birth)")
        saved = Path(download(page, page.get_by_test_id("stSidebar").get_by_role("button", name="(.docx)")).path())
        text = "\n".join(paragraph.text for paragraph in Document(str(saved)).paragraphs)
    assert newer in text


def test_question_in_browser_shows_cited_answer(server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = open_app(browser, server)

        box = page.get_by_test_id("stChatInputTextArea")
        box.fill("how many people died of drug misuse in West Sussex")
        box.press("Enter")

        citation = page.get_by_test_id("stMarkdown").filter(has_text=re.compile(r"Drug Related Deaths.*\bpp?\. \d+"))
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

        # A district's question answered from the county's sentences says so (or, declined, says what they are about).
        box.fill("How many pharmacies are there in Crawley?")
        box.press("Enter")
        expect(page.get_by_test_id("stChatMessage").last).to_contain_text("not Crawley.", timeout=ANSWER_TIMEOUT_MS)
        expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)
        assert not page.get_by_test_id("stException").count()


def test_indicator_table_follow_up_and_docx_download(server: str) -> None:
    """An indicator question shows a table; a follow-up gets its own answer; the evidence pack downloads as .docx."""
    from docx import Document

    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = open_app(browser, server, downloads=True)
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
        pack = download(page, button)
        assert pack.failure() is None
        assert pack.suggested_filename == "jsna-evidence-pack.docx"
        saved = ARTIFACTS / pack.suggested_filename
        pack.save_as(saved)

    assert saved.stat().st_size > 0
    document = Document(str(saved))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    cells = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "campylobacter" in f"{text}\n{cells}".lower()
    # Fit to paste into a bid: the table's figures at the source's precision, no "None", and the dataset's
    # Harvard reference (from the corpus manifest) in the reference list.
    assert "None" not in cells and "nan" not in cells
    value_cells = [row.cells[3].text for table in document.tables for row in table.rows[1:]]
    assert value_cells and all(re.fullmatch(r"[\d,]+(\.\d)?", v) for v in value_cells if v), value_cells
    references = text.split("References", 1)[1]
    assert "Public Health England (Fingertips) (2020) Fingertips data export: Campylobacter" in references
    assert "[Data set]" in references


def test_area_profile_in_browser_goes_into_the_evidence_pack(server: str) -> None:
    """The area profile page: the home area's indicators, worse than England first, comparisons in words, the
    passages about it; added to the evidence pack, which then holds it with its references."""
    from docx import Document

    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1600}, accept_downloads=True)
        page.goto(server, wait_until="domcontentloaded")
        page.get_by_test_id("stSidebar").get_by_text("Area profile", exact=True).click()
        worse = page.get_by_role("heading", name="Worse than England")
        expect(worse).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        expect(page.get_by_role("heading", name="West Sussex (County & UA)")).to_be_visible()
        expect(
            page.get_by_role("img", name=re.compile(r"West Sussex .*areas of its kind range from")).first
        ).to_be_visible()
        expect(page.get_by_role("heading", name="Passages most about West Sussex")).to_be_visible()
        expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)
        assert not page.get_by_test_id("stException").count()
        # The first table is the worse-than-England one, and says so in words.
        expect(page.locator("table").first).to_contain_text("Worse")
        page.screenshot(path=str(ARTIFACTS / "browser-profile.png"))

        page.get_by_role("button", name="Add to the evidence pack").click()
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text("Area profiles in the pack: West Sussex", timeout=30_000)
        saved = ARTIFACTS / "jsna-profile-pack.docx"
        download(page, sidebar.get_by_role("button", name="(.docx)")).save_as(saved)

    document = Document(str(saved))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "Area profile: West Sussex" in text and "Significantly worse than England on:" in text
    assert "[Data set]" in text.split("References", 1)[1]


def _signed_in(page):  # type: ignore[no-untyped-def]
    """``page`` on the staff page, signed in with the staff password."""
    expect(page.get_by_role("heading", name="JSNA Evidence Assistant")).to_be_visible(timeout=30_000)
    sign_in(page, STAFF_PASSWORD)
    expect(page.get_by_test_id("stMetric").filter(has_text="Documents")).to_be_visible(timeout=30_000)
    return page


def _staff_page(browser, url: str):  # type: ignore[no-untyped-def]
    return _signed_in(open_app(browser, url))


def test_staff_uploads_a_pdf_rebuilds_and_the_next_answer_finds_it(staff_server: str, tmp_path: Path) -> None:
    """Staff sign in, publish a new PDF and rebuild the index as a job: a second member of staff is shown the
    running rebuild (by whom, since when) rather than starting another; the rebuild survives a reload of the page;
    the next question cites the new PDF."""
    from conftest import make_pdf

    from assistant import jobs, staff

    index = tmp_path / "index"

    pdf = make_pdf(
        tmp_path / "horsham-loneliness-briefing-2024.pdf",
        [
            [
                ("h1", "Loneliness briefing"),
                (
                    "body",
                    "One in four older people in Horsham reported feeling lonely often in the 2024 residents "
                    "survey. Loneliness among older people in Horsham was highest for those living alone.",
                ),
            ]
        ],
        title="Loneliness briefing",
    )
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = _staff_page(browser, staff_server)
        other = _staff_page(browser, staff_server)  # a second member of staff, signed in meanwhile
        sidebar = page.get_by_test_id("stSidebar")

        page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(pdf))
        add = page.get_by_role("button", name="Add to the corpus")
        expect(add).to_be_visible(timeout=30_000)
        add.click()
        added = page.get_by_test_id("stAlert").filter(has_text=f"Added pdf/{pdf.name}")
        expect(added).to_be_visible(timeout=30_000)

        page.get_by_role("button", name="Rebuild the index").click()
        expect(page.get_by_text("Started by staff (password)")).to_be_visible(timeout=30_000)
        # The other page still shows the button it drew before; pressing it starts nothing, it shows the
        # running rebuild, by whom and since when.
        other.get_by_role("button", name="Rebuild the index").click()
        expect(other.get_by_text("Started by staff (password)")).to_be_visible(timeout=30_000)
        first = jobs.read(index)
        assert first is not None and first.state in (jobs.RUNNING, jobs.DONE)

        # The rebuild is not the page's: after a reload (a new session, signed in again) it is still there.
        page.reload(wait_until="domcontentloaded")
        page = _signed_in(page)
        sidebar = page.get_by_test_id("stSidebar")
        expect(page.get_by_text("The last rebuild finished")).to_be_visible(timeout=REBUILD_TIMEOUT_MS)
        page.get_by_text("Its report").click()
        summary = page.get_by_test_id("stText").filter(has_text="1 added")
        expect(summary).to_be_visible(timeout=30_000)
        assert pdf.name in summary.inner_text()
        expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=REBUILD_TIMEOUT_MS)
        assert not page.get_by_test_id("stException").count()
        page.screenshot(path=str(ARTIFACTS / "browser-staff.png"))
        last = jobs.read(index)
        assert last is not None and last.pid == first.pid  # one rebuild, not two
        assert [e["event"] for e in staff.read_audit(index)].count("rebuild") == 1

        sidebar.get_by_text("Ask", exact=True).click()
        box = page.get_by_test_id("stChatInputTextArea")
        expect(box).to_be_visible(timeout=30_000)
        box.fill("older people feeling lonely in Horsham")
        box.press("Enter")
        citation = page.get_by_test_id("stMarkdown").filter(
            has_text=re.compile(r"\[\d+\].*(Loneliness briefing|horsham-loneliness-briefing)")
        )
        expect(citation.first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)
        assert not page.get_by_test_id("stException").count()


def test_a_declined_question_reaches_the_gaps_report_on_the_staff_page(staff_server: str) -> None:
    """A question the JSNA cannot answer is declined on the Ask page, and the staff page's gaps report lists it."""
    question = "which bus goes to Gatwick airport"
    with chromium() as browser:
        page = open_app(browser, staff_server, downloads=True)
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill(question)
        box.press("Enter")
        reply = page.get_by_test_id("stChatMessage").nth(1)
        expect(reply).to_contain_text("do not clearly answer", timeout=ANSWER_TIMEOUT_MS)
        expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)

        sign_in(page, STAFF_PASSWORD)
        heading = page.get_by_role("heading", name=re.compile("Gaps: what people asked"))
        expect(heading).to_be_visible(timeout=30_000)
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=30_000)
        assert not page.get_by_test_id("stException").count()
        # The table is drawn on a canvas; its download holds the same rows.
        report = Path(download(page, page.get_by_role("button", name="Gaps report (.csv)")).path()).read_text(
            encoding="utf-8-sig"
        )
        page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
        expect(page.get_by_label("Password", exact=True)).to_be_visible(timeout=30_000)
        expect(heading).to_be_hidden()
    header, *rows = report.splitlines()
    assert header.startswith("asked,declined,weakly answered,question (latest wording)")
    mine = [row for row in rows if question in row]
    assert len(mine) == 1 and mine[0].startswith("1,1,0,"), rows  # asked once, declined once


def test_sign_in_pauses_after_five_wrong_passwords_even_for_the_right_one(staff_server: str, tmp_path: Path) -> None:
    """Guessing is slowed: the fifth wrong password pauses sign-in, the right one is then refused too, and every
    attempt is in the audit log beside the index."""
    from assistant import staff

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1200})
        page.goto(staff_server, wait_until="domcontentloaded")
        page.get_by_test_id("stSidebar").get_by_text("Staff", exact=True).click()
        password = page.get_by_label("Password", exact=True)
        alert = page.get_by_test_id("stAlert")
        for attempt in range(1, 6):
            expect(password).to_be_visible(timeout=30_000)
            expect(password).to_have_value("", timeout=30_000)  # the form is drawn anew (cleared) after each
            password.fill(f"guess number {attempt}")
            page.get_by_role("button", name="Sign in").click()
            # Each attempt is answered before the next is typed (the message of the one before is still shown).
            deadline = time.monotonic() + 30
            while len(staff.read_audit(tmp_path / "index")) < attempt and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(staff.read_audit(tmp_path / "index")) == attempt
            expect(alert.filter(has_text="Wrong password")).to_be_visible(timeout=30_000)
            expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=30_000)
        expect(alert.filter(has_text="Sign-in is paused for 30 seconds")).to_be_visible(timeout=30_000)
        expect(password).to_have_value("", timeout=30_000)
        password.fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(alert.filter(has_text="Too many wrong passwords: sign-in is paused")).to_be_visible(timeout=30_000)
        expect(page.get_by_role("heading", name=re.compile("Gaps: what people asked"))).to_be_hidden()
        assert not page.get_by_test_id("stException").count()
    events = [entry["event"] for entry in staff.read_audit(tmp_path / "index")]
    assert events == ["wrong password"] * 5  # and no sign-in
