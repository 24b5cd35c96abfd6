"""Question -> ranked pages (:class:`Hit`) from the live index.

Hybrid: three searches find candidate passages: dense (MiniLM + FAISS inner product over chunk vectors), lexical
(BM25 over the same chunks, the query expanded with the glossary's acronyms and synonyms) and sentence (the best
of each chunk's sentence vectors, stored at ingest: a passage whose one sentence says what was asked). Each
candidate is scored by a logistic model fitted on the dev questions (``ranking.json``, by
``bench/calibrate_ranking.py``: is this passage on a gold page?) over ``RANK_FEATURES``: its place in each of the
three searches, its similarity, BM25 score and best sentence, the IDF-weighted share of the question's words it
holds, whether it names a place the question names, whether it is a recommendation when recommendations are
asked for, and how well its document does in the dense and BM25 searches (its best passage's mean place); five
that combine two of those (document x similarity, document x words, best sentence x words, dense place x BM25
place, and its best place in any search), chosen on the dev folds: hit@1 0.690 -> 0.714, hit@5 0.933 -> 0.944,
MRR 0.795 -> 0.810; and its similarity's standing among the question's candidates (a z-score: how many standard
deviations above their mean), for similarities differ in scale from one question to another: dev MRR 0.816 -> 0.822;
and whether it is in a reference list (:data:`REFERENCE_LIST`): the sources a document cites are in the question's
words and never the page asked for (on the dev questions they held 16 of the top 5's places, none of them gold).
Citations are page-level, so the results are pages: the passages of one page merge into one hit (all of them
kept), ranked by the best of them. Then result hygiene: a page repeating a better one (a summary repeating the
body) is left out, and no document takes more than ``per_doc`` pages unless the search is limited to one document.
A question is searched as :mod:`assistant.question` reads it (in its conversation, without courtesies or what its
writer says of themselves), its misspelt words put right from the index's own words (:mod:`assistant.spelling`).
A question that
names an indicator code ("NI 56", "PHOF C09a") is searched with what the code measures (:mod:`assistant.codes`),
and the pages citing the code are candidates and come first: the code is the one exact thing it asks for.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from assistant import store
from assistant.calibrated import LogisticModel, standing
from assistant.codes import codes_in, with_names
from assistant.config import Settings
from assistant.embed import Embedder, model_words
from assistant.glossary import expansions
from assistant.lexical import lexical_text
from assistant.model import Chunk, Hit, Recommendation
from assistant.places import gazetteer, places_in, renamed
from assistant.question import contextualize
from assistant.spelling import Speller
from assistant.text import MIN_REPEAT_SHINGLES, repeats, shingles, years_in

T = TypeVar("T")

MODES = ("hybrid", "dense", "bm25")
CANDIDATES = 100  # from each search
RRF_K = 60  # a place in a search counts RRF_K / (RRF_K + rank): 0.98 for the first, 0.5 for the 61st, 0 if absent
PER_DOC = 5  # pages of the default 8: a one-document question keeps its best pages, others still show
RANK_FEATURES = (
    "dense",
    "bm25",
    "sentence_rank",
    "similarity",
    "bm25_score",
    "sentence",
    "words",
    "place",
    "recommendation",
    "document",
    "document_similarity",
    "document_words",
    "sentence_words",
    "dense_bm25",
    "best_place",
    "similarity_standing",
    "reference_list",
)
RANKING_MODEL = Path(__file__).with_name("ranking.json")
# A reference list's heading ("References", "10. References", "Appendix II: References", "Bibliography", "Notes and
# references", "Endnotes"): its passages cite other work; they are never the evidence asked for.
REFERENCE_LIST = re.compile(r"\b(?:references|bibliography|endnotes|further\s+reading|works\s+cited)\b", re.I)
ASKS_FOR_RECOMMENDATIONS = re.compile(
    r"\brecommend\w*|\bwhat should\b|\bshould (?:we|the council|commissioners)\b|\bnext steps\b|\bactions?\b",
    re.IGNORECASE,
)


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

    def allows(self, chunk: Chunk | Recommendation) -> bool:
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

    def derived(self, build: Callable[[store.Snapshot], T], snap: store.Snapshot | None = None) -> T:
        """``build(snapshot)`` for the live index (or ``snap``, one a search holds), made once per index version and
        kept (the indicator matcher: seconds to build, then used by every question)."""
        snap = snap or self.snapshot
        version, value = self._derived.get(build, ("", None))
        if version != snap.version:
            value = build(snap)
            self._derived[build] = (snap.version, value)
        return value  # type: ignore[no-any-return]

    def query(self, question: str, history: Sequence[str] = ()) -> str:
        """The question as it is searched: read in its conversation (:func:`contextualize`), its misspelt words put
        right from the live index's own words (:mod:`assistant.spelling`)."""
        return self.derived(speller).correct(contextualize(question, history))

    def corrections(self, question: str) -> tuple[tuple[str, str], ...]:
        """The question's own words that :meth:`query` puts right (not those of the questions before it, said when
        they were asked): misspelt words, and places as the gazetteer names them ("W Sussex", "Bognor": the reader
        can see which place was searched). Each is (as written, as searched)."""
        return renamed(question) + self.derived(speller).corrections(contextualize(question))

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
        ranker: LogisticModel | None = None,
    ) -> list[Hit]:
        """The best ``k`` pages. ``history`` holds the conversation's earlier questions, oldest first;
        ``per_doc`` caps pages per document (None: no cap; never capped when filtered to one document);
        ``ranker`` scores the hybrid's candidates (the shipped ranking model by default)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        query = self.query(question, history)
        snap = self.snapshot  # once: a rebuild swapped in meanwhile must not renumber the rows
        found = self._candidates(snap, query, filters, mode)
        if not found:
            return []
        if mode == "hybrid":
            model = ranker or ranking_model()
            scores = {c.row: model.probability(c.features) for c in found}
        else:  # one search alone: its own order
            scores = {c.row: c.features[mode] for c in found}
        citing = self._citing(snap, query)
        ranked = sorted(scores, key=lambda row: (row not in citing, -scores[row]))
        one_doc = len(filters.docs) == 1
        pages = _pages(snap.chunks, ranked, k or self.settings.k, None if one_doc else per_doc)
        years, places = years_in(query), [place.lower() for place in places_in(query)]
        pages = [_lead_first(page, snap.chunks, snap.manifest.versions, years, places) for page in pages]
        similarity = {c.row: c.features["similarity"] for c in found}
        return [
            Hit(
                snap.chunks[page.rows[0]],
                max(scores[r] for r in (*page.rows, *page.also_in)),  # a version's page keeps the rank it earned
                max(similarity[r] for r in page.rows),
                tuple(snap.chunks[r] for r in sorted(page.rows)) if len(page.rows) > 1 else (),
                tuple(snap.chunks[r] for r in page.also_in),
            )
            for page in pages
        ]

    def _citing(self, snap: store.Snapshot, query: str) -> set[int]:
        """Rows of ``snap`` whose passages cite an indicator code the query names."""
        asked = codes_in(query)
        if not asked:
            return set()
        cited = self.derived(cited_codes, snap)
        return {row for code in asked for row in cited.get(code, ())}

    def candidates(self, query: str, filters: Filters = NO_FILTERS, mode: str = "hybrid") -> list[Candidate]:
        """The passages in the top ``CANDIDATES`` of the searches ``mode`` runs (hybrid: all three), each with the
        ranking model's features, for a contextualised ``query``; rows of the live index."""
        return self._candidates(self.snapshot, query, filters, mode)

    def _candidates(self, snap: store.Snapshot, query: str, filters: Filters, mode: str) -> list[Candidate]:
        n = len(snap.chunks)
        if not query or n == 0:
            return []
        allowed = np.fromiter((filters.allows(c) for c in snap.chunks), bool, n) if filters.active() else None
        if allowed is not None and not allowed.any():
            return []
        citing = [row for row in sorted(self._citing(snap, query)) if allowed is None or allowed[row]]
        named = with_names(query)  # what an asked code measures, for the model and BM25 to read
        vector = self.embed_query(named)
        lists: dict[str, list[int]] = {"code": citing[:CANDIDATES]} if citing else {}
        bm25 = np.zeros(n, dtype=np.float32)
        if mode in ("hybrid", "dense"):
            lists["dense"] = [row for row, _ in snap.search(vector, CANDIDATES, allowed)]
        if mode in ("hybrid", "bm25"):
            bm25 = snap.lexical.scores(" ".join([named, *expansions(named)]), n)
            lists["bm25"] = _top(bm25, allowed, CANDIDATES, positive=True)
        if mode == "hybrid":
            lists["sentence_rank"] = snap.sentences.search(vector, CANDIDATES, allowed)
        places = [place.lower() for place in places_in(query)]
        wants_recommendations = bool(ASKS_FOR_RECOMMENDATIONS.search(query))
        words = snap.lexical.presence(query, n) if mode == "hybrid" else np.zeros(n, dtype=np.float32)
        place_of = {name: {row: RRF_K / (RRF_K + i + 1) for i, row in enumerate(rows)} for name, rows in lists.items()}
        rows = list(dict.fromkeys(row for ranked in lists.values() for row in ranked))
        if not rows:
            return []
        similarity = snap.index.reconstruct_batch(np.asarray(rows, dtype=np.int64)) @ vector
        # How far each stands out from the question's candidates: similarities differ in scale from one question to
        # another (a question in common words is close to much), and the model is one for all questions.
        above = standing(similarity)
        sentence = snap.sentences.best(vector, rows) if mode == "hybrid" else [0.0] * len(rows)
        best_bm25 = max(float(bm25.max()), 1e-9)
        features = []
        for row, sim, z, best_sentence in zip(rows, similarity.tolist(), above.tolist(), sentence, strict=True):
            chunk = snap.chunks[row]
            features.append(
                {
                    "dense": place_of.get("dense", {}).get(row, 0.0),
                    "bm25": place_of.get("bm25", {}).get(row, 0.0),
                    "sentence_rank": place_of.get("sentence_rank", {}).get(row, 0.0),
                    "similarity": sim,
                    "similarity_standing": z,
                    "bm25_score": float(bm25[row]) / best_bm25,
                    "sentence": best_sentence,
                    "words": float(words[row]),
                    "place": float(bool(places) and any(p in f"{chunk.title} {chunk.text}".lower() for p in places)),
                    "recommendation": float(wants_recommendations and chunk.recommendation),
                    "reference_list": float(bool(REFERENCE_LIST.search(chunk.section))),
                }
            )
        document: dict[str, float] = {}
        for row, f in zip(rows, features, strict=True):
            doc = snap.chunks[row].doc
            document[doc] = max(document.get(doc, 0.0), (f["dense"] + f["bm25"]) / 2)
        return [
            Candidate(row, with_interactions(f | {"document": document[snap.chunks[row].doc]}))
            for row, f in zip(rows, features, strict=True)
        ]


