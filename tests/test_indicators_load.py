"""Indicator files -> one long table: every dialect, sidecars, JSON/CSV twins, bad files, the real corpora."""

from __future__ import annotations

import csv
import json
import math
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import SHARED_CORPUS, SHIPPED_CORPUS

from assistant.errors import DocumentError
from assistant.indicators import load_file, load_folder
from assistant.indicators.load import indicator_data_files
from assistant.indicators.schema import COLUMNS, NUMBER_COLUMNS, comparison, polarity

SHIPPED = SHIPPED_CORPUS / "indicators"
SHARED = SHARED_CORPUS / "indicators"
CAMPYLOBACTER = "fingertips-export-campylobacter-incidence-countyua-2015-2017.csv"
PM25 = "fingertips-export-pm25-mortality-fraction-93861-2018-2020.csv"
UPPER_TIER = "wsx-phsru-walkthrough-upper-tier-fingertips-extract-2020"
FIG1 = "trafford-life-expectancy-briefing-fig1-la-life-expectancy"
DECILE = "trafford-life-expectancy-by-deprivation-decile"
LE_WORKBOOK = "wsx-jsna-core-life-expectancy-las-2009-2014.xlsx"
THEMES = "trafford-themes-fingertips-derived-health-indicators-trimmed.csv"
KEY = ["indicator_id", "area_code", "area_name", "sex", "age", "category", "period", "source"]


def _load(name: str, folder: Path = SHIPPED) -> pd.DataFrame:
    return load_file(folder / name, f"indicators/{name}")


def _check_schema(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == COLUMNS
    for column in COLUMNS:
        if column in NUMBER_COLUMNS:
            assert frame[column].dtype == "float64", column
        else:
            assert frame[column].map(lambda v: isinstance(v, str)).all(), column  # "" for missing, never NaN
    assert not frame.duplicated(KEY).any()


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _number(text: str) -> float:
    return float(text) if text not in ("", "NA") else math.nan


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)


