"""Documents (and the indicator table) read by an ingest that did not finish, kept so that running it again reads
only what it had not read.

Reading is the part of an ingest that is not embedding (:mod:`assistant.embed_cache` keeps the vectors): on 2 cores
about 8 s of a 145 s ingest of 40 PDFs and 14 indicator files, 17 s of the library's, which a run after a crash at
90% would otherwise spend again. Each document is kept as it is read, by its content's hash, in
``index/.parsed/<key>/`` (the key: what reading depends on, so a change in it reads everything again), as JSON
written whole or not at all; the indicator table as Parquet, by the hashes of its files. Never read by a search;
removed once an ingest has written its version or found nothing to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from assistant.model import Block, Page, SkippedFile
from assistant.parse import ParsedDocument

FOLDER = ".parsed"


class ParsedCache:
    """The documents read, under one key, by ingests that did not finish."""

    def __init__(self, index: Path, key: dict[str, object]) -> None:
        digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
        self.root = index / FOLDER
        self.folder = self.root / digest
        if self.root.is_dir():
            for other in self.root.iterdir():
                if other.name != digest:
                    shutil.rmtree(other, ignore_errors=True)

    def get(self, sha256: str) -> ParsedDocument | None:
        path = self.folder / f"{sha256}.json"
        try:
            return _from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, IndexError):  # not ours, or from another version: read again
            path.unlink(missing_ok=True)
            return None

    def add(self, sha256: str, parsed: ParsedDocument) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{uuid.uuid4().hex}.partial"
        partial.write_text(json.dumps(_to_json(parsed), ensure_ascii=False), encoding="utf-8")
        os.replace(partial, self.folder / f"{sha256}.json")

    def get_table(self, files: dict[str, str]) -> tuple[pd.DataFrame, list[SkippedFile]] | None:
        """The indicator table read from ``files`` (path -> content hash), and the files or sheets it skipped."""
        table, skipped = self._table_paths(files)
        try:
            reasons = json.loads(skipped.read_text(encoding="utf-8"))
            return pd.read_parquet(table), [SkippedFile(str(path), str(reason)) for path, reason in reasons]
        except FileNotFoundError:
            return None
        except Exception:  # torn or foreign: read the files again
            skipped.unlink(missing_ok=True)
            return None

    def add_table(self, files: dict[str, str], table: pd.DataFrame, skipped: list[SkippedFile]) -> None:
        table_path, skipped_path = self._table_paths(files)
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{uuid.uuid4().hex}.partial"
        table.to_parquet(partial, index=False)
        os.replace(partial, table_path)
        partial.write_text(json.dumps([[s.path, s.reason] for s in skipped]), encoding="utf-8")
        os.replace(partial, skipped_path)  # last: the table is whole once this is there

    def _table_paths(self, files: dict[str, str]) -> tuple[Path, Path]:
        digest = hashlib.sha1(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
        return self.folder / f"indicators-{digest}.parquet", self.folder / f"indicators-{digest}.skipped.json"


def discard_parsed(index: Path) -> None:
    """Remove what ingests of the index folder ``index`` kept of the documents they read."""
    shutil.rmtree(index / FOLDER, ignore_errors=True)


def _to_json(parsed: ParsedDocument) -> dict[str, Any]:
    return {
        "pages": [[page.number, page.ocr, [[b.text, b.heading] for b in page.blocks]] for page in parsed.pages],
        "paged": parsed.paged,
        "title": parsed.title,
        "created": parsed.created,
    }


def _from_json(data: dict[str, Any]) -> ParsedDocument:
    pages = tuple(
        Page(int(number), tuple(Block(str(text), int(heading)) for text, heading in blocks), bool(ocr))
        for number, ocr, blocks in data["pages"]
    )
    return ParsedDocument(pages, bool(data["paged"]), str(data["title"]), str(data["created"]))
