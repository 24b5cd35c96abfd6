"""Indicator files -> one long table, one row per (indicator, area, sex, age, category, period).

``load_folder(corpus/indicators, corpus)`` reads every ``.csv``, ``.json`` and ``.xlsx`` file and returns the
table (columns :data:`COLUMNS`) and the files or workbook sheets it could not use, each with a reason.

What is understood:

- Fingertips exports in any of their three column spellings: spaced (``Lower CI 95.0 limit``), R-style dotted
  (``Lower.CI.95.0.limit``, with a leading row-index column) and fingertipsR stripped (``LowerCI95.0limit``).
  Column names are compared lowercased with everything but letters and digits removed.
- Tidy CSVs with columns such as ``area_code, area_name, period, indicator, value`` (the Trafford "themes"
  layout, where ``measure`` is the unit and ``unit`` the population, is recognised too).
- JSON: a list of records (or ``{"data": [...]}``) with the same kinds of columns. Comparator columns
  ``Comp_Value``, ``Comp_Lower_CI``, ``Comp_Upper_CI``, ``Comp_Numerator`` become England rows.
- XLSX: each visible sheet on its own (``source`` ends with ``#Sheet``). A formatted table is found under its
  title rows: the first row with an area name and numbers to its right; the heading row above names value, CI,
  count and rank columns, and a row of periods above that may group them. A sheet with years across the top
  and area headings between blocks of rows is read too. Contents/metadata sheets give names and definitions;
  hidden sheets are ignored; dashboards (drop-down driven) are skipped with a reason. A wide data sheet (one
  row per area, one column per measure, statistic and period, as in "Rate of under 18 conceptions (2016)",
  "LCI under 18 conceptions (2016)") is melted: each statistic joins the nearby value column of its period.

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
      "column_map": {"LE": "value", "LCL": "lower_ci", "UCL": "upper_ci"}
    }

Every key is optional. ``column_map`` renames the file's own columns (exact names) to columns of the table
(CSV and JSON only); every other key is one of the text columns of :data:`COLUMNS` and sets that column for
every row of the file, overriding what the file says. Without a sidecar the loader guesses: the indicator name
from the file name, the area type from the area codes, the unit from the indicator name. ``load_folder`` also
gives an area named without a code (workbooks) the code the other files give that name, when they agree.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from assistant.errors import DocumentError
from assistant.model import SkippedFile

COLUMNS = [
    "indicator_id",
    "indicator_name",
    "definition",
    "unit",
    "area_code",
    "area_name",
    "area_type",
    "parent_code",
    "parent_name",
    "sex",
    "age",
    "category",
    "period",
    "value",
    "lower_ci",
    "upper_ci",
    "count",
    "denominator",
    "compared_to_england",
    "compared_to_region",
    "trend",
    "polarity",
    "source",
]
NUMBER_COLUMNS = ("value", "lower_ci", "upper_ci", "count", "denominator")
TEXT_COLUMNS = tuple(c for c in COLUMNS if c not in NUMBER_COLUMNS)
INDICATOR_SUFFIXES = (".csv", ".json", ".xlsx")
SIDECAR = ".meta.json"
SIDECAR_ADVICE = "See the sidecar format in assistant/indicators_load.py."
# Raised when the loader reads files differently, so that the next ingest reloads unchanged indicator files.
LOADER_VERSION = 5
WIDE_SHEET = 100  # more numeric columns than this: one column per measure and period, not a table to melt

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
SEXES = {"persons": "Persons", "all": "Persons", "both": "Persons", "male": "Male", "males": "Male", "m": "Male"}
SEXES |= {"female": "Female", "females": "Female", "f": "Female"}
EMPTY_CELLS = {"", "na", "nan", "none", "null", "n/a"}
NO_COMPARISON = EMPTY_CELLS | {"not compared", "not applicable", "no data", "-"}
UNITS = {
    "%": "%",
    "years": "years",
    "life expectancy": "years",
    "life expectancy in years": "years",
    "count": "count",
    "number": "count",
}
PLAIN_RATES = {"", "rate", "crude rate", "age-standardised rate", "directly standardised rate", "dsr"}
AREA_TYPE_PATTERNS = (
    (re.compile(r"^(country|england)$"), "England"),
    (re.compile(r"^regions?\b"), "Region"),
    (re.compile(r"^(count(y|ies) & uas?|upper tier|count(y|ies))\b"), "County & UA"),
    (re.compile(r"^(districts? & uas?|lower tier|districts?)\b"), "District & UA"),
    (re.compile(r"^wards?\b"), "Ward"),
)
CODE_TYPES = {
    "E92": "England",
    "E12": "Region",
    "E10": "County & UA",
    "E07": "District & UA",
    "E05": "Ward",
    "E38": "CCG",
    "E45": "PHE Centre",
    "E47": "Combined authorities",
}
UNITARY_PREFIXES = ("E06", "E08", "E09")
ENGLAND_CODE = "E92000001"
SEX_IN_NAME = re.compile(r"^(females?|males?)\b\s*|\s+(females?|males?)$", re.I)
AGE_AND_AREA = re.compile(r"^(all ages|\d+\s*-\s*\d+|\d+\s*\+)\s*(?:-\s*)?(\S.*)$", re.I)
DOCUMENTATION_SHEET = re.compile(r"contents|metadata|introduction|^notes?$|read ?me|^about|version", re.I)
DASHBOARD_PROMPT = re.compile(r"please make a selection|^select\b.*:|^selection \d", re.I)
PERIOD_TEXT = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")
TITLE_PERIOD = re.compile(r"((?:19|20)\d\d(?:/\d\d)?(?:\s*(?:-|to)\s*(?:(?:19|20)?\d\d)(?:/\d\d)?)?)\s*$")


# ---------------------------------------------------------------------------------------------- public API


def load_file(path: Path, rel: str) -> pd.DataFrame:
    """One indicator file as rows of the long table. ``rel`` (the path under the corpus root) names the file in
    ``source`` and in errors. Raises :class:`DocumentError` when nothing in the file can be used."""
    frame, skipped = _load(path, rel)
    if frame.empty and skipped:
        reasons = "; ".join(f"{s.path.rsplit('#', 1)[-1]}: {s.reason}" for s in skipped)
        raise DocumentError(rel, f"no sheet holds an indicator table ({reasons})", _EXPORT_ADVICE)
    return frame


def load_folder(folder: Path, corpus_root: Path) -> tuple[pd.DataFrame, list[SkippedFile]]:
    """Every indicator file under ``folder`` in one table, exact duplicates (the same rows from the JSON and the
    CSV of one extract) dropped, and the files or sheets that could not be used, each with its reason."""
    frames: list[pd.DataFrame] = []
    skipped: list[SkippedFile] = []
    for path in indicator_data_files(folder):
        rel = path.relative_to(corpus_root).as_posix()
        try:
            frame, sheets = _load(path, rel)
        except DocumentError as error:
            skipped.append(SkippedFile(rel, " ".join(filter(None, (error.reason, error.advice)))))
            continue
        frames.append(frame)
        skipped.extend(sheets)
    table = _fill_area_codes(pd.concat(frames, ignore_index=True)) if frames else empty_table()
    keys = [c for c in COLUMNS if c != "source"]
    return table.drop_duplicates(subset=keys, keep="first").reset_index(drop=True), skipped


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
        table.loc[whole.index[untyped], "area_type"] = pd.Series(_area_types(whole), index=whole.index)[untyped]
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


def empty_table() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float if c in NUMBER_COLUMNS else str) for c in COLUMNS})


# ---------------------------------------------------------------------------------------------- reading

_EXPORT_ADVICE = "Export the table as a CSV with one row per area and period, or add a .meta.json sidecar."


@dataclass(frozen=True)
class Sidecar:
    constants: dict[str, str] = field(default_factory=dict)  # table column -> value for every row
    column_map: dict[str, str] = field(default_factory=dict)  # the file's column -> table column


def _load(path: Path, rel: str) -> tuple[pd.DataFrame, list[SkippedFile]]:
    sidecar = _read_sidecar(path, rel)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_workbook(path, rel, sidecar)
    raw = _read_csv(path, rel) if suffix == ".csv" else _read_json(path, rel)
    if raw.empty:
        raise DocumentError(rel, "the file has a header but no data rows", "Export the data again.")
    return _from_records(raw, rel, path.name, sidecar), []


def _sidecar_path(path: Path) -> Path | None:
    for candidate in (path.with_name(path.name + SIDECAR), path.with_name(path.stem + SIDECAR)):
        if candidate.is_file():
            return candidate
    return None


def _read_sidecar(path: Path, rel: str) -> Sidecar:
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
    unknown = sorted(set(data) - allowed - {"column_map"})
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
    constants = {k: str(v) for k, v in data.items() if k != "column_map"}
    return Sidecar(constants, dict(column_map))


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
    rows = [{k: _cell_text(v) for k, v in record.items()} for record in data]
    return pd.DataFrame(rows).fillna("")


def _cell_text(value: Any) -> str:
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
    return _finish(frame, rel, default_name=_humanise(file_name))


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
    return frame.map(_clean_text)


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


def _clean_text(value: object) -> str:
    text = " ".join(str(value).split())  # names such as "Campylobacter incidence rate/100,000\n"
    return "" if text.lower() in EMPTY_CELLS else text


def _guess_value_column(frame: pd.DataFrame) -> pd.DataFrame:
    """Files such as ``decile,sex,LE,LCL,UCL,population``: the one numeric column left over is the value."""
    numeric = [
        c
        for c in frame.columns
        if c.startswith("_unmapped_") and _numbers(frame[c]).notna().mean() > 0.8 and (frame[c] != "").any()
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
        sex, rest = _split_sex(str(name))
        sexes.append(sex)
        cleaned.append(rest)
    return pd.Series(sexes, index=names.index), pd.Series(cleaned, index=names.index)


def _split_sex(name: str) -> tuple[str, str]:
    match = SEX_IN_NAME.search(name)
    if not match:
        return "Persons", name
    word = (match.group(1) or match.group(2)).lower()
    rest = (name[: match.start()] + " " + name[match.end() :]).strip(" :-,")
    return SEXES[word], rest[:1].upper() + rest[1:]


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


# ---------------------------------------------------------------------------------------------- the table


def _finish(frame: pd.DataFrame, rel: str, default_name: str) -> pd.DataFrame:
    """Any subset of the table's columns (text cells) -> exactly :data:`COLUMNS`, with types and vocabularies."""
    n = len(frame)
    out = pd.DataFrame(index=range(n))
    for column in TEXT_COLUMNS:
        out[column] = frame[column].astype(str).map(_clean_text).to_numpy() if column in frame else [""] * n
    for column in NUMBER_COLUMNS:
        out[column] = _numbers(frame[column]).to_numpy() if column in frame else float("nan")
    out["indicator_name"] = out["indicator_name"].where(out["indicator_name"] != "", default_name)
    out["indicator_id"] = out["indicator_id"].where(out["indicator_id"] != "", out["indicator_name"].map(_slug))
    out["unit"] = [
        _unit(u, f"{name} {d}")
        for u, name, d in zip(out["unit"], out["indicator_name"], out["definition"], strict=True)
    ]
    out["sex"] = out["sex"].map(lambda s: SEXES.get(s.lower(), s) if s else "Persons")
    out["area_type"] = _area_types(out)
    out["compared_to_england"] = out["compared_to_england"].map(comparison)
    out["compared_to_region"] = out["compared_to_region"].map(comparison)
    out["polarity"] = out["polarity"].map(polarity)
    out["period"] = out["period"].str.replace(r"^(\d{4})\.0$", r"\1", regex=True)
    out["source"] = rel
    keep = (out["area_name"] != "") | (out["area_code"] != "") | (out["category"] != "")
    out = out[keep].drop_duplicates().reset_index(drop=True)
    for column in TEXT_COLUMNS:
        out[column] = out[column].astype(str)
    return out[COLUMNS]


def _numbers(column: pd.Series) -> pd.Series:
    text = column.astype(str).str.replace(",", "", regex=False).str.strip()
    return pd.to_numeric(text, errors="coerce").astype(float)


def slugify(text: str) -> str:
    """Lowercase words joined by hyphens: "% of West Sussex" -> "percent-of-west-sussex"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("%", " percent ")).strip("-")


def _slug(name: str) -> str:
    """An id from a name; a long one is cut and keeps a hash of the rest, so names that share a beginning differ."""
    slug = slugify(name)
    return slug if len(slug) <= 80 else f"{slug[:71]}-{hashlib.sha1(slug.encode()).hexdigest()[:8]}"


def _humanise(file_name: str) -> str:
    words = re.sub(r"[-_]+", " ", Path(file_name).stem).strip()
    return words[:1].upper() + words[1:]


def comparison(text: str) -> str:
    """Better / Similar / Worse / Higher / Lower in the file's own words, without Fingertips' "95%" suffix."""
    low = text.strip().lower()
    if low in NO_COMPARISON:
        return ""
    if low in {"no diff", "no difference", "not significantly different", "no significant difference"}:
        return "Similar"
    match = re.fullmatch(r"(?:significantly\s+)?(better|worse|similar|higher|lower|same)(?:\s+95(?:\.0)?%?)?", low)
    return match.group(1).capitalize() if match else text.strip()


def polarity(text: str) -> str:
    low = text.lower().replace("_", " ")
    if re.search(r"high(er)? is (good|better)", low):
        return "high_is_good"
    if re.search(r"low(er)? is (good|better)", low):
        return "low_is_good"
    return ""  # "BOB - Blue orange blue", "Not applicable", "RAG - No judgement"


def _unit(raw: str, text: str) -> str:
    """The file's unit in a few standard spellings; for a bare "rate" or none, a guess from the name."""
    low = raw.strip().lower()
    if low in UNITS:
        return UNITS[low]
    if re.search(r"percent|proportion", low):
        return "%"
    per = re.match(r"(?:rate\s+)?per\s+([\d,]+)", low)
    if per:
        return f"per {per.group(1)}"
    if low not in PLAIN_RATES:
        return raw.strip()
    lowered = text.lower()
    per = re.search(r"(?:\bper|/)\s*([\d,]{3,})(?![\d,])", lowered)
    if per:
        return f"per {int(per.group(1).replace(',', '')):,}"
    if "life expectancy" in lowered:
        return "years"
    if re.search(r"%|percent|proportion|fraction|prevalence", lowered):
        return "%"
    return raw.strip()


def _area_types(out: pd.DataFrame) -> list[str]:
    """The file's area type in the table's vocabulary; else from the area code; else from the name."""
    codes = set(out["area_code"])
    has_districts = any(c.startswith("E07") for c in codes)
    has_counties = any(c.startswith("E10") for c in codes)
    # A unitary authority is in both tiers; file it with the tier the file's other areas are in.
    unitary = "District & UA" if has_districts and not has_counties else "County & UA"
    return [
        _area_type(given, code, name, unitary)
        for given, code, name in zip(out["area_type"], out["area_code"], out["area_name"], strict=True)
    ]


def _area_type(given: str, code: str, name: str, unitary: str) -> str:
    low = given.lower()
    if low in {"ua", "uas", "unitary authority", "unitary authorities"}:
        return unitary
    for pattern, label in AREA_TYPE_PATTERNS:
        if pattern.search(low):
            return label
    if given:
        return given
    if code[:3] in CODE_TYPES:
        return CODE_TYPES[code[:3]]
    if code.startswith(UNITARY_PREFIXES):
        return unitary
    lowered = name.lower()
    if lowered == "england":
        return "England"
    if lowered == "england and wales":
        return "Country"
    if lowered.endswith(" region"):
        return "Region"
    if lowered.endswith(" ccg"):
        return "CCG"
    return ""


