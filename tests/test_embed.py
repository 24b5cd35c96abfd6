"""The embedder: the bundled model's folder, its word list, token counts, unit vectors; errors with advice."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from assistant.config import BUNDLED_MODEL, Settings
from assistant.embed import (
    BULK_TEXTS,
    CPU_BATCH,
    GPU_BATCH,
    ONNX_BATCH,
    OPENVINO_BATCH,
    OnnxEmbedder,
    OpenVinoSession,
    SentenceTransformerEmbedder,
    load_embedder,
    model_path,
    model_words,
    onnx_file,
    pool_parts,
    weights_key,
)
from assistant.errors import ConfigError, ModelError


def test_the_bundled_model_is_a_local_folder() -> None:
    assert (model_path(BUNDLED_MODEL) / "tokenizer.json").is_file()


def test_a_hub_name_is_refused_with_advice(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="neither the bundled") as error:
        model_path("sentence-transformers/all-mpnet-base-v2")
    assert "JSNA_MODEL" in error.value.advice


def test_parts_are_pooled_from_the_tokens_inside_them_however_they_are_spaced() -> None:
    text = "Heading\n\nFalls rose  to 610.\n Hip   fractures fell. Falls rose to 610."
    tokens = [m.span() for m in re.finditer(r"\w+|[^\w\s]", text)]
    offsets = np.array([(0, 0), *tokens, (0, 0)])  # special tokens at either end have no characters
    states = np.random.default_rng(0).normal(size=(len(offsets), 8)).astype(np.float32)
    parts = ["Falls rose to 610.", "Hip fractures\nfell.", "Falls rose to 610.", "Not in the text."]
    pooled = pool_parts(states, offsets, text, parts)

    def mean_of(first: int, last: int) -> np.ndarray:
        inside = [n for n, (a, b) in enumerate(offsets) if b > a and a < last and b > first]
        mean = states[inside].mean(0)
        return mean / np.linalg.norm(mean)

    assert np.allclose(pooled[0], mean_of(text.index("Falls"), text.index("610.") + 4))
    assert np.allclose(pooled[1], mean_of(text.index("Hip"), text.index("fell.") + 5))
    assert np.allclose(pooled[2], mean_of(text.rindex("Falls"), len(text)))  # the next one, in order
    assert pooled[3] is None


def test_the_word_list_is_the_configured_models() -> None:
    words = model_words(BUNDLED_MODEL)
    assert {"commissioning", "neighbours", "different"} <= words
    assert all(word.isalpha() and word.isascii() for word in words)
    assert model_words("no-such-model") == frozenset()


def test_loading_is_lazy_and_counting_needs_no_weights() -> None:
    for backend, kind in (
        ("torch", SentenceTransformerEmbedder),
        ("onnx-int8", OnnxEmbedder),
        ("onnx", OnnxEmbedder),
        ("openvino", OnnxEmbedder),
    ):
        embedder = load_embedder(Settings(threads=1, backend=backend))
        assert type(embedder) is kind
        counts = embedder.count_tokens(["smoking prevalence", "dental caries in five-year-olds"])
        assert counts[0] == 2 and counts[1] > counts[0]
        assert embedder.window == 256 and embedder.dimension == 384
        if kind is OnnxEmbedder:
            assert embedder.embed([]).shape == (0, 384)  # nothing to embed
        assert not {"_model", "_session", "_bulk_session"} & set(vars(embedder))  # no network loaded


def test_batches_are_small_on_a_cpu_unless_set() -> None:
    assert OnnxEmbedder(threads=1, backend="onnx").batch == ONNX_BATCH == 1  # without loading the model
    assert OnnxEmbedder(threads=1, backend="openvino").batch == OPENVINO_BATCH == 8
    assert load_embedder(Settings(threads=1, batch_size=16)).batch == 16
    with pytest.raises(ConfigError, match="batch_size"):
        Settings(batch_size=-1)


@pytest.mark.real
def test_neither_the_batch_size_nor_batches_run_at_once_change_the_vectors() -> None:
    texts = ["Smoking prevalence in Adur fell to 12 per cent in 2019.", "dental caries", "word " * 300, "falls"] * 3
    small, large = (OnnxEmbedder(threads=1, batch_size=n).embed(texts) for n in (1, 16))
    assert float((small * large).sum(axis=1).min()) > 0.99999
    texts = [f"{i} {text}" for i, text in enumerate(texts * 4)]  # 12 batches, each text in its own row
    done: list[int] = []
    one, three = OnnxEmbedder(threads=1).embed(texts), OnnxEmbedder(threads=3).embed(texts, done.append)
    assert float((one * three).sum(axis=1).min()) > 0.99999 and sum(done) == len(texts)
    import torch

    assert SentenceTransformerEmbedder(threads=1).batch == (GPU_BATCH if torch.cuda.is_available() else CPU_BATCH)


@pytest.mark.real
def test_vectors_are_unit_length_and_meaning_is_closer_than_words() -> None:
    embedder = SentenceTransformerEmbedder(threads=1)
    vectors = embedder.embed(["tooth decay in children", "dental caries in five-year-olds", "bus timetable"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert embedder.embed([]).shape == (0, 384)


@pytest.mark.real
def test_onnx_backends_agree_with_torch_and_are_made_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    texts = [
        "Smoking prevalence in Adur fell to 12 per cent in 2019.",
        "How many children in Crawley are obese?",
        "word " * 400,  # longer than the window: truncated as torch truncates it
    ]
    reference = SentenceTransformerEmbedder(threads=1).embed(texts)
    # OpenVINO runs an ingest's many texts (BULK_TEXTS or more at once), in bfloat16 where the CPU has it.
    for backend, agreement, copies in (("onnx", 0.9999, 1), ("onnx-int8", 0.98, 1), ("openvino", 0.999, 50)):
        done: list[int] = []
        embedder = OnnxEmbedder(backend=backend, cache=tmp_path, threads=2)
        vectors = embedder.embed(texts * copies, done.append)
        assert vectors.shape == (3 * copies, 384) and sum(done) == 3 * copies
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        assert ((vectors * np.tile(reference, (copies, 1))).sum(axis=1) >= agreement).all()
        assert isinstance(vars(embedder).get("_bulk_session"), OpenVinoSession) == (backend == "openvino")
    # The one wait of a first run is said, once: the int8 file is made from the fp32 one.
    assert sum("Making the ONNX model" in r.getMessage() for r in caplog.records) == 1
    (int8,) = tmp_path.rglob("model-int8.onnx")
    made = int8.stat().st_mtime_ns
    assert OnnxEmbedder(backend="onnx-int8", cache=tmp_path, threads=1).embed(texts[:1]).shape == (1, 384)
    assert int8.stat().st_mtime_ns == made  # found in the cache, not made again
    assert OnnxEmbedder(cache=tmp_path).embed([]).shape == (0, 384)


@pytest.mark.real
def test_sentence_vectors_read_in_their_passage_agree_across_backends(tmp_path: Path) -> None:
    passage = (
        "Falls in older people - Hip fractures\n"
        "Emergency admissions for hip fractures rose to 610 per 100,000 people aged 65 and over.  Each fracture"
        " costs the NHS about 14,000 pounds in acute care. "
    )
    parts = [
        "Emergency admissions for hip fractures rose to 610 per 100,000 people aged 65 and over.",
        "Each fracture costs the NHS about 14,000 pounds in acute care.",  # two spaces before it in the passage
        "A sentence this passage does not hold, about smoking in pregnancy.",
    ]
    last = "The last sentence lies past the model's window."
    long = "word " * 300 + last
    torch = SentenceTransformerEmbedder(threads=1)
    onnx = OnnxEmbedder(cache=tmp_path, threads=1)
    alone = torch.embed(parts)
    torch_read: list[np.ndarray] = []
    for embedder in (torch, onnx):
        told: list[int] = []
        vectors, read = embedder.embed_parts([passage, long], [parts, [last]], told.append)
        assert sum(told) == 2 and read[0].shape == (3, 384) and read[1].shape == (1, 384)
        assert np.allclose(vectors, torch.embed([passage, long]), atol=1e-4)  # the passages' own vectors
        assert np.allclose(np.linalg.norm(read[0], axis=1), 1.0, atol=1e-5)
        similarity = read[0] @ alone.T
        assert similarity[0, 0] > similarity[0, 1] and similarity[1, 1] > similarity[1, 0]  # each is itself
        assert similarity[2, 2] > 0.9999  # not in the passage: embedded alone
        assert read[1][0] @ embedder.embed([last])[0] > 0.9999  # past the window: embedded alone
        if torch_read:
            assert (read[0] * torch_read[0]).sum(axis=1).min() > 0.9999
        torch_read = read
    # OpenVINO computes in bfloat16 where the CPU has it: the same vectors to within cosine 0.999. It runs an
    # ingest's many texts; a question alone runs in ONNX Runtime, which needs less memory.
    openvino = OnnxEmbedder(backend="openvino", cache=tmp_path, threads=2)
    assert openvino.embed(parts[:1]) @ alone[0] > 0.9999 and "_bulk_session" not in vars(openvino)
    copies = BULK_TEXTS // 2
    vectors, read = openvino.embed_parts([passage, long] * copies, [parts, [last]] * copies)
    assert isinstance(vars(openvino)["_bulk_session"], OpenVinoSession)
    assert (vectors * np.tile(torch.embed([passage, long]), (copies, 1))).sum(axis=1).min() > 0.999
    pairs = zip(read, torch_read * copies, strict=True)
    assert all((mine * theirs).sum(axis=1).min() > 0.999 for mine, theirs in pairs)


@pytest.mark.real
def test_without_openvino_onnx_runtime_embeds_an_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def missing(*_: object) -> None:
        raise ImportError("No module named 'openvino'")

    monkeypatch.setattr(OpenVinoSession, "__init__", missing)
    texts = [f"{n} falls admissions" for n in range(BULK_TEXTS)]
    embedder = OnnxEmbedder(backend="openvino", cache=tmp_path, threads=2)
    vectors = embedder.embed(texts)
    assert vectors.shape == (BULK_TEXTS, 384) and vars(embedder)["_bulk_session"] is vars(embedder)["_session"]
    assert any("ONNX Runtime embeds instead" in r.getMessage() for r in caplog.records)


def test_openvino_runs_one_request_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two requests run at once from two threads once hung for good inside OpenVINO: the session never does that."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    import openvino

    running = [0, 0]  # now, most at once

    class Request:
        def infer(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            running[0] += 1
            running[1] = max(running)
            time.sleep(0.005)
            running[0] -= 1
            return {"embedding": feed["input_ids"].astype(np.float32)}

    class Compiled:
        def create_infer_request(self) -> Request:
            return Request()

    class Core:
        def compile_model(self, path: str, device: str, config: dict[str, str]) -> Compiled:
            assert device == "CPU" and config["NUM_STREAMS"] == "1" and config["INFERENCE_NUM_THREADS"] == "2"
            return Compiled()

    monkeypatch.setattr(openvino, "Core", Core)
    session = OpenVinoSession(Path("model.onnx"), 2)
    with ThreadPoolExecutor(4) as pool:
        outputs = list(pool.map(lambda n: session.run(["embedding"], {"input_ids": np.full((1, n), n)}), range(1, 30)))
    assert running[1] == 1 and [int(out[0][0, 0]) for out in outputs] == list(range(1, 30))


def test_the_onnx_cache_is_keyed_by_the_weights_not_by_where_they_are(tmp_path: Path) -> None:
    """A reinstall (a new virtual environment: the same weights in another folder) finds the ONNX files made before;
    other weights do not."""

    def model(folder: str, tail: bytes) -> Path:
        path = tmp_path / folder / "model"
        path.mkdir(parents=True)
        (path / "model.safetensors").write_bytes(b"weights" * 300_000 + tail)
        return path

    first, reinstalled, other = model("venv-1", b"same"), model("venv-2", b"same"), model("venv-3", b"diff")
    assert weights_key(first) == weights_key(reinstalled) != weights_key(other)
    made = tmp_path / "cache" / "onnx" / weights_key(first) / "model.onnx"  # as the first install left it
    made.parent.mkdir(parents=True)
    made.write_bytes(b"onnx")
    assert onnx_file(reinstalled, quantized=False, cache=tmp_path / "cache") == made