def _rewrite_header(source: Path, target: Path, rename: dict[str, str], index_column: bool = False) -> Path:
    """The same export with other column names (and, like R's write.csv, a leading row number)."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = [rename.get(name, name) for name in rows[0]]
    body = rows[1:]
    if index_column:
        header = ["", *header]
        body = [[str(n), *row] for n, row in enumerate(body, 1)]
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *body])
    return target


# ------------------------------------------------------------------------------------------- Fingertips


def test_fingertips_spaced_export_keeps_every_row_with_its_numbers() -> None:
    frame = _load(CAMPYLOBACTER)
    _check_schema(frame)
    rows = _csv_rows(SHIPPED / CAMPYLOBACTER)
    assert len(frame) == len(rows)
    known = next(r for r in rows if r["Lower CI 95.0 limit"] and not r["Category"] and r["Area Type"] != "Country")
    got = frame[
        (frame["area_code"] == known["Area Code"])
        & (frame["period"] == known["Time period"])
        & (frame["age"] == known["Age"])
        & (frame["category"] == "")
    ]
    assert len(got) == 1
    row = got.iloc[0]
    assert row["indicator_id"] == known["Indicator ID"]
    assert row["indicator_name"] == known["Indicator Name"].strip()  # the export ends the name with a newline
    assert row["value"] == pytest.approx(float(known["Value"]))
    assert row["lower_ci"] == pytest.approx(float(known["Lower CI 95.0 limit"]))
    assert row["upper_ci"] == pytest.approx(float(known["Upper CI 95.0 limit"]))
    assert row["count"] == pytest.approx(float(known["Count"]))
    assert row["denominator"] == pytest.approx(float(known["Denominator"]))
    assert row["parent_name"] == known["Parent Name"]
    assert row["unit"] == "per 100,000"
    assert row["area_type"] == "County & UA"
    assert set(frame["compared_to_england"]) == {"Better", "Similar", "Worse", ""}  # "Not compared" -> ""
    england = frame[(frame["area_name"] == "England") & (frame["category"] == "")]
    assert set(england["area_type"]) == {"England"}


def test_fingertips_dotted_r_export_with_row_numbers() -> None:
    frame = _load(PM25)
    _check_schema(frame)
    rows = _csv_rows(SHIPPED / PM25)
    assert len(frame) == len(rows)
    known = next(r for r in rows if r["Category"])
    got = frame[
        (frame["area_code"] == known["Area.Code"])
        & (frame["period"] == known["Time.period"])
        & (frame["category"] == f"{known['Category.Type']}: {known['Category']}")
    ]
    assert len(got) == 1
    assert got.iloc[0]["value"] == pytest.approx(float(known["Value"]))
    assert math.isnan(got.iloc[0]["lower_ci"])  # "NA" in the file
    assert set(frame["unit"]) == {"%"}
    assert {"England", "Region", "County & UA", "District & UA"} <= set(frame["area_type"])


@pytest.mark.parametrize(
    ("dialect", "spell", "lower_ci"),
    [
        ("fingertipsR", lambda name: name.replace(" ", ""), "LowerCI95.0limit"),
        ("squashed", lambda name: re.sub(r"[ .]", "", name), "LowerCI950limit"),
        ("dotted", lambda name: name.replace(" ", "."), "Lower.CI.95.0.limit"),  # read.csv + write.csv
    ],
)
def test_other_fingertips_spellings_load_identically(
    tmp_path: Path, dialect: str, spell: Callable[[str], str], lower_ci: str
) -> None:
    with (SHIPPED / CAMPYLOBACTER).open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    rename = {name: spell(name) for name in header}
    variant = _rewrite_header(SHIPPED / CAMPYLOBACTER, tmp_path / CAMPYLOBACTER, rename, dialect == "dotted")
    assert f",{lower_ci}," in variant.read_text(encoding="utf-8").splitlines()[0]
    spaced = _load(CAMPYLOBACTER).drop(columns="source")
    other = load_file(variant, f"indicators/{CAMPYLOBACTER}").drop(columns="source")
    pd.testing.assert_frame_equal(spaced, other)


# ------------------------------------------------------------------------------------------- tidy CSV, JSON


@pytest.mark.skipif(not (SHARED / THEMES).is_file(), reason="shared corpus not present")
def test_tidy_trafford_themes_csv() -> None:
    frame = _load(THEMES, SHARED)
    _check_schema(frame)
    rows = _csv_rows(SHARED / THEMES)
    assert len(frame) == len(rows)
    known = next(r for r in rows if r["unit"] == "Years" and r["inequality"] == "Female" and r["value"])
    got = frame[
        (frame["indicator_name"] == known["indicator"])
        & (frame["area_code"] == known["area_code"])
        & (frame["period"] == known["period"])
        & (frame["sex"] == "Female")
    ]
    assert len(got) == 1
    assert got.iloc[0]["value"] == pytest.approx(float(known["value"]))
    assert got.iloc[0]["unit"] == "years"
    mortality = frame[frame["indicator_name"].str.startswith("Under 75 mortality rate")]
    assert set(mortality["unit"]) == {"per 100,000"} and set(mortality["sex"]) == {"Persons", "Male", "Female"}
    cautioned = frame[frame["indicator_name"].str.startswith("Children cautioned or sentenced")]
    assert cautioned["indicator_id"].nunique() == 2  # a count and a rate under one name in the file
    assert {"Better", "Similar", "Worse", "Higher", "Lower"} <= set(frame["compared_to_england"])
    assert "Not compared" not in set(frame["compared_to_england"])


def test_walkthrough_json_gives_england_rows_sexes_and_polarity() -> None:
    name = f"{UPPER_TIER}.json"
    frame = _load(name)
    _check_schema(frame)
    records = json.loads((SHIPPED / name).read_text(encoding="utf-8"))
    known = records[0]
    area = frame[(frame["indicator_id"] == known["ID"]) & (frame["area_code"] == known["Area_code"])].iloc[0]
    assert area["value"] == pytest.approx(known["Value"])
    assert area["lower_ci"] == pytest.approx(known["Lower_CI"]) and area["upper_ci"] == pytest.approx(known["Upper_CI"])
    assert area["count"] == pytest.approx(known["Numerator"]) and area["denominator"] == pytest.approx(
        known["Denominator"]
    )
    assert area["polarity"] == {"Lower is better": "low_is_good", "Higher is better": "high_is_good"}[known["Polarity"]]
    assert area["compared_to_england"] == comparison(known["Significance"])
    england = frame[(frame["indicator_id"] == known["ID"]) & (frame["area_name"] == "England")]
    assert len(england) == 1 and england.iloc[0]["value"] == pytest.approx(known["Comp_Value"])
    assert england.iloc[0]["area_code"] == "E92000001"
    life = frame[frame["indicator_id"] == "90366"]  # "Female life expectancy at birth", "Male life ..."
    assert set(life["indicator_name"]) == {"Life expectancy at birth"}
    assert set(life["sex"]) == {"Female", "Male"} and set(life["unit"]) == {"years"}


def test_json_and_csv_twins_are_not_counted_twice(tmp_path: Path) -> None:
    folder = tmp_path / "indicators"
    folder.mkdir()
    for suffix in (".csv", ".json"):
        shutil.copy(SHIPPED / f"{UPPER_TIER}{suffix}", folder)
    from_csv = load_file(folder / f"{UPPER_TIER}.csv", "csv")
    from_json = load_file(folder / f"{UPPER_TIER}.json", "json")
    pd.testing.assert_frame_equal(from_csv.drop(columns="source"), from_json.drop(columns="source"))
    table, skipped = load_folder(folder, tmp_path)
    assert skipped == []
    assert len(table) == len(from_csv)
    assert set(table["source"]) == {f"indicators/{UPPER_TIER}.csv"}  # the first of the twins is kept


# ------------------------------------------------------------------------------------------- sidecars


def test_sidecar_names_the_indicator_and_sets_period(tmp_path: Path) -> None:
    frame = _load(f"{FIG1}.csv")
    _check_schema(frame)
    assert set(frame["indicator_name"]) == {"Life expectancy at birth"}
    assert set(frame["unit"]) == {"years"} and set(frame["polarity"]) == {"high_is_good"}
    assert set(frame["period"]) == {"2014 - 16"} and set(frame["area_type"]) == {"District & UA"}
    known = next(r for r in _csv_rows(SHIPPED / f"{FIG1}.csv") if r["area_name"] == "Trafford")
    got = frame[(frame["area_name"] == "Trafford") & (frame["sex"] == known["sex"])]
    assert got.iloc[0]["value"] == pytest.approx(float(known["value"]))

    bare = tmp_path / f"{FIG1}.csv"  # no sidecar: still loads, named from the file name
    shutil.copy(SHIPPED / f"{FIG1}.csv", bare)
    guessed = load_file(bare, f"indicators/{FIG1}.csv")
    assert len(guessed) == len(frame)
    assert set(guessed["indicator_name"]) == {"Trafford life expectancy briefing fig1 la life expectancy"}
    assert set(guessed["period"]) == {""} and set(guessed["area_type"]) == {"District & UA"}  # from the codes


def test_sidecar_column_map_for_decile_file() -> None:
    frame = _load(f"{DECILE}.csv")
    _check_schema(frame)
    rows = _csv_rows(SHIPPED / f"{DECILE}.csv")
    assert len(frame) == len(rows)
    known = rows[0]
    got = frame[(frame["category"] == f"Decile {known['decile']}") & (frame["sex"] == known["sex"])].iloc[0]
    assert (got["value"], got["lower_ci"], got["upper_ci"]) == (
        pytest.approx(float(known["LE"])),
        pytest.approx(float(known["LCL"])),
        pytest.approx(float(known["UCL"])),
    )
    assert got["denominator"] == pytest.approx(float(known["population"]))
    assert got["area_name"] == "Trafford" and got["area_code"] == "E08000009"


def test_broken_sidecar_is_reported_by_name(tmp_path: Path) -> None:
    folder = tmp_path / "indicators"
    folder.mkdir()
    shutil.copy(SHIPPED / f"{FIG1}.csv", folder)
    shutil.copy(SHIPPED / CAMPYLOBACTER, folder)
    (folder / f"{FIG1}.meta.json").write_text(json.dumps({"indicator_title": "oops"}))
    with pytest.raises(DocumentError, match=r"sidecar .*meta\.json has unknown keys \['indicator_title'\]"):
        load_file(folder / f"{FIG1}.csv", f"indicators/{FIG1}.csv")
    table, skipped = load_folder(folder, tmp_path)
    assert [s.path for s in skipped] == [f"indicators/{FIG1}.csv"]
    assert set(table["source"]) == {f"indicators/{CAMPYLOBACTER}"}


# ------------------------------------------------------------------------------------------- workbooks


def test_formatted_workbook_tables_read_under_their_titles() -> None:
    frame = _load(LE_WORKBOOK)
    _check_schema(frame)
    assert len(frame) == 4 * 10 * 4  # four tables, ten areas, four periods
    sheet = openpyxl.load_workbook(SHIPPED / LE_WORKBOOK, read_only=True, data_only=True)["Table 1"]
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
    _check_schema(table)
    assert len(table) == 3  # Arun has no 2020 value
    adur = table[(table["area_name"] == "Adur") & (table["period"] == "2020")].iloc[0]
    assert (adur["value"], adur["lower_ci"], adur["upper_ci"]) == (13.1, 11.0, 15.2)
    assert adur["indicator_name"] == "Smoking prevalence in adults" and adur["unit"] == "%"
    assert adur["source"] == "indicators/book.xlsx#Table 1"


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
    table = load_file(_wide_workbook(tmp_path / "wide.xlsx"), "indicators/wide.xlsx")
    _check_schema(table)
    rate = table[table["indicator_name"] == "Rate of under 18 conceptions"]
    adur = rate[(rate["area_name"] == "Adur") & (rate["period"] == "2021")].iloc[0]
    assert (adur["value"], adur["lower_ci"], adur["upper_ci"], adur["count"]) == (12.1, 10.1, 14.1, 20)
    assert adur["area_type"] == "District & UA" and adur["source"] == "indicators/wide.xlsx#LA data"
    assert len(rate) == 22 * 5  # every period, five areas ("Check" rows are not areas)
    assert set(rate["area_name"]) == {"Adur", "West Sussex", "England", "IPEH - Arun", "Crawley CCG"}
    smoking = table[table["indicator_name"] == "Proportion smoking at time of delivery"]
    assert smoking["unit"].iloc[0] == "%" and smoking["value"].max() == pytest.approx(14.0)  # fractions -> %
    assert not table["indicator_name"].str.contains("MYE").any()  # mid-year estimates are denominators


# ------------------------------------------------------------------------------------------- bad files


def test_bad_files_are_named_and_the_rest_still_loads(tmp_path: Path) -> None:
    folder = tmp_path / "indicators"
    folder.mkdir()
    shutil.copy(SHIPPED / CAMPYLOBACTER, folder)
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


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Better 95%", "Better"),
        ("Worse 95%", "Worse"),
        ("Similar", "Similar"),
        ("Not compared", ""),
        ("Significantly lower", "Lower"),
        ("Higher 99.8", "Higher 99.8"),  # another confidence level: kept in the file's words
        ("", ""),
    ],
)
def test_comparison_wording(given: str, expected: str) -> None:
    assert comparison(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("RAG - High is good", "high_is_good"),
        ("RAG - Low is good", "low_is_good"),
        ("BOB - Blue orange blue", ""),
        ("Higher is better", "high_is_good"),
        ("Not applicable", ""),
    ],
)
def test_polarity_wording(given: str, expected: str) -> None:
    assert polarity(given) == expected


# ------------------------------------------------------------------------------------------- the corpora


def _accounted_for(folder: Path, corpus: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    table, skipped = load_folder(folder, corpus)
    _check_schema(table)
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
    table, reasons = _accounted_for(SHIPPED, SHIPPED_CORPUS)
    assert reasons == {}
    assert len(table) > 3000
    assert set(table["polarity"]) <= {"high_is_good", "low_is_good", ""}
    assert set(table["sex"]) == {"Persons", "Male", "Female"}


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared corpus not present")
def test_whole_shared_corpus() -> None:
    table, reasons = _accounted_for(SHARED, SHARED_CORPUS)
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
