"""Append-only JSON-lines logs beside the index (the gaps log, the staff audit log): one JSON object a line,
appended under a file lock, so many server threads or processes can write at once; read back skipping a line that
cannot be read (a torn write)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from filelock import FileLock


def append(path: Path, entry: dict[str, Any]) -> None:
    """Add ``entry`` as the last line of the log at ``path`` (made, with its folder, if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, ensure_ascii=False)
    with FileLock(str(path) + ".lock", timeout=10), path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def read(path: Path) -> list[dict[str, Any]]:
    """The log's entries, oldest first; none when there is no log."""
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries
