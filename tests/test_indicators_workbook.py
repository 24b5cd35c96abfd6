"""XLSX workbooks: formatted tables under their titles, metadata sheets, dashboards and hidden sheets."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import SHIPPED_INDICATORS, check_indicator_schema, load_indicator

from assistant.errors import DocumentError
from assistant.indicators import load_folder
from assistant.indicators.tidy import Sidecar
from assistant.indicators.workbook import read_workbook

LE_WORKBOOK = "wsx-jsna-core-life-expectancy-las-2009-2014.xlsx"


def test_formatted_workbook_tables_read_under_their_titles() -> None:
    frame = load_indicator(LE_WORKBOOK)
    check_indicator_schema(frame)
    assert len(frame) == 4 * 10 * 4  # four tables, ten areas, four periods
    sheet = openpyxl.load_workbook(SHIPPED_INDICATORS / LE_WORKBOOK, read_only=True, data_only=True)["Table 1"]
    adur = next(row for row in sheet.iter_rows(values_only=True) if "Adur" in row)
    numbers = [v for v in adur[adur.index("Adur") + 1 :] if isinstance(v, int | float)]
    value, _rank, lower, upper = numbers[:4]  # the first period: life expectancy, rank, 95% CI
    got = frame[
        (frame["source"] == f"indicators/{LE_WORKBOOK}#Table 1")
        & (frame["area_name"] == "Adur")
        & (frame["period"] == "2009 to 2011")
    ].iloc[0]
    assert (got["value"], got["lower_ci"], got["upper_ci"]) == (value, lower, upper)
    assert got["indicator_name"] == "Life Expectancy at birth" and got["sex"] == "Female" and got["unit"] == "years"
    # The sheet called "Table 2" is titled "Table 3: Male Life Expectancy at birth": the title decides.
    table_2 = frame[frame["source"].str.endswith("#Table 2")]
    assert set(table_2["sex"]) == {"Male"} and set(table_2["indicator_name"]) == {"Life Expectancy at birth"}


def _workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    contents = book.active
    contents.title = "Contents"
    contents.append(["Description", "Made-up smoking rates"])
    dashboard = book.create_sheet("Dashboard")
    dashboard.append(["Select Area Type:", "please make a selection"])
    dashboard.append(["Adur", 1, 2, 3])
    words = book.create_sheet("Words")
    words.append(["Nothing here but text"])
    words.append(["More text", "and more"])
    table = book.create_sheet("Table 1")
    table.append(["Table 1: Smoking prevalence in adults (%) for districts in West Sussex; 2019 to 2020"])
    table.append([])
    table.append([None, "2019", None, None, "2020"])
    table.append([None, "Percentage", "Lower 95% CI", "Upper 95% CI", "Percentage", "Lower 95% CI", "Upper 95% CI"])
    table.append(["Adur", 14.2, 12.0, 16.4, 13.1, 11.0, 15.2])
    table.append(["Arun", 15.0, 13.1, 16.9, None, None, None])
    table.append(["Source: made up"])
    hidden = book.create_sheet("Lookups")
    hidden.append(["Adur", 1])
    hidden.sheet_state = "hidden"
    book.save(path)
    return path


def test_workbook_sheets_load_or_are_skipped_with_reasons(tmp_path: Path) -> None:
    folder = tmp_path / "indicators"
    folder.mkdir()
    _workbook(folder / "book.xlsx")
    table, skipped = load_folder(folder, tmp_path)
    reasons = {s.path: s.reason for s in skipped}
    assert set(reasons) == {"indicators/book.xlsx#Dashboard", "indicators/book.xlsx#Words"}
    assert "dashboard" in reasons["indicators/book.xlsx#Dashboard"]
    assert reasons["indicators/book.xlsx#Words"] == "no table with an area column and a value column"
    check_indicator_schema(table)
    assert len(table) == 3  # Arun has no 2020 value
    adur = table[(table["area_name"] == "Adur") & (table["period"] == "2020")].iloc[0]
    assert (adur["value"], adur["lower_ci"], adur["upper_ci"]) == (13.1, 11.0, 15.2)
    assert adur["indicator_name"] == "Smoking prevalence in adults" and adur["unit"] == "%"
    assert adur["source"] == "indicators/book.xlsx#Table 1"


def test_read_workbook_applies_the_sidecar_to_every_sheet(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx")
    frame, skipped = read_workbook(path, "indicators/book.xlsx", Sidecar({"polarity": "Low is good"}))
    check_indicator_schema(frame)
    assert [s.path for s in skipped] == ["indicators/book.xlsx#Dashboard", "indicators/book.xlsx#Words"]
    assert len(frame) == 3 and set(frame["polarity"]) == {"low_is_good"}
    with pytest.raises(DocumentError, match="cannot have a column_map"):
        read_workbook(path, "indicators/book.xlsx", Sidecar(column_map={"Percentage": "value"}))


def test_without_calamine_a_workbook_is_refused_with_the_command_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = openpyxl.Workbook()
    book.active.append(["Area", "Value"])
    book.active.append(["Adur", 12.0])
    book.save(tmp_path / "data.xlsx")
    monkeypatch.setitem(sys.modules, "python_calamine", None)  # as where it was never installed
    with pytest.raises(DocumentError, match="python-calamine") as error:
        read_workbook(tmp_path / "data.xlsx", "indicators/data.xlsx", Sidecar())
    assert "make install" in error.value.advice
