"""Versions and near-copies: documents of the library that hold the same text, found at ingest and grouped.

A JSNA team's library holds the draft and the final, the designed and the plain-text edition, an executive summary
restating its report, a renamed copy. Two documents are versions of one another when a good share of the passages
of one are repeated in the other: a passage is repeated when its vector is close to one of the other document's
(the chunk vectors are already there: one exact inner-product search over them) *and* its words are (4-word
shingles, as the page merging at search time compares them).

Reports written from one template are not versions, though much of their text repeats: profiles of different
places (their titles or file names name other places, or each names a place in many more of its passages than the
other does), and reports of other data (their close passages give other figures).

Each group is led by its newest final version (not a draft; the latest year; then the longest), which results
show first; the others are listed as "also in" beside a repeated passage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.model import Chunk, DocumentInfo
from assistant.places import places_in
from assistant.text import MIN_REPEAT_SHINGLES, repeats, shingles

# Raise when the rule changes: the next ingest groups again (nothing is re-read or embedded). 3: every English
# council's places are known (assistant.places), not only those of the corpora it was built on.
GROUPING_VERSION = 3
NEIGHBOURS = 8  # nearest passages looked at for each passage
MIN_SIMILARITY = 0.9  # cosine of two passages' vectors for their words to be compared
MIN_SHARE = 0.5  # of the shorter document's passages repeated in the other, for two documents to be versions
MIN_REPEATED = 2  # passages, unless the shorter document has only one
# Each of two documents names some place in this much more of its passages than the other: profiles of two places
# from one template (0.15-0.18 on the council library's; versions 0.03 at most).
MIN_PLACE_DIVERGENCE = 0.1
# Versions give the same figures: at least half of their passages that give 3 or more figures have a close partner
# giving most of the same (two survey reports from one template with other pupils' answers: few do).
MIN_FIGURES, MIN_FIGURE_PASSAGES, MIN_SAME_FIGURES, MOSTLY = 3, 3, 0.5, 0.8
FIGURE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
YEAR = re.compile(r"(?:19|20)\d\d")
CAMEL_OR_SEPARATOR = re.compile(r"(?<=[a-z])(?=[A-Z])|[_\-.]+")
DRAFT = re.compile(r"\bdraft\b|\bconsultation[ _-]?version\b", re.I)


@dataclass(frozen=True)
class VersionGroup:
    """Documents that are versions of one another; ``docs[0]`` leads (its newest final version)."""

    docs: tuple[str, ...]

    @property
    def lead(self) -> str:
        return self.docs[0]


def find_groups(
    chunks: Sequence[Chunk], vectors: np.ndarray, documents: Mapping[str, DocumentInfo]
) -> tuple[VersionGroup, ...]:
    """The groups of versions among the documents of ``chunks`` (row order, with their unit ``vectors``), each
    ordered lead first; documents with no other version are in none."""
    words = [shingles(chunk.text) for chunk in chunks]
    sizes: dict[str, int] = {}  # passages that could repeat (not a header or a caption), per document
    for chunk, held in zip(chunks, words, strict=True):
        sizes[chunk.doc] = sizes.get(chunk.doc, 0) + (len(held) >= MIN_REPEAT_SHINGLES)
    close: dict[tuple[str, str], list[tuple[int, int]]] = {}  # close passages of two documents, by the pair
    for i, j in _close_pairs(chunks, vectors):
        key = (chunks[i].doc, chunks[j].doc) if chunks[i].doc < chunks[j].doc else (chunks[j].doc, chunks[i].doc)
        close.setdefault(key, []).append((i, j))
    parent = {doc: doc for doc in sizes}

    def root(doc: str) -> str:
        while parent[doc] != doc:
            parent[doc] = parent[parent[doc]]
            doc = parent[doc]
        return doc

    places = _PlaceShares(chunks)
    for (a, b), pairs in sorted(close.items()):
        if _versions(a, b, pairs, chunks, words, sizes) and not (
            _different_places(a, b, documents)
            or _place_divergence(places.of(a), places.of(b)) >= MIN_PLACE_DIVERGENCE
            or _figures_differ(pairs, chunks)
        ):
            parent[root(b)] = root(a)
    members: dict[str, list[str]] = {}
    for doc in sizes:
        members.setdefault(root(doc), []).append(doc)
    groups = [
        VersionGroup(tuple(sorted(docs, key=lambda d: _lead_order(d, documents.get(d), sizes[d]))))
        for docs in members.values()
        if len(docs) > 1
    ]
    return tuple(sorted(groups, key=lambda g: g.lead))


def is_draft(path: str, info: DocumentInfo | None) -> bool:
    return bool(DRAFT.search(path.replace("_", " ")) or (info is not None and DRAFT.search(info.title)))


def _close_pairs(chunks: Sequence[Chunk], vectors: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of passages (rows, lower first) of two documents whose vectors are close: among each other's
    ``NEIGHBOURS`` nearest, cosine ``MIN_SIMILARITY`` or more."""
    import faiss

    n = len(chunks)
    if n < 2:
        return []
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    index = faiss.IndexFlatIP(data.shape[1])
    index.add(data)
    similarity, neighbours = index.search(data, min(NEIGHBOURS + 1, n))
    return [
        (i, int(j))
        for i in range(n)
        for sim, j in zip(similarity[i], neighbours[i], strict=True)
        if j > i and sim >= MIN_SIMILARITY and chunks[j].doc != chunks[i].doc
    ]


