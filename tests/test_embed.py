"""The embedder: the bundled model's folder, its word list, token counts, unit vectors; errors with advice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.config import BUNDLED_MODEL, Settings
from assistant.embed import SentenceTransformerEmbedder, load_embedder, model_path, model_words
from assistant.errors import ModelError


def test_the_bundled_model_is_a_local_folder() -> None:
    assert (model_path(BUNDLED_MODEL) / "tokenizer.json").is_file()


def test_a_hub_name_is_refused_with_advice(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="neither the bundled") as error:
        model_path("sentence-transformers/all-mpnet-base-v2")
    assert "JSNA_MODEL" in error.value.advice


def test_the_word_list_is_the_configured_models() -> None:
    words = model_words(BUNDLED_MODEL)
    assert {"commissioning", "neighbours", "different"} <= words
    assert all(word.isalpha() and word.isascii() for word in words)
    assert model_words("no-such-model") == frozenset()


def test_loading_is_lazy_and_counting_needs_no_weights() -> None:
    embedder = load_embedder(Settings(threads=1))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    counts = embedder.count_tokens(["smoking prevalence", "dental caries in five-year-olds"])
    assert counts[0] == 2 and counts[1] > counts[0]
    assert "_model" not in vars(embedder)  # the network itself was never loaded
    assert embedder.window == 256 and embedder.dimension == 384


@pytest.mark.real
def test_vectors_are_unit_length_and_meaning_is_closer_than_words() -> None:
    embedder = SentenceTransformerEmbedder(threads=1)
    vectors = embedder.embed(["tooth decay in children", "dental caries in five-year-olds", "bus timetable"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert embedder.embed([]).shape == (0, 384)