# ---------------------------------------------------------------------------------------------- workbooks


def _read_workbook(path: Path, rel: str, sidecar: Sidecar) -> tuple[pd.DataFrame, list[SkippedFile]]:
    if sidecar.column_map:
        raise DocumentError(rel, "a workbook's sidecar cannot have a column_map", SIDECAR_ADVICE)
    grids = _sheets(path, rel)
    meta = _workbook_metadata(grids)
    frames, skipped = [], []
    for sheet, grid in grids.items():
        if DOCUMENTATION_SHEET.search(sheet):
            continue  # read above for names and definitions
        where = f"{rel}#{sheet}"
        try:
            frame = _sheet_records(grid, sheet, meta)
        except DocumentError as error:
            skipped.append(SkippedFile(where, error.reason))
            continue
        for column, value in sidecar.constants.items():
            frame[column] = value
        frames.append(_finish(frame, where, default_name=sheet))
    if not frames and not skipped:
        raise DocumentError(rel, "the workbook has no data sheets, only contents, metadata or hidden ones", "")
    table = pd.concat(frames, ignore_index=True) if frames else empty_table()
    return table, skipped


def _sheets(path: Path, rel: str) -> dict[str, pd.DataFrame]:
    """The visible sheets as grids of cells (no header), empty rows and columns dropped."""
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            hidden = {ws.title for ws in book.book.worksheets if ws.sheet_state != "visible"}
            visible = [name for name in book.sheet_names if str(name) not in hidden]
            grids = {str(k): v for k, v in pd.read_excel(book, sheet_name=visible, header=None).items()}
    except Exception as exc:  # openpyxl raises zipfile, KeyError, ValueError... for a damaged file
        raise DocumentError(
            rel,
            f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
            "Open it in Excel and save it again as .xlsx, or export its tables as CSV.",
        ) from exc
    return {name: _compact(grid) for name, grid in grids.items()}


