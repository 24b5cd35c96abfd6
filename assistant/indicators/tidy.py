"""CSV and JSON indicator exports -> rows of the long table, and the sidecars that name what a file lacks.

What is understood:

- Fingertips exports in any of their three column spellings: spaced (``Lower CI 95.0 limit``), R-style dotted
  (``Lower.CI.95.0.limit``, with a leading row-index column) and fingertipsR stripped (``LowerCI95.0limit``).
  Column names are compared lowercased with everything but letters and digits removed.
- Tidy CSVs with columns such as ``area_code, area_name, period, indicator, value`` (the Trafford "themes"
  layout, where ``measure`` is the unit and ``unit`` the population, is recognised too).
- JSON: a list of records (or ``{"data": [...]}``) with the same kinds of columns. Comparator columns
  ``Comp_Value``, ``Comp_Lower_CI``, ``Comp_Upper_CI``, ``Comp_Numerator`` become England rows.

A file that lacks names or uses other column names can carry a sidecar next to it: ``fig1.meta.json`` for
``fig1.csv`` (or ``fig1.csv.meta.json``, which wins, where a CSV and a JSON share a name)::

    {
      "indicator_id": "life-expectancy-at-birth",
      "indicator_name": "Life expectancy at birth",
      "definition": "...",
      "unit": "years",
      "polarity": "high_is_good",
      "area_type": "District & UA",
      "period": "2014 - 16",
      "column_map": {"LE": "value", "LCL": "lower_ci", "UCL": "upper_ci"},
      "title": "Life expectancy at birth by local authority",
      "publisher": "Trafford Council (Trafford Data Lab)",
      "year": "2018"
    }

Every key is optional. ``column_map`` renames the file's own columns (exact names) to columns of the table
(CSV and JSON only); ``title``, ``publisher`` and ``year`` are the dataset's reference (where the corpus's
``MANIFEST.csv`` does not list the file); every other key is one of the text columns of
:data:`~assistant.indicators.schema.COLUMNS` and sets that column for every row of the file (workbooks too),
overriding what the file says. Without a sidecar
the loader guesses: the indicator name from the file name, the area type from the area codes, the unit from the
indicator name.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from assistant.errors import DocumentError
from assistant.indicators.schema import (
    COLUMNS,
    ENGLAND_CODE,
    TEXT_COLUMNS,
    clean_text,
    finish,
    parse_numbers,
    split_sex,
)

SIDECAR = ".meta.json"
CITATION_KEYS = ("title", "publisher", "year")  # the dataset's reference, not applied to its rows
SIDECAR_ADVICE = "See the sidecar format in assistant/indicators/tidy.py."

# Column names, lowercased with non-alphanumerics removed -> table column ("_" names are used on the way).
ALIASES = {
    "indicatorid": "indicator_id",
    "id": "indicator_id",
    "indicatorname": "indicator_name",
    "indicator": "indicator_name",
    "name": "indicator_name",
    "definition": "definition",
    "description": "definition",
    "unit": "unit",
    "units": "unit",
    "areacode": "area_code",
    "areaname": "area_name",
    "area": "area_name",
    "areatype": "area_type",
    "parentcode": "parent_code",
    "parentname": "parent_name",
    "sex": "sex",
    "gender": "sex",
    "age": "age",
    "categorytype": "_category_type",
    "category": "category",
    "timeperiod": "period",
    "period": "period",
    "year": "period",
    "value": "value",
    "lci": "lower_ci",
    "lcl": "lower_ci",
    "uci": "upper_ci",
    "ucl": "upper_ci",
    "count": "count",
    "numerator": "count",
    "denominator": "denominator",
    "population": "denominator",
    "comparedtoenglandvalueorpercentiles": "compared_to_england",
    "comparedtoengland": "compared_to_england",
    "significance": "compared_to_england",
    "comparedtoregionvalueorpercentiles": "compared_to_region",
    "comparedtoregion": "compared_to_region",
    "recenttrend": "trend",
    "trend": "trend",
    "sigt3label": "trend",
    "polarity": "polarity",
    "decile": "_decile",
    "compvalue": "_comp_value",
    "complowerci": "_comp_lower_ci",
    "compupperci": "_comp_upper_ci",
    "compnumerator": "_comp_count",
}


@dataclass(frozen=True)
class Sidecar:
    constants: dict[str, str] = field(default_factory=dict)  # table column -> value for every row
    column_map: dict[str, str] = field(default_factory=dict)  # the file's column -> table column
    citation: dict[str, str] = field(default_factory=dict)  # title, publisher, year: the file's reference


def read_tidy(path: Path, rel: str, sidecar: Sidecar) -> pd.DataFrame:
    """A CSV or JSON file as rows of the long table, its sidecar (:func:`read_sidecar`) applied."""
    raw = _read_csv(path, rel) if path.suffix.lower() == ".csv" else _read_json(path, rel)
    if raw.empty:
        raise DocumentError(rel, "the file has a header but no data rows", "Export the data again.")
    return _from_records(raw, rel, path.name, sidecar)


# ---------------------------------------------------------------------------------------------- sidecars


def _sidecar_path(path: Path) -> Path | None:
    for candidate in (path.with_name(path.name + SIDECAR), path.with_name(path.stem + SIDECAR)):
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(path: Path, rel: str) -> Sidecar:
    """The file's ``.meta.json`` (empty when there is none). Unknown keys are errors, not silently ignored."""
    found = _sidecar_path(path)
    if found is None:
        return Sidecar()
    where = f"sidecar {found.name}"
    try:
        data = json.loads(found.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError(rel, f"{where} is not valid JSON ({exc})", SIDECAR_ADVICE) from exc
    if not isinstance(data, dict):
        raise DocumentError(rel, f"{where} must hold a JSON object", SIDECAR_ADVICE)
    allowed = set(TEXT_COLUMNS) - {"source"}
    unknown = sorted(set(data) - allowed - {"column_map"} - set(CITATION_KEYS))
    if unknown:
        raise DocumentError(
            rel, f"{where} has unknown keys {unknown}", f"Allowed: column_map, {', '.join(sorted(allowed))}."
        )
    column_map = data.get("column_map", {})
    if not isinstance(column_map, dict) or not all(
        isinstance(k, str) and v in COLUMNS and v != "source" for k, v in column_map.items()
    ):
        raise DocumentError(
            rel, f"{where}: column_map must map file columns to table columns", f"Table columns: {COLUMNS[:-1]}."
        )
    constants = {k: str(v) for k, v in data.items() if k in allowed}
    citation = {k: str(data[k]).strip() for k in CITATION_KEYS if data.get(k) not in (None, "")}
    return Sidecar(constants, dict(column_map), citation)


# ---------------------------------------------------------------------------------------------- reading


def _read_csv(path: Path, rel: str) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError as exc:
            raise DocumentError(rel, "the file is empty", "Export the data again.") from exc
        except (pd.errors.ParserError, OSError) as exc:
            raise DocumentError(rel, f"not a readable CSV file ({exc})", "Export the data again as CSV.") from exc
    raise DocumentError(rel, "not a text CSV file (unknown encoding)", "Save it as UTF-8 CSV.")


def _read_json(path: Path, rel: str) -> pd.DataFrame:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError(rel, f"not a readable JSON file ({exc})", "Export the data again.") from exc
    if isinstance(data, dict):
        data = next((data[k] for k in ("data", "records", "rows", "values") if isinstance(data.get(k), list)), data)
    if isinstance(data, dict) and data and all(isinstance(v, list) for v in data.values()):
        data = pd.DataFrame(data).to_dict("records")  # column-oriented
    if not isinstance(data, list) or not data or not all(isinstance(r, dict) for r in data):
        raise DocumentError(
            rel, "unknown JSON layout: expected a list of records", "Export the data as a list of row objects."
        )
    rows = [{k: _as_csv_text(v) for k, v in record.items()} for record in data]
    return pd.DataFrame(rows).fillna("")


def _as_csv_text(value: Any) -> str:
    """A JSON or Excel cell as the text a CSV would hold, so twins of one extract compare equal."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


# ---------------------------------------------------------------------------------------------- records


def _from_records(raw: pd.DataFrame, rel: str, file_name: str, sidecar: Sidecar) -> pd.DataFrame:
    """A table of text cells (CSV or JSON) -> rows of the long table."""
    if {"indicator", "measure", "unit", "inequality"} <= {_key(c) for c in raw.columns}:
        raw = _trafford_themes(raw)
    frame = _rename(raw, sidecar.column_map)
    if "value" not in frame:
        frame = _guess_value_column(frame)
    if "value" not in frame:
        raise DocumentError(
            rel,
            f"no value column among {list(raw.columns)}",
            f"Name it 'value' or add {file_name}{SIDECAR} with a column_map. {SIDECAR_ADVICE}",
        )
    if "_category_type" in frame:
        typed = (frame["_category_type"] != "") & (frame["category"] != "")
        frame["category"] = frame["category"].where(~typed, frame["_category_type"] + ": " + frame["category"])
    if "_decile" in frame and "category" not in frame:
        frame["category"] = "Decile " + frame["_decile"].str.replace(r"\.0$", "", regex=True)
    if "sex" not in frame and "indicator_name" in frame:
        frame["sex"], frame["indicator_name"] = _sex_from_names(frame["indicator_name"])
    if "_comp_value" in frame:
        frame = pd.concat([frame, _comparator_rows(frame)], ignore_index=True)
    for column, value in sidecar.constants.items():
        frame[column] = value
    if not {"area_name", "area_code", "category"} & set(frame.columns):
        raise DocumentError(
            rel,
            f"no area column among {list(raw.columns)}",
            f"Name it 'area_name' or 'area_code', or set area_name in {file_name}{SIDECAR}. {SIDECAR_ADVICE}",
        )
    return finish(frame, rel, default_name=_humanise(file_name))


def _key(column: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(column).lower())


def _rename(raw: pd.DataFrame, column_map: dict[str, str]) -> pd.DataFrame:
    """Keep the columns the table needs, under its names; the sidecar's map comes first, then the aliases."""
    chosen: dict[str, str] = {}
    for column in raw.columns:
        target = column_map.get(str(column)) or _alias(_key(column))
        if not target or target in chosen.values():
            target = f"_unmapped_{len(chosen)}"  # kept: the value may be the one numeric column left over
        chosen[str(column)] = target
    frame = raw[list(chosen)].copy()
    frame.columns = list(chosen.values())
    return frame.map(clean_text)


def _alias(key: str) -> str:
    if key in ALIASES:
        return ALIASES[key]
    for side in ("lower", "upper"):
        # "Lower CI 95.0 limit", "LowerCI95.0limit", "lower_95_ci", not the 99.8% limits
        if key.startswith(side) and "998" not in key and re.search(r"ci|cl|confidence|limit", key[len(side) :]):
            return f"{side}_ci"
    if key.startswith("comparedto") and re.search(r"region|parent|subnational", key):
        return "compared_to_region"
    return ""


def _guess_value_column(frame: pd.DataFrame) -> pd.DataFrame:
    """Files such as ``decile,sex,LE,LCL,UCL,population``: the one numeric column left over is the value."""
    numeric = [
        c
        for c in frame.columns
        if c.startswith("_unmapped_") and parse_numbers(frame[c]).notna().mean() > 0.8 and (frame[c] != "").any()
    ]
    if len(numeric) == 1:
        frame = frame.rename(columns={numeric[0]: "value"})
    return frame


def _trafford_themes(raw: pd.DataFrame) -> pd.DataFrame:
    """Trafford Data Lab "themes" CSVs: ``measure`` holds the unit, ``unit`` the population (Persons, Male,
    Female, Years, Children...) and ``inequality`` a sex or deprivation breakdown."""
    columns = {_key(c): c for c in raw.columns}
    population = raw[columns["unit"]].str.strip()
    measure = raw[columns["measure"]].str.strip()
    breakdown = raw[columns["inequality"]].str.strip()
    name = raw[columns["indicator"]].str.strip()
    sexes = {"Persons", "Male", "Female"}
    out = raw.drop(columns=[columns[k] for k in ("unit", "measure", "inequality", "indicator")])
    out["sex"] = population.where(population.isin(sexes), breakdown.where(breakdown.isin(sexes), "Persons"))
    out["age"] = population.where(~population.isin(sexes | {"Years"}), "")
    out["category"] = breakdown.where(~breakdown.isin(sexes), "")
    out["unit"] = measure.where(population != "Years", "years")
    several = measure.groupby(name).transform("nunique") > 1  # "Children cautioned or sentenced": count and rate
    out["indicator_name"] = name.where(~several, name + " (" + measure.str.lower() + ")")
    return out


def _sex_from_names(names: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Names such as "Female life expectancy at birth" -> ("Female", "Life expectancy at birth"); others are Persons."""
    sexes, cleaned = [], []
    for name in names:
        sex, rest = split_sex(str(name))
        sexes.append(sex)
        cleaned.append(rest)
    return pd.Series(sexes, index=names.index), pd.Series(cleaned, index=names.index)


def _comparator_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """England's figures, given beside every area as ``Comp_*`` columns, as rows of their own."""
    england = frame.copy()
    england["area_code"], england["area_name"], england["area_type"] = ENGLAND_CODE, "England", "England"
    for target, column in (("value", "_comp_value"), ("lower_ci", "_comp_lower_ci"), ("upper_ci", "_comp_upper_ci")):
        england[target] = frame.get(column, "")
    england["count"] = frame.get("_comp_count", "")
    for column in ("denominator", "compared_to_england", "compared_to_region", "trend", "parent_code"):
        england[column] = ""
    england["parent_name"] = ""
    return england[england["value"] != ""].drop_duplicates()


def _humanise(file_name: str) -> str:
    words = re.sub(r"[-_]+", " ", Path(file_name).stem).strip()
    return words[:1].upper() + words[1:]
