"""Streamlit entry point: composes the assistant's pieces; no parsing, indexing or formatting logic here."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import replace

import streamlit as st

from assistant import embed, gaps, jobs, staff, store
from assistant.answer import Response, respond
from assistant.config import Settings, load_settings
from assistant.corpus import KINDS, document_paths
from assistant.errors import JsnaError
from assistant.export import (
    register_csv,
    register_docx,
    register_xlsx,
    table_reference_parts,
    to_docx,
    to_markdown,
)
from assistant.indicators import NewerData
from assistant.model import Hit, dated
from assistant.parse import render_page
from assistant.present import (
    ACCESSIBILITY_STATEMENT,
    ACCESSIBLE_CSS,
    also_in_text,
    codes_text,
    comparison_colour,
    escape_markdown,
    gaps_frame,
    groups_label,
    headline,
    job_progress,
    newer_text,
    passage_html,
    profile_html,
    ranking_text,
    recommendation_place,
    table_frame,
    trend_chart,
    version_lines,
)
from assistant.profile import NO_DATA, NO_DATA_ADVICE, AreaProfile, area_profile, areas
from assistant.publish import publish
from assistant.question import MAX_QUESTION_CHARS
from assistant.recommendations.register import listing, register
from assistant.retrieve import Filters, Retriever

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

st.set_page_config(page_title="JSNA Evidence Assistant", page_icon="🔎", layout="wide")


@st.cache_resource
def _settings() -> Settings:
    return load_settings()


@st.cache_resource
def _retriever() -> Retriever:
    """Loaded once; it picks up a rebuilt index by itself on the next question."""
    settings = _settings()
    return Retriever(settings, embed.load_embedder(settings))


def _filters() -> Filters:
    bar = st.sidebar
    bar.header("Filters")
    kinds = bar.multiselect("Document kind", KINDS)
    publisher = bar.text_input("Publisher or area", help="Part of the publisher or title, e.g. Trafford")
    years = bar.slider("Published between", 2000, 2030, (2000, 2030))
    recommendations = bar.checkbox("Recommendations only")
    year_from, year_to = (None, None) if years == (2000, 2030) else years
    return Filters(tuple(kinds), publisher.strip(), year_from, year_to, recommendations)


def _passage(number: int, hit: Hit, marked: list[str], key: str, newer: Sequence[NewerData] = ()) -> None:
    chunk = hit.chunk
    badge = "  :green-badge[recommendation]" if chunk.recommendation else ""
    kind = f" · {chunk.kind}" if chunk.kind else ""
    section = f" · {escape_markdown(chunk.section)}" if chunk.section else ""
    st.markdown(f"**[{number}]** {escape_markdown(chunk.citation)}{kind}{section}{badge}")
    st.html(passage_html(hit.text, marked))
    for note in newer:
        st.info(escape_markdown(newer_text(note)))
    if hit.also_in:
        st.caption(escape_markdown(also_in_text(hit)))
    if hit.codes:
        st.caption(escape_markdown(codes_text(hit)))
    path = _settings().corpus / chunk.doc
    pdf = chunk.paged and path.suffix.lower() == ".pdf" and path.is_file()
    if pdf and st.toggle(f"Show page {chunk.page_start}", key=key):
        try:
            st.image(render_page(path, chunk.page_start), caption=chunk.citation)
        except JsnaError as exc:
            st.warning(str(exc))
        st.download_button("Download the PDF", path.read_bytes, file_name=path.name, key=f"{key}-pdf")


def _tables(response: Response) -> None:
    for table in response.tables:
        colour = comparison_colour(table.comparison)
        before, title, _ = table_reference_parts(table)
        name, unit, source = (escape_markdown(text) for text in (table.indicator_name, table.unit, before + title))
        st.markdown(f"**{name}** ({unit}) · :gray[{source}]")
        if table.note:
            st.caption(escape_markdown(table.note))
        quote = passage_html(headline(table))
        st.html(f'<div style="border-left: 6px solid {colour}; padding-left: 8px">{quote}</div>')
        st.dataframe(table_frame(table), hide_index=True)
        chart = trend_chart(table)
        if chart is not None:
            st.altair_chart(chart)
        if table.ranking:
            st.caption("Ranking: " + escape_markdown(ranking_text(table)))


def _turn(index: int, question: str, response: Response, latest: bool) -> None:
    """One question and its answer. Earlier turns are kept short (citations only) so the page stays quick."""
    with st.chat_message("user"):
        st.text(question)
    with st.chat_message("assistant"):
        if response.put_right:
            st.caption(escape_markdown(response.put_right))
        answer = response.answer
        (st.warning if answer.abstained else st.success)(
            escape_markdown(answer.text)
        )  # sentences quoted from documents
        if answer.caution:
            st.warning(escape_markdown(answer.caution))
        if not latest:
            cited = "; ".join(f"[{n}] {hit.chunk.citation}" for n, hit in enumerate(response.hits[:5], 1))
            st.caption(escape_markdown(cited))
            return
        marked = list(answer.quoted)
        for number, hit in enumerate(response.hits, 1):
            _passage(number, hit, marked, key=f"page-{index}-{number}", newer=response.newer_for(number))
        if response.tables:
            st.subheader("Indicators")
            _tables(response)


def ask_page(filters: Filters) -> None:
    st.title("JSNA Evidence Assistant")
    st.caption("Ask a question; every passage comes with its document and page. Follow-up questions are understood.")
    turns: list[tuple[str, Response]] = st.session_state.setdefault("turns", [])
    asked = st.chat_input("Ask about the JSNA, e.g. how many people died of drug misuse?", max_chars=MAX_QUESTION_CHARS)
    for index, (question, response) in enumerate(turns):
        _turn(index, question, response, latest=index == len(turns) - 1 and not asked)
    if asked:
        _ask(asked, turns, filters)
    # Last, so that the pack holds the answer just given (the first one included).
    if turns or st.session_state.get("profiles"):
        _evidence_pack(turns)


def _ask(question: str, turns: list[tuple[str, Response]], filters: Filters) -> None:
    """Answer a new question and add it to the conversation (a failure is said, not added)."""
    try:
        response = respond(_retriever(), question, filters=filters, history=[q for q, _ in turns])
    except JsnaError as exc:
        st.error(exc.message)
        st.info(exc.advice or "See the README.")
        return
    if _settings().gaps_log:
        try:
            gaps.record(_settings().index, _retriever().query(question, [q for q, _ in turns]), response.answer)
        except OSError as exc:  # the answer matters more than the log
            st.caption(f"The question could not be added to the gaps report ({exc}).")
    turns.append((question, response))
    _turn(len(turns) - 1, question, response, latest=True)


def _evidence_pack(turns: list[tuple[str, Response]]) -> None:
    """Downloads of the conversation so far and the area profiles added to it, with full references, ready to
    paste into a bid."""
    profiles = list(st.session_state.get("profiles", {}).values())
    left, right = st.sidebar.columns(2)
    # Made when clicked, not on every run of the page (a Word pack of a long conversation takes a while).
    left.download_button(
        "Evidence pack (.md)", lambda: to_markdown(turns, profiles=profiles), file_name="jsna-evidence-pack.md"
    )
    pack = "jsna-evidence-pack.docx"
    right.download_button("(.docx)", lambda: to_docx(turns, profiles=profiles), file_name=pack, mime=DOCX_TYPE)
    if profiles:
        st.sidebar.caption("Area profiles in the pack: " + escape_markdown(", ".join(p.area for p in profiles)))


def recommendations_page(filters: Filters) -> None:
    st.title("Recommendations")
    st.caption("Every recommendation in the JSNA as one item, with its document and page; restated ones once.")
    topic = st.text_input("Topic", placeholder="e.g. self-harm, smoking, pharmacies (empty: all)")
    try:
        everything = register(_retriever())
        documents = list(dict.fromkeys(item.doc for item in everything))
        titles = {item.doc: item.title for item in everything}
        chosen = st.multiselect("Documents", documents, format_func=lambda doc: titles[doc])
        narrowed = replace(filters, docs=tuple(chosen))
        found, more = listing(_retriever(), topic, narrowed)
    except JsnaError as exc:
        st.error(exc.message)
        st.info(exc.advice)
        return
    on = f" on “{topic.strip()}”" if topic.strip() else ""
    st.caption(f"{len(found)} recommendations{escape_markdown(on)}" + (", closest first" if on else ", newest first"))
    left, middle, right = st.columns(3)
    left.download_button("Spreadsheet (.csv)", lambda: register_csv(found), file_name="jsna-recommendations.csv")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    middle.download_button(
        "Excel (.xlsx)", lambda: register_xlsx(found), file_name="jsna-recommendations.xlsx", mime=xlsx
    )
    word = "jsna-recommendations.docx"
    right.download_button("Word (.docx)", lambda: register_docx(found), file_name=word, mime=DOCX_TYPE)
    current = None
    for item in found:
        if item.doc != current and not on:
            current = item.doc
            st.subheader(dated(item.title, item.year))
        st.markdown(f"- {escape_markdown(item.text)}")
        st.caption(escape_markdown(recommendation_place(item, with_title=bool(on))))
    if more:
        with st.expander(f"{len(more)} more that may be{on} (not in the downloads)"):
            for item in more:
                st.markdown(f"- {escape_markdown(item.text)}")
                st.caption(escape_markdown(recommendation_place(item, with_title=True)))


def profile_page() -> None:
    st.title("Area profile")
    st.caption(
        "An area at a glance: every indicator with a value for it, where it is significantly worse than England "
        "first, then by theme; and the passages most about it."
    )
    try:
        names = areas(_retriever())
    except JsnaError as exc:
        st.error(exc.message)
        st.info(exc.advice)
        return
    if not names:
        st.info(f"{NO_DATA} {NO_DATA_ADVICE}")
        return
    area = st.selectbox("Area", names, help="Type to find an area: a county, district, ward or region")
    found = area_profile(_retriever(), area)
    rows = found.indicators.rows
    worse = sum(row.worse for row in rows)
    st.subheader(f"{found.area} ({found.indicators.area_type})")
    st.markdown(
        f"{len(rows)} indicators with a value; significantly worse than England on **{worse}**."
        if worse
        else f"{len(rows)} indicators with a value; none significantly worse than England."
    )
    st.caption(
        "Compared with England by the 95% confidence interval: Better, Similar, Worse (Higher or Lower where the "
        "data does not say which is better). Spread: the areas of the same kind for the same period (light grey: "
        "lowest to highest; dark grey: the middle half), England's value as a black line, this area as a dot."
    )
    st.html(profile_html(rows))
    left, right = st.columns(2)
    profiles: dict[str, AreaProfile] = st.session_state.setdefault("profiles", {})
    if left.button("Add to the evidence pack", disabled=found.area in profiles):
        profiles[found.area] = found
        st.rerun()
    name = f"jsna-profile-{found.area.lower().replace(' ', '-')}.docx"
    right.download_button("This profile (.docx)", lambda: to_docx([], profiles=[found]), file_name=name, mime=DOCX_TYPE)
    if found.hits:
        st.subheader(f"Passages most about {found.area}")
        for number, hit in enumerate(found.hits, 1):
            _passage(number, hit, [], key=f"profile-{number}")
    if profiles:
        _evidence_pack(st.session_state.get("turns", []))


def staff_page() -> None:
    st.title("Staff: publish and rebuild")
    settings = _settings()
    if not staff.enabled(settings):
        st.info(
            "The staff page is disabled. Set a staff password with `jsna admin set-password` (or, for development, "
            "JSNA_ADMIN_PASSWORD), or single sign-on with staff_emails (docs/deploy.md)."
        )
        return
    who = _signed_in(settings)
    if not who:
        _sign_in(settings)
        return
    st.sidebar.caption(f"Signed in: {escape_markdown(who)}")
    if st.sidebar.button("Sign out"):
        staff.audit(settings.index, "sign-out", who)
        _sign_out()
        st.rerun()
    _rebuild(settings, who)
    _status(settings)
    _gaps(settings)
    _upload(settings, who)


@st.cache_resource
def _server_throttle() -> staff.Throttle:
    """Wrong passwords from every session of this server: many tabs or browsers do not get more guesses."""
    return staff.Throttle()


def _signed_in(settings: Settings) -> str:
    """Who is signed in on this browser session ("" when nobody is, or their session has been idle too long)."""
    who = str(st.session_state.get("staff_who", ""))
    if not who:
        return ""
    if time.time() - float(st.session_state.get("staff_seen", 0.0)) > settings.staff_idle_minutes * 60:
        staff.audit(settings.index, "signed out after being idle", who)
        _sign_out()
        st.info(f"You were signed out after {settings.staff_idle_minutes:g} minutes without activity.")
        return ""
    st.session_state["staff_seen"] = time.time()
    return who


def _single_sign_on() -> bool:
    """Streamlit's OpenID Connect sign-in is configured ([auth] in .streamlit/secrets.toml)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def _sign_out() -> None:
    for key in ("staff_who", "staff_seen"):
        st.session_state.pop(key, None)