def _compact(grid: pd.DataFrame) -> pd.DataFrame:
    grid = grid.dropna(how="all").dropna(axis=1, how="all").reset_index(drop=True)
    grid.columns = range(grid.shape[1])
    return grid


def _workbook_metadata(grids: dict[str, pd.DataFrame]) -> dict[str, str]:
    """The "label | text" pairs from the contents/metadata sheets ("Description", "Data Type", ...)."""
    meta: dict[str, str] = {}
    for sheet, grid in grids.items():
        if not DOCUMENTATION_SHEET.search(sheet) or grid.shape[1] < 2:
            continue
        for label, text in zip(grid[0], grid[1], strict=True):
            if isinstance(label, str) and isinstance(text, str) and len(label) < 40:
                meta.setdefault(label.strip().rstrip(":").lower(), " ".join(text.split()))
    return meta


def _sheet_records(grid: pd.DataFrame, sheet: str, meta: dict[str, str]) -> pd.DataFrame:
    if grid.empty:
        raise DocumentError(sheet, "empty sheet")
    cells = grid.stack()
    if any(isinstance(c, str) and DASHBOARD_PROMPT.search(c.strip()) for c in cells):
        raise DocumentError(
            sheet, "dashboard sheet: its tables change with drop-down selections, so there is no fixed table"
        )
    numeric_columns = sum(grid[c].map(_cell_number).notna().any() for c in grid.columns)
    if numeric_columns > WIDE_SHEET:
        return _wide_records(grid, sheet, numeric_columns)
    header = _year_header(grid)
    if header is not None:
        return pd.DataFrame(_year_records(grid, header[0], header[1], sheet, meta))
    return pd.DataFrame(_area_records(grid, sheet))


# A wide sheet's column heading: "<statistic> of <measure> (<period>)", "<measure> - LCI (<period>)", ...
HEADING_PERIOD = re.compile(r"^(.*?\S)\s*\(([^()]*\d\d[^()]*)\)\s*(?:-\s*historic)?$", re.I)
STATISTICS = (  # a statistic's words in a heading -> its column of the table
    (re.compile(r"\b(lower ci|lci|lcl)\b|(?<=[a-z])lcl\b", re.I), "lower_ci"),
    (re.compile(r"\b(upper ci|uci|ucl)\b|(?<=[a-z])ucl\b", re.I), "upper_ci"),
    (re.compile(r"^denominator\b|\bdenominator$|\bdenom$|\bmye\b", re.I), "denominator"),  # MYE: mid-year estimate
    (re.compile(r"\bsig(nificance)?\b(\s+vs\.?\s+eng(land)?\b)?", re.I), "compared_to_england"),
    (re.compile(r"^(number|count|n)\b", re.I), "count"),
)
NOT_MEASURES = re.compile(r"^(easting|northing|postcode|.*\burn|reference|.*geography|.*\*pop)\b", re.I)
GEOGRAPHY_HEADING = re.compile(r"^(lower geography|geography|area type|geography type|type)$", re.I)
AREA_HEADING = re.compile(r"^(reference|area|area name|name|geography name)$", re.I)
NEARBY = 8  # a statistic's value column is at most this many columns away
FILLER_WORDS = {"of", "the", "for", "at", "in", "to", "a", "and", "value", "vs", "eng"}


@dataclass(frozen=True)
class _Column:
    number: int
    name: str  # the heading without its period
    period: str
    role: str
    words: frozenset[str]