def speller(snapshot: store.Snapshot) -> Speller:
    """The words of the index's passages, titles and sections, for putting a question's misspelt words right; the
    embedding model's words are spelt right too, and place names are what a misspelt word may become."""
    places = [word for name in gazetteer().names for word in name.split()]
    texts = (lexical_text(chunk) for chunk in snapshot.chunks)
    return Speller.of(texts, model_words(snapshot.manifest.model), names=places)


def cited_codes(snapshot: store.Snapshot) -> dict[str, list[int]]:
    """Indicator code -> the rows of the passages that cite it (made when a question first names a code)."""
    rows: dict[str, list[int]] = {}
    for row, chunk in enumerate(snapshot.chunks):
        for code in codes_in(chunk.text):
            rows.setdefault(code, []).append(row)
    return rows


def with_interactions(f: dict[str, float]) -> dict[str, float]:
    """The features with those that combine two: a linear model cannot otherwise say "close in meaning *and* in a
    document the searches favour"."""
    return f | {
        "document_similarity": f["document"] * f["similarity"],
        "document_words": f["document"] * f["words"],
        "sentence_words": f["sentence"] * f["words"],
        "dense_bm25": f["dense"] * f["bm25"],
        "best_place": max(f["dense"], f["bm25"], f["sentence_rank"]),
    }