def _signed(settings: Settings, who: str) -> None:
    st.session_state["staff_who"], st.session_state["staff_seen"] = who, time.time()
    staff.audit(settings.index, "sign-in", who)
    st.rerun()


def _sign_in(settings: Settings) -> None:
    """Single sign-on for the allow-listed (when configured), else the staff password, paused after wrong ones."""
    if settings.staff_emails and not _single_sign_on():
        st.warning("Single sign-on is not set up here: .streamlit/secrets.toml has no [auth] section (docs/deploy.md).")
    elif settings.staff_emails and st.user.is_logged_in:
        email = str(st.user.get("email") or "")
        if staff.allowed(email, settings):
            _signed(settings, email)
        st.error(f"{escape_markdown(email or 'This account')} is not on the staff list (staff_emails).")
        st.button("Sign out of single sign-on", on_click=st.logout)
    elif settings.staff_emails:
        st.button("Sign in with your organisation's account", on_click=st.login)
    if not (settings.admin_password_hash or settings.admin_password):
        return
    throttles = [st.session_state.setdefault("staff_throttle", staff.Throttle()), _server_throttle()]
    with st.form("sign-in", clear_on_submit=True, enter_to_submit=True):
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in")
    tried = staff.attempt(password, settings, throttles, time.time()) if submitted and password else None
    if tried is not None and tried.ok:
        _signed(settings, "staff (password)")
    wait = tried.wait if tried is not None else staff.paused(throttles, time.time())
    if tried is not None and tried.checked:
        st.error("Wrong password." + (f" Sign-in is paused for {math.ceil(wait)} seconds." if wait else ""))
    elif wait:
        st.error(f"Too many wrong passwords: sign-in is paused. Try again in {math.ceil(wait)} seconds.")


