"""The Streamlit app, driven headlessly with ``streamlit.testing.v1.AppTest`` and the fake embedder.

The app reads its settings from ``JSNA_*`` environment variables and gets its embedder from
``assistant.embed.load_embedder``; both are swapped here so no real model is loaded.
"""

from __future__ import annotations

import html
import sys
import time
from pathlib import Path

import pytest
import streamlit as st
from conftest import FakeEmbedder
from streamlit.testing.v1 import AppTest

import assistant.embed
from assistant.config import Settings
from assistant.ingest import ingest

APP = Path(__file__).resolve().parent.parent / "app.py"
TIMEOUT = 30


@pytest.fixture(autouse=True)
def _fresh_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clean cache (the retriever is a cache_resource) and the fake embedder for every test."""
    st.cache_resource.clear()
    monkeypatch.setattr(assistant.embed, "load_embedder", lambda settings: FakeEmbedder())
    monkeypatch.delenv("JSNA_CONFIG", raising=False)
    yield
    st.cache_resource.clear()


def _point_app_at(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("JSNA_CORPUS", str(settings.corpus))
    monkeypatch.setenv("JSNA_INDEX", str(settings.index))
    monkeypatch.setenv("JSNA_MODEL", "fake")


@pytest.fixture
def indexed(monkeypatch: pytest.MonkeyPatch, settings: Settings, fake_embedder: FakeEmbedder) -> Settings:
    """The shipped briefings ingested with the fake embedder, and the app pointed at them."""
    ingest(settings, fake_embedder)
    _point_app_at(monkeypatch, settings)
    return settings


def _ask(question: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _html(at: AppTest) -> list[str]:
    return [element.proto.body for element in at.get("html")]


def _markdown(at: AppTest) -> list[str]:
    return [element.value for element in at.markdown]


def test_answer_cites_document_title_and_page(indexed: Settings) -> None:

    at = _ask("Smoking prevalence among adults in Adur in 2019")

    assert [t.value for t in at.title] == ["JSNA Evidence Assistant"]
    citations = [text for text in _markdown(at) if text.startswith("**[")]
    assert citations, _markdown(at)
    top = citations[0]
    assert "Tobacco Control Needs Assessment" in top
    assert "p. 2" in top
    # The passage itself is shown under its citation, the answering sentence marked.
    passages = _html(at)
    assert any("14.2 per cent" in body for body in passages)
    assert any("<mark>" in body for body in passages)
    assert not at.error


def test_a_misspelt_word_is_put_right_and_the_reader_told(indexed: Settings) -> None:

    at = _ask("Smoking prevalnce among adults in Adur in 2019")

    told = 'Searched for "prevalence" (you wrote "prevalnce").'
    assert any(told in caption.value for caption in at.caption), [c.value for c in at.caption]
    assert any("Tobacco Control Needs Assessment" in text for text in _markdown(at) if text.startswith("**["))
    assert not at.error


def test_missing_index_tells_user_to_run_ingest(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-index"
    empty.mkdir()
    _point_app_at(monkeypatch, settings.replace(index=empty))

    at = _ask("What was smoking prevalence in Adur?")

    assert not at.exception
    messages = [e.value for e in at.error] + [i.value for i in at.info]
    assert at.error, messages
    assert any("jsna ingest" in message for message in messages), messages
    assert not [text for text in _markdown(at) if text.startswith("**[")]


def test_document_text_is_shown_literally_not_rendered(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    payload = "<script>alert(1)</script> **bold**"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "hostile-note.txt").write_text(
        f"Hostile note\n\nThe zebra crossing audit found {payload} in the middle of a sentence about zebra "
        "crossings near schools in Crawley, which were counted in 2021.\n",
        encoding="utf-8",
    )
    settings = Settings(corpus=corpus, index=tmp_path / "index", model="fake")
    report = ingest(settings, fake_embedder)
    assert report.chunks >= 1 and not report.skipped
    _point_app_at(monkeypatch, settings)

    at = _ask("zebra crossing audit Crawley")

    shown = _html(at)
    assert any(html.escape(payload) in body for body in shown), shown
    assert not any("<script>" in body for body in shown)
    # Nothing from the document reached a markdown element, where it would be rendered as HTML/bold.
    assert not any("<script>" in text or "**bold**" in text for text in _markdown(at))


def test_staff_page_is_disabled_without_a_password(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    _point_app_at(monkeypatch, settings)
    monkeypatch.delenv("JSNA_ADMIN_PASSWORD", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.sidebar.radio[0].set_value("Staff").run()
    assert any("disabled" in i.value for i in at.info) and not at.exception


def test_staff_publish_rebuild_and_find_it_in_the_next_answer(
    monkeypatch: pytest.MonkeyPatch, indexed: Settings, fake_embedder: FakeEmbedder, tmp_path: Path
) -> None:
    settings = indexed
    from conftest import make_pdf

    from assistant import jobs, staff
    from assistant.publish import publish

    driver = Path(__file__).resolve().parent / "job_driver.py"  # the rebuild job, with the fake embedder
    monkeypatch.setattr(jobs, "ingest_command", lambda who: [sys.executable, str(driver), who])
    monkeypatch.setenv("JSNA_ADMIN_PASSWORD", "s3cret")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.sidebar.radio[0].set_value("Staff").run()
    at.text_input[0].set_value("wrong")
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert at.error and not at.get("metric")
    at.text_input[0].set_value("s3cret")
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert [m.proto.body for m in at.get("metric")][0] == "2"  # documents before

    body = (
        "One in four older people in Horsham reported feeling lonely often, according to the 2024 survey of residents."
    )
    for name in ("Loneliness Briefing 2024.pdf", "Loneliness Briefing 2024 draft.pdf"):  # a final and its draft
        new = make_pdf(tmp_path / name, [[("h1", "Loneliness"), ("body", body)]])
        publish(settings.corpus, new.name, new.read_bytes(), settings.max_file_mb)
    assert (settings.corpus / "pdf" / "Loneliness-Briefing-2024.pdf").is_file()
    next(b for b in at.button if b.label == "Rebuild the index").click().run()
    assert not at.exception
    deadline = time.monotonic() + 60  # the rebuild is a process of its own: wait for it as the page does
    while (job := jobs.read(settings.index)) is not None and job.running and time.monotonic() < deadline:
        time.sleep(0.2)
    at.run()
    assert any("The last rebuild finished" in m.value for m in at.success)
    assert any("2 added" in t.value for t in at.text)
    assert [m.proto.body for m in at.get("metric")][0] == "4"
    audit = [(entry["event"], entry["who"]) for entry in staff.read_audit(settings.index)]
    assert audit == [("wrong password", "unknown"), ("sign-in", "staff (password)"), ("rebuild", "staff (password)")]
    (versions,) = [e for e in at.expander if e.label.startswith("Versions")]
    assert "1 group of versions" in versions.label
    (listed,) = [m.value for m in versions.markdown if "leads" in m.value]
    assert listed.index("Loneliness-Briefing-2024.pdf") < listed.index("draft")

    at.sidebar.radio[0].set_value("Ask").run()
    at.chat_input[0].set_value("older people in Horsham feeling lonely").run()
    assert any("loneliness-briefing" in t or "Loneliness" in t for t in _markdown(at))


def test_a_staff_session_idle_too_long_is_signed_out(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    from assistant import staff

    _point_app_at(monkeypatch, settings)
    monkeypatch.setenv("JSNA_ADMIN_PASSWORD_HASH", staff.hash_password("a long staff password"))
    monkeypatch.setenv("JSNA_STAFF_IDLE_MINUTES", "5")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.sidebar.radio[0].set_value("Staff").run()
    at.text_input[0].set_value("a long staff password")
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert any(b.label == "Sign out" for b in at.sidebar.button)
    at.session_state["staff_seen"] -= 4 * 60  # four minutes idle: still signed in
    at.run()
    assert any(b.label == "Sign out" for b in at.sidebar.button)
    at.session_state["staff_seen"] -= 6 * 60  # then six more
    at.run()
    assert any("signed out after 5 minutes" in i.value for i in at.info)
    assert not any(b.label == "Sign out" for b in at.sidebar.button) and at.text_input[0].label == "Password"
    events = [entry["event"] for entry in staff.read_audit(settings.index)]
    assert events == ["sign-in", "signed out after being idle"]


def test_single_sign_on_without_its_secrets_says_so_and_the_password_still_works(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    _point_app_at(monkeypatch, settings)
    monkeypatch.setenv("JSNA_STAFF_EMAILS", "ann.lee@council.gov.uk")
    monkeypatch.setenv("JSNA_ADMIN_PASSWORD", "a development password")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.sidebar.radio[0].set_value("Staff").run()
    assert not at.exception
    assert any("Single sign-on is not set up here" in w.value for w in at.warning)
    at.text_input[0].set_value("a development password")
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert any(b.label == "Sign out" for b in at.sidebar.button)
