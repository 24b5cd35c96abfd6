"""Lexical (BM25) scoring over the chunks, with bm25s. Catches what MiniLM misses: acronyms, place names,
figures, rare terms. Built from all chunks whenever an index version is written (about 1 s per 10^4 chunks,
no embedding involved), saved beside the vectors, loaded with them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.model import Chunk


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(words: Sequence[str]) -> list[str]:
    """Each word's stem, as the index stems it."""
    return list(_stemmer().stemWords(list(words)))


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(), show_progress=False, return_ids=False)


def lexical_text(chunk: Chunk) -> str:
    """What BM25 matches against: the passage with its document title and section."""
    return f"{chunk.title}\n{chunk.section}\n{chunk.text}"


# Words that shape a question but carry no topic ("how many", "what does ... mean"), stemmed like the index.
QUESTION_WORDS = frozenset(
    "how mani much what which whi where when who whom whose doe do did is are was were can could should would will "
    "tell me show give number list find explain mean meant".split()
)


def question_words(query: str) -> list[str]:
    """The question's distinct content words, stemmed like the index, without the words that shape a question."""
    return [t for t in dict.fromkeys(tokenize([query])[0]) if t not in QUESTION_WORDS]


def topic_words(query: str, places: Sequence[str]) -> list[str]:
    """:func:`question_words` without the words of the ``places`` the question names: what it is about."""
    place_words = {token for tokens in tokenize(list(places)) for token in tokens} if places else set()
    return [word for word in question_words(query) if word not in place_words]


EMPTY = "EMPTY"  # marker file: an index of no chunks (bm25s cannot save one)


@dataclass(frozen=True)
class Coverage:
    """How well the top passages cover a question's content words."""

    share: float = 1.0  # of its words, those found in any of the passages
    unmatched: tuple[str, ...] = ()  # its distinctive words (in at most ``rare_df`` chunks, or none) found in none
    focus: float = 1.0  # of its topic (words other than place names, each weighted by IDF), the most one passage holds


FULL_COVERAGE = Coverage()


class Lexical:
    def __init__(self, bm25: Any | None) -> None:
        self.bm25 = bm25

    @classmethod
    def build(cls, chunks: Sequence[Chunk]) -> Lexical:
        return cls.build_texts([lexical_text(c) for c in chunks])

    @classmethod
    def build_texts(cls, texts: Sequence[str]) -> Lexical:
        if not texts:
            return cls(None)
        import bm25s

        bm25 = bm25s.BM25()
        bm25.index(tokenize(texts), show_progress=False)
        return cls(bm25)

    def save(self, folder: Path) -> None:
        if self.bm25 is None:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / EMPTY).write_text("no chunks\n", encoding="utf-8")
        else:
            self.bm25.save(str(folder))

    @classmethod
    def load(cls, folder: Path) -> Lexical:
        if (folder / EMPTY).is_file():
            return cls(None)
        import bm25s

        return cls(bm25s.BM25.load(str(folder)))

    def document_frequency(self, token: str) -> int:
        """How many chunks contain ``token`` (a stemmed token from :func:`tokenize`)."""
        if self.bm25 is None or token not in self.bm25.vocab_dict:
            return 0
        column = self.bm25.vocab_dict[token]
        indptr = self.bm25.scores["indptr"]
        return int(indptr[column + 1] - indptr[column])

    def coverage(self, query: str, texts: Sequence[str], rare_df: int, places: Sequence[str] = ()) -> Coverage:
        """How well ``texts`` (the top passages) cover ``query``; ``places`` (names it mentions) are left out of
        the focus, which asks whether one passage is about what the question is about, wherever."""
        words = question_words(query)
        if not words:
            return FULL_COVERAGE
        found = [set(tokens) for tokens in tokenize(list(texts))]
        anywhere = set().union(*found)
        share = sum(word in anywhere for word in words) / len(words)
        unmatched = tuple(w for w in words if w not in anywhere and self.document_frequency(w) <= rare_df)
        weights = {w: self.idf(w) for w in topic_words(query, places)}
        total = sum(weights.values())
        if not total:  # nothing but place names (or an empty index): the focus says nothing
            return Coverage(share, unmatched)
        focus = max((sum(v for w, v in weights.items() if w in text) / total for text in found), default=0.0)
        return Coverage(share, unmatched, focus)

    def presence(self, query: str, size: int) -> np.ndarray:
        """For every chunk, the share of the question's content words it holds (title and section included), each
        word weighted by IDF; read from the index, nothing tokenized but the question."""
        out = np.zeros(size, dtype=np.float32)
        weights = self._shares(query)
        if self.bm25 is None:
            return out
        indptr, indices = self.bm25.scores["indptr"], self.bm25.scores["indices"]
        for word, share in weights.items():
            column = self.bm25.vocab_dict.get(word)
            if column is not None and column + 1 < len(indptr):
                out[indices[indptr[column] : indptr[column + 1]]] += share
        return out

    def overlap(self, query: str, texts: Sequence[str]) -> list[float]:
        """For each of ``texts``, the share of the question's content words it holds, each word weighted by IDF
        (0 when the question has none)."""
        weights = self._shares(query)
        if not weights or not texts:
            return [0.0] * len(texts)
        return [
            float(sum(share for w, share in weights.items() if w in held)) for held in map(set, tokenize(list(texts)))
        ]

    def _shares(self, query: str) -> dict[str, float]:
        """The question's content words, each with its share of their summed IDF (empty when that is 0)."""
        weights = {w: self.idf(w) for w in question_words(query)}
        total = sum(weights.values())
        return {w: v / total for w, v in weights.items()} if total else {}

    def idf(self, token: str) -> float:
        """Inverse document frequency: log((N + 1) / (df + 1)), highest for a word in no chunk."""
        n = 0 if self.bm25 is None else int(self.bm25.scores["num_docs"])
        return math.log((n + 1) / (self.document_frequency(token) + 1))

    def scores(self, query: str, size: int) -> np.ndarray:
        """BM25 score of every chunk for ``query`` (zeros when no query term is in the corpus)."""
        tokens = tokenize([query])[0]
        if not tokens or size == 0 or self.bm25 is None:
            return np.zeros(size, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)