def _upload(settings: Settings, who: str) -> None:
    st.subheader("Publish documents and indicator files")
    existing = [rel for _, rel in document_paths(settings.corpus)] if settings.corpus.is_dir() else []
    replace = st.selectbox("Replaces an earlier version (optional)", ["", *existing])
    files = st.file_uploader(
        "PDF, Word, HTML, Markdown or text documents; CSV, JSON or XLSX indicator files",
        type=["pdf", "docx", "html", "htm", "md", "markdown", "txt", "csv", "json", "xlsx"],
        accept_multiple_files=True,
    )
    if files and st.button("Add to the corpus"):
        for upload in files:
            try:
                done = publish(settings.corpus, upload.name, upload.getvalue(), settings.max_file_mb, replace or None)
            except JsnaError as exc:
                st.error(escape_markdown(f"{upload.name}: {exc.message} {exc.advice}"))
                continue
            if done.action != "duplicate":
                replaced = {"replaces": replace} if done.action == "replaced" else {}
                staff.audit(settings.index, "replace" if replaced else "upload", who, file=upload.name, **replaced)
            (st.info if done.action == "duplicate" else st.success)(done.detail)


def _status(settings: Settings) -> None:
    try:
        snap = store.load(settings.index)
    except JsnaError as exc:
        st.warning(f"{exc.message} {exc.advice}")
        return
    m = snap.manifest
    rows = 0 if snap.indicators is None else len(snap.indicators)
    cols = st.columns(4)
    cols[0].metric("Documents", len(m.documents))
    cols[1].metric("Passages", len(snap.chunks))
    cols[2].metric("Indicator rows", rows)
    cols[3].metric("Files skipped", len(m.skipped))
    st.caption(f"Built {m.created} with {m.model}; index {settings.index}/{snap.version}")
    for skipped in m.skipped:
        st.text(f"Skipped: {skipped.label}")
    if m.versions:
        with st.expander(f"Versions: {groups_label(len(m.versions))}, documents holding the same text"):
            st.caption(
                "Results show a repeated passage once, from the first document of its group (the newest "
                "final version), and list the others as “Also in”."
            )
            for line in version_lines(m.versions, m.documents):
                st.markdown(f"- {escape_markdown(line)}")