@dataclass(frozen=True)
class Candidate:
    """A passage one of the searches found: its row in the index and the ranking model's features."""

    row: int
    features: dict[str, float]


@functools.cache
def ranking_model() -> LogisticModel:
    """The shipped model: P(a candidate passage is on a page that answers the question | its features)."""
    return LogisticModel.load(RANKING_MODEL)


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


def page_key(chunk: Chunk) -> tuple[str, int | str]:
    """Citations are page-level: the page a passage starts on (the section, in a document without pages)."""
    return (chunk.doc, chunk.page_start) if chunk.paged else (chunk.doc, chunk.section)


@dataclass
class _Page:
    rows: list[int]  # the ranked passages on the page, best first
    also_in: list[int] = field(default_factory=list)  # best passages of other pages that repeat it


def _lead_first(
    page: _Page, chunks: Sequence[Chunk], groups: Sequence[Sequence[str]], years: set[int], places: Sequence[str]
) -> _Page:
    """The page as shown: when its passage is repeated elsewhere (listed as "also in"), the copy that suits the
    question best is shown and the others listed under it. First the copy in a document about a place the question
    names (its title or file name names it: of district profiles written from one template, the question's district
    picks one); then a version of a year the question names; then its group's order (the newest final version first,
    :mod:`assistant.versions`). Otherwise the page stays as ranked."""
    if not page.also_in:
        return page
    shown = chunks[page.rows[0]].doc
    group = next((g for g in groups if shown in g), ())

    def fit(row: int) -> tuple[bool, bool, int]:
        chunk = chunks[row]
        about = f"{chunk.title} {Path(chunk.doc).stem}".replace("_", " ").replace("-", " ").lower()
        return (
            bool(places) and not any(place in about for place in places),
            bool(years) and chunk.year not in years,
            group.index(chunk.doc) if chunk.doc in group else len(group),
        )

    lead = min([page.rows[0], *page.also_in], key=fit)
    if fit(lead) == fit(page.rows[0]):
        return page
    return _Page([lead], [page.rows[0], *(r for r in page.also_in if r != lead)])


def _pages(chunks: Sequence[Chunk], ranked: list[int], k: int, per_doc: int | None) -> list[_Page]:
    """The best ``k`` pages, each with every ranked passage on it (its best first): a page ranks by its best
    passage; one that repeats a better-ranked page (an executive summary restating the body, another version of
    the document) is not shown again but listed under it, and no document takes more than ``per_doc`` pages."""
    pages: dict[tuple[str, int | str], _Page] = {}
    seen: list[tuple[set[tuple[str, ...]], _Page]] = []
    per: dict[str, int] = {}
    for row in ranked:
        chunk = chunks[row]
        key = page_key(chunk)
        if key in pages:
            pages[key].rows.append(row)
            seen.append((shingles(chunk.text), pages[key]))  # a repeat of any of its passages is a repeat
            continue
        if len(pages) == k or (per_doc is not None and per.get(chunk.doc, 0) >= per_doc):
            continue
        words = shingles(chunk.text)
        repeated = next((page for other, page in seen if repeats(words, other)), None)
        if repeated is not None:
            shown = chunks[repeated.rows[0]].doc
            listed = {page_key(chunks[r]) for r in repeated.also_in}
            # Listed when it is another document's and a passage, not a shared line (a header, a caption).
            if chunk.doc != shown and key not in listed and len(words) >= MIN_REPEAT_SHINGLES:
                repeated.also_in.append(row)
            continue
        pages[key] = _Page([row])
        seen.append((words, pages[key]))
        per[chunk.doc] = per.get(chunk.doc, 0) + 1
    return list(pages.values())
