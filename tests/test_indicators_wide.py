"""Wide data sheets: one column per measure, statistic and period, melted into the long table."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import check_indicator_schema

from assistant.errors import DocumentError
from assistant.indicators import load_file
from assistant.indicators.wide import wide_records


def test_wide_records_join_each_statistic_to_the_value_of_its_period() -> None:
    grid = pd.DataFrame(
        [
            ["Area", "Rate of falls (2020)", "LCI of falls (2020)", "UCI falls (2020)", "Number of falls (2020)"]
            + ["Rate of falls (2021)"],
            ["Adur", 10.0, 8.0, 12.0, 50, 11.0],
            ["Arun", 20.0, 18.0, 22.0, 90, 21.0],
        ]
    )
    records = wide_records(grid, "LA data", numeric_columns=5)
    assert set(records["indicator_name"]) == {"Rate of falls"}  # the CIs and counts are no measures of their own
    assert sorted(zip(records["area_name"], records["period"], strict=True)) == [
        ("Adur", "2020"),
        ("Adur", "2021"),
        ("Arun", "2020"),
        ("Arun", "2021"),
    ]
    adur = records[(records["area_name"] == "Adur") & (records["period"] == "2020")].iloc[0]
    assert (adur["value"], adur["lower_ci"], adur["upper_ci"], adur["count"]) == ("10.0", "8.0", "12.0", "50.0")
    grid.iat[0, 0] = "Notes"
    with pytest.raises(DocumentError, match="no area column"):
        wide_records(grid, "LA data", numeric_columns=5)


def _wide_workbook(path: Path) -> Path:
    """A data sheet like West Sussex's child health profile: one row per area, a column per measure, statistic
    and period, headings in several spellings."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "LA data"
    sheet.append([None, 95, 1000, "Child health profile"])
    headings = ["Reference ", "Lower Geography"]
    for year in range(2000, 2022):
        headings += [
            f"Number of under 18 conceptions ({year})",
            f"Rate of under 18 conceptions ({year})",
            f"Lower CI of under 18 conceptions ({year})",
            f"UCI under 18 conceptions ({year})",
            f"Asthma - MYE Age 0-18 ({year})",
            f"Proportion smoking at time of delivery ({year})",
        ]
    sheet.append(headings)
    areas = [("Adur", "LA - Adur"), ("WEST SUSSEX", "County - West Sussex"), ("ENGLAND", "ENGLAND")]
    areas += [("Arun", "IPEH - Arun"), ("Crawley", "CCG - Crawley"), ("x", "Check - x")]
    for number, (name, kind) in enumerate(areas):
        row = [name, kind]
        for year in range(2000, 2022):
            rate = 10.0 + number + (year - 2000) / 10
            row += [20 + number, rate, rate - 2, rate + 2, 5000, 0.1 + number / 100]
        sheet.append(row)
    book.save(path)
    return path


def test_wide_data_sheet_is_melted_with_statistics_joined_to_their_measure(tmp_path: Path) -> None:
    table = load_file(_wide_workbook(tmp_path / "wide.xlsx"), "indicators/wide.xlsx")[0]
    check_indicator_schema(table)
    rate = table[table["indicator_name"] == "Rate of under 18 conceptions"]
    adur = rate[(rate["area_name"] == "Adur") & (rate["period"] == "2021")].iloc[0]
    assert (adur["value"], adur["lower_ci"], adur["upper_ci"], adur["count"]) == (12.1, 10.1, 14.1, 20)
    assert adur["area_type"] == "District & UA" and adur["source"] == "indicators/wide.xlsx#LA data"
    assert len(rate) == 22 * 5  # every period, five areas ("Check" rows are not areas)
    assert set(rate["area_name"]) == {"Adur", "West Sussex", "England", "IPEH - Arun", "Crawley CCG"}
    smoking = table[table["indicator_name"] == "Proportion smoking at time of delivery"]
    assert smoking["unit"].iloc[0] == "%" and smoking["value"].max() == pytest.approx(14.0)  # fractions -> %
    assert not table["indicator_name"].str.contains("MYE").any()  # mid-year estimates are denominators