def _gaps(settings: Settings) -> None:
    st.subheader("Gaps: what people asked and the JSNA could not answer")
    if not settings.gaps_log:
        st.caption("The gaps log is off (gaps_log = false).")
        return
    found = gaps.report(gaps.read_log(settings.index), _retriever().embedder.embed)
    if not found:
        st.caption("No declined or weakly answered questions yet.")
        return
    st.caption(
        "Questions the app declined or answered only weakly, worded alike ones together, the most asked first. "
        "Only the question and the time are kept."
    )
    frame = gaps_frame(found)
    st.dataframe(frame, hide_index=True)
    st.download_button("Gaps report (.csv)", frame.to_csv(index=False).encode("utf-8-sig"), file_name="jsna-gaps.csv")


def _rebuild(settings: Settings, who: str) -> None:
    """The rebuild job: its progress while it runs (from any browser, after a reload too), else how the last one
    ended and the button that starts one."""
    st.subheader("Rebuild the index")
    job = jobs.read(settings.index)
    if job is not None and job.running:
        _running(settings, who)
        return
    if job is not None:
        ended = f"started by {job.who} at {job.started}, ended {job.finished or 'unknown'}"
        if job.state == jobs.DONE:
            st.success(f"The last rebuild finished ({escape_markdown(ended)}); searches use it.")
            with st.expander("Its report"):
                st.text(job.summary)
        else:
            notice = {jobs.FAILED: st.error, jobs.CANCELLED: st.info}.get(job.state, st.warning)
            notice(escape_markdown(f"The last rebuild {job.state} ({ended}): {job.summary}"))
    if st.button("Rebuild the index", type="primary"):
        try:
            jobs.start(settings.index, who)
        except jobs.RebuildRunning as exc:
            st.warning(f"{exc.message} {exc.advice}")
            return
        staff.audit(settings.index, "rebuild", who)
        st.rerun()