def _wide_records(grid: pd.DataFrame, sheet: str, numeric_columns: int) -> pd.DataFrame:
    """A data sheet with one row per area and one column per measure, statistic and period ("Rate of under 18
    conceptions (2012)", "LCI under 18 conceptions (2012)", "Percentage of current smokers - UCI"): melted into
    one row per measure, area and period. Headings are too irregular to match exactly, so each statistic joins
    the nearby value column of the same period whose heading shares most of its words; counts that join none
    are measures of their own."""
    header = max(
        range(min(len(grid), 20)), key=lambda r: sum(bool(HEADING_PERIOD.match(_text(c))) for c in grid.iloc[r])
    )
    headings = {c: _text(grid.iat[header, c]) for c in grid.columns}
    area_column = next((c for c, h in headings.items() if AREA_HEADING.match(h)), None)
    if area_column is None or not any(HEADING_PERIOD.match(h) for h in headings.values()):
        raise DocumentError(
            sheet,
            f"wide data sheet: {numeric_columns} numeric columns, but no area column and no headings with a period "
            "in brackets to read measures from (export the indicators needed as a tidy CSV)",
        )
    body = grid.iloc[header + 1 :]
    type_column = next((c for c, h in headings.items() if GEOGRAPHY_HEADING.match(h)), None)
    kinds = body[type_column].map(_text) if type_column is not None else pd.Series("", index=body.index)
    places = [_wide_area(name, kind) for name, kind in zip(body[area_column].map(_text), kinds, strict=True)]
    has_county = any(kind == "County" for _, kind in places)
    areas = pd.Series([name for name, _ in places], index=body.index)
    types = pd.Series(["District" if k == "LA" and has_county else k for _, k in places], index=body.index)
    keep = (areas != "") & (types.str.lower() != "check")

    columns = [
        _wide_column(number, heading)
        for number, heading in headings.items()
        if number > area_column and heading and not NOT_MEASURES.match(heading)
    ]
    measures = {c.number: {"value": c} for c in columns if c.role == "value"}
    for column in columns:
        if column.role == "value":
            continue
        near = [
            measures[n]["value"] for n in range(column.number - NEARBY, column.number + NEARBY + 1) if n in measures
        ]
        scored = [(_overlap(column, v), v) for v in near if v.period == column.period]
        score, best = max(scored, key=lambda pair: pair[0], default=(0.0, None))
        held = measures[best.number].get(column.role) if best else None
        if best and score >= 0.5 and (held is None or _overlap(held, best) < score):
            measures[best.number][column.role] = column
    used = {c.number for roles in measures.values() for c in roles.values()}
    measures |= {c.number: {"count": c} for c in columns if c.role == "count" and c.number not in used}

    frames = []
    for roles in measures.values():
        main = roles.get("value") or roles["count"]
        values = body[main.number].map(_cell_number)
        rows = keep & values.notna()
        if not rows.any():
            continue
        frame = pd.DataFrame({"area_name": areas[rows], "area_type": types[rows], "value": values[rows]})
        for role, column in roles.items():
            if column is not main:
                cells = body.loc[rows, column.number]
                frame[role] = cells.map(_text) if role == "compared_to_england" else cells.map(_cell_number)
        name = re.sub(r"\s*-\s*value$", "", main.name, flags=re.I)
        unit = "count" if main.role == "count" else _unit("", name)
        if unit == "%" and frame["value"].abs().max() <= 1:  # proportions as fractions: show them as percentages
            for role in ("value", "lower_ci", "upper_ci"):
                if role in frame:
                    frame[role] = frame[role] * 100
        frame["indicator_name"] = name[:1].upper() + name[1:]
        frame["unit"] = unit
        frame["period"] = main.period
        frames.append(frame)
    if not frames:
        raise DocumentError(sheet, f"wide data sheet: {numeric_columns} numeric columns, none with a value per area")
    table = pd.concat(frames, ignore_index=True)
    for role in NUMBER_COLUMNS:
        if role in table:
            table[role] = table[role].map(_str)
    return table


def _wide_column(number: int, heading: str) -> _Column:
    match = HEADING_PERIOD.match(heading)
    name, period = (match.group(1), match.group(2).strip()) if match else (heading, "")
    name = " ".join(name.split())
    role, measure = "value", name
    for pattern, statistic in STATISTICS:
        if pattern.search(name):
            role, measure = statistic, pattern.sub(" ", name, count=1)
            break
    words = {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in re.findall(r"[a-z0-9]+", measure.lower())}
    return _Column(number, name, period, role, frozenset(words - FILLER_WORDS))


def _overlap(statistic: _Column, value: _Column) -> float:
    """The share of a statistic heading's words that the value heading has too."""
    return len(statistic.words & value.words) / len(statistic.words) if statistic.words else 1.0


def _wide_area(name: str, kind: str) -> tuple[str, str]:
    """(area name, area type) of a wide sheet's row: "LA - Adur" -> ("Adur", "LA"); "County - West Sussex" ->
    ("West Sussex", "County"); local geographies keep their prefix so "IPEH - Arun" is not taken for Arun."""
    prefix, _, rest = kind.partition(" - ")
    if not rest:
        return (name.title() if name.isupper() else name), ("England" if kind.lower() == "england" else kind)
    if prefix.lower() == "ccg":
        return f"{rest} CCG", prefix
    if prefix.lower() in {"la", "county", "region", "district"}:
        return rest, prefix
    return kind, prefix


