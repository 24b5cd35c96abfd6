"""CSV and JSON exports in every dialect, and sidecars."""

from __future__ import annotations

import csv
import json
import math
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    CAMPYLOBACTER,
    SHARED_INDICATORS,
    SHIPPED_INDICATORS,
    UPPER_TIER,
    check_indicator_schema,
    load_indicator,
)

from assistant.errors import DocumentError
from assistant.indicators import load_file, load_folder
from assistant.indicators.schema import comparison
from assistant.indicators.tidy import Sidecar, read_sidecar, read_tidy

PM25 = "fingertips-export-pm25-mortality-fraction-93861-2018-2020.csv"
FIG1 = "trafford-life-expectancy-briefing-fig1-la-life-expectancy"
DECILE = "trafford-life-expectancy-by-deprivation-decile"
THEMES = "trafford-themes-fingertips-derived-health-indicators-trimmed.csv"


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


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


def test_read_tidy_applies_the_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("Place,LE,Low,High\nAdur,80.1,79.0,81.2\n", encoding="utf-8")
    column_map = {"Place": "area_name", "LE": "value", "Low": "lower_ci", "High": "upper_ci"}
    sidecar = {"indicator_name": "Life expectancy at birth", "column_map": column_map}
    (tmp_path / "rates.meta.json").write_text(json.dumps(sidecar), encoding="utf-8")
    read = read_sidecar(path, "indicators/rates.csv")
    assert read == Sidecar({"indicator_name": "Life expectancy at birth"}, column_map)
    frame = read_tidy(path, "indicators/rates.csv", read)
    check_indicator_schema(frame)
    row = frame.iloc[0]
    assert (row["area_name"], row["value"], row["lower_ci"], row["upper_ci"]) == ("Adur", 80.1, 79.0, 81.2)
    assert (row["indicator_name"], row["unit"]) == ("Life expectancy at birth", "years")
    with pytest.raises(DocumentError, match="no value column"):
        read_tidy(path, "indicators/rates.csv", Sidecar())  # Low and High are no column names it knows
    assert read_sidecar(tmp_path / "other.csv", "indicators/other.csv") == Sidecar()


# ------------------------------------------------------------------------------------------- Fingertips


def test_fingertips_spaced_export_keeps_every_row_with_its_numbers() -> None:
    frame = load_indicator(CAMPYLOBACTER)
    check_indicator_schema(frame)
    rows = _csv_rows(SHIPPED_INDICATORS / CAMPYLOBACTER)
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
    frame = load_indicator(PM25)
    check_indicator_schema(frame)
    rows = _csv_rows(SHIPPED_INDICATORS / PM25)
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
    with (SHIPPED_INDICATORS / CAMPYLOBACTER).open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    rename = {name: spell(name) for name in header}
    variant = _rewrite_header(SHIPPED_INDICATORS / CAMPYLOBACTER, tmp_path / CAMPYLOBACTER, rename, dialect == "dotted")
    assert f",{lower_ci}," in variant.read_text(encoding="utf-8").splitlines()[0]
    spaced = load_indicator(CAMPYLOBACTER).drop(columns="source")
    other = load_file(variant, f"indicators/{CAMPYLOBACTER}")[0].drop(columns="source")
    pd.testing.assert_frame_equal(spaced, other)


# ------------------------------------------------------------------------------------------- tidy CSV, JSON


@pytest.mark.skipif(not (SHARED_INDICATORS / THEMES).is_file(), reason="shared corpus not present")
def test_tidy_trafford_themes_csv() -> None:
    frame = load_indicator(THEMES, SHARED_INDICATORS)
    check_indicator_schema(frame)
    rows = _csv_rows(SHARED_INDICATORS / THEMES)
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
    frame = load_indicator(name)
    check_indicator_schema(frame)
    records = json.loads((SHIPPED_INDICATORS / name).read_text(encoding="utf-8"))
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


# ------------------------------------------------------------------------------------------- sidecars


def test_sidecar_names_the_indicator_and_sets_period(tmp_path: Path) -> None:
    frame = load_indicator(f"{FIG1}.csv")
    check_indicator_schema(frame)
    assert set(frame["indicator_name"]) == {"Life expectancy at birth"}
    assert set(frame["unit"]) == {"years"} and set(frame["polarity"]) == {"high_is_good"}
    assert set(frame["period"]) == {"2014 - 16"} and set(frame["area_type"]) == {"District & UA"}
    known = next(r for r in _csv_rows(SHIPPED_INDICATORS / f"{FIG1}.csv") if r["area_name"] == "Trafford")
    got = frame[(frame["area_name"] == "Trafford") & (frame["sex"] == known["sex"])]
    assert got.iloc[0]["value"] == pytest.approx(float(known["value"]))

    bare = tmp_path / f"{FIG1}.csv"  # no sidecar: still loads, named from the file name
    shutil.copy(SHIPPED_INDICATORS / f"{FIG1}.csv", bare)
    guessed = load_file(bare, f"indicators/{FIG1}.csv")[0]
    assert len(guessed) == len(frame)
    assert set(guessed["indicator_name"]) == {"Trafford life expectancy briefing fig1 la life expectancy"}
    assert set(guessed["period"]) == {""} and set(guessed["area_type"]) == {"District & UA"}  # from the codes


def test_sidecar_column_map_for_decile_file() -> None:
    frame = load_indicator(f"{DECILE}.csv")
    check_indicator_schema(frame)
    rows = _csv_rows(SHIPPED_INDICATORS / f"{DECILE}.csv")
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
    shutil.copy(SHIPPED_INDICATORS / f"{FIG1}.csv", folder)
    shutil.copy(SHIPPED_INDICATORS / CAMPYLOBACTER, folder)
    (folder / f"{FIG1}.meta.json").write_text(json.dumps({"indicator_title": "oops"}))
    with pytest.raises(DocumentError, match=r"sidecar .*meta\.json has unknown keys \['indicator_title'\]"):
        load_file(folder / f"{FIG1}.csv", f"indicators/{FIG1}.csv")
    table, skipped = load_folder(folder, tmp_path)
    assert [s.path for s in skipped] == [f"indicators/{FIG1}.csv"]
    assert set(table["source"]) == {f"indicators/{CAMPYLOBACTER}"}