@st.fragment(run_every=2)
def _running(settings: Settings, who: str) -> None:
    """A running rebuild, redrawn every 2 seconds until it ends (then the whole page)."""
    job = jobs.read(settings.index)
    if job is None or not job.running:
        st.rerun()
        return
    done = job_progress(job.stage, job.done, job.total)
    st.progress(min(1.0, job.done / job.total) if job.total else 0.0, text=done)
    st.caption(
        escape_markdown(f"Started by {job.who} at {job.started}. ")
        + "Searches keep using the current index until the new one is written; leaving this page does not stop it."
    )
    if st.button("Cancel the rebuild"):
        jobs.cancel(settings.index, who)
        staff.audit(settings.index, "rebuild cancelled", who)
        st.rerun()


def main() -> None:
    st.html(ACCESSIBLE_CSS)
    pages = ["Ask", "Area profile", "Recommendations", "Staff", "Accessibility"]
    page = st.sidebar.radio("Page", pages, label_visibility="collapsed")
    if page == "Accessibility":
        st.markdown(ACCESSIBILITY_STATEMENT)
        return
    if page == "Staff":
        staff_page()
        return
    if page == "Area profile":
        profile_page()
        return
    filters = _filters()
    (ask_page if page == "Ask" else recommendations_page)(filters)


main()
