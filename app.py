"""Streamlit entry point: composes the assistant's pieces; no parsing or indexing here."""

from __future__ import annotations

import streamlit as st

from assistant.answer import respond
from assistant.cli import load_embedder
from assistant.config import load_settings
from assistant.errors import JsnaError
from assistant.retrieve import Retriever

st.set_page_config(page_title="JSNA Evidence Assistant", page_icon="🔎")


@st.cache_resource
def retriever() -> Retriever:
    settings = load_settings()
    return Retriever(settings, load_embedder(settings))


st.title("JSNA Evidence Assistant")
st.caption("Ask a question; every passage comes with its document and page.")
question = st.chat_input("Ask about the JSNA, e.g. how many people died of drug misuse?")
if question:
    with st.chat_message("user"):
        st.text(question)
    with st.chat_message("assistant"):
        try:
            response = respond(retriever(), question)
            hits, result = response.hits, response.answer
        except JsnaError as exc:
            st.error(exc.message)
            st.info(exc.advice)
            st.stop()
        st.text(result.text)
        for number, hit in enumerate(hits, 1):
            chunk = hit.chunk
            badge = " · recommendation" if chunk.recommendation else ""
            st.markdown(f"**[{number}]** {chunk.citation}{badge}".replace("\\", "\\\\"))
            st.text(chunk.text)