def _cell_number(cell: object) -> float | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, numbers.Real):  # numpy's int64 and float64 too
        return None if math.isnan(cell) else float(cell)
    if isinstance(cell, str):
        try:
            return float(cell.replace(",", "").strip())
        except ValueError:
            return None
    return None


def _text(cell: object) -> str:
    return " ".join(cell.split()) if isinstance(cell, str) else ""


def _year_heading(cell: object) -> str:
    number = _cell_number(cell)
    if number is not None and number.is_integer() and 1990 <= number <= 2100:
        return str(int(number))
    return ""


def _year_header(grid: pd.DataFrame) -> tuple[int, list[int]] | None:
    """A heading row with three or more years across it (projections, time series)."""
    for row in range(min(len(grid), 15)):
        years = [c for c in grid.columns if _year_heading(grid.iat[row, c])]
        if len(years) >= 3:
            return row, years
    return None


def _year_records(
    grid: pd.DataFrame, header: int, years: list[int], sheet: str, meta: dict[str, str]
) -> list[dict[str, str]]:
    """Years across, row labels down column one; a label with no numbers starts the next area's block, and
    labels like "0-4 - Adur" carry their own age band and area."""
    heading = _text(grid.iat[header, 0])
    area = "" if re.search(r"\b(age|row labels|labels|area|name)\b", heading, re.I) else heading
    records: list[dict[str, str]] = []
    age_rows = 0
    for row in range(header + 1, len(grid)):
        label = _text(grid.iat[row, 0])
        values = [(c, _cell_number(grid.iat[row, c])) for c in years]
        if all(v is None for _, v in values):
            area = label or area
            continue
        if not label:
            continue
        age_band = AGE_AND_AREA.match(label)
        age, where, category = (age_band.group(1), age_band.group(2), "") if age_band else ("", area, label)
        age_rows += bool(age_band)
        if not where:
            raise DocumentError(sheet, "no area column: the rows are labelled but no area heads them")
        for column, value in values:
            period = _year_heading(grid.iat[header, column])
            records.append(dict(area_name=where, age=age, category=category, period=period, value=_str(value)))
    if not records:
        raise DocumentError(sheet, "no rows with numbers under the year columns")
    sex, _ = _split_sex(sheet.split()[0])
    if age_rows:
        name, definition = "Population by age band", meta.get("population data", "")
    else:
        name, definition = meta.get("data type", sheet), meta.get("description", "")
    for record in records:
        record.update(indicator_name=name, definition=definition, unit="count", sex=sex)
        record["age"] = "All ages" if record["age"].lower() == "all ages" else record["age"]
    return records


def _str(value: float | None) -> str:
    return "" if value is None else repr(value)


def _area_records(grid: pd.DataFrame, sheet: str) -> list[dict[str, str]]:
    """A formatted table: title rows, a row of periods, a row of headings, then one row per area."""
    found = _first_area_row(grid)
    if found is None:
        raise DocumentError(sheet, "no table with an area column and a value column")
    first, area_column = found
    heading_row = next(
        (r for r in range(first - 1, -1, -1) if any(_text(grid.iat[r, c]) for c in grid.columns[area_column + 1 :])),
        None,
    )
    if heading_row is None:
        raise DocumentError(sheet, "no heading row above the table")
    periods = _period_row(grid, heading_row, area_column)
    title = _title(grid, heading_row)
    groups: dict[str, dict[str, int]] = {}
    for column in grid.columns[area_column + 1 :]:
        heading = _text(grid.iat[heading_row, column])
        role = _role(heading) if heading else ""
        if role in ("", "ignore"):
            continue
        group = groups.setdefault(periods.get(column, ""), {})
        if role in group:
            raise DocumentError(sheet, f"two {role} columns under one heading ({heading!r}); expected one per period")
        group[role] = column
    groups = {p: g for p, g in groups.items() if "value" in g}
    if not groups:
        raise DocumentError(sheet, "no table with an area column and a value column")
    name, sex = _title_name(title or sheet)
    title_period = TITLE_PERIOD.search(title.split(";")[-1]) if ";" in title else None
    records = []
    for row in range(first, len(grid)):
        area = _text(grid.iat[row, area_column])
        if not area or re.match(r"(source|notes?)\b", area, re.I):
            continue
        for period, group in groups.items():
            value = _cell_number(grid.iat[row, group["value"]])
            if value is None:
                continue
            record = dict(area_name=area, period=period or (title_period.group(1) if title_period else ""))
            record["value"] = _str(value)
            for role in ("lower_ci", "upper_ci", "count", "denominator"):
                record[role] = _str(_cell_number(grid.iat[row, group[role]])) if role in group else ""
            if "compared_to_england" in group:
                record["compared_to_england"] = _text(grid.iat[row, group["compared_to_england"]])
            records.append(record)
    unit_hint = " ".join(_text(grid.iat[heading_row, g["value"]]) for g in groups.values())
    for record in records:
        record.update(indicator_name=name, sex=sex, definition=title if title != name else "")
        record["unit"] = _unit("", f"{name} {unit_hint}")
    return records


