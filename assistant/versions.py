"""Versions and near-copies: documents of the library that hold the same text, found at ingest and grouped.

A JSNA team's library holds the draft and the final, the designed and the plain-text edition, an executive summary
restating its report, a renamed copy. Two documents are versions of one another when a good share of the passages
of one are repeated in the other: a passage is repeated when its vector is close to one of the other document's
(the chunk vectors are already there: one exact inner-product search over them) *and* its words are (4-word
shingles, as the page merging at search time compares them). The words matter: district profiles written from one
template are close in meaning passage by passage but differ in their place names and figures, so they are not
versions, and documents whose titles name different places never are.

Each group is led by its newest final version (not a draft; the latest year; then the longest), which results
show first; the others are listed as "also in" beside a repeated passage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.glossary import places_in
from assistant.model import Chunk, DocumentInfo
from assistant.text import shingles

NEIGHBOURS = 8  # nearest passages looked at for each passage
MIN_SIMILARITY = 0.9  # cosine of two passages' vectors for their words to be compared
MIN_OVERLAP = 0.6  # shared shingles / the shorter passage's shingles, for a passage to repeat another
MIN_SHINGLES = 8  # a passage this long or longer (about 11 words) can repeat; a header or a caption cannot
MIN_SHARE = 0.5  # of the shorter document's passages repeated in the other, for two documents to be versions
MIN_REPEATED = 2  # passages, unless the shorter document has only one
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
    pairs = _repeated_pairs(chunks, vectors, words)
    sizes: dict[str, int] = {}  # passages that could repeat (not a header or a caption), per document
    for chunk, held in zip(chunks, words, strict=True):
        sizes[chunk.doc] = sizes.get(chunk.doc, 0) + (len(held) >= MIN_SHINGLES)
    repeats: dict[tuple[str, str], dict[str, set[int]]] = {}
    for i, j in pairs:
        a, b = sorted((chunks[i].doc, chunks[j].doc))
        seen = repeats.setdefault((a, b), {a: set(), b: set()})
        seen[chunks[i].doc].add(i)
        seen[chunks[j].doc].add(j)
    parent = {doc: doc for doc in sizes}

    def root(doc: str) -> str:
        while parent[doc] != doc:
            parent[doc] = parent[parent[doc]]
            doc = parent[doc]
        return doc

    for (a, b), seen in sorted(repeats.items()):
        share = max(len(seen[a]) / sizes[a], len(seen[b]) / sizes[b])  # sizes are >= 1: each has a repeat
        shorter = min(sizes[a], sizes[b])
        if share < MIN_SHARE or min(len(seen[a]), len(seen[b])) < min(MIN_REPEATED, shorter):
            continue
        if _different_places(documents.get(a), documents.get(b)):
            continue
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


def _repeated_pairs(
    chunks: Sequence[Chunk], vectors: np.ndarray, words: Sequence[set[tuple[str, ...]]]
) -> list[tuple[int, int]]:
    """Pairs of passages (rows, from two documents) where one repeats the other: close vectors, shared words
    (``words``: each chunk's shingles)."""
    import faiss

    n = len(chunks)
    if n < 2:
        return []
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    similarity, neighbours = index.search(np.ascontiguousarray(vectors, dtype=np.float32), min(NEIGHBOURS + 1, n))
    pairs = []
    for i in range(n):
        for sim, j in zip(similarity[i], neighbours[i], strict=True):
            if j <= i or sim < MIN_SIMILARITY or chunks[j].doc == chunks[i].doc:
                continue  # each pair once, from its lower row
            a, b = words[i], words[j]
            if min(len(a), len(b)) >= MIN_SHINGLES and len(a & b) >= MIN_OVERLAP * min(len(a), len(b)):
                pairs.append((i, int(j)))
    return pairs


def _different_places(a: DocumentInfo | None, b: DocumentInfo | None) -> bool:
    """Both titles name places, and not the same ones: profiles of two districts, not two versions."""
    if a is None or b is None:
        return False
    pa, pb = {p.lower() for p in places_in(a.title)}, {p.lower() for p in places_in(b.title)}
    return bool(pa) and bool(pb) and pa != pb


def _lead_order(path: str, info: DocumentInfo | None, size: int) -> tuple[bool, int, int, str]:
    """Sort key, lead first: a final before a draft, the newest year, the most passages, then the path."""
    year = info.year if info is not None and info.year else 0
    return (is_draft(path, info), -year, -size, path)
