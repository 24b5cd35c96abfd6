"""The deployment files, checked where Docker and systemd cannot run: the Dockerfile installs exactly what
pyproject.toml declares, the systemd unit and the proxy serve the app as docs/deploy.md says."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet

from assistant.cli import serve_flags
from assistant.config import Settings

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _pip_installs() -> list[list[str]]:
    """The packages each `pip install` of the Dockerfile names (options and their values left out)."""
    args = dict(re.findall(r"ARG (\w+)=(\S+)", DOCKERFILE))
    installs = []
    for kind, arguments in _instructions():
        if kind != "RUN":
            continue
        for command in (part.strip() for part in arguments.split("&&")):
            if not command.startswith("pip "):
                continue
            words = shlex.split(re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], command))
            if words[:2] == ["pip", "install"]:
                named, skip = [], False
                for word in words[2:]:
                    if skip:
                        skip = False
                    elif word in ("--index-url", "--extra-index-url", "-r", "-c"):
                        skip = True
                    elif not word.startswith("-"):
                        named.append(word)
                installs.append(named)
    return installs


def test_the_dockerfile_installs_exactly_what_pyproject_declares() -> None:
    torch = next(d for d in PROJECT["dependencies"] if d.startswith("torch"))
    assert _pip_installs() == [[torch], ["."]]  # torch at the project's pin (CPU index), then the project
    copied = [arguments for kind, arguments in _instructions() if kind == "COPY"]
    assert any(arguments.startswith("pyproject.toml") for arguments in copied)
    assert not re.search(r"pip install[^\n]*\.\[", DOCKERFILE)  # no dev or peer extras


def test_the_image_s_python_is_one_the_project_accepts_and_it_has_tesseract() -> None:
    base = next(arguments for kind, arguments in _instructions() if kind == "FROM")
    version = re.match(r"python:(\d+\.\d+)", base)
    assert version and version[1] in SpecifierSet(PROJECT["requires-python"])
    assert "tesseract-ocr" in DOCKERFILE  # as `make ocr` installs it
    assert "HEALTHCHECK" in DOCKERFILE and "/_stcore/health" in DOCKERFILE
    command = next(arguments for kind, arguments in _instructions() if kind == "CMD")
    assert "jsna serve" in command and "jsna ingest" in command
    assert "VOLUME /data" in DOCKERFILE and "JSNA_INDEX=/data/index" in DOCKERFILE


def test_the_systemd_unit_serves_with_the_settings_file_and_logs_to_the_journal() -> None:
    unit = (REPO / "deploy" / "jsna-assistant.service").read_text(encoding="utf-8")
    assert re.search(r"^ExecStart=\S+/jsna serve$", unit, re.M)
    assert "Environment=JSNA_CONFIG=/etc/jsna-assistant/jsna.toml" in unit
    assert "StandardOutput=journal" in unit and "Restart=on-failure" in unit


def test_the_proxy_passes_websockets_to_the_path_the_app_is_served_under() -> None:
    proxy = (REPO / "deploy" / "nginx-jsna.conf").read_text(encoding="utf-8")
    assert "proxy_set_header Upgrade $http_upgrade;" in proxy and 'Connection "upgrade"' in proxy
    location = re.search(r"location (\S+) \{", proxy)
    upstream = re.search(r"proxy_pass http://([\d.]+):(\d+)(\S*);", proxy)
    assert location and upstream
    flags = serve_flags(Settings(base_url_path="jsna"))
    pairs = dict(zip(flags[::2], flags[1::2], strict=True))
    assert location[1] == upstream[3] == f"/{pairs['--server.baseUrlPath']}/"
    assert (upstream[1], upstream[2]) == (pairs["--server.address"], pairs["--server.port"])
    documented = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert "deploy/nginx-jsna.conf" in documented and "deploy/jsna-assistant.service" in documented


def test_a_plain_streamlit_run_is_served_as_jsna_serve_serves_it() -> None:
    """.streamlit/config.toml holds what `jsna serve` passes that does not come from the settings."""
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    flags = serve_flags(Settings())
    pairs = dict(zip(flags[::2], flags[1::2], strict=True))
    for key in (
        "server.headless",
        "server.enableXsrfProtection",
        "server.fileWatcherType",
        "runner.postScriptGC",
        "client.toolbarMode",
        "client.showErrorDetails",
        "browser.gatherUsageStats",
        "server.maxUploadSize",
    ):
        section, name = key.split(".")
        assert str(config[section][name]).lower() == pairs[f"--{key}"], key