def _first_area_row(grid: pd.DataFrame) -> tuple[int, int] | None:
    """The first row with a place name followed by numbers, where that column holds names (not age bands or
    years) in most of the rows with numbers below it."""
    for row in range(len(grid)):
        for column in grid.columns:
            label = _text(grid.iat[row, column])
            if not label or _cell_number(label) is not None:
                continue
            if not any(_cell_number(grid.iat[row, c]) is not None for c in grid.columns[column + 1 :]):
                continue
            if _names_column(grid, row, column):
                return row, column
            break  # only the leftmost label of a row can be its area
    return None


def _names_column(grid: pd.DataFrame, first: int, column: int) -> bool:
    right = grid.columns[column + 1 :]
    rows = [r for r in range(first, len(grid)) if any(_cell_number(grid.iat[r, c]) is not None for c in right)]
    labels = [_text(grid.iat[r, column]) for r in rows]
    named = [label for label in labels if label and _cell_number(label) is None]
    if len(named) < max(2, 0.6 * len(rows)):
        return False
    banded = [label for label in named if re.fullmatch(r"\d+\s*[-+]\s*\d*|(?:19|20)\d\d\S*", label)]
    return len(banded) < len(named) / 2


def _period_row(grid: pd.DataFrame, heading_row: int, area_column: int) -> dict[int, str]:
    """Periods over the heading row ("2009 to 2011" over four columns), carried across merged cells."""
    for row in (heading_row - 1, heading_row - 2):
        if row < 0:
            break
        labels = {c: _text(grid.iat[row, c]) for c in grid.columns[area_column + 1 :]}
        if any(labels.values()) and all(PERIOD_TEXT.search(v) for v in labels.values() if v):
            carried, current = {}, ""
            for column, label in labels.items():
                current = label or current
                carried[column] = current
            return carried
    return {}


def _title(grid: pd.DataFrame, heading_row: int) -> str:
    for row in range(heading_row):
        for column in grid.columns[:3]:
            text = _text(grid.iat[row, column])
            if len(text) >= 15:
                return re.sub(r"^table\s*\d+\s*[:.\-]\s*", "", text, flags=re.I)
    return ""


def _title_name(title: str) -> tuple[str, str]:
    """A table title such as "Female Life Expectancy at birth (years), 95% confidence levels ...; 2009-2011 to
    2012-2014" -> ("Life Expectancy at birth", "Female")."""
    name = re.split(r";|,\s*95%", title)[0]
    name = re.sub(
        r"\s+for\s+(local authorities|clinical commissioning groups|ccgs|districts|wards)\b.*$", "", name, flags=re.I
    )
    name = re.sub(r"\s*\((years|%)\)\s*$", "", name, flags=re.I).strip()
    sex, name = _split_sex(name)
    return name, sex


def _role(heading: str) -> str:
    low = heading.lower()
    if re.search(r"\brank", low):
        return "ignore"
    if re.search(r"\blower\b.*\b(ci|confidence|limit)|^lci\b|\blcl\b", low):
        return "lower_ci"
    if re.search(r"\bupper\b.*\b(ci|confidence|limit)|^uci\b|\bucl\b", low):
        return "upper_ci"
    if re.search(r"\bsig(nificance|nificant)?\b|compared", low):
        return "compared_to_england"
    if re.search(r"^(number|count|numerator)\b|number of|\bdeaths\b", low):
        return "count"
    if re.search(r"denominator|^population|^births$", low):
        return "denominator"
    if re.search(r"rate|ratio|expectancy|%|percent|proportion|prevalence|value|score|average|mean", low):
        return "value"
    return "ignore"
