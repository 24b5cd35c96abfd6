"""Indicator files -> one long table: folders, JSON/CSV twins, bad files, every file of the real corpora."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import (
    CAMPYLOBACTER,
    SHARED_CORPUS,
    SHARED_INDICATORS,
    SHIPPED_CORPUS,
    SHIPPED_INDICATORS,
    UPPER_TIER,
    check_indicator_schema,
)

from assistant.errors import DocumentError
from assistant.indicators.load import indicator_data_files, load_file, load_folder


def test_indicator_data_files_leave_out_sidecars_readmes_lock_and_hidden_files(tmp_path: Path) -> None:
    for name in ("a.csv", "a.meta.json", "b.JSON", "c.xlsx", "~$c.xlsx", "README.csv", "notes.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "d.csv").write_text("x", encoding="utf-8")
    assert [path.name for path in indicator_data_files(tmp_path)] == ["a.csv", "b.JSON", "c.xlsx"]


def test_json_and_csv_twins_are_not_counted_twice(tmp_path: Path) -> None:
    folder = tmp_path / "indicators"
    folder.mkdir()
    for suffix in (".csv", ".json"):
        shutil.copy(SHIPPED_INDICATORS / f"{UPPER_TIER}{suffix}", folder)
    from_csv = load_file(folder / f"{UPPER_TIER}.csv", "csv")[0]
    from_json = load_file(folder / f"{UPPER_TIER}.json", "json")[0]
    pd.testing.assert_frame_equal(from_csv.drop(columns="source"), from_json.drop(columns="source"))
    table, skipped = load_folder(folder, tmp_path)
    assert skipped == []
    assert len(table) == len(from_csv)
    assert set(table["source"]) == {f"indicators/{UPPER_TIER}.csv"}  # the first of the twins is kept


def test_bad_files_are_named_and_the_rest_still_loads(tmp_path: Path) -> None:
    folder = tmp_path / "indicators"
    folder.mkdir()
    shutil.copy(SHIPPED_INDICATORS / CAMPYLOBACTER, folder)
    (folder / "empty.csv").write_bytes(b"")
    (folder / "header-only.csv").write_text("area_name,value\n")
    (folder / "broken.xlsx").write_bytes(b"this is not a zip file")
    (folder / "object.json").write_text('{"title": "not records"}')
    notes_only = openpyxl.Workbook()
    notes_only.active.title = "Contents"
    notes_only.save(folder / "notes-only.xlsx")
    (folder / "no-value.csv").write_text("area_name,comment\nAdur,fine\n")
    (folder / ".hidden.csv").write_text("junk")
    (folder / "README.md").write_text("about")
    table, skipped = load_folder(folder, tmp_path)
    assert set(table["source"]) == {f"indicators/{CAMPYLOBACTER}"}
    reasons = {s.path: s.reason for s in skipped}
    assert set(reasons) == {
        f"indicators/{name}"
        for name in ("empty.csv", "header-only.csv", "broken.xlsx", "object.json", "no-value.csv", "notes-only.xlsx")
    }
    assert reasons["indicators/empty.csv"].startswith("the file is empty")
    assert reasons["indicators/broken.xlsx"].startswith("not a readable .xlsx workbook")
    assert "no value column" in reasons["indicators/no-value.csv"]
    assert reasons["indicators/notes-only.xlsx"].startswith("the workbook has no data sheets")
    with pytest.raises(DocumentError) as raised:
        load_file(folder / "broken.xlsx", "indicators/broken.xlsx")
    assert str(raised.value).startswith("indicators/broken.xlsx: not a readable .xlsx workbook")
    assert raised.value.advice


# ------------------------------------------------------------------------------------------- the corpora


def _accounted_for(folder: Path, corpus: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    table, skipped = load_folder(folder, corpus)
    check_indicator_schema(table)
    reasons = {s.path: s.reason for s in skipped}
    assert all(reason.strip() for reason in reasons.values())
    loaded = {source.split("#")[0] for source in table["source"]}
    for path in indicator_data_files(folder):
        rel = path.relative_to(corpus).as_posix()
        sheets = [p for p in reasons if p.split("#")[0] == rel]
        twin_of_loaded = any(re.sub(r"\.(csv|json)$", "", s) == rel.rsplit(".", 1)[0] for s in loaded)
        assert rel in loaded or sheets or twin_of_loaded, f"{rel} neither loaded nor skipped with a reason"
    return table, reasons


def test_every_shipped_file_loads_or_is_skipped_with_a_reason() -> None:
    table, reasons = _accounted_for(SHIPPED_INDICATORS, SHIPPED_CORPUS)
    assert reasons == {}
    assert len(table) > 3000
    assert set(table["polarity"]) <= {"high_is_good", "low_is_good", ""}
    assert set(table["sex"]) == {"Persons", "Male", "Female"}


@pytest.mark.skipif(not SHARED_INDICATORS.is_dir(), reason="shared corpus not present")
def test_whole_shared_corpus() -> None:
    table, reasons = _accounted_for(SHARED_INDICATORS, SHARED_CORPUS)
    assert len(table) > 5000
    child = {p: r for p, r in reasons.items() if "child-health-profile" in p}
    assert child and all("dashboard" in r for r in child.values())  # skipped sheet by sheet, with reasons
    # Its two wide data sheets are melted: the self-harm rate for 10-24s with its CI, count and England's figure.
    harm = table[table["indicator_name"].str.contains("rate of self-harm per 100,000", case=False)]
    adur = harm[(harm["area_name"] == "Adur") & (harm["period"] == "2017/18")].iloc[0]
    assert adur["source"].endswith("#LA data") and adur["area_type"] == "District & UA"
    assert (round(adur["value"]), round(adur["lower_ci"]), round(adur["upper_ci"]), adur["count"]) == (
        737,
        570,
        938,
        67,
    )
    assert (harm["area_name"] == "England").any()
    assert not any(source.endswith(".json") for source in table["source"])  # the CSV twins came first
    assert set(table["sex"]) == {"Persons", "Male", "Female"}
