"""Indicator files -> one long table, one row per (indicator, area, sex, age, category, period).

``load_folder(corpus/indicators, corpus)`` reads every ``.csv``, ``.json`` and ``.xlsx`` file and returns the
table (columns :data:`~assistant.indicators.schema.COLUMNS`) and the files or workbook sheets it could not use,
each with a reason.

What is understood:

- CSV and JSON exports in every dialect (Fingertips' three column spellings, tidy CSVs, the Trafford "themes"
  layout, JSON records with England's figures as comparator columns): :mod:`assistant.indicators.tidy`.
- XLSX workbooks, sheet by sheet: :mod:`assistant.indicators.workbook`; wide data sheets are melted by
  :mod:`assistant.indicators.wide`.
- A sidecar ``NAME.meta.json`` next to any file gives what the file lacks; its format is in
  :mod:`assistant.indicators.tidy`.

``load_folder`` also gives an area named without a code (workbooks) the code the other files give that name, when
they agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import pandas as pd

from assistant.errors import DocumentError
from assistant.indicators.schema import COLUMNS, area_types, empty_table
from assistant.indicators.tidy import SIDECAR, read_sidecar, read_tidy
from assistant.indicators.workbook import read_workbook
from assistant.model import SkippedFile

INDICATOR_SUFFIXES = (".csv", ".json", ".xlsx")
# Raised when the loader reads files differently, so that the next ingest reloads unchanged indicator files.
LOADER_VERSION = 7  # 7: a confidence limit listed as an indicator of its own ("LCLsmoke") is dropped

Loaded = tuple[pd.DataFrame, list[SkippedFile]]  # a file's rows, and the workbook sheets it could not use
# Reads files ``(path, rel)`` in order: each one's rows, or the DocumentError that says why there are none.
FileLoader = Callable[[Sequence[tuple[Path, str]]], Iterable[Loaded | DocumentError]]


def load_folder(
    folder: Path, corpus_root: Path, load: FileLoader | None = None
) -> tuple[pd.DataFrame, list[SkippedFile]]:
    """Every indicator file under ``folder`` in one table, exact duplicates (the same rows from the JSON and the
    CSV of one extract) dropped, and the files or sheets that could not be used, each with its reason. ``load``
    reads the files (default: one after another, here; an ingest reads them in a worker process, bounded in time
    and memory as documents are: :func:`read_file`)."""
    frames: list[pd.DataFrame] = []
    skipped: list[SkippedFile] = []
    files = [(path, path.relative_to(corpus_root).as_posix()) for path in indicator_data_files(folder)]
    for (_, rel), loaded in zip(files, (load or _load_here)(files), strict=True):
        if isinstance(loaded, DocumentError):
            skipped.append(SkippedFile(rel, " ".join(filter(None, (loaded.reason, loaded.advice)))))
            continue
        frame, sheets = loaded
        frames.append(frame)
        skipped.extend(sheets)
    table = _fill_area_codes(pd.concat(frames, ignore_index=True)) if frames else empty_table()
    keys = [c for c in COLUMNS if c != "source"]
    return table.drop_duplicates(subset=keys, keep="first").reset_index(drop=True), skipped


def _load_here(files: Sequence[tuple[Path, str]]) -> Iterator[Loaded | DocumentError]:
    for path, rel in files:
        try:
            yield load_file(path, rel)
        except DocumentError as error:
            yield error


def read_file(path: Path, max_mb: float, rel: str, vocabulary: frozenset[str]) -> Loaded:
    """:func:`load_file` as a worker process's reader (:func:`assistant.parse_pool.read_files`); indicator files
    have no size limit (``max_mb``) and no words to mend (``vocabulary``)."""
    return load_file(path, rel)


def _fill_area_codes(table: pd.DataFrame) -> pd.DataFrame:
    """Workbooks name areas without codes; an area name that the other files code one way only takes that
    code, and its area type when the file gave none."""
    coded = table[table["area_code"] != ""]
    codes = coded.groupby(coded["area_name"].str.lower())["area_code"].unique()
    known = {name: found[0] for name, found in codes.items() if len(found) == 1}
    missing = (table["area_code"] == "") & (table["area_name"] != "")
    filled = table.loc[missing, "area_name"].str.lower().map(known).dropna()
    if filled.empty:
        return table
    table.loc[filled.index, "area_code"] = filled.astype(str)
    for _, rows in table.loc[filled.index].groupby("source"):
        whole = table[table["source"] == rows["source"].iloc[0]]
        untyped = whole["area_type"] == ""
        table.loc[whole.index[untyped], "area_type"] = pd.Series(area_types(whole), index=whole.index)[untyped]
    return table


def indicator_data_files(folder: Path) -> list[Path]:
    """The data files under ``folder``: not hidden, not README, not sidecars, not Excel lock files."""
    if not folder.is_dir():
        return []
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.suffix.lower() in INDICATOR_SUFFIXES
        and not path.name.lower().endswith(SIDECAR)
        and not path.name.lower().startswith(("readme", "~$"))
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    ]


def load_file(path: Path, rel: str) -> tuple[pd.DataFrame, list[SkippedFile]]:
    """One indicator file as rows of the long table, and the workbook sheets it could not use, each with its
    reason. ``rel`` (the path under the corpus root) names the file in ``source`` and in errors. Raises
    :class:`DocumentError` when the file cannot be used at all."""
    sidecar = read_sidecar(path, rel)
    if path.suffix.lower() == ".xlsx":
        return read_workbook(path, rel, sidecar)
    return read_tidy(path, rel, sidecar), []


def file_citation(path: Path, rel: str) -> dict[str, str]:
    """What the file says of its own reference: its sidecar's ``title``, ``publisher`` and ``year``, else a
    workbook's title and ``created`` year (its document properties). Empty where it says nothing."""
    try:
        citation = dict(read_sidecar(path, rel).citation)
    except DocumentError:
        citation = {}
    if path.suffix.lower() == ".xlsx" and "title" not in citation:
        try:
            from openpyxl import load_workbook

            properties = load_workbook(path, read_only=True).properties
        except Exception:  # noqa: BLE001 - a workbook that cannot be read is reported by load_file, not here
            return citation
        if properties.title and properties.title.strip():
            citation.setdefault("title", properties.title.strip())
        if properties.created is not None:
            citation["created"] = str(properties.created.year)
    return citation
