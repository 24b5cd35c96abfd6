"""JSON-lines logs: appended whole from many threads at once, read back past a torn line."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from assistant import logs


def test_many_writers_append_whole_lines_and_a_torn_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "index" / "events.jsonl"
    assert logs.read(path) == []
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: logs.append(path, {"n": n, "text": "é" * 200}), range(64)))
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"n": 64, "text": "cut off by a cra')  # a torn last line
    entries = logs.read(path)
    assert sorted(entry["n"] for entry in entries) == list(range(64))
    assert all(entry["text"] == "é" * 200 for entry in entries)