def _versions(
    a: str,
    b: str,
    pairs: Sequence[tuple[int, int]],
    chunks: Sequence[Chunk],
    words: Sequence[set[tuple[str, ...]]],
    sizes: Mapping[str, int],
) -> bool:
    """Of two documents' close passages, those that share most of their words (a repeat) make up at least
    ``MIN_SHARE`` of one document's passages (at least ``MIN_REPEATED`` of each)."""
    seen: dict[str, set[int]] = {a: set(), b: set()}
    for i, j in pairs:
        x, y = words[i], words[j]
        if min(len(x), len(y)) >= MIN_REPEAT_SHINGLES and repeats(x, y):
            seen[chunks[i].doc].add(i)
            seen[chunks[j].doc].add(j)
    if not seen[a] or not seen[b]:
        return False
    share = max(len(seen[a]) / sizes[a], len(seen[b]) / sizes[b])
    return share >= MIN_SHARE and min(len(seen[a]), len(seen[b])) >= min(MIN_REPEATED, sizes[a], sizes[b])


def _figures_differ(pairs: Sequence[tuple[int, int]], chunks: Sequence[Chunk]) -> bool:
    """Two reports filled in from one template with other data: of the passages with close partners in the other
    document that give figures (at least ``MIN_FIGURES``; at least ``MIN_FIGURE_PASSAGES`` such passages), fewer than
    ``MIN_SAME_FIGURES`` have a partner giving mostly the same ones (``MOSTLY`` of the fewer)."""
    same: dict[int, bool] = {}
    for i, j in pairs:
        x, y = _figures(chunks[i].text), _figures(chunks[j].text)
        if min(len(x), len(y)) >= MIN_FIGURES:
            agree = len(x & y) >= MOSTLY * min(len(x), len(y))
            for row in (i, j):
                same[row] = same.get(row, False) or agree
    return len(same) >= MIN_FIGURE_PASSAGES and sum(same.values()) < MIN_SAME_FIGURES * len(same)


def _figures(text: str) -> set[str]:
    """The numbers a passage gives, without years: "2,310", "14.2"."""
    return {m.replace(",", "") for m in FIGURE.findall(text) if not YEAR.fullmatch(m)}


class _PlaceShares:
    """The share of each document's passages that name each place, worked out when first asked."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.chunks = chunks
        self.shares: dict[str, dict[str, float]] = {}

    def of(self, doc: str) -> dict[str, float]:
        if doc not in self.shares:
            rows = [chunk for chunk in self.chunks if chunk.doc == doc]
            counts: dict[str, int] = {}
            for chunk in rows:
                for place in {p.lower() for p in places_in(chunk.text)}:
                    counts[place] = counts.get(place, 0) + 1
            self.shares[doc] = {place: n / len(rows) for place, n in counts.items()}
        return self.shares[doc]


def _different_places(a: str, b: str, documents: Mapping[str, DocumentInfo]) -> bool:
    """Both titles, or both file names, name places, and not the same ones: profiles of two districts."""

    def named(doc: str) -> tuple[set[str], set[str]]:
        info = documents.get(doc)
        stem = CAMEL_OR_SEPARATOR.sub(" ", Path(doc).stem)  # "MidSussex_profile" -> "Mid Sussex profile"
        title = {p.lower() for p in places_in(info.title)} if info else set()
        return title, {p.lower() for p in places_in(stem)}

    return any(x and y and x != y for x, y in zip(named(a), named(b), strict=True))


def _place_divergence(a: dict[str, float], b: dict[str, float]) -> float:
    """How far each of two documents is about a place the other is not: the smaller of (the most that some place's
    share of passages in ``a`` exceeds its share in ``b``) and the same the other way."""
    places = set(a) | set(b)
    over_a = max((a.get(p, 0.0) - b.get(p, 0.0) for p in places), default=0.0)
    over_b = max((b.get(p, 0.0) - a.get(p, 0.0) for p in places), default=0.0)
    return min(over_a, over_b)


def _lead_order(path: str, info: DocumentInfo | None, size: int) -> tuple[bool, int, int, str]:
    """Sort key, lead first: a final before a draft, the newest year, the most passages, then the path."""
    year = info.year if info is not None and info.year else 0
    return (is_draft(path, info), -year, -size, path)
