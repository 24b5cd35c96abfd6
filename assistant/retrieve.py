"""Question -> ranked pages (:class:`Hit`) from the live index.

Hybrid: dense (MiniLM + FAISS inner product) and lexical (BM25 over the same chunks, query expanded with the
glossary's acronyms and synonyms), fused by weighted reciprocal rank plus a little of each passage's similarity;
passages naming a place the question names are lifted. Citations are page-level, so the results are pages: the
passages of one page merge into one hit (all of them kept), ranked by the best of them. Then result hygiene: a page
repeating a better one (a summary repeating the body) is left out, and no document takes more than ``per_doc``
pages unless the search is limited to one document.
A follow-up question ("what about for children?") is read in the context of the previous one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from assistant import store
from assistant.config import Settings
from assistant.embed import Embedder
from assistant.glossary import expansions, places_in
from assistant.model import Chunk, Hit

T = TypeVar("T")

MODES = ("hybrid", "dense", "bm25")
CANDIDATES = 100  # from each method, before fusion
RRF_K = 60
DENSE_WEIGHT = 1.5
LEXICAL_WEIGHT = 1.0
PER_DOC = 5  # pages of the default 8: a one-document question keeps its best pages, others still show
PLACE_BOOST = 1.0  # in units of a first-rank RRF contribution
# Reciprocal ranks forget how close a passage is; a little of its similarity is added back, so that among passages
# fused to nearly the same score (often pages of one document) the closer one comes first.
SIMILARITY_WEIGHT = 0.05
RECOMMENDATION_BOOST = 1.0  # the same, for recommendation passages when the question asks for recommendations
ASKS_FOR_RECOMMENDATIONS = re.compile(
    r"\brecommend\w*|\bwhat should\b|\bshould (?:we|the council|commissioners)\b|\bnext steps\b|\bactions?\b",
    re.IGNORECASE,
)
FOLLOW_UP = re.compile(
    r"^(?:and|but|also|what about|how about|what of|and what about|what if|same for|is that|is it|are they|"
    r"does it|do they|how does (?:that|this|it)|why|for|in|among|amongst|compared)\b",
    re.IGNORECASE,
)
PRONOUN = re.compile(r"\b(?:it|its|they|them|their|those|these)\b", re.IGNORECASE)  # not "there": "are there"


@dataclass(frozen=True)
class Filters:
    """Limits on which passages may answer. Empty means no limit."""

    kinds: tuple[str, ...] = ()
    publisher: str = ""  # case-insensitive part of the publisher or title ("Trafford", "West Sussex")
    year_from: int | None = None
    year_to: int | None = None
    recommendations: bool = False
    docs: tuple[str, ...] = field(default=())

    def active(self) -> bool:
        return self != Filters()

    def allows(self, chunk: Chunk) -> bool:
        if self.kinds and chunk.kind not in self.kinds:
            return False
        if self.publisher:
            needle = self.publisher.lower()
            if needle not in chunk.publisher.lower() and needle not in chunk.title.lower():
                return False
        if self.year_from is not None and (chunk.year is None or chunk.year < self.year_from):
            return False
        if self.year_to is not None and (chunk.year is None or chunk.year > self.year_to):
            return False
        if self.recommendations and not chunk.recommendation:
            return False
        return not self.docs or chunk.doc in self.docs


NO_FILTERS = Filters()


# Longer is not a question but a pasted document. The model reads about 1,000 characters of it anyway, and
# matching glossary terms, places and indicators costs time in proportion (100,000 characters: seconds).
MAX_QUESTION_CHARS = 2000


def contextualize(question: str, history: Sequence[str] = ()) -> str:
    """The question to search for, cut to ``MAX_QUESTION_CHARS``: a follow-up is joined to the last question that
    stood on its own. Every search and indicator lookup goes through here."""
    question = " ".join(question[:MAX_QUESTION_CHARS].split())
    if not history:
        return question
    words = re.findall(r"[a-z0-9]+", question.lower())
    if FOLLOW_UP.match(question) or len(words) <= 3 or (PRONOUN.search(question) and len(words) <= 8):
        return f"{contextualize(history[-1], history[:-1])} {question}"
    return question


class Retriever:
    """Searches the live index and picks up a rebuilt one (a new ``CURRENT``) on the next query."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._snapshot: store.Snapshot | None = None
        self._derived: dict[Callable[[store.Snapshot], Any], tuple[str, Any]] = {}
        self._vector: tuple[str, np.ndarray] | None = None

    @property
    def snapshot(self) -> store.Snapshot:
        live = store.current_version(self.settings.index)
        if self._snapshot is None or self._snapshot.version != live:
            self._snapshot = store.load(self.settings.index, expect=self.settings.chunking())
        return self._snapshot

    def derived(self, build: Callable[[store.Snapshot], T]) -> T:
        """``build(snapshot)`` for the live index, made once per index version and kept (the indicator matcher:
        seconds to build, then used by every question)."""
        snap = self.snapshot
        version, value = self._derived.get(build, ("", None))
        if version != snap.version:
            value = build(snap)
            self._derived[build] = (snap.version, value)
        return value  # type: ignore[no-any-return]

    def embed_query(self, query: str) -> np.ndarray:
        """The query's vector; the last one is kept, as passages and indicators are matched with the same."""
        if self._vector is None or self._vector[0] != query:
            self._vector = (query, self.embedder.embed([query])[0])
        return self._vector[1]

    def search(
        self,
        question: str,
        k: int | None = None,
        filters: Filters = NO_FILTERS,
        history: Sequence[str] = (),
        mode: str = "hybrid",
        per_doc: int | None = PER_DOC,
    ) -> list[Hit]:
        """The best ``k`` passages. ``history`` holds the conversation's earlier questions, oldest first;
        ``per_doc`` caps passages per document (None: no cap; never capped when filtered to one document)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        query = contextualize(question, history)
        if not query:
            return []
        snap = self.snapshot
        n = len(snap.chunks)
        allowed = np.fromiter((filters.allows(c) for c in snap.chunks), bool, n) if filters.active() else None
        if n == 0 or (allowed is not None and not allowed.any()):
            return []
        vector = self.embed_query(query)
        fused: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            for rank, row in enumerate(self._dense(snap, vector, allowed)):
                fused[row] = fused.get(row, 0.0) + DENSE_WEIGHT / (RRF_K + rank + 1)
        if mode in ("hybrid", "bm25"):
            expanded = " ".join([query, *expansions(query)])
            for rank, row in enumerate(_top(snap.lexical.scores(expanded, n), allowed, CANDIDATES, positive=True)):
                fused[row] = fused.get(row, 0.0) + LEXICAL_WEIGHT / (RRF_K + rank + 1)
        if not fused:
            return []
        candidates = list(fused)
        vectors = snap.index.reconstruct_batch(np.asarray(candidates, dtype=np.int64))
        similarity = dict(zip(candidates, (vectors @ vector).tolist(), strict=True))
        if mode == "hybrid":
            self._boost(fused, snap.chunks, query)
            for row in fused:
                fused[row] += SIMILARITY_WEIGHT * similarity[row]
        ranked = sorted(fused, key=lambda row: -fused[row])
        one_doc = len(filters.docs) == 1
        pages = _pages(snap.chunks, ranked, k or self.settings.k, None if one_doc else per_doc)
        return [
            Hit(
                snap.chunks[rows[0]],
                fused[rows[0]],
                max(similarity[r] for r in rows),
                tuple(snap.chunks[r] for r in sorted(rows)) if len(rows) > 1 else (),
            )
            for rows in pages
        ]

    @staticmethod
    def _boost(fused: dict[int, float], chunks: Sequence[Chunk], query: str) -> None:
        """Lift passages that name a place the question names, and recommendations when it asks for them."""
        places = [place.lower() for place in places_in(query)]
        wants_recommendations = bool(ASKS_FOR_RECOMMENDATIONS.search(query))
        for row in fused:
            chunk = chunks[row]
            if places and any(place in f"{chunk.title} {chunk.text}".lower() for place in places):
                fused[row] += PLACE_BOOST / (RRF_K + 1)
            if wants_recommendations and chunk.recommendation:
                fused[row] += RECOMMENDATION_BOOST / (RRF_K + 1)

    def _dense(self, snap: store.Snapshot, vector: np.ndarray, allowed: np.ndarray | None) -> list[int]:
        return [row for row, _ in snap.search(vector, CANDIDATES, allowed)]


def _top(scores: np.ndarray, allowed: np.ndarray | None, k: int, positive: bool = False) -> list[int]:
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    if positive:
        scores = np.where(scores > 0, scores, -np.inf)
    k = min(k, int(np.isfinite(scores).sum()))
    if k == 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    return [int(i) for i in top[np.argsort(-scores[top])]]


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + 4]) for i in range(max(1, len(words) - 3))}


def page_key(chunk: Chunk) -> tuple[str, int | str]:
    """Citations are page-level: the page a passage starts on (the section, in a document without pages)."""
    return (chunk.doc, chunk.page_start) if chunk.paged else (chunk.doc, chunk.section)


def _pages(chunks: Sequence[Chunk], ranked: list[int], k: int, per_doc: int | None) -> list[list[int]]:
    """The best ``k`` pages, each with every ranked passage on it (its best first): a page ranks by its best
    passage; one that repeats a better-ranked page (an executive summary restating the body) is left out, and
    no document takes more than ``per_doc`` pages."""
    pages: dict[tuple[str, int | str], list[int]] = {}
    seen: list[set[tuple[str, ...]]] = []
    per: dict[str, int] = {}
    for row in ranked:
        chunk = chunks[row]
        key = page_key(chunk)
        if key in pages:
            pages[key].append(row)
            continue
        if len(pages) == k or (per_doc is not None and per.get(chunk.doc, 0) >= per_doc):
            continue
        shingles = _shingles(chunk.text)
        if any(len(shingles & other) > 0.6 * min(len(shingles), len(other)) for other in seen):
            continue
        pages[key] = [row]
        seen.append(shingles)
        per[chunk.doc] = per.get(chunk.doc, 0) + 1
    return list(pages.values())
