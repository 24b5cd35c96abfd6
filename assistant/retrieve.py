"""Question -> ranked passages (:class:`Hit`) from the live index.

Dense search: the question is embedded with the same model as the chunks and matched by inner product
(cosine, the vectors being normalised) with FAISS.
"""

from __future__ import annotations

from assistant import store
from assistant.config import Settings
from assistant.embed import Embedder
from assistant.model import Hit


class Retriever:
    """Searches the live index and picks up a rebuilt one (a new ``CURRENT``) on the next query."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._snapshot: store.Snapshot | None = None

    @property
    def snapshot(self) -> store.Snapshot:
        live = store.current_version(self.settings.index)
        if self._snapshot is None or self._snapshot.version != live:
            self._snapshot = store.load(self.settings.index, expect=self.settings.chunking())
        return self._snapshot

    def search(self, question: str, k: int | None = None) -> list[Hit]:
        question = " ".join(question.split())
        if not question:
            return []
        snapshot = self.snapshot
        vector = self.embedder.embed([question])[0]
        return [Hit(snapshot.chunks[row], score) for row, score in snapshot.search(vector, k or self.settings.k)]
