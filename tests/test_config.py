"""Settings: defaults, then file, then environment, then flags; invalid values explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings, load_settings
from assistant.errors import ConfigError


def test_precedence_defaults_file_environment_flags(tmp_path: Path) -> None:
    config = tmp_path / "jsna.toml"
    config.write_text('[jsna]\ncorpus = "docs"\nindex = "built"\nk = 5\nchunk_tokens = 150\n')
    env = {"JSNA_INDEX": "/srv/index", "JSNA_K": "12"}
    settings = load_settings({"k": 3, "corpus": None}, environ=env, config_file=config)
    assert settings.corpus == tmp_path / "docs"  # relative to the config file
    assert settings.index == Path("/srv/index")  # environment beats file
    assert settings.k == 3  # flag beats environment; an unset flag (None) changes nothing
    assert settings.chunk_tokens == 150
    assert load_settings(environ={}) == Settings()


def test_config_file_from_environment(tmp_path: Path) -> None:
    config = tmp_path / "other.toml"
    config.write_text("max_file_mb = 5\n")
    assert load_settings(environ={"JSNA_CONFIG": str(config)}).max_file_mb == 5.0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"JSNA_K": "many"}, "invalid value"),
        ({"JSNA_CHUNK_TOKENS": "8"}, "at least 32"),
        ({"JSNA_CONFIG": "/nonexistent/jsna.toml"}, "does not exist"),
        ({"JSNA_PARSE_MEMORY_MB": "100"}, "at least 256"),
        ({"JSNA_PARSE_TIMEOUT_S": "0"}, "parse_timeout_s positive"),
        ({"JSNA_PARSE_WORKERS": "-1"}, "parse_workers must be >= 0"),
        ({"JSNA_BACKEND": "tensorflow"}, "backend must be one of openvino, onnx-int8, onnx, torch"),
    ],
)
def test_invalid_settings_are_explained(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=env)


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "jsna.toml"
    config.write_text("chunk_size = 100\n")
    with pytest.raises(ConfigError, match="Unknown setting 'chunk_size'"):
        load_settings(environ={}, config_file=config)
