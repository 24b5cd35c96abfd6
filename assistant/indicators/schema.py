"""The long indicator table: one row per (indicator, area, sex, age, category, period).

Its columns (:data:`COLUMNS`), the vocabularies its cells are put in (sexes, units, comparison words, area types
and the area-code prefixes that give them), and :func:`finish`, which every reader ends with: any subset of the
columns, as text cells, -> exactly :data:`COLUMNS`, numbers as floats and "" for missing text. The cell helpers at
the end are shared by the workbook readers.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import re

import pandas as pd

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


def empty_table() -> pd.DataFrame:
    """The long table with no rows: exactly :data:`COLUMNS`, with their types."""
    return pd.DataFrame({c: pd.Series(dtype=float if c in NUMBER_COLUMNS else str) for c in COLUMNS})


# An "indicator" that is only a confidence limit of another, as some workbooks list them in their own rows
# ("LCLsmoke", "UCL_book", "Lower CI 95"): the interval belongs to its indicator's row, and alone it measures nothing.
CONFIDENCE_LIMIT = re.compile(
    r"^(?:[lu]c[il](?:[\s_.-]*[a-z0-9]+)?|(?:lower|upper)\s+(?:ci|cl|95|confidence)\b.*)$", re.IGNORECASE
)


def finish(frame: pd.DataFrame, rel: str, default_name: str) -> pd.DataFrame:
    """Any subset of the table's columns (text cells) -> exactly :data:`COLUMNS`, with types and vocabularies."""
    n = len(frame)
    out = pd.DataFrame(index=range(n))
    for column in TEXT_COLUMNS:
        out[column] = frame[column].astype(str).map(clean_text).to_numpy() if column in frame else [""] * n
    for column in NUMBER_COLUMNS:
        out[column] = parse_numbers(frame[column]).to_numpy() if column in frame else float("nan")
    out["indicator_name"] = out["indicator_name"].where(out["indicator_name"] != "", default_name)
    out["indicator_id"] = out["indicator_id"].where(out["indicator_id"] != "", out["indicator_name"].map(id_slug))
    out["unit"] = [
        normalise_unit(u, f"{name} {d}")
        for u, name, d in zip(out["unit"], out["indicator_name"], out["definition"], strict=True)
    ]
    out["sex"] = out["sex"].map(lambda s: SEXES.get(s.lower(), s) if s else "Persons")
    out["area_type"] = area_types(out)
    out["compared_to_england"] = out["compared_to_england"].map(comparison)
    out["compared_to_region"] = out["compared_to_region"].map(comparison)
    out["polarity"] = out["polarity"].map(polarity)
    out["period"] = out["period"].str.replace(r"^(\d{4})\.0$", r"\1", regex=True)
    out["source"] = rel
    keep = (out["area_name"] != "") | (out["area_code"] != "") | (out["category"] != "")
    keep &= ~out["indicator_name"].str.match(CONFIDENCE_LIMIT)  # "LCLsmoke": another row's interval, no indicator
    out = out[keep].drop_duplicates().reset_index(drop=True)
    for column in TEXT_COLUMNS:
        out[column] = out[column].astype(str)
    return out[COLUMNS]


def clean_text(value: object) -> str:
    """A text cell with its whitespace collapsed; "" for the spellings of an empty cell (:data:`EMPTY_CELLS`)."""
    text = " ".join(str(value).split())  # names such as "Campylobacter incidence rate/100,000\n"
    return "" if text.lower() in EMPTY_CELLS else text


def parse_numbers(column: pd.Series) -> pd.Series:
    """A column of text cells as floats ("1,234" -> 1234.0); NaN where a cell is not a number."""
    text = column.astype(str).str.replace(",", "", regex=False).str.strip()
    return pd.to_numeric(text, errors="coerce").astype(float)


def slugify(text: str) -> str:
    """Lowercase words joined by hyphens: "% of West Sussex" -> "percent-of-west-sussex"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("%", " percent ")).strip("-")


def id_slug(name: str) -> str:
    """An id from a name; a long one is cut and keeps a hash of the rest, so names that share a beginning differ."""
    slug = slugify(name)
    return slug if len(slug) <= 80 else f"{slug[:71]}-{hashlib.sha1(slug.encode()).hexdigest()[:8]}"


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


def normalise_unit(raw: str, text: str) -> str:
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


def area_types(out: pd.DataFrame) -> list[str]:
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


def split_sex(name: str) -> tuple[str, str]:
    """A name that starts or ends with a sex -> (sex, the rest); other names are Persons."""
    match = SEX_IN_NAME.search(name)
    if not match:
        return "Persons", name
    word = (match.group(1) or match.group(2)).lower()
    rest = (name[: match.start()] + " " + name[match.end() :]).strip(" :-,")
    return SEXES[word], rest[:1].upper() + rest[1:]


# ---------------------------------------------------------------------------------------------- sheet cells


def cell_number(cell: object) -> float | None:
    """A sheet cell as a number; None for booleans, empty cells and text that is not a number."""
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


def cell_text(cell: object) -> str:
    """A sheet cell's text with its whitespace collapsed; "" for numbers and empty cells."""
    return " ".join(cell.split()) if isinstance(cell, str) else ""


def number_text(value: float | None) -> str:
    """A number as the text cell :func:`finish` reads back ("" for none)."""
    return "" if value is None else repr(value)
